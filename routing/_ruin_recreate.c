/* Slack-induction-by-string-removal ruin and recreate for pickup-and-delivery
 * with time windows (after Christiaens & Vanden Berghe, Transportation Science
 * 2020), on the integer model that routing/solver/model.py builds for OR-Tools.
 *
 * Two phases within one wall-clock budget:
 *  1. fleet minimisation: take a route away, ruin and recreate; accept a
 *     plan when fewer requests are left out, or when the left-out requests
 *     have been left out less often (absence counters; among plans leaving out
 *     no more, or any plan with params->absence_acceptance); when every request
 *     is in again, the smaller fleet is kept and the next route is taken away;
 *  2. cost: simulated annealing over ruin and recreate on that fleet.
 * The ruin removes strings and split strings (SISR's two string removals): on the
 * 200- and 400-node benchmark days at a fixed number of iterations, split strings
 * kept runs out of poor basins (gaps of 6.9 to 8.2% on bar-n200-3 and ber-n200-2
 * fell to 2.7 to 4.1% with the same seeds).
 *
 * Node layout (as in routing/solver/model.py): vehicle k has start node 2k and end
 * node 2k+1; request j has pickup node 2V+2j and delivery node 2V+2j+1.
 * Times are the model's integers: cumul(next) >= cumul(cur) + tm[cur][next]
 * (tm includes the service time at cur), cumul within [e, l] of each node and
 * within one of its windows when it has several, delivery cumul - pickup cumul
 * <= ride[j] when ride[j] >= 0, end cumul - start cumul <= the vehicle's span
 * limit, and the driver's break (start window, length) taken before leaving,
 * between two visits or after the end, as OR-Tools' break intervals with the
 * service times as visit transits allow. Done visits of a re-plan lead their
 * vehicle's route, pinned (never removed; a request picked up but not yet
 * delivered only has its delivery moved, on its vehicle). Every route kept here
 * passes route_fits, which is exact or stricter, so every plan reported is
 * feasible for the model (OR-Tools re-reads and re-times it anyway).
 *
 * Insertion evaluates positions with O(1) necessary conditions from per-route
 * caches (earliest and latest times at each visit, loads); rules those caches
 * leave out (ride limits, span limits, breaks) are checked by route_fits only
 * for a candidate that would improve the best insertion found so far, so days
 * without them pay nothing. A request's best insertion into a route is
 * remembered with the route's version (Memo): most routes are unchanged from one
 * iteration to the next, and on the 400-node benchmark days this cut the
 * instructions per iteration about threefold.
 *
 * Plain C11, no dependencies; its interface is _ruin_recreate.h. This file
 * holds the ruin step and the two phases; a plan and the recreate step (the
 * insertion described above) are _rr_plan.c (with _rr_plan.h), the exact check
 * of a route and its times are _rr_route.c (with _rr_route.h, the model all
 * share), the pool of good routes the cost phase weighs is _rr_pool.c, and
 * _ruin_recreate_module.c makes it the extension module routing._ruin_recreate,
 * built when the package is installed. Its few globals are thread-local:
 * planning threads of one web process may search at the same time (the
 * binding releases the GIL during the search).
 */
#include "_ruin_recreate.h"
#include "_rr_plan.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#define MAX_ADJ 300
#define ROUTE_RUIN_RATE 0.05
#define STALL_SHARE 0.15
#define SPLIT_RATE 0.5
#define SPLIT_GROW 0.5

static double now_s(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}


/* Empty the route of visit ``seed`` and the route of its nearest visit on another route. */
static void ruin_routes(const Inst *I, Sol *s, Work *w, int seed) {
    int first = s->where[REQ(seed)], second = -1;
    const int *adj0 = I->adj + (size_t)(seed - 2 * I->V) * I->nadj;
    for (int a = 0; a < I->nadj; a++) {
        int k = s->where[REQ(adj0[a])];
        if (k >= 0 && k != first) { second = k; break; }
    }
    for (int r = 0; r < 2; r++) {
        int k = r == 0 ? first : second;
        if (k < 0) continue;
        while (s->len[k] > LOCKED(k)) {
            int jj = REQ(s->seq[(size_t)k * CAPL + LOCKED(k)]);
            rr_remove_request(I, s, jj);
            w->removed[w->nremoved++] = jj;
        }
    }
}

