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

typedef struct Candidate {
        size_t vm;
        const PlannerVm *v;
        uint64_t room;          /* pages above the floor */
        uint64_t avail;         /* room, within zap_max */
        uint64_t take;          /* pages this plan zaps */
        uint64_t key;           /* what shares are proportional to */
        uint64_t frac;          /* remainder of the last division, for rounding */
} Candidate;

static int candidate_by_id(const void *a, const void *b) {
        return strcmp(((const Candidate *) a)->v->id, ((const Candidate *) b)->v->id);
}

static int candidate_by_cache_desc(const void *a, const void *b) {
        const Candidate *x = a, *y = b;

        if (x->v->cache_pages != y->v->cache_pages)
                return x->v->cache_pages > y->v->cache_pages ? -1 : 1;
        return strcmp(x->v->id, y->v->id);
}

static int candidate_by_frac_desc(const void *a, const void *b) {
        const Candidate *x = a, *y = b;

        if (x->frac != y->frac)
                return x->frac > y->frac ? -1 : 1;
        return strcmp(x->v->id, y->v->id);
}

/* Hands out 'amount' pages in proportion to c[i].key, never more than a
 * candidate's remaining room, the rounding leftovers going to the largest
 * remainders first (ties by id).  Returns what could not be placed. */
static uint64_t distribute(Candidate *c, size_t n, uint64_t amount) {
        while (amount > 0) {
                u128 total = 0;
                uint64_t given = 0;

                for (size_t i = 0; i < n; i++)
                        if (c[i].take < c[i].avail)
                                total += c[i].key;
                if (total == 0)
                        break;
                for (size_t i = 0; i < n; i++) {
                        u128 share;
                        uint64_t room = c[i].avail - c[i].take;

                        c[i].frac = 0;
                        if (room == 0 || c[i].key == 0)
                                continue;
                        share = (u128) amount * c[i].key / total;
                        c[i].frac = (uint64_t) ((u128) amount * c[i].key % total * 1000000 / total);
                        share = share > room ? room : share;
                        c[i].take += (uint64_t) share;
                        given += (uint64_t) share;
                }
                amount -= given;
                if (amount == 0)
                        break;
                /* Rounding leftovers: one page each, best remainder first. */
                qsort(c, n, sizeof(*c), candidate_by_frac_desc);
                for (size_t i = 0; i < n && amount > 0; i++)
                        if (c[i].key > 0 && c[i].take < c[i].avail) {
                                c[i].take++;
                                amount--;
                                given++;
                        }
                qsort(c, n, sizeof(*c), candidate_by_id);
                if (given == 0)
                        break;
        }
        return amount;
}

/* Turns per-VM decisions into steps, in VM id order. */
static int plan_build(Plan *p, const PlannerVm *vms, size_t n, const bool *caches, const uint64_t *zap);

static int step_by_id(const void *a, const void *b, void *userdata) {
        const PlannerVm *vms = userdata;

        return strcmp(vms[((const PlanStep *) a)->vm].id, vms[((const PlanStep *) b)->vm].id);
}

/* qsort_r (glibc) carries the input along, so the planner keeps no state
 * between calls and may run in any thread. */
static void plan_sort(Plan *p, const PlannerVm *vms) {
        if (p->n_steps > 1)
                qsort_r(p->steps, p->n_steps, sizeof(PlanStep), step_by_id, (void *) vms);
}

/* The share rule: each VM gives in proportion to what it holds above its
 * floor, divided by its weight.  Page-table memory grows with the guest, so
 * equal absolute shares would punish large guests; with equal weights and
 * no floors every VM gives the same fraction of what it holds. */
static void plan_zap(Candidate *c, size_t n, uint64_t goal) {
        uint64_t total_avail = 0;

        for (size_t i = 0; i < n; i++)
                total_avail = sat_add_u64(total_avail, c[i].avail);
        if (total_avail <= goal) {
                for (size_t i = 0; i < n; i++)
                        c[i].take = c[i].avail;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                u128 key = (u128) c[i].room * POLICY_WEIGHT_MAX / c[i].v->policy->weight;
                c[i].key = key > UINT64_MAX ? UINT64_MAX : (uint64_t) key;
        }
        (void) distribute(c, n, goal);
}

int planner_plan(const PlannerVm *vms, size_t n, const PlanRequest *req, Plan *ret) {
        _cleanup_free_ Candidate *c = NULL;
        _cleanup_free_ bool *caches = NULL;
        _cleanup_free_ uint64_t *zap = NULL;
        uint64_t goal = min_u64(req->goal_pages, req->round_cap), cache_pages = 0;
        size_t nc = 0, nz = 0;

        c = calloc(n ? n : 1, sizeof(Candidate));
        caches = calloc(n ? n : 1, sizeof(bool));
        zap = calloc(n ? n : 1, sizeof(uint64_t));
        if (!c || !caches || !zap)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!vms[i].policy->protect && vm_in_scope(&vms[i], req->scope))
                        c[nc++] = (Candidate) { .vm = i, .v = &vms[i] };

        /* Caches first: free pages nobody uses before zapping any in use. */
        qsort(c, nc, sizeof(*c), candidate_by_cache_desc);
        for (size_t i = 0; i < nc && cache_pages < goal; i++) {
                if (!(c[i].v->policy->action & RECLAIM_CACHES) || c[i].v->cache_pages == 0)
                        continue;
                caches[c[i].vm] = true;
                cache_pages = sat_add_u64(cache_pages, c[i].v->cache_pages);
        }
        goal = goal > cache_pages ? goal - cache_pages : 0;

        /* Then zap, among VMs allowed to and above their floor. */
        for (size_t i = 0; i < nc; i++) {
                const PlannerVm *v = c[i].v;
                if (!(v->policy->action & RECLAIM_ZAP) || v->shadow_pages <= v->policy->min_pages)
                        continue;
                c[nz] = c[i];
                c[nz].room = v->shadow_pages - v->policy->min_pages;
                c[nz].avail = min_u64(c[nz].room, req->zap_max);
                c[nz].take = 0;
                nz++;
        }
        qsort(c, nz, sizeof(*c), candidate_by_id);
        if (goal > 0 && nz > 0) {
                plan_zap(c, nz, goal);
                for (size_t i = 0; i < nz; i++)
                        zap[c[i].vm] = c[i].take;
        }
        return plan_build(ret, vms, n, caches, zap);
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
        return plan_build(ret, vms, n, NULL, zap);
}

static int plan_build(Plan *p, const PlannerVm *vms, size_t n, const bool *caches, const uint64_t *zap) {
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
        plan_sort(&plan, vms);
        *p = plan;
        return 0;
}
