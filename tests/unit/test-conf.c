/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Config parser: good files, drop-in semantics (inheritance, provenance),
 * VM selectors, and bad files that must be refused with the right
 * file:line and the real reason. */
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
#include "config.h"
#include "util.h"

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

static char *path_of(const char *name) {
        static char path[512];
        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        return path;
}

static int load(const char *main_name, Config **c, char **err) {
        char main_path[512], dropins[512], run[512];
        char *dirs[] = { dropins, run, NULL };

        snprintf(main_path, sizeof(main_path), "%s/%s", tmpdir, main_name);
        snprintf(dropins, sizeof(dropins), "%s/conf.d", tmpdir);
        snprintf(run, sizeof(run), "%s/run.d", tmpdir);
        return config_load(main_name ? main_path : NULL, dirs, c, err);
}

/* Loads a main file with 'text', which must be valid. */
static Config *load_text(const char *text) {
        Config *c = NULL;
        char *err = NULL;

        write_file("t.conf", text);
        if (load("t.conf", &c, &err) < 0)
                fail_msg("refused: %s", err);
        return c;
}

static char *origin(const Config *c, const Policy *p, PolicyField f) {
        static char buf[1024];
        char *o = NULL;

        assert_int_equal(config_describe_origin(c, p, f, &o), 0);
        snprintf(buf, sizeof(buf), "%s", o);
        free(o);
        /* Without the temporary directory, for stable comparisons. */
        for (char *t; (t = strstr(buf, tmpdir)); )
                memmove(t, t + strlen(tmpdir) + 1, strlen(t + strlen(tmpdir) + 1) + 1);
        return buf;
}

static int setup(void **state) {
        char d[600];
        assert_non_null(mkdtemp(tmpdir));
        snprintf(d, sizeof(d), "%s/conf.d", tmpdir);
        assert_int_equal(mkdir(d, 0755), 0);
        snprintf(d, sizeof(d), "%s/run.d", tmpdir);
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
        snprintf(cmd, sizeof(cmd), "rm -f '%s'/conf.d/*.conf '%s'/run.d/*.conf", tmpdir, tmpdir);
        assert_int_equal(system(cmd), 0);
}

static void test_no_main_file_gives_defaults(void **state) {
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        assert_int_equal(load(NULL, &c, &err), 0);
        assert_int_equal(c->daemon.step_pages, 4096);
        assert_int_equal(c->daemon.window_usec, 500000);
        assert_int_equal(c->n_policies, 0);
        assert_int_equal(config_policy_for(c, "/any")->weight, POLICY_WEIGHT_DEFAULT);
        config_free(c);
}

/* A file named with --config= must exist; only the built-in path may be
 * missing (a package may not ship it). */
static void test_named_main_file_must_exist(void **state) {
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        assert_int_equal(load("does-not-exist.conf", &c, &err), -EINVAL);
        assert_null(c);
        assert_non_null(strstr(err, "does-not-exist.conf: cannot read: No such file or directory"));
        free(err);
}

static void test_full_file_and_nearest_ancestor(void **state) {
        Config *c;
        const Policy *p;

        clear_dropins();
        c = load_text("# comment\n"
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
                      "Protect=no\n"
                      "MaxPages=0\n");
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
        assert_int_equal(p->max_pages, 0);
        assert_int_equal(p->weight, 200);

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
        write_file("run.d/20-late.conf", "[Policy /a]\nWeight=40\n");
        write_file("conf.d/10-early.conf", "[Policy /a]\nWeight=20\n[Daemon]\nStepPages=7\n");
        write_file("conf.d/ignored.txt", "garbage that is never read\n");
        write_file("conf.d/30-undo.conf", "[Policy /a]\nMinPages=\n");
        assert_int_equal(load("main.conf", &c, &err), 0);
        /* The same name in the runtime directory comes after /etc's. */
        assert_int_equal(config_find_policy(c, "/a")->weight, 40);
        assert_string_equal(origin(c, config_find_policy(c, "/a"), POLICY_WEIGHT), "drop-in run.d/20-late.conf:2");
        /* The source is the last file that names the section. */
        assert_non_null(strstr(config_find_policy(c, "/a")->source, "conf.d/30-undo.conf"));
        /* An empty assignment undoes what earlier files set. */
        assert_int_equal(config_find_policy(c, "/a")->min_pages, 0);
        assert_string_equal(origin(c, config_find_policy(c, "/a"), POLICY_MIN_PAGES), "default");
        assert_int_equal(c->daemon.step_pages, 7);
        config_free(c);
        clear_dropins();
}

