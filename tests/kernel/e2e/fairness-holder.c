// SPDX-License-Identifier: GPL-2.0-only
/*
 * fairness-holder - one real VM with a page-table footprint of a chosen
 * size, a hot working set and cold memory, for the fairness comparison
 * (tests/kernel/e2e-fairness.sh).  Built against the patched tree's KVM
 * selftests library, like vm_holder.
 *
 * The guest maps -g GiB of guest memory with 2 MiB guest pages and touches
 * one 4 KiB page in every 2 MiB region.  The host backs it with 4 KiB
 * pages (anonymous, no THP), so each region costs KVM one last-level page
 * table on either MMU: a TDP MMU table (npt=1) or a direct shadow page
 * (npt=0).  The footprint is -g x 512 tables (plus a few upper-level tables
 * and those of memslot 0) while the guest memory actually touched is only
 * 4 KiB per 2 MiB, so five VMs of 1 to 16 GiB fit in a small qemu guest.
 *
 * Every region holds a word written at the start; a sweep reads it back
 * (the guest asserts it is unchanged, so a zap that lost data fails), and
 * writes it again.  Every -p ms the guest sweeps the hot regions, one in -h
 * (region % h == 0): their tables stay young and are rebuilt at once when
 * something takes them, while the other regions stay cold until the next
 * full sweep.  A full sweep runs at the start, on SIGUSR1 (to rebuild the
 * footprint between two runs) and on SIGTERM before the exit.
 *
 * Output, one line each, flushed:
 *   READY <pid> <vm fd> regions=<n> hot=<n> ms=<n>
 *   SWEPT all sweeps=<n> ms=<n>                    (each full sweep)
 *   DONE <name> sweeps=<n>                         (then exit 0)
 * A guest assertion (data lost) exits non-zero with the selftest report.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

#define DATA_SLOT	10
#define DATA_GPA	(4ULL << 30)	/* above memslot 0 */
#define DATA_GVA	DATA_GPA
#define REGION		(2ULL << 20)	/* one last-level table each */
#define PATTERN		0x66616972686f6c64ULL	/* "fairhold" */

enum { SWEEP_HOT, SWEEP_ALL, SWEEP_WRITE };

/* Shared with the guest (sync_global_to_guest). */
static uint64_t nr_regions = 512;
static uint64_t hot_every = 4;
static uint64_t sweep_mode = SWEEP_WRITE;

/* The 4 KiB page touched in region @r: a different one per region. */
static inline uint64_t word_gva(uint64_t r)
{
	return DATA_GVA + r * REGION + ((r * 37) % 512) * 4096;
}

static inline uint64_t pattern(uint64_t r)
{
	return PATTERN ^ (r * 0x9e3779b97f4a7c15ULL);
}

static void guest_code(void)
{
	uint64_t r, n, mode, val;

	for (;;) {
		mode = READ_ONCE(sweep_mode);
		n = 0;
		for (r = 0; r < nr_regions; r++) {
			uint64_t *p = (uint64_t *)word_gva(r);

			if (mode == SWEEP_HOT && r % hot_every)
				continue;
			if (mode != SWEEP_WRITE) {
				val = READ_ONCE(*p);
				GUEST_ASSERT_EQ(val, pattern(r));
			}
			WRITE_ONCE(*p, pattern(r));
			n++;
		}
		GUEST_SYNC_ARGS(1, mode, n, 0, 0);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void sweep(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint64_t mode)
{
	uint64_t want = mode == SWEEP_HOT ? (nr_regions + hot_every - 1) / hot_every : nr_regions;
	struct ucall uc;

	sweep_mode = mode;
	sync_global_to_guest(vm, sweep_mode);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("Unexpected ucall %lu", uc.cmd);
	}
	TEST_ASSERT(uc.args[1] == 1 && uc.args[2] == mode && uc.args[3] == want,
		    "sweep %lu touched %lu regions, expected %lu", uc.args[2], uc.args[3], want);
}

int main(int argc, char *argv[])
{
	uint64_t gib = 1, period_ms = 100, sweeps = 0, t0;
	const char *name = "vm";
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	sigset_t sigs;
	int opt, sig;

	while ((opt = getopt(argc, argv, "g:h:p:n:")) != -1) {
		switch (opt) {
		case 'g':
			gib = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			hot_every = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			period_ms = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			name = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-g GiB] [-h hot_every] [-p period_ms] [-n name]\n",
				argv[0]);
			exit(2);
		}
	}
	TEST_ASSERT(gib && gib <= 64 && hot_every && period_ms,
		    "-g must be 1..64, -h and -p above 0");
	nr_regions = (gib << 30) / REGION;

	/* Signals are taken synchronously, never in the middle of KVM_RUN. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	/* Memslot 0 holds the guest page tables: one per GiB of data. */
	vm = __vm_create_with_one_vcpu(&vcpu, nr_regions * 8, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT,
				    (gib << 30) / vm->page_size, 0);
	virt_map_level(vm, DATA_GVA, DATA_GPA, gib << 30, PG_LEVEL_2M);
	sync_global_to_guest(vm, nr_regions);
	sync_global_to_guest(vm, hot_every);

	t0 = now_ms();
	sweep(vm, vcpu, SWEEP_WRITE);
	sweeps++;
	printf("READY %d %d regions=%lu hot=%lu ms=%lu\n", getpid(), vm->fd, nr_regions,
	       (nr_regions + hot_every - 1) / hot_every, now_ms() - t0);
	fflush(stdout);

	for (;;) {
		struct timespec tmo = { .tv_sec = period_ms / 1000,
					.tv_nsec = (period_ms % 1000) * 1000000 };

		sig = sigtimedwait(&sigs, NULL, &tmo);
		t0 = now_ms();
		sweep(vm, vcpu, sig < 0 ? SWEEP_HOT : SWEEP_ALL);
		sweeps++;
		if (sig < 0)
			continue;
		printf("SWEPT all sweeps=%lu ms=%lu\n", sweeps, now_ms() - t0);
		fflush(stdout);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	printf("DONE %s sweeps=%lu\n", name, sweeps);
	fflush(stdout);
	kvm_vm_free(vm);
	return 0;
}
