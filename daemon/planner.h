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
        uint64_t cache_pages;
        const Policy *policy;           /* effective policy, never NULL */
} PlannerVm;

typedef struct PlanRequest {
        const char *scope;              /* cgroup subtree; NULL or "/" = host */
        uint64_t goal_pages;            /* what the event asks for */
        uint64_t round_cap;             /* most pages one round may take */
        uint64_t zap_max;               /* most one "zap N" may ask for */
} PlanRequest;

typedef struct PlanStep {
        size_t vm;                      /* index into the input array */
        bool caches;                    /* write "caches" first */
        uint64_t zap;                   /* then "zap N" when N > 0 */
} PlanStep;

typedef struct Plan {
        PlanStep *steps;                /* sorted by VM id */
        size_t n_steps;
        uint64_t cache_pages;           /* expected from "caches" */
        uint64_t zap_pages;             /* asked for by "zap" */
} Plan;

/* Caches first across the scope, then zap: each VM gives in proportion to
 * what it holds above its floor (MinPages=), divided by its weight; never
 * below the floor, never a Protect=yes VM, at most round_cap pages. */
int planner_plan(const PlannerVm *vms, size_t n, const PlanRequest *req, Plan *ret);

/* Zap every VM above its MaxPages= down to it. */
int planner_enforce_caps(const PlannerVm *vms, size_t n, uint64_t zap_max, Plan *ret);

void plan_done(Plan *p);
