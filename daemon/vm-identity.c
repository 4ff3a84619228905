/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-login.h>

#include "util.h"
#include "vm-identity.h"

static bool controllers_have_memory(const char *list, size_t len) {
        const char *p = list, *end = list + len;

        while (p < end) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                size_t n = (size_t) ((comma ? comma : end) - p);
                if (n == 6 && strncmp(p, "memory", 6) == 0)
                        return true;
                p += n + 1;
        }
        return false;
}

int parse_proc_cgroup(const char *text, char **ret_cgroup2, char **ret_memcg_v1) {
        char *cg2 = NULL, *v1 = NULL;

        for (const char *line = text; line && *line; ) {
                const char *eol = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (eol - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (eol - c1 - 1)) : NULL;

                if (c2 && c2[1] == '/') {
                        char **target = NULL;
                        if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
                                target = &cg2;
                        else if (controllers_have_memory(c1 + 1, (size_t) (c2 - c1 - 1)))
                                target = &v1;
                        if (target && !*target) {
                                /* Shown and sent as text: a delegated cgroup can be named
                                 * with any byte. */
                                *target = strndup_printable(c2 + 1, (size_t) (eol - c2 - 1));
                                if (!*target)
                                        goto oom;
                        }
                }
                line = *eol ? eol + 1 : eol;
        }
        if (!cg2 && !v1)
                return -EBADMSG;
        *ret_cgroup2 = cg2;
        *ret_memcg_v1 = v1;
        return 0;
oom:
        free(cg2);
        free(v1);
        return -ENOMEM;
}

/* systemd escapes '-' in unit names as "\x2d"; undo every \xNN. */
static char *unescape_unit_name(const char *s, size_t len) {
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
                    isxdigit((unsigned char) s[i + 2]) && isxdigit((unsigned char) s[i + 3])) {
                        char hex[3] = { s[i + 2], s[i + 3], 0 };
                        *o++ = (char) strtoul(hex, NULL, 16);
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = 0;
        return out;
}

int vm_name_from_cgroup(const char *cgroup, char **ret) {
        const char *last, *end;
        _cleanup_free_ char *unit = NULL;
        const char *name;

        if (!cgroup)
                return -ENOENT;
        last = strrchr(cgroup, '/');
        last = last ? last + 1 : cgroup;
        /* libvirt puts a vCPU thread cgroup below the scope on some hosts. */
        if (strncmp(last, "machine-", 8) != 0) {
                const char *scope = strstr(cgroup, "/machine-");
                if (!scope)
                        return -ENOENT;
                last = scope + 1;
        }
        end = strstr(last, ".scope");
        if (!end)
                return -ENOENT;
        unit = unescape_unit_name(last + 8, (size_t) (end - last - 8));
        if (!unit)
                return -ENOMEM;
        name = unit;
        /* libvirt: "qemu-<id>-<name>" */
        if (strncmp(unit, "qemu-", 5) == 0) {
                const char *dash = strchr(unit + 5, '-');
                size_t digits = strspn(unit + 5, "0123456789");
                if (dash && digits > 0 && unit + 5 + digits == dash)
                        name = dash + 1;
        }
        if (!*name)
                return -ENOENT;
        /* "\xff" and "\x0a" decode to bytes no name may show. */
        *ret = strndup_printable(name, strlen(name));
        return *ret ? 0 : -ENOMEM;
}

int vm_name_from_cmdline(const char *argv, size_t len, char **ret) {
        const char *end = argv + len, *value = NULL;

        for (const char *a = argv; a < end; a += strnlen(a, (size_t) (end - a)) + 1) {
                if (strcmp(a, "-name") == 0 || strcmp(a, "--name") == 0) {
                        const char *next = a + strnlen(a, (size_t) (end - a)) + 1;
                        if (next < end)
                                value = next;
                        break;
                }
        }
        if (!value)
                return -ENOENT;

        /* "guest=NAME,..." or the legacy "NAME,process=...". A ",," is a
         * literal comma in qemu's option syntax. */
        const char *g = strstr(value, "guest=");
        const char *start = value;
        if (g && (g == value || g[-1] == ','))
                start = g + 6;

        size_t vlen = strnlen(start, (size_t) (end - start));
        char *out = malloc(vlen + 1), *o = out;
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < vlen; i++) {
                if (start[i] == ',') {
                        if (i + 1 < vlen && start[i + 1] == ',') {
                                *o++ = ',';
                                i++;
                                continue;
                        }
                        break;
                }
                *o++ = start[i];
        }
        *o = 0;
        if (!*out) {
                free(out);
                return -ENOENT;
        }
        /* Whoever starts qemu names it: no newline may reach a log line. */
        *ret = strndup_printable(out, strlen(out));
        free(out);
        return *ret ? 0 : -ENOMEM;
}

