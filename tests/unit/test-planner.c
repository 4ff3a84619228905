/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Planner table tests: inputs are plain structs, outputs exact plans. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "planner.h"

#define ZAP_MAX 65536

static Policy pol(uint32_t weight) {
        Policy p;
        policy_init_defaults(&p);
        p.cgroup = (char *) "/";
        p.weight = weight;
        return p;
}

/* Pages the plan takes from VM 'id' by zapping (0 if none), and whether
 * it frees its caches. */
static uint64_t zap_of(const Plan *p, const PlannerVm *vms, const char *id) {
        for (size_t i = 0; i < p->n_steps; i++)
                if (strcmp(vms[p->steps[i].vm].id, id) == 0)
                        return p->steps[i].zap;
        return 0;
}

static bool caches_of(const Plan *p, const PlannerVm *vms, const char *id) {
        for (size_t i = 0; i < p->n_steps; i++)
                if (strcmp(vms[p->steps[i].vm].id, id) == 0)
                        return p->steps[i].caches;
        return false;
}

static Plan plan(const PlannerVm *vms, size_t n, const char *scope, uint64_t goal, uint64_t cap) {
        Plan p = {};
        PlanRequest req = { .scope = scope, .goal_pages = goal, .round_cap = cap, .zap_max = ZAP_MAX };
        assert_int_equal(planner_plan(vms, n, &req, &p), 0);
        return p;
}

static void test_equal_weights_give_the_same_fraction(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "1-1", .shadow_pages = 1000, .policy = &d },
                { .id = "2-1", .shadow_pages = 3000, .policy = &d },
        };
        /* 1000 of 4000 held: each gives a quarter of what it holds. */
        Plan p = plan(vms, 2, NULL, 1000, 100000);
        assert_int_equal(zap_of(&p, vms, "1-1"), 250);
        assert_int_equal(zap_of(&p, vms, "2-1"), 750);
        assert_int_equal(p.zap_pages, 1000);
        plan_done(&p);
}

static void test_weight_divides_the_share(void **state) {
        Policy heavy = pol(300), light = pol(100);
        PlannerVm vms[] = {
                { .id = "1-1", .shadow_pages = 2000, .policy = &heavy },
                { .id = "2-1", .shadow_pages = 2000, .policy = &light },
        };
        /* Keys 2000/300 and 2000/100, i.e. 1:3: 800 splits 200 and 600. */
        Plan p = plan(vms, 2, NULL, 800, 100000);
        assert_int_equal(zap_of(&p, vms, "1-1"), 200);
        assert_int_equal(zap_of(&p, vms, "2-1"), 600);
        plan_done(&p);
}

static void test_zap_in_proportion_to_what_is_held(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 7000, .policy = &d },
                { .id = "b", .shadow_pages = 5000, .policy = &d },
                { .id = "c", .shadow_pages = 0, .policy = &d },
        };
        /* 2000 * 7/12 = 1166.7 and 2000 * 5/12 = 833.3: the larger
         * remainder gets the odd page. */
        Plan p = plan(vms, 3, NULL, 2000, 100000);
        assert_int_equal(zap_of(&p, vms, "a"), 1167);
        assert_int_equal(zap_of(&p, vms, "b"), 833);
        assert_int_equal(zap_of(&p, vms, "c"), 0);
        plan_done(&p);
}

static void test_sizes_1_to_16_lose_the_same_fraction(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 288, .policy = &d },
                { .id = "b", .shadow_pages = 576, .policy = &d },
                { .id = "c", .shadow_pages = 1152, .policy = &d },
                { .id = "d", .shadow_pages = 2304, .policy = &d },
                { .id = "e", .shadow_pages = 4608, .policy = &d },
        };
        /* 6400 of 8928: every VM gives 71.7 % of what it holds (the issue's
         * example; the old excess-first rule took 82 % from the largest and
         * 55 % from the others). */
        Plan p = plan(vms, 5, NULL, 6400, 100000);
        double lo = 1, hi = 0;
        assert_int_equal(p.zap_pages, 6400);
        for (size_t i = 0; i < 5; i++) {
                double f = (double) zap_of(&p, vms, vms[i].id) / (double) vms[i].shadow_pages;
                lo = f < lo ? f : lo;
                hi = f > hi ? f : hi;
        }
        assert_true(lo > 0.714 && hi < 0.720);
        plan_done(&p);
}

