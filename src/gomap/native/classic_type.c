/* The classic engine's CPython glue: the HMap and HIter types (constructor, methods,
 * getters), the views and snapshot() for the debug tools, the clone and accounting
 * entry points, the simulator's loop, and the module's init. The algorithm is in
 * classic_map.c (see classic.h for the names). */
#include "classic.h"
#include <structmember.h>

PyObject *gomap_classic_ev_names[EV_N];


static PyObject *roundupsize_fn;   /* gomap.layout.sizeclasses.roundupsize */

int classic_roundupsize(Py_ssize_t size, int noscan, Py_ssize_t *out) {
    PyObject *up = PyObject_CallFunction(roundupsize_fn, "nO", size, noscan ? Py_True : Py_False);
    if (up == NULL)
        return -1;
    *out = PyLong_AsSsize_t(up);
    Py_DECREF(up);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}
static PyObject *go_version; /* the release the registry pins: gomap.engines */

/* ---- the Python type ---------------------------------------------------------------- */
static int HMap_init(HMapObject *h, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"hint", "hasher", "rand", "observer", "subscribers", "layout",
                             "go", NULL};
    Py_ssize_t hint = 0;
    PyObject *hasher = Py_None, *rand = Py_None, *observer = Py_None, *layout = Py_None;
    PyObject *subscribers = NULL, *go = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n$OOOOOO", kwlist, &hint, &hasher, &rand,
                                     &observer, &subscribers, &layout, &go))
        return -1;
    if (h->buckets != NULL || h->hash0_obj != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a native HMap is initialised once");
        return -1;
    }
    if (hint < 0) {
        PyErr_Format(PyExc_ValueError, "makemap: size out of range (hint %zd < 0)", hint);
        return -1;
    }
    Py_XSETREF(h->go_release, gomap_go_release(go, go_version));
    if (h->go_release == NULL)
        return -1;
    if (gomap_init_hooks(hasher, rand, observer, subscribers, &h->hasher, &h->rand, &h->hrand,
                         &h->fast_hash, &h->subscribers) < 0)
        return -1;
    if (layout == Py_None) {
        PyObject *mod = PyImport_ImportModule("gomap.classic.hmap");
        if (mod == NULL)
            return -1;
        h->layout = PyObject_GetAttrString(mod, "DEFAULT_LAYOUT");
        Py_DECREF(mod);
        if (h->layout == NULL)
            return -1;
    } else {
        Py_INCREF(layout);
        h->layout = layout;
    }
    PyObject *v = PyObject_GetAttrString(h->layout, "bucket_size");
    if (v == NULL)
        return -1;
    h->bucket_size = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (h->bucket_size <= 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "layout.bucket_size must be > 0");
        return -1;
    }
    int flags[3];
    const char *names[3] = {"pointers", "indirect_key", "indirect_elem"};
    for (int i = 0; i < 3; i++) {
        v = PyObject_GetAttrString(h->layout, names[i]);
        if (v == NULL)
            return -1;
        flags[i] = PyObject_IsTrue(v);
        Py_DECREF(v);
        if (flags[i] < 0)
            return -1;
    }
    h->pointers = flags[0];
    h->next_overflow = -1;
    return makemap(h, hint);
}

static int HMap_traverse_array(barray *a, visitproc visit, void *arg) {
    if (a == NULL)
        return 0;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        for (bmap *b = &a->b[i]; b != NULL; b = b->overflow) {
            for (int j = 0; j < bucketCnt; j++) {
                if (!b->ikey)
                    Py_VISIT(b->keys[j].o);
                Py_VISIT(b->elems[j]);
            }
            if (b->overflow != NULL && b->overflow->owner != NULL)
                break;  /* a pre-allocated bucket: visited as part of the array */
        }
    }
    return 0;
}

static int HMap_traverse(HMapObject *h, visitproc visit, void *arg) {
    Py_VISIT(h->hasher);
    Py_VISIT(h->rand);
    Py_VISIT(h->subscribers);
    Py_VISIT(h->layout);
    Py_VISIT(h->go_release);
    Py_VISIT(h->hrand);
    if (h->acct != NULL) {
        Py_VISIT(h->acct->retained);
        Py_VISIT(h->acct->array_bytes_fn);
        Py_VISIT(h->acct->growslice_fn);
    }
    int r = HMap_traverse_array(h->buckets, visit, arg);
    if (r)
        return r;
    return HMap_traverse_array(h->oldbuckets, visit, arg);
}

static int HMap_clear_refs(HMapObject *h) {
    barray *a = h->buckets, *o = h->oldbuckets;
    h->buckets = h->oldbuckets = NULL;
    h->count = 0;
    h->B = 0;
    h->flags = 0;
    h->nevacuate = 0;
    h->next_overflow = -1;
    barray_decref(a);
    barray_decref(o);
    Py_CLEAR(h->hasher);
    Py_CLEAR(h->rand);
    Py_CLEAR(h->subscribers);
    Py_CLEAR(h->layout);
    Py_CLEAR(h->go_release);
    Py_CLEAR(h->hrand);
    acct_t *acct = h->acct;
    h->acct = NULL;
    acct_free(acct);
    return 0;
}

static void HMap_dealloc(HMapObject *h) {
    PyObject_GC_UnTrack(h);
    if (h->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)h);
    HMap_clear_refs(h);
    Py_CLEAR(h->hash0_obj);
    Py_TYPE(h)->tp_free((PyObject *)h);
}

static Py_ssize_t HMap_len(HMapObject *h) { return h->count; }

