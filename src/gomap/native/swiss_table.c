/* The Swiss-table Go map's tables in C: Go's internal/runtime/maps/table.go (and the
 * Iter it holds), in its order and with its names, state-exact with the Python reference
 * src/gomap/swiss/table.py and iter.py. The map (directory, small map) is in
 * swiss_map.c; the CPython glue in swiss_type.c; names in swiss.h.
 *
 * Every walk over a table's groups goes through probeSeq (swiss.h), as Go's does.
 * Every operation follows the reference statement by statement, including the order
 * in which it calls the user's code (hasher, rand, subscribers, __eq__), so that a
 * failing callback leaves the same state in both backends.
 */
#include "swiss.h"

static int table_pruneTombstones(SwissMapObject *m, TableObject *t);
static int table_rehash(SwissMapObject *m, TableObject *t);
static int table_reinsert(SwissMapObject *m, TableObject *old, TableObject *left,
                          TableObject *right, uint64_t mask);
static int table_grow(SwissMapObject *m, TableObject *t, Py_ssize_t new_capacity);
static int table_split(SwissMapObject *m, TableObject *t);
static void next_dir_idx(SwissIterObject *it, SwissMapObject *m, TableObject *tab);
static int Iter_grownKeyElem(SwissIterObject *it, SwissMapObject *m, TableObject *tab,
                             gkey key, slot_t *s, gkey *pk, int *pik, PyObject **pe);
static int siter_next_small(SwissIterObject *it, SwissMapObject *m, gkey *pk, int *pik,
                            PyObject **pe);
static int siter_next_core(SwissIterObject *it, SwissMapObject *m, gkey *pk, int *pik,
                           PyObject **pe);

/* newTable: at least one group, rounded up to a power of two (ikey: the map's mode) */
TableObject *newTable(uint64_t capacity, Py_ssize_t index, int local_depth, int ikey) {
    if (capacity < GROUP_SLOTS)
        capacity = GROUP_SLOTS;
    if (capacity > MAX_TABLE_CAPACITY) {
        PyErr_SetString(PyExc_ValueError, "initial table capacity too large");
        return NULL;
    }
    return table_alloc((Py_ssize_t)align_up_pow2(capacity), index, local_depth, ikey);
}

void table_clear_slots(TableObject *t) {
    if (t->groups == NULL)
        return;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    int ik = t->ikey;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            kclear(ik, &t->groups[g].slots[j]);
            Py_CLEAR(t->groups[g].slots[j].elem);
        }
    }
}

/* The probe of one group every lookup, insert and delete makes (g.ctrls().matchH2(h2),
 * then the key compares), for object keys (group_find, swiss.h): 1 with the slot of
 * key in *slot, 0 absent, -1 error. The match is re-read after each compare, as the
 * reference does (ctrl.find(h2, i + 1, end)): a user __eq__ runs in between. */
int group_find_o(group_t *g, uint8_t top, PyObject *key, int *slot) {
    uint64_t match = matchH2(g->ctrl, top);
    while (match) {
        int i = bitset_first(match);
        PyObject *sk = g->slots[i].key.o;
        if (sk != NULL) {
            int r = keq(key, sk);
            if (r != 0) {
                *slot = i;
                return r;
            }
        }
        match = bitset_remove_below(matchH2(g->ctrl, top), i + 1);
    }
    return 0;
}

/* ---- table operations ---------------------------------------------------------------- */
/* The probe every look-up and delete makes (as CPython's do_lookup serves every key
 * kind): the group and slot of key along its probe sequence, 1 found (*pg, *pi), 0
 * absent (an empty slot ends the sequence), -1 error. */
static int table_find(TableObject *t, uint64_t hash, gkey key, group_t **pg, int *pi) {
    uint8_t top = h2(hash);
    int ik = t->ikey;
    for (probeSeq seq = makeProbeSeq(h1(hash), t->length_mask);; probeSeq_next(&seq)) {
        group_t *g = &t->groups[seq.offset];
        int r = group_find(g, ik, top, key, pi);
        if (r != 0) {
            *pg = g;
            return r;
        }
        if (matchEmpty(g->ctrl))
            return 0;
    }
}