static void test_floor_shrinks_the_share(void **state) {
        Policy floor = pol(100), d = pol(100);
        floor.min_pages = 2000;
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 3000, .policy = &floor },
                { .id = "b", .shadow_pages = 3000, .policy = &d },
        };
        /* Above the floor: 1000 and 3000, so 800 splits 200 and 600. */
        Plan p = plan(vms, 2, NULL, 800, 100000);
        assert_int_equal(zap_of(&p, vms, "a"), 200);
        assert_int_equal(zap_of(&p, vms, "b"), 600);
        plan_done(&p);
}

static void test_rounding_is_exact_and_deterministic(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "c", .shadow_pages = 2000, .policy = &d },
                { .id = "a", .shadow_pages = 2000, .policy = &d },
                { .id = "b", .shadow_pages = 2000, .policy = &d },
                { .id = "z", .shadow_pages = 0, .policy = &d },
        };
        /* Equal holdings: 1000 / 3 does not divide, ties go by id. */
        Plan p = plan(vms, 4, NULL, 1000, 100000);
        assert_int_equal(p.zap_pages, 1000);
        assert_int_equal(zap_of(&p, vms, "a"), 334);
        assert_int_equal(zap_of(&p, vms, "b"), 333);
        assert_int_equal(zap_of(&p, vms, "c"), 333);
        /* Steps come sorted by id whatever the input order. */
        assert_string_equal(vms[p.steps[0].vm].id, "a");
        assert_string_equal(vms[p.steps[2].vm].id, "c");
        plan_done(&p);
}

static void test_floor_is_never_crossed(void **state) {
        Policy floor = pol(100), d = pol(100);
        floor.min_pages = 3000;
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 3500, .policy = &floor },
                { .id = "b", .shadow_pages = 100, .policy = &d },
        };
        Plan p = plan(vms, 2, NULL, 1000, 100000);
        assert_int_equal(zap_of(&p, vms, "a"), 500);
        assert_int_equal(zap_of(&p, vms, "b"), 100);
        plan_done(&p);
}

static void test_protected_vm_is_untouched(void **state) {
        Policy prot = pol(100), d = pol(100);
        prot.protect = true;
        PlannerVm vms[] = {
                { .id = "big", .shadow_pages = 100000, .cache_pages = 500, .policy = &prot },
                { .id = "small", .shadow_pages = 1000, .cache_pages = 10, .policy = &d },
        };
        Plan p = plan(vms, 2, NULL, 5000, 100000);
        assert_int_equal(zap_of(&p, vms, "big"), 0);
        assert_false(caches_of(&p, vms, "big"));
        assert_true(caches_of(&p, vms, "small"));
        assert_int_equal(zap_of(&p, vms, "small"), 1000);
        plan_done(&p);
}

static void test_scope_limits_to_the_subtree(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "in", .cgroup = "/vms/a/x.scope", .shadow_pages = 1000, .policy = &d },
                { .id = "sibling", .cgroup = "/vms/ab", .shadow_pages = 9000, .policy = &d },
                { .id = "unknown", .cgroup = NULL, .shadow_pages = 9000, .policy = &d },
        };
        Plan p = plan(vms, 3, "/vms/a", 500, 100000);
        assert_int_equal(zap_of(&p, vms, "in"), 500);
        assert_int_equal(zap_of(&p, vms, "sibling"), 0);
        assert_int_equal(zap_of(&p, vms, "unknown"), 0);
        plan_done(&p);
        /* The host scope sees all of them, the unknown cgroup too. */
        p = plan(vms, 3, NULL, 500, 100000);
        assert_int_equal(p.zap_pages, 500);
        assert_int_not_equal(zap_of(&p, vms, "unknown"), 0);
        plan_done(&p);
}

static void test_caches_first_then_zap(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 5000, .cache_pages = 50, .policy = &d },
                { .id = "b", .shadow_pages = 5000, .cache_pages = 30, .policy = &d },
        };
        Plan p = plan(vms, 2, NULL, 40, 100000);
        /* The bigger cache alone covers the goal: nothing is zapped. */
        assert_true(caches_of(&p, vms, "a"));
        assert_false(caches_of(&p, vms, "b"));
        assert_int_equal(p.zap_pages, 0);
        plan_done(&p);

        p = plan(vms, 2, NULL, 180, 100000);
        assert_true(caches_of(&p, vms, "a"));
        assert_true(caches_of(&p, vms, "b"));
        assert_int_equal(p.cache_pages, 80);
        assert_int_equal(p.zap_pages, 100);
        assert_int_equal(zap_of(&p, vms, "a"), 50);
        assert_int_equal(zap_of(&p, vms, "b"), 50);
        plan_done(&p);
}

