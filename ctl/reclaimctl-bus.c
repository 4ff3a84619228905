/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-bus.c - kvm-reclaimctl's side of docs/DBUS.md: connecting to
 * the bus, calling the Manager, turning a failed call into one line and an
 * exit code, and decoding the policy and VM records of the replies.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimctl.h"

#define VM_SIGNATURE     "(susstttta{sv})"
#define VM_CONTENTS      "susstttta{sv}"

const char *bus_description(void) {
        static char buf[256];

        if (arg_bus_address) {
                snprintf(buf, sizeof(buf), "bus at %s", arg_bus_address);
                return buf;
        }
        return arg_user ? "user bus" : "system bus";
}

int call_failed(const char *method, const sd_bus_error *error, int r) {
        const char *name = sd_bus_error_is_set(error) ? error->name : NULL;
        const char *msg = sd_bus_error_is_set(error) && error->message ? error->message : strerror(-r);
        int code = exit_code_from_bus_error(name, r);

        if (name && (strcmp(name, SD_BUS_ERROR_SERVICE_UNKNOWN) == 0 ||
                     strcmp(name, SD_BUS_ERROR_NAME_HAS_NO_OWNER) == 0))
                return error_line(code, "kvm-reclaimd is not running (%s has no owner on the %s).",
                                  BUS_NAME, bus_description());
        if (name && (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0 ||
                     strncmp(name, "org.freedesktop.systemd1.", 25) == 0))
                return error_line(code, "kvm-reclaimd is not running and could not be started: %s", msg);
        if (name && strcmp(name, SD_BUS_ERROR_NO_REPLY) == 0)
                return error_line(code, "%s failed: kvm-reclaimd did not reply: %s", method, msg);
        if (!name && code == EXIT_UNREACHABLE)
                return error_line(code, "%s failed: cannot reach the %s: %s", method, bus_description(), msg);

        return error_line(code, "%s failed: %s", method, msg);
}

int parse_failed(const char *method, int r) {
        return error_line(EXIT_GENERIC, "Failed to parse the reply to %s: %s", method, strerror(-r));
}

int connect_bus(sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        if (arg_bus_address) {
                r = sd_bus_new(&bus);
                if (r < 0)
                        return oom();
                r = sd_bus_set_address(bus, arg_bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else if (arg_user)
                r = sd_bus_open_user(&bus);
        else
                r = sd_bus_open_system(&bus);
        if (r < 0) {
                if (r == -EINVAL && arg_bus_address)
                        return usage_error("Invalid bus address '%s'.", arg_bus_address);
                return error_line(exit_code_from_connect_errno(r), "Failed to connect to the %s: %s",
                                  bus_description(), strerror(-r));
        }

        *ret = TAKE_PTR(bus);
        return EXIT_OK;
}

int call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE, method);
        if (r < 0)
                return oom();
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return error_line(EXIT_GENERIC, "Failed to build the %s call: %s", method, strerror(-r));
        }

        r = sd_bus_call(bus, m, 0, &error, reply);
        if (r < 0)
                return call_failed(method, &error, r);
        return EXIT_OK;
}

/* ---- reply records ---- */

int read_variant(sd_bus_message *m, const char *sig, ...) {
        const char *contents;
        va_list ap;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || strcmp(contents, sig) != 0)
                return -EBADMSG;

        r = sd_bus_message_enter_container(m, 'v', sig);
        if (r < 0)
                return r;
        va_start(ap, sig);
        r = sd_bus_message_readv(m, sig, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int read_dict(sd_bus_message *m, int (*field)(sd_bus_message *m, const char *key, void *userdata),
              void *userdata) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = field(m, key, userdata);
                if (r == 0)
                        /* A newer daemon may add keys: skip them. */
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

int read_field_table(sd_bus_message *m, const char *key, const DictField *fields, size_t n_fields,
                     void *record, unsigned *have) {
        for (size_t i = 0; i < n_fields; i++) {
                int r;

                if (strcmp(key, fields[i].key) != 0)
                        continue;
                r = read_variant(m, fields[i].sig, (char *) record + fields[i].offset);
                if (r < 0)
                        return r;
                if (have)
                        *have |= fields[i].flag;
                return 1;
        }
        return 0;
}

static int read_sources(sd_bus_message *m, PolicyRecord *p) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{ss}");
        if (r < 0)
                return r == -ENXIO ? -EBADMSG : r;
        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "ss")) > 0) {
                const ConfigKey *k;
                const char *key, *origin;

                r = sd_bus_message_read(m, "ss", &key, &origin);
                if (r < 0)
                        return r;
                k = config_key_find(CONFIG_SECTION_POLICY, key);
                if (k && !(k->flags & CONFIG_KEY_ALIAS))
                        p->origin[k->field] = origin;
                r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                p->have |= POLICY_HAVE_SOURCES;
        return r < 0 ? r : 1;
}

