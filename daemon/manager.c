/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/statfs.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "bus.h"
#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "log.h"
#include "manager.h"
#include "util.h"
#include "vm-identity.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Debugfs creates a VM's directory before its files; look again shortly. */
#define SETTLE_USEC (200 * USEC_PER_MSEC)

static void manager_update_status(Manager *m);
static int manager_sync_pressure_watches(Manager *m);

static bool is_cgroup2(const char *path) {
        struct statfs s;
        return statfs(path, &s) == 0 && (uint64_t) s.f_type == CGROUP2_SUPER_MAGIC;
}

/* Hybrid hosts mount cgroup2 at /sys/fs/cgroup/unified. */
static const char *detect_cgroup_root(void) {
        if (is_cgroup2("/sys/fs/cgroup"))
                return "/sys/fs/cgroup";
        if (is_cgroup2("/sys/fs/cgroup/unified"))
                return "/sys/fs/cgroup/unified";
        return NULL;
}

uint64_t manager_total_shadow(const Manager *m) {
        uint64_t t = 0;
        for (size_t i = 0; i < m->vms.n; i++)
                t += m->vms.vms[i]->shadow_pages;
        return t;
}

uint64_t manager_total_cache(const Manager *m) {
        uint64_t t = 0;
        for (size_t i = 0; i < m->vms.n; i++)
                t += m->vms.vms[i]->cache_pages;
        return t;
}

const Policy *manager_policy_for(const Manager *m, const char *cgroup) {
        return config_policy_for(m->config, cgroup);
}

const char *manager_mode(const Manager *m) {
        return m->kernel_interface ? "active" : "monitor-only";
}

const char *manager_mode_reason(const Manager *m) {
        if (m->kernel_interface)
                return "";
        if (access(m->kvm_dir, F_OK) < 0)
                return "KVM debugfs directory not present (debugfs not mounted, or kvm not loaded)";
        return "no mmu_reclaim files: the kernel lacks the kvm-reclaimd series";
}

static void manager_update_mode(Manager *m) {
        bool before = m->kernel_interface, any = access(KVM_RECLAIM_SHRINKER_PARAM, F_OK) == 0;

        for (size_t i = 0; !any && i < m->vms.n; i++)
                any = m->vms.vms[i]->has_reclaim;
        m->kernel_interface = any;
        if (!m->mode_logged || before != any) {
                if (any)
                        log_info("Kernel reclaim interface present: active mode.");
                else
                        log_notice("Monitor-only mode: %s. Counting what exists, reclaiming nothing.",
                                   manager_mode_reason(m));
                m->mode_logged = true;
        }
}

/* What a stock kernel still tells: page-table memory charged to the VM's
 * cgroup (cgroup2 memory.stat "sec_pagetables", Linux 6.0+). */
static void vm_read_sec_pagetables(Manager *m, Vm *v) {
        char path[4096], buf[8192];
        const char *line;
        uint64_t bytes;

        v->cgroup_sec_pagetables = 0;
        if (!m->cgroup_root || !v->cgroup)
                return;
        snprintf(path, sizeof(path), "%s%s/memory.stat", m->cgroup_root, v->cgroup);
        if (read_small_file(path, buf, sizeof(buf)) < 0)
                return;
        line = strstr(buf, "\nsec_pagetables ");
        if (line && sscanf(line + 16, "%" SCNu64, &bytes) == 1)
                v->cgroup_sec_pagetables = bytes;
}