static void test_action_limits_what_is_asked(void **state) {
        Policy caches_only = pol(100), zap_only = pol(100);
        caches_only.action = RECLAIM_CACHES;
        zap_only.action = RECLAIM_ZAP;
        PlannerVm vms[] = {
                { .id = "c", .shadow_pages = 9000, .cache_pages = 40, .policy = &caches_only },
                { .id = "z", .shadow_pages = 1000, .cache_pages = 40, .policy = &zap_only },
        };
        Plan p = plan(vms, 2, NULL, 500, 100000);
        assert_true(caches_of(&p, vms, "c"));
        assert_int_equal(zap_of(&p, vms, "c"), 0);
        assert_false(caches_of(&p, vms, "z"));
        assert_int_equal(zap_of(&p, vms, "z"), 460);
        plan_done(&p);
}

static void test_round_cap_and_zap_max(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 500000, .policy = &d },
                { .id = "b", .shadow_pages = 10, .policy = &d },
        };
        Plan p = plan(vms, 2, NULL, 1000000, 300);
        assert_int_equal(p.zap_pages, 300);
        plan_done(&p);
        p = plan(vms, 2, NULL, 1000000, 1000000);
        assert_int_equal(zap_of(&p, vms, "a"), ZAP_MAX);
        plan_done(&p);
}

static void test_weight_and_size_can_cancel(void **state) {
        Policy d = pol(100), heavy = pol(300);
        /* 3x the pages at 3x the weight gives the same absolute amount,
         * a third of the fraction. */
        PlannerVm w[] = {
                { .id = "h", .shadow_pages = 3000, .policy = &heavy },
                { .id = "l", .shadow_pages = 1000, .policy = &d },
        };
        Plan p = plan(w, 2, NULL, 400, 100000);
        assert_int_equal(zap_of(&p, w, "h"), 200);
        assert_int_equal(zap_of(&p, w, "l"), 200);
        plan_done(&p);
}

static void test_nothing_to_do(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = { { .id = "a", .shadow_pages = 0, .policy = &d } };
        Plan p = plan(vms, 1, NULL, 100, 100);
        assert_int_equal(p.n_steps, 0);
        plan_done(&p);
        p = plan(NULL, 0, NULL, 100, 100);
        assert_int_equal(p.n_steps, 0);
        plan_done(&p);
}

static Plan plan_batched(const PlannerVm *vms, size_t n, uint64_t goal, uint64_t batch) {
        Plan p = {};
        PlanRequest req = { .goal_pages = goal, .round_cap = goal, .zap_max = ZAP_MAX, .batch_pages = batch };
        assert_int_equal(planner_plan(vms, n, &req, &p), 0);
        return p;
}

static void test_tdp_tables_are_held_like_shadow_pages(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "shadow", .shadow_pages = 1000, .policy = &d },
                { .id = "tdp", .shadow_pages = 4, .tdp_pages = 2996, .policy = &d },
        };
        /* 1000 and 3000 page-table pages: a quarter each of 1000... each
         * gives the same fraction, 250 and 750. */
        Plan p = plan(vms, 2, NULL, 1000, 100000);
        assert_int_equal(zap_of(&p, vms, "shadow"), 250);
        assert_int_equal(zap_of(&p, vms, "tdp"), 750);
        plan_done(&p);
}

static void test_a_backed_off_vm_gives_only_what_the_others_cannot(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "cold", .shadow_pages = 1000, .policy = &d },
                { .id = "hot", .shadow_pages = 9000, .policy = &d, .backed_off = true },
        };
        /* The cold one can give 1000 of the 600 asked: all from it. */
        Plan p = plan(vms, 2, NULL, 600, 100000);
        assert_int_equal(zap_of(&p, vms, "cold"), 600);
        assert_int_equal(zap_of(&p, vms, "hot"), 0);
        plan_done(&p);
        /* 1500: the cold one gives all it has, the hot one the other 500. */
        p = plan(vms, 2, NULL, 1500, 100000);
        assert_int_equal(zap_of(&p, vms, "cold"), 1000);
        assert_int_equal(zap_of(&p, vms, "hot"), 500);
        plan_done(&p);
}

