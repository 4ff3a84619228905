/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which configuration files may be honoured (see conf-trust.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-trust.h"
#include "util.h"

static bool trusted_owner(uid_t uid) {
        /* root, or the user a --user daemon runs as: whoever could
         * replace the daemon's own files anyway. */
        return uid == 0 || uid == geteuid();
}

/* Why 'st' cannot be trusted ('dir': the directory it is, NULL for the
 * file itself): -EPERM and *ret_why, or 0.  A sticky directory may be
 * writable by others where 'allow_sticky' (a directory above the one that
 * holds configuration). */
static int why_untrusted(const char *dir, const struct stat *st, bool allow_sticky, char **ret_why) {
        char *why = NULL;
        int r = 0;

        if (!trusted_owner(st->st_uid))
                r = asprintf(&why, "%s%s%sowned by uid %u, not by root", dir ? "directory " : "", dir ?: "",
                             dir ? " is " : "", (unsigned) st->st_uid);
        else if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(allow_sticky && (st->st_mode & S_ISVTX)))
                r = asprintf(&why, "%s%s%swritable by %s (mode %04o)", dir ? "directory " : "", dir ?: "",
                             dir ? " is " : "", (st->st_mode & S_IWOTH) ? "others" : "its group",
                             (unsigned) (st->st_mode & 07777));
        else
                return 0;
        if (r < 0)
                return -ENOMEM;
        if (ret_why)
                *ret_why = why;
        else
                free(why);
        return -EPERM;
}

int conf_trust_dir(const char *dir, char **ret_why) {
        _cleanup_free_ char *real = realpath(dir, NULL);
        bool first = true;
        struct stat st;
        int r;

        if (!real)
                return -errno;
        /* From the directory itself up to /: each one could swap what is
         * below it. */
        for (;;) {
                char *slash;

                if (stat(real, &st) < 0)
                        return -errno;
                r = why_untrusted(real, &st, !first, ret_why);
                if (r < 0)
                        return r;
                if (strcmp(real, "/") == 0)
                        return 0;
                slash = strrchr(real, '/');
                if (slash == real)
                        slash[1] = 0;
                else
                        *slash = 0;
                first = false;
        }
}

static char *dir_of(const char *path) {
        char *d = strdup(path), *slash;

        if (!d)
                return NULL;
        slash = strrchr(d, '/');
        if (!slash)
                strcpy(d, ".");
        else if (slash == d)
                slash[1] = 0;
        else
                *slash = 0;
        return d;
}

int conf_trust_file(const char *path, bool with_dirs, char **ret_why) {
        struct stat st, lst;
        int r;

        if (stat(path, &st) < 0 || lstat(path, &lst) < 0)
                return -errno;
        r = why_untrusted(NULL, &st, false, ret_why);
        if (r < 0)
                return r;
        if (with_dirs) {
                _cleanup_free_ char *dir = dir_of(path);

                if (!dir)
                        return -ENOMEM;
                r = conf_trust_dir(dir, ret_why);
                if (r < 0)
                        return r;
        }
        if (S_ISLNK(lst.st_mode)) {
                /* The link and what it points to: root's link into a
                 * directory others can write is theirs to change. */
                _cleanup_free_ char *target = realpath(path, NULL), *dir = NULL;

                if (!target)
                        return -errno;
                dir = dir_of(target);
                if (!dir)
                        return -ENOMEM;
                r = conf_trust_dir(dir, ret_why);
                if (r < 0)
                        return r;
        }
        return 0;
}
