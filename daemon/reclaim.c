/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reclaim rounds (see reclaim.h): planning, the worker that writes, and
 * what a round leaves behind (counters, signals, notes, history). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "actuator.h"
#include "bus.h"
#include "history.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "reclaim.h"
#include "util.h"

typedef struct Waiter {
        reclaim_done_t done;
        void *userdata;
} Waiter;

/* What one VM of the plan held and gave, by planner index, for the history. */
typedef struct RoundVm {
        char *name;                     /* copied: the VM may be gone when the round ends */
        uint64_t shadow_before, shadow_after, cache_pages;
        uint64_t caches_freed, zapped;
} RoundVm;

typedef struct Round {
        RoundKind kind;
        char *vm_id;
        char *scope;
        char *reason;
        uint64_t goal;
        ReclaimAction action;
        uint64_t window_usec;
        char *pressure_file;            /* a pressure round's trigger file */
        uint64_t psi_total_usec, threshold_usec;
        uint64_t queued_usec;           /* CLOCK_MONOTONIC */
        Waiter *waiters;
        size_t n_waiters;
        uint32_t requests;              /* events or calls merged into it */

        RoundPlan plan;                 /* notes gain the results' on the way */
        RoundVm *vms;                   /* plan.n of them, once planned */
        char *kvm_dir;                  /* the worker's own copy */
        ActuatorOutcome *out;
        size_t n_out;
        int worker_error;
        uint64_t start_usec;            /* CLOCK_MONOTONIC */
        uint64_t write_start_usec;      /* the worker's first write began */
        uint64_t write_end_usec;        /* the worker's last write answered */
        int notify_fd;                  /* the worker writes 1 here when done */
        struct Round *next;
} Round;

typedef struct Rounds {
        Round *head, *tail;             /* waiting, oldest first */
        Round *in_flight;
        pthread_t thread;
        int event_fd;                   /* the worker says it is done */
        sd_event_source *event_source;
        History *history;
} Rounds;

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- rounds ---- */

static void round_free(Round *r) {
        if (!r)
                return;
        for (size_t i = 0; r->vms && i < r->plan.n; i++)
                free(r->vms[i].name);
        free(r->vms);
        free(r->vm_id);
        free(r->scope);
        free(r->reason);
        free(r->pressure_file);
        free(r->waiters);
        round_plan_done(&r->plan);
        free(r->kvm_dir);
        free(r->out);
        free(r);
}

static int round_add_waiter(Round *r, reclaim_done_t done, void *userdata) {
        Waiter *w;

        if (!done)
                return 0;
        w = realloc(r->waiters, (r->n_waiters + 1) * sizeof(*w));
        if (!w)
                return -ENOMEM;
        r->waiters = w;
        r->waiters[r->n_waiters++] = (Waiter) { done, userdata };
        return 0;
}

/* The round as the history keeps it: its plan, VM by VM, with what each
 * held and gave. */
static int round_record(const Round *r, const RoundResult *res, RoundRecord *ret) {
        _cleanup_(round_record_done) RoundRecord rec = {
                .realtime_usec = now_usec(CLOCK_REALTIME),
                .duration_usec = now_usec(CLOCK_MONOTONIC) - r->start_usec,
                .reason = strdup(r->reason),
                .scope = strdup(r->vm_id ?: r->scope ?: "host"),
                .requests = r->requests,
                .n_vms = r->plan.plan.n_steps,
                .planned_pages = r->plan.plan.cache_pages + r->plan.plan.zap_pages,
                .caches_freed = res->caches_freed,
                .zapped = res->zapped,
                .carried_out = res->carried_out,
        };
        const Plan *plan = &r->plan.plan;

        if (!rec.reason || !rec.scope)
                return -ENOMEM;
        if (plan->n_steps > 0 && r->vms) {
                rec.vms = calloc(plan->n_steps, sizeof(HistoryVm));
                if (!rec.vms)
                        return -ENOMEM;
        }
        for (size_t i = 0; rec.vms && i < plan->n_steps; i++) {
                const PlanStep *step = &plan->steps[i];
                const RoundVm *v = &r->vms[step->vm];

                rec.vms[i] = (HistoryVm) {
                        .id = strdup(r->plan.ids[step->vm]),
                        .name = strdup_or_null(v->name),
                        .caches = step->caches,
                        .cache_pages = v->cache_pages,
                        .zap = step->zap,
                        .caches_freed = v->caches_freed,
                        .zapped = v->zapped,
                        .shadow_before = v->shadow_before,
                        .shadow_after = res->carried_out ? v->shadow_after : v->shadow_before,
                };
                rec.n_listed = i + 1;
                if (!rec.vms[i].id || (v->name && !rec.vms[i].name))
                        return -ENOMEM;
        }
        *ret = rec;
        rec = (RoundRecord) {};
        return 0;
}

