/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-status.c - "status" (the daemon's summary and the VM table,
 * from one Dump call, so the header and the rows describe the same
 * instant) and "list" (the VM table alone), as tables or JSON.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reclaimctl.h"
#include "reclaimctl-table.h"

void json_vm(JsonWriter *j, const VMRecord *vm) {
        json_begin_object(j);
        json_pair_str(j, JSON_FIELD_VM, vm->id);
        json_pair_u64(j, JSON_FIELD_PID, vm->pid);
        json_pair_str(j, JSON_FIELD_NAME, vm->name);
        json_pair_str(j, JSON_FIELD_CGROUP, vm->cgroup);
        json_pair_u64(j, JSON_FIELD_SHADOW_PAGES, vm->shadow_pages);
        json_pair_u64(j, JSON_FIELD_TDP_PAGES, vm->tdp_pages);
        json_key(j, JSON_FIELD_PAGETABLE_BYTES);
        if (vm->have_bytes)
                json_u64(j, vm->pagetable_bytes);
        else
                json_null(j);
        json_pair_u64(j, JSON_FIELD_CACHE_PAGES, vm->cache_pages);
        json_pair_u64(j, JSON_FIELD_RECLAIMED_CACHE_PAGES, vm->reclaimed_cache_pages);
        json_pair_u64(j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, vm->reclaimed_shadow_pages);
        json_pair_u64(j, JSON_FIELD_REGROWN_PAGES, vm->regrown_pages);
        json_pair_double(j, JSON_FIELD_BACKOFF_SECONDS, vm->backoff_seconds);
        json_key(j, JSON_FIELD_POLICY);
        json_policy(j, &vm->policy, NULL);
        json_end_object(j);
}

static void json_vms(JsonWriter *j, const VMRecord *vms, size_t n) {
        json_begin_array(j);
        for (size_t i = 0; i < n; i++)
                json_vm(j, &vms[i]);
        json_end_array(j);
}

static const char *policy_action_label(const PolicyRecord *p) {
        if (p->protect > 0)
                return "protected";
        return p->have & POLICY_HAVE_ACTION ? p->action : "-";
}

#define VM_TABLE_LEGEND                                                                                   \
        "VM is <qemu pid>-<VM fd>. SHADOW (shadow MMU), TDP (TDP MMU page tables), CACHE and FREED\n"      \
        "(from caches and page tables since the daemon started) in pages of 4 KiB; MEMORY: what the\n"    \
        "page tables hold as the kernel counts it (- where it does not). POLICY: the cgroup whose\n"     \
        "policy applies, = for the VM's own."

int print_vm_table(const VMRecord *vms, size_t n) {
        _cleanup_(table_freep) Table *t = NULL;
        int r = 0;

        if (n == 0) {
                puts("No VMs.");
                return 0;
        }

        t = table_new("VM", "NAME", "SHADOW", "TDP", "MEMORY", "CACHE", "FREED", "WEIGHT", "ACTION", "CGROUP",
                      "POLICY", NULL);
        if (!t)
                return -ENOMEM;
        for (size_t c = 2; c <= 7; c++)
                table_set_align_right(t, c, true);
        /* Paths give way first, then the action; names are short and what
         * people look for. */
        table_set_shrink(t, 8);
        table_set_shrink(t, 9);
        table_set_shrink(t, 10);
        r = table_set_legend(t, VM_TABLE_LEGEND);

        for (size_t i = 0; i < n && r >= 0; i++) {
                const VMRecord *vm = &vms[i];
                const char *cgroup = vm->cgroup && *vm->cgroup ? vm->cgroup : "-";
                const char *policy = vm->policy.have & POLICY_HAVE_CGROUP ? vm->policy.cgroup : "-";
                char size[32];

                r = table_add_cell(t, vm->id);
                if (r >= 0)
                        r = table_add_cell(t, vm->name && *vm->name ? vm->name : "-");
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, vm->shadow_pages);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, vm->tdp_pages);
                if (r >= 0)
                        r = table_add_cell(t, vm->have_bytes ? format_size_short(size, sizeof(size), vm->pagetable_bytes)
                                                             : "-");
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, vm->cache_pages);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, vm->reclaimed_cache_pages + vm->reclaimed_shadow_pages);
                if (r >= 0)
                        r = vm->policy.have & POLICY_HAVE_WEIGHT ?
                                table_add_cellf(t, "%" PRIu32, vm->policy.weight) : table_add_cell(t, "-");
                if (r >= 0)
                        r = table_add_cell(t, policy_action_label(&vm->policy));
                if (r >= 0)
                        r = table_add_cell(t, cgroup);
                /* The POLICY column must not repeat CGROUP. */
                if (r >= 0)
                        r = table_add_cell(t, strcmp(policy, cgroup) == 0 ? "=" : policy);
        }
        if (r < 0)
                return r;

        return table_print(t, stdout);
}

int verb_list(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) VMRecord *vms = NULL;
        size_t n = 0;
        int r;

        r = fetch_vms(bus, &reply, &vms, &n);
        if (r != EXIT_OK)
                return r;

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_vms(&j, vms, n);
                return EXIT_OK;
        }

        r = print_vm_table(vms, n);
        return r < 0 ? oom() : EXIT_OK;
}

