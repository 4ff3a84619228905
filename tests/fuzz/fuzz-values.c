/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Values: numbers, time spans, sizes, percentages, booleans and cgroup
 * paths (util.c), and every configuration key's parser and formatter
 * (conf-keys.c), which SetPolicy, the ctl and the files share.  Whatever
 * is accepted formats back to a text that reads as the same value; a time
 * span formatted from any 64-bit value reads back exactly (issue 9, 7). */
#include <errno.h>

#include "conf-keys.h"
#include "fuzz.h"
#include "kvm-reclaim.h"
#include "util.h"

/* parse_u64() is strtoull() on a string that starts with a digit: the
 * digits, then nothing or one newline; digits that overflow are -ERANGE
 * whatever follows them. */
static void check_u64(const char *s) {
        size_t digits = strspn(s, "0123456789");
        bool overflow = false;
        uint64_t v, want = 0;
        int r;

        for (size_t i = 0; i < digits; i++) {
                unsigned d = (unsigned) (s[i] - '0');
                if (want > (UINT64_MAX - d) / 10)
                        overflow = true;
                want = want * 10 + d;
        }
        r = parse_u64(s, &v);
        if (digits == 0)
                FUZZ_ASSERT(r == -EINVAL, "parse_u64(\"%s\") = %d, expected -EINVAL", s, r);
        else if (overflow)
                FUZZ_ASSERT(r == -ERANGE, "parse_u64(\"%s\") = %d, expected -ERANGE", s, r);
        else if (!streq_ptr(s + digits, "") && !streq_ptr(s + digits, "\n"))
                FUZZ_ASSERT(r == -EINVAL, "parse_u64(\"%s\") = %d, expected -EINVAL", s, r);
        else
                FUZZ_ASSERT(r == 0 && v == want, "parse_u64(\"%s\") = %d, %llu", s, r, (unsigned long long) v);
}

static void check_timespan_of(uint64_t v, const char *from) {
        char buf[TIMESPAN_MAX];
        uint64_t again = 0;
        int r;

        format_timespan(buf, sizeof(buf), v);
        FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1, "format_timespan(%llu) fills its buffer", (unsigned long long) v);
        r = parse_usec(buf, &again);
        FUZZ_ASSERT(r >= 0 && again == v, "%s: %llu us is formatted \"%s\", which reads as %d/%llu", from,
                    (unsigned long long) v, buf, r, (unsigned long long) again);
}

static void check_util(const char *s) {
        uint64_t v;
        uint32_t pm;
        int r;

        check_u64(s);

        r = parse_usec(s, &v);
        FUZZ_ASSERT(r >= 0 || r == -EINVAL || r == -ERANGE, "parse_usec(): %d", r);
        if (r >= 0)
                check_timespan_of(v, s);

        r = parse_size(s, &v);
        FUZZ_ASSERT(r >= 0 || r == -EINVAL || r == -ERANGE, "parse_size(): %d", r);

        r = parse_permyriad(s, &pm);
        FUZZ_ASSERT(r >= 0 || r == -EINVAL || r == -ERANGE, "parse_permyriad(): %d", r);
        if (r >= 0)
                FUZZ_ASSERT(pm <= 10000, "parse_permyriad(\"%s\") = %u", s, pm);

        r = parse_bool(s);
        FUZZ_ASSERT(r == 0 || r == 1 || r == -EINVAL, "parse_bool(): %d", r);

        if (cgroup_path_is_valid(s)) {
                FUZZ_ASSERT(cgroup_path_startswith(s, "/") && cgroup_path_startswith(s, s),
                            "\"%s\" is not below / or itself", s);
                for (const char *c = s + 1; *c; c++)
                        FUZZ_ASSERT(!(c[-1] == '/' && c[0] == '/'), "\"%s\" is valid with //", s);
        }
}

