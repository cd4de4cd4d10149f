/* The Swiss-table Go map (Go 1.27.3 internal/runtime/maps) in C, state-exact with
 * the Python reference engine src/gomap/swiss/ (map.py, table.py, group.py, iter.py).
 *
 * Names are Go's (and the reference's): Map, table, group, ctrl, h1/h2, probeSeq,
 * matchH2 / matchEmpty / matchEmptyOrDeleted / matchFull, putSlot, rehash, grow,
 * split, installTableSplit, pruneTombstones, Iter.Init / Iter.Next / grownKeyElem.
 * Every operation follows the reference statement by statement, including the order
 * in which it calls the user's code (hasher, rand, subscribers, __eq__), so that a
 * failing callback leaves the same state in both backends.
 *
 * Layout: a group is Go's: one uint64 control word (byte j = slot j: 0x80 empty,
 * 0xFE deleted, 0hhhhhhh full with H2) and 8 slots of (key, elem) object references.
 * A table is a Python object (gomap._native.SwissTable) owning one array of groups,
 * so that an iterator, the directory and the debug tools can all hold it (a stale
 * table lives on for the iterators that walk it, as Go's GC keeps it). The small
 * map's single group is a one-group table. The directory is an array of table
 * references, one per entry (entries sharing a table hold one reference each).
 *
 * The bitset matches are exact (amd64's SIMD semantics): the portable Go version's
 * false positives would call __eq__ once more, which user keys can observe.
 *
 * This engine is the pinned release's (Go 1.27.3): prune on every typed path
 * (pointer keys too), Clear of an emptied map with tombstones, small maps updated in
 * place. Other releases run on the Python engine (gomap.engines.EngineSpec.backend_for).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <stddef.h>

#include "native.h"

#define GROUP_SLOTS 8
#define CTRL_EMPTY 0x80
#define CTRL_DELETED 0xFE
#define MAX_AVG_GROUP_LOAD 7
#define MAX_TABLE_CAPACITY 1024
#define BITSET_LSB 0x0101010101010101ULL
#define BITSET_MSB 0x8080808080808080ULL
#define BITSET_LOW7 0x7F7F7F7F7F7F7F7FULL
#define CTRL_GROUP_EMPTY BITSET_MSB /* ctrlGroup.setEmpty: every byte 0x80 */
#define MAX_ALLOC ((uint64_t)1 << 48)

typedef struct {
    PyObject *key;
    PyObject *elem;
} slot_t;

typedef struct {
    uint64_t ctrl;
    slot_t slots[GROUP_SLOTS];
} group_t;

/* ---- control words and bitsets ---------------------------------------------------- */
static inline uint8_t ctrl_get(const group_t *g, int j) { return (uint8_t)(g->ctrl >> (8 * j)); }

static inline void ctrl_set(group_t *g, int j, uint8_t c) {
    g->ctrl = (g->ctrl & ~((uint64_t)0xFF << (8 * j))) | ((uint64_t)c << (8 * j));
}

/* bytes of v equal to b: 0x80 in each such byte (exact, no false positives) */
static inline uint64_t match_byte(uint64_t v, uint8_t b) {
    uint64_t x = v ^ (BITSET_LSB * b);
    return ~(((x & BITSET_LOW7) + BITSET_LOW7) | x | BITSET_LOW7);
}
static inline uint64_t matchH2(uint64_t ctrl, uint8_t h2) { return match_byte(ctrl, h2); }
static inline uint64_t matchEmpty(uint64_t ctrl) { return match_byte(ctrl, CTRL_EMPTY); }
static inline uint64_t matchDeleted(uint64_t ctrl) { return match_byte(ctrl, CTRL_DELETED); }
static inline uint64_t matchEmptyOrDeleted(uint64_t ctrl) { return ctrl & BITSET_MSB; }
static inline uint64_t matchFull(uint64_t ctrl) { return ~ctrl & BITSET_MSB; }
static inline int bitset_first(uint64_t b) { return __builtin_ctzll(b) >> 3; }
static inline uint64_t bitset_remove_below(uint64_t b, int i) {
    if (i >= GROUP_SLOTS)
        return 0;
    return b & ~(((uint64_t)1 << (8 * i)) - 1);
}
/* the slots of b below j (for "the first deleted before the first empty") */
static inline uint64_t bitset_below(uint64_t b, int j) {
    return j >= 8 ? b : b & (((uint64_t)1 << (8 * j)) - 1);
}

static uint64_t align_up_pow2(uint64_t n) {
    if (n <= 1)
        return n;
    return (uint64_t)1 << (64 - __builtin_clzll(n - 1));
}

/* ---- tables ------------------------------------------------------------------------ */
typedef struct {
    PyObject_HEAD
    Py_ssize_t used;
    Py_ssize_t capacity;
    Py_ssize_t growth_left;
    int local_depth;
    Py_ssize_t index;   /* -1: stale */
    uint64_t length_mask;
    group_t *groups;
} TableObject;

static PyTypeObject TableType;

static Py_ssize_t max_growth_left(const TableObject *t) {
    if (t->capacity <= GROUP_SLOTS)
        return t->capacity - 1;
    return t->capacity * MAX_AVG_GROUP_LOAD / GROUP_SLOTS;
}

static Py_ssize_t tombstones(const TableObject *t) {
    return t->capacity * MAX_AVG_GROUP_LOAD / GROUP_SLOTS - t->used - t->growth_left;
}

/* Table(capacity, index, local_depth) + reset: capacity is a power of two >= 8 */
static TableObject *table_alloc(Py_ssize_t capacity, Py_ssize_t index, int local_depth) {
    TableObject *t = PyObject_GC_New(TableObject, &TableType);
    if (t == NULL)
        return NULL;
    Py_ssize_t ngroups = capacity / GROUP_SLOTS;
    t->groups = PyMem_Calloc((size_t)ngroups, sizeof(group_t));
    if (t->groups == NULL) {
        t->capacity = 0;
        Py_DECREF(t);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t g = 0; g < ngroups; g++)
        t->groups[g].ctrl = CTRL_GROUP_EMPTY;
    t->used = 0;
    t->capacity = capacity;
    t->length_mask = (uint64_t)ngroups - 1;
    t->local_depth = local_depth;
    t->index = index;
    t->growth_left = max_growth_left(t);
    PyObject_GC_Track(t);
    return t;
}

/* newTable: at least one group, rounded up to a power of two */
static TableObject *new_table(uint64_t capacity, Py_ssize_t index, int local_depth) {
    if (capacity < GROUP_SLOTS)
        capacity = GROUP_SLOTS;
    if (capacity > MAX_TABLE_CAPACITY) {
        PyErr_SetString(PyExc_ValueError, "initial table capacity too large");
        return NULL;
    }
    return table_alloc((Py_ssize_t)align_up_pow2(capacity), index, local_depth);
}

static void table_clear_slots(TableObject *t) {
    if (t->groups == NULL)
        return;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            Py_CLEAR(t->groups[g].slots[j].key);
            Py_CLEAR(t->groups[g].slots[j].elem);
        }
    }
}

static int Table_traverse(TableObject *t, visitproc visit, void *arg) {
    if (t->groups == NULL)
        return 0;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            Py_VISIT(t->groups[g].slots[j].key);
            Py_VISIT(t->groups[g].slots[j].elem);
        }
    }
    return 0;
}

static int Table_tp_clear(TableObject *t) {
    table_clear_slots(t);
    return 0;
}

static void Table_dealloc(TableObject *t) {
    PyObject_GC_UnTrack(t);
    Py_TRASHCAN_BEGIN(t, Table_dealloc)
    table_clear_slots(t);
    PyMem_Free(t->groups);
    t->groups = NULL;
    PyObject_GC_Del(t);
    Py_TRASHCAN_END
}

/* ---- the map ----------------------------------------------------------------------- */
enum { KK_generic, KK_fast32, KK_fast64, KK_faststr, KK_fast32ptr, KK_fast64ptr, KK_N };
static const char *key_kind_names[KK_N] = {"generic", "fast32", "fast64", "faststr",
                                           "fast32ptr", "fast64ptr"};

typedef struct {
    PyObject_HEAD
    Py_ssize_t used;
    uint64_t seed;
    PyObject *seed_obj;
    TableObject *small;        /* dirPtr while dirLen == 0 (NULL: nothing allocated) */
    TableObject **directory;   /* dirPtr[:dirLen] */
    Py_ssize_t dir_len;
    int global_depth;
    int global_shift;
    int writing;
    void *owner;               /* not in Go: the first thread state to touch it (GOMAP_TOUCH) */
    int shared;                /* not in Go: another thread has touched it */
    int tomb;                  /* tombstonePossible */
    Py_ssize_t clear_seq;
    int key_kind;
    int typed, prune, fast_small;
    Py_ssize_t group_size;
    PyObject *hasher;
    PyObject *rand;
    PyObject *subscribers;
    int fast_hash;             /* 0: call hasher; 1: the default hasher; 2: the default, stable */
    PyObject *hrand;
    int inited;
    struct sacct *acct;        /* not in Go: the heap accountant (_account), or NULL */
    Py_ssize_t op;             /* not in Go: the number of the op being replayed (_replay) */
    PyObject *weakrefs;
} SwissMapObject;

static PyTypeObject SwissMapType;
static PyTypeObject SwissIterType;
static PyObject *swiss_go_version; /* gomap.swiss.map.GO_VERSION */


static int set_seed(SwissMapObject *m, uint64_t v) {
    PyObject *o = PyLong_FromUnsignedLongLong(v);
    if (o == NULL)
        return -1;
    m->seed = v;
    Py_XSETREF(m->seed_obj, o);
    return 0;
}

static int draw_seed(SwissMapObject *m) {
    uint64_t r;
    if (gomap_call_rand(m->rand, &r) < 0)
        return -1;
    return set_seed(m, r);
}


/* hasher(key, seed): the default hasher computed in C where it can be (the very
 * same function as gomap.hashing.DefaultHasher), else the Python hasher. */
