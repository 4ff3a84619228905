/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * reclaimctl-json.h - kvm-reclaimctl's JSON output, built on json-c: a
 * writer that takes one value per call (objects and arrays nest) and
 * prints each top-level value, once complete, in the format --json= asks
 * for (short: one line; pretty: indented), followed by a newline.
 *
 * Field names: one name per concept in every JSON the tool prints, from
 * the table below (docs/DBUS.md uses the same words).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum JsonFormat {
        JSON_OFF = 0,
        JSON_SHORT,
        JSON_PRETTY,
} JsonFormat;

/* What --json= asked for; the writers print in it (short when off). */
extern JsonFormat json_output_format;

/* "pretty", "short", "off"; -EINVAL for anything else. */
int json_format_from_string(const char *s);

#define JSON_FIELD_VM                     "VM"          /* a VM's id, <pid>-<fd> */
#define JSON_FIELD_PID                    "Pid"
#define JSON_FIELD_NAME                   "Name"
#define JSON_FIELD_CGROUP                 "Cgroup"
#define JSON_FIELD_SHADOW_PAGES           "ShadowPages"
#define JSON_FIELD_TDP_PAGES              "TdpPages"
#define JSON_FIELD_PAGETABLE_BYTES        "PageTableBytes" /* the kernel's count; null where it gives none */
#define JSON_FIELD_REGROWN_PAGES          "RegrownPages"
#define JSON_FIELD_BACKOFF_SECONDS        "BackoffSeconds"
#define JSON_FIELD_CACHE_PAGES            "CachePages"
#define JSON_FIELD_RECLAIMED_CACHE_PAGES  "ReclaimedCachePages"
#define JSON_FIELD_RECLAIMED_SHADOW_PAGES "ReclaimedShadowPages"
#define JSON_FIELD_ZAP_PAGES              "ZapPages"
#define JSON_FIELD_POLICY                 "Policy"
#define JSON_FIELD_TIMESTAMP              "Timestamp"   /* µs since the epoch */
#define JSON_FIELD_SCOPE                  "Scope"
#define JSON_FIELD_ACTION                 "Action"
#define JSON_FIELD_PAGES                  "Pages"
#define JSON_FIELD_REASON                 "Reason"
#define JSON_FIELD_TARGET                 "Target"
#define JSON_FIELD_NOTES                  "Notes"
#define JSON_FIELD_WHY                    "Why"

#define JSON_DEPTH_MAX 16

typedef struct JsonWriter {
        FILE *f;
        JsonFormat format;
        unsigned depth;
        struct json_object *stack[JSON_DEPTH_MAX];
        char *key;                      /* set by json_key(), taken by the next value */
} JsonWriter;

/* Prints in the format of --json= (short when it is off). */
void json_init(JsonWriter *j, FILE *f);
void json_begin_object(JsonWriter *j);
void json_end_object(JsonWriter *j);
void json_begin_array(JsonWriter *j);
void json_end_array(JsonWriter *j);
void json_key(JsonWriter *j, const char *key);
void json_str(JsonWriter *j, const char *s);
void json_u64(JsonWriter *j, uint64_t v);
void json_i64(JsonWriter *j, int64_t v);
void json_bool(JsonWriter *j, bool v);
void json_double(JsonWriter *j, double v);
void json_null(JsonWriter *j);
/* A key and its value in one call, for the members of an object. */
void json_pair_str(JsonWriter *j, const char *key, const char *s);
void json_pair_u64(JsonWriter *j, const char *key, uint64_t v);
void json_pair_bool(JsonWriter *j, const char *key, bool v);
void json_pair_double(JsonWriter *j, const char *key, double v);
