/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The controller's rules (controller.h): what cannot be freed, regrowth and
 * back-off, the size of a pressure round.  Pure: the clock is an argument. */
#include "controller.h"
#include "kvm-reclaim.h"
#include "util.h"

typedef unsigned __int128 u128;

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
        return a > b ? a : b;
}

uint64_t control_tables(const VmCounts *c) {
        return sat_add_u64(c->shadow_pages, c->tdp_pages);
}

/* The count 'cmd' is judged by. */
static uint64_t judged_count(KvmCommand cmd, const VmCounts *c) {
        switch (cmd) {
        case KVM_CMD_CACHES:
                return c->cache_pages;
        case KVM_CMD_ZAP:
        case KVM_CMD_LIMIT:
                return c->shadow_pages;
        default:
                return control_tables(c);
        }
}

/* Whether the count moved enough since 'cmd' freed nothing at 'at' that
 * it may free something now. */
static bool rearmed(KvmCommand cmd, uint64_t at, uint64_t now) {
        switch (cmd) {
        case KVM_CMD_CACHES:
                /* A vCPU that stopped reports its caches again. */
                return now != at;
        case KVM_CMD_ZAP:
                /* Only roots in use were left: any page more is not one. */
                return now > at;
        default:
                /* Empty and cold tables come from tables made since. */
                return now > sat_add_u64(at, max_u64(at >> CONTROL_REARM_SHIFT, CONTROL_BATCH_PAGES));
        }
}

bool control_offers(const VmControl *c, KvmCommand cmd, const VmCounts *now) {
        if ((unsigned) cmd >= _KVM_CMD_MAX)
                return false;
        if (cmd == KVM_CMD_ZAP && now->shadow_pages == 0)
                return false;   /* TDP tables are no shadow pages */
        if (cmd == KVM_CMD_CACHES && now->cache_pages == 0)
                return false;
        if ((cmd == KVM_CMD_FREE_EMPTY || cmd == KVM_CMD_ZAP_COLD) && control_tables(now) == 0)
                return false;
        return !c->exhausted[cmd] || rearmed(cmd, c->exhausted_at[cmd], judged_count(cmd, now));
}

void control_note_counts(VmControl *c, const VmCounts *now) {
        for (unsigned cmd = 0; cmd < _KVM_CMD_MAX; cmd++)
                if (c->exhausted[cmd] && rearmed(cmd, c->exhausted_at[cmd], judged_count(cmd, now)))
                        c->exhausted[cmd] = false;
}

bool control_note_result(VmControl *c, KvmCommand cmd, uint64_t asked, uint64_t freed, const VmCounts *after) {
        bool none;

        if ((unsigned) cmd >= _KVM_CMD_MAX || cmd == KVM_CMD_LIMIT)
                return false;
        if (cmd == KVM_CMD_ZAP_COLD && !c->aged) {
                /* The first call ages: a 0 is no answer yet. */
                c->aged = true;
                if (freed == 0)
                        return false;
        }
        /* "zap N" short of N: only roots in use are left (kvm-reclaim.h). */
        none = freed == 0 || (cmd == KVM_CMD_ZAP && freed < asked);
        c->exhausted[cmd] = none;
        if (none)
                c->exhausted_at[cmd] = judged_count(cmd, after);
        /* Only roots in use, and no TDP tables: nothing is empty or cold. */
        if (none && cmd == KVM_CMD_ZAP && after->tdp_pages == 0)
                for (KvmCommand k = KVM_CMD_FREE_EMPTY; k <= KVM_CMD_ZAP_COLD; k++) {
                        c->exhausted[k] = true;
                        c->exhausted_at[k] = judged_count(k, after);
                }
        return none;
}

void control_note_given(VmControl *c, uint64_t given, uint64_t tables_after, uint64_t now_usec,
                        uint64_t window_usec) {
        if (given == 0)
                return;
        c->pending_given = sat_add_u64(c->pending_given, given);
        c->pending_after = tables_after;
        /* Counted one window after the last round that took some. */
        c->measure_usec = now_usec + window_usec;
        c->window_usec = window_usec;
}

uint64_t control_measure_due(const VmControl *c) {
        return c->pending_given > 0 ? c->measure_usec : 0;
}

bool control_backed_off(const VmControl *c, uint64_t now_usec) {
        return c->backoff_until_usec > now_usec;
}

ControlVerdict control_measure(VmControl *c, uint64_t tables_now, uint64_t now_usec) {
        ControlVerdict v = { .given = c->pending_given };

        if (c->pending_given == 0)
                return v;
        /* Any growth within the window counts, up to what was given: an
         * upper bound, as a guest mapping new memory grows too. */
        v.regrown = tables_now > c->pending_after ? min_u64(tables_now - c->pending_after, v.given) : 0;
        v.measured = v.given >= CONTROL_MEASURE_MIN_PAGES;
        c->last_given = v.given;
        c->last_regrown = v.regrown;
        c->given_total = sat_add_u64(c->given_total, v.given);
        c->regrown_total = sat_add_u64(c->regrown_total, v.regrown);
        c->pending_given = 0;
        c->measure_usec = 0;
        if (v.measured) {
                v.hot = (u128) v.regrown * 1000 > (u128) v.given * CONTROL_HOT_PERMILLE;
                if (v.hot) {
                        if (c->hot_streak + 1 < CONTROL_BACKOFF_MAX_SHIFT)
                                c->hot_streak++;
                        v.backoff_usec = c->window_usec << (c->hot_streak + 1);
                        c->backoff_until_usec = now_usec + v.backoff_usec;
                } else {
                        c->hot_streak = 0;
                        c->backoff_until_usec = 0;
                }
        }
        return v;
}

uint64_t control_window_stall(const RoundSizing *s) {
        uint64_t per_window;

        if (s->stall_usec == 0 || s->window_usec == 0)
                return 0;
        /* The stall's rate since the last reading, over one window. */
        per_window = (uint64_t) ((u128) s->stall_usec * s->window_usec / max_u64(s->elapsed_usec, s->window_usec));
        return min_u64(max_u64(per_window, s->threshold_usec), s->window_usec);
}

/* Pages of memory a cgroup is over memory.high, or within the last 1/16
 * below memory.max. */
static uint64_t memory_excess_pages(const RoundSizing *s) {
        uint64_t over = 0;

        if (s->memory_current == 0)
                return 0;
        if (s->memory_high > 0 && s->memory_current > s->memory_high)
                over = s->memory_current - s->memory_high;
        if (s->memory_max > 0) {
                uint64_t mark = s->memory_max - s->memory_max / 16;

                if (s->memory_current > mark)
                        over = max_u64(over, s->memory_current - mark);
        }
        return over / KVM_RECLAIM_PAGE_SIZE;
}

uint64_t control_round_goal(const RoundSizing *s) {
        uint64_t stall = control_window_stall(s), excess = memory_excess_pages(s), goal = 0;

        if (stall == 0 && excess == 0)
                return 0;       /* the pressure is gone */
        if (stall > 0) {
                goal = (uint64_t) ((u128) s->step_pages * stall / s->window_usec);
                goal = max_u64(goal, CONTROL_BATCH_PAGES);
        }
        goal = max_u64(goal, excess);
        return min_u64(goal, s->step_pages);
}
