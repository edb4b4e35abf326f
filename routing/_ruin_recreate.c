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
 * without them pay nothing.
 *
 * Plain C11, no dependencies; its interface is _ruin_recreate.h, the exact
 * check of a route and its times are _rr_route.c (with _rr_route.h, the model
 * both share), and _ruin_recreate_module.c makes it the extension module routing._ruin_recreate,
 * built when the package is installed. Its few globals are thread-local:
 * planning threads of one web process may search at the same time (the
 * binding releases the GIL during the search).
 */
#include "_ruin_recreate.h"
#include "_rr_route.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#define MAX_ADJ 300
#define ROUTE_RUIN_RATE 0.05
#define STALL_SHARE 0.15


typedef struct {
    int *seq;   /* V x cap: visits (node ids) per route */
    int *len;   /* V */
    int *where; /* R: vehicle serving request j, -1 if left out */
    int *active;/* V: may this vehicle be used */
    i64 cost;   /* arcs + fixed costs of used vehicles */
    int absent;
    i64 absent_value;
} Sol;

static _Thread_local uint64_t rng_state = 88172645463325252ULL;
static inline uint64_t rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return rng_state;
}
static inline double urand(void) { return (rnd() >> 11) * (1.0 / 9007199254740992.0); }
static inline int irand(int n) { return n <= 0 ? 0 : (int)(rnd() % (uint64_t)n); }

static double now_s(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}


static _Thread_local int CAPL; /* per-route capacity of seq */

static Sol *sol_new(const Inst *I) {
    Sol *s = calloc(1, sizeof(Sol));
    s->seq = malloc(sizeof(int) * (size_t)I->V * CAPL);
    s->len = calloc(I->V, sizeof(int));
    s->where = malloc(sizeof(int) * I->R);
    s->active = calloc(I->V, sizeof(int));
    for (int j = 0; j < I->R; j++) s->where[j] = -1;
    s->absent = I->R;
    return s;
}
static void sol_free(Sol *s) { free(s->seq); free(s->len); free(s->where); free(s->active); free(s); }
static void sol_copy(const Inst *I, Sol *dst, const Sol *src) {
    for (int k = 0; k < I->V; k++) memcpy(dst->seq + (size_t)k * CAPL, src->seq + (size_t)k * CAPL, sizeof(int) * src->len[k]);
    memcpy(dst->len, src->len, sizeof(int) * I->V);
    memcpy(dst->where, src->where, sizeof(int) * I->R);
    memcpy(dst->active, src->active, sizeof(int) * I->V);
    dst->cost = src->cost; dst->absent = src->absent; dst->absent_value = src->absent_value;
}

static i64 route_cost(const Inst *I, const Sol *s, int k) {
    int L = s->len[k];
    if (L == 0) return 0;
    const int *q = s->seq + (size_t)k * CAPL;
    i64 c = I->fixed[k] + CM(2 * k, q[0]) + CM(q[L - 1], 2 * k + 1);
    for (int i = 0; i + 1 < L; i++) c += CM(q[i], q[i + 1]);
    return c;
}

static void count_absent(const Inst *I, Sol *s) {
    s->absent = 0; s->absent_value = 0;
    for (int j = 0; j < I->R; j++) if (s->where[j] < 0) { s->absent++; s->absent_value += I->value[j]; }
}

static i64 sol_cost(const Inst *I, Sol *s) {
    i64 c = 0;
    for (int k = 0; k < I->V; k++) c += route_cost(I, s, k);
    s->cost = c;
    return c;
}

/* Per-route caches for insertion: ASAP cumul at each position, latest feasible
 * cumul (ignoring ride and span limits and the break), load after each position. */
typedef struct { i64 *asap, *lat, *load; } Cache;

static void cache_route(const Inst *I, const Sol *s, int k, Cache *c) {
    int L = s->len[k];
    const int *q = s->seq + (size_t)k * CAPL;
    i64 t = I->e[2 * k];
    int prev = 2 * k;
    for (int d = 0; d < I->D; d++) c->load[d] = 0; /* index 0: before the first visit */
    for (int i = 0; i < L; i++) {
        int v = q[i];
        i64 a = serve(I, v, t + TM(prev, v));
        c->asap[i] = a;
        int j = REQ(v), pick = IS_PICKUP(v);
        for (int d = 0; d < I->D; d++)
            c->load[(i + 1) * I->D + d] = c->load[i * I->D + d] + (pick ? I->dem[j * I->D + d] : -I->dem[j * I->D + d]);
        t = a; prev = v;
    }
    i64 lat = latest(I, 2 * k + 1, I->l[2 * k + 1]);
    int next = 2 * k + 1;
    c->lat[L] = lat;
    for (int i = L - 1; i >= 0; i--) {
        int v = q[i];
        i64 x = lat == -INF64 ? -INF64 : latest(I, v, lat - TM(v, next));
        c->lat[i] = x; lat = x; next = v;
    }
}