/* Reads one VM's counters.  -ENOENT: it is gone. */
static int vm_refresh(Manager *m, Vm *v) {
        uint64_t shadow, cache;
        int r;

        r = kvmfs_read_counter(m->kvm_dir, v->id, KVM_RECLAIM_FILE_SHADOW_PAGES, &shadow);
        if (r >= 0)
                r = kvmfs_read_counter(m->kvm_dir, v->id, KVM_RECLAIM_FILE_CACHE_PAGES, &cache);
        if (r == -EBADMSG) {
                if (!v->garbage_logged)
                        log_warning("VM %s: counters hold garbage, keeping the last values", v->id);
                v->garbage_logged = true;
                return 0;
        }
        if (r == -ENOENT) {
                char path[4096];
                /* A stock kernel has the dir but not our files. */
                snprintf(path, sizeof(path), "%s/%s", m->kvm_dir, v->id);
                if (access(path, F_OK) < 0)
                        return -ENOENT;
                v->counted = false;
                v->has_reclaim = false;
                vm_read_sec_pagetables(m, v);
                return 0;
        }
        if (r < 0)
                return log_debug_errno(r, "VM %s: cannot read counters: %m", v->id);
        v->garbage_logged = false;
        v->shadow_pages = shadow;
        v->cache_pages = cache;
        v->counted = true;
        v->has_reclaim = kvmfs_has_reclaim(m->kvm_dir, v->id);
        return 0;
}

static int manager_add_vm(Manager *m, const char *id) {
        _cleanup_(vm_freep) Vm *v = NULL;
        Vm *added;
        int fd, r;

        if (vm_table_find(&m->vms, id))
                return 0;
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->id = strdup(id);
        if (!v->id)
                return -ENOMEM;
        r = kvmfs_parse_vm_dirname(id, &v->pid, &fd);
        if (r < 0)
                return r;
        r = vm_identity_read(m->proc_root, v->pid, &v->cgroup, &v->memcg_v1, &v->name);
        if (r < 0)
                log_debug_errno(r, "VM %s: cannot read /proc/%d/cgroup, treating as host-scoped: %m", id,
                                (int) v->pid);
        r = vm_refresh(m, v);
        if (r == -ENOENT)
                return 0; /* vanished while we looked: not worth a word */
        r = vm_table_add(&m->vms, v);
        if (r < 0)
                return r;
        added = TAKE_PTR(v); /* the table owns it now */
        if (added->counted)
                log_info("VM %s appeared: name=%s cgroup=%s shadow=%llu cache=%llu policy=%s", id,
                         added->name ?: "-", added->cgroup ?: "-", (unsigned long long) added->shadow_pages,
                         (unsigned long long) added->cache_pages, manager_policy_for(m, added->cgroup)->cgroup);
        else
                log_info("VM %s appeared: name=%s cgroup=%s (no MMU counters; cgroup sec_pagetables=%llu KiB) "
                         "policy=%s", id, added->name ?: "-", added->cgroup ?: "-",
                         (unsigned long long) (added->cgroup_sec_pagetables / 1024),
                         manager_policy_for(m, added->cgroup)->cgroup);
        return 1;
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->settle_timer = sd_event_source_disable_unref(m->settle_timer);
        (void) manager_recount(m);
        return 0;
}

static void schedule_settle(Manager *m) {
        if (m->settle_timer)
                return;
        if (sd_event_add_time_relative(m->event, &m->settle_timer, CLOCK_MONOTONIC, SETTLE_USEC, 0, on_settle, m) >= 0)
                (void) sd_event_source_set_description(m->settle_timer, "vm-settle");
}

static void on_vm_added(const char *id, void *userdata) {
        Manager *m = userdata;

        if (manager_add_vm(m, id) > 0) {
                manager_update_mode(m);
                /* New cgroups may need their PSI trigger now. */
                (void) manager_sync_pressure_watches(m);
                schedule_settle(m);
                manager_update_status(m);
                bus_emit_changed(m);
        }
}

