/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "planner.h"
#include "util.h"

typedef unsigned __int128 u128;

void plan_done(Plan *p) {
        if (!p)
                return;
        free(p->steps);
        free(p->owed_milli);
        *p = (Plan) {};
}

static bool vm_in_scope(const PlannerVm *v, const char *scope) {
        if (!scope || strcmp(scope, "/") == 0)
                return true;
        return v->cgroup && cgroup_path_startswith(v->cgroup, scope);
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
        return a > b ? a : b;
}

typedef struct Candidate {
        size_t vm;
        const PlannerVm *v;
        size_t rank;            /* of its id among the input's: orders ties */
        uint64_t room;          /* pages above the floor */
        uint64_t avail;         /* room, within zap_max */
        uint64_t take;          /* pages this plan asks for */
        uint64_t key;           /* what shares are proportional to */
        uint64_t share;         /* this round's share, in thousandths of pages */
        int64_t owed;           /* owed after this round's share, thousandths */
        bool active;            /* still being shared out to */
} Candidate;

static int by_rank(size_t x, size_t y) {
        return x < y ? -1 : x > y;
}

/* The cache pages "caches" may free: none where Action= does not say it. */
static uint64_t cache_of(const Candidate *c) {
        return c->v->policy->action & RECLAIM_CACHES ? c->v->cache_pages : 0;
}

static int candidate_by_cache_desc(const void *a, const void *b) {
        const Candidate *x = a, *y = b;

        if (cache_of(x) != cache_of(y))
                return cache_of(x) > cache_of(y) ? -1 : 1;
        return by_rank(x->rank, y->rank);
}

/* What is still owed once 'take' is asked: the order of who is asked next. */
static int64_t residual(const Candidate *c) {
        return c->owed - (int64_t) c->take * 1000;
}

static int candidate_by_owed_desc(const void *a, const void *b) {
        const Candidate *x = a, *y = b;
        int64_t rx = residual(x), ry = residual(y);

        if (rx != ry)
                return rx > ry ? -1 : 1;
        return by_rank(x->rank, y->rank);
}

static void swap_candidates(Candidate *a, Candidate *b) {
        Candidate t = *a;
        *a = *b;
        *b = t;
}

/* Puts the first k of c[] in cmp's order at its front, sorted, in about
 * 2n comparisons (quickselect, then a sort of k): a pressure round needs
 * the few VMs that owe most or cache most of thousands, not all in order. */
static void select_first(Candidate *c, size_t n, size_t k, int (*cmp)(const void *, const void *)) {
        size_t lo = 0, hi = n;

        if (k >= n) {
                qsort(c, n, sizeof(*c), cmp);
                return;
        }
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2, store = lo;

                /* Median of three as the pivot, moved to the end. */
                if (cmp(&c[mid], &c[lo]) < 0)
                        swap_candidates(&c[mid], &c[lo]);
                if (cmp(&c[hi - 1], &c[lo]) < 0)
                        swap_candidates(&c[hi - 1], &c[lo]);
                if (cmp(&c[mid], &c[hi - 1]) < 0)
                        swap_candidates(&c[mid], &c[hi - 1]);
                for (size_t i = lo; i < hi - 1; i++)
                        if (cmp(&c[i], &c[hi - 1]) < 0)
                                swap_candidates(&c[i], &c[store++]);
                swap_candidates(&c[store], &c[hi - 1]);
                if (store == k)
                        break;
                if (store < k)
                        lo = store + 1;
                else
                        hi = store;
        }
        qsort(c, k, sizeof(*c), cmp);
}

static uint64_t held(const PlannerVm *v) {
        return sat_add_u64(v->shadow_pages, v->tdp_pages);
}

/* Hands out 'amount' thousandths of pages in proportion to c[i].key, never
 * more than a candidate's avail (water-filling: those a proportional share
 * would overfill get their avail, the rest is shared again among the
 * others).  Less than n thousandths may be left over by the divisions. */
