/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaimctl - a thin sd-bus client of kvm-reclaimd (docs/DBUS.md).
 *
 * Every verb is one or two method calls; the daemon decides everything and
 * checks every value range, this tool only parses the command line into the
 * right D-Bus types and prints the answer. Exit codes: see reclaimctl-util.h
 * and kvm-reclaimctl(1).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "reclaimctl-table.h"
#include "reclaimctl-util.h"

#define PROGRAM "kvm-reclaimctl"

#define BUS_NAME      "org.kvmreclaim1"
#define BUS_PATH      "/org/kvmreclaim1"
#define BUS_INTERFACE "org.kvmreclaim1.Manager"

#define VM_SIGNATURE     "(susstttta{sv})"
#define VM_CONTENTS      "susstttta{sv}"
#define POLICY_SIGNATURE "a{sv}"

static bool arg_json = false;
static bool arg_user = false;
static bool arg_runtime = false;
static const char *arg_bus_address = NULL;
static bool arg_pages_set = false;
static uint64_t arg_pages = 0;
static const char *arg_action = NULL;

/* Which bus we talk to, for messages. */
static const char *bus_description(void) {
        static char buf[256];

        if (arg_bus_address) {
                snprintf(buf, sizeof(buf), "bus at %s", arg_bus_address);
                return buf;
        }
        return arg_user ? "user bus" : "system bus";
}

