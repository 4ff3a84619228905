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

static const struct {
        const char *word;
        uint64_t min, max;              /* N's range; max 0: no N */
} commands[_KVM_CMD_MAX] = {
        [KVM_CMD_CACHES]     = { KVM_RECLAIM_CMD_CACHES, 0, 0 },
        [KVM_CMD_FREE_EMPTY] = { KVM_RECLAIM_CMD_FREE_EMPTY, 0, 0 },
        [KVM_CMD_ZAP_COLD]   = { KVM_RECLAIM_CMD_ZAP_COLD, 1, KVM_RECLAIM_ZAP_MAX },
        [KVM_CMD_ZAP]        = { KVM_RECLAIM_CMD_ZAP, 1, KVM_RECLAIM_ZAP_MAX },
        [KVM_CMD_LIMIT]      = { KVM_RECLAIM_CMD_LIMIT, 0, UINT32_MAX },
};

const char *kvm_command_to_string(KvmCommand c) {
        return (unsigned) c < _KVM_CMD_MAX ? commands[c].word : NULL;
}

bool kvm_command_takes_n(KvmCommand c) {
        return (unsigned) c < _KVM_CMD_MAX && commands[c].max > 0;
}

/* The first series rewinds nothing: a read on the writing descriptor
 * finds its end.  Then the file, opened again, has the VM's last result. */
static int read_result_again(const char *path, KvmReclaimResult *ret) {
        char buf[160];
        int r = read_small_file(path, buf, sizeof(buf));

        if (r < 0)
                return r;
        return kvmfs_parse_result(buf, ret);
}

int kvmfs_reclaim(const char *kvm_dir, const char *vm, KvmCommand c, uint64_t n, KvmReclaimResult *ret) {
        _cleanup_close_ int fd = -EBADF;
        char path[4096], cmd[KVM_RECLAIM_CMD_MAX_LEN + 1], buf[160];
        size_t len, got = 0;
        ssize_t k;
        int r;

        if ((unsigned) c >= _KVM_CMD_MAX)
                return -EINVAL;
        if (commands[c].max == 0 && n != 0)
                return -ERANGE;
        if (commands[c].max > 0 && (n < commands[c].min || n > commands[c].max ||
                                    (c == KVM_CMD_LIMIT && n > 0 && n < KVM_RECLAIM_LIMIT_MIN)))
                return -ERANGE;
        if (commands[c].max > 0)
                snprintf(cmd, sizeof(cmd), "%s %llu\n", commands[c].word, (unsigned long long) n);
        else
                snprintf(cmd, sizeof(cmd), "%s\n", commands[c].word);
        len = strlen(cmd);
        r = vm_path(path, sizeof(path), kvm_dir, vm, KVM_RECLAIM_FILE_RECLAIM);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* One write() is one command; it returns when the work is done. */
        k = write(fd, cmd, len);
        if (k < 0)
                return -errno;
        if ((size_t) k != len)
                return -EIO;
        /* The write rewound the file: our own result, not another writer's. */
        k = read_full(fd, buf, sizeof(buf) - 1);
        if (k < 0)
                return (int) k;
        got = (size_t) k;
        buf[got] = 0;
        if (got == 0)
                return read_result_again(path, ret);
        return kvmfs_parse_result(buf, ret);
}

/* ---- counting ---- */

int kvmfs_read_vm_counts(const char *kvm_dir, const char *vm, KvmCounts *ret) {
        KvmCounts c = {};
        int r;

        r = kvmfs_read_counter(kvm_dir, vm, KVM_RECLAIM_FILE_SHADOW_PAGES, &c.shadow_pages);
        if (r < 0)
                return r;
        r = kvmfs_read_counter(kvm_dir, vm, KVM_RECLAIM_FILE_CACHE_PAGES, &c.cache_pages);
        if (r < 0)
                return r;
        /* The first series had neither: absent is not an error. */
        r = kvmfs_read_counter(kvm_dir, vm, KVM_RECLAIM_FILE_TDP_PAGES, &c.tdp_pages);
        if (r < 0 && r != -ENOENT)
                return r;
        c.has_tdp = r >= 0;
        r = kvmfs_read_counter(kvm_dir, vm, KVM_RECLAIM_FILE_PAGETABLE_BYTES, &c.pagetable_bytes);
        if (r < 0 && r != -ENOENT)
                return r;
        c.has_bytes = r >= 0;
        *ret = c;
        return 0;
}

int kvmfs_read_vms(const char *kvm_dir, char **ret_text, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 64 * 1024, len = 0;
        char path[4096];
        int n;

        n = snprintf(path, sizeof(path), "%s/" KVM_RECLAIM_FILE_VMS, kvm_dir);
        if (n < 0 || (size_t) n >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (size - len < 4096) {
                        char *b = realloc(buf, size * 2);

                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        size *= 2;
                }
                k = read_full(fd, buf + len, size - 1 - len);
                if (k < 0)
                        return (int) k;
                len += (size_t) k;
                if (len < size - 1)
                        break;  /* end of file before the buffer was full */
        }
        buf[len] = 0;
        *ret_text = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* "key=<u64>" at *p, then one space (or the end for the last). */
static int parse_field(const char **p, const char *key, bool last, uint64_t *ret) {
        size_t k = strlen(key);
        const char *s = *p;
        uint64_t v = 0;

        if (strncmp(s, key, k) != 0 || s[k] != '=')
                return -EBADMSG;
        s += k + 1;
        if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
                return -EBADMSG;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        if (last ? *s != 0 : *s != ' ')
                return -EBADMSG;
        *p = last ? s : s + 1;
        *ret = v;
        return 0;
}

int kvmfs_parse_vms_line(const char *line, char *name, size_t name_size, KvmCounts *ret) {
        const char *space = strchr(line, ' '), *p;
        KvmCounts c = { .has_tdp = true, .has_bytes = true, .has_max = true };
        pid_t pid;
        int fd;
        size_t n;

        if (!space)
                return -EBADMSG;
        n = (size_t) (space - line);
        if (n == 0 || n >= name_size)
                return -EBADMSG;
        memcpy(name, line, n);
        name[n] = 0;
        /* The kernel prints "%d-%d": what discovery takes for a VM. */
        if (kvmfs_parse_vm_dirname(name, &pid, &fd) < 0)
                return -EBADMSG;
        p = space + 1;
        if (parse_field(&p, "mmu_shadow_pages", false, &c.shadow_pages) < 0 ||
            parse_field(&p, "tdp_mmu_pages", false, &c.tdp_pages) < 0 ||
            parse_field(&p, "mmu_cache_pages", false, &c.cache_pages) < 0 ||
            parse_field(&p, "mmu_pagetable_bytes", false, &c.pagetable_bytes) < 0 ||
            parse_field(&p, "mmu_shadow_pages_max", true, &c.shadow_pages_max) < 0)
                return -EBADMSG;
        *ret = c;
        return 0;
}