static void share_out(Candidate *c, size_t n, uint64_t amount) {
        for (size_t i = 0; i < n; i++) {
                c[i].share = 0;
                c[i].active = c[i].key > 0 && c[i].avail > 0;
        }
        while (amount > 0) {
                u128 total = 0;
                bool capped = false;

                for (size_t i = 0; i < n; i++)
                        if (c[i].active)
                                total += c[i].key;
                if (total == 0)
                        return;
                for (size_t i = 0; i < n; i++) {
                        u128 cap = (u128) c[i].avail * 1000 - c[i].share;

                        if (c[i].active && (u128) amount * c[i].key / total >= cap) {
                                c[i].share += (uint64_t) cap;
                                amount -= (uint64_t) min_u64((uint64_t) cap, amount);
                                c[i].active = false;
                                capped = true;
                        }
                }
                if (capped)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (c[i].active)
                                c[i].share += (uint64_t) ((u128) amount * c[i].key / total);
                return;
        }
}

/* Pages: a thousandths count rounded to the nearest page, 0 if not owed. */
static uint64_t owed_pages(int64_t milli) {
        return milli <= 0 ? 0 : (uint64_t) (milli + 500) / 1000;
}

static void ask(Candidate *c, uint64_t pages, uint64_t *left) {
        pages = min_u64(min_u64(pages, c->avail - c->take), *left);
        c->take += pages;
        *left -= pages;
}

/* One tier: its members' shares of 'goal' are added to what they owe;
 * then the ones that owe the most are asked, each at least a batch (or
 * all it can give), until the goal is met; rounding leftovers go a page
 * at a time to the largest residuals.  Returns what is left of the goal. */
static uint64_t plan_tier(Candidate *c, size_t n, uint64_t goal, uint64_t batch) {
        uint64_t total_avail = 0, left = goal;

        if (n == 0 || goal == 0)
                return goal;
        for (size_t i = 0; i < n; i++)
                total_avail = sat_add_u64(total_avail, c[i].avail);
        if (total_avail <= goal) {
                /* Everything they can give: nothing is owed after. */
                for (size_t i = 0; i < n; i++) {
                        c[i].take = c[i].avail;
                        c[i].owed = 0;
                }
                return goal - total_avail;
        }
        /* The share rule: each gives in proportion to what it holds above
         * its floor, divided by its weight.  Page-table memory grows with
         * the guest, so equal absolute shares would punish large guests;
         * with equal weights and no floors every VM gives the same
         * fraction of what it holds. */
        for (size_t i = 0; i < n; i++) {
                u128 key = (u128) c[i].room * POLICY_WEIGHT_MAX / c[i].v->policy->weight;
                c[i].key = key > UINT64_MAX ? UINT64_MAX : (uint64_t) key;
        }
        share_out(c, n, goal > UINT64_MAX / 1000 ? UINT64_MAX : goal * 1000);
        for (size_t i = 0; i < n; i++) {
                int64_t s = c[i].share > (uint64_t) INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t) c[i].share;
                int64_t o = c[i].v->owed_milli;
                /* What is owed never exceeds what can be given. */
                int64_t cap = c[i].avail > (uint64_t) INT64_MAX / 2000 ? INT64_MAX / 2 : (int64_t) c[i].avail * 1000;

                o = o > INT64_MAX / 2 - s ? INT64_MAX / 2 : o + s;
                c[i].owed = o < cap ? o : cap;
        }

        /* Who owes the most is asked first: at least a batch, so a share too
         * small to be worth a write waits, and is asked with the next.  With
         * batches, goal / batch of them (and one) are enough to look at. */
        select_first(c, n, batch > 0 ? (size_t) min_u64(goal / batch + 2, n) : n, candidate_by_owed_desc);
        for (size_t i = 0; i < n && left > 0; i++) {
                uint64_t want = owed_pages(c[i].owed);

                if (c[i].owed <= 0 || (want == 0 && batch == 0))
                        continue;
                ask(&c[i], max_u64(want, min_u64(batch, c[i].avail)), &left);
        }
        /* Leftovers of the rounding (and of VMs that gave ahead): to the
         * largest residuals, a page to those already asked, a batch to
         * others, until the goal is met. */
        while (left > 0) {
                uint64_t before = left;
                size_t k = 0;

                qsort(c, n, sizeof(*c), candidate_by_owed_desc);
                for (size_t i = 0; i < n; i++)
                        k += c[i].take < c[i].avail;
                for (size_t i = 0; i < n && left > 0 && k > 0; i++) {
                        uint64_t step = max_u64(1, left / k);

                        if (c[i].take >= c[i].avail)
                                continue;
                        ask(&c[i], c[i].take > 0 ? step : max_u64(step, min_u64(batch, c[i].avail)), &left);
                }
                if (left == before)
                        break;
        }
        for (size_t i = 0; i < n; i++)
                c[i].owed -= (int64_t) c[i].take * 1000;
        return left;
}

