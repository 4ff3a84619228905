/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policies set over D-Bus live as drop-ins of their own, so they survive a
 * restart and an operator can read, diff and delete them like any file. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "manager.h"
#include "util.h"

/* "/machine.slice/vm-a" -> "machine.slice-vm_2da": '/' becomes '-', so a
 * literal '-' and anything unusual are hex-escaped to stay unambiguous. */
static char *escape_cgroup(const char *cgroup) {
        size_t len = strlen(cgroup);
        char *out = malloc(len * 3 + 8), *o = out;

        if (!out)
                return NULL;
        if (strcmp(cgroup, "/") == 0) {
                strcpy(out, "root");
                return out;
        }
        for (const char *c = cgroup + 1; *c; c++) {
                if (*c == '/')
                        *o++ = '-';
                else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                         *c == '.')
                        *o++ = *c;
                else
                        o += sprintf(o, "_%02x", (unsigned char) *c);
        }
        *o = 0;
        return out;
}

char *manager_dropin_path(const Manager *m, const char *cgroup, bool runtime) {
        _cleanup_free_ char *e = escape_cgroup(cgroup);
        char *p;

        if (!e || asprintf(&p, "%s/50-dbus-%s.conf", m->conf_dirs[runtime ? 1 : 0], e) < 0)
                return NULL;
        return p;
}

static int mkdir_parents(const char *dir) {
        _cleanup_free_ char *d = strdup(dir);

        if (!d)
                return -ENOMEM;
        for (char *s = d + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Puts the file back as it was: 'old' content, or absent. */
static void restore(const char *path, const char *old) {
        if (old)
                (void) write_file_atomic(path, old);
        else
                (void) unlink(path);
}

static char *read_whole(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        if (getdelim(&buf, &size, 0, f) < 0) {
                free(buf);
                return strdup("");
        }
        return buf;
}

int manager_set_policy(Manager *m, const char *cgroup, const DropinKeys *keys, bool runtime, char **ret_error) {
        _cleanup_free_ char *path = NULL, *text = NULL, *old = NULL;
        const char *dir = m->conf_dirs[runtime ? 1 : 0];
        DropinKeys merged = {};
        int r;

        path = manager_dropin_path(m, cgroup, runtime);
        if (!path)
                return -ENOMEM;
        /* Only this layer's keys: a persistent SetPolicy must not copy in
         * values that a runtime one (or the main file) set. */
        r = dropin_keys_read(path, &merged);
        for (size_t i = 0; r >= 0 && i < keys->n; i++)
                r = dropin_keys_set(&merged, keys->keys[i], keys->values[i]);
        if (r >= 0) {
                text = dropin_text(cgroup, &merged);
                r = text ? 0 : -ENOMEM;
        }
        dropin_keys_done(&merged);
        if (r < 0)
                return r;

        r = mkdir_parents(dir);
        if (r < 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "cannot create %s: %s", dir, strerror(-r));
                return r;
        }
        old = read_whole(path);
        r = write_file_atomic(path, text);
        if (r < 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "cannot write %s: %s", path, strerror(-r));
                return r;
        }
        /* The reload validates the result with every other file. */
        r = manager_reload(m, ret_error);
        if (r < 0) {
                restore(path, old);
                (void) manager_reload(m, NULL);
                return r;
        }
        log_info("Policy for %s set (%s).", cgroup, path);
        return 0;
}

int manager_remove_policy(Manager *m, const char *cgroup, bool runtime, char **ret_error) {
        _cleanup_free_ char *path = manager_dropin_path(m, cgroup, runtime), *old = NULL;
        const Policy *p;
        int r;

        if (!path)
                return -ENOMEM;
        old = read_whole(path);
        if (!old) {
                p = config_find_policy(m->config, cgroup);
                if (ret_error) {
                        if (p)
                                (void) asprintf(ret_error, "the policy for %s is defined in %s, not by SetPolicy%s; "
                                                "edit that file", cgroup, p->source ?: "?",
                                                runtime ? " with runtime=true" : "");
                        else
                                (void) asprintf(ret_error, "there is no policy for %s", cgroup);
                }
                return -ENOENT;
        }
        if (unlink(path) < 0)
                return -errno;
        r = manager_reload(m, ret_error);
        if (r < 0) {
                restore(path, old);
                (void) manager_reload(m, NULL);
                return r;
        }
        log_info("Policy for %s removed (%s).", cgroup, path);
        return 0;
}
