/* routing._ruin_recreate: the Python binding of the compiled ruin-and-recreate
 * search (_ruin_recreate.c).
 *
 * One function, solve(), with keyword-only arguments named after the fields
 * of RRInstance and RRParams (_ruin_recreate.h). Arrays come in through the
 * buffer protocol (numpy arrays, C-contiguous, of the stated item types), so
 * the build needs no numpy headers; every shape is checked against the others
 * and an error names the offending argument. The arrays of the rules a day may
 * not have (service times, several windows, span limits, breaks, done visits)
 * may be None. The result is a named tuple,
 * Result, instead of positional statistics. The GIL is released during the
 * search: planning threads of one web process may search at the same time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_ruin_recreate.h"

static PyTypeObject *ResultType;

static PyStructSequence_Field result_fields[] = {
    {"routes", "per vehicle, its nodes in visiting order"},
    {"left_out", "requests the best plan leaves out"},
    {"fleet_iterations", "ruin-and-recreate steps of fleet minimisation"},
    {"cost_iterations", "ruin-and-recreate steps of the cost phase"},
    {"vehicles", "routes used by the best plan"},
    {"cost", "arcs plus fixed costs of the vehicles used"},
    {"value_left_out", "total value of the requests left out"},
    {"history", "each improvement of the best plan: (seconds, vehicles, cost, left_out, value_left_out)"},
    {"times", "per node, its time in the best plan (-1: not on a used route)"},
    {"break_starts", "per vehicle, the start of its break in the best plan (-1: none)"},
    {"pool", "the route pool: (vehicle, arcs plus fixed cost, nodes) per route (empty: no pool asked)"},
    {NULL, NULL},
};

static PyStructSequence_Desc result_desc = {
    "routing._ruin_recreate.Result", "The best plan found and how the search went.", result_fields, 11,
};

/* An argument's buffer: C-contiguous, ``ndim`` dimensions, items of ``itemsize``
 * bytes of the given signedness. Returns 0 and sets a Python error otherwise. */
