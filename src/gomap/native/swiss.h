/* swiss.h: what the Swiss engine's algorithm (swiss_table.c beside table.go, swiss_map.c
 * beside map.go), its heap accountant (swiss_acct.c) and its CPython glue
 * (swiss_type.c) share: Go's constants, the group and its control-word matches, the
 * probe sequence, the table, the Map and the Iter, the events (generated from
 * gomap.events) and the entry points of the algorithm.
 *
 * Naming: a Go method is <receiver>_<Go's name> (table_PutSlot, table_pruneTombstones,
 * map_installTableSplit, map_growToTable, Iter_Init); Go's functions keep their name
 * (newTable, NewMap, runtime_mapaccess2); <name>_locked is a Go function's body once
 * the hash is computed and the map's writing flag set. sm_<op> (sm_assign, sm_delete,
 * sm_clear) is what the glue and the simulator's loop call: the Go function (checks,
 * hash, writing flag) plus what gomap.memory.AccountedEngine does around it. As in
 * classic.h.
 */
#ifndef GOMAP_SWISS_H
#define GOMAP_SWISS_H
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

/* A slot: its key as stored (gkey, native.h: an object, or in a table of an unboxed
 * map the int64 itself) and its elem. */
typedef struct {
    gkey key;
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

/* probeSeq: the quadratic probe sequence over a table's groups (Go's probeSeq,
 * makeProbeSeq, next): offset runs through (h1 + i(i+1)/2) & mask, i = 0, 1, 2, ..., which
 * visits every group once (the group count is a power of two). Every walk over a
 * table's groups (look-ups, inserts, deletes, the rehash loops, pruneTombstones'
 * probe-needed check) goes through it. */
typedef struct {
    uint64_t mask, offset, index;
} probeSeq;

static inline uint64_t h1(uint64_t hash) { return hash >> 7; }
static inline uint8_t h2(uint64_t hash) { return hash & 0x7F; }

static inline probeSeq makeProbeSeq(uint64_t hash1, uint64_t mask) {
    probeSeq s = {mask, hash1 & mask, 0};
    return s;
}

static inline void probeSeq_next(probeSeq *s) {
    s->index++;
    s->offset = (s->offset + s->index) & s->mask;
}

static inline uint64_t align_up_pow2(uint64_t n) {
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
    int ikey;           /* not in Go: its keys are unboxed int64 (gkey.i), as its map's */
} TableObject;

/* ---- key slots: what a table's mode changes (the rest of the engine is the same) */
/* empty the key of s, in a table of mode ikey */
static inline void kclear(int ikey, slot_t *s) {
    if (ikey)
        s->key.i = 0;
    else
        Py_CLEAR(s->key.o);
}

/* the key of s as a Python object (a new reference; Py_None for an empty object slot;
 * NULL on error) */
static inline PyObject *kbox(int ikey, const slot_t *s) {
    if (ikey)
        return PyLong_FromLongLong(s->key.i);
    PyObject *o = s->key.o ? s->key.o : Py_None;
    Py_INCREF(o);
    return o;
}

static inline Py_ssize_t max_growth_left(const TableObject *t) {
    if (t->capacity <= GROUP_SLOTS)
        return t->capacity - 1;
    return t->capacity * MAX_AVG_GROUP_LOAD / GROUP_SLOTS;
}

static inline Py_ssize_t tombstones(const TableObject *t) {
    return t->capacity * MAX_AVG_GROUP_LOAD / GROUP_SLOTS - t->used - t->growth_left;
}

/* ---- the map ----------------------------------------------------------------------- */
enum { KK_generic, KK_fast32, KK_fast64, KK_faststr, KK_fast32ptr, KK_fast64ptr, KK_N };

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
    PyObject *go_release;  /* not in Go: the Go release the map was made for */
    PyObject *rand;
    PyObject *subscribers;
    int fast_hash;             /* 0: call hasher; 1: the default hasher; 2: the default, stable */
    PyObject *hrand;
    int inited;
    struct sacct *acct;        /* not in Go: the heap accountant (_account), or NULL */
    Py_ssize_t op;             /* not in Go: the number of the op being replayed (_replay) */
    PyObject *weakrefs;
    int ikey;                  /* not in Go: keys stored unboxed (gkey.i): _unbox_int_keys */
} SwissMapObject;

