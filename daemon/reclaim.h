/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reclaim rounds: counts -> planner -> actuator -> bookkeeping.
 *
 * A round is planned on the main thread from the counts and policies in
 * force, and carried out by a worker thread, because one mmu_reclaim
 * write holds the kernel's mmu_lock for as long as the work takes (a write
 * cannot be cut short, so a per-write time budget would not bound it):
 * D-Bus calls and PSI events are answered meanwhile.  At most one round
 * is in flight; the others wait in a queue, where a second pressure event
 * for the same scope, or a second MaxPages= round, joins the one already
 * waiting.  With --dry-run, or in monitor-only mode, a round is planned
 * and logged, and nothing is written. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actuator.h"
#include "conf.h"
#include "planner.h"
#include "util.h"

typedef struct Manager Manager;

typedef enum RoundKind {
        ROUND_PRESSURE,                 /* a PSI trigger fired: up to StepPages=, each VM's Action= */
        ROUND_CAPS,                     /* MaxPages=: each VM above its cap down to it */
        ROUND_MANUAL,                   /* Reclaim over D-Bus: the goal and action given */
        _ROUND_KIND_MAX,
} RoundKind;

typedef struct ReclaimRequest {
        RoundKind kind;
        const char *vm_id;              /* one VM, or NULL for the scope */
        const char *scope;              /* cgroup subtree; NULL = host */
        uint64_t goal;                  /* pages; unused by ROUND_CAPS */
        ReclaimAction action;           /* replaces Action=; 0 = each VM's own */
        const char *reason;             /* "pressure:<scope>", "max-pages", "manual" */
        uint64_t window_usec;           /* regrowth is counted this long after (0: the host trigger's) */
        /* A pressure round: its trigger, so that a round that waited a
         * window for another is sized again, or dropped when the pressure
         * is gone (NULL: none). */
        const char *pressure_file;
        uint64_t psi_total_usec;        /* "some" total when the event was read */
        uint64_t threshold_usec;        /* the trigger's, in force */
} ReclaimRequest;

/* A VM of the target that the round leaves alone, or that gave less than
 * it was asked, and why. */
typedef struct ReclaimNote {
        char *vm;
        char *why;
} ReclaimNote;

/* What a round will ask of whom, in planner input order. */
typedef struct RoundPlan {
        char **ids;                     /* the planner's input, by index */
        ActuatorOffers *offers;         /* ... the commands each may be sent */
        size_t n;
        Plan plan;
        ReclaimNote *notes;
        size_t n_notes;
        size_t n_more_notes;            /* beyond the cap, counted only */
} RoundPlan;

/* Plans 'req' with the VMs' counts as they are and the policies of
 * 'config' (the one in force, or a preview's); writes nothing. */
int reclaim_plan(Manager *m, const Config *config, const ReclaimRequest *req, RoundPlan *ret);
void round_plan_done(RoundPlan *p);

/* reclaim-plan.c, for reclaim*.c: a note (at most 64, then counted), the
 * count of those left out as the last one, and why a command freed nothing. */
int reclaim_note(RoundPlan *p, const char *vm, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int reclaim_notes_close(RoundPlan *p);
const char *reclaim_lack_reason(KvmCommand c);
/* The commands this kernel has (the first series: caches and zap). */
ActuatorOffers reclaim_kernel_offers(const Manager *m);
/* The "limit N" a policy's MaxPages= makes (0: none). */
uint64_t reclaim_wanted_limit(const Policy *pol);

typedef struct RoundResult {
        int error;                      /* the round could not run at all */
        bool carried_out;               /* false: dry run, monitor-only or nothing to do */
        uint64_t caches_freed;
        uint64_t zapped;                /* page-table pages freed */
        uint64_t write_start_usec;      /* CLOCK_MONOTONIC: its first write began (0: none) */
        uint64_t write_end_usec;        /* ... its last write answered (0: none) */
        const ReclaimNote *notes;       /* why some VMs gave nothing */
        size_t n_notes;
} RoundResult;

/* Called on the main thread when the round is over; the result lives
 * until the call returns. */
typedef void (*reclaim_done_t)(Manager *m, const RoundResult *result, void *userdata);

/* Queues a round.  'done' (may be NULL) is called when it is over, which
 * may be before this returns.  A round merged into one already waiting
 * still gets its 'done' call, with that round's result. */
int manager_reclaim(Manager *m, const ReclaimRequest *req, reclaim_done_t done, void *userdata);

/* The rounds kept (history.h); NULL before the first. */
typedef struct History History;
const History *reclaim_history(const Manager *m);
/* Whether a round is being carried out now. */
bool reclaim_busy(const Manager *m);

/* regrowth.c: (re)arms the one-shot count of the VMs whose regrowth is
 * due (a window after a round took tables from them); no timer when none is. */
void regrowth_arm(Manager *m);

/* Waits for the round in flight (its write cannot be interrupted), then
 * drops the queue: every 'done' is called with -ECANCELED. */
void reclaim_rounds_free(Manager *m);
