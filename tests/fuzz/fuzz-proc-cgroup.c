/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/cgroup text and the VM name in a machine scope's unit name:
 * the cgroup paths handed on are absolute and one line each, and a name
 * is never empty (and see fuzz-names.h). */
#include <errno.h>

#include "fuzz-names.h"
#include "util.h"
#include "vm-identity.h"

static void check_name(const char *cgroup) {
        _cleanup_free_ char *name = NULL;
        int r = vm_name_from_cgroup(cgroup, &name);

        FUZZ_ASSERT(r >= 0 || r == -ENOENT, "vm_name_from_cgroup(%s): %d", cgroup ?: "NULL", r);
        if (r >= 0)
                assert_vm_name(name, "a cgroup");
}

static void check_path(const char *p) {
        if (!p)
                return;
        FUZZ_ASSERT(p[0] == '/' && !strchr(p, '\n'), "cgroup path \"%s\" is not one absolute path", p);
        if (!KNOWN_FINDING_VM_NAME_ANY_BYTES)
                FUZZ_ASSERT(fuzz_utf8_valid(p), "cgroup path \"%s\" is not UTF-8 (D-Bus strings are)", p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_string(data, size), *cg2 = NULL, *v1 = NULL;
        int r;

        r = parse_proc_cgroup(text, &cg2, &v1);
        FUZZ_ASSERT(r >= 0 || r == -EBADMSG, "parse_proc_cgroup(): %d", r);
        if (r >= 0) {
                FUZZ_ASSERT(cg2 || v1, "success without a path");
                check_path(cg2);
                check_path(v1);
                check_name(cg2);
                check_name(v1);
        }
        /* The text as a cgroup path itself: the unit-name parser alone. */
        check_name(text);
        return 0;
}
