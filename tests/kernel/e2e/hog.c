// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * hog MiB - anonymous-memory hog for the kernel end-to-end test: maps MiB
 * of anonymous memory and writes every page over and over, forever.  Run
 * in a cgroup whose memory.max it exceeds, with swap, it keeps the cgroup
 * reclaiming and swapping: real memory pressure (PSI).  Prints
 * "HOG <pid> <MiB>" once everything was touched the first time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 128, len = mib << 20, p;
	uint64_t x = 0x9e3779b97f4a7c15ULL, pass;
	uint8_t *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (pass = 0;; pass++) {
		for (p = 0; p < len; p += 4096) {
			/* A few random words per page: not same-filled for zram. */
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			((uint64_t *)(mem + p))[0] = x;
			((uint64_t *)(mem + p))[(x >> 3) & 511] = x + pass;
		}
		if (pass == 0) {
			printf("HOG %d %zu\n", getpid(), mib);
			fflush(stdout);
		}
	}
}