static PyObject *HMap_lookup(HMapObject *h, PyObject *key) {
    PyObject *k, *e;
    int r = mapaccess2(h, key, &k, &e);
    return gomap_lookup_result(r, k, e, 0);
}

static PyObject *HMap_lookup_key(HMapObject *h, PyObject *key) {
    PyObject *k, *e;
    int r = mapaccessK(h, key, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return Py_BuildValue("(OOO)", Py_False, Py_None, Py_None);
    return Py_BuildValue("(ONN)", Py_True, k, e);
}

static PyObject *HMap_assign(HMapObject *h, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "assign(key, elem) takes 2 arguments");
        return NULL;
    }
    if (hm_assign(h, args[0], args[1]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *HMap_delete(HMapObject *h, PyObject *key) {
    if (hm_delete(h, key) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *HMap_clear(HMapObject *h, PyObject *unused) {
    if (hm_clear(h) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* GoMap's own operations, without the (ok, v) tuple. */
static PyObject *HMap_getitem(HMapObject *h, PyObject *key) {
    PyObject *k, *e;
    int r = mapaccess2(h, key, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0) {
        PyObject *t = PyTuple_Pack(1, key);
        if (t != NULL) {
            PyErr_SetObject(PyExc_KeyError, t);
            Py_DECREF(t);
        }
        return NULL;
    }
    Py_DECREF(k);
    return e;
}

static int HMap_ass_sub(HMapObject *h, PyObject *key, PyObject *v) {
    if (v != NULL)
        return hm_assign(h, key, v);
    PyObject *k, *e;
    int r = mapaccess2(h, key, &k, &e);
    if (r < 0)
        return -1;
    if (r == 0) {
        PyObject *t = PyTuple_Pack(1, key);
        if (t != NULL) {
            PyErr_SetObject(PyExc_KeyError, t);
            Py_DECREF(t);
        }
        return -1;
    }
    Py_DECREF(k);
    Py_DECREF(e);
    return hm_delete(h, key);
}

static int HMap_contains(HMapObject *h, PyObject *key) {
    PyObject *k, *e;
    int r = mapaccess2(h, key, &k, &e);
    if (r == 1) {
        Py_DECREF(k);
        Py_DECREF(e);
    }
    return r;
}

static PyObject *HMap_get(HMapObject *h, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
        return NULL;
    }
    PyObject *k, *e;
    int r = mapaccess2(h, args[0], &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0) {
        PyObject *d = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(d);
        return d;
    }
    Py_DECREF(k);
    return e;
}

/* ---- views for snapshot() and the Python debug tools ----------------------------- */
static barray *arr_of(HMapObject *h, int which) {
    return which == 0 ? h->buckets : h->oldbuckets;
}

static PyObject *bucket_dict(bmap *b, int raw) {
    PyObject *th = PyList_New(bucketCnt), *ks = PyList_New(bucketCnt),
             *es = PyList_New(bucketCnt);
    if (th == NULL || ks == NULL || es == NULL)
        goto fail;
    for (int i = 0; i < bucketCnt; i++) {
        PyObject *t = PyLong_FromLong(b->tophash[i]);
        if (t == NULL)
            goto fail;
        PyList_SET_ITEM(th, i, t);
        int live = raw || b->tophash[i] >= minTopHash;
        PyObject *k = live ? kbox(b, i) : NULL;
        if (k == NULL) {
            if (PyErr_Occurred())
                goto fail;
            k = Py_NewRef(Py_None);
        }
        PyObject *e = live && b->elems[i] ? b->elems[i] : Py_None;
        PyList_SET_ITEM(ks, i, k);
        Py_INCREF(e);
        PyList_SET_ITEM(es, i, e);
    }
    if (raw)
        return Py_BuildValue("{s:N,s:N,s:N,s:O,s:N}", "tophash", th, "keys", ks, "elems", es,
                             "separate", b->owner == NULL ? Py_True : Py_False, "ident",
                             PyLong_FromVoidPtr(b));
    return Py_BuildValue("{s:N,s:N,s:N}", "tophash", th, "keys", ks, "elems", es);
fail:
    Py_XDECREF(th);
    Py_XDECREF(ks);
    Py_XDECREF(es);
    return NULL;
}

static PyObject *chain_list(bmap *b, int raw) {
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (; b != NULL; b = b->overflow) {
        PyObject *d = bucket_dict(b, raw);
        if (d == NULL || PyList_Append(out, d) < 0) {
            Py_XDECREF(d);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(d);
    }
    return out;
}

static PyObject *HMap_chain(HMapObject *h, PyObject *args) {
    int which, raw = 0;
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "in|p", &which, &index, &raw))
        return NULL;
    barray *a = arr_of(h, which);
    if (a == NULL)
        return PyList_New(0);
    if (index < 0 || index >= a->n) {
        PyErr_SetString(PyExc_IndexError, "bucket index out of range");
        return NULL;
    }
    return chain_list(&a->b[index], raw);
}

static PyObject *HMap_nallocated(HMapObject *h, PyObject *arg) {
    long which = PyLong_AsLong(arg);
    if (which == -1 && PyErr_Occurred())
        return NULL;
    barray *a = arr_of(h, (int)which);
    if (a == NULL)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(a->n);
}

static PyObject *HMap_snapshot(HMapObject *h, PyObject *unused) {
    PyObject *bl = Py_None, *ol = Py_None;
    Py_INCREF(bl);
    Py_INCREF(ol);
    if (h->buckets != NULL) {
        Py_ssize_t nb = (Py_ssize_t)1 << h->B;
        Py_SETREF(bl, PyList_New(nb));
        if (bl == NULL)
            goto fail;
        for (Py_ssize_t i = 0; i < nb; i++) {
            PyObject *c = chain_list(&h->buckets->b[i], 0);
            if (c == NULL)
                goto fail;
            PyList_SET_ITEM(bl, i, c);
        }
    }
    if (h->oldbuckets != NULL) {
        Py_ssize_t nb = noldbuckets(h);
        Py_SETREF(ol, PyList_New(nb));
        if (ol == NULL)
            goto fail;
        for (Py_ssize_t i = 0; i < nb; i++) {
            PyObject *c = chain_list(&h->oldbuckets->b[i], 0);
            if (c == NULL)
                goto fail;
            PyList_SET_ITEM(ol, i, c);
        }
    }
    PyObject *nxt = h->next_overflow < 0 ? Py_None : PyLong_FromSsize_t(h->next_overflow);
    PyObject *nalloc = h->buckets == NULL ? Py_None : PyLong_FromSsize_t(h->buckets->n);
    if (nxt == Py_None)
        Py_INCREF(nxt);
    if (nalloc == Py_None)
        Py_INCREF(nalloc);
    return Py_BuildValue("{s:s,s:O,s:n,s:I,s:O,s:n,s:i,s:i,s:I,s:I,s:n,s:N,s:N,s:N,s:N}",
                         "impl", "classic", "go", h->go_release, "entries", h->count, "seed",
                         (unsigned)h->hash0, "writing", h->writing ? Py_True : Py_False,
                         "count", h->count, "flags",
                         h->flags | (h->writing ? F_hashWriting : 0), "B", h->B, "noverflow",
                         (unsigned)h->noverflow, "hash0", (unsigned)h->hash0, "nevacuate",
                         h->nevacuate, "buckets", bl, "oldbuckets", ol, "next_overflow", nxt,
                         "nbuckets_allocated", nalloc);
fail:
    Py_XDECREF(bl);
    Py_XDECREF(ol);
    return NULL;
}

static PyObject *HMap_tombstones(HMapObject *h, PyObject *unused) {
    /* the emptyOne cells of the current array's chains (debug.stats(deep=True)) */
    Py_ssize_t n = 0;
    if (h->buckets != NULL) {
        Py_ssize_t nb = (Py_ssize_t)1 << h->B;
        for (Py_ssize_t i = 0; i < nb; i++)
            for (bmap *b = &h->buckets->b[i]; b != NULL; b = b->overflow)
                for (int j = 0; j < bucketCnt; j++)
                    n += b->tophash[j] == emptyOne;
    }
    return PyLong_FromSsize_t(n);
}

static PyObject *HMap_noldbuckets(HMapObject *h, PyObject *unused) {
    return PyLong_FromSsize_t(noldbuckets(h));
}

static PyObject *HMap_iterator(HMapObject *h, PyObject *unused);
static PyObject *hiter_lazy(HMapObject *h, int mode);
static PyObject *HMap_replay(HMapObject *h, PyObject *const *args, Py_ssize_t nargs);

/* _account(...): account this map's heap from now on, in C (see "heap accounting");
 * makemap's allocations are counted here, as ClassicAccountant.attach does. */
static PyObject *HMap_account(HMapObject *h, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"entry_bytes", "key_bytes", "elem_bytes", "indirect_key",
                             "indirect_elem", "ovf_bytes", "hmap_bytes", "mapextra_size",
                             "slice_header_size", "array_bytes", "growslice", NULL};
    long long eb, kb, vb, ob, hb, mx, sh;
    int ik, iv;
    PyObject *abf, *gsf;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "$LLLppLLLLOO", kwlist, &eb, &kb, &vb, &ik,
                                     &iv, &ob, &hb, &mx, &sh, &abf, &gsf))
        return NULL;
    if (h->acct != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "this map is accounted already");
        return NULL;
    }
    if (h->hash0_obj == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the map is not initialised");
        return NULL;
    }
    acct_t *a = PyMem_Calloc(1, sizeof(acct_t));
    if (a == NULL)
        return PyErr_NoMemory();
    a->entry_bytes = eb;
    a->key_bytes = kb;
    a->elem_bytes = vb;
    a->indirect_key = ik;
    a->indirect_elem = iv;
    a->ovf_bytes = ob;
    a->hmap_bytes = hb;
    a->mapextra_size = mx;
    a->slice_header_size = sh;
    a->retained = PySet_New(NULL);
    Py_INCREF(abf);
    a->array_bytes_fn = abf;
    Py_INCREF(gsf);
    a->growslice_fn = gsf;
    if (a->retained == NULL) {
        acct_free(a);
        return NULL;
    }
    a->entries = h->count;
    a_alloc(a, a->hmap_bytes);
    if (h->buckets != NULL) {
        if (a_array_bytes(a, h->buckets->n, &a->array_bytes) < 0) {
            acct_free(a);
            return NULL;
        }
        a_alloc(a, a->array_bytes);
        if (h->next_overflow >= 0) {
            a_alloc(a, a->mapextra_size);
            a->extra = 1;
        }
    }
    a_settle(a);
    h->acct = a;
    Py_RETURN_NONE;
}

