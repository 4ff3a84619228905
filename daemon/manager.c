/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager: the VMs and their counts, the mode, the configuration in
 * force and the event sources it asks for, start, reload and exit.  PSI
 * triggers are in triggers.c, rounds in reclaim.c, the shrinker switch in
 * shrinker.c. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "bus.h"
#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "shrinker.h"
#include "util.h"
#include "vm-identity.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Debugfs creates a VM's directory before its files; look again shortly. */
#define SETTLE_USEC (200 * USEC_PER_MSEC)


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
                t = sat_add_u64(t, m->vms.vms[i]->shadow_pages);
        return t;
}

uint64_t manager_total_cache(const Manager *m) {
        uint64_t t = 0;
        for (size_t i = 0; i < m->vms.n; i++)
                t = sat_add_u64(t, m->vms.vms[i]->cache_pages);
        return t;
}

uint64_t manager_total_tdp(const Manager *m) {
        uint64_t t = 0;
        for (size_t i = 0; i < m->vms.n; i++)
                t = sat_add_u64(t, m->vms.vms[i]->tdp_pages);
        return t;
}

uint64_t manager_total_bytes(const Manager *m) {
        uint64_t t = 0;
        for (size_t i = 0; i < m->vms.n; i++)
                t = sat_add_u64(t, m->vms.vms[i]->pagetable_bytes);
        return t;
}

const Policy *manager_policy_for(const Manager *m, const char *cgroup) {
        return config_policy_for(m->config, cgroup);
}

const Policy *manager_policy_for_vm(const Manager *m, const Vm *v, Policy *buf) {
        return config_policy_for_vm(m->config, v->cgroup, v->name, v->uuid, buf);
}

uint64_t manager_window_usec(const Manager *m) {
        for (size_t i = 0; i < m->n_triggers; i++)
                if (strcmp(m->triggers[i].scope, "host") == 0 && m->triggers[i].watch)
                        return pressure_watch_window(m->triggers[i].watch);
        return m->config->daemon.window_usec;
}

/* ---- the mode ---- */

const char *manager_mode(const Manager *m) {
        return m->kernel_interface && m->reclaim_refused == 0 ? "active" : "monitor-only";
}

const char *manager_mode_reason(const Manager *m) {
        if (m->kernel_interface && m->reclaim_refused == 0)
                return "";
        if (m->reclaim_refused < 0)
                return m->mode_reason[0] ? m->mode_reason :
                                           vm_reclaim_problem(&(Vm) { .reclaim_error = m->reclaim_refused });
        if (access(m->kvm_dir, F_OK) < 0)
                return "KVM debugfs directory not present (debugfs not mounted, or kvm not loaded)";
        return "no mmu_reclaim files: the kernel lacks the kvm-reclaimd series";
}

/* Active when the series is there (a VM's mmu_reclaim, or the module
 * parameter) and mmu_reclaim can be written: a read-only kvm directory or
 * kernel lockdown is said as such, not as a missing series. */
static int sync_refresh_timer(Manager *m);

/* EPERM at open of mmu_reclaim while the VM's stat files read (it is
 * counted): kernel lockdown, which refuses to open debugfs files with
 * write permission.  The kernel says its mode in the lockdown file. */
static void describe_refusal(Manager *m) {
        char buf[128] = "";
        const char *mode = NULL, *open_br, *close_br;

        m->mode_reason[0] = 0;
        if (m->reclaim_refused != -EPERM)
                return;
        if (read_small_file(m->lockdown_file, buf, sizeof(buf)) >= 0 && (open_br = strchr(buf, '[')) &&
            (close_br = strchr(open_br, ']'))) {
                *(char *) close_br = 0;
                mode = open_br + 1;
        }
        if (mode && strcmp(mode, "none") != 0)
                snprintf(m->mode_reason, sizeof(m->mode_reason),
                         "opening mmu_reclaim for writing is refused (EPERM): kernel lockdown (%s mode, %s) refuses "
                         "writable debugfs files, while the stat files still read: counting, not reclaiming",
                         mode, m->lockdown_file);
        else
                snprintf(m->mode_reason, sizeof(m->mode_reason),
                         "opening mmu_reclaim for writing is refused (EPERM): kernel lockdown refuses writable "
                         "debugfs files (integrity mode), while the stat files still read: counting, not reclaiming "
                         "(%s says %s)", m->lockdown_file, mode ? "none" : "nothing");
}

