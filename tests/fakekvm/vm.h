/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm.h - the model of one fake VM: its MMU counters, how a reclaim command
 * changes them, and the test-only state control.
 *
 * Nothing here knows about FUSE or locking: the caller (fakekvm-ops.c)
 * holds the global lock around every function that takes a struct vm (the
 * one mutex in it, reclaim_lock, is for the caller too).  Keeping the
 * model pure lets the semantics be read in one place and compared
 * with the kernel series.
 */
#ifndef FAKEKVM_VM_H
#define FAKEKVM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kvm-reclaim.h"
#include "model.h"

/* "<pid>-<fd>": two 10-digit numbers and a dash fit with room to spare. */
#define FAKEKVM_NAME_MAX 31

/* KVM_MAX_VCPUS on x86 today. */
#define FAKEKVM_MAX_VCPUS 4096

/*
 * The real kernel cannot zap the root pages the vCPUs are running on; a
 * small VM has about four of them (one per address space and mode).
 */
#define FAKEKVM_DEFAULT_PINNED 4

/* Upper bound for delay_ms=, so a typo cannot wedge a test for hours. */
#define FAKEKVM_MAX_DELAY_MS 600000u

/* Highest garbage= mode; see vm_format_stat() for what each returns. */
#define FAKEKVM_GARBAGE_MODES 7

/*
 * KVM's own cap on shadow pages (KVM_SET_NR_MMU_PAGES, or 2% of the memslot
 * pages by default), until kvm_max= says otherwise: a 3 GiB guest's default.
 */
#define FAKEKVM_DEFAULT_KVM_MAX 15728

/*
 * mmu_pagetable_bytes per page, as the kernel counts it: the page, its
 * struct kvm_mmu_page (184 bytes on x86_64) and, for a shadow page (the
 * fake's are all indirect, level 1), the page of shadowed translations.
 * The shadow MMU's rmap descriptors are left out of the model.
 */
#define FAKEKVM_SHADOW_PAGE_BYTES (2 * 4096 + 184)
#define FAKEKVM_TDP_PAGE_BYTES    (4096 + 184)

/* Every file a VM directory holds, in readdir order. */
enum vm_file {
	VMF_DIR = 0, /* the directory itself */
	VMF_SHADOW_PAGES,
	VMF_TDP_PAGES,
	VMF_CACHE_PAGES,
	VMF_PAGETABLE_BYTES,
	VMF_RECLAIM,
	VMF_SHADOW_ZAPPED,
	VMF_REMOTE_TLB_FLUSH,
	VMF_PAGES_4K,
	VMF_PAGES_2M,
	VMF_PAGES_1G,
	VMF_FAKE_STATE, /* test-only, not listed by readdir */
	VMF_COUNT,
};

struct vm_result {
	unsigned long long caches_freed;
	unsigned long long zapped;
	unsigned int busy_vcpus;
};

enum vm_cmd_op {
	VM_CMD_CACHES,
	VM_CMD_ZAP,
	VM_CMD_FREE_EMPTY,
	VM_CMD_ZAP_COLD,
	VM_CMD_LIMIT,
};

struct vm_cmd {
	enum vm_cmd_op op;
	uint64_t n; /* the argument of zap, zap-cold and limit */
};

struct vm {
	char name[FAKEKVM_NAME_MAX + 1];
	uint64_t id;      /* unique for the process lifetime, never reused */
	unsigned int refs; /* the table's, plus one per open file */
	bool removed;     /* rmdir'ed: only open files still see it */
	time_t created;

