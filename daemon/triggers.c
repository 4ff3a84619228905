/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PSI triggers the configuration asks for: which exist, which to keep
 * across a reload, and what happens when one fires. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "controller.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "reclaim.h"
#include "util.h"

#define HOST_PRESSURE_FILE "/proc/pressure/memory"

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void trigger_done(Trigger *t) {
        free(t->scope);
        free(t->path);
        pressure_watch_free(t->watch);
        *t = (Trigger) {};
}

static void drop_trigger(Manager *m, size_t i) {
        trigger_done(&m->triggers[i]);
        memmove(m->triggers + i, m->triggers + i + 1, (m->n_triggers - i - 1) * sizeof(Trigger));
        m->n_triggers--;
}

static Trigger *trigger_by_watch(Manager *m, PressureWatch *w) {
        for (size_t i = 0; i < m->n_triggers; i++)
                if (m->triggers[i].watch == w)
                        return &m->triggers[i];
        return NULL;
}

typedef struct PressureRound {
        char *scope;
        uint64_t start_usec;
} PressureRound;

static void on_pressure_round_done(Manager *m, const RoundResult *res, void *userdata) {
        PressureRound *p = userdata;

        if (res->error != -ECANCELED) {
                m->last_event_latency_usec = now_usec(CLOCK_MONOTONIC) - p->start_usec;
                m->last_event_reaction_usec = res->write_end_usec > p->start_usec ? res->write_end_usec - p->start_usec : 0;
                m->last_event_decision_usec =
                        res->write_start_usec > p->start_usec ? res->write_start_usec - p->start_usec : 0;
                m->pressure_rounds_done++;
                metrics_note_pressure_handled(m, m->last_event_latency_usec);
                log_info("Pressure on %s handled: %llu cache pages freed, %llu page-table pages zapped, in %.1f ms",
                         p->scope, (unsigned long long) res->caches_freed, (unsigned long long) res->zapped,
                         m->last_event_latency_usec / 1000.0);
        }
        free(p->scope);
        free(p);
}

/* One number of a cgroup2 memory file; 0 for "max" or when unreadable
 * (a hybrid host's cgroup2 has no memory controller). */
static uint64_t cgroup_memory(const Manager *m, const char *cgroup, const char *file) {
        char path[4096], buf[64];
        uint64_t v;

        if (!m->cgroup_root || snprintf(path, sizeof(path), "%s%s/%s", m->cgroup_root, cgroup, file) >= (int) sizeof(path))
                return 0;
        if (read_small_file(path, buf, sizeof(buf)) < 0 || parse_u64(buf, &v) < 0)
                return 0;
        return v;
}

/* How many pages this event asks for: the stall in the window, and for a
 * cgroup on cgroup2 how far it is over memory.high or near memory.max. */
static uint64_t pressure_goal(const Manager *m, const Trigger *t, const char *scope) {
        RoundSizing s = {
                .step_pages = m->config->daemon.step_pages,
                .window_usec = pressure_watch_window(t->watch),
                .threshold_usec = pressure_watch_threshold(t->watch),
        };

        pressure_watch_last_stall(t->watch, &s.stall_usec, &s.elapsed_usec);
        if (strcmp(scope, "host") != 0) {
                s.memory_current = cgroup_memory(m, scope, "memory.current");
                s.memory_high = cgroup_memory(m, scope, "memory.high");
                s.memory_max = cgroup_memory(m, scope, "memory.max");
        }
        return control_round_goal(&s);
}

static void on_pressure(PressureWatch *w, const PsiValues *psi, bool gone, void *userdata) {
        Manager *m = userdata;
        Trigger *t = trigger_by_watch(m, w);
        const char *scope = pressure_watch_scope(w);
        PsiValues v = psi ? *psi : (PsiValues) {};
        _cleanup_free_ char *reason = NULL;
        PressureRound *p;
        uint64_t now, window, goal;
        char *s;
        int r;

        if (!t)
                return;
        if (gone) {
                log_notice("cgroup %s is gone, dropping its PSI trigger", scope);
                drop_trigger(m, (size_t) (t - m->triggers));
                return;
        }
        t->events++;
        s = strdup(scope);
        if (s) {
                free(m->last_event_scope);
                m->last_event_scope = s;
        }
        m->last_event_realtime_usec = now_usec(CLOCK_REALTIME);
        m->last_event_some_avg10 = v.some.avg10;
        m->last_event_full_avg10 = v.full.avg10;
        metrics_note_pressure(m, scope, &v);
        bus_emit_pressure_event(m, scope, v.some.avg10, v.full.avg10);
        log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_PRESSURE, .cgroup = scope),
                   "Memory pressure on %s: some avg10=%.2f full avg10=%.2f", scope, v.some.avg10, v.full.avg10);
        bus_emit_changed(m);

        /* At most one round per window per scope: the trigger fires at
         * most once a window, but an event can be read late. */
        now = now_usec(CLOCK_MONOTONIC);
        window = pressure_watch_window(w);
        if (t->last_round_usec > 0 && now - t->last_round_usec < window) {
                log_debug("Pressure on %s %.0f ms after its last round: within one window, no new round", scope,
                          (now - t->last_round_usec) / 1e3);
                return;
        }
        goal = pressure_goal(m, t, scope);
        if (goal == 0) {
                log_debug("Pressure on %s: no stall left to answer", scope);
                return;
        }
        t->last_round_usec = now;

        /* The round runs when the one in flight (if any) is done; this
         * event is answered now, its reclaim then. */
        p = calloc(1, sizeof(*p));
        if (!p || asprintf(&reason, "pressure:%s", scope) < 0 || !(p->scope = strdup(scope))) {
                if (p)
                        free(p->scope);
                free(p);
                log_error("Out of memory handling pressure on %s", scope);
                return;
        }
        p->start_usec = now_usec(CLOCK_MONOTONIC);
        r = manager_reclaim(m,
                            &(ReclaimRequest) {
                                    .kind = ROUND_PRESSURE,
                                    .scope = strcmp(scope, "host") == 0 ? NULL : scope,
                                    .goal = goal,
                                    .reason = reason,
                                    .window_usec = window,
                                    .pressure_file = pressure_watch_path(w),
                                    .psi_total_usec = pressure_watch_total(w),
                                    .threshold_usec = pressure_watch_threshold(w),
                            },
                            on_pressure_round_done, p);
        if (r < 0) {
                log_warning_errno(r, "Cannot queue a round for pressure on %s: %m", scope);
                free(p->scope);
                free(p);
        }
}

