/* gomap._native.OpsReader: the ops-file reader in C (gomap.sim.ops.open_ops_reader).
 *
 * It reads a binary stream (anything with readinto: a file, a gzip or zstd stream,
 * stdin) in 1 MiB chunks, splits it into lines exactly as gomap.sim.ops.ops_file_lines
 * does (a line ends at \n, \r\n or a lone \r; a UTF-8 byte-order mark at the start of
 * line 1 is skipped), and yields the operations of gomap.ops as tuples (code, key), so
 * gomap_replay (module.c) runs them without any Python code per line. Nothing is kept
 * but the current chunk: memory does not grow with the file.
 *
 * The C path takes the lines it can read exactly: printable ASCII (and tabs), a
 * trailing "# comment" outside quotes, blank lines, `set|get|del KEY` whose KEY is a
 * plain decimal integer within the key type's range (kind 1) or a double-quoted string
 * without escapes or a raw `string` (kind 2), and `clear` / `iter`. Every other line
 * (make, other literals, anything that is an error, any other byte) goes to
 * slow(line_bytes, lineno, first), the Python reader's own per-line parser, which
 * returns the operation, None for a blank line, or raises OpsFileError: the errors are
 * the Python reader's by construction. tests/native/test_opsread.py holds both readers equal. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>
#include "native.h"

enum { R_MAKE, R_SET, R_GET, R_DEL, R_CLEAR, R_RANGE };
enum { KIND_OTHER = 0, KIND_INT = 1, KIND_STRING = 2 };
#define CHUNK (1 << 20)

typedef struct {
    PyObject_HEAD
    PyObject *source;    /* a binary stream with readinto */
    PyObject *slow;      /* slow(bytes, lineno, first) -> op tuple | None */
    int kind;
    long long lo;        /* KIND_INT: lo <= key <= hi (lo <= 0) */
    unsigned long long hi;
    char *buf;
    Py_ssize_t cap, start, end;
    int eof;
    Py_ssize_t lineno;
    int first;           /* no operation yet (make is allowed) */
    PyObject *pushed[2]; /* ops given back with unread(), yielded first (last in first) */
    int npushed;
} OpsReader;

static int fill(OpsReader *r) {
    /* more bytes after buf[end]: compact, grow when full; 0, or -1 with an exception */
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, (size_t)(r->end - r->start));
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        Py_ssize_t cap = r->cap * 2;
        char *nb = PyMem_Realloc(r->buf, (size_t)cap);
        if (nb == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->buf = nb;
        r->cap = cap;
    }
    PyObject *mv = PyMemoryView_FromMemory(r->buf + r->end, r->cap - r->end, PyBUF_WRITE);
    if (mv == NULL)
        return -1;
    PyObject *n = PyObject_CallMethod(r->source, "readinto", "O", mv);
    Py_DECREF(mv);
    if (n == NULL)
        return -1;
    Py_ssize_t got = n == Py_None ? 0 : PyLong_AsSsize_t(n);
    Py_DECREF(n);
    if (got < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_OSError, "readinto returned a negative count");
        return -1;
    }
    if (got > r->cap - r->end) {
        PyErr_SetString(PyExc_OSError, "readinto returned more than it was asked for");
        return -1;
    }
    if (got == 0)
        r->eof = 1;
    r->end += got;
    return 0;
}

/* Eight bytes at a time (SWAR): each test is exact about whether some byte of the word
 * matches (not about which). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t load8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}
static inline uint64_t has_zero(uint64_t w) { return (w - ONES) & ~w & HIGHS; }
static inline uint64_t has_byte(uint64_t w, unsigned char c) { return has_zero(w ^ (ONES * c)); }
static inline uint64_t has_less(uint64_t w, unsigned char n) {  /* some byte < n (n <= 128) */
    return (w - ONES * n) & ~w & HIGHS;
}
static inline uint64_t has_more(uint64_t w, unsigned char n) {  /* some byte > n (n <= 127) */
    return ((w + ONES * (127 - n)) | w) & HIGHS;
}

