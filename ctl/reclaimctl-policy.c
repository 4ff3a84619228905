/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-policy.c - "policy get", "policy list", "policy set" and
 * "policy remove". KEY=VALUE settings are checked for their key and type
 * before connecting (check_policy_set()); ranges are the daemon's.
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

void json_policy(JsonWriter *j, const PolicyRecord *p, const char *fallback_cgroup) {
        json_begin_object(j);
        if (p->have & POLICY_HAVE_CGROUP || fallback_cgroup)
                json_pair_str(j, "Cgroup", p->have & POLICY_HAVE_CGROUP ? p->cgroup : fallback_cgroup);
        if (p->have & POLICY_HAVE_WEIGHT)
                json_pair_u64(j, "Weight", p->weight);
        if (p->have & POLICY_HAVE_MIN)
                json_pair_u64(j, "MinPages", p->min_pages);
        if (p->have & POLICY_HAVE_MAX)
                json_pair_u64(j, "MaxPages", p->max_pages);
        if (p->have & POLICY_HAVE_PROTECT)
                json_pair_bool(j, "Protect", p->protect > 0);
        if (p->have & POLICY_HAVE_ACTION)
                json_pair_str(j, "Action", p->action);
        if (p->have & POLICY_HAVE_THRESHOLD)
                json_pair_u64(j, "PressureThreshold", p->pressure_threshold);
        if (p->have & POLICY_HAVE_SOURCE)
                json_pair_str(j, "Source", p->source);
        if (p->have & POLICY_HAVE_RUNTIME)
                json_pair_bool(j, "Runtime", p->runtime > 0);
        json_end_object(j);
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
                t = table_new("CGROUP", "WEIGHT", "MIN", "MAX", "PROTECT", "ACTION", "THRESHOLD", "SOURCE", NULL);
                if (!t)
                        return oom();
                table_set_align_right(t, 1, true);
                table_set_align_right(t, 2, true);
                table_set_align_right(t, 3, true);
        }

        r = sd_bus_message_enter_container(reply, 'a', "(sa{sv})");
        if (r < 0)
                return parse_failed("ListPolicies", r);

        while ((r = sd_bus_message_enter_container(reply, 'r', "sa{sv}")) > 0) {
                const char *cgroup;
                PolicyRecord p;
                char th[64];

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
                if (r >= 0)
                        r = p.have & POLICY_HAVE_WEIGHT ? table_add_cellf(t, "%" PRIu32, p.weight) : table_add_cell(t, "-");
                if (r >= 0)
                        r = p.have & POLICY_HAVE_MIN ? table_add_cellf(t, "%" PRIu64, p.min_pages) : table_add_cell(t, "-");
                if (r >= 0)
                        r = p.have & POLICY_HAVE_MAX && p.max_pages > 0 ?
                                table_add_cellf(t, "%" PRIu64, p.max_pages) : table_add_cell(t, "-");
                if (r >= 0)
                        r = table_add_cell(t, p.protect > 0 ? "yes" : "no");
                if (r >= 0)
                        r = table_add_cell(t, p.have & POLICY_HAVE_ACTION ? p.action : "-");
                if (r >= 0)
                        r = table_add_cell(t, p.have & POLICY_HAVE_THRESHOLD && p.pressure_threshold > 0 ?
                                           format_timespan_usec(th, sizeof(th), p.pressure_threshold) : "-");
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

int verb_policy_get(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *cgroup = argv[0];
        char buf[64];
        PolicyRecord p;
        int r;

        r = call(bus, "GetPolicy", &reply, "s", cgroup);
        if (r != EXIT_OK)
                return r;

        r = read_policy(reply, &p);
        if (r < 0)
                return parse_failed("GetPolicy", r);

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_policy(&j, &p, NULL);
                return EXIT_OK;
        }

        if (p.have & POLICY_HAVE_CGROUP && strcmp(p.cgroup, cgroup) != 0)
                printf("Effective policy for %s (inherited from %s):\n", cgroup, p.cgroup);
        else
                printf("Effective policy for %s:\n", cgroup);
        if (p.have & POLICY_HAVE_WEIGHT)
                print_field("Weight", "%" PRIu32, p.weight);
        if (p.have & POLICY_HAVE_MIN)
                print_field("MinPages", "%s", format_pages(buf, sizeof(buf), p.min_pages));
        if (p.have & POLICY_HAVE_MAX) {
                if (p.max_pages == 0)
                        print_field("MaxPages", "0 (no cap)");
                else
                        print_field("MaxPages", "%s", format_pages(buf, sizeof(buf), p.max_pages));
        }
        if (p.have & POLICY_HAVE_PROTECT)
                print_field("Protect", "%s", p.protect > 0 ? "yes" : "no");
        if (p.have & POLICY_HAVE_ACTION)
                print_field("Action", "%s", p.action);
        if (p.have & POLICY_HAVE_THRESHOLD) {
                if (p.pressure_threshold == 0)
                        print_field("PressureThreshold", "0 (no per-cgroup trigger)");
                else
                        print_field("PressureThreshold", "%s",
                                    format_timespan_usec(buf, sizeof(buf), p.pressure_threshold));
        }
        if (p.have & POLICY_HAVE_SOURCE)
                print_field("Source", "%s%s", p.source, p.runtime > 0 ? " (runtime)" : "");
        return EXIT_OK;
}