void manager_update_mode(Manager *m) {
        bool before = m->kernel_interface, present = access(m->shrinker_param, F_OK) == 0, writable = false;
        int refused_before = m->reclaim_refused, refused = 0;
        struct statvfs sv;

        for (size_t i = 0; i < m->vms.n; i++) {
                const Vm *v = m->vms.vms[i];

                if (v->has_reclaim)
                        writable = true;
                else if (v->counted && v->reclaim_error != -ENOENT) {
                        present = true;
                        if (refused == 0)
                                refused = v->reclaim_error;
                }
                present = present || v->has_reclaim;
        }
        /* No VM to probe: a read-only kvm directory says it all the same. */
        if (!writable && refused == 0 && statvfs(m->kvm_dir, &sv) == 0 && (sv.f_flag & ST_RDONLY))
                refused = -EROFS;
        m->kernel_interface = present || writable;
        m->reclaim_refused = writable ? 0 : refused;
        describe_refusal(m);
        if (!m->mode_logged || before != m->kernel_interface || refused_before != m->reclaim_refused) {
                if (m->kernel_interface && m->reclaim_refused == 0)
                        log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_MODE),
                                   "Kernel reclaim interface present: active mode.");
                else
                        log_struct(LOG_NOTICE, LOG_FIELDS(.message_id = LOG_MID_MODE),
                                   "Monitor-only mode: %s. Counting what exists, reclaiming nothing.",
                                   manager_mode_reason(m));
                m->mode_logged = true;
        }
        /* A kernel that keeps caps, found with the first VM, needs no timer. */
        if (m->event && m->config)
                (void) sync_refresh_timer(m);
}

void manager_note_reclaim_error(Manager *m, Vm *v, int error) {
        if (error != -EROFS && error != -EPERM && error != -EACCES)
                return;
        /* Refused is refused at open (a read-only mount, lockdown); a
         * command the kernel turned down with the same errno is one
         * failed write, and the file still opens. */
        if (kvmfs_probe_reclaim(m->kvm_dir, v->id) == 0)
                return;
        v->has_reclaim = false;
        v->reclaim_error = error;
        manager_update_mode(m);
}

void manager_vm_gone(Manager *m, const char *id) {
        log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_VM_GONE, .vm = id), "VM %s is gone", id);
        (void) vm_table_remove(&m->vms, id);
}

bool manager_kernel_keeps_caps(const Manager *m) {
        return reclaim_kernel_offers(m) & ACTUATOR_OFFER(KVM_CMD_LIMIT);
}

int manager_enforce_caps(Manager *m) {
        if (!m->kernel_interface)
                return 0;
        /* Caps the daemon set and no policy wants any more go back too. */
        if (!config_has_caps(m->config) && !(manager_kernel_keeps_caps(m) && limits_in_force(m)))
                return 0;
        return manager_reclaim(m, &(ReclaimRequest) { .kind = ROUND_CAPS, .reason = "max-pages" }, NULL, NULL);
}

/* Every change of what the daemon shows ends here: STATUS=, and the
 * metrics textfile, which follows changes rather than a clock. */
void manager_update_status(Manager *m) {
        metrics_changed(m);
        (void) sd_notifyf(false, "STATUS=%s%s: %zu VMs, %llu shadow pages, %llu cache pages, reclaimed %llu",
                          manager_mode(m), m->dry_run ? " (dry run)" : "", m->vms.n,
                          (unsigned long long) manager_total_shadow(m), (unsigned long long) manager_total_cache(m),
                          (unsigned long long) (m->reclaimed_cache_pages + m->reclaimed_shadow_pages));
}