static int layout_flag(PyObject *layout, const char *name, int dflt) {
    PyObject *v = PyObject_GetAttrString(layout, name);
    if (v == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return dflt;
    }
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

static PyObject *HMap_clone(HMapObject *h, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"prepare", NULL};
    PyObject *prepare = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &prepare))
        return NULL;
    if (h->hash0_obj == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the map is not initialised");
        return NULL;
    }
    Py_ssize_t hint = h->count;
    if (overLoadFactor(hint, h->B))
        hint = (Py_ssize_t)loadFactorNum * (((Py_ssize_t)1 << h->B) / loadFactorDen);
    PyObject *hasher = PyObject_GetAttrString((PyObject *)h, "hasher");
    PyObject *rand = hasher == NULL ? NULL : PyObject_GetAttrString((PyObject *)h, "rand");
    PyObject *subs = prepare == Py_None ? PySequence_List(h->subscribers) : PyList_New(0);
    PyObject *kw = NULL, *pos = NULL, *dst = NULL;
    if (rand == NULL || subs == NULL)
        goto done;
    kw = Py_BuildValue("{s:O,s:O,s:O,s:O,s:O}", "hasher", hasher, "rand", rand, "layout",
                       h->layout, "subscribers", subs, "go", h->go_release);
    pos = Py_BuildValue("(n)", hint);
    if (kw == NULL || pos == NULL)
        goto done;
    dst = PyObject_Call((PyObject *)Py_TYPE(h), pos, kw);  /* makemap: draws a seed */
    if (dst == NULL)
        goto done;
    HMapObject *d = (HMapObject *)dst;
    if (set_hash0(d, h->hash0) < 0 || (h->ikey && hm_set_unboxed(d) < 0))
        goto fail;
    if (prepare != Py_None) {
        PyObject *r = PyObject_CallOneArg(prepare, dst);
        if (r == NULL)
            goto fail;
        Py_DECREF(r);
    }
    if (h->count == 0) {
        if (EMIT_clone(d, 0, 0, 0) < 0)
            goto fail;
        goto done;
    }
    if (h->writing) {
        PyObject *mod = PyImport_ImportModule("gomap.errors");
        PyObject *cls = mod == NULL ? NULL : PyObject_GetAttrString(mod, "MapFatalError");
        Py_XDECREF(mod);
        if (cls != NULL) {
            PyErr_SetString(cls, "concurrent map clone and map write");
            Py_DECREF(cls);
        }
        goto fail;
    }
    int ik = layout_flag(h->layout, "indirect_key", 0);
    int ie = layout_flag(h->layout, "indirect_elem", 0);
    int nku = layout_flag(h->layout, "need_key_update", 1);
    if (ik < 0 || ie < 0 || nku < 0 || mapclone2(h, d, ik, ie, nku) < 0)
        goto fail;
    goto done;
