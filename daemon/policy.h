/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a VM may be asked to give back. */
typedef enum ReclaimAction {
        RECLAIM_CACHES      = 1 << 0,
        RECLAIM_ZAP         = 1 << 1,
        RECLAIM_CACHES_ZAP  = RECLAIM_CACHES | RECLAIM_ZAP,
} ReclaimAction;

#define POLICY_WEIGHT_MIN     1U
#define POLICY_WEIGHT_MAX     10000U
#define POLICY_WEIGHT_DEFAULT 100U

/* A policy applies to every VM whose cgroup2 path is 'cgroup' or below it,
 * unless a nearer ancestor has a policy of its own. */
typedef struct Policy {
        char *cgroup;                    /* normalized absolute prefix, "/" = all */
        uint32_t weight;                 /* share of what the scope keeps */
        uint64_t min_pages;              /* never zap below this many shadow pages */
        uint64_t max_pages;              /* zap down to this whenever counted; 0 = no cap */
        bool protect;                    /* never touched at all */
        ReclaimAction action;
        uint64_t pressure_threshold_usec;/* per-cgroup PSI trigger; 0 = none */
        char *source;                    /* file that last set it, or "builtin" */
        bool runtime;                    /* came from /run */
} Policy;

void policy_init_defaults(Policy *p);
void policy_done(Policy *p);
int policy_copy(Policy *dst, const Policy *src);

const char *reclaim_action_to_string(ReclaimAction a);
int reclaim_action_from_string(const char *s, ReclaimAction *ret);

/* The built-in policy used where no configured policy matches. */
const Policy *policy_builtin_default(void);

/* Nearest-ancestor lookup in 'policies' (any order).  A NULL or unknown
 * cgroup gets the root policy if there is one, else the built-in default. */
const Policy *policy_lookup(const Policy *policies, size_t n, const char *cgroup);
