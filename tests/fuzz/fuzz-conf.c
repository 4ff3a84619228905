/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser on one file's text (the main file or a drop-in):
 * refused with a "FILE:LINE:"-style message, or accepted, in which case
 * --check-config's dump of it must itself load to the same effective
 * policies and daemon settings (config_dump()'s promise). */
#include <errno.h>

#include "conf.h"
#include "fuzz.h"
#include "known-findings.h"
#include "util.h"

/* Loads 'text' as the only file.  NULL when refused, with the message,
 * which must say something (bad input gets a clear error), in *ret_error. */
static Config *load(const char *name, const char *text, size_t size, char **ret_error) {
        _cleanup_(config_freep) Config *c = config_new();
        _cleanup_free_ char *err = NULL;
        int r;

        FUZZ_ASSERT(c, "out of memory");
        r = config_parse_text(c, name, text, size, &err);
        if (r >= 0)
                r = config_resolve(c, &err);
        FUZZ_ASSERT(r != -ENOMEM, "out of memory");
        if (r < 0) {
                FUZZ_ASSERT(err && err[0], "refused (%d) without a message", r);
                *ret_error = TAKE_PTR(err);
                return NULL;
        }
        FUZZ_ASSERT(!err, "accepted, but with the message \"%s\"", err);
        return TAKE_PTR(c);
}

static void assert_same_policy(const Policy *a, const Policy *b, const char *what) {
        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                const char *sa = NULL, *sb = NULL;
                uint64_t va, vb;

                if (k->section != CONFIG_SECTION_POLICY || (k->flags & CONFIG_KEY_ALIAS))
                        continue;
                va = config_key_bus_value(k, a, &sa);
                vb = config_key_bus_value(k, b, &sb);
                FUZZ_ASSERT(va == vb && streq_ptr(sa, sb), "%s: %s= is %llu/%s, after the dump %llu/%s", what,
                            k->name, (unsigned long long) va, sa ?: "", (unsigned long long) vb, sb ?: "");
        }
}

/* Every policy of 'a' is in force in 'b' (the root may be implicit in one). */
static void assert_policies_in(const Config *a, const Config *b) {
        for (size_t i = 0; i < a->n_policies; i++)
                assert_same_policy(&a->policies[i], config_policy_for(b, a->policies[i].cgroup),
                                   a->policies[i].cgroup);
        FUZZ_ASSERT(a->n_vm_policies == b->n_vm_policies, "%zu vm:/uuid: policies, after the dump %zu",
                    a->n_vm_policies, b->n_vm_policies);
        for (size_t i = 0; i < a->n_vm_policies; i++) {
                const Policy *p = &a->vm_policies[i], *q = config_find_policy(b, p->cgroup);

                FUZZ_ASSERT(q, "[Policy %s] is lost in the dump", p->cgroup);
                for (size_t f = 0; f < _POLICY_FIELD_MAX; f++)
                        FUZZ_ASSERT(!p->origin[f] == !q->origin[f], "[Policy %s]: field %zu %s set after the dump",
                                    p->cgroup, f, p->origin[f] ? "no longer" : "newly");
                assert_same_policy(p, q, p->cgroup);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_freep) Config *c = NULL, *again = NULL;
        _cleanup_free_ char *dump = NULL, *err = NULL, *err_again = NULL;
        size_t dump_size = 0;
        FILE *f;
        Policy buf;

        c = load("fuzz.conf", (const char *) data, size, &err);
        if (!c)
                return 0;

        /* The lookups the daemon makes, and every origin a reader sees. */
        (void) config_policy_for_vm(c, "/machine.slice/a", "web", "00000000-0000-0000-0000-000000000001", &buf);
        (void) config_has_caps(c);
        for (size_t i = 0; i < c->n_policies; i++)
                for (size_t fld = 0; fld < _POLICY_FIELD_MAX; fld++) {
                        _cleanup_free_ char *origin = NULL;
                        FUZZ_ASSERT(config_describe_origin(c, &c->policies[i], fld, &origin) >= 0 && origin,
                                    "no origin for field %zu of %s", fld, c->policies[i].cgroup);
                }

        f = open_memstream(&dump, &dump_size);
        FUZZ_ASSERT(f, "out of memory");
        config_dump(c, f);
        FUZZ_ASSERT(fclose(f) == 0, "out of memory");

        again = load("dump.conf", dump, dump_size, &err_again);
        if (!again && KNOWN_FINDING_DUMP_PROTECT_UNDER_CAP && strstr(err_again, "Protect=yes and MaxPages= contradict"))
                return 0;
        FUZZ_ASSERT(again, "the dump of an accepted file is refused: %s\n%s", err_again, dump);
        assert_policies_in(c, again);
        assert_policies_in(again, c);
        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                char a[4200], b[4200];

                if (k->section != CONFIG_SECTION_DAEMON)
                        continue;
                config_key_format(k, &c->daemon, a, sizeof(a));
                config_key_format(k, &again->daemon, b, sizeof(b));
                FUZZ_ASSERT(streq_ptr(a, b), "[Daemon] %s=%s, after the dump %s", k->name, a, b);
        }
        return 0;
}
