/* The Swiss-table Go map in C: Go's internal/runtime/maps/map.go (the directory, the
 * small map, growth by split), with the runtime's entry points (runtime_mapaccess2,
 * mapassign, mapdelete, clear), in map.go's order and with its names, state-exact with
 * the Python reference src/gomap/swiss/map.py. The tables are in swiss_table.c; the
 * CPython glue in swiss_type.c; names in swiss.h.
 *
 * Names are Go's (and the reference's): Map, table, group, ctrl, h1/h2, probeSeq,
 * matchH2 / matchEmpty / matchEmptyOrDeleted / matchFull, putSlot, rehash, grow,
 * split, installTableSplit, pruneTombstones, Iter.Init / Iter.Next / grownKeyElem.
 * Every operation follows the reference statement by statement, including the order
 * in which it calls the user's code (hasher, rand, subscribers, __eq__), so that a
 * failing callback leaves the same state in both backends.
 *
 * Layout: a group is Go's: one uint64 control word (byte j = slot j: 0x80 empty,
 * 0xFE deleted, 0hhhhhhh full with H2) and 8 slots of (key, elem) object references;
 * in a map made unboxed (_unbox_int_keys: the simulator's maps of Go integer keys) a
 * slot's key is the int64 itself, as Go's map_fast64 stores it (gkey, native.h; the
 * mode is the map's and every table's: TableObject.ikey), boxed wherever a key leaves
 * the engine.
 * A table is a Python object (gomap._native.SwissTable) owning one array of groups,
 * so that an iterator, the directory and the debug tools can all hold it (a stale
 * table lives on for the iterators that walk it, as Go's GC keeps it). The small
 * map's single group is a one-group table. The directory is an array of table
 * references, one per entry (entries sharing a table hold one reference each).
 *
 * The bitset matches are exact (amd64's SIMD semantics): the portable Go version's
 * false positives would call __eq__ once more, which user keys can observe.
 *
 * This engine follows the newest release the registry pins (gomap.engines): prune on
 * every typed path (pointer keys too), Clear of an emptied map with tombstones, small
 * maps updated in place. Releases whose switches differ run on the Python engine
 * (gomap.engines.EngineSpec.backend_for).
 */
#include "swiss.h"

static int set_seed(SwissMapObject *m, uint64_t v);
static int draw_seed(SwissMapObject *m);
static void map_directorySet(SwissMapObject *m, Py_ssize_t i, TableObject *nt);
static int runtime_mapassign_locked(SwissMapObject *m, uint64_t hash, gkey key,
                                    PyObject *elem);
