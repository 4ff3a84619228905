/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-fake-reclaimd - a stand-in for kvm-reclaimd's bus side, built only for
 * the kvm-reclaimctl tests (ctl/test-reclaimctl-bus.sh). It implements the
 * docs/DBUS.md contract with canned data: two VMs, a "/" and a
 * "/machine.slice" policy, the uid check on mutating methods, InvalidArgs for
 * unknown keys and out-of-range values, and a Reclaimed signal per Reclaim
 * call. It is not the daemon: it reads no kernel, cgroup or config file.
 * Test hook (not part of the API): Reload also emits
 * PressureEvent("host", 12.5, 0.25) so monitor tests see both signals.
 *
 * Usage: test-fake-reclaimd --bus-address=ADDR   (exits on SIGTERM/SIGINT)
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

#define BUS_NAME "org.kvmreclaim1"
#define BUS_PATH "/org/kvmreclaim1"
#define BUS_INTERFACE "org.kvmreclaim1.Manager"

typedef struct FakePolicy {
        char cgroup[256];
        uint32_t weight;
        uint64_t min_pages, max_pages, pressure_threshold;
        int protect;
        char action[16];
        char source[256];
        int runtime;
        bool used;
} FakePolicy;

static FakePolicy policies[16] = {
        { "/", 100, 0, 0, 0, false, "caches+zap", "builtin", false, true },
        { "/machine.slice", 200, 16, 0, 100000, false, "caches+zap",
          "/etc/kvm-reclaimd/kvm-reclaimd.conf", false, true },
};

static uint64_t reclaimed_cache = 0, reclaimed_shadow = 0;

static const FakePolicy *effective(const char *cgroup) {
        const FakePolicy *best = &policies[0];
        size_t best_len = 0;

        for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
                size_t n = strlen(policies[i].cgroup);
                if (!policies[i].used || n <= best_len)
                        continue;
                if (strncmp(cgroup, policies[i].cgroup, n) == 0 && (cgroup[n] == '/' || cgroup[n] == '\0')) {
                        best = &policies[i];
                        best_len = n;
                }
        }
        return best;
}

static int append_policy(sd_bus_message *m, const FakePolicy *p) {
        return sd_bus_message_append(m, "a{sv}", 9,
                                     "Cgroup", "s", p->cgroup,
                                     "Weight", "u", p->weight,
                                     "MinPages", "t", p->min_pages,
                                     "MaxPages", "t", p->max_pages,
                                     "Protect", "b", p->protect,
                                     "Action", "s", p->action,
                                     "PressureThreshold", "t", p->pressure_threshold,
                                     "Source", "s", p->source,
                                     "Runtime", "b", p->runtime);
}

static const struct {
        const char *id, *name, *cgroup;
        uint32_t pid;
        uint64_t shadow, cache;
} vms[] = {
        { "4242-11", "web \"prod\"\t1", "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope", 4242, 25600, 512 },
        { "4343-12", "", "", 4343, 100, 0 },
};

static int append_vm(sd_bus_message *m, size_t i) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "susstttta{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "susstttt", vms[i].id, vms[i].pid, vms[i].name, vms[i].cgroup,
                                  vms[i].shadow, vms[i].cache, (uint64_t) 10, (uint64_t) 20);
        if (r < 0)
                return r;
        r = append_policy(m, effective(*vms[i].cgroup ? vms[i].cgroup : "/"));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int method_list_vms(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(susstttta{sv})");
        for (size_t i = 0; r >= 0 && i < sizeof(vms) / sizeof(vms[0]); i++)
                r = append_vm(reply, i);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_vm(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++)
                if (strcmp(vms[i].id, id) == 0) {
                        r = sd_bus_message_new_method_return(m, &reply);
                        if (r >= 0)
                                r = append_vm(reply, i);
                        if (r < 0)
                                return r;
                        return sd_bus_send(NULL, reply, NULL);
                }
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No VM '%s'.", id);
}