static int get_array(PyObject *obj, const char *name, Py_buffer *view, int ndim, Py_ssize_t itemsize,
                     int is_signed) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous array, got %s", name, Py_TYPE(obj)->tp_name);
        return 0;
    }
    const char *fmt = view->format ? view->format : "B";
    if (*fmt == '@' || *fmt == '=' || *fmt == '<') fmt++;
    const char *kinds = is_signed ? "bhilq" : "BHILQ";
    if (strlen(fmt) != 1 || !strchr(kinds, *fmt) || view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected %s integers of %zd bytes, got format '%s'", name,
                     is_signed ? "signed" : "unsigned", itemsize, view->format ? view->format : "B");
        PyBuffer_Release(view);
        return 0;
    }
    if (view->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s: expected %d dimension(s), got %d", name, ndim, view->ndim);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

static int check_shape(const Py_buffer *view, const char *name, Py_ssize_t rows, Py_ssize_t cols) {
    if (view->shape[0] != rows || (view->ndim == 2 && view->shape[1] != cols)) {
        if (view->ndim == 2)
            PyErr_Format(PyExc_ValueError, "%s: expected shape (%zd, %zd), got (%zd, %zd)", name, rows, cols,
                         view->shape[0], view->shape[1]);
        else
            PyErr_Format(PyExc_ValueError, "%s: expected length %zd, got %zd", name, rows, view->shape[0]);
        return 0;
    }
    return 1;
}

enum { A_TIME, A_COST, A_EARLIEST, A_LATEST, A_DEMAND, A_CAPACITY, A_RIDE, A_FIXED, A_MAX_VISITS, A_VALUE,
       A_ALLOWED, A_START, A_SERVICE, A_WIN_START, A_WIN_LO, A_WIN_HI, A_MAX_SPAN, A_BREAK_LO, A_BREAK_HI,
       A_BREAK_LEN, A_LOCKED_LEN, N_ARRAYS };
static const char *array_names[N_ARRAYS] = {"time", "cost", "earliest", "latest", "demand", "capacity", "ride",
                                            "fixed", "max_visits", "value", "allowed", "start", "service",
                                            "win_start", "win_lo", "win_hi", "max_span", "break_lo", "break_hi",
                                            "break_len", "locked_len"};

/* The plan in ``out`` (per vehicle its nodes, then -1) as a list of lists. */
static PyObject *routes_list(const int *out, int V) {
    PyObject *routes = PyList_New(0);
    PyObject *route = PyList_New(0);
    if (!routes || !route) goto fail;
    for (int pos = 0, k = 0; k < V; pos++) {
        if (out[pos] < 0) {
            if (PyList_Append(routes, route) < 0) goto fail;
            Py_DECREF(route);
            route = PyList_New(0);
            if (!route) goto fail;
            k++;
            continue;
        }
        PyObject *node = PyLong_FromLong(out[pos]);
        if (!node || PyList_Append(route, node) < 0) { Py_XDECREF(node); goto fail; }
        Py_DECREF(node);
    }
    Py_DECREF(route);
    return routes;
fail:
    Py_XDECREF(route);
    Py_XDECREF(routes);
    return NULL;
}

/* ``values`` as a tuple of ints. */
static PyObject *int_tuple(const int64_t *values, int len) {
    PyObject *t = PyTuple_New(len);
    if (!t) return NULL;
    for (int i = 0; i < len; i++) {
        PyObject *x = PyLong_FromLongLong(values[i]);
        if (!x) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

/* The pool's routes as a tuple of (vehicle, cost, nodes). */
static PyObject *pool_tuple(const RRPool *pool) {
    PyObject *t = PyTuple_New(pool->count);
    if (!t) return NULL;
    for (int r = 0; r < pool->count; r++) {
        int first = pool->offset[r], len = pool->offset[r + 1] - first;
        PyObject *nodes = PyTuple_New(len);
        if (!nodes) { Py_DECREF(t); return NULL; }
        for (int x = 0; x < len; x++) {
            PyObject *node = PyLong_FromLong(pool->nodes[first + x]);
            if (!node) { Py_DECREF(nodes); Py_DECREF(t); return NULL; }
            PyTuple_SET_ITEM(nodes, x, node);
        }
        PyObject *entry = Py_BuildValue("(iLN)", pool->vehicle[r], (long long)pool->cost[r], nodes);
        if (!entry) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, r, entry);
    }
    return t;
}

static PyObject *result_tuple(PyObject *routes, const RRStats *stats, const RRInstance *in, const int64_t *times,
                              const int64_t *break_starts, const RRPool *pool) {
    PyObject *result = PyStructSequence_New(ResultType);
    if (!result) { Py_DECREF(routes); return NULL; }
    PyStructSequence_SetItem(result, 0, routes);
    int64_t values[6] = {stats->left_out, stats->fleet_iterations, stats->cost_iterations, stats->vehicles,
                         stats->cost, stats->value_left_out};
    for (int i = 0; i < 6; i++) {
        PyObject *x = PyLong_FromLongLong(values[i]);
        if (!x) { Py_DECREF(result); return NULL; }
        PyStructSequence_SetItem(result, i + 1, x);
    }
    PyObject *history = PyTuple_New(stats->history_len);
    if (!history) { Py_DECREF(result); return NULL; }
    PyStructSequence_SetItem(result, 7, history);
    for (int i = 0; i < stats->history_len; i++) {
        const RRImprovement *h = &stats->history[i];
        PyObject *entry = Py_BuildValue("(dLLLL)", h->seconds, (long long)h->vehicles, (long long)h->cost,
                                        (long long)h->left_out, (long long)h->value_left_out);
        if (!entry) { Py_DECREF(result); return NULL; }
        PyTuple_SET_ITEM(history, i, entry);
    }
    PyObject *node_times = int_tuple(times, in->n), *breaks = node_times ? int_tuple(break_starts, in->V) : NULL;
    if (!breaks) { Py_XDECREF(node_times); Py_DECREF(result); return NULL; }
    PyStructSequence_SetItem(result, 8, node_times);
    PyStructSequence_SetItem(result, 9, breaks);
    PyObject *routes_pool = pool_tuple(pool);
    if (!routes_pool) { Py_DECREF(result); return NULL; }
    PyStructSequence_SetItem(result, 10, routes_pool);
    return result;
}

static int error(const char *message) {
    PyErr_SetString(PyExc_ValueError, message);
    return 0;
}

/* Node v's windows (win_start, win_lo, win_hi): sorted, disjoint, within [earliest, latest]. */
static int windows_from(Py_buffer *views, RRInstance *in) {
    Py_ssize_t n = in->n;
    if (!check_shape(&views[A_WIN_START], "win_start", n + 1, 0)) return 0;
    const int *ws = views[A_WIN_START].buf;
    if (ws[0] != 0) return error("win_start: must start at 0");
    for (Py_ssize_t v = 0; v < n; v++)
        if (ws[v + 1] < ws[v]) return error("win_start: offsets must not decrease");
    if (!check_shape(&views[A_WIN_LO], "win_lo", ws[n], 0) || !check_shape(&views[A_WIN_HI], "win_hi", ws[n], 0))
        return 0;
    const int64_t *lo = views[A_WIN_LO].buf, *hi = views[A_WIN_HI].buf;
    for (Py_ssize_t v = 0; v < n; v++)
        for (int x = ws[v]; x < ws[v + 1]; x++) {
            if (lo[x] > hi[x] || (x > ws[v] && lo[x] <= hi[x - 1])) {
                PyErr_Format(PyExc_ValueError, "win_lo: node %zd's windows must be sorted and disjoint", v);
                return 0;
            }
            if (lo[x] < in->earliest[v] || hi[x] > in->latest[v]) {
                PyErr_Format(PyExc_ValueError, "win_lo: node %zd's windows must lie within [earliest, latest]", v);
                return 0;
            }
        }
    in->win_start = ws; in->win_lo = lo; in->win_hi = hi;
    return 1;
}

/* The arrays of the rules a day may not have, checked; fills ``in``. Returns 0 with a Python error set. */
static int rules_from(Py_buffer *views, const int *have, RRInstance *in) {
    Py_ssize_t n = in->n, V = in->V;
    if (have[A_SERVICE]) {
        if (!check_shape(&views[A_SERVICE], "service", n, 0)) return 0;
        in->service = views[A_SERVICE].buf;
    }
    if (have[A_WIN_START] || have[A_WIN_LO] || have[A_WIN_HI]) {
        if (!(have[A_WIN_START] && have[A_WIN_LO] && have[A_WIN_HI]))
            return error("win_start, win_lo, win_hi: give all three or none");
        if (!windows_from(views, in)) return 0;
    }
    if (have[A_MAX_SPAN]) {
        if (!check_shape(&views[A_MAX_SPAN], "max_span", V, 0)) return 0;
        in->max_span = views[A_MAX_SPAN].buf;
    }
    if (have[A_BREAK_LO] || have[A_BREAK_HI] || have[A_BREAK_LEN]) {
        if (!(have[A_BREAK_LO] && have[A_BREAK_HI] && have[A_BREAK_LEN]))
            return error("break_lo, break_hi, break_len: give all three or none");
        if (!check_shape(&views[A_BREAK_LO], "break_lo", V, 0) || !check_shape(&views[A_BREAK_HI], "break_hi", V, 0)
                || !check_shape(&views[A_BREAK_LEN], "break_len", V, 0))
            return 0;
        if (!have[A_SERVICE]) return error("service: needed with breaks (a break never interrupts a service)");
        const int64_t *lo = views[A_BREAK_LO].buf, *hi = views[A_BREAK_HI].buf, *len = views[A_BREAK_LEN].buf;
        for (Py_ssize_t k = 0; k < V; k++)
            if (len[k] < -1 || (len[k] >= 0 && lo[k] > hi[k])) {
                PyErr_Format(PyExc_ValueError, "break_len: vehicle %zd's break needs a length >= 0 (-1: "
                             "none) and break_lo <= break_hi", k);
                return 0;
            }
        in->break_lo = lo; in->break_hi = hi; in->break_len = len;
    }
    if (have[A_LOCKED_LEN]) {
        if (!check_shape(&views[A_LOCKED_LEN], "locked_len", V, 0)) return 0;
        const int64_t *locked = views[A_LOCKED_LEN].buf;
        /* each locked prefix must lead its vehicle's starting route */
        Py_ssize_t x = 0;
        for (Py_ssize_t k = 0; k < V; k++) {
            Py_ssize_t len = 0;
            while (in->start && x < in->start_len && in->start[x] >= 0) { len++; x++; }
            if (in->start && x < in->start_len) x++;
            if (locked[k] < 0 || locked[k] > len) {
                PyErr_Format(PyExc_ValueError, "locked_len: vehicle %zd's %lld done visits must lead its "
                             "route in start", k, (long long)locked[k]);
                return 0;
            }
        }
        in->locked_len = locked;
    }
    return 1;
}

/* Views of the arrays, checked against each other; fills ``in``. Returns 0 with a Python error set. */
static int instance_from(PyObject **objs, Py_buffer *views, int *have, RRInstance *in) {
    for (int a = 0; a < N_ARRAYS; a++) {
        if (a >= A_START && objs[a] == Py_None) continue;
        int is_signed = a != A_ALLOWED;
        Py_ssize_t itemsize = a == A_ALLOWED ? 1 : (a == A_START || a == A_WIN_START) ? (Py_ssize_t)sizeof(int) : 8;
        int ndim = (a == A_TIME || a == A_COST || a == A_DEMAND || a == A_CAPACITY || a == A_ALLOWED) ? 2 : 1;
        if (!get_array(objs[a], array_names[a], &views[a], ndim, itemsize, is_signed)) return 0;
        have[a] = 1;
    }
    Py_ssize_t V = views[A_CAPACITY].shape[0], D = views[A_CAPACITY].shape[1], R = views[A_DEMAND].shape[0];
    Py_ssize_t n = 2 * V + 2 * R;
    if (n > INT32_MAX / 2 || D > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "the instance is too large");
        return 0;
    }
    if (!check_shape(&views[A_TIME], "time", n, n) || !check_shape(&views[A_COST], "cost", n, n)
            || !check_shape(&views[A_EARLIEST], "earliest", n, 0) || !check_shape(&views[A_LATEST], "latest", n, 0)
            || !check_shape(&views[A_DEMAND], "demand", R, D) || !check_shape(&views[A_RIDE], "ride", R, 0)
            || !check_shape(&views[A_FIXED], "fixed", V, 0) || !check_shape(&views[A_MAX_VISITS], "max_visits", V, 0)
            || !check_shape(&views[A_VALUE], "value", R, 0) || !check_shape(&views[A_ALLOWED], "allowed", R, V))
        return 0;
    memset(in, 0, sizeof *in);
    in->n = (int)n; in->V = (int)V; in->R = (int)R; in->D = (int)D;
    in->time = views[A_TIME].buf; in->cost = views[A_COST].buf;
    in->earliest = views[A_EARLIEST].buf; in->latest = views[A_LATEST].buf;
    in->demand = views[A_DEMAND].buf; in->capacity = views[A_CAPACITY].buf;
    in->ride = views[A_RIDE].buf; in->fixed = views[A_FIXED].buf;
    in->max_visits = views[A_MAX_VISITS].buf; in->value = views[A_VALUE].buf;
    in->allowed = views[A_ALLOWED].buf;
    if (have[A_START]) {
        Py_ssize_t len = views[A_START].shape[0];
        const int *start = views[A_START].buf;
        Py_ssize_t routes = 0;
        for (Py_ssize_t x = 0; x < len; x++) {
            if (start[x] < 0) { routes++; continue; }
            if (start[x] < 2 * V || start[x] >= n) {
                PyErr_Format(PyExc_ValueError, "start: node %d is not a pickup or delivery node", start[x]);
                return 0;
            }
        }
        if (routes > V || (len > 0 && start[len - 1] >= 0)) {
            PyErr_SetString(PyExc_ValueError, "start: at most one route per vehicle, each ended by -1");
            return 0;
        }
        in->start = start;
        in->start_len = (int)len;
    }
    return rules_from(views, have, in);
}

static PyObject *solve(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"time", "cost", "earliest", "latest", "demand", "capacity", "ride", "fixed",
                               "max_visits", "value", "allowed", "start", "service", "win_start", "win_lo",
                               "win_hi", "max_span", "break_lo", "break_hi", "break_len", "locked_len", "seconds",
                               "fleet_share", "t0", "tf", "cbar", "max_string", "blink", "seed", "absence_acceptance",
                               "pool_max", "pool_slack", NULL};
    PyObject *objs[N_ARRAYS];
    RRParams params;
    unsigned long long seed = 0;
    int absence_acceptance = 0;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "$OOOOOOOOOOOOOOOOOOOOOdddddidKpid:solve", keywords, &objs[A_TIME],
                                     &objs[A_COST], &objs[A_EARLIEST], &objs[A_LATEST], &objs[A_DEMAND],
                                     &objs[A_CAPACITY], &objs[A_RIDE], &objs[A_FIXED], &objs[A_MAX_VISITS],
                                     &objs[A_VALUE], &objs[A_ALLOWED], &objs[A_START], &objs[A_SERVICE],
                                     &objs[A_WIN_START], &objs[A_WIN_LO], &objs[A_WIN_HI], &objs[A_MAX_SPAN],
                                     &objs[A_BREAK_LO], &objs[A_BREAK_HI], &objs[A_BREAK_LEN],
                                     &objs[A_LOCKED_LEN], &params.seconds,
                                     &params.fleet_share, &params.t0, &params.tf, &params.cbar, &params.max_string,
                                     &params.blink, &seed, &absence_acceptance, &params.pool_max,
                                     &params.pool_slack))
        return NULL;
    params.seed = (uint64_t)seed;
    params.absence_acceptance = absence_acceptance;
    if (!(params.seconds >= 0) || !(params.fleet_share >= 0 && params.fleet_share <= 1) || params.max_string < 1
            || params.pool_max < 0 || !(params.pool_slack >= 0)) {
        PyErr_SetString(PyExc_ValueError, "seconds must be >= 0, fleet_share within [0, 1], max_string >= 1, "
                        "pool_max and pool_slack >= 0");
        return NULL;
    }
    Py_buffer views[N_ARRAYS];
    int have[N_ARRAYS] = {0};
    RRInstance in;
    PyObject *result = NULL;
    int *out = NULL;
    RRStats *stats = NULL;
    int64_t *times = NULL;
    RRPool pool;
    memset(&pool, 0, sizeof pool);
    if (!instance_from(objs, views, have, &in)) goto done;
    if (in.D > RR_MAX_DIMENSIONS) {
        PyErr_Format(PyExc_ValueError, "demand: at most %d load dimensions, got %d", RR_MAX_DIMENSIONS, in.D);
        goto done;
    }
    out = PyMem_RawMalloc(sizeof(int) * (size_t)(2 * in.R + in.V + 1));
    if (!out) { PyErr_NoMemory(); goto done; }
    /* On the heap: the improvement history makes it tens of kilobytes, too much
     * for the smaller stacks of some web server threads. */
    stats = PyMem_RawMalloc(sizeof *stats);
    if (!stats) { PyErr_NoMemory(); goto done; }
    times = PyMem_RawMalloc(sizeof(int64_t) * (size_t)(in.n + in.V + 1));
    if (!times) { PyErr_NoMemory(); goto done; }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = rr_solve(&in, &params, out, stats, &pool);
    if (status == RR_OK) status = rr_schedule(&in, out, times, times + in.n);
    Py_END_ALLOW_THREADS
    if (status == RR_NO_MEMORY) { PyErr_NoMemory(); goto done; }
    if (status != RR_OK) { PyErr_Format(PyExc_RuntimeError, "ruin-and-recreate search failed (%d)", status); goto done; }
    PyObject *routes = routes_list(out, in.V);
    if (routes) result = result_tuple(routes, stats, &in, times, times + in.n, &pool);