static int map_putSlotSmall(SwissMapObject *m, uint64_t hash, gkey key, PyObject *elem);
static int map_growToSmall(SwissMapObject *m);
static TableObject *map_growToTable(SwissMapObject *m);
static int map_Delete_locked(SwissMapObject *m, uint64_t hash, gkey key);
static int map_deleteSmall(SwissMapObject *m, uint64_t hash, gkey key);
static int map_Clear_locked(SwissMapObject *m);

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
int sm_hash(SwissMapObject *m, PyObject *key, uint64_t *out) {
    if (m->fast_hash) {
        int r = gomap_default_hash(m->fast_hash, m->hrand, m->seed, key, out);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return gomap_call_hasher(m->hasher, key, m->seed_obj, out);
}

/* hasher(key, seed) of a key as the map stores it: an unboxed key hashes as the int it
 * is (in C for the default hasher, which needs no object: gomap_i64_pyhash is
 * hash(int)), as classic's hm_hash_k. */
int sm_hash_k(SwissMapObject *m, gkey key, uint64_t *out) {
    if (!m->ikey)
        return sm_hash(m, key.o, out);
    return gomap_hash_i64(m->fast_hash, m->seed, m->hasher, m->seed_obj, key.i, out);
}

/* NewMap's makemap event, once the map is made */
static int made(SwissMapObject *m, uint64_t hint) {
    return EMIT_makemap(m, hint, m->dir_len, m->global_depth);
}


int NewMap(SwissMapObject *m, uint64_t hint) {
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
        d[i] = newTable(capacity, (Py_ssize_t)i, gd, m->ikey);
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

static void map_directorySet(SwissMapObject *m, Py_ssize_t i, TableObject *nt) {
    Py_INCREF(nt);
    Py_XSETREF(m->directory[i], nt);
}

/* replaceTable */
void map_replaceTable(SwissMapObject *m, TableObject *nt) {
    Py_ssize_t entries = (Py_ssize_t)1 << (m->global_depth - nt->local_depth);
    for (Py_ssize_t i = 0; i < entries; i++)
        map_directorySet(m, nt->index + i, nt);
}

/* installTableSplit */
int map_installTableSplit(SwissMapObject *m, TableObject *old, TableObject *left,
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
            if (sacct_new_directory(m->acct, m->dir_len) < 0)
                return -1;
            m->acct->live -= old_bytes;
        }
        if (EMIT_directoryGrow(m, old_len, m->dir_len, m->global_depth) < 0)
            return -1;
    }
    left->index = old->index;
    map_replaceTable(m, left);
    Py_ssize_t entries = (Py_ssize_t)1 << (m->global_depth - left->local_depth);
    right->index = left->index + entries;
    map_replaceTable(m, right);
    return 0;
}

/* Make the empty map m store its keys unboxed (gkey.i) from now on: it and every table
 * it holds (all of them empty; a stale table an iterator still walks keeps its mode).
 * 0, or -1 (ValueError: m holds entries, or a write is under way). */
int sm_set_unboxed(SwissMapObject *m) {
    if (m->ikey)
        return 0;
    if (m->used != 0 || m->writing) {
        PyErr_SetString(PyExc_ValueError, "only an empty map can store its keys unboxed");
        return -1;
    }
    TableObject *last = NULL;
    for (Py_ssize_t i = -1; i < m->dir_len; i++) {
        TableObject *t = i < 0 ? m->small : m->directory[i];
        if (t == NULL || t == last)
            continue;
        last = t;
        table_clear_slots(t);  /* (deleted slots hold no key: a no-op) */
        t->ikey = 1;
    }
    m->ikey = 1;
    return 0;
}

/* ---- the operations --------------------------------------------------------------- */
/* Map.getWithKey's checks: 0 go on, 1 absent (an empty map), -1 error */
static inline int getWithKey_checks(SwissMapObject *m) {
    GOMAP_TOUCH(m);
    if (m->used == 0)
        return 1;
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    return 0;
}

/* getWithKeySmall / table.getWithKey through the map (Map.getWithKey) once checked, for
 * a key in the map's mode: 1 found with the key as stored in *pk (a new reference to an
 * object key) and the elem in *pe (a new reference); 0 absent; -1 error */
static int getWithKey_k(SwissMapObject *m, gkey key, gkey *pk, PyObject **pe) {
    uint64_t hash;
    if (sm_hash_k(m, key, &hash) < 0)
        return -1;
    TableObject *t;
    if (m->dir_len == 0) {
        t = m->small;
        Py_INCREF(t);
        group_t *g = &t->groups[0];
        int i;
        int r = group_find(g, t->ikey, h2(hash), key, &i);
        if (r == 1) {
            *pk = g->slots[i].key;
            if (!t->ikey) {
                if (pk->o == NULL)
                    pk->o = Py_None;
                Py_INCREF(pk->o);
            }
            *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
            Py_INCREF(*pe);
        }
        Py_DECREF(t);
        return r;
    }
    t = map_directoryAt(m, hash);
    Py_INCREF(t);
    int r = table_getWithKey(t, hash, key, pk, pe);
    if (r == 1) {
        if (!t->ikey) {
            if (pk->o == NULL)
                pk->o = Py_None;
            Py_INCREF(pk->o);
        }
        if (*pe == NULL)
            *pe = Py_None;
        Py_INCREF(*pe);
    }
    Py_DECREF(t);
    return r;
}

