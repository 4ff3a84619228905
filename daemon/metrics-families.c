/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table of metric families.  The exposition (metrics_render()),
 * "kvm-reclaimd --list-metrics", the man page and the tests (the parser
 * check, the comparison with D-Bus by source, the Grafana dashboard check)
 * all iterate it, so a new family is one row here.
 *
 * 'source' says where a value comes from: "dbus:X" is the same figure as
 * D-Bus field X of the same snapshot (tests/integration compares each
 * one, and fails on a source it has no comparison for); "daemon" is kept
 * by the daemon only; anything else names a kernel or cgroup file. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "history.h"
#include "kvm-reclaim.h"
#include "manager.h"
#include "metrics.h"
#include "pressure.h"

typedef struct MetricFamily MetricFamily;
struct MetricFamily {
        const char *name;
        MetricType type;
        const char *labels;              /* the label names, for people and the tests */
        const char *source;
        const char *help;
        /* A per-VM page count (VM_PAGES rows): the Vm field; such a row
         * also makes the family that says it in bytes, *_bytes. */
        bool vm_pages;
        size_t vm_offset;
        void (*emit)(MetricsWriter *w, const MetricFamily *f, const Manager *m);
};

#define VM_LABELS "id,name,cgroup"

/* ---- helpers ---- */

static double seconds(uint64_t usec) {
        return (double) usec / USEC_PER_SEC;
}

typedef struct VmLabels {
        char pid[16];
        MetricLabel l[5];                /* id, name, cgroup, one more, end */
} VmLabels;

/* id, name and cgroup as ListVMs gives them (the pid when it has no name). */
static const MetricLabel *vm_labels(VmLabels *b, const Vm *v, const char *extra_name, const char *extra_value) {
        snprintf(b->pid, sizeof(b->pid), "%d", (int) v->pid);
        b->l[0] = (MetricLabel) { "id", v->id };
        b->l[1] = (MetricLabel) { "name", v->name ?: b->pid };
        b->l[2] = (MetricLabel) { "cgroup", v->cgroup ?: "" };
        b->l[3] = (MetricLabel) { extra_name, extra_value };
        b->l[4] = (MetricLabel) {};
        return b->l;
}

static void one(MetricsWriter *w, uint64_t v) {
        metrics_sample_u64(w, "", NULL, NULL, v);
}

static void one_double(MetricsWriter *w, double v) {
        metrics_sample_double(w, "", NULL, NULL, v);
}

/* ---- the daemon ---- */

static void emit_build_info(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        metrics_sample_u64(w, "", (MetricLabel[]) { { "version", PACKAGE_VERSION }, {} }, NULL, 1);
}

static void emit_start_time(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one_double(w, seconds(m->metrics->start_realtime_usec));
}

static void emit_mode(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        static const char *const modes[] = { "active", "monitor-only" };
        const char *now = manager_mode(m);

        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                metrics_sample_u64(w, "", (MetricLabel[]) { { "mode", modes[i] }, {} }, NULL,
                                   strcmp(now, modes[i]) == 0);
}

static void emit_kernel_interface(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->kernel_interface);
}

/* What ModeReason says, as one of a fixed set of words. */
static const char *kernel_state(const Manager *m) {
        if (m->kernel_interface && m->reclaim_refused == 0)
                return "active";
        if (m->reclaim_refused == -EROFS)
                return "read-only";
        if (m->reclaim_refused == -EPERM)
                return "lockdown";
        if (m->reclaim_refused < 0)
                return "denied";
        if (access(m->kvm_dir, F_OK) < 0)
                return "no-kvm-dir";
        return "no-series";
}

static void emit_kernel_state(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        static const char *const states[] = { "active", "no-kvm-dir", "no-series", "read-only", "lockdown",
                                              "denied" };
        const char *now = kernel_state(m);

        for (size_t i = 0; i < ELEMENTSOF(states); i++)
                metrics_sample_u64(w, "", (MetricLabel[]) { { "state", states[i] }, {} }, NULL,
                                   strcmp(now, states[i]) == 0);
}

static void emit_dry_run(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->dry_run);
}

static void emit_shrinker_off(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->shrinker_saved != NULL);
}

