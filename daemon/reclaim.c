/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One reclaim round: counts -> planner -> actuator -> bookkeeping. */
#include <errno.h>
#include <string.h>

#include "actuator.h"
#include "bus.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "manager.h"
#include "planner.h"
#include "util.h"

static void apply_outcome(Manager *m, Vm *v, const ActuatorOutcome *o, const char *reason) {
        if (o->did_caches) {
                v->reclaimed_cache_pages += o->caches.caches_freed;
                m->reclaimed_cache_pages += o->caches.caches_freed;
                v->cache_pages = v->cache_pages > o->caches.caches_freed ? v->cache_pages - o->caches.caches_freed : 0;
                if (o->caches.caches_freed > 0)
                        bus_emit_reclaimed(m, v, "caches", o->caches.caches_freed, reason);
                if (o->caches.busy_vcpus > 0)
                        log_debug("VM %s: %u vCPUs were busy, their caches stay", v->id, o->caches.busy_vcpus);
        }
        if (o->did_zap) {
                v->reclaimed_shadow_pages += o->zap.zapped;
                m->reclaimed_shadow_pages += o->zap.zapped;
                v->shadow_pages = v->shadow_pages > o->zap.zapped ? v->shadow_pages - o->zap.zapped : 0;
                if (o->zap.zapped > 0)
                        bus_emit_reclaimed(m, v, "zap", o->zap.zapped, reason);
        }
        if (o->error == -ENOENT)
                log_info("VM %s vanished during reclaim", v->id);
        else if (o->error < 0)
                log_warning_errno(o->error, "VM %s: reclaim failed, continuing with the others: %m", v->id);
}

int manager_reclaim(Manager *m, const char *vm_id, const char *scope, uint64_t goal, ReclaimAction action,
                    const char *reason, uint64_t *ret_caches, uint64_t *ret_zapped) {
        _cleanup_free_ PlannerVm *in = NULL;
        _cleanup_free_ Policy *overrides = NULL;
        _cleanup_free_ const char **ids = NULL;
        _cleanup_free_ Vm **vms = NULL;
        _cleanup_free_ ActuatorOutcome *out = NULL;
        uint64_t caches = 0, zapped = 0;
        bool caps = strcmp(reason, "max-pages") == 0;
        size_t n = 0, n_out = 0;
        Plan plan = {};
        int r;

        in = calloc(m->vms.n ? m->vms.n : 1, sizeof(*in));
        overrides = calloc(m->vms.n ? m->vms.n : 1, sizeof(*overrides));
        ids = calloc(m->vms.n ? m->vms.n : 1, sizeof(*ids));
        vms = calloc(m->vms.n ? m->vms.n : 1, sizeof(*vms));
        if (!in || !overrides || !ids || !vms)
                return -ENOMEM;

        for (size_t i = 0; i < m->vms.n; i++) {
                Vm *v = m->vms.vms[i];
                const Policy *p;

                if (!v->counted || !v->has_reclaim || (vm_id && strcmp(v->id, vm_id) != 0))
                        continue;
                p = manager_policy_for_vm(m, v, &overrides[n]);
                if (action != 0) {
                        /* A manual action replaces Action= but not the limits. */
                        overrides[n] = *p;
                        overrides[n].action = action;
                        p = &overrides[n];
                }
                in[n] = (PlannerVm) {
                        .id = v->id,
                        .cgroup = v->cgroup,
                        .shadow_pages = v->shadow_pages,
                        .cache_pages = v->cache_pages,
                        .policy = p,
                };
                ids[n] = v->id;
                vms[n] = v;
                n++;
        }

        if (caps)
                r = planner_enforce_caps(in, n, KVM_RECLAIM_ZAP_MAX, &plan);
        else
                r = planner_plan(in, n,
                                 &(PlanRequest) {
                                         .scope = scope,
                                         .goal_pages = goal,
                                         .round_cap = goal,
                                         .zap_max = KVM_RECLAIM_ZAP_MAX,
                                 },
                                 &plan);
        if (r < 0)
                return r;
        if (plan.n_steps == 0)
                goto done;
        log_info("Plan (%s): %zu VMs, caches ~%llu pages, zap %llu pages", reason, plan.n_steps,
                 (unsigned long long) plan.cache_pages, (unsigned long long) plan.zap_pages);
        for (size_t i = 0; i < plan.n_steps; i++)
                log_debug("  %s: caches=%s zap=%llu", ids[plan.steps[i].vm], yes_no(plan.steps[i].caches),
                          (unsigned long long) plan.steps[i].zap);
        if (!m->kernel_interface) {
                log_info("Monitor-only: not carrying the plan out.");
                goto done;
        }

        r = actuator_execute(m->kvm_dir, ids, &plan, &out, &n_out);
        if (r < 0)
                goto done;
        for (size_t i = 0; i < n_out; i++) {
                Vm *v = vms[out[i].vm];
                apply_outcome(m, v, &out[i], reason);
                caches += out[i].did_caches ? out[i].caches.caches_freed : 0;
                zapped += out[i].did_zap ? out[i].zap.zapped : 0;
                log_info("  VM %s (%s, %s): caches freed %llu, zapped %llu%s", v->id, v->name ?: "-",
                         v->cgroup ?: "-", (unsigned long long) (out[i].did_caches ? out[i].caches.caches_freed : 0),
                         (unsigned long long) (out[i].did_zap ? out[i].zap.zapped : 0),
                         out[i].error < 0 ? " (failed)" : "");
        }
        /* A VM that vanished mid-round is dropped now, not at the next scan. */
        for (size_t i = 0; i < n_out; i++)
                if (out[i].error == -ENOENT) {
                        char path[4096];
                        snprintf(path, sizeof(path), "%s/%s", m->kvm_dir, ids[out[i].vm]);
                        if (access(path, F_OK) < 0)
                                (void) vm_table_remove(&m->vms, ids[out[i].vm]);
                }
done:
        plan_done(&plan);
        if (ret_caches)
                *ret_caches = caches;
        if (ret_zapped)
                *ret_zapped = zapped;
        return r < 0 ? r : 0;
}
