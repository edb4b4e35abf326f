/* A plan of the compiled search (its routes, their versions and costs) and the
 * recreate step of ruin and recreate: every left-out request inserted at its
 * cheapest place, checked with per-route caches and remembered per route version
 * (see _rr_plan.h; the search itself is _ruin_recreate.c). */
#include "_rr_plan.h"
#include <stdlib.h>
#include <string.h>

_Thread_local uint64_t rr_rng_state = 88172645463325252ULL;
_Thread_local int rr_capl;
_Thread_local i64 rr_last_version;

Sol *rr_sol_new(const Inst *I) {
    Sol *s = calloc(1, sizeof(Sol));
    s->seq = malloc(sizeof(int) * (size_t)I->V * CAPL);
    s->len = calloc(I->V, sizeof(int));
    s->where = malloc(sizeof(int) * I->R);
    s->active = calloc(I->V, sizeof(int));
    s->ver = calloc(I->V, sizeof(i64));
    s->rcost = calloc(I->V, sizeof(i64));
    s->rcost_ver = calloc(I->V, sizeof(i64)); /* (version 0: empty, cost 0) */
    for (int j = 0; j < I->R; j++) s->where[j] = -1;
    s->absent = I->R;
    return s;
}
void rr_sol_free(Sol *s) {
    free(s->seq); free(s->len); free(s->where); free(s->active); free(s->ver); free(s->rcost); free(s->rcost_ver); free(s);
}