fail:
    Py_CLEAR(dst);
done:
    Py_XDECREF(hasher);
    Py_XDECREF(rand);
    Py_XDECREF(subs);
    Py_XDECREF(kw);
    Py_XDECREF(pos);
    return dst;
}

/* The accountant's totals and state, by ClassicAccountant's attribute names. */
static PyObject *HMap_acct_state(HMapObject *h, PyObject *unused) {
    acct_t *a = h->acct;
    if (a == NULL)
        Py_RETURN_NONE;
    return Py_BuildValue(
        "{s:L,s:L,s:L,s:L,s:L,s:O,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:n}",
        "live", (long long)a->live, "allocated", (long long)a->allocated, "allocations",
        (long long)a->allocations, "peak", (long long)a->peak, "entries", (long long)a->entries,
        "extra", a->extra ? Py_True : Py_False, "array_bytes", (long long)a->array_bytes,
        "old_array_bytes", (long long)a->old_array_bytes, "heap_ovf", (long long)a->heap_ovf,
        "old_heap_ovf", (long long)a->old_heap_ovf, "prealloc_used",
        (long long)a->prealloc_used, "ovf_list_bytes",
        (long long)(a->has_list ? a->slice_header_size + a->list_bytes : 0),
        "old_ovf_list_bytes",
        (long long)(a->has_old_list ? a->slice_header_size + a->old_list_bytes : 0),
        "orphans", (long long)a->orphans, "grow_events", (long long)a->grow_events,
        "unlinked", (long long)a->unlinked, "hmap_bytes", (long long)a->hmap_bytes,
        "retained", PySet_GET_SIZE(a->retained));
}

#define ACCT_GETTER(field)                                                 \
    static PyObject *get_acct_##field(HMapObject *h, void *c) {            \
        if (h->acct == NULL)                                               \
            Py_RETURN_NONE;                                                \
        return PyLong_FromLongLong((long long)h->acct->field);             \
    }
ACCT_GETTER(live)
ACCT_GETTER(allocated)
ACCT_GETTER(allocations)
ACCT_GETTER(peak)
ACCT_GETTER(unlinked)
ACCT_GETTER(entries)

static PyObject *get_acct_overflow_buckets(HMapObject *h, void *c) {
    if (h->acct == NULL)
        Py_RETURN_NONE;
    return PyLong_FromLongLong((long long)(h->acct->heap_ovf + h->acct->prealloc_used));
}

/* One point of the simulator's timeline (gomap.sim.simulator.simulate's sample()). */
static PyObject *HMap_sample(HMapObject *h, PyObject *arg) {
    Py_ssize_t op = PyLong_AsSsize_t(arg);
    if (op == -1 && PyErr_Occurred())
        return NULL;
    if (h->acct == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_sample: the map is not accounted");
        return NULL;
    }
    return gomap_sample_point(
        op, (long long)h->acct->live, (long long)h->acct->allocated, h->count,
        h->buckets == NULL ? (Py_ssize_t)0 : (Py_ssize_t)bucketCnt << h->B, -1,
        h->overflow_used, h->oldbuckets != NULL);
}

