/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SetPolicy drop-in writer and reader: for any selector and any keys,
 * dropin_build() either refuses with a message, or writes a text that the
 * config parser reads as exactly one [Policy SELECTOR] section holding
 * exactly those keys with exactly those values, and that dropin_parse()
 * gives back as the same keys.  It must not refuse a valid policy.
 *
 * Input: SELECTOR NUL, then records KEY VALUE NUL, where KEY is one byte
 * picking a policy key (aliases included) and VALUE runs to the NUL. */
#include <errno.h>

#include "conf.h"
#include "dropin.h"
#include "fuzz.h"
#include "util.h"

#define WHITESPACE " \t\r\n"

static const ConfigKey *policy_key(uint8_t b) {
        size_t n = 0, want;

        for (size_t i = 0; i < config_keys_n; i++)
                n += config_keys[i].section == CONFIG_SECTION_POLICY;
        want = b % n;
        for (size_t i = 0; i < config_keys_n; i++)
                if (config_keys[i].section == CONFIG_SECTION_POLICY && want-- == 0)
                        return &config_keys[i];
        abort();
}

/* Would the config parser accept this value for this key in this section? */
static bool value_is_valid(const ConfigKey *k, const char *selector, const char *value) {
        _cleanup_free_ char *msg = NULL;
        Policy scratch;
        size_t n = strlen(value);

        if (n == 0 || strchr(WHITESPACE, value[0]) || strchr(WHITESPACE, value[n - 1]) || strchr(value, '\n'))
                return false;
        if ((k->flags & CONFIG_KEY_CGROUP_ONLY) && selector[0] != '/')
                return false;
        policy_init_defaults(&scratch);
        return config_key_parse(k, value, NULL, &scratch, &msg) >= 0;
}

/* Reads 'text' with the config parser itself and checks it holds exactly
 * 'keys' in one [Policy selector]. */
static void assert_reads_back(const char *text, const char *selector, const DropinKeys *keys) {
        _cleanup_(config_freep) Config *c = config_new();
        _cleanup_free_ char *err = NULL;
        const ConfigSection *s;
        size_t n_set = 0;
        int r;

        FUZZ_ASSERT(c, "out of memory");
        r = config_parse_text(c, "dropin.conf", text, strlen(text), &err);
        FUZZ_ASSERT(r >= 0, "the written text does not parse: %s\n%s", err ?: "", text);
        for (size_t f = 0; f < _DAEMON_FIELD_MAX; f++)
                FUZZ_ASSERT(!c->daemon_set[f], "the written text sets a [Daemon] key:\n%s", text);
        FUZZ_ASSERT(c->n_sections == 1, "the written text has %zu sections, not 1:\n%s", c->n_sections, text);
        s = c->sections[0];
        FUZZ_ASSERT(streq_ptr(s->selector, selector), "written for [Policy %s], reads back as [Policy %s]",
                    selector, s->selector);
        for (size_t f = 0; f < _POLICY_FIELD_MAX; f++)
                n_set += s->set[f] != NULL;
        FUZZ_ASSERT(n_set == keys->n, "%zu keys given, %zu read back:\n%s", keys->n, n_set, text);
        for (size_t i = 0; i < keys->n; i++) {
                const ConfigKey *k = config_key_find(CONFIG_SECTION_POLICY, keys->keys[i]);
                const ConfigSetting *set = s->set[k->field];

                FUZZ_ASSERT(set && set->key == k && streq_ptr(set->value, keys->values[i]),
                            "%s=%s reads back as %s=%s", keys->keys[i], keys->values[i],
                            set ? set->key->name : "(nothing)", set ? set->value : "");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(dropin_keys_done) DropinKeys keys = {}, back = {};
        _cleanup_free_ char *in = fuzz_string(data, size), *text = NULL, *err = NULL, *canonical = NULL,
                            *perr = NULL;
        const char *end = in + size, *selector = in;
        bool all_valid;
        PolicyMatch match;
        int r;

        /* The records, kept as dropin_keys_set() keeps them (a later key of
         * the same field replaces an earlier one), as SetPolicy does. */
        for (const char *p = in + strlen(in) + 1; p < end; p += strlen(p) + 1) {
                const ConfigKey *k = policy_key((uint8_t) p[0]);
                r = dropin_keys_set(&keys, k->name, p[0] ? p + 1 : "");
                FUZZ_ASSERT(r >= 0, "dropin_keys_set(%s): %d", k->name, r);
        }

        all_valid = policy_selector_parse(selector, &match, &canonical, &perr) >= 0 &&
                    streq_ptr(canonical, selector);
        for (size_t i = 0; all_valid && i < keys.n; i++)
                all_valid = value_is_valid(config_key_find(CONFIG_SECTION_POLICY, keys.keys[i]), selector,
                                           keys.values[i]);

        r = dropin_build(selector, &keys, &text, &err);
        FUZZ_ASSERT(r != -ENOMEM, "out of memory");
        if (r < 0) {
                FUZZ_ASSERT(err && err[0], "refused (%d) without a message", r);
                FUZZ_ASSERT(!all_valid, "refused a valid policy for [Policy %s] with %zu keys: %s", selector, keys.n,
                            err);
                return 0;
        }
        FUZZ_ASSERT(text, "accepted without a text");
        assert_reads_back(text, selector, &keys);

        r = dropin_parse("dropin.conf", text, strlen(text), selector, &back, NULL);
        FUZZ_ASSERT(r >= 0, "dropin_parse() refuses what dropin_build() wrote: %d\n%s", r, text);
        FUZZ_ASSERT(back.n == keys.n, "dropin_parse() gives %zu keys, %zu were written", back.n, keys.n);
        for (size_t i = 0; i < back.n; i++) {
                bool found = false;
                for (size_t k = 0; k < keys.n && !found; k++)
                        found = streq_ptr(back.keys[i], keys.keys[k]) && streq_ptr(back.values[i], keys.values[k]);
                FUZZ_ASSERT(found, "dropin_parse() gives %s=%s, which was not written", back.keys[i], back.values[i]);
        }
        return 0;
}
