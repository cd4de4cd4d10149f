/* The classic Go map (Go 1.23 runtime/map.go) in C: the algorithm, in map.go's order and
 * with its names, state-exact with the Python reference engine src/gomap/classic/hmap.py
 * and iter.py. The CPython type, getters, views and snapshot are in classic_type.c; the
 * heap accountant in classic_acct.c; the naming of the entry points in classic.h.
 *
 * Every operation follows the reference statement by statement, including the order in
 * which it calls the user's code (hasher, rand, subscribers, __eq__), so that a failing
 * callback leaves the same state in both backends.
 *
 * Memory: a bucket array (barray) is one allocation of its 2^B main buckets and the
 * pre-allocated overflow buckets behind them; it is reference counted because an
 * iterator may still walk an array the map has dropped (as Go's GC keeps it alive).
 * A separately allocated overflow bucket (newoverflow without a pre-allocated one)
 * is reference counted too; the link from the previous bucket of its chain owns one
 * reference. Cells own one reference to their key and elem.
 */
#include "classic.h"

static void bucket_clear_cells(bmap *b);
static barray *barray_new(Py_ssize_t n, int ikey);
static bmap *sep_new(int ikey);
static void set_overflow(bmap *b, bmap *ovf);
static int draw_hash0(HMapObject *h);
static int hm_hash(HMapObject *h, PyObject *key, uint64_t *out);
static int hm_hash_k(HMapObject *h, gkey key, uint64_t *out);
static int incrnoverflow(HMapObject *h);
static bmap *newoverflow(HMapObject *h, bmap *b);
static barray *makeBucketArray(HMapObject *h, int b, Py_ssize_t *nextOverflow);
static int find(bmap *b, uint8_t top, gkey key, bmap **fb, int *fi);
static int mapassign_locked(HMapObject *h, uint64_t hash, gkey key, PyObject *elem);
static int mapdelete_locked(HMapObject *h, uint64_t hash, gkey key);
static void markBucketsEmpty(barray *a, Py_ssize_t nmain);
static int mapclear_locked(HMapObject *h);
static int hashGrow(HMapObject *h);
static int growWork(HMapObject *h, uint64_t bucket);
static int evacuate(HMapObject *h, Py_ssize_t oldbucket);
static int advanceEvacuationMark(HMapObject *h, Py_ssize_t newbit);
static int moveToBmap(HMapObject *d, bmap **dstp, int *posp, bmap *src, Py_ssize_t *moved);

/* ---- buckets and arrays --------------------------------------------------------- */
static void bucket_clear_cells(bmap *b) {
    for (int i = 0; i < bucketCnt; i++) {
        kclear(b, i);
        Py_CLEAR(b->elems[i]);
    }
}

static barray *barray_new(Py_ssize_t n, int ikey) {
    barray *a = PyMem_Calloc(1, sizeof(barray) + (size_t)n * sizeof(bmap));
    if (a == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    a->refs = 1;
    a->n = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        a->b[i].owner = a;
        a->b[i].ikey = ikey;
    }
    return a;
}

