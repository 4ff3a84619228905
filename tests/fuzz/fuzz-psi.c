/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PSI text (/proc/pressure/memory, memory.pressure) through psi_read(),
 * reading a memfd as the pressure file, so its buffer is fuzzed too.  An
 * accepted text has a "some" line, and the values read print back (in the
 * kernel's format) to a text that reads the same. */
#include <errno.h>
#include <math.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "pressure.h"
#include "util.h"

static void print_line(FILE *f, const char *kind, const PsiLine *l) {
        fprintf(f, "%s avg10=%.17g avg60=%.17g avg300=%.17g total=%llu\n", kind, l->avg10, l->avg60, l->avg300,
                (unsigned long long) l->total_usec);
}

static bool same(double a, double b) {
        return a == b || (isnan(a) && isnan(b));
}

static bool same_line(const PsiLine *a, const PsiLine *b) {
        return same(a->avg10, b->avg10) && same(a->avg60, b->avg60) && same(a->avg300, b->avg300) &&
               a->total_usec == b->total_usec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int fd = -1;
        static char path[64];
        _cleanup_free_ char *text = NULL;
        size_t text_size = 0;
        PsiValues v, again;
        FILE *f;
        int r;

        if (fd < 0) {
                fd = memfd_create("pressure", MFD_CLOEXEC);
                FUZZ_ASSERT(fd >= 0, "memfd_create: %m");
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        }
        FUZZ_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t) size, "memfd write: %m");

        r = psi_read(path, &v);
        FUZZ_ASSERT(r >= 0 || r == -EBADMSG, "psi_read(): %d", r);
        if (r < 0)
                return 0;

        f = open_memstream(&text, &text_size);
        FUZZ_ASSERT(f, "out of memory");
        print_line(f, "some", &v.some);
        if (v.has_full)
                print_line(f, "full", &v.full);
        FUZZ_ASSERT(fclose(f) == 0, "out of memory");
        r = psi_parse(text, &again);
        FUZZ_ASSERT(r >= 0, "the values read do not read back:\n%s", text);
        FUZZ_ASSERT(same_line(&v.some, &again.some) && v.has_full == again.has_full &&
                    (!v.has_full || same_line(&v.full, &again.full)), "read back differently:\n%s", text);
        return 0;
}