static int policy_field(sd_bus_message *m, const char *key, void *userdata) {
        static const DictField fields[] = {
                { "Cgroup",  "s", offsetof(PolicyRecord, cgroup),  POLICY_HAVE_CGROUP },
                { "Source",  "s", offsetof(PolicyRecord, source),  POLICY_HAVE_SOURCE },
                { "Runtime", "b", offsetof(PolicyRecord, runtime), POLICY_HAVE_RUNTIME },
        };
        PolicyRecord *p = userdata;
        const ConfigKey *k;
        char sig[2] = {};
        int r;

        if (streq_ptr(key, "Sources"))
                return read_sources(m, p);
        k = config_key_find(CONFIG_SECTION_POLICY, key);
        if (!k || (k->flags & CONFIG_KEY_ALIAS))
                return read_field_table(m, key, fields, ELEMENTSOF(fields), p, &p->have);

        /* A policy key: its type is the key table's. */
        sig[0] = config_key_bus_type(k);
        switch (sig[0]) {
        case 's':
                r = read_variant(m, sig, &p->string[k->field]);
                break;
        case 'u': {
                uint32_t u;
                r = read_variant(m, sig, &u);
                p->value[k->field] = u;
                break;
        }
        case 'b': {
                int b;
                r = read_variant(m, sig, &b);
                p->value[k->field] = b > 0;
                break;
        }
        default:
                r = read_variant(m, sig, &p->value[k->field]);
        }
        if (r < 0)
                return r;
        p->have_field |= UINT64_C(1) << k->field;
        return 1;
}

/* The named members and their have bits, for status and list. */
static void policy_record_name_fields(PolicyRecord *p) {
        static const struct {
                PolicyField field;
                unsigned flag;
        } named[] = {
                { POLICY_WEIGHT,             POLICY_HAVE_WEIGHT },
                { POLICY_MIN_PAGES,          POLICY_HAVE_MIN },
                { POLICY_MAX_PAGES,          POLICY_HAVE_MAX },
                { POLICY_PROTECT,            POLICY_HAVE_PROTECT },
                { POLICY_ACTION,             POLICY_HAVE_ACTION },
                { POLICY_PRESSURE_THRESHOLD, POLICY_HAVE_THRESHOLD },
        };

        for (size_t i = 0; i < ELEMENTSOF(named); i++)
                if (p->have_field & (UINT64_C(1) << named[i].field))
                        p->have |= named[i].flag;
        p->weight = (uint32_t) p->value[POLICY_WEIGHT];
        p->min_pages = p->value[POLICY_MIN_PAGES];
        p->max_pages = p->value[POLICY_MAX_PAGES];
        p->protect = p->have & POLICY_HAVE_PROTECT ? (int) p->value[POLICY_PROTECT] : -1;
        p->action = p->string[POLICY_ACTION];
        p->pressure_threshold = p->value[POLICY_PRESSURE_THRESHOLD];
}

int read_policy(sd_bus_message *m, PolicyRecord *ret) {
        PolicyRecord p = { .runtime = -1 };
        int r;

        r = read_dict(m, policy_field, &p);
        if (r < 0)
                return r;
        policy_record_name_fields(&p);
        *ret = p;
        return 0;
}

static int read_vm(sd_bus_message *m, VMRecord *ret) {
        VMRecord vm = {};
        int r;

        r = sd_bus_message_enter_container(m, 'r', VM_CONTENTS);
        if (r <= 0)
                return r;

        r = sd_bus_message_read(m, "susstttt", &vm.id, &vm.pid, &vm.name, &vm.cgroup,
                                &vm.shadow_pages, &vm.cache_pages,
                                &vm.reclaimed_cache_pages, &vm.reclaimed_shadow_pages);
        if (r < 0)
                return r;

        r = read_policy(m, &vm.policy);
        if (r < 0)
                return r;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = vm;
        return 1;
}

static int read_vms(sd_bus_message *m, VMRecord **ret, size_t *ret_n) {
        _cleanup_(freep) VMRecord *vms = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', VM_SIGNATURE);
        if (r < 0)
                return r;

        for (;;) {
                VMRecord vm;

                r = read_vm(m, &vm);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;

                if (n == allocated) {
                        size_t k = allocated ? allocated * 2 : 16;
                        VMRecord *v = realloc(vms, k * sizeof(VMRecord));
                        if (!v)
                                return -ENOMEM;
                        vms = v;
                        allocated = k;
                }
                vms[n++] = vm;
        }

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(vms);
        *ret_n = n;
        return 0;
}