/* Arms one trigger; the caller adds it to the table. */
static int arm(Manager *m, const char *scope, const char *path, uint64_t threshold, Trigger *ret) {
        _cleanup_(pressure_watch_freep) PressureWatch *w = NULL;
        bool fell_back = false;
        Trigger t;
        int r;

        r = pressure_watch_new(m->event, path, scope, threshold, m->config->daemon.window_usec, on_pressure, m, &w,
                               &fell_back);
        if (r < 0)
                return r;
        if (fell_back && !m->window_fallback_logged) {
                log_notice("The kernel refused a %llums PSI window (no CAP_SYS_RESOURCE?); using %llus windows "
                           "with thresholds scaled to match.",
                           (unsigned long long) (m->config->daemon.window_usec / USEC_PER_MSEC),
                           (unsigned long long) (pressure_watch_window(w) / USEC_PER_SEC));
                m->window_fallback_logged = true;
        }
        log_debug("PSI trigger on %s: some %llu %llu", path, (unsigned long long) pressure_watch_threshold(w),
                  (unsigned long long) pressure_watch_window(w));
        t = (Trigger) {
                .scope = strdup(scope),
                .path = strdup(path),
                .threshold_usec = threshold,
                .window_usec = m->config->daemon.window_usec,
                .armed_realtime_usec = now_usec(CLOCK_REALTIME),
        };
        if (!t.scope || !t.path) {
                free(t.scope);
                free(t.path);
                return -ENOMEM;
        }
        t.watch = TAKE_PTR(w);
        *ret = t;
        return 0;
}

typedef struct Wanted {
        const char *scope;
        char *path;
        uint64_t threshold;
} Wanted;

static ssize_t find_trigger(const Manager *m, const char *scope) {
        for (size_t i = 0; i < m->n_triggers; i++)
                if (strcmp(m->triggers[i].scope, scope) == 0)
                        return (ssize_t) i;
        return -1;
}

int manager_sync_triggers(Manager *m) {
        const Config *c = m->config;
        _cleanup_free_ Wanted *want = NULL;
        size_t n_want = 0;
        int r = 0;

        want = calloc(c->n_policies + 1, sizeof(*want));
        if (!want)
                return -ENOMEM;
        want[n_want++] = (Wanted) { "host", strdup(HOST_PRESSURE_FILE), c->daemon.system_threshold_usec };
        for (size_t i = 0; m->cgroup_root && i < c->n_policies; i++) {
                const Policy *p = &c->policies[i];
                char *path;

                if (p->pressure_threshold_usec == 0)
                        continue;
                if (asprintf(&path, "%s%s/memory.pressure", m->cgroup_root,
                             strcmp(p->cgroup, "/") == 0 ? "" : p->cgroup) < 0)
                        path = NULL;
                want[n_want++] = (Wanted) { p->cgroup, path, p->pressure_threshold_usec };
        }
        for (size_t i = 0; i < n_want; i++)
                if (!want[i].path)
                        r = -ENOMEM;
        if (r < 0)
                goto finish;

        /* Disarm what is no longer wanted, or wanted otherwise. */
        for (size_t i = m->n_triggers; i > 0; i--) {
                const Trigger *t = &m->triggers[i - 1];
                bool keep = false;

                for (size_t k = 0; k < n_want && !keep; k++)
                        keep = strcmp(want[k].scope, t->scope) == 0 && strcmp(want[k].path, t->path) == 0 &&
                               want[k].threshold == t->threshold_usec && c->daemon.window_usec == t->window_usec;
                if (!keep) {
                        log_debug("PSI trigger on %s disarmed", t->path);
                        drop_trigger(m, i - 1);
                }
        }
        /* Arm what is missing; a cgroup that does not exist yet is tried
         * again when a VM appears or the configuration is reloaded. */
        for (size_t k = 0; k < n_want; k++) {
                Trigger t, *nt;
                int q;

                if (find_trigger(m, want[k].scope) >= 0)
                        continue;
                q = arm(m, want[k].scope, want[k].path, want[k].threshold, &t);
                if (q < 0) {
                        if (k == 0)
                                log_warning_errno(q, "Cannot arm the host PSI trigger on %s: %m", want[k].path);
                        else
                                log_debug_errno(q, "No PSI trigger for %s yet: %m", want[k].scope);
                        continue;
                }
                nt = realloc(m->triggers, (m->n_triggers + 1) * sizeof(Trigger));
                if (!nt) {
                        trigger_done(&t);
                        r = -ENOMEM;
                        goto finish;
                }
                m->triggers = nt;
                m->triggers[m->n_triggers++] = t;
                if (k > 0)
                        log_info("Watching memory pressure of %s (%s)", t.scope, t.path);
        }
finish:
        for (size_t i = 0; i < n_want; i++)
                free(want[i].path);
        return r;
}

void manager_triggers_free(Manager *m) {
        while (m->n_triggers > 0)
                drop_trigger(m, m->n_triggers - 1);
        free(m->triggers);
        m->triggers = NULL;
}
