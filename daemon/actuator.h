/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Carries out a plan, VM by VM: "caches" if planned; then, for the
 * page-table pages the plan takes from it, the commands cheapest for the
 * guest first, each asked for what the ones before did not free:
 * "free-empty" (free), "zap-cold" (tables the guest left), "zap" (the
 * oldest shadow pages); then "limit N" if planned.  Each command is
 * written only if the VM's offers allow it (the kernel has it, and the
 * controller has not learned that it frees nothing there).  Each result is
 * read back.  One VM failing (vanished, refused, I/O error) never stops
 * the round; a command the kernel refuses (EINVAL: it lacks it) leaves the
 * next one its chance. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmfs.h"
#include "planner.h"

/* Bit (1u << KvmCommand) per command a VM may be sent. */
typedef unsigned ActuatorOffers;
#define ACTUATOR_OFFER(c) (1u << (c))

typedef struct ActuatorOutcome {
        size_t vm;                      /* the plan step's VM index */
        int error;                      /* the first failure, negative errno; 0 = none */
        bool did[_KVM_CMD_MAX];         /* written and answered */
        int cmd_error[_KVM_CMD_MAX];    /* written and refused: the errno */
        uint64_t asked[_KVM_CMD_MAX];   /* the N written (0 for commands without one) */
        KvmReclaimResult res[_KVM_CMD_MAX];
} ActuatorOutcome;

/* Page-table pages the outcome's commands freed: all but "caches" ("limit"
 * zaps the pages over the cap it sets). */
uint64_t actuator_tables_freed(const ActuatorOutcome *o);

/* 'vm_ids' and 'offers' are indexed like the planner's input.  Returns one
 * outcome per plan step, in plan order, and (when not NULL) the
 * CLOCK_MONOTONIC µs at which the first write began and the last one was
 * answered. */
int actuator_execute(const char *kvm_dir, const char *const *vm_ids, const ActuatorOffers *offers, const Plan *plan,
                     ActuatorOutcome **ret, size_t *ret_n, uint64_t *ret_start_usec, uint64_t *ret_end_usec);
