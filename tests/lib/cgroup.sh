# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# cgroup.sh - real cgroups for tests (part of the test library, common.sh).
#
#     require_cgroups                  # CG2 = the cgroup2 mount, or skip
#     make_cgroup /kvmr-x-$$           # cgroup2 (and v1 memcg on hybrid hosts), cleaned up
#     spawn_in_cgroup /kvmr-x-$$ sleep 600     # pid in SPAWNED_PID, cleaned up
#     set_memory_limit /kvmr-x-$$ $((64 << 20))
#
# Name test cgroups uniquely (with $$).  Every cgroup made here is removed
# at exit, deepest first, after killing what runs in it.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CG1=/sys/fs/cgroup/memory
CG2=${CG2:-}

# The cgroup2 mount: /sys/fs/cgroup on unified hosts, .../unified on hybrid ones.
find_cgroup2() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

require_cgroups() {
	CG2=$(find_cgroup2) || skip "no cgroup2 mount"
	[ -w "$CG2" ] || skip "cannot create cgroups in $CG2 (not root?)"
}

# Hybrid hosts: systemd makes the same path in the v1 memory hierarchy.
cgroup_hybrid() {
	[ "$CG2" != /sys/fs/cgroup ] && [ -d "$CG1" ]
}

# make_cgroup PATH: creates /PATH in cgroup2 and, on hybrid hosts, in the
# v1 memory hierarchy too, both removed at exit.
make_cgroup() {
	local p=$1
	mkdir "$CG2$p" || fail "cannot create cgroup2 $p"
	cleanup_cgroup "$CG2$p"
	if cgroup_hybrid; then
		mkdir "$CG1$p" || fail "cannot create memcg $p"
		cleanup_cgroup "$CG1$p"
	fi
}

# spawn_in_cgroup PATH CMD...: runs CMD inside the cgroup; its pid is left
# in SPAWNED_PID (not printed: a $(...) would wait for CMD's stdout), and
# returns once /proc shows the move, so a reader sees the right cgroup.
spawn_in_cgroup() {
	local p=$1 v1="" pid i
	shift
	cgroup_hybrid && [ -d "$CG1$p" ] && v1=$CG1$p
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 1
		if [ -n "$2" ]; then echo $$ > "$2/cgroup.procs" || exit 1; fi
		shift 2; exec "$@"' _ "$CG2$p" "$v1" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	cleanup_pid "$pid"
	for ((i = 0; i < 50; i++)); do
		grep -q "^0::$p\$" "/proc/$pid/cgroup" 2>/dev/null && break
		sleep 0.05
	done
	SPAWNED_PID=$pid
}

# set_memory_limit PATH BYTES: v1 memcg on hybrid hosts, memory.max on
# unified ones; 1 when neither exists.
set_memory_limit() {
	if [ -f "$CG1$1/memory.limit_in_bytes" ]; then
		echo "$2" >"$CG1$1/memory.limit_in_bytes"
	elif [ -f "$CG2$1/memory.max" ]; then
		echo "$2" >"$CG2$1/memory.max"
	else
		return 1
	fi
}

# start_pressure PATH FILE: a process whose working set (a 96 MiB FILE,
# read again and again) is a bit over a 64 MiB limit set on PATH: real
# memory pressure in that cgroup.  Its pid is in PRESSURE_PID.
start_pressure() {
	set_memory_limit "$1" $((64 << 20)) || return 1
	spawn_in_cgroup "$1" sh -c "dd if=/dev/zero of='$2' bs=1M count=96 status=none; \
		while :; do cat '$2' >/dev/null; done"
	PRESSURE_PID=$SPAWNED_PID
}