static void emit_config_generation(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->metrics->config_generation);
}

static void emit_config_time(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one_double(w, seconds(m->metrics->config_realtime_usec));
}

static void emit_reload_failures(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->metrics->reload_failures);
}

/* ---- VMs ---- */

static void emit_vms(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, m->vms.n);
}

static void emit_vm_info(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;
                char pid[16];

                snprintf(pid, sizeof(pid), "%d", (int) v->pid);
                vm_labels(&b, v, "pid", pid);
                metrics_sample_u64(w, "", b.l, &(MetricLabel) { "uuid", v->uuid ?: "" }, 1);
        }
}

/* A VM_PAGES row: the count in pages, or (bytes) times the page size. */
static void emit_vm_pages(MetricsWriter *w, const MetricFamily *f, const Manager *m, bool bytes) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                uint64_t pages = *(const uint64_t *) ((const char *) v + f->vm_offset);
                VmLabels b;

                if (!v->counted)
                        continue; /* no counters: a stock kernel */
                vm_labels(&b, v, NULL, NULL);
                metrics_sample_u64(w, "", b.l, NULL, bytes ? pages * KVM_RECLAIM_PAGE_SIZE : pages);
        }
}

/* The commands that free pages, as the action label says them. */
static const KvmCommand freeing[] = { KVM_CMD_CACHES, KVM_CMD_FREE_EMPTY, KVM_CMD_ZAP_COLD, KVM_CMD_ZAP,
                                      KVM_CMD_LIMIT };

static void emit_vm_reclaimed(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;

                for (size_t c = 0; c < ELEMENTSOF(freeing); c++)
                        metrics_sample_u64(w, "", vm_labels(&b, v, "action", kvm_command_to_string(freeing[c])), NULL,
                                           v->reclaimed_by[freeing[c]]);
        }
}

/* One figure of each VM's controller state. */
static void emit_vm_control(MetricsWriter *w, const Manager *m, uint64_t (*get)(const Vm *v)) {
        for (size_t i = 0; i < m->vms.n; i++) {
                VmLabels b;
                metrics_sample_u64(w, "", vm_labels(&b, m->vms.vms[i], NULL, NULL), NULL, get(m->vms.vms[i]));
        }
}

static uint64_t vm_regrown(const Vm *v) {
        return v->control.regrown_total;
}

static uint64_t vm_measured(const Vm *v) {
        return v->control.given_total;
}

static void emit_vm_regrown(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_vm_control(w, m, vm_regrown);
}

static void emit_vm_measured(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_vm_control(w, m, vm_measured);
}

static void emit_vm_backoff(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        struct timespec ts;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;

                metrics_sample_double(w, "", vm_labels(&b, v, NULL, NULL), NULL,
                                      control_backed_off(&v->control, now) ?
                                              seconds(v->control.backoff_until_usec - now) : 0);
        }
}

static void emit_vm_pagetable_bytes(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;

                if (v->counted && v->has_bytes)
                        metrics_sample_u64(w, "", vm_labels(&b, v, NULL, NULL), NULL, v->pagetable_bytes);
        }
}

static void emit_regrowth(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        metrics_sample_u64(w, "", (MetricLabel[]) { { "pages", "given" }, {} }, NULL, m->metrics->regrowth_given);
        metrics_sample_u64(w, "", (MetricLabel[]) { { "pages", "regrown" }, {} }, NULL, m->metrics->regrowth_regrown);
}

/* One value of each VM's effective policy. */
static void emit_vm_policy(MetricsWriter *w, const Manager *m, uint64_t (*get)(const Policy *p)) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                Policy buf;
                VmLabels b;

                metrics_sample_u64(w, "", vm_labels(&b, v, NULL, NULL), NULL, get(manager_policy_for_vm(m, v, &buf)));
        }
}

static uint64_t policy_min_pages(const Policy *p) {
        return p->min_pages;
}

static uint64_t policy_max_pages(const Policy *p) {
        return p->max_pages;
}

static uint64_t policy_protect(const Policy *p) {
        return p->protect;
}

static void emit_vm_min_pages(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_vm_policy(w, m, policy_min_pages);
}

