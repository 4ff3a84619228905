/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policies set over D-Bus live as drop-ins of their own, so they survive a
 * restart and an operator can read, diff and delete them like any file.
 * A change is checked in full before it reaches the disk: the new text
 * must read back as exactly the keys given (dropin_build()), and the whole
 * configuration with it must load (config_load_overlay()); only then is
 * the file renamed into place.  A crash at any point leaves the old file
 * or the new one, both valid, and at most a "*.tmpXXXXXX" that is never
 * read as configuration and that the next start removes. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "ini.h"
#include "log.h"
#include "manager.h"
#include "util.h"

/* An older kvm-reclaimd wrote "/" and "/root" to this name; it is "/root"'s now. */
#define LEGACY_ROOT_DROPIN "50-dbus-root.conf"

char *manager_dropin_path(const Manager *m, const char *selector, bool runtime) {
        _cleanup_free_ char *name = NULL;
        char *p;

        if (dropin_file_name(selector, &name) < 0 ||
            asprintf(&p, "%s/%s", m->conf_dirs[runtime ? 1 : 0], name) < 0)
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

void manager_dropin_remove_leftovers(Manager *m) {
        for (size_t i = 0; i < 2; i++) {
                DIR *d = opendir(m->conf_dirs[i]);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        /* Only write_file_atomic()'s names for our own files. */
                        if (fnmatch("50-dbus-*.conf.tmp??????", de->d_name, FNM_PERIOD) != 0)
                                continue;
                        if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                                log_warning_errno(errno, "Cannot remove %s/%s: %m", m->conf_dirs[i], de->d_name);
                        else
                                log_notice("Removed %s/%s, left by a run that stopped while writing it.",
                                           m->conf_dirs[i], de->d_name);
                }
                if (d)
                        closedir(d);
        }
}

/* Puts the file back as it was: 'old' content, or absent. */
static void restore(const char *path, const char *old) {
        if (old)
                (void) write_file_atomic(path, old);
        else
                (void) unlink(path);
}

/* An older daemon wrote the policy for "/" to 50-dbus-root.conf, the name
 * that "/root" has now: rename it to the root's own name, once. */
static int migrate_legacy_root(Manager *m, bool runtime) {
        _cleanup_free_ char *legacy = NULL, *text = NULL, *root = NULL;
        _cleanup_(dropin_keys_done) DropinKeys keys = {};
        size_t size;
        int r;

        if (asprintf(&legacy, "%s/" LEGACY_ROOT_DROPIN, m->conf_dirs[runtime ? 1 : 0]) < 0)
                return -ENOMEM;
        if (ini_read_file(legacy, &text, &size) < 0 || dropin_parse(legacy, text, size, "/", &keys, NULL) < 0)
                return 0;
        root = manager_dropin_path(m, "/", runtime);
        if (!root)
                return -ENOMEM;
        if (access(root, F_OK) == 0) {
                log_warning("Both %s (from an older kvm-reclaimd) and %s hold the policy for /: merge them by "
                            "hand.", legacy, root);
                return 0;
        }
        if (rename(legacy, root) < 0)
                return log_warning_errno(errno, "Cannot rename %s to %s: %m", legacy, root);
        log_notice("Renamed %s (the policy for /, from an older kvm-reclaimd) to %s.", legacy, root);
        r = manager_reload(m, NULL);
        return r < 0 ? r : 0;
}

static int read_dropin(const char *path, char **ret_text, size_t *ret_size, char **ret_error) {
        int r = ini_read_file(path, ret_text, ret_size);

        if (r == -ENOENT) {
                *ret_text = NULL;
                *ret_size = 0;
                return 0;
        }
        if (r < 0 && ret_error)
                (void) asprintf(ret_error, "cannot read %s: %s", path, strerror(-r));
        return r;
}