static int sm_hash(SwissMapObject *m, PyObject *key, uint64_t *out) {
    if (m->fast_hash) {
        int r = gomap_default_hash(m->fast_hash, m->hrand, m->seed, key, out);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return gomap_call_hasher(m->hasher, key, m->seed_obj, out);
}


/* key == stored, as the reference's `key == stored` (its operand order) */
static inline int keq(PyObject *key, PyObject *stored) { return gomap_eq(key, stored); }

/* key == key, as Python evaluates it */
static inline int self_eq(PyObject *k) { return gomap_self_cmp(k, Py_EQ); }


/* ---- events ------------------------------------------------------------------------
 * Every event the engine emits, by id; their names are interned once, so that a
 * filtered subscriber (gomap.events.EventFilter) costs one bit test per event and
 * an event nobody wants builds no details (gomap_wants / gomap_emit, module.c). */
#define GOMAP_EVENTS_SWISS
#include "events_gen.h" /* EV_*, EMIT_*: generated from gomap.events by gen_events.py */
PyObject *gomap_swiss_ev_names[EV_N];

/* ---- heap accounting ------------------------------------------------------------------
 * gomap.memory.SwissAccountant in C, for an accounted native map (_account()): the same
 * figures at the same points (the reference counts them from the events growToSmall,
 * smallToTable, tableGrow, split and directoryGrow, as their first subscriber, and the
 * entries from len() around each assign / delete / clear, as AccountedEngine does).
 * The sizes come from the layout's own functions, called once per size. */
typedef struct sacct {
    int64_t live, allocated, allocations, peak, entries;
    int64_t entry_bytes, key_bytes, elem_bytes;
    int indirect_key, indirect_elem;
    int64_t small_bytes, dir_bytes, tables, table_bytes, capacity, grow_events;
    int64_t table_size, map_size;
    int64_t gab[8];            /* group_array_bytes(1 << i), -1 until asked */
    PyObject *group_array_bytes;
    PyObject *dir_alloc_bytes;
} sacct_t;

static int64_t call_size(PyObject *fn, Py_ssize_t n) {
    PyObject *r = PyObject_CallFunction(fn, "n", n);
    if (r == NULL)
        return -1;
    long long v = PyLong_AsLongLong(r);
    Py_DECREF(r);
    return v;
}

static int64_t acct_gab(sacct_t *a, Py_ssize_t ngroups) {
    int i = 63 - __builtin_clzll((unsigned long long)ngroups);
    if (i < 8 && ((Py_ssize_t)1 << i) == ngroups) {
        if (a->gab[i] < 0)
            a->gab[i] = call_size(a->group_array_bytes, ngroups);
        return a->gab[i];
    }
    return call_size(a->group_array_bytes, ngroups);
}

static inline void acct_alloc(sacct_t *a, int64_t n) {
    a->allocated += n;
    a->allocations++;
    a->live += n;
}

static int acct_new_table(sacct_t *a, Py_ssize_t capacity) {
    int64_t g = acct_gab(a, capacity / GROUP_SLOTS);
    if (g < 0)
        return -1;
    acct_alloc(a, a->table_size);
    acct_alloc(a, g);
    a->tables++;
    a->table_bytes += a->table_size + g;
    a->capacity += capacity;
    return 0;
}

static int acct_drop_table(sacct_t *a, Py_ssize_t capacity) {
    int64_t g = acct_gab(a, capacity / GROUP_SLOTS);
    if (g < 0)
        return -1;
    a->live -= a->table_size + g;
    a->table_bytes -= a->table_size + g;
    a->tables--;
    a->capacity -= capacity;
    return 0;
}

static int acct_new_directory(sacct_t *a, Py_ssize_t n) {
    int64_t b = call_size(a->dir_alloc_bytes, n);
    if (b < 0)
        return -1;
    a->dir_bytes = b;
    acct_alloc(a, b);
    return 0;
}

static inline void acct_settle(sacct_t *a) {
    if (a != NULL && a->live > a->peak)
        a->peak = a->live;
}

static void acct_free(sacct_t *a) {
    if (a == NULL)
        return;
    Py_CLEAR(a->group_array_bytes);
    Py_CLEAR(a->dir_alloc_bytes);
    PyMem_Free(a);
}

/* ---- the directory ------------------------------------------------------------------ */
static inline TableObject *dir_table(SwissMapObject *m, uint64_t hash) {
    return m->directory[m->dir_len == 1 ? 0 : (Py_ssize_t)(hash >> (m->global_shift & 63))];
}

static void directory_set(SwissMapObject *m, Py_ssize_t i, TableObject *nt) {
    Py_INCREF(nt);
    Py_XSETREF(m->directory[i], nt);
}

/* replaceTable */
static void replace_table(SwissMapObject *m, TableObject *nt) {
    Py_ssize_t entries = (Py_ssize_t)1 << (m->global_depth - nt->local_depth);
    for (Py_ssize_t i = 0; i < entries; i++)
        directory_set(m, nt->index + i, nt);
}

/* installTableSplit */
static int install_table_split(SwissMapObject *m, TableObject *old, TableObject *left,
                               TableObject *right) {
    if (old->local_depth == m->global_depth) {
        /* No room for another level in the directory: grow it. */
        Py_ssize_t old_len = m->dir_len;
        TableObject **nd = PyMem_Calloc((size_t)(2 * old_len), sizeof(TableObject *));
        if (nd == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < old_len; i++) {
            TableObject *t = m->directory[i];
            nd[2 * i] = t;  /* the old entry's reference moves here */
            Py_INCREF(t);
            nd[2 * i + 1] = t;
            if (t->index == i)
                t->index = 2 * i;
        }
        PyMem_Free(m->directory);
        m->directory = nd;
        m->global_depth++;
        m->global_shift--;
        m->dir_len = 2 * old_len;
        if (m->acct != NULL) {
            int64_t old_bytes = m->acct->dir_bytes;
            if (acct_new_directory(m->acct, m->dir_len) < 0)
                return -1;
            m->acct->live -= old_bytes;
        }
        if (EMIT_directoryGrow(m, old_len, m->dir_len, m->global_depth) < 0)
            return -1;
    }
    left->index = old->index;
    replace_table(m, left);
    Py_ssize_t entries = (Py_ssize_t)1 << (m->global_depth - left->local_depth);
    right->index = left->index + entries;
    replace_table(m, right);
    return 0;
}

/* The probe of one group every lookup, insert and delete makes (g.ctrls().matchH2(h2),
 * then the key compares): 1 with the slot of key in *slot, 0 absent, -1 error. The
 * match is re-read after each compare, as the reference does (ctrl.find(h2, i + 1,
 * end)): a user __eq__ runs in between. */
static int group_find(group_t *g, uint8_t h2, PyObject *key, int *slot) {
    uint64_t match = matchH2(g->ctrl, h2);
    while (match) {
        int i = bitset_first(match);
        PyObject *sk = g->slots[i].key;
        if (sk != NULL) {
            int r = keq(key, sk);
            if (r != 0) {
                *slot = i;
                return r;
            }
        }
        match = bitset_remove_below(matchH2(g->ctrl, h2), i + 1);
    }
    return 0;
}

/* ---- table operations ---------------------------------------------------------------- */
/* table.getWithKey: 1 found (*pk, *pe borrowed from the slot, valid until user code
 * runs), 0 absent, -1 error. The caller holds a reference to t. */
static int table_get_with_key(TableObject *t, uint64_t hash, PyObject *key, PyObject **pk,
                              PyObject **pe) {
    uint64_t mask = t->length_mask;
    uint8_t h2 = hash & 0x7F;
    uint64_t offset = (hash >> 7) & mask;
    uint64_t index = 0;
    for (;;) {
        group_t *g = &t->groups[offset];
        int i;
        int r = group_find(g, h2, key, &i);
        if (r < 0)
            return -1;
        if (r) {
            *pk = g->slots[i].key;
            *pe = g->slots[i].elem;
            return 1;
        }
        if (matchEmpty(g->ctrl))
            return 0;
        index++;
        offset = (offset + index) & mask;
    }
}

/* uncheckedPutSlot: a key known to be absent, into a table with room and no tombstones */
static int table_unchecked_put_slot(TableObject *t, uint64_t hash, PyObject *key,
                                    PyObject *elem) {
    if (t->growth_left == 0) {
        PyErr_SetString(PyExc_AssertionError, "invariant failed: growthLeft is unexpectedly 0");
        return -1;
    }
    uint64_t mask = t->length_mask;
    uint64_t offset = (hash >> 7) & mask;
    uint64_t index = 0;
    for (;;) {
        group_t *g = &t->groups[offset];
        uint64_t match = matchEmptyOrDeleted(g->ctrl);
        if (match) {
            int i = bitset_first(match);
            Py_INCREF(key);
            Py_XSETREF(g->slots[i].key, key);
            Py_INCREF(elem);
            Py_XSETREF(g->slots[i].elem, elem);
            t->growth_left--;
            t->used++;
            ctrl_set(g, i, hash & 0x7F);
            return 0;
        }
        index++;
        offset = (offset + index) & mask;
    }
}

static int table_rehash(SwissMapObject *m, TableObject *t);
static int prune_tombstones(SwissMapObject *m, TableObject *t);

static inline void slot_store(slot_t *s, PyObject *key, PyObject *elem) {
    Py_INCREF(key);
    Py_XSETREF(s->key, key);
    Py_INCREF(elem);
    Py_XSETREF(s->elem, elem);
}

/* table.PutSlot / the mapassign loops: 1 done, 0 rehashed (look the table up again),
 * -1 error. The caller holds a reference to t. */
static int table_put_slot(SwissMapObject *m, TableObject *t, uint64_t hash, PyObject *key,
                          PyObject *elem, int typed) {
    uint64_t mask = t->length_mask;
    uint8_t h2 = hash & 0x7F;
    uint64_t offset = (hash >> 7) & mask;
    uint64_t index = 0;
    group_t *fd_group = NULL;  /* the first deleted slot we find */
    int fd_slot = -1;
    for (;;) {
        group_t *g = &t->groups[offset];
        int i;
        int r = group_find(g, h2, key, &i);
        if (r < 0)
            return -1;
        if (r) {
            slot_store(&g->slots[i], key, elem);  /* NeedKeyUpdate */
            return 1;
        }
        uint64_t em = matchEmpty(g->ctrl);
        int e = em ? bitset_first(em) : -1;
        if (typed) {
            uint64_t dm = bitset_below(matchDeleted(g->ctrl), e < 0 ? 8 : e);
            if (dm) {
                if (fd_slot < 0) {
                    fd_group = g;
                    fd_slot = bitset_first(dm);
                }
                e = -1;
            }
        } else if (e < 0 && fd_slot < 0) {
            uint64_t dm = matchDeleted(g->ctrl);
            if (dm) {
                fd_group = g;
                fd_slot = bitset_first(dm);
            }
        }
        if (e >= 0) {
            group_t *sg = g;
            int slot = e;
            if (fd_slot >= 0) {
                sg = fd_group;
                slot = fd_slot;
                t->growth_left++;  /* decremented below: a no-op */
            }
            if (t->growth_left == 0 && m->prune) {
                if (prune_tombstones(m, t) < 0)
                    return -1;
            }
            if (t->growth_left > 0) {
                slot_store(&sg->slots[slot], key, elem);
                ctrl_set(sg, slot, h2);
                t->growth_left--;
                t->used++;
                m->used++;
                return 1;
            }
            if (table_rehash(m, t) < 0)
                return -1;
            return 0;
        }
        index++;
        offset = (offset + index) & mask;
    }
}

/* table.Delete: 1 if that left a tombstone, 0 otherwise, -1 error */
static int table_delete(SwissMapObject *m, TableObject *t, uint64_t hash, PyObject *key) {
    uint64_t mask = t->length_mask;
    uint8_t h2 = hash & 0x7F;
    uint64_t offset = (hash >> 7) & mask;
    uint64_t index = 0;
    for (;;) {
        group_t *g = &t->groups[offset];
        int i;
        int r = group_find(g, h2, key, &i);
        if (r < 0)
            return -1;
        if (r) {
            t->used--;
            m->used--;
            Py_CLEAR(g->slots[i].key);
            Py_CLEAR(g->slots[i].elem);
            if (matchEmpty(g->ctrl)) {
                ctrl_set(g, i, CTRL_EMPTY);
                t->growth_left++;
                return 0;
            }
            ctrl_set(g, i, CTRL_DELETED);
            if (EMIT_tombstone(m, t->index, offset, i, t->capacity) < 0)
                return -1;
            return 1;
        }
        if (matchEmpty(g->ctrl))
            return 0;
        index++;
        offset = (offset + index) & mask;
    }
}

/* pruneTombstones */
static int prune_tombstones(SwissMapObject *m, TableObject *t) {
    Py_ssize_t ts = tombstones(t);
    if (ts * 10 < t->capacity) {
        return EMIT_pruneTombstones(m, t->index, t->capacity, ts, 0);
    }
    uint64_t mask = t->length_mask;
    Py_ssize_t ngroups = (Py_ssize_t)mask + 1;
    char *has_free = PyMem_Calloc((size_t)ngroups * 2, 1);
    if (has_free == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    char *needed = has_free + ngroups;
    for (Py_ssize_t g = 0; g < ngroups; g++)
        has_free[g] = matchEmptyOrDeleted(t->groups[g].ctrl) != 0;
    for (Py_ssize_t gi = 0; gi < ngroups; gi++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (ctrl_get(&t->groups[gi], j) & CTRL_EMPTY)
                continue;
            PyObject *key = t->groups[gi].slots[j].key;
            if (key == NULL)
                continue;
            Py_INCREF(key);
            int eq = self_eq(key);
            if (eq < 0) {
                Py_DECREF(key);
                goto fail;
            }
            if (!eq) {
                Py_DECREF(key);
                continue;
            }
            uint64_t hash;
            int r = sm_hash(m, key, &hash);
            Py_DECREF(key);
            if (r < 0)
                goto fail;
            uint64_t offset = (hash >> 7) & mask;
            uint64_t step = 0;
            while (offset != (uint64_t)gi) {
                if (has_free[offset])
                    needed[offset] = 1;
                step++;
                offset = (offset + step) & mask;
            }
        }
        if (matchEmpty(t->groups[gi].ctrl))
            needed[gi] = 1;
    }
    Py_ssize_t cnt = 0;
    for (Py_ssize_t g = 0; g < ngroups; g++)
        if (!needed[g])
            cnt += __builtin_popcountll(matchEmptyOrDeleted(t->groups[g].ctrl));
    if (cnt * 10 < t->capacity) {
        PyMem_Free(has_free);
        return EMIT_pruneTombstones(m, t->index, t->capacity, ts, 0);
    }
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        if (needed[g])
            continue;
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (ctrl_get(&t->groups[g], j) & CTRL_EMPTY) {
                ctrl_set(&t->groups[g], j, CTRL_EMPTY);
                t->growth_left++;
            }
        }
    }
    PyMem_Free(has_free);
    return EMIT_pruneTombstones(m, t->index, t->capacity, ts, cnt);
fail:
    PyMem_Free(has_free);
    return -1;
}

/* table.Clear */
static void table_clear(TableObject *t) {
    Py_ssize_t mgl = max_growth_left(t);
    if (t->used == 0 && t->growth_left == mgl)
        return;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++)
        t->groups[g].ctrl = CTRL_GROUP_EMPTY;
    table_clear_slots(t);
    t->used = 0;
    t->growth_left = mgl;
}

/* the loop of grow and split: every full slot, in slot order, re-hashed, into left
 * (or right when hash & mask) */
