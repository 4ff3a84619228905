# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# dbus.sh - a private D-Bus broker, calls and signals (part of the test
# library, common.sh).  There is no system bus on a test machine: every
# test runs its own dbus-daemon, killed by its pid at exit.
#
#     dbus_start_private                          # open policy, any uid may connect
#     dbus_start_private units/org.kvmreclaim1.conf   # system-bus-like, with our policy
#     bus_call ListVMs                            # busctl call on org.kvmreclaim1
#     bus_call_nobody GetVM s 123-10              # the same as nobody
#     bus_prop Mode                               # -> s "active"
#     bus_monitor_start                           # every message from now on, as JSON lines
#     bus_wait_signal Reclaimed '"123-10"' 5      # a daemon signal since the last mark
#     run_as_nobody CMD...                        # or "${RUN_AS_NOBODY[@]}" CMD & pid=$!
#
# Variables: DBUS_TEST_ADDRESS, DBUS_TEST_PID, DBUS_TEST_DIR.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BUS_NAME=org.kvmreclaim1
BUS_OBJ=(org.kvmreclaim1 /org/kvmreclaim1 org.kvmreclaim1.Manager)
DBUS_TEST_ADDRESS=${DBUS_TEST_ADDRESS:-}
BUS_MONITOR_LOG=""
BUS_MONITOR_MARK=0

require_dbus() {
	command -v dbus-daemon >/dev/null || skip "dbus-daemon not installed"
	command -v busctl >/dev/null || skip "busctl not installed"
}

# dbus_start_private [POLICY_FILE...]
#   Without arguments: a broker whose default policy lets everyone own and
#   call anything (a stand-in for the system bus where the bus policy is not
#   what is tested). With policy files: a default-deny policy modelled on the
#   system bus (own nothing, call only the bus driver, receive replies and
#   signals) plus the given files included, so a test sees exactly what the
#   shipped policy allows. dbus-daemon refuses to start on a malformed file,
#   which makes this a config check too. Any uid may connect in both modes;
#   root may monitor (busctl monitor) in both.  With DBUS_LIB_SERVICEDIR
#   set, activation files are read from there.
dbus_start_private() {
	local dir config out policy
	dir=$(mktemp -d "${TMPDIR:-/tmp}/kvmr-dbus.XXXXXX") || return 1
	# Other uids (run_as_nobody) must reach the socket.
	chmod 0755 "$dir"
	config="$dir/bus.conf"
	{
		echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"'
		echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
		echo '<busconfig>'
		echo '  <type>kvm-reclaim-test</type>'
		echo "  <listen>unix:path=$dir/bus</listen>"
		echo '  <auth>EXTERNAL</auth>'
		echo '  <policy context="default">'
		echo '    <allow user="*"/>'
		if [ $# -eq 0 ]; then
			echo '    <allow own="*"/>'
			echo '    <allow send_destination="*" eavesdrop="true"/>'
			echo '    <allow eavesdrop="true"/>'
		else
			echo '    <deny own="*"/>'
			echo '    <deny send_type="method_call"/>'
			echo '    <allow send_type="signal"/>'
			echo '    <allow send_requested_reply="true" send_type="method_return"/>'
			echo '    <allow send_requested_reply="true" send_type="error"/>'
			echo '    <allow receive_type="method_call"/>'
			echo '    <allow receive_type="method_return"/>'
			echo '    <allow receive_type="error"/>'
			echo '    <allow receive_type="signal"/>'
			echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>'
			echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>'
			echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>'
			echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>'
			echo '    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>'
			echo '    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>'
		fi
		echo '  </policy>'
		# The system bus lets root become a monitor; so does this one.
		echo '  <policy user="root">'
		echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>'
		echo '  </policy>'
		if [ -n "${DBUS_LIB_SERVICEDIR:-}" ]; then
			echo "  <servicedir>$(realpath "$DBUS_LIB_SERVICEDIR")</servicedir>"
		fi
		for policy in "$@"; do
			echo "  <include ignore_missing=\"no\">$(realpath "$policy")</include>"
		done
		echo '</busconfig>'
	} >"$config"

	if ! out=$(dbus-daemon --config-file="$config" --fork --nopidfile \
			--print-address=1 --print-pid=1 2>"$dir/stderr"); then
		echo "dbus.sh: dbus-daemon did not start: $(tr '\n' ' ' <"$dir/stderr")" >&2
		# Called in a subshell (a test that expects the failure), the
		# registry would not see this directory.
		rm -rf -- "$dir"
		return 1
	fi
	cleanup_dir "$dir"
	DBUS_TEST_ADDRESS=$(sed -n 1p <<<"$out")
	DBUS_TEST_PID=$(sed -n 2p <<<"$out")
	DBUS_TEST_DIR=$dir
	if [ -z "$DBUS_TEST_ADDRESS" ] || ! [ "$DBUS_TEST_PID" -gt 0 ] 2>/dev/null; then
		echo "dbus.sh: could not read dbus-daemon's address and pid from '$out'" >&2
		return 1
	fi
	cleanup_pid "$DBUS_TEST_PID"
	export DBUS_TEST_ADDRESS DBUS_TEST_PID DBUS_TEST_DIR
}

# dbus_name_has_owner NAME: true when NAME has an owner on the private bus.
dbus_name_has_owner() {
	busctl --address="$DBUS_TEST_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null | grep -qx 'b true'
}

# dbus_wait_for_name NAME [SECONDS=10]: waits until NAME has an owner.
dbus_wait_for_name() {
	wait_until "${2:-10}" dbus_name_has_owner "$1" && return 0
	echo "dbus.sh: $1 did not appear on $DBUS_TEST_ADDRESS" >&2
	return 1
}

# RUN_AS_NOBODY: the command prefix that runs a program as nobody:nogroup
# without supplementary groups or capabilities (the caller must be root).
# Use the array, not the function, for a background process whose pid you
# want: "${RUN_AS_NOBODY[@]}" cmd & pid=$! is cmd's pid (setpriv execs it).
if getent group nogroup >/dev/null 2>&1; then
	RUN_AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups
		--inh-caps=-all --bounding-set=-all --no-new-privs --)
