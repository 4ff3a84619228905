/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reclaim rounds (see reclaim.h): planning, the worker that writes, and
 * what a round leaves behind (counters, signals, notes, history). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
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

/* ---- planning ---- */

void round_plan_done(RoundPlan *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                free(p->ids[i]);
        free(p->ids);
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

static int add_note(RoundPlan *p, const char *vm, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_note(RoundPlan *p, const char *vm, const char *fmt, ...) {
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

/* The count of the notes left out, as the last one ("" for the VM). */
static int close_notes(RoundPlan *p) {
        char *why;

        if (p->n_more_notes == 0)
                return 0;
        if (asprintf(&why, "and %zu more VMs, not listed", p->n_more_notes) < 0)
                return -ENOMEM;
        p->n_more_notes = 0;
        return push_note(p, "", why);
}

static bool zap_exhausted(const Vm *v) {
        return v->zap_exhausted && v->shadow_pages <= v->zap_exhausted_at;
}

static int note_gave_nothing(RoundPlan *p, const Vm *v) {
        return add_note(p, v->id,
                        "gave nothing more at %llu shadow pages when last asked: the rest are root pages in use; "
                        "asked again once its count grows",
                        (unsigned long long) v->zap_exhausted_at);
}

/* Why the planner gave no step to a VM it was given. */
static int note_no_step(RoundPlan *p, RoundKind kind, const Vm *v, const PlannerVm *in, bool exhausted) {
        const Policy *pol = in->policy;
        bool can_cache = (pol->action & RECLAIM_CACHES) && in->cache_pages > 0;
        bool can_zap = (pol->action & RECLAIM_ZAP) && in->shadow_pages > pol->min_pages;

        if (kind == ROUND_CAPS) {
                if (exhausted)
                        return note_gave_nothing(p, v);
                if (pol->max_pages == 0)
                        return add_note(p, v->id, "no MaxPages= in the policy for %s", pol->cgroup);
                return add_note(p, v->id, "within MaxPages=%llu (%llu shadow pages)",
                                (unsigned long long) pol->max_pages, (unsigned long long) in->shadow_pages);
        }
        /* Not needed: the goal was met by others; nothing to explain. */
        if (can_cache || can_zap)
                return 0;
        if (exhausted)
                return note_gave_nothing(p, v);
        if (pol->action & RECLAIM_ZAP)
                return add_note(p, v->id, "at its floor: %llu shadow pages, MinPages=%llu%s",
                                (unsigned long long) in->shadow_pages, (unsigned long long) pol->min_pages,
                                pol->action & RECLAIM_CACHES ? ", and no cache pages" : "");
        return add_note(p, v->id, "Action=caches and no cache pages");
}

int reclaim_plan(Manager *m, const Config *config, const ReclaimRequest *req, RoundPlan *ret) {
        _cleanup_free_ PlannerVm *in = NULL;
        _cleanup_free_ Policy *overrides = NULL;
        _cleanup_free_ Vm **vms = NULL;
        _cleanup_free_ bool *exhausted = NULL, *stepped = NULL;
        _cleanup_(round_plan_done) RoundPlan p = {};
        size_t n = 0, cap = m->vms.n ? m->vms.n : 1;
        int r;

        in = calloc(cap, sizeof(*in));
        overrides = calloc(cap, sizeof(*overrides));
        vms = calloc(cap, sizeof(*vms));
        exhausted = calloc(cap, sizeof(bool));
        p.ids = calloc(cap, sizeof(char *));
        if (!in || !overrides || !vms || !exhausted || !p.ids)
                return -ENOMEM;

        for (size_t i = 0; i < m->vms.n; i++) {
                Vm *v = m->vms.vms[i];
                const Policy *pol = config_policy_for_vm(config, v->cgroup, v->name, v->uuid, &overrides[n]);
                ReclaimAction action;

                if (req->vm_id ? strcmp(v->id, req->vm_id) != 0 :
                    req->scope && strcmp(req->scope, "/") != 0 && !cgroup_path_startswith(v->cgroup, req->scope))
                        continue;
                if (!v->counted)
                        r = add_note(&p, v->id, "no MMU counters: the kernel lacks the kvm-reclaimd series");
                else if (!v->has_reclaim)
                        r = add_note(&p, v->id, "%s", vm_reclaim_problem(v));
                else if (pol->protect)
                        r = add_note(&p, v->id, "protected by the policy for %s", pol->cgroup);
                else
                        r = 1;
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;

                /* A manual action replaces Action= but not the limits. */
                action = req->action ?: pol->action;
                exhausted[n] = (action & RECLAIM_ZAP) && zap_exhausted(v);
                if (exhausted[n])
                        action &= ~RECLAIM_ZAP;
                if (action == 0) {
                        r = note_gave_nothing(&p, v);
                        if (r < 0)
                                return r;
                        continue;
                }
                overrides[n] = *pol;
                overrides[n].action = action;
                in[n] = (PlannerVm) {
                        .id = v->id,
                        .cgroup = v->cgroup,
                        .shadow_pages = v->shadow_pages,
                        .cache_pages = v->cache_pages,
                        .policy = &overrides[n],
                };
                p.ids[n] = strdup(v->id);
                if (!p.ids[n])
                        return -ENOMEM;
                vms[n] = v;
                p.n = ++n;
        }

        if (req->kind == ROUND_CAPS)
                r = planner_enforce_caps(in, n, KVM_RECLAIM_ZAP_MAX, &p.plan);
        else
                r = planner_plan(in, n,
                                 &(PlanRequest) {
                                         .scope = req->scope,
                                         .goal_pages = req->goal,
                                         .round_cap = req->goal,
                                         .zap_max = KVM_RECLAIM_ZAP_MAX,
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
                        r = note_no_step(&p, req->kind, vms[i], &in[i], exhausted[i]);
                        if (r < 0)
                                return r;
                }
        r = close_notes(&p);
        if (r < 0)
                return r;
        *ret = p;
        p = (RoundPlan) {};
        return 0;
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

        r->worker_error = actuator_execute(r->kvm_dir, (const char *const *) r->plan.ids, &r->plan.plan, &r->out,
                                           &r->n_out);
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

/* Plans the round with fresh counts and starts the worker, or finishes it
 * at once when there is nothing to write.  Returns true when it is in
 * flight. */
static bool round_start(Manager *m, Round *r) {
        Rounds *q = m->rounds;
        int k;

        r->start_usec = now_usec(CLOCK_MONOTONIC);
        (void) manager_recount(m);
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
                                .shadow_before = v->shadow_pages,
                                .shadow_after = v->shadow_pages,
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

                        if (s->caches && s->zap > 0)
                                snprintf(what, sizeof(what), "caches and zap %llu", (unsigned long long) s->zap);
                        else if (s->zap > 0)
                                snprintf(what, sizeof(what), "zap %llu", (unsigned long long) s->zap);
                        else
                                snprintf(what, sizeof(what), "caches");
                        (void) add_note(&r->plan, r->plan.ids[s->vm], "dry run: %s planned, not carried out", what);
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

/* One VM's outcome: counters, signals, the log line, and what it teaches. */
static void apply_outcome(Manager *m, Round *r, const ActuatorOutcome *o, RoundResult *res) {
        const PlanStep *step = NULL;
        const char *id = r->plan.ids[o->vm];
        uint64_t freed = o->did_caches ? o->caches.caches_freed : 0, zapped = o->did_zap ? o->zap.zapped : 0;
        Vm *v = vm_table_find(&m->vms, id);
        bool gone;

        for (size_t i = 0; i < r->plan.plan.n_steps && !step; i++)
                if (r->plan.plan.steps[i].vm == o->vm)
                        step = &r->plan.plan.steps[i];
        RoundVm *hv = r->vms ? &r->vms[o->vm] : NULL;

        res->caches_freed = sat_add_u64(res->caches_freed, freed);
        res->zapped = sat_add_u64(res->zapped, zapped);
        m->reclaimed_cache_pages = sat_add_u64(m->reclaimed_cache_pages, freed);
        m->reclaimed_shadow_pages = sat_add_u64(m->reclaimed_shadow_pages, zapped);
        metrics_note_reclaimed(m, r->kind, freed, zapped);
        if (hv) {
                hv->caches_freed = freed;
                hv->zapped = zapped;
        }
        if (!v) {
                /* Gone meanwhile (its removal was seen while the worker
                 * wrote): the totals still count, and a failed write is
                 * its going. */
                if (o->error < 0) {
                        log_info("VM %s vanished during reclaim", id);
                        (void) add_note(&r->plan, id, "vanished during reclaim");
                }
                return;
        }
        v->reclaimed_cache_pages = sat_add_u64(v->reclaimed_cache_pages, freed);
        v->reclaimed_shadow_pages = sat_add_u64(v->reclaimed_shadow_pages, zapped);
        v->regrow_pending = sat_add_u64(v->regrow_pending, zapped);
        if (freed > 0)
                bus_emit_reclaimed(m, v, "caches", freed, r->reason);
        if (zapped > 0)
                bus_emit_reclaimed(m, v, "zap", zapped, r->reason);
        log_struct(LOG_INFO,
                   LOG_FIELDS(.message_id = LOG_MID_ROUND_VM, .vm = v->id, .cgroup = v->cgroup, .reason = r->reason,
                              .pages = freed + zapped, .has_pages = true),
                   "  VM %s (%s, %s): caches freed %llu, zapped %llu%s", v->id, v->name ?: "-", v->cgroup ?: "-",
                   (unsigned long long) freed, (unsigned long long) zapped, o->error < 0 ? " (failed)" : "");

        /* The counts are the truth, not our arithmetic: read them again;
         * that also tells a VM that went from a file that said ENOENT. */
        gone = manager_recount_vm(m, v) == -ENOENT;
        if (o->error < 0 && gone) {
                log_info("VM %s vanished during reclaim", v->id);
                (void) add_note(&r->plan, v->id, "vanished during reclaim");
        } else if (o->error < 0) {
                log_warning_errno(o->error, "VM %s: reclaim failed, continuing with the others: %m", v->id);
                manager_note_reclaim_error(m, v, o->error);
                (void) add_note(&r->plan, v->id, "the kernel refused: %s", strerror(-o->error));
        }
        if (o->did_caches && freed == 0 && o->caches.busy_vcpus > 0)
                (void) add_note(&r->plan, v->id, "%u vCPUs were busy in a fault and kept their caches",
                                o->caches.busy_vcpus);

        if (gone) {
                if (hv)
                        hv->shadow_after = 0;
                log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_VM_GONE, .vm = id), "VM %s is gone", id);
                (void) vm_table_remove(&m->vms, id);
                return;
        }
        if (hv)
                hv->shadow_after = v->shadow_pages;
        /* Fewer pages than asked: what is left are roots in use (see
         * include/kvm-reclaim.h).  Asking again before the count grows
         * would only repeat "zap N -> zapped 0". */
        if (step && o->did_zap && zapped < step->zap) {
                v->zap_exhausted = true;
                v->zap_exhausted_at = v->shadow_pages;
                (void) add_note(&r->plan, v->id, "the kernel zapped %llu of %llu pages asked: the rest are root "
                                "pages in use", (unsigned long long) zapped, (unsigned long long) step->zap);
                if (zapped == 0)
                        log_struct(LOG_NOTICE,
                                   LOG_FIELDS(.message_id = LOG_MID_VM_GAVE_NONE, .vm = v->id, .cgroup = v->cgroup,
                                              .pages = v->shadow_pages, .has_pages = true),
                                   "VM %s gave nothing at %llu shadow pages: only root pages in use are left; "
                                   "not asking it again until its count grows", v->id,
                                   (unsigned long long) v->shadow_pages);
        }
}

static int on_worker_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        Rounds *q = m->rounds;
        Round *r = q->in_flight;
        RoundResult res = { .carried_out = true };
        uint64_t value;

        (void) !read(fd, &value, sizeof(value));
        if (!r)
                return 0;
        (void) pthread_join(q->thread, NULL);
        q->in_flight = NULL;

        res.error = r->worker_error;
        for (size_t i = 0; i < r->n_out; i++)
                apply_outcome(m, r, &r->out[i], &res);
        (void) close_notes(&r->plan);
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
                .requests = 1,
        };
        if ((req->vm_id && !r->vm_id) || (req->scope && !r->scope) || !r->reason ||
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
