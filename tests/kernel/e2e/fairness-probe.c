// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fairness-probe - the kernel's own account of one run of the fairness
 * comparison (tests/kernel/e2e-fairness.sh), independent of kvm-reclaimd.
 *
 *   fairness-probe -p PRESSURE_FILE -t THRESHOLD_US -w WINDOW_US \
 *                  -i INTERVAL_MS -k KVM_DEBUGFS_DIR [-l LOG] [-r] [-P PID] ID...
 *
 * Arms a PSI trigger ("some THRESHOLD WINDOW") on PRESSURE_FILE, the same
 * trigger kvm-reclaimd arms, and samples every INTERVAL_MS the counters of
 * the VMs ID... (<pid>-<fd>): mmu_vms (one read: shadow pages, TDP pages,
 * cache pages, bytes) and each VM's mmu_shadow_zapped and mmu_cache_miss
 * (KVM's stats: shadow pages zapped for any reason, and created).  With
 * -l, it also reads LOG (a FIFO the daemon writes its log into) and stamps
 * each line with the same clock, so that the daemon's rounds and the
 * kernel's counts line up.  With -r it runs SCHED_FIFO with its memory
 * locked: an instrument that the pressure it measures must not delay (it
 * sleeps in poll() between samples).  With -P, each sample also looks at
 * process PID (the daemon's event loop): whether it sleeps, runs or waits
 * in the kernel (e.g. reclaim), and its page faults.  Runs until SIGTERM
 * or SIGINT.  Output on
 * stdout, one line each, times in ms since the probe started
 * (CLOCK_MONOTONIC):
 *
 *   E <ms>                          a PSI event
 *   D <ms> <line>                   a line of LOG
 *   S <ms> <i> <shadow> <tdp> <cache> <bytes> <zapped> <miss>
 *                                   VM number i (0-based, order of ID...),
 *                                   printed at the start and whenever one
 *                                   of its values changed
 *   X <ms> <i>                      VM i is gone from mmu_vms
 *   P <ms> <state> <minflt> <majflt> <utime> <stime>
 *                                   PID's /proc/PID/stat, when its state
 *                                   changed
 *   END <ms> samples=<n>
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm-reclaim.h"

#define MAX_VMS 16
#define NR_VALS 6

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(uint64_t t0)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000 - t0;
}

/* Reads a whole small file: open, read, close (debugfs files pin the VM). */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Stamps and prints the complete lines of LOG read so far. */
static bool pump_log(int fd, uint64_t t0)
{
	static char buf[1 << 16];
	static size_t len;
	char *nl, *p;
	ssize_t n;

	n = read(fd, buf + len, sizeof(buf) - 1 - len);
	if (n <= 0)
		return n == 0 || (errno != EAGAIN && errno != EINTR) ? false : true;
	len += n;
	buf[len] = '\0';
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		printf("D %" PRIu64 " %s\n", now_ms(t0), p);
	}
	len -= p - buf;
	memmove(buf, p, len);
	if (len == sizeof(buf) - 1) {	/* a line longer than the buffer */
		printf("D %" PRIu64 " %s\n", now_ms(t0), buf);
		len = 0;
	}
	return true;
}

static int read_stat(const char *dir, const char *id, const char *name, uint64_t *ret)
{
	char path[512], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, id, name);
	n = slurp(path, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	*ret = strtoull(buf, NULL, 10);
	return 0;
}

/* One line of mmu_vms (KVM_RECLAIM_VMS_FMT) into vals[0..3]: shadow, tdp,
 * cache, bytes; false if it is not @id's. */
static bool parse_vms_line(const char *line, const char *id, uint64_t *vals)
{
	unsigned long long shadow, tdp, cache, bytes, max;
	char copy[512], name[512];
	size_t len = strcspn(line, "\n");

	if (len >= sizeof(copy))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, KVM_RECLAIM_VMS_FMT, name, &shadow, &tdp, &cache, &bytes, &max) != 6 ||
	    strcmp(name, id) != 0)
		return false;
	vals[0] = shadow;
	vals[1] = tdp;
	vals[2] = cache;
	vals[3] = bytes;
	return true;
}

/* The VMs being watched and what was printed of them last. */
struct probe {
	const char *kvm;
	const char **ids;
	int nr_ids;
	uint64_t t0, samples;
	uint64_t vals[MAX_VMS][NR_VALS], last[MAX_VMS][NR_VALS];
	bool seen[MAX_VMS], gone[MAX_VMS];
	char path[512];
	int pid;
	char pid_state;
};

/* The state of the watched process; prints it when it changed. */
static void sample_pid(struct probe *p, uint64_t now)
{
	unsigned long minflt, majflt, utime, stime;
	char path[64], buf[1024], *s, state;

	snprintf(path, sizeof(path), "/proc/%d/stat", p->pid);
	if (slurp(path, buf, sizeof(buf)) <= 0 || !(s = strrchr(buf, ')')))
		return;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(s + 2, "%c %*d %*d %*d %*d %*d %*u %lu %*u %lu %*u %lu %lu", &state, &minflt,
		   &majflt, &utime, &stime) != 5 || state == p->pid_state)
		return;
	p->pid_state = state;
	printf("P %" PRIu64 " %c %lu %lu %lu %lu\n", now, state, minflt, majflt, utime, stime);
}

