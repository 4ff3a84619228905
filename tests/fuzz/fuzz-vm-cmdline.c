/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qemu's /proc/PID/cmdline (NUL-separated argv) for "-name" and "-uuid",
 * a machined state file for "ID=", and UUIDs: a UUID handed on is always
 * canonical (lowercase 8-4-4-4-12), and canonicalizing it again changes
 * nothing; a name is never empty (and see fuzz-names.h). */
#include <ctype.h>
#include <errno.h>

#include "fuzz-names.h"
#include "util.h"
#include "vm-identity.h"

static void assert_canonical_uuid(const char *u, const char *from) {
        _cleanup_free_ char *again = NULL;

        FUZZ_ASSERT(strlen(u) == 36, "UUID \"%s\" from %s", u, from);
        for (size_t i = 0; i < 36; i++)
                FUZZ_ASSERT(i == 8 || i == 13 || i == 18 || i == 23 ? u[i] == '-' :
                            (isdigit((unsigned char) u[i]) || (u[i] >= 'a' && u[i] <= 'f')),
                            "UUID \"%s\" from %s is not canonical", u, from);
        FUZZ_ASSERT(vm_uuid_canonical(u, &again) >= 0 && streq_ptr(again, u), "UUID \"%s\" changes again to %s", u,
                    again ?: "(refused)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_string(data, size), *name = NULL, *uuid = NULL, *state_uuid = NULL,
                            *canonical = NULL;
        int r;

        /* argv as the kernel gives it: 'size' bytes, NULs between words. */
        r = vm_name_from_cmdline(text, size, &name);
        FUZZ_ASSERT(r >= 0 || r == -ENOENT, "vm_name_from_cmdline(): %d", r);
        if (r >= 0)
                assert_vm_name(name, "-name");

        r = vm_uuid_from_cmdline(text, size, &uuid);
        FUZZ_ASSERT(r >= 0 || r == -ENOENT || r == -EINVAL, "vm_uuid_from_cmdline(): %d", r);
        if (r >= 0)
                assert_canonical_uuid(uuid, "-uuid");

        r = vm_uuid_from_machine_state(text, &state_uuid);
        FUZZ_ASSERT(r >= 0 || r == -ENOENT || r == -EINVAL, "vm_uuid_from_machine_state(): %d", r);
        if (r >= 0)
                assert_canonical_uuid(state_uuid, "a machined state file");

        r = vm_uuid_canonical(text, &canonical);
        FUZZ_ASSERT(r >= 0 || r == -EINVAL, "vm_uuid_canonical(): %d", r);
        if (r >= 0)
                assert_canonical_uuid(canonical, "vm_uuid_canonical()");
        return 0;
}