/* Issue 8, item 1: a child section names only what it changes, and keeps
 * its ancestors' protection, floor and the rest. */
static void test_child_inherits_every_key_it_does_not_name(void **state) {
        Config *c;
        const Policy *p;

        clear_dropins();
        c = load_text("[Policy /machine.slice]\n"
                      "Protect=yes\n"
                      "MinPages=1000\n"
                      "PressureThreshold=100ms\n"
                      "[Policy /machine.slice/vm1.scope]\n"
                      "Weight=200\n"
                      "[Policy /machine.slice/vm1.scope/sub]\n"
                      "Action=caches\n");
        p = config_find_policy(c, "/machine.slice/vm1.scope");
        assert_non_null(p);
        assert_int_equal(p->weight, 200);
        assert_true(p->protect);
        assert_int_equal(p->min_pages, 1000);
        assert_string_equal(origin(c, p, POLICY_WEIGHT), "t.conf:6");
        assert_string_equal(origin(c, p, POLICY_PROTECT), "inherited from /machine.slice (t.conf:2)");
        assert_string_equal(origin(c, p, POLICY_MAX_PAGES), "default");
        /* A trigger watches its own cgroup, which covers those below. */
        assert_int_equal(p->pressure_threshold_usec, 0);
        assert_string_equal(origin(c, p, POLICY_PRESSURE_THRESHOLD),
                            "default (not inherited; PressureThreshold=100ms of /machine.slice covers this cgroup)");

        /* Two levels down: the nearest ancestor that sets a key wins. */
        p = config_find_policy(c, "/machine.slice/vm1.scope/sub");
        assert_int_equal(p->weight, 200);
        assert_true(p->protect);
        assert_int_equal(p->action, RECLAIM_CACHES);
        assert_string_equal(origin(c, p, POLICY_WEIGHT), "inherited from /machine.slice/vm1.scope (t.conf:6)");
        assert_int_equal(c->n_warnings, 0);
        config_free(c);
}

/* Protection is hierarchical like memory.min: only an explicit Protect=no
 * lifts it, and that is worth a warning. */
static void test_protect_no_below_protected_warns(void **state) {
        Config *c;

        clear_dropins();
        write_file("conf.d/50-x.conf", "[Policy /vms/batch]\nProtect=no\nMaxPages=100\n");
        c = load_text("[Policy /vms]\nProtect=yes\n");
        assert_false(config_find_policy(c, "/vms/batch")->protect);
        assert_int_equal(c->n_warnings, 1);
        assert_non_null(strstr(c->warnings[0], "conf.d/50-x.conf:2: [Policy /vms/batch]: Protect=no lifts the "
                                               "protection that /vms gives"));
        assert_string_equal(origin(c, config_find_policy(c, "/vms/batch"), POLICY_PROTECT), "drop-in conf.d/50-x.conf:2");
        config_free(c);
        clear_dropins();
}

/* A protection set below a cap wins over it (the planner never touches a
 * protected VM); a cap set below a protection must say Protect=no. */
