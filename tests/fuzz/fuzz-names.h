/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a VM name handed on from vm-identity.c must be: it ends up in D-Bus
 * strings (UTF-8 only) and in log lines (one line each). */

#include "fuzz.h"
#include "known-findings.h"

static inline void assert_vm_name(const char *name, const char *from) {
        bool ok = fuzz_utf8_valid(name);

        FUZZ_ASSERT(name[0], "an empty VM name from %s", from);
        for (const char *c = name; ok && *c; c++)
                ok = (unsigned char) *c >= 0x20 && *c != 0x7f;
        if (KNOWN_FINDING_VM_NAME_ANY_BYTES)
                return;
        FUZZ_ASSERT(ok, "the VM name from %s is not printable UTF-8", from);
}
