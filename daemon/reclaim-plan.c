/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Planning a round (reclaim.h): the planner's input from the VMs, their
 * policies and what the controller learned, the commands each VM may be
 * sent, and a note for every VM of the target that gets nothing, and why.
 * Writes nothing. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "controller.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "manager.h"
#include "reclaim.h"
#include "util.h"

void round_plan_done(RoundPlan *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                free(p->ids[i]);
        free(p->ids);
        free(p->offers);
        plan_done(&p->plan);
        for (size_t i = 0; i < p->n_notes; i++) {
                free(p->notes[i].vm);
                free(p->notes[i].why);
        }
        free(p->notes);
        *p = (RoundPlan) {};
}

/* Notes say why, VM by VM, up to this many; the rest are counted in one
 * last note, so a host of 10,000 VMs does not answer with 10,000 lines. */
#define NOTES_MAX 64

static int push_note(RoundPlan *p, const char *vm, char *why) {
        ReclaimNote *n;
        char *id = strdup(vm);

        n = realloc(p->notes, (p->n_notes + 1) * sizeof(*n));
        if (!id || !n) {
                free(why);
                free(id);
                if (n)
                        p->notes = n;
                return -ENOMEM;
        }
        p->notes = n;
        p->notes[p->n_notes++] = (ReclaimNote) { .vm = id, .why = why };
        return 0;
}

int reclaim_note(RoundPlan *p, const char *vm, const char *fmt, ...) {
        char *why = NULL;
        va_list ap;
        int r;

        if (p->n_notes >= NOTES_MAX) {
                p->n_more_notes++;
                return 0;
        }
        va_start(ap, fmt);
        r = vasprintf(&why, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return push_note(p, vm, why);
}

int reclaim_notes_close(RoundPlan *p) {
        char *why;

        if (p->n_more_notes == 0)
                return 0;
        if (asprintf(&why, "and %zu more VMs, not listed", p->n_more_notes) < 0)
                return -ENOMEM;
        p->n_more_notes = 0;
        return push_note(p, "", why);
}

const char *reclaim_lack_reason(KvmCommand c) {
        switch (c) {
        case KVM_CMD_CACHES:
                return "no cache pages the kernel could free (vCPUs busy in a fault)";
        case KVM_CMD_FREE_EMPTY:
                return "no page tables that map nothing";
        case KVM_CMD_ZAP_COLD:
                return "no cold page tables: the guest touched them all";
        case KVM_CMD_ZAP:
                return "only root pages in use";
        default:
                return "nothing";
        }
}

ActuatorOffers reclaim_kernel_offers(const Manager *m) {
        ActuatorOffers o = ACTUATOR_OFFER(KVM_CMD_CACHES) | ACTUATOR_OFFER(KVM_CMD_ZAP);

        /* The first series had "caches" and "zap" only, and none of the
         * files v2 added (tdp_mmu_pages, mmu_pagetable_bytes, mmu_vms):
         * one of those says the kernel has every command of the header. */
        if (m->kernel_v2)
                o |= ACTUATOR_OFFER(KVM_CMD_FREE_EMPTY) | ACTUATOR_OFFER(KVM_CMD_ZAP_COLD) |
                     ACTUATOR_OFFER(KVM_CMD_LIMIT);
        return o;
}

/* The table commands the kernel has and the controller still offers. */
static ActuatorOffers table_offers(const Vm *v, ActuatorOffers kernel) {
        static const KvmCommand table_cmds[] = { KVM_CMD_FREE_EMPTY, KVM_CMD_ZAP_COLD, KVM_CMD_ZAP };
        VmCounts now = vm_counts(v);
        ActuatorOffers o = 0;

        for (size_t i = 0; i < ELEMENTSOF(table_cmds); i++)
                if ((kernel & ACTUATOR_OFFER(table_cmds[i])) && control_offers(&v->control, table_cmds[i], &now))
                        o |= ACTUATOR_OFFER(table_cmds[i]);
        return o;
}

/* Why a VM that holds tables is sent none of the table commands. */
static int note_gave_nothing(RoundPlan *p, const Vm *v, ActuatorOffers kernel) {
        char why[256] = "";

        for (KvmCommand c = KVM_CMD_FREE_EMPTY; c <= KVM_CMD_ZAP; c++)
                if ((kernel & ACTUATOR_OFFER(c)) && v->control.exhausted[c])
                        snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s: %s at %llu", why[0] ? "; " : "",
                                 kvm_command_to_string(c), reclaim_lack_reason(c),
                                 (unsigned long long) v->control.exhausted_at[c]);
        return reclaim_note(p, v->id,
                            "gave nothing more when last asked (%s); asked again once its page tables grow",
                            why[0] ? why : "nothing the kernel can take");
}

