/* gomap._native: the C backend of gomap's engines: the module, the hooks and the emit path both
 * engines share, and the simulator's loop (see gomap/native/__init__.py for the files). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "native.h"

#include <sched.h>
#include <string.h>

__thread char gomap_thread_tag __attribute__((tls_model("initial-exec")));

/* The window a write of a shared map opens while hashWriting is set (native.h). */
void gomap_write_window(void) {
    Py_BEGIN_ALLOW_THREADS
    sched_yield();
    Py_END_ALLOW_THREADS
}

/* zlib's CRC-32, sliced by 8 (crc_table[k][n]: the CRC of byte n followed by k zero
 * bytes), little-endian words. */
static uint32_t crc_table[8][256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            crc_table[k][n] = (crc_table[k - 1][n] >> 8) ^ crc_table[0][crc_table[k - 1][n] & 0xFF];
}

static inline uint32_t crc32_word(uint32_t c, uint64_t w) {
    uint32_t lo = (uint32_t)w ^ c, hi = (uint32_t)(w >> 32);
    return crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
           crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
           crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
           crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
}

/* zlib.crc32(s) | zlib.crc32(s, 0x9E3779B9) << 32, both CRCs in one pass */
uint64_t gomap_stable_bytes_hash(const unsigned char *s, size_t n) {
    uint32_t a = 0xFFFFFFFFu, b = 0x9E3779B9u ^ 0xFFFFFFFFu;
    size_t i = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        a = crc32_word(a, w);
        b = crc32_word(b, w);
    }
#endif
    for (; i < n; i++) {
        a = crc_table[0][(a ^ s[i]) & 0xFF] ^ (a >> 8);
        b = crc_table[0][(b ^ s[i]) & 0xFF] ^ (b >> 8);
    }
    return (uint64_t)(a ^ 0xFFFFFFFFu) | ((uint64_t)(b ^ 0xFFFFFFFFu) << 32);
}