/* The next line (without its terminator) in *s, *n: 1, 0 at the end, -1 on error. */
static int next_line(OpsReader *r, const char **s, Py_ssize_t *n) {
    Py_ssize_t scanned = 0;  /* bytes of the current line already known not to end it */
    for (;;) {
        const char *b = r->buf + r->start;
        Py_ssize_t avail = r->end - r->start, i = scanned;
        while (i + 8 <= avail) {
            uint64_t w = load8(b + i);
            if (has_byte(w, '\n') | has_byte(w, '\r'))
                break;
            i += 8;
        }
        while (i < avail && b[i] != '\n' && b[i] != '\r')
            i++;
        if (i < avail) {
            Py_ssize_t skip = 1;
            if (b[i] == '\r') {
                if (i + 1 == avail && !r->eof) {  /* a \r\n may straddle the chunk */
                    scanned = i;
                    if (fill(r) < 0)
                        return -1;
                    continue;
                }
                if (i + 1 < avail && b[i + 1] == '\n')
                    skip = 2;
            }
            *s = b;
            *n = i;
            r->start += i + skip;
            return 1;
        }
        if (r->eof) {
            if (avail == 0)
                return 0;
            *s = b;
            *n = avail;
            r->start = r->end;
            return 1;
        }
        scanned = avail;
        if (fill(r) < 0)
            return -1;
    }
}


/* A plain decimal integer literal in [lo, hi]: 1 with the value in *v (int64), 2 with
 * it in *u (above int64's range), 0 when the text is anything else (the slow path
 * decides). */
static int int_key(OpsReader *r, const char *a, Py_ssize_t n, int64_t *v,
                   unsigned long long *u) {
    int neg = 0;
    if (*a == '+' || *a == '-') {
        neg = *a == '-';
        a++;
        n--;
    }
    if (n < 1 || n > 20 || (a[0] == '0' && n > 1))
        return 0;
    unsigned long long mag = 0;
    Py_ssize_t safe = n < 19 ? n : 19;  /* 19 digits cannot overflow 64 bits */
    for (Py_ssize_t i = 0; i < safe; i++) {
        unsigned d = (unsigned char)a[i] - '0';
        if (d > 9)
            return 0;
        mag = mag * 10 + d;
    }
    if (n == 20) {
        unsigned d = (unsigned char)a[19] - '0';
        if (d > 9 || __builtin_mul_overflow(mag, 10ULL, &mag) ||
            __builtin_add_overflow(mag, (unsigned long long)d, &mag))
            return 0;
    }
    if (!neg || mag == 0) {
        if (mag > r->hi)
            return 0;
        if (mag > (unsigned long long)INT64_MAX) {
            *u = mag;
            return 2;
        }
        *v = (int64_t)mag;
        return 1;
    }
    if (r->lo == 0 || mag > (unsigned long long)(-(r->lo + 1)) + 1)
        return 0;
    *v = mag == (1ULL << 63) ? INT64_MIN : -(int64_t)mag;
    return 1;
}

static PyObject *string_key(const char *a, Py_ssize_t n) {
    if (n < 2 || a[n - 1] != a[0] || (a[0] != '"' && a[0] != '`'))
        return NULL;
    for (Py_ssize_t i = 1; i < n - 1; i++) {
        char c = a[i];
        if (c == a[0] || (c == '\\' && a[0] == '"'))
            return NULL;
    }
    return PyUnicode_DecodeASCII(a + 1, n - 2, NULL);  /* checked: printable ASCII */
}

static PyObject *slow_line(OpsReader *r, const char *s, Py_ssize_t n) {
    PyObject *b = PyBytes_FromStringAndSize(s, n);
    if (b == NULL)
        return NULL;
    PyObject *ln = PyLong_FromSsize_t(r->lineno);
    if (ln == NULL) {
        Py_DECREF(b);
        return NULL;
    }
    PyObject *args[3] = {b, ln, r->first ? Py_True : Py_False};
    PyObject *op = PyObject_Vectorcall(r->slow, args, 3, NULL);
    Py_DECREF(b);
    Py_DECREF(ln);
    return op;
}

static inline int is_space(char c) { return c == ' ' || c == '\t'; }

/* The next operation, unboxed where it can be (the simulator's loop reads it so):
 * GOMAP_RAW_INT (*code; *ikey the int key of a set/get/del), GOMAP_RAW_OBJ (*code; *obj
 * the key, a new reference: a string, an int above int64, None for clear and iter),
 * GOMAP_RAW_OP (*obj a whole operation tuple, a new reference: from the slow path, or
 * given back), 0 at the end, -1 on error. */