/* String removal: ruin a few routes around a random seed visit, each by a string of
 * consecutive visits or, half the time, a split string (a run left in its middle). */
static void ruin(const Inst *I, Sol *s, Work *w, double cbar, int lmax) {
    int routed = 0;
    for (int j = 0; j < I->R; j++) if (s->where[j] >= 0) routed++;
    if (routed == 0) return;
    double used = 0; int nused = 0;
    for (int k = 0; k < I->V; k++) if (s->len[k]) { used += s->len[k]; nused++; }
    double lsmax = fmin((double)lmax, used / (nused ? nused : 1));
    double ksmax = 4.0 * cbar / (1.0 + lsmax) - 1.0;
    int ks = (int)floor(urand() * ksmax) + 1;
    int seedj;
    do { seedj = irand(I->R); } while (s->where[seedj] < 0);
    int seed = 2 * I->V + 2 * seedj + (int)(rnd() & 1);
    if (urand() < ROUTE_RUIN_RATE) {
        /* Now and then empty the seed's route and the nearest other one: strings
         * alone cannot undo the order of two long routes (seen on 3-route plans). */
        ruin_routes(I, s, w, seed);
        return;
    }
    memset(w->ruined, 0, sizeof(int) * I->V);
    int nr = 0;
    /* walk the adjacency of the seed */
    const int *adj = I->adj + (size_t)(seed - 2 * I->V) * I->nadj;
    for (int a = -1; a < I->nadj && nr < ks; a++) {
        int c = a < 0 ? seed : adj[a];
        int j = REQ(c);
        int k = s->where[j];
        if (k < 0 || w->ruined[k]) continue;
        int *q = s->seq + (size_t)k * CAPL;
        int L = s->len[k];
        int lmaxt = (int)fmin((double)L, lsmax);
        int len = (int)floor(urand() * lmaxt) + 1;
        /* Split string (SISR's second ruin): now and then a string of len + m visits
         * loses all but a run of m in its middle, which stays in place. */
        int keep = 0;
        if (len < L && urand() < SPLIT_RATE) {
            keep = 1;
            while (len + keep < L && urand() < SPLIT_GROW) keep++;
        }
        int span = len + keep;
        int pos = 0;
        for (int x = 0; x < L; x++) if (q[x] == c) { pos = x; break; }
        int start = pos - irand(span);
        if (start < 0) start = 0;
        if (start + span > L) start = L - span;
        int kept = start + irand(len + 1); /* the kept run is [kept, kept + keep) */
        /* collect the requests of the string (their partners go too) */
        int reqs[256], nreq = 0;
        for (int x = start; x < start + span && nreq < 256; x++) {
            if (x >= kept && x < kept + keep) continue;
            int jj = REQ(q[x]), dup = 0;
            for (int y = 0; y < nreq; y++) if (reqs[y] == jj) { dup = 1; break; }
            if (!dup) reqs[nreq++] = jj;
        }
        for (int y = 0; y < nreq; y++) {
            if (s->where[reqs[y]] < 0 || !rr_remove_request(I, s, reqs[y])) continue;
            w->removed[w->nremoved++] = reqs[y];
        }
        w->ruined[k] = 1;
        nr++;
    }
}

static int used_routes(const Inst *I, const Sol *s) {
    int u = 0;
    for (int k = 0; k < I->V; k++) if (s->len[k]) u++;
    return u;
}

static i64 absence_sum(const Inst *I, const Sol *s, const i64 *abs_count) {
    i64 a = 0;
    for (int j = 0; j < I->R; j++) if (s->where[j] < 0) a += abs_count[j];
    return a;
}

/* (left out, vehicles, cost) lexicographically */
static int better(const Inst *I, const Sol *a, const Sol *b) {
    if (a->absent_value != b->absent_value) return a->absent_value < b->absent_value;
    if (a->absent != b->absent) return a->absent < b->absent;
    int ua = used_routes(I, a), ub = used_routes(I, b);
    if (ua != ub) return ua < ub;
    return a->cost < b->cost;
}

