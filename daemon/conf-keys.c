/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "conf-keys.h"
#include "kvm-reclaim.h"
#include "util.h"

/* Pages whose byte count still fits 64 bits. */
#define PAGES_MAX (UINT64_MAX / KVM_RECLAIM_PAGE_SIZE)

#define POLICY(n, f, t, fld, lo, hi, def, fl) \
        { n, CONFIG_SECTION_POLICY, f, t, offsetof(Policy, fld), sizeof(((Policy *) 0)->fld), lo, hi, def, fl }
#define DAEMON(n, f, t, fld, lo, hi, def, fl)                                                         \
        { n, CONFIG_SECTION_DAEMON, f, t, offsetof(DaemonSettings, fld), sizeof(((DaemonSettings *) 0)->fld), \
          lo, hi, def, fl }

/* Rows of one section are in field order; aliases follow their field. */
const ConfigKey config_keys[] = {
        DAEMON("DebugfsDir", DAEMON_DEBUGFS_DIR, CONFIG_TYPE_PATH, debugfs_dir, 0, 0,
               KVM_RECLAIM_DEBUGFS_DIR_DEFAULT, 0),
        DAEMON("CgroupRoot", DAEMON_CGROUP_ROOT, CONFIG_TYPE_PATH, cgroup_root, 0, 0, NULL, CONFIG_KEY_DETECTED),
        DAEMON("PressureWindow", DAEMON_WINDOW, CONFIG_TYPE_TIMESPAN, window_usec,
               500 * USEC_PER_MSEC, 10 * USEC_PER_SEC, "500ms", 0),
        DAEMON("SystemPressureThreshold", DAEMON_SYSTEM_THRESHOLD, CONFIG_TYPE_PSI, system_threshold_usec,
               1, UINT64_MAX, "100ms", 0),
        DAEMON("StepPages", DAEMON_STEP_PAGES, CONFIG_TYPE_PAGES, step_pages, 1, 1U << 24, "4096", 0),
        DAEMON("RefreshInterval", DAEMON_REFRESH, CONFIG_TYPE_TIMESPAN, refresh_usec,
               USEC_PER_SEC, 24 * 3600 * USEC_PER_SEC, "10s", 0),
        DAEMON("DisableKernelShrinker", DAEMON_DISABLE_SHRINKER, CONFIG_TYPE_BOOL, disable_kernel_shrinker,
               0, 1, "yes", 0),
        DAEMON("MetricsFile", DAEMON_METRICS_FILE, CONFIG_TYPE_PATH, metrics_file, 0, 0, NULL, 0),
        DAEMON("MetricsInterval", DAEMON_METRICS_INTERVAL, CONFIG_TYPE_TIMESPAN, metrics_interval_usec,
               USEC_PER_SEC, 24 * 3600 * USEC_PER_SEC, "30s", 0),

        POLICY("Weight", POLICY_WEIGHT, CONFIG_TYPE_UINT32, weight, POLICY_WEIGHT_MIN, POLICY_WEIGHT_MAX,
               "100", 0),
        POLICY("MinPages", POLICY_MIN_PAGES, CONFIG_TYPE_PAGES, min_pages, 0, PAGES_MAX, "0", 0),
        POLICY("MinMemory", POLICY_MIN_PAGES, CONFIG_TYPE_BYTES, min_pages, 0, PAGES_MAX, NULL,
               CONFIG_KEY_ALIAS | CONFIG_KEY_ROUND_UP),
        POLICY("MaxPages", POLICY_MAX_PAGES, CONFIG_TYPE_PAGES, max_pages, 0, PAGES_MAX, "0",
               CONFIG_KEY_INFINITY),
        POLICY("MaxMemory", POLICY_MAX_PAGES, CONFIG_TYPE_BYTES, max_pages, 0, PAGES_MAX, NULL,
               CONFIG_KEY_ALIAS | CONFIG_KEY_INFINITY),
        POLICY("Protect", POLICY_PROTECT, CONFIG_TYPE_BOOL, protect, 0, 1, "no", 0),
        POLICY("Action", POLICY_ACTION, CONFIG_TYPE_ACTION, action, 0, 0, "caches+zap", 0),
        POLICY("PressureThreshold", POLICY_PRESSURE_THRESHOLD, CONFIG_TYPE_PSI, pressure_threshold_usec,
               0, UINT64_MAX, "0", CONFIG_KEY_NOT_INHERITED | CONFIG_KEY_CGROUP_ONLY),
};
const size_t config_keys_n = ELEMENTSOF(config_keys);