void rr_sol_copy(const Inst *I, Sol *dst, const Sol *src) {
    /* (a route of the same version has the same visits: most need no copy) */
    for (int k = 0; k < I->V; k++)
        if (dst->ver[k] != src->ver[k])
            memcpy(dst->seq + (size_t)k * CAPL, src->seq + (size_t)k * CAPL, sizeof(int) * src->len[k]);
    memcpy(dst->len, src->len, sizeof(int) * I->V);
    memcpy(dst->where, src->where, sizeof(int) * I->R);
    memcpy(dst->active, src->active, sizeof(int) * I->V);
    memcpy(dst->ver, src->ver, sizeof(i64) * I->V);
    memcpy(dst->rcost, src->rcost, sizeof(i64) * I->V);
    memcpy(dst->rcost_ver, src->rcost_ver, sizeof(i64) * I->V);
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

void rr_count_absent(const Inst *I, Sol *s) {
    s->absent = 0; s->absent_value = 0;
    for (int j = 0; j < I->R; j++) if (s->where[j] < 0) { s->absent++; s->absent_value += I->value[j]; }
}

i64 rr_sol_cost(const Inst *I, Sol *s) {
    i64 c = 0;
    /* (only the routes changed since they were last summed: a ruin touches a few) */
    for (int k = 0; k < I->V; k++) {
        if (s->rcost_ver[k] != s->ver[k]) { s->rcost[k] = route_cost(I, s, k); s->rcost_ver[k] = s->ver[k]; }
        c += s->rcost[k];
    }
    s->cost = c;
    return c;
}



static void cache_route(const Inst *I, const Sol *s, int k, Cache *c) {
    int L = s->len[k];
    const int *q = s->seq + (size_t)k * CAPL;
    i64 t = I->e[2 * k];
    int prev = 2 * k;
    const int D = I->D;
    for (int d = 0; d < D; d++) c->load[d] = c->peak[d] = 0; /* index 0: before the first visit */
    for (int i = 0; i < L; i++) {
        int v = q[i];
        i64 a = serve(I, v, t + TM(prev, v));
        c->asap[i] = a;
        int j = REQ(v), pick = IS_PICKUP(v);
        const i64 *dem = I->dem + (size_t)j * D;
        i64 *before = c->load + (size_t)i * D, *after = before + D;
        for (int d = 0; d < D; d++) {
            after[d] = before[d] + (pick ? dem[d] : -dem[d]);
            if (after[d] > c->peak[d]) c->peak[d] = after[d];
        }
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
    c->ver = s->ver[k];
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

/* best_insert is compiled for each kind of day (see there): these take the kind as a
 * constant. ``multi``: some stop has several windows; ``one``: one load dimension. */
#define SPECIALISED static inline __attribute__((always_inline))
SPECIALISED i64 serve_on(const Inst *I, int v, i64 a, const int multi) {
    if (multi) return serve(I, v, a);
    if (a < I->e[v]) a = I->e[v];
    return a > I->l[v] ? INF64 : a;
}
SPECIALISED int overfills(const i64 *load, const i64 *dm, const i64 *cp, int D, const int one) {
    if (one) return load[0] + dm[0] > cp[0];
    for (int d0 = 0; d0 < D; d0++) if (load[d0] + dm[d0] > cp[d0]) return 1;
    return 0;
}

SPECIALISED i64 insert_into(const Inst *I, const Sol *s, int k, int j, Cache *c, double blink, int *pi, int *di,
                            int *tmp, i64 *cum, const int multi, const int one) {
    int L = s->len[k];
    const int *q = s->seq + (size_t)k * CAPL;
    int p = 2 * I->V + 2 * j, d = p + 1;
    const int D = one ? 1 : I->D;
    i64 best = INF64;
    const i64 *dm = I->dem + (size_t)j * D;
    const i64 *cp = I->cap + (size_t)k * D;
    for (int d0 = 0; d0 < D; d0++) if (dm[d0] > cp[d0]) return INF64;
    if (L + 2 > I->max_visits[k]) return INF64;
    i64 fixed = L == 0 ? I->fixed[k] : 0;
    /* Loads are checked position by position only when the request could overfill the
     * route at its fullest: those checks were a fifth of a long route's insertion on
     * bar-n200-5, and a route with room to spare needs none. */
    int tight = 0;
    for (int d0 = 0; d0 < D; d0++) if (c->peak[d0] + dm[d0] > cp[d0]) tight = 1;
    for (int i = LOCKED(k); i <= L; i++) {
        int prev = i == 0 ? 2 * k : q[i - 1];
        i64 tprev = i == 0 ? I->e[2 * k] : c->asap[i - 1];
        /* times along the route only grow: past the pickup's last window, no later
         * position can take it */
        if (tprev > I->l[p]) break;
        /* capacity just before position i */
        if (tight && overfills(c->load + (size_t)i * D, dm, cp, D, one)) continue;
        i64 ap = serve_on(I, p, tprev + TM(prev, p), multi);
        if (ap == INF64) continue;
        /* walk the segment i..m-1 after the pickup, inserting the delivery before m */
        i64 t = ap; int cur = p;
        for (int m = i; m <= L; m++) {
            if (m > i) {
                int v = q[m - 1];
                i64 a = serve_on(I, v, t + TM(cur, v), multi);
                if (a > c->lat[m - 1]) break; /* the rest of the route cannot absorb the delay */
                if (tight && overfills(c->load + (size_t)m * D, dm, cp, D, one)) break;
                t = a; cur = v;
            }
            if (t > I->l[d]) break; /* (likewise for the delivery) */
            int next = m == L ? 2 * k + 1 : q[m];
            i64 ad = serve_on(I, d, t + TM(cur, d), multi);
            if (ad == INF64) continue;
            if (I->ride[j] >= 0 && ad - ap > I->ride[j]) continue;
            if (serve_on(I, next, ad + TM(d, next), multi) > c->lat[m]) continue;
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

/* Best insertion of request j into route k: returns the cost delta (INF64 if none),
 * positions in *pi (pickup before original position pi) and *di (delivery before
 * original position di, di >= pi). Positions are skipped with probability blink.
 * A request whose pickup is done has only its delivery inserted (*pi = -1).
 * Compiled once per kind of day, so that a day of one window per stop and one load
 * dimension (most) skips those checks: about a tenth of a long route's instructions. */
static i64 best_insert(const Inst *I, const Sol *s, int k, int j, Cache *c, double blink, int *pi, int *di,
                       int *tmp, i64 *cum) {
    if (I->pinned[2 * I->V + 2 * j]) { *pi = -1; return best_insert_delivery(I, s, k, j, c, blink, di, tmp, cum); }
    if (I->wstart) return I->D == 1 ? insert_into(I, s, k, j, c, blink, pi, di, tmp, cum, 1, 1)
                                    : insert_into(I, s, k, j, c, blink, pi, di, tmp, cum, 1, 0);
    return I->D == 1 ? insert_into(I, s, k, j, c, blink, pi, di, tmp, cum, 0, 1)
                     : insert_into(I, s, k, j, c, blink, pi, di, tmp, cum, 0, 0);
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
    changed(s, k);
}

/* Takes request j out of its route; returns whether it did. Done visits stay: a request
 * whose both visits are done is never taken out, one picked up loses its delivery only. */
int rr_remove_request(const Inst *I, Sol *s, int j) {
    int k = s->where[j];
    int p = 2 * I->V + 2 * j, d = p + 1, n2 = 0;
    if (k < 0 || I->pinned[d]) return 0;
    int *q = s->seq + (size_t)k * CAPL;
    for (int x = 0; x < s->len[k]; x++) if ((q[x] != p || I->pinned[p]) && q[x] != d) q[n2++] = q[x];
    s->len[k] = n2;
    s->where[j] = -1;
    changed(s, k);
    return 1;
}

static _Thread_local double *g_key;
static int cmp_by_key(const void *a, const void *b) {
    double x = g_key[*(const int *)a], y = g_key[*(const int *)b];
    return (x > y) - (x < y);
}

/* Recreate: insert every left-out request (removed ones first) at its best place. */
void rr_recreate(const Inst *I, Sol *s, Work *w, double blink) {
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
    /* (most vehicles of a large fleet are out of use once the fleet shrinks: list the others) */
    int nfleet = 0;
    for (int k = 0; k < I->V; k++) if (s->active[k]) w->fleet[nfleet++] = k;
    for (int f = 0; f < nfleet; f++) {
        int k = w->fleet[f];
        if (w->cache[k].ver != s->ver[k]) cache_route(I, s, k, &w->cache[k]);
    }
    for (int x = 0; x < n; x++) {
        int j = list[x];
        i64 best = INF64; int bk = -1, bp = 0, bd = 0;
        /* (a request picked up on a done visit has one route: nothing to remember) */
        Memo *memo = w->memo && !I->pinned[2 * I->V + 2 * j] ? w->memo + (size_t)j * I->V : NULL;
        const unsigned char *allowed = I->allowed + (size_t)j * I->V;
        for (int f = 0; f < nfleet; f++) {
            int k = w->fleet[f];
            if (!allowed[k]) continue;
            int pi = 0, di = 0;
            i64 dlt;
            if (memo && memo[k].ver == s->ver[k]) { dlt = memo[k].delta; pi = memo[k].pi; di = memo[k].di; }
            else {
                dlt = best_insert(I, s, k, j, &w->cache[k], blink, &pi, &di, w->tmp, w->cum);
                if (memo) memo[k] = (Memo){s->ver[k], dlt, pi, di};
            }
            if (dlt < best) { best = dlt; bk = k; bp = pi; bd = di; }
        }
        if (bk >= 0) {
            do_insert(I, s, bk, j, bp, bd, w->tmp);
            cache_route(I, s, bk, &w->cache[bk]);
        }
    }
    rr_count_absent(I, s);
    w->nremoved = 0;
    rr_sol_cost(I, s);
}