/* Route k's visits with request j's pickup inserted before position i (none if i < 0)
 * and its delivery before position m, into tmp; returns its length. */
static int with_request(const int *q, int L, int p, int i, int m, int *tmp) {
    int n2 = 0;
    for (int x = 0; x < L; x++) {
        if (x == i) tmp[n2++] = p;
        if (x == m) tmp[n2++] = p + 1;
        tmp[n2++] = q[x];
    }
    if (i == L) tmp[n2++] = p;
    if (m == L) tmp[n2++] = p + 1;
    return n2;
}

/* Best insertion of the delivery of request j, whose pickup is a done visit in route
 * k's pinned prefix (the food is on board): after the prefix, on this route only. */
static i64 best_insert_delivery(const Inst *I, const Sol *s, int k, int j, Cache *c, double blink, int *di,
                                int *tmp, i64 *cum) {
    int L = s->len[k], first = LOCKED(k);
    const int *q = s->seq + (size_t)k * CAPL;
    int p = 2 * I->V + 2 * j, d = p + 1, pp = -1;
    for (int x = 0; x < first && x < L; x++) if (q[x] == p) pp = x;
    if (pp < 0 || L + 1 > I->max_visits[k]) return INF64;
    i64 best = INF64;
    for (int m = first; m <= L; m++) {
        int prev = q[m - 1], next = m == L ? 2 * k + 1 : q[m];
        i64 ad = serve(I, d, c->asap[m - 1] + TM(prev, d));
        if (ad == INF64) continue;
        if (I->ride[j] >= 0 && ad - c->asap[pp] > I->ride[j]) continue;
        if (serve(I, next, ad + TM(d, next)) > c->lat[m]) continue;
        i64 delta = CM(prev, d) + CM(d, next) - CM(prev, next);
        if (delta >= best) continue;
        if (blink > 0 && urand() < blink) continue;
        if (I->full_check[k] && !rr_route_fits(I, k, tmp, with_request(q, L, p, -1, m, tmp), cum)) continue;
        best = delta; *di = m;
    }
    return best;
}

/* Best insertion of request j into route k: returns the cost delta (INF64 if none),
 * positions in *pi (pickup before original position pi) and *di (delivery before
 * original position di, di >= pi). Positions are skipped with probability blink.
 * A request whose pickup is done has only its delivery inserted (*pi = -1). */
static i64 best_insert(const Inst *I, const Sol *s, int k, int j, Cache *c, double blink, int *pi, int *di,
                       int *tmp, i64 *cum) {
    int L = s->len[k];
    const int *q = s->seq + (size_t)k * CAPL;
    int p = 2 * I->V + 2 * j, d = p + 1;
    if (I->pinned[p]) { *pi = -1; return best_insert_delivery(I, s, k, j, c, blink, di, tmp, cum); }
    i64 best = INF64;
    const i64 *dm = I->dem + (size_t)j * I->D;
    const i64 *cp = I->cap + (size_t)k * I->D;
    for (int d0 = 0; d0 < I->D; d0++) if (dm[d0] > cp[d0]) return INF64;
    if (L + 2 > I->max_visits[k]) return INF64;
    i64 fixed = L == 0 ? I->fixed[k] : 0;
    for (int i = LOCKED(k); i <= L; i++) {
        int prev = i == 0 ? 2 * k : q[i - 1];
        i64 tprev = i == 0 ? I->e[2 * k] : c->asap[i - 1];
        /* times along the route only grow: past the pickup's last window, no later
         * position can take it */
        if (tprev > I->l[p]) break;
        /* capacity just before position i */
        int capok = 1;
        for (int d0 = 0; d0 < I->D; d0++) if (c->load[i * I->D + d0] + dm[d0] > cp[d0]) { capok = 0; break; }
        if (!capok) continue;
        i64 ap = serve(I, p, tprev + TM(prev, p));
        if (ap == INF64) continue;
        /* walk the segment i..m-1 after the pickup, inserting the delivery before m */
        i64 t = ap; int cur = p;
        for (int m = i; m <= L; m++) {
            if (m > i) {
                int v = q[m - 1];
                i64 a = serve(I, v, t + TM(cur, v));
                if (a > c->lat[m - 1]) break; /* the rest of the route cannot absorb the delay */
                int ok = 1;
                for (int d0 = 0; d0 < I->D; d0++) if (c->load[m * I->D + d0] + dm[d0] > cp[d0]) { ok = 0; break; }
                if (!ok) break;
                t = a; cur = v;
            }
            if (t > I->l[d]) break; /* (likewise for the delivery) */
            int next = m == L ? 2 * k + 1 : q[m];
            i64 ad = serve(I, d, t + TM(cur, d));
            if (ad == INF64) continue;
            if (I->ride[j] >= 0 && ad - ap > I->ride[j]) continue;
            if (serve(I, next, ad + TM(d, next)) > c->lat[m]) continue;
            i64 delta;
            if (m == i) delta = CM(prev, p) + CM(p, d) + CM(d, next) - CM(prev, next);
            else delta = CM(prev, p) + CM(p, q[i]) - CM(prev, q[i]) + CM(q[m - 1], d) + CM(d, next) - CM(q[m - 1], next);
            delta += fixed;
            if (delta >= best) continue;
            if (blink > 0 && urand() < blink) continue;
            /* ride limits of requests spanning the insertion, the span limit and the
             * break: check the whole route */
            if (I->full_check[k] && !rr_route_fits(I, k, tmp, with_request(q, L, p, i, m, tmp), cum)) continue;
            best = delta; *pi = i; *di = m;
        }
    }
    return best;
}

