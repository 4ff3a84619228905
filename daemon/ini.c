/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "ini.h"
#include "util.h"

#define WHITESPACE " \t\r\n"

static int line_error(char **ret_error, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int line_error(char **ret_error, const char *file, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        /* The line may be anything (a file of garbage): conf.c, the one
         * caller, escapes the whole error for logs and D-Bus. */
        if (ret_error && !*ret_error && asprintf(ret_error, "%s:%u: %s", file, line, msg ?: "error") < 0)
                *ret_error = NULL;
        return -EINVAL;
}

/* Strips white space at both ends, in place. */
static char *strip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = 0;
        return s;
}

int ini_parse(const char *text, size_t size, const char *file, const IniHandlers *h, void *userdata,
              char **ret_error) {
        _cleanup_free_ char *copy = NULL, *section = NULL;
        unsigned line = 0;
        char *p, *end;

        copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, size);
        copy[size] = 0;
        end = copy + size;

        for (p = copy; p < end; ) {
                char *eol = memchr(p, '\n', (size_t) (end - p)), *l, *eq;
                _cleanup_free_ char *msg = NULL;
                int r;

                if (!eol)
                        eol = end;
                *eol = 0;
                line++;
                if (strlen(p) != (size_t) (eol - p))
                        return line_error(ret_error, file, line, "contains a NUL byte");
                l = strip(p);
                p = eol + 1;

                if (l[0] == 0 || l[0] == '#' || l[0] == ';')
                        continue;

                if (l[0] == '[') {
                        size_t n = strlen(l);
                        char *name;

                        if (l[n - 1] != ']' || n < 3)
                                return line_error(ret_error, file, line,
                                                  "a section header must be \"[NAME]\", with ']' ending the line");
                        l[n - 1] = 0;
                        name = strdup(l + 1);
                        if (!name)
                                return -ENOMEM;
                        free(section);
                        section = name;
                        if (h->section) {
                                r = h->section(userdata, file, line, section, &msg);
                                if (r < 0)
                                        return r == -ENOMEM ? r :
                                                line_error(ret_error, file, line, "%s", msg ?: strerror(-r));
                        }
                        continue;
                }

                eq = strchr(l, '=');
                if (!eq)
                        return line_error(ret_error, file, line,
                                          "\"%s\" is not [Section], Key=Value or a comment", l);
                *eq = 0;
                if (!section)
                        return line_error(ret_error, file, line, "%s= comes before any [Section]", strip(l));
                if (strip(l)[0] == 0)
                        return line_error(ret_error, file, line, "a line starts with '=': the key is missing");
                r = h->key(userdata, file, line, section, strip(l), strip(eq + 1), &msg);
                if (r < 0)
                        return r == -ENOMEM ? r : line_error(ret_error, file, line, "%s", msg ?: strerror(-r));
        }
        return 0;
}

int ini_read_file(const char *path, char **ret_text, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n;
        ssize_t k;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;   /* a FIFO or device would block or never end */
        if ((uint64_t) st.st_size > INI_FILE_SIZE_MAX)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        /* Read what is there; a file that grows meanwhile is cut at its
         * size at open, which the next reload reads in full. */
        k = read_full(fd, buf, (size_t) st.st_size);
        if (k < 0)
                return (int) k;
        n = (size_t) k;
        buf[n] = 0;
        *ret_text = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}