static void test_protection_below_a_cap_wins(void **state) {
        Config *c;

        clear_dropins();
        c = load_text("[Policy /a]\nMaxPages=50\n[Policy /a/b]\nProtect=yes\n[Policy vm:db]\nProtect=yes\n");
        assert_true(config_find_policy(c, "/a/b")->protect);
        assert_int_equal(config_find_policy(c, "/a/b")->max_pages, 50);
        config_free(c);
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
                { "[Policy /a]\nWeight=ten\n", "bad.conf:2:", "Weight=ten is not a number" },
                { "[Policy /a]\nWeight=-1\n", "bad.conf:2:", "Weight=-1" },
                /* Issue 8, item 6: the real reason, not "out of range". */
                { "[Policy /a]\nWeight=5 # comment\n", "bad.conf:2:",
                  "'#' and ';' start a comment only at the beginning of a line" },
                { "[Policy /a]\nMinPages=1.5\n", "bad.conf:2:", "not a page count" },
                { "[Policy /a]\nMinMemory=1Q\n", "bad.conf:2:", "MinMemory=1Q is not a size" },
                { "[Policy /a]\nMaxMemory=1000\n", "bad.conf:2:", "less than one 4 KiB page" },
                { "[Policy /a]\nAction=delete\n", "bad.conf:2:", "Action=delete" },
                { "[Policy /a]\nProtect=maybe\n", "bad.conf:2:", "not a boolean" },
                { "[Policy /a]\nPressureThreshold=fast\n", "bad.conf:2:", "neither a time span" },
                /* Issue 9, defect 7: a range error, not "not a time span". */
                { "[Policy /a]\nPressureThreshold=18446744073709551615\n", "bad.conf:2:", "out of range" },
                { "[Policy /a]\nPressureThreshold=100%\n", "bad.conf:2:", "below 100%" },
                { "[Policy /a]\nColour=blue\n", "bad.conf:2:", "unknown key Colour= in [Policy /a] (known: Weight," },
                { "[Policy relative/path]\nWeight=1\n", "bad.conf:1:", "is not an absolute cgroup path (/...), vm:NAME or uuid:UUID" },
                { "[Policy /a/../b]\nWeight=1\n", "bad.conf:1:", "'..'" },
                { "[Policy /a ]\nWeight=1\n", "bad.conf:1:", "ends with white space" },
                { "[Policy uuid:1234]\nWeight=1\n", "bad.conf:1:", "uuid: needs a UUID" },
                { "[Policy vm:]\nWeight=1\n", "bad.conf:1:", "vm: needs a VM name" },
                { "[Policy vm:web]\nPressureThreshold=1s\n", "bad.conf:2:", "belongs in a [Policy /cgroup] section" },
                { "[Polcy /a]\nWeight=1\n", "bad.conf:1:", "unknown section [Polcy /a]" },
                { "[Policy /a] # x\nWeight=1\n", "bad.conf:1:", "']' ending the line" },
                { "Weight=1\n", "bad.conf:1:", "Weight= comes before any [Section]" },
                /* Bytes that are not UTF-8, or control characters, are escaped:
                 * D-Bus refuses to carry the error otherwise (Reload hung). */
                { "\xff\xfe\x01x=1\n", "bad.conf:1:", "\\xff\\xfe\\x01x= comes before any [Section]" },
                { "[Policy /a]\n\x1b[31mWeight=1\n", "bad.conf:2:", "unknown key \\x1b[31mWeight=" },
                { "[Policy /a]\nWeight=\xc3\n", "bad.conf:2:", "Weight=\\xc3 is not a number" },
                { "[Daemon]\nStepPages=many\n", "bad.conf:2:", "StepPages=many" },
                { "[Daemon]\nDebugfsDir=relative\n", "bad.conf:2:", "absolute path" },
                { "[Daemon]\nNoSuchKey=1\n", "bad.conf:2:", "unknown key NoSuchKey=" },
                { "[Policy /a]\nWeight=1\nthis line is not ini\n", "bad.conf:3:", "is not [Section], Key=Value" },
                /* Cross-key checks name the line to fix, and the other key's origin. */
                { "[Policy /a]\nMinPages=100\nMaxPages=50\n", "bad.conf:3:",
                  "MaxPages= (50) must not be below MinPages= (100; MinPages= is " },
                { "[Policy /a]\nProtect=yes\nMaxPages=50\n", "bad.conf:3:", "contradict" },
                { "[Policy /a]\nProtect=yes\n[Policy /a/b]\nMaxPages=50\n", "bad.conf:4:",
                  "Protect=yes is inherited from /a" },
                { "[Policy /a]\nAction=caches\nMaxPages=50\n", "bad.conf:3:", "MaxPages= needs Action=zap" },
                { "[Policy /a]\nMinPages=100\n[Policy vm:db*]\nMaxPages=50\n", "bad.conf:4:",
                  "[Policy vm:db*] (for VMs under /a): MaxPages= (50) must not be below MinPages=" },
                { "[Policy /a]\nPressureThreshold=600ms\n", "bad.conf:2:", "must be below PressureWindow= (500ms)" },
                /* Issue 8, item 6: [Daemon] range errors have their line too. */
                { "[Daemon]\nPressureWindow=100ms\n", "bad.conf:2:", "PressureWindow=100ms is out of range 500ms..10s" },
                { "[Daemon]\nPressureWindow=2000000\n", "bad.conf:2:", "a time without a unit is seconds" },
                { "[Daemon]\nSystemPressureThreshold=0\n", "bad.conf:2:", "must be above 0" },
                { "[Daemon]\nStepPages=0\n", "bad.conf:2:", "StepPages=0 is out of range 1..16777216" },
                { "[Daemon]\nRefreshInterval=10000000\n", "bad.conf:2:", "out of range 1s..24h" },
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

/* Issue 8, item 7: systemd's spellings for sizes and relative thresholds. */
static void test_sizes_and_percentages(void **state) {
        Config *c;
        const Policy *p;

        clear_dropins();
        c = load_text("[Daemon]\nPressureWindow=2s\nSystemPressureThreshold=10%\n"
                      "[Policy /a]\nMinMemory=1G\nMaxMemory=2147483748\nPressureThreshold=12.5%\n"
                      "[Policy /b]\nMaxMemory=infinity\nMinMemory=1\n");
        assert_int_equal(c->daemon.system_threshold_usec, 200000);
        p = config_find_policy(c, "/a");
        assert_int_equal(p->min_pages, 262144);
        assert_int_equal(p->max_pages, 524288);         /* a cap rounds down */
        assert_int_equal(p->pressure_threshold_usec, 250000);
        assert_string_equal(origin(c, p, POLICY_MIN_PAGES), "t.conf:5 (MinMemory=1G)");
        p = config_find_policy(c, "/b");
        assert_int_equal(p->max_pages, 0);
        assert_int_equal(p->min_pages, 1);              /* a floor rounds up */
        config_free(c);
}

/* Issue 8, item 4: VMs by what stays across restarts. */
static void test_vm_sections_layer_over_the_cgroup_policy(void **state) {
        Config *c;
        const Policy *p;
        Policy buf;

        clear_dropins();
        c = load_text("[Policy /machine.slice]\nWeight=200\nMinPages=10\n"
                      "[Policy vm:web-*]\nWeight=300\n"
                      "[Policy vm:web-1]\nMinPages=20\n"
                      "[Policy vm:*-1]\nWeight=50\nMinPages=30\n"
                      "[Policy uuid:0123456789ABCDEF0123456789abcdef]\nProtect=yes\n");
        assert_int_equal(c->n_vm_policies, 4);

        /* No VM section: the cgroup's policy itself. */
        p = config_policy_for_vm(c, "/machine.slice/x.scope", "db", NULL, &buf);
        assert_ptr_equal(p, config_find_policy(c, "/machine.slice"));

        /* A glob, over the cgroup's policy: the keys it names only. */
        p = config_policy_for_vm(c, "/machine.slice/x.scope", "web-2", NULL, &buf);
        assert_int_equal(p->weight, 300);
        assert_int_equal(p->min_pages, 10);
        assert_string_equal(p->cgroup, "vm:web-*");
        assert_string_equal(origin(c, p, POLICY_MIN_PAGES), "inherited from /machine.slice (t.conf:3)");

        /* An exact name beats a glob; a glob with more literal characters
         * ("web-*" has 4) beats one with fewer ("*-1" has 2). */
        p = config_policy_for_vm(c, "/machine.slice/x.scope", "web-1", NULL, &buf);
        assert_int_equal(p->min_pages, 20);
        assert_int_equal(p->weight, 300);
        assert_string_equal(p->cgroup, "vm:web-1");

        /* A UUID beats names, in any spelling of the UUID. */
        p = config_policy_for_vm(c, "/other", "web-1", "01234567-89ab-cdef-0123-456789abcdef", &buf);
        assert_true(p->protect);
        assert_int_equal(p->min_pages, 20);
        assert_string_equal(p->cgroup, "uuid:01234567-89ab-cdef-0123-456789abcdef");
        assert_non_null(config_find_policy(c, "uuid:01234567-89ab-cdef-0123-456789abcdef"));
        assert_true(config_has_caps(c) == false);
        config_free(c);
}

/* Issue 8, item 6: --check-config prints a file that loads back to the
 * same effective policies. */
static void test_check_config_output_reads_back_the_same(void **state) {
        static const char *const texts[] = {
                "[Daemon]\nPressureWindow=2s\nSystemPressureThreshold=15%\nStepPages=99\nCgroupRoot=/cg\n"
                "[Policy /m]\nProtect=yes\nMinMemory=1G\nPressureThreshold=300ms\n"
                "[Policy /m/a]\nWeight=7\n[Policy /m/b]\nProtect=no\nMaxPages=262145\nAction=zap\n"
                "[Policy vm:x*]\nWeight=9\n[Policy uuid:0123456789abcdef0123456789abcdef]\nAction=zap\n",
                "[Policy /]\nWeight=3\n[Policy /a]\nMinPages=1\n",
                "",
        };

        clear_dropins();
        for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
                Config *a = load_text(texts[t]), *b = NULL;
                char *dump = NULL, *err = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&dump, &size);

                config_dump(a, f);
                fclose(f);
                write_file("dump.conf", dump);
                if (load("dump.conf", &b, &err) < 0)
                        fail_msg("case %zu: the dump does not load: %s\n%s", t, err, dump);
                assert_int_equal(memcmp(&a->daemon.window_usec, &b->daemon.window_usec, sizeof(uint64_t)), 0);
                assert_int_equal(a->daemon.system_threshold_usec, b->daemon.system_threshold_usec);
                assert_int_equal(a->daemon.step_pages, b->daemon.step_pages);
                assert_true(streq_ptr(a->daemon.cgroup_root, b->daemon.cgroup_root));
                /* Every selector of either has the same effective values. */
                for (size_t i = 0; i < a->n_policies + b->n_policies; i++) {
                        const char *sel = i < a->n_policies ? a->policies[i].cgroup :
                                                              b->policies[i - a->n_policies].cgroup;
                        const Policy *pa = config_policy_for(a, sel), *pb = config_policy_for(b, sel);

                        assert_int_equal(pa->weight, pb->weight);
                        assert_int_equal(pa->min_pages, pb->min_pages);
                        assert_int_equal(pa->max_pages, pb->max_pages);
                        assert_int_equal(pa->protect, pb->protect);
                        assert_int_equal(pa->action, pb->action);
                        assert_int_equal(pa->pressure_threshold_usec, pb->pressure_threshold_usec);
                }
                assert_int_equal(a->n_vm_policies, b->n_vm_policies);
                for (size_t i = 0; i < a->n_vm_policies; i++) {
                        const Policy *va = &a->vm_policies[i], *vb = &b->vm_policies[i];

                        assert_string_equal(va->cgroup, vb->cgroup);
                        assert_int_equal(va->weight, vb->weight);
                        assert_int_equal(va->action, vb->action);
                        for (size_t k = 0; k < _POLICY_FIELD_MAX; k++)
                                assert_int_equal(!va->origin[k], !vb->origin[k]);
                }
                free(dump);
                config_free(a);
                config_free(b);
        }
}

