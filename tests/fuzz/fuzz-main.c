/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput() once
 * on every file named, and on every file of every directory named, so the
 * corpora replay with any compiler (gcc, valgrind).  Prints how many
 * inputs it ran; a broken invariant aborts as it would under libFuzzer.
 *   fuzz-TARGET [FILE|DIR]... */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0, cap = 0;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (;;) {
                size_t k;

                if (size == cap) {
                        uint8_t *n = realloc(buf, cap = cap ? cap * 2 : 4096);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                }
                k = fread(buf + size, 1, cap - size, f);
                size += k;
                if (k == 0)
                        break;
        }
        if (ferror(f))
                return -EIO;
        /* An exact-size copy, so ASan sees a read past the input's end. */
        {
                _cleanup_free_ uint8_t *exact = malloc(size ? size : 1);
                if (!exact)
                        return -ENOMEM;
                memcpy(exact, buf, size);
                (void) LLVMFuzzerTestOneInput(exact, size);
        }
        return 0;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every regular file in 'dir', in name order (a stable report). */
static int run_dir(const char *dir, unsigned *n_run) {
        struct dirent **list = NULL;
        int n, r = 0;

        n = scandir(dir, &list, NULL, NULL);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", dir, strerror(errno));
                return -errno;
        }
        char **names = calloc((size_t) n + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                names[i] = list[i]->d_name;
        qsort(names, (size_t) n, sizeof(char *), name_cmp);
        for (int i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        r = -ENOMEM;
                else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        r = run_file(path);
                        (*n_run)++;
                }
        }
        for (int i = 0; i < n; i++)
                free(list[i]);
        free(list);
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned n_run = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (argv[i][0] == '-')
                        continue;       /* a libFuzzer option: meaningless here */
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return EXIT_FAILURE;
                }
                if (S_ISDIR(st.st_mode))
                        r = run_dir(argv[i], &n_run);
                else {
                        r = run_file(argv[i]);
                        n_run++;
                }
                if (r < 0)
                        return EXIT_FAILURE;
        }
        printf("%s: replayed %u inputs\n", argv[0], n_run);
        return EXIT_SUCCESS;
}
