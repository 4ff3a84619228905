/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ListVMCounters (and Dump's "VMCounters"): each VM's counters and what
 * the controller learned about it, as a dict per VM, so that a counter
 * the kernel or the controller adds is a new key, never a new signature.
 * The VM record of ListVMs (susstttta{sv}) stays as version 1 made it.
 * docs/DBUS.md lists the keys. */
#include <time.h>

#include "bus-methods.h"
#include "kvmfs.h"
#include "manager.h"
#include "util.h"

#define READ_MAX_AGE_USEC (1 * USEC_PER_SEC)

static int append_t(sd_bus_message *reply, const char *key, uint64_t v) {
        return sd_bus_message_append(reply, "{sv}", key, "t", v);
}

static int append_exhausted(sd_bus_message *reply, const Vm *v) {
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Exhausted");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (KvmCommand c = KVM_CMD_CACHES; r >= 0 && c <= KVM_CMD_ZAP; c++)
                if (v->control.exhausted[c])
                        r = sd_bus_message_append(reply, "s", kvm_command_to_string(c));
        for (int i = 0; r >= 0 && i < 3; i++)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_append_vm_counters(sd_bus_message *reply, const Manager *m, const Vm *v) {
        const VmControl *c = &v->control;
        struct timespec ts;
        uint64_t now;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        r = sd_bus_message_open_container(reply, 'r', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", v->id);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = append_t(reply, "ShadowPages", v->shadow_pages);
        if (r >= 0)
                r = append_t(reply, "TdpPages", v->tdp_pages);
        if (r >= 0)
                r = append_t(reply, "CachePages", v->cache_pages);
        /* What the kernel counts only: absent, not 0, where it does not. */
        if (r >= 0 && v->has_bytes)
                r = append_t(reply, "PageTableBytes", v->pagetable_bytes);
        if (r >= 0 && v->has_max)
                r = append_t(reply, "ShadowPagesMax", v->shadow_pages_max);
        if (r >= 0)
                r = append_t(reply, "KernelLimit", v->kernel_limit);
        if (r >= 0)
                r = append_t(reply, "ReclaimedCachePages", v->reclaimed_by[KVM_CMD_CACHES]);
        if (r >= 0)
                r = append_t(reply, "FreedEmptyPages", v->reclaimed_by[KVM_CMD_FREE_EMPTY]);
        if (r >= 0)
                r = append_t(reply, "ZappedColdPages", v->reclaimed_by[KVM_CMD_ZAP_COLD]);
        if (r >= 0)
                r = append_t(reply, "ZappedPages", v->reclaimed_by[KVM_CMD_ZAP]);
        if (r >= 0)
                r = append_t(reply, "LimitZappedPages", v->reclaimed_by[KVM_CMD_LIMIT]);
        if (r >= 0)
                r = append_t(reply, "MeasuredPages", c->given_total);
        if (r >= 0)
                r = append_t(reply, "RegrownPages", c->regrown_total);
        if (r >= 0)
                r = append_t(reply, "LastGivenPages", c->last_given);
        if (r >= 0)
                r = append_t(reply, "LastRegrownPages", c->last_regrown);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "BackoffSeconds", "d",
                                          control_backed_off(c, now) ? (c->backoff_until_usec - now) / 1e6 : 0.0);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "OwedPages", "d", c->owed_milli / 1000.0);
        if (r >= 0)
                r = append_exhausted(reply, v);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_append_vms_counters(sd_bus_message *reply, const Manager *m) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        for (size_t i = 0; r >= 0 && i < m->vms.n; i++)
                r = bus_append_vm_counters(reply, m, m->vms.vms[i]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

int bus_method_list_vm_counters(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        (void) manager_recount_if_stale(m, READ_MAX_AGE_USEC);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = bus_append_vms_counters(reply, m);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