/* ---- VMs coming and going ---- */

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
        r = vm_identity_read(m->proc_root, v->pid, &v->cgroup, &v->memcg_v1, &v->name, &v->uuid);
        if (r < 0)
                log_debug_errno(r, "VM %s: cannot read /proc/%d/cgroup, treating as host-scoped: %m", id,
                                (int) v->pid);
        r = manager_recount_vm(m, v);
        if (r == -ENOENT)
                return 0; /* vanished while we looked: not worth a word */
        r = vm_table_add(&m->vms, v);
        if (r < 0)
                return r;
        added = TAKE_PTR(v); /* the table owns it now */
        Policy buf;
        const Policy *p = manager_policy_for_vm(m, added, &buf);
        if (added->counted)
                log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_VM_APPEARED, .vm = id, .cgroup = added->cgroup),
                           "VM %s appeared: name=%s cgroup=%s shadow=%llu cache=%llu policy=%s", id,
                           added->name ?: "-", added->cgroup ?: "-", (unsigned long long) added->shadow_pages,
                           (unsigned long long) added->cache_pages, p->cgroup);
        else
                log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_VM_APPEARED, .vm = id, .cgroup = added->cgroup),
                           "VM %s appeared: name=%s cgroup=%s (no MMU counters; cgroup sec_pagetables=%llu KiB) "
                           "policy=%s", id, added->name ?: "-", added->cgroup ?: "-",
                           (unsigned long long) (added->cgroup_sec_pagetables / 1024), p->cgroup);
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
                /* Its cap, where the kernel keeps caps. */
                if (config_has_caps(m->config) && manager_kernel_keeps_caps(m))
                        (void) manager_enforce_caps(m);
                /* New cgroups may need their PSI trigger now. */
                (void) manager_sync_triggers(m);
                schedule_settle(m);
                manager_update_status(m);
                bus_emit_changed(m);
        }
}

static void on_vm_removed(const char *id, void *userdata) {
        Manager *m = userdata;

        if (vm_table_find(&m->vms, id)) {
                manager_vm_gone(m, id);
                manager_update_status(m);
                bus_emit_changed(m);
        }
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void on_rescanned(char **ids, size_t n, void *userdata) {
        Manager *m = userdata;
        bool added = false;

        /* Drop what is no longer listed, add what is new; sorted ids keep
         * this O(n log n) at 10,000 VMs. */
        if (n > 1)
                qsort(ids, n, sizeof(char *), strcmp_ptr);
        for (size_t i = m->vms.n; i > 0; i--) {
                const char *id = m->vms.vms[i - 1]->id;
                if (!ids || !bsearch(&id, ids, n, sizeof(char *), strcmp_ptr))
                        manager_vm_gone(m, id);
        }
        for (size_t k = 0; k < n; k++)
                added |= manager_add_vm(m, ids[k]) > 0;
        /* A directory that appears with its VMs (kvm loaded, debugfs
         * mounted) may not have their files yet, as with inotify. */
        if (added && m->event)
                schedule_settle(m);
        manager_update_mode(m);
        (void) manager_sync_triggers(m);
        manager_update_status(m);
        bus_emit_changed(m);
}

/* ---- event sources ---- */

static int on_refresh_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) manager_recount(m);
        (void) manager_enforce_caps(m);
        return sd_event_source_set_time_relative(s, m->config->daemon.refresh_usec);
}

/* MaxPages= is a promise about counts that grow without events: where
 * the kernel keeps it ("limit"), nothing needs waking; elsewhere it is the
 * one thing worth a timer.  Nothing else wakes us without a reason. */