static void emit_vm_max_pages(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_vm_policy(w, m, policy_max_pages);
}

static void emit_vm_protected(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_vm_policy(w, m, policy_protect);
}

static void emit_vm_zap_exhausted(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;

                metrics_sample_u64(w, "", vm_labels(&b, v, NULL, NULL), NULL, v->control.exhausted[KVM_CMD_ZAP]);
        }
}

static void emit_vm_sec_pagetables(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];
                VmLabels b;

                if (!v->counted)
                        metrics_sample_u64(w, "", vm_labels(&b, v, NULL, NULL), NULL, v->cgroup_sec_pagetables);
        }
}

/* ---- rounds ---- */

static void emit_reclaimed(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t a = 0; a < ELEMENTSOF(freeing); a++)
                for (unsigned k = 0; k < _ROUND_KIND_MAX; k++)
                        metrics_sample_u64(w, "",
                                           (MetricLabel[]) { { "action", kvm_command_to_string(freeing[a]) },
                                                             { "reason", round_kind_to_string(k) }, {} },
                                           NULL, m->metrics->reclaimed[freeing[a]][k]);
}

static void emit_rounds(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->metrics->n_rounds; i++) {
                const RoundCount *c = &m->metrics->rounds[i];

                metrics_sample_u64(w, "",
                                   (MetricLabel[]) { { "reason", round_kind_to_string(c->kind) },
                                                     { "scope", c->scope }, {} },
                                   NULL, c->rounds);
        }
}

static void emit_round_duration(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (unsigned k = 0; k < _ROUND_KIND_MAX; k++)
                metrics_histogram(w, (MetricLabel[]) { { "reason", round_kind_to_string(k) }, {} },
                                  &m->metrics->round_duration[k], metrics_duration_bounds,
                                  metrics_duration_bounds_n);
}

static void emit_round_in_flight(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, reclaim_busy(m));
}

static void emit_history_rounds(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        one(w, history_size(reclaim_history(m)));
}

/* ---- pressure ---- */

/* One figure of each scope that had a pressure event. */
static void emit_scopes(MetricsWriter *w, const Manager *m, double (*get)(const ScopeStats *s)) {
        for (size_t i = 0; i < m->metrics->n_scopes; i++) {
                const ScopeStats *s = &m->metrics->scopes[i];

                metrics_sample_double(w, "", (MetricLabel[]) { { "scope", s->scope }, {} }, NULL, get(s));
        }
}

static double scope_last_event(const ScopeStats *s) {
        return seconds(s->last_event_realtime_usec);
}

static double scope_some(const ScopeStats *s) {
        return s->last_some_avg10 / 100.0;
}

static double scope_full(const ScopeStats *s) {
        return s->last_full_avg10 / 100.0;
}

static void emit_pressure_events(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->metrics->n_scopes; i++)
                metrics_sample_u64(w, "", (MetricLabel[]) { { "scope", m->metrics->scopes[i].scope }, {} }, NULL,
                                   m->metrics->scopes[i].events);
}

static void emit_pressure_last_event(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_scopes(w, m, scope_last_event);
}

static void emit_pressure_some(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_scopes(w, m, scope_some);
}

static void emit_pressure_full(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        emit_scopes(w, m, scope_full);
}

static void emit_pressure_response(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        metrics_histogram(w, NULL, &m->metrics->pressure_response, metrics_duration_bounds,
                          metrics_duration_bounds_n);
}

static void emit_trigger_threshold(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->n_triggers; i++)
                metrics_sample_double(w, "", (MetricLabel[]) { { "scope", m->triggers[i].scope }, {} }, NULL,
                                      seconds(m->triggers[i].threshold_usec));
}

static void emit_trigger_window(MetricsWriter *w, const MetricFamily *f, const Manager *m) {
        for (size_t i = 0; i < m->n_triggers; i++)
                metrics_sample_double(w, "", (MetricLabel[]) { { "scope", m->triggers[i].scope }, {} }, NULL,
                                      seconds(pressure_watch_window(m->triggers[i].watch)));
}

/* ---- the table ---- */

