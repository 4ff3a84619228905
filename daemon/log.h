/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <syslog.h>

/* Messages go to stderr with sd-daemon "<N>" priority prefixes, so that
 * journald files them at the right level when we run as a service. */
void log_set_max_level(int level);
int log_get_max_level(void);
int log_parse_level(const char *s);

/* Returns -abs(error) so callers can write "return log_error_errno(r, ...)". */
int log_internal(int level, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_full_errno(level, error, ...) log_internal(level, error, __VA_ARGS__)
#define log_debug(...)   (void) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    (void) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  (void) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   (void) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_internal(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal(LOG_ERR, e, __VA_ARGS__)