/* Issue 9, defects 1 and 2: what SetPolicy writes reads back as exactly
 * one policy with exactly its keys, and no two selectors share a file. */
static void test_dropins_read_back_exactly(void **state) {
        static const char *const selectors[] = {
                "/", "/root", "/T/a]x", "/T/a", "/T/a=b", "/T/#c", "/T/;d", "/T/a]\n",
                "/T/[x]", "/T/a-b", "/T/a_2db", "/T/a/b", "/T/a-b/c", "vm:web-*", "vm:a]b", "vm:a/b",
                "uuid:0123456789abcdef0123456789abcdef",
        };
        char *names[sizeof(selectors) / sizeof(selectors[0])] = {};
        char long_path[260];

        for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
                _cleanup_free_ char *canonical = NULL, *err = NULL, *text = NULL;
                DropinKeys keys = {}, back = {};
                PolicyMatch m;

                if (policy_selector_parse(selectors[i], &m, &canonical, &err) < 0) {
                        /* Only what cannot be written is refused. */
                        assert_non_null(strchr(selectors[i], '\n'));
                        continue;
                }
                assert_int_equal(dropin_keys_set(&keys, "Weight", "7"), 0);
                assert_int_equal(dropin_keys_set(&keys, "MinMemory", "1M"), 0);
                assert_int_equal(dropin_keys_set(&keys, "MinPages", "9"), 0);  /* the same field */
                assert_int_equal(keys.n, 2);
                assert_int_equal(dropin_build(canonical, &keys, &text, &err), 0);
                assert_int_equal(dropin_parse("x", text, strlen(text), canonical, &back, &err), 0);
                assert_int_equal(back.n, 2);
                dropin_keys_done(&back);
                dropin_keys_done(&keys);

                assert_int_equal(dropin_file_name(canonical, &names[i]), 0);
                for (size_t k = 0; k < i; k++)
                        if (names[k] && strcmp(names[k], names[i]) == 0)
                                fail_msg("%s and %s share %s", selectors[k], selectors[i], names[i]);
        }
        assert_string_equal(names[0], "50-dbus--.conf");
        assert_string_equal(names[1], "50-dbus-root.conf");
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                free(names[i]);

        /* A path past the 199 bytes inih cut lines at: one line, one key. */
        memset(long_path, 'x', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = 0;
        memcpy(long_path + 200, "/MaxPages=9 ;", 13);
        {
                _cleanup_free_ char *text = NULL, *err = NULL, *name = NULL;
                DropinKeys keys = {}, back = {};

                assert_int_equal(dropin_keys_set(&keys, "Protect", "yes"), 0);
                assert_int_equal(dropin_build(long_path, &keys, &text, &err), 0);
                assert_int_equal(dropin_parse("x", text, strlen(text), long_path, &back, &err), 0);
                assert_int_equal(back.n, 1);
                assert_string_equal(back.keys[0], "Protect");
                dropin_keys_done(&back);
                dropin_keys_done(&keys);
                /* Too long for a file name: refused, never truncated. */
                assert_int_equal(dropin_file_name(long_path, &name), -ENAMETOOLONG);
        }
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The same, for 20000 random selectors over the bytes that matter: every
 * one reads back as written, and no two share a file name. */
static void test_random_selectors_read_back_and_never_share_a_file(void **state) {
        static const char alphabet[] = "/-_.]x[=#; \t\xc3\xa9";
        enum { N = 20000 };
        char **names = calloc(N, sizeof(char *)), **sels = calloc(N, sizeof(char *));
        size_t n = 0;
        unsigned seed = 42;

        assert_non_null(names);
        assert_non_null(sels);
        for (size_t i = 0; i < N; i++) {
                _cleanup_free_ char *canonical = NULL, *err = NULL, *text = NULL;
                DropinKeys keys = {}, back = {};
                char sel[40];
                size_t len = 1 + (size_t) rand_r(&seed) % 12, o = 0;
                PolicyMatch m;

                if (i % 3 == 0)
                        o = (size_t) snprintf(sel, sizeof(sel), "vm:");
                else
                        sel[o++] = '/';
                for (size_t k = 0; k < len; k++)
                        sel[o++] = alphabet[(size_t) rand_r(&seed) % (sizeof(alphabet) - 1)];
                sel[o] = 0;
                if (policy_selector_parse(sel, &m, &canonical, &err) < 0)
                        continue;   /* "//", "/./", a trailing '/' or blank: refused, not mangled */
                assert_int_equal(dropin_keys_set(&keys, "Weight", "7"), 0);
                if (dropin_build(canonical, &keys, &text, &err) < 0)
                        fail_msg("'%s' cannot be written: %s", canonical, err);
                assert_int_equal(dropin_parse("x", text, strlen(text), canonical, &back, &err), 0);
                assert_int_equal(back.n, 1);
                dropin_keys_done(&back);
                dropin_keys_done(&keys);
                assert_int_equal(dropin_file_name(canonical, &names[n]), 0);
                assert_int_equal(asprintf(&sels[n], "%s\t%s", names[n], canonical) > 0, 1);
                n++;
        }
        assert_true(n > N / 2);
        /* Sorted by file name: equal names must come from equal selectors. */
        qsort(sels, n, sizeof(char *), strcmp_ptr);
        for (size_t i = 1; i < n; i++) {
                size_t a = strcspn(sels[i - 1], "\t"), b = strcspn(sels[i], "\t");
                if (a == b && strncmp(sels[i - 1], sels[i], a) == 0 && strcmp(sels[i - 1], sels[i]) != 0)
                        fail_msg("two selectors share a file: %s / %s", sels[i - 1], sels[i]);
        }
        for (size_t i = 0; i < n; i++) {
                free(names[i]);
                free(sels[i]);
        }
        free(names);
        free(sels);
}

/* A file with the name of a SetPolicy drop-in that holds something else is
 * not taken for one. */
static void test_dropin_parse_refuses_other_files(void **state) {
        static const struct {
                const char *text, *what;
        } cases[] = {
                { "[Policy /]\nWeight=5\n", "holds [Policy /], not just [Policy /root]" },
                { "[Policy /root]\nWeight=5\n[Policy /x]\nWeight=1\n", "not just [Policy /root]" },
                { "[Daemon]\nStepPages=5\n[Policy /root]\nWeight=5\n", "[Daemon] section" },
                { "# nothing\n", "holds no policy" },
                { "[Policy /root]\nWeight=five\n", "x:2: Weight=five" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *err = NULL;
                DropinKeys keys = {};

                assert_int_equal(dropin_parse("x", cases[i].text, strlen(cases[i].text), "/root", &keys, &err),
                                 -EBADMSG);
                if (!strstr(err, cases[i].what))
                        fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].what);
        }
}