static int table_reinsert(SwissMapObject *m, TableObject *old, TableObject *left,
                          TableObject *right, uint64_t mask) {
    Py_ssize_t ngroups = old->capacity / GROUP_SLOTS;
    for (Py_ssize_t gi = 0; gi < ngroups; gi++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (ctrl_get(&old->groups[gi], j) & CTRL_EMPTY)
                continue;
            slot_t *s = &old->groups[gi].slots[j];
            PyObject *key = s->key;
            if (key == NULL) {
                PyErr_SetString(PyExc_AssertionError, "bad map state: a full slot without key");
                return -1;
            }
            Py_INCREF(key);
            uint64_t hash;
            if (sm_hash(m, key, &hash) < 0) {
                Py_DECREF(key);
                return -1;
            }
            TableObject *t = (hash & mask) ? right : left;
            uint64_t tmask = t->length_mask;
            uint64_t offset = (hash >> 7) & tmask;
            uint64_t step = 0;
            uint64_t em;
            for (;;) {
                em = matchEmpty(t->groups[offset].ctrl);
                if (em)
                    break;
                step++;
                offset = (offset + step) & tmask;
            }
            group_t *g = &t->groups[offset];
            int i = bitset_first(em);
            ctrl_set(g, i, hash & 0x7F);
            Py_XSETREF(g->slots[i].key, key);  /* the reference taken above */
            PyObject *elem = s->elem ? s->elem : Py_None;
            Py_INCREF(elem);
            Py_XSETREF(g->slots[i].elem, elem);
            t->used++;
            t->growth_left--;
        }
    }
    return 0;
}

/* grow */
static int table_grow(SwissMapObject *m, TableObject *t, Py_ssize_t new_capacity) {
    TableObject *nt = new_table((uint64_t)new_capacity, t->index, t->local_depth);
    if (nt == NULL)
        return -1;
    if (table_reinsert(m, t, nt, nt, 0) < 0) {
        Py_DECREF(nt);
        return -1;
    }
    Py_ssize_t old_index = t->index;
    replace_table(m, nt);
    t->index = -1;
    Py_ssize_t used = nt->used;
    Py_DECREF(nt);  /* the directory holds it */
    if (m->acct != NULL) {
        m->acct->grow_events++;
        if (acct_new_table(m->acct, new_capacity) < 0 ||
            acct_drop_table(m->acct, t->capacity) < 0)
            return -1;
    }
    return EMIT_tableGrow(m, old_index, t->capacity, new_capacity, used, tombstones(t));
}

/* split */
static int table_split(SwissMapObject *m, TableObject *t) {
    int local_depth = t->local_depth + 1;
    TableObject *left = new_table(MAX_TABLE_CAPACITY, -1, local_depth);
    if (left == NULL)
        return -1;
    TableObject *right = new_table(MAX_TABLE_CAPACITY, -1, local_depth);
    if (right == NULL) {
        Py_DECREF(left);
        return -1;
    }
    int rc = table_reinsert(m, t, left, right, (uint64_t)1 << (64 - local_depth));
    if (rc == 0) {
        Py_ssize_t old_index = t->index;
        rc = install_table_split(m, t, left, right);
        if (rc == 0 && m->acct != NULL) {
            m->acct->grow_events++;
            if (acct_new_table(m->acct, MAX_TABLE_CAPACITY) < 0 ||
                acct_new_table(m->acct, MAX_TABLE_CAPACITY) < 0 ||
                acct_drop_table(m->acct, MAX_TABLE_CAPACITY) < 0)
                rc = -1;
        }
        if (rc == 0) {
            t->index = -1;
            rc = EMIT_split(m, old_index, local_depth, left->index, left->used, right->index,
                            right->used);
        }
    }
    Py_DECREF(left);
    Py_DECREF(right);
    return rc;
}

/* rehash: t is stale after (the caller holds a reference to it) */
static int table_rehash(SwissMapObject *m, TableObject *t) {
    Py_ssize_t new_capacity = 2 * t->capacity;
    if (new_capacity <= MAX_TABLE_CAPACITY)
        return table_grow(m, t, new_capacity);
    return table_split(m, t);
}

/* ---- the small map ------------------------------------------------------------------- */
static int grow_to_small(SwissMapObject *m) {
    TableObject *g = table_alloc(GROUP_SLOTS, 0, 0);
    if (g == NULL)
        return -1;
    Py_XSETREF(m->small, g);
    if (m->acct != NULL) {
        int64_t b = acct_gab(m->acct, 1);
        if (b < 0)
            return -1;
        m->acct->small_bytes = b;
        acct_alloc(m->acct, b);
        m->acct->capacity = GROUP_SLOTS;
    }
    return EMIT_growToSmall(m);
}

/* putSlotSmall: 1 done, 0 the group is full, -1 error */
static int put_slot_small(SwissMapObject *m, uint64_t hash, PyObject *key, PyObject *elem) {
    TableObject *t = m->small;
    Py_INCREF(t);
    group_t *g = &t->groups[0];
    uint8_t h2 = hash & 0x7F;
    int i;
    int r = group_find(g, h2, key, &i);
    if (r < 0) {
        Py_DECREF(t);
        return -1;
    }
    if (r) {
        slot_store(&g->slots[i], key, elem);
        Py_DECREF(t);
        return 1;
    }
    uint64_t em = matchEmpty(g->ctrl);
    if (!em) {
        Py_DECREF(t);
        return 0;
    }
    i = bitset_first(em);
    slot_store(&g->slots[i], key, elem);
    ctrl_set(g, i, h2);
    m->used++;
    Py_DECREF(t);
    return 1;
}

