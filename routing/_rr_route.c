/* The exact check of one route of the compiled search, and its times: windows
 * (several per stop), capacity, most visits, ride limits, span limit and the
 * driver's break, as routing/solver/model.py states them for OR-Tools. The
 * search (_ruin_recreate.c) calls it only for candidates that would improve
 * the best insertion found so far; rr_schedule gives OR-Tools the times it
 * relies on. */
#include "_rr_route.h"
#include <stdlib.h>

/* Times of route k's visits q[0..L-1] (into cum[0..L-1]; the end's into cum[L], the
 * break's start into cum[L + 1]) leaving at s or after, each as early as possible, its
 * break placed at P; returns the end's time, or INF64 when a window or the break's start
 * window is missed. */
i64 rr_route_schedule(const Inst *I, int k, const int *q, int L, i64 s, int P, i64 *cum) {
    if (P == BEFORE_LEAVING && s < I->blo[k] + I->blen[k]) s = I->blo[k] + I->blen[k];
    i64 t = serve(I, 2 * k, s);
    if (t == INF64) return INF64;
    if (P == BEFORE_LEAVING) cum[L + 1] = I->blo[k];
    int prev = 2 * k;
    for (int i = 0; i <= L; i++) {
        int v = i < L ? q[i] : 2 * k + 1;
        i64 a = t + TM(prev, v);
        if (i == P) {
            /* the break starts after prev's service, within its window; the drive and
             * the break both fit before v (the break may be taken while waiting there) */
            i64 bs = t + SVC(prev);
            if (bs < I->blo[k]) bs = I->blo[k];
            if (bs > I->bhi[k]) return INF64;
            cum[L + 1] = bs;
            a += I->blen[k];
            if (a < bs + I->blen[k]) a = bs + I->blen[k];
        }
        a = serve(I, v, a);
        if (a == INF64) return INF64;
        if (i < L) cum[i] = a;
        t = a; prev = v;
    }
    if (P == L + 1) {
        if (t > I->bhi[k]) return INF64;
        cum[L + 1] = t > I->blo[k] ? t : I->blo[k];
    }
    cum[L] = t;
    return t;
}

/* The latest start from which route k can visit q[0..L-1] in time with its break at P
 * (-INF64: none), ride and span limits aside. A later start never arrives earlier anywhere. */
static i64 latest_start(const Inst *I, int k, const int *q, int L, int P) {
    i64 x = I->l[2 * k + 1];
    if (P == L + 1 && x > I->bhi[k]) x = I->bhi[k];
    x = latest(I, 2 * k + 1, x);
    int next = 2 * k + 1;
    for (int i = L - 1; i >= -1 && x > -INF64; i--) {
        int v = i >= 0 ? q[i] : 2 * k;
        i64 y = x - TM(v, next);
        if (P == i + 1) {
            i64 b = I->blen[k], sv = SVC(v);
            if (I->blo[k] + b > x) return -INF64;
            y -= b;
            if (y > x - b - sv) y = x - b - sv;
            if (y > I->bhi[k] - sv) y = I->bhi[k] - sv;
        }
        x = latest(I, v, y);
        next = v;
    }
    if (P == BEFORE_LEAVING && x < I->blo[k] + I->blen[k]) return -INF64;
    return x;
}

/* The schedule from start s with the break at P: its windows, ride limits and span limit. */
static int times_ok(const Inst *I, int k, const int *q, int L, i64 s, int P, i64 *cum) {
    i64 end = rr_route_schedule(I, k, q, L, s, P, cum);
    if (end == INF64) return 0;
    if (I->span && I->span[k] >= 0) {
        i64 left = P == BEFORE_LEAVING && s < I->blo[k] + I->blen[k] ? I->blo[k] + I->blen[k] : s;
        if (left < I->e[2 * k]) left = I->e[2 * k];
        if (end - left > I->span[k]) return 0;
    }
    if (!I->any_ride) return 1;
    for (int i = 0; i < L; i++) {
        int v = q[i], j = REQ(v);
        if (IS_PICKUP(v) || I->ride[j] < 0) continue;
        int found = 0;
        for (int m = i - 1; m >= 0; m--) if (q[m] == v - 1) { if (cum[i] - cum[m] > I->ride[j]) return 0; found = 1; break; }
        if (!found) return 0;
    }
    return 1;
}

/* Whether route k may visit q[0..L-1] in this order: most visits, capacity, windows,
 * ride limits, span limit and break, as the model states them. Exact but for a span
 * limit on stops with several windows, tried from the earliest and the latest start
 * only (stricter). cum: scratch of 3L + 6 entries. With it, *start and *place (the
 * break's placement) give a schedule that keeps every rule (see schedule).
 *
 * A break is placed before leaving (it ends by the start), on the drive into a visit
 * or into the end (after the previous service, possibly while waiting), or after the
 * end. Without ride and span limits the cheap test of each placement on the earliest
 * and latest times of the route without its break is exact; with them, a placement
 * that passes is confirmed by a schedule from its latest start, which is the best one
 * for both (a later start absorbs waiting and never lengthens a ride). */
