/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekvm-probe.c - one system call sequence per run, for shell tests of
 * fakekvm (and of anything that should look like <debugfs>/kvm).
 *
 * The shell cannot tell which errno a write failed with, cannot pread,
 * and cannot watch inotify without extra tools; this does, and prints a
 * result that a test compares as a string:
 *
 *   fakekvm-probe write FILE DATA        one open, one write(), close
 *                                        -> "ok <bytes>" | "<ERRNO>"
 *   fakekvm-probe write-read FILE DATA   O_RDWR, write, then read on the
 *                                        same fd -> "ok <text read>"
 *   fakekvm-probe timed-write FILE DATA  like write, then " <ms>"
 *   fakekvm-probe writers FILE CMD1 CMD2 two fds write CMD1 and CMD2, each
 *                                        reads back; a third fd that never
 *                                        wrote reads; fd 1 writes CMD2 and
 *                                        reads again -> "ok 1=<> 2=<> 3=<>
 *                                        again=<>"
 *   fakekvm-probe read FILE [CHUNK]      read to EOF in CHUNK-byte reads
 *                                        -> "ok <text>" | "<ERRNO>"
 *   fakekvm-probe pread FILE OFFSET      -> "ok <text>" | "<ERRNO>"
 *   fakekvm-probe lseek FILE OFFSET      -> "ok <pos>" | "<ERRNO>"
 *   fakekvm-probe open FILE FLAGS        FLAGS r|w|rw -> "ok" | "<ERRNO>"
 *   fakekvm-probe held-read FILE DIR     open FILE, rmdir DIR, read FILE
 *                                        -> "rmdir=<ok|ERRNO> read=<...>"
 *   fakekvm-probe inotify DIR CMD ARG... watch DIR, run CMD, print every
 *                                        event "<MASK> <name>" per line
 *   fakekvm-probe mkdir|rmdir|unlink|create PATH   -> "ok" | "<ERRNO>"
 *   fakekvm-probe rename OLD NEW                   -> "ok" | "<ERRNO>"
 *
 * DATA takes C escapes: \n \t \0 \\ \xHH.  Text printed is escaped the
 * same way, so a newline shows as \n.  Exit status: 0 when the call
 * succeeded, 1 when it failed (the errno is printed), 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: fakekvm-probe write|write-read|timed-write "
			"FILE DATA | writers FILE CMD1 CMD2 | read FILE [CHUNK] | pread|lseek FILE "
			"OFFSET | open FILE r|w|rw | held-read FILE DIR | "
			"inotify DIR CMD [ARG...] | mkdir|rmdir|unlink|create PATH | "
			"rename OLD NEW\n");
	return 2;
}

static const char *err_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "EUNKNOWN";
}

static int fail(int err)
{
	printf("%s\n", err_name(err));
	return 1;
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			out[n++] = '\n';
			s++;
			break;
		case 't':
			out[n++] = '\t';
			s++;
			break;
		case '0':
			out[n++] = '\0';
			s++;
			break;
		case 'x': {
			char hex[3] = { 0 };

			strncpy(hex, s + 1, 2);
			out[n++] = (char)strtoul(hex, NULL, 16);
			s += 1 + strlen(hex);
			break;
		}
		default:
			out[n++] = *s++;
			break;
		}
	}
	return n;
}

