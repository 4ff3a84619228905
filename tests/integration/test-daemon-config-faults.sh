#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults from the file system under the configuration.  Before a SIGHUP
# the main file is replaced by garbage, a FIFO (which must not block the
# daemon), a directory, a file over 4 MiB, a symlink loop, and a drop-in
# by a FIFO, a directory and a link to /dev/zero: each reload is refused
# with the file and the reason, the configuration in force stays (what
# GetPolicy says), and the daemon answers.  The drop-in directories full
# (a tiny tmpfs) or read-only: SetPolicy and RemovePolicy fail with the
# reason and change nothing, on disk or in force, and leave no temporary
# file.  A clean stop at the end (no leak under ASan).
. "$(dirname "$0")/../lib/daemon.sh"

require_root
require_dbus
command -v timeout >/dev/null || skip "timeout not installed"
SCENARIOS=0

dbus_start_private || fail "no private bus"
mkdir -p "$TEST_TMP/kvm"
start_reclaimd "[Policy /vms]" "Weight=50"
D=$DAEMON_DIR
GOOD=$(cat "$D/main.conf")
weight() { bus_call GetPolicy s "$1" | grep -o '"Weight" u [0-9]*' | cut -d' ' -f3; }
policies() { bus_call ListPolicies; }
BEFORE=$(policies)

LOG_MARK=0
log_mark() { LOG_MARK=$(wc -l <"$DAEMON_LOG"); }
said() { tail -n +"$((LOG_MARK + 1))" "$DAEMON_LOG" | grep -Fq -- "$1" || fail "$2: the log lacks '$1'"; }

# refused_reload WHAT MESSAGE: SIGHUP is refused with MESSAGE, the
# policies in force stay, and --check-config says the same.
refused_reload() {
	log_mark
	reload_daemon
	said "Reload failed, keeping the old configuration: $2" "$1"
	assert_eq "$(policies)" "$BEFORE" "$1: the policies in force"
	bus_call Reload 2>"$TEST_TMP/err" && fail "$1: Reload over D-Bus succeeded"
	grep -qF -- "$2" "$TEST_TMP/err" || fail "$1: Reload's error: $(cat "$TEST_TMP/err")"
	timeout 10 "$KVM_RECLAIMD" --check-config "${DARGS[@]/--bus-address=*/--no-bus}" >"$TEST_TMP/out" 2>&1
	[ $? -eq 1 ] || fail "$1: --check-config did not refuse it: $(cat "$TEST_TMP/out")"
	grep -qF -- "$2" "$TEST_TMP/out" || fail "$1: --check-config: $(cat "$TEST_TMP/out")"
	daemon_alive || fail "$1: the daemon died"
	SCENARIOS=$((SCENARIOS + 1))
	ok "$1: refused, the configuration in force kept"
}
restore() {
	rm -rf "$D/main.conf"
	printf '%s\n' "$GOOD" >"$D/main.conf"
}

# --- the main file replaced before a SIGHUP ---
# Random bytes after a first line that is never UTF-8: the error quotes
# that line, and D-Bus carries only UTF-8 (a raw quote hung Reload).
printf 'x\377\001=1\n' >"$D/main.conf.new"
head -c 3000 /dev/urandom >>"$D/main.conf.new"
printf '[Policy /vms]\nWeight=77\n' >>"$D/main.conf.new"
mv "$D/main.conf.new" "$D/main.conf"
refused_reload "garbage" "$D/main.conf:"
restore
rm "$D/main.conf"; mkfifo -m 0600 "$D/main.conf"
refused_reload "a FIFO" "$D/main.conf: not a regular file"
restore
rm "$D/main.conf"; mkdir -m 0755 "$D/main.conf"
refused_reload "a directory" "$D/main.conf: cannot read: Is a directory"
restore
{ echo "[Policy /vms]"; echo "Weight=77"; head -c $((5 << 20)) /dev/zero | tr '\0' '#'; echo; } >"$D/main.conf"
refused_reload "a 5 MiB file" "$D/main.conf: larger than 4194304 bytes: not a configuration file"
restore
rm "$D/main.conf"; ln -s main.conf "$D/main.conf"
refused_reload "a symlink loop" "$D/main.conf: cannot read: Too many levels of symbolic links"
restore

# --- a drop-in that is not a file ---
mkfifo -m 0600 "$D/conf.d/60-fifo.conf"
refused_reload "a FIFO drop-in" "$D/conf.d/60-fifo.conf: not a regular file"
rm "$D/conf.d/60-fifo.conf"
mkdir -m 0755 "$D/conf.d/60-dir.conf"
refused_reload "a directory drop-in" "$D/conf.d/60-dir.conf: cannot read: Is a directory"
rmdir "$D/conf.d/60-dir.conf"
ln -s /dev/zero "$D/conf.d/60-zero.conf"
refused_reload "a drop-in linked to /dev/zero" "$D/conf.d/60-zero.conf: not a regular file"
rm "$D/conf.d/60-zero.conf"

