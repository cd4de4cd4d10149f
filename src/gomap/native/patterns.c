/* gomap._native.PatternOps: the built-in workloads of gomap.sim.workloads, generated in
 * C with exactly the Python generators' sequence for the same seed.
 *
 * The Python side (Workload.ops) hands over what it computed: the generator and its
 * parameters, the key source (how key number i becomes a key: seq / random /
 * string:L, over an unbounded or a finite key space, see KeySource), and the state of
 * the workload's random.Random(seed) (getstate()), on which this file runs CPython's
 * own algorithms: MT19937 (genrand_uint32), random(), getrandbits(k), _randbelow(n)
 * (getrandbits of n.bit_length() bits until below n), randrange(n) and shuffle.
 * tests/native/test_patterns.py holds the two sequences equal. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include "native.h"

enum { G_FILL, G_DRAIN, G_CHURN, G_GROWSHRINK, G_MIX };
enum { K_RAW, K_STRING, K_FINITE };  /* key number -> raw value, _string(i), finite elem */
enum { P_MAKE, P_SET, P_GET, P_DEL, P_CLEAR, P_RANGE };
#define MT_N 624
#define MT_M 397
static const char ALPHABET[] = "abcdefghijklmnopqrstuvwxyz0123456789";

typedef struct {
    PyObject_HEAD
    /* random.Random */
    uint32_t mt[MT_N];
    int mti;
    /* keys */
    int kmode, as_str, seq, length;
    uint64_t salt, size;    /* size: K_FINITE's key space */
    int64_t lo;             /* K_FINITE int keys: (j - lo) % span + lo */
    uint64_t span;
    char *sbuf;
    /* the generator */
    int gen;
    long long hint;
    uint64_t a, b, c;       /* fill: n; drain: n, deletes; churn: size, cycles;
                               growshrink: high, low, cycles; mix: n, space */
    double cum[5];
    int cum_code[5], ncum;
    /* where it is */
    int started;
    uint64_t step, phase_i, cycle, nxt;
    int phase;
    uint64_t *arr;          /* drain: the order; churn, growshrink: the live key numbers */
    uint64_t arr_len;
    int has_pending;        /* churn: the SET after its DEL, of key number pending_ki */
    uint64_t pending_ki;
} PatternOps;

