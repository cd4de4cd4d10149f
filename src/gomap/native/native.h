/* Shared declarations of the gomap._native extension. */
#ifndef GOMAP_NATIVE_H
#define GOMAP_NATIVE_H
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* zlib.crc32(b) | zlib.crc32(b, 0x9E3779B9) << 32: gomap.hashing._stable_bytes_hash */
uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n);

int gomap_classic_init(PyObject *module);
int gomap_swiss_init(PyObject *module);
int gomap_opsread_init(PyObject *module);  /* opsread.c: OpsReader */
/* A source of operations the simulator's loop reads without a tuple or an object per
 * operation (an OpsReader, a PatternOps): step(src, &code, &ikey, &obj) gives the next
 * one, GOMAP_RAW_INT (code, ikey: the int key of a set/get/del), GOMAP_RAW_OBJ (code,
 * obj: its key, a new reference: a string, an int above int64, None for clear and
 * iter), GOMAP_RAW_OP (obj: a whole operation tuple, a new reference), 0 at the end,
 * -1 on error. gomap_*_raw(o): o's step, or NULL when o is not one of theirs. */
enum { GOMAP_RAW_INT = 1, GOMAP_RAW_OBJ = 2, GOMAP_RAW_OP = 3 };
typedef int (*gomap_raw_step)(PyObject *src, int *code, int64_t *ikey, PyObject **obj);
gomap_raw_step gomap_opsread_raw(PyObject *o);   /* opsread.c */
/* The next operation of src as a gomap.ops tuple (its tp_iternext; module.c). */
PyObject *gomap_raw_next(gomap_raw_step step, PyObject *src);
gomap_raw_step gomap_patterns_raw(PyObject *o);  /* patterns.c */
int gomap_patterns_init(PyObject *module); /* patterns.c: PatternOps */

/* A key as a native engine stores it: a Python object (o), or, in a map made unboxed
 * (_unbox_int_keys: the simulator's maps of Go integer keys), the int64 itself (i), as
 * Go's map_fast64 stores it. Which one is the mode of the map, and of every bucket
 * (classic) or table (swiss) holding keys, so that freeing one needs no map. */
typedef union {
    PyObject *o;
    int64_t i;
} gkey;

/* key as a map of mode ikey stores it (borrowed for an object key). For an unboxed map
 * the key must be an int in int64's range (TypeError / OverflowError otherwise). 0 or
 * -1 (module.c). */
int gomap_key_in(int ikey, PyObject *key, gkey *out);

/* a key of mode ikey as a Python object (a new reference, or NULL) */
static inline PyObject *gkey_box(int ikey, gkey k) {
    if (ikey)
        return PyLong_FromLongLong(k.i);
    Py_INCREF(k.o);
    return k.o;
}

/* drop a reference held on a key of mode ikey (nothing for an unboxed key) */
static inline void gkey_drop(int ikey, gkey k) {
    if (!ikey)
        Py_DECREF(k.o);
}


/* A native engine's operations, as GoMap's C fast paths (fastpath.c) and the
 * simulator's loop (gomap_replay, module.c) call them: lookup (1 found with a new
 * reference in *pe, 0 absent, -1 error), assign, delete, clear (0 / -1), a whole range
 * loop, len, a lazy iterator yielding (key, elem) (mode 0) or keys (mode 1) that runs
 * Iter.Init at its first step, the accounted live bytes (NULL: not accounted) and where
 * the number of the replayed op goes. GOMAP_ENGINE_OPS writes them for an engine. */