/* Rounds that planned something, and every pressure round (an event that
 * found nothing to reclaim is worth seeing on a plot), are kept. */
static void record_history(Manager *m, const Round *r, const RoundResult *res) {
        Rounds *q = m->rounds;
        RoundRecord rec;

        if (res->error < 0 || (r->plan.plan.n_steps == 0 && r->kind != ROUND_PRESSURE))
                return;
        if (!q->history) {
                q->history = history_new(HISTORY_ROUNDS_MAX, HISTORY_VM_ENTRIES_MAX);
                if (!q->history)
                        return; /* a record less; the round itself is done */
        }
        if (round_record(r, res, &rec) < 0)
                return;
        metrics_note_round(m, r->kind, r->vm_id ? "vm" : r->scope ?: "host", rec.carried_out, rec.duration_usec);
        history_add(q->history, &rec);
}

/* Ends a round: history, the summary line, every waiter. */
static void round_finish(Manager *m, Round *r, const RoundResult *res) {
        record_history(m, r, res);
        if (res->carried_out)
                log_struct(LOG_INFO,
                           LOG_FIELDS(.message_id = LOG_MID_ROUND_DONE, .reason = r->reason,
                                      .pages = res->caches_freed + res->zapped, .has_pages = true),
                           "Round (%s) done: %llu cache pages freed, %llu shadow pages zapped, in %.1f ms",
                           r->reason, (unsigned long long) res->caches_freed, (unsigned long long) res->zapped,
                           (now_usec(CLOCK_MONOTONIC) - r->start_usec) / 1000.0);
        for (size_t i = 0; i < r->n_waiters; i++)
                r->waiters[i].done(m, res, r->waiters[i].userdata);
        round_free(r);
}

static void finish_without_writing(Manager *m, Round *r, int error) {
        RoundResult res = {
                .error = error,
                .notes = r->plan.notes,
                .n_notes = r->plan.n_notes,
        };
        round_finish(m, r, &res);
}

static void *worker(void *userdata) {
        Round *r = userdata;
        uint64_t one = 1;

        r->worker_error = actuator_execute(r->kvm_dir, (const char *const *) r->plan.ids, r->plan.offers,
                                           &r->plan.plan, &r->out, &r->n_out, &r->write_start_usec,
                                           &r->write_end_usec);
        /* An eventfd write of 1 cannot fail short of a bug. */
        (void) !write(r->notify_fd, &one, sizeof(one));
        return NULL;
}

static void log_plan(const Round *r) {
        const Plan *plan = &r->plan.plan;

        log_struct(LOG_INFO,
                   LOG_FIELDS(.message_id = LOG_MID_ROUND_PLAN, .reason = r->reason,
                              .pages = plan->cache_pages + plan->zap_pages, .has_pages = true),
                   "Plan (%s): %zu VMs, caches ~%llu pages, zap %llu pages", r->reason, plan->n_steps,
                   (unsigned long long) plan->cache_pages, (unsigned long long) plan->zap_pages);
        for (size_t i = 0; i < plan->n_steps; i++)
                log_debug("  %s: caches=%s zap=%llu", r->plan.ids[plan->steps[i].vm], yes_no(plan->steps[i].caches),
                          (unsigned long long) plan->steps[i].zap);
}

