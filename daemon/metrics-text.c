/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus text 0.0.4 and OpenMetrics 1.0 exposition (see metrics-text.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "metrics-text.h"

int metrics_format_from_string(const char *s) {
        if (!s || !*s || strcmp(s, "prometheus") == 0)
                return METRICS_PROMETHEUS;
        if (strcmp(s, "openmetrics") == 0)
                return METRICS_OPENMETRICS;
        return -EINVAL;
}

const char *metrics_format_content_type(MetricsFormat f) {
        return f == METRICS_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                        : "text/plain; version=0.0.4; charset=utf-8";
}

const char *metric_type_to_string(MetricType t) {
        switch (t) {
        case METRIC_COUNTER:
                return "counter";
        case METRIC_HISTOGRAM:
                return "histogram";
        case METRIC_INFO:
                return "info";
        default:
                return "gauge";
        }
}

void metrics_writer_init(MetricsWriter *w, FILE *f, MetricsFormat format) {
        *w = (MetricsWriter) { .f = f, .format = format };
}

/* HELP text: backslash and newline escaped (both formats). */
static void put_help(FILE *f, const char *s) {
        for (; *s; s++)
                if (*s == '\\')
                        fputs("\\\\", f);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
}

/* Label values: backslash, double quote and newline escaped. */
static void put_label_value(FILE *f, const char *s) {
        for (; s && *s; s++)
                if (*s == '\\')
                        fputs("\\\\", f);
                else if (*s == '"')
                        fputs("\\\"", f);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);
        return n > k && strcmp(s + n - k, suffix) == 0;
}

void metrics_family(MetricsWriter *w, const char *name, MetricType type, const char *help) {
        int len = (int) strlen(name);
        const char *type_name = metric_type_to_string(type);

        w->family = name;
        if (w->format == METRICS_OPENMETRICS) {
                /* The family is named without the suffix its samples carry. */
                if (type == METRIC_COUNTER && ends_with(name, "_total"))
                        len -= 6;
                else if (type == METRIC_INFO && ends_with(name, "_info"))
                        len -= 5;
        } else if (type == METRIC_INFO)
                type_name = "gauge";     /* 0.0.4 has no info type */
        fprintf(w->f, "# HELP %.*s ", len, name);
        put_help(w->f, help);
        fprintf(w->f, "\n# TYPE %.*s %s\n", len, name, type_name);
}

static void put_name_labels(MetricsWriter *w, const char *suffix, const MetricLabel *labels,
                            const MetricLabel *extra) {
        bool any = false;

        fputs(w->family, w->f);
        fputs(suffix ?: "", w->f);
        for (const MetricLabel *l = labels; l && l->name; l++) {
                fprintf(w->f, "%s%s=\"", any ? "," : "{", l->name);
                put_label_value(w->f, l->value);
                fputc('"', w->f);
                any = true;
        }
        if (extra) {
                fprintf(w->f, "%s%s=\"", any ? "," : "{", extra->name);
                put_label_value(w->f, extra->value);
                fputc('"', w->f);
                any = true;
        }
        if (any)
                fputc('}', w->f);
}

void metrics_sample_u64(MetricsWriter *w, const char *suffix, const MetricLabel *labels, const MetricLabel *extra,
                        uint64_t value) {
        put_name_labels(w, suffix, labels, extra);
        fprintf(w->f, " %" PRIu64 "\n", value);
}

void metrics_sample_double(MetricsWriter *w, const char *suffix, const MetricLabel *labels,
                           const MetricLabel *extra, double value) {
        put_name_labels(w, suffix, labels, extra);
        if (isnan(value))
                fputs(" NaN\n", w->f);
        else if (isinf(value))
                fputs(value > 0 ? " +Inf\n" : " -Inf\n", w->f);
        else
                fprintf(w->f, " %.17g\n", value);
}

void metrics_end(MetricsWriter *w) {
        if (w->format == METRICS_OPENMETRICS)
                fputs("# EOF\n", w->f);
}

char *metrics_format_seconds(char *buf, size_t size, uint64_t usec) {
        char frac[8];
        size_t n;

        snprintf(frac, sizeof(frac), "%06" PRIu64, usec % 1000000);
        for (n = 6; n > 1 && frac[n - 1] == '0'; n--)
                ;
        frac[n] = 0;
        snprintf(buf, size, "%" PRIu64 ".%s", usec / 1000000, frac);
        return buf;
}

void histogram_observe(Histogram *h, const uint64_t *bounds_usec, size_t n_bounds, uint64_t usec) {
        size_t i = 0;

        while (i < n_bounds && usec > bounds_usec[i])
                i++;
        h->bucket[i]++;
        h->count++;
        h->sum_usec += usec;
}

void metrics_histogram(MetricsWriter *w, const MetricLabel *labels, const Histogram *h, const uint64_t *bounds_usec,
                       size_t n_bounds) {
        uint64_t cumulative = 0;
        char le[32];

        for (size_t i = 0; i <= n_bounds; i++) {
                cumulative += h->bucket[i];
                if (i < n_bounds)
                        metrics_format_seconds(le, sizeof(le), bounds_usec[i]);
                else
                        snprintf(le, sizeof(le), "+Inf");
                metrics_sample_u64(w, "_bucket", labels, &(MetricLabel) { "le", le }, cumulative);
        }
        metrics_format_seconds(le, sizeof(le), h->sum_usec);
        put_name_labels(w, "_sum", labels, NULL);
        fprintf(w->f, " %s\n", le);
        metrics_sample_u64(w, "_count", labels, NULL, h->count);
}
