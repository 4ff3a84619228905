/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The text exposition formats of metrics, written to a FILE:
 *
 *   METRICS_PROMETHEUS   Prometheus text format 0.0.4, what node_exporter's
 *                        textfile collector reads and every scraper takes
 *   METRICS_OPENMETRICS  OpenMetrics 1.0 text (application/openmetrics-text)
 *
 * The two differ in how counters and info metrics are named in the
 * metadata lines (OpenMetrics names the family without the _total/_info
 * suffix its samples carry) and in the closing "# EOF".  Families are
 * named as their samples are: counters end in _total, info metrics in
 * _info, histograms carry _bucket, _sum and _count samples.
 *
 * No I/O but the FILE, no state but the writer: the unit tests feed its
 * output to the reference parsers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum MetricsFormat {
        METRICS_PROMETHEUS,
        METRICS_OPENMETRICS,
        _METRICS_FORMAT_MAX,
} MetricsFormat;

/* "prometheus" (or "") and "openmetrics"; -EINVAL for anything else. */
int metrics_format_from_string(const char *s);
/* The HTTP Content-Type of each format. */
const char *metrics_format_content_type(MetricsFormat f);

typedef enum MetricType {
        METRIC_GAUGE,
        METRIC_COUNTER,                  /* name ends in _total */
        METRIC_HISTOGRAM,
        METRIC_INFO,                     /* name ends in _info; value 1, the labels say it all */
} MetricType;

const char *metric_type_to_string(MetricType t);

/* Label sets are arrays ended by { NULL }. */
typedef struct MetricLabel {
        const char *name;
        const char *value;
} MetricLabel;

typedef struct MetricsWriter {
        FILE *f;
        MetricsFormat format;
        const char *family;              /* the one being written */
} MetricsWriter;

void metrics_writer_init(MetricsWriter *w, FILE *f, MetricsFormat format);
/* Starts a family: its HELP and TYPE lines. */
void metrics_family(MetricsWriter *w, const char *name, MetricType type, const char *help);
/* One sample of the current family: 'suffix' ("" or "_bucket", ...) is
 * appended to its name; 'extra' is one more label after 'labels' (le=),
 * or NULL. */
void metrics_sample_u64(MetricsWriter *w, const char *suffix, const MetricLabel *labels, const MetricLabel *extra,
                        uint64_t value);
void metrics_sample_double(MetricsWriter *w, const char *suffix, const MetricLabel *labels,
                           const MetricLabel *extra, double value);
/* "# EOF" in OpenMetrics; nothing in Prometheus text. */
void metrics_end(MetricsWriter *w);

/* Seconds from microseconds, exactly, as a float literal: "0.0005", "2.5", "10.0". */
char *metrics_format_seconds(char *buf, size_t size, uint64_t usec);

/* A histogram of durations over fixed bounds (µs, ascending); the last
 * bucket is +Inf. */
#define HISTOGRAM_BOUNDS_MAX 16
typedef struct Histogram {
        uint64_t bucket[HISTOGRAM_BOUNDS_MAX + 1]; /* by bound, not cumulative; [n_bounds] = above all */
        uint64_t count;
        uint64_t sum_usec;
} Histogram;

void histogram_observe(Histogram *h, const uint64_t *bounds_usec, size_t n_bounds, uint64_t usec);
/* Its _bucket (cumulative, le= in seconds), _sum (seconds) and _count
 * samples, for the current family. */
void metrics_histogram(MetricsWriter *w, const MetricLabel *labels, const Histogram *h, const uint64_t *bounds_usec,
                       size_t n_bounds);
