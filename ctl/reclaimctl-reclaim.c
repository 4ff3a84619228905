/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-reclaim.c - "reclaim TARGET [--pages=N] [--action=ACTION]
 * [--dry-run]" and "reload": the two verbs that make the daemon act now.
 * With --dry-run, reclaim prints the plan the daemon's own planner makes
 * (PlanReclaim) and changes nothing; print_plan() also shows what
 * "policy set --dry-run" would do.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "reclaimctl.h"
#include "reclaimctl-table.h"

static const char *reclaim_action(void) {
        /* Without --pages there is no goal to zap towards: free the caches. */
        return arg_action ?: arg_pages_set ? "caches+zap" : "caches";
}

int check_reclaim(int argc, char **argv) {
        const char *action = reclaim_action();

        if (!action_is_valid(action))
                return usage_error("Invalid --action '%s': expected caches, zap or caches+zap.", action);
        if (strcmp(action, "caches") != 0 && !arg_pages_set)
                return usage_error("--action=%s needs --pages=N.", action);
        return EXIT_OK;
}

typedef struct Note {
        const char *vm;
        const char *why;
} Note;

/* a(ss): (vm, why) of every VM of the target that gave or gets nothing. */
static int read_notes(sd_bus_message *m, Note **ret, size_t *ret_n) {
        _cleanup_(freep) Note *notes = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(ss)");
        while (r >= 0) {
                Note x, *nn;

                r = sd_bus_message_read(m, "(ss)", &x.vm, &x.why);
                if (r <= 0)
                        break;
                nn = realloc(notes, (n + 1) * sizeof(Note));
                if (!nn)
                        return -ENOMEM;
                notes = nn;
                notes[n++] = x;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(notes);
        *ret_n = n;
        return 0;
}

static void json_notes(JsonWriter *j, const Note *notes, size_t n) {
        json_key(j, JSON_FIELD_NOTES);
        json_begin_array(j);
        for (size_t i = 0; i < n; i++) {
                json_begin_object(j);
                json_pair_str(j, JSON_FIELD_VM, notes[i].vm);
                json_pair_str(j, JSON_FIELD_WHY, notes[i].why);
                json_end_object(j);
        }
        json_end_array(j);
}

static void print_notes(const char *title, const Note *notes, size_t n) {
        if (n == 0)
                return;
        puts(title);
        for (size_t i = 0; i < n; i++)
                printf("  %s: %s\n", notes[i].vm, notes[i].why);
}

int print_plan(sd_bus *bus, const char *target, const char *action,
               int (*add_policies)(sd_bus_message *m, void *userdata), void *userdata, const char *title) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(freep) Note *notes = NULL;
        uint64_t total_cache = 0, total_zap = 0;
        size_t n_notes = 0, n_steps = 0;
        JsonWriter j;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE, "PlanReclaim");
        if (r < 0)
                return oom();
        r = sd_bus_message_append(m, "sts", target, arg_pages, action);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sa{sv})");
        if (r >= 0 && add_policies)
                r = add_policies(m, userdata);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return error_line(EXIT_GENERIC, "Failed to build the PlanReclaim call: %s", strerror(-r));
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0)
                return call_failed("PlanReclaim", &error, r);

        if (arg_json) {
                json_init(&j, stdout);
                json_begin_object(&j);
                json_pair_str(&j, JSON_FIELD_TARGET, target);
                json_pair_str(&j, JSON_FIELD_ACTION, action);
                json_key(&j, "Steps");
                json_begin_array(&j);
        } else {
                t = table_new("VM", "NAME", "CGROUP", "CACHES", "ZAP", NULL);
                if (!t)
                        return oom();
                table_set_align_right(t, 3, true);
                table_set_align_right(t, 4, true);
                table_set_shrink(t, 1);
                table_set_shrink(t, 2);
                r = table_set_legend(t, "CACHES: the cache pages a \"caches\" write would free; ZAP: the shadow "
                                        "pages a \"zap N\" would ask for.");
                if (r < 0)
                        return oom();
        }
        r = sd_bus_message_enter_container(reply, 'a', "(sssbtt)");
        while (r >= 0) {
                const char *vm, *name, *cgroup;
                uint64_t cache_pages, zap;
                int caches;

                r = sd_bus_message_read(reply, "(sssbtt)", &vm, &name, &cgroup, &caches, &cache_pages, &zap);
                if (r <= 0)
                        break;
                n_steps++;
                total_cache += caches ? cache_pages : 0;
                total_zap += zap;
                if (arg_json) {
                        json_begin_object(&j);
                        json_pair_str(&j, JSON_FIELD_VM, vm);
                        json_pair_str(&j, JSON_FIELD_NAME, name);
                        json_pair_str(&j, JSON_FIELD_CGROUP, cgroup);
                        json_pair_bool(&j, "Caches", caches);
                        json_pair_u64(&j, JSON_FIELD_CACHE_PAGES, caches ? cache_pages : 0);
                        json_pair_u64(&j, JSON_FIELD_ZAP_PAGES, zap);
                        json_end_object(&j);
                        continue;
                }
                r = table_add_cell(t, vm);
                if (r >= 0)
                        r = table_add_cell(t, *name ? name : "-");
                if (r >= 0)
                        r = table_add_cell(t, *cgroup ? cgroup : "-");
                if (r >= 0)
                        r = caches ? table_add_cellf(t, "%" PRIu64, cache_pages) : table_add_cell(t, "-");
                if (r >= 0)
                        r = zap > 0 ? table_add_cellf(t, "%" PRIu64, zap) : table_add_cell(t, "-");
                if (r == -ENOMEM)
                        return oom();
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = read_notes(reply, &notes, &n_notes);
        if (r < 0)
                return parse_failed("PlanReclaim", r);

        if (arg_json) {
                json_end_array(&j);
                json_notes(&j, notes, n_notes);
                json_end_object(&j);
                return EXIT_OK;
        }
        if (n_steps == 0)
                printf("%s: nothing would be reclaimed (dry run).\n", title ?: target);
        else {
                printf("%s: the daemon would free ~%" PRIu64 " cache pages and zap %" PRIu64
                       " shadow pages (dry run, nothing done):\n\n", title ?: target, total_cache, total_zap);
                if (table_print(t, stdout) < 0)
                        return oom();
        }
        if (n_notes > 0)
                putchar('\n');
        print_notes(n_steps == 0 ? "Why:" : "Left alone:", notes, n_notes);
        return EXIT_OK;
}

