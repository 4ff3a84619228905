/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "actuator.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "util.h"

int actuator_execute(const char *kvm_dir, const char *const *vm_ids, const Plan *plan,
                     ActuatorOutcome **ret, size_t *ret_n) {
        ActuatorOutcome *out = calloc(plan->n_steps ? plan->n_steps : 1, sizeof(*out));

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_steps; i++) {
                const PlanStep *s = &plan->steps[i];
                const char *id = vm_ids[s->vm];
                ActuatorOutcome *o = &out[i];
                int r = 0;

                o->vm = s->vm;
                if (s->caches) {
                        r = kvmfs_reclaim_caches(kvm_dir, id, &o->caches);
                        if (r < 0)
                                log_debug_errno(r, "VM %s: caches failed: %m", id);
                        o->did_caches = r >= 0;
                }
                /* A VM that is gone is gone for zap too; other errors are
                 * per command, so zap still gets its chance. */
                if (s->zap > 0 && r != -ENOENT) {
                        int k = kvmfs_reclaim_zap(kvm_dir, id, s->zap < KVM_RECLAIM_ZAP_MAX ? s->zap : KVM_RECLAIM_ZAP_MAX,
                                                  &o->zap);
                        if (k < 0)
                                log_debug_errno(k, "VM %s: zap %llu failed: %m", id, (unsigned long long) s->zap);
                        o->did_zap = k >= 0;
                        if (r >= 0)
                                r = k;
                }
                o->error = r < 0 ? r : 0;
        }
        *ret = out;
        *ret_n = plan->n_steps;
        return 0;
}