/* SetPolicy checks the whole configuration with the new text in place
 * of the file before anything is written. */
static void test_overlay_checks_before_writing(void **state) {
        char main_path[512], dropins[512], run[512];
        char *dirs[] = { dropins, run, NULL };
        Config *c = NULL;
        char *err = NULL;

        clear_dropins();
        write_file("main.conf", "[Policy /a]\nMinPages=100\n");
        snprintf(main_path, sizeof(main_path), "%s/main.conf", tmpdir);
        snprintf(dropins, sizeof(dropins), "%s/conf.d", tmpdir);
        snprintf(run, sizeof(run), "%s/run.d", tmpdir);

        assert_int_equal(config_load_overlay(main_path, dirs,
                                             (ConfigOverlay[]) { { path_of("conf.d/50-dbus-a.conf"),
                                                                   "[Policy /a]\nMaxPages=50\n" }, {} },
                                             &c, &err), -EINVAL);
        assert_non_null(strstr(err, "conf.d/50-dbus-a.conf:2: [Policy /a]: MaxPages= (50) must not be below"));
        free(err);
        err = NULL;
        assert_int_equal(access(path_of("conf.d/50-dbus-a.conf"), F_OK), -1);

        assert_int_equal(config_load_overlay(main_path, dirs,
                                             (ConfigOverlay[]) { { path_of("conf.d/50-dbus-a.conf"),
                                                                   "[Policy /a]\nMaxPages=500\n" }, {} },
                                             &c, &err), 0);
        assert_int_equal(config_find_policy(c, "/a")->max_pages, 500);
        config_free(c);

        /* A runtime drop-in directory that does not exist yet is no way
         * around the check. */
        snprintf(run, sizeof(run), "%s/run-missing.d", tmpdir);
        assert_int_equal(config_load_overlay(main_path, dirs,
                                             (ConfigOverlay[]) { { path_of("run-missing.d/50-dbus-a.conf"),
                                                                   "[Policy /a]\nMaxPages=50\n" }, {} },
                                             &c, &err), -EINVAL);
        assert_non_null(strstr(err, "run-missing.d/50-dbus-a.conf:2:"));
        free(err);
        err = NULL;
        snprintf(run, sizeof(run), "%s/run.d", tmpdir);

        /* And a removal: without the file that made the floor. */
        write_file("conf.d/50-dbus-a.conf", "[Policy /a]\nMaxPages=500\n");
        assert_int_equal(config_load_overlay(main_path, dirs,
                                             (ConfigOverlay[]) { { path_of("conf.d/50-dbus-a.conf"), NULL }, {} }, &c, &err), 0);
        assert_int_equal(config_find_policy(c, "/a")->max_pages, 0);
        config_free(c);
        clear_dropins();
}

