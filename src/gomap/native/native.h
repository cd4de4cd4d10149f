/* Shared declarations of the gomap._native extension. */
#ifndef GOMAP_NATIVE_H
#define GOMAP_NATIVE_H
#include <Python.h>
#include <stdint.h>

/* zlib.crc32(b) | zlib.crc32(b, 0x9E3779B9) << 32: gomap.hashing._stable_bytes_hash */
uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n);

int gomap_classic_init(PyObject *module);
int gomap_swiss_init(PyObject *module);

/* What GoMap's C fast paths (the bottom of classic.c) need of a native engine other
 * than the classic HMap: lookup (1 found with a new reference in *pe, 0 absent, -1
 * error), assign, delete (0 / -1), len, and a lazy iterator yielding (key, elem)
 * (mode 0) or keys (mode 1) that runs Iter.Init at its first step. */
typedef struct {
    PyTypeObject *type;
    int (*lookup)(PyObject *engine, PyObject *key, PyObject **pe);
    int (*assign)(PyObject *engine, PyObject *key, PyObject *elem);
    int (*del)(PyObject *engine, PyObject *key);
    Py_ssize_t (*len)(PyObject *engine);
    PyObject *(*iter)(PyObject *engine, int mode);
} gomap_engine_ops;

extern const gomap_engine_ops gomap_swiss_ops;

#endif
