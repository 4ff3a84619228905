/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-reclaim.c - "reclaim TARGET [--pages=N] [--action=ACTION]"
 * and "reload": the two verbs that make the daemon act now.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdio.h>
#include <string.h>

#include "reclaimctl.h"

static const char *reclaim_action(void) {
        /* Without --pages there is no goal to zap towards: free the caches. */
        return arg_action ?: arg_pages_set ? "caches+zap" : "caches";
}

int check_reclaim(int argc, char **argv) {
        const char *action = reclaim_action();

        if (!action_is_valid(action))
                return usage_error("Invalid --action '%s': expected caches, zap or caches+zap.", action);
        if (strcmp(action, "caches") != 0 && !arg_pages_set)
                return usage_error("--action=%s needs --pages=N.", action);
        return EXIT_OK;
}

int verb_reclaim(sd_bus *bus, int argc, char **argv) {
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
                json_pair_str(&j, "Target", argv[0]);
                json_pair_str(&j, "Action", action);
                json_pair_u64(&j, "CachesFreed", freed);
                json_pair_u64(&j, "Zapped", zapped);
                json_end_object(&j);
        } else
                printf("%s: freed %s cache pages, zapped %s shadow pages.\n", argv[0],
                       format_pages(a, sizeof(a), freed), format_pages(b, sizeof(b), zapped));
        return EXIT_OK;
}

int verb_reload(sd_bus *bus, int argc, char **argv) {
        return call(bus, "Reload", NULL, NULL);
}