/* A round carried out keeps what its plan says each VM owes now. */
static void commit_owed(Manager *m, const Round *r) {
        if (r->kind != ROUND_PRESSURE || !r->plan.plan.owed_milli)
                return;
        for (size_t i = 0; i < r->plan.n; i++) {
                Vm *v = vm_table_find(&m->vms, r->plan.ids[i]);

                if (v)
                        v->control.owed_milli = r->plan.plan.owed_milli[i];
        }
}

/* A pressure round that waited a window or more behind another is sized
 * again from the stall since its event: none, and it is dropped (the
 * pressure is gone). */
static bool round_still_wanted(Manager *m, Round *r) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), goal;
        PsiValues v;

        if (!r->pressure_file || r->window_usec == 0 || now - r->queued_usec < r->window_usec)
                return true;
        if (psi_read(r->pressure_file, &v) < 0)
                return true;
        goal = control_round_goal(&(RoundSizing) {
                .step_pages = m->config->daemon.step_pages,
                .window_usec = r->window_usec,
                .threshold_usec = r->threshold_usec,
                .stall_usec = v.some.total_usec > r->psi_total_usec ? v.some.total_usec - r->psi_total_usec : 0,
                .elapsed_usec = now - r->queued_usec,
        });
        if (goal > 0) {
                r->goal = goal < r->goal ? goal : r->goal;
                return true;
        }
        log_info("Round (%s) dropped: no stall since its event %.1f s ago, the pressure is gone", r->reason,
                 (now - r->queued_usec) / 1e6);
        finish_without_writing(m, r, 0);
        return false;
}

/* Plans the round with fresh counts and starts the worker, or finishes it
 * at once when there is nothing to write.  Returns true when it is in
 * flight. */
static bool round_start(Manager *m, Round *r) {
        Rounds *q = m->rounds;
        int k;

        r->start_usec = now_usec(CLOCK_MONOTONIC);
        if (r->kind == ROUND_PRESSURE && !round_still_wanted(m, r))
                return false;
        /* Only what the round plans from: a cgroup's VMs, one VM, all. */
        if (r->vm_id) {
                Vm *v = vm_table_find(&m->vms, r->vm_id);

                if (v && manager_recount_vm(m, v) == -ENOENT)
                        manager_vm_gone(m, r->vm_id);
        } else
                (void) manager_recount_scope(m, r->scope);
        k = reclaim_plan(m, m->config,
                         &(ReclaimRequest) {
                                 .kind = r->kind,
                                 .vm_id = r->vm_id,
                                 .scope = r->scope,
                                 .goal = r->goal,
                                 .action = r->action,
                                 .reason = r->reason,
                         },
                         &r->plan);
        if (k < 0) {
                log_warning_errno(k, "Cannot plan a round (%s): %m", r->reason);
                finish_without_writing(m, r, k);
                return false;
        }
        if (r->plan.plan.n_steps == 0) {
                finish_without_writing(m, r, 0);
                return false;
        }
        r->vms = calloc(r->plan.n, sizeof(RoundVm));
        for (size_t i = 0; r->vms && i < r->plan.n; i++) {
                const Vm *v = vm_table_find(&m->vms, r->plan.ids[i]);
                char pid[16];

                /* As ListVMs names it: the pid when it has no name. */
                if (v) {
                        snprintf(pid, sizeof(pid), "%d", (int) v->pid);
                        r->vms[i] = (RoundVm) {
                                .name = strdup(v->name ?: pid),
                                .shadow_before = vm_tables(v),
                                .shadow_after = vm_tables(v),
                                .cache_pages = v->cache_pages,
                        };
                }
        }
        log_plan(r);
        if (m->dry_run) {
                log_info("Dry run: not carrying the plan out.");
                for (size_t i = 0; i < r->plan.plan.n_steps; i++) {
                        const PlanStep *s = &r->plan.plan.steps[i];
                        char what[64];

                        if (s->set_limit)
                                snprintf(what, sizeof(what), "limit %llu", (unsigned long long) s->limit);
                        else if (s->caches && s->zap > 0)
                                snprintf(what, sizeof(what), "caches and zap %llu", (unsigned long long) s->zap);
                        else if (s->zap > 0)
                                snprintf(what, sizeof(what), "zap %llu", (unsigned long long) s->zap);
                        else
                                snprintf(what, sizeof(what), "caches");
                        (void) reclaim_note(&r->plan, r->plan.ids[s->vm], "dry run: %s planned, not carried out", what);
                }
                finish_without_writing(m, r, 0);
                return false;
        }
        if (!m->kernel_interface) {
                log_info("Monitor-only: not carrying the plan out.");
                finish_without_writing(m, r, 0);
                return false;
        }
        r->kvm_dir = strdup(m->kvm_dir);
        if (!r->kvm_dir) {
                finish_without_writing(m, r, -ENOMEM);
                return false;
        }
        commit_owed(m, r);
        r->notify_fd = q->event_fd;
        k = -pthread_create(&q->thread, NULL, worker, r);
        if (k < 0) {
                log_warning_errno(k, "Cannot start the reclaim worker: %m");
                finish_without_writing(m, r, k);
                return false;
        }
        q->in_flight = r;
        return true;
}