/* Only files that root (here: the user running the test, as for a --user
 * daemon) owns and alone can write, in directories only it can write, are
 * read; the message names the file or directory and why.  A sticky
 * directory above is fine (/tmp, above every case), the one holding files
 * must not be writable by others even so. */
static void test_only_files_others_cannot_write_are_read(void **state) {
        static const struct {
                mode_t file, dropin, confd, top;
                const char *error;       /* NULL: loads */
        } cases[] = {
                { 0644, 0644, 0755, 0700, NULL },
                { 0600, 0400, 0700, 0755, NULL },   /* and /tmp above, sticky 1777: fine */
                { 0644, 0644, 0755, 01777, "t.conf: not trusted: directory @ is writable by others (mode 1777)" },
                { 0664, 0644, 0755, 0700, "t.conf: not trusted: writable by its group (mode 0664)" },
                { 0666, 0644, 0755, 0700, "t.conf: not trusted: writable by others (mode 0666)" },
                { 0644, 0646, 0755, 0700, "x.conf: not trusted: writable by others (mode 0646)" },
                { 0644, 0644, 0775, 0700, "conf.d: not trusted: directory @/conf.d is writable by its group (mode 0775)" },
                { 0644, 0644, 01777, 0700, "conf.d: not trusted: directory @/conf.d is writable by others (mode 1777)" },
                { 0644, 0644, 0755, 0777, "t.conf: not trusted: directory @ is writable by others (mode 0777)" },
        };
        char confd[600], dropin[700], want[900];

        snprintf(confd, sizeof(confd), "%s/conf.d", tmpdir);
        snprintf(dropin, sizeof(dropin), "%s/x.conf", confd);
        clear_dropins();
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config *c = NULL;
                char *err = NULL;
                int r;

                write_file("t.conf", "[Policy /a]\nWeight=5\n");
                write_file("conf.d/x.conf", "[Policy /b]\nWeight=6\n");
                assert_int_equal(chmod(path_of("t.conf"), cases[i].file), 0);
                assert_int_equal(chmod(dropin, cases[i].dropin), 0);
                assert_int_equal(chmod(confd, cases[i].confd), 0);
                assert_int_equal(chmod(tmpdir, cases[i].top), 0);
                r = load("t.conf", &c, &err);
                assert_int_equal(chmod(tmpdir, 0700), 0);
                assert_int_equal(chmod(confd, 0755), 0);
                if (!cases[i].error) {
                        if (r < 0)
                                fail_msg("case %zu refused: %s", i, err);
                        assert_int_equal(config_policy_for(c, "/b")->weight, 6);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_null(c);
                        /* '@' is the temporary directory. */
                        const char *at = strchr(cases[i].error, '@');
                        if (at)
                                snprintf(want, sizeof(want), "%.*s%s%s", (int) (at - cases[i].error),
                                         cases[i].error, tmpdir, at + 1);
                        else
                                snprintf(want, sizeof(want), "%s", cases[i].error);
                        if (!strstr(err, want))
                                fail_msg("case %zu: '%s' lacks '%s'", i, err, want);
                }
                config_free(c);
                free(err);
        }
        /* A symlink is its target too: root's link into a directory that
         * others can write is theirs. */
        {
                char other[600], target[700];
                Config *c = NULL;
                char *err = NULL;

                snprintf(other, sizeof(other), "%s/other", tmpdir);
                snprintf(target, sizeof(target), "%s/y.conf", other);
                assert_int_equal(mkdir(other, 0777), 0);
                assert_int_equal(chmod(other, 0777), 0);
                write_file("other/y.conf", "[Policy /c]\nWeight=7\n");
                assert_int_equal(unlink(dropin), 0);
                assert_int_equal(symlink(target, dropin), 0);
                assert_int_equal(load("t.conf", &c, &err), -EINVAL);
                snprintf(want, sizeof(want), "x.conf: not trusted: directory %s is writable by others (mode 0777)",
                         other);
                if (!strstr(err, want))
                        fail_msg("symlink: '%s' lacks '%s'", err, want);
                free(err);
                assert_int_equal(unlink(dropin), 0);
        }
        clear_dropins();
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_main_file_gives_defaults),
                cmocka_unit_test(test_named_main_file_must_exist),
                cmocka_unit_test(test_full_file_and_nearest_ancestor),
                cmocka_unit_test(test_dropins_override_in_name_order),
                cmocka_unit_test(test_child_inherits_every_key_it_does_not_name),
                cmocka_unit_test(test_protect_no_below_protected_warns),
                cmocka_unit_test(test_protection_below_a_cap_wins),
                cmocka_unit_test(test_bad_files_are_refused_with_file_and_line),
                cmocka_unit_test(test_bad_dropin_names_the_dropin),
                cmocka_unit_test(test_sizes_and_percentages),
                cmocka_unit_test(test_vm_sections_layer_over_the_cgroup_policy),
                cmocka_unit_test(test_check_config_output_reads_back_the_same),
                cmocka_unit_test(test_dropins_read_back_exactly),
                cmocka_unit_test(test_random_selectors_read_back_and_never_share_a_file),
                cmocka_unit_test(test_dropin_parse_refuses_other_files),
                cmocka_unit_test(test_overlay_checks_before_writing),
                cmocka_unit_test(test_only_files_others_cannot_write_are_read),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
