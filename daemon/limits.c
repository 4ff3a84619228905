/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MaxPages= kept by the kernel ("limit N", include/kvm-reclaim.h): the caps
 * the daemon set are its own, so it gives them back (limit 0: KVM's own
 * cap again) when the policy goes, and when it stops, as it gives back
 * kvm.mmu_shrinker.  A daemon that crashed could not: the VMs it had
 * capped are kept in <state dir>/limits, and the next start writes what
 * their policies want now (0 where none) to them first. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "kvmfs.h"
#include "log.h"
#include "manager.h"
#include "util.h"

static char *state_file(const Manager *m) {
        char *p;

        if (asprintf(&p, "%s/limits", m->state_dir) < 0)
                return NULL;
        return p;
}

void limits_load(Manager *m) {
        _cleanup_free_ char *path = state_file(m);
        _cleanup_fclose_ FILE *f = NULL;
        char line[64];
        size_t n = 0;

        if (!path || m->dry_run)
                return;
        f = fopen(path, "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                Vm *v;

                line[strcspn(line, "\n")] = 0;
                v = vm_table_find(&m->vms, line);
                if (v) {
                        v->kernel_limit_unknown = true;
                        n++;
                }
        }
        if (n > 0)
                log_info("%zu VMs may keep a cap on their shadow pages from before a crash: setting each to what "
                         "its policy wants now", n);
}

void limits_save(Manager *m) {
        _cleanup_free_ char *path = state_file(m), *text = NULL;
        size_t len = 0, n = 0;
        FILE *f;
        int r;

        if (!path || m->dry_run)
                return;
        f = open_memstream(&text, &len);
        if (!f)
                return;
        for (size_t i = 0; i < m->vms.n; i++)
                if (m->vms.vms[i]->kernel_limit > 0 || m->vms.vms[i]->kernel_limit_unknown) {
                        fprintf(f, "%s\n", m->vms.vms[i]->id);
                        n++;
                }
        if (fclose(f) != 0)
                return;
        if (n == 0) {
                if (unlink(path) < 0 && errno != ENOENT)
                        log_warning_errno(errno, "Cannot remove %s: %m", path);
                return;
        }
        if (mkdir(m->state_dir, 0755) < 0 && errno != EEXIST)
                return (void) log_warning_errno(errno, "Cannot create %s: %m", m->state_dir);
        r = write_file_atomic(path, text);
        if (r < 0)
                log_warning_errno(r, "Cannot write %s: %m", path);
}

void limits_release(Manager *m) {
        size_t n = 0;

        for (size_t i = 0; i < m->vms.n; i++) {
                Vm *v = m->vms.vms[i];
                KvmReclaimResult res;
                int r;

                if (v->kernel_limit == 0)
                        continue;
                r = kvmfs_reclaim(m->kvm_dir, v->id, KVM_CMD_LIMIT, 0, &res);
                if (r < 0 && r != -ENOENT) {
                        log_warning_errno(r, "VM %s: cannot give its shadow page cap back to KVM: %m", v->id);
                        continue;
                }
                v->kernel_limit = 0;
                n++;
        }
        if (n > 0)
                log_info("Gave the caps on shadow pages of %zu VMs back to KVM (limit 0).", n);
        limits_save(m);
}

bool limits_in_force(const Manager *m) {
        for (size_t i = 0; i < m->vms.n; i++)
                if (m->vms.vms[i]->kernel_limit > 0 || m->vms.vms[i]->kernel_limit_unknown)
                        return true;
        return false;
}
