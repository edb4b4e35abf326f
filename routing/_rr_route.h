/* The compiled search's model of a route, shared by its sources (see
 * _ruin_recreate.c for the search, _rr_route.c for the exact check of a route
 * and its times): the instance as the search reads it, node layout, the
 * windows of a stop, and the break's placements. Internal: not an interface. */
#ifndef RR_ROUTE_H
#define RR_ROUTE_H

#include "_ruin_recreate.h"
#include <stdint.h>

typedef int64_t i64;
#define INF64 ((i64)1 << 62)

typedef struct {
    int n, V, R, D;
    const i64 *tm, *cm, *e, *l, *dem, *cap, *ride, *fixed;
    const i64 *max_visits;        /* V: most visits on a route */
    const i64 *value;             /* R: what leaving a request out costs (first criterion) */
    int nadj;                     /* length of each adjacency row */
    const unsigned char *allowed; /* R x V */
    int any_ride;
    int *adj;  /* 2R x nadj: the nearest other visits, by increasing cost */
    const i64 *service;           /* n, or NULL: no service times known (breaks then need them) */
    const int *wstart;            /* n + 1, or NULL: every stop has one window [e, l] */
    const i64 *wlo, *whi;
    const i64 *span;              /* V, or NULL: most end minus start (-1: none) */
    const i64 *blo, *bhi, *blen;  /* V, or NULL: break start window and length (blen -1: none) */
    const i64 *locked;            /* V, or NULL: length of each route's pinned prefix */
    unsigned char *full_check;    /* V: route_fits must confirm insertions (ride, span or break) */
    unsigned char *pinned;        /* n: a done visit */
} Inst;

#define TM(a, b) (I->tm[(i64)(a) * I->n + (b)])
#define CM(a, b) (I->cm[(i64)(a) * I->n + (b)])
#define REQ(node) (((node) - 2 * I->V) / 2)
#define IS_PICKUP(node) ((((node) - 2 * I->V) % 2) == 0)

#define LOCKED(k) (I->locked ? (int)I->locked[k] : 0)
#define HAS_BREAK(k) (I->blen && I->blen[k] >= 0)

/* Earliest start of service at node v for an arrival at a (INF64: every window has closed). */
static inline i64 serve(const Inst *I, int v, i64 a) {
    if (a < I->e[v]) a = I->e[v];
    if (a > I->l[v]) return INF64;
    if (I->wstart && I->wstart[v] != I->wstart[v + 1]) {
        for (int x = I->wstart[v]; x < I->wstart[v + 1]; x++)
            if (a <= I->whi[x]) return a < I->wlo[x] ? I->wlo[x] : a;
        return INF64;
    }
    return a;
}

/* Latest start of service at node v not after x (-INF64: none). */
static inline i64 latest(const Inst *I, int v, i64 x) {
    if (x > I->l[v]) x = I->l[v];
    if (x < I->e[v]) return -INF64;
    if (I->wstart && I->wstart[v] != I->wstart[v + 1]) {
        for (int x2 = I->wstart[v + 1] - 1; x2 >= I->wstart[v]; x2--)
            if (x >= I->wlo[x2]) return x < I->whi[x2] ? x : I->whi[x2];
        return -INF64;
    }
    return x;
}

#define SVC(v) (I->service ? I->service[v] : 0)
/* Break placements (see route_fits): no break, before leaving, on the drive into
 * position i (0 .. L, L being the end), after the end (L + 1). */
#define NO_BREAK (-2)
#define BEFORE_LEAVING (-1)

/* The instance as the search reads it (no adjacency yet, any_ride set). */
Inst rr_inst_of(const RRInstance *in);

/* Times of route k's visits q[0..L-1] (into cum[0..L-1]; the end's into cum[L], the
 * break's start into cum[L + 1]) leaving at s or after, the break placed at P; the
 * end's time, or INF64 when a window or the break's start window is missed. */
i64 rr_route_schedule(const Inst *I, int k, const int *q, int L, i64 s, int P, i64 *cum);

/* Whether route k may visit q[0..L-1] in this order, every rule of the model
 * kept; with *start and *place (the break's placement), a schedule that keeps
 * them. cum: scratch of 3L + 6 entries. */
int rr_fit_route(const Inst *I, int k, const int *q, int L, i64 *cum, i64 *start, int *place);

/* rr_fit_route without the schedule. */
int rr_route_fits(const Inst *I, int k, const int *q, int L, i64 *cum);

#endif