/* One VM's counters dict: the keys kvm-reclaimctl shows. */
static int vm_counter_field(sd_bus_message *m, const char *key, void *userdata) {
        static const DictField fields[] = {
                { "TdpPages",       "t", offsetof(VMRecord, tdp_pages), 0 },
                { "PageTableBytes", "t", offsetof(VMRecord, pagetable_bytes), 1 },
                { "RegrownPages",   "t", offsetof(VMRecord, regrown_pages), 0 },
                { "BackoffSeconds", "d", offsetof(VMRecord, backoff_seconds), 0 },
        };
        VMRecord *vm = userdata;
        unsigned have = 0;
        int r;

        r = read_field_table(m, key, fields, ELEMENTSOF(fields), vm, &have);
        if (have)
                vm->have_bytes = true;
        return r;
}

int read_vm_counters(sd_bus_message *m, VMRecord *vms, size_t n) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sa{sv})");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) > 0) {
                VMRecord scratch = {}, *vm = &scratch;
                const char *id;

                r = sd_bus_message_read(m, "s", &id);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        if (strcmp(vms[i].id, id) == 0)
                                vm = &vms[i];
                if (r >= 0)
                        r = read_dict(m, vm_counter_field, vm);
                vm->have_counters = true;
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int fetch_vms(sd_bus *bus, sd_bus_message **reply, VMRecord **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = call(bus, "ListVMs", reply, NULL);
        if (r != EXIT_OK)
                return r;

        r = read_vms(*reply, ret, ret_n);
        if (r == -ENOMEM)
                return oom();
        if (r < 0)
                return parse_failed("ListVMs", r);

        /* The counters beside them; a daemon without the method has none. */
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *counters = NULL;

                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListVMCounters", &error, &counters,
                                       NULL);
                if (r >= 0) {
                        r = read_vm_counters(counters, *ret, *ret_n);
                        if (r < 0)
                                return r == -ENOMEM ? oom() : parse_failed("ListVMCounters", r);
                }
        }
        return EXIT_OK;
}

/* ---- Dump ---- */

static int status_field(sd_bus_message *m, const char *key, void *userdata) {
        static const DictField fields[] = {
                { "Version",              "s", offsetof(Status, version), 0 },
                { "Mode",                 "s", offsetof(Status, mode), 0 },
                { "ModeReason",           "s", offsetof(Status, mode_reason), 0 },
                { "KernelInterface",      "b", offsetof(Status, kernel_interface), 0 },
                { "DryRun",               "b", offsetof(Status, dry_run), 0 },
                { "VMCount",              "u", offsetof(Status, vm_count), 0 },
                { "ShadowPages",          "t", offsetof(Status, shadow_pages), 0 },
                { "TdpPages",             "t", offsetof(Status, tdp_pages), 1 },
                { "PageTableBytes",       "t", offsetof(Status, pagetable_bytes), 2 },
                { "CachePages",           "t", offsetof(Status, cache_pages), 0 },
                { "ReclaimedCachePages",  "t", offsetof(Status, reclaimed_cache_pages), 0 },
                { "ReclaimedShadowPages", "t", offsetof(Status, reclaimed_shadow_pages), 0 },
        };
        Status *s = userdata;
        unsigned have = 0;
        int r;

        if (strcmp(key, "LastPressureEvent") == 0) {
                s->have_last_event = true;
                r = read_variant(m, "(tsdd)", &s->last_event_usec, &s->last_event_scope,
                                 &s->last_event_some, &s->last_event_full);
                return r < 0 ? r : 1;
        }
        r = read_field_table(m, key, fields, ELEMENTSOF(fields), s, &have);
        s->have_tdp |= have & 1;
        s->have_bytes |= (have & 2) != 0;
        return r;
}

static int daemon_field(sd_bus_message *m, const char *key, void *userdata) {
        static const DictField fields[] = {
                { "ConfigFile",              "s", offsetof(DaemonRecord, config_file), 0 },
                { "DebugfsDir",              "s", offsetof(DaemonRecord, debugfs_dir), 0 },
                { "CgroupRoot",              "s", offsetof(DaemonRecord, cgroup_root), 0 },
                { "SystemPressureThreshold", "t", offsetof(DaemonRecord, system_threshold), 0 },
                { "PressureWindow",          "t", offsetof(DaemonRecord, window), 0 },
                { "StepPages",               "t", offsetof(DaemonRecord, step_pages), 0 },
                { "RefreshInterval",         "t", offsetof(DaemonRecord, refresh), 0 },
                { "DisableKernelShrinker",   "b", offsetof(DaemonRecord, disable_shrinker), 0 },
                { "ShrinkerRestoreValue",    "s", offsetof(DaemonRecord, shrinker_restore), 0 },
                { "RoundInFlight",           "b", offsetof(DaemonRecord, round_in_flight), 0 },
                { "MetricsFile",             "s", offsetof(DaemonRecord, metrics_file), 0 },
                { "MetricsInterval",         "t", offsetof(DaemonRecord, metrics_interval), 0 },
        };

        return read_field_table(m, key, fields, ELEMENTSOF(fields), userdata, NULL);
}