#define FAMILY(n, t, l, src, h, e) { .name = n, .type = t, .labels = l, .source = src, .help = h, .emit = e }
/* A per-VM page count: one row makes NAME_pages and NAME_bytes. */
#define VM_PAGES(n, src, h, field)                                                                      \
        { .name = n, .type = METRIC_GAUGE, .labels = VM_LABELS, .source = src, .help = h, .vm_pages = true, \
          .vm_offset = offsetof(Vm, field) }

static const MetricFamily families[] = {
        FAMILY("kvm_reclaimd_build_info", METRIC_INFO, "version", "dbus:Status.Version",
               "The daemon's version.", emit_build_info),
        FAMILY("kvm_reclaimd_start_time_seconds", METRIC_GAUGE, "", "daemon",
               "When the daemon started, seconds since the epoch: counters count from here.", emit_start_time),
        FAMILY("kvm_reclaimd_mode", METRIC_GAUGE, "mode", "dbus:Status.Mode",
               "1 for the mode the daemon is in: active (reclaims) or monitor-only (counts only).", emit_mode),
        FAMILY("kvm_reclaimd_kernel_interface", METRIC_GAUGE, "", "dbus:Status.KernelInterface",
               "1 when the kernel has the kvm-reclaimd series (mmu_reclaim files or kvm.mmu_shrinker).",
               emit_kernel_interface),
        FAMILY("kvm_reclaimd_kernel_state", METRIC_GAUGE, "state", "dbus:Status.ModeReason",
               "1 for the state of the kernel interface: active, no-kvm-dir (no KVM debugfs), no-series, "
               "read-only (EROFS), lockdown (EPERM) or denied (other refusals of mmu_reclaim).",
               emit_kernel_state),
        FAMILY("kvm_reclaimd_dry_run", METRIC_GAUGE, "", "dbus:Status.DryRun",
               "1 when started with --dry-run: rounds are planned and logged, nothing is written.", emit_dry_run),
        FAMILY("kvm_reclaimd_kernel_shrinker_disabled", METRIC_GAUGE, "", "dbus:Daemon.ShrinkerRestoreValue",
               "1 while the daemon holds KVM's global MMU shrinker off (kvm.mmu_shrinker=N, restored at exit).",
               emit_shrinker_off),
        FAMILY("kvm_reclaimd_config_generation", METRIC_GAUGE, "", "daemon",
               "Configurations put in force since start: 1 at start, one more per reload, SetPolicy or "
               "RemovePolicy.", emit_config_generation),
        FAMILY("kvm_reclaimd_config_loaded_timestamp_seconds", METRIC_GAUGE, "", "daemon",
               "When the configuration in force was loaded, seconds since the epoch.", emit_config_time),
        FAMILY("kvm_reclaimd_config_reload_failures_total", METRIC_COUNTER, "", "daemon",
               "Reloads refused because the configuration was invalid (the old one stayed in force).",
               emit_reload_failures),

        FAMILY("kvm_reclaimd_vms", METRIC_GAUGE, "", "dbus:Status.VMCount", "VMs the daemon knows.", emit_vms),
        FAMILY("kvm_reclaimd_vm_info", METRIC_INFO, VM_LABELS ",pid,uuid", "dbus:VM.Pid",
               "One per VM: its id (<pid>-<fd>), name, cgroup, qemu pid and UUID (empty if unknown).",
               emit_vm_info),
        VM_PAGES("kvm_reclaimd_vm_shadow_pages", "dbus:VM.ShadowPages",
                 "Shadow MMU pages the VM holds (debugfs mmu_shadow_pages), as last counted.", shadow_pages),
        VM_PAGES("kvm_reclaimd_vm_cache_pages", "dbus:VM.CachePages",
                 "Unused pages in the VM's vCPU MMU caches (debugfs mmu_cache_pages), as last counted.",
                 cache_pages),
        VM_PAGES("kvm_reclaimd_vm_tdp_pages", "dbus:VMCounters.TdpPages",
                 "TDP MMU page tables the VM holds (debugfs tdp_mmu_pages; 0 on a kernel without it), as last "
                 "counted.", tdp_pages),
        FAMILY("kvm_reclaimd_vm_pagetable_bytes", METRIC_GAUGE, VM_LABELS, "dbus:VMCounters.PageTableBytes",
               "Memory the VM's page tables of both MMUs hold, as the kernel counts it (debugfs "
               "mmu_pagetable_bytes: a shadow page costs about 8 KiB, a TDP page 4 KiB); only where the kernel "
               "gives it.", emit_vm_pagetable_bytes),
        FAMILY("kvm_reclaimd_vm_reclaimed_pages_total", METRIC_COUNTER, VM_LABELS ",action",
               "dbus:VM.ReclaimedCachePages,VM.ReclaimedShadowPages",
               "Pages reclaimed from the VM since the daemon saw it, by the command that freed them (caches: "
               "the vCPU caches; free-empty, zap-cold, zap, limit: page-table pages, which add up to "
               "ReclaimedShadowPages).", emit_vm_reclaimed),
        FAMILY("kvm_reclaimd_vm_regrown_pages_total", METRIC_COUNTER, VM_LABELS, "dbus:VMCounters.RegrownPages",
               "Page-table pages the VM took back within one window of the rounds that took them (counted a "
               "window after each: growth, at most what was taken): reclaim that the guest undid.",
               emit_vm_regrown),
        FAMILY("kvm_reclaimd_vm_regrowth_measured_pages_total", METRIC_COUNTER, VM_LABELS,
               "dbus:VMCounters.MeasuredPages",
               "Page-table pages taken from the VM whose regrowth was counted (the denominator of "
               "kvm_reclaimd_vm_regrown_pages_total).", emit_vm_measured),
        FAMILY("kvm_reclaimd_vm_backoff_seconds", METRIC_GAUGE, VM_LABELS, "dbus:VMCounters.BackoffSeconds",
               "How long pressure rounds still leave the VM for last: it regrew most of what it gave within a "
               "window (0: not backed off).", emit_vm_backoff),
        FAMILY("kvm_reclaimd_vm_min_pages", METRIC_GAUGE, VM_LABELS, "dbus:VM.Policy.MinPages",
               "MinPages= of the VM's effective policy: no round zaps it below this.", emit_vm_min_pages),
        FAMILY("kvm_reclaimd_vm_max_pages", METRIC_GAUGE, VM_LABELS, "dbus:VM.Policy.MaxPages",
               "MaxPages= of the VM's effective policy (0: no cap).", emit_vm_max_pages),
        FAMILY("kvm_reclaimd_vm_protected", METRIC_GAUGE, VM_LABELS, "dbus:VM.Policy.Protect",
               "1 when the VM's effective policy says Protect=yes: no round touches it.", emit_vm_protected),
        FAMILY("kvm_reclaimd_vm_zap_exhausted", METRIC_GAUGE, VM_LABELS, "daemon",
               "1 when the VM's last zap gave less than asked (only roots in use left): not asked again "
               "until its count grows.", emit_vm_zap_exhausted),
        FAMILY("kvm_reclaimd_regrowth_pages_total", METRIC_COUNTER, "pages", "daemon",
               "Over all VMs counted one window after a round: page-table pages taken (pages=given) and "
               "taken back within the window (pages=regrown).", emit_regrowth),
        FAMILY("kvm_reclaimd_vm_cgroup_pagetables_bytes", METRIC_GAUGE, VM_LABELS,
               "cgroup2 memory.stat sec_pagetables",
               "For VMs without MMU counters (a kernel without the series): secondary page tables charged "
               "to the VM's cgroup.", emit_vm_sec_pagetables),

        FAMILY("kvm_reclaimd_reclaimed_pages_total", METRIC_COUNTER, "action,reason",
               "dbus:Status.ReclaimedCachePages,Status.ReclaimedShadowPages",
               "Pages reclaimed since start, by the command that freed them (caches; free-empty, zap-cold, "
               "zap, limit: page-table pages) and by what asked for the round (pressure, max-pages, manual).",
               emit_reclaimed),
        FAMILY("kvm_reclaimd_rounds_total", METRIC_COUNTER, "reason,scope", "dbus:History",
               "Rounds recorded in the history since start (rounds that planned something, and every "
               "pressure round), by reason and scope (host, a cgroup, or vm for a manual round for one VM).",
               emit_rounds),
        FAMILY("kvm_reclaimd_round_duration_seconds", METRIC_HISTOGRAM, "reason", "dbus:History.Duration",
               "Time from planning a round to the end of its last write, for rounds carried out.",
               emit_round_duration),
        FAMILY("kvm_reclaimd_round_in_flight", METRIC_GAUGE, "", "dbus:Daemon.RoundInFlight",
               "1 while a round is being carried out.", emit_round_in_flight),
        FAMILY("kvm_reclaimd_history_rounds", METRIC_GAUGE, "", "dbus:History",
               "Rounds held in the history (at most 1000).", emit_history_rounds),

        FAMILY("kvm_reclaimd_pressure_events_total", METRIC_COUNTER, "scope", "dbus:Triggers.Events",
               "PSI trigger events since start, by scope (host or a cgroup); kept across reloads.",
               emit_pressure_events),
        FAMILY("kvm_reclaimd_pressure_last_event_timestamp_seconds", METRIC_GAUGE, "scope",
               "dbus:Status.LastPressureEvent", "When the scope's last PSI event fired, seconds since the epoch.",
               emit_pressure_last_event),
        FAMILY("kvm_reclaimd_pressure_last_some_ratio", METRIC_GAUGE, "scope", "dbus:Status.LastPressureEvent",
               "PSI \"some\" avg10 of the scope at its last event, as a ratio (0..1).", emit_pressure_some),
        FAMILY("kvm_reclaimd_pressure_last_full_ratio", METRIC_GAUGE, "scope", "dbus:Status.LastPressureEvent",
               "PSI \"full\" avg10 of the scope at its last event, as a ratio (0..1).", emit_pressure_full),
        FAMILY("kvm_reclaimd_pressure_response_seconds", METRIC_HISTOGRAM, "", "daemon",
               "Time from a PSI event to the end of the round that answered it.", emit_pressure_response),
        FAMILY("kvm_reclaimd_psi_trigger_threshold_seconds", METRIC_GAUGE, "scope", "dbus:Triggers.Threshold",
               "Stall time per window of each armed PSI trigger, as configured.", emit_trigger_threshold),
        FAMILY("kvm_reclaimd_psi_trigger_window_seconds", METRIC_GAUGE, "scope", "dbus:Triggers.Window",
               "Window of each armed PSI trigger, in force (2 s where the kernel refused shorter ones).",
               emit_trigger_window),
};

