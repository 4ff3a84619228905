// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_holder - keep one real shadow-paged VM alive for kvm-reclaimd's
 * end-to-end test (tests/kernel/e2e-daemon.sh).
 *
 * Built against the patched tree's KVM selftests library (kvm_util), like
 * x86_64/mmu_reclaim_test, which it borrows its layout from: a data region
 * of -m MiB mapped with 4 KiB pages at -a guest virtual addresses (aliases),
 * so that the shadow MMU needs one shadow page per 2 MiB of each alias,
 * i.e. thousands of shadow pages for the default 64 MiB x 64 aliases.
 *
 * Each round the guest first verifies the previous round's data (written
 * before the daemon zapped anything, and maybe swapped out since) through
 * the direct mapping and every alias, then writes the next round and
 * verifies it.  Each verification returns a checksum that the host compares
 * with the expected value and with its own view of the memory; a mismatch,
 * or a guest assertion, exits non-zero.
 *
 * Output, one line each, flushed:
 *   READY <pid> <vm fd> shadow=<n> cache=<n> ms=<n>
 *   VERIFIED <name> round=<n> shadow_before=<n> shadow_after=<n> ms=<n>
 *   DONE <name> rounds=<n>                         (on SIGTERM, exit 0)
 *
 * A round runs every -i seconds and at once on SIGUSR1.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

#define DATA_SLOT	10
#define DATA_GPA	(4ULL << 30)	/* above memslot 0 */
#define DATA_GVA	DATA_GPA
#define PAGES_PER_PT	512
#define PT_SPAN		(PAGES_PER_PT * PAGE_SIZE)
#define PATTERN		0x6532652d686f6c64ULL	/* "e2e-hold" */

/* Shared with the guest (sync_global_to_guest). */
static uint64_t mem_size = 64ULL << 20;
static uint64_t nr_aliases = 64;

static inline uint64_t pattern(uint64_t off, uint64_t round)
{
	return PATTERN ^ off ^ (round << 40);
}

static inline uint64_t mix(uint64_t sum, uint64_t v)
{
	return (sum ^ v) * 0x100000001b3ULL + (sum >> 29);
}

/*
 * Page of each guest page table that alias @a reads in @round: a different
 * one every round, so over time every alias touches every page.
 */
static inline uint64_t alias_page(uint64_t a, uint64_t round)
{
	return ((a * 37 + round * 11) % PAGES_PER_PT) * PAGE_SIZE;
}

static void guest_write(uint64_t round)
{
	uint64_t p;

	for (p = 0; p < mem_size; p += PAGE_SIZE)
		WRITE_ONCE(*(uint64_t *)(DATA_GVA + p), pattern(p, round));
}

static uint64_t guest_verify(uint64_t round)
{
	uint64_t p, a, off, val, sum = round;

	for (p = 0; p < mem_size; p += PAGE_SIZE) {
		val = READ_ONCE(*(uint64_t *)(DATA_GVA + p));
		GUEST_ASSERT_EQ(val, pattern(p, round));
		sum = mix(sum, val);
	}
	for (a = 0; a < nr_aliases; a++)
		for (off = 0; off < mem_size; off += PT_SPAN) {
			p = off + alias_page(a, round);
			val = READ_ONCE(*(uint64_t *)(DATA_GVA + a * mem_size + p));
			GUEST_ASSERT_EQ(val, pattern(p, round));
			sum = mix(sum, val);
		}
	return sum;
}

static void guest_code(void)
{
	uint64_t round;

	for (round = 0;; round++) {
		if (round)
			GUEST_SYNC_ARGS(1, round - 1, guest_verify(round - 1), 0, 0);
		guest_write(round);
		GUEST_SYNC_ARGS(2, round, guest_verify(round), 0, 0);
	}
}

/* The checksum the guest must return, from the formula alone. */
static uint64_t expected_sum(uint64_t round)
{
	uint64_t p, a, off, sum = round;

	for (p = 0; p < mem_size; p += PAGE_SIZE)
		sum = mix(sum, pattern(p, round));
	for (a = 0; a < nr_aliases; a++)
		for (off = 0; off < mem_size; off += PT_SPAN)
			sum = mix(sum, pattern(off + alias_page(a, round), round));
	return sum;
}

