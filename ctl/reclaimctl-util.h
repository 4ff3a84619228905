/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * reclaimctl-util.h - pure helpers of kvm-reclaimctl: the value parsers for
 * "policy set KEY=VALUE" that the daemon lacks, formatting of page counts
 * and time spans, and the mapping of bus errors to exit codes (the JSON
 * writer is reclaimctl-json.h).  Nothing here talks to the bus, so
 * test-reclaimctl-util.c tests all of it.
 *
 * Numbers and booleans are parsed by the daemon's own parse_u64() and
 * parse_bool() (daemon/util.h, in reclaimd_core), so "policy set" accepts
 * what the config file accepts; so are action names (reclaim_action_from_string()
 * in daemon/policy.c), and time spans (parse_usec()), so "policy set" and the
 * config file accept exactly the same spellings.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf-keys.h"   /* daemon/conf-keys.h: the key table */
#include "kvm-reclaim.h"
#include "reclaimctl-json.h"
#include "util.h"   /* daemon/util.h: parse_u64(), parse_bool(), _cleanup_, freep, TAKE_PTR */

/* Exit codes scripts can trust; documented in kvm-reclaimctl(1). */
enum {
        EXIT_OK          = 0,
        EXIT_GENERIC     = 1,
        EXIT_USAGE       = 2,
        EXIT_UNREACHABLE = 3,   /* daemon not running, name has no owner, bus unreachable */
        EXIT_ACCESS      = 4,   /* AccessDenied */
        EXIT_INVALID     = 5,   /* InvalidArgs from the daemon */
};

#define PAGE_SIZE_BYTES ((uint64_t) KVM_RECLAIM_PAGE_SIZE)

/* Parsers return 0 or a negative errno (-EINVAL bad syntax, -ERANGE overflow)
 * and never write *ret on failure. parse_u32() is the daemon's parse_u64()
 * bounded to 32 bits. */
int parse_u32(const char *s, uint32_t *ret);
/* Time spans: the daemon's parse_usec() (daemon/util.h). */

/* "1500ms" style, the shortest exact form the parser reads back; "0" for 0
 * (daemon/util.c's format_timespan()). */
char *format_timespan_usec(char *buf, size_t len, uint64_t usec);
/* "12345 (48.2 MiB)" */
char *format_pages(char *buf, size_t len, uint64_t pages);
/* Bytes in one short word, 1024-based: "512B", "96K", "19.6M", "2.1G". */
char *format_size_short(char *buf, size_t len, uint64_t bytes);
/* "Tue 2024-05-07 10:00:00 UTC" from realtime µs */
char *format_timestamp_usec(char *buf, size_t len, uint64_t usec);

/* "policy set KEY=VALUE": the key must be a policy key of the daemon's key
 * table and the value parse as its config_key_parse() parses it (what
 * needs the daemon's other settings, such as PressureWindow=, is checked
 * by the daemon).  0, or -EINVAL with the reason in *ret_error. */
int policy_setting_check(const char *key, const char *value, const ConfigKey **ret_key, char **ret_error);

/* One of the actions the daemon knows (caches, zap, caches+zap). */
bool action_is_valid(const char *s);

/* Exit code for a failed bus call: error name first, errno second. */
int exit_code_from_bus_error(const char *error_name, int r);
/* Exit code for a failed connection attempt: 3 (unreachable) for anything
 * but running out of memory. */
int exit_code_from_connect_errno(int r);