	uint64_t shadow;
	uint64_t tdp;         /* TDP MMU page tables */
	uint64_t empty;       /* tables (TDP first, then shadow) mapping nothing */
	uint64_t cold;        /* last-level tables zap-cold finds cold */
	uint64_t kvm_max;     /* KVM's cap on shadow pages */
	uint64_t limit;       /* the cap set by "limit N", 0 if none */
	uint64_t shadow_max;  /* the cap in force, see vm_apply_cmd() */
	uint32_t vcpus;
	uint64_t *vcpu_cache; /* vcpus entries, pages in each vCPU's caches */
	bool *vcpu_asked;     /* vcpus entries: asked by "caches" while busy */
	uint32_t busy;        /* vCPUs 0..busy-1 are busy in a fault */
	uint64_t pinned;      /* shadow pages "zap" can never take */
	int fail_errno;       /* 0, or the errno every reclaim write fails with */
	int garbage;          /* 0, or the junk mode of the stat files */
	uint32_t delay_ms;    /* time each reclaim write takes */

	uint64_t zapped_total; /* mmu_shadow_zapped */
	uint64_t tlb_flushes;  /* remote_tlb_flush: one per zap that zapped */
	uint64_t reclaims;     /* accepted reclaim commands */
	struct vm_result last;
	struct vm_model model; /* the guest's use of its tables, model.c */

	/*
	 * Held by a reclaim write from its start to its end, delay_ms
	 * included, so two commands on one VM run one after the other as
	 * under the kernel's mmu_lock.  Taken before the global lock.
	 */
	pthread_mutex_t reclaim_lock;

	/* Lazy growth (--grow-shadow / --grow-cache), see vm_advance(). */
	uint64_t grow_ns;
	uint64_t grow_rem_shadow; /* leftover page fractions, in 1e-9 pages */
	uint64_t grow_rem_cache;
	uint32_t grow_next_vcpu;

	/* Owned by vmtable.c. */
	struct vm *name_next;
	struct vm *id_next;
	size_t slot;
};

/* Growth rates in pages per second per VM, 0 = off.  Process-wide. */
void vm_set_growth(uint64_t shadow_per_sec, uint64_t cache_per_sec);

/* Monotonic clock in ns, the time base of vm_advance(). */
uint64_t vm_now_ns(void);

/* Does name match ^[0-9]+-[0-9]+$ and fit FAKEKVM_NAME_MAX? */
bool vm_name_valid(const char *name);

/* A VM with one vCPU, no pages, default pinned roots; refs = 1. */
struct vm *vm_new(const char *name);
void vm_free(struct vm *vm);

uint64_t vm_cache_total(const struct vm *vm);

/* Bring lazily grown counters up to now. */
void vm_advance(struct vm *vm, uint64_t now_ns);

/*
 * Parse what was written to mmu_reclaim.  The whole write is one command,
 * a single trailing newline allowed; anything else is -EINVAL.
 */
int vm_parse_cmd(const char *buf, size_t len, struct vm_cmd *cmd);

/* Do the command, as the kernel does it under mmu_lock. */
void vm_apply_cmd(struct vm *vm, const struct vm_cmd *cmd,
		  struct vm_result *res);

/* Apply "key=value ..." written to .fake_state; all or nothing. */
int vm_set_state(struct vm *vm, const char *buf, size_t len);

/* The whole state on one line, newline-terminated; returns its length. */
int vm_format_state(const struct vm *vm, char *buf, size_t size);

/* The content of a stat file (honours garbage=); returns its length. */
int vm_format_stat(const struct vm *vm, enum vm_file file, char *buf,
		   size_t size);

/* The content of mmu_reclaim: the last result in KVM_RECLAIM_RESULT_FMT. */
int vm_format_result(const struct vm_result *res, char *buf, size_t size);

/* The VM's line of mmu_vms, KVM_RECLAIM_VMS_FMT; returns its length. */
int vm_format_vms_line(const struct vm *vm, char *buf, size_t size);

/* mmu_pagetable_bytes, see FAKEKVM_SHADOW_PAGE_BYTES. */
uint64_t vm_pagetable_bytes(const struct vm *vm);

/* "EIO" for EIO; numbers for errnos outside the small known set. */
const char *vm_errno_name(int err, char *scratch, size_t size);

#endif /* FAKEKVM_VM_H */