const ConfigKey *config_key_find(ConfigSectionKind section, const char *name) {
        for (size_t i = 0; i < config_keys_n; i++)
                if (config_keys[i].section == section && streq_ptr(config_keys[i].name, name))
                        return &config_keys[i];
        return NULL;
}

const ConfigKey *config_key_for_field(ConfigSectionKind section, unsigned field) {
        for (size_t i = 0; i < config_keys_n; i++)
                if (config_keys[i].section == section && config_keys[i].field == field &&
                    !(config_keys[i].flags & CONFIG_KEY_ALIAS))
                        return &config_keys[i];
        return NULL;
}

const char *config_key_names(ConfigSectionKind section) {
        static char buf[2][512];
        char *b = buf[section == CONFIG_SECTION_POLICY];

        if (!b[0])
                for (size_t i = 0; i < config_keys_n; i++)
                        if (config_keys[i].section == section)
                                snprintf(b + strlen(b), sizeof(buf[0]) - strlen(b), "%s%s", b[0] ? ", " : "",
                                         config_keys[i].name);
        return b;
}

static int key_error(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int key_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

static bool all_digits(const char *s) {
        return s[0] && strspn(s, "0123456789") == strlen(s);
}

static int check_range(const ConfigKey *k, const char *text, uint64_t v, char **ret_error) {
        char lo[TIMESPAN_MAX], hi[TIMESPAN_MAX];

        if (v >= k->min && v <= k->max)
                return 0;
        if (k->type == CONFIG_TYPE_TIMESPAN) {
                format_timespan(lo, sizeof(lo), k->min);
                format_timespan(hi, sizeof(hi), k->max);
                return key_error(ret_error, -ERANGE, "%s=%s is out of range %s..%s%s", k->name, text, lo, hi,
                                 all_digits(text) ? " (a time without a unit is seconds, systemd.time(7); "
                                                    "write e.g. 500ms or 500000us)" : "");
        }
        if (k->type == CONFIG_TYPE_BYTES)
                return key_error(ret_error, -ERANGE, "%s=%s is out of range (at most %" PRIu64 " bytes)", k->name,
                                 text, k->max * KVM_RECLAIM_PAGE_SIZE);
        return key_error(ret_error, -ERANGE, "%s=%s is out of range %" PRIu64 "..%" PRIu64, k->name, text, k->min,
                         k->max);
}

/* A stall time per window, or a percentage of the window; below 100%. */
static int parse_psi(const ConfigKey *k, const char *text, const ConfigContext *ctx, uint64_t *ret,
                     char **ret_error) {
        char w[TIMESPAN_MAX];
        uint32_t pm = 0;
        uint64_t v;
        bool percent = text[0] && text[strlen(text) - 1] == '%';
        int r;

        r = percent ? parse_permyriad(text, &pm) : parse_usec(text, &v);
        if (r == -ERANGE)
                return key_error(ret_error, r, "%s=%s is out of range: %s", k->name, text,
                                 percent ? "a percentage of the window is below 100%" :
                                           "it does not fit 64 bits of microseconds");
        if (r < 0)
                return key_error(ret_error, r, "%s=%s is neither a time span (e.g. 100ms; a number alone is "
                                 "seconds) nor a percentage of PressureWindow= (e.g. 20%%)", k->name, text);
        if (percent && pm >= 10000)
                return key_error(ret_error, -ERANGE, "%s=%s must be below 100%% of the window", k->name, text);
        if (!ctx || ctx->window_usec == 0) {
                *ret = percent ? 1 : v;   /* syntax only; the value is set when the window is known */
                return 0;
        }
        if (percent)
                v = ctx->window_usec * pm / 10000;
        format_timespan(w, sizeof(w), ctx->window_usec);
        if (v >= ctx->window_usec)
                return key_error(ret_error, -ERANGE,
                                 "%s=%s must be below PressureWindow= (%s): it is the stall time per window "
                                 "(thresholds and window are scaled together where the kernel needs 2 s "
                                 "windows), or give a percentage of the window such as 20%%%s",
                                 k->name, text, w,
                                 all_digits(text) ? "; a time without a unit is seconds, systemd.time(7)" : "");
        if (v < k->min)
                return key_error(ret_error, -ERANGE, "%s=%s must be above 0%s", k->name, text,
                                 percent ? " (that percentage of the window is under 1 µs)" : "");
        *ret = v;
        return 0;
}

int config_key_parse(const ConfigKey *k, const char *text, const ConfigContext *ctx, void *base, char **ret_error) {
        void *field = (char *) base + k->offset;
        uint64_t v = 0;
        int r;

        switch (k->type) {
        case CONFIG_TYPE_UINT32:
                r = parse_u64(text, &v);
                if (r == -EINVAL || strchr(text, '\n'))
                        return key_error(ret_error, -EINVAL, "%s=%s is not a number (%" PRIu64 "..%" PRIu64 ")",
                                         k->name, text, k->min, k->max);
                r = check_range(k, text, r < 0 ? UINT64_MAX : v, ret_error);
                if (r < 0)
                        return r;
                *(uint32_t *) field = (uint32_t) v;
                return 0;

        case CONFIG_TYPE_PAGES:
                if ((k->flags & CONFIG_KEY_INFINITY) && streq_ptr(text, "infinity")) {
                        *(uint64_t *) field = 0;
                        return 0;
                }
                r = parse_u64(text, &v);
                if (r == -EINVAL || strchr(text, '\n'))
                        return key_error(ret_error, -EINVAL, "%s=%s is not a page count (a whole number of "
                                         "4 KiB pages%s)", k->name, text,
                                         k->section == CONFIG_SECTION_POLICY ? "; the *Memory= keys take bytes" : "");
                r = check_range(k, text, r < 0 ? UINT64_MAX : v, ret_error);
                if (r < 0)
                        return r;
                *(uint64_t *) field = v;
                return 0;

        case CONFIG_TYPE_BYTES: {
                uint64_t pages;

                if ((k->flags & CONFIG_KEY_INFINITY) && streq_ptr(text, "infinity")) {
                        *(uint64_t *) field = 0;
                        return 0;
                }
                r = parse_size(text, &v);
                if (r == -ERANGE)
                        return key_error(ret_error, r, "%s=%s is out of range: it does not fit 64 bits", k->name, text);
                if (r < 0)
                        return key_error(ret_error, r, "%s=%s is not a size (bytes, or a number with K, M, G, T, "
                                         "P or E, base 1024)", k->name, text);
                pages = v / KVM_RECLAIM_PAGE_SIZE +
                        ((k->flags & CONFIG_KEY_ROUND_UP) && v % KVM_RECLAIM_PAGE_SIZE ? 1 : 0);
                if (pages == 0 && v > 0)
                        return key_error(ret_error, -ERANGE, "%s=%s is less than one 4 KiB page%s", k->name, text,
                                         (k->flags & CONFIG_KEY_INFINITY) ? " (infinity means no limit)" : "");
                r = check_range(k, text, pages, ret_error);
                if (r < 0)
                        return r;
                *(uint64_t *) field = pages;
                return 0;
        }

        case CONFIG_TYPE_BOOL:
                r = parse_bool(text);
                if (r < 0)
                        return key_error(ret_error, r, "%s=%s is not a boolean (yes, no, true, false, on, off, 1, 0)",
                                         k->name, text);
                *(bool *) field = r;
                return 0;

        case CONFIG_TYPE_ACTION:
                if (reclaim_action_from_string(text, (ReclaimAction *) field) < 0)
                        return key_error(ret_error, -EINVAL, "%s=%s is not one of caches, zap, caches+zap",
                                         k->name, text);
                return 0;

        case CONFIG_TYPE_TIMESPAN:
                r = parse_usec(text, &v);
                if (r == -ERANGE)
                        return key_error(ret_error, r, "%s=%s is out of range: it does not fit 64 bits of "
                                         "microseconds", k->name, text);
                if (r < 0)
                        return key_error(ret_error, r, "%s=%s is not a time span (e.g. 500ms, 2s, 1min; a number "
                                         "alone is seconds)", k->name, text);
                r = check_range(k, text, v, ret_error);
                if (r < 0)
                        return r;
                *(uint64_t *) field = v;
                return 0;

        case CONFIG_TYPE_PSI:
                r = parse_psi(k, text, ctx, &v, ret_error);
                if (r < 0)
                        return r;
                *(uint64_t *) field = v;
                return 0;

        case CONFIG_TYPE_PATH: {
                char *copy;

                if (text[0] != '/')
                        return key_error(ret_error, -EINVAL, "%s=%s must be an absolute path", k->name, text);
                copy = strdup(text);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = copy;
                return 0;
        }
        }
        return -EINVAL;
}

char *config_key_format(const ConfigKey *k, const void *base, char *buf, size_t size) {
        const void *field = (const char *) base + k->offset;

        switch (k->type) {
        case CONFIG_TYPE_UINT32:
                snprintf(buf, size, "%" PRIu32, *(const uint32_t *) field);
                break;
        case CONFIG_TYPE_PAGES:
                snprintf(buf, size, "%" PRIu64, *(const uint64_t *) field);
                break;
        case CONFIG_TYPE_BYTES:
                snprintf(buf, size, "%" PRIu64, *(const uint64_t *) field * KVM_RECLAIM_PAGE_SIZE);
                break;
        case CONFIG_TYPE_BOOL:
                snprintf(buf, size, "%s", yes_no(*(const bool *) field));
                break;
        case CONFIG_TYPE_ACTION:
                snprintf(buf, size, "%s", reclaim_action_to_string(*(const ReclaimAction *) field));
                break;
        case CONFIG_TYPE_TIMESPAN:
        case CONFIG_TYPE_PSI:
                format_timespan(buf, size, *(const uint64_t *) field);
                break;
        case CONFIG_TYPE_PATH:
                snprintf(buf, size, "%s", *(char *const *) field ?: "");
                break;
        }
        return buf;
}

char config_key_bus_type(const ConfigKey *k) {
        switch (k->type) {
        case CONFIG_TYPE_UINT32:
                return 'u';
        case CONFIG_TYPE_BOOL:
                return 'b';
        case CONFIG_TYPE_ACTION:
        case CONFIG_TYPE_PATH:
                return 's';
        default:
                return 't';
        }
}

char *config_key_bus_to_text(const ConfigKey *k, const void *value, char *buf, size_t size) {
        switch (config_key_bus_type(k)) {
        case 'u':
                snprintf(buf, size, "%" PRIu32, *(const uint32_t *) value);
                break;
        case 'b':
                snprintf(buf, size, "%s", yes_no(*(const int *) value));
                break;
        case 's':
                snprintf(buf, size, "%s", *(const char *const *) value);
                break;
        default:
                /* Times travel as µs: say so, a bare number is seconds. */
                snprintf(buf, size, "%" PRIu64 "%s", *(const uint64_t *) value,
                         k->type == CONFIG_TYPE_TIMESPAN || k->type == CONFIG_TYPE_PSI ? "us" : "");
        }
        return buf;
}

uint64_t config_key_bus_value(const ConfigKey *k, const void *base, const char **ret_string) {
        const void *field = (const char *) base + k->offset;

        switch (k->type) {
        case CONFIG_TYPE_UINT32:
                return *(const uint32_t *) field;
        case CONFIG_TYPE_BOOL:
                return *(const bool *) field;
        case CONFIG_TYPE_ACTION:
                *ret_string = reclaim_action_to_string(*(const ReclaimAction *) field);
                return 0;
        case CONFIG_TYPE_PATH:
                *ret_string = *(char *const *) field ?: "";
                return 0;
        case CONFIG_TYPE_BYTES:
                return *(const uint64_t *) field * KVM_RECLAIM_PAGE_SIZE;
        default:
                return *(const uint64_t *) field;
        }
}

char *config_key_syntax(const ConfigKey *k, char *buf, size_t size) {
        char lo[TIMESPAN_MAX], hi[TIMESPAN_MAX];

        switch (k->type) {
        case CONFIG_TYPE_UINT32:
                snprintf(buf, size, "%" PRIu64 "..%" PRIu64, k->min, k->max);
                break;
        case CONFIG_TYPE_PAGES:
                snprintf(buf, size, "4 KiB pages%s", (k->flags & CONFIG_KEY_INFINITY) ? ", 0 or infinity: none" : "");
                break;
        case CONFIG_TYPE_BYTES:
                snprintf(buf, size, "bytes (K, M, G, T), rounded %s to pages%s",
                         (k->flags & CONFIG_KEY_ROUND_UP) ? "up" : "down",
                         (k->flags & CONFIG_KEY_INFINITY) ? "; infinity: none" : "");
                break;
        case CONFIG_TYPE_BOOL:
                snprintf(buf, size, "yes or no");
                break;
        case CONFIG_TYPE_ACTION:
                snprintf(buf, size, "caches, zap or caches+zap");
                break;
        case CONFIG_TYPE_TIMESPAN:
                snprintf(buf, size, "a time, %s..%s", format_timespan(lo, sizeof(lo), k->min),
                         format_timespan(hi, sizeof(hi), k->max));
                break;
        case CONFIG_TYPE_PSI:
                snprintf(buf, size, "a time or N%% of PressureWindow=%s", k->min == 0 ? "; 0: none" : "");
                break;
        case CONFIG_TYPE_PATH:
                snprintf(buf, size, "an absolute path");
                break;
        }
        return buf;
}

int config_keys_set_defaults(ConfigSectionKind section, void *base) {
        const ConfigContext ctx = { .window_usec = 500 * USEC_PER_MSEC };

        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                int r;

                if (k->section != section || !k->default_value)
                        continue;
                /* The defaults are checked by the unit tests; only -ENOMEM
                 * (a path) can fail here. */
                r = config_key_parse(k, k->default_value, &ctx, base, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}