/* The same checksum over the host's view of the guest memory. */
static uint64_t host_sum(struct kvm_vm *vm, uint64_t round)
{
	uint8_t *hva = addr_gpa2hva(vm, DATA_GPA);
	uint64_t p, a, off, sum = round;

	for (p = 0; p < mem_size; p += PAGE_SIZE)
		sum = mix(sum, *(uint64_t *)(hva + p));
	for (a = 0; a < nr_aliases; a++)
		for (off = 0; off < mem_size; off += PT_SPAN)
			sum = mix(sum, *(uint64_t *)(hva + off + alias_page(a, round)));
	return sum;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static const char *name = "vm";

static void run_stage(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint64_t stage,
		      uint64_t round)
{
	uint64_t want, host;
	struct ucall uc;

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
	TEST_ASSERT(uc.args[1] == stage && uc.args[2] == round,
		    "%s: expected stage %lu round %lu, got stage %lu round %lu",
		    name, stage, round, uc.args[1], uc.args[2]);
	want = expected_sum(round);
	host = host_sum(vm, round);
	if (uc.args[3] != want || host != want) {
		printf("MISMATCH %s round=%lu stage=%lu guest=%#lx host=%#lx expected=%#lx\n",
		       name, round, stage, uc.args[3], host, want);
		fflush(stdout);
		exit(1);
	}
}

int main(int argc, char *argv[])
{
	uint64_t nr_pages, nr_pts, extra, round, a, t0, before;
	unsigned int interval = 10;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	sigset_t sigs;
	int opt, sig;

	while ((opt = getopt(argc, argv, "m:a:i:n:")) != -1) {
		switch (opt) {
		case 'm':
			mem_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'a':
			nr_aliases = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			name = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-m MiB] [-a aliases] [-i secs] [-n name]\n",
				argv[0]);
			exit(2);
		}
	}
	TEST_ASSERT(mem_size && !(mem_size % PT_SPAN) && nr_aliases && interval,
		    "-m must be a multiple of 2, -a and -i above 0");
	TEST_REQUIRE(!kvm_is_tdp_enabled());

	/* Signals are taken synchronously, never in the middle of KVM_RUN. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	nr_pages = mem_size / PAGE_SIZE;
	nr_pts = nr_pages / PAGES_PER_PT;
	/*
	 * Memslot 0 holds the guest page tables of every alias; the library
	 * sizes it for the page tables of extra_mem_pages (extra / 256), so
	 * pass every aliased page, as x86_64/mmu_reclaim_test does.
	 */
	extra = nr_aliases * nr_pages;
	vm = __vm_create_with_one_vcpu(&vcpu, extra, guest_code);
	/* Room for every shadow page the guest makes, and then some. */
	vm_ioctl(vm, KVM_SET_NR_MMU_PAGES, (void *)(2 * nr_aliases * (nr_pts + 8) + 1024));
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT,
				    nr_pages, 0);
	for (a = 0; a < nr_aliases; a++)
		virt_map(vm, DATA_GVA + a * mem_size, DATA_GPA, nr_pages);
	sync_global_to_guest(vm, mem_size);
	sync_global_to_guest(vm, nr_aliases);

	t0 = now_ms();
	run_stage(vm, vcpu, 2, 0);
	printf("READY %d %d shadow=%lu cache=%lu ms=%lu\n", getpid(), vm->fd,
	       vm_get_stat(vm, "mmu_shadow_pages"), vm_get_stat(vm, "mmu_cache_pages"),
	       now_ms() - t0);
	fflush(stdout);

	for (round = 1;; round++) {
		struct timespec tmo = { .tv_sec = interval };

		sig = sigtimedwait(&sigs, NULL, &tmo);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		t0 = now_ms();
		before = vm_get_stat(vm, "mmu_shadow_pages");
		run_stage(vm, vcpu, 1, round - 1);
		run_stage(vm, vcpu, 2, round);
		printf("VERIFIED %s round=%lu shadow_before=%lu shadow_after=%lu ms=%lu\n",
		       name, round, before, vm_get_stat(vm, "mmu_shadow_pages"),
		       now_ms() - t0);
		fflush(stdout);
	}
	printf("DONE %s rounds=%lu\n", name, round - 1);
	fflush(stdout);
	kvm_vm_free(vm);
	return 0;
}
