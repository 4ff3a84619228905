/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

#define CONF_STEP_PAGES_MAX (1ULL << 24)
#define CONF_WINDOW_MIN_USEC (500 * 1000ULL)
#define CONF_WINDOW_MAX_USEC (10 * 1000 * 1000ULL)

typedef struct DaemonSettings {
        char *debugfs_dir;               /* <debugfs>/kvm */
        char *cgroup_root;               /* cgroup2 mount; NULL = detect */
        uint64_t system_threshold_usec;  /* "some" stall per window, host */
        uint64_t window_usec;            /* PSI window asked for */
        uint64_t step_pages;             /* most pages one event reclaims */
        uint64_t refresh_usec;           /* recount period, only with MaxPages= */
        bool disable_kernel_shrinker;
} DaemonSettings;

typedef struct Config {
        DaemonSettings daemon;
        Policy *policies;                /* sorted by cgroup path */
        size_t n_policies;
} Config;

/* Reads 'main_file' (may be missing), then every *.conf in 'dropin_dirs'
 * (NULL-terminated; missing dirs are fine) in file name order across all
 * dirs, a later file's keys overriding earlier ones.  On any error nothing
 * is returned, and *ret_error (if non-NULL) gets "file:line: what".  */
int config_load(const char *main_file, char *const *dropin_dirs, Config **ret, char **ret_error);
/* Parses one file's text into 'c' (tests and D-Bus validation). */
int config_parse_file(Config *c, const char *path, char **ret_error);
int config_validate(const Config *c, char **ret_error);
Config *config_new_defaults(void);
Config *config_free(Config *c);
void config_dump(const Config *c, FILE *f);

/* Policy lookup against this config. */
const Policy *config_policy_for(const Config *c, const char *cgroup);
Policy *config_find_policy(const Config *c, const char *cgroup);
/* Whether some policy needs periodic recounting (MaxPages=). */
bool config_has_caps(const Config *c);

/* A policy drop-in as written by SetPolicy: only the keys it was given,
 * so every other key still comes from the files before it. */
typedef struct DropinKeys {
        char **keys;
        char **values;
        size_t n;
} DropinKeys;

/* Sets or replaces one key. */
int dropin_keys_set(DropinKeys *d, const char *key, const char *value);
void dropin_keys_done(DropinKeys *d);
/* Reads the Key=Value lines of 'path' (a file dropin_text() wrote);
 * a missing file gives no keys and returns 0. */
int dropin_keys_read(const char *path, DropinKeys *ret);
char *dropin_text(const char *cgroup, const DropinKeys *d);
/* Sets one policy key from its config-file spelling.  Used by the parser
 * and by SetPolicy, so both accept and reject exactly the same. */
int policy_set_key(Policy *p, const char *key, const char *value, char **ret_error);
int policy_validate(const Policy *p, const DaemonSettings *d, char **ret_error);