# A FIFO does not hold up a start either: refused at once, exit 78.
mkfifo -m 0600 "$D/conf.d/60-fifo.conf"
timeout 10 "$KVM_RECLAIMD" "${DARGS[@]/--bus-address=*/--no-bus}" >"$TEST_TMP/out" 2>&1
rc=$?
[ "$rc" -eq 78 ] || fail "a start with a FIFO drop-in exited $rc (124: it hung): $(cat "$TEST_TMP/out")"
rm "$D/conf.d/60-fifo.conf"
ok "a start with a FIFO drop-in: exit 78 at once"

reload_daemon
assert_eq "$(weight /vms)" 50 "Weight of /vms once every file is good again"

# --- the drop-in directories full or read-only ---
# setpolicy_fails WHAT MESSAGE RUNTIME: SetPolicy and RemovePolicy fail
# with MESSAGE; nothing changes on disk or in force; no temporary file.
policy_calls_fail() {
	local what=$1 msg=$2 rt=$3 dir files
	dir=$D/conf.d
	[ "$rt" = true ] && dir=$D/run.d
	files=$(find "$dir" -mindepth 1 -printf "%f %s %T@\\n" | sort)
	bus_call SetPolicy 'sa{sv}b' /vms 1 Weight u 60 "$rt" 2>"$TEST_TMP/err" && fail "$what: SetPolicy succeeded"
	grep -qF -- "$msg" "$TEST_TMP/err" || fail "$what: SetPolicy's error: $(cat "$TEST_TMP/err")"
	bus_call SetPolicy 'sa{sv}b' /new 1 Protect b true "$rt" 2>"$TEST_TMP/err" && fail "$what: SetPolicy of a new policy succeeded"
	grep -qF -- "$msg" "$TEST_TMP/err" || fail "$what: SetPolicy's error for a new file: $(cat "$TEST_TMP/err")"
	assert_eq "$(policies)" "$AFTER_SET" "$what: the policies in force"
	assert_eq "$(find "$dir" -mindepth 1 -printf "%f %s %T@\\n" | sort)" "$files" "$what: the drop-in directory"
	[ -z "$(find "$dir" -name '*.tmp*')" ] || fail "$what: a temporary file was left: $(ls "$dir")"
	daemon_alive || fail "$what: the daemon died"
	SCENARIOS=$((SCENARIOS + 1))
	ok "$what: SetPolicy refused with '$msg', nothing changed"
}
for rt in false true; do
	dir=$D/conf.d
	[ "$rt" = true ] && dir=$D/run.d
	mount -t tmpfs -o size=64k,nr_inodes=64,mode=0755 "kvmr-conf" "$dir" || skip "cannot mount a tmpfs"
	cleanup_mount "$dir"
	bus_call SetPolicy 'sa{sv}b' /vms 1 Weight u 55 "$rt" || fail "SetPolicy on the tmpfs"
	AFTER_SET=$(policies)
	# Full: no block left.
	dd if=/dev/zero of="$dir/filler" bs=4k 2>/dev/null
	policy_calls_fail "drop-in directory full (runtime=$rt)" "No space left on device" "$rt"
	rm "$dir/filler"
	# Full: no inode left.
	for i in $(seq 1 70); do : >"$dir/f$i" 2>/dev/null || break; done
	policy_calls_fail "drop-in directory out of inodes (runtime=$rt)" "No space left on device" "$rt"
	rm -f "$dir"/f*
	# Read-only.
	mount -o remount,ro "$dir" || fail "cannot make the tmpfs read-only"
	policy_calls_fail "drop-in directory read-only (runtime=$rt)" "Read-only file system" "$rt"
	bus_call RemovePolicy sb /vms "$rt" 2>"$TEST_TMP/err" && fail "RemovePolicy on a read-only directory succeeded"
	grep -qF "Read-only file system" "$TEST_TMP/err" || fail "RemovePolicy's error: $(cat "$TEST_TMP/err")"
	assert_eq "$(policies)" "$AFTER_SET" "the policies after a refused RemovePolicy"
	mount -o remount,rw "$dir" || fail "cannot make the tmpfs writable again"
	bus_call SetPolicy 'sa{sv}b' /vms 1 Weight u 60 "$rt" || fail "SetPolicy once there is room (runtime=$rt)"
	assert_eq "$(weight /vms)" 60 "Weight of /vms once there is room"
	bus_call RemovePolicy sb /vms "$rt" || fail "RemovePolicy (runtime=$rt)"
	umount "$dir" || fail "cannot unmount the tmpfs"
	assert_eq "$(weight /vms)" 50 "Weight of /vms after the test's policies went"
done

stop_daemon || fail "the daemon did not stop cleanly (a leak under ASan exits 23)"
echo "$SCENARIOS configuration fault scenarios"
pass
