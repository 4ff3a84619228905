/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Dump: the daemon's state in one reply, built in one go on the main
 * thread, so every part of it (the summary, the VMs, the triggers, the
 * rounds) describes the same instant.  kvm-reclaimctl status and dump read
 * it; docs/DBUS.md lists the keys. */
#include <errno.h>
#include <string.h>

#include "bus-methods.h"
#include "config.h"
#include "history.h"
#include "manager.h"
#include "pressure.h"
#include "reclaim.h"
#include "util.h"

/* The same names and types as the properties, so one reader serves
 * GetAll and Dump. */
int bus_append_status(sd_bus_message *reply, Manager *m) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                  "Version", "s", PACKAGE_VERSION,
                                  "Mode", "s", manager_mode(m),
                                  "ModeReason", "s", manager_mode_reason(m),
                                  "KernelInterface", "b", (int) m->kernel_interface,
                                  "DryRun", "b", (int) m->dry_run,
                                  "VMCount", "u", (uint32_t) m->vms.n,
                                  "ShadowPages", "t", manager_total_shadow(m),
                                  "CachePages", "t", manager_total_cache(m),
                                  "TdpPages", "t", manager_total_tdp(m),
                                  "PageTableBytes", "t", manager_total_bytes(m),
                                  "ReclaimedCachePages", "t", m->reclaimed_cache_pages,
                                  "ReclaimedShadowPages", "t", m->reclaimed_shadow_pages);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "LastPressureEvent", "(tsdd)", m->last_event_realtime_usec,
                                          m->last_event_scope ?: "", m->last_event_some_avg10,
                                          m->last_event_full_avg10);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_daemon(sd_bus_message *reply, const Manager *m) {
        const DaemonSettings *d = &m->config->daemon;

        return sd_bus_message_append(reply, "a{sv}", 12,
                                     "ConfigFile", "s", m->config_file ?: "",
                                     "DebugfsDir", "s", m->kvm_dir,
                                     "CgroupRoot", "s", m->cgroup_root ?: "",
                                     "SystemPressureThreshold", "t", d->system_threshold_usec,
                                     "PressureWindow", "t", d->window_usec,
                                     "StepPages", "t", d->step_pages,
                                     "RefreshInterval", "t", d->refresh_usec,
                                     "DisableKernelShrinker", "b", (int) d->disable_kernel_shrinker,
                                     "ShrinkerRestoreValue", "s", m->shrinker_saved ?: "",
                                     "MetricsFile", "s", d->metrics_file ?: "",
                                     "MetricsInterval", "t", d->metrics_interval_usec,
                                     "RoundInFlight", "b", (int) reclaim_busy(m));
}

static int append_policies(sd_bus_message *reply, const Manager *m) {
        const Config *c = m->config;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        /* The built-in default shows where no root policy is configured. */
        for (size_t i = config_find_policy(c, "/") ? 1 : 0; r >= 0 && i <= c->n_policies; i++) {
                const Policy *p = i == 0 ? policy_builtin_default() : &c->policies[i - 1];

                r = sd_bus_message_open_container(reply, 'r', "sa{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", p->cgroup);
                if (r >= 0)
                        r = bus_append_policy(reply, m, p);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* (scope, file, threshold as configured, threshold and window in force
 * after any 2 s fallback, when armed, events). */
static int append_triggers(sd_bus_message *reply, const Manager *m) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sstttt)");
        for (size_t i = 0; r >= 0 && i < m->n_triggers; i++) {
                const Trigger *t = &m->triggers[i];

                r = sd_bus_message_append(reply, "(sstttt)", t->scope, t->path, t->threshold_usec,
                                          pressure_watch_window(t->watch), t->armed_realtime_usec, t->events);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_vms(sd_bus_message *reply, const Manager *m) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(susstttta{sv})");
        for (size_t i = 0; r >= 0 && i < m->vms.n; i++)
                r = bus_append_vm(reply, m, m->vms.vms[i]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* The last rounds that planned anything, newest first: (ended, reason,
 * took µs, VMs planned, pages planned, cache pages freed, shadow pages
 * zapped, carried out).  The History method has them all. */
#define DUMP_ROUNDS 16
static int append_rounds(sd_bus_message *reply, const Manager *m) {
        const History *h = reclaim_history(m);
        size_t shown = 0;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(tstttttb)");
        for (size_t i = history_size(h); r >= 0 && i > 0 && shown < DUMP_ROUNDS; i--) {
                const RoundRecord *x = history_get(h, i - 1);

                if (x->n_vms == 0)
                        continue;
                r = sd_bus_message_append(reply, "(tstttttb)", x->realtime_usec, x->reason, x->duration_usec,
                                          (uint64_t) x->n_vms, x->planned_pages, x->caches_freed, x->zapped,
                                          (int) x->carried_out);
                shown++;
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

#define APPEND_ENTRY(reply, key, sig, call)                                             \
        ({                                                                              \
                int _r = sd_bus_message_open_container(reply, 'e', "sv");               \
                if (_r >= 0)                                                            \
                        _r = sd_bus_message_append(reply, "s", key);                    \
                if (_r >= 0)                                                            \
                        _r = sd_bus_message_open_container(reply, 'v', sig);            \
                if (_r >= 0)                                                            \
                        _r = (call);                                                    \
                if (_r >= 0)                                                            \
                        _r = sd_bus_message_close_container(reply);                     \
                if (_r >= 0)                                                            \
                        _r = sd_bus_message_close_container(reply);                     \
                _r;                                                                     \
        })

int bus_method_dump(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        /* Counting never acts: a read recounts at most once a second. */
        (void) manager_recount_if_stale(m, USEC_PER_SEC);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = APPEND_ENTRY(reply, "Status", "a{sv}", bus_append_status(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "Daemon", "a{sv}", append_daemon(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "Policies", "a(sa{sv})", append_policies(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "Triggers", "a(sstttt)", append_triggers(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "VMs", "a(susstttta{sv})", append_vms(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "VMCounters", "a(sa{sv})", bus_append_vms_counters(reply, m));
        if (r >= 0)
                r = APPEND_ENTRY(reply, "Rounds", "a(tstttttb)", append_rounds(reply, m));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
