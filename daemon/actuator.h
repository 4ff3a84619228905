/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Carries out a plan: per VM "caches" then "zap N", each result read back.
 * One VM failing (vanished, refused, I/O error) never stops the round. */

#include <stdbool.h>
#include <stddef.h>

#include "kvmfs.h"
#include "planner.h"

typedef struct ActuatorOutcome {
        size_t vm;                      /* the plan step's VM index */
        int error;                      /* first failure, negative errno; 0 = all done */
        bool did_caches;
        bool did_zap;
        KvmReclaimResult caches;
        KvmReclaimResult zap;
} ActuatorOutcome;

/* 'vm_ids' is indexed like the planner's input.  Returns one outcome per
 * plan step, in plan order. */
int actuator_execute(const char *kvm_dir, const char *const *vm_ids, const Plan *plan,
                     ActuatorOutcome **ret, size_t *ret_n);