/* Map.getWithKey: 1 found with new references in *pk, *pe (the key boxed); 0 absent;
 * -1 error */
int map_getWithKey(SwissMapObject *m, PyObject *key, PyObject **pk, PyObject **pe) {
    int c = getWithKey_checks(m);
    if (c != 0)
        return c < 0 ? -1 : 0;
    gkey k, sk;
    if (sm_key(m, key, &k) < 0)
        return -1;
    int r = getWithKey_k(m, k, &sk, pe);
    if (r == 1) {
        *pk = m->ikey ? PyLong_FromLongLong(sk.i) : sk.o;
        if (*pk == NULL) {
            Py_CLEAR(*pe);
            return -1;
        }
    }
    return r;
}

/* Map.getWithKey of a key as a table of mode kik stores it (an iterator's): as
 * getWithKey_k (*pk in the map's mode). A key of a table older than the map's mode
 * (one an iterator kept walking while the emptied map turned unboxed) is looked up as
 * an int64 when it is an int in range, and is absent otherwise. */
int map_getWithKey_k(SwissMapObject *m, int kik, gkey key, gkey *pk, PyObject **pe) {
    int c = getWithKey_checks(m);
    if (c != 0)
        return c < 0 ? -1 : 0;
    if (kik == m->ikey)
        return getWithKey_k(m, key, pk, pe);
    gkey k;
    if (kik) {  /* (not reached: a map turns unboxed, never back) */
        k.o = PyLong_FromLongLong(key.i);
        if (k.o == NULL)
            return -1;
        int r = getWithKey_k(m, k, pk, pe);
        Py_DECREF(k.o);
        return r;
    }
    if (!PyLong_Check(key.o))
        return 0;
    int overflow;
    k.i = PyLong_AsLongLongAndOverflow(key.o, &overflow);
    if (k.i == -1 && PyErr_Occurred())
        return -1;
    return overflow ? 0 : getWithKey_k(m, k, pk, pe);
}

/* mapaccess2 (and _fast32 / _fast64 / _faststr) once checked, for a key in the map's
 * mode: 1 found (*pe a new reference), 0, -1 */
