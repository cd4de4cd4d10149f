/* The Swiss engine's CPython glue: the SwissMap, SwissTable and SwissIter types
 * (constructor, methods, getters), snapshot() and the views for the debug tools, the
 * clone and accounting entry points, the simulator's loop, GoMap's fast-path operations
 * (gomap_swiss_ops) and the module's init. The algorithm is in swiss_map.c and
 * swiss_table.c (see swiss.h for the names). */
#include "swiss.h"
#include <structmember.h>

PyObject *gomap_swiss_ev_names[EV_N];

static const char  *key_kind_names[KK_N] = {"generic", "fast32", "fast64", "faststr",
                                           "fast32ptr", "fast64ptr"};

/* Table(capacity, index, local_depth) + reset: capacity is a power of two >= 8; ikey:
 * its keys are unboxed (its map's mode) */
TableObject *table_alloc(Py_ssize_t capacity, Py_ssize_t index, int local_depth, int ikey) {
    TableObject *t = PyObject_GC_New(TableObject, &TableType);
    if (t == NULL)
        return NULL;
    t->ikey = ikey;
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
    return t;  /* untracked until it holds what may be in a cycle (table_track_for) */
}

static int Table_traverse(TableObject *t, visitproc visit, void *arg) {
    if (t->groups == NULL)
        return 0;
    Py_ssize_t ngroups = t->capacity / GROUP_SLOTS;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        for (int j = 0; j < GROUP_SLOTS; j++) {
            if (!t->ikey)
                Py_VISIT(t->groups[g].slots[j].key.o);
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

static PyObject *swiss_go_version; /* the release the registry pins: gomap.engines */


/* ---- the Python type --------------------------------------------------------------- */
static int SwissMap_init(SwissMapObject *m, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"hint", "hasher", "rand", "observer", "subscribers", "key_kind",
                             "group_size", "go", NULL};
    PyObject *hint_obj = NULL;
    PyObject *hasher = Py_None, *rand = Py_None, *observer = Py_None, *subscribers = NULL;
    PyObject *go = Py_None;
    const char *key_kind = "generic";
    Py_ssize_t group_size = 8 + GROUP_SLOTS * 32;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OOOOsnO", kwlist, &hint_obj, &hasher,
                                     &rand, &observer, &subscribers, &key_kind, &group_size,
                                     &go))
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
    if ((m->go_release = gomap_go_release(go, swiss_go_version)) == NULL)
        return -1;
    m->inited = 1;
    m->key_kind = kk;
    m->typed = kk != KK_generic;
    m->prune = m->typed;  /* the pinned release: every typed path prunes, pointer keys too */
    m->fast_small = kk == KK_fast32 || kk == KK_fast64 || kk == KK_fast32ptr ||
                    kk == KK_fast64ptr;
    m->group_size = group_size;
    if (gomap_init_hooks(hasher, rand, observer, subscribers, &m->hasher, &m->rand, &m->hrand,
                         &m->fast_hash, &m->subscribers) < 0)
        return -1;
    m->seed_obj = PyLong_FromLong(0);
    if (m->seed_obj == NULL)
        return -1;
    return NewMap(m, hint);
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
    Py_VISIT(m->go_release);
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
    Py_CLEAR(m->go_release);
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
    sacct_free(m->acct);
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
    int r = runtime_mapaccess2(m, key, &e);
    return gomap_lookup_result(r, NULL, e, 0);
}

static PyObject *SwissMap_get_with_key(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *k, *e;
    int r = map_getWithKey(m, key, &k, &e);
    return gomap_lookup_result(r, k, e, 1);
}

