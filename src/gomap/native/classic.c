/* The classic Go map (Go 1.23 runtime/map.go) in C, state-exact with the Python
 * reference engine src/gomap/classic/hmap.py and iter.py.
 *
 * Names are Go's (and the reference's): hmap fields, bmap, tophash, evacuate,
 * growWork, advanceEvacuationMark, mapiterinit/mapiternext. Every operation follows
 * the reference statement by statement, including the order in which it calls the
 * user's code (hasher, rand, subscribers, __eq__), so that a failing callback leaves the
 * same state in both backends.
 *
 * Memory: a bucket array (barray) is one allocation of its 2^B main buckets and the
 * pre-allocated overflow buckets behind them; it is reference counted because an
 * iterator may still walk an array the map has dropped (as Go's GC keeps it alive).
 * A separately allocated overflow bucket (newoverflow without a pre-allocated one)
 * is reference counted too; the link from the previous bucket of its chain owns one
 * reference. Cells own one reference to their key and elem.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <stddef.h>
#include <structmember.h>

#include "native.h"

#define bucketCnt 8
enum { emptyRest = 0, emptyOne = 1, evacuatedX = 2, evacuatedY = 3, evacuatedEmpty = 4,
       minTopHash = 5 };
enum { F_iterator = 1, F_oldIterator = 2, F_hashWriting = 4, F_sameSizeGrow = 8 };
#define loadFactorNum 13
#define loadFactorDen 2
#define noCheck UINT64_MAX

typedef struct barray barray;

typedef struct bmap {
    uint8_t tophash[bucketCnt];
    PyObject *keys[bucketCnt];
    PyObject *elems[bucketCnt];
    struct bmap *overflow;
    barray *owner;    /* the array holding this bucket; NULL: allocated on its own */
    Py_ssize_t refs;  /* references to a bucket allocated on its own */
} bmap;

struct barray {
    Py_ssize_t refs;
    Py_ssize_t n;     /* buckets allocated: 2^B main + pre-allocated overflow */
    bmap b[];
};

/* ---- buckets and arrays --------------------------------------------------------- */
static void sep_decref(bmap *b);

static void bucket_clear_cells(bmap *b) {
    for (int i = 0; i < bucketCnt; i++) {
        Py_CLEAR(b->keys[i]);
        Py_CLEAR(b->elems[i]);
    }
}

static barray *barray_new(Py_ssize_t n) {
    barray *a = PyMem_Calloc(1, sizeof(barray) + (size_t)n * sizeof(bmap));
    if (a == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    a->refs = 1;
    a->n = n;
    for (Py_ssize_t i = 0; i < n; i++)
        a->b[i].owner = a;
    return a;
}

static void barray_decref(barray *a) {
    if (a == NULL || --a->refs > 0)
        return;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        bmap *b = &a->b[i];
        bmap *ovf = b->overflow;
        b->overflow = NULL;
        bucket_clear_cells(b);
        if (ovf != NULL && ovf->owner == NULL)
            sep_decref(ovf);
    }
    PyMem_Free(a);
}