/* Appends ``best`` to the improvement history (see RRStats in _ruin_recreate.h). */
static void record(const Inst *I, const Sol *best, double start, RRStats *stats) {
    double t = now_s() - start;
    int x = stats->history_len;
    double resolution = 0.01 * t > 0.005 ? 0.01 * t : 0.005;
    if (x > 0 && (x == RR_HISTORY_MAX || t - stats->history[x - 1].seconds < resolution)) x--;
    else stats->history_len++;
    RRImprovement *h = &stats->history[x];
    h->seconds = t; h->vehicles = used_routes(I, best); h->cost = best->cost;
    h->left_out = best->absent; h->value_left_out = best->absent_value;
}

static _Thread_local const Inst *g_inst;
static _Thread_local int g_from;
static int cmp_adj(const void *a, const void *b) {
    const Inst *I = g_inst;
    int x = *(const int *)a, y = *(const int *)b;
    i64 cx = CM(g_from, x) < CM(x, g_from) ? CM(g_from, x) : CM(x, g_from);
    i64 cy = CM(g_from, y) < CM(y, g_from) ? CM(g_from, y) : CM(y, g_from);
    return (cx > cy) - (cx < cy);
}

/* Solve (see _ruin_recreate.h). */
int rr_solve(const RRInstance *in, const RRParams *params, int *out, RRStats *stats, RRPool *pool) {
    const int n = in->n, V = in->V, R = in->R, D = in->D;
    const int *init = in->start;
    const int init_len = in->start_len;
    const double time_limit_s = params->seconds, fleet_share = params->fleet_share, t0 = params->t0,
                 tf = params->tf, cbar = params->cbar, blink = params->blink;
    const int lmax = params->max_string;
    if (D > RR_MAX_DIMENSIONS) return RR_TOO_MANY_DIMENSIONS;
    if (params->pool_max <= 0) pool = NULL;
    if (pool && rr_pool_start(pool, params->pool_max, V) != RR_OK) return RR_NO_MEMORY;
    int status = RR_OK;
    double start = now_s();
    stats->history_len = 0;
    Inst inst = rr_inst_of(in);
    Inst *I = &inst;
    I->full_check = malloc((size_t)(V ? V : 1));
    I->pinned = calloc((size_t)(n ? n : 1), 1);
    if (!I->full_check || !I->pinned) { free(I->full_check); free(I->pinned); return RR_NO_MEMORY; }
    for (int k = 0; k < V; k++) I->full_check[k] = I->any_ride || (I->span && I->span[k] >= 0) || HAS_BREAK(k);
    CAPL = 2 * R + 2;
    rr_rng_state = params->seed * 2654435761ULL + 88172645463325252ULL;
    for (int x = 0; x < 10; x++) rnd();
    int nv = 2 * R;
    /* String removal only walks the seed's neighbourhood: keep the nearest few
     * hundred, so memory stays linear in the number of requests. */
    I->nadj = nv - 1 < MAX_ADJ ? nv - 1 : MAX_ADJ;
    I->adj = malloc(sizeof(int) * (size_t)(nv > 1 ? nv : 2) * (size_t)(I->nadj > 0 ? I->nadj : 1));
    int *row = malloc(sizeof(int) * (size_t)(nv > 1 ? nv : 2));
    if (!I->adj || !row) { free(I->adj); free(row); free(I->full_check); free(I->pinned); return RR_NO_MEMORY; }
    g_inst = I;
    for (int a = 0; a < nv; a++) {
        int m = 0;
        for (int b = 0; b < nv; b++) if (b != a) row[m++] = 2 * V + b;
        g_from = 2 * V + a;
        qsort(row, m, sizeof(int), cmp_adj);
        memcpy(I->adj + (size_t)a * I->nadj, row, sizeof(int) * I->nadj);
    }
    free(row);
    Work w;
    w.cache = malloc(sizeof(Cache) * V);
    for (int k = 0; k < V; k++) {
        w.cache[k].asap = malloc(sizeof(i64) * CAPL);
        w.cache[k].lat = malloc(sizeof(i64) * (CAPL + 1));
        w.cache[k].load = malloc(sizeof(i64) * (CAPL + 1) * (D ? D : 1));
        w.cache[k].ver = -1;
    }
    rr_last_version = 0;
    /* The memo takes 24 bytes per request and vehicle: 15 MB at 2,500 requests and 250 vehicles. */
    w.memo = (size_t)R * V <= 4000000 ? malloc(sizeof(Memo) * (size_t)(R ? R : 1) * (V ? V : 1)) : NULL;
    if (w.memo) for (size_t x = 0; x < (size_t)R * V; x++) w.memo[x].ver = -1;
    w.removed = malloc(sizeof(int) * (R + 1));
    w.nremoved = 0;
    w.tmp = malloc(sizeof(int) * (CAPL + 2));
    w.cum = malloc(sizeof(i64) * 3 * (CAPL + 2)); /* see route_fits */
    w.ruined = malloc(sizeof(int) * V);
    w.fleet = malloc(sizeof(int) * V);
    w.key = malloc(sizeof(double) * (R + 1));
    i64 *abs_count = calloc(R + 1, sizeof(i64));

    Sol *s = rr_sol_new(I), *s2 = rr_sol_new(I), *best = rr_sol_new(I);
    for (int k = 0; k < V; k++) s->active[k] = 1;
    if (init && init_len > 0) {
        int k = 0;
        for (int x = 0; x < init_len && k < V; x++) {
            if (init[x] < 0) { k++; continue; }
            int v = init[x];
            if (s->len[k] < LOCKED(k)) I->pinned[v] = 1;
            s->seq[(size_t)k * CAPL + s->len[k]++] = v;
            if (IS_PICKUP(v)) s->where[REQ(v)] = k;
        }
        for (k = 0; k < V; k++) changed(s, k);
        /* A route the rules no longer allow (a re-plan later in the day, a request now
         * kept from that vehicle, a hand-edited plan) keeps its done visits only; the
         * rest is planned again. */
        for (k = 0; k < V; k++) {
            const int *q = s->seq + (size_t)k * CAPL;
            int ok = rr_route_fits(I, k, q, s->len[k], w.cum);
            for (int x = 0; x < s->len[k] && ok; x++) ok = I->allowed[(size_t)REQ(q[x]) * V + k];
            if (s->len[k] && !ok)
                while (s->len[k] > LOCKED(k)) rr_remove_request(I, s, REQ(s->seq[(size_t)k * CAPL + LOCKED(k)]));
        }
        rr_count_absent(I, s);
        rr_sol_cost(I, s);
        /* fill in what the starting plan left out */
        if (s->absent) rr_recreate(I, s, &w, 0.0);
    } else {
        rr_recreate(I, s, &w, 0.0);
    }
    /* The fleet only shrinks: vehicles without a route stay unused. */
    for (int k = 0; k < V; k++) s->active[k] = s->len[k] > 0;
    rr_sol_copy(I, best, s);
    record(I, best, start, stats);
    i64 it1 = 0, it2 = 0;
    double fleet_end = start + time_limit_s * fleet_share, end = start + time_limit_s;

    /* 1. fleet minimisation */
    while (R > 0) {
        if ((it1 & 7) == 0 && now_s() > fleet_end) break;
        if (s->absent == 0) {
            if (better(I, s, best)) { rr_sol_copy(I, best, s); record(I, best, start, stats); }
            if (used_routes(I, s) <= 1) break;
            /* take away a route: the smallest one, or a random one */
            int pick = -1, m = 0;
            /* (never a route with done visits) */
            if (urand() < 0.5) {
                for (int k = 0; k < V; k++) if (s->len[k] && !LOCKED(k) && (pick < 0 || s->len[k] < s->len[pick])) pick = k;
            } else {
                for (int k = 0; k < V; k++) if (s->len[k] && !LOCKED(k) && irand(++m) == 0) pick = k;
            }
            if (pick < 0) break;
            while (s->len[pick]) rr_remove_request(I, s, REQ(s->seq[(size_t)pick * CAPL]));
            s->active[pick] = 0;
            rr_count_absent(I, s);
            rr_sol_cost(I, s);
        }
        rr_sol_copy(I, s2, s);
        ruin(I, s2, &w, cbar, lmax);
        rr_recreate(I, s2, &w, blink);
        if (s2->absent_value < s->absent_value || ((params->absence_acceptance || s2->absent_value == s->absent_value) &&
                absence_sum(I, s2, abs_count) < absence_sum(I, s, abs_count))) {
            Sol *t = s; s = s2; s2 = t;
            /* A day that cannot serve every request never gets to take a route away:
             * keep what this phase gains in requests served. */
            if (s->absent && better(I, s, best)) { rr_sol_copy(I, best, s); record(I, best, start, stats); }
        }
        for (int j = 0; j < R; j++) if (s->where[j] < 0) abs_count[j]++;
        it1++;
    }
    if (s->absent == 0 && better(I, s, best)) { rr_sol_copy(I, best, s); record(I, best, start, stats); }

    /* 2. cost, on the best fleet */
    rr_sol_copy(I, s, best);
    double span = end - now_s();
    double t2start = now_s();
    double last_better = t2start;
    double pool_bound = (double)best->cost * (1.0 + params->pool_slack);
    while (R > 0 && span > 0 && status == RR_OK) {
        double t = now_s();
        if (t > end) break;
        if (t - last_better > STALL_SHARE * span) {
            /* Stuck in one basin: restart from the best plan with two routes rebuilt,
             * accepted whatever its cost (the best plan is kept apart). */
            rr_sol_copy(I, s2, best);
            int seedj = irand(R);
            if (s2->where[seedj] >= 0) {
                ruin_routes(I, s2, &w, 2 * V + 2 * seedj);
                rr_recreate(I, s2, &w, blink);
                if (s2->absent_value <= best->absent_value) { Sol *tt = s; s = s2; s2 = tt; }
            }
            last_better = t;
        }
        double frac = (t - t2start) / span;
        double temp = t0 * pow(tf / t0, frac);
        for (int rep = 0; rep < 8; rep++) {
            rr_sol_copy(I, s2, s);
            i64 old_versions = rr_last_version;
            ruin(I, s2, &w, cbar, lmax);
            rr_recreate(I, s2, &w, blink);
            it2++;
            if (pool && s2->absent_value == best->absent_value && s2->cost <= pool_bound)
                /* only the routes this step rebuilt: the others are those of plans weighed before */
                for (int k = 0; k < V && status == RR_OK; k++)
                    if (s2->ver[k] > old_versions) status = rr_pool_add(I, pool, s2, k, 0);
            if (s2->absent_value > s->absent_value) continue;
            double threshold = (double)s->cost - temp * log(urand() + 1e-300);
            if (s2->absent_value < s->absent_value || (double)s2->cost < threshold) {
                Sol *tt = s; s = s2; s2 = tt;
                if (better(I, s, best)) {
                    rr_sol_copy(I, best, s);
                    last_better = now_s();
                    record(I, best, start, stats);
                    pool_bound = (double)best->cost * (1.0 + params->pool_slack);
                }
            }
        }
    }
    /* the best plan's routes, so the pool always holds one whole plan */
    for (int k = 0; pool && k < V && status == RR_OK; k++) status = rr_pool_add(I, pool, best, k, 1);
    int pos = 0;
    for (int k = 0; k < V; k++) {
        for (int x = 0; x < best->len[k]; x++) out[pos++] = best->seq[(size_t)k * CAPL + x];
        out[pos++] = -1;
    }
    stats->fleet_iterations = it1; stats->cost_iterations = it2; stats->vehicles = used_routes(I, best);
    stats->cost = best->cost; stats->left_out = best->absent; stats->value_left_out = best->absent_value;
    rr_sol_free(s); rr_sol_free(s2); rr_sol_free(best);
    for (int k = 0; k < V; k++) { free(w.cache[k].asap); free(w.cache[k].lat); free(w.cache[k].load); }
    free(w.cache); free(w.memo); free(w.removed); free(w.tmp); free(w.cum); free(w.ruined); free(w.fleet); free(w.key); free(abs_count); free(I->adj);
    free(I->full_check); free(I->pinned);
    if (status != RR_OK) rr_pool_free(pool);
    return status;
}