/* growToTable: a new reference to the new table, or NULL */
static TableObject *grow_to_table(SwissMapObject *m) {
    TableObject *small = m->small;
    Py_INCREF(small);
    TableObject *tab = new_table(2 * GROUP_SLOTS, 0, 0);
    if (tab == NULL)
        goto fail;
    group_t *g = &small->groups[0];
    for (int i = 0; i < GROUP_SLOTS; i++) {
        if (ctrl_get(g, i) & CTRL_EMPTY)
            continue;
        PyObject *key = g->slots[i].key;
        PyObject *elem = g->slots[i].elem;
        if (key == NULL)
            continue;
        Py_INCREF(key);
        Py_XINCREF(elem);
        uint64_t hash;
        int r = sm_hash(m, key, &hash);
        if (r == 0)
            r = table_unchecked_put_slot(tab, hash, key, elem ? elem : Py_None);
        Py_DECREF(key);
        Py_XDECREF(elem);
        if (r < 0)
            goto fail;
    }
    TableObject **d = PyMem_Calloc(1, sizeof(TableObject *));
    if (d == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_INCREF(tab);
    d[0] = tab;
    m->directory = d;
    m->dir_len = 1;
    Py_CLEAR(m->small);  /* the group lives on only for iterators that hold it */
    m->global_depth = 0;
    m->global_shift = 64;
    Py_DECREF(small);
    if (m->acct != NULL) {
        sacct_t *a = m->acct;
        a->grow_events++;
        a->capacity = 0;
        if (acct_new_table(a, tab->capacity) < 0 || acct_new_directory(a, 1) < 0) {
            Py_DECREF(tab);
            return NULL;
        }
        a->live -= a->small_bytes;
        a->small_bytes = 0;
    }
    if (EMIT_smallToTable(m, tab->used, tab->capacity) < 0) {
        Py_DECREF(tab);
        return NULL;
    }
    return tab;
fail:
    Py_XDECREF(tab);
    Py_DECREF(small);
    return NULL;
}

/* ---- the operations --------------------------------------------------------------- */
/* getWithKeySmall / table.getWithKey through the map (Map.getWithKey): 1 found with
 * new references in *pk, *pe; 0 absent; -1 error */

static int sm_get_with_key(SwissMapObject *m, PyObject *key, PyObject **pk, PyObject **pe) {
    GOMAP_TOUCH(m);
    if (m->used == 0)
        return 0;
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    uint64_t hash;
    if (sm_hash(m, key, &hash) < 0)
        return -1;
    TableObject *t;
    if (m->dir_len == 0) {
        t = m->small;
        Py_INCREF(t);
        group_t *g = &t->groups[0];
        int i;
        int r = group_find(g, hash & 0x7F, key, &i);
        if (r == 1) {
            *pk = g->slots[i].key ? g->slots[i].key : Py_None;
            *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
            Py_INCREF(*pk);
            Py_INCREF(*pe);
        }
        Py_DECREF(t);
        return r;
    }
    t = dir_table(m, hash);
    Py_INCREF(t);
    int r = table_get_with_key(t, hash, key, pk, pe);
    if (r == 1) {
        if (*pk == NULL)
            *pk = Py_None;
        if (*pe == NULL)
            *pe = Py_None;
        Py_INCREF(*pk);
        Py_INCREF(*pe);
    }
    Py_DECREF(t);
    return r;
}

/* mapaccess2 (and _fast32 / _fast64 / _faststr): 1 found (*pe a new reference), 0, -1 */
static int sm_lookup(SwissMapObject *m, PyObject *key, PyObject **pe) {
    GOMAP_TOUCH(m);
    if (m->used == 0) {
        if (!m->typed && gomap_check_hashable(key) < 0)
            return -1;
        return 0;
    }
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    if (m->dir_len == 0) {
        TableObject *t = m->small;
        Py_INCREF(t);
        group_t *g = &t->groups[0];
        if (m->fast_small) {
            for (int i = 0; i < GROUP_SLOTS; i++) {
                if (ctrl_get(g, i) < CTRL_EMPTY && g->slots[i].key != NULL) {
                    int r = keq(key, g->slots[i].key);
                    if (r < 0) {
                        Py_DECREF(t);
                        return -1;
                    }
                    if (r) {
                        *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
                        Py_INCREF(*pe);
                        Py_DECREF(t);
                        return 1;
                    }
                }
            }
            Py_DECREF(t);
            return 0;
        }
        uint64_t hash;
        if (sm_hash(m, key, &hash) < 0) {
            Py_DECREF(t);
            return -1;
        }
        int i;
        int r = group_find(g, hash & 0x7F, key, &i);
        if (r == 1) {
            *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
            Py_INCREF(*pe);
        }
        Py_DECREF(t);
        return r;
    }
    uint64_t hash;
    if (sm_hash(m, key, &hash) < 0)
        return -1;
    TableObject *t = dir_table(m, hash);
    Py_INCREF(t);
    PyObject *k, *e;
    int r = table_get_with_key(t, hash, key, &k, &e);
    if (r == 1) {
        *pe = e ? e : Py_None;
        Py_INCREF(*pe);
    }
    Py_DECREF(t);
    return r;
}

static int sm__assign(SwissMapObject *m, uint64_t hash, PyObject *key, PyObject *elem) {
    if (m->dir_len == 0) {
        if (m->small == NULL && grow_to_small(m) < 0)
            return -1;
        /* Go 1.27: putSlotSmall first; a full group grows to a table and the new key
         * goes in with uncheckedPutSlotForAssign. */
        int r = put_slot_small(m, hash, key, elem);
        if (r != 0)
            return r < 0 ? -1 : 0;
        TableObject *tab = grow_to_table(m);
        if (tab == NULL)
            return -1;
        r = table_unchecked_put_slot(tab, hash, key, elem);
        Py_DECREF(tab);
        if (r < 0)
            return -1;
        m->used++;
        return 0;
    }
    TableObject *t = dir_table(m, hash);
    Py_INCREF(t);
    if (!m->tomb) {
        /* the inlined fast path, exact while no table can hold a tombstone */
        uint64_t mask = t->length_mask;
        uint8_t h2 = hash & 0x7F;
        uint64_t offset = (hash >> 7) & mask;
        uint64_t index = 0;
        group_t *g;
        int i;
        for (;;) {
            g = &t->groups[offset];
            int r = group_find(g, h2, key, &i);
            if (r < 0) {
                Py_DECREF(t);
                return -1;
            }
            if (r) {
                slot_store(&g->slots[i], key, elem);
                Py_DECREF(t);
                return 0;
            }
            uint64_t em = matchEmpty(g->ctrl);
            if (em) {
                i = bitset_first(em);
                break;
            }
            index++;
            offset = (offset + index) & mask;
        }
        if (t->growth_left > 0) {
            slot_store(&g->slots[i], key, elem);
            ctrl_set(g, i, h2);
            t->growth_left--;
            t->used++;
            m->used++;
            Py_DECREF(t);
            return 0;
        }
    }
    for (;;) {
        int r = table_put_slot(m, t, hash, key, elem, m->typed);
        Py_DECREF(t);
        if (r < 0)
            return -1;
        if (r == 1)
            return 0;
        t = dir_table(m, hash);
        Py_INCREF(t);
    }
}

static int sm_assign(SwissMapObject *m, PyObject *key, PyObject *elem) {
    GOMAP_TOUCH(m);
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    uint64_t hash;
    if (sm_hash(m, key, &hash) < 0)
        return -1;
    /* Set writing after calling Hasher, since Hasher may panic. */
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    m->writing = 1;
    GOMAP_WRITE_WINDOW(m);
    Py_ssize_t n = m->used;
    int r = sm__assign(m, hash, key, elem);
    m->writing = 0;
    sacct_t *a = m->acct;
    if (a != NULL) {  /* AccountedEngine's assign: entries from len() around the op */
        if (m->used != n) {
            a->entries++;
            if (a->entry_bytes) {
                if (a->indirect_key)
                    acct_alloc(a, a->key_bytes);
                if (a->indirect_elem)
                    acct_alloc(a, a->elem_bytes);
            }
        }
        acct_settle(a);
    }
    return r;
}

/* deleteSmall */
static int delete_small(SwissMapObject *m, uint64_t hash, PyObject *key) {
    TableObject *t = m->small;
    Py_INCREF(t);
    group_t *g = &t->groups[0];
    uint8_t h2 = hash & 0x7F;
    int i;
    int r = group_find(g, h2, key, &i);
    if (r < 0) {
        Py_DECREF(t);
        return -1;
    }
    if (r) {
        m->used--;
        Py_CLEAR(g->slots[i].key);
        Py_CLEAR(g->slots[i].elem);
        ctrl_set(g, i, CTRL_EMPTY);
        Py_DECREF(t);
        return 0;
    }
    Py_DECREF(t);
    return 0;
}

static int sm__delete(SwissMapObject *m, uint64_t hash, PyObject *key) {
    if (m->dir_len == 0) {
        if (delete_small(m, hash, key) < 0)
            return -1;
    } else {
        TableObject *t = dir_table(m, hash);
        Py_INCREF(t);
        int r = table_delete(m, t, hash, key);
        Py_DECREF(t);
        if (r < 0)
            return -1;
        if (r)
            m->tomb = 1;
    }
    if (m->used == 0) {
        /* Reset the hash seed (go.dev/issue/25237). */
        if (draw_seed(m) < 0)
            return -1;
        if (EMIT_seed(m, m->seed, "delete") < 0)
            return -1;
    }
    return 0;
}

static int sm_delete(SwissMapObject *m, PyObject *key) {
    GOMAP_TOUCH(m);
    if (m->used == 0) {
        if (!m->typed)
            return gomap_check_hashable(key);
        return 0;
    }
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    uint64_t hash;
    if (sm_hash(m, key, &hash) < 0)
        return -1;
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    m->writing = 1;
    GOMAP_WRITE_WINDOW(m);
    Py_ssize_t n = m->used;
    int r = sm__delete(m, hash, key);
    m->writing = 0;
    if (m->acct != NULL && m->used != n) {
        m->acct->entries--;
        m->acct->live -= m->acct->entry_bytes;
    }
    return r;
}

static int sm__clear(SwissMapObject *m) {
    Py_ssize_t used = m->used;
    if (m->dir_len == 0) {
        /* clearSmall */
        TableObject *t = m->small;
        Py_INCREF(t);
        t->groups[0].ctrl = CTRL_GROUP_EMPTY;
        table_clear_slots(t);
        Py_DECREF(t);
        m->used = 0;
    } else {
        TableObject *last = NULL;
        for (Py_ssize_t i = 0; i < m->dir_len; i++) {
            TableObject *t = m->directory[i];
            if (t == last)
                continue;
            table_clear(t);
            last = t;
        }
        m->used = 0;
        m->tomb = 0;
    }
    m->clear_seq++;
    if (EMIT_clear(m, m->dir_len == 0, used, m->clear_seq) < 0)
        return -1;
    if (draw_seed(m) < 0)
        return -1;
    return EMIT_seed(m, m->seed, "clear");
}

static int sm_clear(SwissMapObject *m) {
    GOMAP_TOUCH(m);
    if (m->used == 0 && !m->tomb)
        return 0;
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    m->writing = 1;
    GOMAP_WRITE_WINDOW(m);
    Py_ssize_t n = m->used;
    int r = sm__clear(m);
    m->writing = 0;
    if (m->acct != NULL && m->used != n) {
        m->acct->entries -= n - m->used;
        m->acct->live -= (n - m->used) * m->acct->entry_bytes;
    }
    return r;
}

/* ---- NewMap ------------------------------------------------------------------------ */
static int made(SwissMapObject *m, uint64_t hint) {
    return EMIT_makemap(m, hint, m->dir_len, m->global_depth);
}

static int new_map(SwissMapObject *m, uint64_t hint) {
    if (draw_seed(m) < 0)
        return -1;
    if (EMIT_seed(m, m->seed, "new") < 0)
        return -1;
    if (hint <= GROUP_SLOTS)
        return made(m, hint);
    typedef unsigned __int128 u128;
    uint64_t target_capacity = (uint64_t)((u128)hint * GROUP_SLOTS) / MAX_AVG_GROUP_LOAD;
    if (target_capacity < hint)
        return made(m, hint);
    uint64_t dir_size = (target_capacity + MAX_TABLE_CAPACITY - 1) / MAX_TABLE_CAPACITY;
    if (dir_size > ((uint64_t)1 << 63))
        return made(m, hint);
    dir_size = align_up_pow2(dir_size);
    u128 groups = (u128)dir_size * MAX_TABLE_CAPACITY;
    u128 bytes = groups * (u128)m->group_size;
    if (groups > UINT64_MAX || bytes > UINT64_MAX || bytes > MAX_ALLOC)
        return made(m, hint);
    if (dir_size > ((uint64_t)1 << 24)) {
        PyErr_Format(PyExc_MemoryError,
                     "make(map, %llu): a directory of %llu tables is too large for the native "
                     "engine; use backend='python' (its directory stays sparse)",
                     (unsigned long long)hint, (unsigned long long)dir_size);
        return -1;
    }
    int gd = 63 - __builtin_clzll(dir_size);
    uint64_t capacity = target_capacity / dir_size;
    TableObject **d = PyMem_Calloc((size_t)dir_size, sizeof(TableObject *));
    if (d == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint64_t i = 0; i < dir_size; i++) {
        d[i] = new_table(capacity, (Py_ssize_t)i, gd);
        if (d[i] == NULL) {
            for (uint64_t j = 0; j < i; j++)
                Py_DECREF(d[j]);
            PyMem_Free(d);
            return -1;
        }
    }
    m->global_depth = gd;
    m->global_shift = 64 - gd;
    m->directory = d;
    m->dir_len = (Py_ssize_t)dir_size;
    return made(m, hint);
}

/* ---- the Python type --------------------------------------------------------------- */
static int SwissMap_init(SwissMapObject *m, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"hint", "hasher", "rand", "observer", "subscribers", "key_kind",
                             "group_size", NULL};
    PyObject *hint_obj = NULL;
    PyObject *hasher = Py_None, *rand = Py_None, *observer = Py_None, *subscribers = NULL;
    const char *key_kind = "generic";
    Py_ssize_t group_size = 8 + GROUP_SLOTS * 32;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OOOOsn", kwlist, &hint_obj, &hasher,
                                     &rand, &observer, &subscribers, &key_kind, &group_size))
        return -1;
    if (m->inited) {
        PyErr_SetString(PyExc_RuntimeError, "a native SwissMap is initialised once");
        return -1;
    }
    int kk = -1;
    for (int i = 0; i < KK_N; i++)
        if (strcmp(key_kind, key_kind_names[i]) == 0)
            kk = i;
    if (kk < 0) {
        PyErr_Format(PyExc_ValueError,
                     "key_kind must be one of ('generic', 'fast32', 'fast64', 'faststr', "
                     "'fast32ptr', 'fast64ptr'), not '%s'", key_kind);
        return -1;
    }
    uint64_t hint = 0;
    if (hint_obj != NULL) {
        if (!PyLong_Check(hint_obj)) {
            PyErr_Format(PyExc_TypeError, "hint must be an int, not %.100s",
                         Py_TYPE(hint_obj)->tp_name);
            return -1;
        }
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(hint_obj, &overflow);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (overflow > 0 || (overflow == 0 && v > 0)) {  /* max(0, hint) & M64 */
            hint = PyLong_AsUnsignedLongLongMask(hint_obj);
            if (hint == (uint64_t)-1 && PyErr_Occurred())
                return -1;
        }
    }
    m->inited = 1;
    m->key_kind = kk;
    m->typed = kk != KK_generic;
    m->prune = m->typed;  /* Go 1.27: every typed path prunes, pointer keys too */
    m->fast_small = kk == KK_fast32 || kk == KK_fast64 || kk == KK_fast32ptr ||
                    kk == KK_fast64ptr;
    m->group_size = group_size;
    if (gomap_init_hooks(hasher, rand, observer, subscribers, &m->hasher, &m->rand, &m->hrand,
                         &m->fast_hash, &m->subscribers) < 0)
        return -1;
    m->seed_obj = PyLong_FromLong(0);
    if (m->seed_obj == NULL)
        return -1;
    return new_map(m, hint);
}

static void sm_drop_storage(SwissMapObject *m) {
    TableObject **d = m->directory;
    Py_ssize_t n = m->dir_len;
    m->directory = NULL;
    m->dir_len = 0;
    m->used = 0;
    m->global_depth = m->global_shift = 0;
    if (d != NULL) {
        for (Py_ssize_t i = 0; i < n; i++)
            Py_XDECREF(d[i]);
        PyMem_Free(d);
    }
    Py_CLEAR(m->small);
}

static int SwissMap_traverse(SwissMapObject *m, visitproc visit, void *arg) {
    Py_VISIT(m->hasher);
    Py_VISIT(m->rand);
    Py_VISIT(m->subscribers);
    Py_VISIT(m->hrand);
    Py_VISIT(m->small);
    if (m->acct != NULL) {
        Py_VISIT(m->acct->group_array_bytes);
        Py_VISIT(m->acct->dir_alloc_bytes);
    }
    for (Py_ssize_t i = 0; i < m->dir_len; i++)
        Py_VISIT(m->directory[i]);
    return 0;
}

static int SwissMap_clear_refs(SwissMapObject *m) {
    sm_drop_storage(m);
    if (m->acct != NULL) {
        Py_CLEAR(m->acct->group_array_bytes);
        Py_CLEAR(m->acct->dir_alloc_bytes);
    }
    Py_CLEAR(m->hasher);
    Py_CLEAR(m->rand);
    Py_CLEAR(m->subscribers);
    Py_CLEAR(m->hrand);
    return 0;
}

static void SwissMap_dealloc(SwissMapObject *m) {
    PyObject_GC_UnTrack(m);
    if (m->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)m);
    SwissMap_clear_refs(m);
    acct_free(m->acct);
    m->acct = NULL;
    Py_CLEAR(m->seed_obj);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int sm_ready(SwissMapObject *m) {
    if (m->subscribers == NULL || m->seed_obj == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the native SwissMap is not initialised");
        return -1;
    }
    return 0;
}

static Py_ssize_t SwissMap_len(SwissMapObject *m) { return m->used; }

