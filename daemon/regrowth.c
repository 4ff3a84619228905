/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Regrowth: one window after a round took page tables from VMs, count
 * those VMs again, and hand the counts to the controller (controller.h),
 * which says how much each took back and whether to back off from it.
 * The timer is one-shot and armed only by rounds: an idle daemon holds
 * none, and never counts without a reason. */
#include <time.h>

#include "controller.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "reclaim.h"
#include "util.h"

/* VMs due within this of the earliest are counted with it. */
#define REGROWTH_SLACK_USEC (50 * USEC_PER_MSEC)

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static bool due(const Vm *v, const void *userdata) {
        uint64_t t = control_measure_due(&v->control), now = *(const uint64_t *) userdata;

        return t > 0 && t <= now + REGROWTH_SLACK_USEC;
}

static void measure(Manager *m, Vm *v, uint64_t now) {
        ControlVerdict c = control_measure(&v->control, vm_tables(v), now);

        metrics_note_regrowth(m, c.given, c.regrown);
        if (!c.measured) {
                log_debug("VM %s: regrew %llu of %llu page-table pages within a window (too few to tell)", v->id,
                          (unsigned long long) c.regrown, (unsigned long long) c.given);
                return;
        }
        if (c.hot)
                log_struct(LOG_INFO,
                           LOG_FIELDS(.message_id = LOG_MID_VM_HOT, .vm = v->id, .cgroup = v->cgroup,
                                      .pages = c.regrown, .has_pages = true),
                           "VM %s regrew %llu of %llu page-table pages within %.1f s: hot, backing off from it "
                           "for %.0f s", v->id, (unsigned long long) c.regrown, (unsigned long long) c.given,
                           v->control.window_usec / 1e6, c.backoff_usec / 1e6);
        else
                log_info("VM %s regrew %llu of %llu page-table pages within %.1f s: the rest stays freed", v->id,
                         (unsigned long long) c.regrown, (unsigned long long) c.given,
                         v->control.window_usec / 1e6);
}

static int on_regrowth(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t now = now_usec();

        m->regrowth_timer = sd_event_source_disable_unref(m->regrowth_timer);
        /* The VMs due, the cheaper way (their own files, or mmu_vms). */
        (void) manager_recount_where(m, due, &now);
        for (size_t i = 0; i < m->vms.n; i++)
                if (due(m->vms.vms[i], &now))
                        measure(m, m->vms.vms[i], now);
        regrowth_arm(m);
        metrics_changed(m);
        return 0;
}

void regrowth_arm(Manager *m) {
        uint64_t next = 0;
        int r;

        for (size_t i = 0; i < m->vms.n; i++) {
                uint64_t t = control_measure_due(&m->vms.vms[i]->control);

                if (t > 0 && (next == 0 || t < next))
                        next = t;
        }
        if (next == 0 || !m->event) {
                m->regrowth_timer = sd_event_source_disable_unref(m->regrowth_timer);
                return;
        }
        if (m->regrowth_timer) {
                r = sd_event_source_set_time(m->regrowth_timer, next);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->regrowth_timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &m->regrowth_timer, CLOCK_MONOTONIC, next, 10 * USEC_PER_MSEC,
                                      on_regrowth, m);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->regrowth_timer, "regrowth");
        }
        if (r < 0)
                log_warning_errno(r, "Cannot arm the regrowth count: %m");
}
