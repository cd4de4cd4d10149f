/* GoMap's dunders in C, for every native engine.
 *
 * gomap.GoMap keeps its engine in the slot _engine. install_gomap() replaces a few of
 * GoMap's methods by method descriptors of these functions: when the engine is a
 * native one (an engine of gomap_engines: its gomap_engine_ops, native.h), they run the
 * operation directly (no Python frame, no (ok, v) tuple); otherwise they call the
 * original Python method, kept in fallbacks. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "native.h"

/* The native engines, in the order their types are tried. */
static const gomap_engine_ops *const gomap_engines[] = {&gomap_classic_ops, &gomap_swiss_ops};

static Py_ssize_t gomap_engine_offset = -1;
enum { FB_getitem, FB_setitem, FB_delitem, FB_contains, FB_get, FB_len, FB_lookup,
       FB_delete, FB_iter, FB_pairs, FB_N };
static PyObject *gomap_fallbacks[FB_N];
static const char *gomap_fallback_names[FB_N] = {"__getitem__", "__setitem__", "__delitem__",
    "__contains__", "get", "__len__", "lookup", "delete", "__iter__", "_pairs"};

/* The native engine of the GoMap self (a new reference in *pe) and its operations;
 * NULL when its engine is not native (a Python engine, or none yet). */
static inline const gomap_engine_ops *native_engine(PyObject *self, PyObject **pe) {
    PyObject *e = *(PyObject **)((char *)self + gomap_engine_offset);
    if (e == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(gomap_engines) / sizeof(gomap_engines[0]); i++) {
        const gomap_engine_ops *ops = gomap_engines[i];
        if (PyObject_TypeCheck(e, ops->type)) {
            Py_INCREF(e);
            *pe = e;
            return ops;
        }
    }
    return NULL;
}

static PyObject *fallback(int which, PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *stack[4];
    stack[0] = self;
    for (Py_ssize_t i = 0; i < nargs && i < 3; i++)
        stack[i + 1] = args[i];
    return PyObject_Vectorcall(gomap_fallbacks[which], stack, nargs + 1, NULL);
}

/* ops and e: the native engine of self; the Python method unless there is one and
 * nargs is in [lo, hi]. */
#define NATIVE_OR_FALLBACK(which, lo, hi)                                       \
    PyObject *e = NULL;                                                        \
    const gomap_engine_ops *ops = NULL;                                        \
    if (nargs < (lo) || nargs > (hi) || (ops = native_engine(self, &e)) == NULL) \
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
    NATIVE_OR_FALLBACK(FB_getitem, 1, 1)
    PyObject *v;
    int r = ops->lookup(e, args[0], &v);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    return r ? v : key_error(args[0]);
}

static PyObject *gm_setitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_setitem, 2, 2)
    int r = ops->assign(e, args[0], args[1]);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_delitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_delitem, 1, 1)
    PyObject *v;
    int r = ops->lookup(e, args[0], &v);
    if (r == 1) {
        Py_DECREF(v);
        r = ops->del(e, args[0]);
    } else if (r == 0) {
        key_error(args[0]);
        r = -1;
    }
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_contains(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_contains, 1, 1)
    PyObject *v;
    int r = ops->lookup(e, args[0], &v);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    if (r == 1)
        Py_DECREF(v);
    return PyBool_FromLong(r);
}

static PyObject *gm_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_get, 1, 2)
    PyObject *v;
    int r = ops->lookup(e, args[0], &v);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    if (r == 0) {
        v = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(v);
    }
    return v;
}

static PyObject *gm_len(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_len, 0, 0)
    Py_ssize_t n = ops->len(e);
    Py_DECREF(e);
    return PyLong_FromSsize_t(n);
}

static PyObject *gm_lookup(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_lookup, 1, 1)
    PyObject *v;
    int r = ops->lookup(e, args[0], &v);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    if (r == 0)
        return PyTuple_Pack(2, Py_None, Py_False);
    PyObject *t = PyTuple_Pack(2, v, Py_True);
    Py_DECREF(v);
    return t;
}

static PyObject *gm_delete(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_delete, 1, 1)
    int r = ops->del(e, args[0]);
    Py_DECREF(e);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *gm_iter(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_iter, 0, 0)
    PyObject *it = ops->iter(e, 1);
    Py_DECREF(e);
    return it;
}

static PyObject *gm_pairs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    NATIVE_OR_FALLBACK(FB_pairs, 0, 0)
    PyObject *it = ops->iter(e, 0);
    Py_DECREF(e);
    return it;
}

/* The type slots behind m[k], m[k] = v, del m[k], len(m), k in m and iter(m). Set on
 * GoMap itself once its dunders are the C methods above, they spare each operation the
 * generic slot's look-up of the dunder and the method call (slot_mp_ass_subscript and
 * the like); they run the same functions. A subclass gets the generic slots again
 * (Python sets them when the class is made), and so does GoMap if a dunder is
 * reassigned. */
static PyObject *gm_slot_getitem(PyObject *self, PyObject *key) {
    return gm_getitem(self, &key, 1);
}

static int gm_slot_ass(PyObject *self, PyObject *key, PyObject *value) {
    PyObject *args[2] = {key, value};
    PyObject *r = value == NULL ? gm_delitem(self, args, 1) : gm_setitem(self, args, 2);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static Py_ssize_t gm_slot_len(PyObject *self) {
    PyObject *r = gm_len(self, NULL, 0);
    if (r == NULL)
        return -1;
    Py_ssize_t n = PyLong_AsSsize_t(r);
    Py_DECREF(r);
    return n;
}

static int gm_slot_contains(PyObject *self, PyObject *key) {
    PyObject *r = gm_contains(self, &key, 1);
    if (r == NULL)
        return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

static PyObject *gm_slot_iter(PyObject *self) { return gm_iter(self, NULL, 0); }

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
    PyTypeObject *t = (PyTypeObject *)cls;
    if (t->tp_as_mapping == NULL || t->tp_as_sequence == NULL) {
        PyErr_SetString(PyExc_TypeError, "install_gomap: GoMap has no mapping slots");
        return NULL;
    }
    t->tp_as_mapping->mp_subscript = gm_slot_getitem;
    t->tp_as_mapping->mp_ass_subscript = gm_slot_ass;
    t->tp_as_mapping->mp_length = gm_slot_len;
    t->tp_as_sequence->sq_length = gm_slot_len;
    t->tp_as_sequence->sq_contains = gm_slot_contains;
    t->tp_iter = gm_slot_iter;
    PyType_Modified(t);
    Py_RETURN_NONE;
}

static PyMethodDef fastpath_methods[] = {
    {"install_gomap", install_gomap, METH_VARARGS,
     "install_gomap(GoMap, GoMap._engine): run GoMap's hot methods in C on native engines."},
    {NULL}};

int gomap_fastpath_init(PyObject *module) {
    return PyModule_AddFunctions(module, fastpath_methods);
}
