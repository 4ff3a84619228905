/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Metrics: the exposition text of metrics.h, for the pull endpoint
 * (kvm-reclaimd-metrics) and "kvm-reclaimctl metrics".  Open to every
 * user: it holds what ListVMs and Dump already show. */
#include "bus-methods.h"
#include "kvm-reclaim-bus.h"
#include "manager.h"
#include "metrics.h"

int bus_method_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        Manager *m = userdata;
        const char *format;
        size_t len;
        int f, r;

        r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        f = metrics_format_from_string(format);
        if (f < 0)
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS,
                                         "Unknown metrics format '%s': expected prometheus or openmetrics", format);
        /* Counting never acts: a read recounts at most once a second. */
        (void) manager_recount_if_stale(m, USEC_PER_SEC);
        r = metrics_render(m, f, &text, &len);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}