/* key as the map stores it (gomap_key_in) */
static inline int sm_key(SwissMapObject *m, PyObject *key, gkey *out) {
    if (!m->ikey) {
        out->o = key;
        return 0;
    }
    return gomap_key_in(1, key, out);
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

static inline void sacct_alloc(sacct_t *a, int64_t n) {
    a->allocated += n;
    a->allocations++;
    a->live += n;
}

/* a new entry (AccountedEngine's assign: len() grew): its indirect key and elem objects */
static inline void sacct_inserted(sacct_t *a) {
    a->entries++;
    if (a->entry_bytes) {
        if (a->indirect_key)
            sacct_alloc(a, a->key_bytes);
        if (a->indirect_elem)
            sacct_alloc(a, a->elem_bytes);
    }
}

static inline void sacct_settle(sacct_t *a) {
    if (a != NULL && a->live > a->peak)
        a->peak = a->live;
}

/* ---- the directory ------------------------------------------------------------------ */
static inline TableObject *map_directoryAt(SwissMapObject *m, uint64_t hash) {
    return m->directory[m->dir_len == 1 ? 0 : (Py_ssize_t)(hash >> (m->global_shift & 63))];
}

/* A table is tracked by the cycle collector only once it holds an object that may be
 * part of a cycle (as CPython's dicts: MAINTAIN_TRACKING): a table of ints and strings
 * costs no collection a traversal of its slots. Every store into a slot goes through
 * table_track_for, or copies the tracking of the table its entries come from. */
static inline void table_track_for(TableObject *t, PyObject *o) {
    if (PyObject_GC_IsTracked((PyObject *)t) || !PyObject_IS_GC(o))
        return;
    if (PyTuple_CheckExact(o) && !PyObject_GC_IsTracked(o))
        return;  /* a tuple of atoms, untracked by the collector itself */
    PyObject_GC_Track(t);
}

/* store key and elem in s, a slot of t (new references to objects) */
static inline void slot_store(TableObject *t, slot_t *s, gkey key, PyObject *elem) {
    if (t->ikey) {
        s->key.i = key.i;
    } else {
        table_track_for(t, key.o);
        Py_INCREF(key.o);
        Py_XSETREF(s->key.o, key.o);
    }
    table_track_for(t, elem);
    Py_INCREF(elem);
    Py_XSETREF(s->elem, elem);
}

/* the slot of key in group g of a table of unboxed keys: its index, or -1 (no user
 * code runs: nothing to re-read) */
static inline int group_find_i(const group_t *g, uint8_t top, int64_t key) {
    uint64_t match = matchH2(g->ctrl, top);
    while (match) {
        int i = bitset_first(match);
        if (g->slots[i].key.i == key)
            return i;
        match &= match - 1;
    }
    return -1;
}

/* The probe of one group (group_find_o, swiss_table.c, for object keys): 1 with the
 * slot of key in *slot, 0 absent, -1 error. ikey: the table's mode. */
int group_find_o(group_t *g, uint8_t top, PyObject *key, int *slot);
static inline int group_find(group_t *g, int ikey, uint8_t top, gkey key, int *slot) {
    if (ikey) {
        int i = group_find_i(g, top, key.i);
        if (i < 0)
            return 0;
        *slot = i;
        return 1;
    }
    return group_find_o(g, top, key.o, slot);
}

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
            if (!(tab)->ikey)                                                           \
                __builtin_prefetch(pg_->slots[j_].key.o);                               \
            __builtin_prefetch(pg_->slots[j_].elem);                                    \
            full_ &= full_ - 1;                                                         \
        }                                                                               \
    } while (0)

/* Iter.Next's position in tab: the group of the entry at it->entryIdx (plus the
 * entry offset, masked), its slot in *slot_idx; on a step onto a new group (its slot
 * 0, or the table's first step) it->group moves there and the objects PREFETCH_GROUPS
 * groups on are fetched. (Iter_Next_k spells it out, as Go does.) */
static inline group_t *siter_group_at(SwissIterObject *it, TableObject *tab,
                                      int64_t entry_mask, int *slot_idx) {
    uint64_t entry_idx = ((uint64_t)it->entry_idx + it->entry_offset) & (uint64_t)entry_mask;
    *slot_idx = (int)(entry_idx & (GROUP_SLOTS - 1));
    if (*slot_idx == 0 || it->group < 0) {
        it->group = (int64_t)(entry_idx >> 3);
        PREFETCH_GROUP_AHEAD(tab, it->group);
    }
    return &tab->groups[it->group];
}

/* Iter.Next's step within one table, without its guards: the next full entry of the
 * table the iterator stands in, when that table has not grown (so no grownKeyElem: no
 * user code runs), the map has not grown in depth since the last step and no write is
 * under way (Iter_Next_k raises). It moves entryIdx and the group exactly as Iter.Next
 * does (its first branch, then its group-match loop). 1 with the key as stored (its
 * mode in *pik) and the elem; 0 when Iter_Next_k must take the step: no table yet, the
 * table's end (nextDirIdx), a grown table, a small map. */
