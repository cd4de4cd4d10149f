/* Shared declarations of the gomap._native extension. */
#ifndef GOMAP_NATIVE_H
#define GOMAP_NATIVE_H
#include <Python.h>
#include <stdint.h>

/* zlib.crc32(b) | zlib.crc32(b, 0x9E3779B9) << 32: gomap.hashing._stable_bytes_hash */
uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n);

int gomap_classic_init(PyObject *module);

/* ---- subscribers (module.c): the engines' one emit path, as gomap.events.EventSource.
 * A subscriber is a callable fn(event, details), or a gomap.events.EventFilter, which
 * wants only the events in its frozenset `events`: an event nobody wants costs no
 * details. */
extern PyTypeObject *gomap_filter_type;
extern Py_ssize_t gomap_filter_fn_off, gomap_filter_events_off;

/* Whether some subscriber in the list subs wants event `name` (an interned str). */
static inline int gomap_wants(PyObject *subs, PyObject *name) {
    if (subs == NULL)
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(subs);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *fn = PyList_GET_ITEM(subs, i);
        if (Py_TYPE(fn) != gomap_filter_type)
            return 1;
        PyObject *ev = *(PyObject **)((char *)fn + gomap_filter_events_off);
        if (ev != NULL && PySet_Contains(ev, name) == 1)
            return 1;
    }
    return 0;
}

/* Call every subscriber of subs that wants `name` with (name, details), in order;
 * steals details (NULL: an error building them). 0, or -1 with an exception set. */
int gomap_emit(PyObject *subs, PyObject *name, PyObject *details);

/* An interned str, kept for the life of the process (NULL on error). */
PyObject *gomap_intern(const char *s);

#endif
