/* SPDX-License-Identifier: LGPL-2.1-or-later */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm-reclaim-bus.h"
#include "policy.h"   /* daemon/policy.h: reclaim_action_from_string() */
#include "reclaimctl-util.h"

const PolicyKey policy_keys[] = {
        { "Weight",            'u', false },
        { "MinPages",          't', false },
        { "MaxPages",          't', false },
        { "Protect",           'b', false },
        { "Action",            's', false },
        { "PressureThreshold", 't', true  },
        {}
};

const PolicyKey *policy_key_find(const char *name) {
        for (const PolicyKey *k = policy_keys; k->name; k++)
                if (strcmp(k->name, name) == 0)
                        return k;
        return NULL;
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
        if (usec == 0)
                snprintf(buf, len, "0");
        else if (usec % UINT64_C(60000000) == 0 && usec >= UINT64_C(60000000))
                snprintf(buf, len, "%" PRIu64 "min", usec / UINT64_C(60000000));
        else if (usec % UINT64_C(1000000) == 0)
                snprintf(buf, len, "%" PRIu64 "s", usec / UINT64_C(1000000));
        else if (usec % UINT64_C(1000) == 0)
                snprintf(buf, len, "%" PRIu64 "ms", usec / UINT64_C(1000));
        else
                snprintf(buf, len, "%" PRIu64 "us", usec);
        return buf;
}

char *format_pages(char *buf, size_t len, uint64_t pages) {
        double mib = (double) pages * (double) PAGE_SIZE_BYTES / (1024.0 * 1024.0);

        snprintf(buf, len, "%" PRIu64 " (%.1f MiB)", pages, mib);
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
        return exit_code_from_bus_error(NULL, r);
}

/* JSON */

void json_init(JsonWriter *j, FILE *f) {
        *j = (JsonWriter) { .f = f };
}

void json_string_escaped(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        /* D-Bus strings are valid UTF-8, so bytes >= 0x80 pass
                         * through; other control characters and DEL are escaped. */
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

static void json_prefix(JsonWriter *j) {
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->need_comma[j->depth])
                fputc(',', j->f);
        j->need_comma[j->depth] = true;
}

static void json_push(JsonWriter *j, char c) {
        json_prefix(j);
        fputc(c, j->f);
        if (j->depth + 1 < JSON_DEPTH_MAX)
                j->depth++;
        j->need_comma[j->depth] = false;
}

static void json_pop(JsonWriter *j, char c) {
        fputc(c, j->f);
        if (j->depth > 0)
                j->depth--;
        if (j->depth == 0)
                fputc('\n', j->f);
}

void json_begin_object(JsonWriter *j) {
        json_push(j, '{');
}

void json_end_object(JsonWriter *j) {
        json_pop(j, '}');
}

void json_begin_array(JsonWriter *j) {
        json_push(j, '[');
}

void json_end_array(JsonWriter *j) {
        json_pop(j, ']');
}

void json_key(JsonWriter *j, const char *key) {
        json_prefix(j);
        json_string_escaped(j->f, key);
        fputc(':', j->f);
        j->after_key = true;
}

void json_str(JsonWriter *j, const char *s) {
        json_prefix(j);
        json_string_escaped(j->f, s);
}

void json_u64(JsonWriter *j, uint64_t v) {
        json_prefix(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_i64(JsonWriter *j, int64_t v) {
        json_prefix(j);
        fprintf(j->f, "%" PRIi64, v);
}

void json_bool(JsonWriter *j, bool v) {
        json_prefix(j);
        fputs(v ? "true" : "false", j->f);
}

void json_double(JsonWriter *j, double v) {
        json_prefix(j);
        /* JSON has no NaN or infinity. */
        if (!isfinite(v))
                fputs("null", j->f);
        else {
                /* The shortest form that reads back as the same double. */
                char buf[32];
                for (int prec = 6; prec <= 17; prec++) {
                        snprintf(buf, sizeof(buf), "%.*g", prec, v);
                        if (strtod(buf, NULL) == v)
                                break;
                }
                fputs(buf, j->f);
        }
}

void json_null(JsonWriter *j) {
        json_prefix(j);
        fputs("null", j->f);
}

void json_pair_str(JsonWriter *j, const char *key, const char *s) {
        json_key(j, key);
        json_str(j, s);
}

void json_pair_u64(JsonWriter *j, const char *key, uint64_t v) {
        json_key(j, key);
        json_u64(j, v);
}

void json_pair_bool(JsonWriter *j, const char *key, bool v) {
        json_key(j, key);
        json_bool(j, v);
}

void json_pair_double(JsonWriter *j, const char *key, double v) {
        json_key(j, key);
        json_double(j, v);
}
