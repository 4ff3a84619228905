/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <string.h>

#include "conf.h"
#include "kvm-reclaim.h"
#include "log.h"
#include "util.h"

static int set_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error || *ret_error)
                return -EINVAL; /* keep the first error: it is the one to fix */
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return -EINVAL;
}

Config *config_new_defaults(void) {
        Config *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->daemon = (DaemonSettings) {
                .debugfs_dir = strdup(KVM_RECLAIM_DEBUGFS_DIR_DEFAULT),
                .system_threshold_usec = 100 * USEC_PER_MSEC,
                .window_usec = 500 * USEC_PER_MSEC,
                .step_pages = 4096,
                .refresh_usec = 10 * USEC_PER_SEC,
                .disable_kernel_shrinker = true,
        };
        if (!c->daemon.debugfs_dir)
                return config_free(c);
        return c;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->daemon.debugfs_dir);
        free(c->daemon.cgroup_root);
        for (size_t i = 0; i < c->n_policies; i++)
                policy_done(&c->policies[i]);
        free(c->policies);
        free(c);
        return NULL;
}

static int parse_pages(const char *key, const char *value, uint64_t *ret, char **ret_error) {
        if (parse_u64(value, ret) < 0)
                return set_error(ret_error, "%s=%s is not a page count", key, value);
        return 0;
}

static int parse_time(const char *key, const char *value, uint64_t *ret, char **ret_error) {
        if (parse_usec(value, ret) < 0)
                return set_error(ret_error, "%s=%s is not a time span (e.g. 500ms, 2s, or µs)", key, value);
        return 0;
}

int policy_set_key(Policy *p, const char *key, const char *value, char **ret_error) {
        if (strcmp(key, "Weight") == 0) {
                uint64_t w;
                if (parse_u64(value, &w) < 0 || w < POLICY_WEIGHT_MIN || w > POLICY_WEIGHT_MAX)
                        return set_error(ret_error, "Weight=%s is out of range %u..%u",
                                         value, POLICY_WEIGHT_MIN, POLICY_WEIGHT_MAX);
                p->weight = (uint32_t) w;
        } else if (strcmp(key, "MinPages") == 0)
                return parse_pages(key, value, &p->min_pages, ret_error);
        else if (strcmp(key, "MaxPages") == 0)
                return parse_pages(key, value, &p->max_pages, ret_error);
        else if (strcmp(key, "Protect") == 0) {
                int b = parse_bool(value);
                if (b < 0)
                        return set_error(ret_error, "Protect=%s is not a boolean", value);
                p->protect = b;
        } else if (strcmp(key, "Action") == 0) {
                if (reclaim_action_from_string(value, &p->action) < 0)
                        return set_error(ret_error, "Action=%s is not one of caches, zap, caches+zap", value);
        } else if (strcmp(key, "PressureThreshold") == 0)
                return parse_time(key, value, &p->pressure_threshold_usec, ret_error);
        else
                return set_error(ret_error, "unknown key %s= in a [Policy] section", key);
        return 0;
}

static int daemon_set_key(DaemonSettings *d, const char *key, const char *value, char **ret_error) {
        if (strcmp(key, "DebugfsDir") == 0 || strcmp(key, "CgroupRoot") == 0) {
                char **target = key[0] == 'D' ? &d->debugfs_dir : &d->cgroup_root;
                char *copy;
                if (value[0] != '/')
                        return set_error(ret_error, "%s=%s must be an absolute path", key, value);
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(*target);
                *target = copy;
        } else if (strcmp(key, "SystemPressureThreshold") == 0)
                return parse_time(key, value, &d->system_threshold_usec, ret_error);
        else if (strcmp(key, "PressureWindow") == 0)
                return parse_time(key, value, &d->window_usec, ret_error);
        else if (strcmp(key, "RefreshInterval") == 0)
                return parse_time(key, value, &d->refresh_usec, ret_error);
        else if (strcmp(key, "StepPages") == 0)
                return parse_pages(key, value, &d->step_pages, ret_error);
        else if (strcmp(key, "DisableKernelShrinker") == 0) {
                int b = parse_bool(value);
                if (b < 0)
                        return set_error(ret_error, "DisableKernelShrinker=%s is not a boolean", value);
                d->disable_kernel_shrinker = b;
        } else
                return set_error(ret_error, "unknown key %s= in [Daemon]", key);
        return 0;
}