static int OpsReader_step(OpsReader *r, int *code_out, int64_t *ikey, PyObject **obj) {
    if (r->npushed > 0) {
        *obj = r->pushed[--r->npushed];  /* the reference moves to the caller */
        return GOMAP_RAW_OP;
    }
    const char *s;
    Py_ssize_t n;
    int got;
    while ((got = next_line(r, &s, &n)) == 1) {
        r->lineno++;
        if (r->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3;
            n -= 3;
        }
        /* printable ASCII and tabs only; where the first # is */
        Py_ssize_t hash = -1, quotes_before = 0, len = n;
        int simple = 1;
        Py_ssize_t plain = 0;  /* s[:plain] is printable ASCII without # */
        while (plain + 8 <= n) {
            uint64_t w = load8(s + plain);
            if (has_less(w, 0x20) | has_more(w, 0x7e) | has_byte(w, '#'))
                break;
            if (has_byte(w, '"') | has_byte(w, '\'') | has_byte(w, '`'))
                quotes_before = 1;  /* (before any #: there is none up to here) */
            plain += 8;
        }
        for (Py_ssize_t i = plain; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                simple = 0;
                break;
            }
            if (hash < 0) {
                if (c == '#')
                    hash = i;
                else if (c == '"' || c == '\'' || c == '`')
                    quotes_before = 1;
            }
        }
        PyObject *key = NULL;
        int code = -1;
        int64_t iv;
        unsigned long long uv;
        if (!simple)
            goto slow;
        if (hash >= 0) {
            if (!quotes_before) {
                len = hash;
            } else {  /* _strip_comment: a # inside quotes stays */
                char quote = 0;
                Py_ssize_t i = 0;
                while (i < n) {
                    char c = s[i];
                    if (quote) {
                        if (c == '\\' && quote != '`') {
                            i += 2;
                            continue;
                        }
                        if (c == quote)
                            quote = 0;
                    } else if (c == '"' || c == '\'' || c == '`') {
                        quote = c;
                    } else if (c == '#') {
                        len = i;
                        break;
                    }
                    i++;
                }
            }
        }
        const char *t = s;
        while (len > 0 && is_space(*t)) {
            t++;
            len--;
        }
        while (len > 0 && is_space(t[len - 1]))
            len--;
        if (len == 0)
            continue;  /* blank or a comment */
        Py_ssize_t w = 0;
        while (w < len && t[w] != ' ')
            w++;
        const char *a = t + w;
        Py_ssize_t alen = len - w;
        while (alen > 0 && is_space(*a)) {
            a++;
            alen--;
        }
        if (w == 3 && (memcmp(t, "set", 3) == 0 || memcmp(t, "get", 3) == 0 ||
                       memcmp(t, "del", 3) == 0)) {
            if (alen == 0)
                goto slow;
            code = t[0] == 's' ? R_SET : t[0] == 'g' ? R_GET : R_DEL;
            if (r->kind == KIND_INT) {
                int k = int_key(r, a, alen, &iv, &uv);
                if (k == 1) {
                    r->first = 0;
                    *code_out = code;
                    *ikey = iv;
                    return GOMAP_RAW_INT;
                }
                if (k == 2) {
                    key = PyLong_FromUnsignedLongLong(uv);
                    if (key == NULL)
                        return -1;
                }
            } else if (r->kind == KIND_STRING) {
                key = string_key(a, alen);
            }
            if (key == NULL) {
                if (PyErr_Occurred())
                    return -1;
                goto slow;
            }
            r->first = 0;
            *code_out = code;
            *obj = key;
            return GOMAP_RAW_OBJ;
        }
        if (w == 5 && (memcmp(t, "clear", 5) == 0) && alen == 0) {
            r->first = 0;
            *code_out = R_CLEAR;
            *obj = Py_NewRef(Py_None);
            return GOMAP_RAW_OBJ;
        }
        if (w == 4 && (memcmp(t, "iter", 4) == 0) && alen == 0) {
            r->first = 0;
            *code_out = R_RANGE;
            *obj = Py_NewRef(Py_None);
            return GOMAP_RAW_OBJ;
        }
    slow: {
        PyObject *op = slow_line(r, s, n);
        if (op == NULL)
            return -1;
        if (op == Py_None) {
            Py_DECREF(op);
            continue;
        }
        r->first = 0;
        *obj = op;
        return GOMAP_RAW_OP;
    }
    }
    return got;  /* the end (0), or an error (-1) with the exception set */
}


