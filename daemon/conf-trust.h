/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Whose configuration is honoured: a policy can unprotect a VM or zap its
 * pages, so only files that root could have written count, as
 * systemd-oomd ignores the xattrs of cgroups that root does not own.
 * Trusted means owned by root (or by the user the daemon runs as, for
 * --user runs) and not writable by group or others:
 *   - the file itself (and, for a symlink, its target);
 *   - the directory that holds it, and every directory above it up to /,
 *     where a directory above may be writable by others if it is sticky
 *     (/tmp): no one but its owner can replace what root put there.
 * An untrusted file is a configuration error like any other: the daemon
 * refuses to start (exit 78), a reload keeps the old configuration, and
 * the message names the file and why. */

#include <stdbool.h>

/* The directory 'dir' and every directory above it.  0, or -EPERM with
 * *ret_why saying which directory and why ("directory /x is writable by
 * group or others (mode 0777)"); -ENOENT when it does not exist; another
 * negative errno when it cannot be looked at. */
int conf_trust_dir(const char *dir, char **ret_why);

/* The file 'path' itself and, for a symlink, the directories of its
 * target; with 'with_dirs', also the directories above 'path'. */
int conf_trust_file(const char *path, bool with_dirs, char **ret_why);
