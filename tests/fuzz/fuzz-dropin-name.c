/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drop-in file names: dropin_file_name() must be injective over canonical
 * selectors (issue 9: "/" and "/root" once shared a file) and give a name
 * the drop-in directory scan reads, with room for write_file_atomic()'s
 * ".tmpXXXXXX" twin.  Checked two ways: the name decodes back to the
 * selector (by the escaping dropin.h documents), and no two selectors seen
 * in one run share a name. */
#include <errno.h>
#include <limits.h>
#include <search.h>

#include "dropin.h"
#include "fuzz.h"
#include "policy.h"
#include "util.h"

#define PREFIX "50-dbus-"
#define SUFFIX ".conf"

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* "_XX" -> byte, '-' -> '/' where 'slash' (cgroup paths), the rest as is. */
static bool unescape(const char *s, size_t n, bool slash, FILE *out) {
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '_') {
                        int hi, lo;
                        if (i + 2 >= n)
                                return false;
                        hi = hexval(s[i + 1]);
                        lo = hexval(s[i + 2]);
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                                return false;
                        fputc(hi * 16 + lo, out);
                        i += 2;
                } else if (s[i] == '-' && slash)
                        fputc('/', out);
                else
                        fputc(s[i], out);
        }
        return true;
}

/* The selector a file name stands for; NULL if it is not such a name. */
static char *decode(const char *name) {
        size_t n = strlen(name), len;
        const char *esc = name + strlen(PREFIX);
        char *out = NULL;
        size_t out_size = 0;
        FILE *f;
        bool ok;

        if (n < strlen(PREFIX) + strlen(SUFFIX) || strncmp(name, PREFIX, strlen(PREFIX)) != 0 ||
            strcmp(name + n - strlen(SUFFIX), SUFFIX) != 0)
                return NULL;
        len = n - strlen(PREFIX) - strlen(SUFFIX);
        f = open_memstream(&out, &out_size);
        FUZZ_ASSERT(f, "out of memory");
        if (len == 1 && esc[0] == '-')
                ok = fputc('/', f) != EOF;
        else if (len >= 4 && strncmp(esc, "-vm-", 4) == 0)
                ok = fputs("vm:", f) != EOF && unescape(esc + 4, len - 4, false, f);
        else if (len >= 6 && strncmp(esc, "-uuid-", 6) == 0)
                ok = fputs("uuid:", f) != EOF && unescape(esc + 6, len - 6, false, f);
        else
                ok = esc[0] != '-' && fputc('/', f) != EOF && unescape(esc, len, true, f);
        FUZZ_ASSERT(fclose(f) == 0, "out of memory");
        if (!ok) {
                free(out);
                return NULL;
        }
        return out;
}

typedef struct Seen {
        char *name;
        char *selector;
} Seen;

static int seen_cmp(const void *a, const void *b) {
        return strcmp(((const Seen *) a)->name, ((const Seen *) b)->name);
}

/* Names seen in this run, to their selectors; bounded, so a long run does
 * not grow without end (the decoding check covers the rest). */
#define SEEN_MAX 200000
static void *seen_root;
static size_t n_seen;

static void remember(const char *name, const char *selector) {
        Seen key = { .name = (char *) name }, *s;
        void *found = tfind(&key, &seen_root, seen_cmp);

        if (found) {
                s = *(Seen **) found;
                FUZZ_ASSERT(streq_ptr(s->selector, selector), "[Policy %s] and [Policy %s] share the file %s",
                            s->selector, selector, name);
                return;
        }
        if (n_seen >= SEEN_MAX)
                return;
        s = malloc(sizeof(*s));
        FUZZ_ASSERT(s, "out of memory");
        s->name = strdup(name);
        s->selector = strdup(selector);
        FUZZ_ASSERT(s->name && s->selector && tsearch(s, &seen_root, seen_cmp), "out of memory");
        n_seen++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *in = fuzz_string(data, size), *canonical = NULL, *again = NULL, *name = NULL,
                            *decoded = NULL, *err = NULL;
        PolicyMatch match;
        int r;

        if (policy_selector_parse(in, &match, &canonical, &err) < 0)
                return 0;
        /* Canonical is canonical: a second pass changes nothing. */
        FUZZ_ASSERT(policy_selector_parse(canonical, &match, &again, NULL) >= 0 && streq_ptr(again, canonical),
                    "'%s' canonicalizes to '%s', then to '%s'", in, canonical, again ?: "(refused)");

        r = dropin_file_name(canonical, &name);
        if (r == -ENAMETOOLONG)
                return 0;
        FUZZ_ASSERT(r >= 0, "no file name for [Policy %s]: %d", canonical, r);
        FUZZ_ASSERT(!strchr(name, '/') && name[0] != '.', "'%s' is not a file name of the drop-in directory", name);
        FUZZ_ASSERT(strlen(name) + strlen(".tmpXXXXXX") <= NAME_MAX, "'%s' leaves no room for its temporary twin",
                    name);
        for (const char *c = name; *c; c++)
                FUZZ_ASSERT((unsigned char) *c > 0x20 && (unsigned char) *c < 0x7f, "'%s' has byte 0x%02x", name,
                            (unsigned char) *c);
        decoded = decode(name);
        FUZZ_ASSERT(streq_ptr(decoded, canonical), "[Policy %s] is named %s, which decodes to %s", canonical, name,
                    decoded ?: "(nothing)");
        remember(name, canonical);
        return 0;
}