int vm_uuid_from_cmdline(const char *argv, size_t len, char **ret) {
        const char *end = argv + len;

        for (const char *a = argv; a < end; a += strnlen(a, (size_t) (end - a)) + 1)
                if (strcmp(a, "-uuid") == 0 || strcmp(a, "--uuid") == 0) {
                        const char *next = a + strnlen(a, (size_t) (end - a)) + 1;
                        if (next >= end)
                                return -ENOENT;
                        return vm_uuid_canonical(next, ret);
                }
        return -ENOENT;
}

int vm_uuid_from_machine_state(const char *text, char **ret) {
        for (const char *l = text; l && *l; ) {
                const char *eol = strchrnul(l, '\n');

                if (strncmp(l, "ID=", 3) == 0) {
                        _cleanup_free_ char *id = strndup(l + 3, (size_t) (eol - l - 3));
                        if (!id)
                                return -ENOMEM;
                        return vm_uuid_canonical(id, ret);
                }
                l = *eol ? eol + 1 : eol;
        }
        return -ENOENT;
}

int vm_uuid_canonical(const char *s, char **ret) {
        char hex[33], *out;
        size_t n = 0, len = strlen(s);

        for (const char *c = s; *c; c++) {
                if (*c == '-')
                        continue;
                if (!isxdigit((unsigned char) *c) || n == 32)
                        return -EINVAL;
                hex[n++] = (char) tolower((unsigned char) *c);
        }
        if (n != 32 || (len != 32 && (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')))
                return -EINVAL;
        hex[32] = 0;
        if (asprintf(&out, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

/* machined knows libvirt's machines by "qemu-<id>-<name>" and keeps their
 * UUID in its state file.  Only for real pids: sd-login reads /proc. */
static void uuid_from_machined(const char *proc_root, pid_t pid, char **ret) {
        _cleanup_free_ char *machine = NULL, *path = NULL;
        char buf[4096];

        if (!streq_ptr(proc_root, "/proc") || sd_pid_get_machine_name(pid, &machine) < 0 ||
            strchr(machine, '/') || asprintf(&path, VM_MACHINED_STATE_DIR "/%s", machine) < 0)
                return;
        if (read_small_file(path, buf, sizeof(buf)) >= 0)
                (void) vm_uuid_from_machine_state(buf, ret);
}

int vm_identity_read(const char *proc_root, pid_t pid, char **ret_cgroup2, char **ret_memcg_v1, char **ret_name,
                     char **ret_uuid) {
        char path[256], buf[8192];
        char *cg2 = NULL, *v1 = NULL, *name = NULL, *uuid = NULL;
        int r, n = -1;

        snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root, (int) pid);
        r = read_small_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = parse_proc_cgroup(buf, &cg2, &v1);
        if (r < 0)
                return r;

        uuid_from_machined(proc_root, pid, &uuid);
        if ((vm_name_from_cgroup(cg2, &name) < 0 && vm_name_from_cgroup(v1, &name) < 0) || !uuid) {
                snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, (int) pid);
                n = read_small_file(path, buf, sizeof(buf));
        }
        if (n > 0 && !name)
                (void) vm_name_from_cmdline(buf, (size_t) n, &name);
        if (n > 0 && !uuid)
                (void) vm_uuid_from_cmdline(buf, (size_t) n, &uuid);
        *ret_cgroup2 = cg2;
        *ret_memcg_v1 = v1;
        *ret_name = name; /* NULL: callers show the pid */
        *ret_uuid = uuid;
        return 0;
}

int vm_table_lookup(const VmTable *t, const char *id_or_name, Vm **ret) {
        _cleanup_free_ char *uuid = NULL;
        Vm *found;

        found = vm_table_find(t, id_or_name);
        if (found) {
                *ret = found;
                return 0;
        }
        (void) vm_uuid_canonical(id_or_name, &uuid);
        for (size_t i = 0; i < t->n; i++) {
                Vm *v = t->vms[i];

                if (!streq_ptr(v->name, id_or_name) && !(uuid && streq_ptr(v->uuid, uuid)))
                        continue;
                if (found)
                        return -ENOTUNIQ;
                found = v;
        }
        if (!found)
                return -ENOENT;
        *ret = found;
        return 0;
}