/* Turns per-VM decisions into steps, in VM id order. */
static int plan_build(Plan *p, const PlannerVm *vms, size_t n, const bool *caches, const uint64_t *zap,
                      const size_t *rank);

static int index_by_id(const void *a, const void *b, void *userdata) {
        const PlannerVm *vms = userdata;

        return strcmp(vms[*(const size_t *) a].id, vms[*(const size_t *) b].id);
}

/* rank[i]: the place of vms[i].id among all ids.  Ties are broken by it,
 * so the plan does not depend on the input's order, and no comparison
 * needs strcmp().  The daemon passes its VMs sorted by id: one pass says
 * so, and the rank is the index.  (qsort_r carries the input along: no
 * state between calls, any thread.) */
static size_t *id_ranks(const PlannerVm *vms, size_t n) {
        _cleanup_free_ size_t *order = NULL;
        size_t *rank = calloc(n ? n : 1, sizeof(size_t));
        bool sorted = true;

        if (!rank)
                return NULL;
        for (size_t i = 1; i < n && sorted; i++)
                sorted = strcmp(vms[i - 1].id, vms[i].id) < 0;
        for (size_t i = 0; i < n; i++)
                rank[i] = i;
        if (sorted)
                return rank;
        order = malloc((n ? n : 1) * sizeof(size_t));
        if (!order) {
                free(rank);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                order[i] = i;
        qsort_r(order, n, sizeof(size_t), index_by_id, (void *) vms);
        for (size_t i = 0; i < n; i++)
                rank[order[i]] = i;
        return rank;
}

static int step_by_rank(const void *a, const void *b, void *userdata) {
        const size_t *rank = userdata;

        return by_rank(rank[((const PlanStep *) a)->vm], rank[((const PlanStep *) b)->vm]);
}

int planner_plan(const PlannerVm *vms, size_t n, const PlanRequest *req, Plan *ret) {
        _cleanup_free_ Candidate *c = NULL, *t = NULL;
        _cleanup_free_ bool *caches = NULL;
        _cleanup_free_ uint64_t *zap = NULL;
        _cleanup_free_ int64_t *owed = NULL;
        _cleanup_free_ size_t *rank = NULL;
        uint64_t goal = min_u64(req->goal_pages, req->round_cap), cache_pages = 0, batch = req->batch_pages;
        size_t nc = 0, nz = 0;
        int r;

        c = calloc(n ? n : 1, sizeof(Candidate));
        t = calloc(n ? n : 1, sizeof(Candidate));
        caches = calloc(n ? n : 1, sizeof(bool));
        zap = calloc(n ? n : 1, sizeof(uint64_t));
        owed = calloc(n ? n : 1, sizeof(int64_t));
        if (!c || !t || !caches || !zap || !owed)
                return -ENOMEM;
        rank = id_ranks(vms, n);
        if (!rank)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                owed[i] = vms[i].owed_milli;
                if (!vms[i].policy->protect && vm_in_scope(&vms[i], req->scope))
                        c[nc++] = (Candidate) { .vm = i, .v = &vms[i], .rank = rank[i] };
        }

        /* Caches first: free pages nobody uses before taking any in use. */
        select_first(c, nc, req->max_vms ? req->max_vms : nc, candidate_by_cache_desc);
        for (size_t i = 0, k = 0; i < nc && cache_pages < goal && (!req->max_vms || k < req->max_vms); i++) {
                if (cache_of(&c[i]) == 0)
                        break;  /* the rest have none to give */
                caches[c[i].vm] = true;
                cache_pages = sat_add_u64(cache_pages, c[i].v->cache_pages);
                k++;
        }
        goal = goal > cache_pages ? goal - cache_pages : 0;
        /* Batches bound a round's writes when it cannot ask every VM: at
         * most max_vms of them, batches of goal / max_vms.  When every VM
         * that could give fits in a round, each is asked its exact share:
         * a batch would leave a small VM's share owed round after round. */
        if (req->max_vms > 0 && req->batch_pages > 0) {
                size_t can_give = 0;

                for (size_t i = 0; i < nc; i++)
                        can_give += (c[i].v->policy->action & RECLAIM_ZAP) && held(c[i].v) > c[i].v->policy->min_pages;
                batch = can_give <= req->max_vms ? 0 : max_u64(batch, (goal + req->max_vms - 1) / req->max_vms);
        }

        /* Then page tables, among VMs allowed to and above their floor: the
         * VMs not backed off first (tier 0), then the others (tier 1). */
        for (int tier = 0; tier < 2; tier++) {
                size_t first = nz;

                for (size_t i = 0; i < nc; i++) {
                        const PlannerVm *v = c[i].v;

                        if (!(v->policy->action & RECLAIM_ZAP) || held(v) <= v->policy->min_pages ||
                            v->backed_off != (tier == 1))
                                continue;
                        t[nz] = (Candidate) { .vm = c[i].vm, .v = v, .rank = c[i].rank,
                                              .room = held(v) - v->policy->min_pages };
                        t[nz].avail = min_u64(t[nz].room, req->zap_max);
                        nz++;
                }
                goal = plan_tier(t + first, nz - first, goal, batch);
        }
        for (size_t i = 0; i < nz; i++) {
                zap[t[i].vm] = t[i].take;
                owed[t[i].vm] = t[i].owed;
        }
        r = plan_build(ret, vms, n, caches, zap, rank);
        if (r < 0)
                return r;
        ret->owed_milli = TAKE_PTR(owed);
        return 0;
}

