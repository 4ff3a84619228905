/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The drop-ins SetPolicy writes: one file per policy selector, holding
 * only the keys SetPolicy was given, named so that no two selectors share
 * a file.  Pure text and names here; policy-store.c does the I/O. */

#include <stddef.h>

/* Keys as the file spells them ("PressureThreshold" -> "20%"), one per
 * policy field. */
typedef struct DropinKeys {
        char **keys;
        char **values;
        size_t n;
} DropinKeys;

/* Sets 'key', replacing a key of the same field (MinMemory= replaces
 * MinPages=).  -EINVAL for a key that is not a policy key. */
int dropin_keys_set(DropinKeys *d, const char *key, const char *value);
/* Empties 'd'; also a cleanup: _cleanup_(dropin_keys_done). */
void dropin_keys_done(DropinKeys *d);

/* Longest escaped selector: the name and its ".tmpXXXXXX" twin of
 * write_file_atomic() must fit NAME_MAX. */
#define DROPIN_ESCAPED_MAX 232

/* The file name for a canonical selector, e.g. "50-dbus-machine.slice-vm_2d1.conf".
 * Injective: '/' becomes '-', letters, digits and '.' stay, every other
 * byte becomes _XX; "/" is "-", vm:NAME is "-vm-NAME" and uuid:U
 * "-uuid-U", which no cgroup path can give.  -ENAMETOOLONG when the
 * escaped selector is longer than DROPIN_ESCAPED_MAX. */
int dropin_file_name(const char *selector, char **ret);

/* The file's text: a comment, "[Policy SELECTOR]", then KEY=VALUE lines.
 * Checks that the text reads back (with the config parser) as exactly one
 * section for 'selector' with exactly these keys and values; -EINVAL and a
 * message otherwise, so nothing that would read back differently is ever
 * written. */
int dropin_build(const char *selector, const DropinKeys *keys, char **ret_text, char **ret_error);

/* Reads back a file dropin_build() wrote: -EBADMSG with a message if 'text'
 * is not exactly one [Policy SELECTOR] section for 'selector' (e.g. a file
 * of the same name written by hand, or by an older kvm-reclaimd). */
int dropin_parse(const char *path, const char *text, size_t size, const char *selector, DropinKeys *ret,
                 char **ret_error);
