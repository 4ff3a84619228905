/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reaction: from a PSI wake-up to the last mmu_reclaim write of the round
 * that answers it, with the daemon's own code in-process (the manager, its
 * host trigger, the rounds, the worker), against the fake kernel mounted
 * at KVM_DIR.  The trigger is fired with pressure_watch_fire(), i.e. the
 * handler runs as after a real wake-up with a whole window stalled (a
 * round of StepPages=); the epoll wake-up itself is not in the figure.
 * Events come back to back: the harness clears the trigger's "one round
 * per window" mark before each (a real host gets at most one a window).
 *
 *   reaction-bench KVM_DIR VMS EVENTS WORK_DIR
 *
 * Prints one line: VMs, events, wake-up to the first write (counting and
 * planning) p50/p99, reaction p50/p99/max (to the last write), to the end
 * of the round (bookkeeping and the recount after it included) p50/p99,
 * all in µs; CPU per event (µs, both threads), kernel writes per event;
 * then, measured apart before the events, a full recount and a host
 * round's plan (µs).
 * Figures only; asserts nothing (bench/README.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"
#include "pressure.h"

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *sorted, size_t n, double p) {
        size_t i = (size_t) (p * (double) (n - 1) + 0.5);
        return n ? sorted[i < n ? i : n - 1] : 0;
}