/* table.getWithKey: 1 found (*pk, *pe borrowed from the slot, valid until user code
 * runs; *pk in t's mode), 0 absent, -1 error. The caller holds a reference to t. */
int table_getWithKey(TableObject *t, uint64_t hash, gkey key, gkey *pk, PyObject **pe) {
    group_t *g;
    int i;
    int r = table_find(t, hash, key, &g, &i);
    if (r == 1) {
        *pk = g->slots[i].key;
        *pe = g->slots[i].elem;
    }
    return r;
}

/* table.PutSlot / the mapassign loops: 1 done, 0 rehashed (look the table up again),
 * -1 error. The caller holds a reference to t. */
int table_PutSlot(SwissMapObject *m, TableObject *t, uint64_t hash, gkey key,
                  PyObject *elem, int typed) {
    uint8_t top = h2(hash);
    int ik = t->ikey;
    group_t *fd_group = NULL;  /* the first deleted slot we find */
    int fd_slot = -1;
    for (probeSeq seq = makeProbeSeq(h1(hash), t->length_mask);; probeSeq_next(&seq)) {
        group_t *g = &t->groups[seq.offset];
        int i;
        int r = group_find(g, ik, top, key, &i);
        if (r < 0)
            return -1;
        if (r) {
            slot_store(t, &g->slots[i], key, elem);  /* NeedKeyUpdate */
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
                if (table_pruneTombstones(m, t) < 0)
                    return -1;
            }
            if (t->growth_left > 0) {
                slot_store(t, &sg->slots[slot], key, elem);
                ctrl_set(sg, slot, top);
                t->growth_left--;
                t->used++;
                m->used++;
                return 1;
            }
            if (table_rehash(m, t) < 0)
                return -1;
            return 0;
        }
    }
}

/* uncheckedPutSlot: a key known to be absent, into a table with room and no tombstones */
int table_uncheckedPutSlot(TableObject *t, uint64_t hash, gkey key, PyObject *elem) {
    if (t->growth_left == 0) {
        PyErr_SetString(PyExc_AssertionError, "invariant failed: growthLeft is unexpectedly 0");
        return -1;
    }
    for (probeSeq seq = makeProbeSeq(h1(hash), t->length_mask);; probeSeq_next(&seq)) {
        group_t *g = &t->groups[seq.offset];
        uint64_t match = matchEmptyOrDeleted(g->ctrl);
        if (match) {
            int i = bitset_first(match);
            slot_store(t, &g->slots[i], key, elem);
            t->growth_left--;
            t->used++;
            ctrl_set(g, i, h2(hash));
            return 0;
        }
    }
}

/* table.Delete: 1 if that left a tombstone, 0 otherwise, -1 error */
int table_Delete(SwissMapObject *m, TableObject *t, uint64_t hash, gkey key) {
    group_t *g;
    int i;
    int r = table_find(t, hash, key, &g, &i);
    if (r <= 0)
        return r;
    t->used--;
    m->used--;
    kclear(t->ikey, &g->slots[i]);
    Py_CLEAR(g->slots[i].elem);
    if (matchEmpty(g->ctrl)) {
        ctrl_set(g, i, CTRL_EMPTY);
        t->growth_left++;
        return 0;
    }
    ctrl_set(g, i, CTRL_DELETED);
    if (EMIT_tombstone(m, t->index, (uint64_t)(g - t->groups), i, t->capacity) < 0)
        return -1;
    return 1;
}

