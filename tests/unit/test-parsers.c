/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The small parsers the daemon trusts kernel and /proc text with. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "pressure.h"
#include "util.h"
#include "vm-identity.h"

static void test_proc_cgroup_hybrid(void **state) {
        const char *text =
                "12:pids:/machine.slice/machine-qemu\\x2d1\\x2dweb.scope\n"
                "4:cpu,memory:/machine.slice/machine-qemu\\x2d1\\x2dweb.scope\n"
                "1:name=systemd:/machine.slice/machine-qemu\\x2d1\\x2dweb.scope\n"
                "0::/machine.slice/machine-qemu\\x2d1\\x2dweb.scope/emulator\n";
        char *cg2 = NULL, *v1 = NULL;

        assert_int_equal(parse_proc_cgroup(text, &cg2, &v1), 0);
        assert_string_equal(cg2, "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope/emulator");
        assert_string_equal(v1, "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope");
        free(cg2);
        free(v1);
}

static void test_proc_cgroup_pure_v2_and_garbage(void **state) {
        char *cg2 = NULL, *v1 = NULL;

        assert_int_equal(parse_proc_cgroup("0::/vms/a\n", &cg2, &v1), 0);
        assert_string_equal(cg2, "/vms/a");
        assert_null(v1);
        free(cg2);
        /* "memoryx" is not "memory" */
        assert_int_equal(parse_proc_cgroup("3:memoryx:/a\n", &cg2, &v1), -EBADMSG);
        assert_int_equal(parse_proc_cgroup("", &cg2, &v1), -EBADMSG);
        assert_int_equal(parse_proc_cgroup("garbage without colons", &cg2, &v1), -EBADMSG);
        assert_int_equal(parse_proc_cgroup("0::relative\n", &cg2, &v1), -EBADMSG);
}

