/* gomap.memory.ClassicAccountant in C, for an accounted native classic map (_account()):
 * see the acct struct in classic.h. */
#include "classic.h"

int a_array_bytes(acct_t *a, Py_ssize_t n, int64_t *out) {
    PyObject *r = PyObject_CallFunction(a->array_bytes_fn, "n", n);
    if (r == NULL)
        return -1;
    long long v = PyLong_AsLongLong(r);
    Py_DECREF(r);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

void acct_free(acct_t *a) {
    if (a == NULL)
        return;
    Py_CLEAR(a->retained);
    Py_CLEAR(a->array_bytes_fn);
    Py_CLEAR(a->growslice_fn);
    PyMem_Free(a);
}

/* firstBucket: h.buckets = newobject(t.Bucket) */
int acct_first_bucket(acct_t *a) {
    if (a_array_bytes(a, 1, &a->array_bytes) < 0)
        return -1;
    a_alloc(a, a->array_bytes);
    return 0;
}

void acct_create_overflow(acct_t *a) {
    if (!a->extra) {
        a_alloc(a, a->mapextra_size);
        a->extra = 1;
    }
    if (!a->has_list) {
        a_alloc(a, a->slice_header_size);
        a->has_list = 1;
        a->list_len = a->list_cap = a->list_bytes = 0;
    }
}

int acct_newoverflow(acct_t *a, int prealloc, int pointers) {
    if (prealloc) {
        a->prealloc_used++;
    } else {
        a_alloc(a, a->ovf_bytes);
        a->heap_ovf++;
    }
    if (!pointers) {
        acct_create_overflow(a);
        if (a->list_len == a->list_cap) {
            PyObject *r = PyObject_CallFunction(a->growslice_fn, "LL", (long long)a->list_len + 1,
                                                (long long)a->list_cap);
            if (r == NULL)
                return -1;
            long long cap, nbytes;
            int ok = PyArg_ParseTuple(r, "LL", &cap, &nbytes);
            Py_DECREF(r);
            if (!ok)
                return -1;
            a_alloc(a, nbytes);
            a->live -= a->list_bytes;
            a->list_cap = cap;
            a->list_bytes = nbytes;
        }
        a->list_len++;
    }
    return 0;
}

int acct_hash_grow(acct_t *a, HMapObject *h) {
    a->grow_events++;
    a->old_array_bytes = a->array_bytes;
    if (a_array_bytes(a, h->buckets->n, &a->array_bytes) < 0)
        return -1;
    a_alloc(a, a->array_bytes);
    a->old_heap_ovf = a->heap_ovf;
    a->heap_ovf = 0;
    a->prealloc_used = 0;
    if (a->has_list) {
        a->has_old_list = 1;
        a->old_list_bytes = a->list_bytes;
        a->has_list = 0;
    }
    if (h->next_overflow >= 0 && !a->extra) {
        a_alloc(a, a->mapextra_size);
        a->extra = 1;
    }
    return 0;
}

/* An old bucket was evacuated, before it is cleared (see ClassicAccountant._evacuate):
 * the heap overflow buckets before the first pre-allocated one of its chain are freed
 * if it is cleared; the indirect objects of the moved cells that stay reachable are
 * retained until the growth ends. */
int acct_evacuate(acct_t *a, HMapObject *h, bmap *b0, int cleared) {
    int want_keys = a->entry_bytes != 0;
    if (!cleared && !want_keys)
        return 0;
    int64_t unlinked = 0;
    int reachable = !cleared;
    int first = 1;
    for (bmap *b = b0; b != NULL; b = b->overflow) {
        if (!first && b->owner == h->oldbuckets)
            reachable = 1;  /* pre-allocated in the old array: alive until growth ends */
        if (!reachable && !first)
            unlinked++;
        if (reachable && want_keys) {
            for (int i = 0; i < bucketCnt; i++) {
                uint8_t t = b->tophash[i];
                if (t >= evacuatedX && t <= evacuatedY) {
                    PyObject *k = kbox(b, i);
                    int r = k == NULL ? -1 : PySet_Add(a->retained, k);
                    Py_XDECREF(k);
                    if (r < 0)
                        return -1;
                }
            }
        }
        first = 0;
    }
    if (unlinked) {
        a->unlinked += unlinked;
        a->old_heap_ovf -= unlinked;
        a->live -= unlinked * a->ovf_bytes;
    }
    return 0;
}

void acct_free_old(acct_t *a) {
    a->live -= a->old_array_bytes + a->old_heap_ovf * a->ovf_bytes;
    a->old_array_bytes = 0;
    a->old_heap_ovf = 0;
    if (a->has_old_list) {
        a->live -= a->slice_header_size + a->old_list_bytes;
        a->has_old_list = 0;
    }
    a->live -= a->orphans * a->entry_bytes;
    a->orphans = 0;
    PySet_Clear(a->retained);
}

void acct_clear(acct_t *a) {
    acct_free_old(a);
    a->live -= a->heap_ovf * a->ovf_bytes;
    a->heap_ovf = 0;
    a->prealloc_used = 0;
    if (a->has_list) {
        a->live -= a->slice_header_size + a->list_bytes;
        a->has_list = 0;
    }
}

void acct_inserted(acct_t *a) {
    a->entries++;
    if (a->entry_bytes) {
        if (a->indirect_key)
            a_alloc(a, a->key_bytes);
        if (a->indirect_elem)
            a_alloc(a, a->elem_bytes);
    }
}

int acct_deleted(acct_t *a, int ikey, gkey key) {
    a->entries--;
    if (a->entry_bytes) {
        int held = 0;
        if (PySet_GET_SIZE(a->retained) > 0) {  /* `key in retained`, then discard */
            PyObject *k = ikey ? PyLong_FromLongLong(key.i) : (Py_INCREF(key.o), key.o);
            if (k == NULL)
                return -1;
            held = PySet_Contains(a->retained, k);
            if (held > 0 && PySet_Discard(a->retained, k) < 0)
                held = -1;
            Py_DECREF(k);
            if (held < 0)
                return -1;
        }
        if (held)
            a->orphans++;  /* an old bucket still points at the key/elem objects */
        else
            a->live -= a->entry_bytes;
    }
    return 0;
}

void acct_cleared(acct_t *a, Py_ssize_t n) {
    a->entries -= n;
    a->live -= n * a->entry_bytes;
}