static void on_vm_removed(const char *id, void *userdata) {
        Manager *m = userdata;

        if (vm_table_remove(&m->vms, id) >= 0) {
                log_info("VM %s is gone", id);
                manager_update_status(m);
                bus_emit_changed(m);
        }
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void on_rescanned(char **ids, size_t n, void *userdata) {
        Manager *m = userdata;

        /* Drop what is no longer listed, add what is new; sorted ids keep
         * this O(n log n) at 10,000 VMs. */
        if (n > 1)
                qsort(ids, n, sizeof(char *), strcmp_ptr);
        for (size_t i = m->vms.n; i > 0; i--) {
                const char *id = m->vms.vms[i - 1]->id;
                if (!ids || !bsearch(&id, ids, n, sizeof(char *), strcmp_ptr)) {
                        log_info("VM %s is gone", id);
                        (void) vm_table_remove(&m->vms, id);
                }
        }
        for (size_t k = 0; k < n; k++)
                (void) manager_add_vm(m, ids[k]);
        manager_update_mode(m);
        (void) manager_sync_pressure_watches(m);
        manager_update_status(m);
        bus_emit_changed(m);
}

static uint64_t now_usec(clockid_t c);

int manager_recount_if_stale(Manager *m, uint64_t max_age_usec) {
        if (m->last_refresh_usec > 0 && now_usec(CLOCK_MONOTONIC) - m->last_refresh_usec < max_age_usec)
                return 0;
        return manager_recount(m);
}

int manager_enforce_caps(Manager *m) {
        if (!m->kernel_interface || !config_has_caps(m->config))
                return 0;
        return manager_reclaim(m, NULL, NULL, 0, 0, "max-pages", NULL, NULL);
}

int manager_recount(Manager *m) {
        Vm *gone[64];
        size_t n_gone;
        int r;

        do {
                n_gone = 0;
                for (size_t i = 0; i < m->vms.n; i++) {
                        r = vm_refresh(m, m->vms.vms[i]);
                        if (r == -ENOENT && n_gone < ELEMENTSOF(gone))
                                gone[n_gone++] = m->vms.vms[i];
                }
                for (size_t i = 0; i < n_gone; i++) {
                        log_info("VM %s is gone", gone[i]->id);
                        (void) vm_table_remove(&m->vms, gone[i]->id);
                }
        } while (n_gone == ELEMENTSOF(gone));
        m->last_refresh_usec = now_usec(CLOCK_MONOTONIC);
        manager_update_mode(m);
        manager_update_status(m);
        bus_emit_changed(m);
        return 0;
}

static void manager_update_status(Manager *m) {
        (void) sd_notifyf(false, "STATUS=%s: %zu VMs, %llu shadow pages, %llu cache pages, reclaimed %llu",
                          manager_mode(m), m->vms.n, (unsigned long long) manager_total_shadow(m),
                          (unsigned long long) manager_total_cache(m),
                          (unsigned long long) (m->reclaimed_cache_pages + m->reclaimed_shadow_pages));
}

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void drop_cgroup_watch(Manager *m, PressureWatch *w) {
        for (size_t i = 0; i < m->n_cgroup_watches; i++)
                if (m->cgroup_watches[i] == w) {
                        pressure_watch_free(w);
                        memmove(m->cgroup_watches + i, m->cgroup_watches + i + 1,
                                (m->n_cgroup_watches - i - 1) * sizeof(*m->cgroup_watches));
                        m->n_cgroup_watches--;
                        return;
                }
}

static void on_pressure(PressureWatch *w, const PsiValues *psi, bool gone, void *userdata) {
        Manager *m = userdata;
        const char *scope = pressure_watch_scope(w);
        uint64_t start = now_usec(CLOCK_MONOTONIC), caches = 0, zapped = 0;
        _cleanup_free_ char *reason = NULL;
        PsiValues v = psi ? *psi : (PsiValues) {};

        if (gone) {
                log_notice("cgroup %s is gone, dropping its PSI trigger", scope);
                drop_cgroup_watch(m, w);
                return;
        }

        free(m->last_event_scope);
        m->last_event_scope = strdup(scope);
        m->last_event_realtime_usec = now_usec(CLOCK_REALTIME);
        m->last_event_some_avg10 = v.some.avg10;
        m->last_event_full_avg10 = v.full.avg10;
        bus_emit_pressure_event(m, scope, v.some.avg10, v.full.avg10);

        if (asprintf(&reason, "pressure:%s", scope) < 0)
                return;
        log_info("Memory pressure on %s: some avg10=%.2f full avg10=%.2f", scope, v.some.avg10, v.full.avg10);
        (void) manager_recount(m);
        (void) manager_reclaim(m, NULL, strcmp(scope, "host") == 0 ? NULL : scope, m->config->daemon.step_pages,
                               0, reason, &caches, &zapped);
        m->last_event_latency_usec = now_usec(CLOCK_MONOTONIC) - start;
        log_info("Pressure on %s handled: %llu cache pages freed, %llu shadow pages zapped, in %.1f ms", scope,
                 (unsigned long long) caches, (unsigned long long) zapped, m->last_event_latency_usec / 1000.0);
        bus_emit_changed(m);
}

static int add_watch(Manager *m, const char *path, const char *scope, uint64_t threshold, PressureWatch **ret) {
        bool fell_back = false;
        int r;

        r = pressure_watch_new(m->event, path, scope, threshold, m->config->daemon.window_usec, on_pressure, m,
                               ret, &fell_back);
        if (r < 0)
                return r;
        if (fell_back && !m->window_fallback_logged) {
                log_notice("The kernel refused a %llums PSI window (no CAP_SYS_RESOURCE?); using %llus windows "
                           "with thresholds scaled to match.",
                           (unsigned long long) (m->config->daemon.window_usec / USEC_PER_MSEC),
                           (unsigned long long) (pressure_watch_window(*ret) / USEC_PER_SEC));
                m->window_fallback_logged = true;
        }
        log_debug("PSI trigger on %s: some %llu %llu", path, (unsigned long long) pressure_watch_threshold(*ret),
                  (unsigned long long) pressure_watch_window(*ret));
        return 0;
}

/* Brings the per-cgroup triggers in line with the policies: one for each
 * policy with PressureThreshold= whose cgroup exists. */
static int manager_sync_pressure_watches(Manager *m) {
        const Config *c = m->config;

        if (!m->cgroup_root)
                return 0;
        /* Reloads re-arm everything, so only missing triggers are added here. */
        for (size_t i = 0; i < c->n_policies; i++) {
                const Policy *p = &c->policies[i];
                _cleanup_free_ char *path = NULL;
                PressureWatch *w, **nw;
                bool have = false;
                int r;

                if (p->pressure_threshold_usec == 0)
                        continue;
                for (size_t k = 0; k < m->n_cgroup_watches && !have; k++)
                        have = strcmp(pressure_watch_scope(m->cgroup_watches[k]), p->cgroup) == 0;
                if (have)
                        continue;
                if (asprintf(&path, "%s%s/memory.pressure", m->cgroup_root,
                             strcmp(p->cgroup, "/") == 0 ? "" : p->cgroup) < 0)
                        return -ENOMEM;
                r = add_watch(m, path, p->cgroup, p->pressure_threshold_usec, &w);
                if (r < 0) {
                        /* Retried when a VM appears or the config is reloaded. */
                        log_debug_errno(r, "No PSI trigger for %s yet: %m", p->cgroup);
                        continue;
                }
                nw = realloc(m->cgroup_watches, (m->n_cgroup_watches + 1) * sizeof(*nw));
                if (!nw) {
                        pressure_watch_free(w);
                        return -ENOMEM;
                }
                m->cgroup_watches = nw;
                m->cgroup_watches[m->n_cgroup_watches++] = w;
                log_info("Watching memory pressure of %s (%s)", p->cgroup, path);
        }
        return 0;
}

static int on_refresh_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) manager_recount(m);
        (void) manager_enforce_caps(m);
        return sd_event_source_set_time_relative(s, m->config->daemon.refresh_usec);
}