static void do_insert(const Inst *I, Sol *s, int k, int j, int pi, int di, int *tmp) {
    int *q = s->seq + (size_t)k * CAPL;
    int L = s->len[k];
    int p = 2 * I->V + 2 * j, d = p + 1, n2 = 0;
    for (int x = 0; x <= L; x++) {
        if (x == pi) tmp[n2++] = p;
        if (x == di) tmp[n2++] = d;
        if (x < L) tmp[n2++] = q[x];
    }
    memcpy(q, tmp, sizeof(int) * n2);
    s->len[k] = n2;
    s->where[j] = k;
}

/* Takes request j out of its route; returns whether it did. Done visits stay: a request
 * whose both visits are done is never taken out, one picked up loses its delivery only. */
static int remove_request(const Inst *I, Sol *s, int j) {
    int k = s->where[j];
    int p = 2 * I->V + 2 * j, d = p + 1, n2 = 0;
    if (k < 0 || I->pinned[d]) return 0;
    int *q = s->seq + (size_t)k * CAPL;
    for (int x = 0; x < s->len[k]; x++) if ((q[x] != p || I->pinned[p]) && q[x] != d) q[n2++] = q[x];
    s->len[k] = n2;
    s->where[j] = -1;
    return 1;
}

typedef struct {
    Cache *cache; /* per vehicle */
    int *removed; int nremoved;
    int *tmp; i64 *cum;
    int *ruined;
    double *key;
} Work;

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
            remove_request(I, s, jj);
            w->removed[w->nremoved++] = jj;
        }
    }
}

/* String removal: ruin a few routes around a random seed visit. */
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
        int pos = 0;
        for (int x = 0; x < L; x++) if (q[x] == c) { pos = x; break; }
        int start = pos - irand(len);
        if (start < 0) start = 0;
        if (start + len > L) start = L - len;
        /* collect the requests of the string (their partners go too) */
        int reqs[256], nreq = 0;
        for (int x = start; x < start + len && nreq < 256; x++) {
            int jj = REQ(q[x]), dup = 0;
            for (int y = 0; y < nreq; y++) if (reqs[y] == jj) { dup = 1; break; }
            if (!dup) reqs[nreq++] = jj;
        }
        for (int y = 0; y < nreq; y++) {
            if (s->where[reqs[y]] < 0 || !remove_request(I, s, reqs[y])) continue;
            w->removed[w->nremoved++] = reqs[y];
        }
        w->ruined[k] = 1;
        nr++;
    }
}

static _Thread_local double *g_key;
static int cmp_by_key(const void *a, const void *b) {
    double x = g_key[*(const int *)a], y = g_key[*(const int *)b];
    return (x > y) - (x < y);
}

