/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The planner decides which VM gives back how much.  It is pure: inputs
 * in, plan out, no I/O, no clock, no globals; the same inputs always give
 * the same plan, whatever their order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

typedef struct PlannerVm {
        const char *id;                 /* unique, orders ties */
        const char *cgroup;             /* cgroup2 path, NULL if unknown */
        uint64_t shadow_pages;
        uint64_t tdp_pages;             /* its page tables are both */
        uint64_t cache_pages;
        const Policy *policy;           /* effective policy, never NULL */
        /* What the controller learned (controller.h): */
        bool backed_off;                /* hot: asked only for what the others cannot give */
        int64_t owed_milli;             /* pages owed from earlier rounds, in thousandths */
} PlannerVm;

typedef struct PlanRequest {
        const char *scope;              /* cgroup subtree; NULL or "/" = host */
        uint64_t goal_pages;            /* what the event asks for */
        uint64_t round_cap;             /* most pages one round may take */
        uint64_t zap_max;               /* most one "zap N" may ask for */
        uint64_t batch_pages;           /* least a VM is asked for (0: exact shares) */
        size_t max_vms;                 /* most VMs asked for caches, and for tables (0: no limit) */
} PlanRequest;

typedef struct PlanStep {
        size_t vm;                      /* index into the input array */
        bool caches;                    /* write "caches" first */
        uint64_t zap;                   /* then take this many page-table pages (0: none) */
        bool set_limit;                 /* write "limit N" (MaxPages= kept by the kernel) */
        uint64_t limit;
} PlanStep;

typedef struct Plan {
        PlanStep *steps;                /* sorted by VM id */
        size_t n_steps;
        uint64_t cache_pages;           /* expected from "caches" */
        uint64_t zap_pages;             /* page-table pages asked for */
        int64_t *owed_milli;            /* per input VM: what it owes after this plan
                                         * (NULL for cap plans); kept only if carried out */
} Plan;

/* Caches first across the scope (largest first, until the goal is met),
 * then page tables by the share rule: each VM gives in proportion to what
 * it holds above its floor (MinPages=), divided by its weight; never below
 * the floor, never a Protect=yes VM, at most round_cap pages.  VMs not
 * backed off give first; the backed-off ones only what the others cannot.
 * A share below batch_pages is owed rather than asked: each round adds a
 * VM's share to what it owes, and the VMs that owe the most are asked at
 * least a batch each until the goal is met, so over rounds every VM gives
 * its share and a round writes to at most goal / batch_pages VMs; with
 * max_vms, at most that many for caches and that many for tables (the
 * batch grows to goal / max_vms). */
int planner_plan(const PlannerVm *vms, size_t n, const PlanRequest *req, Plan *ret);

/* Zap every VM above its MaxPages= down to it. */
int planner_enforce_caps(const PlannerVm *vms, size_t n, uint64_t zap_max, Plan *ret);

void plan_done(Plan *p);