done:
    rr_pool_free(&pool);
    PyMem_RawFree(times);
    PyMem_RawFree(stats);
    PyMem_RawFree(out);
    for (int a = 0; a < N_ARRAYS; a++) if (have[a]) PyBuffer_Release(&views[a]);
    return result;
}

static PyMethodDef methods[] = {
    {"solve", (PyCFunction)(void (*)(void))solve, METH_VARARGS | METH_KEYWORDS,
     "solve(*, time, cost, earliest, latest, demand, capacity, ride, fixed, max_visits, value, allowed, start,\n"
     "      service, win_start, win_lo, win_hi, max_span, break_lo, break_hi, break_len, locked_len,\n"
     "      seconds, fleet_share, t0, tf, cbar, max_string, blink, seed, absence_acceptance, pool_max,\n"
     "      pool_slack) -> Result\n\n"
     "Ruin-and-recreate search on an integer pickup-and-delivery model (int64 arrays; allowed: uint8;\n"
     "start: None or int32 nodes per vehicle, each route ended by -1; win_start: int32 offsets).\n"
     "start and the arrays from service on may be None (no such rule)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "routing._ruin_recreate",
    "The compiled ruin-and-recreate search (see routing.ruin_recreate for the Python face).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ruin_recreate(void) {
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    ResultType = PyStructSequence_NewType(&result_desc);
    if (!ResultType || PyModule_AddObject(m, "Result", (PyObject *)ResultType) < 0) {
        Py_XDECREF(ResultType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(ResultType);
    if (PyModule_AddIntConstant(m, "MAX_DIMENSIONS", RR_MAX_DIMENSIONS) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
