/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-policy.c - "policy get", "policy list", "policy set" and
 * "policy remove". Every policy key, its type and its syntax come from the
 * daemon's key table (daemon/conf-keys.c), so this file names no key:
 * KEY=VALUE is checked before connecting with the daemon's own parser
 * (check_policy_set()) and sent as the file would spell it; ranges that
 * depend on other settings are the daemon's.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimctl.h"
#include "reclaimctl-table.h"

/* The policy keys the daemon sends: the table's rows that are not aliases. */
#define FOREACH_POLICY_KEY(k)                                                                     \
        for (const ConfigKey *k = config_keys; k < config_keys + config_keys_n; k++)              \
                if (k->section == CONFIG_SECTION_POLICY && !(k->flags & CONFIG_KEY_ALIAS))

static bool have(const PolicyRecord *p, const ConfigKey *k) {
        return p->have_field & (UINT64_C(1) << k->field);
}

/* A value for people: page counts with their size, times with units, and
 * what 0 means where it means "none". */
static char *format_value(const PolicyRecord *p, const ConfigKey *k, bool brief, char *buf, size_t size) {
        uint64_t v = p->value[k->field];

        if (config_key_bus_type(k) == 's')
                snprintf(buf, size, "%s", p->string[k->field] ?: "");
        else if (config_key_bus_type(k) == 'b')
                snprintf(buf, size, "%s", v ? "yes" : "no");
        else if (v == 0 && (k->flags & CONFIG_KEY_INFINITY))
                snprintf(buf, size, "%s", brief ? "-" : "0 (no cap)");
        else if (v == 0 && k->type == CONFIG_TYPE_PSI)
                snprintf(buf, size, "%s", brief ? "-" : "0 (no per-cgroup trigger)");
        else if (k->type == CONFIG_TYPE_PSI || k->type == CONFIG_TYPE_TIMESPAN)
                format_timespan(buf, size, v);
        else if (k->type == CONFIG_TYPE_PAGES && !brief)
                format_pages(buf, size, v);
        else
                snprintf(buf, size, "%" PRIu64, v);
        return buf;
}

void json_policy(JsonWriter *j, const PolicyRecord *p, const char *fallback_cgroup) {
        json_begin_object(j);
        if (p->have & POLICY_HAVE_CGROUP || fallback_cgroup)
                json_pair_str(j, "Cgroup", p->have & POLICY_HAVE_CGROUP ? p->cgroup : fallback_cgroup);
        FOREACH_POLICY_KEY(k) {
                if (!have(p, k))
                        continue;
                switch (config_key_bus_type(k)) {
                case 's':
                        json_pair_str(j, k->name, p->string[k->field]);
                        break;
                case 'b':
                        json_pair_bool(j, k->name, p->value[k->field] != 0);
                        break;
                default:
                        json_pair_u64(j, k->name, p->value[k->field]);
                }
        }
        if (p->have & POLICY_HAVE_SOURCE)
                json_pair_str(j, "Source", p->source);
        if (p->have & POLICY_HAVE_RUNTIME)
                json_pair_bool(j, "Runtime", p->runtime > 0);
        if (p->have & POLICY_HAVE_SOURCES) {
                json_key(j, "Sources");
                json_begin_object(j);
                FOREACH_POLICY_KEY(k)
                        if (p->origin[k->field])
                                json_pair_str(j, k->name, p->origin[k->field]);
                json_end_object(j);
        }
        json_end_object(j);
}

static char *upcase(const char *s, char *buf, size_t size) {
        size_t i;

        for (i = 0; s[i] && i + 1 < size; i++)
                buf[i] = (char) (s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
        buf[i] = 0;
        return buf;
}

static Table *policy_table_new(void) {
        /* CGROUP, one column per key, SOURCE; table_new() stops at the first NULL. */
        static char upper[16][32];
        const char *h[16] = { "CGROUP" };
        size_t n = 1;
        Table *t;

        FOREACH_POLICY_KEY(k)
                if (n < ELEMENTSOF(h) - 1) {
                        h[n] = upcase(k->name, upper[n], sizeof(upper[n]));
                        n++;
                }
        h[n] = "SOURCE";
        t = table_new(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13],
                      h[14], h[15], NULL);
        if (!t)
                return NULL;
        /* Right-aligned where the values are numbers. */
        n = 1;
        FOREACH_POLICY_KEY(k) {
                char type = config_key_bus_type(k);
                table_set_align_right(t, n++, type == 'u' || type == 't');
        }
        return t;
}

