/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaim.h - the interface between the patched kernel and kvm-reclaimd.
 *
 * This header is the single source of truth for both sides: the kernel
 * series in kernel/ uses exactly these file names, command words, limits
 * and formats (tests/kernel/check-interface.sh compares them), the daemon
 * and the fake kernel in tests/fakekvm/ include this file.
 *
 * Layout under debugfs (KVM creates the directories itself):
 *
 *   <debugfs>/kvm/mmu_vms                         r   every VM's counters,
 *                                                     one line per VM
 *   <debugfs>/kvm/<pid>-<fd>/mmu_shadow_pages     r   shadow MMU pages in use
 *   <debugfs>/kvm/<pid>-<fd>/tdp_mmu_pages        r   TDP MMU page tables
 *                                                     (roots excluded)
 *   <debugfs>/kvm/<pid>-<fd>/mmu_cache_pages      r   unused pages in the
 *                                                     vCPUs' MMU caches, as
 *                                                     of each vCPU's last
 *                                                     stop (vcpu_put)
 *   <debugfs>/kvm/<pid>-<fd>/mmu_pagetable_bytes  r   bytes held by the page
 *                                                     tables of both MMUs
 *   <debugfs>/kvm/<pid>-<fd>/mmu_reclaim          rw  the reclaim trigger
 *                                                     (0600)
 *
 * <pid> is the pid of the process that created the VM (qemu), <fd> the VM
 * file descriptor number in that process.  The per-VM stat files are KVM's
 * VM stats (also in the VM's binary stats fd); KVM also has a file of the
 * same name in <debugfs>/kvm/ with the sum over all VMs.
 *
 * Units: counts are in pages of KVM_RECLAIM_PAGE_SIZE bytes (4 KiB);
 * mmu_pagetable_bytes is in bytes.  Memory: a page table page holds more
 * than its page.  mmu_pagetable_bytes counts, per shadow or TDP MMU page,
 * the page, its struct kvm_mmu_page (slab) and, for an indirect shadow page
 * at level 1..3 (nearly all shadow pages of a guest with paging), a second
 * page of shadowed translations; plus the shadow MMU's rmap descriptors.
 * So a shadow page costs about 2 x 4 KiB, a TDP page about 4 KiB.  Not
 * counted: the TDP MMU's roots (a page per address space), the memslots'
 * rmap arrays (fixed), the vCPU caches (mmu_cache_pages).
 *
 * Reading: the stat files hold one decimal number and a newline.  They are
 * nonseekable (pread fails with ESPIPE), and an open file holds a reference
 * on the VM, so a reader refreshes a value with open, read, close and never
 * keeps the file open.  mmu_vms is a seq_file: read it to EOF (it is
 * seekable and holds no VM); one line per VM that has a debugfs directory,
 * in KVM_RECLAIM_VMS_FMT, in no particular order:
 *
 *   "<pid>-<fd> mmu_shadow_pages=<u64> tdp_mmu_pages=<u64>
 *    mmu_cache_pages=<u64> mmu_pagetable_bytes=<u64>
 *    mmu_shadow_pages_max=<u64>\n"                       (one line)
 *
 * where mmu_shadow_pages_max is the cap on shadow pages in force (KVM's, see
 * "limit" below).
 *
 * Commands written to mmu_reclaim (one per write, a trailing newline is
 * allowed, anything else fails with EINVAL):
 *
 *   "caches"      free the vCPUs' cached pages: those of a vCPU in no ioctl
 *                 at once (caches_freed); a vCPU in KVM_RUN (maybe in a
 *                 fault) is never waited for: it is counted in busy_vcpus
 *                 and frees its caches itself at its next entry into the
 *                 guest or before it blocks (a halted vCPU is woken for
 *                 it), which mmu_cache_pages shows once it stops running.
 *                 Nothing of this is on the fault path.
 *   "zap N"       zap about N of the VM's oldest shadow pages, 1 <= N <=
 *                 KVM_RECLAIM_ZAP_MAX, among those that existed when the
 *                 command started (pages the guest creates meanwhile are
 *                 never taken).  Roots in use cannot be zapped, so the
 *                 kernel may zap fewer than N; the unsync children of the
 *                 last page zapped go with it, so it may zap a few more.
 *                 Does nothing to TDP MMU tables.
 *   "free-empty"  free the page tables (TDP MMU tables and shadow pages)
 *                 that map nothing, e.g. after the host took memory back
 *                 (swap, balloon, MADV_DONTNEED): no cost to the guest.
 *   "zap-cold N"  zap up to N last-level page tables (TDP MMU tables, then
 *                 shadow pages) none of whose mappings the guest accessed
 *                 since the previous "zap-cold", and clear the accessed
 *                 bits of the tables kept: called periodically, it takes
 *                 the tables that stayed cold for a period.  The guest
 *                 refaults only if it touches that memory again.
 *   "limit N"     cap the VM's shadow pages at N (or at KVM's own cap, if
 *                 lower: KVM_SET_NR_MMU_PAGES, else 2% of the memslot
 *                 pages), zapping the oldest over it; N = 0 or N >=
 *                 KVM_RECLAIM_LIMIT_MIN; "limit 0" leaves KVM's cap.  The
 *                 cap persists (memslot changes keep it) until changed.
 *                 Shadow pages only: there is no cap on TDP MMU tables.
 *
 * "zapped" in the result is the exact number of page table pages the
 * command freed (for "limit", zapped to get under the cap).  mmu_lock is
 * yielded only when the scheduler asks (or, on preemptible kernels, a
 * waiter): N bounds how long vCPUs of a shadow-paged VM may wait for "zap".
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
 * even read-only: the file has write permission); the stat files and
 * mmu_vms still read.
 */
