/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-status.c - "status" (the daemon's properties and the VM
 * table) and "list" (the VM table alone), as tables or JSON.
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

static void json_vm(JsonWriter *j, const VMRecord *vm) {
        json_begin_object(j);
        json_pair_str(j, "Id", vm->id);
        json_pair_u64(j, "Pid", vm->pid);
        json_pair_str(j, "Name", vm->name);
        json_pair_str(j, "Cgroup", vm->cgroup);
        json_pair_u64(j, "ShadowPages", vm->shadow_pages);
        json_pair_u64(j, "CachePages", vm->cache_pages);
        json_pair_u64(j, "ReclaimedCachePages", vm->reclaimed_cache_pages);
        json_pair_u64(j, "ReclaimedShadowPages", vm->reclaimed_shadow_pages);
        json_key(j, "Policy");
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

static int print_vm_table(const VMRecord *vms, size_t n) {
        _cleanup_(table_freep) Table *t = NULL;
        char a[64], b[64], c[64];
        int r = 0;

        if (n == 0) {
                puts("No VMs.");
                return 0;
        }

        t = table_new("ID", "PID", "NAME", "SHADOW", "CACHE", "RECLAIMED", "WEIGHT", "ACTION",
                      "POLICY", "CGROUP", NULL);
        if (!t)
                return -ENOMEM;
        table_set_align_right(t, 1, true);
        table_set_align_right(t, 3, true);
        table_set_align_right(t, 4, true);
        table_set_align_right(t, 5, true);
        table_set_align_right(t, 6, true);

        for (size_t i = 0; i < n && r >= 0; i++) {
                const VMRecord *vm = &vms[i];

                r = table_add_cell(t, vm->id);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu32, vm->pid);
                if (r >= 0)
                        r = table_add_cell(t, vm->name && *vm->name ? vm->name : "-");
                if (r >= 0)
                        r = table_add_cell(t, format_pages(a, sizeof(a), vm->shadow_pages));
                if (r >= 0)
                        r = table_add_cell(t, format_pages(b, sizeof(b), vm->cache_pages));
                if (r >= 0)
                        r = table_add_cell(t, format_pages(c, sizeof(c),
                                                                vm->reclaimed_cache_pages + vm->reclaimed_shadow_pages));
                if (r >= 0)
                        r = vm->policy.have & POLICY_HAVE_WEIGHT ?
                                table_add_cellf(t, "%" PRIu32, vm->policy.weight) : table_add_cell(t, "-");
                if (r >= 0)
                        r = table_add_cell(t, policy_action_label(&vm->policy));
                if (r >= 0)
                        r = table_add_cell(t, vm->policy.have & POLICY_HAVE_CGROUP ? vm->policy.cgroup : "-");
                if (r >= 0)
                        r = table_add_cell(t, vm->cgroup && *vm->cgroup ? vm->cgroup : "-");
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

typedef struct Status {
        const char *version;
        const char *mode;
        const char *mode_reason;
        int kernel_interface;
        uint32_t vm_count;
        uint64_t shadow_pages;
        uint64_t cache_pages;
        uint64_t reclaimed_cache_pages;
        uint64_t reclaimed_shadow_pages;
        bool have_last_event;
        uint64_t last_event_usec;
        const char *last_event_scope;
        double last_event_some;
        double last_event_full;
} Status;

static int status_field(sd_bus_message *m, const char *key, void *userdata) {
        static const DictField fields[] = {
                { "Version",              "s", offsetof(Status, version), 0 },
                { "Mode",                 "s", offsetof(Status, mode), 0 },
                { "ModeReason",           "s", offsetof(Status, mode_reason), 0 },
                { "KernelInterface",      "b", offsetof(Status, kernel_interface), 0 },
                { "VMCount",              "u", offsetof(Status, vm_count), 0 },
                { "ShadowPages",          "t", offsetof(Status, shadow_pages), 0 },
                { "CachePages",           "t", offsetof(Status, cache_pages), 0 },
                { "ReclaimedCachePages",  "t", offsetof(Status, reclaimed_cache_pages), 0 },
                { "ReclaimedShadowPages", "t", offsetof(Status, reclaimed_shadow_pages), 0 },
        };
        Status *s = userdata;

        int r;

        if (strcmp(key, "LastPressureEvent") == 0) {
                s->have_last_event = true;
                r = read_variant(m, "(tsdd)", &s->last_event_usec, &s->last_event_scope,
                                 &s->last_event_some, &s->last_event_full);
                return r < 0 ? r : 1;
        }
        return read_field_table(m, key, fields, ELEMENTSOF(fields), s, NULL);
}

static int read_status(sd_bus_message *m, Status *ret) {
        Status s = { .kernel_interface = -1 };
        int r;

        r = read_dict(m, status_field, &s);
        if (r < 0)
                return r;

        *ret = s;
        return 0;
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

static void json_status(const Status *s, const VMRecord *vms, size_t n) {
        JsonWriter j;

        json_init(&j, stdout);
        json_begin_object(&j);
        json_pair_str(&j, "Version", s->version);
        json_pair_str(&j, "Mode", s->mode);
        json_pair_str(&j, "ModeReason", s->mode_reason);
        json_key(&j, "KernelInterface");
        if (s->kernel_interface < 0)
                json_null(&j);
        else
                json_bool(&j, s->kernel_interface);
        json_pair_u64(&j, "VMCount", s->vm_count);
        json_pair_u64(&j, "ShadowPages", s->shadow_pages);
        json_pair_u64(&j, "CachePages", s->cache_pages);
        json_pair_u64(&j, "ReclaimedCachePages", s->reclaimed_cache_pages);
        json_pair_u64(&j, "ReclaimedShadowPages", s->reclaimed_shadow_pages);
        json_key(&j, "LastPressureEvent");
        if (!s->have_last_event || s->last_event_usec == 0)
                json_null(&j);
        else {
                json_begin_object(&j);
                json_pair_u64(&j, "Timestamp", s->last_event_usec);
                json_pair_str(&j, "Scope", s->last_event_scope);
                json_pair_double(&j, "SomeAvg10", s->last_event_some);
                json_pair_double(&j, "FullAvg10", s->last_event_full);
                json_end_object(&j);
        }
        json_key(&j, "VMs");
        json_vms(&j, vms, n);
        json_end_object(&j);
}

/* The daemon's state as "label: value" lines and an empty line. */
static void print_status(const Status *s) {
        char a[64], ts[128], ago[64] = "";
        bool active = s->mode && strcmp(s->mode, "active") == 0;

        printf("kvm-reclaimd %s\n", s->version ?: "(unknown version)");
        if (active || !s->mode_reason || !*s->mode_reason)
                print_field("Mode", "%s", s->mode ?: "unknown");
        else
                print_field("Mode", "%s (%s)", s->mode, s->mode_reason);
        print_field("Kernel interface", "%s", s->kernel_interface < 0 ? "unknown" :
                    s->kernel_interface ? "yes (mmu_reclaim present)" : "no (mmu_reclaim missing)");
        print_field("VMs", "%" PRIu32, s->vm_count);
        print_field("Shadow pages", "%s", format_pages(a, sizeof(a), s->shadow_pages));
        print_field("Cache pages", "%s", format_pages(a, sizeof(a), s->cache_pages));
        print_field("Reclaimed from caches", "%s", format_pages(a, sizeof(a), s->reclaimed_cache_pages));
        print_field("Reclaimed by zapping", "%s", format_pages(a, sizeof(a), s->reclaimed_shadow_pages));
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
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *props = NULL, *reply = NULL;
        _cleanup_(freep) VMRecord *vms = NULL;
        size_t n = 0;
        Status s;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                               &error, &props, "s", BUS_INTERFACE);
        if (r < 0)
                return call_failed("GetAll", &error, r);

        r = read_status(props, &s);
        if (r < 0)
                return parse_failed("GetAll", r);

        r = fetch_vms(bus, &reply, &vms, &n);
        if (r != EXIT_OK)
                return r;

        if (arg_json) {
                json_status(&s, vms, n);
                return EXIT_OK;
        }

        print_status(&s);
        r = print_vm_table(vms, n);
        return r < 0 ? oom() : EXIT_OK;
}
