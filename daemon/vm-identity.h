/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Who a VM is: its cgroups and a name an operator recognizes.  Parsers take
 * text, readers take a /proc root, so tests can feed fixtures. */

#include <stddef.h>
#include <sys/types.h>

#include "vm.h"

/* Where systemd-machined keeps a file per machine, with "ID=<uuid>". */
#define VM_MACHINED_STATE_DIR "/run/systemd/machines"

/* From /proc/PID/cgroup text: the cgroup2 path ("0::" line) and, on hybrid
 * hosts, the v1 memory controller path ("N:memory:" or "N:...,memory,...:").
 * Either may come back NULL when absent.  -EBADMSG when neither is there. */
int parse_proc_cgroup(const char *text, char **ret_cgroup2, char **ret_memcg_v1);

/* "machine-qemu\x2d1\x2dweb.scope" (libvirt) -> "web", "machine-web.scope"
 * (machined) -> "web", looking at the last path component.  -ENOENT when
 * the cgroup is not a machine scope. */
int vm_name_from_cgroup(const char *cgroup, char **ret);

/* qemu's argv (NUL-separated) "-name guest=web,debug-threads=on" or
 * "-name web" -> "web".  -ENOENT when there is no -name. */
int vm_name_from_cmdline(const char *argv, size_t len, char **ret);

/* "1f0d...": a UUID in any case, with or without dashes, as
 * "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in lowercase; -EINVAL otherwise. */
int vm_uuid_canonical(const char *s, char **ret);
/* qemu's "-uuid U" (what libvirt passes), canonical.  -ENOENT without. */
int vm_uuid_from_cmdline(const char *argv, size_t len, char **ret);
/* The "ID=" line of a machined state file, canonical.  -ENOENT without. */
int vm_uuid_from_machine_state(const char *text, char **ret);

/* Reads /proc/PID/cgroup and /proc/PID/cmdline below 'proc_root', and for
 * real pids (proc_root "/proc") asks machined through sd-login for the
 * machine and its UUID.  The UUID is machined's, else qemu's -uuid; the
 * name the machine scope's, else qemu's -name.  Either may be NULL. */
int vm_identity_read(const char *proc_root, pid_t pid, char **ret_cgroup2, char **ret_memcg_v1, char **ret_name,
                     char **ret_uuid);

/* The VM an operator names: by id ("<pid>-<fd>"), else by name or UUID.
 * -ENOENT when none, -ENOTUNIQ when the name is shared by several VMs
 * (then only the id says which).  For every D-Bus call that takes a VM. */
int vm_table_lookup(const VmTable *t, const char *id_or_name, Vm **ret);