Policy *config_find_policy(const Config *c, const char *cgroup) {
        for (size_t i = 0; i < c->n_policies; i++)
                if (strcmp(c->policies[i].cgroup, cgroup) == 0)
                        return &c->policies[i];
        return NULL;
}

static int config_get_or_add_policy(Config *c, const char *cgroup, Policy **ret) {
        Policy *p = config_find_policy(c, cgroup), *n;

        if (p) {
                *ret = p;
                return 0;
        }
        n = realloc(c->policies, (c->n_policies + 1) * sizeof(Policy));
        if (!n)
                return -ENOMEM;
        c->policies = n;
        p = &c->policies[c->n_policies];
        policy_init_defaults(p);
        p->cgroup = strdup(cgroup);
        if (!p->cgroup)
                return -ENOMEM;
        c->n_policies++;
        *ret = p;
        return 0;
}

/* inih in Debian is built without line numbers and caps section names at
 * 50 bytes, too short for machine scopes.  Our line reader sees every raw
 * line first, so it counts lines and keeps the whole section header. */
typedef struct ParseState {
        Config *config;
        FILE *f;
        const char *path;
        unsigned line;
        char section[4096];
        char **ret_error;
        int error;
} ParseState;

static char *read_line(char *buf, int size, void *userdata) {
        ParseState *s = userdata;
        char *l = fgets(buf, size, s->f), *start, *end;

        if (!l)
                return NULL;
        s->line++;
        start = l + strspn(l, " \t");
        if (start[0] == '[') {
                end = strchr(start, ']');
                if (end)
                        snprintf(s->section, sizeof(s->section), "%.*s", (int) (end - start - 1), start + 1);
        }
        return l;
}

static int handle_key(void *userdata, const char *section_truncated, const char *key, const char *value) {
        ParseState *s = userdata;
        _cleanup_free_ char *msg = NULL;
        int r;

        if (s->error < 0)
                return 1; /* report the first error only */
        if (strcmp(s->section, "Daemon") == 0)
                r = daemon_set_key(&s->config->daemon, key, value, &msg);
        else if (strncmp(s->section, "Policy ", 7) == 0) {
                const char *cg = s->section + 7;
                Policy *p;

                if (!cgroup_path_is_valid(cg))
                        r = set_error(&msg, "[Policy %s]: not an absolute cgroup path without '..'", cg);
                else if ((r = config_get_or_add_policy(s->config, cg, &p)) >= 0) {
                        r = policy_set_key(p, key, value, &msg);
                        if (r >= 0) {
                                free(p->source);
                                p->source = strdup(s->path);
                                if (!p->source)
                                        r = -ENOMEM;
                        }
                }
        } else
                r = set_error(&msg, "unknown section [%s] (expected [Daemon] or [Policy /cgroup/path])", s->section);

        if (r < 0) {
                s->error = r;
                (void) set_error(s->ret_error, "%s:%u: %s", s->path, s->line, msg ?: strerror(-r));
        }
        return 1;
}

int config_parse_file(Config *c, const char *path, char **ret_error) {
        ParseState s = { .config = c, .path = path, .ret_error = ret_error };
        int r;

        s.f = fopen(path, "re");
        if (!s.f) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                (void) set_error(ret_error, "%s: cannot read: %s", path, strerror(errno));
                return r;
        }
        r = ini_parse_stream(read_line, &s, handle_key, &s);
        fclose(s.f);
        if (s.error < 0)
                return s.error;
        if (r != 0)
                return set_error(ret_error, "%s:%d: syntax error (expected [Section], Key=Value or a comment)",
                                 path, r);
        return 0;
}

