/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discovery.h"
#include "kvmfs.h"
#include "log.h"
#include "util.h"

#define DISCOVERY_RESCAN_USEC (30 * USEC_PER_SEC)

struct Discovery {
        sd_event *event;
        char *kvm_dir;
        char *parent_dir;
        DiscoveryCallbacks cb;
        void *userdata;
        sd_event_source *dir_watch;      /* inotify on kvm_dir */
        dev_t watched_dev;               /* ...and which directory that was */
        ino_t watched_ino;
        sd_event_source *parent_watch;   /* inotify on its parent while kvm_dir is missing */
        sd_event_source *rescan_timer;   /* only when nothing can be watched */
        sd_event_source *mount_watch;    /* POLLPRI on /proc/self/mountinfo */
        int mountinfo_fd;
};

void strv_free_n(char **l, size_t n) {
        for (size_t i = 0; l && i < n; i++)
                free(l[i]);
        free(l);
}

int discovery_list(const char *kvm_dir, char ***ret, size_t *ret_n) {
        DIR *d = opendir(kvm_dir);
        struct dirent *de;
        char **l = NULL;
        size_t n = 0, allocated = 0;

        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                pid_t pid;
                int fd;

                if (kvmfs_parse_vm_dirname(de->d_name, &pid, &fd) < 0)
                        continue;
                if (n == allocated) {
                        size_t na = allocated ? allocated * 2 : 64;
                        char **nl = realloc(l, na * sizeof(char *));
                        if (!nl)
                                goto oom;
                        l = nl;
                        allocated = na;
                }
                l[n] = strdup(de->d_name);
                if (!l[n])
                        goto oom;
                n++;
        }
        closedir(d);
        *ret = l;
        *ret_n = n;
        return 0;
oom:
        closedir(d);
        strv_free_n(l, n);
        return -ENOMEM;
}

static int arm(Discovery *d);

static int on_dir_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Discovery *d = userdata;
        pid_t pid;
        int fd;

        if (ev->mask & IN_Q_OVERFLOW) {
                log_warning("inotify queue overflowed on %s, rescanning", d->kvm_dir);
                (void) discovery_rescan(d);
                return 0;
        }
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
                /* The kvm dir went away (module unloaded, debugfs unmounted). */
                log_notice("%s went away, waiting for it to come back", d->kvm_dir);
                d->dir_watch = sd_event_source_disable_unref(d->dir_watch);
                (void) discovery_rescan(d); /* reports an empty set */
                (void) arm(d);
                return 0;
        }
        if (ev->len == 0 || kvmfs_parse_vm_dirname(ev->name, &pid, &fd) < 0)
                return 0;
        if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                d->cb.vm_added(ev->name, d->userdata);
        else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
                d->cb.vm_removed(ev->name, d->userdata);
        return 0;
}

static int on_parent_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Discovery *d = userdata;
        const char *base = strrchr(d->kvm_dir, '/');

        base = base ? base + 1 : d->kvm_dir;
        if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 && strcmp(ev->name, base) == 0))
                (void) arm(d);
        return 0;
}

static int on_rescan_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Discovery *d = userdata;

        (void) arm(d);
        return 0;
}

/* Watches the kvm dir if it exists, else its parent, else a slow timer. */
static int arm(Discovery *d) {
        int r;

        if (!d->dir_watch) {
                r = sd_event_add_inotify(d->event, &d->dir_watch, d->kvm_dir,
                                         IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF |
                                         IN_MOVE_SELF | IN_ONLYDIR,
                                         on_dir_event, d);
                if (r >= 0) {
                        struct stat st;

                        (void) sd_event_source_set_description(d->dir_watch, "kvm-dir-inotify");
                        if (stat(d->kvm_dir, &st) >= 0) {
                                d->watched_dev = st.st_dev;
                                d->watched_ino = st.st_ino;
                        }
                        d->parent_watch = sd_event_source_disable_unref(d->parent_watch);
                        d->rescan_timer = sd_event_source_disable_unref(d->rescan_timer);
                        /* Anything created before the watch existed. */
                        return discovery_rescan(d);
                }
                log_debug_errno(r, "Cannot watch %s: %m", d->kvm_dir);
        }
        if (d->dir_watch)
                return 0;
        if (!d->parent_watch) {
                r = sd_event_add_inotify(d->event, &d->parent_watch, d->parent_dir,
                                         IN_CREATE | IN_MOVED_TO | IN_ONLYDIR, on_parent_event, d);
                if (r >= 0) {
                        (void) sd_event_source_set_description(d->parent_watch, "kvm-parent-inotify");
                        /* It may have appeared between our two attempts. */
                        if (access(d->kvm_dir, F_OK) == 0)
                                return arm(d);
                        return 0;
                }
                log_debug_errno(r, "Cannot watch %s either: %m", d->parent_dir);
        }
        if (d->parent_watch)
                return 0;
        /* Neither can be watched (debugfs not mounted): look now and then. */
        d->rescan_timer = sd_event_source_disable_unref(d->rescan_timer);
        r = sd_event_add_time_relative(d->event, &d->rescan_timer, CLOCK_MONOTONIC, DISCOVERY_RESCAN_USEC,
                                       USEC_PER_SEC, on_rescan_timer, d);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(d->rescan_timer, "kvm-dir-rescan");
        return 0;
}

