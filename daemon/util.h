/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))

/* Declares funcp(), for _cleanup_(funcp), beside a destructor func() that
 * takes NULL; every type with a *_free() gets one next to it. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {          \
                if (*p)                                 \
                        (void) func(*p);                \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand a pointer (or fd) out of a cleanup-guarded variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -EBADF; _fd; })

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC  1000000ULL

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return __builtin_strcmp(a, b) == 0;
}

/* Reads a small file in one go: open, read, close.  KVM's debugfs files
 * pin the VM while open and are nonseekable, so never keep them open.
 * Returns bytes read (NUL-terminated in buf) or -errno. */
/* Reads from fd until size bytes or end of file, sequentially (debugfs and
 * stat files refuse pread), retrying EINTR.  Returns the bytes read or a
 * negative errno. */
ssize_t read_full(int fd, void *buf, size_t size);
int read_small_file(const char *path, char *buf, size_t size);
int write_small_file(const char *path, const char *data);

/* Strict unsigned decimal with optional trailing newline. */
int parse_u64(const char *s, uint64_t *ret);
/* A time span as systemd.time(7) writes it: numbers with units (us, µs,
 * ms, s, min, h and their long forms), summed ("500ms", "1.5s", "1min 30s");
 * a number alone is seconds.  -EINVAL for bad syntax, -ERANGE when the
 * value does not fit 64 bits of microseconds. */
int parse_usec(const char *s, uint64_t *ret);
/* The shortest spelling parse_usec() reads back exactly: "0", "1500us",
 * "100ms", "2s", "2min", "1h". */
char *format_timespan(char *buf, size_t len, uint64_t usec);
#define TIMESPAN_MAX 32
/* Bytes, with an optional base-1024 suffix B, K, M, G, T, P or E, as
 * systemd's MemoryMax= takes them ("4096", "512K", "1.5G"). */
int parse_size(const char *s, uint64_t *ret);
/* A percentage with at most two decimals, "20%", "12.5%", "0.01%", in
 * hundredths of a percent (0..10000). */
int parse_permyriad(const char *s, uint32_t *ret);
int parse_bool(const char *s);
const char *yes_no(bool b);

/* An absolute cgroup path without "..", ".", "//" or a trailing slash
 * (except "/" itself). */
bool cgroup_path_is_valid(const char *p);
/* Is 'path' equal to 'prefix' or below it, on path component boundaries? */
bool cgroup_path_startswith(const char *path, const char *prefix);

char *strdup_or_null(const char *s);
/* A copy of 'len' bytes from outside (a VM name, a cgroup path) that is
 * safe to show, log and send over D-Bus: valid UTF-8 passes as it is; a
 * control character (a newline would forge a log line) or a byte that is
 * not part of valid UTF-8 (sd-bus refuses the whole message) becomes the
 * text "\xNN".  NULL on ENOMEM. */
char *strndup_printable(const char *s, size_t len);

/* a + b, or UINT64_MAX where that would wrap: page counts from the kernel
 * are whatever it says, and a total must not turn small. */
static inline uint64_t sat_add_u64(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
/* Writes 'data' to 'path' atomically: temp file, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const char *data);