int rr_fit_route(const Inst *I, int k, const int *q, int L, i64 *cum, i64 *start, int *place) {
    if (L > I->max_visits[k]) return 0;
    i64 load[RR_MAX_DIMENSIONS] = {0};
    for (int i = 0; i < L; i++) {
        int v = q[i], j = REQ(v), pick = IS_PICKUP(v);
        for (int d = 0; d < I->D; d++) {
            load[d] += pick ? I->dem[j * I->D + d] : -I->dem[j * I->D + d];
            if (load[d] > I->cap[k * I->D + d]) return 0;
        }
    }
    int limits = I->any_ride || (I->span && I->span[k] >= 0);
    *start = I->e[2 * k];
    *place = NO_BREAK;
    if (!HAS_BREAK(k)) {
        i64 ls = latest_start(I, k, q, L, NO_BREAK);
        if (ls == -INF64) return 0;
        if (!limits) return 1;
        if (times_ok(I, k, q, L, ls, NO_BREAK, cum)) { *start = ls; return 1; }
        return I->e[2 * k] < ls && times_ok(I, k, q, L, I->e[2 * k], NO_BREAK, cum);
    }
    /* Without the break: earliest (asap) and latest (lat) times, index i + 1 for visit i,
     * 0 for the start, L + 1 for the end (cum keeps its first L + 2 entries for schedule). */
    i64 *asap = cum + L + 2, *lat = cum + 2 * L + 4;
    asap[0] = serve(I, 2 * k, I->e[2 * k]);
    asap[L + 1] = rr_route_schedule(I, k, q, L, I->e[2 * k], NO_BREAK, asap + 1);
    if (asap[L + 1] == INF64) return 0;
    i64 x = latest(I, 2 * k + 1, I->l[2 * k + 1]);
    lat[L + 1] = x;
    for (int i = L - 1, next = 2 * k + 1; i >= -1; i--) {
        int v = i >= 0 ? q[i] : 2 * k;
        x = x == -INF64 ? -INF64 : latest(I, v, x - TM(v, next));
        lat[i + 1] = x; next = v;
    }
    i64 bl = I->blo[k], bh = I->bhi[k], b = I->blen[k];
    for (int P = BEFORE_LEAVING; P <= L + 1; P++) {
        int ok;
        if (P == BEFORE_LEAVING) {
            ok = (asap[0] > bl + b ? asap[0] : bl + b) <= lat[0];
        } else if (P == L + 1) {
            ok = asap[L + 1] <= bh;
        } else {
            int u = P == 0 ? 2 * k : q[P - 1], v = P == L ? 2 * k + 1 : q[P];
            i64 t = asap[P], bs = t + SVC(u);
            if (bs < bl) bs = bl;
            i64 arrive = t + TM(u, v) + b;
            if (arrive < bs + b) arrive = bs + b;
            ok = bs <= bh && serve(I, v, arrive) <= lat[P + 1];
        }
        if (!ok) continue;
        *place = P;
        if (!limits) return 1;
        i64 ls = latest_start(I, k, q, L, P);
        if (ls == -INF64) continue;
        if (times_ok(I, k, q, L, ls, P, cum)) { *start = ls; return 1; }
        if (I->e[2 * k] < ls && times_ok(I, k, q, L, I->e[2 * k], P, cum)) return 1;
    }
    return 0;
}

int rr_route_fits(const Inst *I, int k, const int *q, int L, i64 *cum) {
    i64 start;
    int place;
    return rr_fit_route(I, k, q, L, cum, &start, &place);
}

Inst rr_inst_of(const RRInstance *in) {
    Inst inst = {.n = in->n, .V = in->V, .R = in->R, .D = in->D, .tm = in->time, .cm = in->cost,
                 .e = in->earliest, .l = in->latest, .dem = in->demand, .cap = in->capacity, .ride = in->ride,
                 .fixed = in->fixed, .max_visits = in->max_visits, .value = in->value, .allowed = in->allowed,
                 .service = in->service, .wstart = in->win_start, .wlo = in->win_lo, .whi = in->win_hi,
                 .span = in->max_span, .blo = in->break_lo, .bhi = in->break_hi, .blen = in->break_len,
                 .locked = in->locked_len};
    if (!inst.blo || !inst.bhi) inst.blen = NULL;
    for (int j = 0; j < in->R; j++) if (in->ride[j] >= 0) inst.any_ride = 1;
    return inst;
}

/* Times of a plan (see _ruin_recreate.h). */
int rr_schedule(const RRInstance *in, const int *routes, int64_t *times, int64_t *break_start) {
    Inst inst = rr_inst_of(in);
    const Inst *I = &inst;
    int L_max = 2 * in->R + 2;
    i64 *cum = malloc(sizeof(i64) * 3 * (size_t)(L_max + 2));
    if (!cum) return RR_NO_MEMORY;
    for (int v = 0; v < in->n; v++) times[v] = -1;
    for (int k = 0, pos = 0; k < in->V; k++) {
        const int *q = routes + pos;
        int L = 0;
        while (q[L] >= 0) L++;
        pos += L + 1;
        break_start[k] = -1;
        if (L == 0) continue;
        i64 start;
        int place;
        if (!rr_fit_route(I, k, q, L, cum, &start, &place)) continue; /* (done visits the rules no longer allow) */
        rr_route_schedule(I, k, q, L, start, place, cum);
        times[2 * k] = place == BEFORE_LEAVING && start < I->blo[k] + I->blen[k] ? I->blo[k] + I->blen[k] : start;
        if (times[2 * k] < I->e[2 * k]) times[2 * k] = I->e[2 * k];
        for (int i = 0; i < L; i++) times[q[i]] = cum[i];
        times[2 * k + 1] = cum[L];
        if (place != NO_BREAK) break_start[k] = cum[L + 1];
    }
    free(cum);
    return RR_OK;
}