static int mapaccess2_k(SwissMapObject *m, gkey key, PyObject **pe) {
    if (m->dir_len == 0) {
        TableObject *t = m->small;
        group_t *g = &t->groups[0];
        if (t->ikey && m->fast_small) {  /* no user code runs */
            for (int i = 0; i < GROUP_SLOTS; i++) {
                if (ctrl_get(g, i) < CTRL_EMPTY && g->slots[i].key.i == key.i) {
                    *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
                    Py_INCREF(*pe);
                    return 1;
                }
            }
            return 0;
        }
        Py_INCREF(t);
        if (m->fast_small) {
            for (int i = 0; i < GROUP_SLOTS; i++) {
                if (ctrl_get(g, i) < CTRL_EMPTY && g->slots[i].key.o != NULL) {
                    int r = keq(key.o, g->slots[i].key.o);
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
        if (sm_hash_k(m, key, &hash) < 0) {
            Py_DECREF(t);
            return -1;
        }
        int i;
        int r = group_find(g, t->ikey, h2(hash), key, &i);
        if (r == 1) {
            *pe = g->slots[i].elem ? g->slots[i].elem : Py_None;
            Py_INCREF(*pe);
        }
        Py_DECREF(t);
        return r;
    }
    uint64_t hash;
    if (sm_hash_k(m, key, &hash) < 0)
        return -1;
    TableObject *t = map_directoryAt(m, hash);
    Py_INCREF(t);
    gkey k;
    PyObject *e;
    int r = table_getWithKey(t, hash, key, &k, &e);
    if (r == 1) {
        *pe = e ? e : Py_None;
        Py_INCREF(*pe);
    }
    Py_DECREF(t);
    return r;
}

/* mapaccess2 (and _fast32 / _fast64 / _faststr): 1 found (*pe a new reference), 0, -1 */
int runtime_mapaccess2(SwissMapObject *m, PyObject *key, PyObject **pe) {
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
    gkey k;
    if (sm_key(m, key, &k) < 0)
        return -1;
    return mapaccess2_k(m, k, pe);
}

/* the simulator's get on an unboxed map: runtime_mapaccess2 for a key as stored */
int runtime_mapaccess2_k(SwissMapObject *m, gkey key, PyObject **pe) {
    GOMAP_TOUCH(m);
    if (m->used == 0)
        return 0;
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    return mapaccess2_k(m, key, pe);
}

static int runtime_mapassign_locked(SwissMapObject *m, uint64_t hash, gkey key,
                                    PyObject *elem) {
    if (m->dir_len == 0) {
        if (m->small == NULL && map_growToSmall(m) < 0)
            return -1;
        /* the pinned release: putSlotSmall first; a full group grows to a table and the new key
         * goes in with uncheckedPutSlotForAssign. */
        int r = map_putSlotSmall(m, hash, key, elem);
        if (r != 0)
            return r < 0 ? -1 : 0;
        TableObject *tab = map_growToTable(m);
        if (tab == NULL)
            return -1;
        r = table_uncheckedPutSlot(tab, hash, key, elem);
        Py_DECREF(tab);
        if (r < 0)
            return -1;
        m->used++;
        return 0;
    }
    TableObject *t = map_directoryAt(m, hash);
    Py_INCREF(t);
    if (!m->tomb) {
        /* the inlined fast path, exact while no table can hold a tombstone */
        uint8_t top = h2(hash);
        int ik = t->ikey;
        group_t *g;
        int i;
        for (probeSeq seq = makeProbeSeq(h1(hash), t->length_mask);; probeSeq_next(&seq)) {
            g = &t->groups[seq.offset];
            int r = group_find(g, ik, top, key, &i);
            if (r < 0) {
                Py_DECREF(t);
                return -1;
            }
            if (r) {
                slot_store(t, &g->slots[i], key, elem);
                Py_DECREF(t);
                return 0;
            }
            uint64_t em = matchEmpty(g->ctrl);
            if (em) {
                i = bitset_first(em);
                break;
            }
        }
        if (t->growth_left > 0) {
            slot_store(t, &g->slots[i], key, elem);
            ctrl_set(g, i, top);
            t->growth_left--;
            t->used++;
            m->used++;
            Py_DECREF(t);
            return 0;
        }
    }
    for (;;) {
        int r = table_PutSlot(m, t, hash, key, elem, m->typed);
        Py_DECREF(t);
        if (r < 0)
            return -1;
        if (r == 1)
            return 0;
        t = map_directoryAt(m, hash);
        Py_INCREF(t);
    }
}

/* the start of a write: GOMAP_BEGIN_WRITE over the hash of a key as stored */
static inline int sm_hash_kk(SwissMapObject *m, const gkey *key, uint64_t *out) {
    return sm_hash_k(m, *key, out);
}
GOMAP_BEGIN_WRITE_T(sm_begin_write, SwissMapObject, const gkey *, sm_hash_kk)

/* mapassign, and for an accounted map what AccountedEngine.assign adds around it */
int sm_assign_k(SwissMapObject *m, gkey key, PyObject *elem) {
    GOMAP_TOUCH(m);
    uint64_t hash;
    if (sm_begin_write(m, &key, &hash) < 0)
        return -1;
    Py_ssize_t n = m->used;
    int r = runtime_mapassign_locked(m, hash, key, elem);
    m->writing = 0;
    sacct_t *a = m->acct;
    if (a != NULL) {  /* AccountedEngine's assign: entries from len() around the op */
        if (m->used != n)
            sacct_inserted(a);
        sacct_settle(a);
    }
    return r;
}

int sm_assign(SwissMapObject *m, PyObject *key, PyObject *elem) {
    gkey k;
    if (sm_key(m, key, &k) < 0)
        return -1;
    return sm_assign_k(m, k, elem);
}

/* putSlotSmall: 1 done, 0 the group is full, -1 error */
static int map_putSlotSmall(SwissMapObject *m, uint64_t hash, gkey key, PyObject *elem) {
    TableObject *t = m->small;
    Py_INCREF(t);
    group_t *g = &t->groups[0];
    int ik = t->ikey;
    int i;
    int r = group_find(g, ik, h2(hash), key, &i);
    if (r < 0) {
        Py_DECREF(t);
        return -1;
    }
    if (r) {
        slot_store(t, &g->slots[i], key, elem);
        Py_DECREF(t);
        return 1;
    }
    uint64_t em = matchEmpty(g->ctrl);
    if (!em) {
        Py_DECREF(t);
        return 0;
    }
    i = bitset_first(em);
    slot_store(t, &g->slots[i], key, elem);
    ctrl_set(g, i, h2(hash));
    m->used++;
    Py_DECREF(t);
    return 1;
}

/* ---- the small map ------------------------------------------------------------------- */
static int map_growToSmall(SwissMapObject *m) {
    TableObject *g = table_alloc(GROUP_SLOTS, 0, 0, m->ikey);
    if (g == NULL)
        return -1;
    Py_XSETREF(m->small, g);
    if (m->acct != NULL) {
        int64_t b = sacct_gab(m->acct, 1);
        if (b < 0)
            return -1;
        m->acct->small_bytes = b;
        sacct_alloc(m->acct, b);
        m->acct->capacity = GROUP_SLOTS;
    }
    return EMIT_growToSmall(m);
}

/* growToTable: a new reference to the new table, or NULL */
static TableObject *map_growToTable(SwissMapObject *m) {
    TableObject *small = m->small;
    Py_INCREF(small);
    int ik = small->ikey;
    TableObject *tab = newTable(2 * GROUP_SLOTS, 0, 0, ik);
    if (tab == NULL)
        goto fail;
    group_t *g = &small->groups[0];
    for (int i = 0; i < GROUP_SLOTS; i++) {
        if (ctrl_get(g, i) & CTRL_EMPTY)
            continue;
        gkey key = g->slots[i].key;
        PyObject *elem = g->slots[i].elem;
        if (!ik) {
            if (key.o == NULL)
                continue;
            Py_INCREF(key.o);
        }
        Py_XINCREF(elem);
        uint64_t hash;
        int r = sm_hash_k(m, key, &hash);
        if (r == 0)
            r = table_uncheckedPutSlot(tab, hash, key, elem ? elem : Py_None);
        gkey_drop(ik, key);
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
        if (sacct_new_table(a, tab->capacity) < 0 || sacct_new_directory(a, 1) < 0) {
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

static int map_Delete_locked(SwissMapObject *m, uint64_t hash, gkey key) {
    if (m->dir_len == 0) {
        if (map_deleteSmall(m, hash, key) < 0)
            return -1;
    } else {
        TableObject *t = map_directoryAt(m, hash);
        Py_INCREF(t);
        int r = table_Delete(m, t, hash, key);
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

/* mapdelete, and for an accounted map what AccountedEngine.delete adds around it */
int sm_delete_k(SwissMapObject *m, gkey key) {
    GOMAP_TOUCH(m);
    if (m->used == 0) {
        if (!m->typed && !m->ikey)
            return gomap_check_hashable(key.o);
        return 0;
    }
    uint64_t hash;
    if (sm_begin_write(m, &key, &hash) < 0)
        return -1;
    Py_ssize_t n = m->used;
    int r = map_Delete_locked(m, hash, key);
    m->writing = 0;
    if (m->acct != NULL && m->used != n) {
        m->acct->entries--;
        m->acct->live -= m->acct->entry_bytes;
    }
    return r;
}

int sm_delete(SwissMapObject *m, PyObject *key) {
    gkey k;
    if (m->used == 0 && m->ikey) {  /* as Go's: an empty map checks only hashability */
        GOMAP_TOUCH(m);
        return m->typed ? 0 : gomap_check_hashable(key);
    }
    if (sm_key(m, key, &k) < 0)
        return -1;
    return sm_delete_k(m, k);
}

/* deleteSmall */
static int map_deleteSmall(SwissMapObject *m, uint64_t hash, gkey key) {
    TableObject *t = m->small;
    Py_INCREF(t);
    group_t *g = &t->groups[0];
    int i;
    int r = group_find(g, t->ikey, h2(hash), key, &i);
    if (r < 0) {
        Py_DECREF(t);
        return -1;
    }
    if (r) {
        m->used--;
        kclear(t->ikey, &g->slots[i]);
        Py_CLEAR(g->slots[i].elem);
        ctrl_set(g, i, CTRL_EMPTY);
        Py_DECREF(t);
        return 0;
    }
    Py_DECREF(t);
    return 0;
}

static int map_Clear_locked(SwissMapObject *m) {
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
            table_Clear(t);
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

int sm_clear(SwissMapObject *m) {
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
    int r = map_Clear_locked(m);
    m->writing = 0;
    if (m->acct != NULL && m->used != n) {
        m->acct->entries -= n - m->used;
        m->acct->live -= (n - m->used) * m->acct->entry_bytes;
    }
    return r;
}

/* ---- not in Go: the rebuilt-map census (gomap.memory.AccountedEngine.rebuilt_memory) ----
 * m: an empty accounted map just made with hint len(src) (a directory of tables), never
 * written here. For every key the started iterator of src yields, hash it under m and
 * count it in the table the directory picks. A table inserts without rehashing while
 * growthLeft > 0, and each new key in a fresh table (no tombstones) takes one: when no
 * table gets more keys than its growthLeft, the inserts allocate nothing but each
 * entry's indirect objects, accounted here as mapassign accounts them. 1: accounted
 * (*nkeys keys); 0: not (a small map, or a table that would grow or split: the caller
 * copies, from a new iterator); -1: error. */
int sm_rebuild_census(SwissMapObject *m, SwissIterObject *it, Py_ssize_t *nkeys) {
    if (m->acct == NULL || m->used != 0 || m->dir_len == 0)
        return 0;
    Py_ssize_t *counts = PyMem_Calloc((size_t)m->dir_len, sizeof(Py_ssize_t));
    if (counts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n = 0;
    for (;;) {
        gkey k;
        int kik;
        PyObject *e;
        int r = Iter_Next_k(it, &k, &kik, &e);
        if (r <= 0) {
            if (r < 0)
                goto fail;
            break;
        }
        uint64_t hash;
        /* as sm_hash_k hashes it, whether m stores keys unboxed or not */
        if (kik)
            r = gomap_hash_i64(m->fast_hash, m->seed, m->hasher, m->seed_obj, k.i, &hash);
        else
            r = sm_hash(m, k.o, &hash);
        gkey_drop(kik, k);
        Py_DECREF(e);
        if (r < 0)
            goto fail;
        counts[m->dir_len == 1 ? 0 : (Py_ssize_t)(hash >> (m->global_shift & 63))]++;
        n++;
    }
    int fits = 1;
    for (Py_ssize_t i = 0; i < m->dir_len;) {  /* a table covers consecutive entries */
        TableObject *t = m->directory[i];
        Py_ssize_t c = 0;
        for (; i < m->dir_len && m->directory[i] == t; i++)
            c += counts[i];
        if (c > t->growth_left)
            fits = 0;
    }
    PyMem_Free(counts);
    if (!fits)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        sacct_inserted(m->acct);
    sacct_settle(m->acct);
    *nkeys = n;
    return 1;
fail:
    PyMem_Free(counts);
    return -1;
}
