/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counting: the VMs' counters, read the cheaper way.  Where the kernel has
 * <debugfs>/kvm/mmu_vms, one read gives every VM's counters; each VM's own
 * files (2 on the first series, 4 on v2: mmu_shadow_pages, tdp_mmu_pages,
 * mmu_cache_pages, mmu_pagetable_bytes) cost one open each, so they win
 * only for a few VMs of many (a cgroup's round, the VMs whose regrowth is
 * due).  Counting never acts: it reads, and writes nothing to the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "log.h"
#include "manager.h"
#include "util.h"

/* One mmu_vms line is about 140 bytes: a read of 64 KiB brings ~450 VMs.
 * Reading a VM's own files costs an open, a read and a close each. */
#define VMS_LINES_PER_READ 450

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
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

/* New counts for v, whichever way they were read. */
static void vm_apply_counts(Manager *m, Vm *v, const KvmCounts *c) {
        VmCounts now;

        v->garbage_logged = false;
        v->read_error_logged = false;
        v->shadow_pages = c->shadow_pages;
        v->tdp_pages = c->has_tdp ? c->tdp_pages : 0;
        v->cache_pages = c->cache_pages;
        v->has_tdp = c->has_tdp;
        v->has_bytes = c->has_bytes;
        v->pagetable_bytes = c->has_bytes ? c->pagetable_bytes : 0;
        /* Only mmu_vms says the cap; the per-VM files keep the last. */
        if (c->has_max) {
                v->has_max = true;
                v->shadow_pages_max = c->shadow_pages_max;
        }
        v->counted = true;
        if (c->has_tdp)
                m->kernel_v2 = true;
        /* A command that freed nothing is offered again once it grew. */
        now = vm_counts(v);
        control_note_counts(&v->control, &now);
        /* Probed until writable (new VMs, refused ones: a remount or a
         * lifted lockdown is seen at the next count); a writable one stays
         * so until a write says otherwise. */
        if (!v->has_reclaim) {
                v->reclaim_error = kvmfs_probe_reclaim(m->kvm_dir, v->id);
                v->has_reclaim = v->reclaim_error == 0;
        }
}

static void vm_counts_garbage(Vm *v) {
        if (!v->garbage_logged)
                log_warning("VM %s: counters hold garbage, keeping the last values", v->id);
        v->garbage_logged = true;
}

int manager_recount_vm(Manager *m, Vm *v) {
        KvmCounts c;
        int r;

        r = kvmfs_read_vm_counts(m->kvm_dir, v->id, &c);
        if (r == -EBADMSG) {
                vm_counts_garbage(v);
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
                v->reclaim_error = -ENOENT;
                vm_read_sec_pagetables(m, v);
                return 0;
        }
        if (r < 0) {
                /* EIO, EACCES, a directory where the file should be: the
                 * VM is there, its counts are not; keep the last ones. */
                if (!v->read_error_logged)
                        log_warning_errno(r, "VM %s: cannot read its counters, keeping the last values: %m", v->id);
                v->read_error_logged = true;
                return r;
        }
        vm_apply_counts(m, v, &c);
        return 0;
}

/* Every VM mmu_vms lists; a VM of ours it does not list and whose
 * directory is gone is gone.  -ENOENT: a kernel without it. */
static int recount_from_vms(Manager *m) {
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ bool *seen = NULL;
        ssize_t last = -1;
        size_t len;
        int r;

        r = kvmfs_read_vms(m->kvm_dir, &text, &len);
        if (r == -ENOENT)
                m->has_vms_file = 0;
        if (r < 0)
                return r;
        m->has_vms_file = 1;
        m->kernel_v2 = true;
        seen = calloc(m->vms.n ? m->vms.n : 1, sizeof(bool));
        if (!seen)
                return -ENOMEM;
        for (char *line = text, *eol; line < text + len && *line; line = eol + 1) {
                char name[64];
                KvmCounts c;
                ssize_t i;
                Vm *v;

                eol = strchrnul(line, '\n');
                *eol = 0;
                if (kvmfs_parse_vms_line(line, name, sizeof(name), &c) < 0) {
                        /* Never from the kernel; a VM named in it keeps
                         * its last counts. */
                        line[strcspn(line, " ")] = 0;
                        v = vm_table_find(&m->vms, line);
                        if (v)
                                vm_counts_garbage(v);
                        continue;
                }
                /* Discovery adds new VMs; this only counts known ones. */
                /* The kernel lists VMs in the order they were made, which
                 * is mostly the table's (sorted by id): try the next one
                 * (or the one before) before a search. */
                if (last + 1 < (ssize_t) m->vms.n && strcmp(m->vms.vms[last + 1]->id, name) == 0)
                        i = last + 1;
                else if (last > 0 && strcmp(m->vms.vms[last - 1]->id, name) == 0)
                        i = last - 1;
                else
                        i = vm_table_index(&m->vms, name);
                if (i < 0)
                        continue;
                last = i;
                seen[i] = true;
                vm_apply_counts(m, m->vms.vms[i], &c);
        }
        for (size_t i = m->vms.n; i > 0; i--) {
                Vm *v = m->vms.vms[i - 1];
                char path[4096];

                if (seen[i - 1])
                        continue;
                snprintf(path, sizeof(path), "%s/%s", m->kvm_dir, v->id);
                if (access(path, F_OK) < 0)
                        manager_vm_gone(m, v->id);
        }
        return 0;
}

/* Each wanted VM by its own files. */
static void recount_each(Manager *m, manager_vm_filter_t want, const void *userdata) {
        for (size_t i = m->vms.n; i > 0; i--) {
                Vm *v = m->vms.vms[i - 1];

                if (want && !want(v, userdata))
                        continue;
                if (manager_recount_vm(m, v) == -ENOENT)
                        manager_vm_gone(m, v->id);
        }
}

int manager_recount_where(Manager *m, manager_vm_filter_t want, const void *userdata) {
        bool all = !want, done = false;
        size_t n = 0;

        for (size_t i = 0; !all && i < m->vms.n; i++)
                n += want(m->vms.vms[i], userdata);
        /* One read of mmu_vms (tried again at every full count, as a
         * kernel module may come), unless a few VMs' own files cost less. */
        if (all || (m->has_vms_file > 0 && (uint64_t) n * (m->kernel_v2 ? 4 : 2) > 1 + m->vms.n / VMS_LINES_PER_READ))
                done = recount_from_vms(m) >= 0;
        if (!done && (all || n > 0))
                recount_each(m, want, userdata);
        if (all)
                m->last_refresh_usec = now_usec(CLOCK_MONOTONIC);
        manager_update_mode(m);
        manager_update_status(m);
        bus_emit_changed(m);
        return 0;
}

int manager_recount(Manager *m) {
        return manager_recount_where(m, NULL, NULL);
}

static bool vm_in_scope(const Vm *v, const void *userdata) {
        const char *scope = userdata;

        return !scope || strcmp(scope, "/") == 0 || (v->cgroup && cgroup_path_startswith(v->cgroup, scope));
}

int manager_recount_scope(Manager *m, const char *scope) {
        if (!scope || strcmp(scope, "/") == 0)
                return manager_recount(m);
        return manager_recount_where(m, vm_in_scope, scope);
}

int manager_recount_if_stale(Manager *m, uint64_t max_age_usec) {
        if (m->last_refresh_usec > 0 && now_usec(CLOCK_MONOTONIC) - m->last_refresh_usec < max_age_usec)
                return 0;
        return manager_recount(m);
}
