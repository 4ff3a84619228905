/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekvm-bench.c - time what the daemon does to <debugfs>/kvm, against a
 * mounted fakekvm, with N VMs.  Run by bench/fakekvm-scale.sh.
 *
 *   fakekvm-bench MOUNTPOINT [N]
 *
 * Each phase is timed on its own, with the same system calls the daemon
 * makes (open, read, close for every value; one write per command), so
 * the figures are the cost of FUSE round trips and of fakekvm, not of a
 * shell forking.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvm-reclaim.h"

#define STATE "vcpus=4 cache=64 shadow=2048\n"
#define ZAP "zap 64\n"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, long n, double secs)
{
	printf("%-44s %8.3f s  %9.1f us/op  %9.0f ops/s\n", what, secs,
	       secs * 1e6 / (double)n, (double)n / secs);
}

static void vm_path(char *buf, size_t size, const char *mnt, long i,
		    const char *file)
{
	snprintf(buf, size, "%s/%ld-%ld%s%s", mnt, 100000 + i, 10 + i % 50,
		 file ? "/" : "", file ? file : "");
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

static long long read_value(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

static int die(const char *what, const char *path, int err)
{
	fprintf(stderr, "fakekvm-bench: %s %s: %s\n", what, path,
		strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	char path[4096];
	const char *mnt;
	long n = 10000, entries = 0;
	long long shadow = 0, cache = 0;
	double t0;
	DIR *dir;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fakekvm-bench MOUNTPOINT [N]\n");
		return 2;
	}
	mnt = argv[1];
	if (argc == 3)
		n = strtol(argv[2], NULL, 10);
	if (n <= 0)
		return 2;

	t0 = now_s();
	for (long i = 0; i < n; i++) {
		vm_path(path, sizeof(path), mnt, i, NULL);
		if (mkdir(path, 0755))
			return die("mkdir", path, errno);
	}
	report("create VMs (mkdir)", n, now_s() - t0);

	t0 = now_s();
	for (long i = 0; i < n; i++) {
		vm_path(path, sizeof(path), mnt, i, ".fake_state");
		if ((err = write_file(path, STATE)))
			return die("write", path, -err);
	}
	report("set their state (.fake_state)", n, now_s() - t0);

	t0 = now_s();
	dir = opendir(mnt);
	if (!dir)
		return die("opendir", mnt, errno);
	while (readdir(dir))
		entries++;
	closedir(dir);
	report("one readdir of the root (per entry)", entries, now_s() - t0);
	printf("%-44s %8ld\n", "  entries seen", entries);

	/* First pass looks every file up; the daemon's later polls do not. */
	for (int pass = 0; pass < 2; pass++) {
		shadow = cache = 0;
		t0 = now_s();
		for (long i = 0; i < n; i++) {
			vm_path(path, sizeof(path), mnt, i,
				KVM_RECLAIM_FILE_SHADOW_PAGES);
			shadow += read_value(path);
			vm_path(path, sizeof(path), mnt, i,
				KVM_RECLAIM_FILE_CACHE_PAGES);
			cache += read_value(path);
		}
		report(pass ? "read both counters again (dentries cached)" :
			      "read both counters (open/read/close x2)",
		       n, now_s() - t0);
	}
	printf("%-44s %8lld / %lld\n", "  sum shadow / cache", shadow, cache);

	t0 = now_s();
	for (long i = 0; i < n; i++) {
		vm_path(path, sizeof(path), mnt, i, KVM_RECLAIM_FILE_RECLAIM);
		if ((err = write_file(path, i % 2 ? ZAP : "caches\n")))
			return die("write", path, -err);
	}
	report("reclaim writes (open/write/close)", n, now_s() - t0);

	shadow = 0;
	for (long i = 0; i < n; i++) {
		vm_path(path, sizeof(path), mnt, i,
			KVM_RECLAIM_FILE_SHADOW_PAGES);
		shadow += read_value(path);
	}
	printf("%-44s %8lld (expected %lld)\n", "  sum shadow after", shadow,
	       2048LL * n - 64LL * (n / 2));

	t0 = now_s();
	for (long i = 0; i < n; i++) {
		vm_path(path, sizeof(path), mnt, i, NULL);
		if (rmdir(path))
			return die("rmdir", path, errno);
	}
	report("remove VMs (rmdir)", n, now_s() - t0);
	return 0;
}
