/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-metrics.c - "metrics [--openmetrics]": the daemon's metrics as
 * a scraper sees them (one Metrics call): Prometheus text 0.0.4, or
 * OpenMetrics 1.0.  The text is printed as it comes; --json does not apply.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdio.h>

#include "reclaimctl.h"

int verb_metrics(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = call(bus, "Metrics", &reply, "s", arg_openmetrics ? "openmetrics" : "prometheus");
        if (r != EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return parse_failed("Metrics", r);
        fputs(text, stdout);
        return EXIT_OK;
}
