/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output on json-c: see reclaimctl-json.h. */

#include <errno.h>
/* json-c names a typedef json_bool, which is our writer's function: its
 * headers see it renamed. */
#define json_bool json_c_bool
#include <json-c/json.h>
#undef json_bool
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimctl-json.h"

JsonFormat json_output_format = JSON_SHORT;

int json_format_from_string(const char *s) {
        if (strcmp(s, "short") == 0)
                return JSON_SHORT;
        if (strcmp(s, "pretty") == 0)
                return JSON_PRETTY;
        if (strcmp(s, "off") == 0)
                return JSON_OFF;
        return -EINVAL;
}

void json_init(JsonWriter *j, FILE *f) {
        *j = (JsonWriter) { .f = f, .format = json_output_format == JSON_PRETTY ? JSON_PRETTY : JSON_SHORT };
}

static void print_value(JsonWriter *j, struct json_object *v) {
        /* Paths stay readable: no "\/" for every slash. */
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (j->format == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                              : JSON_C_TO_STRING_PLAIN);

        fputs(json_object_to_json_string_ext(v, flags), j->f);
        fputc('\n', j->f);
}

/* Places a new value: into the open object under the pending key, into
 * the open array, or, at the top, prints it. */
static void add(JsonWriter *j, struct json_object *v) {
        struct json_object *parent = j->depth > 0 ? j->stack[j->depth - 1] : NULL;

        if (!parent) {
                print_value(j, v);
                json_object_put(v);
        } else if (json_object_is_type(parent, json_type_object)) {
                json_object_object_add(parent, j->key ?: "", v);
        } else
                json_object_array_add(parent, v);
        free(j->key);
        j->key = NULL;
}

static void push(JsonWriter *j, struct json_object *v) {
        if (j->depth >= JSON_DEPTH_MAX) {
                json_object_put(v);
                return;
        }
        /* Attached to its parent now, printed when it is closed at the top. */
        if (j->depth > 0)
                add(j, json_object_get(v));
        else {
                free(j->key);
                j->key = NULL;
        }
        j->stack[j->depth++] = v;
}

static void pop(JsonWriter *j) {
        struct json_object *v;

        if (j->depth == 0)
                return;
        v = j->stack[--j->depth];
        if (j->depth == 0)
                print_value(j, v);
        json_object_put(v);
}

void json_begin_object(JsonWriter *j) {
        push(j, json_object_new_object());
}

void json_end_object(JsonWriter *j) {
        pop(j);
}

void json_begin_array(JsonWriter *j) {
        push(j, json_object_new_array());
}

void json_end_array(JsonWriter *j) {
        pop(j);
}

void json_key(JsonWriter *j, const char *key) {
        free(j->key);
        j->key = strdup(key);
}

void json_str(JsonWriter *j, const char *s) {
        add(j, json_object_new_string(s ?: ""));
}

void json_u64(JsonWriter *j, uint64_t v) {
        add(j, json_object_new_uint64(v));
}

void json_i64(JsonWriter *j, int64_t v) {
        add(j, json_object_new_int64(v));
}

void json_bool(JsonWriter *j, bool v) {
        add(j, json_object_new_boolean(v));
}

void json_double(JsonWriter *j, double v) {
        char buf[32];

        /* JSON has no NaN or infinity. */
        if (!isfinite(v)) {
                add(j, NULL);
                return;
        }
        /* The shortest form that reads back as the same double; json-c
         * would print 0.1 as 0.10000000000000001. */
        for (int prec = 6; prec <= 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*g", prec, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        add(j, json_object_new_double_s(v, buf));
}

void json_null(JsonWriter *j) {
        add(j, NULL);
}

void json_pair_str(JsonWriter *j, const char *key, const char *s) {
        json_key(j, key);
        json_str(j, s);
}

void json_pair_u64(JsonWriter *j, const char *key, uint64_t v) {
        json_key(j, key);
        json_u64(j, v);
}

void json_pair_bool(JsonWriter *j, const char *key, bool v) {
        json_key(j, key);
        json_bool(j, v);
}

void json_pair_double(JsonWriter *j, const char *key, double v) {
        json_key(j, key);
        json_double(j, v);
}