/* MaxPages= is a promise about counts that grow without events, so it is
 * the one thing worth a timer; nothing else wakes us without a reason. */
static int manager_sync_refresh_timer(Manager *m) {
        int r;

        if (!config_has_caps(m->config)) {
                m->refresh_timer = sd_event_source_disable_unref(m->refresh_timer);
                return 0;
        }
        if (!m->refresh_timer) {
                r = sd_event_add_time_relative(m->event, &m->refresh_timer, CLOCK_MONOTONIC,
                                               m->config->daemon.refresh_usec, USEC_PER_SEC, on_refresh_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(m->refresh_timer, "maxpages-refresh");
                return sd_event_source_set_enabled(m->refresh_timer, SD_EVENT_ON);
        }
        return sd_event_source_set_time_relative(m->refresh_timer, m->config->daemon.refresh_usec);
}

static int manager_apply_config(Manager *m, Config *c) {
        const char *kvm_dir = m->debugfs_override ?: c->daemon.debugfs_dir;
        bool rewatch = !m->kvm_dir || strcmp(kvm_dir, m->kvm_dir) != 0;
        char *nd = NULL, *root = NULL;
        const char *detected = c->daemon.cgroup_root ?: detect_cgroup_root();
        bool window_changed = !m->config || m->config->daemon.window_usec != c->daemon.window_usec;

        nd = strdup(kvm_dir);
        root = strdup_or_null(detected);
        if (!nd || (detected && !root)) {
                free(nd);
                free(root);
                return -ENOMEM;
        }
        config_free(m->config);
        m->config = c;
        free(m->kvm_dir);
        m->kvm_dir = nd;
        free(m->cgroup_root);
        m->cgroup_root = root;
        if (!m->cgroup_root)
                log_warning("No cgroup2 mount found: per-cgroup PSI triggers are off.");

        /* The window may have changed: re-arm every trigger. */
        while (m->n_cgroup_watches > 0)
                drop_cgroup_watch(m, m->cgroup_watches[0]);
        m->system_watch = pressure_watch_free(m->system_watch);
        /* The 2 s fallback is said once, and again only for a new window. */
        if (window_changed)
                m->window_fallback_logged = false;
        if (m->event && m->discovery) {
                int r = add_watch(m, "/proc/pressure/memory", "host", c->daemon.system_threshold_usec,
                                  &m->system_watch);
                if (r < 0)
                        log_warning_errno(r, "Cannot arm the host PSI trigger on /proc/pressure/memory: %m");
                (void) manager_sync_pressure_watches(m);
                (void) manager_sync_refresh_timer(m);
                if (rewatch) {
                        vm_table_clear(&m->vms);
                        m->discovery = discovery_free(m->discovery);
                }
        }
        return 0;
}

int manager_new(const ManagerOptions *o, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *err = NULL;
        Config *c = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->config_file = strdup_or_null(o->config_file);
        m->proc_root = strdup(o->proc_root ?: "/proc");
        m->debugfs_override = strdup_or_null(o->debugfs_dir);
        m->conf_dirs[0] = strdup(o->conf_dir ?: KVM_RECLAIMD_CONF_DIR);
        m->conf_dirs[1] = strdup(o->runtime_conf_dir ?: KVM_RECLAIMD_RUN_CONF_DIR);
        if (!m->proc_root || !m->conf_dirs[0] || !m->conf_dirs[1])
                return -ENOMEM;

        r = config_load(m->config_file, m->conf_dirs, &c, &err);
        if (r < 0)
                return log_error_errno(r, "Refusing to start: %s", err ?: "cannot load configuration");
        r = manager_apply_config(m, c);
        if (r < 0) {
                config_free(c);
                return r;
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        (void) sd_event_set_watchdog(m->event, true);

        if (o->bus_mode != BUS_NONE) {
                r = bus_setup(m, o->bus_mode, o->bus_address);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                _cleanup_free_ char *err = NULL;
                (void) sd_notify(false, "RELOADING=1");
                if (manager_reload(m, &err) < 0)
                        log_error("Reload failed, keeping the old configuration: %s", err ?: "unknown error");
                (void) sd_notify(false, "READY=1");
                return 0;
        }
        log_info("Received SIG%s, exiting.", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static void shrinker_disable(Manager *m) {
        char buf[16];

        if (!m->config->daemon.disable_kernel_shrinker || read_small_file(KVM_RECLAIM_SHRINKER_PARAM, buf, sizeof(buf)) < 0)
                return;
        if (write_small_file(KVM_RECLAIM_SHRINKER_PARAM, "N") < 0) {
                log_warning("Cannot turn off KVM's global MMU shrinker (%s): it keeps running beside us",
                            KVM_RECLAIM_SHRINKER_PARAM);
                return;
        }
        m->shrinker_saved = strdup(buf);
        log_info("Turned off KVM's global MMU shrinker: policy decides from now on (restored at exit).");
}

int manager_start(Manager *m) {
        static const DiscoveryCallbacks cb = {
                .vm_added = on_vm_added,
                .vm_removed = on_vm_removed,
                .rescanned = on_rescanned,
        };
        int r;

        (void) sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m);

        shrinker_disable(m);
        r = discovery_new(m->event, m->kvm_dir, &cb, m, &m->discovery);
        if (r < 0)
                return log_error_errno(r, "Cannot follow VMs in %s: %m", m->kvm_dir);
        manager_update_mode(m);

        r = add_watch(m, "/proc/pressure/memory", "host", m->config->daemon.system_threshold_usec, &m->system_watch);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the host PSI trigger on /proc/pressure/memory: %m");
        (void) manager_sync_pressure_watches(m);
        r = manager_sync_refresh_timer(m);
        if (r < 0)
                return r;

        r = bus_start(m);
        if (r < 0)
                return r;
        log_info("kvm-reclaimd " PACKAGE_VERSION " running: %zu VMs in %s, %s mode.", m->vms.n, m->kvm_dir,
                 manager_mode(m));
        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}

int manager_reload(Manager *m, char **ret_error) {
        Config *c = NULL;
        bool rewatch;
        int r;

        r = config_load(m->config_file, m->conf_dirs, &c, ret_error);
        if (r < 0)
                return r;
        rewatch = !streq_ptr(m->debugfs_override ?: c->daemon.debugfs_dir, m->kvm_dir);
        r = manager_apply_config(m, c);
        if (r < 0) {
                config_free(c);
                return r;
        }
        if (rewatch) {
                static const DiscoveryCallbacks cb = { on_vm_added, on_vm_removed, on_rescanned };
                r = discovery_new(m->event, m->kvm_dir, &cb, m, &m->discovery);
                if (r < 0)
                        return log_error_errno(r, "Cannot follow VMs in %s: %m", m->kvm_dir);
        }
        log_info("Configuration reloaded: %zu policies.", m->config->n_policies);
        (void) manager_recount(m);
        (void) manager_enforce_caps(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        if (m->shrinker_saved)
                (void) write_small_file(KVM_RECLAIM_SHRINKER_PARAM, m->shrinker_saved);
        bus_done(m);
        while (m->n_cgroup_watches > 0)
                drop_cgroup_watch(m, m->cgroup_watches[0]);
        free(m->cgroup_watches);
        pressure_watch_free(m->system_watch);
        discovery_free(m->discovery);
        sd_event_source_disable_unref(m->refresh_timer);
        sd_event_source_disable_unref(m->settle_timer);
        vm_table_clear(&m->vms);
        config_free(m->config);
        sd_event_unref(m->event);
        free(m->conf_dirs[0]);
        free(m->conf_dirs[1]);
        free(m->config_file);
        free(m->proc_root);
        free(m->debugfs_override);
        free(m->kvm_dir);
        free(m->cgroup_root);
        free(m->shrinker_saved);
        free(m->last_event_scope);
        free(m);
        return NULL;
}
