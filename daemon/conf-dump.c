/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --check-config: the effective configuration, printed as a file that
 * reads back to the same policies, each value with its origin above it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "pressure.h"
#include "util.h"

/* 'commented': the value is in force but set elsewhere (inherited or the
 * default), so it is shown as a comment: written out, an inherited cap
 * next to a Protect=yes of the section's own would read back as a
 * contradiction, and the file would no longer follow its ancestors. */
static void dump_value(FILE *f, const ConfigKey *k, const void *base, const char *origin, bool commented) {
        char buf[4200];

        fprintf(f, "# %s\n%s%s=%s\n", origin, commented ? "#" : "", k->name,
                config_key_format(k, base, buf, sizeof(buf)));
}

static void dump_daemon(const Config *c, FILE *f) {
        fputs("[Daemon]\n", f);
        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                const ConfigSetting *s;
                char where[4200];

                if (k->section != CONFIG_SECTION_DAEMON || (k->flags & CONFIG_KEY_ALIAS))
                        continue;
                s = c->daemon_set[k->field];
                if (k->type == CONFIG_TYPE_PATH && !*(char *const *) ((const char *) &c->daemon + k->offset)) {
                        fprintf(f, "# %s= is not set%s\n", k->name,
                                (k->flags & CONFIG_KEY_DETECTED) ? ": detected at start" : ": off");
                        continue;
                }
                if (s)
                        snprintf(where, sizeof(where), "%s%s:%u", s->file == c->main_file ? "" : "drop-in ",
                                 s->file, s->line);
                dump_value(f, k, &c->daemon, s ? where : "default", false);
        }
}

static void dump_policy(const Config *c, const Policy *p, bool own_only, FILE *f) {
        fprintf(f, "\n[Policy %s]\n", p->cgroup);
        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                _cleanup_free_ char *origin = NULL;
                const ConfigSetting *s;

                if (k->section != CONFIG_SECTION_POLICY || (k->flags & CONFIG_KEY_ALIAS))
                        continue;
                s = p->origin[k->field];
                if (own_only && !s)
                        continue;
                if (config_describe_origin(c, p, k->field, &origin) < 0)
                        origin = NULL;
                dump_value(f, k, p, origin ?: "?", !s || !streq_ptr(s->section, p->cgroup));
        }
}

void config_dump(const Config *c, FILE *f) {
        fputs("# kvm-reclaimd --check-config: the effective configuration. It is itself a valid\n"
              "# configuration file with the same effective policies; the comment above each\n"
              "# value says where it comes from.  Values a section inherits (or takes from the\n"
              "# defaults) are shown as comments, \"#Key=value\", so that it keeps inheriting them.\n", f);
        for (size_t i = 0; i < c->n_files; i++)
                fprintf(f, "#   read: %s\n", c->files[i]);
        fputc('\n', f);
        dump_daemon(c, f);
        if (!config_find_policy(c, "/")) {
                fputs("\n# The built-in default: no [Policy /] is configured.", f);
                dump_policy(c, policy_builtin_default(), false, f);
        }
        for (size_t i = 0; i < c->n_policies; i++)
                dump_policy(c, &c->policies[i], false, f);
        if (c->n_vm_policies > 0)
                fputs("\n# vm: and uuid: policies hold only their own keys: each is laid over the policy\n"
                      "# of the cgroup of every VM it selects, lowest precedence first.\n", f);
        for (size_t i = 0; i < c->n_vm_policies; i++)
                dump_policy(c, &c->vm_policies[i], true, f);
}

/* Whether this process may arm PSI triggers with 'window' (the kernel
 * wants multiples of 2 s without CAP_SYS_RESOURCE): 1 yes, 0 no, <0 not
 * known.  Arms and drops one trigger on /proc/pressure/memory. */
static int window_allowed(uint64_t window) {
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        int n;

        fd = open("/proc/pressure/memory", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = snprintf(buf, sizeof(buf), "some %llu %llu", (unsigned long long) (window / 10),
                     (unsigned long long) window);
        if (write(fd, buf, (size_t) n + 1) >= 0)
                return 1;
        return errno == EINVAL ? 0 : -errno;
}

int config_check(const char *main_file, char *const *dropin_dirs, FILE *out) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *err = NULL;
        uint64_t window;
        int r;

        r = config_load(main_file, dropin_dirs, &c, &err);
        if (r < 0)
                return log_error_errno(r, "%s", err ?: "Cannot load the configuration: %m");
        for (size_t i = 0; i < c->n_warnings; i++)
                log_warning("Warning: %s", c->warnings[i]);
        config_dump(c, out);

        window = c->daemon.window_usec;
        if (window % PSI_UNPRIV_WINDOW_USEC != 0 && window_allowed(window) == 0) {
                uint64_t used = (window / PSI_UNPRIV_WINDOW_USEC + 1) * PSI_UNPRIV_WINDOW_USEC;
                char a[TIMESPAN_MAX], b[TIMESPAN_MAX];

                fprintf(out, "\n# Here the kernel refuses a %s PSI window (no CAP_SYS_RESOURCE): the daemon\n"
                        "# will use %s windows and scale every threshold by %.1f, which keeps each\n"
                        "# threshold's share of the window as configured.\n",
                        format_timespan(a, sizeof(a), window), format_timespan(b, sizeof(b), used),
                        (double) used / (double) window);
        }
        return 0;
}
