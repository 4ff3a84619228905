/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "discovery.h"
#include "pressure.h"
#include "reclaim.h"
#include "util.h"
#include "vm.h"

typedef enum BusMode {
        BUS_NONE,
        BUS_SYSTEM,
        BUS_USER,
        BUS_ADDRESS,
} BusMode;

typedef struct ManagerOptions {
        const char *config_file;
        const char *conf_dir;            /* persistent drop-ins, SetPolicy writes here */
        const char *runtime_conf_dir;    /* runtime drop-ins (SetPolicy runtime=true) */
        const char *proc_root;           /* "/proc" */
        const char *debugfs_dir;         /* overrides DebugfsDir= when set */
        const char *shrinker_param;      /* KVM_RECLAIM_SHRINKER_PARAM, or a test's file */
        const char *state_dir;           /* KVM_RECLAIMD_STATE_DIR: state that outlives a crash */
        const char *lockdown_file;       /* "/sys/kernel/security/lockdown", or a test's file */
        bool dry_run;                    /* plan and log every round, write nothing to the kernel */
        BusMode bus_mode;
        const char *bus_address;
} ManagerOptions;

/* A PSI trigger: the host's, or one per policy with PressureThreshold=. */
typedef struct Trigger {
        char *scope;                     /* "host" or the policy's cgroup */
        char *path;                      /* the pressure file */
        uint64_t threshold_usec;         /* as configured, before any 2 s fallback */
        uint64_t window_usec;
        PressureWatch *watch;
        uint64_t armed_realtime_usec;    /* when armed: a kept trigger keeps its baseline */
        uint64_t events;                 /* times it fired */
        uint64_t last_round_usec;        /* CLOCK_MONOTONIC: its last round was queued */
} Trigger;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        struct BusState *bus_state;      /* what was last announced (bus.c) */

        /* Configuration: how to reload it, and what is in force. */
        char *config_file;
        char *conf_dirs[3];              /* persistent, runtime, NULL */
        char *proc_root;
        char *debugfs_override;
        char *shrinker_param;
        char *state_dir;
        char *lockdown_file;
        bool dry_run;
        Config *config;
        char *kvm_dir;                   /* in force: override or DebugfsDir= */
        char *cgroup_root;               /* cgroup2 mount in use */

        /* VMs by id (the debugfs dir name). */
        VmTable vms;
        Discovery *discovery;

        /* PSI triggers (triggers.c): the host's first, then one per policy
         * with PressureThreshold= whose cgroup exists, by scope. */
        Trigger *triggers;
        size_t n_triggers;
        bool window_fallback_logged;

        sd_event_source *refresh_timer;  /* armed only while MaxPages= needs the daemon: no "limit" */
        sd_event_source *regrowth_timer; /* one-shot, armed by a round: counts again a window later */
        sd_event_source *settle_timer;   /* re-reads VMs just created */

        struct Rounds *rounds;           /* reclaim.c: the round in flight and those waiting */
        struct Metrics *metrics;         /* metrics.c: counters that outlive a reload, the textfile */

        bool kernel_interface;           /* the series is there: mmu_reclaim files or the module param */
        bool kernel_v2;                  /* ... in its v2: TDP stat, mmu_vms, the new commands */
        int has_vms_file;                /* mmu_vms: -1 not tried yet, 0 absent, 1 read */
        int reclaim_refused;             /* <0: mmu_reclaim exists but cannot be written (why) */
        char mode_reason[384];           /* manager_mode_reason()'s words when refused */
        bool mode_logged;
        char *shrinker_saved;            /* mmu_shrinker value to restore at exit */

        uint64_t reclaimed_cache_pages;
        uint64_t reclaimed_shadow_pages;
        uint64_t last_event_realtime_usec;
        char *last_event_scope;
        double last_event_some_avg10;
        double last_event_full_avg10;
        uint64_t last_event_latency_usec; /* PSI wakeup to the end of its round */
        uint64_t last_event_reaction_usec; /* PSI wakeup to its round's last write (0: none written) */
        uint64_t last_event_decision_usec; /* ... to its first write: counting and planning */
        uint64_t pressure_rounds_done;   /* rounds that answered PSI events, since start */
        uint64_t last_refresh_usec;      /* CLOCK_MONOTONIC of the last full recount */
} Manager;