typedef struct {
    PyTypeObject *type;
    int (*lookup)(PyObject *engine, PyObject *key, PyObject **pe);
    int (*assign)(PyObject *engine, PyObject *key, PyObject *elem);
    int (*del)(PyObject *engine, PyObject *key);
    int (*clear)(PyObject *engine);
    int (*range)(PyObject *engine);
    Py_ssize_t (*len)(PyObject *engine);
    PyObject *(*iter)(PyObject *engine, int mode);
    const int64_t *(*live)(PyObject *engine);
    Py_ssize_t *(*op)(PyObject *engine);
    /* a map whose keys are stored unboxed (int64: its _unbox_int_keys): 1 or 0; and its
     * lookup, assign and delete of such a key (on an unboxed map only) */
    int (*unboxed)(PyObject *engine);
    int (*lookup_i)(PyObject *engine, int64_t key, PyObject **pe);
    int (*assign_i)(PyObject *engine, int64_t key, PyObject *elem);
    int (*del_i)(PyObject *engine, int64_t key);
    /* not in Go: fetch the memory an operation on the int64 key of an unboxed map will
     * touch first (its bucket, its group), where the hash is the map's own C one; no
     * effect on the map. The simulator's loop calls it one operation ahead. */
    void (*prefetch_i)(PyObject *engine, int64_t key);
    /* the same for a str key of a map of object keys (the default hasher's C hash,
     * which draws nothing for a str) */
    void (*prefetch_o)(PyObject *engine, PyObject *key);
} gomap_engine_ops;

/* Define `const gomap_engine_ops NAME` for the engine whose map is the C type T (the
 * Python type TYPE, iterators of C type IT) from its functions: READY(T *) 0 or -1
 * (raising) before any operation, LOOKUP(T *, key, PyObject **pe) as lookup above,
 * ASSIGN, DELETE, CLEAR(T *, ...) its hm_/sm_ entry points, ITERATOR(T *) a new
 * started iterator, ITERNEXT(IT *, &k, &e) its step (1 with new references, 0 done,
 * -1), LAZY(T *, mode) the lazy iterator; COUNT, ACCT, OPNO name the fields of T
 * holding the entry count, the accountant (with a field live) and the op number;
 * UNBOXED the int field set when the keys are unboxed, LOOKUP_I, ASSIGN_I, DELETE_I as
 * LOOKUP, ASSIGN, DELETE for an int64 key of an unboxed map, PREFETCH_I(T *, key) and
 * PREFETCH_O(T *, key) its prefetch_i and prefetch_o. */
