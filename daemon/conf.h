/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* kvm-reclaimd.conf(5): reading the main file and the drop-ins with the
 * one INI reader (ini.c), the keys of conf-keys.c, and turning sections
 * into effective policies:
 *   - a section sets only the keys it names; every other key comes from
 *     the nearest ancestor section that sets it, else the default
 *     (PressureThreshold= is not inherited: an ancestor's trigger already
 *     covers the cgroups below it);
 *   - vm:/uuid: sections are laid over the policy of each VM's cgroup,
 *     the one with the higher precedence last (policy_vm_precedence());
 *   - every value remembers the Key=Value line it came from. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf-keys.h"
#include "dropin.h"
#include "policy.h"

/* One Key=Value line in force. */
typedef struct ConfigSetting {
        const ConfigKey *key;            /* as spelled: MinMemory= sets the MinPages field */
        char *value;                     /* as written */
        const char *file;                /* one of Config.files */
        unsigned line;
        const char *section;             /* the selector of its section; "Daemon" for [Daemon] */
} ConfigSetting;

/* A [Policy SELECTOR] section, merged over every file that names it. */
typedef struct ConfigSection {
        char *selector;                  /* canonical (policy_selector_parse()) */
        PolicyMatch match;
        ConfigSetting *set[_POLICY_FIELD_MAX];  /* NULL: not set here */
        const char *file;                /* where it was first named */
        unsigned line;
        const char *source;              /* the last file that named it */
        Policy own;                      /* parsed values of the keys set here */
} ConfigSection;

typedef struct Config {
        DaemonSettings daemon;
        ConfigSetting *daemon_set[_DAEMON_FIELD_MAX];

        Policy *policies;                /* cgroup policies, effective, sorted by path */
        size_t n_policies;
        Policy *vm_policies;             /* vm:/uuid: sections, own keys only, lowest precedence first */
        size_t n_vm_policies;

        ConfigSection **sections;        /* in the order they were first named */
        size_t n_sections;
        void *section_index;             /* tsearch(3) root, by selector */
        char **files;                    /* every file read, in reading order */
        size_t n_files;
        const char *main_file;           /* files[0] when the main file was read, else NULL */
        size_t n_dropin_dirs;
        char **warnings;                 /* "FILE:LINE: ..." that do not stop a load */
        size_t n_warnings;
} Config;

/* Replaces (text) or removes (text == NULL) one file while loading: how
 * SetPolicy and RemovePolicy check a change before it reaches the disk,
 * and PlanReclaim previews one.  config_load_overlay() takes an array
 * ended by an entry whose path is NULL. */
typedef struct ConfigOverlay {
        const char *path;
        const char *text;
} ConfigOverlay;

/* Reads 'main_file', then every *.conf in 'dropin_dirs' (NULL-terminated;
 * missing dirs are fine) in file name order across all dirs, a later
 * file's keys overriding earlier ones; for the same name, the later dir's
 * file is read later.  The main file may be missing only at its built-in
 * path (KVM_RECLAIMD_CONF_FILE); NULL reads none.  On any error nothing is
 * returned, and *ret_error (if non-NULL) gets "file:line: what". */
int config_load(const char *main_file, char *const *dropin_dirs, Config **ret, char **ret_error);
int config_load_overlay(const char *main_file, char *const *dropin_dirs, const ConfigOverlay *overlays,
                        Config **ret, char **ret_error);

/* The pieces of config_load(), for checking one file's text on its own. */
Config *config_new(void);
int config_parse_text(Config *c, const char *path, const char *text, size_t size, char **ret_error);
int config_resolve(Config *c, char **ret_error);

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

/* The effective policy of a cgroup: its nearest ancestor's. */
const Policy *config_policy_for(const Config *c, const char *cgroup);
/* The effective policy of a VM: its cgroup's, with the vm:/uuid: sections
 * that select it laid over.  Returns the cgroup's policy, or 'buf' filled
 * with the layered one. */
const Policy *config_policy_for_vm(const Config *c, const char *cgroup, const char *name, const char *uuid,
                                   Policy *buf);
/* 'vm' (one of vm_policies) laid over the policy of 'cgroup'. */
void config_layer_vm_policy(const Config *c, const Policy *vm, const char *cgroup, Policy *ret);
/* The policy of exactly this selector (canonical spelling); NULL if none. */
const Policy *config_find_policy(const Config *c, const char *selector);
/* Whether some policy needs periodic recounting (MaxPages=). */
bool config_has_caps(const Config *c);

/* Where a value comes from, for people: "FILE:LINE", "drop-in FILE:LINE",
 * "inherited from /a (FILE:LINE)" or "default". */
int config_describe_origin(const Config *c, const Policy *p, PolicyField f, char **ret);

/* --check-config: the effective configuration as a file that reads back
 * to the same policies, with each value's origin in a comment above it. */
void config_dump(const Config *c, FILE *f);
/* Loads, prints warnings to stderr and the dump to 'out'; 0 when valid. */
int config_check(const char *main_file, char *const *dropin_dirs, FILE *out);