int verb_reclaim(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) Note *notes = NULL;
        const char *action = reclaim_action();
        uint64_t freed, zapped;
        size_t n_notes = 0;
        char a[64], b[64];
        int r;

        if (arg_dry_run)
                return print_plan(bus, argv[0], action, NULL, NULL, NULL);

        r = call(bus, "Reclaim", &reply, "sts", argv[0], arg_pages, action);
        if (r != EXIT_OK)
                return r;

        r = sd_bus_message_read(reply, "tt", &freed, &zapped);
        if (r >= 0)
                r = read_notes(reply, &notes, &n_notes);
        if (r < 0)
                return parse_failed("Reclaim", r);

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_pair_str(&j, JSON_FIELD_TARGET, argv[0]);
                json_pair_str(&j, JSON_FIELD_ACTION, action);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_CACHE_PAGES, freed);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, zapped);
                json_notes(&j, notes, n_notes);
                json_end_object(&j);
                return EXIT_OK;
        }
        if (freed == 0 && zapped == 0 && n_notes > 0) {
                /* Nothing freed is not a failure, but it has a reason. */
                printf("%s: nothing freed.\n", argv[0]);
                print_notes("Why:", notes, n_notes);
                return EXIT_OK;
        }
        printf("%s: freed %s cache pages, zapped %s shadow pages.\n", argv[0], format_pages(a, sizeof(a), freed),
               format_pages(b, sizeof(b), zapped));
        print_notes("Gave nothing or less than asked:", notes, n_notes);
        return EXIT_OK;
}

int verb_reload(sd_bus *bus, int argc, char **argv) {
        return call(bus, "Reload", NULL, NULL);
}
