/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-dump.c - "dump": everything the daemon knows, from one Dump
 * call (as "oomctl dump"): the summary, the settings in force, the
 * policies, the PSI triggers, the VMs and the last rounds.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "reclaimctl.h"
#include "reclaimctl-table.h"

static void json_dump(const DumpRecord *d) {
        JsonWriter j;

        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "Status");
        json_begin_object(&j);
        json_status_fields(&j, &d->status);
        json_end_object(&j);

        json_key(&j, "Daemon");
        json_begin_object(&j);
        json_pair_str(&j, "ConfigFile", d->daemon.config_file);
        json_pair_str(&j, "DebugfsDir", d->daemon.debugfs_dir);
        json_pair_str(&j, "CgroupRoot", d->daemon.cgroup_root);
        json_pair_u64(&j, "SystemPressureThreshold", d->daemon.system_threshold);
        json_pair_u64(&j, "PressureWindow", d->daemon.window);
        json_pair_u64(&j, "StepPages", d->daemon.step_pages);
        json_pair_u64(&j, "RefreshInterval", d->daemon.refresh);
        json_pair_bool(&j, "DisableKernelShrinker", d->daemon.disable_shrinker > 0);
        json_pair_str(&j, "ShrinkerRestoreValue", d->daemon.shrinker_restore);
        json_pair_bool(&j, "RoundInFlight", d->daemon.round_in_flight > 0);
        json_pair_str(&j, "MetricsFile", d->daemon.metrics_file ?: "");
        json_pair_u64(&j, "MetricsInterval", d->daemon.metrics_interval);
        json_end_object(&j);

        json_key(&j, "Policies");
        json_begin_array(&j);
        for (size_t i = 0; i < d->n_policies; i++)
                json_policy(&j, &d->policies[i].policy, d->policies[i].cgroup);
        json_end_array(&j);

        json_key(&j, "Triggers");
        json_begin_array(&j);
        for (size_t i = 0; i < d->n_triggers; i++) {
                const TriggerRecord *t = &d->triggers[i];

                json_begin_object(&j);
                json_pair_str(&j, JSON_FIELD_SCOPE, t->scope);
                json_pair_str(&j, "File", t->path);
                json_pair_u64(&j, "Threshold", t->threshold);
                json_pair_u64(&j, "Window", t->window);
                json_pair_u64(&j, "ArmedTimestamp", t->armed_usec);
                json_pair_u64(&j, "Events", t->events);
                json_end_object(&j);
        }
        json_end_array(&j);

        json_key(&j, "VMs");
        json_begin_array(&j);
        for (size_t i = 0; i < d->n_vms; i++)
                json_vm(&j, &d->vms[i]);
        json_end_array(&j);

        json_key(&j, "Rounds");
        json_begin_array(&j);
        for (size_t i = 0; i < d->n_rounds; i++) {
                const RoundRecord *x = &d->rounds[i];

                json_begin_object(&j);
                json_pair_u64(&j, JSON_FIELD_TIMESTAMP, x->ended_usec);
                json_pair_str(&j, JSON_FIELD_REASON, x->reason);
                json_pair_u64(&j, "DurationUSec", x->duration_usec);
                json_pair_u64(&j, "VMs", x->vms);
                json_pair_u64(&j, "PlannedPages", x->planned_pages);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_CACHE_PAGES, x->caches_freed);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, x->zapped);
                json_pair_bool(&j, "CarriedOut", x->carried_out > 0);
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
}

static int print_policies(const DumpRecord *d) {
        _cleanup_(table_freep) Table *t = table_new("CGROUP", "WEIGHT", "MIN", "MAX", "PROTECT", "ACTION",
                                                    "THRESHOLD", "SOURCE", NULL);
        char th[64];
        int r = 0;

        if (!t)
                return -ENOMEM;
        for (size_t c = 1; c <= 3; c++)
                table_set_align_right(t, c, true);
        table_set_shrink(t, 0);
        table_set_shrink(t, 7);
        for (size_t i = 0; i < d->n_policies && r >= 0; i++) {
                const PolicyRecord *p = &d->policies[i].policy;

                r = table_add_cell(t, d->policies[i].cgroup);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu32, p->weight);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, p->min_pages);
                if (r >= 0)
                        r = p->max_pages > 0 ? table_add_cellf(t, "%" PRIu64, p->max_pages) : table_add_cell(t, "-");
                if (r >= 0)
                        r = table_add_cell(t, p->protect > 0 ? "yes" : "no");
                if (r >= 0)
                        r = table_add_cell(t, p->have & POLICY_HAVE_ACTION ? p->action : "-");
                if (r >= 0)
                        r = table_add_cell(t, p->pressure_threshold > 0 ?
                                           format_timespan_usec(th, sizeof(th), p->pressure_threshold) : "-");
                if (r >= 0)
                        r = table_add_cellf(t, "%s%s", p->have & POLICY_HAVE_SOURCE ? p->source : "-",
                                            p->runtime > 0 ? " (runtime)" : "");
        }
        if (r >= 0)
                r = table_set_legend(t, "MIN and MAX in pages of 4 KiB (- for no cap); THRESHOLD: stall per window "
                                        "that arms a PSI trigger for the cgroup.");
        return r < 0 ? r : table_print(t, stdout);
}