static uint64_t cpu_usec(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
               (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -EIO;
}

static size_t log_lines(const char *kvm_dir) {
        char path[4096], buf[65536];
        size_t lines = 0;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/.fake_log", kvm_dir);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < n; i++)
                        lines += buf[i] == '\n';
        close(fd);
        return lines;
}

int main(int argc, char *argv[]) {
        const char *kvm_dir, *work;
        size_t n_vms, events, writes0;
        char conf[4096], path[4096], cdir[4096], rdir[4096], sdir[4096], none[4096];
        uint64_t *reaction, *done, *decision, cpu0, recount_usec, plan_usec;
        Manager *m = NULL;
        Trigger *host = NULL;
        int r;

        if (argc != 5 || strtoul(argv[3], NULL, 10) == 0) {
                fprintf(stderr, "usage: %s KVM_DIR VMS EVENTS WORK_DIR\n", argv[0]);
                return 2;
        }
        kvm_dir = argv[1];
        n_vms = strtoul(argv[2], NULL, 10);
        events = strtoul(argv[3], NULL, 10);
        work = argv[4];
        reaction = calloc(events, sizeof(uint64_t));
        done = calloc(events, sizeof(uint64_t));
        decision = calloc(events, sizeof(uint64_t));
        if (!reaction || !done || !decision)
                return 1;

        /* VMs of 200,000 shadow pages, 1000 of them hot (the fake's
         * regrowth model): the rest is cold once zap-cold aged it. */
        for (size_t i = 0; i < n_vms; i++) {
                snprintf(path, sizeof(path), "%s/%zu-10", kvm_dir, 1000000 + i);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return fprintf(stderr, "mkdir %s: %m\n", path), 1;
                snprintf(path, sizeof(path), "%s/%zu-10/.fake_state", kvm_dir, 1000000 + i);
                if (write_file(path, "shadow=200000 cache=64 vcpus=2 hot=1000 regrow=0") < 0)
                        return fprintf(stderr, "%s: %m\n", path), 1;
        }

        snprintf(conf, sizeof(conf), "%s/main.conf", work);
        snprintf(path, sizeof(path),
                 "[Daemon]\nDebugfsDir=%s\nDisableKernelShrinker=no\nStepPages=4096\nPressureWindow=2s\n"
                 "SystemPressureThreshold=1900ms\n", kvm_dir);
        snprintf(cdir, sizeof(cdir), "%s/conf.d", work);
        snprintf(rdir, sizeof(rdir), "%s/run.d", work);
        snprintf(sdir, sizeof(sdir), "%s/state", work);
        snprintf(none, sizeof(none), "%s/no-shrinker-param", work);
        (void) mkdir(cdir, 0755);
        (void) mkdir(rdir, 0755);
        if (write_file(conf, path) < 0)
                return fprintf(stderr, "%s: %m\n", conf), 1;

        log_set_max_level(LOG_WARNING);
        r = manager_new(&(ManagerOptions) {
                                .config_file = conf,
                                .conf_dir = cdir,
                                .runtime_conf_dir = rdir,
                                .debugfs_dir = kvm_dir,
                                .shrinker_param = none,
                                .state_dir = sdir,
                                .bus_mode = BUS_NONE,
                        },
                        &m);
        if (r < 0)
                return fprintf(stderr, "manager_new: %s\n", strerror(-r)), 1;
        r = manager_start(m);
        if (r < 0)
                return fprintf(stderr, "manager_start: %s\n", strerror(-r)), 1;
        for (size_t i = 0; i < m->n_triggers; i++)
                if (strcmp(m->triggers[i].scope, "host") == 0)
                        host = &m->triggers[i];
        if (!host)
                return fprintf(stderr, "no host PSI trigger (/proc/pressure/memory)\n"), 77;
        if (m->vms.n != n_vms)
                return fprintf(stderr, "the daemon sees %zu VMs of %zu\n", m->vms.n, n_vms), 1;

        /* Where a round's own time goes, outside the rounds: a full
         * recount, and a host round's plan (written nowhere). */
        {
                uint64_t t = 0, p = 0;

                for (int i = 0; i < 10; i++) {
                        struct timespec a, b, c;
                        RoundPlan rp = {};

                        clock_gettime(CLOCK_MONOTONIC, &a);
                        (void) manager_recount(m);
                        clock_gettime(CLOCK_MONOTONIC, &b);
                        (void) reclaim_plan(m, m->config,
                                            &(ReclaimRequest) { .kind = ROUND_PRESSURE, .goal = 4096,
                                                                .reason = "pressure:host" },
                                            &rp);
                        clock_gettime(CLOCK_MONOTONIC, &c);
                        round_plan_done(&rp);
                        t += (uint64_t) ((int64_t) (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
                        p += (uint64_t) ((int64_t) (c.tv_sec - b.tv_sec) * 1000000 + (c.tv_nsec - b.tv_nsec) / 1000);
                }
                recount_usec = t / 10;
                plan_usec = p / 10;
        }
        writes0 = log_lines(kvm_dir);
        cpu0 = cpu_usec();
        for (size_t e = 0; e < events; e++) {
                uint64_t before = m->pressure_rounds_done, window = pressure_watch_window(host->watch);
                struct timespec t0, t1;

                host->last_round_usec = 0;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                pressure_watch_fire(host->watch, window, window);
                while (m->pressure_rounds_done == before) {
                        r = sd_event_run(m->event, 5 * USEC_PER_SEC);
                        if (r < 0)
                                return fprintf(stderr, "sd_event_run: %s\n", strerror(-r)), 1;
                }
                clock_gettime(CLOCK_MONOTONIC, &t1);
                reaction[e] = m->last_event_reaction_usec;
                decision[e] = m->last_event_decision_usec;
                done[e] = (uint64_t) ((int64_t) (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
        }
        uint64_t cpu = cpu_usec() - cpu0;
        size_t writes = log_lines(kvm_dir) - writes0;

        qsort(reaction, events, sizeof(uint64_t), cmp_u64);
        qsort(done, events, sizeof(uint64_t), cmp_u64);
        qsort(decision, events, sizeof(uint64_t), cmp_u64);
        printf("%zu %zu %llu %llu %llu %llu %llu %llu %llu %llu %.1f %llu %llu\n", n_vms, events,
               (unsigned long long) pct(decision, events, 0.50), (unsigned long long) pct(decision, events, 0.99),
               (unsigned long long) pct(reaction, events, 0.50), (unsigned long long) pct(reaction, events, 0.99),
               (unsigned long long) pct(reaction, events, 1.0), (unsigned long long) pct(done, events, 0.50),
               (unsigned long long) pct(done, events, 0.99), (unsigned long long) (cpu / events),
               (double) writes / (double) events, (unsigned long long) recount_usec, (unsigned long long) plan_usec);
        manager_free(m);
        for (size_t i = 0; i < n_vms; i++) {
                snprintf(path, sizeof(path), "%s/%zu-10", kvm_dir, 1000000 + i);
                (void) rmdir(path);
        }
        free(reaction);
        free(done);
        free(decision);
        return 0;
}