static PyObject *SwissMap_lookup(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *e;
    int r = sm_lookup(m, key, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(2, Py_False, Py_None);
    PyObject *t = PyTuple_Pack(2, Py_True, e);
    Py_DECREF(e);
    return t;
}

static PyObject *SwissMap_get_with_key(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *k, *e;
    int r = sm_get_with_key(m, key, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(3, Py_False, Py_None, Py_None);
    PyObject *t = PyTuple_Pack(3, Py_True, k, e);
    Py_DECREF(k);
    Py_DECREF(e);
    return t;
}

static PyObject *SwissMap_get(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *k, *e;
    int r = sm_get_with_key(m, key, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(2, Py_False, Py_None);
    PyObject *t = PyTuple_Pack(2, Py_True, e);
    Py_DECREF(k);
    Py_DECREF(e);
    return t;
}

static PyObject *SwissMap_assign(SwissMapObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "assign(key, elem) takes 2 arguments");
        return NULL;
    }
    if (sm_ready(m) < 0 || sm_assign(m, args[0], args[1]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *SwissMap_delete(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0 || sm_delete(m, key) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *SwissMap_clear(SwissMapObject *m, PyObject *unused) {
    if (sm_ready(m) < 0 || sm_clear(m) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- snapshot (as gomap.swiss.debug.snapshot) ----------------------------------------- */
static PyObject *group_snapshot(group_t *g) {
    PyObject *c = PyList_New(GROUP_SLOTS), *ks = PyList_New(GROUP_SLOTS),
             *es = PyList_New(GROUP_SLOTS);
    if (c == NULL || ks == NULL || es == NULL)
        goto fail;
    for (int j = 0; j < GROUP_SLOTS; j++) {
        uint8_t b = ctrl_get(g, j);
        PyObject *o = PyLong_FromLong(b);
        if (o == NULL)
            goto fail;
        PyList_SET_ITEM(c, j, o);
        int full = !(b & CTRL_EMPTY);
        PyObject *k = full && g->slots[j].key ? g->slots[j].key : Py_None;
        PyObject *e = full && g->slots[j].elem ? g->slots[j].elem : Py_None;
        Py_INCREF(k);
        PyList_SET_ITEM(ks, j, k);
        Py_INCREF(e);
        PyList_SET_ITEM(es, j, e);
    }
    return Py_BuildValue("{s:N,s:N,s:N}", "ctrl", c, "keys", ks, "elems", es);
fail:
    Py_XDECREF(c);
    Py_XDECREF(ks);
    Py_XDECREF(es);
    return NULL;
}

static PyObject *table_snapshot(TableObject *t) {
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    PyObject *gl = PyList_New(ngroups);
    if (gl == NULL)
        return NULL;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        PyObject *d = group_snapshot(&t->groups[g]);
        if (d == NULL) {
            Py_DECREF(gl);
            return NULL;
        }
        PyList_SET_ITEM(gl, g, d);
    }
    return Py_BuildValue("{s:n,s:n,s:n,s:i,s:n,s:n,s:N}", "used", t->used, "capacity",
                         t->capacity, "growth_left", t->growth_left, "local_depth",
                         t->local_depth, "index", t->index, "tombstones", tombstones(t),
                         "groups", gl);
}

static PyObject *SwissMap_snapshot(SwissMapObject *m, PyObject *unused) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *tables = PyList_New(0), *directory = PyList_New(m->dir_len), *small = NULL;
    if (tables == NULL || directory == NULL)
        goto fail;
    Py_ssize_t ntables = 0;
    for (Py_ssize_t i = 0; i < m->dir_len; i++) {
        TableObject *t = m->directory[i];
        /* tables in order of first appearance (entries sharing a table are adjacent,
         * but look back the whole list, as the reference's id() map does) */
        Py_ssize_t n = -1;
        for (Py_ssize_t j = i - 1; j >= 0; j--) {
            if (m->directory[j] == t) {
                n = PyLong_AsSsize_t(PyList_GET_ITEM(directory, j));
                break;
            }
        }
        if (n < 0) {
            n = ntables++;
            PyObject *ts = table_snapshot(t);
            if (ts == NULL || PyList_Append(tables, ts) < 0) {
                Py_XDECREF(ts);
                goto fail;
            }
            Py_DECREF(ts);
        }
        PyObject *o = PyLong_FromSsize_t(n);
        if (o == NULL)
            goto fail;
        PyList_SET_ITEM(directory, i, o);
    }
    if (m->dir_len == 0 && m->small != NULL) {
        small = group_snapshot(&m->small->groups[0]);
        if (small == NULL)
            goto fail;
    } else {
        small = Py_None;
        Py_INCREF(small);
    }
    return Py_BuildValue(
        "{s:s,s:O,s:n,s:K,s:O,s:s,s:n,s:i,s:i,s:n,s:n,s:O,s:N,s:N,s:N}", "impl", "swiss", "go",
        swiss_go_version, "entries", m->used, "seed", (unsigned long long)m->seed, "writing",
        m->writing ? Py_True : Py_False, "key_kind", key_kind_names[m->key_kind], "used",
        m->used, "global_depth", m->global_depth, "global_shift", m->global_shift, "dir_len",
        m->dir_len, "clear_seq", m->clear_seq, "tombstone_possible",
        m->tomb ? Py_True : Py_False, "small", small, "directory", directory, "tables", tables);
fail:
    Py_XDECREF(tables);
    Py_XDECREF(directory);
    Py_XDECREF(small);
    return NULL;
}

static PyObject *SwissMap_directory_list(SwissMapObject *m, void *c) {
    PyObject *l = PyList_New(m->dir_len);
    if (l == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < m->dir_len; i++) {
        Py_INCREF(m->directory[i]);
        PyList_SET_ITEM(l, i, (PyObject *)m->directory[i]);
    }
    return l;
}

static PyObject *SwissMap_directory_index(SwissMapObject *m, PyObject *arg) {
    uint64_t hash = PyLong_AsUnsignedLongLongMask(arg);
    if (hash == (uint64_t)-1 && PyErr_Occurred())
        return NULL;
    if (m->dir_len == 1)
        return PyLong_FromLong(0);
    return PyLong_FromUnsignedLongLong(hash >> (m->global_shift & 63));
}

/* table.clone: a copy of the groups (keys and elems are shared) */
static TableObject *table_clone(TableObject *t) {
    TableObject *c = table_alloc(t->capacity, t->index, t->local_depth);
    if (c == NULL)
        return NULL;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        c->groups[g].ctrl = t->groups[g].ctrl;
        for (int j = 0; j < GROUP_SLOTS; j++) {
            Py_XINCREF(t->groups[g].slots[j].key);
            c->groups[g].slots[j].key = t->groups[g].slots[j].key;
            Py_XINCREF(t->groups[g].slots[j].elem);
            c->groups[g].slots[j].elem = t->groups[g].slots[j].elem;
        }
    }
    c->used = t->used;
    c->growth_left = t->growth_left;
    return c;
}

/* Map.Clone (maps.Clone): an independent copy with the same seed, counters and
 * layout; tables shared by several directory entries stay shared. No random draw;
 * the clone event last. The copy is accounted when prepare attaches an accountant. */
static PyObject *SwissMap_clone(SwissMapObject *m, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"prepare", NULL};
    PyObject *prepare = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &prepare))
        return NULL;
    if (sm_ready(m) < 0)
        return NULL;
    if (m->writing) {
        PyObject *mod = PyImport_ImportModule("gomap.errors");
        if (mod == NULL)
            return NULL;
        PyObject *cls = PyObject_GetAttrString(mod, "MapFatalError");
        Py_DECREF(mod);
        if (cls == NULL)
            return NULL;
        PyErr_SetString(cls, "concurrent map clone and map write");
        Py_DECREF(cls);
        return NULL;
    }
    PyTypeObject *tp = Py_TYPE(m);
    SwissMapObject *c = (SwissMapObject *)tp->tp_alloc(tp, 0);
    if (c == NULL)
        return NULL;
    c->inited = 1;
    c->used = m->used;
    c->seed = m->seed;
    Py_INCREF(m->seed_obj);
    c->seed_obj = m->seed_obj;
    c->global_depth = m->global_depth;
    c->global_shift = m->global_shift;
    c->tomb = m->tomb;
    c->clear_seq = m->clear_seq;
    c->key_kind = m->key_kind;
    c->typed = m->typed;
    c->prune = m->prune;
    c->fast_small = m->fast_small;
    c->group_size = m->group_size;
    c->fast_hash = m->fast_hash;
    Py_XINCREF(m->hasher);
    c->hasher = m->hasher;
    Py_XINCREF(m->rand);
    c->rand = m->rand;
    Py_XINCREF(m->hrand);
    c->hrand = m->hrand;
    /* with prepare: no subscribers; prepare(copy) runs once the copy is built */
    c->subscribers = prepare == Py_None ? PySequence_List(m->subscribers) : PyList_New(0);
    if (c->subscribers == NULL)
        goto fail;
    if (m->small != NULL && (c->small = table_clone(m->small)) == NULL)
        goto fail;
    if (m->dir_len) {
        c->directory = PyMem_Calloc((size_t)m->dir_len, sizeof(TableObject *));
        if (c->directory == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        c->dir_len = m->dir_len;
        for (Py_ssize_t i = 0; i < m->dir_len; i++) {
            if (i > 0 && m->directory[i] == m->directory[i - 1]) {
                Py_INCREF(c->directory[i - 1]);
                c->directory[i] = c->directory[i - 1];
            } else if ((c->directory[i] = table_clone(m->directory[i])) == NULL) {
                goto fail;
            }
        }
    }
    if (prepare != Py_None) {
        PyObject *r = PyObject_CallOneArg(prepare, (PyObject *)c);
        if (r == NULL)
            goto fail;
        Py_DECREF(r);
    }
    /* the clone event (gomap.swiss.map.SwissMap.clone): cloneGroup's objects, when the
     * key / elem is indirect */
    if (EMIT_clone(c, c->used, c->used, c->used) < 0)
        goto fail;
    return (PyObject *)c;
fail:
    Py_DECREF(c);
    return NULL;
}

static PyObject *SwissMap_iterator(SwissMapObject *m, PyObject *unused);
static PyObject *SwissMap_replay(SwissMapObject *m, PyObject *const *args, Py_ssize_t nargs);

/* _account(...): account this map's heap from now on, in C (gomap.memory's
 * NativeSwissAccountant hands over the sizes); counts NewMap's allocations now. */
static PyObject *SwissMap_account(SwissMapObject *m, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"entry_bytes", "key_bytes", "elem_bytes", "indirect_key",
                             "indirect_elem", "table_size", "map_size", "group_array_bytes",
                             "dir_bytes", "cloned", NULL};
    long long entry_bytes = 0, key_bytes = 0, elem_bytes = 0, table_size = 0, map_size = 0;
    int ik = 0, ie = 0, cloned = 0;
    PyObject *gab = NULL, *dirb = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$LLLppLLOOp", kwlist, &entry_bytes,
                                     &key_bytes, &elem_bytes, &ik, &ie, &table_size, &map_size,
                                     &gab, &dirb, &cloned))
        return NULL;
    if (gab == NULL || dirb == NULL) {
        PyErr_SetString(PyExc_TypeError, "_account: group_array_bytes and dir_bytes are required");
        return NULL;
    }
    if (sm_ready(m) < 0)
        return NULL;
    if (m->acct != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_account: the map is accounted already");
        return NULL;
    }
    sacct_t *a = PyMem_Calloc(1, sizeof(sacct_t));
    if (a == NULL)
        return PyErr_NoMemory();
    a->entry_bytes = entry_bytes;
    a->key_bytes = key_bytes;
    a->elem_bytes = elem_bytes;
    a->indirect_key = ik;
    a->indirect_elem = ie;
    a->table_size = table_size;
    a->map_size = map_size;
    for (int i = 0; i < 8; i++)
        a->gab[i] = -1;
    Py_INCREF(gab);
    a->group_array_bytes = gab;
    Py_INCREF(dirb);
    a->dir_alloc_bytes = dirb;
    /* SwissAccountant.attach */
    acct_alloc(a, a->map_size);
    if (m->dir_len) {
        if (acct_new_directory(a, m->dir_len) < 0)
            goto fail;
        TableObject *last = NULL;
        for (Py_ssize_t i = 0; i < m->dir_len; i++) {
            if (m->directory[i] == last)
                continue;
            last = m->directory[i];
            if (acct_new_table(a, last->capacity) < 0)
                goto fail;
        }
    }
    if (cloned) {
        /* Map.Clone's copy (SwissAccountant.attach + its clone event): the small
         * group (newGroups(typ, 1)) and a new object per indirect key / elem. */
        if (m->dir_len == 0 && m->small != NULL) {
            int64_t b = acct_gab(a, 1);
            if (b < 0)
                goto fail;
            a->small_bytes = b;
            acct_alloc(a, b);
            a->capacity = GROUP_SLOTS;
        }
        a->entries = m->used;
        for (Py_ssize_t i = 0; i < m->used; i++) {
            if (ik)
                acct_alloc(a, a->key_bytes);
            if (ie)
                acct_alloc(a, a->elem_bytes);
        }
    }
    acct_settle(a);
    m->acct = a;
    Py_RETURN_NONE;
fail:
    acct_free(a);
    return NULL;
}

/* stats(): capacity and tombstones as gomap.swiss.debug.stats counts them */
static void sm_shape(SwissMapObject *m, Py_ssize_t *capacity, Py_ssize_t *tombs,
                     Py_ssize_t *tables) {
    Py_ssize_t cap = 0, ts = 0, n = 0;
    TableObject *last = NULL;
    for (Py_ssize_t i = 0; i < m->dir_len; i++) {
        TableObject *t = m->directory[i];
        if (t != last) {
            cap += t->capacity;
            ts += tombstones(t);
            n++;
            last = t;
        }
    }
    if (m->dir_len == 0 && m->small != NULL)
        cap = GROUP_SLOTS;
    *capacity = cap;
    *tombs = ts;
    *tables = n;
}

/* One point of the simulator's timeline (gomap.sim.simulator.simulate's sample()). */
static PyObject *SwissMap_sample(SwissMapObject *m, PyObject *arg) {
    Py_ssize_t op = PyLong_AsSsize_t(arg);
    if (op == -1 && PyErr_Occurred())
        return NULL;
    if (m->acct == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_sample: the map is not accounted");
        return NULL;
    }
    Py_ssize_t cap, ts, n;
    sm_shape(m, &cap, &ts, &n);
    return Py_BuildValue("{s:n,s:L,s:L,s:n,s:n,s:n,s:O,s:O}", "op", op, "live_bytes",
                         (long long)m->acct->live, "allocated_bytes",
                         (long long)m->acct->allocated, "entries", m->used, "capacity", cap,
                         "tombstones", ts, "overflow_buckets", Py_None, "growing", Py_False);
}

