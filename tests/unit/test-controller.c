/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The controller's rules (daemon/controller.h): each test's name is a rule,
 * inputs are plain structs, the arithmetic is in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "controller.h"
#include "util.h"

#define SEC USEC_PER_SEC
#define WINDOW (2 * SEC)

static VmCounts shadow(uint64_t pages) {
        return (VmCounts) { .shadow_pages = pages };
}

static VmCounts tdp(uint64_t pages) {
        return (VmCounts) { .tdp_pages = pages };
}

/* ---- what cannot be freed ---- */

static void test_zap_short_of_n_means_only_roots_are_left(void **state) {
        VmControl c = {};
        VmCounts at = shadow(4);

        /* "zap 10 -> zapped 6": the 4 left are roots in use. */
        assert_true(control_note_result(&c, KVM_CMD_ZAP, 10, 6, &at));
        assert_false(control_offers(&c, KVM_CMD_ZAP, &at));
        /* Not one page more, not asked. */
        control_note_counts(&c, &at);
        assert_false(control_offers(&c, KVM_CMD_ZAP, &at));
}

static void test_only_roots_left_means_nothing_is_empty_or_cold(void **state) {
        VmControl c = { .aged = true };
        VmCounts at = shadow(4), t = { .shadow_pages = 4, .tdp_pages = 300 };

        /* Roots in use are neither empty nor cold. */
        assert_true(control_note_result(&c, KVM_CMD_ZAP, 4, 0, &at));
        assert_false(control_offers(&c, KVM_CMD_FREE_EMPTY, &at));
        assert_false(control_offers(&c, KVM_CMD_ZAP_COLD, &at));
        /* With TDP tables beside them, those may be. */
        c = (VmControl) { .aged = true };
        assert_true(control_note_result(&c, KVM_CMD_ZAP, 4, 0, &t));
        assert_true(control_offers(&c, KVM_CMD_FREE_EMPTY, &t));
        assert_true(control_offers(&c, KVM_CMD_ZAP_COLD, &t));
}

static void test_zap_is_asked_again_once_shadow_pages_grow(void **state) {
        VmControl c = {};
        VmCounts at = shadow(4), more = shadow(5);

        assert_true(control_note_result(&c, KVM_CMD_ZAP, 4, 0, &at));
        /* 5 > 4: one page is no root. */
        assert_true(control_offers(&c, KVM_CMD_ZAP, &more));
        control_note_counts(&c, &more);
        assert_false(c.exhausted[KVM_CMD_ZAP]);
}

static void test_zap_is_not_offered_to_tdp_tables(void **state) {
        VmControl c = {};
        VmCounts t = tdp(500);

        /* TDP tables are no shadow pages: "zap" would free nothing. */
        assert_false(control_offers(&c, KVM_CMD_ZAP, &t));
        assert_true(control_offers(&c, KVM_CMD_ZAP_COLD, &t));
        assert_true(control_offers(&c, KVM_CMD_FREE_EMPTY, &t));
}

static void test_free_empty_that_freed_nothing_waits_for_a_sixteenth_more_tables(void **state) {
        VmControl c = {};
        VmCounts at = tdp(2048), some = tdp(2048 + 128), more = tdp(2048 + 129);

        assert_true(control_note_result(&c, KVM_CMD_FREE_EMPTY, 0, 0, &at));
        assert_false(control_offers(&c, KVM_CMD_FREE_EMPTY, &at));
        /* 2048 / 16 = 128 more is not enough; 129 more is. */
        assert_false(control_offers(&c, KVM_CMD_FREE_EMPTY, &some));
        assert_true(control_offers(&c, KVM_CMD_FREE_EMPTY, &more));
}

static void test_a_small_vm_waits_for_a_batch_more_tables(void **state) {
        VmControl c = {};
        VmCounts at = tdp(100), some = tdp(164), more = tdp(165);

        /* 100 / 16 = 6 < 64: a batch more, 165 > 164. */
        assert_true(control_note_result(&c, KVM_CMD_FREE_EMPTY, 0, 0, &at));
        assert_false(control_offers(&c, KVM_CMD_FREE_EMPTY, &some));
        assert_true(control_offers(&c, KVM_CMD_FREE_EMPTY, &more));
}