/* Every error path prints exactly one line through here. */
static int error_line(int exit_code, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int error_line(int exit_code, const char *format, ...) {
        va_list ap;

        fputs(PROGRAM ": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return exit_code;
}

static int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *format, ...) {
        va_list ap;

        fputs(PROGRAM ": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputs(" See '" PROGRAM " --help'.\n", stderr);
        return EXIT_USAGE;
}

static int oom(void) {
        return error_line(EXIT_GENERIC, "Out of memory.");
}

/* Reports a failed method call in one line and returns the exit code. */
static int call_failed(const char *method, const sd_bus_error *error, int r) {
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

static int parse_failed(const char *method, int r) {
        return error_line(EXIT_GENERIC, "Failed to parse the reply to %s: %s", method, strerror(-r));
}

static int connect_bus(sd_bus **ret) {
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

        *ret = bus;
        bus = NULL;
        return EXIT_OK;
}

static int call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...) {
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

enum {
        POLICY_HAVE_CGROUP     = 1 << 0,
        POLICY_HAVE_WEIGHT     = 1 << 1,
        POLICY_HAVE_MIN        = 1 << 2,
        POLICY_HAVE_MAX        = 1 << 3,
        POLICY_HAVE_PROTECT    = 1 << 4,
        POLICY_HAVE_ACTION     = 1 << 5,
        POLICY_HAVE_THRESHOLD  = 1 << 6,
        POLICY_HAVE_SOURCE     = 1 << 7,
        POLICY_HAVE_RUNTIME    = 1 << 8,
};

/* Strings point into the reply message, which outlives the record. */
typedef struct Policy {
        unsigned have;
        const char *cgroup;
        uint32_t weight;
        uint64_t min_pages;
        uint64_t max_pages;
        int protect;
        const char *action;
        uint64_t pressure_threshold;
        const char *source;
        int runtime;
} Policy;

typedef struct VM {
        const char *id;
        uint32_t pid;
        const char *name;
        const char *cgroup;
        uint64_t shadow_pages;
        uint64_t cache_pages;
        uint64_t reclaimed_cache_pages;
        uint64_t reclaimed_shadow_pages;
        Policy policy;
} VM;

/* Reads one variant into *p when its type is the expected one; anything else
 * is a broken contract. */
static int read_variant(sd_bus_message *m, const char *sig, void *p) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || strcmp(contents, sig) != 0)
                return -EBADMSG;
        return sd_bus_message_read(m, "v", sig, p);
}

static int read_policy(sd_bus_message *m, Policy *ret) {
        Policy p = { .protect = -1, .runtime = -1 };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                int b;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;

#define FIELD(name, sig, ptr, flag)                             \
                else if (strcmp(key, name) == 0) {              \
                        r = read_variant(m, sig, ptr);          \
                        p.have |= flag;                         \
                }
                if (0) {}
                FIELD("Cgroup", "s", &p.cgroup, POLICY_HAVE_CGROUP)
                FIELD("Weight", "u", &p.weight, POLICY_HAVE_WEIGHT)
                FIELD("MinPages", "t", &p.min_pages, POLICY_HAVE_MIN)
                FIELD("MaxPages", "t", &p.max_pages, POLICY_HAVE_MAX)
                FIELD("Action", "s", &p.action, POLICY_HAVE_ACTION)
                FIELD("PressureThreshold", "t", &p.pressure_threshold, POLICY_HAVE_THRESHOLD)
                FIELD("Source", "s", &p.source, POLICY_HAVE_SOURCE)
                else if (strcmp(key, "Protect") == 0) {
                        r = read_variant(m, "b", &b);
                        p.protect = b;
                        p.have |= POLICY_HAVE_PROTECT;
                } else if (strcmp(key, "Runtime") == 0) {
                        r = read_variant(m, "b", &b);
                        p.runtime = b;
                        p.have |= POLICY_HAVE_RUNTIME;
                } else
                        /* A newer daemon may add keys: skip them. */
                        r = sd_bus_message_skip(m, "v");
#undef FIELD
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = p;
        return 0;
}

static int read_vm(sd_bus_message *m, VM *ret) {
        VM vm = {};
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

static int read_vms(sd_bus_message *m, VM **ret, size_t *ret_n) {
        _cleanup_(freep) VM *vms = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', VM_SIGNATURE);
        if (r < 0)
                return r;

        for (;;) {
                VM vm;

                r = read_vm(m, &vm);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;

                if (n == allocated) {
                        size_t k = allocated ? allocated * 2 : 16;
                        VM *v = realloc(vms, k * sizeof(VM));
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

        *ret = vms;
        vms = NULL;
        *ret_n = n;
        return 0;
}

/* ---- output ---- */

static char *format_pages_cell(char *buf, size_t len, uint64_t pages) {
        return format_pages(buf, len, pages);
}

static void json_policy(JsonWriter *j, const Policy *p, const char *fallback_cgroup) {
        json_begin_object(j);
        if (p->have & POLICY_HAVE_CGROUP || fallback_cgroup) {
                json_key(j, "Cgroup");
                json_str(j, p->have & POLICY_HAVE_CGROUP ? p->cgroup : fallback_cgroup);
        }
        if (p->have & POLICY_HAVE_WEIGHT) {
                json_key(j, "Weight");
                json_u64(j, p->weight);
        }
        if (p->have & POLICY_HAVE_MIN) {
                json_key(j, "MinPages");
                json_u64(j, p->min_pages);
        }
        if (p->have & POLICY_HAVE_MAX) {
                json_key(j, "MaxPages");
                json_u64(j, p->max_pages);
        }
        if (p->have & POLICY_HAVE_PROTECT) {
                json_key(j, "Protect");
                json_bool(j, p->protect > 0);
        }
        if (p->have & POLICY_HAVE_ACTION) {
                json_key(j, "Action");
                json_str(j, p->action);
        }
        if (p->have & POLICY_HAVE_THRESHOLD) {
                json_key(j, "PressureThreshold");
                json_u64(j, p->pressure_threshold);
        }
        if (p->have & POLICY_HAVE_SOURCE) {
                json_key(j, "Source");
                json_str(j, p->source);
        }
        if (p->have & POLICY_HAVE_RUNTIME) {
                json_key(j, "Runtime");
                json_bool(j, p->runtime > 0);
        }
        json_end_object(j);
}

static void json_vm(JsonWriter *j, const VM *vm) {
        json_begin_object(j);
        json_key(j, "Id");
        json_str(j, vm->id);
        json_key(j, "Pid");
        json_u64(j, vm->pid);
        json_key(j, "Name");
        json_str(j, vm->name);
        json_key(j, "Cgroup");
        json_str(j, vm->cgroup);
        json_key(j, "ShadowPages");
        json_u64(j, vm->shadow_pages);
        json_key(j, "CachePages");
        json_u64(j, vm->cache_pages);
        json_key(j, "ReclaimedCachePages");
        json_u64(j, vm->reclaimed_cache_pages);
        json_key(j, "ReclaimedShadowPages");
        json_u64(j, vm->reclaimed_shadow_pages);
        json_key(j, "Policy");
        json_policy(j, &vm->policy, NULL);
        json_end_object(j);
}

static const char *policy_action_label(const Policy *p) {
        if (p->protect > 0)
                return "protected";
        return p->have & POLICY_HAVE_ACTION ? p->action : "-";
}

static int print_vm_table(const VM *vms, size_t n) {
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
                const VM *vm = &vms[i];

                r = table_add_cell(t, vm->id);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu32, vm->pid);
                if (r >= 0)
                        r = table_add_cell(t, vm->name && *vm->name ? vm->name : "-");
                if (r >= 0)
                        r = table_add_cell(t, format_pages_cell(a, sizeof(a), vm->shadow_pages));
                if (r >= 0)
                        r = table_add_cell(t, format_pages_cell(b, sizeof(b), vm->cache_pages));
                if (r >= 0)
                        r = table_add_cell(t, format_pages_cell(c, sizeof(c),
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

/* ---- verbs ---- */

static int fetch_vms(sd_bus *bus, sd_bus_message **reply, VM **ret, size_t *ret_n) {
        int r;

        r = call(bus, "ListVMs", reply, NULL);
        if (r != EXIT_OK)
                return r;

        r = read_vms(*reply, ret, ret_n);
        if (r == -ENOMEM)
                return oom();
        if (r < 0)
                return parse_failed("ListVMs", r);
        return EXIT_OK;
}

static int verb_list(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) VM *vms = NULL;
        size_t n = 0;
        int r;

        r = fetch_vms(bus, &reply, &vms, &n);
        if (r != EXIT_OK)
                return r;

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_array(&j);
                for (size_t i = 0; i < n; i++)
                        json_vm(&j, &vms[i]);
                json_end_array(&j);
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

static int read_status(sd_bus_message *m, Status *ret) {
        Status s = { .kernel_interface = -1 };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                char type;
                int b;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;

                if (strcmp(key, "Version") == 0)
                        r = read_variant(m, "s", &s.version);
                else if (strcmp(key, "Mode") == 0)
                        r = read_variant(m, "s", &s.mode);
                else if (strcmp(key, "ModeReason") == 0)
                        r = read_variant(m, "s", &s.mode_reason);
                else if (strcmp(key, "KernelInterface") == 0) {
                        r = read_variant(m, "b", &b);
                        s.kernel_interface = b;
                } else if (strcmp(key, "VMCount") == 0)
                        r = read_variant(m, "u", &s.vm_count);
                else if (strcmp(key, "ShadowPages") == 0)
                        r = read_variant(m, "t", &s.shadow_pages);
                else if (strcmp(key, "CachePages") == 0)
                        r = read_variant(m, "t", &s.cache_pages);
                else if (strcmp(key, "ReclaimedCachePages") == 0)
                        r = read_variant(m, "t", &s.reclaimed_cache_pages);
                else if (strcmp(key, "ReclaimedShadowPages") == 0)
                        r = read_variant(m, "t", &s.reclaimed_shadow_pages);
                else if (strcmp(key, "LastPressureEvent") == 0) {
                        r = sd_bus_message_peek_type(m, &type, &contents);
                        if (r >= 0 && (type != 'v' || strcmp(contents, "(tsdd)") != 0))
                                r = -EBADMSG;
                        if (r >= 0)
                                r = sd_bus_message_read(m, "v", "(tsdd)", &s.last_event_usec, &s.last_event_scope,
                                                        &s.last_event_some, &s.last_event_full);
                        s.have_last_event = true;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = s;
        return 0;
}

static void print_field(const char *label, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void print_field(const char *label, const char *format, ...) {
        va_list ap;

        printf("%22s: ", label);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
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

static int verb_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *props = NULL, *reply = NULL;
        _cleanup_(freep) VM *vms = NULL;
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
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "Version");
                json_str(&j, s.version);
                json_key(&j, "Mode");
                json_str(&j, s.mode);
                json_key(&j, "ModeReason");
                json_str(&j, s.mode_reason);
                json_key(&j, "KernelInterface");
                if (s.kernel_interface < 0)
                        json_null(&j);
                else
                        json_bool(&j, s.kernel_interface);
                json_key(&j, "VMCount");
                json_u64(&j, s.vm_count);
                json_key(&j, "ShadowPages");
                json_u64(&j, s.shadow_pages);
                json_key(&j, "CachePages");
                json_u64(&j, s.cache_pages);
                json_key(&j, "ReclaimedCachePages");
                json_u64(&j, s.reclaimed_cache_pages);
                json_key(&j, "ReclaimedShadowPages");
                json_u64(&j, s.reclaimed_shadow_pages);
                json_key(&j, "LastPressureEvent");
                if (!s.have_last_event || s.last_event_usec == 0)
                        json_null(&j);
                else {
                        json_begin_object(&j);
                        json_key(&j, "Timestamp");
                        json_u64(&j, s.last_event_usec);
                        json_key(&j, "Scope");
                        json_str(&j, s.last_event_scope);
                        json_key(&j, "SomeAvg10");
                        json_double(&j, s.last_event_some);
                        json_key(&j, "FullAvg10");
                        json_double(&j, s.last_event_full);
                        json_end_object(&j);
                }
                json_key(&j, "VMs");
                json_begin_array(&j);
                for (size_t i = 0; i < n; i++)
                        json_vm(&j, &vms[i]);
                json_end_array(&j);
                json_end_object(&j);
                return EXIT_OK;
        }

        {
                char a[64], ts[128], ago[64] = "";
                bool active = s.mode && strcmp(s.mode, "active") == 0;

                printf("kvm-reclaimd %s\n", s.version ?: "(unknown version)");
                if (active || !s.mode_reason || !*s.mode_reason)
                        print_field("Mode", "%s", s.mode ?: "unknown");
                else
                        print_field("Mode", "%s (%s)", s.mode, s.mode_reason);
                print_field("Kernel interface", "%s", s.kernel_interface < 0 ? "unknown" :
                            s.kernel_interface ? "yes (mmu_reclaim present)" : "no (mmu_reclaim missing)");
                print_field("VMs", "%" PRIu32, s.vm_count);
                print_field("Shadow pages", "%s", format_pages(a, sizeof(a), s.shadow_pages));
                print_field("Cache pages", "%s", format_pages(a, sizeof(a), s.cache_pages));
                print_field("Reclaimed from caches", "%s", format_pages(a, sizeof(a), s.reclaimed_cache_pages));
                print_field("Reclaimed by zapping", "%s", format_pages(a, sizeof(a), s.reclaimed_shadow_pages));
                if (!s.have_last_event || s.last_event_usec == 0)
                        print_field("Last pressure event", "none");
                else
                        print_field("Last pressure event", "%s%s (%s, some avg10 %.2f, full avg10 %.2f)",
                                    format_timestamp_usec(ts, sizeof(ts), s.last_event_usec),
                                    format_ago(ago, sizeof(ago), s.last_event_usec),
                                    s.last_event_scope ?: "?", s.last_event_some, s.last_event_full);
                putchar('\n');
        }

        r = print_vm_table(vms, n);
        return r < 0 ? oom() : EXIT_OK;
}

static int verb_policy_list(sd_bus *bus, int argc, char **argv) {
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
                Policy p;
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

static int verb_policy_get(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *cgroup = argv[0];
        char buf[64];
        Policy p;
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
                r = s.key->timespan ? parse_timespan_usec(value, &s.number) : parse_u64(value, &s.number);
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

static int verb_policy_set(sd_bus *bus, int argc, char **argv) {
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

static int check_policy_set(int argc, char **argv) {
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

static int verb_policy_remove(sd_bus *bus, int argc, char **argv) {
        return call(bus, "RemovePolicy", NULL, "sb", argv[0], (int) arg_runtime);
}

static int verb_reload(sd_bus *bus, int argc, char **argv) {
        return call(bus, "Reload", NULL, NULL);
}

static const char *reclaim_action(void) {
        /* Without --pages there is no goal to zap towards: free the caches. */
        return arg_action ?: arg_pages_set ? "caches+zap" : "caches";
}

static int check_reclaim(int argc, char **argv) {
        const char *action = reclaim_action();

        if (!action_is_valid(action))
                return usage_error("Invalid --action '%s': expected caches, zap or caches+zap.", action);
        if (strcmp(action, "caches") != 0 && !arg_pages_set)
                return usage_error("--action=%s needs --pages=N.", action);
        return EXIT_OK;
}

static int verb_reclaim(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *action = reclaim_action();
        uint64_t freed, zapped;
        char a[64], b[64];
        int r;

        r = call(bus, "Reclaim", &reply, "sts", argv[0], arg_pages, action);
        if (r != EXIT_OK)
                return r;

        r = sd_bus_message_read(reply, "tt", &freed, &zapped);
        if (r < 0)
                return parse_failed("Reclaim", r);

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "Target");
                json_str(&j, argv[0]);
                json_key(&j, "Action");
                json_str(&j, action);
                json_key(&j, "CachesFreed");
                json_u64(&j, freed);
                json_key(&j, "Zapped");
                json_u64(&j, zapped);
                json_end_object(&j);
        } else
                printf("%s: freed %s cache pages, zapped %s shadow pages.\n", argv[0],
                       format_pages(a, sizeof(a), freed), format_pages(b, sizeof(b), zapped));
        return EXIT_OK;
}

/* ---- monitor ---- */

static void print_time_prefix(JsonWriter *j) {
        struct timespec ts;
        struct tm tm;
        char buf[64];

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (j) {
                json_key(j, "Timestamp");
                json_u64(j, (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL);
                return;
        }
        if (!localtime_r(&ts.tv_sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
                buf[0] = '\0';
        printf("%s.%03ld ", buf, ts.tv_nsec / 1000000L);
}

static int on_reclaimed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *vm, *cgroup, *action, *reason;
        uint64_t pages;
        char buf[64];
        int r;

        r = sd_bus_message_read(m, "sssts", &vm, &cgroup, &action, &pages, &reason);
        if (r < 0) {
                fprintf(stderr, PROGRAM ": Ignoring a malformed Reclaimed signal: %s\n", strerror(-r));
                return 0;
        }

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "Signal");
                json_str(&j, "Reclaimed");
                print_time_prefix(&j);
                json_key(&j, "VM");
                json_str(&j, vm);
                json_key(&j, "Cgroup");
                json_str(&j, cgroup);
                json_key(&j, "Action");
                json_str(&j, action);
                json_key(&j, "Pages");
                json_u64(&j, pages);
                json_key(&j, "Reason");
                json_str(&j, reason);
                json_end_object(&j);
        } else {
                print_time_prefix(NULL);
                printf("Reclaimed vm=%s cgroup=%s action=%s pages=%s reason=%s\n",
                       vm, *cgroup ? cgroup : "-", action, format_pages(buf, sizeof(buf), pages), reason);
        }
        fflush(stdout);
        return 0;
}

static int on_pressure(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *scope;
        double some, full;
        int r;

        r = sd_bus_message_read(m, "sdd", &scope, &some, &full);
        if (r < 0) {
                fprintf(stderr, PROGRAM ": Ignoring a malformed PressureEvent signal: %s\n", strerror(-r));
                return 0;
        }

        if (arg_json) {
                JsonWriter j;

                json_init(&j, stdout);
                json_begin_object(&j);
                json_key(&j, "Signal");
                json_str(&j, "PressureEvent");
                print_time_prefix(&j);
                json_key(&j, "Scope");
                json_str(&j, scope);
                json_key(&j, "SomeAvg10");
                json_double(&j, some);
                json_key(&j, "FullAvg10");
                json_double(&j, full);
                json_end_object(&j);
        } else {
                print_time_prefix(NULL);
                printf("PressureEvent scope=%s some_avg10=%.2f full_avg10=%.2f\n", scope, some, full);
        }
        fflush(stdout);
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (*new_owner)
                fprintf(stderr, PROGRAM ": kvm-reclaimd is running again.\n");
        else
                fprintf(stderr, PROGRAM ": kvm-reclaimd stopped; waiting for it to come back.\n");
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_event *event = userdata;

        fprintf(stderr, PROGRAM ": Lost the connection to the %s.\n", bus_description());
        return sd_event_exit(event, EXIT_UNREACHABLE);
}

static int verb_monitor(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        char *version = NULL;
        sigset_t mask;
        int r;

        r = sd_event_default(&event);
        if (r < 0)
                return oom();

        /* Listen first, then make sure the daemon is there, so no signal
         * between the check and the match is lost. */
        r = sd_bus_match_signal(bus, NULL, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Reclaimed", on_reclaimed, NULL);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, BUS_NAME, BUS_PATH, BUS_INTERFACE, "PressureEvent", on_pressure, NULL);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" BUS_NAME "'",
                                     on_name_owner_changed, NULL);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, event);
        if (r < 0)
                return error_line(exit_code_from_connect_errno(r), "Failed to subscribe to signals: %s", strerror(-r));

        r = sd_bus_get_property_string(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Version", &error, &version);
        if (r < 0)
                return call_failed("Get Version", &error, r);
        free(version);

        /* A shell starts background jobs with SIGINT ignored, and an ignored
         * signal never reaches a signalfd: restore the default first. */
        (void) signal(SIGINT, SIG_DFL);
        (void) signal(SIGTERM, SIG_DFL);
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return error_line(EXIT_GENERIC, "Failed to block signals: %m");

        /* No handler: the loop exits with 0, a normal end for a monitor. */
        r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return error_line(EXIT_GENERIC, "Failed to set up the event loop: %s", strerror(-r));

        r = sd_event_loop(event);
        (void) sd_bus_detach_event(bus);
        if (r < 0)
                return error_line(EXIT_GENERIC, "Event loop failed: %s", strerror(-r));
        return r;
}

/* ---- command line ---- */

enum {
        VERB_ALLOWS_RUNTIME = 1 << 0,
        VERB_ALLOWS_RECLAIM = 1 << 1,
};

typedef struct Verb {
        const char *name;
        const char *synopsis;
        int min_args;
        int max_args;   /* -1: no limit */
        unsigned flags;
        int (*check)(int argc, char **argv);
        int (*run)(sd_bus *bus, int argc, char **argv);
} Verb;

static const Verb verbs[] = {
        { "status",  "status",  0, 0, 0, NULL, verb_status },
        { "list",    "list",    0, 0, 0, NULL, verb_list },
        { "reclaim", "reclaim TARGET [--pages=N] [--action=ACTION]",
                                1, 1, VERB_ALLOWS_RECLAIM, check_reclaim, verb_reclaim },
        { "reload",  "reload",  0, 0, 0, NULL, verb_reload },
        { "monitor", "monitor", 0, 0, 0, NULL, verb_monitor },
        {}
};

static const Verb policy_verbs[] = {
        { "get",    "policy get CGROUP",    1, 1,  0, NULL, verb_policy_get },
        { "list",   "policy list",          0, 0,  0, NULL, verb_policy_list },
        { "set",    "policy set CGROUP KEY=VALUE... [--runtime]",
                                            2, -1, VERB_ALLOWS_RUNTIME, check_policy_set, verb_policy_set },
        { "remove", "policy remove CGROUP [--runtime]",
                                            1, 1,  VERB_ALLOWS_RUNTIME, NULL, verb_policy_remove },
        {}
};

static void help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Query and steer kvm-reclaimd, the KVM shadow-MMU reclaim daemon.\n\n"
               "Commands:\n"
               "  status                       Show the daemon's state and the VM table\n"
               "  list                         List the VMs the daemon knows\n"
               "  policy get CGROUP            Show the effective policy of a cgroup\n"
               "  policy list                  List all policies\n"
               "  policy set CGROUP KEY=VALUE...\n"
               "                               Set policy keys for exactly that cgroup\n"
               "                               (Weight, MinPages, MaxPages, Protect, Action,\n"
               "                               PressureThreshold)\n"
               "  policy remove CGROUP         Remove a policy set with 'policy set'\n"
               "  reclaim TARGET               Reclaim now from a VM id or a cgroup\n"
               "  reload                       Reload the configuration\n"
               "  monitor                      Print Reclaimed and PressureEvent signals\n"
               "                               as they come, until interrupted\n\n"
               "Options:\n"
               "  -h --help                    Show this help\n"
               "     --version                 Show the package version\n"
               "     --json                    Print JSON instead of tables\n"
               "     --user                    Talk to the daemon on the user bus\n"
               "     --bus-address=ADDRESS     Talk to the daemon on this bus\n"
               "     --no-pager                Accepted for compatibility; never pages\n"
               "     --runtime                 policy set/remove: only until reboot\n"
               "                               (/run/kvm-reclaimd/conf.d)\n"
               "     --pages=N                 reclaim: the goal in 4 KiB pages\n"
               "     --action=ACTION           reclaim: caches, zap or caches+zap\n\n"
               "Exit status: 0 success, 1 failure, 2 usage error, 3 daemon not running or\n"
               "unreachable, 4 access denied, 5 invalid argument.\n"
               "See the %s(1) man page for details.\n",
               PROGRAM, PROGRAM);
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_USER,
        ARG_SYSTEM,
        ARG_BUS_ADDRESS,
        ARG_NO_PAGER,
        ARG_RUNTIME,
        ARG_PAGES,
        ARG_ACTION,
};

/* Returns -1 to go on, or an exit code. */
static int parse_argv(int argc, char *argv[], bool *have_reclaim_opts) {
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "json",        no_argument,       NULL, ARG_JSON        },
                { "user",        no_argument,       NULL, ARG_USER        },
                { "system",      no_argument,       NULL, ARG_SYSTEM      },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "no-pager",    no_argument,       NULL, ARG_NO_PAGER    },
                { "runtime",     no_argument,       NULL, ARG_RUNTIME     },
                { "pages",       required_argument, NULL, ARG_PAGES       },
                { "action",      required_argument, NULL, ARG_ACTION      },
                {}
        };
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("%s %s\n", PROGRAM, PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                case ARG_BUS_ADDRESS:
                        if (!*optarg)
                                return usage_error("--bus-address= needs an address.");
                        arg_bus_address = optarg;
                        break;
                case ARG_NO_PAGER:
                        break;
                case ARG_RUNTIME:
                        arg_runtime = true;
                        break;
                case ARG_PAGES:
                        r = parse_u64(optarg, &arg_pages);
                        if (r < 0)
                                return usage_error("Invalid --pages '%s': expected a number of pages.", optarg);
                        arg_pages_set = true;
                        *have_reclaim_opts = true;
                        break;
                case ARG_ACTION:
                        arg_action = optarg;
                        *have_reclaim_opts = true;
                        break;
                case ':':
                        return usage_error("Option '%s' needs an argument.", argv[optind - 1]);
                case '?':
                default:
                        if (optopt)
                                return usage_error("Unknown option '-%c'.", optopt);
                        return usage_error("Unknown option '%s'.", argv[optind - 1]);
                }

        return -1;
}

static const Verb *find_verb(const Verb *table, const char *name) {
        for (const Verb *v = table; v->name; v++)
                if (strcmp(v->name, name) == 0)
                        return v;
        return NULL;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool have_reclaim_opts = false;
        const Verb *verb;
        const char *verb_name = "status";
        char **args;
        int n_args, r;

        r = parse_argv(argc, argv, &have_reclaim_opts);
        if (r >= 0)
                return r;

        args = argv + optind;
        n_args = argc - optind;
        if (n_args > 0) {
                verb_name = args[0];
                args++;
                n_args--;
        }

        if (strcmp(verb_name, "policy") == 0) {
                if (n_args == 0)
                        return usage_error("'policy' needs a subcommand: get, list, set or remove.");
                verb = find_verb(policy_verbs, args[0]);
                if (!verb)
                        return usage_error("Unknown command 'policy %s'.", args[0]);
                args++;
                n_args--;
        } else {
                verb = find_verb(verbs, verb_name);
                if (!verb)
                        return usage_error("Unknown command '%s'.", verb_name);
        }

        if (n_args < verb->min_args)
                return usage_error("Missing arguments; usage: %s %s.", PROGRAM, verb->synopsis);
        if (verb->max_args >= 0 && n_args > verb->max_args)
                return usage_error("Too many arguments; usage: %s %s.", PROGRAM, verb->synopsis);
        if (arg_runtime && !(verb->flags & VERB_ALLOWS_RUNTIME))
                return usage_error("--runtime only goes with 'policy set' and 'policy remove'.");
        if (have_reclaim_opts && !(verb->flags & VERB_ALLOWS_RECLAIM))
                return usage_error("--pages and --action only go with 'reclaim'.");

        if (verb->check) {
                r = verb->check(n_args, args);
                if (r != EXIT_OK)
                        return r;
        }

        /* Everything the command line can get wrong is checked: now connect. */
        r = connect_bus(&bus);
        if (r != EXIT_OK)
                return r;

        r = verb->run(bus, n_args, args);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                if (r == EXIT_OK)
                        r = error_line(EXIT_GENERIC, "Failed to write output: %m");
        }
        return r;
}