static PyObject *SwissMap_acct_state(SwissMapObject *m, PyObject *unused) {
    sacct_t *a = m->acct;
    if (a == NULL)
        Py_RETURN_NONE;
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L}", "small_bytes",
                         (long long)a->small_bytes, "dir_bytes", (long long)a->dir_bytes,
                         "tables", (long long)a->tables, "table_bytes",
                         (long long)a->table_bytes, "capacity", (long long)a->capacity,
                         "grow_events", (long long)a->grow_events, "entries",
                         (long long)a->entries, "map_size", (long long)a->map_size);
}

static PyMethodDef SwissMap_methods[] = {
    {"clone", (PyCFunction)(void (*)(void))SwissMap_clone, METH_VARARGS | METH_KEYWORDS,
     "clone(prepare=None): Map.Clone (maps.Clone): an independent copy, same seed and "
     "layout; no draw. prepare(copy) runs once the copy is built (then it has no "
     "subscribers)."},
    {"_account", (PyCFunction)(void (*)(void))SwissMap_account, METH_VARARGS | METH_KEYWORDS,
     "_account(...): keep gomap.memory.SwissAccountant's figures in C from now on."},
    {"_sample", (PyCFunction)SwissMap_sample, METH_O,
     "_sample(op): the simulator's timeline point after op number op (accounted maps)."},
    {"_acct_state", (PyCFunction)SwissMap_acct_state, METH_NOARGS,
     "The C accountant's figures (None when not accounted)."},
    {"_replay", (PyCFunction)(void (*)(void))SwissMap_replay, METH_FASTCALL,
     "_replay(ops, i, stop, peak, peak_op, max_entries): the simulator's loop in C."},
    {"lookup", (PyCFunction)SwissMap_lookup, METH_O,
     "v, ok := m[key] (mapaccess2 and its typed variants): (ok, v)."},
    {"get_with_key", (PyCFunction)SwissMap_get_with_key, METH_O,
     "Map.getWithKey: (ok, stored key, elem)."},
    {"get", (PyCFunction)SwissMap_get, METH_O, "Map.Get: (ok, elem); always hashes."},
    {"assign", (PyCFunction)(void (*)(void))SwissMap_assign, METH_FASTCALL,
     "m[key] = elem (mapassign and its typed variants)."},
    {"put", (PyCFunction)(void (*)(void))SwissMap_assign, METH_FASTCALL, "Map.Put."},
    {"delete", (PyCFunction)SwissMap_delete, METH_O, "delete(m, key) (mapdelete)."},
    {"clear", (PyCFunction)SwissMap_clear, METH_NOARGS, "clear(m) (Map.Clear)."},
    {"iterator", (PyCFunction)SwissMap_iterator, METH_NOARGS,
     "for k, v := range m: Iter.Init (the first step happens at next())."},
    {"snapshot", (PyCFunction)SwissMap_snapshot, METH_NOARGS,
     "The whole state as a JSON-serialisable dict (as gomap.swiss.debug.snapshot)."},
    {"directory_index", (PyCFunction)SwissMap_directory_index, METH_O,
     "directoryIndex: the top globalDepth bits of the hash."},
    {NULL}};

static PyObject *sm_get_used(SwissMapObject *m, void *c) { return PyLong_FromSsize_t(m->used); }
static PyObject *sm_get_seed(SwissMapObject *m, void *c) {
    return PyLong_FromUnsignedLongLong(m->seed);
}
static PyObject *sm_get_dir_len(SwissMapObject *m, void *c) {
    return PyLong_FromSsize_t(m->dir_len);
}
static PyObject *sm_get_global_depth(SwissMapObject *m, void *c) {
    return PyLong_FromLong(m->global_depth);
}
static PyObject *sm_get_global_shift(SwissMapObject *m, void *c) {
    return PyLong_FromLong(m->global_shift);
}
static PyObject *sm_get_clear_seq(SwissMapObject *m, void *c) {
    return PyLong_FromSsize_t(m->clear_seq);
}
static PyObject *sm_get_writing(SwissMapObject *m, void *c) { return PyBool_FromLong(m->writing); }
static PyObject *sm_get_tomb(SwissMapObject *m, void *c) { return PyBool_FromLong(m->tomb); }
static int sm_set_tomb(SwissMapObject *m, PyObject *v, void *c) {
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete tombstone_possible");
        return -1;
    }
    int b = PyObject_IsTrue(v);
    if (b < 0)
        return -1;
    m->tomb = b;
    return 0;
}
static PyObject *sm_get_key_kind(SwissMapObject *m, void *c) {
    return PyUnicode_FromString(key_kind_names[m->key_kind]);
}
static PyObject *sm_get_group_size(SwissMapObject *m, void *c) {
    return PyLong_FromSsize_t(m->group_size);
}
static PyObject *sm_get_small(SwissMapObject *m, void *c) {
    PyObject *o = m->small ? (PyObject *)m->small : Py_None;
    Py_INCREF(o);
    return o;
}
#define SM_OBJ_GETTER(name)                                       \
    static PyObject *sm_get_##name(SwissMapObject *m, void *c) {  \
        PyObject *o = m->name ? m->name : Py_None;                \
        Py_INCREF(o);                                             \
        return o;                                                 \
    }
SM_OBJ_GETTER(hasher)
SM_OBJ_GETTER(rand)
SM_OBJ_GETTER(subscribers)

#define SACCT_GETTER(field)                                                \
    static PyObject *sm_get_acct_##field(SwissMapObject *m, void *c) {     \
        if (m->acct == NULL)                                               \
            Py_RETURN_NONE;                                                \
        return PyLong_FromLongLong((long long)m->acct->field);             \
    }
SACCT_GETTER(live)
SACCT_GETTER(allocated)
SACCT_GETTER(allocations)
SACCT_GETTER(peak)
SACCT_GETTER(entries)

static PyObject *sm_get_op(SwissMapObject *m, void *c) { return PyLong_FromSsize_t(m->op); }

static PyGetSetDef SwissMap_getset[] = {
    {"acct_live", (getter)sm_get_acct_live, NULL, "accounted live bytes (or None)", NULL},
    {"acct_allocated", (getter)sm_get_acct_allocated, NULL, "accounted bytes allocated", NULL},
    {"acct_allocations", (getter)sm_get_acct_allocations, NULL, "accounted allocations", NULL},
    {"acct_peak", (getter)sm_get_acct_peak, NULL, "accounted peak live bytes", NULL},
    {"acct_entries", (getter)sm_get_acct_entries, NULL, "accounted entries", NULL},
    {"op", (getter)sm_get_op, NULL, "not in Go: the number of the operation _replay is running",
     NULL},
    {"used", (getter)sm_get_used, NULL, "number of entries", NULL},
    {"seed", (getter)sm_get_seed, NULL, "the hash seed", NULL},
    {"dir_len", (getter)sm_get_dir_len, NULL, "directory length (0: small map)", NULL},
    {"global_depth", (getter)sm_get_global_depth, NULL, "hash bits selecting an entry", NULL},
    {"global_shift", (getter)sm_get_global_shift, NULL, "64 - globalDepth", NULL},
    {"clear_seq", (getter)sm_get_clear_seq, NULL, "Clear calls that did not return early",
     NULL},
    {"writing", (getter)sm_get_writing, NULL, "whether a write is under way", NULL},
    {"tombstone_possible", (getter)sm_get_tomb, (setter)sm_set_tomb,
     "tombstonePossible: a table may hold a tombstone", NULL},
    {"_tomb", (getter)sm_get_tomb, NULL, "tombstonePossible (the reference's field)", NULL},
    {"key_kind", (getter)sm_get_key_kind, NULL, "the modelled access path", NULL},
    {"group_size", (getter)sm_get_group_size, NULL, "abi.MapType.GroupSize", NULL},
    {"small", (getter)sm_get_small, NULL, "the small map's group (a one-group table)", NULL},
    {"directory", (getter)SwissMap_directory_list, NULL,
     "dirPtr[:dirLen]: the tables, one per entry (a new list of the live tables)", NULL},
    {"hasher", (getter)sm_get_hasher, NULL, "the (key, seed) -> uint64 hasher", NULL},
    {"rand", (getter)sm_get_rand, NULL, "the () -> uint64 random source", NULL},
    {"subscribers", (getter)sm_get_subscribers, NULL,
     "the list of (event, details) callables called at every event", NULL},
    {NULL}};

static PyMappingMethods SwissMap_as_mapping = {(lenfunc)SwissMap_len, NULL, NULL};

static PyTypeObject SwissMapType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.SwissMap",
    .tp_basicsize = sizeof(SwissMapObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "maps.Map: the Swiss-table Go map (Go 1.27 internal/runtime/maps) in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SwissMap_init,
    .tp_dealloc = (destructor)SwissMap_dealloc,
    .tp_traverse = (traverseproc)SwissMap_traverse,
    .tp_clear = (inquiry)SwissMap_clear_refs,
    .tp_methods = SwissMap_methods,
    .tp_getset = SwissMap_getset,
    .tp_as_mapping = &SwissMap_as_mapping,
    .tp_weaklistoffset = offsetof(SwissMapObject, weakrefs),
};

/* ---- the table type's read-only views (for gomap.swiss.debug and the drivers) ------- */
static PyObject *tb_get_ctrl(TableObject *t, void *c) {
    PyObject *b = PyBytes_FromStringAndSize(NULL, t->capacity);
    if (b == NULL)
        return NULL;
    char *p = PyBytes_AS_STRING(b);
    for (Py_ssize_t i = 0; i < t->capacity; i++)
        p[i] = (char)ctrl_get(&t->groups[i >> 3], (int)(i & 7));
    return b;
}

static PyObject *tb_slots(TableObject *t, int elems) {
    PyObject *l = PyList_New(t->capacity);
    if (l == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < t->capacity; i++) {
        slot_t *s = &t->groups[i >> 3].slots[i & 7];
        PyObject *o = elems ? s->elem : s->key;
        if (o == NULL)
            o = Py_None;
        Py_INCREF(o);
        PyList_SET_ITEM(l, i, o);
    }
    return l;
}
static PyObject *tb_get_keys(TableObject *t, void *c) { return tb_slots(t, 0); }
static PyObject *tb_get_elems(TableObject *t, void *c) { return tb_slots(t, 1); }
static PyObject *tb_get_used(TableObject *t, void *c) { return PyLong_FromSsize_t(t->used); }
static PyObject *tb_get_capacity(TableObject *t, void *c) {
    return PyLong_FromSsize_t(t->capacity);
}
static PyObject *tb_get_growth_left(TableObject *t, void *c) {
    return PyLong_FromSsize_t(t->growth_left);
}
static PyObject *tb_get_local_depth(TableObject *t, void *c) {
    return PyLong_FromLong(t->local_depth);
}
static PyObject *tb_get_index(TableObject *t, void *c) { return PyLong_FromSsize_t(t->index); }
static PyObject *tb_get_length_mask(TableObject *t, void *c) {
    return PyLong_FromUnsignedLongLong(t->length_mask);
}

static PyObject *Table_tombstones(TableObject *t, PyObject *unused) {
    return PyLong_FromSsize_t(tombstones(t));
}
static PyObject *Table_max_growth_left(TableObject *t, PyObject *unused) {
    return PyLong_FromSsize_t(max_growth_left(t));
}
static PyObject *Table_get_with_key(TableObject *t, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "get_with_key(hash, key)");
        return NULL;
    }
    uint64_t hash = PyLong_AsUnsignedLongLongMask(args[0]);
    if (hash == (uint64_t)-1 && PyErr_Occurred())
        return NULL;
    Py_INCREF(t);
    PyObject *k, *e;
    int r = table_get_with_key(t, hash, args[1], &k, &e);
    PyObject *out = NULL;
    if (r == 0)
        out = PyTuple_Pack(3, Py_False, Py_None, Py_None);
    else if (r == 1)
        out = PyTuple_Pack(3, Py_True, k ? k : Py_None, e ? e : Py_None);
    Py_DECREF(t);
    return out;
}