static void rounds_next(Manager *m) {
        Rounds *q = m->rounds;

        while (q->head && !q->in_flight) {
                Round *r = q->head;

                q->head = r->next;
                if (!q->head)
                        q->tail = NULL;
                r->next = NULL;
                (void) round_start(m, r);
        }
}

/* The Reclaimed signal's and the metrics' name for what a command freed. */
static const char *action_name(KvmCommand c) {
        return kvm_command_to_string(c);
}

/* One VM's outcome, before counting again: totals, signals, the log line,
 * what the kernel refused.  Returns the VM, NULL when it is gone. */
static Vm *apply_outcome(Manager *m, Round *r, const ActuatorOutcome *o, RoundResult *res) {
        const char *id = r->plan.ids[o->vm];
        uint64_t freed = o->did[KVM_CMD_CACHES] ? o->res[KVM_CMD_CACHES].caches_freed : 0;
        uint64_t tables = actuator_tables_freed(o);
        Vm *v = vm_table_find(&m->vms, id);
        RoundVm *hv = r->vms ? &r->vms[o->vm] : NULL;
        char detail[128] = "";

        res->caches_freed = sat_add_u64(res->caches_freed, freed);
        res->zapped = sat_add_u64(res->zapped, tables);
        m->reclaimed_cache_pages = sat_add_u64(m->reclaimed_cache_pages, freed);
        m->reclaimed_shadow_pages = sat_add_u64(m->reclaimed_shadow_pages, tables);
        for (KvmCommand c = KVM_CMD_CACHES; c < _KVM_CMD_MAX; c++)
                if (o->did[c])
                        metrics_note_reclaimed(m, r->kind, c, c == KVM_CMD_CACHES ? freed : o->res[c].zapped);
        if (hv) {
                hv->caches_freed = freed;
                hv->zapped = tables;
        }
        if (!v) {
                /* Gone meanwhile (its removal was seen while the worker
                 * wrote): the totals still count, and a failed write is
                 * its going. */
                if (o->error < 0) {
                        log_info("VM %s vanished during reclaim", id);
                        (void) reclaim_note(&r->plan, id, "vanished during reclaim");
                }
                return NULL;
        }
        v->reclaimed_cache_pages = sat_add_u64(v->reclaimed_cache_pages, freed);
        v->reclaimed_shadow_pages = sat_add_u64(v->reclaimed_shadow_pages, tables);
        for (KvmCommand c = KVM_CMD_CACHES; c < _KVM_CMD_MAX; c++) {
                uint64_t n = c == KVM_CMD_CACHES ? freed : o->did[c] ? o->res[c].zapped : 0;

                v->reclaimed_by[c] = sat_add_u64(v->reclaimed_by[c], n);
                if (n > 0)
                        bus_emit_reclaimed(m, v, action_name(c), n, r->reason);
                /* Which command freed what, where more than "zap" ran. */
                if (c != KVM_CMD_CACHES && o->did[c] && (c != KVM_CMD_ZAP || detail[0]))
                        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%s %llu",
                                 detail[0] ? ", " : " (", kvm_command_to_string(c), (unsigned long long) n);
        }
        if (detail[0])
                snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), ")");
        if (o->did[KVM_CMD_LIMIT]) {
                v->kernel_limit = o->asked[KVM_CMD_LIMIT];
                v->kernel_limit_unknown = false;
        }
        log_struct(LOG_INFO,
                   LOG_FIELDS(.message_id = LOG_MID_ROUND_VM, .vm = v->id, .cgroup = v->cgroup, .reason = r->reason,
                              .pages = freed + tables, .has_pages = true),
                   "  VM %s (%s, %s): caches freed %llu, zapped %llu%s%s", v->id, v->name ?: "-", v->cgroup ?: "-",
                   (unsigned long long) freed, (unsigned long long) tables, detail,
                   o->error < 0 ? " (failed)" : "");
        if (o->did[KVM_CMD_LIMIT] && o->asked[KVM_CMD_LIMIT] > 0 && v->tdp_pages > 0 && !v->tdp_cap_noted) {
                log_notice("VM %s: MaxPages= caps its shadow pages; its %llu TDP page tables have no cap (they grow "
                           "with the memory the guest maps, about 2 MiB per GiB at 4 KiB pages): pressure rounds "
                           "take the empty and cold ones", v->id, (unsigned long long) v->tdp_pages);
                v->tdp_cap_noted = true;
        }
        if (o->did[KVM_CMD_LIMIT])
                log_info("  VM %s: the kernel caps its shadow pages at %s%llu%s (%llu zapped to get there)", v->id,
                         o->asked[KVM_CMD_LIMIT] ? "" : "KVM's own cap (limit ",
                         (unsigned long long) o->asked[KVM_CMD_LIMIT], o->asked[KVM_CMD_LIMIT] ? "" : ")",
                         (unsigned long long) o->res[KVM_CMD_LIMIT].zapped);
        if (o->did[KVM_CMD_CACHES] && freed == 0 && o->res[KVM_CMD_CACHES].busy_vcpus > 0)
                (void) reclaim_note(&r->plan, v->id, "%u vCPUs were busy in a fault and kept their caches",
                                    o->res[KVM_CMD_CACHES].busy_vcpus);
        return v;
}

