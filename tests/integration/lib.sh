# SPDX-License-Identifier: LGPL-2.1-or-later
# lib.sh - shared helpers for the daemon's integration tests.  Source it
# after setting KVM_RECLAIMD and FAKEKVM (meson passes both).  Everything a
# test starts or creates is recorded and undone by cleanup_all on EXIT:
# processes by the pids we started, cgroups deepest first, the FUSE mount.

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../fakekvm/fakekvm-lib.sh"

TEST_TMP=$(mktemp -d /tmp/kvmr-it.XXXXXX)
STARTED_PIDS=()
CREATED_CGROUPS=()
MOUNTED_FAKE=""
DAEMON_PID=""
DAEMON_LOG="$TEST_TMP/daemon.log"
CG1=/sys/fs/cgroup/memory
CG2=""

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$DAEMON_LOG" ]; then
		echo "--- daemon log ---" >&2
		tail -n 60 "$DAEMON_LOG" >&2
	fi
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# kill_cgroup DIR: every process in a cgroup this test made (all of them
# ours: started in it, or children of those), by cgroup.kill where the
# kernel has it, else by the pids cgroup.procs lists.
kill_cgroup() {
	local d=$1 i pid
	[ -f "$d/cgroup.procs" ] || return 0
	if [ -f "$d/cgroup.kill" ]; then
		echo 1 > "$d/cgroup.kill" 2>/dev/null
	else
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done < "$d/cgroup.procs"
	fi
	for i in $(seq 1 40); do
		[ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
}

cleanup_all() {
	local i
	# Subshells ($(...)) inherit the trap; only the test itself cleans up.
	[ "$BASHPID" = "$$" ] || return 0
	# A caller's "set -e" must not cut the clean-up short at the first
	# process that is already gone.
	set +e
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	for i in "${STARTED_PIDS[@]}"; do
		kill "$i" 2>/dev/null
	done
	# Children first: rmdir fails on a cgroup with children or processes.
	for ((i = ${#CREATED_CGROUPS[@]} - 1; i >= 0; i--)); do
		kill_cgroup "${CREATED_CGROUPS[$i]}"
		rmdir "${CREATED_CGROUPS[$i]}" 2>/dev/null || { sleep 0.3; rmdir "${CREATED_CGROUPS[$i]}" 2>/dev/null; }
		[ -d "${CREATED_CGROUPS[$i]}" ] && echo "warning: could not remove ${CREATED_CGROUPS[$i]}" >&2
	done
	for i in "${STARTED_PIDS[@]}"; do
		wait "$i" 2>/dev/null
	done
	[ -n "$MOUNTED_FAKE" ] && fakekvm_umount "$MOUNTED_FAKE" 2>/dev/null
	# KVMR_KEEP_LOG=FILE keeps the daemon log for a look after the test.
	[ -n "${KVMR_KEEP_LOG:-}" ] && cp "$DAEMON_LOG" "$KVMR_KEEP_LOG" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup_all EXIT

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

# make_cgroup PATH: creates /PATH in cgroup2 and, on hybrid hosts, in the
# v1 memory hierarchy too (as systemd does), and records both for cleanup.
make_cgroup() {
	local p=$1
	mkdir "$CG2$p" || fail "cannot create cgroup2 $p"
	CREATED_CGROUPS+=("$CG2$p")
	if [ "$CG2" != /sys/fs/cgroup ] && [ -d "$CG1" ]; then
		mkdir "$CG1$p" || fail "cannot create memcg $p"
		CREATED_CGROUPS+=("$CG1$p")
	fi
}

# spawn_in_cgroup PATH CMD...: runs CMD inside the cgroup; its pid is left
# in SPAWNED_PID (not printed: a $(...) would wait for CMD's stdout).
spawn_in_cgroup() {
	local p=$1
	shift
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 1
		if [ -n "$2" ]; then echo $$ > "$2/cgroup.procs" || exit 1; fi
		shift 2; exec "$@"' _ "$CG2$p" "$([ "$CG2" != /sys/fs/cgroup ] && [ -d "$CG1$p" ] && echo "$CG1$p")" "$@" \
		</dev/null >/dev/null 2>&1 &
	local pid=$!
	STARTED_PIDS+=("$pid")
	# Wait until the move is visible, so the daemon reads the right cgroup.
	local i
	for i in $(seq 1 50); do
		grep -q "^0::$p\$" "/proc/$pid/cgroup" 2>/dev/null && break
		sleep 0.05
	done
	SPAWNED_PID=$pid
}

# mount_fake [fakekvm options]: mounts the fake kernel at $FAKE.
mount_fake() {
	fakekvm_require_fuse
	FAKE="$TEST_TMP/kvm"
	mkdir -p "$FAKE"
	fakekvm_mount "$FAKE" "$@" >/dev/null || fail "cannot mount fakekvm"
	MOUNTED_FAKE=$FAKE
}

# start_daemon ARGS...: runs kvm-reclaimd in the background with its log in
# $DAEMON_LOG and waits until it says it is running.
start_daemon() {
	: > "$DAEMON_LOG"
	"$KVM_RECLAIMD" --log-level=debug "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_for_log "kvm-reclaimd .* running" 10 || fail "daemon did not start"
}

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	local rc=$?
	DAEMON_PID=""
	return $rc
}

# wait_for_log REGEX SECONDS: polls the log (tests may poll; the daemon may not).
wait_for_log() {
	local re=$1 t=$2 i
	for i in $(seq 1 $((t * 20))); do
		grep -Eq -- "$re" "$DAEMON_LOG" && return 0
		if [ -n "$DAEMON_PID" ] && ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	return 1
}

count_log() {
	grep -Ec -- "$1" "$DAEMON_LOG"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}