/* Why the planner gave no step to a VM it was given. */
static int note_no_step(RoundPlan *p, RoundKind kind, const Vm *v, const PlannerVm *in, bool exhausted,
                        ActuatorOffers kernel) {
        const Policy *pol = in->policy;
        uint64_t tables = sat_add_u64(in->shadow_pages, in->tdp_pages);
        bool can_cache = (pol->action & RECLAIM_CACHES) && in->cache_pages > 0;
        bool can_zap = (pol->action & RECLAIM_ZAP) && tables > pol->min_pages;

        if (kind == ROUND_CAPS) {
                if (pol->max_pages == 0)
                        return reclaim_note(p, v->id, "no MaxPages= in the policy for %s", pol->cgroup);
                if (exhausted)
                        return note_gave_nothing(p, v, kernel);
                if (kernel & ACTUATOR_OFFER(KVM_CMD_LIMIT))
                        return reclaim_note(p, v->id, "the kernel keeps its cap: limit %llu",
                                            (unsigned long long) v->kernel_limit);
                return reclaim_note(p, v->id, "within MaxPages=%llu (%llu shadow pages)",
                                    (unsigned long long) pol->max_pages, (unsigned long long) in->shadow_pages);
        }
        /* Not needed: the goal was met by others; nothing to explain. */
        if (can_cache || can_zap)
                return 0;
        if (exhausted)
                return note_gave_nothing(p, v, kernel);
        if (pol->action & RECLAIM_ZAP)
                return reclaim_note(p, v->id, "at its floor: %llu page-table pages, MinPages=%llu%s",
                                    (unsigned long long) tables, (unsigned long long) pol->min_pages,
                                    pol->action & RECLAIM_CACHES ? ", and no cache pages" : "");
        return reclaim_note(p, v->id, "Action=caches and no cache pages");
}

/* MaxPages= as the kernel's cap: "limit N" (N at least the kernel's
 * smallest), 0 where no cap applies (KVM's own cap again). */
uint64_t reclaim_wanted_limit(const Policy *pol) {
        if (pol->protect || pol->max_pages == 0 || !(pol->action & RECLAIM_ZAP))
                return 0;
        return pol->max_pages < KVM_RECLAIM_LIMIT_MIN ? KVM_RECLAIM_LIMIT_MIN : pol->max_pages;
}

/* The caps round where the kernel keeps caps: a "limit N" for each VM
 * whose cap is not the one its policy wants. */
static int plan_limits(const Manager *m, const PlannerVm *in, Vm *const *vms, size_t n, Plan *ret) {
        Plan plan = {};

        plan.steps = calloc(n ? n : 1, sizeof(PlanStep));
        if (!plan.steps)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                uint64_t want = reclaim_wanted_limit(in[i].policy);

                if (want == vms[i]->kernel_limit && !vms[i]->kernel_limit_unknown)
                        continue;
                /* What the kernel will zap to get under it (the roots in
                 * use aside), so that a plan says what a cap costs. */
                plan.steps[plan.n_steps++] = (PlanStep) {
                        .vm = i,
                        .set_limit = true,
                        .limit = want,
                        .zap = want > 0 && in[i].shadow_pages > want ? in[i].shadow_pages - want : 0,
                };
                plan.zap_pages += plan.steps[plan.n_steps - 1].zap;
        }
        *ret = plan;
        return 0;
}