static int print_triggers(const DumpRecord *d) {
        _cleanup_(table_freep) Table *t = table_new("SCOPE", "THRESHOLD", "WINDOW", "EVENTS", "ARMED", "FILE", NULL);
        char a[64], b[64], ts[128];
        int r = 0;

        if (!t)
                return -ENOMEM;
        if (d->n_triggers == 0) {
                puts("No PSI triggers armed.");
                return 0;
        }
        table_set_align_right(t, 3, true);
        table_set_shrink(t, 5);
        for (size_t i = 0; i < d->n_triggers && r >= 0; i++) {
                const TriggerRecord *x = &d->triggers[i];

                r = table_add_cell(t, x->scope);
                if (r >= 0)
                        r = table_add_cell(t, format_timespan_usec(a, sizeof(a), x->threshold));
                if (r >= 0)
                        r = table_add_cell(t, format_timespan_usec(b, sizeof(b), x->window));
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->events);
                if (r >= 0)
                        r = table_add_cell(t, format_timestamp_usec(ts, sizeof(ts), x->armed_usec));
                if (r >= 0)
                        r = table_add_cell(t, x->path);
        }
        if (r >= 0)
                r = table_set_legend(t, "THRESHOLD as configured; WINDOW in force (2s when the kernel refused a "
                                        "shorter one); EVENTS: times it fired since ARMED.");
        return r < 0 ? r : table_print(t, stdout);
}

static int print_rounds(const DumpRecord *d) {
        _cleanup_(table_freep) Table *t = table_new("ENDED", "REASON", "VMS", "PLANNED", "CACHES", "ZAPPED", "TOOK",
                                                    NULL);
        char ts[128];
        int r = 0;

        if (!t)
                return -ENOMEM;
        if (d->n_rounds == 0) {
                puts("No rounds yet.");
                return 0;
        }
        for (size_t c = 2; c <= 6; c++)
                table_set_align_right(t, c, true);
        table_set_shrink(t, 1);
        for (size_t i = 0; i < d->n_rounds && r >= 0; i++) {
                const RoundRecord *x = &d->rounds[i];

                r = table_add_cell(t, format_timestamp_usec(ts, sizeof(ts), x->ended_usec));
                if (r >= 0)
                        r = table_add_cellf(t, "%s%s", x->reason, x->carried_out ? "" : " (not carried out)");
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->vms);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->planned_pages);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->caches_freed);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->zapped);
                if (r >= 0)
                        r = table_add_cellf(t, "%.1fms", x->duration_usec / 1000.0);
        }
        if (r >= 0)
                r = table_set_legend(t, "Newest first. PLANNED, CACHES (freed) and ZAPPED in pages of 4 KiB.");
        return r < 0 ? r : table_print(t, stdout);
}

int verb_dump(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char a[64], b[64], c[64];
        DumpRecord d;
        int r;

        r = fetch_dump(bus, &reply, &d);
        if (r != EXIT_OK)
                return r;
        if (arg_json) {
                json_dump(&d);
                dump_record_done(&d);
                return EXIT_OK;
        }

        print_status(&d.status);
        puts("Settings in force:");
        print_field("Configuration", "%s", d.daemon.config_file && *d.daemon.config_file ? d.daemon.config_file : "-");
        print_field("DebugfsDir", "%s", d.daemon.debugfs_dir ?: "-");
        print_field("CgroupRoot", "%s", d.daemon.cgroup_root && *d.daemon.cgroup_root ? d.daemon.cgroup_root : "-");
        print_field("Host PSI trigger", "%s per %s", format_timespan_usec(a, sizeof(a), d.daemon.system_threshold),
                    format_timespan_usec(b, sizeof(b), d.daemon.window));
        print_field("StepPages", "%s", format_pages(c, sizeof(c), d.daemon.step_pages));
        print_field("RefreshInterval", "%s", format_timespan_usec(a, sizeof(a), d.daemon.refresh));
        print_field("KVM's shrinker", "%s", d.daemon.shrinker_restore && *d.daemon.shrinker_restore ?
                    "off while running" : d.daemon.disable_shrinker > 0 ? "not found" : "left alone");
        print_field("Round in flight", "%s", d.daemon.round_in_flight > 0 ? "yes" : "no");
        if (d.daemon.metrics_file && *d.daemon.metrics_file)
                print_field("Metrics file", "%s (after changes, at most every %s)", d.daemon.metrics_file,
                            format_timespan_usec(a, sizeof(a), d.daemon.metrics_interval));
        else
                print_field("Metrics file", "-");

        puts("\nPolicies:");
        r = print_policies(&d);
        if (r >= 0) {
                puts("\nPSI triggers:");
                r = print_triggers(&d);
        }
        if (r >= 0) {
                puts("\nVMs:");
                r = print_vm_table(d.vms, d.n_vms);
        }
        if (r >= 0) {
                puts("\nLast rounds:");
                r = print_rounds(&d);
        }
        dump_record_done(&d);
        return r < 0 ? oom() : EXIT_OK;
}
