/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The exposition formats: each test's name is the rule, the expected text
 * is written out in full.  (The reference parsers read the daemon's real
 * output in tests/integration/test-daemon-metrics.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics-text.h"
#include "util.h"

/* Runs 'write' on a writer of 'format' and returns what it wrote. */
static char *render(MetricsFormat format, void (*write)(MetricsWriter *w)) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        MetricsWriter w;

        assert_non_null(f);
        metrics_writer_init(&w, f, format);
        write(&w);
        metrics_end(&w);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void write_counter(MetricsWriter *w) {
        metrics_family(w, "x_pages_total", METRIC_COUNTER, "Pages.");
        metrics_sample_u64(w, "", (MetricLabel[]) { { "action", "zap" }, {} }, NULL, 7);
}

static void test_counters_keep_total_on_samples_and_lose_it_in_openmetrics_metadata(void **state) {
        _cleanup_free_ char *prom = render(METRICS_PROMETHEUS, write_counter);
        _cleanup_free_ char *om = render(METRICS_OPENMETRICS, write_counter);

        assert_string_equal(prom, "# HELP x_pages_total Pages.\n"
                                  "# TYPE x_pages_total counter\n"
                                  "x_pages_total{action=\"zap\"} 7\n");
        assert_string_equal(om, "# HELP x_pages Pages.\n"
                                "# TYPE x_pages counter\n"
                                "x_pages_total{action=\"zap\"} 7\n"
                                "# EOF\n");
}

static void write_info(MetricsWriter *w) {
        metrics_family(w, "x_build_info", METRIC_INFO, "Version.");
        metrics_sample_u64(w, "", (MetricLabel[]) { { "version", "1.0" }, {} }, NULL, 1);
}

static void test_info_is_a_gauge_in_prometheus_text_and_info_in_openmetrics(void **state) {
        _cleanup_free_ char *prom = render(METRICS_PROMETHEUS, write_info);
        _cleanup_free_ char *om = render(METRICS_OPENMETRICS, write_info);

        assert_string_equal(prom, "# HELP x_build_info Version.\n"
                                  "# TYPE x_build_info gauge\n"
                                  "x_build_info{version=\"1.0\"} 1\n");
        assert_string_equal(om, "# HELP x_build Version.\n"
                                "# TYPE x_build info\n"
                                "x_build_info{version=\"1.0\"} 1\n"
                                "# EOF\n");
}

static void write_escapes(MetricsWriter *w) {
        metrics_family(w, "x", METRIC_GAUGE, "A \\ and a\nnewline.");
        metrics_sample_u64(w, "", (MetricLabel[]) { { "name", "we\"b\\2\nx" }, { "cgroup", "/a\\x2db" }, {} }, NULL,
                           1);
}

static void test_label_values_escape_backslash_quote_and_newline(void **state) {
        _cleanup_free_ char *prom = render(METRICS_PROMETHEUS, write_escapes);

        assert_string_equal(prom, "# HELP x A \\\\ and a\\nnewline.\n"
                                  "# TYPE x gauge\n"
                                  "x{name=\"we\\\"b\\\\2\\nx\",cgroup=\"/a\\\\x2db\"} 1\n");
}

static const uint64_t bounds[] = { 1000, 500000 }; /* 1 ms, 0.5 s */

static void write_histogram(MetricsWriter *w) {
        Histogram h = {};

        histogram_observe(&h, bounds, ELEMENTSOF(bounds), 1000);    /* on the bound: counts in le="0.001" */
        histogram_observe(&h, bounds, ELEMENTSOF(bounds), 2500);
        histogram_observe(&h, bounds, ELEMENTSOF(bounds), 7000000); /* above all: +Inf only */
        metrics_family(w, "x_seconds", METRIC_HISTOGRAM, "Time.");
        metrics_histogram(w, (MetricLabel[]) { { "reason", "manual" }, {} }, &h, bounds, ELEMENTSOF(bounds));
}

static void test_histogram_buckets_are_cumulative_with_inf_and_exact_sum(void **state) {
        _cleanup_free_ char *prom = render(METRICS_PROMETHEUS, write_histogram);

        /* sum: 0.001 + 0.0025 + 7 = 7.0035 s, printed from µs without rounding */
        assert_string_equal(prom, "# HELP x_seconds Time.\n"
                                  "# TYPE x_seconds histogram\n"
                                  "x_seconds_bucket{reason=\"manual\",le=\"0.001\"} 1\n"
                                  "x_seconds_bucket{reason=\"manual\",le=\"0.5\"} 2\n"
                                  "x_seconds_bucket{reason=\"manual\",le=\"+Inf\"} 3\n"
                                  "x_seconds_sum{reason=\"manual\"} 7.0035\n"
                                  "x_seconds_count{reason=\"manual\"} 3\n");
}

static void test_seconds_are_exact_float_literals(void **state) {
        char buf[32];

        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), 0), "0.0");
        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), 1), "0.000001");
        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), 500), "0.0005");
        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), 2500000), "2.5");
        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), 10000000), "10.0");
        assert_string_equal(metrics_format_seconds(buf, sizeof(buf), UINT64_MAX), "18446744073709.551615");
}

static void test_format_names_parse_and_nothing_else_does(void **state) {
        assert_int_equal(metrics_format_from_string(""), METRICS_PROMETHEUS);
        assert_int_equal(metrics_format_from_string("prometheus"), METRICS_PROMETHEUS);
        assert_int_equal(metrics_format_from_string("openmetrics"), METRICS_OPENMETRICS);
        assert_true(metrics_format_from_string("OpenMetrics") < 0);
        assert_true(metrics_format_from_string("json") < 0);
        assert_string_equal(metrics_format_content_type(METRICS_OPENMETRICS),
                            "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assert_string_equal(metrics_format_content_type(METRICS_PROMETHEUS),
                            "text/plain; version=0.0.4; charset=utf-8");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_counters_keep_total_on_samples_and_lose_it_in_openmetrics_metadata),
                cmocka_unit_test(test_info_is_a_gauge_in_prometheus_text_and_info_in_openmetrics),
                cmocka_unit_test(test_label_values_escape_backslash_quote_and_newline),
                cmocka_unit_test(test_histogram_buckets_are_cumulative_with_inf_and_exact_sum),
                cmocka_unit_test(test_seconds_are_exact_float_literals),
                cmocka_unit_test(test_format_names_parse_and_nothing_else_does),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