int manager_dropin_text(Manager *m, const char *selector, const DropinKeys *keys, bool runtime, char **ret_path,
                        char **ret_text, char **ret_old, char **ret_error) {
        _cleanup_free_ char *path = NULL, *text = NULL, *old = NULL;
        _cleanup_(dropin_keys_done) DropinKeys merged = {};
        size_t old_size = 0;
        int r;

        path = manager_dropin_path(m, selector, runtime);
        if (!path)
                return -ENOMEM;
        r = read_dropin(path, &old, &old_size, ret_error);
        if (r < 0)
                return r;
        /* Only this layer's keys: a persistent SetPolicy must not copy in
         * values that a runtime one (or the main file) set. */
        if (old) {
                r = dropin_parse(path, old, old_size, selector, &merged, ret_error);
                if (r == -EBADMSG)
                        r = -EINVAL;   /* not ours to rewrite: the message says why */
        }
        for (size_t i = 0; r >= 0 && i < keys->n; i++)
                r = dropin_keys_set(&merged, keys->keys[i], keys->values[i]);
        if (r >= 0)
                r = dropin_build(selector, &merged, &text, ret_error);
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(path);
        *ret_text = TAKE_PTR(text);
        if (ret_old)
                *ret_old = TAKE_PTR(old);
        return 0;
}

int manager_set_policy(Manager *m, const char *selector, const DropinKeys *keys, bool runtime, char **ret_error) {
        _cleanup_free_ char *path = NULL, *text = NULL, *old = NULL;
        _cleanup_(config_freep) Config *check = NULL;
        const char *dir = m->conf_dirs[runtime ? 1 : 0];
        int r;

        (void) migrate_legacy_root(m, runtime);
        r = manager_dropin_text(m, selector, keys, runtime, &path, &text, &old, ret_error);
        if (r < 0)
                return r;

        /* The whole configuration with the new text, before anything is written. */
        r = config_load_overlay(m->config_file, m->conf_dirs, (ConfigOverlay[]) { { path, text }, {} }, &check, ret_error);
        if (r < 0)
                return r;

        r = mkdir_parents(dir);
        if (r < 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "cannot create %s: %s", dir, strerror(-r));
                return r;
        }
        r = write_file_atomic(path, text);
        if (r < 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "cannot write %s: %s", path, strerror(-r));
                return r;
        }
        /* Only another writer changing a file meanwhile can make this fail. */
        r = manager_reload(m, ret_error);
        if (r < 0) {
                restore(path, old);
                (void) manager_reload(m, NULL);
                return r;
        }
        log_info("Policy for %s set (%s).", selector, path);
        return 0;
}

int manager_remove_policy(Manager *m, const char *selector, bool runtime, char **ret_error) {
        _cleanup_free_ char *path = NULL, *old = NULL;
        _cleanup_(config_freep) Config *check = NULL;
        _cleanup_(dropin_keys_done) DropinKeys keys = {};
        size_t old_size = 0;
        const Policy *p;
        int r;

        (void) migrate_legacy_root(m, runtime);
        path = manager_dropin_path(m, selector, runtime);
        if (!path)
                return -ENOMEM;
        r = read_dropin(path, &old, &old_size, ret_error);
        if (r < 0)
                return r;
        if (!old) {
                p = config_find_policy(m->config, selector);
                if (ret_error) {
                        if (p)
                                (void) asprintf(ret_error, "the policy for %s is defined in %s, not by SetPolicy%s; "
                                                "edit that file", selector, p->source ?: "?",
                                                runtime ? " with runtime=true" : "");
                        else
                                (void) asprintf(ret_error, "there is no policy for %s", selector);
                }
                return -ENOENT;
        }
        r = dropin_parse(path, old, old_size, selector, &keys, ret_error);
        if (r < 0)
                return r == -EBADMSG ? -EINVAL : r;
        r = config_load_overlay(m->config_file, m->conf_dirs, (ConfigOverlay[]) { { path, NULL }, {} }, &check, ret_error);
        if (r < 0)
                return r;
        if (unlink(path) < 0)
                return -errno;
        r = manager_reload(m, ret_error);
        if (r < 0) {
                restore(path, old);
                (void) manager_reload(m, NULL);
                return r;
        }
        log_info("Policy for %s removed (%s).", selector, path);
        return 0;
}