static void test_the_first_zap_cold_only_ages(void **state) {
        VmControl c = {};
        VmCounts at = tdp(1000);

        /* Every table was accessed since it was made: 0 is no answer. */
        assert_false(control_note_result(&c, KVM_CMD_ZAP_COLD, 100, 0, &at));
        assert_true(c.aged);
        assert_true(control_offers(&c, KVM_CMD_ZAP_COLD, &at));
        /* A 0 after the aging is: the guest touched them all. */
        assert_true(control_note_result(&c, KVM_CMD_ZAP_COLD, 100, 0, &at));
        assert_false(control_offers(&c, KVM_CMD_ZAP_COLD, &at));
}

static void test_a_command_that_freed_something_stays_offered(void **state) {
        VmControl c = {};
        VmCounts at = tdp(1000);

        c.aged = true;
        assert_false(control_note_result(&c, KVM_CMD_ZAP_COLD, 100, 100, &at));
        assert_true(control_offers(&c, KVM_CMD_ZAP_COLD, &at));
        /* Freeing again clears an old lack. */
        assert_true(control_note_result(&c, KVM_CMD_FREE_EMPTY, 0, 0, &at));
        assert_false(control_note_result(&c, KVM_CMD_FREE_EMPTY, 0, 3, &at));
        assert_true(control_offers(&c, KVM_CMD_FREE_EMPTY, &at));
}

static void test_caches_are_asked_again_when_their_count_changes(void **state) {
        VmControl c = {};
        VmCounts busy = { .cache_pages = 40 }, same = busy, other = { .cache_pages = 12 };

        /* A vCPU busy in a fault kept its 40 pages. */
        assert_true(control_note_result(&c, KVM_CMD_CACHES, 0, 0, &busy));
        assert_false(control_offers(&c, KVM_CMD_CACHES, &same));
        /* It stopped and reported 12: asked again. */
        assert_true(control_offers(&c, KVM_CMD_CACHES, &other));
}

static void test_nothing_is_offered_for_nothing_held(void **state) {
        VmControl c = {};
        VmCounts none = {};

        assert_false(control_offers(&c, KVM_CMD_CACHES, &none));
        assert_false(control_offers(&c, KVM_CMD_FREE_EMPTY, &none));
        assert_false(control_offers(&c, KVM_CMD_ZAP_COLD, &none));
        assert_false(control_offers(&c, KVM_CMD_ZAP, &none));
}

/* ---- regrowth and back-off ---- */

static void test_regrowth_is_counted_one_window_after(void **state) {
        VmControl c = {};

        assert_int_equal(control_measure_due(&c), 0);
        control_note_given(&c, 400, 600, 10 * SEC, WINDOW);
        assert_int_equal(control_measure_due(&c), 12 * SEC);
        /* 600 -> 650: 50 of 400 came back, an eighth: cold. */
        ControlVerdict v = control_measure(&c, 650, 12 * SEC);
        assert_true(v.measured);
        assert_int_equal(v.given, 400);
        assert_int_equal(v.regrown, 50);
        assert_false(v.hot);
        assert_int_equal(v.backoff_usec, 0);
        assert_int_equal(control_measure_due(&c), 0);
        assert_int_equal(c.given_total, 400);
        assert_int_equal(c.regrown_total, 50);
}

static void test_regrowth_is_growth_up_to_what_was_given(void **state) {
        VmControl c = {};

        control_note_given(&c, 100, 600, 0, WINDOW);
        /* It grew by 900: at most the 100 it gave came back. */
        assert_int_equal(control_measure(&c, 1500, WINDOW).regrown, 100);
        control_note_given(&c, 100, 600, 0, WINDOW);
        /* It shrank: nothing came back. */
        assert_int_equal(control_measure(&c, 550, WINDOW).regrown, 0);
}

