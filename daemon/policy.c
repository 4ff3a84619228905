/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>

#include "conf-keys.h"
#include "policy.h"
#include "util.h"
#include "vm-identity.h"

void policy_init_defaults(Policy *p) {
        *p = (Policy) {
                .cgroup = "/",
                .match = POLICY_MATCH_CGROUP,
                .source = "builtin",
        };
        /* Policy keys have no strings to allocate: this cannot fail. */
        (void) config_keys_set_defaults(CONFIG_SECTION_POLICY, p);
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
        static Policy builtin;
        static bool done;

        if (!done) {
                policy_init_defaults(&builtin);
                done = true;
        }
        return &builtin;
}

static int selector_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int selector_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

static bool has_control_chars(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

int policy_selector_parse(const char *s, PolicyMatch *ret_match, char **ret_canonical, char **ret_error) {
        _cleanup_free_ char *uuid = NULL;
        char *c;

        if (s[0] == '/') {
                if (!cgroup_path_is_valid(s))
                        return selector_error(ret_error, "'%s' is not an absolute cgroup path without '.', '..', "
                                              "'//', a trailing '/' or control characters", s);
                if (strchr(" \t", s[strlen(s) - 1]))
                        return selector_error(ret_error, "cgroup path '%s' ends with white space", s);
                *ret_match = POLICY_MATCH_CGROUP;
                c = strdup(s);
        } else if (strncmp(s, "vm:", 3) == 0) {
                if (s[3] == 0 || has_control_chars(s))
                        return selector_error(ret_error, "'%s': vm: needs a VM name or a glob, without control "
                                              "characters", s);
                if (strchr(" \t", s[3]) || strchr(" \t", s[strlen(s) - 1]))
                        return selector_error(ret_error, "'%s': the VM name starts or ends with white space", s);
                *ret_match = POLICY_MATCH_VM_NAME;
                c = strdup(s);
        } else if (strncmp(s, "uuid:", 5) == 0) {
                if (vm_uuid_canonical(s + 5, &uuid) < 0)
                        return selector_error(ret_error, "'%s': uuid: needs a UUID, 32 hex digits "
                                              "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s);
                *ret_match = POLICY_MATCH_VM_UUID;
                if (asprintf(&c, "uuid:%s", uuid) < 0)
                        c = NULL;
        } else
                return selector_error(ret_error, "'%s' is not an absolute cgroup path (/...), vm:NAME or uuid:UUID", s);
        if (!c)
                return -ENOMEM;
        *ret_canonical = c;
        return 0;
}

bool policy_selects_vm(const Policy *p, const char *name, const char *uuid) {
        switch (p->match) {
        case POLICY_MATCH_VM_NAME:
                return name && fnmatch(p->cgroup + 3, name, 0) == 0;
        case POLICY_MATCH_VM_UUID:
                /* VM UUIDs are canonical when read (vm-identity.c). */
                return streq_ptr(uuid, p->cgroup + 5);
        default:
                return false;
        }
}

static bool is_glob(const char *s) {
        return strpbrk(s, "*?[") != NULL;
}

static size_t literal_chars(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                if (!strchr("*?[]", *s))
                        n++;
        return n;
}

int policy_vm_precedence(const Policy *a, const Policy *b) {
        int ra = a->match == POLICY_MATCH_VM_UUID ? 2 : !is_glob(a->cgroup + 3);
        int rb = b->match == POLICY_MATCH_VM_UUID ? 2 : !is_glob(b->cgroup + 3);
        size_t la, lb;

        if (ra != rb)
                return ra - rb;
        la = literal_chars(a->cgroup);
        lb = literal_chars(b->cgroup);
        if (la != lb)
                return la > lb ? 1 : -1;
        return strcmp(a->cgroup, b->cgroup);
}

static const Policy *find_exact(const Policy *policies, size_t n, const char *path, size_t len) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strncmp(policies[mid].cgroup, path, len);

                if (c == 0 && policies[mid].cgroup[len] != 0)
                        c = 1;
                if (c == 0)
                        return &policies[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

const Policy *policy_lookup(const Policy *policies, size_t n, const char *cgroup) {
        const Policy *p;
        size_t len;

        /* Each ancestor in turn, nearest first: O(depth log n). */
        for (len = cgroup && cgroup[0] == '/' ? strlen(cgroup) : 0; len > 1; ) {
                p = find_exact(policies, n, cgroup, len);
                if (p)
                        return p;
                while (len > 1 && cgroup[len - 1] != '/')
                        len--;
                if (len > 1)
                        len--;   /* drop the '/' too, except the root's */
        }
        p = find_exact(policies, n, "/", 1);
        return p ?: policy_builtin_default();
}

void policy_copy_field(Policy *dst, const Policy *src, PolicyField f) {
        const ConfigKey *k = config_key_for_field(CONFIG_SECTION_POLICY, f);

        memcpy((char *) dst + k->offset, (const char *) src + k->offset, k->size);
        dst->origin[f] = src->origin[f];
}
