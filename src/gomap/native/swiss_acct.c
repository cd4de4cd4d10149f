/* gomap.memory.SwissAccountant in C, for an accounted native Swiss map (_account()):
 * see the sacct struct in swiss.h. */
#include "swiss.h"

static int64_t sacct_call_size(PyObject *fn, Py_ssize_t n);

static int64_t sacct_call_size(PyObject *fn, Py_ssize_t n) {
    PyObject *r = PyObject_CallFunction(fn, "n", n);
    if (r == NULL)
        return -1;
    long long v = PyLong_AsLongLong(r);
    Py_DECREF(r);
    return v;
}

int64_t sacct_gab(sacct_t *a, Py_ssize_t ngroups) {
    int i = 63 - __builtin_clzll((unsigned long long)ngroups);
    if (i < 8 && ((Py_ssize_t)1 << i) == ngroups) {
        if (a->gab[i] < 0)
            a->gab[i] = sacct_call_size(a->group_array_bytes, ngroups);
        return a->gab[i];
    }
    return sacct_call_size(a->group_array_bytes, ngroups);
}

int sacct_new_table(sacct_t *a, Py_ssize_t capacity) {
    int64_t g = sacct_gab(a, capacity / GROUP_SLOTS);
    if (g < 0)
        return -1;
    sacct_alloc(a, a->table_size);
    sacct_alloc(a, g);
    a->tables++;
    a->table_bytes += a->table_size + g;
    a->capacity += capacity;
    return 0;
}

int sacct_drop_table(sacct_t *a, Py_ssize_t capacity) {
    int64_t g = sacct_gab(a, capacity / GROUP_SLOTS);
    if (g < 0)
        return -1;
    a->live -= a->table_size + g;
    a->table_bytes -= a->table_size + g;
    a->tables--;
    a->capacity -= capacity;
    return 0;
}

int sacct_new_directory(sacct_t *a, Py_ssize_t n) {
    int64_t b = sacct_call_size(a->dir_alloc_bytes, n);
    if (b < 0)
        return -1;
    a->dir_bytes = b;
    sacct_alloc(a, b);
    return 0;
}

void sacct_free(sacct_t *a) {
    if (a == NULL)
        return;
    Py_CLEAR(a->group_array_bytes);
    Py_CLEAR(a->dir_alloc_bytes);
    PyMem_Free(a);
}
