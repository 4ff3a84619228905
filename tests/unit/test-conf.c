/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Config parser: good files, drop-in order, and bad files that must be
 * refused with the right file:line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static char tmpdir[] = "/tmp/kvmr-test-conf.XXXXXX";

static void write_file(const char *name, const char *text) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static int load(const char *main_name, Config **c, char **err) {
        char main_path[512], dropins[512];
        char *dirs[] = { dropins, NULL };

        snprintf(main_path, sizeof(main_path), "%s/%s", tmpdir, main_name);
        snprintf(dropins, sizeof(dropins), "%s/conf.d", tmpdir);
        return config_load(main_path, dirs, c, err);
}

static int setup(void **state) {
        char d[600];
        assert_non_null(mkdtemp(tmpdir));
        snprintf(d, sizeof(d), "%s/conf.d", tmpdir);
        assert_int_equal(mkdir(d, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void clear_dropins(void) {
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -f '%s'/conf.d/*.conf", tmpdir);
        assert_int_equal(system(cmd), 0);
}

static void test_missing_file_gives_defaults(void **state) {
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        assert_int_equal(load("does-not-exist.conf", &c, &err), 0);
        assert_int_equal(c->daemon.step_pages, 4096);
        assert_int_equal(c->daemon.window_usec, 500000);
        assert_int_equal(c->n_policies, 0);
        assert_int_equal(config_policy_for(c, "/any")->weight, POLICY_WEIGHT_DEFAULT);
        config_free(c);
}

static void test_full_file_and_nearest_ancestor(void **state) {
        Config *c = NULL;
        char *err = NULL;
        const Policy *p;

        clear_dropins();
        write_file("good.conf",
                   "# comment\n"
                   "[Daemon]\n"
                   "DebugfsDir=/tmp/kvm\n"
                   "SystemPressureThreshold=150ms\n"
                   "PressureWindow=2s\n"
                   "StepPages=1000\n"
                   "DisableKernelShrinker=no\n"
                   "\n"
                   "[Policy /machine.slice]\n"
                   "Weight=200\n"
                   "MinPages=10\n"
                   "MaxPages=5000\n"
                   "Action=zap\n"
                   "PressureThreshold=200ms\n"
                   "[Policy /machine.slice/machine-qemu\\x2d1\\x2ddatabase-primary-long-name.scope]\n"
                   "Protect=yes\n");
        assert_int_equal(load("good.conf", &c, &err), 0);
        assert_string_equal(c->daemon.debugfs_dir, "/tmp/kvm");
        assert_int_equal(c->daemon.system_threshold_usec, 150000);
        assert_int_equal(c->daemon.window_usec, 2000000);
        assert_false(c->daemon.disable_kernel_shrinker);
        assert_int_equal(c->n_policies, 2);

        p = config_policy_for(c, "/machine.slice/machine-qemu\\x2d2\\x2dweb.scope");
        assert_string_equal(p->cgroup, "/machine.slice");
        assert_int_equal(p->weight, 200);
        assert_int_equal(p->min_pages, 10);
        assert_int_equal(p->max_pages, 5000);
        assert_int_equal(p->action, RECLAIM_ZAP);
        assert_int_equal(p->pressure_threshold_usec, 200000);

        /* A section name longer than inih's 50 bytes still works. */
        p = config_policy_for(c, "/machine.slice/machine-qemu\\x2d1\\x2ddatabase-primary-long-name.scope/vcpu0");
        assert_true(p->protect);

        /* Prefixes match on path components only. */
        p = config_policy_for(c, "/machine.slicer");
        assert_string_equal(p->cgroup, "/");
        assert_string_equal(p->source, "builtin");
        config_free(c);
}

static void test_dropins_override_in_name_order(void **state) {
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        write_file("main.conf", "[Policy /a]\nWeight=10\nMinPages=5\n");
        write_file("conf.d/20-late.conf", "[Policy /a]\nWeight=30\n");
        write_file("conf.d/10-early.conf", "[Policy /a]\nWeight=20\n[Daemon]\nStepPages=7\n");
        write_file("conf.d/ignored.txt", "garbage that is never read\n");
        assert_int_equal(load("main.conf", &c, &err), 0);
        assert_int_equal(config_find_policy(c, "/a")->weight, 30);
        assert_int_equal(config_find_policy(c, "/a")->min_pages, 5);
        assert_int_equal(c->daemon.step_pages, 7);
        assert_non_null(strstr(config_find_policy(c, "/a")->source, "20-late.conf"));
        config_free(c);
        clear_dropins();
}

typedef struct BadCase {
        const char *text;
        const char *where;      /* expected "file:line" suffix */
        const char *what;       /* expected part of the message */
} BadCase;

static void test_bad_files_are_refused_with_file_and_line(void **state) {
        static const BadCase cases[] = {
                { "[Policy /a]\nWeight=0\n", "bad.conf:2:", "Weight=0 is out of range 1..10000" },
                { "[Policy /a]\n\nWeight=10001\n", "bad.conf:3:", "out of range" },
                { "[Policy /a]\nWeight=ten\n", "bad.conf:2:", "Weight=ten" },
                { "[Policy /a]\nWeight=-1\n", "bad.conf:2:", "Weight=-1" },
                { "[Policy /a]\nMinPages=1.5\n", "bad.conf:2:", "not a page count" },
                { "[Policy /a]\nAction=delete\n", "bad.conf:2:", "Action=delete" },
                { "[Policy /a]\nProtect=maybe\n", "bad.conf:2:", "not a boolean" },
                { "[Policy /a]\nPressureThreshold=fast\n", "bad.conf:2:", "not a time span" },
                { "[Policy /a]\nColour=blue\n", "bad.conf:2:", "unknown key Colour=" },
                { "[Policy relative/path]\nWeight=1\n", "bad.conf:2:", "not an absolute cgroup path" },
                { "[Policy /a/../b]\nWeight=1\n", "bad.conf:2:", "'..'" },
                { "[Polcy /a]\nWeight=1\n", "bad.conf:2:", "unknown section [Polcy /a]" },
                { "[Daemon]\nStepPages=many\n", "bad.conf:2:", "StepPages=many" },
                { "[Daemon]\nDebugfsDir=relative\n", "bad.conf:2:", "absolute path" },
                { "[Daemon]\nNoSuchKey=1\n", "bad.conf:2:", "unknown key NoSuchKey=" },
                { "[Policy /a]\nWeight=1\nthis line is not ini\n", "bad.conf:3:", "syntax error" },
                { "[Policy /a]\nMinPages=100\nMaxPages=50\n", "bad.conf", "must not be below MinPages" },
                { "[Policy /a]\nProtect=yes\nMaxPages=50\n", "bad.conf", "contradict" },
                { "[Policy /a]\nAction=caches\nMaxPages=50\n", "bad.conf", "MaxPages= needs Action=zap" },
                { "[Policy /a]\nPressureThreshold=600ms\n", "bad.conf", "must be below PressureWindow=" },
                { "[Daemon]\nPressureWindow=100ms\n", NULL, "PressureWindow= must be between" },
                { "[Daemon]\nSystemPressureThreshold=0\n", NULL, "SystemPressureThreshold= must be above 0" },
                { "[Daemon]\nStepPages=0\n", NULL, "StepPages= must be between" },
        };

        clear_dropins();
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config *c = NULL;
                char *err = NULL;

                write_file("bad.conf", cases[i].text);
                assert_int_equal(load("bad.conf", &c, &err), -EINVAL);
                assert_null(c);
                assert_non_null(err);
                if (cases[i].where && !strstr(err, cases[i].where))
                        fail_msg("case %zu: '%s' does not name %s", i, err, cases[i].where);
                if (!strstr(err, cases[i].what))
                        fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].what);
                free(err);
        }
}