static PyObject *Table_group_slots(TableObject *t, PyObject *arg) {
    Py_ssize_t g = PyLong_AsSsize_t(arg);
    if (g == -1 && PyErr_Occurred())
        return NULL;
    if (g < 0 || g > (Py_ssize_t)t->length_mask) {
        PyErr_SetString(PyExc_IndexError, "group index out of range");
        return NULL;
    }
    group_t *gr = &t->groups[g];
    char c[GROUP_SLOTS];
    PyObject *ks = PyList_New(GROUP_SLOTS), *es = PyList_New(GROUP_SLOTS);
    if (ks == NULL || es == NULL) {
        Py_XDECREF(ks);
        Py_XDECREF(es);
        return NULL;
    }
    for (int j = 0; j < GROUP_SLOTS; j++) {
        c[j] = (char)ctrl_get(gr, j);
        PyObject *k = gr->slots[j].key ? gr->slots[j].key : Py_None;
        PyObject *e = gr->slots[j].elem ? gr->slots[j].elem : Py_None;
        Py_INCREF(k);
        PyList_SET_ITEM(ks, j, k);
        Py_INCREF(e);
        PyList_SET_ITEM(es, j, e);
    }
    return Py_BuildValue("(y#NN)", c, (Py_ssize_t)GROUP_SLOTS, ks, es);
}

static PyMethodDef Table_methods[] = {
    {"group_slots", (PyCFunction)Table_group_slots, METH_O,
     "group_slots(g): group g as (ctrl bytes, keys, elems), 8 each (copies)"},
    {"tombstones", (PyCFunction)Table_tombstones, METH_NOARGS, "deleted slots (counters)"},
    {"max_growth_left", (PyCFunction)Table_max_growth_left, METH_NOARGS, "maxGrowthLeft"},
    {"get_with_key", (PyCFunction)(void (*)(void))Table_get_with_key, METH_FASTCALL,
     "table.getWithKey(hash, key): (ok, stored key, elem)"},
    {NULL}};

static PyGetSetDef Table_getset[] = {
    {"ctrl", (getter)tb_get_ctrl, NULL, "the control bytes of all groups (a copy)", NULL},
    {"keys", (getter)tb_get_keys, NULL, "the slots' keys, None where empty (a copy)", NULL},
    {"elems", (getter)tb_get_elems, NULL, "the slots' elems, None where empty (a copy)", NULL},
    {"used", (getter)tb_get_used, NULL, "full slots", NULL},
    {"capacity", (getter)tb_get_capacity, NULL, "slots", NULL},
    {"growth_left", (getter)tb_get_growth_left, NULL, "inserts before a rehash", NULL},
    {"local_depth", (getter)tb_get_local_depth, NULL, "directory bits above this table", NULL},
    {"index", (getter)tb_get_index, NULL, "first directory index; -1 once stale", NULL},
    {"length_mask", (getter)tb_get_length_mask, NULL, "groups - 1", NULL},
    {NULL}};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.SwissTable",
    .tp_basicsize = sizeof(TableObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "table: one Swiss table of a native map (read-only from Python); a small "
              "map's group is a one-group table.",
    .tp_dealloc = (destructor)Table_dealloc,
    .tp_traverse = (traverseproc)Table_traverse,
    .tp_clear = (inquiry)Table_tp_clear,
    .tp_methods = Table_methods,
    .tp_getset = Table_getset,
};

/* ---- iteration ------------------------------------------------------------------------ */
typedef struct {
    PyObject_HEAD
    SwissMapObject *m;        /* NULL: empty at Init */
    SwissMapObject *pending;  /* a lazy iterator's map before its first step */
    int mode;                 /* what tp_iternext yields: 0 (key, elem), 1 key */
    int lazy;                 /* a GoMap iteration: ends for good at an exception */
    PyObject *result;
    uint64_t entry_offset;
    uint64_t dir_offset;
    Py_ssize_t clear_seq;
    int global_depth;
    int64_t dir_idx;
    TableObject *tab;
    int64_t group;
    TableObject *small_group;
    int64_t entry_idx;
} SwissIterObject;

static SwissIterObject *siter_alloc(void) {
    SwissIterObject *it = PyObject_GC_New(SwissIterObject, &SwissIterType);
    if (it == NULL)
        return NULL;
    it->m = NULL;
    it->pending = NULL;
    it->mode = 0;
    it->lazy = 0;
    it->result = NULL;
    it->entry_offset = it->dir_offset = 0;
    it->clear_seq = 0;
    it->global_depth = 0;
    it->dir_idx = 0;
    it->tab = NULL;
    it->group = -1;
    it->small_group = NULL;
    it->entry_idx = 0;
    PyObject_GC_Track(it);
    return it;
}

/* Iter.Init */
static int siter_init(SwissIterObject *it, SwissMapObject *m) {
    if (m->used == 0)
        return 0;
    int64_t dir_idx = 0;
    TableObject *small_group = NULL;
    if (m->dir_len <= 0) {
        dir_idx = -1;
        small_group = m->small;
    }
    Py_INCREF(m);
    Py_XSETREF(it->m, m);
    uint64_t r;
    if (gomap_call_rand(m->rand, &r) < 0)
        return -1;
    it->entry_offset = r;
    if (gomap_call_rand(m->rand, &r) < 0)
        return -1;
    it->dir_offset = r;
    it->global_depth = m->global_depth;
    it->dir_idx = dir_idx;
    Py_XINCREF(small_group);
    Py_XSETREF(it->small_group, small_group);
    it->clear_seq = m->clear_seq;
    return EMIT_iterInit(m, it->entry_offset, it->dir_offset, dir_idx < 0, m->dir_len);
}

static PyObject *SwissMap_iterator(SwissMapObject *m, PyObject *unused) {
    if (sm_ready(m) < 0)
        return NULL;
    SwissIterObject *it = siter_alloc();
    if (it == NULL)
        return NULL;
    if (siter_init(it, m) < 0) {
        Py_DECREF(it);
        return NULL;
    }
    acct_settle(m->acct);  /* AccountedEngine.iterator() */
    return (PyObject *)it;
}

static PyObject *siter_lazy(SwissMapObject *m, int mode) {
    if (sm_ready(m) < 0)
        return NULL;
    SwissIterObject *it = siter_alloc();
    if (it == NULL)
        return NULL;
    Py_INCREF(m);
    it->pending = m;
    it->mode = mode;
    it->lazy = 1;
    return (PyObject *)it;
}

static void SwissIter_release(SwissIterObject *it) {
    Py_CLEAR(it->pending);
    Py_CLEAR(it->result);
    Py_CLEAR(it->tab);
    Py_CLEAR(it->small_group);
    Py_CLEAR(it->m);
}

static void SwissIter_dealloc(SwissIterObject *it) {
    PyObject_GC_UnTrack(it);
    SwissIter_release(it);
    PyObject_GC_Del(it);
}

static int SwissIter_traverse(SwissIterObject *it, visitproc visit, void *arg) {
    Py_VISIT(it->m);
    Py_VISIT(it->pending);
    Py_VISIT(it->result);
    Py_VISIT(it->tab);
    Py_VISIT(it->small_group);
    return 0;
}

static int SwissIter_clear(SwissIterObject *it) {
    SwissIter_release(it);
    return 0;
}

/* Not in Go: fetch the key and elem objects of the group after gi ahead of use.
 * Go's iteration order is hash order, unrelated to where the objects live in memory,
 * which is what iteration over a large map pays for. */
#define PREFETCH_GROUPS 2  /* how many groups ahead */

/* (a macro: gcc -O2 dropped the calls of a static function holding only these
 * loads and prefetches) */
#define PREFETCH_GROUP_AHEAD(tab, gi)                                                   \
    do {                                                                                \
        group_t *pg_ = &(tab)->groups[(uint64_t)((gi) + PREFETCH_GROUPS) &             \
                                      (tab)->length_mask];                              \
        uint64_t full_ = matchFull(pg_->ctrl);                                          \
        while (full_) {                                                                 \
            int j_ = bitset_first(full_);                                               \
            __builtin_prefetch(pg_->slots[j_].key);                                     \
            __builtin_prefetch(pg_->slots[j_].elem);                                    \
            full_ &= full_ - 1;                                                         \
        }                                                                               \
    } while (0)

/* nextDirIdx */
static void next_dir_idx(SwissIterObject *it, SwissMapObject *m, TableObject *tab) {
    TableObject *cur = it->tab != NULL ? it->tab : tab;
    it->dir_idx += (int64_t)1 << (m->global_depth - cur->local_depth);
    Py_CLEAR(it->tab);
    it->group = -1;
    it->entry_idx = 0;
}

/* grownKeyElem: 1 with new references in *pk, *pe; 0 gone; -1 error.
 * key is held by the caller. */
static int grown_key_elem(SwissIterObject *it, SwissMapObject *m, TableObject *tab,
                          PyObject *key, slot_t *s, PyObject **pk, PyObject **pe) {
    int r = sm_get_with_key(m, key, pk, pe);
    if (r != 0)
        return r;
    if (it->clear_seq == m->clear_seq) {
        int eq = self_eq(key);
        if (eq < 0)
            return -1;
        if (!eq) {
            *pk = key;
            Py_INCREF(key);
            *pe = s->elem ? s->elem : Py_None;
            Py_INCREF(*pe);
            return 1;
        }
    }
    return 0;
}

/* the dirIdx < 0 branch of Next: the map was small at Init */
static int siter_next_small(SwissIterObject *it, SwissMapObject *m, PyObject **pk,
                            PyObject **pe) {
    TableObject *gt = it->small_group;
    Py_INCREF(gt);
    group_t *g = &gt->groups[0];
    while (it->entry_idx < GROUP_SLOTS) {
        int k = (int)(((uint64_t)it->entry_idx + it->entry_offset) & (GROUP_SLOTS - 1));
        if (ctrl_get(g, k) & CTRL_EMPTY) {
            it->entry_idx++;
            continue;
        }
        PyObject *key = g->slots[k].key ? g->slots[k].key : Py_None;
        Py_INCREF(key);
        if (m->dir_len > 0) {
            PyObject *nk, *ne;
            int r = sm_get_with_key(m, key, &nk, &ne);
            if (r < 0) {
                Py_DECREF(key);
                Py_DECREF(gt);
                return -1;
            }
            if (r == 0) {
                int keep = 0;
                if (it->clear_seq == m->clear_seq) {
                    int eq = self_eq(key);
                    if (eq < 0) {
                        Py_DECREF(key);
                        Py_DECREF(gt);
                        return -1;
                    }
                    keep = !eq;
                }
                if (!keep) {
                    Py_DECREF(key);
                    it->entry_idx++;
                    continue;
                }
                *pk = key;
                *pe = g->slots[k].elem ? g->slots[k].elem : Py_None;
                Py_INCREF(*pe);
            } else {
                Py_DECREF(key);
                *pk = nk;
                *pe = ne;
            }
        } else {
            *pk = key;
            *pe = g->slots[k].elem ? g->slots[k].elem : Py_None;
            Py_INCREF(*pe);
        }
        it->entry_idx++;
        Py_DECREF(gt);
        return 1;
    }
    Py_DECREF(gt);
    return 0;
}

