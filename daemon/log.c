/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "kvm-reclaim.h"
#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

int log_parse_level(const char *s) {
        static const char *const names[] = {
                [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (names[i] && strcmp(names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

/* systemd sets JOURNAL_STREAM=<dev>:<ino> for a service whose stdout or
 * stderr is a journal stream; only if stderr is still that very stream do
 * we talk to the journal (as systemd's own log.c decides). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

bool log_to_journal(void) {
        static int cached = -1;

        if (cached < 0)
                cached = stderr_is_journal();
        return cached;
}

#define FIELD_MAX 12

static int send_journal(int level, int error, const LogFields *f, const char *message) {
        char fields[FIELD_MAX][1024];
        struct iovec iov[FIELD_MAX];
        size_t n = 0;

#define ADD(...)                                                                        \
        do {                                                                            \
                snprintf(fields[n], sizeof(fields[n]), __VA_ARGS__);                    \
                iov[n] = (struct iovec) { .iov_base = fields[n], .iov_len = strlen(fields[n]) }; \
                n++;                                                                    \
        } while (0)

        ADD("PRIORITY=%d", level);
        ADD("SYSLOG_IDENTIFIER=kvm-reclaimd");
        if (error != 0)
                ADD("ERRNO=%d", error);
        if (f && f->message_id)
                ADD("MESSAGE_ID=%s", f->message_id);
        if (f && f->vm)
                ADD("VM=%s", f->vm);
        if (f && f->cgroup)
                ADD("CGROUP=%s", f->cgroup);
        if (f && f->reason)
                ADD("REASON=%s", f->reason);
        if (f && f->has_pages) {
                ADD("PAGES=%llu", (unsigned long long) f->pages);
                ADD("BYTES=%llu", (unsigned long long) f->pages * KVM_RECLAIM_PAGE_SIZE);
        }
#undef ADD
        {
                /* The message may be long: its own buffer, not a slot. */
                size_t len = strlen(message);
                char *m = malloc(sizeof("MESSAGE=") - 1 + len);
                int r;

                if (!m)
                        return -ENOMEM;
                memcpy(m, "MESSAGE=", sizeof("MESSAGE=") - 1);
                memcpy(m + sizeof("MESSAGE=") - 1, message, len);
                iov[n++] = (struct iovec) { .iov_base = m, .iov_len = sizeof("MESSAGE=") - 1 + len };
                r = sd_journal_sendv(iov, (int) n);
                free(m);
                return r;
        }
}

int log_internal(int level, int error, const LogFields *fields, const char *fmt, ...) {
        int saved_errno = errno;
        int e = error < 0 ? -error : error;

        if (level <= max_level) {
                char buf[2048];
                va_list ap;

                /* %m in fmt must print the error we were given, not a stale errno. */
                errno = e;
                va_start(ap, fmt);
                vsnprintf(buf, sizeof(buf), fmt, ap);
                va_end(ap);

                if (!log_to_journal() || send_journal(level, e, fields, buf) < 0)
                        fprintf(stderr, "%s\n", buf);
        }
        errno = saved_errno;
        return -e;
}
