/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <string.h>

#include "conf.h"
#include "conf-trust.h"
#include "config.h"
#include "ini.h"
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

static int add_warning(Config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_warning(Config *c, const char *fmt, ...) {
        char **n, *w;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&w, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        n = realloc(c->warnings, (c->n_warnings + 1) * sizeof(char *));
        if (!n) {
                free(w);
                return -ENOMEM;
        }
        c->warnings = n;
        c->warnings[c->n_warnings++] = w;
        return 0;
}

static void setting_free(ConfigSetting *s) {
        if (s)
                free(s->value);
        free(s);
}

static void section_free(ConfigSection *s) {
        if (!s)
                return;
        for (size_t f = 0; f < _POLICY_FIELD_MAX; f++)
                setting_free(s->set[f]);
        free(s->selector);
        free(s);
}

static int section_cmp(const void *a, const void *b) {
        return strcmp(((const ConfigSection *) a)->selector, ((const ConfigSection *) b)->selector);
}

static void noop_free(void *p) {
}

Config *config_new(void) {
        Config *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        if (config_keys_set_defaults(CONFIG_SECTION_DAEMON, &c->daemon) < 0)
                return config_free(c);
        return c;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < config_keys_n; i++)
                if (config_keys[i].section == CONFIG_SECTION_DAEMON && config_keys[i].type == CONFIG_TYPE_PATH &&
                    !(config_keys[i].flags & CONFIG_KEY_ALIAS))
                        free(*(char **) ((char *) &c->daemon + config_keys[i].offset));
        for (size_t f = 0; f < _DAEMON_FIELD_MAX; f++)
                setting_free(c->daemon_set[f]);
        free(c->policies);
        free(c->vm_policies);
        tdestroy(c->section_index, noop_free);
        for (size_t i = 0; i < c->n_sections; i++)
                section_free(c->sections[i]);
        free(c->sections);
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i]);
        free(c->files);
        for (size_t i = 0; i < c->n_warnings; i++)
                free(c->warnings[i]);
        free(c->warnings);
        free(c);
        return NULL;
}

/* ---- reading ---- */

typedef struct ParseState {
        Config *config;
        const char *file;                /* interned */
        bool in_daemon;
        ConfigSection *section;          /* current [Policy]; NULL in [Daemon] */
} ParseState;