static void test_a_share_below_a_batch_is_owed_not_asked(void **state) {
        Policy d = pol(100);
        PlannerVm vms[] = {
                { .id = "a", .shadow_pages = 100, .policy = &d },
                { .id = "b", .shadow_pages = 9900, .policy = &d },
        };
        /* 1000 splits 10 and 990: a's 10 is below a batch of 64, but the
         * goal still wants them, so a is asked its batch... */
        Plan p = plan_batched(vms, 2, 1000, 64);
        assert_int_equal(p.zap_pages, 1000);
        assert_int_equal(zap_of(&p, vms, "b"), 990);
        assert_int_equal(zap_of(&p, vms, "a"), 10);
        plan_done(&p);
        /* ...unless the others cover it: b owes 990 of 1000 and gives first. */
        vms[0].owed_milli = 0;
        vms[1].owed_milli = 50 * 1000;
        p = plan_batched(vms, 2, 1000, 64);
        /* b owes 50 + 990 = 1040 and is asked them... up to the goal. */
        assert_int_equal(zap_of(&p, vms, "b"), 1000);
        assert_int_equal(zap_of(&p, vms, "a"), 0);
        /* a still owes its 10; b paid 1000 of its 1040. */
        assert_int_equal(p.owed_milli[0], 10 * 1000);
        assert_int_equal(p.owed_milli[1], 40 * 1000);
        plan_done(&p);
}

static void test_many_small_shares_write_to_at_most_goal_over_batch_vms(void **state) {
        enum { N = 10000 };
        static PlannerVm vms[N];
        static char ids[N][16];
        Policy d = pol(100);

        for (size_t i = 0; i < N; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%05zu-1", i);
                vms[i] = (PlannerVm) { .id = ids[i], .shadow_pages = 1000, .policy = &d };
        }
        /* 4096 over 10,000 equal VMs is 0.41 pages each: 64 VMs are asked
         * a batch of 64, the others owe theirs. */
        Plan p = plan_batched(vms, N, 4096, 64);
        assert_int_equal(p.zap_pages, 4096);
        assert_int_equal(p.n_steps, 64);
        for (size_t i = 0; i < p.n_steps; i++)
                assert_int_equal(p.steps[i].zap, 64);
        plan_done(&p);
}

static void test_a_round_writes_to_at_most_max_vms_for_caches_and_for_tables(void **state) {
        enum { N = 1000 };
        static PlannerVm vms[N];
        static char ids[N][16];
        Policy d = pol(100);
        Plan p = {};
        PlanRequest req = { .goal_pages = 4096, .round_cap = 4096, .zap_max = ZAP_MAX, .batch_pages = 64,
                            .max_vms = 16 };
        size_t cached = 0, tables = 0;

        for (size_t i = 0; i < N; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%04zu-1", i);
                vms[i] = (PlannerVm) { .id = ids[i], .shadow_pages = 1000, .cache_pages = 64, .policy = &d };
        }
        /* 16 caches of 64 (1024 pages), then 3072 tables in batches of
         * 3072 / 16 = 192: 16 VMs, 32 writes, not 64 + 48. */
        assert_int_equal(planner_plan(vms, N, &req, &p), 0);
        for (size_t i = 0; i < p.n_steps; i++) {
                cached += p.steps[i].caches;
                tables += p.steps[i].zap > 0;
                assert_true(p.steps[i].zap == 0 || p.steps[i].zap == 192);
        }
        assert_int_equal(cached, 16);
        assert_int_equal(tables, 16);
        assert_int_equal(p.cache_pages + p.zap_pages, 4096);
        plan_done(&p);
}

/* Five VMs fit in a round of 16: no batches, each is asked its exact
 * share at once, the smallest too (with batches of 64 it would owe its
 * 6 pages and give nothing this round). */
static void test_a_round_that_fits_every_vm_asks_exact_shares(void **state) {
        static const uint64_t held[5] = { 512, 1024, 2048, 4096, 8192 };
        PlannerVm vms[5];
        char ids[5][16];
        Policy d = pol(100);
        Plan p = {};
        PlanRequest req = { .goal_pages = 217, .round_cap = 217, .zap_max = ZAP_MAX, .batch_pages = 64,
                            .max_vms = 16 };

        for (size_t i = 0; i < 5; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%zu-1", i);
                vms[i] = (PlannerVm) { .id = ids[i], .shadow_pages = held[i], .policy = &d };
        }
        /* 217 of 15872: 7, 14, 28, 56, 112. */
        assert_int_equal(planner_plan(vms, 5, &req, &p), 0);
        assert_int_equal(p.n_steps, 5);
        for (size_t i = 0; i < p.n_steps; i++)
                assert_int_equal(p.steps[i].zap, 7 << p.steps[i].vm);
        plan_done(&p);
}

