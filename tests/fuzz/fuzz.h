/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every fuzz target shares.  A target is one function,
 * LLVMFuzzerTestOneInput(), that feeds one input to one parser and checks
 * what the parser promises; libFuzzer (clang) calls it millions of times,
 * fuzz-main.c (any compiler) once per corpus file.  An invariant that does
 * not hold aborts, which libFuzzer reports as a crash and saves the input. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...)                                                                  \
        do {                                                                                    \
                if (!(cond)) {                                                                  \
                        fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                           \
                        fputc('\n', stderr);                                                    \
                        abort();                                                                \
                }                                                                               \
        } while (0)

/* The input as a C string, cut at its first NUL as a reader of C strings
 * sees it.  Never NULL: running out of memory here is not a finding. */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* Whether 's' is valid UTF-8 (as D-Bus wants every string): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static inline int fuzz_utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n, c;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if (*p >= 0xc2 && *p <= 0xdf)
                        n = 1, c = *p & 0x1f;
                else if (*p >= 0xe0 && *p <= 0xef)
                        n = 2, c = *p & 0x0f;
                else if (*p >= 0xf0 && *p <= 0xf4)
                        n = 3, c = *p & 0x07;
                else
                        return 0;
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return 0;
                        c = (c << 6) | (p[i] & 0x3f);
                }
                if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 3 && (c < 0x10000 || c > 0x10ffff)))
                        return 0;
                p += n + 1;
        }
        return 1;
}