static PyObject *stable_bytes_hash(PyObject *mod, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t h = gomap_stable_bytes_hash(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(h);
}

/* ---- unboxed keys (native.h) ------------------------------------------------------- */
int gomap_key_in(int ikey, PyObject *key, gkey *out) {
    if (!ikey) {
        out->o = key;
        return 0;
    }
    if (!PyLong_Check(key)) {
        PyErr_Format(PyExc_TypeError, "this map's keys are Go integers (unboxed int64), "
                     "not %.100s", Py_TYPE(key)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(key, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "key out of this map's int64 range");
        return -1;
    }
    out->i = v;
    return 0;
}

int gomap_hash_i64_boxed(PyObject *hasher, PyObject *seed_obj, int64_t v, uint64_t *out) {
    PyObject *o = PyLong_FromLongLong(v);
    if (o == NULL)
        return -1;
    int r = gomap_call_hasher(hasher, o, seed_obj, out);
    Py_DECREF(o);
    return r;
}

Py_ssize_t gomap_copy_pairs(PyObject *m, const gomap_engine_ops *ops, PyObject *iterable) {
    PyObject *iter = PyObject_GetIter(iterable), *kv;
    if (iter == NULL)
        return -1;
    Py_ssize_t n = 0;
    while ((kv = PyIter_Next(iter)) != NULL) {
        PyObject *k, *v;
        int r = -1;
        if (PyArg_ParseTuple(kv, "OO;_copy_from: an iterator of (key, elem) pairs", &k, &v))
            r = ops->assign(m, k, v);
        Py_DECREF(kv);
        if (r < 0) {
            Py_DECREF(iter);
            return -1;
        }
        n++;
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : n;
}

PyObject *gomap_raw_next(gomap_raw_step step, PyObject *src) {
    int code;
    int64_t iv;
    PyObject *obj;
    switch (step(src, &code, &iv, &obj)) {
    case GOMAP_RAW_INT:
        return gomap_op_pair(code, PyLong_FromLongLong(iv));
    case GOMAP_RAW_OBJ:
        return gomap_op_pair(code, obj);
    case GOMAP_RAW_OP:
        return obj;
    default:
        return NULL;
    }
}

/* ---- hooks ------------------------------------------------------------------------ */
static int as_uint64(PyObject *r, const char *what, uint64_t *out) {
    /* steals r */
    if (r == NULL)
        return -1;
    if (!PyLong_Check(r)) {
        PyErr_Format(PyExc_TypeError, "%s must return an int, not %.100s", what,
                     Py_TYPE(r)->tp_name);
        Py_DECREF(r);
        return -1;
    }
    *out = PyLong_AsUnsignedLongLongMask(r);
    Py_DECREF(r);
    if (*out == (uint64_t)-1 && PyErr_Occurred())
        return -1;
    return 0;
}

int gomap_call_rand(PyObject *rand, uint64_t *out) {
    return as_uint64(PyObject_CallNoArgs(rand), "rand()", out);
}

int gomap_call_hasher(PyObject *hasher, PyObject *key, PyObject *seed, uint64_t *out) {
    PyObject *args[2] = {key, seed};
    return as_uint64(PyObject_Vectorcall(hasher, args, 2, NULL), "hasher", out);
}

int gomap_check_hashable(PyObject *key) {
    if (PyObject_Hash(key) == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "hash of unhashable type %s", Py_TYPE(key)->tp_name);
        }
        return -1;
    }
    return 0;
}

PyObject *gomap_concurrent_error(const char *name) {
    PyObject *mod = PyImport_ImportModule("gomap.errors");
    if (mod == NULL)
        return NULL;
    PyObject *cls = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    if (cls == NULL)
        return NULL;
    PyErr_SetNone(cls);
    Py_DECREF(cls);
    return NULL;
}

int gomap_self_cmp(PyObject *k, int op) {
    if (Py_TYPE(k) == &PyFloat_Type) {
        double d = PyFloat_AS_DOUBLE(k);
        return op == Py_EQ ? d == d : d != d;
    }
    if (Py_TYPE(k) == &PyLong_Type || Py_TYPE(k) == &PyUnicode_Type)
        return op == Py_EQ;
    Py_INCREF(k);
    PyObject *r = PyObject_RichCompare(k, k, op);
    Py_DECREF(k);
    if (r == NULL)
        return -1;
    int ok = PyObject_IsTrue(r);
    Py_DECREF(r);
    return ok;
}

int gomap_init_hooks(PyObject *hasher, PyObject *rand, PyObject *observer,
                     PyObject *subscribers, PyObject **out_hasher, PyObject **out_rand,
                     PyObject **out_hrand, int *fast_hash, PyObject **out_subscribers) {
    PyObject *hashing = PyImport_ImportModule("gomap.hashing");
    if (hashing == NULL)
        return -1;
    if (rand == Py_None) {
        *out_rand = PyObject_CallMethod(hashing, "default_rand", NULL);
    } else {
        Py_INCREF(rand);
        *out_rand = rand;
    }
    if (*out_rand != NULL) {
        if (hasher == Py_None) {
            *out_hasher = PyObject_CallMethod(hashing, "DefaultHasher", "O", *out_rand);
        } else {
            Py_INCREF(hasher);
            *out_hasher = hasher;
        }
    }
    Py_DECREF(hashing);
    if (*out_rand == NULL || *out_hasher == NULL)
        return -1;
    /* Is it the default hasher? DefaultHasher marks its closures. */
    PyObject *mark = PyObject_GetAttrString(*out_hasher, "_gomap_default");
    if (mark == NULL) {
        PyErr_Clear();
    } else {
        if (PyTuple_Check(mark) && PyTuple_GET_SIZE(mark) == 2) {
            Py_INCREF(PyTuple_GET_ITEM(mark, 0));
            *out_hrand = PyTuple_GET_ITEM(mark, 0);
            *fast_hash = PyObject_IsTrue(PyTuple_GET_ITEM(mark, 1)) ? 2 : 1;
        }
        Py_DECREF(mark);
    }
    *out_subscribers = subscribers != NULL ? PySequence_List(subscribers) : PyList_New(0);
    if (*out_subscribers == NULL)
        return -1;
    if (observer != Py_None && PyList_Append(*out_subscribers, observer) < 0)
        return -1;
    return 0;
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

int gomap_events_init(PyObject *module, const char *engine, const char *const *cnames,
                      const uint64_t *bits, int n, PyObject **names) {
    PyObject *table = PyObject_GetAttrString(module, "EVENT_TABLE");
    if (table == NULL) {  /* the first engine: make the dict */
        PyErr_Clear();
        table = PyDict_New();
        if (table == NULL || PyModule_AddObjectRef(module, "EVENT_TABLE", table) < 0) {
            Py_XDECREF(table);
            return -1;
        }
    }
    PyObject *rows = PyTuple_New(n);
    if (rows == NULL) {
        Py_DECREF(table);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        uint64_t bit;
        if ((names[i] = gomap_intern(cnames[i])) == NULL || gomap_event_bit(cnames[i], &bit) < 0)
            goto fail;
        if (bit != bits[i]) {
            PyErr_Format(PyExc_ImportError,
                         "gomap._native was built from another gomap.events (the bit of "
                         "%s event %s differs): rebuild it (pip install -e .)", engine, cnames[i]);
            goto fail;
        }
        PyObject *row = Py_BuildValue("(OK)", names[i], (unsigned long long)bits[i]);
        if (row == NULL)
            goto fail;
        PyTuple_SET_ITEM(rows, i, row);
    }
    int rc = PyDict_SetItemString(table, engine, rows);
    Py_DECREF(rows);
    Py_DECREF(table);
    return rc;
fail:
    Py_DECREF(rows);
    Py_DECREF(table);
    return -1;
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

PyObject *gomap_pinned_release(const char *engine) {
    PyObject *get = gomap_import_attr("gomap.engines", "get_engine");
    if (get == NULL)
        return NULL;
    PyObject *spec = PyObject_CallFunction(get, "s", engine);
    Py_DECREF(get);
    if (spec == NULL)
        return NULL;
    PyObject *v = PyObject_GetAttrString(spec, "go_version");
    Py_DECREF(spec);
    return v;
}

PyObject *gomap_go_release(PyObject *go, PyObject *pinned) {
    if (go == NULL || go == Py_None) {
        Py_INCREF(pinned);
        return pinned;
    }
    if (PyUnicode_Check(go)) {
        Py_INCREF(go);
        return go;
    }
    PyObject *r = PyObject_GetAttrString(go, "release");
    if (r != NULL && !PyUnicode_Check(r)) {
        PyErr_Format(PyExc_TypeError, "go must be a release string or a GoBehaviour, not %.100s",
                     Py_TYPE(go)->tp_name);
        Py_CLEAR(r);
    }
    return r;
}

int gomap_add_type(PyObject *module, const char *name, PyTypeObject *type) {
    if (PyType_Ready(type) < 0)
        return -1;
    return PyModule_AddObjectRef(module, name, (PyObject *)type);
}

PyObject *gomap_import_attr(const char *module, const char *attr) {
    PyObject *mod = PyImport_ImportModule(module);
    if (mod == NULL)
        return NULL;
    PyObject *v = PyObject_GetAttrString(mod, attr);
    Py_DECREF(mod);
    return v;
}

static PyObject *op_codes[6];  /* the ints 0..5: gomap.ops codes, kept for the process */

PyObject *gomap_op_pair(int code, PyObject *key) {
    if (key == NULL)
        return NULL;
    PyObject *t = PyTuple_New(2);
    if (t == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    Py_INCREF(op_codes[code]);
    PyTuple_SET_ITEM(t, 0, op_codes[code]);
    PyTuple_SET_ITEM(t, 1, key);
    return t;
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

/* One operation of the loop on m: its code and key (borrowed), elem for a set. 1 done
 * (rc the engine's result), 0 not one the loop runs. */
static inline int replay_apply(PyObject *m, const gomap_engine_ops *ops, long code,
                               PyObject *key, PyObject *elem, Py_ssize_t *max_entries,
                               int *rc) {
    switch (code) {
    case OP_SET: {
        *rc = ops->assign(m, key, elem);
        Py_ssize_t count = ops->len(m);
        if (count > *max_entries)
            *max_entries = count;
        return 1;
    }
    case OP_GET: {
        PyObject *e;
        *rc = ops->lookup(m, key, &e);
        if (*rc == 1)
            Py_DECREF(e);
        return 1;
    }
    case OP_DEL:
        *rc = ops->del(m, key);
        return 1;
    case OP_CLEAR:
        *rc = ops->clear(m);
        return 1;
    case OP_RANGE:
        *rc = ops->range(m);
        return 1;
    case OP_DUMP:
        *rc = 0;
        return 1;
    }
    return 0;
}

/* The same for an int64 key of an unboxed map (set, get, del). */
static inline int replay_apply_i(PyObject *m, const gomap_engine_ops *ops, int code,
                                 int64_t key, Py_ssize_t *max_entries, int *rc) {
    switch (code) {
    case OP_SET: {
        *rc = ops->assign_i(m, key, Py_None);
        Py_ssize_t count = ops->len(m);
        if (count > *max_entries)
            *max_entries = count;
        return 1;
    }
    case OP_GET: {
        PyObject *e;
        *rc = ops->lookup_i(m, key, &e);
        if (*rc == 1)
            Py_DECREF(e);
        return 1;
    }
    case OP_DEL:
        *rc = ops->del_i(m, key);
        return 1;
    }
    return 0;
}

PyObject *gomap_replay(PyObject *m, const gomap_engine_ops *ops, PyObject *const *args,
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
    /* An ops file read in C, a built-in pattern generated in C: their operations come
     * unboxed, without a tuple each. */
    gomap_raw_step raw = gomap_opsread_raw(it);
    if (raw == NULL)
        raw = gomap_patterns_raw(it);
    int unboxed = ops->unboxed(m);
    const int64_t *live = ops->live(m);
    Py_ssize_t *opno = ops->op(m);
    PyObject *pending = NULL;
    int ended = 0;
    /* The raw path reads one operation ahead, so that the memory the next integer-key
     * operation touches first is fetched while this one runs (ops->prefetch_i): it
     * reads ahead only within this call's [i, stop), and a read-ahead that failed
     * raises once the operation before it is done. */
    int ahead = 0, ahead_got = 0, ahead_code = 0, ahead_raised = 0;
    int64_t ahead_ikey = 0;
    PyObject *ahead_obj = NULL, *ahead_et = NULL, *ahead_ev = NULL, *ahead_etb = NULL;
    while (i < stop) {
        int rc = 0;
        PyObject *op = NULL;
        if (raw) {
            int code;
            int64_t ikey;
            PyObject *obj;
            int got;
            if (ahead) {
                ahead = 0;
                got = ahead_got;
                code = ahead_code;
                ikey = ahead_ikey;
                obj = ahead_obj;
            } else {
                got = raw(it, &code, &ikey, &obj);
            }
            if (got < 0)
                return NULL;
            if (got == 0) {
                ended = 1;
                break;
            }
            if (got != GOMAP_RAW_OP && (code == OP_SET || code == OP_GET || code == OP_DEL) &&
                i + 1 < stop) {  /* (an op this loop applies itself: no hand-back) */
                ahead_got = raw(it, &ahead_code, &ahead_ikey, &ahead_obj);
                ahead = 1;
                if (ahead_got == GOMAP_RAW_INT) {
                    if (unboxed)
                        ops->prefetch_i(m, ahead_ikey);
                } else if (ahead_got == GOMAP_RAW_OBJ) {
                    if (!unboxed)
                        ops->prefetch_o(m, ahead_obj);
                } else if (ahead_got < 0) {  /* raised: after this operation is done */
                    ahead = 0;
                    ahead_raised = 1;
                    PyErr_Fetch(&ahead_et, &ahead_ev, &ahead_etb);
                }
            }
            if (got == GOMAP_RAW_OP) {
                op = obj;
            } else {
                *opno = i + 1;
                int done;
                if (got == GOMAP_RAW_INT && unboxed) {
                    done = replay_apply_i(m, ops, code, ikey, &max_entries, &rc);
                } else {
                    PyObject *key = got == GOMAP_RAW_INT ? PyLong_FromLongLong(ikey) : obj;
                    if (key == NULL) {
                        rc = -1;
                    } else {
                        done = replay_apply(m, ops, code, key, Py_None, &max_entries, &rc);
                        if (!done) {  /* (the reader gives only ops the loop runs; no
                                       * read-ahead behind such an op) */
                            pending = gomap_op_pair(code, key);
                            if (pending == NULL)
                                return NULL;
                            break;
                        }
                        Py_DECREF(key);
                    }
                }
                if (rc < 0 || ahead_raised) {
                    if (ahead) {  /* an error of this op: the read-ahead op is dropped */
                        ahead = 0;
                        if (ahead_got == GOMAP_RAW_OBJ || ahead_got == GOMAP_RAW_OP)
                            Py_XDECREF(ahead_obj);
                    }
                    if (rc < 0) {
                        Py_XDECREF(ahead_et);
                        Py_XDECREF(ahead_ev);
                        Py_XDECREF(ahead_etb);
                    } else {
                        PyErr_Restore(ahead_et, ahead_ev, ahead_etb);
                    }
                    return NULL;
                }
                i++;
                if (live != NULL && *live > peak) {
                    peak = *live;
                    peak_op = i;
                }
                continue;
            }
        } else {
            op = next(it);
            if (op == NULL) {
                if (PyErr_Occurred()) {
                    if (!PyErr_ExceptionMatches(PyExc_StopIteration))
                        return NULL;
                    PyErr_Clear();
                }
                ended = 1;
                break;
            }
        }
        long code = -1;
        Py_ssize_t n = PyTuple_Check(op) ? PyTuple_GET_SIZE(op) : 0;
        if (n >= 1 && PyLong_CheckExact(PyTuple_GET_ITEM(op, 0))) {
            code = PyLong_AsLong(PyTuple_GET_ITEM(op, 0));
            if (code == -1 && PyErr_Occurred())
                PyErr_Clear();
        }
        *opno = i + 1;
        /* set (code, key[, elem]); get and del (code, key); the rest (code, ...) */
        int shaped = code == OP_SET ? (n == 2 || n == 3)
                     : (code == OP_GET || code == OP_DEL) ? n == 2
                                                           : 1;
        if (!shaped || !replay_apply(m, ops, code, n >= 2 ? PyTuple_GET_ITEM(op, 1) : NULL,
                                     n == 3 ? PyTuple_GET_ITEM(op, 2) : Py_None,
                                     &max_entries, &rc)) {
            pending = op;  /* not ours: Python applies it (or says what is wrong) */
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

static const char *const sample_names[8] = {"op", "live_bytes", "allocated_bytes", "entries",
                                            "capacity", "tombstones", "overflow_buckets",
                                            "growing"};
static PyObject *sample_keys[8];

PyObject *gomap_sample_point(Py_ssize_t op, long long live, long long allocated,
                             Py_ssize_t entries, Py_ssize_t capacity, Py_ssize_t tombstones,
                             Py_ssize_t overflow, int growing) {
    PyObject *vals[8] = {
        PyLong_FromSsize_t(op), PyLong_FromLongLong(live), PyLong_FromLongLong(allocated),
        PyLong_FromSsize_t(entries), PyLong_FromSsize_t(capacity),
        tombstones < 0 ? Py_NewRef(Py_None) : PyLong_FromSsize_t(tombstones),
        overflow < 0 ? Py_NewRef(Py_None) : PyLong_FromSsize_t(overflow),
        Py_NewRef(growing ? Py_True : Py_False)};
    PyObject *d = PyDict_New();
    for (int i = 0; i < 8; i++) {
        if (d != NULL && (vals[i] == NULL || PyDict_SetItem(d, sample_keys[i], vals[i]) < 0))
            Py_CLEAR(d);
        Py_XDECREF(vals[i]);
    }
    return d;
}

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "gomap._native",
    "The C backend of gomap's engines: state-exact twins of the Python reference engines.",
    -1, module_methods};

PyMODINIT_FUNC PyInit__native(void) {
    crc_init();
    for (int i = 0; i < 6; i++)
        if ((op_codes[i] = PyLong_FromLong(i)) == NULL)
            return NULL;
    for (int i = 0; i < 8; i++)
        if ((sample_keys[i] = PyUnicode_InternFromString(sample_names[i])) == NULL)
            return NULL;
    PyObject *m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    if (events_init() < 0 || gomap_classic_init(m) < 0 || gomap_swiss_init(m) < 0 ||
        gomap_fastpath_init(m) < 0 ||
        gomap_opsread_init(m) < 0 || gomap_patterns_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
