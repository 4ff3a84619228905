/* SPDX-License-Identifier: LGPL-2.1-or-later */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm-reclaim-bus.h"
#include "policy.h"   /* daemon/policy.h: reclaim_action_from_string() */
#include "reclaimctl-util.h"

int policy_setting_check(const char *key, const char *value, const ConfigKey **ret_key, char **ret_error) {
        const ConfigKey *k = config_key_find(CONFIG_SECTION_POLICY, key);
        Policy scratch;
        int r;

        if (!k) {
                if (asprintf(ret_error, "Unknown policy key '%s'; known keys are %s.", key,
                             config_key_names(CONFIG_SECTION_POLICY)) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        policy_init_defaults(&scratch);
        r = config_key_parse(k, value, NULL, &scratch, ret_error);
        if (r < 0)
                return r;
        *ret_key = k;
        return 0;
}

bool action_is_valid(const char *s) {
        ReclaimAction a;

        return reclaim_action_from_string(s, &a) >= 0;
}

int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r;

        r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

char *format_timespan_usec(char *buf, size_t len, uint64_t usec) {
        return format_timespan(buf, len, usec);
}

char *format_pages(char *buf, size_t len, uint64_t pages) {
        double mib = (double) pages * (double) PAGE_SIZE_BYTES / (1024.0 * 1024.0);

        snprintf(buf, len, "%" PRIu64 " (%.1f MiB)", pages, mib);
        return buf;
}

char *format_size_short(char *buf, size_t len, uint64_t bytes) {
        double v = (double) bytes;

        if (bytes >= (UINT64_C(1) << 30))
                snprintf(buf, len, "%.1fG", v / (1 << 30));
        else if (bytes >= (UINT64_C(1) << 20))
                snprintf(buf, len, "%.1fM", v / (1 << 20));
        else if (bytes >= 1024)
                snprintf(buf, len, "%.0fK", v / 1024);
        else
                snprintf(buf, len, "%" PRIu64 "B", bytes);
        return buf;
}

char *format_timestamp_usec(char *buf, size_t len, uint64_t usec) {
        time_t sec = (time_t) (usec / UINT64_C(1000000));
        struct tm tm;

        if (!localtime_r(&sec, &tm) || strftime(buf, len, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, len, "@%" PRIu64, usec);
        return buf;
}

int exit_code_from_bus_error(const char *name, int r) {
        static const char *const unreachable[] = {
                "org.freedesktop.DBus.Error.ServiceUnknown",
                "org.freedesktop.DBus.Error.NameHasNoOwner",
                "org.freedesktop.DBus.Error.NoReply",
                "org.freedesktop.DBus.Error.Timeout",
                "org.freedesktop.DBus.Error.TimedOut",
                "org.freedesktop.DBus.Error.Disconnected",
                "org.freedesktop.DBus.Error.NoServer",
                "org.freedesktop.DBus.Error.NoNetwork",
        };
        static const char *const denied[] = {
                KVM_RECLAIM_BUS_ERROR_ACCESS_DENIED,
                "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
                "org.freedesktop.DBus.Error.AuthFailed",
        };

        if (name) {
                for (size_t i = 0; i < ELEMENTSOF(unreachable); i++)
                        if (strcmp(name, unreachable[i]) == 0)
                                return EXIT_UNREACHABLE;
                /* Activation failed: the bus could not start the daemon, either
                 * itself (Spawn.*) or through systemd (unit not found, masked,
                 * failed, ...). */
                if (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0 ||
                    strncmp(name, "org.freedesktop.systemd1.", 25) == 0)
                        return EXIT_UNREACHABLE;
                for (size_t i = 0; i < ELEMENTSOF(denied); i++)
                        if (strcmp(name, denied[i]) == 0)
                                return EXIT_ACCESS;
                if (strcmp(name, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS) == 0)
                        return EXIT_INVALID;
                return EXIT_GENERIC;
        }

        switch (-r) {
        case EACCES:
        case EPERM:
                return EXIT_ACCESS;
        case ENOENT:
        case ENXIO:
        case ECONNREFUSED:
        case ECONNRESET:
        case ENOTCONN:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case EHOSTDOWN:
        case ENETUNREACH:
        case ESHUTDOWN:
                return EXIT_UNREACHABLE;
        default:
                return EXIT_GENERIC;
        }
}

int exit_code_from_connect_errno(int r) {
        /* Whatever keeps us from the bus (no socket, no session bus for
         * --user, a refused connection, a bad environment) means the daemon
         * cannot be reached: 3, on every path. */
        return r == -ENOMEM ? EXIT_GENERIC : EXIT_UNREACHABLE;
}
