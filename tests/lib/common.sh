# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# common.sh - the one shell test library, its common part.  Every test
# script (tests/integration, tests/install, bench/) sources this file or
# one of its siblings, which source it:
#
#     . "$(dirname "$0")/../lib/common.sh"    # outcomes, clean-up, waiting
#     . "$(dirname "$0")/../lib/cgroup.sh"    # real cgroups v2 (and the v1 memcg)
#     . "$(dirname "$0")/../lib/dbus.sh"      # a private dbus-daemon, calls, signals
#     . "$(dirname "$0")/../lib/fakekvm.sh"   # the fake kernel and its write log
#     . "$(dirname "$0")/../lib/daemon.sh"    # kvm-reclaimd itself (sources all above)
#
# Outcomes, one meaning each:
#   ok MSG      one check passed (printed, counted)
#   fail MSG    the test has failed: says why, shows the logs registered
#               with show_on_fail, cleans up and exits 1, wherever it is
#               called in the main shell (in a $(...) or a pipeline it can
#               only end that subshell: call it from the main shell)
#   skip MSG    this machine cannot run the test: exit 77 with the reason
#   pass        the end of a test that got there: "PASS (N checks)", exit 0
#
# Clean-up: one registry, undone in reverse order on any exit (EXIT, INT,
# TERM).  Nothing is ever killed by name, only by the pids registered here:
#   cleanup_pid PID       TERM (then KILL after 2 s), and reaped
#   cleanup_cgroup DIR    every process in it killed (cgroup.kill), then rmdir
#   cleanup_mount DIR     umount (lazily if busy)
#   cleanup_dir DIR       rm -rf (after everything registered later is undone)
#   cleanup_cmd CODE      any shell code (e.g. "chattr -i FILE")
# TEST_TMP is a fresh directory, removed last.
#
# Waiting: tests may poll (the daemon may not).  wait_until SECONDS CMD...
# runs CMD every 50 ms until it succeeds.
#
# Scripts with "set -e" (the demo, benchmarks) may use every helper.

set -u
KVMR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KVMR_SRC_DIR=$(cd "$KVMR_LIB_DIR/../.." && pwd)

# Sourced twice (two siblings both source this file): keep the first.
if [ -z "${KVMR_COMMON_LOADED:-}" ]; then
KVMR_COMMON_LOADED=1

# The sanitizer builds report at exit; a leak is exit status 23.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmr-test.XXXXXX")
KVMR_CLEANUP=()          # "kind value", undone last first
KVMR_SHOW_ON_FAIL=()     # files whose tail fail prints
KVMR_CHECKS=0

ok() {
	KVMR_CHECKS=$((KVMR_CHECKS + 1))
	echo "ok: $*"
}

fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "${KVMR_SHOW_ON_FAIL[@]}"; do
		[ -s "$f" ] || continue
		echo "--- $f (last 60 lines) ---" >&2
		tail -n 60 "$f" >&2
	done
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

pass() {
	if [ "$KVMR_CHECKS" -gt 0 ]; then echo "PASS ($KVMR_CHECKS checks)"; else echo PASS; fi
	exit 0
}

assert_eq() { # assert_eq ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

show_on_fail() {
	KVMR_SHOW_ON_FAIL+=("$1")
}

cleanup_pid() { KVMR_CLEANUP+=("pid $1"); }
cleanup_cgroup() { KVMR_CLEANUP+=("cgroup $1"); }
cleanup_mount() { KVMR_CLEANUP+=("mount $1"); }
cleanup_dir() { KVMR_CLEANUP+=("dir $1"); }
cleanup_cmd() { KVMR_CLEANUP+=("cmd $1"); }

# pid_alive PID: running and not a zombie.
pid_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# stop_pid PID [SECONDS]: TERM, then KILL; reaps it when it is our child.
stop_pid() {
	local pid=$1 t=$((${2:-2} * 20)) i
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for ((i = 0; i < t; i++)); do
		pid_alive "$pid" || break
		sleep 0.05
	done
	pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

# kill_cgroup DIR: every process in a cgroup this test made (all of them
# ours: started in it, or children of those).
kill_cgroup() {
	local d=$1 i pid
	[ -f "$d/cgroup.procs" ] || return 0
	if [ -f "$d/cgroup.kill" ]; then
		echo 1 >"$d/cgroup.kill" 2>/dev/null
	else
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$d/cgroup.procs"
	fi
	for ((i = 0; i < 40; i++)); do
		[ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
}

kvmr_cleanup() {
	local i kind value
	# Subshells ($(...)) inherit the trap; only the test itself cleans up.
	[ "$BASHPID" = "$$" ] || return 0
	# A caller's "set -e" must not cut the clean-up short.
	set +e
	for ((i = ${#KVMR_CLEANUP[@]} - 1; i >= 0; i--)); do
		kind=${KVMR_CLEANUP[i]%% *}
		value=${KVMR_CLEANUP[i]#* }
		case $kind in
		pid) stop_pid "$value" ;;
		cgroup)
			kill_cgroup "$value"
			rmdir "$value" 2>/dev/null || { sleep 0.3; rmdir "$value" 2>/dev/null; }
			[ -d "$value" ] && echo "warning: could not remove cgroup $value" >&2 ;;
		mount)
			if mountpoint -q "$value" 2>/dev/null; then
				umount "$value" 2>/dev/null || umount -l "$value" 2>/dev/null
			fi ;;
		dir) rm -rf -- "$value" ;;
		cmd) eval "$value" ;;
		esac
	done
	KVMR_CLEANUP=()
	# KVMR_KEEP=DIR keeps the test's files (logs) for a look afterwards.
	[ -n "${KVMR_KEEP:-}" ] && cp -r "$TEST_TMP" "$KVMR_KEEP" 2>/dev/null
	rm -rf -- "$TEST_TMP"
}
trap kvmr_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_until SECONDS CMD...: CMD every 50 ms until it succeeds; 1 on timeout.
wait_until() {
	local t=$(($1 * 20)) i
	shift
	for ((i = 0; i < t; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# require_root: tests that mount, make cgroups or run as nobody.
require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

fi
