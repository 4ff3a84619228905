/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <time.h>

#include "actuator.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "util.h"

uint64_t actuator_tables_freed(const ActuatorOutcome *o) {
        uint64_t n = 0;

        for (KvmCommand c = KVM_CMD_FREE_EMPTY; c < _KVM_CMD_MAX; c++)
                if (o->did[c])
                        n = sat_add_u64(n, o->res[c].zapped);
        return n;
}

/* One command; false when the VM is gone (nothing more to write to it). */
static bool run(const char *kvm_dir, const char *id, KvmCommand c, uint64_t n, ActuatorOutcome *o) {
        int r = kvmfs_reclaim(kvm_dir, id, c, n, &o->res[c]);

        o->asked[c] = n;
        if (r < 0) {
                log_debug_errno(r, "VM %s: %s %llu failed: %m", id, kvm_command_to_string(c), (unsigned long long) n);
                o->cmd_error[c] = r;
                if (o->error == 0)
                        o->error = r;
                return r != -ENOENT;
        }
        o->did[c] = true;
        return true;
}

/* The page tables the step takes, cheapest for the guest first. */
static bool take_tables(const char *kvm_dir, const char *id, ActuatorOffers offers, uint64_t take,
                        ActuatorOutcome *o) {
        static const KvmCommand ladder[] = { KVM_CMD_FREE_EMPTY, KVM_CMD_ZAP_COLD, KVM_CMD_ZAP };

        for (size_t i = 0; i < ELEMENTSOF(ladder) && take > 0; i++) {
                KvmCommand c = ladder[i];

                if (!(offers & ACTUATOR_OFFER(c)))
                        continue;
                if (!run(kvm_dir, id, c, kvm_command_takes_n(c) ? (take < KVM_RECLAIM_ZAP_MAX ? take : KVM_RECLAIM_ZAP_MAX) : 0,
                         o))
                        return false;
                if (o->did[c])
                        take -= o->res[c].zapped < take ? o->res[c].zapped : take;
        }
        return true;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

int actuator_execute(const char *kvm_dir, const char *const *vm_ids, const ActuatorOffers *offers, const Plan *plan,
                     ActuatorOutcome **ret, size_t *ret_n, uint64_t *ret_start_usec, uint64_t *ret_end_usec) {
        ActuatorOutcome *out = calloc(plan->n_steps ? plan->n_steps : 1, sizeof(*out));

        if (!out)
                return -ENOMEM;
        if (ret_start_usec)
                *ret_start_usec = now_usec();
        for (size_t i = 0; i < plan->n_steps; i++) {
                const PlanStep *s = &plan->steps[i];
                const char *id = vm_ids[s->vm];
                ActuatorOffers can = offers ? offers[s->vm] : ~0u;
                ActuatorOutcome *o = &out[i];
                bool alive = true;

                o->vm = s->vm;
                if (s->caches)
                        alive = run(kvm_dir, id, KVM_CMD_CACHES, 0, o);
                /* A cap is the kernel's to enforce: "limit" alone. */
                if (alive && s->set_limit)
                        (void) run(kvm_dir, id, KVM_CMD_LIMIT, s->limit, o);
                else if (alive && s->zap > 0)
                        alive = take_tables(kvm_dir, id, can, s->zap, o);
        }
        if (ret_end_usec)
                *ret_end_usec = now_usec();
        *ret = out;
        *ret_n = plan->n_steps;
        return 0;
}