static void test_bad_dropin_names_the_dropin(void **state) {
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        write_file("main.conf", "[Policy /a]\nWeight=10\n");
        write_file("conf.d/30-x.conf", "\n\n[Policy /b]\nAction=nope\n");
        assert_int_equal(load("main.conf", &c, &err), -EINVAL);
        assert_non_null(strstr(err, "conf.d/30-x.conf:4:"));
        free(err);
        clear_dropins();
}

static void test_dropins_hold_only_their_keys(void **state) {
        DropinKeys d = {}, back = {};
        Config *c = NULL;
        char *text, *err = NULL, path[600];

        clear_dropins();
        /* The main file sets MinPages; the drop-in only Weight and Action. */
        write_file("main.conf", "[Policy /x/y]\nMinPages=64\nWeight=5\n");
        assert_int_equal(dropin_keys_set(&d, "Weight", "42"), 0);
        assert_int_equal(dropin_keys_set(&d, "Action", "zap"), 0);
        assert_int_equal(dropin_keys_set(&d, "Weight", "43"), 0); /* replaces */
        assert_int_equal(d.n, 2);
        text = dropin_text("/x/y", &d);
        assert_non_null(text);
        write_file("conf.d/50-dbus-x-y.conf", text);
        free(text);

        assert_int_equal(load("main.conf", &c, &err), 0);
        const Policy *q = config_find_policy(c, "/x/y");
        assert_non_null(q);
        assert_int_equal(q->weight, 43);
        assert_int_equal(q->action, RECLAIM_ZAP);
        assert_int_equal(q->min_pages, 64); /* still the main file's */
        config_free(c);

        snprintf(path, sizeof(path), "%s/conf.d/50-dbus-x-y.conf", tmpdir);
        assert_int_equal(dropin_keys_read(path, &back), 0);
        assert_int_equal(back.n, 2);
        assert_string_equal(back.keys[0], "Weight");
        assert_string_equal(back.values[0], "43");
        assert_string_equal(back.keys[1], "Action");
        assert_string_equal(back.values[1], "zap");
        dropin_keys_done(&back);
        dropin_keys_done(&d);
        snprintf(path, sizeof(path), "%s/conf.d/absent.conf", tmpdir);
        assert_int_equal(dropin_keys_read(path, &back), 0);
        assert_int_equal(back.n, 0);
        clear_dropins();
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_missing_file_gives_defaults),
                cmocka_unit_test(test_full_file_and_nearest_ancestor),
                cmocka_unit_test(test_dropins_override_in_name_order),
                cmocka_unit_test(test_bad_files_are_refused_with_file_and_line),
                cmocka_unit_test(test_bad_dropin_names_the_dropin),
                cmocka_unit_test(test_dropins_hold_only_their_keys),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
