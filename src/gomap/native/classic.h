/* classic.h: what the classic engine's algorithm (classic_map.c), its heap accountant
 * (classic_acct.c) and its CPython glue (classic_type.c) share: Go's constants and
 * structs (bmap, the hmap, hiter), the small predicates of runtime/map.go, the events
 * (generated from gomap.events) and the entry points of the algorithm.
 *
 * Naming, for every operation of the map:
 * - Go's name (mapaccess2, mapassign, mapdelete, mapclear, mapiterinit, mapiternext,
 *   makemap, mapclone2): the Go function, all of it: the concurrent-use checks, the
 *   hash, setting and clearing hashWriting;
 * - Go's name + _locked (mapassign_locked, ...): its body once the hash is computed and
 *   hashWriting is set (static in classic_map.c);
 * - hm_<op> (hm_assign, hm_delete, hm_clear, hm_iterinit): what the glue and the
 *   simulator's loop call: the Go function plus what gomap.memory.AccountedEngine does
 *   around it (the entry count and the peak, for an accounted map).
 */
#ifndef GOMAP_CLASSIC_H
#define GOMAP_CLASSIC_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "native.h"

#define bucketCnt 8
enum { emptyRest = 0, emptyOne = 1, evacuatedX = 2, evacuatedY = 3, evacuatedEmpty = 4,
       minTopHash = 5 };
enum { F_iterator = 1, F_oldIterator = 2, F_hashWriting = 4, F_sameSizeGrow = 8 };
#define loadFactorNum 13
#define loadFactorDen 2
#define noCheck UINT64_MAX

typedef struct barray barray;

/* A key cell (gkey, native.h). A map's keys are Python objects (o), or, for a map of Go
 * integer keys made unboxed (HMap._unbox_int_keys: the simulator's typed maps), the
 * int64 itself (i), stored in the bucket as Go's map_fast64 stores it: no object per
 * key, nothing the cyclic GC visits, and growth copies words. Every bucket of a map has
 * the map's mode (bmap.ikey), so freeing one needs no map. */

typedef struct bmap {
    uint8_t tophash[bucketCnt];
    gkey keys[bucketCnt];
    PyObject *elems[bucketCnt];
    struct bmap *overflow;
    barray *owner;    /* the array holding this bucket; NULL: allocated on its own */
    int32_t refs;     /* references to a bucket allocated on its own */
    int32_t ikey;     /* keys are unboxed int64 (gkey.i) */
} bmap;

struct barray {
    Py_ssize_t refs;
    Py_ssize_t n;     /* buckets allocated: 2^B main + pre-allocated overflow */
    bmap b[];
};

/* ---- key cells: what a cell's mode changes (the rest of the engine is the same) */
/* store key in cell i of b (a new reference to an object key) */
static inline void kset(bmap *b, int i, gkey key) {
    if (b->ikey) {
        b->keys[i].i = key.i;
    } else {
        Py_INCREF(key.o);
        Py_XSETREF(b->keys[i].o, key.o);
    }
}

/* empty cell i of b */
static inline void kclear(bmap *b, int i) {
    if (b->ikey)
        b->keys[i].i = 0;
    else
        Py_CLEAR(b->keys[i].o);
}

/* copy cell si of src to cell di of dst (growth, clone: both of one map's mode) */
static inline void kcopy(bmap *dst, int di, const bmap *src, int si) {
    if (dst->ikey) {
        dst->keys[di].i = src->keys[si].i;
    } else {
        Py_XINCREF(src->keys[si].o);
        Py_XSETREF(dst->keys[di].o, src->keys[si].o);
    }
}

/* the key of cell i as a Python object (a new reference; NULL: no key, or an error) */
static inline PyObject *kbox(const bmap *b, int i) {
    if (b->ikey)
        return PyLong_FromLongLong(b->keys[i].i);
    Py_XINCREF(b->keys[i].o);
    return b->keys[i].o;
}