static void test_rounds_before_the_count_add_up(void **state) {
        VmControl c = {};

        control_note_given(&c, 100, 900, 0, WINDOW);
        control_note_given(&c, 100, 800, SEC, WINDOW);
        /* Counted a window after the last, against the last count. */
        assert_int_equal(control_measure_due(&c), 3 * SEC);
        ControlVerdict v = control_measure(&c, 850, 3 * SEC);
        assert_int_equal(v.given, 200);
        assert_int_equal(v.regrown, 50);
}

static void test_a_vm_that_regrew_most_is_backed_off_4_windows_doubling_to_64(void **state) {
        VmControl c = {};
        uint64_t now = 0;

        for (unsigned i = 1; i <= 8; i++) {
                control_note_given(&c, 100, 900, now, WINDOW);
                now += WINDOW;
                /* 60 of 100 back: hot.  4, 8, 16, 32, 64 windows, then 64. */
                ControlVerdict v = control_measure(&c, 960, now);
                assert_true(v.hot);
                assert_int_equal(v.backoff_usec, WINDOW << (i < 5 ? i + 1 : 6));
                assert_true(control_backed_off(&c, now));
                assert_true(control_backed_off(&c, now + v.backoff_usec - 1));
                assert_false(control_backed_off(&c, now + v.backoff_usec));
        }
}

static void test_half_is_not_most(void **state) {
        VmControl c = {};

        control_note_given(&c, 100, 900, 0, WINDOW);
        /* 50 of 100 is not more than half. */
        assert_false(control_measure(&c, 950, WINDOW).hot);
}

static void test_a_cold_window_ends_the_backoff(void **state) {
        VmControl c = {};

        control_note_given(&c, 100, 900, 0, WINDOW);
        assert_true(control_measure(&c, 1000, WINDOW).hot);
        assert_int_equal(c.hot_streak, 1);
        control_note_given(&c, 100, 900, WINDOW, WINDOW);
        assert_false(control_measure(&c, 910, 2 * WINDOW).hot);
        assert_int_equal(c.hot_streak, 0);
        assert_false(control_backed_off(&c, 2 * WINDOW));
}

static void test_too_few_pages_tell_nothing(void **state) {
        VmControl c = {};

        /* 15 < 16 pages given: all back, but no verdict. */
        control_note_given(&c, 15, 100, 0, WINDOW);
        ControlVerdict v = control_measure(&c, 115, WINDOW);
        assert_false(v.measured);
        assert_false(v.hot);
        assert_false(control_backed_off(&c, WINDOW));
        assert_int_equal(c.regrown_total, 15);
}

/* ---- the size of a round ---- */

static RoundSizing sizing(uint64_t stall, uint64_t elapsed) {
        return (RoundSizing) {
                .step_pages = 4096,
                .window_usec = WINDOW,
                .threshold_usec = WINDOW / 10,
                .stall_usec = stall,
                .elapsed_usec = elapsed,
        };
}

static void test_goal_is_step_pages_times_the_stalled_share(void **state) {
        /* Half of a 2 s window stalled: 4096 / 2. */
        RoundSizing s = sizing(SEC, WINDOW);
        assert_int_equal(control_window_stall(&s), SEC);
        assert_int_equal(control_round_goal(&s), 2048);
        /* The whole window: all of StepPages=. */
        s = sizing(WINDOW, WINDOW);
        assert_int_equal(control_round_goal(&s), 4096);
}

static void test_goal_is_at_least_a_batch_and_at_most_step_pages(void **state) {
        /* 1% of the window would be 41 pages: one batch, 64. */
        RoundSizing s = sizing(WINDOW / 100, WINDOW);
        s.threshold_usec = WINDOW / 100;
        assert_int_equal(control_round_goal(&s), CONTROL_BATCH_PAGES);
        /* StepPages= below a batch is the most. */
        s.step_pages = 10;
        assert_int_equal(control_round_goal(&s), 10);
        /* More stall than a window (a late reading) is one window. */
        s = sizing(3 * WINDOW, WINDOW);
        assert_int_equal(control_window_stall(&s), WINDOW);
        assert_int_equal(control_round_goal(&s), 4096);
}

