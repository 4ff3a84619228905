#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policy is honoured only from files that root owns and alone can write,
# in directories that root alone can write (as systemd-oomd ignores the
# xattrs of cgroups root does not own): a file or directory owned by
# another user, or writable by group or others, or a drop-in that links
# into such a directory, is a configuration error like any other.  At
# start: exit 78 (not restarted), naming the file and why; --check-config
# says the same; a reload keeps the configuration in force; SetPolicy into
# such a directory is refused and writes nothing.  The files are made by
# root here, then given away or opened up with chown and chmod.
. "$(dirname "$0")/../lib/daemon.sh"

require_root
require_dbus
id nobody >/dev/null 2>&1 || skip "no user nobody"
NOBODY=$(id -u nobody)

D=$TEST_TMP/etc
mkdir -p "$D/conf.d" "$D/run.d" "$TEST_TMP/kvm"
chmod 755 "$TEST_TMP" "$D" "$D/conf.d" "$D/run.d"
CONF=$D/main.conf
printf '[Daemon]\nDisableKernelShrinker=no\n[Policy /a]\nWeight=50\n' >"$CONF"
printf '[Policy /b]\nProtect=yes\n' >"$D/conf.d/20-b.conf"
chmod 644 "$CONF" "$D/conf.d/20-b.conf"
ARGS=(--config="$CONF" --conf-dir="$D/conf.d" --runtime-conf-dir="$D/run.d" --debugfs-dir="$TEST_TMP/kvm"
	--state-dir="$TEST_TMP/state")

# refused WHAT MESSAGE: the daemon exits 78 and --check-config 1, both
# with MESSAGE (fixed string).
refused() {
	local rc
	"$KVM_RECLAIMD" --no-bus "${ARGS[@]}" >"$TEST_TMP/out" 2>&1
	rc=$?
	[ "$rc" -eq 78 ] || fail "$1: the daemon exited $rc, expected 78: $(cat "$TEST_TMP/out")"
	grep -qF -- "$2" "$TEST_TMP/out" || fail "$1: the start-up error lacks '$2': $(cat "$TEST_TMP/out")"
	"$KVM_RECLAIMD" --check-config "${ARGS[@]}" >"$TEST_TMP/out" 2>&1 && fail "$1: --check-config accepted it"
	grep -qF -- "$2" "$TEST_TMP/out" || fail "$1: --check-config lacks '$2': $(cat "$TEST_TMP/out")"
	ok "$1: refused: $2"
}
accepted() {
	"$KVM_RECLAIMD" --check-config "${ARGS[@]}" >"$TEST_TMP/out" 2>&1 || fail "$1: refused: $(cat "$TEST_TMP/out")"
}

accepted "root's files, 0644, in root's 0755 directories"

chown nobody "$CONF"
refused "main file owned by nobody" "$CONF: not trusted: owned by uid $NOBODY, not by root"
chown root "$CONF"
chmod 664 "$CONF"
refused "main file writable by its group" "$CONF: not trusted: writable by its group (mode 0664)"
chmod 646 "$CONF"
refused "main file writable by others" "$CONF: not trusted: writable by others (mode 0646)"
chmod 644 "$CONF"

chown nobody:nogroup "$D/conf.d/20-b.conf" 2>/dev/null || chown nobody "$D/conf.d/20-b.conf"
refused "drop-in owned by nobody" "$D/conf.d/20-b.conf: not trusted: owned by uid $NOBODY, not by root"
chown root:root "$D/conf.d/20-b.conf"
chmod 666 "$D/conf.d/20-b.conf"
refused "drop-in writable by others" "$D/conf.d/20-b.conf: not trusted: writable by others (mode 0666)"
chmod 644 "$D/conf.d/20-b.conf"

chown nobody "$D/conf.d"
refused "drop-in directory owned by nobody" \
	"$D/conf.d: not trusted: directory $D/conf.d is owned by uid $NOBODY, not by root"
chown root "$D/conf.d"
chmod 1777 "$D/conf.d"
refused "drop-in directory writable by others, even sticky" \
	"$D/conf.d: not trusted: directory $D/conf.d is writable by others (mode 1777)"
chmod 755 "$D/conf.d"
# A directory that holds nothing yet is refused as well: what others put
# there would be read.
chmod 777 "$D/run.d"
refused "empty runtime directory writable by others" \
	"$D/run.d: not trusted: directory $D/run.d is writable by others (mode 0777)"
chmod 755 "$D/run.d"
chmod 775 "$D"
refused "a directory above writable by its group" "not trusted: directory $D is writable by its group (mode 0775)"
chmod 755 "$D"

# A drop-in that is root's symlink into a directory others can write.
mkdir "$TEST_TMP/open"
chmod 777 "$TEST_TMP/open"
printf '[Policy /c]\nWeight=7\n' >"$TEST_TMP/open/c.conf"
chmod 644 "$TEST_TMP/open/c.conf"
ln -s "$TEST_TMP/open/c.conf" "$D/conf.d/30-c.conf"
refused "a symlink into a directory others can write" \
	"$D/conf.d/30-c.conf: not trusted: directory $TEST_TMP/open is writable by others (mode 0777)"
rm "$D/conf.d/30-c.conf"
accepted "everything root's again"

# Running: a reload with an untrusted file keeps what is in force.
dbus_start_private || fail "no private bus"
start_daemon --bus-address="$DBUS_TEST_ADDRESS" "${ARGS[@]}"
weight() { bus_call GetPolicy s "$1" | grep -o '"Weight" u [0-9]*' | cut -d' ' -f3; }
assert_eq "$(weight /a)" 50 "Weight of /a at start"
printf '[Daemon]\nDisableKernelShrinker=no\n[Policy /a]\nWeight=99\n' >"$CONF"
chown nobody "$CONF"
reload_daemon
assert_eq "$(weight /a)" 50 "Weight of /a after a reload with the main file owned by nobody"
grep -qF "Reload failed, keeping the old configuration: $CONF: not trusted: owned by uid $NOBODY" "$DAEMON_LOG" ||
	fail "the refused reload was not logged with the file and why"
chown root "$CONF"
reload_daemon
assert_eq "$(weight /a)" 99 "Weight of /a after a reload with the file root's again"
ok "a reload with an untrusted file keeps the configuration in force"

# SetPolicy into a drop-in directory others can write: refused, nothing written.
chmod 777 "$D/conf.d"
bus_call SetPolicy 'sa{sv}b' /d 1 Weight u 5 false 2>"$TEST_TMP/err" && fail "SetPolicy into a 0777 conf.d succeeded"
grep -qF "$D/conf.d: not trusted: directory $D/conf.d is writable by others (mode 0777)" "$TEST_TMP/err" ||
	fail "SetPolicy's error: $(cat "$TEST_TMP/err")"
[ -z "$(find "$D/conf.d" -name '50-dbus-*')" ] || fail "SetPolicy wrote into an untrusted directory: $(ls "$D/conf.d")"
chmod 755 "$D/conf.d"
bus_call SetPolicy 'sa{sv}b' /d 1 Weight u 5 false || fail "SetPolicy into conf.d, root's again"
assert_eq "$(stat -c '%u %a' "$D"/conf.d/50-dbus-d.conf)" "0 644" "owner and mode of the drop-in SetPolicy wrote"
assert_eq "$(weight /d)" 5 "Weight of /d"
ok "SetPolicy refuses an untrusted directory; what it writes is trusted"
stop_daemon || fail "unclean exit"
pass