static int method_list_policies(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        for (size_t i = 0; r >= 0 && i < sizeof(policies) / sizeof(policies[0]); i++) {
                if (!policies[i].used)
                        continue;
                r = sd_bus_message_open_container(reply, 'r', "sa{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", policies[i].cgroup);
                if (r >= 0)
                        r = append_policy(reply, &policies[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int check_cgroup(const char *cgroup, sd_bus_error *error) {
        if (cgroup[0] != '/' || strstr(cgroup, "..") || strlen(cgroup) >= 256)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Cgroup path '%s' is not absolute or contains '..'.", cgroup);
        return 0;
}

static int method_get_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *cgroup;
        int r;

        r = sd_bus_message_read(m, "s", &cgroup);
        if (r < 0)
                return r;
        r = check_cgroup(cgroup, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_policy(reply, effective(cgroup));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int check_root(sd_bus_message *m, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Only root may change kvm-reclaimd's policies.");
        return 0;
}

static int method_set_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FakePolicy next;
        const char *cgroup, *key;
        FakePolicy *slot = NULL;
        int runtime, r;

        r = check_root(m, error);
        if (r < 0)
                return r;

        r = sd_bus_message_read(m, "s", &cgroup);
        if (r < 0)
                return r;
        r = check_cgroup(cgroup, error);
        if (r < 0)
                return r;

        for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
                if (policies[i].used && strcmp(policies[i].cgroup, cgroup) == 0)
                        slot = &policies[i];
        if (slot)
                next = *slot;
        else {
                next = policies[0];
                snprintf(next.cgroup, sizeof(next.cgroup), "%s", cgroup);
        }

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *contents, *s;
                char type;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, &type, &contents);
                if (r < 0)
                        return r;

#define WANT(sig)                                                                               \
                if (strcmp(contents, sig) != 0)                                                 \
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,              \
                                                 "%s= must be of type '%s', got '%s'.", key, sig, contents)
                if (strcmp(key, "Weight") == 0) {
                        WANT("u");
                        r = sd_bus_message_read(m, "v", "u", &next.weight);
                        if (r >= 0 && (next.weight < 1 || next.weight > 10000))
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Weight=%u is out of range 1..10000", next.weight);
                } else if (strcmp(key, "MinPages") == 0) {
                        WANT("t");
                        r = sd_bus_message_read(m, "v", "t", &next.min_pages);
                } else if (strcmp(key, "MaxPages") == 0) {
                        WANT("t");
                        r = sd_bus_message_read(m, "v", "t", &next.max_pages);
                } else if (strcmp(key, "PressureThreshold") == 0) {
                        WANT("t");
                        r = sd_bus_message_read(m, "v", "t", &next.pressure_threshold);
                } else if (strcmp(key, "Protect") == 0) {
                        WANT("b");
                        r = sd_bus_message_read(m, "v", "b", &next.protect);
                } else if (strcmp(key, "Action") == 0) {
                        WANT("s");
                        r = sd_bus_message_read(m, "v", "s", &s);
                        if (r >= 0 && strcmp(s, "caches") != 0 && strcmp(s, "zap") != 0 &&
                            strcmp(s, "caches+zap") != 0)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Action=%s is not one of caches, zap, caches+zap", s);
                        if (r >= 0)
                                snprintf(next.action, sizeof(next.action), "%s", s);
                } else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown key %s=.", key);
#undef WANT
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
        r = sd_bus_message_read(m, "b", &runtime);
        if (r < 0)
                return r;

        next.runtime = runtime;
        next.used = true;
        snprintf(next.source, sizeof(next.source), "%s/50-dbus-fake.conf",
                 runtime ? "/run/kvm-reclaimd/conf.d" : "/etc/kvm-reclaimd/conf.d");

        if (!slot)
                for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
                        if (!policies[i].used) {
                                slot = &policies[i];
                                break;
                        }
        if (!slot)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many policies.");
        *slot = next;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_remove_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *cgroup;
        int runtime, r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "sb", &cgroup, &runtime);
        if (r < 0)
                return r;
        for (size_t i = 1; i < sizeof(policies) / sizeof(policies[0]); i++)
                if (policies[i].used && strcmp(policies[i].cgroup, cgroup) == 0) {
                        if (!strstr(policies[i].source, "50-dbus-"))
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Policy %s is defined in %s and cannot be removed over D-Bus.",
                                                         cgroup, policies[i].source);
                        policies[i].used = false;
                        return sd_bus_reply_method_return(m, NULL);
                }
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No policy for %s.", cgroup);
}