static PyObject *SwissMap_get(SwissMapObject *m, PyObject *key) {
    if (sm_ready(m) < 0)
        return NULL;
    PyObject *k, *e;
    int r = map_getWithKey(m, key, &k, &e);
    return gomap_lookup_result(r, k, e, 0);
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
static PyObject *group_snapshot(const TableObject *t, group_t *g) {
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
        PyObject *k = full ? kbox(t->ikey, &g->slots[j]) : Py_NewRef(Py_None);
        if (k == NULL)
            goto fail;
        PyObject *e = full && g->slots[j].elem ? g->slots[j].elem : Py_None;
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
        PyObject *d = group_snapshot(t, &t->groups[g]);
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
        small = group_snapshot(m->small, &m->small->groups[0]);
        if (small == NULL)
            goto fail;
    } else {
        small = Py_None;
        Py_INCREF(small);
    }
    return Py_BuildValue(
        "{s:s,s:O,s:n,s:K,s:O,s:s,s:n,s:i,s:i,s:n,s:n,s:O,s:N,s:N,s:N}", "impl", "swiss", "go",
        m->go_release, "entries", m->used, "seed", (unsigned long long)m->seed, "writing",
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
    c->ikey = m->ikey;  /* (the tables' copies keep theirs) */
    Py_XINCREF(m->hasher);
    c->hasher = m->hasher;
    Py_XINCREF(m->go_release);
    c->go_release = m->go_release;
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

/* _copy_from(it): `for k, v := range src { m[k] = v }` over a started iterator of a
 * native Swiss map, assigning as the simulator's loop does (sm_assign): the copy of
 * AccountedEngine.rebuild, without an object per key between two unboxed maps (as
 * classic's HMap._copy_from). The number of entries copied. */
static PyObject *SwissMap_copy_from(SwissMapObject *m, PyObject *arg) {
    if (sm_ready(m) < 0)
        return NULL;
    if (Py_TYPE(arg) != &SwissIterType || ((SwissIterObject *)arg)->pending != NULL) {
        Py_ssize_t n = gomap_copy_pairs((PyObject *)m, &gomap_swiss_ops, arg);
        return n < 0 ? NULL : PyLong_FromSsize_t(n);
    }
    Py_ssize_t n = 0;
    SwissIterObject *it = (SwissIterObject *)arg;
    for (;;) {
        gkey k;
        int kik;
        PyObject *e;
        int r = Iter_Next_k(it, &k, &kik, &e);
        if (r <= 0) {
            if (r < 0)
                return NULL;
            break;
        }
        if (kik == m->ikey) {
            r = sm_assign_k(m, k, e);
        } else {
            PyObject *o = gkey_box(kik, k);
            r = o == NULL ? -1 : sm_assign(m, o, e);
            Py_XDECREF(o);
        }
        gkey_drop(kik, k);
        Py_DECREF(e);
        if (r < 0)
            return NULL;
        n++;
    }
    return PyLong_FromSsize_t(n);
}

/* _rebuild_census(it): account, without inserting them, the keys a started native
 * iterator yields, as m[k] = v would for each (sm_rebuild_census): the number of keys,
 * or None when the inserts could grow a table (then nothing was accounted). */
static PyObject *SwissMap_rebuild_census(SwissMapObject *m, PyObject *arg) {
    if (sm_ready(m) < 0)
        return NULL;
    if (Py_TYPE(arg) != &SwissIterType || ((SwissIterObject *)arg)->pending != NULL) {
        PyErr_SetString(PyExc_TypeError, "_rebuild_census needs a started native iterator");
        return NULL;
    }
    Py_ssize_t n = 0;
    int r = sm_rebuild_census(m, (SwissIterObject *)arg, &n);
    if (r < 0)
        return NULL;
    if (r == 0)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(n);
}

static PyObject *SwissMap_unbox_int_keys(SwissMapObject *m, PyObject *unused) {
    if (sm_ready(m) < 0 || sm_set_unboxed(m) < 0)
        return NULL;
    Py_RETURN_NONE;
}

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
    sacct_alloc(a, a->map_size);
    if (m->dir_len) {
        if (sacct_new_directory(a, m->dir_len) < 0)
            goto fail;
        TableObject *last = NULL;
        for (Py_ssize_t i = 0; i < m->dir_len; i++) {
            if (m->directory[i] == last)
                continue;
            last = m->directory[i];
            if (sacct_new_table(a, last->capacity) < 0)
                goto fail;
        }
    }
    if (cloned) {
        /* Map.Clone's copy (SwissAccountant.attach + its clone event): the small
         * group (newGroups(typ, 1)) and a new object per indirect key / elem. */
        if (m->dir_len == 0 && m->small != NULL) {
            int64_t b = sacct_gab(a, 1);
            if (b < 0)
                goto fail;
            a->small_bytes = b;
            sacct_alloc(a, b);
            a->capacity = GROUP_SLOTS;
        }
        a->entries = m->used;
        for (Py_ssize_t i = 0; i < m->used; i++) {
            if (ik)
                sacct_alloc(a, a->key_bytes);
            if (ie)
                sacct_alloc(a, a->elem_bytes);
        }
    }
    sacct_settle(a);
    m->acct = a;
    Py_RETURN_NONE;
fail:
    sacct_free(a);
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
    return gomap_sample_point(op, (long long)m->acct->live, (long long)m->acct->allocated,
                              m->used, cap, ts, -1, 0);
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
    {"_copy_from", (PyCFunction)SwissMap_copy_from, METH_O,
     "_copy_from(it): m[k] = v for every (k, v) the iterator yields (a started native "
     "iterator: key by key as stored)."},
    {"_rebuild_census", (PyCFunction)SwissMap_rebuild_census, METH_O,
     "_rebuild_census(it): account this empty accounted map as if m[k] = v ran for every "
     "(k, v) of the started native iterator it, without inserting: the key count, or None "
     "when the inserts could grow a table (nothing accounted; copy instead)."},
    {"_unbox_int_keys", (PyCFunction)SwissMap_unbox_int_keys, METH_NOARGS,
     "Store this empty map's keys as int64 in its groups, as Go's map_fast64 does (the "
     "simulator's maps of Go integer keys): keys must then be ints in int64's range."},
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
#define SM_OBJ_GETTER(name) GOMAP_OBJ_GETTER(sm_get_##name, SwissMapObject, name)
SM_OBJ_GETTER(hasher)
SM_OBJ_GETTER(rand)
SM_OBJ_GETTER(subscribers)
SM_OBJ_GETTER(go_release)

static PyObject *sm_get_shared(SwissMapObject *m, void *c) { return PyBool_FromLong(m->shared); }

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
static PyObject *sm_get_unboxed(SwissMapObject *m, void *c) { return PyBool_FromLong(m->ikey); }

static PyGetSetDef SwissMap_getset[] = {
    {"acct_live", (getter)sm_get_acct_live, NULL, "accounted live bytes (or None)", NULL},
    {"acct_allocated", (getter)sm_get_acct_allocated, NULL, "accounted bytes allocated", NULL},
    {"acct_allocations", (getter)sm_get_acct_allocations, NULL, "accounted allocations", NULL},
    {"acct_peak", (getter)sm_get_acct_peak, NULL, "accounted peak live bytes", NULL},
    {"acct_entries", (getter)sm_get_acct_entries, NULL, "accounted entries", NULL},
    {"op", (getter)sm_get_op, NULL, "not in Go: the number of the operation _replay is running",
     NULL},
    {"unboxed", (getter)sm_get_unboxed, NULL,
     "not in Go: the keys are stored as int64 in the groups (_unbox_int_keys)", NULL},
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
    {"_shared", (getter)sm_get_shared, NULL,
     "whether a second thread has touched the map (its writes open a window)", NULL},
    {"go_release", (getter)sm_get_go_release, NULL,
     "the Go release the map was made for (snapshot()['go'])", NULL},
    {NULL}};

static PyMappingMethods SwissMap_as_mapping = {(lenfunc)SwissMap_len, NULL, NULL};

PyTypeObject SwissMapType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.SwissMap",
    .tp_basicsize = sizeof(SwissMapObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "maps.Map: the Swiss-table Go map (internal/runtime/maps, the release gomap.engines "
              "pins) in C.",
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
        PyObject *o;
        if (elems || !t->ikey) {
            o = elems ? s->elem : s->key.o;
            o = Py_NewRef(o == NULL ? Py_None : o);
        } else {  /* an unboxed key: the int it is where the slot is full, else None */
            o = ctrl_get(&t->groups[i >> 3], (int)(i & 7)) & CTRL_EMPTY ? Py_NewRef(Py_None)
                                                                       : kbox(1, s);
            if (o == NULL) {
                Py_DECREF(l);
                return NULL;
            }
        }
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
    gkey key, k;
    if (gomap_key_in(t->ikey, args[1], &key) < 0)
        return NULL;
    Py_INCREF(t);
    PyObject *e;
    int r = table_getWithKey(t, hash, key, &k, &e);
    PyObject *out = NULL;
    if (r == 0) {
        out = PyTuple_Pack(3, Py_False, Py_None, Py_None);
    } else if (r == 1) {
        PyObject *ko = t->ikey ? PyLong_FromLongLong(k.i) : Py_NewRef(k.o ? k.o : Py_None);
        if (ko != NULL)
            out = PyTuple_Pack(3, Py_True, ko, e ? e : Py_None);
        Py_XDECREF(ko);
    }
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
        PyObject *k = !t->ikey || !(ctrl_get(gr, j) & CTRL_EMPTY) ? kbox(t->ikey, &gr->slots[j])
                                                                   : Py_NewRef(Py_None);
        if (k == NULL) {
            Py_DECREF(ks);
            Py_DECREF(es);
            return NULL;
        }
        PyObject *e = gr->slots[j].elem ? gr->slots[j].elem : Py_None;
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

PyTypeObject TableType = {
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

static PyObject *SwissMap_iterator(SwissMapObject *m, PyObject *unused) {
    if (sm_ready(m) < 0)
        return NULL;
    SwissIterObject *it = siter_alloc();
    if (it == NULL)
        return NULL;
    if (Iter_Init(it, m) < 0) {
        Py_DECREF(it);
        return NULL;
    }
    sacct_settle(m->acct);  /* AccountedEngine.iterator() */
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

static PyObject *SwissIter_next_method(SwissIterObject *it, PyObject *unused) {
    PyObject *k, *e;
    int r = Iter_Next(it, &k, &e);
    return gomap_iter_pair(r, k, e);
}

static PyObject *SwissIter_iternext(SwissIterObject *it) {
    if (it->pending != NULL) {
        SwissMapObject *m = it->pending;
        it->pending = NULL;
        int r = Iter_Init(it, m);
        if (r == 0)
            sacct_settle(m->acct);
        Py_DECREF(m);
        if (r < 0) {
            SwissIter_release(it);  /* as a generator that raised: over */
            return NULL;
        }
    }
    PyObject *k, *e;
    gkey fk;
    int fik;
    if (siter_next_fast(it, &fk, &fik, &e)) {
        k = fik ? PyLong_FromLongLong(fk.i) : fk.o;
        if (k == NULL) {
            Py_DECREF(e);
            return NULL;
        }
        return gomap_iter_result(&it->result, it->mode, k, e);
    }
    int r = Iter_Next(it, &k, &e);
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

PyTypeObject SwissIterType = {
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

/* ---- the engine's operations, for the simulator's loop (gomap_replay in module.c) and
 * GoMap's fast paths (fastpath.c) */
static inline PyObject *sm_iterator(SwissMapObject *m) { return SwissMap_iterator(m, NULL); }

static inline int sm_lookup_i(SwissMapObject *m, int64_t key, PyObject **pe) {
    return runtime_mapaccess2_k(m, (gkey){.i = key}, pe);
}
static inline int sm_assign_i(SwissMapObject *m, int64_t key, PyObject *elem) {
    return sm_assign_k(m, (gkey){.i = key}, elem);
}
static inline int sm_delete_i(SwissMapObject *m, int64_t key) {
    return sm_delete_k(m, (gkey){.i = key});
}
/* not in Go: the first group a probe for hash reads, fetched */
static inline void sm_prefetch_hash(SwissMapObject *m, uint64_t hash) {
    TableObject *t = map_directoryAt(m, hash);
    const char *g = (const char *)&t->groups[h1(hash) & t->length_mask];
    __builtin_prefetch(g);
    __builtin_prefetch(g + 64);
}
static inline void sm_prefetch_i(SwissMapObject *m, int64_t key) {
    if (!m->ikey || !m->fast_hash || m->dir_len <= 0)
        return;
    uint64_t hash;
    gomap_hash_i64(1, m->seed, NULL, NULL, key, &hash);
    sm_prefetch_hash(m, hash);
}
static inline void sm_prefetch_o(SwissMapObject *m, PyObject *key) {
    if (m->ikey || !m->fast_hash || m->dir_len <= 0 || !PyUnicode_CheckExact(key))
        return;
    uint64_t hash;
    if (gomap_default_hash(m->fast_hash, m->hrand, m->seed, key, &hash) == 1)
        sm_prefetch_hash(m, hash);
    else
        PyErr_Clear();
}

GOMAP_ENGINE_OPS(gomap_swiss_ops, SwissMapObject, &SwissMapType, SwissIterObject, sm_ready,
                 runtime_mapaccess2, sm_assign, sm_delete, sm_clear, sm_iterator, Iter_Next,
                 siter_lazy, used, acct, op, ikey, sm_lookup_i, sm_assign_i, sm_delete_i,
                 sm_prefetch_i, sm_prefetch_o);

static PyObject *SwissMap_replay(SwissMapObject *m, PyObject *const *args, Py_ssize_t nargs) {
    if (sm_ready(m) < 0)
        return NULL;
    return gomap_replay((PyObject *)m, &gomap_swiss_ops, args, nargs);
}

int gomap_swiss_init(PyObject *module) {
    if ((swiss_go_version = gomap_pinned_release("swiss")) == NULL)
        return -1;
    static const char *const cnames[EV_N] = EV_CNAMES;
    static const uint64_t bits[EV_N] = EV_BITS;
    if (gomap_events_init(module, "swiss", cnames, bits, EV_N, gomap_swiss_ev_names) < 0)
        return -1;
    if (gomap_add_type(module, "SwissTable", &TableType) < 0 ||
        gomap_add_type(module, "SwissMap", &SwissMapType) < 0)
        return -1;
    return gomap_add_type(module, "SwissIter", &SwissIterType);
}
