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

/* "<pid>-<fd>" -> pid, fd; -EINVAL for anything else. */
int kvmfs_parse_vm_dirname(const char *name, pid_t *ret_pid, int *ret_fd);

/* One decimal counter.  -ENOENT when the VM or file is gone, -EBADMSG for
 * garbage. */
int kvmfs_read_counter(const char *kvm_dir, const char *vm, const char *file, uint64_t *ret);

/* Whether the VM's mmu_reclaim trigger can be written: opens it for
 * writing and closes it without a command.  0; -ENOENT without the series;
 * -EROFS on a read-only mount; -EPERM under kernel lockdown; -EACCES. */
int kvmfs_probe_reclaim(const char *kvm_dir, const char *vm);

int kvmfs_parse_result(const char *text, KvmReclaimResult *ret);

/* Writes "caches" or "zap N", then reads the result back. */
int kvmfs_reclaim_caches(const char *kvm_dir, const char *vm, KvmReclaimResult *ret);
int kvmfs_reclaim_zap(const char *kvm_dir, const char *vm, uint64_t pages, KvmReclaimResult *ret);