/* What the outcome teaches, with the counts read after it. */
static void learn(Manager *m, Round *r, const ActuatorOutcome *o, Vm *v, bool gone) {
        const PlanStep *step = NULL;
        RoundVm *hv = r->vms ? &r->vms[o->vm] : NULL;
        VmCounts after;
        uint64_t tables;

        if (o->error < 0 && gone) {
                log_info("VM %s vanished during reclaim", v->id);
                (void) reclaim_note(&r->plan, v->id, "vanished during reclaim");
        } else if (o->error < 0) {
                log_warning_errno(o->error, "VM %s: reclaim failed, continuing with the others: %m", v->id);
                manager_note_reclaim_error(m, v, o->error);
                (void) reclaim_note(&r->plan, v->id, "the kernel refused: %s", strerror(-o->error));
        }
        if (gone) {
                if (hv)
                        hv->shadow_after = 0;
                manager_vm_gone(m, v->id);
                return;
        }
        for (size_t i = 0; i < r->plan.plan.n_steps && !step; i++)
                if (r->plan.plan.steps[i].vm == o->vm)
                        step = &r->plan.plan.steps[i];
        if (hv)
                hv->shadow_after = vm_tables(v);
        after = vm_counts(v);
        for (KvmCommand c = KVM_CMD_CACHES; c <= KVM_CMD_ZAP; c++) {
                uint64_t got = c == KVM_CMD_CACHES ? o->res[c].caches_freed : o->res[c].zapped;

                if (!o->did[c] || !control_note_result(&v->control, c, o->asked[c], got, &after))
                        continue;
                /* Asking again before the count grows would only repeat
                 * "zap N -> zapped 0" (kvm-reclaim.h: roots in use). */
                if (c == KVM_CMD_ZAP)
                        (void) reclaim_note(&r->plan, v->id, "the kernel zapped %llu of %llu pages asked: the rest "
                                            "are root pages in use", (unsigned long long) got,
                                            (unsigned long long) o->asked[c]);
                if (got == 0)
                        log_struct(LOG_NOTICE,
                                   LOG_FIELDS(.message_id = LOG_MID_VM_GAVE_NONE, .vm = v->id, .cgroup = v->cgroup,
                                              .pages = vm_tables(v), .has_pages = true),
                                   "VM %s gave nothing to \"%s\" at %llu page-table pages (%s): not asking it "
                                   "again until its count grows", v->id, kvm_command_to_string(c),
                                   (unsigned long long) vm_tables(v), reclaim_lack_reason(c));
        }
        /* It gave less than its share with every command it was offered:
         * it gave what it could, it owes nothing.  (Held back from "zap"
         * while zap-cold ages its tables, it still owes what it did not
         * give.) */
        tables = actuator_tables_freed(o);
        if (step && tables < step->zap && (r->plan.offers[o->vm] & ACTUATOR_OFFER(KVM_CMD_ZAP)))
                v->control.owed_milli = 0;
        else if (step && tables < step->zap && r->kind == ROUND_PRESSURE)
                v->control.owed_milli += (int64_t) (step->zap - tables) * 1000;  /* capped at the next plan */
        /* Counted again one window from now: what came back. */
        if (tables > 0 && r->kind != ROUND_CAPS)
                control_note_given(&v->control, tables, vm_tables(v), now_usec(CLOCK_MONOTONIC), r->window_usec);
}