int manager_new(const ManagerOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
/* Discovery, PSI triggers, the bus; then READY=1. */
int manager_start(Manager *m);
int manager_run(Manager *m);

/* counts.c.  Counting never acts: re-reads every VM's counters (mmu_vms
 * in one read where the kernel has it) and drops vanished VMs, and writes
 * nothing to the kernel.  Reads (ListVMs, GetVM, open to every user) call
 * only this. */
int manager_recount(Manager *m);
/* The VMs 'want' selects, by mmu_vms or by their own files, whichever
 * costs fewer reads; NULL: all. */
typedef bool (*manager_vm_filter_t)(const Vm *v, const void *userdata);
int manager_recount_where(Manager *m, manager_vm_filter_t want, const void *userdata);
/* The VMs of a cgroup subtree (NULL or "/": all). */
int manager_recount_scope(Manager *m, const char *scope);
/* The same, unless the counts are younger than 'max_age_usec': D-Bus reads
 * on a host with thousands of VMs must not recount on every call. */
int manager_recount_if_stale(Manager *m, uint64_t max_age_usec);
/* One VM; -ENOENT when it is gone (the caller drops it). */
int manager_recount_vm(Manager *m, Vm *v);
/* Enforcing acts: queues a MaxPages= round: where the kernel has "limit",
 * one that sets each VM's cap to what its policy wants (and gives back the
 * caps no policy wants any more); elsewhere one that zaps every VM above
 * its cap.  Called at start, when a VM appears, by the cap timer (kernels
 * without "limit" only), a reload and privileged D-Bus calls. */
int manager_enforce_caps(Manager *m);
/* Whether MaxPages= is the kernel's to keep ("limit"). */
bool manager_kernel_keeps_caps(const Manager *m);

/* limits.c: the VMs the daemon capped, across crashes (<state dir>/limits). */
void limits_load(Manager *m);
void limits_save(Manager *m);
/* "limit 0" to every VM the daemon capped: at exit. */
void limits_release(Manager *m);
bool limits_in_force(const Manager *m);
/* The active/monitor-only decision, from what the VMs' files said. */
void manager_update_mode(Manager *m);
/* Drops a VM that is gone, and says so. */
void manager_vm_gone(Manager *m, const char *id);
/* A write to v's mmu_reclaim failed with 'error': a refusal (read-only,
 * lockdown) takes it out of the rounds until a probe says otherwise. */
void manager_note_reclaim_error(Manager *m, Vm *v, int error);

/* Arms what the configuration asks for and disarms what it no longer
 * does: PSI triggers (kept as they are when their settings did not
 * change, baseline and all), the MaxPages= timer, discovery of the kvm
 * directory.  The one path for start, reload and new cgroups. */
int manager_sync_sources(Manager *m);
/* triggers.c: the PSI part of it, and the teardown. */
int manager_sync_triggers(Manager *m);
void manager_triggers_free(Manager *m);

void manager_update_status(Manager *m);

/* Re-reads the configuration; on error keeps the old one (the caller
 * logs it, with manager_log_reload_failure() when an operator asked). */
int manager_reload(Manager *m, char **ret_error);
void manager_log_reload_failure(const char *error);

/* Merges 'keys' into this daemon's drop-in for 'cgroup' (persistent or
 * runtime) and reloads; on any error the old drop-in (or none) is put
 * back.  Keys not given keep coming from the other files. */
/* The drop-in 'keys' would make for 'selector' (merged into the one
 * SetPolicy wrote before, and checked to read back), its path, and the old
 * text (NULL when there is none).  Writes nothing. */
int manager_dropin_text(Manager *m, const char *selector, const DropinKeys *keys, bool runtime, char **ret_path,
                        char **ret_text, char **ret_old, char **ret_error);
int manager_set_policy(Manager *m, const char *cgroup, const DropinKeys *keys, bool runtime, char **ret_error);
int manager_remove_policy(Manager *m, const char *cgroup, bool runtime, char **ret_error);
/* Removes the temporary files of drop-ins a crash left half written
 * ("50-dbus-*.conf.tmpXXXXXX"; never read as configuration, but they
 * would pile up over crashes). */
void manager_dropin_remove_leftovers(Manager *m);
/* The drop-in path SetPolicy uses for 'cgroup'. */
char *manager_dropin_path(const Manager *m, const char *cgroup, bool runtime);

const Policy *manager_policy_for(const Manager *m, const char *cgroup);
/* A VM's policy: its cgroup's, with the vm:/uuid: policies that select it
 * laid over (in 'buf' when there are any). */
const Policy *manager_policy_for_vm(const Manager *m, const Vm *v, Policy *buf);
const char *manager_mode(const Manager *m);
/* The PSI window in force: the host trigger's (after any 2 s fallback),
 * else PressureWindow=. */
uint64_t manager_window_usec(const Manager *m);
const char *manager_mode_reason(const Manager *m);
uint64_t manager_total_shadow(const Manager *m);
uint64_t manager_total_cache(const Manager *m);
uint64_t manager_total_tdp(const Manager *m);
/* mmu_pagetable_bytes over the VMs whose kernel gives it. */
uint64_t manager_total_bytes(const Manager *m);
