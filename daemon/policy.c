/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "policy.h"
#include "util.h"

void policy_init_defaults(Policy *p) {
        *p = (Policy) {
                .weight = POLICY_WEIGHT_DEFAULT,
                .action = RECLAIM_CACHES_ZAP,
        };
}

void policy_done(Policy *p) {
        if (!p)
                return;
        free(p->cgroup);
        free(p->source);
        p->cgroup = p->source = NULL;
}

int policy_copy(Policy *dst, const Policy *src) {
        *dst = *src;
        dst->cgroup = strdup_or_null(src->cgroup);
        dst->source = strdup_or_null(src->source);
        if ((src->cgroup && !dst->cgroup) || (src->source && !dst->source)) {
                policy_done(dst);
                return -ENOMEM;
        }
        return 0;
}

const char *reclaim_action_to_string(ReclaimAction a) {
        switch (a) {
        case RECLAIM_CACHES:     return "caches";
        case RECLAIM_ZAP:        return "zap";
        case RECLAIM_CACHES_ZAP: return "caches+zap";
        }
        return "invalid";
}

int reclaim_action_from_string(const char *s, ReclaimAction *ret) {
        static const ReclaimAction all[] = { RECLAIM_CACHES, RECLAIM_ZAP, RECLAIM_CACHES_ZAP };

        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                if (streq_ptr(s, reclaim_action_to_string(all[i]))) {
                        *ret = all[i];
                        return 0;
                }
        return -EINVAL;
}

const Policy *policy_builtin_default(void) {
        static const Policy builtin = {
                .cgroup = (char *) "/",
                .weight = POLICY_WEIGHT_DEFAULT,
                .action = RECLAIM_CACHES_ZAP,
                .source = (char *) "builtin",
        };
        return &builtin;
}

const Policy *policy_lookup(const Policy *policies, size_t n, const char *cgroup) {
        const Policy *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < n; i++) {
                const Policy *p = &policies[i];
                size_t len = strlen(p->cgroup);

                if (cgroup ? !cgroup_path_startswith(cgroup, p->cgroup) : strcmp(p->cgroup, "/") != 0)
                        continue;
                if (!best || len > best_len) {
                        best = p;
                        best_len = len;
                }
        }
        return best ?: policy_builtin_default();
}