/* One sample of every VM; prints the VMs whose values changed. */
static int sample(struct probe *p)
{
	static char buf[1 << 20];
	uint64_t now = now_ms(p->t0);
	int i;

	p->samples++;
	if (p->pid > 0)
		sample_pid(p, now);
	/* Every VM at (nearly) the same instant: mmu_vms in one read. */
	if (slurp(p->path, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "fairness-probe: %s: %s\n", p->path, strerror(errno));
		return -1;
	}
	for (i = 0; i < p->nr_ids; i++) {
		uint64_t *v = p->vals[i];
		char *line = buf;
		bool found = false;

		while (line && *line && !found) {
			found = parse_vms_line(line, p->ids[i], v);
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		if (!found) {
			if (p->seen[i] && !p->gone[i])
				printf("X %" PRIu64 " %d\n", now, i);
			p->gone[i] = true;
			continue;
		}
		if (read_stat(p->kvm, p->ids[i], "mmu_shadow_zapped", &v[4]) < 0 ||
		    read_stat(p->kvm, p->ids[i], "mmu_cache_miss", &v[5]) < 0)
			continue;	/* gone meanwhile: the next sample says */
		if (p->seen[i] && !memcmp(v, p->last[i], sizeof(p->last[i])))
			continue;
		printf("S %" PRIu64 " %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		       " %" PRIu64 "\n", now, i, v[0], v[1], v[2], v[3], v[4], v[5]);
		memcpy(p->last[i], v, sizeof(p->last[i]));
		p->seen[i] = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *pressure = "/proc/pressure/memory", *kvm = KVM_RECLAIM_DEBUGFS_DIR_DEFAULT, *log = NULL;
	uint64_t threshold_us = 50000, window_us = 500000, interval_ms = 20, next;
	struct pollfd pfd[2] = { { .fd = -1 }, { .fd = -1 } };
	struct probe p = { 0 };
	bool realtime = false;
	char trig[64];
	int opt;

	while ((opt = getopt(argc, argv, "p:t:w:i:k:l:rP:")) != -1) {
		switch (opt) {
		case 'p':
			pressure = optarg;
			break;
		case 't':
			threshold_us = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			window_us = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			interval_ms = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			kvm = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'r':
			realtime = true;
			break;
		case 'P':
			p.pid = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-p file] [-t us] [-w us] [-i ms] [-k dir] [-l log] [-r] [-P pid] ID...\n",
				argv[0]);
			return 2;
		}
	}
	p.kvm = kvm;
	p.ids = (const char **)argv + optind;
	p.nr_ids = argc - optind;
	if (p.nr_ids < 1 || p.nr_ids > MAX_VMS || !interval_ms) {
		fprintf(stderr, "fairness-probe: 1..%d VM ids and an interval above 0\n", MAX_VMS);
		return 2;
	}

	pfd[0].fd = open(pressure, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (pfd[0].fd < 0) {
		fprintf(stderr, "fairness-probe: %s: %s\n", pressure, strerror(errno));
		return 1;
	}
	snprintf(trig, sizeof(trig), "some %" PRIu64 " %" PRIu64, threshold_us, window_us);
	if (write(pfd[0].fd, trig, strlen(trig) + 1) < 0) {
		fprintf(stderr, "fairness-probe: trigger \"%s\" on %s: %s\n", trig, pressure,
			strerror(errno));
		return 1;
	}
	pfd[0].events = POLLPRI;
	/* A FIFO opened for reading without blocking: no writer yet is fine. */
	if (log) {
		pfd[1].fd = open(log, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (pfd[1].fd < 0) {
			fprintf(stderr, "fairness-probe: %s: %s\n", log, strerror(errno));
			return 1;
		}
		pfd[1].events = POLLIN;
	}

	if (realtime) {
		struct sched_param sp = { .sched_priority = 10 };

		if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0 ||
		    sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
			fprintf(stderr, "fairness-probe: -r: %s\n", strerror(errno));
			return 1;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(p.path, sizeof(p.path), "%s/%s", kvm, KVM_RECLAIM_FILE_VMS);

	p.t0 = now_ms(0);
	next = 0;
	while (!stop) {
		uint64_t now = now_ms(p.t0);
		int tmo = next > now ? (int)(next - now) : 0;

		if (poll(pfd, 2, tmo) > 0) {
			if (pfd[0].revents & POLLERR) {
				fprintf(stderr, "fairness-probe: PSI trigger error\n");
				return 1;
			}
			if (pfd[0].revents & POLLPRI)
				printf("E %" PRIu64 "\n", now_ms(p.t0));
			/*
			 * The daemon's log.  Sample first: a round's writes are
			 * over when the daemon logs its results, and the next
			 * round's start when it logs its plan, so the counts
			 * printed before a "Plan" line are those it planned
			 * from.  At the log's end (POLLHUP), stop polling it.
			 */
			if (pfd[1].revents & (POLLIN | POLLHUP)) {
				if (sample(&p) < 0)
					return 1;
				if (!pump_log(pfd[1].fd, p.t0))
					pfd[1].fd = -1;
			}
		}
		now = now_ms(p.t0);
		if (now < next)
			continue;
		next = now + interval_ms;
		if (sample(&p) < 0)
			return 1;
	}
	printf("END %" PRIu64 " samples=%" PRIu64 "\n", now_ms(p.t0), p.samples);
	return 0;
}