#define GOMAP_ENGINE_OPS(NAME, T, TYPE, IT, READY, LOOKUP, ASSIGN, DELETE, CLEAR, ITERATOR,  \
                         ITERNEXT, LAZY, COUNT, ACCT, OPNO, UNBOXED, LOOKUP_I, ASSIGN_I,     \
                         DELETE_I, PREFETCH_I, PREFETCH_O)                                  \
    static int NAME##_lookup(PyObject *m, PyObject *key, PyObject **pe) {                  \
        return READY((T *)m) < 0 ? -1 : LOOKUP((T *)m, key, pe);                           \
    }                                                                                      \
    static int NAME##_assign(PyObject *m, PyObject *key, PyObject *elem) {                 \
        return READY((T *)m) < 0 ? -1 : ASSIGN((T *)m, key, elem);                         \
    }                                                                                      \
    static int NAME##_delete(PyObject *m, PyObject *key) {                                 \
        return READY((T *)m) < 0 ? -1 : DELETE((T *)m, key);                               \
    }                                                                                      \
    static int NAME##_clear(PyObject *m) { return READY((T *)m) < 0 ? -1 : CLEAR((T *)m); } \
    static int NAME##_range(PyObject *m) {                                                 \
        if (READY((T *)m) < 0)                                                             \
            return -1;                                                                     \
        IT *it = (IT *)ITERATOR((T *)m);                                                   \
        if (it == NULL)                                                                    \
            return -1;                                                                     \
        PyObject *k, *e;                                                                   \
        int r;                                                                             \
        while ((r = ITERNEXT(it, &k, &e)) > 0) {                                           \
            Py_DECREF(k);                                                                  \
            Py_DECREF(e);                                                                  \
        }                                                                                  \
        Py_DECREF(it);                                                                     \
        return r;                                                                          \
    }                                                                                      \
    static Py_ssize_t NAME##_len(PyObject *m) { return ((T *)m)->COUNT; }                 \
    static PyObject *NAME##_iter(PyObject *m, int mode) { return LAZY((T *)m, mode); }     \
    static const int64_t *NAME##_live(PyObject *m) {                                       \
        return ((T *)m)->ACCT == NULL ? NULL : &((T *)m)->ACCT->live;                      \
    }                                                                                      \
    static Py_ssize_t *NAME##_op(PyObject *m) { return &((T *)m)->OPNO; }                 \
    static int NAME##_unboxed(PyObject *m) { return ((T *)m)->UNBOXED; }                    \
    static int NAME##_lookup_i(PyObject *m, int64_t key, PyObject **pe) {                  \
        return READY((T *)m) < 0 ? -1 : LOOKUP_I((T *)m, key, pe);                         \
    }                                                                                      \
    static int NAME##_assign_i(PyObject *m, int64_t key, PyObject *elem) {                 \
        return READY((T *)m) < 0 ? -1 : ASSIGN_I((T *)m, key, elem);                       \
    }                                                                                      \
    static int NAME##_delete_i(PyObject *m, int64_t key) {                                 \
        return READY((T *)m) < 0 ? -1 : DELETE_I((T *)m, key);                             \
    }                                                                                      \
    static void NAME##_prefetch_i(PyObject *m, int64_t key) { PREFETCH_I((T *)m, key); }    \
    static void NAME##_prefetch_o(PyObject *m, PyObject *key) { PREFETCH_O((T *)m, key); }  \
    const gomap_engine_ops NAME = {TYPE,           NAME##_lookup,   NAME##_assign,         \
                                   NAME##_delete,  NAME##_clear,    NAME##_range,          \
                                   NAME##_len,     NAME##_iter,     NAME##_live,           \
                                   NAME##_op,      NAME##_unboxed,  NAME##_lookup_i,       \
                                   NAME##_assign_i, NAME##_delete_i, NAME##_prefetch_i,     \
                                   NAME##_prefetch_o}

extern const gomap_engine_ops gomap_classic_ops; /* classic_type.c */
extern const gomap_engine_ops gomap_swiss_ops;   /* swiss_type.c */

/* m[k] = v (ops->assign) for every (k, v) pair of iterable: what an engine's _copy_from
 * does with an iterator other than its own (module.c). The pairs copied, or -1. */
Py_ssize_t gomap_copy_pairs(PyObject *m, const gomap_engine_ops *ops, PyObject *iterable);

int gomap_fastpath_init(PyObject *module); /* fastpath.c: install_gomap */

/* ---- Go's misuse detection across threads (not in Go, which needs no help: its writes
 * are not atomic). A native write holds the GIL from start to end, so no other thread
 * could ever see hashWriting set. Each engine records the first thread that touches it
 * (`owner`: the address of a thread-local byte); once another thread touches it (a read or a write),
 * it is `shared`, and every write opens a real window between setting and clearing
 * hashWriting: it releases the GIL and yields the CPU (gomap_write_window), so a racing
 * writer or reader runs inside the window and is caught as Go catches it
 * ("concurrent map writes", "concurrent map read and map write"). A map one thread
 * uses pays one pointer compare per operation. (A new thread whose thread-local block
 * reuses an ended thread's address counts as the same thread.) */
/* The calling thread, cheaply: the address of a thread-local byte (initial-exec TLS:
 * one fs-relative address, no call). One byte for the whole extension (module.c): every
 * file of an engine must see the same address for the same thread. */
extern __thread char gomap_thread_tag __attribute__((tls_model("initial-exec")));

#define GOMAP_TOUCH(m)                                                         \
    do {                                                                       \
        if (!(m)->shared) {                                                    \
            void *t_ = (void *)&gomap_thread_tag;                              \
            if ((m)->owner == NULL)                                            \
                (m)->owner = t_;                                               \
            else if ((m)->owner != t_)                                         \
                (m)->shared = 1;                                               \
        }                                                                      \
    } while (0)

void gomap_write_window(void);

/* Define `static inline int NAME(T *m, PyObject *key, uint64_t *hash)`: the start of a
 * Go map write (mapassign, mapdelete) on m, whose hash function is HASH(m, key, &hash):
 * "concurrent map writes" if a write is under way, the hash, the same check again (the
 * hasher ran user code: "Set hashWriting after calling t.hasher, since t.hasher may
 * panic"), then hashWriting (the field writing) set and, for a shared map, the write
 * window opened. 0, or -1 with an exception set. */
#define GOMAP_BEGIN_WRITE(NAME, T, HASH) GOMAP_BEGIN_WRITE_T(NAME, T, PyObject *, HASH)
/* The same, for keys of the C type KT (as the engine stores them: gkey). */
#define GOMAP_BEGIN_WRITE_T(NAME, T, KT, HASH)                                 \
    static inline int NAME(T *m, KT key, uint64_t *hash) {                     \
        if (m->writing)                                                        \
            goto busy;                                                         \
        if (HASH(m, key, hash) < 0)                                            \
            return -1;                                                         \
        if (m->writing)                                                        \
            goto busy;                                                         \
        m->writing = 1;                                                        \
        GOMAP_WRITE_WINDOW(m);                                                 \
        return 0;                                                              \
    busy:                                                                      \
        gomap_concurrent_error("ConcurrentMapWriteError");                     \
        return -1;                                                             \
    }

#define GOMAP_WRITE_WINDOW(m)                                                  \
    do {                                                                       \
        if ((m)->shared)                                                       \
            gomap_write_window();                                              \
    } while (0)

/* ---- subscribers (module.c): the engines' one emit path, as gomap.events.EventSource.
 * A subscriber is a callable fn(event, details), or a gomap.events.EventFilter, which
 * wants only the events whose bits are in its `mask`: an event nobody wants costs
 * one bit test and no details. */
extern PyTypeObject *gomap_filter_type;
extern Py_ssize_t gomap_filter_fn_off, gomap_filter_mask_off;

/* The bits an EventFilter wants (its `mask` slot: gomap.events.EVENT_BITS). */
static inline uint64_t gomap_filter_mask(PyObject *filter) {
    PyObject *mask = *(PyObject **)((char *)filter + gomap_filter_mask_off);
    if (mask == NULL || !PyLong_Check(mask))
        return 0;
    uint64_t m = PyLong_AsUnsignedLongLongMask(mask);
    if (m == (uint64_t)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return m;
}

/* Whether some subscriber in the list subs wants the event of bit `bit`
 * (gomap_event_bit of its name). */
static inline int gomap_wants(PyObject *subs, uint64_t bit) {
    if (subs == NULL)
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(subs);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *fn = PyList_GET_ITEM(subs, i);
        if (Py_TYPE(fn) != gomap_filter_type || (gomap_filter_mask(fn) & bit))
            return 1;
    }
    return 0;
}

/* Call every subscriber of subs that wants the event (name, of bit `bit`) with
 * (name, details), in order; steals details (NULL: an error building them). 0, or -1
 * with an exception set. */
int gomap_emit(PyObject *subs, PyObject *name, uint64_t bit, PyObject *details);

/* The bit of a declared event name (gomap.events.EVENT_BITS); -1 with an exception
 * set for a name that is not declared. */
int gomap_event_bit(const char *name, uint64_t *bit);

/* An engine's event table at import (its generated EV_CNAMES and EV_BITS, n events):
 * intern the names into names[], check every bit against gomap.events.EVENT_BITS
 * (ImportError: the extension was built from another events.py) and record the table
 * in the module's EVENT_TABLE[engine] as ((name, bit), ...) by event id. */
int gomap_events_init(PyObject *module, const char *engine, const char *const *cnames,
                      const uint64_t *bits, int n, PyObject **names);

/* ---- the simulator's loop (module.c) -----------------------------------------------
 * gomap_replay runs gomap.sim.simulate's loop over an iterator of gomap.ops tuples on
 * one engine, through its operations (see HMap._replay for the contract). */
PyObject *gomap_replay(PyObject *m, const gomap_engine_ops *ops, PyObject *const *args,
                       Py_ssize_t nargs);

/* a == b for two exact ints, as Python's `a == b` (in int64 range, without the generic
 * rich comparison and its bool). */
static inline int gomap_long_eq(PyObject *a, PyObject *b) {
    int oa, ob;
    long long x = PyLong_AsLongLongAndOverflow(a, &oa);
    if (oa == 0) {
        long long y = PyLong_AsLongLongAndOverflow(b, &ob);
        return ob == 0 && x == y;  /* (b out of range cannot equal a in range) */
    }
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* ---- hooks (module.c): the calls into user code that both engines make, in the
 * reference's order ------------------------------------------------------------------ */
/* rand() as a uint64 (TypeError unless it returns an int). */
int gomap_call_rand(PyObject *rand, uint64_t *out);
/* hasher(key, seed) as a uint64 (TypeError unless it returns an int). */
int gomap_call_hasher(PyObject *hasher, PyObject *key, PyObject *seed, uint64_t *out);
/* hash(key) for its error only: "hash of unhashable type T" as Go's runtime says. */
int gomap_check_hashable(PyObject *key);
/* Set gomap.errors.<name> (ConcurrentMapWriteError, ...); returns NULL. */
PyObject *gomap_concurrent_error(const char *name);
/* k == k (op Py_EQ) or k != k (Py_NE), as Python evaluates it. */
int gomap_self_cmp(PyObject *k, int op);

#define GOMAP_K1 0xBF58476D1CE4E5B9ULL

/* hasher(v, seed) of an unboxed key v, boxed for the Python hasher (module.c) */
int gomap_hash_i64_boxed(PyObject *hasher, PyObject *seed_obj, int64_t v, uint64_t *out);

/* hash(v) of a Python int v in int64's range, as CPython computes it (v mod 2^61 - 1,
 * with v's sign; -1 is -2): what the default hasher hashes for an unboxed key. */
static inline int64_t gomap_i64_pyhash(int64_t v) {
    const uint64_t P = ((uint64_t)1 << 61) - 1;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t r = (u & P) + (u >> 61);
    if (r >= P)
        r -= P;
    int64_t x = v < 0 ? -(int64_t)r : (int64_t)r;
    return x == -1 ? -2 : x;
}

/* hasher(v, seed) of an unboxed key v: the default hasher's (fast: the map's fast_hash)
 * in C, as for the int v is; else v boxed for the Python hasher. 0 or -1. (Inline: it is
 * on every operation of an unboxed map.) */
static inline int gomap_hash_i64(int fast, uint64_t seed, PyObject *hasher, PyObject *seed_obj,
                                 int64_t v, uint64_t *out) {
    if (fast) {
        uint64_t x = ((uint64_t)gomap_i64_pyhash(v) ^ seed) * GOMAP_K1;
        *out = x ^ (x >> 32);
        return 0;
    }
    return gomap_hash_i64_boxed(hasher, seed_obj, v, out);
}

/* DefaultHasher's hash of key computed in C, for the key types it treats specially
 * (int, str, float; NaN draws from hrand): 1 done, 0 not one of those (call the
 * Python hasher), -1 error. mode 2: the stable string hash. */
static inline int gomap_default_hash(int mode, PyObject *hrand, uint64_t seed, PyObject *key,
                                     uint64_t *out) {
    PyTypeObject *t = Py_TYPE(key);
    int64_t hv;
    if (t == &PyLong_Type) {
        hv = (int64_t)PyObject_Hash(key);
    } else if (t == &PyUnicode_Type) {
        if (mode == 2) {
            Py_ssize_t n;
            const char *s = PyUnicode_AsUTF8AndSize(key, &n);
            if (s == NULL) {  /* lone surrogates: the Python hasher copes */
                PyErr_Clear();
                return 0;
            }
            hv = (int64_t)gomap_stable_bytes_hash((const unsigned char *)s, (size_t)n);
        } else {
            hv = (int64_t)PyObject_Hash(key);
            if (hv == -1 && PyErr_Occurred())
                return -1;
        }
    } else if (t == &PyFloat_Type) {
        double d = PyFloat_AS_DOUBLE(key);
        if (d != d) {
            uint64_t r;
            if (gomap_call_rand(hrand, &r) < 0)
                return -1;
            hv = (int64_t)r;
        } else {
            hv = (int64_t)PyObject_Hash(key);
        }
    } else {
        return 0;
    }
    uint64_t x = ((uint64_t)hv ^ seed) * GOMAP_K1;
    *out = x ^ (x >> 32);
    return 1;
}

/* left == right, as Python's `left == right` (no identity shortcut for floats:
 * NaN != NaN). Each engine passes the operands in its reference's order. */
static inline int gomap_eq(PyObject *left, PyObject *right) {
    PyTypeObject *t = Py_TYPE(left);
    if (t == Py_TYPE(right)) {
        if (t == &PyLong_Type)
            return left == right || gomap_long_eq(left, right);
        if (t == &PyUnicode_Type) {
            if (left == right)
                return 1;
            if (PyUnicode_IS_READY(left) && PyUnicode_IS_READY(right)) {  /* unicode_eq */
                Py_ssize_t n = PyUnicode_GET_LENGTH(left);
                int kind = PyUnicode_KIND(left);
                return n == PyUnicode_GET_LENGTH(right) && kind == PyUnicode_KIND(right) &&
                       memcmp(PyUnicode_DATA(left), PyUnicode_DATA(right),
                              (size_t)n * (size_t)kind) == 0;
            }
            return PyObject_RichCompareBool(left, right, Py_EQ);
        }
        if (t == &PyFloat_Type)
            return PyFloat_AS_DOUBLE(left) == PyFloat_AS_DOUBLE(right);
    }
    Py_INCREF(left);
    Py_INCREF(right);
    PyObject *r = PyObject_RichCompare(left, right, Py_EQ);
    Py_DECREF(left);
    Py_DECREF(right);
    if (r == NULL)
        return -1;
    int ok = PyObject_IsTrue(r);
    Py_DECREF(r);
    return ok;
}

/* What a native iterator's tp_iternext yields for a (k, e) it owns: k (mode 1), or
 * the pair, in the tuple *result when nobody else holds it (as dict's items
 * iterator does). Steals k and e. */
static inline PyObject *gomap_iter_result(PyObject **result, int mode, PyObject *k,
                                          PyObject *e) {
    if (mode == 1) {
        Py_DECREF(e);
        return k;
    }
    PyObject *t = *result;
    if (t != NULL && Py_REFCNT(t) == 1) {
        Py_INCREF(t);
        PyObject *ok = PyTuple_GET_ITEM(t, 0), *oe = PyTuple_GET_ITEM(t, 1);
        PyTuple_SET_ITEM(t, 0, k);
        PyTuple_SET_ITEM(t, 1, e);
        Py_DECREF(ok);
        Py_DECREF(oe);
        if (!PyObject_GC_IsTracked(t))
            PyObject_GC_Track(t);
        return t;
    }
    t = PyTuple_New(2);
    if (t == NULL) {
        Py_DECREF(k);
        Py_DECREF(e);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, k);
    PyTuple_SET_ITEM(t, 1, e);
    Py_XSETREF(*result, t);
    Py_INCREF(t);
    return t;
}

/* What a lookup method returns for the look-up result r (k and e new references when
 * r is 1, stolen; k may be NULL): (True, e), or (True, k, e) with with_key; (False,
 * None[, None]) when absent (r 0); NULL on error (r -1). */
static inline PyObject *gomap_lookup_result(int r, PyObject *k, PyObject *e, int with_key) {
    if (r < 0)
        return NULL;
    if (r == 0)
        return with_key ? PyTuple_Pack(3, Py_False, Py_None, Py_None)
                        : PyTuple_Pack(2, Py_False, Py_None);
    PyObject *t = with_key ? PyTuple_Pack(3, Py_True, k, e) : PyTuple_Pack(2, Py_True, e);
    Py_XDECREF(k);
    Py_DECREF(e);
    return t;
}

/* What an iterator's next() returns for the step result r (k and e new references
 * when r is 1, stolen): (k, e), None at the end (r 0), NULL on error (r -1). */
static inline PyObject *gomap_iter_pair(int r, PyObject *k, PyObject *e) {
    if (r < 0)
        return NULL;
    if (r == 0)
        Py_RETURN_NONE;
    PyObject *t = PyTuple_Pack(2, k, e);
    Py_DECREF(k);
    Py_DECREF(e);
    return t;
}

/* The hooks a map is made with (HMap / SwissMap __init__): rand (None:
 * gomap.hashing.default_rand()), hasher (None: DefaultHasher(rand)), whether that is
 * the default hasher, computed in C then (*fast_hash 1, or 2 for the stable one,
 * *hrand its rand), and the subscriber list (subscribers, then observer). New
 * references in the out fields, which must be NULL; -1 on error (the caller clears
 * what was set, as its dealloc does). */
int gomap_init_hooks(PyObject *hasher, PyObject *rand, PyObject *observer,
                     PyObject *subscribers, PyObject **out_hasher, PyObject **out_rand,
                     PyObject **out_hrand, int *fast_hash, PyObject **out_subscribers);

/* The Go release the registry pins for engine (gomap.engines.get_engine(engine)
 * .go_version): a new reference, or NULL. The C code holds no release of its own. */
PyObject *gomap_pinned_release(const char *engine);

/* The Go release a map reports (snapshot()["go"], go_release): the release string of
 * go (a version string, or a gomap.versions.GoBehaviour: its release), or pinned when
 * go is None or NULL. A new reference, or NULL with an exception set. */
PyObject *gomap_go_release(PyObject *go, PyObject *pinned);

/* ---- module plumbing (module.c) ---------------------------------------------------- */
/* PyType_Ready(type), then module.name = type; 0 or -1. */
int gomap_add_type(PyObject *module, const char *name, PyTypeObject *type);
/* module.attr, imported (a new reference, or NULL). */
PyObject *gomap_import_attr(const char *module, const char *attr);
/* The operation (code, key), a gomap.ops tuple; steals key (NULL: an error making it). */
PyObject *gomap_op_pair(int code, PyObject *key);
/* One point of the simulator's timeline (gomap.sim.simulator.simulate's sample()):
 * {"op", "live_bytes", "allocated_bytes", "entries", "capacity", "tombstones",
 * "overflow_buckets", "growing"}, the keys interned once; tombstones and overflow are
 * a count, or -1 for None. A new reference, or NULL. */
PyObject *gomap_sample_point(Py_ssize_t op, long long live, long long allocated,
                             Py_ssize_t entries, Py_ssize_t capacity, Py_ssize_t tombstones,
                             Py_ssize_t overflow, int growing);
/* A getter of the object field `field` of the C type T: the object, or None. */
#define GOMAP_OBJ_GETTER(fn, T, field)                          \
    static PyObject *fn(T *self, void *closure) {               \
        PyObject *o = self->field ? self->field : Py_None;      \
        Py_INCREF(o);                                           \
        return o;                                               \
    }

/* An interned str, kept for the life of the process (NULL on error). */
PyObject *gomap_intern(const char *s);

#endif
