/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a VM may be asked to give back. */
typedef enum ReclaimAction {
        RECLAIM_CACHES      = 1 << 0,
        RECLAIM_ZAP         = 1 << 1,
        RECLAIM_CACHES_ZAP  = RECLAIM_CACHES | RECLAIM_ZAP,
} ReclaimAction;

#define POLICY_WEIGHT_MIN     1U
#define POLICY_WEIGHT_MAX     10000U
#define POLICY_WEIGHT_DEFAULT 100U

/* The values a policy holds.  Each has one row (or more, for other
 * spellings) in the key table of conf-keys.c, which says how it is parsed,
 * printed, sent on D-Bus and inherited. */
typedef enum PolicyField {
        POLICY_WEIGHT,
        POLICY_MIN_PAGES,
        POLICY_MAX_PAGES,
        POLICY_PROTECT,
        POLICY_ACTION,
        POLICY_PRESSURE_THRESHOLD,
        _POLICY_FIELD_MAX,
} PolicyField;

/* What a [Policy SELECTOR] section selects. */
typedef enum PolicyMatch {
        POLICY_MATCH_CGROUP,    /* "/a/b": VMs in that cgroup or below */
        POLICY_MATCH_VM_NAME,   /* "vm:GLOB": VMs whose name matches (fnmatch) */
        POLICY_MATCH_VM_UUID,   /* "uuid:UUID": the VM with that UUID */
} PolicyMatch;

typedef struct ConfigSetting ConfigSetting;

/* An effective policy.  Its strings and origins belong to the Config that
 * made it (or are static), so a Policy is a plain value: copy it freely,
 * free nothing, and do not keep it past its Config. */
typedef struct Policy {
        const char *cgroup;              /* its selector: cgroup path ("/" = all), "vm:GLOB" or "uuid:UUID" */
        PolicyMatch match;
        uint32_t weight;                 /* share of what the scope keeps */
        uint64_t min_pages;              /* never zap below this many shadow pages */
        uint64_t max_pages;              /* zap down to this whenever counted; 0 = no cap */
        bool protect;                    /* never touched at all */
        ReclaimAction action;
        uint64_t pressure_threshold_usec;/* per-cgroup PSI trigger; 0 = none */
        const char *source;              /* file that last named this section, or "builtin" */
        bool runtime;                    /* came from /run (set by the D-Bus layer) */
        /* Where each value comes from: the Key=Value line in force, which
         * may be an ancestor's; NULL = the built-in default. */
        const ConfigSetting *origin[_POLICY_FIELD_MAX];
} Policy;

/* Every field at its default (from the key table), selector "/". */
void policy_init_defaults(Policy *p);

const char *reclaim_action_to_string(ReclaimAction a);
int reclaim_action_from_string(const char *s, ReclaimAction *ret);

/* The built-in policy used where no configured policy matches. */
const Policy *policy_builtin_default(void);

/* Checks a section selector and returns its canonical spelling: cgroup
 * paths as given (cgroup_path_is_valid(), no white space at either end),
 * "vm:" with a non-empty name or fnmatch(3) glob, "uuid:" with 32 hex
 * digits (dashes optional) in lowercase 8-4-4-4-12 form.  -EINVAL with a
 * message in *ret_error otherwise. */
int policy_selector_parse(const char *s, PolicyMatch *ret_match, char **ret_canonical, char **ret_error);

/* Whether a vm:/uuid: policy selects the VM with this name and UUID
 * (either may be NULL: unknown). */
bool policy_selects_vm(const Policy *p, const char *name, const char *uuid);
/* Which of two VM policies that both select a VM wins: > 0 when 'a' does.
 * A UUID beats a name, an exact name beats a glob, a glob with more
 * literal characters beats one with fewer; the rest is decided by the
 * selectors' byte order, so the result never depends on file order. */
int policy_vm_precedence(const Policy *a, const Policy *b);

/* Nearest-ancestor lookup among cgroup 'policies' sorted by path
 * (strcmp).  A NULL or unknown cgroup gets the root policy if there is
 * one, else the built-in default. */
const Policy *policy_lookup(const Policy *policies, size_t n, const char *cgroup);

/* Copies one field's value and origin from 'src' to 'dst'. */
void policy_copy_field(Policy *dst, const Policy *src, PolicyField f);
