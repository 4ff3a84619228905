#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SetPolicy's drop-ins, against the real daemon on a private bus (issue 9,
# defects 1-3): a cgroup path with "]", "=", "#" or ";", or longer than
# inih's 199-byte lines, changes exactly its own policy; "/" and "/root"
# have files of their own (and an older daemon's root file is moved out of
# "/root"'s way); an invalid policy never reaches the disk (nor when the
# daemon is killed in the middle of the call: test-daemon-crash.sh).
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
dbus_start_private || fail "no private bus"
call() { bus_call "$@"; }
# get SELECTOR KEY: the value of one key of GetPolicy, as busctl prints it.
get() { call GetPolicy s "$1" | grep -o "\"$2\" [a-z] [^\"]*" | head -1 | cut -d' ' -f3; }

start() {
	start_reclaimd "$@"
	D=$DAEMON_DIR
}
respawn() { # the daemon again, on the same directory
	start_daemon "${DARGS[@]}"
}
check_files() { # every file in conf.d loads: the daemon could start from it
	"$KVM_RECLAIMD" --check-config --config="$D/main.conf" --conf-dir="$D/conf.d" --runtime-conf-dir="$D/run.d" \
		> "$TEST_TMP/check" 2>&1
}

start
T=/kvmr-sp-$$

# Defect 1: the section name is the whole path, whatever it holds.
call SetPolicy 'sa{sv}b' "$T/a]x" 1 Protect b true false || fail "SetPolicy with ']' refused"
assert_eq "$(get "$T/a]x" Protect)" true "Protect of $T/a]x"
assert_eq "$(get "$T/a" Protect)" false "Protect of $T/a after setting $T/a]x"
grep -qxF "[Policy $T/a]x]" "$D"/conf.d/50-dbus-*a_5dx.conf || fail "the drop-in does not name $T/a]x"
LONG="$T/$(printf 'x%.0s' $(seq 1 180))/MaxPages=9 ;"
call SetPolicy 'sa{sv}b' "$LONG" 1 Weight u 7 false || fail "SetPolicy with a 200-byte path refused"
assert_eq "$(get "$LONG" Weight)" 7 "Weight of the long path"
assert_eq "$(get "$T/a" MaxPages)" 0 "MaxPages of $T/a after the long path"
for p in "$T/a=b" "$T/#c" "$T/;d" "$T/[e]"; do
	call SetPolicy 'sa{sv}b' "$p" 1 MinPages t 5 false || fail "SetPolicy of '$p' refused"
	assert_eq "$(get "$p" MinPages)" 5 "MinPages of $p"
done
assert_eq "$(get "$T/a" MinPages)" 0 "MinPages of $T/a after the others"
# What cannot be written is refused, with the reason.
call SetPolicy 'sa{sv}b' "$T/$(printf 'y%.0s' $(seq 1 240))" 1 Weight u 7 false 2> "$TEST_TMP/err" &&
	fail "a path too long for a file name was accepted"
grep -q "too long for a drop-in file name" "$TEST_TMP/err" || fail "too long: $(cat "$TEST_TMP/err")"
call SetPolicy 'sa{sv}b' "$T/z" 1 Action s $'zap\nWeight=1' false 2> "$TEST_TMP/err" &&
	fail "a value with a newline was accepted"
check_files || fail "a file SetPolicy wrote does not load: $(cat "$TEST_TMP/check")"

# Defect 2: "/" and "/root" are two files.
call SetPolicy 'sa{sv}b' /root 1 Protect b true false || fail "SetPolicy /root"
call SetPolicy 'sa{sv}b' / 1 Weight u 50 false || fail "SetPolicy /"
assert_eq "$(get /vm Protect)" false "Protect of every VM after SetPolicy /root and /"
assert_eq "$(get /vm Weight)" 50 "Weight of every VM"
assert_eq "$(get /root/vm Protect)" true "Protect below /root"
[ -f "$D/conf.d/50-dbus--.conf" ] && [ -f "$D/conf.d/50-dbus-root.conf" ] || fail "not two files: $(ls "$D/conf.d")"
call RemovePolicy sb /root false || fail "RemovePolicy /root"
assert_eq "$(get /vm Weight)" 50 "Weight of every VM after RemovePolicy /root"
call RemovePolicy sb / false || fail "RemovePolicy /"
assert_eq "$(get /vm Weight)" 100 "Weight after RemovePolicy /"

# Defect 3: an invalid policy is refused before anything is written...
call SetPolicy 'sa{sv}b' "$T/c" 1 MinPages t 100 false || fail "SetPolicy MinPages"
cp "$D/conf.d/50-dbus-kvmr_2dsp_2d$$-c.conf" "$TEST_TMP/before"
call SetPolicy 'sa{sv}b' "$T/c" 1 MaxPages t 50 false 2> "$TEST_TMP/err" && fail "MaxPages below MinPages accepted"
grep -q "must not be below MinPages" "$TEST_TMP/err" || fail "refusal: $(cat "$TEST_TMP/err")"
cmp -s "$TEST_TMP/before" "$D/conf.d/50-dbus-kvmr_2dsp_2d$$-c.conf" || fail "a refused SetPolicy changed the drop-in"

# (A SIGKILL at any moment of a storm of such calls: test-daemon-crash.sh.)
stop_daemon || fail "unclean exit"

# An older daemon wrote the policy for "/" to 50-dbus-root.conf, which is
# "/root"'s name now: the next SetPolicy moves it to "/"'s own file first.
printf '# Written by kvm-reclaimd (SetPolicy)\n[Policy /]\nWeight=42\n' > "$D/conf.d/50-dbus-root.conf"
respawn
assert_eq "$(get /vm Weight)" 42 "Weight from the old root file"
call SetPolicy 'sa{sv}b' /root 1 Protect b true false || fail "SetPolicy /root over an old root file"
assert_eq "$(get /vm Weight)" 42 "Weight of / after the move"
assert_eq "$(get /vm Protect)" false "Protect of / after SetPolicy /root"
assert_eq "$(get /root/x Protect)" true "Protect of /root"
grep -qx 'Weight=42' "$D/conf.d/50-dbus--.conf" || fail "the old root file was not moved to 50-dbus--.conf"
grep -qxF '[Policy /root]' "$D/conf.d/50-dbus-root.conf" || fail "50-dbus-root.conf is not /root's"
grep -q "Renamed .*50-dbus-root.conf (the policy for /, from an older kvm-reclaimd)" "$DAEMON_LOG" ||
	fail "the move was not logged"
stop_daemon || fail "unclean exit"
pass