static int method_reclaim(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *target, *action;
        uint64_t pages, freed = 0, zapped = 0;
        int r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "sts", &target, &pages, &action);
        if (r < 0)
                return r;
        if (strcmp(target, "4242-11") != 0 && strcmp(target, "/machine.slice") != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown VM or cgroup '%s'.", target);
        if (strcmp(action, "caches") == 0)
                freed = 512;
        else if (strcmp(action, "zap") == 0 || strcmp(action, "caches+zap") == 0) {
                if (pages < 1 || pages > 65536)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "pages=%llu is out of range 1..65536", (unsigned long long) pages);
                freed = strcmp(action, "zap") == 0 ? 0 : 512;
                zapped = pages;
        } else
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown action '%s'.", action);

        reclaimed_cache += freed;
        reclaimed_shadow += zapped;
        if (freed > 0)
                (void) sd_bus_emit_signal(sd_bus_message_get_bus(m), BUS_PATH, BUS_INTERFACE, "Reclaimed",
                                          "sssts", "4242-11", vms[0].cgroup, "caches", freed, "manual");
        if (zapped > 0)
                (void) sd_bus_emit_signal(sd_bus_message_get_bus(m), BUS_PATH, BUS_INTERFACE, "Reclaimed",
                                          "sssts", "4242-11", vms[0].cgroup, "zap", zapped, "manual");
        return sd_bus_reply_method_return(m, "tt", freed, zapped);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        (void) sd_bus_emit_signal(sd_bus_message_get_bus(m), BUS_PATH, BUS_INTERFACE, "PressureEvent",
                                  "sdd", "host", 12.5, 0.25);
        return sd_bus_reply_method_return(m, NULL);
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (strcmp(property, "Version") == 0)
                return sd_bus_message_append(reply, "s", "0.1-fake");
        if (strcmp(property, "Mode") == 0)
                return sd_bus_message_append(reply, "s", "monitor-only");
        if (strcmp(property, "ModeReason") == 0)
                return sd_bus_message_append(reply, "s", "kernel lacks mmu_reclaim");
        if (strcmp(property, "KernelInterface") == 0)
                return sd_bus_message_append(reply, "b", 0);
        if (strcmp(property, "VMCount") == 0)
                return sd_bus_message_append(reply, "u", (uint32_t) 2);
        if (strcmp(property, "ShadowPages") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) 25700);
        if (strcmp(property, "CachePages") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) 512);
        if (strcmp(property, "ReclaimedCachePages") == 0)
                return sd_bus_message_append(reply, "t", reclaimed_cache);
        if (strcmp(property, "ReclaimedShadowPages") == 0)
                return sd_bus_message_append(reply, "t", reclaimed_shadow);
        if (strcmp(property, "LastPressureEvent") == 0)
                return sd_bus_message_append(reply, "(tsdd)", (uint64_t) 1700000000000000ULL, "host", 12.5, 0.25);
        return -ENOENT;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", property_get, 0, 0),
        SD_BUS_PROPERTY("ModeReason", "s", property_get, 0, 0),
        SD_BUS_PROPERTY("KernelInterface", "b", property_get, 0, 0),
        SD_BUS_PROPERTY("VMCount", "u", property_get, 0, 0),
        SD_BUS_PROPERTY("ShadowPages", "t", property_get, 0, 0),
        SD_BUS_PROPERTY("CachePages", "t", property_get, 0, 0),
        SD_BUS_PROPERTY("ReclaimedCachePages", "t", property_get, 0, 0),
        SD_BUS_PROPERTY("ReclaimedShadowPages", "t", property_get, 0, 0),
        SD_BUS_PROPERTY("LastPressureEvent", "(tsdd)", property_get, 0, 0),
        SD_BUS_METHOD("ListVMs", NULL, "a(susstttta{sv})", method_list_vms, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetVM", "s", "(susstttta{sv})", method_get_vm, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListPolicies", NULL, "a(sa{sv})", method_list_policies, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetPolicy", "s", "a{sv}", method_get_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SetPolicy", "sa{sv}b", NULL, method_set_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RemovePolicy", "sb", NULL, method_remove_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reclaim", "sts", "tt", method_reclaim, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("Reclaimed", "sssts", 0),
        SD_BUS_SIGNAL("PressureEvent", "sdd", 0),
        SD_BUS_VTABLE_END
};

int main(int argc, char *argv[]) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = NULL;
        sigset_t mask;
        int r;

        for (int i = 1; i < argc; i++)
                if (strncmp(argv[i], "--bus-address=", 14) == 0)
                        address = argv[i] + 14;
        if (!address) {
                fprintf(stderr, "usage: %s --bus-address=ADDRESS\n", argv[0]);
                return 2;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r < 0) {
                fprintf(stderr, "test-fake-reclaimd: setup failed: %s\n", strerror(-r));
                return 1;
        }

        r = sd_event_loop(event);
        return r < 0 ? 1 : r;
}
