/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus method and property handlers: argument checks, access checks,
 * then a call into the manager.  Nothing changes unless all checks pass. */
#include <errno.h>
#include <string.h>

#include "bus-methods.h"
#include "config.h"
#include "kvm-reclaim.h"
#include "kvm-reclaim-bus.h"
#include "log.h"
#include "manager.h"
#include "util.h"
#include "vm-identity.h"

#define ERR_INVALID_ARGS  KVM_RECLAIM_BUS_ERROR_INVALID_ARGS
#define ERR_ACCESS_DENIED KVM_RECLAIM_BUS_ERROR_ACCESS_DENIED
#define ERR_NOT_SUPPORTED KVM_RECLAIM_BUS_ERROR_NOT_SUPPORTED
#define ERR_FAILED        KVM_RECLAIM_BUS_ERROR_FAILED

/* Counts a read may show; a status loop then costs one recount a second. */
#define READ_MAX_AGE_USEC (1 * USEC_PER_SEC)

/* Mutating calls are for root only; the caller's euid decides. */
int bus_check_root(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return log_debug_errno(r, "Cannot get the caller's credentials: %m");
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, ERR_ACCESS_DENIED, "%s is for root only (caller uid %u)",
                                         sd_bus_message_get_member(msg), (unsigned) uid);
        return 0;
}

int bus_append_vm(sd_bus_message *reply, const Manager *m, const Vm *v) {
        char pidname[16];
        Policy buf;
        int r;

        snprintf(pidname, sizeof(pidname), "%d", (int) v->pid);
        r = sd_bus_message_open_container(reply, 'r', "susstttta{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "susstttt", v->id, (uint32_t) v->pid, v->name ?: pidname, v->cgroup ?: "",
                                  v->shadow_pages, v->cache_pages, v->reclaimed_cache_pages,
                                  v->reclaimed_shadow_pages);
        if (r < 0)
                return r;
        r = bus_append_policy(reply, m, manager_policy_for_vm(m, v, &buf));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

int bus_method_list_vms(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        (void) manager_recount_if_stale(m, READ_MAX_AGE_USEC);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(susstttta{sv})");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->vms.n; i++) {
                r = bus_append_vm(reply, m, m->vms.vms[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_get_vm(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const char *id;
        Vm *v;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        (void) manager_recount_if_stale(m, READ_MAX_AGE_USEC);
        r = vm_table_lookup(&m->vms, id, &v);
        if (r == -ENOTUNIQ)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS, "Several VMs are named '%s'; give the VM id", id);
        if (r < 0)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS, "No VM with id or name '%s'", id);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = bus_append_vm(reply, m, v);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *err = NULL;
        int r;

        r = bus_check_root(msg, error);
        if (r < 0)
                return r;
        r = manager_reload(m, &err);
        if (r < 0) {
                manager_log_reload_failure(err ?: strerror(-r));
                return sd_bus_error_setf(error, ERR_FAILED, "old configuration kept: %s",
                                         err ?: strerror(-r));
        }
        return sd_bus_reply_method_return(msg, NULL);
}

#define DEFINE_GETTER(name, type, expr)                                                                    \
        int name(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply, \
                 void *userdata, sd_bus_error *error) {                                                     \
                Manager *m = userdata;                                                                      \
                (void) m;                                                                                   \
                return sd_bus_message_append(reply, type, expr);                                           \
        }

DEFINE_GETTER(bus_property_get_version, "s", PACKAGE_VERSION)
DEFINE_GETTER(bus_property_get_mode, "s", manager_mode(m))
DEFINE_GETTER(bus_property_get_mode_reason, "s", manager_mode_reason(m))
DEFINE_GETTER(bus_property_get_kernel_interface, "b", (int) m->kernel_interface)
DEFINE_GETTER(bus_property_get_vm_count, "u", (uint32_t) m->vms.n)
DEFINE_GETTER(bus_property_get_shadow_pages, "t", manager_total_shadow(m))
DEFINE_GETTER(bus_property_get_cache_pages, "t", manager_total_cache(m))
DEFINE_GETTER(bus_property_get_tdp_pages, "t", manager_total_tdp(m))
DEFINE_GETTER(bus_property_get_pagetable_bytes, "t", manager_total_bytes(m))
DEFINE_GETTER(bus_property_get_reclaimed_cache, "t", m->reclaimed_cache_pages)
DEFINE_GETTER(bus_property_get_reclaimed_shadow, "t", m->reclaimed_shadow_pages)
DEFINE_GETTER(bus_property_get_dry_run, "b", (int) m->dry_run)

int bus_property_get_last_event(sd_bus *bus, const char *path, const char *iface, const char *prop,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "(tsdd)", m->last_event_realtime_usec, m->last_event_scope ?: "",
                                     m->last_event_some_avg10, m->last_event_full_avg10);
}