static bmap *sep_new(void) {
    bmap *b = PyMem_Calloc(1, sizeof(bmap));
    if (b == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    b->refs = 1;
    return b;
}

/* Drop one reference to a bucket allocated on its own; free the chain behind it
 * as far as nothing else holds it (iteratively: chains can be long). */
static void sep_decref(bmap *b) {
    while (b != NULL && b->owner == NULL && --b->refs == 0) {
        bmap *next = b->overflow;
        b->overflow = NULL;
        bucket_clear_cells(b);
        PyMem_Free(b);
        b = next;
    }
}

static inline void bucket_incref(bmap *b) {
    if (b == NULL)
        return;
    if (b->owner != NULL)
        b->owner->refs++;
    else
        b->refs++;
}

static inline void bucket_decref(bmap *b) {
    if (b == NULL)
        return;
    if (b->owner != NULL)
        barray_decref(b->owner);
    else
        sep_decref(b);
}

/* Set b's overflow link (the link owns a reference to a bucket allocated on its own). */
static void set_overflow(bmap *b, bmap *ovf) {
    bmap *old = b->overflow;
    b->overflow = ovf;
    if (old != NULL && old->owner == NULL)
        sep_decref(old);
}

static inline int evacuated(const bmap *b) {
    uint8_t h = b->tophash[0];
    return h > emptyOne && h < minTopHash;
}

static inline uint8_t tophash(uint64_t hash) {
    uint8_t top = (uint8_t)(hash >> 56);
    if (top < minTopHash)
        top += minTopHash;
    return top;
}

static inline int overLoadFactor(Py_ssize_t count, int B) {
    return count > bucketCnt &&
           (uint64_t)count > (uint64_t)loadFactorNum * (((uint64_t)1 << B) / loadFactorDen);
}

static inline int tooManyOverflowBuckets(uint32_t noverflow, int B) {
    if (B > 15)
        B = 15;
    return noverflow >= ((uint32_t)1 << B);
}

/* ---- the hmap --------------------------------------------------------------------- */
typedef struct {
    PyObject_HEAD
    Py_ssize_t count;
    int flags;          /* iterator | oldIterator | sameSizeGrow */
    int writing;        /* hashWriting */
    void *owner;        /* not in Go: the first thread state to touch it (GOMAP_TOUCH) */
    int shared;         /* not in Go: another thread has touched it */
    int B;
    uint32_t noverflow;
    Py_ssize_t overflow_used;  /* not in Go: overflow buckets chained into buckets */
    uint32_t hash0;
    PyObject *hash0_obj;
    barray *buckets;
    barray *oldbuckets;
    Py_ssize_t nevacuate;
    Py_ssize_t next_overflow;  /* -1: none */
    PyObject *hasher;
    PyObject *rand;
    PyObject *subscribers;  /* a list of (event, details) callables */
    PyObject *layout;
    int fast_hash;       /* 0: call hasher; 1: the default hasher; 2: the default, stable */
    PyObject *hrand;     /* the default hasher's rand (drawn from for NaN keys) */
    Py_ssize_t bucket_size;
    int pointers;
    PyObject *weakrefs;
    struct acct *acct;   /* the heap accountant, or NULL: not accounted */
    Py_ssize_t op;       /* not in Go: the number of the op being replayed (_replay) */
} HMapObject;

static PyTypeObject HMapType;
static PyTypeObject HIterType;

static PyObject *roundupsize_fn;   /* gomap.layout.sizeclasses.roundupsize */
static PyObject *go_version;       /* gomap.classic.hmap.GO_VERSION */


static int set_hash0(HMapObject *h, uint32_t v) {
    PyObject *o = PyLong_FromUnsignedLong(v);
    if (o == NULL)
        return -1;
    h->hash0 = v;
    Py_XSETREF(h->hash0_obj, o);
    return 0;
}

static int draw_hash0(HMapObject *h) {
    uint64_t r;
    if (gomap_call_rand(h->rand, &r) < 0)
        return -1;
    return set_hash0(h, (uint32_t)(r & 0xFFFFFFFFu));
}


/* hasher(key, hash0): the default hasher computed in C where it can be (the very
 * same function as gomap.hashing.DefaultHasher), else the Python hasher. */
static int hm_hash(HMapObject *h, PyObject *key, uint64_t *out) {
    if (h->fast_hash) {
        int r = gomap_default_hash(h->fast_hash, h->hrand, (uint64_t)h->hash0, key, out);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return gomap_call_hasher(h->hasher, key, h->hash0_obj, out);
}


/* stored == key, as the reference's `stored == key` */
static inline int keq(PyObject *stored, PyObject *key) { return gomap_eq(stored, key); }


/* ---- events -----------------------------------------------------------------------
 * Every event the engine emits, by id; their names are interned once, so that a
 * filtered subscriber (gomap.events.EventFilter) costs one bit test per event. */
#define GOMAP_EVENTS_CLASSIC
#include "events_gen.h" /* EV_*, EMIT_*: generated from gomap.events by gen_events.py */
PyObject *gomap_classic_ev_names[EV_N];

/* ---- heap accounting ------------------------------------------------------------------
 * gomap.memory.ClassicAccountant in C, for an accounted native map (_account()): the
 * same running totals, changed at the same points, in the same order. Where the Python
 * accountant is a subscriber called at an event, the C one is called just before the
 * event is emitted (a subscriber sees the event already accounted, as it does when
 * the Python accountant is subscribed first); where AccountedEngine watches the entry
 * count around an operation, the C operations do it themselves. The sizes that need
 * the allocator's size classes come from Python (layout.bucket_array_bytes,
 * growslice_ptrs), at growths and overflow-list appends only. */
typedef struct acct {
    int64_t live, allocated, allocations, peak, entries;
    int64_t entry_bytes, key_bytes, elem_bytes;
    int indirect_key, indirect_elem;
    int64_t ovf_bytes, hmap_bytes, mapextra_size, slice_header_size;
    int extra;
    int64_t array_bytes, old_array_bytes, heap_ovf, old_heap_ovf, prealloc_used;
    int has_list, has_old_list;        /* the overflow lists (pointer-free buckets) */
    int64_t list_len, list_cap, list_bytes, old_list_bytes;
    PyObject *retained;                /* keys whose indirect objects old cells hold */
    int64_t orphans, grow_events, unlinked;
    PyObject *array_bytes_fn;          /* layout.bucket_array_bytes */
    PyObject *growslice_fn;            /* growslice_ptrs(n, cap) -> (cap, bytes) */
} acct_t;

static inline void a_alloc(acct_t *a, int64_t n) {
    a->allocated += n;
    a->allocations++;
    a->live += n;
}

static inline void a_settle(acct_t *a) {
    if (a->live > a->peak)
        a->peak = a->live;
}

static int a_array_bytes(acct_t *a, Py_ssize_t n, int64_t *out) {
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

static void acct_free(acct_t *a) {
    if (a == NULL)
        return;
    Py_CLEAR(a->retained);
    Py_CLEAR(a->array_bytes_fn);
    Py_CLEAR(a->growslice_fn);
    PyMem_Free(a);
}

/* firstBucket: h.buckets = newobject(t.Bucket) */
static int acct_first_bucket(acct_t *a) {
    if (a_array_bytes(a, 1, &a->array_bytes) < 0)
        return -1;
    a_alloc(a, a->array_bytes);
    return 0;
}

static void acct_create_overflow(acct_t *a) {
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

static int acct_newoverflow(acct_t *a, int prealloc, int pointers) {
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

static int acct_hash_grow(acct_t *a, HMapObject *h) {
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
static int acct_evacuate(acct_t *a, HMapObject *h, bmap *b0, int cleared) {
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
                if (t >= evacuatedX && t <= evacuatedY && PySet_Add(a->retained, b->keys[i]) < 0)
                    return -1;
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

static void acct_free_old(acct_t *a) {
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

static void acct_clear(acct_t *a) {
    acct_free_old(a);
    a->live -= a->heap_ovf * a->ovf_bytes;
    a->heap_ovf = 0;
    a->prealloc_used = 0;
    if (a->has_list) {
        a->live -= a->slice_header_size + a->list_bytes;
        a->has_list = 0;
    }
}

static void acct_inserted(acct_t *a) {
    a->entries++;
    if (a->entry_bytes) {
        if (a->indirect_key)
            a_alloc(a, a->key_bytes);
        if (a->indirect_elem)
            a_alloc(a, a->elem_bytes);
    }
}

static int acct_deleted(acct_t *a, PyObject *key) {
    a->entries--;
    if (a->entry_bytes) {
        int held = 0;
        if (PySet_GET_SIZE(a->retained) > 0) {  /* `key in retained`, then discard */
            held = PySet_Contains(a->retained, key);
            if (held < 0 || (held && PySet_Discard(a->retained, key) < 0))
                return -1;
        }
        if (held)
            a->orphans++;  /* an old bucket still points at the key/elem objects */
        else
            a->live -= a->entry_bytes;
    }
    return 0;
}

static void acct_cleared(acct_t *a, Py_ssize_t n) {
    a->entries -= n;
    a->live -= n * a->entry_bytes;
}

/* An accountant hook that fails (a user __hash__ raising in the retained set, a
 * size-class call failing) fails the operation, as the Python accountant's does. */
#define ACCT(h, call) ((h)->acct == NULL ? 0 : (call))

/* ---- allocation ------------------------------------------------------------------- */
static barray *makeBucketArray(HMapObject *h, int b, Py_ssize_t *nextOverflow) {
    Py_ssize_t base = (Py_ssize_t)1 << b;
    Py_ssize_t nbuckets = base;
    if (b >= 4) {
        nbuckets += (Py_ssize_t)1 << (b - 4);
        Py_ssize_t size = h->bucket_size;
        Py_ssize_t sz = size * nbuckets;
        PyObject *up = PyObject_CallFunction(roundupsize_fn, "nO", sz,
                                             h->pointers ? Py_False : Py_True);
        if (up == NULL)
            return NULL;
        Py_ssize_t upv = PyLong_AsSsize_t(up);
        Py_DECREF(up);
        if (upv == -1 && PyErr_Occurred())
            return NULL;
        if (upv != sz)
            nbuckets = upv / size;
    }
    barray *a = barray_new(nbuckets);
    if (a == NULL)
        return NULL;
    *nextOverflow = nbuckets != base ? base : -1;
    return a;
}

static int incrnoverflow(HMapObject *h) {
    if (h->B < 16) {
        h->noverflow++;
        return 0;
    }
    uint64_t mask = ((uint64_t)1 << (h->B - 15)) - 1;
    uint64_t r;
    if (gomap_call_rand(h->rand, &r) < 0)
        return -1;
    if ((r & 0xFFFFFFFFu & mask) == 0)
        h->noverflow = (h->noverflow + 1) & 0xFFFF;
    return 0;
}

static bmap *newoverflow(HMapObject *h, bmap *b) {
    barray *buckets = h->buckets;
    Py_ssize_t nxt = h->next_overflow;
    int prealloc = nxt >= 0;
    bmap *ovf;
    if (prealloc) {
        ovf = &buckets->b[nxt];
        h->next_overflow = nxt + 1 < buckets->n ? nxt + 1 : -1;
    } else {
        ovf = sep_new();
        if (ovf == NULL)
            return NULL;
    }
    if (incrnoverflow(h) < 0) {
        if (!prealloc)
            sep_decref(ovf);
        return NULL;
    }
    h->overflow_used++;
    set_overflow(b, ovf);
    if (ACCT(h, acct_newoverflow(h->acct, prealloc, h->pointers)) < 0)
        return NULL;
    if (EMIT_newoverflow(h, prealloc, h->noverflow) < 0)
        return NULL;
    return ovf;
}

static inline Py_ssize_t noldbuckets(HMapObject *h) {
    int oldB = h->B;
    if (!(h->flags & F_sameSizeGrow))
        oldB--;
    return (Py_ssize_t)1 << oldB;
}

/* ---- growth ----------------------------------------------------------------------- */
static int advanceEvacuationMark(HMapObject *h, Py_ssize_t newbit) {
    barray *old = h->oldbuckets;
    h->nevacuate++;
    Py_ssize_t stop = h->nevacuate + 1024;
    if (stop > newbit)
        stop = newbit;
    while (h->nevacuate != stop && evacuated(&old->b[h->nevacuate]))
        h->nevacuate++;
    if (h->nevacuate == newbit) {
        h->oldbuckets = NULL;
        h->flags &= ~F_sameSizeGrow;
        barray_decref(old);
        if (h->acct != NULL)
            acct_free_old(h->acct);
        return EMIT_growDone(h, h->B);
    }
    return 0;
}

typedef struct {
    bmap *b;
    uint8_t i, useY, top;
} plan_t;

static int evacuate(HMapObject *h, Py_ssize_t oldbucket) {
    barray *oldbuckets = h->oldbuckets;
    barray *buckets = h->buckets;
    bmap *b0 = &oldbuckets->b[oldbucket];
    Py_ssize_t newbit = noldbuckets(h);
    if (!evacuated(b0)) {
        int same = (h->flags & F_sameSizeGrow) != 0;
        int it_flag = h->flags & F_iterator;
        plan_t stackplan[64];
        plan_t *plan = stackplan;
        Py_ssize_t nplan = 0, cap = 64;
        for (bmap *b = b0; b != NULL; b = b->overflow) {
            for (int i = 0; i < bucketCnt; i++) {
                uint8_t top = b->tophash[i];
                if (top <= emptyOne)
                    continue;
                if (top < minTopHash) {
                    PyErr_SetString(PyExc_AssertionError, "bad map state");
                    goto fail;
                }
                uint8_t useY = 0;
                if (!same) {
                    PyObject *k2 = b->keys[i];
                    uint64_t hash;
                    if (hm_hash(h, k2, &hash) < 0)
                        goto fail;
                    int nan = 0;
                    if (it_flag) {
                        nan = gomap_self_cmp(k2, Py_NE);
                        if (nan < 0)
                            goto fail;
                    }
                    if (nan) {
                        useY = top & 1;
                        top = tophash(hash);
                    } else if (hash & (uint64_t)newbit) {
                        useY = 1;
                    }
                }
                if (nplan == cap) {
                    cap *= 2;
                    plan_t *np = PyMem_Malloc((size_t)cap * sizeof(plan_t));
                    if (np == NULL) {
                        PyErr_NoMemory();
                        goto fail;
                    }
                    memcpy(np, plan, (size_t)nplan * sizeof(plan_t));
                    if (plan != stackplan)
                        PyMem_Free(plan);
                    plan = np;
                }
                plan[nplan].b = b;
                plan[nplan].i = (uint8_t)i;
                plan[nplan].useY = useY;
                plan[nplan].top = top;
                nplan++;
            }
        }
        for (bmap *b = b0; b != NULL; b = b->overflow)
            for (int i = 0; i < bucketCnt; i++)
                if (b->tophash[i] <= emptyOne)
                    b->tophash[i] = evacuatedEmpty;
        bmap *xb = &buckets->b[oldbucket];
        bmap *yb = same ? xb : &buckets->b[oldbucket + newbit];
        int xi = 0, yi = 0;
        Py_ssize_t ny = 0;
        for (Py_ssize_t p = 0; p < nplan; p++) {
            bmap *src = plan[p].b;
            int i = plan[p].i;
            src->tophash[i] = (uint8_t)(evacuatedX + plan[p].useY);
            bmap *dst;
            int di;
            if (plan[p].useY) {
                ny++;
                if (yi == bucketCnt) {
                    yb = newoverflow(h, yb);
                    if (yb == NULL)
                        goto fail;
                    yi = 0;
                }
                dst = yb;
                di = yi++;
            } else {
                if (xi == bucketCnt) {
                    xb = newoverflow(h, xb);
                    if (xb == NULL)
                        goto fail;
                    xi = 0;
                }
                dst = xb;
                di = xi++;
            }
            dst->tophash[di] = plan[p].top;
            Py_XINCREF(src->keys[i]);
            Py_XSETREF(dst->keys[di], src->keys[i]);
            Py_XINCREF(src->elems[i]);
            Py_XSETREF(dst->elems[di], src->elems[i]);
        }
        int cleared = !(h->flags & F_oldIterator) && h->pointers;
        /* emitted before the clearing: a subscriber can still walk the chain */
        if (ACCT(h, acct_evacuate(h->acct, h, b0, cleared)) < 0)
            goto fail;
        if (EMIT_evacuate(h, oldbucket, nplan - ny, ny, cleared) < 0)
            goto fail;
        if (cleared) {
            bucket_clear_cells(b0);
            set_overflow(b0, NULL);
        }
        if (plan != stackplan)
            PyMem_Free(plan);
        goto done;
    fail:
        if (plan != stackplan)
            PyMem_Free(plan);
        return -1;
    }
done:
    if (oldbucket == h->nevacuate)
        return advanceEvacuationMark(h, newbit);
    return 0;
}

static int growWork(HMapObject *h, uint64_t bucket) {
    if (EMIT_growWork(h, bucket, h->nevacuate) < 0)
        return -1;
    if (evacuate(h, (Py_ssize_t)(bucket & (uint64_t)(noldbuckets(h) - 1))) < 0)
        return -1;
    if (h->oldbuckets != NULL)
        return evacuate(h, h->nevacuate);
    return 0;
}

static int hashGrow(HMapObject *h) {
    int bigger = 1;
    if (!overLoadFactor(h->count + 1, h->B)) {
        bigger = 0;
        h->flags |= F_sameSizeGrow;
    }
    Py_ssize_t nextOverflow;
    barray *newbuckets = makeBucketArray(h, h->B + bigger, &nextOverflow);
    if (newbuckets == NULL)
        return -1;
    int flags = h->flags & ~(F_iterator | F_oldIterator);
    if (h->flags & F_iterator)
        flags |= F_oldIterator;
    h->B += bigger;
    h->flags = flags;
    h->oldbuckets = h->buckets;
    h->buckets = newbuckets;
    h->nevacuate = 0;
    h->noverflow = 0;
    h->overflow_used = 0;
    h->next_overflow = nextOverflow;
    if (ACCT(h, acct_hash_grow(h->acct, h)) < 0)
        return -1;
    return EMIT_hashGrow(h, h->B, !bigger, h->count);
}

/* ---- reading ---------------------------------------------------------------------- */
static inline bmap *bucket_for_read(HMapObject *h, uint64_t hash) {
    uint64_t m = ((uint64_t)1 << h->B) - 1;
    bmap *b = &h->buckets->b[hash & m];
    barray *c = h->oldbuckets;
    if (c != NULL) {
        if (!(h->flags & F_sameSizeGrow))
            m >>= 1;
        bmap *oldb = &c->b[hash & m];
        if (!evacuated(oldb))
            b = oldb;
    }
    return b;
}

/* _find: the bucket and cell of key in b's chain (*found = 0 when absent); -1 on error.
 * The bucket returned carries a reference the caller drops with bucket_decref. */
static int find(bmap *b, uint8_t top, PyObject *key, bmap **fb, int *fi) {
    bucket_incref(b);
    while (b != NULL) {
        for (int i = 0; i < bucketCnt; i++) {
            if (b->tophash[i] != top)
                continue;
            int r = keq(b->keys[i], key);
            if (r < 0) {
                bucket_decref(b);
                return -1;
            }
            if (r) {
                *fb = b;
                *fi = i;
                return 1;
            }
        }
        if (memchr(b->tophash, emptyRest, bucketCnt) != NULL)
            break;
        bmap *next = b->overflow;
        bucket_incref(next);
        bucket_decref(b);
        b = next;
    }
    bucket_decref(b);
    return 0;
}


/* lookup core: 1 found (elem and key as new references), 0 absent, -1 error */
static int hm_lookup(HMapObject *h, PyObject *key, PyObject **pk, PyObject **pe) {
    GOMAP_TOUCH(h);
    if (h->count == 0) {
        if (gomap_check_hashable(key) < 0)
            return -1;
        return 0;
    }
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    uint64_t hash;
    if (hm_hash(h, key, &hash) < 0)
        return -1;
    bmap *fb;
    int fi;
    int r = find(bucket_for_read(h, hash), tophash(hash), key, &fb, &fi);
    if (r == 1) {
        *pk = fb->keys[fi];
        *pe = fb->elems[fi];
        Py_INCREF(*pk);
        Py_INCREF(*pe);
        bucket_decref(fb);
    }
    return r;
}

/* ---- writing ---------------------------------------------------------------------- */
static int hm__assign(HMapObject *h, uint64_t hash, PyObject *key, PyObject *elem) {
    if (h->buckets == NULL) {
        h->buckets = barray_new(1);  /* newobject(t.Bucket) */
        if (h->buckets == NULL)
            return -1;
        if (ACCT(h, acct_first_bucket(h->acct)) < 0 || EMIT_firstBucket(h) < 0)
            return -1;
    }
    uint8_t top = tophash(hash);
    bmap *insertb, *b;
    int inserti;
    for (;;) {
        uint64_t bucket = hash & (((uint64_t)1 << h->B) - 1);
        if (h->oldbuckets != NULL && growWork(h, bucket) < 0)
            return -1;
        b = &h->buckets->b[bucket];
        insertb = NULL;
        inserti = 0;
        for (;;) {
            uint8_t *th = b->tophash;
            for (int i = 0; i < bucketCnt; i++) {
                if (th[i] != top)
                    continue;
                int r = keq(b->keys[i], key);
                if (r < 0)
                    return -1;
                if (r) {
                    Py_INCREF(key);
                    Py_XSETREF(b->keys[i], key);
                    Py_INCREF(elem);
                    Py_XSETREF(b->elems[i], elem);
                    return 0;
                }
            }
            const uint8_t *rest = memchr(th, emptyRest, bucketCnt);
            if (insertb == NULL) {
                const uint8_t *one = memchr(th, emptyOne, bucketCnt);
                if (one != NULL) {
                    insertb = b;
                    inserti = (rest != NULL && rest < one) ? (int)(rest - th) : (int)(one - th);
                } else if (rest != NULL) {
                    insertb = b;
                    inserti = (int)(rest - th);
                }
            }
            if (rest != NULL || b->overflow == NULL)
                break;
            b = b->overflow;
        }
        if (h->oldbuckets == NULL &&
            (overLoadFactor(h->count + 1, h->B) || tooManyOverflowBuckets(h->noverflow, h->B))) {
            if (hashGrow(h) < 0)
                return -1;
            continue;
        }
        break;
    }
    if (insertb == NULL) {
        insertb = newoverflow(h, b);
        if (insertb == NULL)
            return -1;
        inserti = 0;
    }
    Py_INCREF(key);
    Py_XSETREF(insertb->keys[inserti], key);
    Py_INCREF(elem);
    Py_XSETREF(insertb->elems[inserti], elem);
    insertb->tophash[inserti] = top;
    h->count++;
    return 0;
}

static int hm_assign_(HMapObject *h, PyObject *key, PyObject *elem) {
    GOMAP_TOUCH(h);
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    uint64_t hash;
    if (hm_hash(h, key, &hash) < 0)
        return -1;
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    h->writing = 1;
    GOMAP_WRITE_WINDOW(h);
    int r = hm__assign(h, hash, key, elem);
    h->writing = 0;
    return r;
}

/* mapassign, and for an accounted map what AccountedEngine.assign adds around it */
static int hm_assign(HMapObject *h, PyObject *key, PyObject *elem) {
    acct_t *a = h->acct;
    if (a == NULL)
        return hm_assign_(h, key, elem);
    Py_ssize_t n = h->count;
    int r = hm_assign_(h, key, elem);
    if (h->count != n)
        acct_inserted(a);
    a_settle(a);
    return r;
}

static int hm__delete(HMapObject *h, uint64_t hash, PyObject *key) {
    uint64_t bucket = hash & (((uint64_t)1 << h->B) - 1);
    if (h->oldbuckets != NULL && growWork(h, bucket) < 0)
        return -1;
    bmap *bOrig = &h->buckets->b[bucket];
    bmap *b;
    int i;
    int r = find(bOrig, tophash(hash), key, &b, &i);
    if (r <= 0)
        return r;
    bucket_decref(b);  /* the map holds it: writes cannot drop it under us */
    Py_CLEAR(b->keys[i]);
    Py_CLEAR(b->elems[i]);
    uint8_t *th = b->tophash;
    th[i] = emptyOne;
    if (EMIT_emptyOne(h, bucket, i) < 0)
        return -1;
    int notLast;
    if (i == bucketCnt - 1) {
        bmap *ovf = b->overflow;
        notLast = ovf != NULL && ovf->tophash[0] != emptyRest;
    } else {
        notLast = th[i + 1] != emptyRest;
    }
    if (!notLast) {
        long run = 0;
        for (;;) {
            th[i] = emptyRest;
            run++;
            if (i == 0) {
                if (b == bOrig)
                    break;
                bmap *c = b;
                b = bOrig;
                while (b->overflow != c)
                    b = b->overflow;
                th = b->tophash;
                i = bucketCnt - 1;
            } else {
                i--;
            }
            if (th[i] != emptyOne)
                break;
        }
        if (EMIT_emptyRest(h, bucket, run) < 0)
            return -1;
    }
    h->count--;
    if (h->count == 0) {
        if (draw_hash0(h) < 0)
            return -1;
        if (EMIT_seed(h, h->hash0, "delete") < 0)
            return -1;
    }
    return 1;
}

static int hm_delete_(HMapObject *h, PyObject *key) {
    GOMAP_TOUCH(h);
    if (h->count == 0)
        return gomap_check_hashable(key);
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    uint64_t hash;
    if (hm_hash(h, key, &hash) < 0)
        return -1;
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    h->writing = 1;
    GOMAP_WRITE_WINDOW(h);
    int r = hm__delete(h, hash, key);
    h->writing = 0;
    return r < 0 ? -1 : 0;
}

static int hm_delete(HMapObject *h, PyObject *key) {
    acct_t *a = h->acct;
    if (a == NULL)
        return hm_delete_(h, key);
    Py_ssize_t n = h->count;
    int r = hm_delete_(h, key);
    if (h->count != n) {
        if (r < 0) {  /* accounted even so, as AccountedEngine's finally does */
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            if (acct_deleted(a, key) < 0)
                PyErr_Clear();
            PyErr_Restore(et, ev, tb);
        } else if (acct_deleted(a, key) < 0) {
            return -1;
        }
    }
    return r;
}

static void markBucketsEmpty(barray *a, Py_ssize_t nmain) {
    for (Py_ssize_t i = 0; i < nmain; i++)
        for (bmap *b = &a->b[i]; b != NULL; b = b->overflow)
            memset(b->tophash, emptyRest, bucketCnt);
}

static int hm__clear(HMapObject *h) {
    markBucketsEmpty(h->buckets, (Py_ssize_t)1 << h->B);
    if (h->oldbuckets != NULL)
        markBucketsEmpty(h->oldbuckets, noldbuckets(h));
    h->flags &= ~F_sameSizeGrow;
    barray *old = h->oldbuckets;
    h->oldbuckets = NULL;
    barray_decref(old);
    h->nevacuate = 0;
    h->noverflow = 0;
    h->overflow_used = 0;
    h->count = 0;
    if (draw_hash0(h) < 0)
        return -1;
    barray *a = h->buckets;
    a->refs++;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        bmap *b = &a->b[i];
        memset(b->tophash, emptyRest, bucketCnt);
        set_overflow(b, NULL);
        bucket_clear_cells(b);
    }
    Py_ssize_t base = (Py_ssize_t)1 << h->B;
    h->next_overflow = a->n != base ? base : -1;
    barray_decref(a);
    if (h->acct != NULL)
        acct_clear(h->acct);
    if (EMIT_clear(h, h->B) < 0)
        return -1;
    return EMIT_seed(h, h->hash0, "clear");
}

static int hm_clear_(HMapObject *h) {
    GOMAP_TOUCH(h);
    if (h->count == 0)
        return 0;
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    h->writing = 1;
    GOMAP_WRITE_WINDOW(h);
    int r = hm__clear(h);
    h->writing = 0;
    return r;
}

static int hm_clear(HMapObject *h) {
    Py_ssize_t n = h->count;
    int r = hm_clear_(h);
    if (h->acct != NULL && h->count != n)
        acct_cleared(h->acct, n - h->count);
    return r;
}

/* ---- the Python type ---------------------------------------------------------------- */
static int HMap_init(HMapObject *h, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"hint", "hasher", "rand", "observer", "subscribers", "layout",
                             NULL};
    Py_ssize_t hint = 0;
    PyObject *hasher = Py_None, *rand = Py_None, *observer = Py_None, *layout = Py_None;
    PyObject *subscribers = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n$OOOOO", kwlist, &hint, &hasher, &rand,
                                     &observer, &subscribers, &layout))
        return -1;
    if (h->buckets != NULL || h->hash0_obj != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a native HMap is initialised once");
        return -1;
    }
    if (hint < 0) {
        PyErr_Format(PyExc_ValueError, "makemap: size out of range (hint %zd < 0)", hint);
        return -1;
    }
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
    /* makemap */
    if (hint > 0 && (double)hint * (double)h->bucket_size > (double)((int64_t)1 << 48))
        hint = 0;
    if (draw_hash0(h) < 0)
        return -1;
    int B = 0;
    while (overLoadFactor(hint, B))
        B++;
    h->B = B;
    if (B != 0) {
        h->buckets = makeBucketArray(h, B, &h->next_overflow);
        if (h->buckets == NULL)
            return -1;
    }
    if (EMIT_seed(h, h->hash0, "new") < 0)
        return -1;
    return EMIT_makemap(h, hint, B);
}

static int HMap_traverse_array(barray *a, visitproc visit, void *arg) {
    if (a == NULL)
        return 0;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        for (bmap *b = &a->b[i]; b != NULL; b = b->overflow) {
            for (int j = 0; j < bucketCnt; j++) {
                Py_VISIT(b->keys[j]);
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
    int r = hm_lookup(h, key, &k, &e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(2, Py_False, Py_None);
    Py_DECREF(k);
    PyObject *t = PyTuple_Pack(2, Py_True, e);
    Py_DECREF(e);
    return t;
}

static PyObject *HMap_lookup_key(HMapObject *h, PyObject *key) {
    /* mapaccessK: no hashWriting check, no hashability check on an empty map */
    if (h->count == 0)
        return Py_BuildValue("(OOO)", Py_False, Py_None, Py_None);
    uint64_t hash;
    if (hm_hash(h, key, &hash) < 0)
        return NULL;
    bmap *fb;
    int fi;
    int r = find(bucket_for_read(h, hash), tophash(hash), key, &fb, &fi);
    if (r < 0)
        return NULL;
    if (r == 0)
        return Py_BuildValue("(OOO)", Py_False, Py_None, Py_None);
    PyObject *t = PyTuple_Pack(3, Py_True, fb->keys[fi], fb->elems[fi]);
    bucket_decref(fb);
    return t;
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
    int r = hm_lookup(h, key, &k, &e);
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
    int r = hm_lookup(h, key, &k, &e);
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
    int r = hm_lookup(h, key, &k, &e);
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
    int r = hm_lookup(h, args[0], &k, &e);
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
        PyObject *k = live && b->keys[i] ? b->keys[i] : Py_None;
        PyObject *e = live && b->elems[i] ? b->elems[i] : Py_None;
        Py_INCREF(k);
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
                         "impl", "classic", "go", go_version, "entries", h->count, "seed",
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

/* ---- maps.Clone (mapclone2, Go 1.23) -------------------------------------------------
 * HMap.clone in gomap/classic/hmap.py, statement by statement: makemap(len(m)) (clamped
 * to the source's bucket count when it is over the load factor, golang/go#69110), the
 * source's hash0, prepare(dst) (the accountant attaches there), then the quick copy of
 * a B = 0 bucket or moveToBmap per source chain, and the old buckets of a growth that are
 * not evacuated yet (moved, or re-inserted with mapassign when the old array is smaller
 * than the clone's). Ends with the clone event. */
static int clone_move(HMapObject *d, bmap **dstp, int *posp, bmap *src, Py_ssize_t *moved) {
    bmap *dst = *dstp;
    int pos = *posp;
    for (int i = 0; i < bucketCnt; i++) {
        if (src->tophash[i] <= emptyOne)
            continue;
        while (pos < bucketCnt && dst->tophash[pos] > emptyOne)
            pos++;
        if (pos == bucketCnt) {
            dst = newoverflow(d, dst);
            if (dst == NULL)
                return -1;
            pos = 0;
        }
        dst->tophash[pos] = src->tophash[i];
        Py_XINCREF(src->keys[i]);
        Py_XSETREF(dst->keys[pos], src->keys[i]);
        Py_XINCREF(src->elems[i]);
        Py_XSETREF(dst->elems[pos], src->elems[i]);
        pos++;
        d->count++;
        (*moved)++;
    }
    *dstp = dst;
    *posp = pos;
    return 0;
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

static int clone_fill(HMapObject *h, HMapObject *d) {
    int ik = layout_flag(h->layout, "indirect_key", 0);
    int ie = layout_flag(h->layout, "indirect_elem", 0);
    int nku = layout_flag(h->layout, "need_key_update", 1);
    if (ik < 0 || ie < 0 || nku < 0)
        return -1;
    int copy_keys = ik && nku;
    Py_ssize_t moved = 0, assigned = 0;
    if (h->B == 0 && !copy_keys && !ie) {
        /* Quick copy for small maps: the whole bucket, dead cells too. */
        d->buckets = barray_new(1);
        if (d->buckets == NULL)
            return -1;
        if (ACCT(d, acct_first_bucket(d->acct)) < 0 || EMIT_firstBucket(d) < 0)
            return -1;
        bmap *b = &d->buckets->b[0], *s0 = &h->buckets->b[0];
        memcpy(b->tophash, s0->tophash, bucketCnt);
        for (int i = 0; i < bucketCnt; i++) {
            Py_XINCREF(s0->keys[i]);
            Py_XSETREF(b->keys[i], s0->keys[i]);
            Py_XINCREF(s0->elems[i]);
            Py_XSETREF(b->elems[i], s0->elems[i]);
        }
        d->count = h->count;
        moved = h->count;
    } else {
        if (d->B == 0) {
            d->buckets = barray_new(1);
            if (d->buckets == NULL)
                return -1;
            if (ACCT(d, acct_first_bucket(d->acct)) < 0 || EMIT_firstBucket(d) < 0)
                return -1;
        }
        Py_ssize_t ndst = (Py_ssize_t)1 << d->B, nsrc = (Py_ssize_t)1 << h->B;
        if (ndst > nsrc) {
            PyErr_SetString(PyExc_RuntimeError, "maps.Clone: the clone has more buckets than "
                            "the source (golang/go#69110)");
            return -1;
        }
        for (Py_ssize_t i = 0; i < ndst; i++) {
            bmap *dst = &d->buckets->b[i];
            int pos = 0;
            for (Py_ssize_t j = 0; j < nsrc; j += ndst)
                for (bmap *src = &h->buckets->b[i + j]; src != NULL; src = src->overflow)
                    if (clone_move(d, &dst, &pos, src, &moved) < 0)
                        return -1;
        }
        if (h->oldbuckets != NULL) {
            int oldB = (h->flags & F_sameSizeGrow) ? h->B : h->B - 1;
            for (Py_ssize_t i = 0; i < ((Py_ssize_t)1 << oldB); i++) {
                bmap *src = &h->oldbuckets->b[i];
                if (evacuated(src))
                    continue;
                if (oldB >= d->B) {
                    bmap *dst = &d->buckets->b[i & (((Py_ssize_t)1 << d->B) - 1)];
                    while (dst->overflow != NULL)
                        dst = dst->overflow;
                    int pos = 0;
                    for (; src != NULL; src = src->overflow)
                        if (clone_move(d, &dst, &pos, src, &moved) < 0)
                            return -1;
                    continue;
                }
                for (; src != NULL; src = src->overflow) {
                    for (int c = 0; c < bucketCnt; c++) {
                        if (src->tophash[c] <= emptyOne)
                            continue;
                        PyObject *key = src->keys[c], *elem = src->elems[c];
                        Py_INCREF(key);
                        Py_INCREF(elem);
                        uint64_t hash;
                        int r = hm_hash(d, key, &hash);
                        if (r == 0)
                            r = hm__assign(d, hash, key, elem);
                        Py_DECREF(key);
                        Py_DECREF(elem);
                        if (r < 0)
                            return -1;
                        if (d->acct != NULL)
                            acct_inserted(d->acct);  /* mapassign: newobject key and elem */
                        assigned++;
                    }
                }
            }
        }
    }
    Py_ssize_t key_allocs = ik ? (copy_keys ? moved : 0) + assigned : 0;
    Py_ssize_t elem_allocs = ie ? moved + assigned : 0;
    acct_t *a = d->acct;
    if (a != NULL) {
        /* the moved entries (the assigned ones were counted by acct_inserted) */
        a->entries += moved;
        if (ik) {
            if (copy_keys)
                for (Py_ssize_t i = 0; i < moved; i++)
                    a_alloc(a, a->key_bytes);
            else
                a->live += moved * a->key_bytes;  /* shared with the source */
        }
        if (ie)
            for (Py_ssize_t i = 0; i < moved; i++)
                a_alloc(a, a->elem_bytes);
        a_settle(a);
    }
    return EMIT_clone(d, moved + assigned, key_allocs, elem_allocs);
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
    kw = Py_BuildValue("{s:O,s:O,s:O,s:O}", "hasher", hasher, "rand", rand, "layout",
                       h->layout, "subscribers", subs);
    pos = Py_BuildValue("(n)", hint);
    if (kw == NULL || pos == NULL)
        goto done;
    dst = PyObject_Call((PyObject *)Py_TYPE(h), pos, kw);  /* makemap: draws a seed */
    if (dst == NULL)
        goto done;
    HMapObject *d = (HMapObject *)dst;
    if (set_hash0(d, h->hash0) < 0)
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
    if (clone_fill(h, d) < 0)
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
    return Py_BuildValue("{s:n,s:L,s:L,s:n,s:n,s:O,s:n,s:O}", "op", op, "live_bytes",
                         (long long)h->acct->live, "allocated_bytes",
                         (long long)h->acct->allocated, "entries", h->count, "capacity",
                         h->buckets == NULL ? (Py_ssize_t)0 : (Py_ssize_t)bucketCnt << h->B,
                         "tombstones", Py_None, "overflow_buckets", h->overflow_used,
                         "growing", h->oldbuckets != NULL ? Py_True : Py_False);
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
    {"_replay", (PyCFunction)(void (*)(void))HMap_replay, METH_FASTCALL,
     "_replay(ops, i, stop, peak, peak_op, max_entries): the simulator's loop in C."},
    {"clone", (PyCFunction)(void (*)(void))HMap_clone, METH_VARARGS | METH_KEYWORDS,
     "clone(prepare=None): maps.Clone (mapclone2); prepare(dst) runs after makemap."},
    {NULL}};

static PyObject *get_count(HMapObject *h, void *c) { return PyLong_FromSsize_t(h->count); }
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
#define OBJ_GETTER(name)                                        \
    static PyObject *get_##name(HMapObject *h, void *c) {       \
        PyObject *o = h->name ? h->name : Py_None;              \
        Py_INCREF(o);                                           \
        return o;                                               \
    }
OBJ_GETTER(hasher)
OBJ_GETTER(rand)
OBJ_GETTER(subscribers)
OBJ_GETTER(layout)

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
    {"op", (getter)get_op, (setter)set_op,
     "not in Go: the number of the operation _replay is running", NULL},
    {NULL}};

static PyMappingMethods HMap_as_mapping = {
    (lenfunc)HMap_len, (binaryfunc)HMap_getitem, (objobjargproc)HMap_ass_sub};
static PySequenceMethods HMap_as_sequence = {
    .sq_contains = (objobjproc)HMap_contains};

static PyTypeObject HMapType = {
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

/* The iterator's prefetch distance, in main buckets (measured: 4 beats 1 and 2 on a
 * map of 10^6 int keys; benchmarks/bench_map.py). */
#define ITER_AHEAD 4
#define PREFETCH_CELLS(nb)                                   \
    do {                                                     \
        const bmap *pb_ = (nb);                              \
        for (int j_ = 0; j_ < bucketCnt; j_++) {             \
            if (pb_->tophash[j_] >= minTopHash) {            \
                __builtin_prefetch(pb_->keys[j_], 1);        \
                __builtin_prefetch(pb_->elems[j_], 1);       \
            }                                                \
        }                                                    \
    } while (0)

/* ---- iteration -------------------------------------------------------------------- */
typedef struct {
    PyObject_HEAD
    HMapObject *h;       /* NULL: nothing (more) to iterate */
    HMapObject *pending; /* a lazy iterator's map before its first step */
    int mode;            /* what tp_iternext yields: 0 (key, elem), 1 key */
    int lazy;            /* a GoMap iteration: ends for good at an exception */
    PyObject *result;    /* the last (key, elem) tuple, reused when nobody else holds it */
    int B;
    barray *buckets;     /* the array the iteration started on (a reference) */
    bmap *bptr;          /* current bucket (a reference) */
    uint64_t startBucket;
    uint64_t offset;
    int wrapped;
    int i;
    uint64_t bucket;
    uint64_t checkBucket;
} HIterObject;

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

/* mapiterinit, less its final mapiternext */
static int hiter_init_(HIterObject *it, HMapObject *h);

static int hiter_init(HIterObject *it, HMapObject *h) {
    int r = hiter_init_(it, h);
    if (h->acct != NULL)
        a_settle(h->acct);  /* as AccountedEngine.iterator */
    return r;
}

static int hiter_init_(HIterObject *it, HMapObject *h) {
    if (h->count == 0)
        return 0;  /* nothing to iterate; no random draw, no flag */
    Py_INCREF(h);
    it->h = h;
    it->B = h->B;
    it->buckets = h->buckets;
    it->buckets->refs++;
    uint64_t r;
    if (gomap_call_rand(h->rand, &r) < 0)
        return -1;
    it->startBucket = r & (((uint64_t)1 << h->B) - 1);
    it->offset = (r >> h->B) & (bucketCnt - 1);
    it->bucket = it->startBucket;
    h->flags |= F_iterator | F_oldIterator;
    if (h->acct != NULL && !h->pointers)
        acct_create_overflow(h->acct);  /* the overflow lists keep overflow buckets alive */
    return EMIT_iterInit(h, it->startBucket, it->offset, h->B);
}

static PyObject *HMap_iterator(HMapObject *h, PyObject *unused) {
    HIterObject *it = hiter_alloc();
    if (it == NULL)
        return NULL;
    if (hiter_init(it, h) < 0) {
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

/* mapiternext: 1 with the key and elem (new references), 0 at the end, -1 on error. */
static int hiter_next(HIterObject *it, PyObject **pk, PyObject **pe) {
    HMapObject *h = it->h;
    if (h == NULL)
        return 0;
    GOMAP_TOUCH(h);
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapIterationWriteError");
        return -1;
    }
    /* Hold the map and the iterator's array for the whole step: user code called
     * below (hasher, __eq__) may even step or end this iterator. */
    Py_INCREF(h);
    barray *itbuckets = it->buckets;
    itbuckets->refs++;
    uint64_t bucket = it->bucket;
    bmap *b = it->bptr;     /* the iterator's reference travels with b */
    it->bptr = NULL;
    int i = it->i;
    uint64_t checkBucket = it->checkBucket;
    uint64_t offset = it->offset;
    int itB = it->B;
    int result = 0;
    for (;;) {
        if (b == NULL) {
            if (bucket == it->startBucket && it->wrapped) {
                result = 0;
                goto out_end;
            }
            if (h->oldbuckets != NULL && itB == h->B) {
                uint64_t oldbucket = bucket & (uint64_t)(noldbuckets(h) - 1);
                b = &h->oldbuckets->b[oldbucket];
                if (!evacuated(b)) {
                    checkBucket = bucket;
                } else {
                    b = &itbuckets->b[bucket];
                    checkBucket = noCheck;
                }
            } else {
                b = &itbuckets->b[bucket];
                checkBucket = noCheck;
            }
            bucket_incref(b);
            bucket++;
            if (bucket == ((uint64_t)1 << itB)) {
                bucket = 0;
                it->wrapped = 1;
            }
            i = 0;
        }
        if (i == 0) {
            /* a new main bucket: fetch the key and elem objects ITER_AHEAD main
             * buckets on ahead of their use (at the first bucket: those up to there) */
            uint64_t mask = ((uint64_t)1 << itB) - 1;
            uint64_t cur = (bucket - 1) & mask;
            if (b == &itbuckets->b[cur]) {
                int from = cur == it->startBucket && !it->wrapped ? 0 : ITER_AHEAD;
                for (int d = from; d <= ITER_AHEAD; d++)
                    PREFETCH_CELLS(&itbuckets->b[(cur + (uint64_t)d) & mask]);
            }
        }
        while (i < bucketCnt) {
            int offi = (int)((i + offset) & (bucketCnt - 1));
            uint8_t top = b->tophash[offi];
            if (top <= emptyOne || top == evacuatedEmpty) {
                i++;
                continue;
            }
            PyObject *k = b->keys[offi];
            if (k == NULL) {  /* cannot happen in a consistent map */
                PyErr_SetString(PyExc_AssertionError, "bad map state: a live cell without key");
                goto error;
            }
            Py_INCREF(k);
            if (checkBucket != noCheck && !(h->flags & F_sameSizeGrow)) {
                int eq = gomap_self_cmp(k, Py_EQ);
                if (eq < 0) {
                    Py_DECREF(k);
                    goto error;
                }
                if (eq) {
                    uint64_t hash;
                    if (hm_hash(h, k, &hash) < 0) {
                        Py_DECREF(k);
                        goto error;
                    }
                    if ((hash & (((uint64_t)1 << itB) - 1)) != checkBucket) {
                        Py_DECREF(k);
                        i++;
                        continue;
                    }
                } else {
                    if ((checkBucket >> (itB - 1)) != (uint64_t)(top & 1)) {
                        Py_DECREF(k);
                        i++;
                        continue;
                    }
                }
            }
            int golden = top != evacuatedX && top != evacuatedY;
            if (!golden) {
                int ne = gomap_self_cmp(k, Py_NE);
                if (ne < 0) {
                    Py_DECREF(k);
                    goto error;
                }
                golden = ne;
            }
            if (golden) {
                *pk = k;
                *pe = b->elems[offi] ? b->elems[offi] : Py_None;
                Py_INCREF(*pe);
            } else {
                PyObject *t = HMap_lookup_key(h, k);
                Py_DECREF(k);
                if (t == NULL)
                    goto error;
                if (PyTuple_GET_ITEM(t, 0) != Py_True) {
                    Py_DECREF(t);
                    i++;
                    continue;
                }
                *pk = PyTuple_GET_ITEM(t, 1);
                *pe = PyTuple_GET_ITEM(t, 2);
                Py_INCREF(*pk);
                Py_INCREF(*pe);
                Py_DECREF(t);
            }
            it->bucket = bucket;
            bucket_decref(it->bptr);
            it->bptr = b;
            it->i = i + 1;
            it->checkBucket = checkBucket;
            barray_decref(itbuckets);
            Py_DECREF(h);
            return 1;
        }
        bmap *next = b->overflow;
        bucket_incref(next);
        bucket_decref(b);
        b = next;
        i = 0;
    }
error:
    /* the reference stores nothing back on an exception (bptr is restored by the
     * caller) */
    bucket_decref(b);
    barray_decref(itbuckets);
    Py_DECREF(h);
    return -1;
out_end:
    bucket_decref(b);
    if (it->h != NULL) {  /* end of iteration: self.h = None */
        HMapObject *hh = it->h;
        barray *a = it->buckets;
        it->h = NULL;
        it->buckets = NULL;
        barray_decref(a);
        Py_DECREF(hh);
    }
    barray_decref(itbuckets);
    Py_DECREF(h);
    return result;
}

static PyObject *HIter_next_method(HIterObject *it, PyObject *unused) {
    PyObject *k, *e;
    bmap *saved = it->bptr;
    bucket_incref(saved);
    int r = hiter_next(it, &k, &e);
    if (r < 0) {
        /* the reference leaves bptr unchanged when it raises */
        if (it->bptr == NULL && it->h != NULL) {
            it->bptr = saved;
            saved = NULL;
        }
        bucket_decref(saved);
        return NULL;
    }
    bucket_decref(saved);
    if (r == 0)
        Py_RETURN_NONE;
    PyObject *t = PyTuple_Pack(2, k, e);
    Py_DECREF(k);
    Py_DECREF(e);
    return t;
}

static PyObject *HIter_iternext(HIterObject *it) {
    if (it->pending != NULL) {
        HMapObject *h = it->pending;
        it->pending = NULL;
        int r = hiter_init(it, h);
        Py_DECREF(h);
        if (r < 0) {
            HIter_release(it);  /* as a generator that raised: over */
            return NULL;
        }
    }
    PyObject *k, *e;
    bmap *saved = it->bptr;
    bucket_incref(saved);
    int r = hiter_next(it, &k, &e);
    if (r < 0) {
        if (it->bptr == NULL && it->h != NULL) {
            it->bptr = saved;
            saved = NULL;
        }
        bucket_decref(saved);
        if (it->lazy)
            HIter_release(it);  /* as a generator that raised: over */
        return NULL;
    }
    bucket_decref(saved);
    if (r == 0)
        return NULL;
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

static PyTypeObject HIterType = {
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


/* ---- the simulator's loop (gomap_replay in module.c) ---------------------------------- */
static int replay_assign(PyObject *m, PyObject *key, PyObject *elem) {
    return hm_assign((HMapObject *)m, key, elem);
}

static int replay_lookup(PyObject *m, PyObject *key) {
    PyObject *k, *e;
    int r = hm_lookup((HMapObject *)m, key, &k, &e);
    if (r == 1) {
        Py_DECREF(k);
        Py_DECREF(e);
    }
    return r;
}

static int replay_delete(PyObject *m, PyObject *key) { return hm_delete((HMapObject *)m, key); }

static int replay_clear(PyObject *m) { return hm_clear((HMapObject *)m); }

static int replay_range(PyObject *m) {
    HIterObject *it = (HIterObject *)HMap_iterator((HMapObject *)m, NULL);
    if (it == NULL)
        return -1;
    PyObject *k, *e;
    int r;
    while ((r = hiter_next(it, &k, &e)) > 0) {
        Py_DECREF(k);
        Py_DECREF(e);
    }
    Py_DECREF(it);
    return r;
}

static Py_ssize_t replay_count(PyObject *m) { return ((HMapObject *)m)->count; }

static const int64_t *replay_live(PyObject *m) {
    acct_t *a = ((HMapObject *)m)->acct;
    return a == NULL ? NULL : &a->live;
}

static Py_ssize_t *replay_op(PyObject *m) { return &((HMapObject *)m)->op; }

static const gomap_replay_ops classic_replay_ops = {
    replay_assign, replay_lookup, replay_delete, replay_clear, replay_range, replay_count,
    replay_live, replay_op};

static PyObject *HMap_replay(HMapObject *h, PyObject *const *args, Py_ssize_t nargs) {
    return gomap_replay((PyObject *)h, &classic_replay_ops, args, nargs);
}

/* ---- GoMap's dunders in C ------------------------------------------------------------
 * gomap.GoMap keeps its engine in the slot _engine. install_gomap() replaces a few of
 * GoMap's methods by method descriptors of these functions: when the engine is a
 * native HMap, or another native engine (gomap_engine_ops: the Swiss map), they run
 * the operation directly (no Python frame, no (ok, v) tuple); otherwise they call the
 * original Python method, kept in fallbacks. */
static Py_ssize_t gomap_engine_offset = -1;
enum { FB_getitem, FB_setitem, FB_delitem, FB_contains, FB_get, FB_len, FB_lookup,
       FB_delete, FB_iter, FB_pairs, FB_N };
static PyObject *gomap_fallbacks[FB_N];
static const char *gomap_fallback_names[FB_N] = {"__getitem__", "__setitem__", "__delitem__",
    "__contains__", "get", "__len__", "lookup", "delete", "__iter__", "_pairs"};

static inline HMapObject *native_engine(PyObject *self) {
    PyObject *e = *(PyObject **)((char *)self + gomap_engine_offset);
    if (e != NULL && PyObject_TypeCheck(e, &HMapType))
        return (HMapObject *)e;
    return NULL;
}

static PyObject *fallback(int which, PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *stack[4];
    stack[0] = self;
    for (Py_ssize_t i = 0; i < nargs && i < 3; i++)
        stack[i + 1] = args[i];
    return PyObject_Vectorcall(gomap_fallbacks[which], stack, nargs + 1, NULL);
}

/* Another native engine (gomap_engine_ops, e.g. the Swiss map of swiss.c): its ops,
 * with a new reference to it in *pe; NULL when the engine is not native. */
static inline const gomap_engine_ops *other_engine(PyObject *self, PyObject **pe) {
    PyObject *e = *(PyObject **)((char *)self + gomap_engine_offset);
    if (e != NULL && PyObject_TypeCheck(e, gomap_swiss_ops.type)) {
        Py_INCREF(e);
        *pe = e;
        return &gomap_swiss_ops;
    }
    return NULL;
}

#define NATIVE_OR_FALLBACK(which, n)                                           \
    HMapObject *h = native_engine(self);                                       \
    PyObject *oe = NULL;                                                       \
    const gomap_engine_ops *ops = NULL;                                        \
    if (nargs != (n) || (h == NULL && (ops = other_engine(self, &oe)) == NULL)) \
        return fallback((which), self, args, nargs);

static PyObject *key_error(PyObject *key) {
    PyObject *t = PyTuple_Pack(1, key);
    if (t != NULL) {
        PyErr_SetObject(PyExc_KeyError, t);
        Py_DECREF(t);
    }
    return NULL;
}

static PyObject *gm_getitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_getitem, 1)
    if (ops == NULL)
        return HMap_getitem(h, args[0]);
    PyObject *e;
    int r = ops->lookup(oe, args[0], &e);
    Py_DECREF(oe);
    if (r < 0)
        return NULL;
    return r ? e : key_error(args[0]);
}

static PyObject *gm_setitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_setitem, 2)
    int r;
    if (ops == NULL) {
        r = hm_assign(h, args[0], args[1]);
    } else {
        r = ops->assign(oe, args[0], args[1]);
        Py_DECREF(oe);
    }
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_delitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_delitem, 1)
    if (ops == NULL) {
        if (HMap_ass_sub(h, args[0], NULL) < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    PyObject *e;
    int r = ops->lookup(oe, args[0], &e);
    if (r == 1) {
        Py_DECREF(e);
        r = ops->del(oe, args[0]);
    } else if (r == 0) {
        key_error(args[0]);
        r = -1;
    }
    Py_DECREF(oe);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_contains(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_contains, 1)
    int r;
    if (ops == NULL) {
        r = HMap_contains(h, args[0]);
    } else {
        PyObject *e;
        r = ops->lookup(oe, args[0], &e);
        Py_DECREF(oe);
        if (r == 1)
            Py_DECREF(e);
    }
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *gm_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HMapObject *h = native_engine(self);
    PyObject *oe = NULL;
    const gomap_engine_ops *ops = NULL;
    if (nargs < 1 || nargs > 2 || (h == NULL && (ops = other_engine(self, &oe)) == NULL))
        return fallback(FB_get, self, args, nargs);
    if (ops == NULL)
        return HMap_get(h, args, nargs);
    PyObject *e;
    int r = ops->lookup(oe, args[0], &e);
    Py_DECREF(oe);
    if (r < 0)
        return NULL;
    if (r == 0) {
        e = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(e);
    }
    return e;
}

static PyObject *gm_len(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_len, 0)
    if (ops == NULL)
        return PyLong_FromSsize_t(h->count);
    Py_ssize_t n = ops->len(oe);
    Py_DECREF(oe);
    return PyLong_FromSsize_t(n);
}

static PyObject *gm_lookup(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_lookup, 1)
    PyObject *k, *e;
    int r;
    if (ops == NULL) {
        r = hm_lookup(h, args[0], &k, &e);
        if (r == 1)
            Py_DECREF(k);
    } else {
        r = ops->lookup(oe, args[0], &e);
        Py_DECREF(oe);
    }
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(2, Py_None, Py_False);
    PyObject *t = PyTuple_Pack(2, e, Py_True);
    Py_DECREF(e);
    return t;
}

static PyObject *gm_delete(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_delete, 1)
    int r;
    if (ops == NULL) {
        r = hm_delete(h, args[0]);
    } else {
        r = ops->del(oe, args[0]);
        Py_DECREF(oe);
    }
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_iter(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_iter, 0)
    if (ops == NULL)
        return hiter_lazy(h, 1);
    PyObject *it = ops->iter(oe, 1);
    Py_DECREF(oe);
    return it;
}

static PyObject *gm_pairs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_pairs, 0)
    if (ops == NULL)
        return hiter_lazy(h, 0);
    PyObject *it = ops->iter(oe, 0);
    Py_DECREF(oe);
    return it;
}

#define GM_DEF(name, fn, doc) {name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, doc}
static PyMethodDef gomap_defs[FB_N] = {
    GM_DEF("__getitem__", gm_getitem, "m[key]"),
    GM_DEF("__setitem__", gm_setitem, "m[key] = value"),
    GM_DEF("__delitem__", gm_delitem, "del m[key]"),
    GM_DEF("__contains__", gm_contains, "key in m"),
    GM_DEF("get", gm_get, "m.get(key, default=None)"),
    GM_DEF("__len__", gm_len, "len(m)"),
    GM_DEF("lookup", gm_lookup, "Go's v, ok := m[key]: (elem, True) or (None, False)."),
    GM_DEF("delete", gm_delete, "Go's delete(m, key): removes key if present."),
    GM_DEF("__iter__", gm_iter, "iter(m): the keys, in Go's random order."),
    GM_DEF("_pairs", gm_pairs, "The (key, elem) pairs, in Go's random order."),
};

static PyObject *gomap_docs[FB_N];

static PyObject *install_gomap(PyObject *mod, PyObject *args) {
    PyObject *cls, *slot;
    if (!PyArg_ParseTuple(args, "O!O", &PyType_Type, &cls, &slot))
        return NULL;
    if (!PyObject_TypeCheck(slot, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "install_gomap: _engine must be a slot");
        return NULL;
    }
    PyMemberDef *md = ((PyMemberDescrObject *)slot)->d_member;
    if (md->type != T_OBJECT_EX && md->type != T_OBJECT) {
        PyErr_SetString(PyExc_TypeError, "install_gomap: _engine is not an object slot");
        return NULL;
    }
    if (gomap_engine_offset >= 0) {
        PyErr_SetString(PyExc_RuntimeError, "install_gomap: already installed");
        return NULL;
    }
    PyObject *descrs[FB_N];
    for (int i = 0; i < FB_N; i++) {
        PyObject *fb = PyObject_GetAttrString(cls, gomap_fallback_names[i]);
        if (fb == NULL)
            return NULL;
        gomap_fallbacks[i] = fb;
        /* The C method documents itself with the Python method's docstring (it names
           the errors it may raise); the string stays alive with the fallback. */
        PyObject *doc = PyObject_GetAttrString(fb, "__doc__");
        if (doc == NULL)
            return NULL;
        if (PyUnicode_Check(doc)) {
            const char *utf8 = PyUnicode_AsUTF8(doc);
            if (utf8 == NULL) {
                Py_DECREF(doc);
                return NULL;
            }
            gomap_defs[i].ml_doc = utf8;
            gomap_docs[i] = doc; /* keeps utf8 valid */
        } else {
            Py_DECREF(doc);
        }
        descrs[i] = PyDescr_NewMethod((PyTypeObject *)cls, &gomap_defs[i]);
        if (descrs[i] == NULL)
            return NULL;
    }
    gomap_engine_offset = md->offset;
    for (int i = 0; i < FB_N; i++) {
        int r = PyObject_SetAttrString(cls, gomap_fallback_names[i], descrs[i]);
        Py_DECREF(descrs[i]);
        if (r < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef classic_module_methods[] = {
    {"install_gomap", install_gomap, METH_VARARGS,
     "install_gomap(GoMap, GoMap._engine): run GoMap's hot methods in C on native engines."},
    {NULL}};

int gomap_classic_init(PyObject *module) {
    static const char *const cnames[EV_N] = EV_CNAMES;
    static const uint64_t bits[EV_N] = EV_BITS;
    if (gomap_events_init(module, "classic", cnames, bits, EV_N, gomap_classic_ev_names) < 0)
        return -1;
    if (PyModule_AddFunctions(module, classic_module_methods) < 0)
        return -1;
    PyObject *sc = PyImport_ImportModule("gomap.layout.sizeclasses");
    if (sc == NULL)
        return -1;
    roundupsize_fn = PyObject_GetAttrString(sc, "roundupsize");
    Py_DECREF(sc);
    if (roundupsize_fn == NULL)
        return -1;
    PyObject *hm = PyImport_ImportModule("gomap.classic.hmap");
    if (hm == NULL)
        return -1;
    go_version = PyObject_GetAttrString(hm, "GO_VERSION");
    Py_DECREF(hm);
    if (go_version == NULL)
        return -1;
    if (PyType_Ready(&HMapType) < 0 || PyType_Ready(&HIterType) < 0)
        return -1;
    Py_INCREF(&HMapType);
    if (PyModule_AddObject(module, "HMap", (PyObject *)&HMapType) < 0)
        return -1;
    Py_INCREF(&HIterType);
    if (PyModule_AddObject(module, "HIter", (PyObject *)&HIterType) < 0)
        return -1;
    return 0;
}