static int opsread_step(PyObject *reader, int *code, int64_t *ikey, PyObject **obj) {
    return OpsReader_step((OpsReader *)reader, code, ikey, obj);
}

static PyObject *OpsReader_next(OpsReader *r) {
    return gomap_raw_next(opsread_step, (PyObject *)r);
}

static int OpsReader_init(OpsReader *r, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"source", "slow", "kind", "lo", "hi", NULL};
    PyObject *source, *slow;
    int kind = 0;
    long long lo = 0;
    unsigned long long hi = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|iLK", kwlist, &source, &slow, &kind,
                                     &lo, &hi))
        return -1;
    if (kind < KIND_OTHER || kind > KIND_STRING || lo > 0) {
        PyErr_SetString(PyExc_ValueError, "OpsReader: kind is 0, 1 or 2, and lo <= 0");
        return -1;
    }
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "OpsReader: slow must be callable");
        return -1;
    }
    if (r->buf == NULL) {
        r->buf = PyMem_Malloc(CHUNK);
        if (r->buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->cap = CHUNK;
    }
    Py_INCREF(source);
    Py_XSETREF(r->source, source);
    Py_INCREF(slow);
    Py_XSETREF(r->slow, slow);
    r->kind = kind;
    r->lo = lo;
    r->hi = hi;
    r->start = r->end = 0;
    r->eof = 0;
    r->lineno = 0;
    r->first = 1;
    while (r->npushed > 0)
        Py_CLEAR(r->pushed[--r->npushed]);
    return 0;
}

static PyObject *OpsReader_unread(OpsReader *r, PyObject *op) {
    if (r->npushed == 2) {
        PyErr_SetString(PyExc_ValueError, "OpsReader.unread: at most two ops are given back");
        return NULL;
    }
    Py_INCREF(op);
    r->pushed[r->npushed++] = op;
    Py_RETURN_NONE;
}

static int OpsReader_traverse(OpsReader *r, visitproc visit, void *arg) {
    Py_VISIT(r->source);
    Py_VISIT(r->slow);
    for (int i = 0; i < r->npushed; i++)
        Py_VISIT(r->pushed[i]);
    return 0;
}

static int OpsReader_clear(OpsReader *r) {
    Py_CLEAR(r->source);
    Py_CLEAR(r->slow);
    while (r->npushed > 0)
        Py_CLEAR(r->pushed[--r->npushed]);
    return 0;
}

static void OpsReader_dealloc(OpsReader *r) {
    PyObject_GC_UnTrack(r);
    OpsReader_clear(r);
    PyMem_Free(r->buf);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

static PyMethodDef OpsReader_methods[] = {
    {"unread", (PyCFunction)OpsReader_unread, METH_O,
     "unread(op): yield op next (at most two; the last given back comes first)."},
    {NULL}};

static PyMemberDef OpsReader_members[] = {
    {"lineno", T_PYSSIZET, offsetof(OpsReader, lineno), READONLY,
     "the number of the last line read"},
    {NULL}};

static PyTypeObject OpsReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gomap._native.OpsReader",
    .tp_doc = "OpsReader(source, slow, kind=0, lo=0, hi=0): the operations of an ops file "
              "read from the binary stream source (see opsread.c).",
    .tp_basicsize = sizeof(OpsReader),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)OpsReader_init,
    .tp_dealloc = (destructor)OpsReader_dealloc,
    .tp_traverse = (traverseproc)OpsReader_traverse,
    .tp_clear = (inquiry)OpsReader_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)OpsReader_next,
    .tp_methods = OpsReader_methods,
    .tp_members = OpsReader_members,
};


gomap_raw_step gomap_opsread_raw(PyObject *o) {
    return Py_TYPE(o) == &OpsReaderType ? opsread_step : NULL;
}

int gomap_opsread_init(PyObject *module) {
    return gomap_add_type(module, "OpsReader", &OpsReaderType);
}