static void test_stall_since_long_ago_is_at_least_the_threshold(void **state) {
        /* 0.4 s of stall over 20 s is 40 ms a window, below the 200 ms
         * threshold the trigger just saw in one window. */
        RoundSizing s = sizing(400 * USEC_PER_MSEC, 20 * SEC);
        assert_int_equal(control_window_stall(&s), 200 * USEC_PER_MSEC);
        /* 4096 * 0.2 / 2 = 409.6 */
        assert_int_equal(control_round_goal(&s), 409);
}

static void test_no_stall_means_no_round(void **state) {
        RoundSizing s = sizing(0, WINDOW);
        assert_int_equal(control_round_goal(&s), 0);
}

static void test_a_cgroup_over_memory_high_asks_for_the_excess(void **state) {
        /* 40 ms of stall alone would be 81 pages; the cgroup is 4 MiB
         * (1024 pages) over memory.high. */
        RoundSizing s = sizing(40 * USEC_PER_MSEC, WINDOW);
        s.threshold_usec = 40 * USEC_PER_MSEC;
        s.memory_current = 104 << 20;
        s.memory_high = 100 << 20;
        assert_int_equal(control_round_goal(&s), 1024);
        /* Under memory.high: the stall decides. */
        s.memory_current = 99 << 20;
        assert_int_equal(control_round_goal(&s), 81);
        /* Over by more than StepPages=: StepPages=. */
        s.memory_current = 200 << 20;
        assert_int_equal(control_round_goal(&s), 4096);
}

static void test_a_cgroup_near_memory_max_asks_for_its_last_sixteenth(void **state) {
        /* max 160 MiB: the last 10 MiB; at 152 MiB it is 2 MiB (512
         * pages) into them. */
        RoundSizing s = sizing(0, WINDOW);
        s.memory_current = 152 << 20;
        s.memory_max = 160 << 20;
        assert_int_equal(control_round_goal(&s), 512);
        /* No stall and well below: the pressure is gone. */
        s.memory_current = 100 << 20;
        assert_int_equal(control_round_goal(&s), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zap_short_of_n_means_only_roots_are_left),
                cmocka_unit_test(test_only_roots_left_means_nothing_is_empty_or_cold),
                cmocka_unit_test(test_zap_is_asked_again_once_shadow_pages_grow),
                cmocka_unit_test(test_zap_is_not_offered_to_tdp_tables),
                cmocka_unit_test(test_free_empty_that_freed_nothing_waits_for_a_sixteenth_more_tables),
                cmocka_unit_test(test_a_small_vm_waits_for_a_batch_more_tables),
                cmocka_unit_test(test_the_first_zap_cold_only_ages),
                cmocka_unit_test(test_a_command_that_freed_something_stays_offered),
                cmocka_unit_test(test_caches_are_asked_again_when_their_count_changes),
                cmocka_unit_test(test_nothing_is_offered_for_nothing_held),
                cmocka_unit_test(test_regrowth_is_counted_one_window_after),
                cmocka_unit_test(test_regrowth_is_growth_up_to_what_was_given),
                cmocka_unit_test(test_rounds_before_the_count_add_up),
                cmocka_unit_test(test_a_vm_that_regrew_most_is_backed_off_4_windows_doubling_to_64),
                cmocka_unit_test(test_half_is_not_most),
                cmocka_unit_test(test_a_cold_window_ends_the_backoff),
                cmocka_unit_test(test_too_few_pages_tell_nothing),
                cmocka_unit_test(test_goal_is_step_pages_times_the_stalled_share),
                cmocka_unit_test(test_goal_is_at_least_a_batch_and_at_most_step_pages),
                cmocka_unit_test(test_stall_since_long_ago_is_at_least_the_threshold),
                cmocka_unit_test(test_no_stall_means_no_round),
                cmocka_unit_test(test_a_cgroup_over_memory_high_asks_for_the_excess),
                cmocka_unit_test(test_a_cgroup_near_memory_max_asks_for_its_last_sixteenth),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