int verb_policy_list(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        JsonWriter j;
        int r;

        r = call(bus, "ListPolicies", &reply, NULL);
        if (r != EXIT_OK)
                return r;

        if (arg_json) {
                json_init(&j, stdout);
                json_begin_array(&j);
        } else {
                t = policy_table_new();
                if (!t)
                        return oom();
        }

        r = sd_bus_message_enter_container(reply, 'a', "(sa{sv})");
        if (r < 0)
                return parse_failed("ListPolicies", r);

        while ((r = sd_bus_message_enter_container(reply, 'r', "sa{sv}")) > 0) {
                const char *cgroup;
                PolicyRecord p;

                r = sd_bus_message_read(reply, "s", &cgroup);
                if (r >= 0)
                        r = read_policy(reply, &p);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return parse_failed("ListPolicies", r);

                if (arg_json) {
                        json_policy(&j, &p, cgroup);
                        continue;
                }

                r = table_add_cell(t, cgroup);
                FOREACH_POLICY_KEY(k) {
                        char buf[64];

                        if (r >= 0)
                                r = table_add_cell(t, have(&p, k) ? format_value(&p, k, true, buf, sizeof(buf)) : "-");
                }
                if (r >= 0)
                        r = table_add_cellf(t, "%s%s", p.have & POLICY_HAVE_SOURCE ? p.source : "-",
                                            p.runtime > 0 ? " (runtime)" : "");
                if (r < 0)
                        return oom();
        }
        if (r < 0)
                return parse_failed("ListPolicies", r);

        if (arg_json) {
                json_end_array(&j);
                return EXIT_OK;
        }
        if (table_get_rows(t) == 0) {
                puts("No policies.");
                return EXIT_OK;
        }
        return table_print(t, stdout) < 0 ? oom() : EXIT_OK;
}

static bool is_selector(const char *s) {
        return s[0] == '/' || strncmp(s, "vm:", 3) == 0 || strncmp(s, "uuid:", 5) == 0;
}

int verb_policy_get(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *target = argv[0], *vm_id = NULL, *vm_name = NULL;
        PolicyRecord p;
        int r;

        if (is_selector(target)) {
                r = call(bus, "GetPolicy", &reply, "s", target);
                if (r != EXIT_OK)
                        return r;
                r = read_policy(reply, &p);
                if (r < 0)
                        return parse_failed("GetPolicy", r);
        } else {
                /* A VM, by id or name: its own policy, vm: sections included. */
                VMRecord vm = {};

                r = call(bus, "GetVM", &reply, "s", target);
                if (r != EXIT_OK)
                        return r;
                r = sd_bus_message_enter_container(reply, 'r', "susstttta{sv}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "susstttt", &vm.id, &vm.pid, &vm.name, &vm.cgroup,
                                                &vm.shadow_pages, &vm.cache_pages, &vm.reclaimed_cache_pages,
                                                &vm.reclaimed_shadow_pages);
                if (r >= 0)
                        r = read_policy(reply, &p);
                if (r < 0)
                        return parse_failed("GetVM", r);
                vm_id = vm.id;
                vm_name = vm.name;
        }

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_policy(&j, &p, NULL);
                return EXIT_OK;
        }

        if (vm_id)
                printf("Effective policy for VM %s (%s), from %s:\n", vm_name, vm_id,
                       p.have & POLICY_HAVE_CGROUP ? p.cgroup : "?");
        else if (p.have & POLICY_HAVE_CGROUP && strcmp(p.cgroup, target) != 0)
                printf("Effective policy for %s (inherited from %s):\n", target, p.cgroup);
        else
                printf("Effective policy for %s:\n", target);
        FOREACH_POLICY_KEY(k) {
                char buf[64];

                if (!have(&p, k))
                        continue;
                if (p.origin[k->field])
                        print_field(k->name, "%-24s %s", format_value(&p, k, false, buf, sizeof(buf)),
                                    p.origin[k->field]);
                else
                        print_field(k->name, "%s", format_value(&p, k, false, buf, sizeof(buf)));
        }
        if (p.have & POLICY_HAVE_SOURCE)
                print_field("Source", "%s%s", p.source, p.runtime > 0 ? " (runtime)" : "");
        return EXIT_OK;
}

/* KEY=VALUE, checked with the daemon's parser: an unknown key or a value
 * that does not parse is a usage error (exit 2). */
static int parse_setting(const char *arg, const ConfigKey **ret_key, const char **ret_value) {
        _cleanup_(freep) char *name = NULL, *err = NULL;
        const char *eq;

        eq = strchr(arg, '=');
        if (!eq || eq == arg)
                return usage_error("Expected KEY=VALUE, got '%s'.", arg);
        name = strndup(arg, (size_t) (eq - arg));
        if (!name)
                return oom();
        if (policy_setting_check(name, eq + 1, ret_key, &err) < 0) {
                if (!config_key_find(CONFIG_SECTION_POLICY, name))
                        return usage_error("%s", err ?: "Unknown policy key.");
                return usage_error("Invalid value '%s' for %s=: %s.", eq + 1, name, err ?: "does not parse");
        }
        *ret_value = eq + 1;
        return EXIT_OK;
}