typedef struct Setting {
        const PolicyKey *key;
        const char *string;
        uint64_t number;
        bool boolean;
} Setting;

/* Parses KEY=VALUE locally: an unknown key or a value that is not of the
 * key's type is a usage error (exit 2); ranges are the daemon's business. */
static int parse_setting(const char *arg, Setting *ret) {
        _cleanup_(freep) char *name = NULL;
        const char *eq, *value;
        Setting s = {};
        uint32_t u32;
        int r;

        eq = strchr(arg, '=');
        if (!eq || eq == arg)
                return usage_error("Expected KEY=VALUE, got '%s'.", arg);

        name = strndup(arg, (size_t) (eq - arg));
        if (!name)
                return oom();
        value = eq + 1;

        s.key = policy_key_find(name);
        if (!s.key)
                return usage_error("Unknown policy key '%s'; known keys are Weight, MinPages, MaxPages, "
                                   "Protect, Action and PressureThreshold.", name);

        switch (s.key->type) {
        case 'u':
                r = parse_u32(value, &u32);
                s.number = u32;
                break;
        case 't':
                r = s.key->timespan ? parse_usec(value, &s.number) : parse_u64(value, &s.number);
                break;
        case 'b':
                r = parse_bool(value);
                if (r >= 0) {
                        s.boolean = r;
                        r = 0;
                }
                break;
        default:
                s.string = value;
                r = 0;
        }
        if (r < 0) {
                const char *what =
                        s.key->type == 'b' ? "a boolean (yes/no/true/false/1/0)" :
                        s.key->timespan ? "a time span (µs, or with a unit such as 100ms or 1s)" :
                        s.key->type == 'u' ? "an unsigned 32-bit number" : "an unsigned 64-bit number";
                return usage_error("Invalid value '%s' for %s=: expected %s.", value, s.key->name, what);
        }

        *ret = s;
        return EXIT_OK;
}

int check_policy_set(int argc, char **argv) {
        Setting settings[16];
        size_t n = (size_t) argc - 1;

        if (n > sizeof(settings) / sizeof(settings[0]))
                return usage_error("Too many settings.");

        for (size_t i = 0; i < n; i++) {
                int r = parse_setting(argv[1 + i], &settings[i]);
                if (r != EXIT_OK)
                        return r;
                for (size_t k = 0; k < i; k++)
                        if (settings[k].key == settings[i].key)
                                return usage_error("%s= given more than once.", settings[i].key->name);
        }
        return EXIT_OK;
}

int verb_policy_set(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        Setting settings[16];
        size_t n = (size_t) argc - 1;
        int r;

        /* Validation happened in check_policy_set() before we connected. */
        for (size_t i = 0; i < n; i++)
                (void) parse_setting(argv[1 + i], &settings[i]);

        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE, "SetPolicy");
        if (r < 0)
                return oom();

        r = sd_bus_message_append(m, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const Setting *s = &settings[i];

                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        break;
                switch (s->key->type) {
                case 'u':
                        r = sd_bus_message_append(m, "sv", s->key->name, "u", (uint32_t) s->number);
                        break;
                case 't':
                        r = sd_bus_message_append(m, "sv", s->key->name, "t", s->number);
                        break;
                case 'b':
                        r = sd_bus_message_append(m, "sv", s->key->name, "b", (int) s->boolean);
                        break;
                default:
                        r = sd_bus_message_append(m, "sv", s->key->name, "s", s->string);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", (int) arg_runtime);
        if (r < 0)
                return error_line(EXIT_GENERIC, "Failed to build the SetPolicy call: %s", strerror(-r));

        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return call_failed("SetPolicy", &error, r);
        return EXIT_OK;
}

int verb_policy_remove(sd_bus *bus, int argc, char **argv) {
        return call(bus, "RemovePolicy", NULL, "sb", argv[0], (int) arg_runtime);
}
