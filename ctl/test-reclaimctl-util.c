/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven tests of kvm-reclaimctl's pure helpers (reclaimctl-util.c). */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reclaimctl-util.h"

static void test_parse_timespan(void **state) {
        static const struct {
                const char *in;
                int ret;
                uint64_t usec;
        } cases[] = {
                { "0",          0, 0 },
                { "100",        0, UINT64_C(100000000) },  /* a time without a unit is seconds */
                { "100us",      0, 100 },
                { "100µs",      0, 100 },
                { "100ms",      0, 100000 },
                { "100 ms",     0, 100000 },
                { "1s",         0, 1000000 },
                { "1.5s",       0, 1500000 },
                { "1s 500ms",   0, 1500000 },
                { "2min",       0, 120000000 },
                { "1m",         0, 60000000 },
                { "1h",         0, UINT64_C(3600000000) },
                { "0.5ms",      0, 500 },
                { "",           -EINVAL, 0 },
                { " ",          -EINVAL, 0 },
                { "abc",        -EINVAL, 0 },
                { "-5ms",       -EINVAL, 0 },
                { "5 parsecs",  -EINVAL, 0 },
                { "1.5",        0, 1500000 },       /* seconds too, as systemd reads it */
                { "1.",         -EINVAL, 0 },
                { "1s 500",     -EINVAL, 0 },   /* a bare number only alone */
                { "10msx",      -EINVAL, 0 },
                { "99999999999999999999s", -ERANGE, 0 },
                { "18446744073709551615s", -ERANGE, 0 },
                { "18446744073709551615", -ERANGE, 0 },
                /* Everything format_timespan_usec() prints reads back. */
                { "18446744073709551615us", 0, UINT64_MAX },
                { "1844674407370955161us", 0, UINT64_C(1844674407370955161) },
                { "18446744073709551616us", -ERANGE, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t v = 4242;
                int r = parse_usec(cases[i].in, &v);

                if (r != cases[i].ret)
                        fail_msg("parse_usec(\"%s\") = %d, expected %d", cases[i].in, r, cases[i].ret);
                if (r == 0)
                        assert_int_equal(v, cases[i].usec);
                else
                        assert_int_equal(v, 4242);   /* ret untouched on failure */
        }
}

static void test_format_timespan_roundtrip(void **state) {
        static const uint64_t values[] = { 0, 1, 999, 1000, 1500, 100000, 1000000, 1500000, 60000000,
                                           90000000, UINT64_C(3600000000), UINT64_C(1844674407370955161),
                                           UINT64_MAX };
        char buf[64];

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                uint64_t back = 0;

                format_timespan_usec(buf, sizeof(buf), values[i]);
                assert_int_equal(parse_usec(buf, &back), 0);
                assert_int_equal(back, values[i]);
        }
        assert_string_equal(format_timespan_usec(buf, sizeof(buf), 100000), "100ms");
        assert_string_equal(format_timespan_usec(buf, sizeof(buf), 2000000), "2s");
        assert_string_equal(format_timespan_usec(buf, sizeof(buf), 120000000), "2min");
        assert_string_equal(format_timespan_usec(buf, sizeof(buf), 1500), "1500us");
}

/* "policy set Protect=" uses the daemon's parse_bool() (daemon/util.c): what
 * the config file accepts, "y"/"n"/"t"/"f" included. */