static void print_escaped_to(FILE *f, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void print_escaped(const char *buf, size_t len)
{
	print_escaped_to(stdout, buf, len);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int do_write(const char *file, const char *data, int mode)
{
	char *buf = malloc(strlen(data) + 1);
	size_t len = unescape(data, buf);
	int fd = open(file, mode == 1 ? O_RDWR : O_WRONLY);
	double t0 = now_ms();
	ssize_t n;
	int err;

	if (fd < 0)
		return fail(errno);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0) {
		close(fd);
		free(buf);
		if (mode == 2) {
			printf("%s %.0f\n", err_name(err), now_ms() - t0);
			return 1;
		}
		return fail(err);
	}
	if (mode == 1) {
		char rbuf[4096];
		ssize_t r = read(fd, rbuf, sizeof(rbuf));

		if (r < 0) {
			close(fd);
			free(buf);
			return fail(errno);
		}
		fputs("ok ", stdout);
		print_escaped(rbuf, (size_t)r);
		putchar('\n');
	} else if (mode == 2) {
		printf("ok %zd %.0f\n", n, now_ms() - t0);
	} else {
		printf("ok %zd\n", n);
	}
	close(fd);
	free(buf);
	return 0;
}

static int do_read(const char *file, size_t chunk)
{
	char buf[65536];
	size_t len = 0;
	int fd = open(file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fail(errno);
	if (chunk == 0 || chunk > sizeof(buf))
		chunk = sizeof(buf);
	while (len < sizeof(buf)) {
		size_t want = sizeof(buf) - len < chunk ? sizeof(buf) - len :
							  chunk;

		n = read(fd, buf + len, want);
		if (n < 0) {
			close(fd);
			return fail(errno);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	fputs("ok ", stdout);
	print_escaped(buf, len);
	putchar('\n');
	return 0;
}

static int do_pread(const char *file, off_t off)
{
	char buf[4096];
	int fd = open(file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fail(errno);
	n = pread(fd, buf, sizeof(buf), off);
	if (n < 0) {
		close(fd);
		return fail(errno);
	}
	close(fd);
	fputs("ok ", stdout);
	print_escaped(buf, (size_t)n);
	putchar('\n');
	return 0;
}

static int do_lseek(const char *file, off_t off)
{
	int fd = open(file, O_RDONLY);
	off_t pos;

	if (fd < 0)
		return fail(errno);
	pos = lseek(fd, off, SEEK_SET);
	if (pos < 0) {
		close(fd);
		return fail(errno);
	}
	close(fd);
	printf("ok %lld\n", (long long)pos);
	return 0;
}

static int do_open(const char *file, const char *how)
{
	int flags = !strcmp(how, "w")	 ? O_WRONLY :
		    !strcmp(how, "rw") ? O_RDWR :
					 O_RDONLY;
	int fd = open(file, flags);

	if (fd < 0)
		return fail(errno);
	close(fd);
	printf("ok\n");
	return 0;
}

static int do_held_read(const char *file, const char *dir)
{
	char buf[4096];
	int fd = open(file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fail(errno);
	printf("rmdir=%s ", rmdir(dir) ? err_name(errno) : "ok");
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		printf("read=%s\n", err_name(errno));
		close(fd);
		return 1;
	}
	fputs("read=", stdout);
	print_escaped(buf, (size_t)n);
	putchar('\n');
	close(fd);
	return 0;
}

static void print_mask(uint32_t mask)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ IN_CREATE, "IN_CREATE" },	{ IN_DELETE, "IN_DELETE" },
		{ IN_MOVED_FROM, "IN_MOVED_FROM" }, { IN_MOVED_TO, "IN_MOVED_TO" },
		{ IN_ATTRIB, "IN_ATTRIB" },	{ IN_MODIFY, "IN_MODIFY" },
		{ IN_DELETE_SELF, "IN_DELETE_SELF" },
		{ IN_IGNORED, "IN_IGNORED" },	{ IN_UNMOUNT, "IN_UNMOUNT" },
		{ IN_ISDIR, "IN_ISDIR" },
	};
	const char *sep = "";

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (mask & bits[i].bit) {
			printf("%s%s", sep, bits[i].name);
			sep = "|";
		}
	}
	if (!*sep)
		printf("0x%x", mask);
}

/*
 * The watch is in place before CMD runs, and the VFS queues the events
 * before mkdir()/rmdir() return, so draining after CMD exits is enough.
 */
static int do_inotify(const char *dir, char **cmd)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), status;
	pid_t pid;
	ssize_t n;

	if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE |
						 IN_MOVE | IN_ATTRIB |
						 IN_MODIFY |
						 IN_DELETE_SELF) < 0)
		return fail(errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(errno);
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail(errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			print_mask(ev->mask);
			printf(" %s\n", ev->len ? ev->name : "");
			p += sizeof(*ev) + ev->len;
		}
	}
	close(fd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int do_path_op(const char *op, const char *path, const char *path2)
{
	int ret, fd;

	if (!strcmp(op, "mkdir")) {
		ret = mkdir(path, 0755);
	} else if (!strcmp(op, "rmdir")) {
		ret = rmdir(path);
	} else if (!strcmp(op, "unlink")) {
		ret = unlink(path);
	} else if (!strcmp(op, "rename")) {
		ret = rename(path, path2);
	} else {
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		ret = fd < 0 ? -1 : close(fd);
	}
	if (ret)
		return fail(errno);
	printf("ok\n");
	return 0;
}

/* Read what fd gives now, escaped, into out (NUL-terminated). */
static int read_escaped(int fd, char *out, size_t size)
{
	char buf[512];
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	FILE *f;

	if (r < 0)
		return -errno;
	f = fmemopen(out, size, "w");
	if (!f)
		return -ENOMEM;
	print_escaped_to(f, buf, (size_t)r);
	fclose(f);
	return 0;
}

static int do_writers(const char *file, const char *cmd1, const char *cmd2)
{
	char c1[256], c2[256], r[4][256];
	size_t l1 = unescape(cmd1, c1), l2 = unescape(cmd2, c2);
	int fd[3], err = 0;

	for (int i = 0; i < 3; i++) {
		fd[i] = open(file, O_RDWR);
		if (fd[i] < 0)
			return fail(errno);
	}
	if (write(fd[0], c1, l1) != (ssize_t)l1 ||
	    write(fd[1], c2, l2) != (ssize_t)l2)
		err = errno;
	if (!err)
		err = -read_escaped(fd[0], r[0], sizeof(r[0]));
	if (!err)
		err = -read_escaped(fd[1], r[1], sizeof(r[1]));
	if (!err)
		err = -read_escaped(fd[2], r[2], sizeof(r[2]));
	if (!err && write(fd[0], c2, l2) != (ssize_t)l2)
		err = errno;
	if (!err)
		err = -read_escaped(fd[0], r[3], sizeof(r[3]));
	for (int i = 0; i < 3; i++)
		close(fd[i]);
	if (err)
		return fail(err);
	printf("ok 1=%s 2=%s 3=%s again=%s\n", r[0], r[1], r[2], r[3]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "write") && argc == 4)
		return do_write(argv[2], argv[3], 0);
	if (!strcmp(argv[1], "write-read") && argc == 4)
		return do_write(argv[2], argv[3], 1);
	if (!strcmp(argv[1], "writers") && argc == 5)
		return do_writers(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "timed-write") && argc == 4)
		return do_write(argv[2], argv[3], 2);
	if (!strcmp(argv[1], "read") && (argc == 3 || argc == 4))
		return do_read(argv[2], argc == 4 ? strtoul(argv[3], NULL, 10) : 0);
	if (!strcmp(argv[1], "pread") && argc == 4)
		return do_pread(argv[2], strtoll(argv[3], NULL, 10));
	if (!strcmp(argv[1], "lseek") && argc == 4)
		return do_lseek(argv[2], strtoll(argv[3], NULL, 10));
	if (!strcmp(argv[1], "open") && argc == 4)
		return do_open(argv[2], argv[3]);
	if (!strcmp(argv[1], "held-read") && argc == 4)
		return do_held_read(argv[2], argv[3]);
	if ((!strcmp(argv[1], "mkdir") || !strcmp(argv[1], "rmdir") ||
	     !strcmp(argv[1], "unlink") || !strcmp(argv[1], "create")) &&
	    argc == 3)
		return do_path_op(argv[1], argv[2], NULL);
	if (!strcmp(argv[1], "rename") && argc == 4)
		return do_path_op(argv[1], argv[2], argv[3]);
	if (!strcmp(argv[1], "inotify") && argc >= 4)
		return do_inotify(argv[2], argv + 3);
	return usage();
}