static int sync_refresh_timer(Manager *m) {
        int r;

        if (!config_has_caps(m->config) || manager_kernel_keeps_caps(m)) {
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

static int sync_discovery(Manager *m) {
        static const DiscoveryCallbacks cb = {
                .vm_added = on_vm_added,
                .vm_removed = on_vm_removed,
                .rescanned = on_rescanned,
        };
        int r;

        if (m->discovery && streq_ptr(discovery_dir(m->discovery), m->kvm_dir))
                return 0;
        /* A new directory: what we knew was about the old one. */
        vm_table_clear(&m->vms);
        m->discovery = discovery_free(m->discovery);
        r = discovery_new(m->event, m->kvm_dir, &cb, m, &m->discovery);
        if (r < 0)
                return log_error_errno(r, "Cannot follow VMs in %s: %m", m->kvm_dir);
        return 0;
}

int manager_sync_sources(Manager *m) {
        int r;

        r = sync_discovery(m);
        if (r < 0)
                return r;
        manager_update_mode(m);
        r = manager_sync_triggers(m);
        if (r < 0)
                return r;
        r = sync_refresh_timer(m);
        if (r < 0)
                return r;
        return metrics_sync(m);
}

/* ---- configuration ---- */

/* Puts 'c' in force (taking it); the sources follow in manager_sync_sources(). */
static int manager_apply_config(Manager *m, Config *c) {
        const char *kvm_dir = m->debugfs_override ?: c->daemon.debugfs_dir;
        const char *detected = c->daemon.cgroup_root ?: detect_cgroup_root();
        bool window_changed = !m->config || m->config->daemon.window_usec != c->daemon.window_usec;
        _cleanup_free_ char *nd = NULL, *root = NULL;

        nd = strdup(kvm_dir);
        root = strdup_or_null(detected);
        if (!nd || (detected && !root))
                return -ENOMEM;
        config_free(m->config);
        m->config = c;
        /* What loads but deserves a look (Protect=no under a protected
         * parent), said at every start and reload, not only by --check-config. */
        for (size_t i = 0; i < c->n_warnings; i++)
                log_warning("Configuration: %s", c->warnings[i]);
        free(m->kvm_dir);
        m->kvm_dir = TAKE_PTR(nd);
        free(m->cgroup_root);
        m->cgroup_root = TAKE_PTR(root);
        if (!m->cgroup_root)
                log_warning("No cgroup2 mount found: per-cgroup PSI triggers are off.");
        /* The 2 s fallback is said once, and again only for a new window. */
        if (window_changed)
                m->window_fallback_logged = false;
        metrics_note_config(m);
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
        m->has_vms_file = -1;
        m->config_file = strdup_or_null(o->config_file);
        m->proc_root = strdup(o->proc_root ?: "/proc");
        m->debugfs_override = strdup_or_null(o->debugfs_dir);
        m->conf_dirs[0] = strdup(o->conf_dir ?: KVM_RECLAIMD_CONF_DIR);
        m->conf_dirs[1] = strdup(o->runtime_conf_dir ?: KVM_RECLAIMD_RUN_CONF_DIR);
        m->shrinker_param = strdup(o->shrinker_param ?: KVM_RECLAIM_SHRINKER_PARAM);
        m->state_dir = strdup(o->state_dir ?: KVM_RECLAIMD_STATE_DIR);
        m->lockdown_file = strdup(o->lockdown_file ?: "/sys/kernel/security/lockdown");
        m->dry_run = o->dry_run;
        if (!m->proc_root || !m->conf_dirs[0] || !m->conf_dirs[1] || !m->shrinker_param || !m->state_dir ||
            !m->lockdown_file)
                return -ENOMEM;
        r = metrics_new(&m->metrics);
        if (r < 0)
                return r;

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
                        manager_log_reload_failure(err);
                (void) sd_notify(false, "READY=1");
                return 0;
        }
        log_info("Received SIG%s, exiting.", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static char *shrinker_state_file(const Manager *m) {
        char *p;

        if (asprintf(&p, "%s/mmu_shrinker.saved", m->state_dir) < 0)
                return NULL;
        return p;
}

static void shrinker_setup(Manager *m) {
        _cleanup_free_ char *state = shrinker_state_file(m);
        bool disable = m->config->daemon.disable_kernel_shrinker;
        int r;

        if (!state || m->dry_run)
                return; /* a dry run writes nothing, not even this */
        if (disable && mkdir(m->state_dir, 0755) < 0 && errno != EEXIST)
                log_warning_errno(errno, "Cannot create %s: %m", m->state_dir);
        r = shrinker_start(m->shrinker_param, state, disable, &m->shrinker_saved);
        if (r == -ENOENT || (!disable && r >= 0))
                return; /* no series, or nothing to do */
        if (r < 0) {
                log_warning_errno(r, "Cannot turn off KVM's global MMU shrinker (%s): it keeps running beside us: %m",
                                  m->shrinker_param);
                return;
        }
        log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_SHRINKER),
                   "Turned off KVM's global MMU shrinker: policy decides from now on (%s restored at exit).",
                   m->shrinker_saved);
}

int manager_start(Manager *m) {
        int r;

        (void) sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m);

        if (m->dry_run)
                log_notice("Dry run: every round is planned and logged, nothing is written to the kernel.");
        else
                manager_dropin_remove_leftovers(m);
        shrinker_setup(m);
        r = manager_sync_sources(m);
        if (r < 0)
                return r;

        /* Where the kernel keeps caps: those a crashed daemon left, then
         * the ones the policies want.  (Elsewhere the cap timer does.) */
        limits_load(m);
        if (manager_kernel_keeps_caps(m))
                (void) manager_enforce_caps(m);

        r = bus_start(m);
        if (r < 0)
                return r;
        log_info("kvm-reclaimd " PACKAGE_VERSION " running: %zu VMs in %s, %s mode%s.", m->vms.n, m->kvm_dir,
                 manager_mode(m), m->dry_run ? ", dry run" : "");
        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}

