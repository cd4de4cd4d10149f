/* gomap._native: the C backend of gomap's engines (see classic.c). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "native.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* zlib's crc32(crc, buf, len) */
static uint32_t crc32_update(uint32_t crc, const unsigned char *s, size_t n) {
    uint32_t c = crc ^ 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ s[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n) {
    return (uint64_t)crc32_update(0, s, n) | ((uint64_t)crc32_update(0x9E3779B9u, s, n) << 32);
}

static PyObject *stable_bytes_hash(PyObject *mod, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t h = gomap_stable_bytes_hash(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(h);
}

/* ---- subscribers ------------------------------------------------------------------ */
PyTypeObject *gomap_filter_type;
Py_ssize_t gomap_filter_fn_off, gomap_filter_mask_off;
static PyObject *event_bits;  /* gomap.events.EVENT_BITS */

int gomap_event_bit(const char *name, uint64_t *bit) {
    PyObject *v = PyDict_GetItemString(event_bits, name);  /* borrowed */
    if (v == NULL) {
        PyErr_Format(PyExc_RuntimeError, "gomap._native emits an undeclared event %s", name);
        return -1;
    }
    *bit = PyLong_AsUnsignedLongLongMask(v);
    return PyErr_Occurred() ? -1 : 0;
}

int gomap_emit(PyObject *subs, PyObject *name, uint64_t bit, PyObject *details) {
    if (details == NULL)
        return -1;
    Py_INCREF(subs);
    int rc = 0;
    /* the list may change under us (a subscriber unsubscribing): re-read its size */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(subs); i++) {
        PyObject *fn = PyList_GET_ITEM(subs, i);
        if (Py_TYPE(fn) == gomap_filter_type) {
            if (!(gomap_filter_mask(fn) & bit))
                continue;
            fn = *(PyObject **)((char *)fn + gomap_filter_fn_off);
            if (fn == NULL)
                continue;
        }
        Py_INCREF(fn);
        PyObject *args[2] = {name, details};
        PyObject *r = PyObject_Vectorcall(fn, args, 2, NULL);
        Py_DECREF(fn);
        if (r == NULL) {
            rc = -1;
            break;
        }
        Py_DECREF(r);
    }
    Py_DECREF(subs);
    Py_DECREF(details);
    return rc;
}

PyObject *gomap_intern(const char *s) {
    return PyUnicode_InternFromString(s);  /* the reference is kept: immortal enough */
}

/* ---- the simulator's loop -------------------------------------------------------------
 * _replay(ops, i, stop, peak, peak_op, max_entries) runs the operations of the iterator
 * ops (gomap.ops tuples) as gomap.sim.simulate's loop does with Replayer.apply: SET
 * (an op without an elem stores None), GET, DEL, CLEAR, RANGE and DUMP, the
 * op number in the engine (the recorder reads it), the peak of the accounted live bytes
 * and the most entries after a SET. It stops after op number stop, at the end of ops,
 * or before an op it does not run (ITER, NEXT, STOP, MAKE, anything else), which it
 * hands back for Python to apply. Returns (i, pending op or None, ended, peak,
 * peak_op, max_entries); an exception propagates as from the Python loop. */
enum { OP_MAKE, OP_SET, OP_GET, OP_DEL, OP_CLEAR, OP_RANGE, OP_ITER, OP_NEXT, OP_STOP,
       OP_DUMP };

PyObject *gomap_replay(PyObject *m, const gomap_replay_ops *ops, PyObject *const *args,
                       Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "_replay(ops, i, stop, peak, peak_op, max_entries) takes 6 arguments");
        return NULL;
    }
    PyObject *it = args[0];
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    Py_ssize_t stop = PyLong_AsSsize_t(args[2]);
    long long peak = PyLong_AsLongLong(args[3]);
    Py_ssize_t peak_op = PyLong_AsSsize_t(args[4]);
    Py_ssize_t max_entries = PyLong_AsSsize_t(args[5]);
    if (PyErr_Occurred())
        return NULL;
    if (!PyIter_Check(it)) {
        PyErr_SetString(PyExc_TypeError, "_replay: ops must be an iterator");
        return NULL;
    }
    iternextfunc next = Py_TYPE(it)->tp_iternext;
    const int64_t *live = ops->live(m);
    Py_ssize_t *opno = ops->op(m);
    PyObject *pending = NULL;
    int ended = 0;
    while (i < stop) {
        PyObject *op = next(it);
        if (op == NULL) {
            if (PyErr_Occurred()) {
                if (!PyErr_ExceptionMatches(PyExc_StopIteration))
                    return NULL;
                PyErr_Clear();
            }
            ended = 1;
            break;
        }
        long code = -1;
        Py_ssize_t n = PyTuple_Check(op) ? PyTuple_GET_SIZE(op) : 0;
        if (n >= 1 && PyLong_CheckExact(PyTuple_GET_ITEM(op, 0))) {
            code = PyLong_AsLong(PyTuple_GET_ITEM(op, 0));
            if (code == -1 && PyErr_Occurred())
                PyErr_Clear();
        }
        int rc = 0;
        *opno = i + 1;
        switch (code) {
        case OP_SET:
            if (n == 2 || n == 3) {
                PyObject *elem = n == 3 ? PyTuple_GET_ITEM(op, 2) : Py_None;
                rc = ops->assign(m, PyTuple_GET_ITEM(op, 1), elem);
                Py_ssize_t count = ops->count(m);
                if (count > max_entries)
                    max_entries = count;
            } else {
                code = -1;
            }
            break;
        case OP_GET:
            if (n == 2)
                rc = ops->lookup(m, PyTuple_GET_ITEM(op, 1));
            else
                code = -1;
            break;
        case OP_DEL:
            if (n == 2)
                rc = ops->del(m, PyTuple_GET_ITEM(op, 1));
            else
                code = -1;
            break;
        case OP_CLEAR:
            rc = ops->clear(m);
            break;
        case OP_RANGE:
            rc = ops->range(m);
            break;
        case OP_DUMP:
            break;
        default:
            code = -1;
        }
        if (code == -1) {  /* not ours: Python applies it (or says what is wrong) */
            pending = op;
            break;
        }
        Py_DECREF(op);
        if (rc < 0)
            return NULL;
        i++;
        if (live != NULL && *live > peak) {
            peak = *live;
            peak_op = i;
        }
    }
    PyObject *res = Py_BuildValue("(nOOLnn)", i, pending ? pending : Py_None,
                                  ended ? Py_True : Py_False, peak, peak_op, max_entries);
    Py_XDECREF(pending);
    return res;
}