static uint32_t genrand(PatternOps *g) {
    static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
    uint32_t y, *mt = g->mt;
    if (g->mti >= MT_N) {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
        g->mti = 0;
    }
    y = mt[g->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

static double rand_random(PatternOps *g) {
    uint32_t a = genrand(g) >> 5, b = genrand(g) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

static uint64_t getrandbits(PatternOps *g, int k) {  /* 0 <= k <= 64 */
    if (k == 0)
        return 0;
    if (k <= 32)
        return genrand(g) >> (32 - k);
    uint64_t lo = genrand(g);
    uint64_t hi = genrand(g) >> (64 - k);
    return lo | (hi << 32);
}

static uint64_t randbelow(PatternOps *g, uint64_t n) {  /* n >= 1 */
    int k = 64 - __builtin_clzll(n);
    uint64_t r = getrandbits(g, k);
    while (r >= n)
        r = getrandbits(g, k);
    return r;
}

static uint64_t mix64(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static uint64_t permute_bits(uint64_t x, int bits, uint64_t salt) {
    uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
    int shift = (bits + 1) / 2 > 1 ? (bits + 1) / 2 : 1;
    static const uint64_t ks[3] = {0x9E3779B97F4A7C15ULL, 0xBF58476D1CE4E5B9ULL,
                                   0x94D049BB133111EBULL};
    x = (x ^ salt) & mask;
    for (int i = 0; i < 3; i++) {
        x = (x * ks[i]) & mask;
        x ^= x >> shift;
        x = (x + (salt >> 7)) & mask;
    }
    return x;
}

static PyObject *key_of(PatternOps *g, uint64_t i) {
    if (g->kmode == K_RAW) {
        uint64_t v = g->seq ? i : mix64(i ^ g->salt) >> 1;
        if (!g->as_str)
            return PyLong_FromUnsignedLongLong(v);
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        return PyUnicode_FromStringAndSize(buf, n);
    }
    if (g->kmode == K_STRING) {  /* KeySource._string */
        uint64_t x = mix64(i ^ g->salt);
        for (int j = 0; j < g->length; j++) {
            if (j && j % 12 == 0)
                x = mix64(x + (uint64_t)j);
            g->sbuf[j] = ALPHABET[x % 36];
            x /= 36;
        }
        return PyUnicode_FromStringAndSize(g->sbuf, g->length);
    }
    uint64_t j = i;
    if (!g->seq) {  /* permute(i, size, salt) */
        int bits = g->size > 1 ? 64 - __builtin_clzll(g->size - 1) : 1;
        j = permute_bits(i, bits, g->salt);
        while (j >= g->size)
            j = permute_bits(j, bits, g->salt);
    }
    if (g->as_str) {  /* the j-th string of length L, least significant digit first */
        for (int d = 0; d < g->length; d++) {
            g->sbuf[d] = ALPHABET[j % 36];
            j /= 36;
        }
        return PyUnicode_FromStringAndSize(g->sbuf, g->length);
    }
    uint64_t off = (j - (uint64_t)g->lo) % g->span;  /* (j - lo) % span + lo */
    return PyLong_FromLongLong((long long)(off + (uint64_t)g->lo));
}


/* A key number's key as an int64 (without an object): 1, or 0 when it is a string or
 * above int64's range (key_of makes it). */
static int key_raw(PatternOps *g, uint64_t i, int64_t *out) {
    if (g->as_str || g->kmode == K_STRING)
        return 0;
    if (g->kmode == K_RAW) {
        uint64_t v = g->seq ? i : mix64(i ^ g->salt) >> 1;
        if (v > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)v;
        return 1;
    }
    uint64_t j = i;
    if (!g->seq) {
        int bits = g->size > 1 ? 64 - __builtin_clzll(g->size - 1) : 1;
        j = permute_bits(i, bits, g->salt);
        while (j >= g->size)
            j = permute_bits(j, bits, g->salt);
    }
    uint64_t off = (j - (uint64_t)g->lo) % g->span;
    *out = (int64_t)(off + (uint64_t)g->lo);
    return 1;
}

enum { GEN_END = 0, GEN_KEY = 1, GEN_NOKEY = 2, GEN_MAKE = 3 };

/* The generator's next operation: GEN_KEY (*code, and *ki the number of its key:
 * key_of), GEN_NOKEY (*code: clear, iter), GEN_MAKE (the first), GEN_END, -1 on error. */
static int gen_next(PatternOps *g, int *code, uint64_t *ki) {
    if (!g->started) {
        g->started = 1;
        return GEN_MAKE;
    }
    if (g->has_pending) {  /* churn: the SET after its DEL */
        g->has_pending = 0;
        *code = P_SET;
        *ki = g->pending_ki;
        return GEN_KEY;
    }
#define KEY(c, i)          \
    do {                   \
        *code = (c);       \
        *ki = (i);         \
        return GEN_KEY;    \
    } while (0)
    switch (g->gen) {
    case G_FILL:
        if (g->step < g->a)
            KEY(P_SET, g->step++);
        return GEN_END;
    case G_DRAIN:
        if (g->step < g->a)
            KEY(P_SET, g->step++);
        if (g->phase == 0) {  /* order = list(range(n)); rng.shuffle(order) */
            g->phase = 1;
            g->arr = PyMem_Malloc((g->a ? g->a : 1) * sizeof(uint64_t));
            if (g->arr == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            for (uint64_t i = 0; i < g->a; i++)
                g->arr[i] = i;
            for (uint64_t i = g->a > 0 ? g->a - 1 : 0; i >= 1; i--) {
                uint64_t j = randbelow(g, i + 1), t = g->arr[i];
                g->arr[i] = g->arr[j];
                g->arr[j] = t;
            }
        }
        if (g->phase_i < g->b)
            KEY(P_DEL, g->arr[g->phase_i++]);
        return GEN_END;
    case G_CHURN:
        if (g->step < g->a)
            KEY(P_SET, g->step++);
        if (g->arr == NULL) {
            g->arr = PyMem_Malloc((g->a ? g->a : 1) * sizeof(uint64_t));
            if (g->arr == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            for (uint64_t i = 0; i < g->a; i++)
                g->arr[i] = i;
            g->nxt = g->a;
        }
        if (g->phase_i < g->b * g->a) {
            g->phase_i++;
            uint64_t j = randbelow(g, g->a), del = g->arr[j];
            g->arr[j] = g->nxt;
            g->has_pending = 1;
            g->pending_ki = g->nxt++;
            KEY(P_DEL, del);
        }
        return GEN_END;
    case G_GROWSHRINK:
        if (g->arr == NULL) {
            g->arr = PyMem_Malloc((g->a ? g->a : 1) * sizeof(uint64_t));
            if (g->arr == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        while (g->cycle < g->c) {
            if (g->phase == 0) {
                if (g->arr_len < g->a) {
                    g->arr[g->arr_len++] = g->nxt;
                    KEY(P_SET, g->nxt++);
                }
                g->phase = 1;
            }
            if (g->arr_len > g->b) {
                uint64_t j = randbelow(g, g->arr_len), t = g->arr[j];
                g->arr[j] = g->arr[g->arr_len - 1];
                g->arr[g->arr_len - 1] = t;
                KEY(P_DEL, g->arr[--g->arr_len]);
            }
            g->phase = 0;
            g->cycle++;
        }
        return GEN_END;
    case G_MIX:
        if (g->step >= g->a)
            return GEN_END;
        g->step++;
        {
            double x = rand_random(g);
            int c = g->cum_code[g->ncum - 1];
            for (int i = 0; i < g->ncum; i++) {
                if (x < g->cum[i]) {
                    c = g->cum_code[i];
                    break;
                }
            }
            if (c == P_RANGE || c == P_CLEAR) {
                *code = c;
                return GEN_NOKEY;
            }
            KEY(c, randbelow(g, g->c));
        }
    }
#undef KEY
    return GEN_END;
}

/* The next operation, unboxed where it can be (as the ops reader's OpsReader_step:
 * GOMAP_RAW_INT, GOMAP_RAW_OBJ, GOMAP_RAW_OP, 0 at the end, -1 on error). */
static int PatternOps_step(PatternOps *g, int *code, int64_t *ikey, PyObject **obj) {
    uint64_t ki;
    switch (gen_next(g, code, &ki)) {
    case GEN_MAKE:
        *obj = gomap_op_pair(P_MAKE, PyLong_FromLongLong(g->hint));
        return *obj == NULL ? -1 : GOMAP_RAW_OP;
    case GEN_NOKEY:
        *obj = Py_NewRef(Py_None);
        return GOMAP_RAW_OBJ;
    case GEN_KEY:
        if (key_raw(g, ki, ikey))
            return GOMAP_RAW_INT;
        *obj = key_of(g, ki);
        return *obj == NULL ? -1 : GOMAP_RAW_OBJ;
    case GEN_END:
        return 0;
    }
    return -1;
}

static int patterns_step(PyObject *src, int *code, int64_t *ikey, PyObject **obj) {
    return PatternOps_step((PatternOps *)src, code, ikey, obj);
}

static PyObject *PatternOps_next(PatternOps *g) {
    return gomap_raw_next(patterns_step, (PyObject *)g);
}

/* PatternOps(gen, hint, a, b, c, cum, state, kmode, as_str, seq, length, salt, size, lo,
 *            span): see Workload.ops. */
static int PatternOps_init(PatternOps *g, PyObject *args, PyObject *kwds) {
    int gen, kmode, as_str, seq, length;
    long long hint, lo;
    unsigned long long a, b, c, salt, size, span;
    PyObject *cum, *state;
    if (!PyArg_ParseTuple(args, "iLKKKOOiiiiKKLK", &gen, &hint, &a, &b, &c, &cum, &state,
                          &kmode, &as_str, &seq, &length, &salt, &size, &lo, &span))
        return -1;
    if (gen < G_FILL || gen > G_MIX || kmode < K_RAW || kmode > K_FINITE || length < 0 ||
        length > (1 << 16) || (kmode == K_FINITE && (size == 0 || (!as_str && span == 0))) ||
        (gen == G_MIX && c == 0)) {
        PyErr_SetString(PyExc_ValueError, "PatternOps: bad parameters");
        return -1;
    }
    /* random.Random.getstate()[1]: 624 words and the index */
    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != MT_N + 1) {
        PyErr_SetString(PyExc_ValueError, "PatternOps: state is Random.getstate()[1]");
        return -1;
    }
    for (int i = 0; i < MT_N; i++) {
        g->mt[i] = (uint32_t)PyLong_AsUnsignedLong(PyTuple_GET_ITEM(state, i));
    }
    g->mti = (int)PyLong_AsLong(PyTuple_GET_ITEM(state, MT_N));
    if (PyErr_Occurred())
        return -1;
    if (g->mti < 0 || g->mti > MT_N) {
        PyErr_SetString(PyExc_ValueError, "PatternOps: bad Random state index");
        return -1;
    }
    if (!PyTuple_Check(cum) || PyTuple_GET_SIZE(cum) > 5) {
        PyErr_SetString(PyExc_ValueError, "PatternOps: cum is a tuple of (bound, code)");
        return -1;
    }
    g->ncum = (int)PyTuple_GET_SIZE(cum);
    for (int i = 0; i < g->ncum; i++) {
        PyObject *p = PyTuple_GET_ITEM(cum, i);
        if (!PyArg_ParseTuple(p, "di", &g->cum[i], &g->cum_code[i]))
            return -1;
    }
    if (gen == G_MIX && g->ncum == 0) {
        PyErr_SetString(PyExc_ValueError, "PatternOps: mix needs its ratios");
        return -1;
    }
    PyMem_Free(g->sbuf);
    g->sbuf = PyMem_Malloc((size_t)length + 1);
    if (g->sbuf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(g->arr);
    g->arr = NULL;
    g->has_pending = 0;
    g->gen = gen;
    g->hint = hint;
    g->a = a;
    g->b = b;
    g->c = c;
    g->kmode = kmode;
    g->as_str = as_str;
    g->seq = seq;
    g->length = length;
    g->salt = salt;
    g->size = size;
    g->lo = lo;
    g->span = span;
    g->started = 0;
    g->step = g->phase_i = g->cycle = g->nxt = g->arr_len = 0;
    g->phase = 0;
    return 0;
}

static void PatternOps_dealloc(PatternOps *g) {
    PyMem_Free(g->arr);
    PyMem_Free(g->sbuf);
    Py_TYPE(g)->tp_free((PyObject *)g);
}

static PyTypeObject PatternOpsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gomap._native.PatternOps",
    .tp_doc = "A built-in workload's operations, generated in C (see patterns.c).",
    .tp_basicsize = sizeof(PatternOps),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)PatternOps_init,
    .tp_dealloc = (destructor)PatternOps_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)PatternOps_next,
};

gomap_raw_step gomap_patterns_raw(PyObject *o) {
    return Py_TYPE(o) == &PatternOpsType ? patterns_step : NULL;
}

int gomap_patterns_init(PyObject *module) {
    return gomap_add_type(module, "PatternOps", &PatternOpsType);
}