int manager_reload(Manager *m, char **ret_error) {
        Config *c = NULL;
        int r;

        r = config_load(m->config_file, m->conf_dirs, &c, ret_error);
        if (r < 0) {
                metrics_note_reload_failed(m);
                return r;
        }
        r = manager_apply_config(m, c);
        if (r < 0) {
                config_free(c);
                return r;
        }
        r = manager_sync_sources(m);
        if (r < 0)
                return r;
        log_struct(LOG_INFO, LOG_FIELDS(.message_id = LOG_MID_RELOAD), "Configuration reloaded: %zu policies.",
                   m->config->n_policies);
        (void) manager_recount(m);
        (void) manager_enforce_caps(m);
        return 0;
}

void manager_log_reload_failure(const char *error) {
        log_struct(LOG_ERR, LOG_FIELDS(.message_id = LOG_MID_RELOAD_FAIL),
                   "Reload failed, keeping the old configuration: %s", error ?: "unknown error");
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        reclaim_rounds_free(m);
        /* The caps the daemon set are its own: KVM's again. */
        if (!m->dry_run && m->kvm_dir)
                limits_release(m);
        m->metrics = metrics_free(m->metrics);
        if (m->shrinker_saved) {
                _cleanup_free_ char *state = shrinker_state_file(m);
                int r = state ? shrinker_restore(m->shrinker_param, state, m->shrinker_saved) : -ENOMEM;
                if (r < 0)
                        log_warning_errno(r, "Cannot put KVM's global MMU shrinker back to %s: %m", m->shrinker_saved);
        }
        bus_done(m);
        manager_triggers_free(m);
        discovery_free(m->discovery);
        sd_event_source_disable_unref(m->refresh_timer);
        sd_event_source_disable_unref(m->regrowth_timer);
        sd_event_source_disable_unref(m->settle_timer);
        vm_table_clear(&m->vms);
        config_free(m->config);
        sd_event_unref(m->event);
        free(m->conf_dirs[0]);
        free(m->conf_dirs[1]);
        free(m->config_file);
        free(m->proc_root);
        free(m->debugfs_override);
        free(m->shrinker_param);
        free(m->state_dir);
        free(m->lockdown_file);
        free(m->kvm_dir);
        free(m->cgroup_root);
        free(m->shrinker_saved);
        free(m->last_event_scope);
        free(m);
        return NULL;
}