/* pruneTombstones */
static int table_pruneTombstones(SwissMapObject *m, TableObject *t) {
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
            int ik = t->ikey;
            gkey key = t->groups[gi].slots[j].key;
            if (!ik) {  /* (an int equals itself) */
                if (key.o == NULL)
                    continue;
                Py_INCREF(key.o);
                int eq = self_eq(key.o);
                if (eq < 0) {
                    Py_DECREF(key.o);
                    goto fail;
                }
                if (!eq) {
                    Py_DECREF(key.o);
                    continue;
                }
            }
            uint64_t hash;
            int r = sm_hash_k(m, key, &hash);
            gkey_drop(ik, key);
            if (r < 0)
                goto fail;
            for (probeSeq seq = makeProbeSeq(h1(hash), mask); seq.offset != (uint64_t)gi;
                 probeSeq_next(&seq))
                if (has_free[seq.offset])
                    needed[seq.offset] = 1;
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
void table_Clear(TableObject *t) {
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

/* rehash: t is stale after (the caller holds a reference to it) */
static int table_rehash(SwissMapObject *m, TableObject *t) {
    Py_ssize_t new_capacity = 2 * t->capacity;
    if (new_capacity <= MAX_TABLE_CAPACITY)
        return table_grow(m, t, new_capacity);
    return table_split(m, t);
}

/* the loop of grow and split: every full slot, in slot order, re-hashed, into left
 * (or right when hash & mask) */
/* how many groups ahead table_reinsert fetches the key objects */
#define REINSERT_AHEAD 2

static int table_reinsert(SwissMapObject *m, TableObject *old, TableObject *left,
                          TableObject *right, uint64_t mask) {
    Py_ssize_t ngroups = old->capacity / GROUP_SLOTS;
    if (PyObject_GC_IsTracked((PyObject *)old)) {  /* (table_track_for) */
        if (!PyObject_GC_IsTracked((PyObject *)left))
            PyObject_GC_Track(left);
        if (!PyObject_GC_IsTracked((PyObject *)right))
            PyObject_GC_Track(right);
    }
    for (Py_ssize_t gi = 0; gi < ngroups; gi++) {
        if (!old->ikey && gi + REINSERT_AHEAD < ngroups) {
            /* Not in Go: the hash reads each key object, scattered in memory; fetch
             * those of a group further on before they are needed. */
            const group_t *pg = &old->groups[gi + REINSERT_AHEAD];
            for (uint64_t full = matchFull(pg->ctrl); full; full &= full - 1)
                __builtin_prefetch(pg->slots[bitset_first(full)].key.o);
        }
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (ctrl_get(&old->groups[gi], j) & CTRL_EMPTY)
                continue;
            slot_t *s = &old->groups[gi].slots[j];
            int ik = old->ikey;  /* (the map's mode, as left's and right's) */
            gkey key = s->key;
            if (!ik) {
                if (key.o == NULL) {
                    PyErr_SetString(PyExc_AssertionError,
                                    "bad map state: a full slot without key");
                    return -1;
                }
                Py_INCREF(key.o);
            }
            uint64_t hash;
            if (sm_hash_k(m, key, &hash) < 0) {
                gkey_drop(ik, key);
                return -1;
            }
            TableObject *t = (hash & mask) ? right : left;
            probeSeq seq = makeProbeSeq(h1(hash), t->length_mask);
            uint64_t em;
            while ((em = matchEmpty(t->groups[seq.offset].ctrl)) == 0)
                probeSeq_next(&seq);
            group_t *g = &t->groups[seq.offset];
            int i = bitset_first(em);
            ctrl_set(g, i, h2(hash));
            if (ik)
                g->slots[i].key.i = key.i;
            else
                Py_XSETREF(g->slots[i].key.o, key.o);  /* the reference taken above */
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
    TableObject *nt = newTable((uint64_t)new_capacity, t->index, t->local_depth, t->ikey);
    if (nt == NULL)
        return -1;
    if (table_reinsert(m, t, nt, nt, 0) < 0) {
        Py_DECREF(nt);
        return -1;
    }
    Py_ssize_t old_index = t->index;
    map_replaceTable(m, nt);
    t->index = -1;
    Py_ssize_t used = nt->used;
    Py_DECREF(nt);  /* the directory holds it */
    if (m->acct != NULL) {
        m->acct->grow_events++;
        if (sacct_new_table(m->acct, new_capacity) < 0 ||
            sacct_drop_table(m->acct, t->capacity) < 0)
            return -1;
    }
    return EMIT_tableGrow(m, old_index, t->capacity, new_capacity, used, tombstones(t));
}

/* split */
static int table_split(SwissMapObject *m, TableObject *t) {
    int local_depth = t->local_depth + 1;
    TableObject *left = newTable(MAX_TABLE_CAPACITY, -1, local_depth, t->ikey);
    if (left == NULL)
        return -1;
    TableObject *right = newTable(MAX_TABLE_CAPACITY, -1, local_depth, t->ikey);
    if (right == NULL) {
        Py_DECREF(left);
        return -1;
    }
    int rc = table_reinsert(m, t, left, right, (uint64_t)1 << (64 - local_depth));
    if (rc == 0) {
        Py_ssize_t old_index = t->index;
        rc = map_installTableSplit(m, t, left, right);
        if (rc == 0 && m->acct != NULL) {
            m->acct->grow_events++;
            if (sacct_new_table(m->acct, MAX_TABLE_CAPACITY) < 0 ||
                sacct_new_table(m->acct, MAX_TABLE_CAPACITY) < 0 ||
                sacct_drop_table(m->acct, MAX_TABLE_CAPACITY) < 0)
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

/* table.clone: a copy of the groups (keys and elems are shared) */
TableObject *table_clone(TableObject *t) {
    TableObject *c = table_alloc(t->capacity, t->index, t->local_depth, t->ikey);
    if (c == NULL)
        return NULL;
    if (PyObject_GC_IsTracked((PyObject *)t))  /* (table_track_for) */
        PyObject_GC_Track(c);
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        c->groups[g].ctrl = t->groups[g].ctrl;
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (!t->ikey)
                Py_XINCREF(t->groups[g].slots[j].key.o);
            c->groups[g].slots[j].key = t->groups[g].slots[j].key;
            Py_XINCREF(t->groups[g].slots[j].elem);
            c->groups[g].slots[j].elem = t->groups[g].slots[j].elem;
        }
    }
    c->used = t->used;
    c->growth_left = t->growth_left;
    return c;
}

/* Iter.Init */
int Iter_Init(SwissIterObject *it, SwissMapObject *m) {
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

/* nextDirIdx */
static void next_dir_idx(SwissIterObject *it, SwissMapObject *m, TableObject *tab) {
    TableObject *cur = it->tab != NULL ? it->tab : tab;
    it->dir_idx += (int64_t)1 << (m->global_depth - cur->local_depth);
    Py_CLEAR(it->tab);
    it->group = -1;
    it->entry_idx = 0;
}

/* grownKeyElem: 1 with the key as stored (*pk, in the mode *pik: a new reference to an
 * object key) and the elem (a new reference in *pe); 0 gone; -1 error. key, of tab's
 * mode, is held by the caller. */
static int Iter_grownKeyElem(SwissIterObject *it, SwissMapObject *m, TableObject *tab,
                             gkey key, slot_t *s, gkey *pk, int *pik, PyObject **pe) {
    int kik = tab->ikey;
    int r = map_getWithKey_k(m, kik, key, pk, pe);
    if (r != 0) {
        *pik = m->ikey;
        return r;
    }
    if (it->clear_seq == m->clear_seq) {
        int eq = kik ? 1 : self_eq(key.o);  /* (an int equals itself) */
        if (eq < 0)
            return -1;
        if (!eq) {
            *pk = key;
            if (!kik)
                Py_INCREF(key.o);
            *pik = kik;
            *pe = s->elem ? s->elem : Py_None;
            Py_INCREF(*pe);
            return 1;
        }
    }
    return 0;
}

/* the key of slot s of a table of mode ik, held (a reference to an object key; an
 * object slot without one reads as None) */
static inline gkey slot_key_held(int ik, const slot_t *s) {
    gkey key = s->key;
    if (!ik) {
        if (key.o == NULL)
            key.o = Py_None;
        Py_INCREF(key.o);
    }
    return key;
}

/* the dirIdx < 0 branch of Next: the map was small at Init */
static int siter_next_small(SwissIterObject *it, SwissMapObject *m, gkey *pk, int *pik,
                            PyObject **pe) {
    TableObject *gt = it->small_group;
    Py_INCREF(gt);
    group_t *g = &gt->groups[0];
    int kik = gt->ikey;
    while (it->entry_idx < GROUP_SLOTS) {
        int k = (int)(((uint64_t)it->entry_idx + it->entry_offset) & (GROUP_SLOTS - 1));
        if (ctrl_get(g, k) & CTRL_EMPTY) {
            it->entry_idx++;
            continue;
        }
        gkey key = slot_key_held(kik, &g->slots[k]);
        if (m->dir_len > 0) {
            gkey nk;
            PyObject *ne;
            int r = map_getWithKey_k(m, kik, key, &nk, &ne);
            if (r < 0) {
                gkey_drop(kik, key);
                Py_DECREF(gt);
                return -1;
            }
            if (r == 0) {
                int keep = 0;
                if (it->clear_seq == m->clear_seq) {
                    int eq = kik ? 1 : self_eq(key.o);
                    if (eq < 0) {
                        gkey_drop(kik, key);
                        Py_DECREF(gt);
                        return -1;
                    }
                    keep = !eq;
                }
                if (!keep) {
                    gkey_drop(kik, key);
                    it->entry_idx++;
                    continue;
                }
                *pk = key;
                *pik = kik;
                *pe = g->slots[k].elem ? g->slots[k].elem : Py_None;
                Py_INCREF(*pe);
            } else {
                gkey_drop(kik, key);
                *pk = nk;
                *pik = m->ikey;
                *pe = ne;
            }
        } else {
            *pk = key;
            *pik = kik;
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

/* Iter.Next: as Iter_Next_k */
static int siter_next_core(SwissIterObject *it, SwissMapObject *m, gkey *pk, int *pik,
                           PyObject **pe) {
    GOMAP_TOUCH(m);
    if (m->writing) {
        gomap_concurrent_error("ConcurrentMapIterationWriteError");
        return -1;
    }
    if (it->dir_idx < 0)
        return siter_next_small(it, m, pk, pik, pe);
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
        int kik = tab->ikey;
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
            gkey key = slot_key_held(kik, s);
            if (tab->index == -1) {
                int r = Iter_grownKeyElem(it, m, tab, key, s, pk, pik, pe);
                gkey_drop(kik, key);
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
                *pk = key;  /* the reference moves to the caller */
                *pik = kik;
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
            gkey key = slot_key_held(kik, s);
            gkey rk;
            int rik;
            PyObject *re;
            if (tab->index == -1) {
                int r = Iter_grownKeyElem(it, m, tab, key, s, &rk, &rik, &re);
                gkey_drop(kik, key);
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
                rk = key;  /* the reference moves to the caller */
                rik = kik;
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
            *pik = rik;
            *pe = re;
            Py_DECREF(tab);
            return 1;
        }
        next_dir_idx(it, m, tab);
        Py_DECREF(tab);
    }
    return 0;
}

int Iter_Next_k(SwissIterObject *it, gkey *pk, int *pik, PyObject **pe) {
    SwissMapObject *m = it->m;
    if (m == NULL)
        return 0;
    Py_INCREF(m);
    int r = siter_next_core(it, m, pk, pik, pe);
    Py_DECREF(m);
    return r;
}

/* Iter.Next: 1 with new references in *pk, *pe (the key boxed); 0 at the end; -1 error */
int Iter_Next(SwissIterObject *it, PyObject **pk, PyObject **pe) {
    gkey k;
    int ik;
    int r = Iter_Next_k(it, &k, &ik, pe);
    if (r == 1) {
        *pk = ik ? PyLong_FromLongLong(k.i) : k.o;
        if (*pk == NULL) {
            Py_CLEAR(*pe);
            return -1;
        }
    }
    return r;
}