int check_policy_set(int argc, char **argv) {
        const ConfigKey *given[_POLICY_FIELD_MAX] = {};

        for (int i = 1; i < argc; i++) {
                const ConfigKey *k;
                const char *v;
                int r = parse_setting(argv[i], &k, &v);

                if (r != EXIT_OK)
                        return r;
                if (given[k->field])
                        return given[k->field] == k ? usage_error("%s= given more than once.", k->name) :
                                usage_error("%s= and %s= set the same value.", given[k->field]->name, k->name);
                given[k->field] = k;
        }
        return EXIT_OK;
}

int check_policy_get(int argc, char **argv) {
        if (argv[0][0] == 0)
                return usage_error("An empty name is neither a cgroup, a policy selector nor a VM.");
        return EXIT_OK;
}

/* "SELECTOR KEY=VALUE..." as SetPolicy's (s a{sv}).  Validation happened
 * in check_policy_set() before we connected; values go as the file spells
 * them, so "20%" and "1G" stay so. */
static int append_policy_args(sd_bus_message *m, int argc, char **argv) {
        int r = sd_bus_message_append(m, "s", argv[0]);

        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (int i = 1; r >= 0 && i < argc; i++) {
                const ConfigKey *k;
                const char *v;

                (void) parse_setting(argv[i], &k, &v);
                r = sd_bus_message_append(m, "{sv}", k->name, "s", v);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

typedef struct PolicyArgs {
        int argc;
        char **argv;
} PolicyArgs;

static int add_policy_record(sd_bus_message *m, void *userdata) {
        const PolicyArgs *a = userdata;
        int r = sd_bus_message_open_container(m, 'r', "sa{sv}");

        if (r >= 0)
                r = append_policy_args(m, a->argc, a->argv);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* What the change would do at once (the MaxPages= round it starts) and at
 * the next memory pressure on the host, from the daemon's own planner. */
static int policy_set_dry_run(sd_bus *bus, int argc, char **argv) {
        PolicyArgs a = { argc, argv };
        int r;

        r = print_plan(bus, "/", "max-pages", add_policy_record, &a, "At once (MaxPages=)");
        if (r != EXIT_OK || arg_json)
                return r;
        putchar('\n');
        return print_plan(bus, "/", "", add_policy_record, &a, "At the next pressure on the host");
}

int verb_policy_set(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (arg_dry_run)
                return policy_set_dry_run(bus, argc, argv);

        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE, "SetPolicy");
        if (r < 0)
                return oom();

        r = append_policy_args(m, argc, argv);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", (int) arg_runtime);
        if (r < 0)
                return error_line(EXIT_GENERIC, "Failed to build the SetPolicy call: %s", strerror(-r));

        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return call_failed("SetPolicy", &error, r);
        return EXIT_OK;
}

/* The keys "policy set" takes, from the key table: no daemon needed. */
int verb_policy_keys(sd_bus *bus, int argc, char **argv) {
        _cleanup_(table_freep) Table *t = NULL;
        Policy defaults;
        JsonWriter j;

        policy_init_defaults(&defaults);
        if (arg_json) {
                json_init(&j, stdout);
                json_begin_array(&j);
        } else {
                t = table_new("KEY", "VALUES", "DEFAULT", "INHERITED", NULL);
                if (!t)
                        return oom();
        }
        for (const ConfigKey *k = config_keys; k < config_keys + config_keys_n; k++) {
                const ConfigKey *canonical = config_key_for_field(CONFIG_SECTION_POLICY, k->field);
                char syntax[128], def[64];
                const char *inherited = (k->flags & CONFIG_KEY_NOT_INHERITED) ? "no" : "yes";
                int r;

                if (k->section != CONFIG_SECTION_POLICY)
                        continue;
                if (k->flags & CONFIG_KEY_ALIAS)
                        snprintf(def, sizeof(def), "sets %s", canonical->name);
                else
                        config_key_format(k, &defaults, def, sizeof(def));
                config_key_syntax(k, syntax, sizeof(syntax));
                if (arg_json) {
                        json_begin_object(&j);
                        json_pair_str(&j, "Key", k->name);
                        json_pair_str(&j, "Values", syntax);
                        json_pair_str(&j, "Type", (char[]) { config_key_bus_type(k), 0 });
                        if (k->flags & CONFIG_KEY_ALIAS)
                                json_pair_str(&j, "Sets", canonical->name);
                        else
                                json_pair_str(&j, "Default", def);
                        json_pair_bool(&j, "Inherited", !(k->flags & CONFIG_KEY_NOT_INHERITED));
                        json_end_object(&j);
                        continue;
                }
                r = table_add_cell(t, k->name);
                if (r >= 0)
                        r = table_add_cell(t, syntax);
                if (r >= 0)
                        r = table_add_cell(t, def);
                if (r >= 0)
                        r = table_add_cell(t, inherited);
                if (r < 0)
                        return oom();
        }
        if (arg_json) {
                json_end_array(&j);
                return EXIT_OK;
        }
        return table_print(t, stdout) < 0 ? oom() : EXIT_OK;
}

int verb_policy_remove(sd_bus *bus, int argc, char **argv) {
        return call(bus, "RemovePolicy", NULL, "sb", argv[0], (int) arg_runtime);
}
