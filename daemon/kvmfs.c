/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvm-reclaim.h"
#include "kvmfs.h"
#include "util.h"

int kvmfs_parse_vm_dirname(const char *name, pid_t *ret_pid, int *ret_fd) {
        uint64_t pid, fd;
        const char *dash;
        char pidbuf[24];

        dash = strchr(name, '-');
        if (!dash || dash == name || (size_t) (dash - name) >= sizeof(pidbuf))
                return -EINVAL;
        memcpy(pidbuf, name, (size_t) (dash - name));
        pidbuf[dash - name] = 0;
        if (strchr(name, '\n') || parse_u64(pidbuf, &pid) < 0 || parse_u64(dash + 1, &fd) < 0)
                return -EINVAL;
        if (pid == 0 || pid > INT32_MAX || fd > INT32_MAX)
                return -EINVAL;
        *ret_pid = (pid_t) pid;
        *ret_fd = (int) fd;
        return 0;
}

static int vm_path(char *buf, size_t size, const char *kvm_dir, const char *vm, const char *file) {
        int n = snprintf(buf, size, "%s/%s/%s", kvm_dir, vm, file);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int kvmfs_read_counter(const char *kvm_dir, const char *vm, const char *file, uint64_t *ret) {
        char path[4096], buf[64];
        int r;

        r = vm_path(path, sizeof(path), kvm_dir, vm, file);
        if (r < 0)
                return r;
        r = read_small_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        if (parse_u64(buf, ret) < 0)
                return -EBADMSG;
        return 0;
}

int kvmfs_probe_reclaim(const char *kvm_dir, const char *vm) {
        _cleanup_close_ int fd = -EBADF;
        char path[4096];
        int r;

        r = vm_path(path, sizeof(path), kvm_dir, vm, KVM_RECLAIM_FILE_RECLAIM);
        if (r < 0)
                return r;
        /* Lockdown refuses at open, a read-only mount too; a command only
         * acts on write, so an open without one changes nothing. */
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : 0;
}

int kvmfs_parse_result(const char *text, KvmReclaimResult *ret) {
        unsigned long long caches, zapped;
        unsigned busy;
        char check[160];

        if (sscanf(text, "caches_freed=%llu zapped=%llu busy_vcpus=%u", &caches, &zapped, &busy) != 3)
                return -EBADMSG;
        /* Round trip: rejects trailing junk and signs sscanf would accept. */
        snprintf(check, sizeof(check), KVM_RECLAIM_RESULT_FMT, caches, zapped, busy);
        if (strcmp(check, text) != 0)
                return -EBADMSG;
        *ret = (KvmReclaimResult) { .caches_freed = caches, .zapped = zapped, .busy_vcpus = busy };
        return 0;
}

static int reclaim(const char *kvm_dir, const char *vm, const char *cmd, KvmReclaimResult *ret) {
        char path[4096], buf[160];
        int r;

        r = vm_path(path, sizeof(path), kvm_dir, vm, KVM_RECLAIM_FILE_RECLAIM);
        if (r < 0)
                return r;
        r = write_small_file(path, cmd);
        if (r < 0)
                return r;
        /* The write is synchronous, so the file now holds our result.  A
         * concurrent writer (another tool) could race us; the counters the
         * daemon re-reads next are the truth either way. */
        r = read_small_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return kvmfs_parse_result(buf, ret);
}

int kvmfs_reclaim_caches(const char *kvm_dir, const char *vm, KvmReclaimResult *ret) {
        return reclaim(kvm_dir, vm, KVM_RECLAIM_CMD_CACHES "\n", ret);
}

int kvmfs_reclaim_zap(const char *kvm_dir, const char *vm, uint64_t pages, KvmReclaimResult *ret) {
        char cmd[KVM_RECLAIM_CMD_MAX_LEN];

        if (pages == 0 || pages > KVM_RECLAIM_ZAP_MAX)
                return -ERANGE;
        snprintf(cmd, sizeof(cmd), KVM_RECLAIM_CMD_ZAP " %llu\n", (unsigned long long) pages);
        return reclaim(kvm_dir, vm, cmd, ret);
}