/* A file system mounted on the kvm directory (debugfs mounted after the
 * start, or again after an unmount) or on its parent makes no inotify
 * event in the directory under it, which is what was watched: the mount
 * table tells instead.  When the path names another directory than the
 * one watched, watch that one and list it again. */
static int on_mount_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Discovery *d = userdata;
        struct stat st;
        bool exists = stat(d->kvm_dir, &st) >= 0;

        if (d->dir_watch && exists && st.st_dev == d->watched_dev && st.st_ino == d->watched_ino)
                return 0;
        if (!d->dir_watch && !exists)
                return 0;
        log_notice("%s is %s now (a file system was mounted or unmounted there), following it",
                   d->kvm_dir, exists ? "another directory" : "gone");
        d->dir_watch = sd_event_source_disable_unref(d->dir_watch);
        (void) arm(d);
        if (!d->dir_watch)
                (void) discovery_rescan(d); /* gone: report an empty set */
        return 0;
}

static int watch_mounts(Discovery *d) {
        int r;

        d->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (d->mountinfo_fd < 0)
                return log_debug_errno(errno, "Cannot follow mounts: %m");
        r = sd_event_add_io(d->event, &d->mount_watch, d->mountinfo_fd, EPOLLPRI, on_mount_event, d);
        if (r < 0)
                return log_debug_errno(r, "Cannot follow mounts: %m");
        (void) sd_event_source_set_description(d->mount_watch, "mountinfo");
        return 0;
}

int discovery_rescan(Discovery *d) {
        char **ids = NULL;
        size_t n = 0;
        int r;

        r = discovery_list(d->kvm_dir, &ids, &n);
        if (r == -ENOMEM)
                return r;
        /* A missing dir is "no VMs", not an error. */
        d->cb.rescanned(r < 0 ? NULL : ids, r < 0 ? 0 : n, d->userdata);
        strv_free_n(ids, n);
        return 0;
}

const char *discovery_dir(const Discovery *d) {
        return d ? d->kvm_dir : NULL;
}

bool discovery_watching(const Discovery *d) {
        return d && d->dir_watch;
}

int discovery_new(sd_event *e, const char *kvm_dir, const DiscoveryCallbacks *cb, void *userdata,
                  Discovery **ret) {
        _cleanup_(discovery_freep) Discovery *d = NULL;
        char *slash;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->event = sd_event_ref(e);
        d->cb = *cb;
        d->userdata = userdata;
        d->mountinfo_fd = -EBADF;
        d->kvm_dir = strdup(kvm_dir);
        d->parent_dir = strdup(kvm_dir);
        if (!d->kvm_dir || !d->parent_dir)
                return -ENOMEM;
        slash = strrchr(d->parent_dir, '/');
        if (slash && slash != d->parent_dir)
                *slash = 0;
        else
                strcpy(d->parent_dir, "/");

        /* Not fatal: without it a mount over the directory is seen only
         * once the directory itself goes or comes. */
        (void) watch_mounts(d);
        r = arm(d);
        if (r < 0)
                return r;
        if (!d->dir_watch)
                (void) discovery_rescan(d); /* report "no VMs" once */
        *ret = TAKE_PTR(d);
        return 0;
}

Discovery *discovery_free(Discovery *d) {
        if (!d)
                return NULL;
        sd_event_source_disable_unref(d->dir_watch);
        sd_event_source_disable_unref(d->parent_watch);
        sd_event_source_disable_unref(d->rescan_timer);
        sd_event_source_disable_unref(d->mount_watch);
        if (d->mountinfo_fd >= 0)
                close(d->mountinfo_fd);
        sd_event_unref(d->event);
        free(d->kvm_dir);
        free(d->parent_dir);
        free(d);
        return NULL;
}
