/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* History: the rounds kept (history.h), oldest first, each with its plan
 * and what every VM of it held and gave.  "kvm-reclaimctl history" and
 * the plot read it; docs/DBUS.md gives the record. */
#include "bus-methods.h"
#include "history.h"
#include "manager.h"
#include "reclaim.h"

#define HISTORY_VM_SIGNATURE "(ssbtttttt)"
#define HISTORY_SIGNATURE    "(tttssubtttta" HISTORY_VM_SIGNATURE ")"

static int append_round(sd_bus_message *reply, const RoundRecord *x) {
        int r;

        r = sd_bus_message_open_container(reply, 'r', "tttssubtttta" HISTORY_VM_SIGNATURE);
        if (r >= 0)
                r = sd_bus_message_append(reply, "tttssubtttt", x->seq, x->realtime_usec, x->duration_usec,
                                          x->reason, x->scope, x->requests, (int) x->carried_out,
                                          (uint64_t) x->n_vms, x->planned_pages, x->caches_freed, x->zapped);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', HISTORY_VM_SIGNATURE);
        for (size_t i = 0; r >= 0 && i < x->n_listed; i++) {
                const HistoryVm *v = &x->vms[i];

                r = sd_bus_message_append(reply, HISTORY_VM_SIGNATURE, v->id, v->name ?: "", (int) v->caches,
                                          v->cache_pages, v->zap, v->caches_freed, v->zapped, v->shadow_before,
                                          v->shadow_after);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_method_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const History *h = reclaim_history(userdata);
        uint64_t after;
        int r;

        r = sd_bus_message_read(msg, "t", &after);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', HISTORY_SIGNATURE);
        for (size_t i = 0; r >= 0 && i < history_size(h); i++) {
                const RoundRecord *x = history_get(h, i);

                if (x->seq > after)
                        r = append_round(reply, x);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