/* Recreate: insert every left-out request (removed ones first) at its best place. */
static void recreate(const Inst *I, Sol *s, Work *w, double blink) {
    /* every left-out request is a candidate */
    int n = 0;
    int *list = w->removed;
    int seen_extra = 0;
    for (int j = 0; j < I->R; j++) {
        if (s->where[j] >= 0) continue;
        int inlist = 0;
        for (int x = 0; x < w->nremoved; x++) if (list[x] == j) { inlist = 1; break; }
        if (!inlist) { list[w->nremoved + seen_extra] = j; seen_extra++; }
    }
    n = w->nremoved + seen_extra;
    /* order: random, by demand, by window start, by window width, by distance from start depot */
    int order = irand(5);
    for (int x = 0; x < n; x++) {
        int j = list[x];
        int p = 2 * I->V + 2 * j;
        switch (order) {
            case 0: w->key[j] = urand(); break;
            case 1: w->key[j] = -(double)I->dem[j * I->D]; break;
            case 2: w->key[j] = (double)I->e[p]; break;
            case 3: w->key[j] = (double)(I->l[p] - I->e[p]) + (double)(I->l[p + 1] - I->e[p + 1]); break;
            default: w->key[j] = -(double)CM(0, p); break;
        }
    }
    g_key = w->key;
    qsort(list, n, sizeof(int), cmp_by_key);
    for (int k = 0; k < I->V; k++) if (s->active[k]) cache_route(I, s, k, &w->cache[k]);
    for (int x = 0; x < n; x++) {
        int j = list[x];
        i64 best = INF64; int bk = -1, bp = 0, bd = 0;
        for (int k = 0; k < I->V; k++) {
            if (!s->active[k] || !I->allowed[(size_t)j * I->V + k]) continue;
            int pi = 0, di = 0;
            i64 dlt = best_insert(I, s, k, j, &w->cache[k], blink, &pi, &di, w->tmp, w->cum);
            if (dlt < best) { best = dlt; bk = k; bp = pi; bd = di; }
        }
        if (bk >= 0) {
            do_insert(I, s, bk, j, bp, bd, w->tmp);
            cache_route(I, s, bk, &w->cache[bk]);
        }
    }
    count_absent(I, s);
    w->nremoved = 0;
    sol_cost(I, s);
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
int rr_solve(const RRInstance *in, const RRParams *params, int *out, RRStats *stats) {
    const int n = in->n, V = in->V, R = in->R, D = in->D;
    const int *init = in->start;
    const int init_len = in->start_len;
    const double time_limit_s = params->seconds, fleet_share = params->fleet_share, t0 = params->t0,
                 tf = params->tf, cbar = params->cbar, blink = params->blink;
    const int lmax = params->max_string;
    if (D > RR_MAX_DIMENSIONS) return RR_TOO_MANY_DIMENSIONS;
    double start = now_s();
    stats->history_len = 0;
    Inst inst = rr_inst_of(in);
    Inst *I = &inst;
    I->full_check = malloc((size_t)(V ? V : 1));
    I->pinned = calloc((size_t)(n ? n : 1), 1);
    if (!I->full_check || !I->pinned) { free(I->full_check); free(I->pinned); return RR_NO_MEMORY; }
    for (int k = 0; k < V; k++) I->full_check[k] = I->any_ride || (I->span && I->span[k] >= 0) || HAS_BREAK(k);
    CAPL = 2 * R + 2;
    rng_state = params->seed * 2654435761ULL + 88172645463325252ULL;
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
    }
    w.removed = malloc(sizeof(int) * (R + 1));
    w.nremoved = 0;
    w.tmp = malloc(sizeof(int) * (CAPL + 2));
    w.cum = malloc(sizeof(i64) * 3 * (CAPL + 2)); /* see route_fits */
    w.ruined = malloc(sizeof(int) * V);
    w.key = malloc(sizeof(double) * (R + 1));
    i64 *abs_count = calloc(R + 1, sizeof(i64));

    Sol *s = sol_new(I), *s2 = sol_new(I), *best = sol_new(I);
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
        /* A route the rules no longer allow (a re-plan later in the day, a request now
         * kept from that vehicle, a hand-edited plan) keeps its done visits only; the
         * rest is planned again. */
        for (k = 0; k < V; k++) {
            const int *q = s->seq + (size_t)k * CAPL;
            int ok = rr_route_fits(I, k, q, s->len[k], w.cum);
            for (int x = 0; x < s->len[k] && ok; x++) ok = I->allowed[(size_t)REQ(q[x]) * V + k];
            if (s->len[k] && !ok)
                while (s->len[k] > LOCKED(k)) remove_request(I, s, REQ(s->seq[(size_t)k * CAPL + LOCKED(k)]));
        }
        count_absent(I, s);
        sol_cost(I, s);
        /* fill in what the starting plan left out */
        if (s->absent) recreate(I, s, &w, 0.0);
    } else {
        recreate(I, s, &w, 0.0);
    }
    /* The fleet only shrinks: vehicles without a route stay unused. */
    for (int k = 0; k < V; k++) s->active[k] = s->len[k] > 0;
    sol_copy(I, best, s);
    record(I, best, start, stats);
    i64 it1 = 0, it2 = 0;
    double fleet_end = start + time_limit_s * fleet_share, end = start + time_limit_s;

    /* 1. fleet minimisation */
    while (R > 0) {
        if ((it1 & 7) == 0 && now_s() > fleet_end) break;
        if (s->absent == 0) {
            if (better(I, s, best)) { sol_copy(I, best, s); record(I, best, start, stats); }
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
            while (s->len[pick]) remove_request(I, s, REQ(s->seq[(size_t)pick * CAPL]));
            s->active[pick] = 0;
            count_absent(I, s);
            sol_cost(I, s);
        }
        sol_copy(I, s2, s);
        ruin(I, s2, &w, cbar, lmax);
        recreate(I, s2, &w, blink);
        if (s2->absent_value < s->absent_value || ((params->absence_acceptance || s2->absent_value == s->absent_value) &&
                absence_sum(I, s2, abs_count) < absence_sum(I, s, abs_count))) {
            Sol *t = s; s = s2; s2 = t;
            /* A day that cannot serve every request never gets to take a route away:
             * keep what this phase gains in requests served. */
            if (s->absent && better(I, s, best)) { sol_copy(I, best, s); record(I, best, start, stats); }
        }
        for (int j = 0; j < R; j++) if (s->where[j] < 0) abs_count[j]++;
        it1++;
    }
    if (s->absent == 0 && better(I, s, best)) { sol_copy(I, best, s); record(I, best, start, stats); }

    /* 2. cost, on the best fleet */
    sol_copy(I, s, best);
    double span = end - now_s();
    double t2start = now_s();
    double last_better = t2start;
    while (R > 0 && span > 0) {
        double t = now_s();
        if (t > end) break;
        if (t - last_better > STALL_SHARE * span) {
            /* Stuck in one basin: restart from the best plan with two routes rebuilt,
             * accepted whatever its cost (the best plan is kept apart). */
            sol_copy(I, s2, best);
            int seedj = irand(R);
            if (s2->where[seedj] >= 0) {
                ruin_routes(I, s2, &w, 2 * V + 2 * seedj);
                recreate(I, s2, &w, blink);
                if (s2->absent_value <= best->absent_value) { Sol *tt = s; s = s2; s2 = tt; }
            }
            last_better = t;
        }
        double frac = (t - t2start) / span;
        double temp = t0 * pow(tf / t0, frac);
        for (int rep = 0; rep < 8; rep++) {
            sol_copy(I, s2, s);
            ruin(I, s2, &w, cbar, lmax);
            recreate(I, s2, &w, blink);
            it2++;
            if (s2->absent_value > s->absent_value) continue;
            double threshold = (double)s->cost - temp * log(urand() + 1e-300);
            if (s2->absent_value < s->absent_value || (double)s2->cost < threshold) {
                Sol *tt = s; s = s2; s2 = tt;
                if (better(I, s, best)) {
                    sol_copy(I, best, s);
                    last_better = now_s();
                    record(I, best, start, stats);
                }
            }
        }
    }
    int pos = 0;
    for (int k = 0; k < V; k++) {
        for (int x = 0; x < best->len[k]; x++) out[pos++] = best->seq[(size_t)k * CAPL + x];
        out[pos++] = -1;
    }
    stats->fleet_iterations = it1; stats->cost_iterations = it2; stats->vehicles = used_routes(I, best);
    stats->cost = best->cost; stats->left_out = best->absent; stats->value_left_out = best->absent_value;
    sol_free(s); sol_free(s2); sol_free(best);
    for (int k = 0; k < V; k++) { free(w.cache[k].asap); free(w.cache[k].lat); free(w.cache[k].load); }
    free(w.cache); free(w.removed); free(w.tmp); free(w.cum); free(w.ruined); free(w.key); free(abs_count); free(I->adj);
    free(I->full_check); free(I->pinned);
    return RR_OK;
}
