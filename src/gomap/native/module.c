/* gomap._native: the C backend of gomap's engines (see classic.c). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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
    if (gomap_classic_init(m) < 0 || gomap_swiss_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
