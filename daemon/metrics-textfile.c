/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node_exporter textfile (MetricsFile=): the Prometheus text of
 * metrics_render(), written atomically (a temporary name node_exporter
 * ignores, then rename) after something changed, and at most once per
 * MetricsInterval=.
 *
 * Nothing here wakes the daemon by itself: the one timer is armed by a
 * change (metrics_changed(), called by whatever changed a figure) and
 * disarmed when it fires, so an idle daemon holds no timer at all.  The
 * file therefore holds the counts as of the daemon's last count (a VM
 * coming or going, a pressure event, a round, a MaxPages= refresh, a D-Bus
 * read), not of the moment node_exporter reads it; the pull endpoint
 * (Metrics over D-Bus, kvm-reclaimd-metrics.socket) counts at most once a
 * second when asked. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "manager.h"
#include "metrics.h"

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* FNV-1a: to tell whether the text changed without keeping a copy of it
 * (10,000 VMs make megabytes). */
static uint64_t hash(const char *s, size_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static int on_textfile_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        Metrics *s = m->metrics;
        _cleanup_free_ char *text = NULL;
        size_t len;
        uint64_t h;
        int r;

        s->textfile_timer = sd_event_source_disable_unref(s->textfile_timer);
        /* Mid-round the counts are read and the results not in yet: the
         * round's end is a change of its own, written then. */
        if (reclaim_busy(m)) {
                log_debug("A round is in flight: %s is written when it ends.", s->textfile);
                return 0;
        }
        r = metrics_render(m, METRICS_PROMETHEUS, &text, &len);
        if (r < 0)
                return log_error_errno(r, "Cannot render metrics: %m");
        h = hash(text, len);
        if (s->textfile_written && h == s->textfile_hash) {
                log_debug("Metrics unchanged, %s left alone.", s->textfile);
                return 0;
        }
        r = write_file_atomic(s->textfile, text);
        if (r < 0) {
                /* Said once until a write works again: a missing directory
                 * must not fill the journal at every change. */
                if (!s->textfile_failed)
                        log_warning_errno(r, "Cannot write the metrics file %s, ignoring: %m", s->textfile);
                s->textfile_failed = true;
                return 0;
        }
        s->textfile_failed = false;
        s->textfile_written = true;
        s->textfile_hash = h;
        s->textfile_last_write_usec = now_usec(CLOCK_MONOTONIC);
        s->textfile_writes++;
        log_debug("Metrics written to %s (%zu bytes, write %llu).", s->textfile, len,
                  (unsigned long long) s->textfile_writes);
        return 0;
}

void metrics_changed(Manager *m) {
        Metrics *s = m->metrics;
        uint64_t when;
        int r;

        if (!s || !s->textfile || !m->event || s->textfile_timer)
                return; /* off, not running yet, or a write is already due */
        when = s->textfile_written ? s->textfile_last_write_usec + s->textfile_interval_usec : 0;
        r = sd_event_add_time(m->event, &s->textfile_timer, CLOCK_MONOTONIC, when, 0, on_textfile_timer, m);
        if (r < 0) {
                log_warning_errno(r, "Cannot schedule a write of %s, ignoring: %m", s->textfile);
                return;
        }
        (void) sd_event_source_set_description(s->textfile_timer, "metrics-textfile");
}

static void remove_textfile(Metrics *s) {
        s->textfile_timer = sd_event_source_disable_unref(s->textfile_timer);
        if (s->textfile && s->textfile_written && unlink(s->textfile) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Cannot remove the metrics file %s: %m", s->textfile);
        free(s->textfile);
        s->textfile = NULL;
        s->textfile_written = false;
        s->textfile_failed = false;
}

int metrics_sync(Manager *m) {
        Metrics *s = m->metrics;
        const char *path = m->config->daemon.metrics_file;

        if (!s)
                return 0;
        s->textfile_interval_usec = m->config->daemon.metrics_interval_usec;
        if (streq_ptr(path, s->textfile))
                return 0;
        /* A new file, or none: the old one would only go stale. */
        remove_textfile(s);
        if (!path)
                return 0;
        s->textfile = strdup(path);
        if (!s->textfile)
                return -ENOMEM;
        log_info("Writing metrics to %s after changes, at most every %.1f s.", path,
                 (double) s->textfile_interval_usec / USEC_PER_SEC);
        metrics_changed(m);
        return 0;
}

void metrics_textfile_done(Metrics *s) {
        remove_textfile(s);
}
