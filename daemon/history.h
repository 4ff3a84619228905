/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The history of reclaim rounds: a bounded ring of what each round was
 * for, what it planned and what every VM of its plan gave.  The History
 * D-Bus method, "kvm-reclaimctl history" and the plot read it; Dump shows
 * the newest few.
 *
 * Two bounds keep it small on any host: at most 'max_rounds' rounds, and
 * at most 'max_vm_entries' per-VM entries over all of them (a host-wide
 * round on a host of 10,000 VMs may plan thousands), the oldest rounds
 * going first.  A round with more VMs than that alone keeps the first
 * entries of its plan and counts the rest. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HISTORY_ROUNDS_MAX     1000
#define HISTORY_VM_ENTRIES_MAX 100000

/* One VM of a round's plan. */
typedef struct HistoryVm {
        char *id;
        char *name;                      /* NULL: none known */
        bool caches;                     /* planned: "caches" */
        uint64_t cache_pages;            /* its cache pages when planned */
        uint64_t zap;                    /* planned: "zap N" (0: none) */
        uint64_t caches_freed;
        uint64_t zapped;
        uint64_t shadow_before;          /* when planned */
        uint64_t shadow_after;           /* read back after its writes (= before when nothing was written) */
} HistoryVm;

typedef struct RoundRecord {
        uint64_t seq;                    /* 1, 2, ...: set by history_add() */
        uint64_t realtime_usec;          /* when it ended */
        uint64_t duration_usec;
        char *reason;                    /* "pressure:<scope>", "max-pages", "manual" */
        char *scope;                     /* "host", a cgroup, or the VM a manual round was for */
        uint32_t requests;               /* pressure events or calls the round answered */
        size_t n_vms;                    /* VMs in the plan */
        uint64_t planned_pages;          /* caches expected + zap asked */
        uint64_t caches_freed;
        uint64_t zapped;
        bool carried_out;                /* false: dry run, monitor-only or nothing planned */
        HistoryVm *vms;                  /* the first n_listed VMs of the plan */
        size_t n_listed;
} RoundRecord;

void history_vm_done(HistoryVm *v);
void round_record_done(RoundRecord *r);

typedef struct History History;

History *history_new(size_t max_rounds, size_t max_vm_entries);
History *history_free(History *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(History *, history_free);

/* Takes 'rec' (its strings and VMs; it is emptied), dropping the oldest
 * rounds that no longer fit. */
void history_add(History *h, RoundRecord *rec);
/* Rounds held; i = 0 is the oldest. */
size_t history_size(const History *h);
const RoundRecord *history_get(const History *h, size_t i);
/* Per-VM entries held, over all rounds. */
size_t history_vm_entries(const History *h);
