/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The controller: what the daemon learns about each VM from its own
 * reclaim, and how big a round pressure asks for.  Like the planner it is
 * pure (no I/O, no clock: the time is an argument), so every rule is
 * table-tested (tests/unit/test-controller.c); reclaim.c feeds it the
 * kernel's results and counts, and hands what it learned to the planner.
 *
 * What it learns, per VM:
 *  - what cannot be freed: a command that freed nothing is not sent to
 *    that VM again until the count it was asked at has grown (its page
 *    tables; for "caches", its cache pages changed).  "zap-cold" is the
 *    exception the kernel makes necessary: its first call on a VM only
 *    ages the tables (they were all accessed since they were made), so a
 *    0 from a VM it never aged is that, not a lack;
 *  - how much of what it gave it took back: counted again one window
 *    after a round that took tables from it (a one-shot timer armed by
 *    the round, never a poll); a VM that regrew most of what it gave is
 *    hot, and is backed off from for 4, 8, ... up to 64 windows, longer
 *    each time in a row it is found hot;
 *  - what it owes: shares of rounds too small to be worth a write, kept
 *    until they make a batch, so small rounds over many VMs stay fair. */

#include <stdbool.h>
#include <stdint.h>

#include "kvmfs.h"

/* A round asks a VM for at least this many pages (or all it can give):
 * fewer writes per round on hosts of thousands of VMs; what is not asked
 * yet is owed (VmControl.owed_milli). */
#define CONTROL_BATCH_PAGES 64
/* A pressure round writes to at most this many VMs for caches, and this
 * many for page tables (asking each at least goal / this): its reaction
 * time is its writes, not the host's number of VMs. */
#define CONTROL_ROUND_VMS 16
/* Hot: regrew more than this share (per mille) of what it gave in a window. */
#define CONTROL_HOT_PERMILLE 500
/* Regrowth of less than this many pages given tells nothing. */
#define CONTROL_MEASURE_MIN_PAGES 16
/* Back-off after the n-th hot window in a row: 2^(n+1) windows (a probe
 * costs the guest a batch of refaults), at most 2^6. */
#define CONTROL_BACKOFF_MAX_SHIFT 6
/* A command that freed nothing is asked again once the tables grew by
 * this share (1/16) or CONTROL_BATCH_PAGES, whichever is more. */
#define CONTROL_REARM_SHIFT 4

typedef struct VmControl {
        /* What cannot be freed: per command, and the count it was at. */
        bool exhausted[_KVM_CMD_MAX];
        uint64_t exhausted_at[_KVM_CMD_MAX];
        bool aged;                       /* a zap-cold ran: the next finds cold tables */

        /* Regrowth, counted one window after a round took tables. */
        uint64_t pending_given;          /* tables the last rounds took, not measured yet */
        uint64_t pending_after;          /* the VM's tables right after them */
        uint64_t measure_usec;           /* when to count again (monotonic); 0: nothing pending */
        uint64_t window_usec;            /* the window it is measured over */
        uint64_t last_given, last_regrown; /* the last window measured */
        uint64_t given_total, regrown_total; /* measured since the daemon saw it */

        /* Back-off from a hot VM. */
        unsigned hot_streak;             /* windows in a row found hot */
        uint64_t backoff_until_usec;     /* monotonic; 0: none */

        /* Pages owed from earlier rounds, in thousandths (negative: paid ahead). */
        int64_t owed_milli;
} VmControl;

/* The count a command's exhaustion is judged by: cache pages for
 * "caches", shadow pages for "zap", all page tables for the others. */
typedef struct VmCounts {
        uint64_t shadow_pages;
        uint64_t tdp_pages;
        uint64_t cache_pages;
} VmCounts;

uint64_t control_tables(const VmCounts *c);

/* Whether 'cmd' may be sent to the VM: not learned to free nothing at
 * these counts. */
bool control_offers(const VmControl *c, KvmCommand cmd, const VmCounts *now);
/* The kernel's answer to 'cmd': 'freed' pages (cache pages or tables) of
 * 'asked' (0 for commands without N), with the counts read after it.
 * Returns true when the VM is now known to have nothing for it. */
bool control_note_result(VmControl *c, KvmCommand cmd, uint64_t asked, uint64_t freed, const VmCounts *after);
/* New counts: a command that freed nothing is offered again once they
 * passed the count it was asked at. */
void control_note_counts(VmControl *c, const VmCounts *now);

/* A round took 'given' tables, leaving 'tables_after': count again at
 * now + window.  Rounds before the count add up. */
void control_note_given(VmControl *c, uint64_t given, uint64_t tables_after, uint64_t now_usec,
                        uint64_t window_usec);
/* When its count is due (0: none). */
uint64_t control_measure_due(const VmControl *c);

typedef struct ControlVerdict {
        uint64_t given;                  /* tables taken in the window */
        uint64_t regrown;                /* of them, back within it (growth, at most 'given') */
        bool measured;                   /* enough given to tell */
        bool hot;                        /* regrew most of it */
        uint64_t backoff_usec;           /* backed off for this long from now (0: not) */
} ControlVerdict;

/* The count one window after: regrowth, and the back-off it earns. */
ControlVerdict control_measure(VmControl *c, uint64_t tables_now, uint64_t now_usec);

bool control_backed_off(const VmControl *c, uint64_t now_usec);

/* How many pages a pressure round asks for. */
typedef struct RoundSizing {
        uint64_t step_pages;             /* StepPages=: the most */
        uint64_t window_usec;            /* the trigger's window in force */
        uint64_t threshold_usec;         /* its stall threshold in force */
        uint64_t stall_usec;             /* "some" stall since the last reading */
        uint64_t elapsed_usec;           /* ... which was this long ago */
        /* A cgroup scope on cgroup2 (0: unknown or unlimited). */
        uint64_t memory_current, memory_high, memory_max;
} RoundSizing;

/* The stall in the last window, estimated from the stall since the last
 * reading: at least the threshold (the trigger fired), at most the window. */
uint64_t control_window_stall(const RoundSizing *s);
/* StepPages= times the share of the window stalled, at least one batch;
 * for a cgroup, at least what takes it back under memory.high (or out of
 * the last 1/16 below memory.max); never more than StepPages=. */
uint64_t control_round_goal(const RoundSizing *s);
