# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# daemon.sh - kvm-reclaimd in tests (part of the test library, common.sh;
# sources cgroup.sh, dbus.sh and fakekvm.sh).  KVM_RECLAIMD names the
# binary (meson passes it).
#
#     start_daemon ARGS...        # runs it, log in DAEMON_LOG; returns when it is ready
#     reload_daemon               # SIGHUP; returns when the reload is over
#     stop_daemon                 # SIGTERM; its exit status (a leak under ASan is 23)
#     start_reclaimd [LINE...]    # a whole setup: its own main.conf (with LINEs),
#                                 # conf.d, run.d, the fake (or an empty dir) as debugfs,
#                                 # the private bus if there is one; DAEMON_DIR, DARGS
#
# Ready means what systemd is told: the daemon's sd_notify("READY=1"),
# received here on a NOTIFY_SOCKET of the test's own, and on a bus its
# name owned.  Nothing waits on log wording; a test reads the log only
# where a message is the behaviour under test (grep "$DAEMON_LOG").

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$KVMR_LIB_DIR/cgroup.sh"
. "$KVMR_LIB_DIR/dbus.sh"
. "$KVMR_LIB_DIR/fakekvm.sh"

DAEMON_PID=""
DAEMON_LOG=$TEST_TMP/daemon.log
NOTIFY_LOG=$TEST_TMP/notify.log
show_on_fail "$DAEMON_LOG"

# The sd_notify messages the daemon sends, each field on a line, "--"
# after each message.
notify_listen() {
	[ -S "$TEST_TMP/notify" ] && return 0
	: >"$NOTIFY_LOG"
	python3 - "$TEST_TMP/notify" "$NOTIFY_LOG" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        d = s.recv(1 << 16)
        f.write(d.rstrip(b"\n") + b"\n--\n")
PY
	cleanup_pid "$!"
	wait_until 5 test -S "$TEST_TMP/notify" || fail "the notify socket did not appear"
}

notify_count() { # notify_count FIELD=VALUE
	grep -cx -- "$1" "$NOTIFY_LOG" || true
}

daemon_alive() {
	[ -n "$DAEMON_PID" ] && pid_alive "$DAEMON_PID"
}

# start_daemon ARGS...: kvm-reclaimd in the background (debug log in
# DAEMON_LOG, appended); returns when it said READY=1 and, with
# --bus-address=, owns its name.  Fails the test if it exits first.
start_daemon() {
	local ready arg bus=""
	notify_listen
	ready=$(notify_count READY=1)
	for arg in "$@"; do
		case $arg in --bus-address=*) bus=yes ;; esac
	done
	NOTIFY_SOCKET=$TEST_TMP/notify "$KVM_RECLAIMD" --log-level=debug "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	cleanup_pid "$DAEMON_PID"
	wait_until 20 _daemon_ready "$ready" || fail "the daemon did not start"
	daemon_alive || fail "the daemon exited at start"
	if [ -n "$bus" ]; then
		dbus_wait_for_name "$BUS_NAME" || fail "the daemon does not own $BUS_NAME"
	fi
}
_daemon_ready() {
	[ "$(notify_count READY=1)" -gt "$1" ] || ! daemon_alive
}

# reload_daemon: SIGHUP, and back when the daemon says READY=1 again (it
# does after a reload that failed too; the test checks what is in force).
reload_daemon() {
	local ready
	ready=$(notify_count READY=1)
	kill -HUP "$DAEMON_PID" || fail "the daemon is not running"
	wait_until 20 _daemon_ready "$ready" || fail "the daemon did not finish its reload"
	daemon_alive || fail "the daemon died in a reload"
}

# stop_daemon: SIGTERM and its exit status; a sanitizer report in the log
# fails the test (ASan's leak check ends the process with 23).
stop_daemon() {
	local rc
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID"
	rc=0
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=""
	check_sanitizers "$DAEMON_LOG"
	return $rc
}

# kill_daemon: SIGKILL, as a crash; nothing is checked.
kill_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# daemon_switches: voluntary + involuntary context switches of all the
# daemon's threads; a sleeping daemon's count does not move.
daemon_switches() {
	cat /proc/"$DAEMON_PID"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'
}

# quiet_window SECONDS [CMD...]: IDLE_S0/IDLE_S1, the daemon's context
# switches before and after SECONDS in which its log shows no PSI wake-up
# (host-wide pressure from other tests wakes it for a good reason): up to
# five windows are tried.  CMD runs just before each window (to note a
# count the caller compares afterwards).
quiet_window() {
	local secs=$1 try l0
	shift
	for try in 1 2 3 4 5; do
		[ $# -eq 0 ] || "$@"
		l0=$(wc -l <"$DAEMON_LOG")
		IDLE_S0=$(daemon_switches)
		sleep "$secs"
		IDLE_S1=$(daemon_switches)
		tail -n +"$((l0 + 1))" "$DAEMON_LOG" | grep -q "PSI wakeup\|Memory pressure" || return 0
		echo "quiet window $try: the host's memory pressure woke the daemon; again"
	done
	return 1
}

check_sanitizers() {
	if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"; then
		fail "sanitizer report in $1: $(grep -E -m3 'ERROR: |runtime error:' "$1")"
	fi
}

# start_reclaimd [CONFIG_LINE...]: the daemon with everything it reads or
# writes in DAEMON_DIR (main.conf, conf.d, run.d, state), never in /etc or
# /run; debugfs is the fake when mounted, else an empty directory
# (monitor-only); on the private bus when there is one.  The CONFIG_LINEs
# go into main.conf after its [Daemon] section.  DARGS holds the arguments,
# for a restart (start_daemon "${DARGS[@]}").
start_reclaimd() {
	DAEMON_DIR=$TEST_TMP/reclaimd
	mkdir -p "$DAEMON_DIR/conf.d" "$DAEMON_DIR/run.d" "$DAEMON_DIR/empty"
	{
		printf '[Daemon]\nDebugfsDir=%s\nDisableKernelShrinker=no\n' "${FAKE:-$DAEMON_DIR/empty}"
		printf '%s\n' "$@"
	} >"$DAEMON_DIR/main.conf"
	DARGS=(--config="$DAEMON_DIR/main.conf" --conf-dir="$DAEMON_DIR/conf.d"
		--runtime-conf-dir="$DAEMON_DIR/run.d" --state-dir="$DAEMON_DIR/state")
	if [ -n "$DBUS_TEST_ADDRESS" ]; then
		DARGS+=(--bus-address="$DBUS_TEST_ADDRESS")
	else
		DARGS+=(--no-bus)
	fi
	start_daemon "${DARGS[@]}"
}

# The daemon's view of the VMs, by id, from ListVMs (anyone may call it).
bus_vm_ids() {
	bus_call ListVMs | grep -o '"[0-9]*-[0-9]*"' | tr -d '"' | sort
}
bus_has_vm() {
	bus_call GetVM s "$1" >/dev/null 2>&1
}
# bus_wait_vm ID present|absent [SECONDS=5]
bus_wait_vm() {
	if [ "$2" = present ]; then
		wait_until "${3:-5}" bus_has_vm "$1"
	else
		wait_until "${3:-5}" _bus_lacks_vm "$1"
	fi
}
_bus_lacks_vm() {
	! bus_has_vm "$1"
}
