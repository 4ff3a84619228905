/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus connection: setup, name, change notifications, introspection. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-id128.h>

#include "bus-methods.h"
#include "bus.h"
#include "log.h"
#include "util.h"

typedef struct BusState {
        char mode[16];
        bool kernel_interface;
        uint32_t vm_count;
        uint64_t shadow, tdp, bytes, cache, reclaimed_cache, reclaimed_shadow, last_event;
} BusState;

int bus_setup(Manager *m, BusMode mode, const char *address) {
        int r;

        m->bus_state = calloc(1, sizeof(BusState));
        if (!m->bus_state)
                return -ENOMEM;
        switch (mode) {
        case BUS_SYSTEM:
                r = sd_bus_open_system(&m->bus);
                break;
        case BUS_USER:
                r = sd_bus_open_user(&m->bus);
                break;
        case BUS_ADDRESS:
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, true);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
                break;
        default:
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the bus: %m");
        r = sd_bus_add_object_vtable(m->bus, NULL, KVM_RECLAIM_BUS_PATH, KVM_RECLAIM_BUS_IFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Cannot register the bus object: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus to the event loop: %m");
        return 0;
}

int bus_start(Manager *m) {
        int r;

        if (!m->bus)
                return 0;
        /* Synchronously: tests and systemd's BusName= wait for the name. */
        r = sd_bus_request_name(m->bus, KVM_RECLAIM_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot own %s (another instance, or the D-Bus policy forbids it): %m",
                                       KVM_RECLAIM_BUS_NAME);
        return 0;
}

void bus_done(Manager *m) {
        if (m->bus) {
                (void) sd_bus_flush(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        free(m->bus_state);
        m->bus_state = NULL;
}

void bus_emit_changed(Manager *m) {
        BusState now = {}, *last = m->bus_state;
        const char *changed[16];
        size_t n = 0;

        if (!m->bus || !last)
                return;
        snprintf(now.mode, sizeof(now.mode), "%s", manager_mode(m));
        now.kernel_interface = m->kernel_interface;
        now.vm_count = (uint32_t) m->vms.n;
        now.shadow = manager_total_shadow(m);
        now.tdp = manager_total_tdp(m);
        now.bytes = manager_total_bytes(m);
        now.cache = manager_total_cache(m);
        now.reclaimed_cache = m->reclaimed_cache_pages;
        now.reclaimed_shadow = m->reclaimed_shadow_pages;
        now.last_event = m->last_event_realtime_usec;

        if (strcmp(now.mode, last->mode) != 0) {
                changed[n++] = "Mode";
                changed[n++] = "ModeReason";
        }
        if (now.kernel_interface != last->kernel_interface)
                changed[n++] = "KernelInterface";
        if (now.vm_count != last->vm_count)
                changed[n++] = "VMCount";
        if (now.shadow != last->shadow)
                changed[n++] = "ShadowPages";
        if (now.tdp != last->tdp)
                changed[n++] = "TdpPages";
        if (now.bytes != last->bytes)
                changed[n++] = "PageTableBytes";
        if (now.cache != last->cache)
                changed[n++] = "CachePages";
        if (now.reclaimed_cache != last->reclaimed_cache)
                changed[n++] = "ReclaimedCachePages";
        if (now.reclaimed_shadow != last->reclaimed_shadow)
                changed[n++] = "ReclaimedShadowPages";
        if (now.last_event != last->last_event)
                changed[n++] = "LastPressureEvent";
        changed[n] = NULL;
        *last = now;
        if (n > 0)
                (void) sd_bus_emit_properties_changed_strv(m->bus, KVM_RECLAIM_BUS_PATH, KVM_RECLAIM_BUS_IFACE,
                                                           (char **) changed);
}

void bus_emit_reclaimed(Manager *m, const Vm *v, const char *action, uint64_t pages, const char *reason) {
        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, KVM_RECLAIM_BUS_PATH, KVM_RECLAIM_BUS_IFACE, "Reclaimed", "sssts", v->id,
                                  v->cgroup ?: "", action, pages, reason);
}

void bus_emit_pressure_event(Manager *m, const char *scope, double some_avg10, double full_avg10) {
        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, KVM_RECLAIM_BUS_PATH, KVM_RECLAIM_BUS_IFACE, "PressureEvent", "sdd", scope,
                                  some_avg10, full_avg10);
}

static int on_introspect_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        char **xml = userdata;
        const char *s;

        if (sd_bus_message_is_method_error(reply, NULL))
                return -EIO;
        if (sd_bus_message_read(reply, "s", &s) >= 0)
                *xml = strdup(s);
        return 0;
}

/* sd-bus only introspects over a connection, so talk to ourselves over a
 * socketpair: the XML then comes from the very vtable the daemon serves. */
int bus_introspect(FILE *f) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *server = NULL, *client = NULL;
        _cleanup_free_ char *xml = NULL;
        Manager dummy = {};
        sd_id128_t id;
        int fds[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return -errno;
        r = sd_bus_new(&server);
        if (r >= 0)
                r = sd_bus_set_fd(server, fds[0], fds[0]);
        if (r >= 0)
                r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_set_server(server, 1, id);
        if (r >= 0)
                r = sd_bus_set_anonymous(server, 1);
        if (r >= 0)
                r = sd_bus_add_object_vtable(server, NULL, KVM_RECLAIM_BUS_PATH, KVM_RECLAIM_BUS_IFACE,
                                             manager_vtable, &dummy);
        if (r >= 0)
                r = sd_bus_start(server);
        if (r >= 0)
                r = sd_bus_new(&client);
        if (r >= 0)
                r = sd_bus_set_fd(client, fds[1], fds[1]);
        if (r >= 0)
                r = sd_bus_set_anonymous(client, 1);
        if (r >= 0)
                r = sd_bus_start(client);
        if (r >= 0)
                r = sd_bus_call_method_async(client, NULL, KVM_RECLAIM_BUS_NAME, KVM_RECLAIM_BUS_PATH,
                                             "org.freedesktop.DBus.Introspectable", "Introspect", on_introspect_reply,
                                             &xml, NULL);
        for (int i = 0; r >= 0 && !xml && i < 1000; i++) {
                int a = sd_bus_process(server, NULL), b = sd_bus_process(client, NULL);
                if (a < 0 || b < 0)
                        r = a < 0 ? a : b;
                else if (a == 0 && b == 0)
                        (void) sd_bus_wait(client, 10000);
        }
        if (r < 0)
                return r;
        if (!xml)
                return -ETIMEDOUT;
        fputs(xml, f);
        return 0;
}