static void test_rounds_are_fair_over_time(void **state) {
        enum { N = 50, ROUNDS = 400 };
        PlannerVm vms[N];
        char ids[N][16];
        uint64_t given[N] = {}, total = 0;
        Policy d = pol(100);

        for (size_t i = 0; i < N; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%02zu-1", i);
                /* Sizes 1000..50000: each should give 1/25.5 of the total
                 * in proportion to its size. */
                vms[i] = (PlannerVm) { .id = ids[i], .shadow_pages = 1000 * (i + 1), .policy = &d };
        }
        for (int r = 0; r < ROUNDS; r++) {
                Plan p = plan_batched(vms, N, 500, 64);

                for (size_t s = 0; s < p.n_steps; s++) {
                        given[p.steps[s].vm] += p.steps[s].zap;
                        total += p.steps[s].zap;
                }
                /* Counts stay (the guest refills): owed carries over. */
                for (size_t i = 0; i < N; i++)
                        vms[i].owed_milli = p.owed_milli[i];
                /* At most 500 / 64 + 1 VMs a round. */
                assert_true(p.n_steps <= 8);
                plan_done(&p);
        }
        /* 200,000 pages over sizes 1..50 (sum 1275): VM i's share is
         * 200000 * (i+1) / 1275; each is within one batch of it. */
        assert_int_equal(total, 200000);
        for (size_t i = 0; i < N; i++) {
                double share = 200000.0 * (double) (i + 1) / 1275.0;
                assert_true((double) given[i] > share - 65 && (double) given[i] < share + 65);
        }
}

static void test_enforce_caps(void **state) {
        Policy capped = pol(100), prot = pol(100), d = pol(100);
        capped.max_pages = 1000;
        prot.protect = true;
        PlannerVm vms[] = {
                { .id = "over", .shadow_pages = 1500, .policy = &capped },
                { .id = "under", .shadow_pages = 900, .policy = &capped },
                { .id = "prot", .shadow_pages = 99999, .policy = &prot },
                { .id = "nocap", .shadow_pages = 99999, .policy = &d },
        };
        Plan p = {};
        assert_int_equal(planner_enforce_caps(vms, 4, ZAP_MAX, &p), 0);
        assert_int_equal(p.n_steps, 1);
        assert_int_equal(zap_of(&p, vms, "over"), 500);
        plan_done(&p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_equal_weights_give_the_same_fraction),
                cmocka_unit_test(test_weight_divides_the_share),
                cmocka_unit_test(test_zap_in_proportion_to_what_is_held),
                cmocka_unit_test(test_sizes_1_to_16_lose_the_same_fraction),
                cmocka_unit_test(test_floor_shrinks_the_share),
                cmocka_unit_test(test_rounding_is_exact_and_deterministic),
                cmocka_unit_test(test_floor_is_never_crossed),
                cmocka_unit_test(test_protected_vm_is_untouched),
                cmocka_unit_test(test_scope_limits_to_the_subtree),
                cmocka_unit_test(test_caches_first_then_zap),
                cmocka_unit_test(test_action_limits_what_is_asked),
                cmocka_unit_test(test_round_cap_and_zap_max),
                cmocka_unit_test(test_weight_and_size_can_cancel),
                cmocka_unit_test(test_nothing_to_do),
                cmocka_unit_test(test_enforce_caps),
                cmocka_unit_test(test_tdp_tables_are_held_like_shadow_pages),
                cmocka_unit_test(test_a_backed_off_vm_gives_only_what_the_others_cannot),
                cmocka_unit_test(test_a_share_below_a_batch_is_owed_not_asked),
                cmocka_unit_test(test_many_small_shares_write_to_at_most_goal_over_batch_vms),
                cmocka_unit_test(test_a_round_writes_to_at_most_max_vms_for_caches_and_for_tables),
                cmocka_unit_test(test_a_round_that_fits_every_vm_asks_exact_shares),
                cmocka_unit_test(test_rounds_are_fair_over_time),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