void barray_decref(barray *a) {
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

static bmap *sep_new(int ikey) {
    bmap *b = PyMem_Calloc(1, sizeof(bmap));
    if (b == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    b->refs = 1;
    b->ikey = ikey;
    return b;
}

/* Drop one reference to a bucket allocated on its own; free the chain behind it
 * as far as nothing else holds it (iteratively: chains can be long). */
void sep_decref(bmap *b) {
    while (b != NULL && b->owner == NULL && --b->refs == 0) {
        bmap *next = b->overflow;
        b->overflow = NULL;
        bucket_clear_cells(b);
        PyMem_Free(b);
        b = next;
    }
}

/* Set b's overflow link (the link owns a reference to a bucket allocated on its own). */
static void set_overflow(bmap *b, bmap *ovf) {
    bmap *old = b->overflow;
    b->overflow = ovf;
    if (old != NULL && old->owner == NULL)
        sep_decref(old);
}

int set_hash0(HMapObject *h, uint32_t v) {
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

/* hasher(key, hash0) of a key as stored: an unboxed key hashes as the int it is (in
 * C for the default hasher, which needs no object: gomap_i64_pyhash is hash(int)). */
static int hm_hash_k(HMapObject *h, gkey key, uint64_t *out) {
    if (!h->ikey)
        return hm_hash(h, key.o, out);
    return gomap_hash_i64(h->fast_hash, h->hash0, h->hasher, h->hash0_obj, key.i, out);
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
        ovf = sep_new(h->ikey);
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

/* Make the empty map h store its keys unboxed (gkey.i) from now on: it and every
 * bucket it holds (all of them empty). 0, or -1 (ValueError: h holds entries or is
 * growing). */
int hm_set_unboxed(HMapObject *h) {
    if (h->ikey)
        return 0;
    if (h->count != 0 || h->oldbuckets != NULL) {
        PyErr_SetString(PyExc_ValueError, "only an empty map that is not growing can store "
                        "its keys unboxed");
        return -1;
    }
    barray *a = h->buckets;
    for (Py_ssize_t i = 0; a != NULL && i < a->n; i++)
        for (bmap *b = &a->b[i]; b != NULL; b = b->overflow) {
            for (int j = 0; j < bucketCnt; j++)
                Py_CLEAR(b->keys[j].o);  /* (deleted and cleared cells hold none) */
            b->ikey = 1;
        }
    h->ikey = 1;
    return 0;
}

/* ---- allocation ------------------------------------------------------------------- */
/* makemap: B chosen so that hint entries fit under the load factor; B > 0 allocates
 * the bucket array at once. (The hint is checked, and the layout read, by the glue.) */
int makemap(HMapObject *h, Py_ssize_t hint) {
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

static barray *makeBucketArray(HMapObject *h, int b, Py_ssize_t *nextOverflow) {
    Py_ssize_t base = (Py_ssize_t)1 << b;
    Py_ssize_t nbuckets = base;
    if (b >= 4) {
        nbuckets += (Py_ssize_t)1 << (b - 4);
        Py_ssize_t size = h->bucket_size;
        Py_ssize_t sz = size * nbuckets;
        Py_ssize_t upv;
        if (classic_roundupsize(sz, !h->pointers, &upv) < 0)
            return NULL;
        if (upv != sz)
            nbuckets = upv / size;
    }
    barray *a = barray_new(nbuckets, h->ikey);
    if (a == NULL)
        return NULL;
    *nextOverflow = nbuckets != base ? base : -1;
    return a;
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
static int find(bmap *b, uint8_t top, gkey key, bmap **fb, int *fi) {
    if (b->ikey) {  /* no user code runs: no bucket references needed */
        for (; b != NULL; b = b->overflow) {
            for (int i = 0; i < bucketCnt; i++) {
                if (b->tophash[i] == top && b->keys[i].i == key.i) {
                    bucket_incref(b);
                    *fb = b;
                    *fi = i;
                    return 1;
                }
            }
            if (memchr(b->tophash, emptyRest, bucketCnt) != NULL)
                break;
        }
        return 0;
    }
    bucket_incref(b);
    while (b != NULL) {
        for (int i = 0; i < bucketCnt; i++) {
            if (b->tophash[i] != top)
                continue;
            int r = keq(b->keys[i].o, key.o);
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

/* mapaccessK: 1 found (key as stored in *pk, elem in *pe: new references), 0 absent,
 * -1 error; no hashWriting check, no hashability check on an empty map (as Go's). pk
 * may be NULL. */
static int mapaccessK_k(HMapObject *h, gkey key, gkey *pk, PyObject **pe) {
    if (h->count == 0)
        return 0;
    uint64_t hash;
    if (hm_hash_k(h, key, &hash) < 0)
        return -1;
    bmap *fb;
    int fi;
    int r = find(bucket_for_read(h, hash), tophash(hash), key, &fb, &fi);
    if (r == 1) {
        if (pk != NULL) {
            *pk = fb->keys[fi];
            if (!fb->ikey)
                Py_INCREF(pk->o);
        }
        *pe = fb->elems[fi];
        Py_INCREF(*pe);
        bucket_decref(fb);
    }
    return r;
}

int mapaccessK(HMapObject *h, PyObject *key, PyObject **pk, PyObject **pe) {
    if (h->count == 0)
        return 0;
    gkey k, sk;
    if (hm_key(h, key, &k) < 0)
        return -1;
    int r = mapaccessK_k(h, k, &sk, pe);
    if (r == 1) {
        *pk = h->ikey ? PyLong_FromLongLong(sk.i) : sk.o;
        if (*pk == NULL) {
            Py_CLEAR(*pe);
            return -1;
        }
    }
    return r;
}

/* the simulator's get on an unboxed map: mapaccess2's checks, then mapaccessK;
 * 1 found (*pe a new reference), 0 absent, -1 error */
int hm_lookup_k(HMapObject *h, gkey key, PyObject **pe) {
    GOMAP_TOUCH(h);
    if (h->count == 0)
        return 0;
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapReadWriteError");
        return -1;
    }
    return mapaccessK_k(h, key, NULL, pe);
}


/* mapaccess2 (returning the key too): mapaccessK after Go's checks (the key's
 * hashability on an empty map, a concurrent write). 1 found (key and elem as new
 * references), 0 absent, -1 error. */
int mapaccess2(HMapObject *h, PyObject *key, PyObject **pk, PyObject **pe) {
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
    return mapaccessK(h, key, pk, pe);
}

/* ---- writing ---------------------------------------------------------------------- */
static int mapassign_locked(HMapObject *h, uint64_t hash, gkey key, PyObject *elem) {
    if (h->buckets == NULL) {
        h->buckets = barray_new(1, h->ikey);  /* newobject(t.Bucket) */
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
                int r = b->ikey ? b->keys[i].i == key.i : keq(b->keys[i].o, key.o);
                if (r < 0)
                    return -1;
                if (r) {
                    kset(b, i, key);
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
    kset(insertb, inserti, key);
    Py_INCREF(elem);
    Py_XSETREF(insertb->elems[inserti], elem);
    insertb->tophash[inserti] = top;
    h->count++;
    return 0;
}

/* the start of a write: GOMAP_BEGIN_WRITE over the hash of a key as stored */
static inline int hm_hash_kk(HMapObject *h, const gkey *key, uint64_t *out) {
    return hm_hash_k(h, *key, out);
}
GOMAP_BEGIN_WRITE_T(hm_begin_write, HMapObject, const gkey *, hm_hash_kk)

static int mapassign_k(HMapObject *h, gkey key, PyObject *elem) {
    GOMAP_TOUCH(h);
    uint64_t hash;
    if (hm_begin_write(h, &key, &hash) < 0)
        return -1;
    int r = mapassign_locked(h, hash, key, elem);
    h->writing = 0;
    return r;
}

int mapassign(HMapObject *h, PyObject *key, PyObject *elem) {
    gkey k;
    if (hm_key(h, key, &k) < 0)
        return -1;
    return mapassign_k(h, k, elem);
}

/* mapassign, and for an accounted map what AccountedEngine.assign adds around it */
int hm_assign_k(HMapObject *h, gkey key, PyObject *elem) {
    acct_t *a = h->acct;
    if (a == NULL)
        return mapassign_k(h, key, elem);
    Py_ssize_t n = h->count;
    int r = mapassign_k(h, key, elem);
    if (h->count != n)
        acct_inserted(a);
    a_settle(a);
    return r;
}

int hm_assign(HMapObject *h, PyObject *key, PyObject *elem) {
    gkey k;
    if (hm_key(h, key, &k) < 0)
        return -1;
    return hm_assign_k(h, k, elem);
}

static int mapdelete_locked(HMapObject *h, uint64_t hash, gkey key) {
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
    kclear(b, i);
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

static int mapdelete_k(HMapObject *h, gkey key) {
    GOMAP_TOUCH(h);
    if (h->count == 0)
        return h->ikey ? 0 : gomap_check_hashable(key.o);
    uint64_t hash;
    if (hm_begin_write(h, &key, &hash) < 0)
        return -1;
    int r = mapdelete_locked(h, hash, key);
    h->writing = 0;
    return r < 0 ? -1 : 0;
}

int mapdelete(HMapObject *h, PyObject *key) {
    gkey k;
    if (h->count == 0 && h->ikey)  /* as Go's: an empty map checks only hashability */
        return gomap_check_hashable(key);
    if (hm_key(h, key, &k) < 0)
        return -1;
    return mapdelete_k(h, k);
}

int hm_delete_k(HMapObject *h, gkey key) {
    acct_t *a = h->acct;
    if (a == NULL)
        return mapdelete_k(h, key);
    Py_ssize_t n = h->count;
    int r = mapdelete_k(h, key);
    if (h->count != n) {
        if (r < 0) {  /* accounted even so, as AccountedEngine's finally does */
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            if (acct_deleted(a, h->ikey, key) < 0)
                PyErr_Clear();
            PyErr_Restore(et, ev, tb);
        } else if (acct_deleted(a, h->ikey, key) < 0) {
            return -1;
        }
    }
    return r;
}

int hm_delete(HMapObject *h, PyObject *key) {
    gkey k;
    if (h->count == 0 && h->ikey)
        return mapdelete(h, key);
    if (hm_key(h, key, &k) < 0)
        return -1;
    return hm_delete_k(h, k);
}

/* ---- iteration -------------------------------------------------------------------- */
int mapiterinit(HIterObject *it, HMapObject *h) {
    if (h->count == 0)
        return 0;  /* nothing to iterate; no random draw, no flag */
    Py_INCREF(h);
    it->h = h;
    it->ikey = h->ikey;
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

int hm_iterinit(HIterObject *it, HMapObject *h) {
    int r = mapiterinit(it, h);
    if (h->acct != NULL)
        a_settle(h->acct);  /* as AccountedEngine.iterator */
    return r;
}

/* k, a key of a bucket of mode ik, in h's mode: 1 (*out), 0 h holds no such key, -1
 * error. The modes differ only for a bucket an iterator kept walking while its emptied
 * map turned unboxed: its object keys are int64 to h when they are ints in range. */
static int hm_key_from(HMapObject *h, int ik, gkey k, gkey *out) {
    if (ik == h->ikey) {
        *out = k;
        return 1;
    }
    if (ik || !PyLong_Check(k.o))  /* (ik: not reached, a map never turns back) */
        return 0;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(k.o, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    out->i = v;
    return !overflow;
}

/* mapiternext: 1 with the key as stored (*pk: a new reference to an object key; its
 * mode in it->ikey) and the elem (a new reference), 0 at the end, -1 on error. */
int mapiternext_k(HIterObject *it, gkey *pk, PyObject **pe) {
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
            /* the key, held (an object key: a reference) for the checks below */
            int ik = b->ikey;
            gkey k = b->keys[offi];
            if (!ik) {
                if (k.o == NULL) {  /* cannot happen in a consistent map */
                    PyErr_SetString(PyExc_AssertionError,
                                    "bad map state: a live cell without key");
                    goto error;
                }
                Py_INCREF(k.o);
            }
#define KDROP()               \
    do {                      \
        if (!ik)              \
            Py_DECREF(k.o);   \
    } while (0)
            if (checkBucket != noCheck && !(h->flags & F_sameSizeGrow)) {
                int eq = ik ? 1 : gomap_self_cmp(k.o, Py_EQ);  /* an int equals itself */
                if (eq < 0) {
                    KDROP();
                    goto error;
                }
                if (eq) {
                    uint64_t hash;
                    gkey hk;
                    int c = hm_key_from(h, ik, k, &hk);
                    if (c < 0 || (c > 0 && hm_hash_k(h, hk, &hash) < 0)) {
                        KDROP();
                        goto error;
                    }
                    if (c == 0 || (hash & (((uint64_t)1 << itB) - 1)) != checkBucket) {
                        KDROP();
                        i++;
                        continue;
                    }
                } else {
                    if ((checkBucket >> (itB - 1)) != (uint64_t)(top & 1)) {
                        KDROP();
                        i++;
                        continue;
                    }
                }
            }
            int golden = top != evacuatedX && top != evacuatedY;
            if (!golden) {
                int ne = ik ? 0 : gomap_self_cmp(k.o, Py_NE);
                if (ne < 0) {
                    KDROP();
                    goto error;
                }
                golden = ne;
            }
            if (golden) {
                *pk = k;  /* the reference moves to the caller */
                it->ikey = ik;
                *pe = b->elems[offi] ? b->elems[offi] : Py_None;
                Py_INCREF(*pe);
            } else {
                gkey rk, hk;
                PyObject *re;
                int r = hm_key_from(h, ik, k, &hk);
                if (r > 0)
                    r = mapaccessK_k(h, hk, &rk, &re);
                KDROP();
                if (r < 0)
                    goto error;
                if (r == 0) {
                    i++;
                    continue;
                }
                *pk = rk;
                it->ikey = h->ikey;
                *pe = re;
            }
#undef KDROP
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

int mapiternext(HIterObject *it, PyObject **pk, PyObject **pe) {
    gkey k;
    int r = mapiternext_k(it, &k, pe);
    if (r == 1) {
        *pk = it->ikey ? PyLong_FromLongLong(k.i) : k.o;
        if (*pk == NULL) {
            Py_CLEAR(*pe);
            return -1;
        }
    }
    return r;
}

/* ---- clearing --------------------------------------------------------------------- */
static void markBucketsEmpty(barray *a, Py_ssize_t nmain) {
    for (Py_ssize_t i = 0; i < nmain; i++)
        for (bmap *b = &a->b[i]; b != NULL; b = b->overflow)
            memset(b->tophash, emptyRest, bucketCnt);
}

static int mapclear_locked(HMapObject *h) {
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

int mapclear(HMapObject *h) {
    GOMAP_TOUCH(h);
    if (h->count == 0)
        return 0;
    if (h->writing) {
        gomap_concurrent_error("ConcurrentMapWriteError");
        return -1;
    }
    h->writing = 1;
    GOMAP_WRITE_WINDOW(h);
    int r = mapclear_locked(h);
    h->writing = 0;
    return r;
}

int hm_clear(HMapObject *h) {
    Py_ssize_t n = h->count;
    int r = mapclear(h);
    if (h->acct != NULL && h->count != n)
        acct_cleared(h->acct, n - h->count);
    return r;
}

/* ---- growth ----------------------------------------------------------------------- */
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

static int growWork(HMapObject *h, uint64_t bucket) {
    if (EMIT_growWork(h, bucket, h->nevacuate) < 0)
        return -1;
    if (evacuate(h, (Py_ssize_t)(bucket & (uint64_t)(noldbuckets(h) - 1))) < 0)
        return -1;
    if (h->oldbuckets != NULL)
        return evacuate(h, h->nevacuate);
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
        if (!same && !b0->ikey) {
            /* Not in Go: the hashes below read each key object, scattered in memory;
             * fetch them all first, so that their misses overlap. */
            for (bmap *b = b0; b != NULL; b = b->overflow)
                for (int i = 0; i < bucketCnt; i++)
                    if (b->tophash[i] >= minTopHash)
                        __builtin_prefetch(b->keys[i].o);
        }
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
                    uint64_t hash;
                    if (hm_hash_k(h, b->keys[i], &hash) < 0)
                        goto fail;
                    int nan = 0;
                    if (it_flag && !b->ikey) {
                        nan = gomap_self_cmp(b->keys[i].o, Py_NE);
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
            kcopy(dst, di, src, i);
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

/* ---- maps.Clone (mapclone2, Go 1.23) -------------------------------------------------
 * HMap.clone in gomap/classic/hmap.py, statement by statement: makemap(len(m)) (clamped
 * to the source's bucket count when it is over the load factor, golang/go#69110), the
 * source's hash0, prepare(dst) (the accountant attaches there), then the quick copy of
 * a B = 0 bucket or moveToBmap per source chain, and the old buckets of a growth that are
 * not evacuated yet (moved, or re-inserted with mapassign when the old array is smaller
 * than the clone's). Ends with the clone event. */
static int moveToBmap(HMapObject *d, bmap **dstp, int *posp, bmap *src, Py_ssize_t *moved) {
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
        kcopy(dst, pos, src, i);
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

int mapclone2(HMapObject *h, HMapObject *d, int ik, int ie, int nku) {
    int copy_keys = ik && nku;
    Py_ssize_t moved = 0, assigned = 0;
    if (h->B == 0 && !copy_keys && !ie) {
        /* Quick copy for small maps: the whole bucket, dead cells too. */
        d->buckets = barray_new(1, d->ikey);
        if (d->buckets == NULL)
            return -1;
        if (ACCT(d, acct_first_bucket(d->acct)) < 0 || EMIT_firstBucket(d) < 0)
            return -1;
        bmap *b = &d->buckets->b[0], *s0 = &h->buckets->b[0];
        memcpy(b->tophash, s0->tophash, bucketCnt);
        for (int i = 0; i < bucketCnt; i++) {
            kcopy(b, i, s0, i);
            Py_XINCREF(s0->elems[i]);
            Py_XSETREF(b->elems[i], s0->elems[i]);
        }
        d->count = h->count;
        moved = h->count;
    } else {
        if (d->B == 0) {
            d->buckets = barray_new(1, d->ikey);
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
                    if (moveToBmap(d, &dst, &pos, src, &moved) < 0)
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
                        if (moveToBmap(d, &dst, &pos, src, &moved) < 0)
                            return -1;
                    continue;
                }
                for (; src != NULL; src = src->overflow) {
                    for (int c = 0; c < bucketCnt; c++) {
                        if (src->tophash[c] <= emptyOne)
                            continue;
                        gkey key = src->keys[c];
                        PyObject *elem = src->elems[c];
                        if (!src->ikey)
                            Py_INCREF(key.o);
                        Py_INCREF(elem);
                        uint64_t hash;
                        int r = hm_hash_k(d, key, &hash);
                        if (r == 0)
                            r = mapassign_locked(d, hash, key, elem);
                        if (!src->ikey)
                            Py_DECREF(key.o);
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

/* ---- not in Go: the rebuilt-map census (gomap.memory.AccountedEngine.rebuilt_memory) ----
 * h: an empty accounted map just made with hint len(src), never written here. For every
 * key the started iterator of src yields, hash it under h and count it in its bucket.
 * Inserts without deletes fill each chain in turn, so mapassign would chain
 * Σ (c - 1) / 8 overflow buckets over the buckets with c >= 1 keys, whatever the order.
 * While noverflow stays below 2^min(B, 15) (below B = 16 it is that count; from 16 on it
 * is sampled, and drawn here as the copy would draw it), tooManyOverflowBuckets stays
 * false, and the hint keeps overLoadFactor false: the inserts do not grow the map, and
 * allocate exactly what is accounted here, as newoverflow and mapassign account it: the
 * first overflow buckets from the pre-allocated pool, the rest on the heap, the
 * overflow lists of pointer-free buckets, each entry's indirect objects. 1: accounted
 * (*nkeys keys); 0: not (a B == 0 map, or a same-size growth: the caller copies, from a
 * new iterator; after the draws of a sampled count, with later ones); -1: error. */
int hm_rebuild_census(HMapObject *h, HIterObject *it, Py_ssize_t *nkeys) {
    if (h->acct == NULL || h->count != 0 || h->buckets == NULL || h->oldbuckets != NULL)
        return 0;
    uint64_t nb = (uint64_t)1 << h->B;
    uint32_t *counts = PyMem_Calloc((size_t)nb, sizeof(uint32_t));
    if (counts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n = 0;
    for (;;) {
        gkey k;
        PyObject *e;
        int r = mapiternext_k(it, &k, &e);
        if (r <= 0) {
            if (r < 0)
                goto fail;
            break;
        }
        int kik = it->ikey;
        uint64_t hash;
        /* as hm_hash_k hashes it, whether h stores keys unboxed or not (the census
         * target need not be: its buckets are never written) */
        if (kik)
            r = gomap_hash_i64(h->fast_hash, h->hash0, h->hasher, h->hash0_obj, k.i, &hash);
        else
            r = hm_hash(h, k.o, &hash);
        gkey_drop(kik, k);
        Py_DECREF(e);
        if (r < 0)
            goto fail;
        counts[hash & (nb - 1)]++;
        n++;
    }
    int64_t novf = 0;
    for (uint64_t i = 0; i < nb; i++)
        if (counts[i] > 8)
            novf += (counts[i] - 1) / 8;
    PyMem_Free(counts);
    if (h->B < 16) {
        if (novf >= (int64_t)1 << h->B)
            return 0;
    } else if (novf >= (int64_t)1 << 15) {
        /* From B = 16 noverflow counts an overflow bucket with probability 2^(15-B),
         * drawn from the map's rand: draw as the copy's newoverflow calls would, in
         * the same order (nothing else draws during the copy). */
        uint32_t before = h->noverflow;
        for (int64_t i = 0; i < novf; i++)
            if (incrnoverflow(h) < 0)
                return -1;
        if (h->noverflow >= (uint32_t)1 << 15) {
            h->noverflow = before;  /* the copy starts from an empty map */
            return 0;
        }
    }
    Py_ssize_t pool = h->next_overflow < 0 ? 0 : h->buckets->n - h->next_overflow;
    for (int64_t i = 0; i < novf; i++)
        if (acct_newoverflow(h->acct, i < pool, h->pointers) < 0)
            return -1;
    for (Py_ssize_t i = 0; i < n; i++)
        acct_inserted(h->acct);
    a_settle(h->acct);
    *nkeys = n;
    return 1;
fail:
    PyMem_Free(counts);
    return -1;
}