int policy_validate(const Policy *p, const DaemonSettings *d, char **ret_error) {
        if (p->max_pages > 0 && p->max_pages < p->min_pages)
                return set_error(ret_error, "[Policy %s]: MaxPages= (%llu) must not be below MinPages= (%llu)",
                                 p->cgroup, (unsigned long long) p->max_pages,
                                 (unsigned long long) p->min_pages);
        if (p->max_pages > 0 && !(p->action & RECLAIM_ZAP))
                return set_error(ret_error, "[Policy %s]: MaxPages= needs Action=zap or Action=caches+zap",
                                 p->cgroup);
        if (p->protect && p->max_pages > 0)
                return set_error(ret_error, "[Policy %s]: Protect=yes and MaxPages= contradict each other",
                                 p->cgroup);
        if (d && p->pressure_threshold_usec >= d->window_usec)
                return set_error(ret_error, "[Policy %s]: PressureThreshold= must be below PressureWindow= (%llums)",
                                 p->cgroup, (unsigned long long) (d->window_usec / USEC_PER_MSEC));
        return 0;
}

int config_validate(const Config *c, char **ret_error) {
        const DaemonSettings *d = &c->daemon;

        if (d->window_usec < CONF_WINDOW_MIN_USEC || d->window_usec > CONF_WINDOW_MAX_USEC)
                return set_error(ret_error, "PressureWindow= must be between 500ms and 10s");
        if (d->system_threshold_usec == 0 || d->system_threshold_usec >= d->window_usec)
                return set_error(ret_error, "SystemPressureThreshold= must be above 0 and below PressureWindow=");
        if (d->step_pages == 0 || d->step_pages > CONF_STEP_PAGES_MAX)
                return set_error(ret_error, "StepPages= must be between 1 and %llu", CONF_STEP_PAGES_MAX);
        if (d->refresh_usec < USEC_PER_SEC)
                return set_error(ret_error, "RefreshInterval= must be at least 1s");
        for (size_t i = 0; i < c->n_policies; i++) {
                char *msg = NULL;
                if (policy_validate(&c->policies[i], d, &msg) < 0) {
                        (void) set_error(ret_error, "%s: %s", c->policies[i].source ?: "?", msg ?: "invalid");
                        free(msg);
                        return -EINVAL;
                }
        }
        return 0;
}

static int dropin_name_cmp(const void *a, const void *b) {
        const char *const *x = a, *const *y = b;
        const char *bx = strrchr(*x, '/'), *by = strrchr(*y, '/');
        int r = strcmp(bx ? bx + 1 : *x, by ? by + 1 : *y);
        return r != 0 ? r : strcmp(*x, *y);
}

static int policy_cmp(const void *a, const void *b) {
        return strcmp(((const Policy *) a)->cgroup, ((const Policy *) b)->cgroup);
}

/* Collects every *.conf in 'dirs', ordered by file name across all of them,
 * so "50-x.conf" in /run is read after "10-y.conf" in /etc. */
static int collect_dropins(char *const *dirs, char ***ret, size_t *ret_n) {
        char **list = NULL;
        size_t n = 0;

        for (size_t i = 0; dirs && dirs[i]; i++) {
                DIR *d = opendir(dirs[i]);
                struct dirent *de;

                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        size_t len = strlen(de->d_name);
                        char **nl, *p;

                        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                                continue;
                        if (asprintf(&p, "%s/%s", dirs[i], de->d_name) < 0)
                                goto oom;
                        nl = realloc(list, (n + 1) * sizeof(char *));
                        if (!nl) {
                                free(p);
                                goto oom;
                        }
                        list = nl;
                        list[n++] = p;
                }
                closedir(d);
                continue;
        oom:
                closedir(d);
                for (size_t k = 0; k < n; k++)
                        free(list[k]);
                free(list);
                return -ENOMEM;
        }
        if (n > 0)
                qsort(list, n, sizeof(char *), dropin_name_cmp);
        *ret = list;
        *ret_n = n;
        return 0;
}

int config_load(const char *main_file, char *const *dropin_dirs, Config **ret, char **ret_error) {
        Config *c = config_new_defaults();
        char **files = NULL;
        size_t n_files = 0;
        int r;

        if (!c)
                return -ENOMEM;
        r = main_file ? config_parse_file(c, main_file, ret_error) : 0;
        if (r >= 0)
                r = collect_dropins(dropin_dirs, &files, &n_files);
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = config_parse_file(c, files[i], ret_error);
        for (size_t i = 0; i < n_files; i++)
                free(files[i]);
        free(files);
        if (r >= 0)
                r = config_validate(c, ret_error);
        if (r < 0) {
                config_free(c);
                return r;
        }
        if (c->n_policies > 1)
                qsort(c->policies, c->n_policies, sizeof(Policy), policy_cmp);
        *ret = c;
        return 0;
}