static bool vm_in_round(const Vm *v, const void *userdata) {
        const Round *r = userdata;

        for (size_t i = 0; i < r->n_out; i++)
                if (strcmp(r->plan.ids[r->out[i].vm], v->id) == 0)
                        return true;
        return false;
}

static int on_worker_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        Rounds *q = m->rounds;
        Round *r = q->in_flight;
        RoundResult res = { .carried_out = true };
        _cleanup_free_ bool *alive = NULL;
        uint64_t value;

        (void) !read(fd, &value, sizeof(value));
        if (!r)
                return 0;
        (void) pthread_join(q->thread, NULL);
        q->in_flight = NULL;

        res.error = r->worker_error;
        res.write_start_usec = r->write_start_usec;
        res.write_end_usec = r->write_end_usec;
        alive = calloc(r->n_out ? r->n_out : 1, sizeof(bool));
        for (size_t i = 0; i < r->n_out; i++) {
                Vm *v = apply_outcome(m, r, &r->out[i], &res);

                if (alive)
                        alive[i] = v != NULL;
        }
        /* The counts are the truth, not our arithmetic: read them again
         * (the round's VMs, the cheaper way); that also tells a VM that
         * went from a file that said ENOENT. */
        (void) manager_recount_where(m, vm_in_round, r);
        for (size_t i = 0; alive && i < r->n_out; i++) {
                const char *id = r->plan.ids[r->out[i].vm];
                Vm *v = alive[i] ? vm_table_find(&m->vms, id) : NULL;
                char path[4096];

                if (!alive[i])
                        continue;
                if (!v) {
                        /* The recount found it gone. */
                        if (r->out[i].error < 0) {
                                log_info("VM %s vanished during reclaim", id);
                                (void) reclaim_note(&r->plan, id, "vanished during reclaim");
                        }
                        if (r->vms)
                                r->vms[r->out[i].vm].shadow_after = 0;
                        continue;
                }
                snprintf(path, sizeof(path), "%s/%s", m->kvm_dir, id);
                learn(m, r, &r->out[i], v, r->out[i].error == -ENOENT && access(path, F_OK) < 0);
        }
        regrowth_arm(m);
        if (r->kind == ROUND_CAPS && manager_kernel_keeps_caps(m))
                limits_save(m);
        (void) reclaim_notes_close(&r->plan);
        res.notes = r->plan.notes;
        res.n_notes = r->plan.n_notes;
        round_finish(m, r, &res);
        manager_update_status(m);
        bus_emit_changed(m);
        rounds_next(m);
        return 0;
}

