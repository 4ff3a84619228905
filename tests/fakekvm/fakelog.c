/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakelog.c - the reclaim write log, see fakelog.h.
 */
#include "fakelog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Longest command text kept per line.  Commands the kernel would take are
 * at most KVM_RECLAIM_CMD_MAX_LEN; a longer rejected write is cut, marked
 * with "...", so a test writing a megabyte does not bloat the log.
 */
#define CMD_SHOWN_MAX 64

void fakelog_init(struct fakelog *log)
{
	memset(log, 0, sizeof(*log));
}

void fakelog_destroy(struct fakelog *log)
{
	free(log->buf);
	memset(log, 0, sizeof(*log));
}

static int reserve(struct fakelog *log, size_t more)
{
	size_t cap = log->cap ? log->cap : 4096;
	char *buf;

	if (log->len + more <= log->cap)
		return 0;
	while (cap < log->len + more)
		cap *= 2;
	buf = realloc(log->buf, cap);
	if (!buf)
		return -ENOMEM;
	log->buf = buf;
	log->cap = cap;
	return 0;
}

int fakelog_append(struct fakelog *log, const char *vm, const char *cmd,
		   size_t cmd_len, const char *result)
{
	/* Worst case: every command byte escaped to four. */
	char text[CMD_SHOWN_MAX * 4 + 4];
	size_t n = 0, shown;
	int len;

	if (cmd_len > 0 && cmd[cmd_len - 1] == '\n')
		cmd_len--;
	shown = cmd_len > CMD_SHOWN_MAX ? CMD_SHOWN_MAX : cmd_len;
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)cmd[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "\\x%02x", c);
		else
			text[n++] = (char)c;
	}
	if (shown < cmd_len)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "...");
	text[n] = '\0';

	len = snprintf(NULL, 0, "%s %s -> %s\n", vm, text, result);
	if (len < 0 || reserve(log, (size_t)len + 1))
		return -ENOMEM;
	snprintf(log->buf + log->len, (size_t)len + 1, "%s %s -> %s\n", vm,
		 text, result);
	log->len += (size_t)len;
	log->lines++;
	return 0;
}

size_t fakelog_read(const struct fakelog *log, char *dst, size_t size,
		    off_t offset)
{
	size_t n;

	if (offset < 0 || (size_t)offset >= log->len)
		return 0;
	n = log->len - (size_t)offset;
	if (n > size)
		n = size;
	memcpy(dst, log->buf + offset, n);
	return n;
}
