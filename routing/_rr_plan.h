/* The compiled search's plan and the insertion that rebuilds it, shared by its
 * sources: _rr_plan.c (a plan's routes, their versions and costs, and the recreate
 * step: each left-out request at its best place) and _ruin_recreate.c (the ruin
 * step and the two phases of the search). Internal: not an interface. */
#ifndef RR_PLAN_H
#define RR_PLAN_H

#include "_rr_route.h"
#include <stdint.h>

typedef struct {
    int *seq;   /* V x cap: visits (node ids) per route */
    int *len;   /* V */
    int *where; /* R: vehicle serving request j, -1 if left out */
    int *active;/* V: may this vehicle be used */
    i64 *ver;   /* V: version of each route, new at each change (see Memo) */
    i64 *rcost, *rcost_ver; /* V: each route's cost, for the version it was summed at */
    i64 cost;   /* arcs + fixed costs of used vehicles */
    int absent;
    i64 absent_value;
} Sol;

/* The search's thread-local state (planning threads of one web process may search at
 * the same time): the random generator, the capacity of each route's row of seq, and
 * the last route version handed out. */
extern _Thread_local uint64_t rr_rng_state;
extern _Thread_local int rr_capl;
#define CAPL rr_capl
extern _Thread_local i64 rr_last_version;

static inline uint64_t rnd(void) {
    rr_rng_state ^= rr_rng_state << 13; rr_rng_state ^= rr_rng_state >> 7; rr_rng_state ^= rr_rng_state << 17;
    return rr_rng_state;
}
static inline double urand(void) { return (rnd() >> 11) * (1.0 / 9007199254740992.0); }
static inline int irand(int n) { return n <= 0 ? 0 : (int)(rnd() % (uint64_t)n); }

/* Route versions: every change of a route gives it a version no route of any plan has had,
 * so equal versions mean equal visits (empty routes start at version 0). */
static inline void changed(Sol *s, int k) { s->ver[k] = ++rr_last_version; }

/* Per-route caches for insertion: ASAP cumul at each position, latest feasible
 * cumul (ignoring ride and span limits and the break), load after each position
 * and the route's highest load per dimension; for the route's version ver. */
typedef struct { i64 *asap, *lat, *load; i64 peak[RR_MAX_DIMENSIONS]; i64 ver; } Cache;

/* A request's best insertion into a route of a given version: most routes are the same
 * from one iteration to the next (a ruin touches a few, and most plans are rejected), so
 * most insertions of a removed request were already weighed. */
typedef struct { i64 ver, delta; int pi, di; } Memo;

typedef struct {
    Cache *cache; /* per vehicle */
    Memo *memo;   /* R x V, or NULL (too large) */
    int *removed; int nremoved;
    int *tmp; i64 *cum;
    int *ruined;
    int *fleet;   /* V: the plan's active vehicles, listed by rr_recreate */
    double *key;
} Work;

Sol *rr_sol_new(const Inst *I);
void rr_sol_free(Sol *s);
void rr_sol_copy(const Inst *I, Sol *dst, const Sol *src);
void rr_count_absent(const Inst *I, Sol *s);
i64 rr_sol_cost(const Inst *I, Sol *s);
/* Takes request j out of its route; returns whether it did (done visits stay). */
int rr_remove_request(const Inst *I, Sol *s, int j);
/* Inserts every left-out request (removed ones first) at its best place; positions
 * are skipped with probability blink. */
void rr_recreate(const Inst *I, Sol *s, Work *w, double blink);

/* The route pool (_rr_pool.c): rr_pool_start empties it for at most max_routes routes
 * (RR_OK or RR_NO_MEMORY); rr_pool_add keeps route k of s unless the pool has it or is
 * full (``always``: even when full, for the best plan's routes). */
int rr_pool_start(RRPool *pool, int max_routes, int V);
int rr_pool_add(const Inst *I, RRPool *pool, const Sol *s, int k, int always);

#endif