static void test_names_from_cgroups(void **state) {
        static const struct { const char *cgroup, *name; } cases[] = {
                { "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope", "web" },
                { "/machine.slice/machine-qemu\\x2d12\\x2ddb\\x2dprimary.scope/libvirt/vcpu0", "db-primary" },
                { "/machine.slice/machine-build01.scope", "build01" },
                { "/user.slice/user-0.slice/session-1.scope", NULL },
                { "/", NULL },
                /* Escapes that decode to bytes no name may show stay text. */
                { "/machine.slice/machine-qemu\\x2d3\\x2dbad\\xffname.scope", "bad\\xffname" },
                { "/machine.slice/machine-qemu\\x2d4\\x2dline\\x0a\\x3c0\\x3eforged.scope", "line\\x0a<0>forged" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *name = NULL;
                int r = vm_name_from_cgroup(cases[i].cgroup, &name);
                if (cases[i].name) {
                        assert_int_equal(r, 0);
                        assert_string_equal(name, cases[i].name);
                } else
                        assert_int_equal(r, -ENOENT);
                free(name);
        }
}

static void test_names_from_cmdline(void **state) {
        static const char a[] = "qemu-system-x86_64\0-name\0guest=web,debug-threads=on\0-m\0512";
        static const char b[] = "qemu\0-name\0legacy,process=qemu:legacy";
        static const char c[] = "qemu\0-name\0guest=a,,b";
        static const char d[] = "qemu\0-m\0512";
        static const char e[] = "qemu\0-name";
        char *name = NULL;

        assert_int_equal(vm_name_from_cmdline(a, sizeof(a), &name), 0);
        assert_string_equal(name, "web");
        free(name);
        assert_int_equal(vm_name_from_cmdline(b, sizeof(b), &name), 0);
        assert_string_equal(name, "legacy");
        free(name);
        assert_int_equal(vm_name_from_cmdline(c, sizeof(c), &name), 0);
        assert_string_equal(name, "a,b");
        free(name);
        assert_int_equal(vm_name_from_cmdline(d, sizeof(d), &name), -ENOENT);
        assert_int_equal(vm_name_from_cmdline(e, sizeof(e), &name), -ENOENT);
}

static void test_outside_names_are_printable_utf8(void **state) {
        static const char bad[] = "qemu\0-name\0guest=bad\xffname\nforged\0";
        static const char utf8[] = "qemu\0-name\0guest=caf\xc3\xa9-\xe2\x82\xac\0";
        char *name = NULL, *cg2 = NULL, *v1 = NULL;

        /* A byte outside UTF-8 would make sd-bus refuse every ListVMs; a
         * newline would forge a log line. */
        assert_int_equal(vm_name_from_cmdline(bad, sizeof(bad), &name), 0);
        assert_string_equal(name, "bad\\xffname\\x0aforged");
        free(name);
        assert_int_equal(vm_name_from_cmdline(utf8, sizeof(utf8), &name), 0);
        assert_string_equal(name, "caf\xc3\xa9-\xe2\x82\xac");
        free(name);
        /* Overlong and surrogate forms are not UTF-8 either. */
        name = strndup_printable("\xc0\xaf\xed\xa0\x80", 5);
        assert_string_equal(name, "\\xc0\\xaf\\xed\\xa0\\x80");
        free(name);
        assert_int_equal(parse_proc_cgroup("0::/delegated/\xfe\x7f\n", &cg2, &v1), 0);
        assert_string_equal(cg2, "/delegated/\\xfe\\x7f");
        free(cg2);
        free(v1);
}

static void test_vm_dirnames(void **state) {
        pid_t pid;
        int fd;

        assert_int_equal(kvmfs_parse_vm_dirname("1234-12", &pid, &fd), 0);
        assert_int_equal(pid, 1234);
        assert_int_equal(fd, 12);
        assert_int_equal(kvmfs_parse_vm_dirname("1234", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("-12", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("12-", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("0-1", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("a-1", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("1-2-3", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("99999999999-1", &pid, &fd), -EINVAL);
        assert_int_equal(kvmfs_parse_vm_dirname("59\n-66", &pid, &fd), -EINVAL);
}

static void test_reclaim_results(void **state) {
        KvmReclaimResult r;

        assert_int_equal(kvmfs_parse_result("caches_freed=12 zapped=300 busy_vcpus=1\n", &r), 0);
        assert_int_equal(r.caches_freed, 12);
        assert_int_equal(r.zapped, 300);
        assert_int_equal(r.busy_vcpus, 1);
        assert_int_equal(kvmfs_parse_result("caches_freed=0 zapped=0 busy_vcpus=0\n", &r), 0);
        assert_int_equal(kvmfs_parse_result("caches_freed=1 zapped=2\n", &r), -EBADMSG);
        assert_int_equal(kvmfs_parse_result("caches_freed=1 zapped=2 busy_vcpus=3 extra\n", &r), -EBADMSG);
        assert_int_equal(kvmfs_parse_result("caches_freed=-1 zapped=2 busy_vcpus=3\n", &r), -EBADMSG);
        assert_int_equal(kvmfs_parse_result("\x01\x02garbage", &r), -EBADMSG);
        assert_int_equal(kvmfs_parse_result("", &r), -EBADMSG);
}

static void test_vms_lines_as_the_header_prints_them(void **state) {
        char line[256], name[32];
        KvmCounts c;

        /* Round trip through the header's own format: the parser and the
         * kernel agree on names, order and spacing. */
        snprintf(line, sizeof(line), KVM_RECLAIM_VMS_FMT, "4242-15", 200ULL, 37ULL, 16ULL, 1675200ULL, 15728ULL);
        line[strcspn(line, "\n")] = 0;
        assert_int_equal(kvmfs_parse_vms_line(line, name, sizeof(name), &c), 0);
        assert_string_equal(name, "4242-15");
        assert_int_equal(c.shadow_pages, 200);
        assert_int_equal(c.tdp_pages, 37);
        assert_int_equal(c.cache_pages, 16);
        assert_int_equal(c.pagetable_bytes, 1675200);
        assert_int_equal(c.shadow_pages_max, 15728);
        assert_true(c.has_tdp && c.has_bytes && c.has_max);
        /* The largest counts a u64 holds. */
        snprintf(line, sizeof(line), KVM_RECLAIM_VMS_FMT, "1-1", 18446744073709551615ULL, 0ULL, 0ULL, 0ULL, 0ULL);
        line[strcspn(line, "\n")] = 0;
        assert_int_equal(kvmfs_parse_vms_line(line, name, sizeof(name), &c), 0);
        assert_true(c.shadow_pages == UINT64_MAX);
}

static void test_vms_lines_refused(void **state) {
        static const char *const bad[] = {
                "",
                "4242-15",
                "4242-15 mmu_shadow_pages=1",
                "x-1 mmu_shadow_pages=1 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                "1-1 mmu_shadow_pages=1 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4",
                "1-1 mmu_shadow_pages=01 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                "1-1 mmu_shadow_pages=-1 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                "1-1 tdp_mmu_pages=2 mmu_shadow_pages=1 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                "1-1 mmu_shadow_pages=1 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5 ",
                "1-1 mmu_shadow_pages=1  tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                "1-1 mmu_shadow_pages=18446744073709551616 tdp_mmu_pages=2 mmu_cache_pages=3 mmu_pagetable_bytes=4 "
                "mmu_shadow_pages_max=5",
        };
        char name[32];
        KvmCounts c;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(kvmfs_parse_vms_line(bad[i], name, sizeof(name), &c), -EBADMSG);
        /* A name longer than the caller's buffer. */
        assert_int_equal(kvmfs_parse_vms_line("1234567890-1234567890 mmu_shadow_pages=1 tdp_mmu_pages=2 "
                                              "mmu_cache_pages=3 mmu_pagetable_bytes=4 mmu_shadow_pages_max=5",
                                              name, 8, &c), -EBADMSG);
}

static void test_command_words_are_the_headers(void **state) {
        assert_string_equal(kvm_command_to_string(KVM_CMD_CACHES), KVM_RECLAIM_CMD_CACHES);
        assert_string_equal(kvm_command_to_string(KVM_CMD_FREE_EMPTY), KVM_RECLAIM_CMD_FREE_EMPTY);
        assert_string_equal(kvm_command_to_string(KVM_CMD_ZAP_COLD), KVM_RECLAIM_CMD_ZAP_COLD);
        assert_string_equal(kvm_command_to_string(KVM_CMD_ZAP), KVM_RECLAIM_CMD_ZAP);
        assert_string_equal(kvm_command_to_string(KVM_CMD_LIMIT), KVM_RECLAIM_CMD_LIMIT);
        assert_false(kvm_command_takes_n(KVM_CMD_FREE_EMPTY));
        assert_true(kvm_command_takes_n(KVM_CMD_ZAP_COLD));
        assert_true(kvm_command_takes_n(KVM_CMD_LIMIT));
        /* N out of a command's range is refused before any file is opened. */
        KvmReclaimResult r;
        assert_int_equal(kvmfs_reclaim("/nonexistent", "1-1", KVM_CMD_ZAP, 0, &r), -ERANGE);
        assert_int_equal(kvmfs_reclaim("/nonexistent", "1-1", KVM_CMD_ZAP_COLD, KVM_RECLAIM_ZAP_MAX + 1, &r), -ERANGE);
        assert_int_equal(kvmfs_reclaim("/nonexistent", "1-1", KVM_CMD_LIMIT, KVM_RECLAIM_LIMIT_MIN - 1, &r), -ERANGE);
        assert_int_equal(kvmfs_reclaim("/nonexistent", "1-1", KVM_CMD_FREE_EMPTY, 5, &r), -ERANGE);
        assert_int_equal(kvmfs_reclaim("/nonexistent", "1-1", KVM_CMD_LIMIT, 0, &r), -ENOENT);
}

static void test_psi(void **state) {
        PsiValues v;

        assert_int_equal(psi_parse("some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\n"
                                   "full avg10=0.75 avg60=0.10 avg300=0.00 total=678\n", &v), 0);
        assert_true(v.some.avg10 > 1.49 && v.some.avg10 < 1.51);
        assert_int_equal(v.some.total_usec, 12345);
        assert_true(v.has_full);
        assert_int_equal(v.full.total_usec, 678);
        assert_int_equal(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &v), 0);
        assert_false(v.has_full);
        assert_int_equal(psi_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &v), -EBADMSG);
        assert_int_equal(psi_parse("some avg10=x\n", &v), -EBADMSG);
        assert_int_equal(psi_parse("", &v), -EBADMSG);
}

static void test_numbers_and_times(void **state) {
        uint64_t u;

        assert_int_equal(parse_u64("42\n", &u), 0);
        assert_int_equal(u, 42);
        assert_int_equal(parse_u64("", &u), -EINVAL);
        assert_int_equal(parse_u64("-1", &u), -EINVAL);
        assert_int_equal(parse_u64("1 2", &u), -EINVAL);
        assert_int_equal(parse_u64("99999999999999999999999", &u), -ERANGE);
        assert_int_equal(parse_usec("500ms", &u), 0);
        assert_int_equal(u, 500000);
        assert_int_equal(parse_usec("2s", &u), 0);
        assert_int_equal(u, 2000000);
        assert_int_equal(parse_usec("1.5s", &u), 0);
        assert_int_equal(u, 1500000);
        /* systemd.time(7): a number without a unit is seconds. */
        assert_int_equal(parse_usec("750", &u), 0);
        assert_int_equal(u, 750 * 1000000ULL);
        assert_int_equal(parse_usec("1.5", &u), 0);
        assert_int_equal(u, 1500000);
        assert_int_equal(parse_usec("750us", &u), 0);
        assert_int_equal(u, 750);
        assert_int_equal(parse_usec("1min 30s", &u), 0);
        assert_int_equal(u, 90000000);
        assert_int_equal(parse_usec("5 parsecs", &u), -EINVAL);
        assert_int_equal(parse_usec("-1s", &u), -EINVAL);
        assert_int_equal(parse_usec("1s 5", &u), -EINVAL);
        /* Issue 9, defect 7: the whole 64-bit range, and ERANGE past it. */
        assert_int_equal(parse_usec("1844674407370955161us", &u), 0);
        assert_int_equal(u, 1844674407370955161ULL);
        assert_int_equal(parse_usec("18446744073709551615us", &u), 0);
        assert_int_equal(u, UINT64_MAX);
        assert_int_equal(parse_usec("18446744073709551616us", &u), -ERANGE);
        assert_int_equal(parse_usec("18446744073709551615", &u), -ERANGE);
        assert_int_equal(parse_usec("18446744073709551615h", &u), -ERANGE);
}

static void test_timespans_format_and_read_back(void **state) {
        static const uint64_t values[] = { 0, 1, 999, 1000, 1500, 500000, 1000000, 60000000, 3600000000ULL,
                                           1844674407370955161ULL, UINT64_MAX };
        char buf[TIMESPAN_MAX];

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                uint64_t back;

                format_timespan(buf, sizeof(buf), values[i]);
                assert_int_equal(parse_usec(buf, &back), 0);
                assert_int_equal(back, values[i]);
        }
        assert_string_equal(format_timespan(buf, sizeof(buf), 7200000000ULL), "2h");
        assert_string_equal(format_timespan(buf, sizeof(buf), 1500), "1500us");
}

static void test_sizes(void **state) {
        static const struct {
                const char *in;
                int ret;
                uint64_t bytes;
        } cases[] = {
                { "4096", 0, 4096 },
                { "4K", 0, 4096 },
                { "1.5G", 0, 1610612736 },
                { "2M", 0, 2097152 },
                { "1E", 0, 1ULL << 60 },
                { "16E", -ERANGE, 0 },
                { "1.5", -EINVAL, 0 },      /* no fraction of a byte */
                { "1k", -EINVAL, 0 },       /* systemd's suffixes are upper case */
                { "1KiB", -EINVAL, 0 },
                { "-1K", -EINVAL, 0 },
                { "", -EINVAL, 0 },
                { "K", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t v = 42;
                int r = parse_size(cases[i].in, &v);

                if (r != cases[i].ret)
                        fail_msg("parse_size(\"%s\") = %d, expected %d", cases[i].in, r, cases[i].ret);
                assert_int_equal(v, r == 0 ? cases[i].bytes : 42);
        }
}

static void test_percentages(void **state) {
        uint32_t v;

        assert_int_equal(parse_permyriad("20%", &v), 0);
        assert_int_equal(v, 2000);
        assert_int_equal(parse_permyriad("12.5%", &v), 0);
        assert_int_equal(v, 1250);
        assert_int_equal(parse_permyriad("0.01%", &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(parse_permyriad("100%", &v), 0);
        assert_int_equal(v, 10000);
        assert_int_equal(parse_permyriad("100.01%", &v), -ERANGE);
        assert_int_equal(parse_permyriad("0.001%", &v), -EINVAL);
        assert_int_equal(parse_permyriad("20", &v), -EINVAL);
        assert_int_equal(parse_permyriad("%", &v), -EINVAL);
}

static void test_vm_uuids(void **state) {
        static const char cmdline[] = "qemu\0-name\0guest=web\0-uuid\0A1B2C3D4-0000-1111-2222-333344445555\0-m\0001";
        static const char no_uuid[] = "qemu\0-uuid";
        char *u = NULL;

        assert_int_equal(vm_uuid_canonical("0123456789ABCDEF0123456789abcdef", &u), 0);
        assert_string_equal(u, "01234567-89ab-cdef-0123-456789abcdef");
        free(u);
        assert_int_equal(vm_uuid_canonical("0123-456789ABCDEF0123456789abcdef", &u), -EINVAL);
        assert_int_equal(vm_uuid_canonical("0123456789abcdef0123456789abcde", &u), -EINVAL);
        assert_int_equal(vm_uuid_canonical("0123456789abcdef0123456789abcdefa", &u), -EINVAL);
        assert_int_equal(vm_uuid_from_cmdline(cmdline, sizeof(cmdline), &u), 0);
        assert_string_equal(u, "a1b2c3d4-0000-1111-2222-333344445555");
        free(u);
        assert_int_equal(vm_uuid_from_cmdline(no_uuid, sizeof(no_uuid), &u), -ENOENT);
        /* systemd-machined's state file. */
        assert_int_equal(vm_uuid_from_machine_state("NAME=qemu-1-web\nSCOPE=machine-qemu\\x2d1\\x2dweb.scope\n"
                                                    "ID=a1b2c3d400001111222233334444555\n", &u), -EINVAL);
        assert_int_equal(vm_uuid_from_machine_state("NAME=qemu-1-web\nID=a1b2c3d4000011112222333344445555\n"
                                                    "LEADER=42\n", &u), 0);
        assert_string_equal(u, "a1b2c3d4-0000-1111-2222-333344445555");
        free(u);
        assert_int_equal(vm_uuid_from_machine_state("NAME=x\n", &u), -ENOENT);
}

/* Every D-Bus call that takes a VM takes its id, its name or its UUID. */
static void test_vm_lookup_by_id_name_or_uuid(void **state) {
        static const struct {
                const char *id, *name, *uuid;
        } vms[] = {
                { "100-10", "web-1", "a1b2c3d4-0000-1111-2222-333344445555" },
                { "200-11", "db", NULL },
                { "300-12", "twin", NULL },
                { "400-13", "twin", NULL },
        };
        VmTable t = {};
        Vm *v;

        for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++) {
                Vm *n = calloc(1, sizeof(Vm));
                assert_non_null(n);
                n->id = strdup(vms[i].id);
                n->name = strdup(vms[i].name);
                n->uuid = vms[i].uuid ? strdup(vms[i].uuid) : NULL;
                assert_int_equal(vm_table_add(&t, n), 0);
        }
        assert_int_equal(vm_table_lookup(&t, "200-11", &v), 0);
        assert_string_equal(v->name, "db");
        assert_int_equal(vm_table_lookup(&t, "web-1", &v), 0);
        assert_string_equal(v->id, "100-10");
        assert_int_equal(vm_table_lookup(&t, "A1B2C3D4000011112222333344445555", &v), 0);
        assert_string_equal(v->id, "100-10");
        assert_int_equal(vm_table_lookup(&t, "twin", &v), -ENOTUNIQ);
        assert_int_equal(vm_table_lookup(&t, "400-13", &v), 0);
        assert_int_equal(vm_table_lookup(&t, "nobody", &v), -ENOENT);
        vm_table_clear(&t);
}

static void test_cgroup_paths(void **state) {
        assert_true(cgroup_path_is_valid("/"));
        assert_true(cgroup_path_is_valid("/machine.slice/machine-qemu\\x2d1\\x2dweb.scope"));
        assert_false(cgroup_path_is_valid(""));
        assert_false(cgroup_path_is_valid("relative"));
        assert_false(cgroup_path_is_valid("/a/"));
        assert_false(cgroup_path_is_valid("/a//b"));
        assert_false(cgroup_path_is_valid("/a/../b"));
        assert_false(cgroup_path_is_valid("/.."));
        assert_false(cgroup_path_is_valid("/a/./b"));
        assert_false(cgroup_path_is_valid("/a\nb"));
        assert_true(cgroup_path_startswith("/a/b", "/a"));
        assert_true(cgroup_path_startswith("/a", "/a"));
        assert_true(cgroup_path_startswith("/a", "/"));
        assert_false(cgroup_path_startswith("/ab", "/a"));
        assert_false(cgroup_path_startswith(NULL, "/a"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_proc_cgroup_hybrid),
                cmocka_unit_test(test_proc_cgroup_pure_v2_and_garbage),
                cmocka_unit_test(test_names_from_cgroups),
                cmocka_unit_test(test_names_from_cmdline),
                cmocka_unit_test(test_vm_dirnames),
                cmocka_unit_test(test_reclaim_results),
                cmocka_unit_test(test_vms_lines_as_the_header_prints_them),
                cmocka_unit_test(test_vms_lines_refused),
                cmocka_unit_test(test_command_words_are_the_headers),
                cmocka_unit_test(test_psi),
                cmocka_unit_test(test_numbers_and_times),
                cmocka_unit_test(test_timespans_format_and_read_back),
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_percentages),
                cmocka_unit_test(test_vm_uuids),
                cmocka_unit_test(test_outside_names_are_printable_utf8),
                cmocka_unit_test(test_vm_lookup_by_id_name_or_uuid),
                cmocka_unit_test(test_cgroup_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
