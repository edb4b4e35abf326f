/* The compiled ruin-and-recreate search's C interface (see _ruin_recreate.c for
 * the search, _ruin_recreate_module.c for its Python binding). */
#ifndef RUIN_RECREATE_H
#define RUIN_RECREATE_H

#include <stdint.h>

/* Most load dimensions (kg, crates ...) the search keeps per route. */
#define RR_MAX_DIMENSIONS 8

/* The integer model, node layout of routing/solver/model.py: vehicle k has
 * start node 2k and end node 2k+1; request j has pickup node 2V+2j and
 * delivery node 2V+2j+1; n = 2V + 2R nodes. All arrays row-major. */
typedef struct {
    int n, V, R, D;
    const int64_t *time;       /* n x n, includes the service at the from-node */
    const int64_t *cost;       /* n x n */
    const int64_t *earliest;   /* n: bounds of each node's cumulated time */
    const int64_t *latest;     /* n */
    const int64_t *demand;     /* R x D: a pickup adds it, its delivery removes it */
    const int64_t *capacity;   /* V x D */
    const int64_t *ride;       /* R: largest delivery minus pickup time, or -1 */
    const int64_t *fixed;      /* V: cost of using the vehicle */
    const int64_t *max_visits; /* V: most visits (pickups and deliveries) on its route */
    const int64_t *value;      /* R: what leaving the request out costs (first criterion) */
    const unsigned char *allowed; /* R x V: which vehicles may serve each request */
    const int *start;          /* optional starting plan: per vehicle its nodes, then -1 */
    int start_len;             /* 0: no starting plan */
    /* The rules below may be left NULL (none of them on this day). */
    const int64_t *service;    /* n: service time at each node (time[a][b] - service[a] is the drive) */
    /* Stops with more than one window, CSR-style: node v's windows are
     * [win_lo[x], win_hi[x]] for x in win_start[v] .. win_start[v + 1] - 1, sorted,
     * disjoint, within [earliest, latest]; none listed: [earliest, latest] alone. */
    const int *win_start;      /* n + 1 */
    const int64_t *win_lo, *win_hi;
    const int64_t *max_span;   /* V: most end minus start time of a route, or -1 */
    /* V: each driver's break: its start within [break_lo, break_hi], break_len long
     * (-1: no break); taken before leaving, between two visits (waiting or part-way
     * through the drive) or after the end, never during a service. */
    const int64_t *break_lo, *break_hi, *break_len;
    /* V: the first locked_len[k] nodes of vehicle k's starting route are done
     * visits: they stay first, in order; a request whose pickup is done keeps its
     * pickup there and its delivery on vehicle k (see allowed). Needs ``start``. */
    const int64_t *locked_len;
} RRInstance;

typedef struct {
    double seconds;       /* wall-clock budget */
    double fleet_share;   /* share of it for fleet minimisation */
    double t0, tf;        /* annealing temperatures, first and last (cost units) */
    double cbar;          /* mean number of removed visits per ruin */
    int max_string;       /* longest string removed from one route */
    double blink;         /* chance of skipping a position during insertion */
    uint64_t seed;
    /* fleet minimisation: accept a plan whose left-out requests have been left out
     * less often even when it leaves out more (Christiaens & Vanden Berghe's rule),
     * rather than only among plans leaving out no more */
    int absence_acceptance;
    /* The route pool (see RRPool): most routes kept (0: no pool) and how far above the
     * best plan's cost a plan of the cost phase may be for its new routes to be kept. */
    int pool_max;
    double pool_slack;
} RRParams;

/* Most entries of the improvement history (see RRStats.history). */
#define RR_HISTORY_MAX 1024

/* The best plan as it stood after an improvement, ``seconds`` into the search. */
typedef struct {
    double seconds;
    int64_t vehicles, cost, left_out, value_left_out;
} RRImprovement;

typedef struct {
    int64_t fleet_iterations, cost_iterations;
    int64_t vehicles;        /* routes used by the best plan */
    int64_t cost;            /* arcs plus fixed costs of the vehicles used */
    int64_t left_out;        /* requests the best plan leaves out */
    int64_t value_left_out;  /* their total value */
    /* Each improvement of the best plan, in time order, so callers can tell what
     * a shorter budget would have given. Improvements closer than 1% of the
     * elapsed time (at least 5 ms) share one entry, the later one: a 60-second
     * search fits in the buffer; past its end the last entry takes every later one. */
    int history_len;
    RRImprovement history[RR_HISTORY_MAX];
} RRStats;

/* Distinct routes of good plans the cost phase weighed: every plan that serves what
 * the best plan serves, within pool_slack of its cost, gives its new routes (at most
 * pool_max of them: a full pool keeps the routes of its better half of plans; then
 * the best plan's routes). A set-partitioning model over them
 * can recombine routes of different plans into a better one (routing/recombine.py). */
typedef struct {
    int count;
    int *vehicle;      /* count: the vehicle whose route it is */
    int64_t *cost;     /* count: its arcs plus the vehicle's fixed cost */
    int *offset;       /* count + 1: route r visits nodes[offset[r] .. offset[r + 1] - 1] */
    int *nodes;
    /* (the rest is the pool's own bookkeeping) */
    int64_t *plan_cost; /* count: the cost of the plan the route came with */
    int cap_routes, cap_nodes, max_routes;
    uint64_t *hashes;  /* open addressing, a power of two long; 0 is free */
    int hash_len;
} RRPool;

void rr_pool_free(RRPool *pool);

enum { RR_OK = 0, RR_NO_MEMORY = -1, RR_TOO_MANY_DIMENSIONS = -2 };

/* Search; writes the best plan to ``out`` (per vehicle its nodes followed by
 * -1: 2R + V ints) and its figures to ``stats``; with params->pool_max > 0, fills
 * ``pool`` (zeroed by the caller, freed with rr_pool_free). Returns RR_OK or an
 * error code. Thread-safe: its few globals are thread-local. */
int rr_solve(const RRInstance *in, const RRParams *params, int *out, RRStats *stats, RRPool *pool);

/* The times of the plan ``routes`` (as rr_solve writes it) that the search vouches
 * for: ``times`` (n) gets each node's time on a used route (-1 elsewhere: starts and
 * ends of unused vehicles, left-out requests, and the nodes of a route that breaks a
 * rule, which only a re-plan's done visits can make), ``break_start`` (V) each
 * driver's break start (-1: no break or no such route). Returns RR_OK or RR_NO_MEMORY. */
int rr_schedule(const RRInstance *in, const int *routes, int64_t *times, int64_t *break_start);

#endif