static int get_section(Config *c, const char *selector, PolicyMatch match, const char *file, unsigned line,
                       ConfigSection **ret) {
        ConfigSection key = { .selector = (char *) selector }, *s, **n;
        void *found = tfind(&key, &c->section_index, section_cmp);

        if (found) {
                *ret = *(ConfigSection **) found;
                return 0;
        }
        n = realloc(c->sections, (c->n_sections + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->sections = n;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->selector = strdup(selector);
        if (!s->selector || !tsearch(s, &c->section_index, section_cmp)) {
                section_free(s);
                return -ENOMEM;
        }
        s->match = match;
        s->file = file;
        s->line = line;
        c->sections[c->n_sections++] = s;
        *ret = s;
        return 0;
}

static int on_section(void *userdata, const char *file, unsigned line, const char *name, char **ret_error) {
        ParseState *st = userdata;
        _cleanup_free_ char *canonical = NULL;
        PolicyMatch match;
        int r;

        st->in_daemon = false;
        st->section = NULL;
        if (streq_ptr(name, "Daemon")) {
                st->in_daemon = true;
                return 0;
        }
        if (strncmp(name, "Policy", 6) != 0 || !strchr(" \t", name[6]) || name[6] == 0)
                return set_error(ret_error, "unknown section [%s] (expected [Daemon], [Policy /cgroup/path], "
                                 "[Policy vm:NAME] or [Policy uuid:UUID])", name);
        r = policy_selector_parse(name + 6 + strspn(name + 6, " \t"), &match, &canonical, ret_error);
        if (r < 0)
                return r;
        r = get_section(st->config, canonical, match, st->file, line, &st->section);
        if (r < 0)
                return r;
        st->section->source = st->file;
        return 0;
}

/* "Weight=5 # fast" is the value "5 # fast", as in systemd: say why. */
static const char *comment_hint(const char *value) {
        const char *h = strpbrk(value, "#;");
        return h && h > value && strchr(" \t", h[-1]) ?
                " ('#' and ';' start a comment only at the beginning of a line, systemd.syntax(7))" : "";
}

static int on_key(void *userdata, const char *file, unsigned line, const char *section, const char *name,
                  const char *value, char **ret_error) {
        ParseState *st = userdata;
        ConfigSectionKind kind = st->in_daemon ? CONFIG_SECTION_DAEMON : CONFIG_SECTION_POLICY;
        const ConfigKey *k = config_key_find(kind, name);
        _cleanup_free_ char *msg = NULL;
        ConfigSetting **slot, *s;
        union {
                Policy p;
                DaemonSettings d;
        } scratch = {};
        int r;

        if (!k)
                return set_error(ret_error, "unknown key %s= in [%s] (known: %s)", name, section,
                                 config_key_names(kind));
        if ((k->flags & CONFIG_KEY_CGROUP_ONLY) && st->section && st->section->match != POLICY_MATCH_CGROUP)
                return set_error(ret_error, "%s= belongs in a [Policy /cgroup] section: it arms a trigger on that "
                                 "cgroup's memory.pressure", name);
        slot = st->in_daemon ? &st->config->daemon_set[k->field] : &st->section->set[k->field];

        /* "Key=" resets the key to what it would be without this section. */
        if (value[0] == 0) {
                setting_free(*slot);
                *slot = NULL;
                return 0;
        }
        r = config_key_parse(k, value, NULL, &scratch, &msg);
        if (k->type == CONFIG_TYPE_PATH)
                free(st->in_daemon ? *(char **) ((char *) &scratch + k->offset) : NULL);
        if (r < 0)
                return r == -ENOMEM ? r : set_error(ret_error, "%s%s", msg ?: "invalid value", comment_hint(value));

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->value = strdup(value);
        if (!s->value) {
                setting_free(s);
                return -ENOMEM;
        }
        s->key = k;
        s->file = st->file;
        s->line = line;
        s->section = st->in_daemon ? "Daemon" : st->section->selector;
        setting_free(*slot);
        *slot = s;
        if (st->section)
                st->section->source = st->file;
        return 0;
}

static int intern_file(Config *c, const char *path, const char **ret) {
        char **n, *p = strdup(path);

        if (!p)
                return -ENOMEM;
        n = realloc(c->files, (c->n_files + 1) * sizeof(char *));
        if (!n) {
                free(p);
                return -ENOMEM;
        }
        c->files = n;
        c->files[c->n_files++] = p;
        *ret = p;
        return 0;
}

/* Errors quote the file's own bytes and name; they reach D-Bus, which
 * refuses a message that is not UTF-8 (the caller would wait for a reply
 * that never comes) and terminals: escape what is not printable UTF-8. */
static int printable_error(int r, char **ret_error) {
        char *e;

        if (r >= 0 || !ret_error || !*ret_error)
                return r;
        e = strndup_printable(*ret_error, strlen(*ret_error));
        if (e) {
                free(*ret_error);
                *ret_error = e;
        }
        return r;
}

int config_parse_text(Config *c, const char *path, const char *text, size_t size, char **ret_error) {
        static const IniHandlers handlers = { .section = on_section, .key = on_key };
        ParseState st = { .config = c };
        int r;

        r = intern_file(c, path, &st.file);
        if (r < 0)
                return r;
        return printable_error(ini_parse(text, size, st.file, &handlers, &st, ret_error), ret_error);
}

static const ConfigOverlay *overlay_find(const ConfigOverlay *overlays, const char *path) {
        for (const ConfigOverlay *o = overlays; o && o->path; o++)
                if (strcmp(o->path, path) == 0)
                        return o;
        return NULL;
}

#define TRUST_RULE "only files that root owns and alone can write, in directories that root alone can write, " \
        "are read (kvm-reclaimd.conf(5))"

/* A file someone other than root could have written is refused, as any
 * other configuration error (conf-trust.h). */
static int check_trust(const char *path, bool dir_checked, char **ret_error) {
        _cleanup_free_ char *why = NULL;
        int r = conf_trust_file(path, !dir_checked, &why);

        if (r == -ENOMEM)
                return r;
        if (r == -EPERM)
                return set_error(ret_error, "%s: not trusted: %s; " TRUST_RULE, path, why);
        if (r < 0)
                return set_error(ret_error, "%s: cannot check who may write it: %s", path, strerror(-r));
        return 0;
}

static int check_dir_trust(const char *dir, char **ret_error) {
        _cleanup_free_ char *why = NULL;
        int r = conf_trust_dir(dir, &why);

        if (r == -ENOMEM)
                return r;
        if (r == -EPERM)
                return set_error(ret_error, "%s: not trusted: %s; " TRUST_RULE, dir, why);
        if (r < 0 && r != -ENOENT)
                return set_error(ret_error, "%s: cannot check who may write it: %s", dir, strerror(-r));
        return 0;
}

/* 'dir_checked': the directories above 'path' were checked already (a
 * drop-in directory, once for all its files). */
static int parse_file(Config *c, const char *path, const ConfigOverlay *overlays, bool may_be_missing,
                      bool dir_checked, char **ret_error) {
        const ConfigOverlay *overlay = overlay_find(overlays, path);
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        if (overlay) {
                if (!overlay->text)
                        return 0;
                return config_parse_text(c, path, overlay->text, strlen(overlay->text), ret_error);
        }
        r = ini_read_file(path, &text, &size);
        if (r == -ENOENT && may_be_missing)
                return 0;
        if (r == -EBADFD && streq_ptr(path, "/dev/null"))
                r = 0;   /* "--config=/dev/null": no main file, on purpose */
        if (r == -EFBIG)
                return set_error(ret_error, "%s: larger than %u bytes: not a configuration file", path,
                                 INI_FILE_SIZE_MAX);
        if (r == -EBADFD)
                return set_error(ret_error, "%s: not a regular file", path);
        if (r == -ENOENT)
                return set_error(ret_error, "%s: cannot read: No such file or directory (a --config= file "
                                 "must exist)", path);
        if (r < 0)
                return set_error(ret_error, "%s: cannot read: %s", path, strerror(-r));
        if (text) {   /* not for "/dev/null" */
                r = check_trust(path, dir_checked, ret_error);
                if (r < 0)
                        return r;
        }
        return config_parse_text(c, path, text ?: "", size, ret_error);
}

typedef struct Dropin {
        char *path;
        const char *name;                /* its basename */
        size_t dir;                      /* index of its directory */
} Dropin;

static int dropin_cmp(const void *a, const void *b) {
        const Dropin *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        return x->dir < y->dir ? -1 : x->dir > y->dir;
}

static bool is_dropin_name(const char *name) {
        size_t len = strlen(name);
        return name[0] != '.' && len >= 6 && strcmp(name + len - 5, ".conf") == 0;
}

static int add_dropin(Dropin **list, size_t *n, const char *path, size_t dir) {
        Dropin *nl = realloc(*list, (*n + 1) * sizeof(Dropin));
        char *p;

        if (!nl)
                return -ENOMEM;
        *list = nl;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        nl[*n] = (Dropin) { .path = p, .name = strrchr(p, '/') ? strrchr(p, '/') + 1 : p, .dir = dir };
        (*n)++;
        return 0;
}

static bool dropin_listed(const Dropin *list, size_t n, const char *path) {
        for (size_t k = 0; k < n; k++)
                if (strcmp(list[k].path, path) == 0)
                        return true;
        return false;
}

/* Every *.conf in 'dirs', ordered by file name across all of them, so
 * "50-x.conf" in /run is read after "10-y.conf" in /etc.  An overlay adds
 * its file if it is not there yet. */
static int collect_dropins(char *const *dirs, const ConfigOverlay *overlays, Dropin **ret, size_t *ret_n,
                           char **ret_error) {
        Dropin *list = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && dirs && dirs[i]; i++) {
                DIR *d = opendir(dirs[i]);
                struct dirent *de;

                /* A directory others can write is refused even while it
                 * holds nothing: what they put there would be. */
                if (d)
                        r = check_dir_trust(dirs[i], ret_error);

                while (d && r >= 0 && (de = readdir(d))) {
                        _cleanup_free_ char *p = NULL;

                        if (!is_dropin_name(de->d_name))
                                continue;
                        if (asprintf(&p, "%s/%s", dirs[i], de->d_name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        r = add_dropin(&list, &n, p, i);
                }
                if (d)
                        closedir(d);
                /* A file SetPolicy is about to write, maybe in a directory
                 * that does not exist yet. */
                for (const ConfigOverlay *o = overlays; r >= 0 && o && o->path; o++)
                        if (o->text && strncmp(o->path, dirs[i], strlen(dirs[i])) == 0 &&
                            o->path[strlen(dirs[i])] == '/' && !strchr(o->path + strlen(dirs[i]) + 1, '/') &&
                            !dropin_listed(list, n, o->path))
                                r = add_dropin(&list, &n, o->path, i);
        }
        if (r < 0) {
                for (size_t k = 0; k < n; k++)
                        free(list[k].path);
                free(list);
                return r;
        }
        if (n > 1)
                qsort(list, n, sizeof(Dropin), dropin_cmp);
        *ret = list;
        *ret_n = n;
        return 0;
}

int config_load_overlay(const char *main_file, char *const *dropin_dirs, const ConfigOverlay *overlays,
                        Config **ret, char **ret_error) {
        _cleanup_(config_freep) Config *c = config_new();
        Dropin *files = NULL;
        size_t n_files = 0;
        int r = 0;

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; dropin_dirs && dropin_dirs[i]; i++)
                c->n_dropin_dirs++;
        if (main_file) {
                r = parse_file(c, main_file, overlays, streq_ptr(main_file, KVM_RECLAIMD_CONF_FILE), false,
                               ret_error);
                if (r >= 0 && c->n_files > 0)
                        c->main_file = c->files[0];
        }
        if (r >= 0)
                r = collect_dropins(dropin_dirs, overlays, &files, &n_files, ret_error);
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = parse_file(c, files[i].path, overlays, true, true, ret_error);
        for (size_t i = 0; i < n_files; i++)
                free(files[i].path);
        free(files);
        if (r >= 0)
                r = config_resolve(c, ret_error);
        if (r < 0)
                return printable_error(r, ret_error);
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *main_file, char *const *dropin_dirs, Config **ret, char **ret_error) {
        return config_load_overlay(main_file, dropin_dirs, NULL, ret, ret_error);
}

/* ---- resolving ---- */

static const char *setting_where(const Config *c, const ConfigSetting *s, char *buf, size_t size) {
        snprintf(buf, size, "%s%s:%u", c->main_file && s->file == c->main_file ? "" : "drop-in ", s->file, s->line);
        return buf;
}

int config_describe_origin(const Config *c, const Policy *p, PolicyField f, char **ret) {
        const ConfigKey *k = config_key_for_field(CONFIG_SECTION_POLICY, f);
        const ConfigSetting *s = p->origin[f];
        char where[4200], value[256];
        int r;

        if (!s && (k->flags & CONFIG_KEY_NOT_INHERITED) && p->match == POLICY_MATCH_CGROUP && c) {
                /* Say which ancestor's setting covers this cgroup anyway:
                 * up the sections, O(depth log n). */
                _cleanup_free_ char *path = strdup(p->cgroup);
                const Policy *a;

                if (!path)
                        return -ENOMEM;
                for (char *slash; !streq_ptr(path, "/") && (slash = strrchr(path, '/')); ) {
                        slash[slash == path ? 1 : 0] = 0;
                        a = policy_lookup(c->policies, c->n_policies, path);
                        if (a->origin[f] && config_key_bus_value(k, a, &(const char *) { NULL }) != 0)
                                return asprintf(ret, "default (not inherited; %s=%s of %s covers this cgroup)",
                                                k->name, a->origin[f]->value, a->cgroup) < 0 ? -ENOMEM : 0;
                        snprintf(path, strlen(path) + 1, "%s", a->cgroup);
                }
        }
        if (!s)
                return asprintf(ret, "default") < 0 ? -ENOMEM : 0;
        setting_where(c, s, where, sizeof(where));
        /* The spelling, where it differs from the value's: "MinMemory=1G", "20%". */
        if (s->key != k || !streq_ptr(config_key_format(k, p, value, sizeof(value)), s->value))
                snprintf(where + strlen(where), sizeof(where) - strlen(where), " (%s=%s)", s->key->name, s->value);
        if (!streq_ptr(s->section, p->cgroup))
                r = asprintf(ret, "inherited from %s (%s)", s->section, where);
        else
                r = asprintf(ret, "%s", where);
        return r < 0 ? -ENOMEM : 0;
}

/* "FILE:LINE: " of the setting to blame for a problem in 'p': its own
 * (set in p's section) over an inherited one, the later line of two. */
static const ConfigSetting *blame(const Config *c, const Policy *p, const ConfigSetting *a, const ConfigSetting *b) {
        bool own_a = a && streq_ptr(a->section, p->cgroup), own_b = b && streq_ptr(b->section, p->cgroup);
        size_t fa = 0, fb = 0;

        if (!a || !b || own_a != own_b)
                return (own_a || !b) ? a : b;
        for (size_t i = 0; i < c->n_files; i++) {
                if (c->files[i] == a->file)
                        fa = i;
                if (c->files[i] == b->file)
                        fb = i;
        }
        return (fa > fb || (fa == fb && a->line > b->line)) ? a : b;
}

static int policy_error(const Config *c, const Policy *p, const ConfigSetting *at, const char *for_what,
                        char **ret_error, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int policy_error(const Config *c, const Policy *p, const ConfigSetting *at, const char *for_what,
                        char **ret_error, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (at)
                return set_error(ret_error, "%s:%u: [Policy %s]%s: %s", at->file, at->line, p->cgroup,
                                 for_what ?: "", msg ?: "invalid");
        return set_error(ret_error, "[Policy %s]%s: %s", p->cgroup, for_what ?: "", msg ?: "invalid");
}

/* The checks across keys, on an effective policy.  'for_what' says which
 * VMs a layered vm: policy was checked for. */
static int policy_check(const Config *c, const Policy *p, const char *for_what, char **ret_error) {
        const ConfigSetting *mx = p->origin[POLICY_MAX_PAGES];
        _cleanup_free_ char *other = NULL;

        if (p->max_pages == 0)
                return 0;
        if (p->max_pages < p->min_pages) {
                const ConfigSetting *mn = p->origin[POLICY_MIN_PAGES], *at = blame(c, p, mx, mn);
                (void) config_describe_origin(c, p, at == mx ? POLICY_MIN_PAGES : POLICY_MAX_PAGES, &other);
                return policy_error(c, p, at, for_what, ret_error,
                                    "MaxPages= (%llu) must not be below MinPages= (%llu; %s is %s)",
                                    (unsigned long long) p->max_pages, (unsigned long long) p->min_pages,
                                    at == mx ? "MinPages=" : "MaxPages=", other ?: "set elsewhere");
        }
        if (!(p->action & RECLAIM_ZAP)) {
                const ConfigSetting *at = blame(c, p, mx, p->origin[POLICY_ACTION]);
                (void) config_describe_origin(c, p, at == mx ? POLICY_ACTION : POLICY_MAX_PAGES, &other);
                return policy_error(c, p, at, for_what, ret_error,
                                    "MaxPages= needs Action=zap or Action=caches+zap, not Action=%s (%s is %s)",
                                    reclaim_action_to_string(p->action), at == mx ? "Action=" : "MaxPages=",
                                    other ?: "set elsewhere");
        }
        /* A cap set beside or below a protection is a mistake to point
         * out; a protection set below a cap simply wins over it. */
        if (p->protect && mx && streq_ptr(mx->section, p->cgroup)) {
                const ConfigSetting *at = blame(c, p, mx, p->origin[POLICY_PROTECT]);
                (void) config_describe_origin(c, p, at == mx ? POLICY_PROTECT : POLICY_MAX_PAGES, &other);
                return policy_error(c, p, at, for_what, ret_error,
                                    "Protect=yes and MaxPages= contradict each other (%s is %s): a protected "
                                    "VM is never reclaimed; to cap VMs below a protected cgroup, say Protect=no "
                                    "with the cap", at == mx ? "Protect=yes" : "MaxPages=", other ?: "set elsewhere");
        }
        return 0;
}

static int resolve_daemon(Config *c, char **ret_error) {
        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                const ConfigSetting *s = k->section == CONFIG_SECTION_DAEMON ? c->daemon_set[k->field] : NULL;
                ConfigContext ctx = { .window_usec = c->daemon.window_usec };
                _cleanup_free_ char *msg = NULL;
                int r;

                if (!s || s->key != k)
                        continue;
                r = config_key_parse(k, s->value, &ctx, &c->daemon, &msg);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return set_error(ret_error, "%s:%u: %s", s->file, s->line, msg ?: "invalid value");
        }
        return 0;
}

/* A section's own values, parsed now that the window is known. */
static int resolve_own(Config *c, ConfigSection *s, char **ret_error) {
        const ConfigContext ctx = { .window_usec = c->daemon.window_usec };

        policy_init_defaults(&s->own);
        s->own.cgroup = s->selector;
        s->own.match = s->match;
        s->own.source = s->source;
        for (size_t f = 0; f < _POLICY_FIELD_MAX; f++) {
                ConfigSetting *set = s->set[f];
                _cleanup_free_ char *msg = NULL;
                int r;

                if (!set)
                        continue;
                r = config_key_parse(set->key, set->value, &ctx, &s->own, &msg);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return set_error(ret_error, "%s:%u: %s", set->file, set->line, msg ?: "invalid value");
                s->own.origin[f] = set;
        }
        return 0;
}

static int section_ptr_cmp(const void *a, const void *b) {
        return strcmp((*(ConfigSection *const *) a)->selector, (*(ConfigSection *const *) b)->selector);
}

static int vm_policy_cmp(const void *a, const void *b) {
        return policy_vm_precedence(a, b);
}

/* Lays the keys 'over' sets itself on top of 'p'. */
static void policy_overlay(Policy *p, const Policy *over) {
        for (size_t f = 0; f < _POLICY_FIELD_MAX; f++)
                if (over->origin[f])
                        policy_copy_field(p, over, f);
        p->cgroup = over->cgroup;
        p->match = over->match;
        p->source = over->source;
}

static int resolve_cgroup_policies(Config *c, ConfigSection **sorted, size_t n, char **ret_error) {
        c->policies = calloc(n ? n : 1, sizeof(Policy));
        if (!c->policies)
                return -ENOMEM;
        /* Sorted by path, every ancestor comes before its descendants. */
        for (size_t i = 0; i < n; i++) {
                const ConfigSection *s = sorted[i];
                const char *slash = strrchr(s->selector, '/');
                _cleanup_free_ char *parent_path = strndup(s->selector, slash == s->selector ? 1 : (size_t) (slash - s->selector));
                const Policy *parent;
                Policy *p = &c->policies[c->n_policies];

                if (!parent_path)
                        return -ENOMEM;
                parent = streq_ptr(s->selector, "/") ? policy_builtin_default() :
                        policy_lookup(c->policies, c->n_policies, parent_path);
                *p = *parent;
                for (size_t f = 0; f < _POLICY_FIELD_MAX; f++)
                        if (config_key_for_field(CONFIG_SECTION_POLICY, f)->flags & CONFIG_KEY_NOT_INHERITED)
                                policy_copy_field(p, policy_builtin_default(), f);
                policy_overlay(p, &s->own);
                c->n_policies++;

                if (s->own.origin[POLICY_PROTECT] && !p->protect && parent->protect && parent != policy_builtin_default()) {
                        char where[4200];
                        if (add_warning(c, "%s:%u: [Policy %s]: Protect=no lifts the protection that %s gives "
                                        "(Protect=yes from %s): its VMs can be reclaimed",
                                        s->set[POLICY_PROTECT]->file, s->set[POLICY_PROTECT]->line, s->selector,
                                        parent->cgroup,
                                        setting_where(c, parent->origin[POLICY_PROTECT], where, sizeof(where))) < 0)
                                return -ENOMEM;
                }
        }
        for (size_t i = 0; i < c->n_policies; i++) {
                int r = policy_check(c, &c->policies[i], NULL, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int resolve_vm_policies(Config *c, ConfigSection **vms, size_t n, char **ret_error) {
        const Policy *protected = NULL;

        c->vm_policies = calloc(n ? n : 1, sizeof(Policy));
        if (!c->vm_policies)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                c->vm_policies[c->n_vm_policies++] = vms[i]->own;
        if (n > 1)
                qsort(c->vm_policies, n, sizeof(Policy), vm_policy_cmp);

        /* Every cgroup policy a selected VM may be under, the root's too. */
        for (size_t i = 0; i < c->n_vm_policies; i++) {
                const Policy *v = &c->vm_policies[i];

                for (size_t k = 0; k <= c->n_policies; k++) {
                        const Policy *base = k == 0 ? policy_lookup(c->policies, c->n_policies, "/") :
                                                      &c->policies[k - 1];
                        _cleanup_free_ char *for_what = NULL;
                        Policy layered = *base;
                        int r;

                        if (base->protect && !protected)
                                protected = base;
                        policy_overlay(&layered, v);
                        if (asprintf(&for_what, " (for VMs under %s)", base->cgroup) < 0)
                                return -ENOMEM;
                        r = policy_check(c, &layered, for_what, ret_error);
                        if (r < 0)
                                return r;
                }
                if (v->origin[POLICY_PROTECT] && !v->protect && protected &&
                    add_warning(c, "%s:%u: [Policy %s]: Protect=no lifts the protection of the cgroup policies "
                                "of the VMs it selects (e.g. %s has Protect=yes)", v->origin[POLICY_PROTECT]->file,
                                v->origin[POLICY_PROTECT]->line, v->cgroup, protected->cgroup) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int config_resolve(Config *c, char **ret_error) {
        _cleanup_free_ ConfigSection **cg = NULL, **vms = NULL;
        size_t n_cg = 0, n_vm = 0;
        int r;

        r = resolve_daemon(c, ret_error);
        if (r < 0)
                return r;
        cg = calloc(c->n_sections + 1, sizeof(*cg));
        vms = calloc(c->n_sections + 1, sizeof(*vms));
        if (!cg || !vms)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sections; i++) {
                r = resolve_own(c, c->sections[i], ret_error);
                if (r < 0)
                        return r;
                if (c->sections[i]->match == POLICY_MATCH_CGROUP)
                        cg[n_cg++] = c->sections[i];
                else
                        vms[n_vm++] = c->sections[i];
        }
        if (n_cg > 1)
                qsort(cg, n_cg, sizeof(*cg), section_ptr_cmp);
        r = resolve_cgroup_policies(c, cg, n_cg, ret_error);
        if (r < 0)
                return r;
        return resolve_vm_policies(c, vms, n_vm, ret_error);
}

/* ---- lookups ---- */

const Policy *config_policy_for(const Config *c, const char *cgroup) {
        return policy_lookup(c->policies, c->n_policies, cgroup);
}

const Policy *config_policy_for_vm(const Config *c, const char *cgroup, const char *name, const char *uuid,
                                   Policy *buf) {
        const Policy *base = config_policy_for(c, cgroup);
        bool any = false;

        for (size_t i = 0; i < c->n_vm_policies; i++) {
                if (!policy_selects_vm(&c->vm_policies[i], name, uuid))
                        continue;
                if (!any)
                        *buf = *base;
                policy_overlay(buf, &c->vm_policies[i]);
                any = true;
        }
        return any ? buf : base;
}

void config_layer_vm_policy(const Config *c, const Policy *vm, const char *cgroup, Policy *ret) {
        *ret = *config_policy_for(c, cgroup);
        policy_overlay(ret, vm);
}

const Policy *config_find_policy(const Config *c, const char *selector) {
        const Policy *p;

        if (selector && selector[0] == '/') {
                p = policy_lookup(c->policies, c->n_policies, selector);
                return streq_ptr(p->cgroup, selector) && p != policy_builtin_default() ? p : NULL;
        }
        for (size_t i = 0; i < c->n_vm_policies; i++)
                if (streq_ptr(c->vm_policies[i].cgroup, selector))
                        return &c->vm_policies[i];
        return NULL;
}

bool config_has_caps(const Config *c) {
        for (size_t i = 0; i < c->n_policies; i++)
                if (c->policies[i].max_pages > 0)
                        return true;
        for (size_t i = 0; i < c->n_vm_policies; i++)
                if (c->vm_policies[i].max_pages > 0)
                        return true;
        return false;
}