int reclaim_plan(Manager *m, const Config *config, const ReclaimRequest *req, RoundPlan *ret) {
        _cleanup_free_ PlannerVm *in = NULL;
        _cleanup_free_ Policy *overrides = NULL;
        _cleanup_free_ Vm **vms = NULL;
        _cleanup_free_ bool *exhausted = NULL, *stepped = NULL;
        _cleanup_(round_plan_done) RoundPlan p = {};
        size_t n = 0, cap = m->vms.n ? m->vms.n : 1;
        ActuatorOffers kernel = reclaim_kernel_offers(m);
        bool limits = req->kind == ROUND_CAPS && (kernel & ACTUATOR_OFFER(KVM_CMD_LIMIT));
        struct timespec ts;
        uint64_t now;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        in = calloc(cap, sizeof(*in));
        overrides = calloc(cap, sizeof(*overrides));
        vms = calloc(cap, sizeof(*vms));
        exhausted = calloc(cap, sizeof(bool));
        p.ids = calloc(cap, sizeof(char *));
        p.offers = calloc(cap, sizeof(ActuatorOffers));
        if (!in || !overrides || !vms || !exhausted || !p.ids || !p.offers)
                return -ENOMEM;

        for (size_t i = 0; i < m->vms.n; i++) {
                Vm *v = m->vms.vms[i];
                const Policy *pol = config_policy_for_vm(config, v->cgroup, v->name, v->uuid, &overrides[n]);
                ActuatorOffers tables;
                ReclaimAction action;

                if (req->vm_id ? strcmp(v->id, req->vm_id) != 0 :
                    req->scope && strcmp(req->scope, "/") != 0 && !cgroup_path_startswith(v->cgroup, req->scope))
                        continue;
                if (!v->counted)
                        r = reclaim_note(&p, v->id, "no MMU counters: the kernel lacks the kvm-reclaimd series");
                else if (!v->has_reclaim)
                        r = reclaim_note(&p, v->id, "%s", vm_reclaim_problem(v));
                /* A cap is lifted from a protected VM too: only "limit 0". */
                else if (pol->protect && !(limits && (v->kernel_limit > 0 || v->kernel_limit_unknown)))
                        r = reclaim_note(&p, v->id, "protected by the policy for %s", pol->cgroup);
                else
                        r = 1;
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;

                /* A manual action replaces Action= but not the limits. */
                action = req->action ?: pol->action;
                tables = table_offers(v, kernel);
                p.offers[n] = tables | (kernel & (ACTUATOR_OFFER(KVM_CMD_CACHES) | ACTUATOR_OFFER(KVM_CMD_LIMIT)));
                /* Under pressure the oldest pages go only once zap-cold has
                 * said which tables are cold: its first call on a VM ages
                 * them, and the next round, a window later, takes the cold
                 * ones; zapping blindly meanwhile takes hot pages that the
                 * guest rebuilds at once.  (An operator's Reclaim zaps now.) */
                if (req->kind == ROUND_PRESSURE && (tables & ACTUATOR_OFFER(KVM_CMD_ZAP_COLD)) && !v->control.aged)
                        p.offers[n] &= ~ACTUATOR_OFFER(KVM_CMD_ZAP);
                /* What the controller learned cannot be freed is not asked
                 * (a cap is the kernel's to keep: "limit" is always sent). */
                if (!limits) {
                        exhausted[n] = (action & RECLAIM_ZAP) && tables == 0 && vm_tables(v) > 0;
                        if (req->kind == ROUND_CAPS)
                                exhausted[n] = (action & RECLAIM_ZAP) && !(tables & ACTUATOR_OFFER(KVM_CMD_ZAP)) &&
                                               v->shadow_pages > 0;
                        if (exhausted[n])
                                action &= ~RECLAIM_ZAP;
                        if (v->cache_pages > 0 && !control_offers(&v->control, KVM_CMD_CACHES,
                                                                  &(VmCounts) { .cache_pages = v->cache_pages }))
                                action &= ~RECLAIM_CACHES;
                        if (action == 0) {
                                r = exhausted[n] ? note_gave_nothing(&p, v, kernel)
                                                 : reclaim_note(&p, v->id,
                                                                "\"caches\" freed nothing at %llu cache pages when last "
                                                                "asked (vCPUs busy in a fault); asked again once the "
                                                                "count changes",
                                                                (unsigned long long) v->cache_pages);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                }
                overrides[n] = *pol;
                overrides[n].action = action;
                in[n] = (PlannerVm) {
                        .id = v->id,
                        .cgroup = v->cgroup,
                        .shadow_pages = v->shadow_pages,
                        .tdp_pages = v->tdp_pages,
                        .cache_pages = v->cache_pages,
                        .policy = &overrides[n],
                        /* Pressure rounds only: an operator's Reclaim
                         * asks for exact shares, from everyone. */
                        .backed_off = req->kind == ROUND_PRESSURE && control_backed_off(&v->control, now),
                        .owed_milli = req->kind == ROUND_PRESSURE ? v->control.owed_milli : 0,
                };
                p.ids[n] = strdup(v->id);
                if (!p.ids[n])
                        return -ENOMEM;
                vms[n] = v;
                p.n = ++n;
        }

        if (limits)
                r = plan_limits(m, in, vms, n, &p.plan);
        else if (req->kind == ROUND_CAPS)
                r = planner_enforce_caps(in, n, KVM_RECLAIM_ZAP_MAX, &p.plan);
        else
                r = planner_plan(in, n,
                                 &(PlanRequest) {
                                         .scope = req->scope,
                                         .goal_pages = req->goal,
                                         .round_cap = req->goal,
                                         .zap_max = KVM_RECLAIM_ZAP_MAX,
                                         .batch_pages = req->kind == ROUND_PRESSURE ? CONTROL_BATCH_PAGES : 0,
                                         .max_vms = req->kind == ROUND_PRESSURE ? CONTROL_ROUND_VMS : 0,
                                 },
                                 &p.plan);
        if (r < 0)
                return r;

        stepped = calloc(cap, sizeof(bool));
        if (!stepped)
                return -ENOMEM;
        for (size_t i = 0; i < p.plan.n_steps; i++)
                stepped[p.plan.steps[i].vm] = true;
        for (size_t i = 0; i < n; i++)
                if (!stepped[i]) {
                        r = note_no_step(&p, req->kind, vms[i], &in[i], exhausted[i], kernel);
                        if (r < 0)
                                return r;
                }
        r = reclaim_notes_close(&p);
        if (r < 0)
                return r;
        *ret = p;
        p = (RoundPlan) {};
        return 0;
}
