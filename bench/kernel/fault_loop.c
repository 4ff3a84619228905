// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault_loop - a fault-heavy guest for bench/kernel-ab.sh.
 *
 * Built against the KVM selftests library (kvm_util) of an unpatched or a
 * patched tree alike: it uses no interface of the kvm-reclaimd series.
 * -v vCPUs each own an interleaved share of a -m MiB region mapped with
 * 4 KiB pages; each of -r rounds, every vCPU writes every page of its share,
 * and then the host drops the whole region with MADV_DONTNEED, so that the
 * next round takes one fault per page through KVM's slow path again (the
 * mmu_notifier zapped the SPTEs; the pages must be allocated again).
 *
 * Output: one line per round, then
 *   FAULT_LOOP faults=<pages faulted> secs=<guest time> rate=<faults/s>
 * The first round (which also builds the page tables) is not counted.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

#define DATA_SLOT	10
#define DATA_GPA	(4ULL << 30)	/* above memslot 0 */
#define DATA_GVA	DATA_GPA
#define MAX_VCPUS	8

/* Shared with the guest (sync_global_to_guest). */
static uint64_t mem_size = 128ULL << 20;
static uint64_t nr_vcpus = 2;

static void guest_code(uint64_t idx)
{
	uint64_t round, p;

	for (round = 1;; round++) {
		for (p = idx * PAGE_SIZE; p < mem_size; p += nr_vcpus * PAGE_SIZE)
			WRITE_ONCE(*(uint64_t *)(DATA_GVA + p), round ^ p);
		GUEST_SYNC(round);
	}
}

static void *vcpu_round(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	pthread_t threads[MAX_VCPUS];
	uint64_t nr_pages, rounds = 5, r, faults = 0;
	double t0, secs = 0, dt;
	struct kvm_vm *vm;
	void *hva;
	int opt, i;

	while ((opt = getopt(argc, argv, "m:v:r:")) != -1) {
		switch (opt) {
		case 'm':
			mem_size = (uint64_t)atoi_positive("MiB", optarg) << 20;
			break;
		case 'v':
			nr_vcpus = atoi_positive("vCPUs", optarg);
			break;
		case 'r':
			rounds = atoi_positive("Rounds", optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-m MiB] [-v vcpus] [-r rounds]\n",
				argv[0]);
			exit(2);
		}
	}
	TEST_ASSERT(nr_vcpus <= MAX_VCPUS, "At most %d vCPUs", MAX_VCPUS);

	nr_pages = mem_size / PAGE_SIZE;
	vm = __vm_create_with_vcpus(VM_SHAPE_DEFAULT, nr_vcpus, nr_pages,
				    guest_code, vcpus);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA,
				    DATA_SLOT, nr_pages, 0);
	virt_map(vm, DATA_GVA, DATA_GPA, nr_pages);
	hva = addr_gpa2hva(vm, DATA_GPA);
	sync_global_to_guest(vm, mem_size);
	sync_global_to_guest(vm, nr_vcpus);
	for (i = 0; i < nr_vcpus; i++)
		vcpu_args_set(vcpus[i], 1, i);

	for (r = 0; r <= rounds; r++) {
		t0 = now_s();
		for (i = 0; i < nr_vcpus; i++)
			pthread_create(&threads[i], NULL, vcpu_round, vcpus[i]);
		for (i = 0; i < nr_vcpus; i++)
			pthread_join(threads[i], NULL);
		dt = now_s() - t0;
		printf("round %lu: %lu faults in %.3f s\n", r, nr_pages, dt);
		if (r) {
			faults += nr_pages;
			secs += dt;
		}
		TEST_ASSERT(!madvise(hva, mem_size, MADV_DONTNEED),
			    "MADV_DONTNEED failed");
	}
	printf("FAULT_LOOP faults=%lu secs=%.3f rate=%.0f\n", faults, secs,
	       faults / secs);
	kvm_vm_free(vm);
	return 0;
}
