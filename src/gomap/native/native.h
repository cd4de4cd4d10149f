/* Shared declarations of the gomap._native extension. */
#ifndef GOMAP_NATIVE_H
#define GOMAP_NATIVE_H
#include <Python.h>
#include <stdint.h>

/* zlib.crc32(b) | zlib.crc32(b, 0x9E3779B9) << 32: gomap.hashing._stable_bytes_hash */
uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n);

int gomap_classic_init(PyObject *module);

#endif