/* One key: parse, format, parse again; the field must come back the same. */
static void check_key(const ConfigKey *k, const char *s, const ConfigContext *ctx) {
        union {
                Policy p;
                DaemonSettings d;
        } a = {}, b = {};
        _cleanup_free_ char *msg = NULL, *msg2 = NULL;
        char text[4200];
        int r;

        r = config_key_parse(k, s, ctx, &a, &msg);
        FUZZ_ASSERT(r != -ENOMEM, "out of memory");
        if (r < 0) {
                FUZZ_ASSERT(msg && strstr(msg, k->name), "%s=%s refused without naming the key: %s", k->name, s,
                            msg ?: "(no message)");
                goto out;
        }
        config_key_format(k, &a, text, sizeof(text));
        r = config_key_parse(k, text, ctx, &b, &msg2);
        FUZZ_ASSERT(r >= 0, "%s=%s is formatted \"%s\", which is refused: %s", k->name, s, text, msg2 ?: "");
        if (k->type == CONFIG_TYPE_PATH)
                FUZZ_ASSERT(streq_ptr(*(char **) ((char *) &a + k->offset), *(char **) ((char *) &b + k->offset)),
                            "%s=%s reads back as something else", k->name, s);
        else
                FUZZ_ASSERT(memcmp((char *) &a + k->offset, (char *) &b + k->offset, k->size) == 0,
                            "%s=%s is formatted \"%s\", which reads as another value", k->name, s, text);
out:
        if (k->type == CONFIG_TYPE_PATH) {
                free(*(char **) ((char *) &a + k->offset));
                free(*(char **) ((char *) &b + k->offset));
        }
}

/* A native D-Bus value of a key (SetPolicy with 'u', 't' or 'b') as the
 * file's text: read back, it is the same value, or refused as out of range. */
static void check_bus_value(const ConfigKey *k, uint64_t raw, const ConfigContext *ctx) {
        union {
                Policy p;
                DaemonSettings d;
        } a = {};
        _cleanup_free_ char *msg = NULL;
        char text[64];
        uint32_t u = (uint32_t) raw;
        int b = (int) (raw & 1);
        const char *str = NULL;
        uint64_t back;
        int r;

        switch (config_key_bus_type(k)) {
        case 'u':
                config_key_bus_to_text(k, &u, text, sizeof(text));
                raw = u;
                break;
        case 'b':
                config_key_bus_to_text(k, &b, text, sizeof(text));
                raw = (uint64_t) b;
                break;
        case 't':
                config_key_bus_to_text(k, &raw, text, sizeof(text));
                break;
        default:
                return;
        }
        r = config_key_parse(k, text, ctx, &a, &msg);
        FUZZ_ASSERT(r != -ENOMEM, "out of memory");
        if (r < 0) {
                FUZZ_ASSERT(r == -ERANGE, "%s: the D-Bus value %llu, as \"%s\", is refused: %s", k->name,
                            (unsigned long long) raw, text, msg ?: "");
                return;
        }
        back = config_key_bus_value(k, &a, &str);
        if (k->type == CONFIG_TYPE_BYTES)       /* bytes are kept as whole pages */
                FUZZ_ASSERT(back / KVM_RECLAIM_PAGE_SIZE == raw / KVM_RECLAIM_PAGE_SIZE + ((k->flags & CONFIG_KEY_ROUND_UP) &&
                            raw % KVM_RECLAIM_PAGE_SIZE ? 1 : 0), "%s: D-Bus %llu reads back as %llu", k->name,
                            (unsigned long long) raw, (unsigned long long) back);
        else if (k->type == CONFIG_TYPE_PSI && ctx)
                FUZZ_ASSERT(back == raw, "%s: D-Bus %llu reads back as %llu", k->name, (unsigned long long) raw,
                            (unsigned long long) back);
        else if (k->type != CONFIG_TYPE_PSI)
                FUZZ_ASSERT(back == raw, "%s: D-Bus %llu reads back as %llu", k->name, (unsigned long long) raw,
                            (unsigned long long) back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_string(data, size);
        const ConfigContext ctx = { .window_usec = 500 * USEC_PER_MSEC };
        uint64_t raw = 0;

        if (size > 256)
                return 0;       /* values are short; longer ones only repeat */
        check_util(s);
        memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
        check_timespan_of(raw, "raw bytes");
        for (size_t i = 0; i < config_keys_n; i++) {
                check_key(&config_keys[i], s, NULL);
                check_key(&config_keys[i], s, &ctx);
                check_bus_value(&config_keys[i], raw, &ctx);
        }
        return 0;
}