else
	RUN_AS_NOBODY=(setpriv --reuid=nobody --regid=nobody --clear-groups
		--inh-caps=-all --bounding-set=-all --no-new-privs --)
fi

run_as_nobody() {
	"${RUN_AS_NOBODY[@]}" "$@"
}

require_nobody() {
	command -v setpriv >/dev/null || skip "setpriv not installed"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	require_root
}

# The daemon's methods and properties through busctl, a client we did not
# write.  busctl shows a D-Bus error by its errno text and the message.
bus_call() {
	busctl --address="$DBUS_TEST_ADDRESS" call "${BUS_OBJ[@]}" "$@"
}
bus_call_nobody() {
	run_as_nobody busctl --address="$DBUS_TEST_ADDRESS" call "${BUS_OBJ[@]}" "$@"
}
bus_prop() {
	busctl --address="$DBUS_TEST_ADDRESS" get-property "${BUS_OBJ[@]}" "$1"
}

# bus_monitor_start: every message on the bus from now on, one JSON object
# per line (busctl monitor --json=short) in BUS_MONITOR_LOG; returns once
# the monitor is seen to receive (a signal of our own came through).
bus_monitor_start() {
	local pid
	BUS_MONITOR_LOG=$TEST_TMP/bus-monitor.json
	busctl --address="$DBUS_TEST_ADDRESS" monitor --json=short >"$BUS_MONITOR_LOG" 2>"$TEST_TMP/bus-monitor.err" &
	pid=$!
	cleanup_pid "$pid"
	BUS_MONITOR_PID=$pid
	wait_until 5 _bus_monitor_ready || fail "busctl monitor does not receive: $(cat "$TEST_TMP/bus-monitor.err")"
	bus_signal_mark
}
_bus_monitor_ready() {
	busctl --address="$DBUS_TEST_ADDRESS" emit /org/kvmreclaim1/test org.kvmreclaim1.Test Ready 2>/dev/null
	grep -q '"member":"Ready"' "$BUS_MONITOR_LOG"
}

bus_signal_mark() {
	BUS_MONITOR_MARK=$(wc -l <"$BUS_MONITOR_LOG")
}

# bus_signals MEMBER: the daemon's signals of that name since the mark, one
# JSON line each (only those from /org/kvmreclaim1 and from the name's
# owner: a spoofed one from another sender is not the daemon's).
bus_signals() {
	local owner
	owner=$(busctl --address="$DBUS_TEST_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus GetNameOwner s "$BUS_NAME" 2>/dev/null | cut -d'"' -f2)
	tail -n +"$((BUS_MONITOR_MARK + 1))" "$BUS_MONITOR_LOG" |
		grep -F '"type":"signal"' | grep -F "\"member\":\"$1\"" |
		grep -F '"path":"/org/kvmreclaim1"' | grep -F "\"sender\":\"${owner:-?}\""
}

# bus_wait_signal MEMBER [REGEX] [SECONDS=5]: a signal since the mark whose
# JSON line matches REGEX.
bus_wait_signal() {
	wait_until "${3:-5}" _bus_has_signal "$1" "${2:-}"
}
_bus_has_signal() {
	bus_signals "$1" | grep -Eq -- "$2"
}

# bus_count_signals MEMBER [REGEX]
bus_count_signals() {
	bus_signals "$1" | grep -Ec -- "${2:-.}" || true
}

# bus_wait_prop NAME VALUE [SECONDS=5]: until the property reads VALUE (as
# busctl prints it: 's "active"', 'u 0').
bus_wait_prop() {
	wait_until "${3:-5}" _bus_prop_is "$1" "$2"
}
_bus_prop_is() {
	[ "$(bus_prop "$1")" = "$2" ]
}

# bus_call_raw MEMBER HEXBYTES...: a call to the daemon whose string
# arguments are raw bytes (invalid UTF-8 included, which no library would
# send); prints reply, "error NAME: MESSAGE" or disconnected.
bus_call_raw() {
	python3 "$KVMR_LIB_DIR/dbus-raw.py" "$DBUS_TEST_ADDRESS" "${BUS_OBJ[@]}" "$@"
}