static inline int siter_next_fast(SwissIterObject *it, gkey *pk, int *pik, PyObject **pe) {
    SwissMapObject *m = it->m;
    TableObject *tab = it->tab;
    if (m == NULL || tab == NULL || m->writing || it->dir_idx < 0 || tab->index == -1 ||
        it->global_depth != m->global_depth)
        return 0;
    int64_t entry_mask = tab->capacity - 1;
    if (it->entry_idx > entry_mask)
        return 0;
    GOMAP_TOUCH(m);
    int slot_idx;
    group_t *g = siter_group_at(it, tab, entry_mask, &slot_idx);
    slot_t *s;
    if (!(ctrl_get(g, slot_idx) & CTRL_EMPTY)) {
        s = &g->slots[slot_idx];
        it->entry_idx++;
    } else {
        it->entry_idx++;
        for (;;) {
            if (it->entry_idx > entry_mask)
                return 0;
            g = siter_group_at(it, tab, entry_mask, &slot_idx);
            uint64_t group_match = matchFull(g->ctrl);
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
            slot_idx = i;
            s = &g->slots[slot_idx];
            group_match &= group_match - 1;
            if (group_match == 0)
                it->entry_idx += GROUP_SLOTS - slot_idx;
            else
                it->entry_idx += bitset_first(group_match) - slot_idx;
            break;
        }
    }
    gkey key = s->key;
    if (!tab->ikey) {
        if (key.o == NULL)
            key.o = Py_None;
        Py_INCREF(key.o);
    }
    *pk = key;
    *pik = tab->ikey;
    *pe = s->elem ? s->elem : Py_None;
    Py_INCREF(*pe);
    return 1;
}

extern PyTypeObject TableType;
extern PyTypeObject SwissMapType;
extern PyTypeObject SwissIterType;

/* ---- the tables (swiss_table.c, in table.go's order) */
/* (keys as stored: gkey in the table's mode, t->ikey) */
TableObject *newTable(uint64_t capacity, Py_ssize_t index, int local_depth, int ikey);
void table_clear_slots(TableObject *t);
int table_getWithKey(TableObject *t, uint64_t hash, gkey key, gkey *pk, PyObject **pe);
int table_PutSlot(SwissMapObject *m, TableObject *t, uint64_t hash, gkey key,
                  PyObject *elem, int typed);
int table_uncheckedPutSlot(TableObject *t, uint64_t hash, gkey key, PyObject *elem);
int table_Delete(SwissMapObject *m, TableObject *t, uint64_t hash, gkey key);
void table_Clear(TableObject *t);
TableObject *table_clone(TableObject *t);
int Iter_Init(SwissIterObject *it, SwissMapObject *m);
/* Iter.Next: 1 with the key as stored (*pk; *pik its mode: a new reference to an object
 * key), the elem (a new reference); 0 at the end; -1 error */
int Iter_Next_k(SwissIterObject *it, gkey *pk, int *pik, PyObject **pe);
int Iter_Next(SwissIterObject *it, PyObject **pk, PyObject **pe);

/* ---- the map (swiss_map.c, in map.go's order) */
int sm_hash(SwissMapObject *m, PyObject *key, uint64_t *out);
int sm_hash_k(SwissMapObject *m, gkey key, uint64_t *out);
/* not in Go: the rebuilt-map census (AccountedEngine.rebuilt_memory) */
int sm_rebuild_census(SwissMapObject *m, SwissIterObject *it, Py_ssize_t *nkeys);
int NewMap(SwissMapObject *m, uint64_t hint);
int sm_set_unboxed(SwissMapObject *m);
void map_replaceTable(SwissMapObject *m, TableObject *nt);
int map_installTableSplit(SwissMapObject *m, TableObject *old, TableObject *left,
                          TableObject *right);
int map_getWithKey(SwissMapObject *m, PyObject *key, PyObject **pk, PyObject **pe);
int map_getWithKey_k(SwissMapObject *m, int kik, gkey key, gkey *pk, PyObject **pe);
int runtime_mapaccess2(SwissMapObject *m, PyObject *key, PyObject **pe);
int sm_assign(SwissMapObject *m, PyObject *key, PyObject *elem);
int sm_delete(SwissMapObject *m, PyObject *key);
/* the simulator loop's entry points for an unboxed map: a key as stored (gkey) */
int runtime_mapaccess2_k(SwissMapObject *m, gkey key, PyObject **pe);
int sm_assign_k(SwissMapObject *m, gkey key, PyObject *elem);
int sm_delete_k(SwissMapObject *m, gkey key);
int sm_clear(SwissMapObject *m);

/* ---- what the algorithm asks of the glue (swiss_type.c) */
/* A new table object (a Python object: iterators, the directory and the debug tools
 * hold it) of capacity slots, all empty. */
TableObject *table_alloc(Py_ssize_t capacity, Py_ssize_t index, int local_depth, int ikey);

/* ---- the heap accountant (swiss_acct.c) */
int64_t sacct_gab(sacct_t *a, Py_ssize_t ngroups);
int sacct_new_table(sacct_t *a, Py_ssize_t capacity);
int sacct_drop_table(sacct_t *a, Py_ssize_t capacity);
int sacct_new_directory(sacct_t *a, Py_ssize_t n);
void sacct_free(sacct_t *a);

#endif
