/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "shrinker.h"
#include "util.h"

/* "Y\n" -> "Y"; anything else than one word is not a value we wrote. */
static int read_value(const char *path, char *buf, size_t size) {
        int r = read_small_file(path, buf, size);

        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = 0;
        if (buf[0] == 0 || strchr(buf, ' '))
                return -EBADMSG;
        return 0;
}

int shrinker_start(const char *param, const char *state_file, bool disable, char **ret_saved) {
        char now[16], saved[16];
        bool have_saved;
        int r;

        *ret_saved = NULL;
        r = read_value(param, now, sizeof(now));
        if (r < 0)
                return r;
        have_saved = read_value(state_file, saved, sizeof(saved)) >= 0;
        if (!disable) {
                if (have_saved)
                        return shrinker_restore(param, state_file, saved);
                return 0;
        }
        if (have_saved)
                log_info("%s holds %s from a run that did not stop cleanly: that is the value to restore.",
                         state_file, saved);
        else {
                /* Saved before we change anything: a crash right after the
                 * write below must still find the original. */
                snprintf(saved, sizeof(saved), "%s", now);
                r = write_file_atomic(state_file, saved);
                if (r < 0)
                        log_warning_errno(r, "Cannot save the shrinker's value in %s (a crash would lose it): %m",
                                          state_file);
        }
        r = write_small_file(param, "N");
        if (r < 0)
                return r;
        *ret_saved = strdup(saved);
        return *ret_saved ? 0 : -ENOMEM;
}

int shrinker_restore(const char *param, const char *state_file, const char *saved) {
        int r = write_small_file(param, saved);

        if (r < 0)
                return r;
        if (unlink(state_file) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
