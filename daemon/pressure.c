/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"
#include "pressure.h"
#include "util.h"

struct PressureWatch {
        char *path;
        char *scope;
        int fd;
        uint64_t threshold_usec;
        uint64_t window_usec;
        uint64_t last_total_usec;        /* "some" total at arming or the last event */
        uint64_t last_read_usec;         /* CLOCK_MONOTONIC of that reading */
        uint64_t stall_usec;             /* at the last event: "some" stall since the reading before */
        uint64_t elapsed_usec;           /* ... which was this long before */
        sd_event_source *source;
        pressure_handler_t handler;
        void *userdata;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int psi_parse_line(const char *l, PsiLine *ret) {
        unsigned long long total;

        if (sscanf(l, " avg10=%lf avg60=%lf avg300=%lf total=%llu", &ret->avg10, &ret->avg60, &ret->avg300,
                   &total) != 4)
                return -EBADMSG;
        ret->total_usec = total;
        return 0;
}

int psi_parse(const char *text, PsiValues *ret) {
        PsiValues v = {};
        bool has_some = false;

        for (const char *l = text; l && *l; ) {
                const char *eol = strchrnul(l, '\n');
                if (strncmp(l, "some ", 5) == 0) {
                        if (psi_parse_line(l + 4, &v.some) < 0)
                                return -EBADMSG;
                        has_some = true;
                } else if (strncmp(l, "full ", 5) == 0) {
                        if (psi_parse_line(l + 4, &v.full) < 0)
                                return -EBADMSG;
                        v.has_full = true;
                }
                l = *eol ? eol + 1 : eol;
        }
        if (!has_some)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int psi_read(const char *path, PsiValues *ret) {
        char buf[512];
        int r = read_small_file(path, buf, sizeof(buf));

        if (r < 0)
                return r;
        return psi_parse(buf, ret);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PressureWatch *w = userdata;

        PsiValues v = {};

        if (revents & (EPOLLERR | EPOLLHUP)) {
                /* The cgroup was removed: the trigger will never fire again. */
                (void) sd_event_source_set_enabled(w->source, SD_EVENT_OFF);
                w->handler(w, NULL, true, w->userdata);
                return 0;
        }
        if (!(revents & EPOLLPRI))
                return 0;
        /* A trigger fires at most once per window, so a real event means
         * the stall total grew by at least the threshold since the last
         * one.  Some kernels wake a new trigger on a file whose total is
         * already large (the host's) without any new stall: ignore that. */
        if (psi_read(w->path, &v) >= 0) {
                if (v.some.total_usec - w->last_total_usec < w->threshold_usec) {
                        log_debug("PSI wakeup on %s without %llu us of new stall, ignoring", w->path,
                                  (unsigned long long) w->threshold_usec);
                        return 0;
                }
                w->stall_usec = v.some.total_usec - w->last_total_usec;
                w->elapsed_usec = now_usec() - w->last_read_usec;
                w->last_total_usec = v.some.total_usec;
                w->last_read_usec += w->elapsed_usec;
        } else {
                /* Unread: the trigger's own promise, one threshold per window. */
                w->stall_usec = w->threshold_usec;
                w->elapsed_usec = w->window_usec;
        }
        w->handler(w, &v, false, w->userdata);
        return 0;
}

static int arm_trigger(const char *path, uint64_t threshold, uint64_t window, int *ret_fd) {
        char cmd[64];
        int fd, n;

        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = snprintf(cmd, sizeof(cmd), "some %llu %llu", (unsigned long long) threshold,
                     (unsigned long long) window);
        /* The terminating NUL is part of the trigger write, as in the PSI docs. */
        if (write(fd, cmd, (size_t) n + 1) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int pressure_watch_new(sd_event *e, const char *path, const char *scope, uint64_t threshold_usec,
                       uint64_t window_usec, pressure_handler_t handler, void *userdata,
                       PressureWatch **ret, bool *ret_fell_back) {
        _cleanup_(pressure_watch_freep) PressureWatch *w = NULL;
        _cleanup_close_ int fd = -EBADF;
        PsiValues baseline = {};
        bool fell_back = false;
        int r;

        /* Read before arming, so no stall after the trigger exists is left
         * out of the first event's check in on_io(). */
        (void) psi_read(path, &baseline);
        r = arm_trigger(path, threshold_usec, window_usec, &fd);
        if (r == -EINVAL && window_usec % PSI_UNPRIV_WINDOW_USEC != 0) {
                uint64_t w2 = (window_usec / PSI_UNPRIV_WINDOW_USEC + 1) * PSI_UNPRIV_WINDOW_USEC;
                /* Same stall ratio in the longer window. */
                uint64_t t2 = threshold_usec * w2 / window_usec;

                r = arm_trigger(path, t2, w2, &fd);
                if (r >= 0) {
                        fell_back = true;
                        threshold_usec = t2;
                        window_usec = w2;
                }
        }
        if (r < 0)
                return log_debug_errno(r, "Cannot arm PSI trigger on %s: %m", path);

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (PressureWatch) {
                .path = strdup(path),
                .scope = strdup(scope),
                .fd = TAKE_FD(fd),
                .threshold_usec = threshold_usec,
                .window_usec = window_usec,
                .handler = handler,
                .userdata = userdata,
        };
        if (!w->path || !w->scope)
                return -ENOMEM;
        w->last_total_usec = baseline.some.total_usec;
        w->last_read_usec = now_usec();
        r = sd_event_add_io(e, &w->source, w->fd, EPOLLPRI, on_io, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->source, "psi-trigger");
        *ret = TAKE_PTR(w);
        if (ret_fell_back)
                *ret_fell_back = fell_back;
        return 0;
}

PressureWatch *pressure_watch_free(PressureWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->source);
        if (w->fd >= 0)
                close(w->fd);
        free(w->path);
        free(w->scope);
        free(w);
        return NULL;
}

const char *pressure_watch_path(const PressureWatch *w) { return w->path; }
const char *pressure_watch_scope(const PressureWatch *w) { return w->scope; }
uint64_t pressure_watch_window(const PressureWatch *w) { return w->window_usec; }
uint64_t pressure_watch_threshold(const PressureWatch *w) { return w->threshold_usec; }
uint64_t pressure_watch_total(const PressureWatch *w) { return w->last_total_usec; }

void pressure_watch_fire(PressureWatch *w, uint64_t stall_usec, uint64_t elapsed_usec) {
        PsiValues v = {};

        (void) psi_read(w->path, &v);
        w->stall_usec = stall_usec;
        w->elapsed_usec = elapsed_usec;
        w->handler(w, &v, false, w->userdata);
}

void pressure_watch_last_stall(const PressureWatch *w, uint64_t *ret_stall_usec, uint64_t *ret_elapsed_usec) {
        *ret_stall_usec = w->stall_usec;
        *ret_elapsed_usec = w->elapsed_usec;
}