/* Iter.Next: 1 with new references in *pk, *pe; 0 at the end; -1 error */
static int siter_next_core(SwissIterObject *it, SwissMapObject *m, PyObject **pk,
                           PyObject **pe) {
    GOMAP_TOUCH(m);
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapIterationWriteError");
        return -1;
    }
    if (it->dir_idx < 0)
        return siter_next_small(it, m, pk, pe);
    if (it->global_depth != m->global_depth) {
        int orders = m->global_depth - it->global_depth;
        it->dir_idx <<= orders;
        it->dir_offset <<= orders;
        it->global_depth = m->global_depth;
    }
    while (it->dir_idx < m->dir_len) {
        if (it->tab == NULL) {
            Py_ssize_t dir_idx = (Py_ssize_t)(((uint64_t)it->dir_idx + it->dir_offset) &
                                              (uint64_t)(m->dir_len - 1));
            TableObject *new_tab = m->directory[dir_idx];
            if (new_tab->index != dir_idx) {
                int64_t diff = (int64_t)dir_idx - (int64_t)new_tab->index;
                it->dir_offset -= (uint64_t)diff;
            }
            Py_INCREF(new_tab);
            it->tab = new_tab;
        }
        TableObject *tab = it->tab;
        Py_INCREF(tab);
        int64_t entry_mask = tab->capacity - 1;
        if (it->entry_idx > entry_mask) {
            next_dir_idx(it, m, tab);
            Py_DECREF(tab);
            continue;
        }
        uint64_t entry_idx = ((uint64_t)it->entry_idx + it->entry_offset) & (uint64_t)entry_mask;
        int slot_idx = (int)(entry_idx & (GROUP_SLOTS - 1));
        if (slot_idx == 0 || it->group < 0) {
            it->group = (int64_t)(entry_idx >> 3);
            PREFETCH_GROUP_AHEAD(tab, it->group);
        }
        group_t *g = &tab->groups[it->group];
        if (!(ctrl_get(g, slot_idx) & CTRL_EMPTY)) {
            slot_t *s = &g->slots[slot_idx];
            PyObject *key = s->key ? s->key : Py_None;
            if (tab->index == -1) {
                Py_INCREF(key);
                int r = grown_key_elem(it, m, tab, key, s, pk, pe);
                Py_DECREF(key);
                if (r < 0) {
                    Py_DECREF(tab);
                    return -1;
                }
                if (r) {
                    it->entry_idx++;
                    Py_DECREF(tab);
                    return 1;
                }
            } else {
                *pk = key;
                Py_INCREF(key);
                *pe = s->elem ? s->elem : Py_None;
                Py_INCREF(*pe);
                it->entry_idx++;
                Py_DECREF(tab);
                return 1;
            }
        }
        /* next: */
        it->entry_idx++;
        uint64_t group_match = 0;
        while (it->entry_idx <= entry_mask) {
            entry_idx = ((uint64_t)it->entry_idx + it->entry_offset) & (uint64_t)entry_mask;
            slot_idx = (int)(entry_idx & (GROUP_SLOTS - 1));
            if (slot_idx == 0 || it->group < 0) {
                it->group = (int64_t)(entry_idx >> 3);
                PREFETCH_GROUP_AHEAD(tab, it->group);
            }
            g = &tab->groups[it->group];
            if (group_match == 0) {
                group_match = matchFull(g->ctrl);
                if (slot_idx != 0)
                    group_match = bitset_remove_below(group_match, slot_idx);
                if (group_match == 0) {
                    it->entry_idx += GROUP_SLOTS - slot_idx;
                    continue;
                }
                int i = bitset_first(group_match);
                it->entry_idx += i - slot_idx;
                if (it->entry_idx > entry_mask)
                    continue;
                entry_idx += (uint64_t)(i - slot_idx);
                slot_idx = i;
            }
            slot_t *s = &g->slots[slot_idx];
            PyObject *key = s->key ? s->key : Py_None;
            PyObject *rk, *re;
            if (tab->index == -1) {
                Py_INCREF(key);
                int r = grown_key_elem(it, m, tab, key, s, &rk, &re);
                Py_DECREF(key);
                if (r < 0) {
                    Py_DECREF(tab);
                    return -1;
                }
                if (r == 0) {
                    group_match &= group_match - 1;
                    if (group_match == 0) {
                        it->entry_idx += GROUP_SLOTS - slot_idx;
                        continue;
                    }
                    int i = bitset_first(group_match);
                    it->entry_idx += i - slot_idx;
                    continue;
                }
            } else {
                rk = key;
                Py_INCREF(rk);
                re = s->elem ? s->elem : Py_None;
                Py_INCREF(re);
            }
            group_match &= group_match - 1;
            if (group_match == 0) {
                it->entry_idx += GROUP_SLOTS - slot_idx;
            } else {
                int i = bitset_first(group_match);
                it->entry_idx += i - slot_idx;
            }
            *pk = rk;
            *pe = re;
            Py_DECREF(tab);
            return 1;
        }
        next_dir_idx(it, m, tab);
        Py_DECREF(tab);
    }
    return 0;
}

static int siter_next(SwissIterObject *it, PyObject **pk, PyObject **pe) {
    SwissMapObject *m = it->m;
    if (m == NULL)
        return 0;
    Py_INCREF(m);
    int r = siter_next_core(it, m, pk, pe);
    Py_DECREF(m);
    return r;
}

static PyObject *SwissIter_next_method(SwissIterObject *it, PyObject *unused) {
    PyObject *k, *e;
    int r = siter_next(it, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        Py_RETURN_NONE;
    PyObject *t = PyTuple_Pack(2, k, e);
    Py_DECREF(k);
    Py_DECREF(e);
    return t;
}

static PyObject *SwissIter_iternext(SwissIterObject *it) {
    if (it->pending != NULL) {
        SwissMapObject *m = it->pending;
        it->pending = NULL;
        int r = siter_init(it, m);
        if (r == 0)
            acct_settle(m->acct);
        Py_DECREF(m);
        if (r < 0) {
            SwissIter_release(it);  /* as a generator that raised: over */
            return NULL;
        }
    }
    PyObject *k, *e;
    int r = siter_next(it, &k, &e);
    if (r <= 0) {
        if (r < 0 && it->lazy)
            SwissIter_release(it);  /* as a generator that raised: over */
        return NULL;
    }
    return gomap_iter_result(&it->result, it->mode, k, e);
}

static PyObject *SwissIter_iter(PyObject *self) {
    Py_INCREF(self);
    return self;
}

static PyObject *SwissIter_state(SwissIterObject *it, PyObject *unused) {
    PyObject *tab_index = it->tab == NULL ? Py_None : PyLong_FromSsize_t(it->tab->index);
    if (tab_index == Py_None)
        Py_INCREF(tab_index);
    return Py_BuildValue("{s:O,s:K,s:K,s:n,s:i,s:L,s:N,s:L,s:L}", "active",
                         it->m != NULL ? Py_True : Py_False, "entry_offset",
                         (unsigned long long)it->entry_offset, "dir_offset",
                         (unsigned long long)it->dir_offset, "clear_seq", it->clear_seq,
                         "global_depth", it->global_depth, "dir_idx", (long long)it->dir_idx,
                         "tab_index", tab_index, "group", (long long)it->group, "entry_idx",
                         (long long)it->entry_idx);
}

static PyMethodDef SwissIter_methods[] = {
    {"next", (PyCFunction)SwissIter_next_method, METH_NOARGS,
     "Iter.Next: the next (key, elem), or None at the end."},
    {"state", (PyCFunction)SwissIter_state, METH_NOARGS,
     "The iterator's own fields, JSON-able (for traces and tests)."},
    {NULL}};

static PyObject *si_get_m(SwissIterObject *it, void *c) {
    PyObject *o = it->m ? (PyObject *)it->m : Py_None;
    Py_INCREF(o);
    return o;
}
static PyObject *si_get_tab(SwissIterObject *it, void *c) {
    PyObject *o = it->tab ? (PyObject *)it->tab : Py_None;
    Py_INCREF(o);
    return o;
}
static PyObject *si_get_small_group(SwissIterObject *it, void *c) {
    PyObject *o = it->small_group ? (PyObject *)it->small_group : Py_None;
    Py_INCREF(o);
    return o;
}
static PyObject *si_get_entry_offset(SwissIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->entry_offset);
}
static PyObject *si_get_dir_offset(SwissIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->dir_offset);
}
static PyObject *si_get_clear_seq(SwissIterObject *it, void *c) {
    return PyLong_FromSsize_t(it->clear_seq);
}
static PyObject *si_get_global_depth(SwissIterObject *it, void *c) {
    return PyLong_FromLong(it->global_depth);
}
static PyObject *si_get_dir_idx(SwissIterObject *it, void *c) {
    return PyLong_FromLongLong(it->dir_idx);
}
static PyObject *si_get_group(SwissIterObject *it, void *c) {
    return PyLong_FromLongLong(it->group);
}
static PyObject *si_get_entry_idx(SwissIterObject *it, void *c) {
    return PyLong_FromLongLong(it->entry_idx);
}

static PyGetSetDef SwissIter_getset[] = {
    {"m", (getter)si_get_m, NULL, "the map, or None when it was empty at Init", NULL},
    {"entry_offset", (getter)si_get_entry_offset, NULL, "rotation of the slot order", NULL},
    {"dir_offset", (getter)si_get_dir_offset, NULL, "rotation of the directory order", NULL},
    {"clear_seq", (getter)si_get_clear_seq, NULL, "Map.clearSeq at Init", NULL},
    {"global_depth", (getter)si_get_global_depth, NULL, "globalDepth at the previous Next",
     NULL},
    {"dir_idx", (getter)si_get_dir_idx, NULL, "directory index before dirOffset", NULL},
    {"tab", (getter)si_get_tab, NULL, "the table walked (kept once stale)", NULL},
    {"group", (getter)si_get_group, NULL, "group index of the previous step; -1 none", NULL},
    {"small_group", (getter)si_get_small_group, NULL, "the small map's group at Init", NULL},
    {"entry_idx", (getter)si_get_entry_idx, NULL, "entry index before entryOffset", NULL},
    {NULL}};

static PyTypeObject SwissIterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.SwissIter",
    .tp_basicsize = sizeof(SwissIterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "maps.Iter: one for k, v := range m over a native Swiss map.",
    .tp_dealloc = (destructor)SwissIter_dealloc,
    .tp_traverse = (traverseproc)SwissIter_traverse,
    .tp_clear = (inquiry)SwissIter_clear,
    .tp_iter = SwissIter_iter,
    .tp_iternext = (iternextfunc)SwissIter_iternext,
    .tp_methods = SwissIter_methods,
    .tp_getset = SwissIter_getset,
};

/* ---- the simulator's loop (gomap_replay in module.c) ---------------------------------- */
static int replay_assign(PyObject *m, PyObject *key, PyObject *elem) {
    return sm_assign((SwissMapObject *)m, key, elem);
}

static int replay_lookup(PyObject *m, PyObject *key) {
    PyObject *e;
    int r = sm_lookup((SwissMapObject *)m, key, &e);
    if (r == 1)
        Py_DECREF(e);
    return r;
}

static int replay_delete(PyObject *m, PyObject *key) {
    return sm_delete((SwissMapObject *)m, key);
}

static int replay_clear(PyObject *m) { return sm_clear((SwissMapObject *)m); }

static int replay_range(PyObject *m) {
    SwissIterObject *it = (SwissIterObject *)SwissMap_iterator((SwissMapObject *)m, NULL);
    if (it == NULL)
        return -1;
    PyObject *k, *e;
    int r;
    while ((r = siter_next(it, &k, &e)) > 0) {
        Py_DECREF(k);
        Py_DECREF(e);
    }
    Py_DECREF(it);
    return r;
}

static Py_ssize_t replay_count(PyObject *m) { return ((SwissMapObject *)m)->used; }

static const int64_t *replay_live(PyObject *m) {
    sacct_t *a = ((SwissMapObject *)m)->acct;
    return a == NULL ? NULL : &a->live;
}

static Py_ssize_t *replay_op(PyObject *m) { return &((SwissMapObject *)m)->op; }

static const gomap_replay_ops swiss_replay_ops = {
    replay_assign, replay_lookup, replay_delete, replay_clear, replay_range, replay_count,
    replay_live, replay_op};

static PyObject *SwissMap_replay(SwissMapObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (sm_ready(m) < 0)
        return NULL;
    return gomap_replay((PyObject *)m, &swiss_replay_ops, args, nargs);
}

/* ---- what GoMap's C fast paths (classic.c) call -------------------------------------- */
static int ops_lookup(PyObject *e, PyObject *key, PyObject **pe) {
    if (sm_ready((SwissMapObject *)e) < 0)
        return -1;
    return sm_lookup((SwissMapObject *)e, key, pe);
}
static int ops_assign(PyObject *e, PyObject *key, PyObject *elem) {
    if (sm_ready((SwissMapObject *)e) < 0)
        return -1;
    return sm_assign((SwissMapObject *)e, key, elem);
}
static int ops_delete(PyObject *e, PyObject *key) {
    if (sm_ready((SwissMapObject *)e) < 0)
        return -1;
    return sm_delete((SwissMapObject *)e, key);
}
static Py_ssize_t ops_len(PyObject *e) { return ((SwissMapObject *)e)->used; }
static PyObject *ops_iter(PyObject *e, int mode) { return siter_lazy((SwissMapObject *)e, mode); }

const gomap_engine_ops gomap_swiss_ops = {&SwissMapType, ops_lookup, ops_assign, ops_delete,
                                          ops_len, ops_iter};

int gomap_swiss_init(PyObject *module) {
    PyObject *sm = PyImport_ImportModule("gomap.swiss.map");
    if (sm == NULL)
        return -1;
    swiss_go_version = PyObject_GetAttrString(sm, "GO_VERSION");
    Py_DECREF(sm);
    if (swiss_go_version == NULL)
        return -1;
    static const char *const cnames[EV_N] = EV_CNAMES;
    static const uint64_t bits[EV_N] = EV_BITS;
    if (gomap_events_init(module, "swiss", cnames, bits, EV_N, gomap_swiss_ev_names) < 0)
        return -1;
    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&SwissMapType) < 0 ||
        PyType_Ready(&SwissIterType) < 0)
        return -1;
    Py_INCREF(&SwissMapType);
    if (PyModule_AddObject(module, "SwissMap", (PyObject *)&SwissMapType) < 0)
        return -1;
    Py_INCREF(&SwissIterType);
    if (PyModule_AddObject(module, "SwissIter", (PyObject *)&SwissIterType) < 0)
        return -1;
    Py_INCREF(&TableType);
    if (PyModule_AddObject(module, "SwissTable", (PyObject *)&TableType) < 0)
        return -1;
    return 0;
}
