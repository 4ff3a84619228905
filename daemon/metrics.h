/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Metrics: what the daemon counts beyond its D-Bus properties, and the
 * exposition of everything in the Prometheus and OpenMetrics text formats.
 *
 *   metrics.c           the counters that outlive a reload (this header's
 *                       metrics_note_*()), rendering, the table listing
 *   metrics-families.c  the one table of metric families: name, type,
 *                       labels, help, where the value comes from, and the
 *                       code that writes its samples
 *   metrics-text.c      the two text formats (no daemon state)
 *   metrics-textfile.c  the node_exporter textfile, written only after a
 *                       change and at most once per MetricsInterval=
 *
 * Counters live in the Manager, not in the configuration, so a reload
 * (SIGHUP, Reload, SetPolicy) never resets them; only a restart does, which
 * kvm_reclaimd_start_time_seconds tells a scraper. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics-text.h"
#include "pressure.h"
#include "reclaim.h"

typedef struct Manager Manager;
typedef struct Metrics Metrics;

/* The round kinds as label values: "pressure", "max-pages", "manual". */
const char *round_kind_to_string(RoundKind k);

int metrics_new(Metrics **ret);
/* Removes the textfile it wrote: numbers from a daemon that stopped must
 * not look current. */
Metrics *metrics_free(Metrics *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Metrics *, metrics_free);

/* What happened, as it happens. */
void metrics_note_config(Manager *m);            /* a configuration was put in force */
void metrics_note_reload_failed(Manager *m);
void metrics_note_pressure(Manager *m, const char *scope, const PsiValues *psi);
void metrics_note_pressure_handled(Manager *m, uint64_t usec); /* PSI wakeup to the end of its round */
/* A round recorded in the history; 'duration_usec' counts for the latency
 * histogram when it was carried out. */
void metrics_note_round(Manager *m, RoundKind kind, const char *scope, bool carried_out, uint64_t duration_usec);
/* Pages a command freed in a round of that kind: cache pages for
 * "caches", page-table pages for the others. */
void metrics_note_reclaimed(Manager *m, RoundKind kind, KvmCommand cmd, uint64_t pages);
/* A VM counted one window after a round: it had given 'given' page-table
 * pages and took 'regrown' of them back. */
void metrics_note_regrowth(Manager *m, uint64_t given, uint64_t regrown);

/* Something exposed may have changed: the textfile follows (no-op
 * without MetricsFile=; metrics-textfile.c). */
void metrics_changed(Manager *m);
/* Follows MetricsFile= and MetricsInterval= of the configuration in
 * force: part of manager_sync_sources() (metrics-textfile.c). */
int metrics_sync(Manager *m);

/* The whole exposition, as one string ('*ret_len' bytes, NUL-terminated). */
int metrics_render(Manager *m, MetricsFormat format, char **ret_text, size_t *ret_len);
/* The table of families, one per line: name, type, labels, source, help,
 * separated by tabs (kvm-reclaimd --list-metrics; the tests read it;
 * metrics-families.c). */
void metrics_list_families(FILE *f);

/* ---- shared by the metrics files ---- */

typedef struct ScopeStats {
        char *scope;                     /* "host" or a cgroup */
        uint64_t events;                 /* pressure events, since start */
        uint64_t last_event_realtime_usec;
        double last_some_avg10, last_full_avg10;
} ScopeStats;

typedef struct RoundCount {
        RoundKind kind;
        char *scope;                     /* "host", a cgroup, or "vm" (a manual round for one VM) */
        uint64_t rounds;
} RoundCount;

struct Metrics {
        uint64_t start_realtime_usec;
        uint64_t config_generation;      /* 1 = the configuration read at start */
        uint64_t config_realtime_usec;
        uint64_t reload_failures;
        uint64_t reclaimed[_KVM_CMD_MAX][_ROUND_KIND_MAX]; /* pages, by command and kind */
        uint64_t regrowth_given, regrowth_regrown; /* over the VMs counted a window after */
        Histogram round_duration[_ROUND_KIND_MAX];
        Histogram pressure_response;
        ScopeStats *scopes;              /* in the order first seen */
        size_t n_scopes;
        RoundCount *rounds;
        size_t n_rounds;

        /* The textfile (metrics-textfile.c). */
        char *textfile;                  /* the path in force; NULL = off */
        uint64_t textfile_interval_usec;
        struct sd_event_source *textfile_timer; /* armed only while a change waits to be written */
        uint64_t textfile_last_write_usec; /* CLOCK_MONOTONIC */
        uint64_t textfile_hash;          /* of what was last written */
        bool textfile_written;
        bool textfile_failed;            /* the last write failed (said once) */
        uint64_t textfile_writes;
};

/* Round duration histogram bounds (µs), shared by the table and the tests. */
extern const uint64_t metrics_duration_bounds[];
extern const size_t metrics_duration_bounds_n;

/* metrics-families.c: every family of the table, in table order. */
void metrics_write_families(MetricsWriter *w, const Manager *m);

/* metrics-textfile.c: the timer off, the file removed. */
void metrics_textfile_done(Metrics *s);
