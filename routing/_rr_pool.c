/* The compiled search's route pool (RRPool in _ruin_recreate.h): the distinct routes
 * of the good plans its cost phase weighs, for a set-partitioning model to recombine
 * (routing/recombine.py). Annealing visits many plans near the best one, and each
 * has routes the best plan lacks; on the 200-node benchmark days, recombining the
 * pooled routes of two runs lowered the cost of 3 of 13 best plans. */
#include "_rr_plan.h"
#include <stdlib.h>
#include <string.h>

static uint64_t route_hash(int k, const int *q, int L) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(unsigned)k;
    for (int i = 0; i < L; i++) {
        h ^= (uint64_t)(unsigned)q[i] + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ULL;
    }
    h ^= h >> 31;
    return h ? h : 1; /* 0 marks a free slot */
}

static int grow(void **p, int *cap, int need, size_t item) {
    if (need <= *cap) return 1;
    int c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(*p, item * (size_t)c);
    if (!q) return 0;
    *p = q; *cap = c;
    return 1;
}

int rr_pool_start(RRPool *pool, int max_routes, int V) {
    memset(pool, 0, sizeof *pool);
    pool->max_routes = max_routes;
    /* room for the best plan's routes once the pool is full, at most half full */
    int len = 1;
    while (len < 2 * (max_routes + V)) len *= 2;
    pool->hashes = calloc((size_t)len, sizeof(uint64_t));
    pool->offset = malloc(sizeof(int));
    if (!pool->hashes || !pool->offset) { rr_pool_free(pool); return RR_NO_MEMORY; }
    pool->hash_len = len;
    pool->offset[0] = 0;
    return RR_OK;
}

void rr_pool_free(RRPool *pool) {
    if (!pool) return;
    free(pool->vehicle); free(pool->cost); free(pool->plan_cost); free(pool->offset); free(pool->nodes); free(pool->hashes);
    memset(pool, 0, sizeof *pool);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A full pool keeps the routes of its better half of plans (by the cost of the plan each
 * came with): the best plan improves as the search goes, and the routes of the first,
 * poorer plans would otherwise crowd out those near the final one. */
static int compact(RRPool *pool) {
    int n = pool->count;
    int64_t *sorted = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!sorted) return RR_NO_MEMORY;
    memcpy(sorted, pool->plan_cost, sizeof(int64_t) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(int64_t), cmp_i64);
    int64_t bound = sorted[n / 2];
    free(sorted);
    memset(pool->hashes, 0, sizeof(uint64_t) * (size_t)pool->hash_len);
    int kept = 0, used = 0, mask = pool->hash_len - 1;
    for (int r = 0; r < n; r++) {
        /* (strictly below the median, so ties never keep more than half) */
        if (pool->plan_cost[r] >= bound) continue;
        int first = pool->offset[r], L = pool->offset[r + 1] - first;
        memmove(pool->nodes + used, pool->nodes + first, sizeof(int) * (size_t)L);
        pool->vehicle[kept] = pool->vehicle[r];
        pool->cost[kept] = pool->cost[r];
        pool->plan_cost[kept] = pool->plan_cost[r];
        pool->offset[kept] = used;
        uint64_t h = route_hash(pool->vehicle[kept], pool->nodes + used, L);
        int slot = (int)(h & (uint64_t)mask);
        while (pool->hashes[slot]) slot = (slot + 1) & mask;
        pool->hashes[slot] = h;
        used += L;
        kept++;
    }
    pool->offset[kept] = used;
    pool->count = kept;
    return RR_OK;
}

int rr_pool_add(const Inst *I, RRPool *pool, const Sol *s, int k, int always) {
    int L = s->len[k];
    if (L == 0) return RR_OK;
    if (!always && pool->count >= pool->max_routes) {
        int status = compact(pool);
        if (status != RR_OK) return status;
    }
    const int *q = s->seq + (size_t)k * CAPL;
    uint64_t h = route_hash(k, q, L);
    int mask = pool->hash_len - 1, slot = (int)(h & (uint64_t)mask);
    while (pool->hashes[slot]) {
        /* (equal hashes are taken for equal routes: a false match only loses one route) */
        if (pool->hashes[slot] == h) return RR_OK;
        slot = (slot + 1) & mask;
    }
    if (pool->count + 1 >= pool->hash_len / 2) return RR_OK;
    int n = pool->count, used = pool->offset[n];
    if (n + 2 > pool->cap_routes) {
        /* the three arrays of routes share one capacity */
        int c1 = pool->cap_routes, c2 = pool->cap_routes, c3 = pool->cap_routes, c4 = pool->cap_routes;
        if (!grow((void **)&pool->vehicle, &c1, n + 2, sizeof(int)) ||
                !grow((void **)&pool->cost, &c2, n + 2, sizeof(int64_t)) ||
                !grow((void **)&pool->plan_cost, &c4, n + 2, sizeof(int64_t)) ||
                !grow((void **)&pool->offset, &c3, n + 2, sizeof(int)))
            return RR_NO_MEMORY;
        pool->cap_routes = c1;
    }
    if (!grow((void **)&pool->nodes, &pool->cap_nodes, used + L, sizeof(int))) return RR_NO_MEMORY;
    i64 c = I->fixed[k] + CM(2 * k, q[0]) + CM(q[L - 1], 2 * k + 1);
    for (int i = 0; i + 1 < L; i++) c += CM(q[i], q[i + 1]);
    memcpy(pool->nodes + used, q, sizeof(int) * (size_t)L);
    pool->vehicle[n] = k;
    pool->cost[n] = c;
    pool->plan_cost[n] = s->cost;
    pool->offset[n + 1] = used + L;
    pool->hashes[slot] = h;
    pool->count = n + 1;
    return RR_OK;
}