static PyObject *get_op(HMapObject *h, void *c) { return PyLong_FromSsize_t(h->op); }
static int set_op(HMapObject *h, PyObject *v, void *c) {
    Py_ssize_t n = v == NULL ? -1 : PyLong_AsSsize_t(v);
    if (n == -1 && (v == NULL || PyErr_Occurred())) {
        if (v == NULL)
            PyErr_SetString(PyExc_AttributeError, "cannot delete op");
        return -1;
    }
    h->op = n;
    return 0;
}

/* _copy_from(it): `for k, v := range src { m[k] = v }` over a started iterator of a
 * native classic map, assigning as the simulator's loop does (hm_assign): the copy of
 * AccountedEngine.rebuild, without an object per key between two unboxed maps. The
 * number of entries copied. */
static PyObject *HMap_copy_from(HMapObject *h, PyObject *arg) {
    if (Py_TYPE(arg) != &HIterType || ((HIterObject *)arg)->pending != NULL) {
        Py_ssize_t n = gomap_copy_pairs((PyObject *)h, &gomap_classic_ops, arg);
        return n < 0 ? NULL : PyLong_FromSsize_t(n);
    }
    Py_ssize_t n = 0;
    HIterObject *it = (HIterObject *)arg;
    for (;;) {
        gkey k;
        PyObject *e;
        int r = mapiternext_k(it, &k, &e);
        if (r <= 0) {
            if (r < 0)
                return NULL;
            break;
        }
        int kik = it->ikey;
        if (kik == h->ikey) {
            r = hm_assign_k(h, k, e);
        } else {
            PyObject *o = gkey_box(kik, k);
            r = o == NULL ? -1 : hm_assign(h, o, e);
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
 * iterator yields, as m[k] = v would for each (hm_rebuild_census): the number of keys,
 * or None when the inserts could grow the map (then nothing was accounted). */
static PyObject *HMap_rebuild_census(HMapObject *h, PyObject *arg) {
    if (Py_TYPE(arg) != &HIterType || ((HIterObject *)arg)->pending != NULL) {
        PyErr_SetString(PyExc_TypeError, "_rebuild_census needs a started native iterator");
        return NULL;
    }
    Py_ssize_t n = 0;
    int r = hm_rebuild_census(h, (HIterObject *)arg, &n);
    if (r < 0)
        return NULL;
    if (r == 0)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(n);
}

static PyObject *HMap_unbox_int_keys(HMapObject *h, PyObject *unused) {
    if (hm_set_unboxed(h) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef HMap_methods[] = {
    {"lookup", (PyCFunction)HMap_lookup, METH_O, "v, ok := m[key] (mapaccess2): (ok, v)."},
    {"lookup_key", (PyCFunction)HMap_lookup_key, METH_O,
     "mapaccessK: (ok, stored key, elem)."},
    {"assign", (PyCFunction)(void (*)(void))HMap_assign, METH_FASTCALL,
     "m[key] = elem (mapassign)."},
    {"delete", (PyCFunction)HMap_delete, METH_O, "delete(m, key) (mapdelete)."},
    {"clear", (PyCFunction)HMap_clear, METH_NOARGS, "clear(m) (mapclear)."},
    {"iterator", (PyCFunction)HMap_iterator, METH_NOARGS,
     "for k, v := range m: mapiterinit (the first step happens at next())."},
    {"snapshot", (PyCFunction)HMap_snapshot, METH_NOARGS,
     "The whole state as a JSON-serialisable dict (as gomap.classic.debug.snapshot)."},
    {"_tombstones", (PyCFunction)HMap_tombstones, METH_NOARGS,
     "The emptyOne cells of the current array's chains."},
    {"noldbuckets", (PyCFunction)HMap_noldbuckets, METH_NOARGS,
     "The number of buckets before the current growth."},
    {"getitem", (PyCFunction)HMap_getitem, METH_O, "m[key], raising KeyError when absent."},
    {"get", (PyCFunction)(void (*)(void))HMap_get, METH_FASTCALL, "m.get(key, default)."},
    {"_chain", (PyCFunction)HMap_chain, METH_VARARGS,
     "_chain(which, index, raw=False): one bucket chain of the new (0) or old (1) array."},
    {"_nallocated", (PyCFunction)HMap_nallocated, METH_O,
     "Buckets allocated in the new (0) or old (1) array, or None."},
    {"_account", (PyCFunction)(void (*)(void))HMap_account, METH_VARARGS | METH_KEYWORDS,
     "Account the map's heap in C from now on (gomap.memory.NativeClassicAccountant)."},
    {"_sample", (PyCFunction)HMap_sample, METH_O,
     "_sample(op): the simulator's timeline point after op number op (accounted maps)."},
    {"_acct_state", (PyCFunction)HMap_acct_state, METH_NOARGS,
     "The C accountant's totals and state as a dict, or None when not accounted."},
    {"_copy_from", (PyCFunction)HMap_copy_from, METH_O,
     "_copy_from(it): m[k] = v for every (k, v) the iterator yields (a started native "
     "iterator: key by key as stored)."},
    {"_rebuild_census", (PyCFunction)HMap_rebuild_census, METH_O,
     "_rebuild_census(it): account this empty accounted map as if m[k] = v ran for every "
     "(k, v) of the started native iterator it, without inserting: the key count, or None "
     "when the inserts could grow the map (nothing accounted; copy instead)."},
    {"_unbox_int_keys", (PyCFunction)HMap_unbox_int_keys, METH_NOARGS,
     "Store this empty map's keys as int64 in the buckets, as Go's map_fast64 does (the "
     "simulator's maps of Go integer keys): keys must then be ints in int64's range."},
    {"_replay", (PyCFunction)(void (*)(void))HMap_replay, METH_FASTCALL,
     "_replay(ops, i, stop, peak, peak_op, max_entries): the simulator's loop in C."},
    {"clone", (PyCFunction)(void (*)(void))HMap_clone, METH_VARARGS | METH_KEYWORDS,
     "clone(prepare=None): maps.Clone (mapclone2); prepare(dst) runs after makemap."},
    {NULL}};

static PyObject *get_count(HMapObject *h, void *c) { return PyLong_FromSsize_t(h->count); }
static PyObject *get_unboxed(HMapObject *h, void *c) { return PyBool_FromLong(h->ikey); }
static PyObject *get_flags(HMapObject *h, void *c) { return PyLong_FromLong(h->flags); }
static PyObject *get_B(HMapObject *h, void *c) { return PyLong_FromLong(h->B); }
static PyObject *get_noverflow(HMapObject *h, void *c) {
    return PyLong_FromUnsignedLong(h->noverflow);
}
static int set_noverflow(HMapObject *h, PyObject *v, void *c) {
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete noverflow");
        return -1;
    }
    unsigned long n = PyLong_AsUnsignedLong(v);
    if (n == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    h->noverflow = (uint32_t)n;
    return 0;
}
static PyObject *get_hash0(HMapObject *h, void *c) {
    return PyLong_FromUnsignedLong(h->hash0);
}
static PyObject *get_nevacuate(HMapObject *h, void *c) {
    return PyLong_FromSsize_t(h->nevacuate);
}
static PyObject *get_next_overflow(HMapObject *h, void *c) {
    if (h->next_overflow < 0)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(h->next_overflow);
}
static PyObject *get_overflow_used(HMapObject *h, void *c) {
    return PyLong_FromSsize_t(h->overflow_used);
}
static PyObject *get_writing(HMapObject *h, void *c) { return PyBool_FromLong(h->writing); }
static PyObject *get_growing(HMapObject *h, void *c) {
    return PyBool_FromLong(h->oldbuckets != NULL);
}
#define OBJ_GETTER(name) GOMAP_OBJ_GETTER(get_##name, HMapObject, name)
OBJ_GETTER(hasher)
OBJ_GETTER(rand)
OBJ_GETTER(subscribers)
OBJ_GETTER(layout)
OBJ_GETTER(go_release)

static PyObject *get_shared(HMapObject *h, void *c) { return PyBool_FromLong(h->shared); }

static PyGetSetDef HMap_getset[] = {
    {"count", (getter)get_count, NULL, "live cells == size of map", NULL},
    {"flags", (getter)get_flags, NULL, "iterator | oldIterator | sameSizeGrow", NULL},
    {"B", (getter)get_B, NULL, "log_2 of # of buckets", NULL},
    {"noverflow", (getter)get_noverflow, (setter)set_noverflow,
     "approximate number of overflow buckets", NULL},
    {"hash0", (getter)get_hash0, NULL, "hash seed", NULL},
    {"nevacuate", (getter)get_nevacuate, NULL, "progress counter for evacuation", NULL},
    {"next_overflow", (getter)get_next_overflow, NULL,
     "index of the next free pre-allocated overflow bucket, or None", NULL},
    {"writing", (getter)get_writing, NULL, "whether a write is under way (hashWriting)", NULL},
    {"growing_", (getter)get_growing, NULL, "whether oldbuckets is set", NULL},
    {"hasher", (getter)get_hasher, NULL, "the (key, seed) -> uint64 hasher", NULL},
    {"rand", (getter)get_rand, NULL, "the () -> uint64 random source", NULL},
    {"subscribers", (getter)get_subscribers, NULL,
     "the list of (event, details) callables called at every event", NULL},
    {"overflow_used", (getter)get_overflow_used, NULL,
     "not in Go: overflow buckets chained into the current array", NULL},
    {"seed", (getter)get_hash0, NULL, "the hash seed (hash0)", NULL},
    {"layout", (getter)get_layout, NULL, "the BucketLayout", NULL},
    {"_shared", (getter)get_shared, NULL,
     "whether a second thread has touched the map (its writes open a window)", NULL},
    {"go_release", (getter)get_go_release, NULL,
     "the Go release the map was made for (snapshot()['go'])", NULL},
    {"acct_live", (getter)get_acct_live, NULL, "accounted live bytes (None: not accounted)",
     NULL},
    {"acct_allocated", (getter)get_acct_allocated, NULL, "accounted allocated bytes", NULL},
    {"acct_allocations", (getter)get_acct_allocations, NULL, "accounted allocations", NULL},
    {"acct_peak", (getter)get_acct_peak, NULL, "accounted peak live bytes", NULL},
    {"acct_unlinked", (getter)get_acct_unlinked, NULL,
     "overflow buckets freed by clearing evacuated old buckets", NULL},
    {"acct_entries", (getter)get_acct_entries, NULL, "entries the accountant counts", NULL},
    {"acct_overflow_buckets", (getter)get_acct_overflow_buckets, NULL,
     "overflow buckets chained in the current array (accounted)", NULL},
    {"unboxed", (getter)get_unboxed, NULL,
     "not in Go: the keys are stored as int64 in the buckets (_unbox_int_keys)", NULL},
    {"op", (getter)get_op, (setter)set_op,
     "not in Go: the number of the operation _replay is running", NULL},
    {NULL}};

static PyMappingMethods HMap_as_mapping = {
    (lenfunc)HMap_len, (binaryfunc)HMap_getitem, (objobjargproc)HMap_ass_sub};
static PySequenceMethods HMap_as_sequence = {
    .sq_contains = (objobjproc)HMap_contains};

PyTypeObject HMapType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.HMap",
    .tp_basicsize = sizeof(HMapObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "hmap: the classic Go map (Go 1.23 runtime/map.go) in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)HMap_init,
    .tp_dealloc = (destructor)HMap_dealloc,
    .tp_traverse = (traverseproc)HMap_traverse,
    .tp_clear = (inquiry)HMap_clear_refs,
    .tp_methods = HMap_methods,
    .tp_getset = HMap_getset,
    .tp_as_mapping = &HMap_as_mapping,
    .tp_as_sequence = &HMap_as_sequence,
    .tp_weaklistoffset = offsetof(HMapObject, weakrefs),
};

static HIterObject *hiter_alloc(void) {
    HIterObject *it = PyObject_GC_New(HIterObject, &HIterType);
    if (it == NULL)
        return NULL;
    it->h = NULL;
    it->pending = NULL;
    it->mode = 0;
    it->lazy = 0;
    it->result = NULL;
    it->B = 0;
    it->buckets = NULL;
    it->bptr = NULL;
    it->startBucket = it->offset = 0;
    it->wrapped = 0;
    it->i = 0;
    it->bucket = 0;
    it->checkBucket = noCheck;
    PyObject_GC_Track(it);
    return it;
}

static PyObject *HMap_iterator(HMapObject *h, PyObject *unused) {
    HIterObject *it = hiter_alloc();
    if (it == NULL)
        return NULL;
    if (hm_iterinit(it, h) < 0) {
        Py_DECREF(it);
        return NULL;
    }
    return (PyObject *)it;
}

/* An iterator that runs mapiterinit at its first step (as a Python generator that
 * creates the engine iterator does) and yields pairs (mode 0) or keys (mode 1). */
static PyObject *hiter_lazy(HMapObject *h, int mode) {
    HIterObject *it = hiter_alloc();
    if (it == NULL)
        return NULL;
    Py_INCREF(h);
    it->pending = h;
    it->mode = mode;
    it->lazy = 1;
    return (PyObject *)it;
}

static void HIter_release(HIterObject *it) {
    Py_CLEAR(it->pending);
    Py_CLEAR(it->result);
    HMapObject *h = it->h;
    barray *a = it->buckets;
    bmap *b = it->bptr;
    it->h = NULL;
    it->buckets = NULL;
    it->bptr = NULL;
    bucket_decref(b);
    barray_decref(a);
    Py_XDECREF(h);
}

static void HIter_dealloc(HIterObject *it) {
    PyObject_GC_UnTrack(it);
    HIter_release(it);
    PyObject_GC_Del(it);
}

static int HIter_traverse(HIterObject *it, visitproc visit, void *arg) {
    Py_VISIT(it->h);
    Py_VISIT(it->result);
    Py_VISIT(it->pending);
    return 0;
}

static int HIter_clear(HIterObject *it) {
    HIter_release(it);
    return 0;
}

/* mapiternext, leaving bptr unchanged when it raises (as the reference does). */
static int hiter_step(HIterObject *it, PyObject **pk, PyObject **pe) {
    bmap *saved = it->bptr;
    bucket_incref(saved);
    int r = mapiternext(it, pk, pe);
    if (r < 0 && it->bptr == NULL && it->h != NULL) {
        it->bptr = saved;
        saved = NULL;
    }
    bucket_decref(saved);
    return r;
}

static PyObject *HIter_next_method(HIterObject *it, PyObject *unused) {
    PyObject *k, *e;
    int r = hiter_step(it, &k, &e);
    return gomap_iter_pair(r, k, e);
}

/* flatten: mapiternext (classic_map.c) inlined into the loop step, as in one file */
__attribute__((flatten)) static PyObject *HIter_iternext(HIterObject *it) {
    if (it->pending != NULL) {
        HMapObject *h = it->pending;
        it->pending = NULL;
        int r = hm_iterinit(it, h);
        Py_DECREF(h);
        if (r < 0) {
            HIter_release(it);  /* as a generator that raised: over */
            return NULL;
        }
    }
    PyObject *k, *e;
    gkey fk;
    if (mapiternext_inbucket(it, &fk, &e)) {
        k = it->ikey ? PyLong_FromLongLong(fk.i) : fk.o;
        if (k == NULL) {
            Py_DECREF(e);
            return NULL;
        }
        return gomap_iter_result(&it->result, it->mode, k, e);
    }
    int r = hiter_step(it, &k, &e);
    if (r <= 0) {
        if (r < 0 && it->lazy)
            HIter_release(it);  /* as a generator that raised: over */
        return NULL;
    }
    return gomap_iter_result(&it->result, it->mode, k, e);
}

static PyObject *HIter_iter(PyObject *self) {
    Py_INCREF(self);
    return self;
}

static PyMethodDef HIter_methods[] = {
    {"next", (PyCFunction)HIter_next_method, METH_NOARGS,
     "mapiternext: the next (key, elem), or None at the end."},
    {NULL}};

static PyObject *it_get_startBucket(HIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->startBucket);
}
static PyObject *it_get_offset(HIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->offset);
}
static PyObject *it_get_B(HIterObject *it, void *c) { return PyLong_FromLong(it->B); }
static PyObject *it_get_bucket(HIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->bucket);
}
static PyObject *it_get_i(HIterObject *it, void *c) { return PyLong_FromLong(it->i); }
static PyObject *it_get_wrapped(HIterObject *it, void *c) {
    return PyBool_FromLong(it->wrapped);
}
static PyObject *it_get_checkBucket(HIterObject *it, void *c) {
    return PyLong_FromUnsignedLongLong(it->checkBucket);
}
static PyObject *it_get_h(HIterObject *it, void *c) {
    PyObject *o = it->h ? (PyObject *)it->h : Py_None;
    Py_INCREF(o);
    return o;
}

static PyGetSetDef HIter_getset[] = {
    {"start_bucket", (getter)it_get_startBucket, NULL, "bucket iteration started at", NULL},
    {"offset", (getter)it_get_offset, NULL, "intra-bucket offset to start from", NULL},
    {"B", (getter)it_get_B, NULL, "B when the iteration started", NULL},
    {"bucket", (getter)it_get_bucket, NULL, "next bucket to visit", NULL},
    {"i", (getter)it_get_i, NULL, "next cell of the current bucket", NULL},
    {"wrapped", (getter)it_get_wrapped, NULL, "wrapped around the bucket array", NULL},
    {"check_bucket", (getter)it_get_checkBucket, NULL, "bucket to check, or noCheck", NULL},
    {"h", (getter)it_get_h, NULL, "the map, or None once the iteration is over", NULL},
    {NULL}};

PyTypeObject HIterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gomap._native.HIter",
    .tp_basicsize = sizeof(HIterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "hiter: one for k, v := range m over a native classic map.",
    .tp_dealloc = (destructor)HIter_dealloc,
    .tp_traverse = (traverseproc)HIter_traverse,
    .tp_clear = (inquiry)HIter_clear,
    .tp_iter = HIter_iter,
    .tp_iternext = (iternextfunc)HIter_iternext,
    .tp_methods = HIter_methods,
    .tp_getset = HIter_getset,
};

/* ---- the engine's operations, for the simulator's loop (gomap_replay in module.c) and
 * GoMap's fast paths (fastpath.c) */
static inline int hm_ready(HMapObject *h) { return 0; }

static inline int hm_lookup(HMapObject *h, PyObject *key, PyObject **pe) {
    PyObject *k;
    int r = mapaccess2(h, key, &k, pe);
    if (r == 1)
        Py_DECREF(k);
    return r;
}

static inline PyObject *hm_iterator(HMapObject *h) { return HMap_iterator(h, NULL); }

static inline int hm_lookup_i(HMapObject *h, int64_t key, PyObject **pe) {
    return hm_lookup_k(h, (gkey){.i = key}, pe);
}
static inline int hm_assign_i(HMapObject *h, int64_t key, PyObject *elem) {
    return hm_assign_k(h, (gkey){.i = key}, elem);
}
static inline int hm_delete_i(HMapObject *h, int64_t key) {
    return hm_delete_k(h, (gkey){.i = key});
}
/* not in Go: the bucket (and, during a growth, the old bucket) of hash, fetched */
static inline void hm_prefetch_hash(HMapObject *h, uint64_t hash) {
    const char *b = (const char *)&h->buckets->b[hash & (((uint64_t)1 << h->B) - 1)];
    __builtin_prefetch(b);
    __builtin_prefetch(b + 64);
    if (h->oldbuckets != NULL)
        __builtin_prefetch(&h->oldbuckets->b[hash & (uint64_t)(noldbuckets(h) - 1)]);
}
static inline void hm_prefetch_i(HMapObject *h, int64_t key) {
    if (!h->ikey || !h->fast_hash || h->buckets == NULL)
        return;
    uint64_t hash;
    gomap_hash_i64(1, h->hash0, NULL, NULL, key, &hash);
    hm_prefetch_hash(h, hash);
}
static inline void hm_prefetch_o(HMapObject *h, PyObject *key) {
    if (h->ikey || !h->fast_hash || h->buckets == NULL || !PyUnicode_CheckExact(key))
        return;
    uint64_t hash;
    if (gomap_default_hash(h->fast_hash, h->hrand, h->hash0, key, &hash) == 1)
        hm_prefetch_hash(h, hash);
    else
        PyErr_Clear();
}

GOMAP_ENGINE_OPS(gomap_classic_ops, HMapObject, &HMapType, HIterObject, hm_ready, hm_lookup,
                 hm_assign, hm_delete, hm_clear, hm_iterator, mapiternext, hiter_lazy, count,
                 acct, op, ikey, hm_lookup_i, hm_assign_i, hm_delete_i, hm_prefetch_i,
                 hm_prefetch_o);

static PyObject *HMap_replay(HMapObject *h, PyObject *const *args, Py_ssize_t nargs) {
    return gomap_replay((PyObject *)h, &gomap_classic_ops, args, nargs);
}

int gomap_classic_init(PyObject *module) {
    static const char *const cnames[EV_N] = EV_CNAMES;
    static const uint64_t bits[EV_N] = EV_BITS;
    if (gomap_events_init(module, "classic", cnames, bits, EV_N, gomap_classic_ev_names) < 0)
        return -1;
    if ((roundupsize_fn = gomap_import_attr("gomap.layout.sizeclasses", "roundupsize")) == NULL)
        return -1;
    if ((go_version = gomap_pinned_release("classic")) == NULL)
        return -1;
    if (gomap_add_type(module, "HMap", &HMapType) < 0)
        return -1;
    return gomap_add_type(module, "HIter", &HIterType);
}