int planner_enforce_caps(const PlannerVm *vms, size_t n, uint64_t zap_max, Plan *ret) {
        _cleanup_free_ uint64_t *zap = calloc(n ? n : 1, sizeof(uint64_t));

        if (!zap)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const Policy *p = vms[i].policy;

                if (p->protect || p->max_pages == 0 || !(p->action & RECLAIM_ZAP) ||
                    vms[i].shadow_pages <= p->max_pages)
                        continue;
                zap[i] = min_u64(vms[i].shadow_pages - p->max_pages, zap_max);
        }
        return plan_build(ret, vms, n, NULL, zap, NULL);
}

static int plan_build(Plan *p, const PlannerVm *vms, size_t n, const bool *caches, const uint64_t *zap,
                      const size_t *rank) {
        _cleanup_free_ size_t *own = NULL;
        Plan plan = {};
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                if ((caches && caches[i]) || zap[i] > 0)
                        k++;
        plan.steps = calloc(k ? k : 1, sizeof(PlanStep));
        if (!plan.steps)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bool c = caches && caches[i];
                if (!c && zap[i] == 0)
                        continue;
                plan.steps[plan.n_steps++] = (PlanStep) { .vm = i, .caches = c, .zap = zap[i] };
                plan.cache_pages = sat_add_u64(plan.cache_pages, c ? vms[i].cache_pages : 0);
                plan.zap_pages += zap[i];
        }
        if (plan.n_steps > 1) {
                if (!rank) {
                        rank = own = id_ranks(vms, n);
                        if (!rank) {
                                free(plan.steps);
                                return -ENOMEM;
                        }
                }
                qsort_r(plan.steps, plan.n_steps, sizeof(PlanStep), step_by_rank, (void *) rank);
        }
        *p = plan;
        return 0;
}
