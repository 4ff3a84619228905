/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

ssize_t read_full(int fd, void *buf, size_t size) {
        size_t n = 0;

        while (n < size) {
                ssize_t k = read(fd, (char *) buf + n, size - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        return (ssize_t) n;
}

int read_small_file(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read_full(fd, buf, size - 1);
        if (n < 0)
                return (int) n;
        buf[n] = 0;
        return (int) n;
}

int write_small_file(const char *path, const char *data) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(data);
        ssize_t k;

        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* One write() is one command for kernel trigger files. */
        k = write(fd, data, len);
        if (k < 0)
                return -errno;
        if ((size_t) k != len)
                return -EIO;
        return 0;
}

int parse_u64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end == '\n')
                end++;
        if (*end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static const struct {
        const char *suffix;
        uint64_t usec;
} time_units[] = {
        /* Longest first where one is a prefix of another ("ms" before "m"). */
        { "usec",    UINT64_C(1) },
        { "us",      UINT64_C(1) },
        { "µs",      UINT64_C(1) },
        { "msec",    UINT64_C(1000) },
        { "ms",      UINT64_C(1000) },
        { "seconds", UINT64_C(1000000) },
        { "second",  UINT64_C(1000000) },
        { "sec",     UINT64_C(1000000) },
        { "s",       UINT64_C(1000000) },
        { "minutes", UINT64_C(60000000) },
        { "minute",  UINT64_C(60000000) },
        { "min",     UINT64_C(60000000) },
        { "m",       UINT64_C(60000000) },
        { "hours",   UINT64_C(3600000000) },
        { "hour",    UINT64_C(3600000000) },
        { "hr",      UINT64_C(3600000000) },
        { "h",       UINT64_C(3600000000) },
};

/* One decimal number with an optional fraction: "12", "1.5", ".5".  The
 * fraction keeps 12 digits, more than any unit here can use. */
static int parse_decimal(const char **p, uint64_t *ret_whole, uint64_t *ret_num, uint64_t *ret_den) {
        const char *s = *p, *start = s;
        uint64_t whole = 0, num = 0, den = 1;

        while (isdigit((unsigned char) *s)) {
                unsigned d = (unsigned) (*s - '0');
                if (whole > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                whole = whole * 10 + d;
                s++;
        }
        if (*s == '.') {
                s++;
                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                while (isdigit((unsigned char) *s)) {
                        if (den < UINT64_C(1000000000000)) {
                                num = num * 10 + (uint64_t) (*s - '0');
                                den *= 10;
                        }
                        s++;
                }
        }
        if (s == start)
                return -EINVAL;
        *p = s;
        *ret_whole = whole;
        *ret_num = num;
        *ret_den = den;
        return 0;
}

/* whole.num/den * unit, rounded to the nearest integer, or -ERANGE. */
static int scale(uint64_t whole, uint64_t num, uint64_t den, uint64_t unit, uint64_t *ret) {
        unsigned __int128 v = (unsigned __int128) whole * unit +
                              ((unsigned __int128) num * unit + den / 2) / den;

        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

int parse_usec(const char *s, uint64_t *ret) {
        uint64_t total = 0;
        const char *p = s;
        bool any = false;

        if (!s)
                return -EINVAL;

        for (;;) {
                uint64_t whole, num, den, unit = 0, add;
                int r;

                p += strspn(p, " \t");
                if (*p == '\0')
                        break;
                r = parse_decimal(&p, &whole, &num, &den);
                if (r < 0)
                        return r;

                p += strspn(p, " \t");
                for (size_t i = 0; i < ELEMENTSOF(time_units); i++) {
                        size_t n = strlen(time_units[i].suffix);
                        if (strncmp(p, time_units[i].suffix, n) == 0 && !isalpha((unsigned char) p[n])) {
                                unit = time_units[i].usec;
                                p += n;
                                break;
                        }
                }
                if (unit == 0) {
                        /* A number without a unit is seconds (systemd.time(7)),
                         * but only as the whole value: "1s 500" is a typo. */
                        if (any || *p != '\0')
                                return -EINVAL;
                        unit = USEC_PER_SEC;
                }
                r = scale(whole, num, den, unit, &add);
                if (r < 0)
                        return r;
                if (total > UINT64_MAX - add)
                        return -ERANGE;
                total += add;
                any = true;
        }

        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

char *format_timespan(char *buf, size_t len, uint64_t usec) {
        if (usec == 0)
                snprintf(buf, len, "0");
        else if (usec % UINT64_C(3600000000) == 0)
                snprintf(buf, len, "%" PRIu64 "h", usec / UINT64_C(3600000000));
        else if (usec % UINT64_C(60000000) == 0)
                snprintf(buf, len, "%" PRIu64 "min", usec / UINT64_C(60000000));
        else if (usec % USEC_PER_SEC == 0)
                snprintf(buf, len, "%" PRIu64 "s", (uint64_t) (usec / USEC_PER_SEC));
        else if (usec % USEC_PER_MSEC == 0)
                snprintf(buf, len, "%" PRIu64 "ms", (uint64_t) (usec / USEC_PER_MSEC));
        else
                snprintf(buf, len, "%" PRIu64 "us", usec);
        return buf;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                char suffix;
                uint64_t factor;
        } units[] = {
                { 'B', UINT64_C(1) },
                { 'K', UINT64_C(1) << 10 },
                { 'M', UINT64_C(1) << 20 },
                { 'G', UINT64_C(1) << 30 },
                { 'T', UINT64_C(1) << 40 },
                { 'P', UINT64_C(1) << 50 },
                { 'E', UINT64_C(1) << 60 },
        };
        uint64_t whole, num, den, factor = 0;
        const char *p = s;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_decimal(&p, &whole, &num, &den);
        if (r < 0)
                return r;
        p += strspn(p, " \t");
        if (*p == '\0')
                factor = 1;
        else
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (p[0] == units[i].suffix && p[1] == '\0')
                                factor = units[i].factor;
        /* A fraction of a byte is not a size. */
        if (factor == 0 || (factor == 1 && num != 0))
                return -EINVAL;
        return scale(whole, num, den, factor, ret);
}

int parse_permyriad(const char *s, uint32_t *ret) {
        uint64_t whole, num, den, v;
        const char *p = s;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_decimal(&p, &whole, &num, &den);
        if (r < 0)
                return r;
        if (strcmp(p, "%") != 0 || den > 100)   /* 0.01% is the finest step */
                return -EINVAL;
        r = scale(whole, num, den, 100, &v);
        if (r < 0 || v > 10000)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_bool(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

bool cgroup_path_is_valid(const char *p) {
        size_t len;

        if (!p || p[0] != '/')
                return false;
        len = strlen(p);
        if (len >= PATH_MAX)
                return false;
        if (len == 1)
                return true;
        if (p[len - 1] == '/')
                return false;
        for (const char *c = p; *c; ) {
                const char *next;
                size_t n;

                c++; /* skip '/' */
                next = strchrnul(c, '/');
                n = (size_t) (next - c);
                if (n == 0)
                        return false;
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                for (const char *x = c; x < next; x++)
                        if ((unsigned char) *x < 0x20 || *x == 0x7f)
                                return false;
                c = next;
        }
        return true;
}

bool cgroup_path_startswith(const char *path, const char *prefix) {
        size_t n;

        if (!path || !prefix)
                return false;
        if (strcmp(prefix, "/") == 0)
                return path[0] == '/';
        n = strlen(prefix);
        return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

int write_file_atomic(const char *path, const char *data) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        size_t len = strlen(data), done = 0;
        char *slash;

        if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (done < len) {
                ssize_t k = write(fd, data + done, len - done);
                if (k < 0) {
                        int r = -errno;
                        (void) unlink(tmp);
                        return r;
                }
                done += (size_t) k;
        }
        if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        /* The rename is only durable once the directory is synced too. */
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir)
                *slash = 0;
        else if (slash)
                dir[1] = 0;
        else
                strcpy(dir, ".");
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
}

/* Length of the valid UTF-8 sequence at 's' (at most 'left' bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t left) {
        unsigned char c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        if (n > left)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return n;
}

char *strndup_printable(const char *s, size_t len) {
        const unsigned char *u = (const unsigned char *) s;
        char *out = malloc(len * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len && u[i]; ) {
                size_t n = utf8_sequence(u + i, len - i);

                if (n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f))) {
                        o += sprintf(o, "\\x%02x", u[i]);
                        i++;
                        continue;
                }
                memcpy(o, u + i, n);
                o += n;
                i += n;
        }
        *o = 0;
        return out;
}
