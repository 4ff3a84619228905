/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one reader of kvm-reclaimd.conf(5) text: the main file, the drop-ins
 * and the drop-ins SetPolicy writes all go through it.  The syntax is
 * systemd.syntax(7)'s:
 *   - leading and trailing white space of every line is ignored;
 *   - empty lines and lines whose first character is '#' or ';' are
 *     comments; there are no comments after a value ("Weight=5 # x" is the
 *     value "5 # x"), and no line continuation;
 *   - "[NAME]" starts a section: NAME is everything between the first '['
 *     and the last ']', which ends the line, so a name may hold ']';
 *   - "KEY=VALUE" sets a key; white space around KEY and VALUE is dropped.
 * Lines have no length limit. */

#include <stddef.h>

#define INI_FILE_SIZE_MAX (4U * 1024 * 1024)

typedef struct IniHandlers {
        /* A section header.  May be NULL. */
        int (*section)(void *userdata, const char *file, unsigned line, const char *name, char **ret_error);
        /* A KEY=VALUE line inside 'section'. */
        int (*key)(void *userdata, const char *file, unsigned line, const char *section, const char *key,
                   const char *value, char **ret_error);
} IniHandlers;

/* Parses 'size' bytes of 'text', named 'file' in messages.  A handler that
 * fails stops the parse; its message (or a syntax error) comes back in
 * *ret_error as "FILE:LINE: what".  Returns 0 or a negative errno. */
int ini_parse(const char *text, size_t size, const char *file, const IniHandlers *h, void *userdata,
              char **ret_error);

/* Reads a whole configuration file: -ENOENT when it does not exist,
 * -EISDIR for a directory, -EFBIG above INI_FILE_SIZE_MAX. */
int ini_read_file(const char *path, char **ret_text, size_t *ret_size);
