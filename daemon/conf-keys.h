/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one table of configuration keys.  The config parser, --check-config,
 * SetPolicy/GetPolicy/ListPolicies, kvm-reclaimctl's "policy" verbs and
 * tests/unit/test-conf-keys.c (which checks kvm-reclaimd.conf(5), the
 * shell completion and the ctl against it) all iterate config_keys[], so a
 * new key is one row here (plus its field in Policy or DaemonSettings). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

typedef struct DaemonSettings {
        char *debugfs_dir;               /* <debugfs>/kvm */
        char *cgroup_root;               /* cgroup2 mount; NULL = detect */
        uint64_t system_threshold_usec;  /* "some" stall per window, host */
        uint64_t window_usec;            /* PSI window asked for */
        uint64_t step_pages;             /* most pages one event reclaims */
        uint64_t refresh_usec;           /* recount period, only with MaxPages= */
        bool disable_kernel_shrinker;
        char *metrics_file;              /* node_exporter textfile; NULL = none */
        uint64_t metrics_interval_usec;  /* least time between two writes of it */
} DaemonSettings;

typedef enum DaemonField {
        DAEMON_DEBUGFS_DIR,
        DAEMON_CGROUP_ROOT,
        DAEMON_WINDOW,                   /* before the thresholds: they are checked against it */
        DAEMON_SYSTEM_THRESHOLD,
        DAEMON_STEP_PAGES,
        DAEMON_REFRESH,
        DAEMON_DISABLE_SHRINKER,
        DAEMON_METRICS_FILE,
        DAEMON_METRICS_INTERVAL,
        _DAEMON_FIELD_MAX,
} DaemonField;

typedef enum ConfigSectionKind {
        CONFIG_SECTION_DAEMON,
        CONFIG_SECTION_POLICY,
} ConfigSectionKind;

typedef enum ConfigType {
        CONFIG_TYPE_UINT32,              /* a decimal number in [min, max]; D-Bus 'u' */
        CONFIG_TYPE_PAGES,               /* a number of 4 KiB pages; 't' */
        CONFIG_TYPE_BYTES,               /* bytes with K, M, G... kept as pages; 't' in bytes */
        CONFIG_TYPE_BOOL,                /* yes/no...; 'b' */
        CONFIG_TYPE_ACTION,              /* caches, zap, caches+zap; 's' */
        CONFIG_TYPE_TIMESPAN,            /* systemd.time(7); 't' in µs */
        CONFIG_TYPE_PSI,                 /* a stall per PressureWindow=, or N% of it; 't' in µs */
        CONFIG_TYPE_PATH,                /* an absolute path; 's' */
} ConfigType;

enum {
        CONFIG_KEY_ALIAS         = 1 << 0, /* another spelling of its field: never printed or sent */
        CONFIG_KEY_NOT_INHERITED = 1 << 1, /* a section without it gets the default, not an ancestor's */
        CONFIG_KEY_CGROUP_ONLY   = 1 << 2, /* only in [Policy /cgroup] sections */
        CONFIG_KEY_ROUND_UP      = 1 << 3, /* bytes to pages: up (else down) */
        CONFIG_KEY_INFINITY      = 1 << 4, /* "infinity" means 0, "no limit" */
        CONFIG_KEY_DETECTED      = 1 << 5, /* a path that is detected at start when not set */
};

typedef struct ConfigKey {
        const char *name;
        ConfigSectionKind section;
        unsigned field;                  /* PolicyField or DaemonField */
        ConfigType type;
        size_t offset, size;             /* of the field in Policy or DaemonSettings */
        uint64_t min, max;               /* range of the stored value (pages, µs, ...) */
        const char *default_value;       /* as written in a file; NULL: aliases, and no default */
        unsigned flags;
} ConfigKey;

extern const ConfigKey config_keys[];
extern const size_t config_keys_n;

/* Lookup by name in one kind of section; NULL if unknown. */
const ConfigKey *config_key_find(ConfigSectionKind section, const char *name);
/* The row (not an alias) that prints and sends 'field'. */
const ConfigKey *config_key_for_field(ConfigSectionKind section, unsigned field);
/* "Weight, MinPages, ..." for messages: the keys of a section, aliases included. */
const char *config_key_names(ConfigSectionKind section);

/* What parsing a value may check against. */
typedef struct ConfigContext {
        uint64_t window_usec;            /* PressureWindow= in force; 0 = not known yet */
} ConfigContext;

/* Parses 'text' (a file's spelling) for 'k' into 'base' (a Policy or a
 * DaemonSettings) at k->offset.  Without a context only what does not
 * depend on other keys is checked.  -EINVAL/-ERANGE with a message that
 * names the key, the value and the reason in *ret_error. */
int config_key_parse(const ConfigKey *k, const char *text, const ConfigContext *ctx, void *base, char **ret_error);
/* The file spelling of the value in 'base', which config_key_parse() reads
 * back to the same value.  Returns buf. */
char *config_key_format(const ConfigKey *k, const void *base, char *buf, size_t size);

/* The D-Bus type of values of 'k' ('u', 't', 'b' or 's'). */
char config_key_bus_type(const ConfigKey *k);
/* A native D-Bus value of 'k' in the file's spelling (a number of
 * microseconds gets "us", a boolean "yes"/"no"); strings are taken as they
 * are.  'value' points to a uint32_t ('u'), uint64_t ('t'), int ('b') or
 * const char * ('s'). */
char *config_key_bus_to_text(const ConfigKey *k, const void *value, char *buf, size_t size);
/* The value in 'base' as its D-Bus type: returns the number (u, t, b) and,
 * for 's', stores the string in *ret_string. */
uint64_t config_key_bus_value(const ConfigKey *k, const void *base, const char **ret_string);

/* What values of 'k' look like, for people: "1..10000", "a size in bytes
 * (K, M, G, ...)", ... */
char *config_key_syntax(const ConfigKey *k, char *buf, size_t size);

/* Fills 'base' with the defaults of every key of 'section'. */
int config_keys_set_defaults(ConfigSectionKind section, void *base);