static void test_parse_bool(void **state) {
        static const struct {
                const char *in;
                int ret;
        } cases[] = {
                { "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
                { "1", 1 }, { "0", 0 }, { "YES", 1 }, { "on", 1 },
                { "off", 0 }, { "", -EINVAL }, { "2", -EINVAL },
                { "yess", -EINVAL }, { "y", 1 }, { "n", 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = parse_bool(cases[i].in);

                if (r != cases[i].ret)
                        fail_msg("parse_bool(\"%s\") = %d, expected %d", cases[i].in, r, cases[i].ret);
        }
}

static void test_parse_numbers(void **state) {
        uint64_t v;
        uint32_t u;

        assert_int_equal(parse_u64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_u64("18446744073709551615", &v), 0);
        assert_int_equal(v, UINT64_MAX);
        assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(parse_u64("-1", &v), -EINVAL);
        assert_int_equal(parse_u64(" 1", &v), -EINVAL);
        assert_int_equal(parse_u64("1k", &v), -EINVAL);
        assert_int_equal(parse_u64("", &v), -EINVAL);
        /* The daemon's parser also takes one trailing newline (it reads
         * kernel files with it); harmless on a command line. */
        assert_int_equal(parse_u64("7\n", &v), 0);
        assert_int_equal(v, 7);
        assert_int_equal(parse_u64("7\n\n", &v), -EINVAL);
        assert_int_equal(parse_u32("4294967295", &u), 0);
        assert_int_equal(u, UINT32_MAX);
        assert_int_equal(parse_u32("4294967296", &u), -ERANGE);
}

/* "policy set" checks keys and values with the daemon's key table and
 * parser: every key the table has, nothing else, case-sensitive. */
static void test_policy_settings(void **state) {
        static const struct {
                const char *key, *value;
                int ret;
        } cases[] = {
                { "Weight", "200", 0 },
                { "Weight", "0", -ERANGE },
                { "Weight", "abc", -EINVAL },
                { "MinPages", "1024", 0 },
                { "MinPages", "1M", -EINVAL },   /* pages are counts... */
                { "MinMemory", "1M", 0 },        /* ...memory takes sizes */
                { "MaxMemory", "infinity", 0 },
                { "MaxMemory", "100", -ERANGE }, /* under one page */
                { "Protect", "yes", 0 },
                { "Protect", "maybe", -EINVAL },
                { "Action", "caches+zap", 0 },
                { "Action", "zap+caches", -EINVAL },
                { "PressureThreshold", "50ms", 0 },
                { "PressureThreshold", "20%", 0 },
                { "PressureThreshold", "100%", -ERANGE },
                { "PressureThreshold", "5 parsecs", -EINVAL },
                { "weight", "1", -EINVAL },
                { "Cgroup", "/a", -EINVAL },
                { "Source", "x", -EINVAL },
                { "StepPages", "1", -EINVAL },   /* a [Daemon] key */
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const ConfigKey *k = NULL;
                char *err = NULL;
                int r = policy_setting_check(cases[i].key, cases[i].value, &k, &err);

                if (r != cases[i].ret)
                        fail_msg("%s=%s: %d (%s), expected %d", cases[i].key, cases[i].value, r, err ?: "",
                                 cases[i].ret);
                if (r == 0)
                        assert_string_equal(k->name, cases[i].key);
                else
                        assert_non_null(err);
                free(err);
        }
        assert_true(action_is_valid("caches"));
        assert_true(action_is_valid("zap"));
        assert_true(action_is_valid("caches+zap"));
        assert_false(action_is_valid("zap+caches"));
        assert_false(action_is_valid(""));
}

static void test_exit_codes(void **state) {
        static const struct {
                const char *name;
                int r;
                int code;
        } cases[] = {
                { "org.freedesktop.DBus.Error.ServiceUnknown", -EHOSTUNREACH, EXIT_UNREACHABLE },
                { "org.freedesktop.DBus.Error.NameHasNoOwner", -ENXIO, EXIT_UNREACHABLE },
                { "org.freedesktop.DBus.Error.NoReply", -ETIMEDOUT, EXIT_UNREACHABLE },
                { "org.freedesktop.DBus.Error.Spawn.ChildExited", -EIO, EXIT_UNREACHABLE },
                { "org.freedesktop.systemd1.NoSuchUnit", -EIO, EXIT_UNREACHABLE },
                { "org.freedesktop.DBus.Error.AccessDenied", -EACCES, EXIT_ACCESS },
                { "org.freedesktop.DBus.Error.InvalidArgs", -EINVAL, EXIT_INVALID },
                { "org.freedesktop.DBus.Error.UnknownMethod", -EBADR, EXIT_GENERIC },
                { "org.freedesktop.DBus.Error.Failed", -EIO, EXIT_GENERIC },
                { NULL, -ENOENT, EXIT_UNREACHABLE },
                { NULL, -ECONNREFUSED, EXIT_UNREACHABLE },
                { NULL, -EACCES, EXIT_ACCESS },
                { NULL, -ENOMEM, EXIT_GENERIC },
                /* An error name decides, not the errno it maps to. */
                { "org.freedesktop.DBus.Error.Failed", -EACCES, EXIT_GENERIC },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int code = exit_code_from_bus_error(cases[i].name, cases[i].r);
                if (code != cases[i].code)
                        fail_msg("exit code for %s/%d = %d, expected %d",
                                 cases[i].name ?: "(none)", cases[i].r, code, cases[i].code);
        }

        /* Not reaching the bus is 3 whatever the reason: --user without a
         * session bus gives ENOMEDIUM, a refused socket EACCES. */
        assert_int_equal(exit_code_from_connect_errno(-ENOMEDIUM), EXIT_UNREACHABLE);
        assert_int_equal(exit_code_from_connect_errno(-EACCES), EXIT_UNREACHABLE);
        assert_int_equal(exit_code_from_connect_errno(-ENOENT), EXIT_UNREACHABLE);
        assert_int_equal(exit_code_from_connect_errno(-EINVAL), EXIT_UNREACHABLE);
        assert_int_equal(exit_code_from_connect_errno(-ENOMEM), EXIT_GENERIC);
}

static char *json_of(void (*fn)(JsonWriter *j)) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        JsonWriter j;

        assert_non_null(f);
        json_init(&j, f);
        fn(&j);
        fclose(f);
        return buf;
}

static void write_nested(JsonWriter *j) {
        json_begin_object(j);
        json_key(j, "a");
        json_u64(j, 1);
        json_key(j, "s");
        json_str(j, "q\"b\\n\n\t\x01\x7f é");
        json_key(j, "list");
        json_begin_array(j);
        json_bool(j, true);
        json_null(j);
        json_double(j, 12.34);
        json_begin_object(j);
        json_end_object(j);
        json_begin_array(j);
        json_end_array(j);
        json_end_array(j);
        json_key(j, "neg");
        json_i64(j, -5);
        json_key(j, "nan");
        json_double(j, 0.0 / 0.0);
        json_end_object(j);
}

static void write_empty_array(JsonWriter *j) {
        json_begin_array(j);
        json_end_array(j);
}

static void write_pairs(JsonWriter *j) {
        json_begin_object(j);
        json_pair_str(j, "s", "a\"b");
        json_pair_u64(j, "u", UINT64_MAX);
        json_pair_bool(j, "b", false);
        json_pair_double(j, "d", 0.25);
        json_end_object(j);
}

static void write_path(JsonWriter *j) {
        json_begin_object(j);
        json_pair_str(j, "Cgroup", "/machine.slice/a");
        json_key(j, "List");
        json_begin_array(j);
        json_u64(j, 1);
        json_u64(j, 2);
        json_end_array(j);
        json_end_object(j);
}

static void test_json(void **state) {
        char *s;

        /* json-c escapes what JSON requires (DEL needs none). */
        s = json_of(write_nested);
        assert_string_equal(s, "{\"a\":1,\"s\":\"q\\\"b\\\\n\\n\\t\\u0001\x7f é\","
                               "\"list\":[true,null,12.34,{},[]],\"neg\":-5,\"nan\":null}\n");
        free(s);

        s = json_of(write_empty_array);
        assert_string_equal(s, "[]\n");
        free(s);

        s = json_of(write_pairs);
        assert_string_equal(s, "{\"s\":\"a\\\"b\",\"u\":18446744073709551615,\"b\":false,\"d\":0.25}\n");
        free(s);

        /* --json=pretty: the same value, indented; paths keep their slashes. */
        json_output_format = JSON_PRETTY;
        s = json_of(write_path);
        json_output_format = JSON_SHORT;
        assert_string_equal(s, "{\n  \"Cgroup\": \"/machine.slice/a\",\n  \"List\": [\n    1,\n    2\n  ]\n}\n");
        free(s);
        s = json_of(write_path);
        assert_string_equal(s, "{\"Cgroup\":\"/machine.slice/a\",\"List\":[1,2]}\n");
        free(s);
}

static void test_json_format(void **state) {
        assert_int_equal(json_format_from_string("short"), JSON_SHORT);
        assert_int_equal(json_format_from_string("pretty"), JSON_PRETTY);
        assert_int_equal(json_format_from_string("off"), JSON_OFF);
        assert_int_equal(json_format_from_string("Pretty"), -EINVAL);
        assert_int_equal(json_format_from_string(""), -EINVAL);
}

static void test_format_pages(void **state) {
        char buf[64];

        assert_string_equal(format_pages(buf, sizeof(buf), 0), "0 (0.0 MiB)");
        assert_string_equal(format_pages(buf, sizeof(buf), 256), "256 (1.0 MiB)");
        assert_string_equal(format_pages(buf, sizeof(buf), 25600), "25600 (100.0 MiB)");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_timespan),
                cmocka_unit_test(test_format_timespan_roundtrip),
                cmocka_unit_test(test_parse_bool),
                cmocka_unit_test(test_parse_numbers),
                cmocka_unit_test(test_policy_settings),
                cmocka_unit_test(test_exit_codes),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_json_format),
                cmocka_unit_test(test_format_pages),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