static const char *format_ago(char *buf, size_t len, uint64_t usec) {
        struct timespec ts;
        uint64_t now, d;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return "";
        now = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
        if (now < usec)
                return "";
        d = (now - usec) / 1000000ULL;
        if (d < 120)
                snprintf(buf, len, "; %" PRIu64 "s ago", d);
        else if (d < 7200)
                snprintf(buf, len, "; %" PRIu64 "min ago", d / 60);
        else if (d < 172800)
                snprintf(buf, len, "; %" PRIu64 "h ago", d / 3600);
        else
                snprintf(buf, len, "; %" PRIu64 " days ago", d / 86400);
        return buf;
}

/* The members of the status object (the caller opens and closes it). */
void json_status_fields(JsonWriter *j, const Status *s) {
        json_pair_str(j, "Version", s->version);
        json_pair_str(j, "Mode", s->mode);
        json_pair_str(j, "ModeReason", s->mode_reason);
        json_key(j, "KernelInterface");
        if (s->kernel_interface < 0)
                json_null(j);
        else
                json_bool(j, s->kernel_interface);
        json_key(j, "DryRun");
        if (s->dry_run < 0)
                json_null(j);
        else
                json_bool(j, s->dry_run);
        json_pair_u64(j, "VMCount", s->vm_count);
        json_pair_u64(j, JSON_FIELD_SHADOW_PAGES, s->shadow_pages);
        json_pair_u64(j, JSON_FIELD_TDP_PAGES, s->tdp_pages);
        json_key(j, JSON_FIELD_PAGETABLE_BYTES);
        if (s->have_bytes)
                json_u64(j, s->pagetable_bytes);
        else
                json_null(j);
        json_pair_u64(j, JSON_FIELD_CACHE_PAGES, s->cache_pages);
        json_pair_u64(j, JSON_FIELD_RECLAIMED_CACHE_PAGES, s->reclaimed_cache_pages);
        json_pair_u64(j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, s->reclaimed_shadow_pages);
        json_key(j, "LastPressureEvent");
        if (!s->have_last_event || s->last_event_usec == 0)
                json_null(j);
        else {
                json_begin_object(j);
                json_pair_u64(j, JSON_FIELD_TIMESTAMP, s->last_event_usec);
                json_pair_str(j, JSON_FIELD_SCOPE, s->last_event_scope);
                json_pair_double(j, "SomeAvg10", s->last_event_some);
                json_pair_double(j, "FullAvg10", s->last_event_full);
                json_end_object(j);
        }
}

/* The daemon's state as "label: value" lines and an empty line. */
void print_status(const Status *s) {
        char a[64], ts[128], ago[64] = "";
        bool active = s->mode && strcmp(s->mode, "active") == 0;

        printf("kvm-reclaimd %s\n", s->version ?: "(unknown version)");
        if (active || !s->mode_reason || !*s->mode_reason)
                print_field("Mode", "%s%s", s->mode ?: "unknown", s->dry_run > 0 ? ", dry run (writes nothing)" : "");
        else
                print_field("Mode", "%s (%s)", s->mode, s->mode_reason);
        print_field("Kernel interface", "%s", s->kernel_interface < 0 ? "unknown" :
                    s->kernel_interface ? "yes (mmu_reclaim present)" : "no (mmu_reclaim missing)");
        print_field("VMs", "%" PRIu32, s->vm_count);
        print_field("Shadow pages", "%s", format_pages(a, sizeof(a), s->shadow_pages));
        if (s->have_tdp)
                print_field("TDP page tables", "%s", format_pages(a, sizeof(a), s->tdp_pages));
        if (s->have_bytes)
                print_field("Page-table memory", "%.1f MiB (as the kernel counts it)",
                            (double) s->pagetable_bytes / (1024.0 * 1024.0));
        print_field("Cache pages", "%s", format_pages(a, sizeof(a), s->cache_pages));
        print_field("Reclaimed from caches", "%s", format_pages(a, sizeof(a), s->reclaimed_cache_pages));
        print_field("Reclaimed page tables", "%s", format_pages(a, sizeof(a), s->reclaimed_shadow_pages));
        if (!s->have_last_event || s->last_event_usec == 0)
                print_field("Last pressure event", "none");
        else
                print_field("Last pressure event", "%s%s (%s, some avg10 %.2f, full avg10 %.2f)",
                            format_timestamp_usec(ts, sizeof(ts), s->last_event_usec),
                            format_ago(ago, sizeof(ago), s->last_event_usec),
                            s->last_event_scope ?: "?", s->last_event_some, s->last_event_full);
        putchar('\n');
}

int verb_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        DumpRecord d;
        int r;

        /* One call: the summary and the rows come from the same instant. */
        r = fetch_dump(bus, &reply, &d);
        if (r != EXIT_OK)
                return r;

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_status_fields(&j, &d.status);
                json_key(&j, "VMs");
                json_vms(&j, d.vms, d.n_vms);
                json_end_object(&j);
                dump_record_done(&d);
                return EXIT_OK;
        }

        print_status(&d.status);
        r = print_vm_table(d.vms, d.n_vms);
        dump_record_done(&d);
        return r < 0 ? oom() : EXIT_OK;
}