static Py_ssize_t slot_offset(PyObject *cls, const char *name) {
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (d == NULL)
        return -1;
    Py_ssize_t off = -1;
    if (PyObject_TypeCheck(d, &PyMemberDescr_Type))
        off = ((PyMemberDescrObject *)d)->d_member->offset;
    else
        PyErr_Format(PyExc_TypeError, "gomap.events.EventFilter.%s is not a slot", name);
    Py_DECREF(d);
    return off;
}

static int events_init(void) {
    PyObject *mod = PyImport_ImportModule("gomap.events");
    if (mod == NULL)
        return -1;
    PyObject *cls = PyObject_GetAttrString(mod, "EventFilter");
    Py_DECREF(mod);
    if (cls == NULL)
        return -1;
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "gomap.events.EventFilter is not a class");
        Py_DECREF(cls);
        return -1;
    }
    gomap_filter_type = (PyTypeObject *)cls;  /* the reference is kept */
    gomap_filter_fn_off = slot_offset(cls, "fn");
    gomap_filter_mask_off = slot_offset(cls, "mask");
    if (gomap_filter_fn_off < 0 || gomap_filter_mask_off < 0)
        return -1;
    mod = PyImport_ImportModule("gomap.events");
    if (mod == NULL)
        return -1;
    event_bits = PyObject_GetAttrString(mod, "EVENT_BITS");  /* the reference is kept */
    Py_DECREF(mod);
    if (event_bits == NULL)
        return -1;
    if (!PyDict_Check(event_bits)) {
        PyErr_SetString(PyExc_TypeError, "gomap.events.EVENT_BITS is not a dict");
        return -1;
    }
    return 0;
}

static PyMethodDef module_methods[] = {
    {"stable_bytes_hash", stable_bytes_hash, METH_O,
     "The C twin of gomap.hashing._stable_bytes_hash (for tests)."},
    {NULL}};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "gomap._native",
    "The C backend of gomap's engines: state-exact twins of the Python reference engines.",
    -1, module_methods};

PyMODINIT_FUNC PyInit__native(void) {
    crc_init();
    PyObject *m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    if (events_init() < 0 || gomap_classic_init(m) < 0 || gomap_swiss_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
