/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How long one planning round takes for N VMs, and what it allocates.
 * Prints figures; asserts nothing (speed targets are not tests). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "planner.h"

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[]) {
        size_t sizes[] = { 10, 100, 1000, 10000, 50000 };
        Policy policies[4];

        for (int i = 0; i < 4; i++) {
                policy_init_defaults(&policies[i]);
                policies[i].cgroup = (char *) "/";
                policies[i].weight = 50 * (i + 1);
                policies[i].min_pages = 100 * i;
        }
        printf("%8s %12s %14s %12s %12s %10s\n", "VMs", "plan (us)", "pressure (us)", "caps (us)", "steps",
               "plan KiB");
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                size_t n = sizes[s];
                PlannerVm *vms = calloc(n, sizeof(*vms));
                char (*ids)[32] = calloc(n, 32);
                int reps = n >= 10000 ? 5 : 50;
                double t0, t_plan, t_caps, t_pressure;
                struct mallinfo2 before, after;
                Plan p = {};

                srand(42);
                for (size_t i = 0; i < n; i++) {
                        snprintf(ids[i], 32, "%zu-%d", 1000 + i, 10);
                        vms[i] = (PlannerVm) {
                                .id = ids[i],
                                .cgroup = "/machine.slice",
                                .shadow_pages = (uint64_t) (rand() % 50000),
                                .cache_pages = (uint64_t) (rand() % 200),
                                .policy = &policies[i % 4],
                        };
                }
                before = mallinfo2();
                t0 = now();
                for (int r = 0; r < reps; r++) {
                        plan_done(&p);
                        planner_plan(vms, n, &(PlanRequest) { .goal_pages = n * 100, .round_cap = n * 100,
                                                              .zap_max = 65536 }, &p);
                }
                t_plan = (now() - t0) / reps;
                after = mallinfo2();
                size_t steps = p.n_steps;
                plan_done(&p);
                /* A pressure round: StepPages=4096, batches, at most 16 VMs. */
                t0 = now();
                for (int r = 0; r < reps; r++) {
                        planner_plan(vms, n, &(PlanRequest) { .goal_pages = 4096, .round_cap = 4096,
                                                              .zap_max = 65536, .batch_pages = 64, .max_vms = 16 },
                                     &p);
                        plan_done(&p);
                }
                t_pressure = (now() - t0) / reps;
                t0 = now();
                for (int r = 0; r < reps; r++) {
                        planner_enforce_caps(vms, n, 65536, &p);
                        plan_done(&p);
                }
                t_caps = (now() - t0) / reps;
                printf("%8zu %12.1f %14.1f %12.1f %12zu %10zu\n", n, t_plan * 1e6, t_pressure * 1e6, t_caps * 1e6, steps,
                       (after.uordblks > before.uordblks ? after.uordblks - before.uordblks : 0) / 1024);
                free(vms);
                free(ids);
        }
        (void) argc;
        (void) argv;
        return 0;
}
