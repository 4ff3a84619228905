/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading and writing one VM's files in <debugfs>/kvm/<pid>-<fd>/, as
 * include/kvm-reclaim.h defines them.  Every access opens, reads or
 * writes, and closes: an open file pins the VM in the kernel. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct KvmReclaimResult {
        uint64_t caches_freed;
        uint64_t zapped;
        uint32_t busy_vcpus;
} KvmReclaimResult;

/* The commands of mmu_reclaim, cheapest for the guest first. */
typedef enum KvmCommand {
        KVM_CMD_CACHES,                 /* the vCPUs' unused cache pages */
        KVM_CMD_FREE_EMPTY,             /* tables that map nothing: free for the guest */
        KVM_CMD_ZAP_COLD,               /* tables the guest did not touch for a period */
        KVM_CMD_ZAP,                    /* the oldest shadow pages, hot or not */
        KVM_CMD_LIMIT,                  /* a cap on shadow pages, kept by the kernel */
        _KVM_CMD_MAX,
} KvmCommand;

/* The command word of include/kvm-reclaim.h ("zap-cold"). */
const char *kvm_command_to_string(KvmCommand c);
/* Whether the command takes N. */
bool kvm_command_takes_n(KvmCommand c);

/* One VM's counters.  The first series had only mmu_shadow_pages and
 * mmu_cache_pages: has_tdp and has_bytes say whether the kernel gave the
 * others; shadow_pages_max comes only with mmu_vms. */
typedef struct KvmCounts {
        uint64_t shadow_pages;
        uint64_t tdp_pages;
        uint64_t cache_pages;
        uint64_t pagetable_bytes;
        uint64_t shadow_pages_max;
        bool has_tdp;
        bool has_bytes;
        bool has_max;
} KvmCounts;

/* "<pid>-<fd>" -> pid, fd; -EINVAL for anything else. */
int kvmfs_parse_vm_dirname(const char *name, pid_t *ret_pid, int *ret_fd);

/* One decimal counter.  -ENOENT when the VM or file is gone, -EBADMSG for
 * garbage. */
int kvmfs_read_counter(const char *kvm_dir, const char *vm, const char *file, uint64_t *ret);

/* A VM's own stat files: mmu_shadow_pages and mmu_cache_pages (-ENOENT
 * without them, -EBADMSG for garbage), then tdp_mmu_pages and
 * mmu_pagetable_bytes when the kernel has them. */
int kvmfs_read_vm_counts(const char *kvm_dir, const char *vm, KvmCounts *ret);

/* <kvm_dir>/mmu_vms, all of it: one open, reads to EOF, close.  -ENOENT on
 * a kernel without it. */
int kvmfs_read_vms(const char *kvm_dir, char **ret_text, size_t *ret_len);
/* One line of it, without its newline: the VM's name (at most 'name_size'
 * - 1 bytes) and counters, exactly as KVM_RECLAIM_VMS_FMT prints them;
 * -EBADMSG for anything else. */
int kvmfs_parse_vms_line(const char *line, char *name, size_t name_size, KvmCounts *ret);

/* Whether the VM's mmu_reclaim trigger can be written: opens it for
 * writing and closes it without a command.  0; -ENOENT without the series;
 * -EROFS on a read-only mount; -EPERM under kernel lockdown; -EACCES. */
int kvmfs_probe_reclaim(const char *kvm_dir, const char *vm);

int kvmfs_parse_result(const char *text, KvmReclaimResult *ret);

/* Writes one command (with N when it takes one) and reads its result on
 * the same file descriptor, so another writer's result is never taken for
 * ours.  -ERANGE for an N the command does not take; the kernel's errno
 * otherwise (EINVAL: a command this kernel does not have). */
int kvmfs_reclaim(const char *kvm_dir, const char *vm, KvmCommand c, uint64_t n, KvmReclaimResult *ret);
