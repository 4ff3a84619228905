/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stay resident.  kvm-reclaimd is woken by memory pressure, when the host
 * has no free page left: every page the daemon then touches for the first
 * time (a heap chunk past the old top, a new arena, a fresh thread stack)
 * is a page fault that must reclaim memory first.  Seen in the fairness
 * test's guest (a hog swapping to zram): 5 such faults between the PSI
 * event and the first write took 3.6 s of system time, seven PSI windows.
 * The unit's MemoryMin= keeps the pages the daemon has; this makes sure it
 * has them before it needs them:
 *  - one malloc arena (a thread would get a fresh one of its own), never
 *    trimmed, with a reserve touched at start, so a round's allocations
 *    come from pages already there;
 *  - the main stack touched to a depth, once;
 *  - one stack for the reclaim worker, touched once and given to every
 *    round's thread (glibc would drop the pages of its own cached stacks
 *    at thread exit, MADV_DONTNEED).
 * Cost: about the reserve, the worker stack and the stack depth in RSS.
 */
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "residency.h"

#define HEAP_RESERVE    (1024 * 1024)
#define MAIN_STACK      (128 * 1024)
#define WORKER_STACK    (512 * 1024)

static void *worker_stack;      /* guard page, then WORKER_STACK bytes */

static void __attribute__((noinline)) touch_stack(void) {
        volatile char buf[MAIN_STACK];

        for (size_t i = 0; i < sizeof(buf); i += 1024)
                buf[i] = 0;
}

void residency_prepare(void) {
        void *p;

        (void) mallopt(M_ARENA_MAX, 1);
        (void) mallopt(M_TRIM_THRESHOLD, 64 * HEAP_RESERVE);
        (void) mallopt(M_MMAP_THRESHOLD, HEAP_RESERVE);
        p = malloc(HEAP_RESERVE);
        if (p) {
                memset(p, 0, HEAP_RESERVE);
                free(p);
        }
        touch_stack();
}

int residency_worker_attr(pthread_attr_t *attr) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        int r;

        (void) pthread_attr_init(attr);  /* glibc's never fails */
        if (!worker_stack) {
                void *s = mmap(NULL, WORKER_STACK + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);

                if (s == MAP_FAILED)
                        return -errno;
                /* A stack of our own has no guard page unless we make one. */
                if (mprotect(s, page, PROT_NONE) < 0) {
                        r = -errno;
                        (void) munmap(s, WORKER_STACK + page);
                        return r;
                }
                memset((char *) s + page, 0, WORKER_STACK);
                worker_stack = s;
        }
        return -pthread_attr_setstack(attr, (char *) worker_stack + page, WORKER_STACK);
}
