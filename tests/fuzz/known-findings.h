/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Invariants the fuzz targets know to be broken today, each with the place
 * that must change.  While a finding is open (1) the targets let it pass,
 * so CI stays green on everything else; once it is fixed, set it to 0 and
 * the check aborts like every other one. */

/* VM names from /proc/PID/cgroup (\xNN escapes) and from qemu's "-name" can
 * hold any byte: not UTF-8 (sd-bus refuses such a string, so one VM breaks
 * ListVMs for all), control characters and newlines (a forged log line).
 * Cgroup paths too can be any bytes but '/' and NUL (a user names the
 * cgroups of a delegated subtree), with the same effect on ListVMs.  Fix
 * in daemon/vm-identity.c: refuse or escape such names and paths. */
#define KNOWN_FINDING_VM_NAME_ANY_BYTES 0

/* kvmfs_parse_vm_dirname() takes "59\n-66" as VM 59-66: the newline check
 * covers only the part after the dash, and parse_u64() allows one newline.
 * The kernel never names a directory so; fix in daemon/kvmfs.c with
 * strchr(name, '\n') in place of strchr(dash + 1, '\n'). */
#define KNOWN_FINDING_DIRNAME_NEWLINE 0

/* --check-config's dump is not always a valid configuration, though it says
 * it is: "[Policy /a] MaxPages=10" over "[Policy /a/b] Protect=yes" is
 * accepted (a protection below a cap wins), but the dump writes every
 * effective key into every section, so [Policy /a/b] gets MaxPages=10 next
 * to Protect=yes, which policy_check() refuses as a contradiction.  Fix in
 * daemon/conf-dump.c (write only a section's own keys, the inherited ones
 * as comments) or in conf.c's policy_check().  Seed:
 * corpus/conf/protect-below-cap.conf. */
#define KNOWN_FINDING_DUMP_PROTECT_UNDER_CAP 0