const Policy *config_policy_for(const Config *c, const char *cgroup) {
        return policy_lookup(c->policies, c->n_policies, cgroup);
}

bool config_has_caps(const Config *c) {
        for (size_t i = 0; i < c->n_policies; i++)
                if (c->policies[i].max_pages > 0)
                        return true;
        return false;
}

int dropin_keys_set(DropinKeys *d, const char *key, const char *value) {
        char **nk, **nv, *k, *v;

        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->keys[i], key) == 0) {
                        v = strdup(value);
                        if (!v)
                                return -ENOMEM;
                        free(d->values[i]);
                        d->values[i] = v;
                        return 0;
                }
        nk = realloc(d->keys, (d->n + 1) * sizeof(char *));
        if (!nk)
                return -ENOMEM;
        d->keys = nk;
        nv = realloc(d->values, (d->n + 1) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        d->values = nv;
        k = strdup(key);
        v = strdup(value);
        if (!k || !v) {
                free(k);
                free(v);
                return -ENOMEM;
        }
        d->keys[d->n] = k;
        d->values[d->n] = v;
        d->n++;
        return 0;
}

void dropin_keys_done(DropinKeys *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->keys[i]);
                free(d->values[i]);
        }
        free(d->keys);
        free(d->values);
        *d = (DropinKeys) {};
}

int dropin_keys_read(const char *path, DropinKeys *ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        DropinKeys d = {};
        size_t size = 0;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (getline(&line, &size, f) >= 0) {
                char *eq = strchr(line, '=');
                int r;

                if (line[0] == '#' || line[0] == '[' || !eq)
                        continue;
                line[strcspn(line, "\n")] = 0;
                *eq = 0;
                r = dropin_keys_set(&d, line, eq + 1);
                if (r < 0) {
                        dropin_keys_done(&d);
                        return r;
                }
        }
        *ret = d;
        return 0;
}

char *dropin_text(const char *cgroup, const DropinKeys *d) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        fprintf(f, "# Written by kvm-reclaimd (SetPolicy); kvm-reclaimctl policy remove deletes it.\n"
                   "[Policy %s]\n", cgroup);
        for (size_t i = 0; i < d->n; i++)
                fprintf(f, "%s=%s\n", d->keys[i], d->values[i]);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

void config_dump(const Config *c, FILE *f) {
        const DaemonSettings *d = &c->daemon;

        fprintf(f, "[Daemon]\nDebugfsDir=%s\nCgroupRoot=%s\nSystemPressureThreshold=%lluus\n"
                "PressureWindow=%lluus\nStepPages=%llu\nRefreshInterval=%lluus\nDisableKernelShrinker=%s\n",
                d->debugfs_dir, d->cgroup_root ?: "(detect)",
                (unsigned long long) d->system_threshold_usec, (unsigned long long) d->window_usec,
                (unsigned long long) d->step_pages, (unsigned long long) d->refresh_usec,
                yes_no(d->disable_kernel_shrinker));
        for (size_t i = 0; i < c->n_policies; i++) {
                const Policy *p = &c->policies[i];
                fprintf(f, "\n# from %s\n[Policy %s]\nWeight=%u\nMinPages=%llu\nMaxPages=%llu\nProtect=%s\n"
                        "Action=%s\nPressureThreshold=%lluus\n",
                        p->source ?: "?", p->cgroup, p->weight, (unsigned long long) p->min_pages,
                        (unsigned long long) p->max_pages, yes_no(p->protect),
                        reclaim_action_to_string(p->action), (unsigned long long) p->pressure_threshold_usec);
        }
        if (!config_find_policy(c, "/"))
                fprintf(f, "\n# built-in default for VMs no policy covers\n[Policy /]\nWeight=%u\nAction=%s\n",
                        POLICY_WEIGHT_DEFAULT, reclaim_action_to_string(RECLAIM_CACHES_ZAP));
}
