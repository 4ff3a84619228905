/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-monitor.c - "monitor": one line (or one JSON object) per
 * Reclaimed and PressureEvent signal of the daemon, until SIGINT or SIGTERM
 * (exit 0) or until the bus goes away (exit 3). The daemon stopping and
 * starting again is noted on stderr.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-event.h>

#include "reclaimctl.h"

/* Starts the output of one signal: a JSON object with its name and the
 * time, or a line with the local time (to the millisecond) and the name. */
static void signal_begin(JsonWriter *j, const char *name) {
        struct timespec ts;
        struct tm tm;
        char buf[64];

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (arg_json) {
                json_init(j, stdout);
                json_begin_object(j);
                json_pair_str(j, "Signal", name);
                json_pair_u64(j, JSON_FIELD_TIMESTAMP, (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL);
                return;
        }
        if (!localtime_r(&ts.tv_sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
                buf[0] = '\0';
        printf("%s.%03ld %s ", buf, ts.tv_nsec / 1000000L, name);
}

/* Ends it; a monitor's output is read as it comes, so flush each one. */
static void signal_end(JsonWriter *j) {
        if (arg_json)
                json_end_object(j);
        fflush(stdout);
}

static int on_reclaimed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *vm, *cgroup, *action, *reason;
        uint64_t pages;
        JsonWriter j;
        char buf[64];
        int r;

        r = sd_bus_message_read(m, "sssts", &vm, &cgroup, &action, &pages, &reason);
        if (r < 0) {
                fprintf(stderr, PROGRAM ": Ignoring a malformed Reclaimed signal: %s\n", strerror(-r));
                return 0;
        }

        signal_begin(&j, "Reclaimed");
        if (arg_json) {
                json_pair_str(&j, JSON_FIELD_VM, vm);
                json_pair_str(&j, JSON_FIELD_CGROUP, cgroup);
                json_pair_str(&j, JSON_FIELD_ACTION, action);
                json_pair_u64(&j, JSON_FIELD_PAGES, pages);
                json_pair_str(&j, JSON_FIELD_REASON, reason);
        } else
                printf("vm=%s cgroup=%s action=%s pages=%s reason=%s\n",
                       vm, *cgroup ? cgroup : "-", action, format_pages(buf, sizeof(buf), pages), reason);
        signal_end(&j);
        return 0;
}

static int on_pressure(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *scope;
        double some, full;
        JsonWriter j;
        int r;

        r = sd_bus_message_read(m, "sdd", &scope, &some, &full);
        if (r < 0) {
                fprintf(stderr, PROGRAM ": Ignoring a malformed PressureEvent signal: %s\n", strerror(-r));
                return 0;
        }

        signal_begin(&j, "PressureEvent");
        if (arg_json) {
                json_pair_str(&j, JSON_FIELD_SCOPE, scope);
                json_pair_double(&j, "SomeAvg10", some);
                json_pair_double(&j, "FullAvg10", full);
        } else
                printf("scope=%s some_avg10=%.2f full_avg10=%.2f\n", scope, some, full);
        signal_end(&j);
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

int verb_monitor(sd_bus *bus, int argc, char **argv) {
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
