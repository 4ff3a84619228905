/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon reads from <debugfs>/kvm: VM directory names
 * ("<pid>-<fd>"), counter files, the result line of mmu_reclaim, and the
 * lines of mmu_vms.  Each input is tried as all four; whatever is accepted must mean exactly what
 * a plain reading of the text says.  Counters go through
 * kvmfs_read_counter() itself, reading a memfd as the counter file, so its
 * buffer and truncation are fuzzed too. */
#include <errno.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "known-findings.h"
#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "util.h"

/* The decimal value of s[0..n), digits only; false if empty, not digits,
 * or above 'max'. */
static bool decimal(const char *s, size_t n, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                if (v > (max - (uint64_t) (s[i] - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return true;
}

/* "<pid>-<fd>" as the kernel prints them with "%d-%d"; leading zeros are
 * let pass, up to 23 characters of pid. */
static void check_dirname(const char *s) {
        const char *dash = strchr(s, '-');
        uint64_t pid = 0, fd = 0;
        bool plain = dash && dash - s < 24 && decimal(s, (size_t) (dash - s), INT32_MAX, &pid) && pid > 0 &&
                     decimal(dash + 1, strlen(dash + 1), INT32_MAX, &fd);
        pid_t got_pid = 0;
        int got_fd = -1, r;

        /* Known finding: "<pid>\n-<fd>" is accepted (known-findings.h). */
        if (KNOWN_FINDING_DIRNAME_NEWLINE && dash && dash > s && dash - s < 24 && dash[-1] == '\n' &&
            decimal(s, (size_t) (dash - s - 1), INT32_MAX, &pid) && pid > 0 &&
            decimal(dash + 1, strlen(dash + 1), INT32_MAX, &fd))
                plain = true;

        r = kvmfs_parse_vm_dirname(s, &got_pid, &got_fd);
        FUZZ_ASSERT(r >= 0 || r == -EINVAL, "kvmfs_parse_vm_dirname(): %d", r);
        FUZZ_ASSERT((r >= 0) == plain, "\"%s\" is %s as a VM directory", s, r >= 0 ? "accepted" : "refused");
        if (r >= 0)
                FUZZ_ASSERT((uint64_t) got_pid == pid && (uint64_t) got_fd == fd, "\"%s\" is read as %d-%d", s,
                            (int) got_pid, got_fd);
}

/* The counter file is a memfd: /proc/self/fd/N opens it afresh at offset 0. */
static void check_counter(const uint8_t *data, size_t size) {
        static int fd = -1;
        static char name[32];
        char text[64];
        size_t n;
        uint64_t want = 0, got = 0;
        bool plain;
        int r;

        if (fd < 0) {
                fd = memfd_create("counter", MFD_CLOEXEC);
                FUZZ_ASSERT(fd >= 0, "memfd_create: %m");
                snprintf(name, sizeof(name), "%d", fd);
        }
        FUZZ_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t) size, "memfd write: %m");

        /* What a counter is: digits and one optional newline, as the
         * kernel prints it, within the 63 bytes read. */
        n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
        memcpy(text, data, n);
        text[n] = 0;
        n = strlen(text);
        if (n > 0 && text[n - 1] == '\n')
                n--;
        plain = decimal(text, n, UINT64_MAX, &want);

        r = kvmfs_read_counter("/proc/self", "fd", name, &got);
        FUZZ_ASSERT(r >= 0 || r == -EBADMSG, "kvmfs_read_counter(): %d", r);
        FUZZ_ASSERT((r >= 0) == plain, "counter text \"%s\" is %s", text, r >= 0 ? "accepted" : "refused");
        if (r >= 0)
                FUZZ_ASSERT(got == want, "counter text \"%s\" is read as %llu", text, (unsigned long long) got);
}

static void check_result(const char *s) {
        KvmReclaimResult res;
        char again[160];
        int r = kvmfs_parse_result(s, &res);

        FUZZ_ASSERT(r >= 0 || r == -EBADMSG, "kvmfs_parse_result(): %d", r);
        if (r < 0)
                return;
        snprintf(again, sizeof(again), KVM_RECLAIM_RESULT_FMT, (unsigned long long) res.caches_freed,
                 (unsigned long long) res.zapped, res.busy_vcpus);
        FUZZ_ASSERT(streq_ptr(again, s), "result \"%s\" is read as \"%s\"", s, again);
}

/* A line of mmu_vms: whatever is accepted prints back to the very line
 * with KVM_RECLAIM_VMS_FMT, and names a VM directory. */
static void check_vms_line(const char *s) {
        char name[32], again[320];
        KvmCounts c;
        pid_t pid;
        int fd, r = kvmfs_parse_vms_line(s, name, sizeof(name), &c);

        FUZZ_ASSERT(r >= 0 || r == -EBADMSG, "kvmfs_parse_vms_line(): %d", r);
        if (r < 0)
                return;
        snprintf(again, sizeof(again), KVM_RECLAIM_VMS_FMT, name, (unsigned long long) c.shadow_pages,
                 (unsigned long long) c.tdp_pages, (unsigned long long) c.cache_pages,
                 (unsigned long long) c.pagetable_bytes, (unsigned long long) c.shadow_pages_max);
        again[strcspn(again, "\n")] = 0;
        FUZZ_ASSERT(streq_ptr(again, s), "mmu_vms line \"%s\" is read as \"%s\"", s, again);
        FUZZ_ASSERT(kvmfs_parse_vm_dirname(name, &pid, &fd) >= 0, "mmu_vms line names \"%s\"", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_string(data, size);

        check_dirname(s);
        check_counter(data, size);
        check_result(s);
        check_vms_line(s);
        return 0;
}