/* Appends one zeroed element to a growing array. */
static void *grow(void **array, size_t *n, size_t size) {
        void *a = realloc(*array, (*n + 1) * size);

        if (!a)
                return NULL;
        *array = a;
        memset((char *) a + *n * size, 0, size);
        return (char *) a + (*n)++ * size;
}

static int read_policies(sd_bus_message *m, DumpRecord *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sa{sv})");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) > 0) {
                PolicyEntry *e = grow((void **) &d->policies, &d->n_policies, sizeof(*e));

                if (!e)
                        return -ENOMEM;
                r = sd_bus_message_read(m, "s", &e->cgroup);
                if (r >= 0)
                        r = read_policy(m, &e->policy);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_triggers(sd_bus_message *m, DumpRecord *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sstttt)");
        while (r >= 0) {
                TriggerRecord t;

                r = sd_bus_message_read(m, "(sstttt)", &t.scope, &t.path, &t.threshold, &t.window, &t.armed_usec,
                                        &t.events);
                if (r <= 0)
                        break;
                TriggerRecord *e = grow((void **) &d->triggers, &d->n_triggers, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                *e = t;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_rounds(sd_bus_message *m, DumpRecord *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(tstttttb)");
        while (r >= 0) {
                RoundRecord x;

                r = sd_bus_message_read(m, "(tstttttb)", &x.ended_usec, &x.reason, &x.duration_usec, &x.vms,
                                        &x.planned_pages, &x.caches_freed, &x.zapped, &x.carried_out);
                if (r <= 0)
                        break;
                RoundRecord *e = grow((void **) &d->rounds, &d->n_rounds, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                *e = x;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Enters the variant of 'key' if it holds 'sig' (else -EBADMSG). */
static int enter_variant(sd_bus_message *m, const char *sig) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || strcmp(contents, sig) != 0)
                return -EBADMSG;
        return sd_bus_message_enter_container(m, 'v', sig);
}

static int dump_field(sd_bus_message *m, const char *key, void *userdata) {
        DumpRecord *d = userdata;
        int r;

        if (strcmp(key, "Status") == 0) {
                d->status = (Status) { .kernel_interface = -1, .dry_run = -1 };
                r = enter_variant(m, "a{sv}");
                if (r >= 0)
                        r = read_dict(m, status_field, &d->status);
        } else if (strcmp(key, "Daemon") == 0) {
                r = enter_variant(m, "a{sv}");
                if (r >= 0)
                        r = read_dict(m, daemon_field, &d->daemon);
        } else if (strcmp(key, "Policies") == 0) {
                r = enter_variant(m, "a(sa{sv})");
                if (r >= 0)
                        r = read_policies(m, d);
        } else if (strcmp(key, "Triggers") == 0) {
                r = enter_variant(m, "a(sstttt)");
                if (r >= 0)
                        r = read_triggers(m, d);
        } else if (strcmp(key, "VMs") == 0) {
                r = enter_variant(m, "a" VM_SIGNATURE);
                if (r >= 0)
                        r = read_vms(m, &d->vms, &d->n_vms);
        } else if (strcmp(key, "Rounds") == 0) {
                r = enter_variant(m, "a(tstttttb)");
                if (r >= 0)
                        r = read_rounds(m, d);
        } else if (strcmp(key, "VMCounters") == 0 && d->vms) {
                /* The daemon sends it after "VMs", which it completes. */
                r = enter_variant(m, "a(sa{sv})");
                if (r >= 0)
                        r = read_vm_counters(m, d->vms, d->n_vms);
                d->have_vm_counters = r >= 0;
        } else
                return 0;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

void dump_record_done(DumpRecord *d) {
        free(d->policies);
        free(d->triggers);
        free(d->vms);
        free(d->rounds);
        *d = (DumpRecord) {};
}

int fetch_dump(sd_bus *bus, sd_bus_message **reply, DumpRecord *ret) {
        DumpRecord d = { .status = { .kernel_interface = -1, .dry_run = -1 } };
        int r;

        r = call(bus, "Dump", reply, NULL);
        if (r != EXIT_OK)
                return r;
        r = read_dict(*reply, dump_field, &d);
        if (r < 0) {
                dump_record_done(&d);
                return r == -ENOMEM ? oom() : parse_failed("Dump", r);
        }
        *ret = d;
        return EXIT_OK;
}
