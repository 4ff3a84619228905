/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakelog.h - the in-memory log behind <mnt>/.fake_log: one line per write
 * to any mmu_reclaim, accepted or not, in the order they completed:
 *
 *   <vm> <command> -> <result>        e.g. "100-1 zap 5 -> caches_freed=0
 *                                           zapped=5 busy_vcpus=0"
 *   <vm> <command> -> -<ERRNO>        e.g. "100-1 zap 0 -> -EINVAL"
 *
 * The command loses one trailing newline; other bytes outside printable
 * ASCII, and backslash, are written as \xHH so one write is one line.
 *
 * Append-only, so offsets a reader got stay valid.  Not thread safe: the
 * caller holds the global lock.
 */
#ifndef FAKEKVM_FAKELOG_H
#define FAKEKVM_FAKELOG_H

#include <stddef.h>
#include <sys/types.h>

struct fakelog {
	char *buf;
	size_t len;
	size_t cap;
	unsigned long long lines;
};

void fakelog_init(struct fakelog *log);
void fakelog_destroy(struct fakelog *log);

/* result: the text after "-> " without newline.  -ENOMEM on failure. */
int fakelog_append(struct fakelog *log, const char *vm, const char *cmd,
		   size_t cmd_len, const char *result);

/* Copy up to size bytes from offset into dst; returns the count. */
size_t fakelog_read(const struct fakelog *log, char *dst, size_t size,
		    off_t offset);

#endif /* FAKEKVM_FAKELOG_H */