#ifndef KVM_RECLAIM_H
#define KVM_RECLAIM_H

#define KVM_RECLAIM_DEBUGFS_DIR_DEFAULT "/sys/kernel/debug/kvm"

#define KVM_RECLAIM_FILE_VMS             "mmu_vms"
#define KVM_RECLAIM_FILE_SHADOW_PAGES    "mmu_shadow_pages"
#define KVM_RECLAIM_FILE_TDP_PAGES       "tdp_mmu_pages"
#define KVM_RECLAIM_FILE_CACHE_PAGES     "mmu_cache_pages"
#define KVM_RECLAIM_FILE_PAGETABLE_BYTES "mmu_pagetable_bytes"
#define KVM_RECLAIM_FILE_RECLAIM         "mmu_reclaim"

#define KVM_RECLAIM_CMD_CACHES     "caches"
#define KVM_RECLAIM_CMD_ZAP        "zap"        /* followed by one space and N */
#define KVM_RECLAIM_CMD_FREE_EMPTY "free-empty"
#define KVM_RECLAIM_CMD_ZAP_COLD   "zap-cold"   /* followed by one space and N */
#define KVM_RECLAIM_CMD_LIMIT      "limit"      /* followed by one space and N */

/* Largest N one "zap N" or "zap-cold N" accepts. */
#define KVM_RECLAIM_ZAP_MAX 65536

/* Smallest non-zero N "limit N" accepts (KVM_MIN_ALLOC_MMU_PAGES). */
#define KVM_RECLAIM_LIMIT_MIN 64

/* Longest command the kernel accepts, newline included. */
#define KVM_RECLAIM_CMD_MAX_LEN 32

#define KVM_RECLAIM_RESULT_FMT "caches_freed=%llu zapped=%llu busy_vcpus=%u\n"

/* One line of mmu_vms; the kernel prints the name with %pd. */
#define KVM_RECLAIM_VMS_FMT \
	"%s mmu_shadow_pages=%llu tdp_mmu_pages=%llu mmu_cache_pages=%llu mmu_pagetable_bytes=%llu mmu_shadow_pages_max=%llu\n"

#define KVM_RECLAIM_PAGE_SIZE 4096

/* Writing N to this (runtime, default Y) makes KVM's global MMU shrinker a
 * no-op: it stays registered but counts nothing and scans nothing. */
#define KVM_RECLAIM_SHRINKER_PARAM "/sys/module/kvm/parameters/mmu_shrinker"

#endif /* KVM_RECLAIM_H */