void barray_decref(barray *a);
void sep_decref(bmap *b);

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
    PyObject *go_release;  /* not in Go: the Go release the map was made for */
    int fast_hash;       /* 0: call hasher; 1: the default hasher; 2: the default, stable */
    PyObject *hrand;     /* the default hasher's rand (drawn from for NaN keys) */
    Py_ssize_t bucket_size;
    int pointers;
    PyObject *weakrefs;
    struct acct *acct;   /* the heap accountant, or NULL: not accounted */
    Py_ssize_t op;       /* not in Go: the number of the op being replayed (_replay) */
    int ikey;            /* keys are unboxed int64 (gkey.i): HMap._unbox_int_keys */
} HMapObject;

/* stored == key, as the reference's `stored == key` */
static inline int keq(PyObject *stored, PyObject *key) { return gomap_eq(stored, key); }

/* key as the map stores it (gomap_key_in) */
static inline int hm_key(HMapObject *h, PyObject *key, gkey *out) {
    if (!h->ikey) {
        out->o = key;
        return 0;
    }
    return gomap_key_in(1, key, out);
}

/* ---- events -----------------------------------------------------------------------
 * Every event the engine emits, by id; their names are interned once, so that a
 * filtered subscriber (gomap.events.EventFilter) costs one bit test per event. */
#define GOMAP_EVENTS_CLASSIC
#include "events_gen.h" /* EV_*, EMIT_*: generated from gomap.events by gen_events.py */

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

/* An accountant hook that fails (a user __hash__ raising in the retained set, a
 * size-class call failing) fails the operation, as the Python accountant's does. */
#define ACCT(h, call) ((h)->acct == NULL ? 0 : (call))

static inline Py_ssize_t noldbuckets(HMapObject *h) {
    int oldB = h->B;
    if (!(h->flags & F_sameSizeGrow))
        oldB--;
    return (Py_ssize_t)1 << oldB;
}

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
    int ikey;            /* the key mapiternext_k yielded last is unboxed (gkey.i) */
} HIterObject;

/* The iterator's prefetch distance, in main buckets (measured: 4 beats 1 and 2 on a
 * map of 10^6 int keys; benchmarks/bench_map.py). */
#define ITER_AHEAD 4
#define PREFETCH_CELLS(nb)                                   \
    do {                                                     \
        const bmap *pb_ = (nb);                              \
        for (int j_ = 0; j_ < bucketCnt; j_++) {             \
            if (pb_->tophash[j_] >= minTopHash) {            \
                if (!pb_->ikey)                              \
                    __builtin_prefetch(pb_->keys[j_].o, 1);  \
                __builtin_prefetch(pb_->elems[j_], 1);       \
            }                                                \
        }                                                    \
    } while (0)

/* mapiternext's common step, without its guards: the next live, not evacuated cell of
 * the iterator's current bucket, or of the main buckets after it, when no growth is
 * checked against (checkBucket is noCheck, so every such cell is golden). It moves on
 * to the next main bucket only as mapiternext_k would with nothing to check: from a
 * main bucket without overflow, while no growth is under way in the iterator's array
 * (or the iterator walks the old array of a growth started after it), and not at the
 * end. 1 with the key as stored (as mapiternext_k) and the elem; 0 when the slow path
 * must take the step: no bucket, an overflow chain, an evacuated cell, the end, a write
 * under way (mapiternext_k raises). It calls no user code (only increfs, and decrefs
 * of an array the iterator still holds), so no reference needs holding across it. */
