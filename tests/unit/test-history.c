/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history of rounds: its two bounds and its numbering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "history.h"

/* A round of 'n_vms' VMs, named "<round>-<i>", each of which zapped i. */
static RoundRecord round_of(unsigned round, size_t n_vms) {
        RoundRecord r = {
                .reason = strdup("manual"),
                .scope = strdup("host"),
                .n_vms = n_vms,
                .vms = n_vms ? calloc(n_vms, sizeof(HistoryVm)) : NULL,
                .n_listed = n_vms,
        };
        char id[32];

        assert_non_null(r.reason);
        for (size_t i = 0; i < n_vms; i++) {
                snprintf(id, sizeof(id), "%u-%zu", round, i);
                r.vms[i] = (HistoryVm) { .id = strdup(id), .zapped = i };
                assert_non_null(r.vms[i].id);
        }
        return r;
}

static void add(History *h, unsigned round, size_t n_vms) {
        RoundRecord r = round_of(round, n_vms);

        history_add(h, &r);
        assert_null(r.reason); /* taken */
}

static void test_rounds_are_numbered_from_one_oldest_first(void **state) {
        _cleanup_(history_freep) History *h = history_new(10, 100);

        for (unsigned i = 0; i < 3; i++)
                add(h, i, 1);
        assert_int_equal(history_size(h), 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(history_get(h, i)->seq, i + 1);
        assert_null(history_get(h, 3));
}

static void test_the_oldest_round_goes_when_the_ring_is_full(void **state) {
        _cleanup_(history_freep) History *h = history_new(1000, 1000000);

        /* 2500 rounds through a ring of 1000: the last 1000 stay, in order. */
        for (unsigned i = 0; i < 2500; i++)
                add(h, i, 1);
        assert_int_equal(history_size(h), 1000);
        assert_int_equal(history_get(h, 0)->seq, 1501);
        assert_int_equal(history_get(h, 999)->seq, 2500);
        assert_string_equal(history_get(h, 999)->vms[0].id, "2499-0");
        assert_int_equal(history_vm_entries(h), 1000);
}

static void test_per_vm_entries_are_bounded_over_all_rounds(void **state) {
        _cleanup_(history_freep) History *h = history_new(1000, 100);

        /* Rounds of 30 VMs in a budget of 100 entries: 3 fit (90); the
         * fourth pushes out the first. */
        for (unsigned i = 0; i < 4; i++)
                add(h, i, 30);
        assert_int_equal(history_size(h), 3);
        assert_int_equal(history_get(h, 0)->seq, 2);
        assert_int_equal(history_vm_entries(h), 90);
        /* A round without VMs (pressure that found nothing) costs no entry. */
        add(h, 4, 0);
        assert_int_equal(history_size(h), 4);
        assert_int_equal(history_vm_entries(h), 90);
}

static void test_a_round_larger_than_the_budget_keeps_its_first_vms_and_their_count(void **state) {
        _cleanup_(history_freep) History *h = history_new(1000, 100);

        add(h, 0, 10);
        add(h, 1, 250);
        /* It alone fills the budget: the older round goes, it keeps 100 of 250. */
        assert_int_equal(history_size(h), 1);
        assert_int_equal(history_get(h, 0)->n_vms, 250);
        assert_int_equal(history_get(h, 0)->n_listed, 100);
        assert_string_equal(history_get(h, 0)->vms[99].id, "1-99");
        assert_int_equal(history_vm_entries(h), 100);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rounds_are_numbered_from_one_oldest_first),
                cmocka_unit_test(test_the_oldest_round_goes_when_the_ring_is_full),
                cmocka_unit_test(test_per_vm_entries_are_bounded_over_all_rounds),
                cmocka_unit_test(test_a_round_larger_than_the_budget_keeps_its_first_vms_and_their_count),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
