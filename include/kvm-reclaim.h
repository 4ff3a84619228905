/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaim.h - the interface between the patched kernel and kvm-reclaimd.
 *
 * This header is the single source of truth for both sides: the kernel
 * series in kernel/ uses exactly these file names, command words, limits
 * and result format (tests/kernel/check-interface.sh compares them), the
 * daemon and the fake kernel in tests/fakekvm/ include this file.
 *
 * Layout, per VM, under debugfs (KVM creates the directory itself):
 *
 *   <debugfs>/kvm/<pid>-<fd>/mmu_shadow_pages  r   shadow pages in use
 *   <debugfs>/kvm/<pid>-<fd>/mmu_cache_pages   r   unused pages in the
 *                                                  vCPUs' MMU caches
 *   <debugfs>/kvm/<pid>-<fd>/mmu_reclaim       rw  the reclaim trigger (0600)
 *
 * <pid> is the pid of the process that created the VM (qemu), <fd> the VM
 * file descriptor number in that process.
 *
 * Units: every count is in pages of KVM_RECLAIM_PAGE_SIZE bytes (4 KiB).
 *
 * Reading: the two stat files hold one decimal number and a newline.  They
 * are nonseekable (pread fails with ESPIPE), and an open file holds a
 * reference on the VM, so a reader refreshes a value with open, read,
 * close and never keeps the file open.
 *
 * Commands written to mmu_reclaim (one per write, a trailing newline is
 * allowed, anything else fails with EINVAL):
 *
 *   "caches"  free every vCPU's cached pages; a vCPU busy in a fault is
 *             skipped and counted in busy_vcpus, never waited for.
 *   "zap N"   zap about N of the VM's oldest shadow pages, 1 <= N <=
 *             KVM_RECLAIM_ZAP_MAX, among those that existed when the
 *             command started (pages the guest creates meanwhile are never
 *             taken).  Roots in use cannot be zapped, so the kernel may zap
 *             fewer than N; the unsync children of the last page zapped go
 *             with it, so it may zap a few more.  "zapped" in the result is
 *             always the exact count.  mmu_lock is yielded only when the
 *             scheduler asks (or, on preemptible kernels, a waiter): N
 *             bounds how long vCPUs of a shadow-paged VM may wait.
 *
 * The write returns only when the work is done, and rewinds the file.
 * Reading mmu_reclaim gives, in KVM_RECLAIM_RESULT_FMT:
 *
 *   - on a file that wrote a command: the result of its last command, so
 *     two writers never see each other's results (write, then read on the
 *     same file descriptor);
 *   - on a file that never wrote: the VM's last result, whoever wrote it
 *     (all zero before the first), for tools that open again to read.
 *
 *   "caches_freed=<u64> zapped=<u64> busy_vcpus=<u32>\n"
 *
 * Commands on one VM run one at a time.  Under kernel lockdown (integrity
 * mode, e.g. Secure Boot hosts) debugfs refuses to open mmu_reclaim (EPERM,
 * even read-only: the file has write permission); the stat files still read.
 */
#ifndef KVM_RECLAIM_H
#define KVM_RECLAIM_H

#define KVM_RECLAIM_DEBUGFS_DIR_DEFAULT "/sys/kernel/debug/kvm"

#define KVM_RECLAIM_FILE_SHADOW_PAGES "mmu_shadow_pages"
#define KVM_RECLAIM_FILE_CACHE_PAGES  "mmu_cache_pages"
#define KVM_RECLAIM_FILE_RECLAIM      "mmu_reclaim"

#define KVM_RECLAIM_CMD_CACHES "caches"
#define KVM_RECLAIM_CMD_ZAP    "zap"  /* followed by one space and N */

/* Largest N one "zap N" accepts; the kernel zaps in batches below it. */
#define KVM_RECLAIM_ZAP_MAX 65536

/* Longest command the kernel accepts, newline included. */
#define KVM_RECLAIM_CMD_MAX_LEN 32

#define KVM_RECLAIM_RESULT_FMT "caches_freed=%llu zapped=%llu busy_vcpus=%u\n"

#define KVM_RECLAIM_PAGE_SIZE 4096

/* Writing N to this (runtime, default Y) makes KVM's global MMU shrinker a
 * no-op: it stays registered but counts nothing and scans nothing. */
#define KVM_RECLAIM_SHRINKER_PARAM "/sys/module/kvm/parameters/mmu_shrinker"

#endif /* KVM_RECLAIM_H */
