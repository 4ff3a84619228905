/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Who a VM is: its cgroups and a name an operator recognizes.  Parsers take
 * text, readers take a /proc root, so tests can feed fixtures. */

#include <stddef.h>
#include <sys/types.h>

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

/* Reads /proc/PID/cgroup and /proc/PID/cmdline below 'proc_root'. */
int vm_identity_read(const char *proc_root, pid_t pid, char **ret_cgroup2, char **ret_memcg_v1, char **ret_name);