static inline int mapiternext_inbucket(HIterObject *it, gkey *pk, PyObject **pe) {
    bmap *b = it->bptr;
    HMapObject *h = it->h;
    if (b == NULL || h == NULL || it->checkBucket != noCheck || h->writing)
        return 0;
    GOMAP_TOUCH(h);
    int i = it->i;
    uint64_t offset = it->offset;
    for (;;) {
        for (; i < bucketCnt; i++) {
            int offi = (int)((i + offset) & (bucketCnt - 1));
            uint8_t top = b->tophash[offi];
            if (top <= emptyOne || top == evacuatedEmpty)
                continue;
            if (top == evacuatedX || top == evacuatedY ||
                (!b->ikey && b->keys[offi].o == NULL))
                goto slow;
            gkey k = b->keys[offi];
            if (!b->ikey)
                Py_INCREF(k.o);
            *pk = k;
            it->ikey = b->ikey;
            *pe = b->elems[offi] ? b->elems[offi] : Py_None;
            Py_INCREF(*pe);
            it->i = i + 1;
            return 1;
        }
        /* the next main bucket, as mapiternext_k's b == NULL branch with noCheck */
        barray *a = it->buckets;
        uint64_t mask = ((uint64_t)1 << it->B) - 1;
        uint64_t bucket = it->bucket;
        if (b->overflow != NULL || b != &a->b[(bucket - 1) & mask] ||
            (h->oldbuckets != NULL && it->B == h->B) ||
            (bucket == it->startBucket && it->wrapped))
            goto slow;
        bmap *nb = &a->b[bucket];
        bucket_incref(nb);
        bucket_decref(b);  /* a main bucket of a: a's count, held by the iterator too */
        b = it->bptr = nb;
        if (++bucket == mask + 1) {
            bucket = 0;
            it->wrapped = 1;
        }
        it->bucket = bucket;
        PREFETCH_CELLS(&a->b[(bucket - 1 + ITER_AHEAD) & mask]);
        i = 0;
    }
slow:
    it->i = i;  /* the cells passed are empty: the slow path goes on from here */
    return 0;
}

extern PyTypeObject HMapType;
extern PyTypeObject HIterType;

/* ---- the algorithm (classic_map.c, in runtime/map.go's order) */
void barray_decref(barray *a);
void sep_decref(bmap *b);
int set_hash0(HMapObject *h, uint32_t v);
int makemap(HMapObject *h, Py_ssize_t hint);
int hm_set_unboxed(HMapObject *h);
int mapaccessK(HMapObject *h, PyObject *key, PyObject **pk, PyObject **pe);
/* the simulator loop's entry points for an unboxed map: a key as stored (gkey) */
int hm_lookup_k(HMapObject *h, gkey key, PyObject **pe);
int hm_assign_k(HMapObject *h, gkey key, PyObject *elem);
int hm_delete_k(HMapObject *h, gkey key);
int mapaccess2(HMapObject *h, PyObject *key, PyObject **pk, PyObject **pe);
int mapassign(HMapObject *h, PyObject *key, PyObject *elem);
int hm_assign(HMapObject *h, PyObject *key, PyObject *elem);
int mapdelete(HMapObject *h, PyObject *key);
int hm_delete(HMapObject *h, PyObject *key);
int mapiterinit(HIterObject *it, HMapObject *h);
int hm_iterinit(HIterObject *it, HMapObject *h);
int mapiternext(HIterObject *it, PyObject **pk, PyObject **pe);
int mapiternext_k(HIterObject *it, gkey *pk, PyObject **pe);
int mapclear(HMapObject *h);
int hm_clear(HMapObject *h);
int mapclone2(HMapObject *h, HMapObject *d, int ik, int ie, int nku);
/* not in Go: the rebuilt-map census (AccountedEngine.rebuilt_memory) */
int hm_rebuild_census(HMapObject *h, HIterObject *it, Py_ssize_t *nkeys);

/* ---- what the algorithm asks of the glue (classic_type.c) */
/* Go's roundupsize(size, noscan): the allocator's size class of a bucket array. */
int classic_roundupsize(Py_ssize_t size, int noscan, Py_ssize_t *out);

/* ---- the heap accountant (classic_acct.c) */
int a_array_bytes(acct_t *a, Py_ssize_t n, int64_t *out);
void acct_free(acct_t *a);
int acct_first_bucket(acct_t *a);
void acct_create_overflow(acct_t *a);
int acct_newoverflow(acct_t *a, int prealloc, int pointers);
int acct_hash_grow(acct_t *a, HMapObject *h);
int acct_evacuate(acct_t *a, HMapObject *h, bmap *b0, int cleared);
void acct_free_old(acct_t *a);
void acct_clear(acct_t *a);
void acct_inserted(acct_t *a);
int acct_deleted(acct_t *a, int ikey, gkey key);
void acct_cleared(acct_t *a, Py_ssize_t n);

#endif
