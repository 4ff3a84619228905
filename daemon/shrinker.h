/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* KVM's global MMU shrinker (kvm.mmu_shrinker): off while the daemon runs,
 * back to what it was when it stops.  "What it was" is the value found
 * before the first start, kept in a state file under /run: /run outlives a
 * crash (RuntimeDirectoryPreserve=yes) but not a reboot, which resets the
 * parameter too.  So a crash, a restart and a clean stop still put back
 * the operator's value, not the N the crashed instance wrote. */

/* With 'disable': saves the value (unless a state file from a crashed run
 * already holds the original), then writes N; *ret_saved is what to put
 * back at exit.  Without: puts back a value a crashed run left behind and
 * forgets it.  -ENOENT when the parameter does not exist (no series). */
int shrinker_start(const char *param, const char *state_file, bool disable, char **ret_saved);
/* Writes 'saved' back and removes the state file. */
int shrinker_restore(const char *param, const char *state_file, const char *saved);