static int rounds_init(Manager *m) {
        _cleanup_free_ Rounds *q = NULL;
        int r;

        if (m->rounds)
                return 0;
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->event_fd < 0)
                return -errno;
        r = sd_event_add_io(m->event, &q->event_source, q->event_fd, EPOLLIN, on_worker_done, m);
        if (r < 0) {
                close(q->event_fd);
                return r;
        }
        (void) sd_event_source_set_description(q->event_source, "reclaim-worker-done");
        m->rounds = TAKE_PTR(q);
        return 0;
}

static bool same_str(const char *a, const char *b) {
        return streq_ptr(a, b);
}

int manager_reclaim(Manager *m, const ReclaimRequest *req, reclaim_done_t done, void *userdata) {
        Round *r;
        int k;

        k = rounds_init(m);
        if (k < 0)
                return k;
        /* A pressure event or a MaxPages= round already waiting covers
         * this one: it is planned with the counts of when it starts. */
        if (req->kind != ROUND_MANUAL)
                for (r = m->rounds->head; r; r = r->next)
                        if (r->kind == req->kind && !r->vm_id && same_str(r->scope, req->scope)) {
                                log_debug("Round (%s) joins the one already waiting.", req->reason);
                                r->requests++;
                                return round_add_waiter(r, done, userdata);
                        }

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        *r = (Round) {
                .kind = req->kind,
                .vm_id = strdup_or_null(req->vm_id),
                .scope = strdup_or_null(req->scope),
                .reason = strdup(req->reason),
                .goal = req->goal,
                .action = req->action,
                .window_usec = req->window_usec ?: manager_window_usec(m),
                .pressure_file = strdup_or_null(req->pressure_file),
                .psi_total_usec = req->psi_total_usec,
                .threshold_usec = req->threshold_usec,
                .queued_usec = now_usec(CLOCK_MONOTONIC),
                .requests = 1,
        };
        if ((req->vm_id && !r->vm_id) || (req->scope && !r->scope) || !r->reason ||
            (req->pressure_file && !r->pressure_file) ||
            round_add_waiter(r, done, userdata) < 0) {
                round_free(r);
                return -ENOMEM;
        }
        if (m->rounds->tail)
                m->rounds->tail->next = r;
        else
                m->rounds->head = r;
        m->rounds->tail = r;
        if (m->rounds->in_flight)
                log_debug("Round (%s) waits for the one in flight.", req->reason);
        rounds_next(m);
        return 0;
}

bool reclaim_busy(const Manager *m) {
        return m->rounds && m->rounds->in_flight;
}

const History *reclaim_history(const Manager *m) {
        return m->rounds ? m->rounds->history : NULL;
}

void reclaim_rounds_free(Manager *m) {
        Rounds *q = m->rounds;
        RoundResult cancelled = { .error = -ECANCELED };

        if (!q)
                return;
        if (q->in_flight) {
                /* A write in the kernel cannot be cut short: wait for it. */
                (void) pthread_join(q->thread, NULL);
                for (size_t i = 0; i < q->in_flight->n_waiters; i++)
                        q->in_flight->waiters[i].done(m, &cancelled, q->in_flight->waiters[i].userdata);
                round_free(q->in_flight);
        }
        while (q->head) {
                Round *r = q->head;

                q->head = r->next;
                for (size_t i = 0; i < r->n_waiters; i++)
                        r->waiters[i].done(m, &cancelled, r->waiters[i].userdata);
                round_free(r);
        }
        history_free(q->history);
        sd_event_source_disable_unref(q->event_source);
        close(q->event_fd);
        free(q);
        m->rounds = NULL;
}