/* NAME_pages -> NAME_bytes */
static void bytes_name(char *buf, size_t size, const char *pages_name) {
        size_t n = strlen(pages_name);

        if (n > 6 && strcmp(pages_name + n - 6, "_pages") == 0)
                n -= 6;
        snprintf(buf, size, "%.*s_bytes", (int) n, pages_name);
}

static void bytes_help(char *buf, size_t size, const char *help) {
        snprintf(buf, size, "%.*s, in bytes (pages of %d bytes).", (int) strcspn(help, "."), help,
                 KVM_RECLAIM_PAGE_SIZE);
}

void metrics_write_families(MetricsWriter *w, const Manager *m) {
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                const MetricFamily *f = &families[i];
                char name[128], help[512];

                metrics_family(w, f->name, f->type, f->help);
                if (!f->vm_pages) {
                        f->emit(w, f, m);
                        continue;
                }
                emit_vm_pages(w, f, m, false);
                bytes_name(name, sizeof(name), f->name);
                bytes_help(help, sizeof(help), f->help);
                metrics_family(w, name, f->type, help);
                emit_vm_pages(w, f, m, true);
        }
}

void metrics_list_families(FILE *out) {
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                const MetricFamily *f = &families[i];
                char name[128], help[512];

                fprintf(out, "%s\t%s\t%s\t%s\t%s\n", f->name, metric_type_to_string(f->type), f->labels, f->source,
                        f->help);
                if (f->vm_pages) {
                        bytes_name(name, sizeof(name), f->name);
                        bytes_help(help, sizeof(help), f->help);
                        fprintf(out, "%s\t%s\t%s\t= %s x %d\t%s\n", name, metric_type_to_string(f->type),
                                f->labels, f->name, KVM_RECLAIM_PAGE_SIZE, help);
                }
        }
}
