#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The D-Bus API through busctl, a client we did not write, on a private
# dbus-daemon: every property and method, AccessDenied for a non-root
# caller, InvalidArgs that change nothing, SetPolicy surviving a restart,
# and the Reclaimed signal.
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_nobody
require_cgroups
mount_fake

TOP=/kvmr-bus-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
spawn_in_cgroup "$TOP/a" sh -c 'sleep 600; :' qemu -name guest=alpha; PA=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sh -c 'sleep 600; :' qemu -name guest=beta; PB=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PA" 10 5000 100 4
fakekvm_add_vm "$FAKE" "$PB" 11 3000 60 2

# A bus anyone on this machine may connect to, where our policy file
# decides who may own the name and call what, as on the system bus.
: "${KVMR_DBUS_POLICY:?}"
dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
BUS_ADDR=$DBUS_TEST_ADDRESS
chmod 755 "$TEST_TMP"

mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
# A host trigger at 90% of each window: other work on the machine must not
# reclaim behind the test's back.
printf '[Daemon]\nDebugfsDir=%s\nDisableKernelShrinker=no\nSystemPressureThreshold=450ms\n' "$FAKE" > "$TEST_TMP/main.conf"
DARGS=(--bus-address="$BUS_ADDR" --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d"
	--runtime-conf-dir="$TEST_TMP/run.d")
start_daemon "${DARGS[@]}"

B=(busctl --address="$BUS_ADDR")
OBJ=("${BUS_OBJ[@]}")
call() { bus_call "$@"; }
call_as_nobody() { bus_call_nobody "$@"; }
# busctl shows a well-known error by its errno text only; dbus-send, a
# second client, shows the error name and the daemon's message.
send_as_nobody() {
	run_as_nobody dbus-send --bus="$BUS_ADDR" --print-reply \
		--dest=org.kvmreclaim1 /org/kvmreclaim1 "org.kvmreclaim1.Manager.$1" "${@:2}"
}
prop() { bus_prop "$1"; }
expect_error() { # expect_error NAME OUTPUT-FILE
	grep -q "$1" "$2" || fail "expected $1, got: $(cat "$2")"
}

# The introspection the daemon serves is the one --bus-introspect prints,
# and every member of it is documented in docs/DBUS.md.
"${B[@]}" introspect --xml-interface "${OBJ[@]:0:2}" > "$TEST_TMP/live.xml" || fail "introspection failed"
"$KVM_RECLAIMD" --bus-introspect > "$TEST_TMP/offline.xml" || fail "--bus-introspect failed"
iface() { sed -n '/interface name="org.kvmreclaim1.Manager"/,/<\/interface>/p' "$1"; }
[ -n "$(iface "$TEST_TMP/live.xml")" ] || fail "live object lacks org.kvmreclaim1.Manager"
diff <(iface "$TEST_TMP/live.xml") <(iface "$TEST_TMP/offline.xml") || fail "--bus-introspect differs from the live object"
DOC="$(dirname "$0")/../../docs/DBUS.md"
for m in $(sed -n '/interface name="org.kvmreclaim1.Manager"/,/<\/interface>/p' "$TEST_TMP/live.xml" |
	grep -o '<\(method\|property\|signal\) name="[A-Za-z]*"' | sed 's/.*name="\(.*\)"/\1/'); do
	grep -q "$m" "$DOC" || fail "member $m is not documented in docs/DBUS.md"
done

# Properties anyone may read.
assert_eq "$(prop Mode)" 's "active"' "Mode"
assert_eq "$(prop VMCount)" "u 2" "VMCount"
assert_eq "$(prop KernelInterface)" "b true" "KernelInterface"
assert_eq "$(prop ShadowPages)" "t 8000" "ShadowPages"
assert_eq "$(prop CachePages)" "t 160" "CachePages"
assert_eq "$(prop ReclaimedShadowPages)" "t 0" "ReclaimedShadowPages"
prop Version | grep -q '^s "' || fail "Version"
prop LastPressureEvent | grep -q '^(tsdd) 0 ""' || fail "LastPressureEvent before any event"

# Reads work for an unprivileged caller too.
call_as_nobody ListVMs > "$TEST_TMP/vms" || fail "ListVMs as nobody"
grep -q "\"$PA-10\" $PA \"alpha\" \"$TOP/a\" 5000 100 0 0" "$TEST_TMP/vms" || fail "ListVMs: $(cat "$TEST_TMP/vms")"
grep -q "\"$PB-11\" $PB \"beta\"" "$TEST_TMP/vms" || fail "ListVMs lacks beta"
call GetVM s "$PB-11" | grep -q "\"beta\" \"$TOP/a\" 3000 60" || fail "GetVM"
call ListPolicies | grep -q '"/"' || fail "ListPolicies lacks the default"
call GetPolicy s "$TOP/a/x" | grep -q '"Weight" u 100' || fail "GetPolicy default"

# InvalidArgs, naming the problem.
call GetVM s "999-1" 2> "$TEST_TMP/err" && fail "GetVM of an unknown VM succeeded"
expect_error "No VM with id or name '999-1'" "$TEST_TMP/err"
call GetPolicy s "relative" 2> "$TEST_TMP/err" && fail "GetPolicy of a relative path succeeded"
expect_error "not an absolute cgroup path" "$TEST_TMP/err"

# Mutations: AccessDenied for nobody, and nothing written.
call_as_nobody SetPolicy 'sa{sv}b' "$TOP/a" 1 Weight u 300 false 2> "$TEST_TMP/err" && fail "nobody set a policy"
expect_error "Access denied" "$TEST_TMP/err"
call_as_nobody Reclaim sts "$PA-10" 100 zap 2> "$TEST_TMP/err" && fail "nobody reclaimed"
expect_error "Access denied" "$TEST_TMP/err"
send_as_nobody Reclaim string:"$PA-10" uint64:100 string:zap > "$TEST_TMP/err" 2>&1 && fail "nobody reclaimed"
expect_error "org.freedesktop.DBus.Error.AccessDenied: Reclaim is for root only (caller uid $(id -u nobody))" "$TEST_TMP/err"
send_as_nobody Reload > "$TEST_TMP/err" 2>&1 && fail "nobody reloaded"
expect_error "org.freedesktop.DBus.Error.AccessDenied: Reload is for root only" "$TEST_TMP/err"
send_as_nobody RemovePolicy string:"$TOP/a" boolean:false > "$TEST_TMP/err" 2>&1 && fail "nobody removed a policy"
expect_error "org.freedesktop.DBus.Error.AccessDenied: RemovePolicy is for root only" "$TEST_TMP/err"
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" 0 "kernel writes after refused calls"
[ -z "$(ls "$TEST_TMP/conf.d")" ] || fail "a refused call wrote a drop-in"

# Bad SetPolicy arguments: InvalidArgs, nothing written.
for args in "1 Weight u 0" "1 Weight u 10001" "1 Colour s blue" "1 Weight s heavy" "1 Action s delete" \
	"2 MinPages t 100 MaxPages t 50" "2 Protect b true MaxPages t 50"; do
	# shellcheck disable=SC2086
	call SetPolicy 'sa{sv}b' "$TOP/a" $args false 2> "$TEST_TMP/err" && fail "SetPolicy accepted: $args"
	expect_error "InvalidArgs\|out of range\|Unknown policy key\|must be of type\|not one of\|must not be below\|contradict\|not a number" "$TEST_TMP/err"
done
call SetPolicy 'sa{sv}b' "/a/../b" 1 Weight u 5 false 2> "$TEST_TMP/err" && fail "SetPolicy with .. accepted"
expect_error "not an absolute cgroup path" "$TEST_TMP/err"
[ -z "$(ls "$TEST_TMP/conf.d")" ] || fail "a bad SetPolicy wrote a drop-in"

# SetPolicy: written as a drop-in, live at once, and kept across a restart.
call SetPolicy 'sa{sv}b' "$TOP/a" 2 Weight u 300 MinPages t 64 false || fail "SetPolicy"
ls "$TEST_TMP/conf.d"/50-dbus-*.conf >/dev/null 2>&1 || fail "no drop-in written"
call GetPolicy s "$TOP/a/vm" | grep -q '"Weight" u 300' || fail "policy not live"
call SetPolicy 'sa{sv}b' "$TOP/a" 1 PressureThreshold t 20000 true || fail "runtime SetPolicy"
ls "$TEST_TMP/run.d"/50-dbus-*.conf >/dev/null 2>&1 || fail "no runtime drop-in written"
# Each layer keeps only its own keys: a persistent SetPolicy after a
# runtime one must not copy the runtime values into /etc.
call SetPolicy 'sa{sv}b' "$TOP/a" 1 Weight u 7 true || fail "runtime SetPolicy of Weight"
call SetPolicy 'sa{sv}b' "$TOP/a" 1 MinPages t 64 false || fail "persistent SetPolicy of MinPages"
grep -q '^Weight=300$' "$TEST_TMP/conf.d"/50-dbus-*.conf || fail "persistent drop-in lost its Weight"
grep -q '^Weight=7$' "$TEST_TMP/conf.d"/50-dbus-*.conf && fail "runtime Weight leaked into the persistent drop-in"
grep -q '^PressureThreshold=' "$TEST_TMP/conf.d"/50-dbus-*.conf && fail "runtime key leaked into the persistent drop-in"
call GetPolicy s "$TOP/a/vm" | grep -q '"Weight" u 7' || fail "the runtime layer does not win while it exists"
call RemovePolicy sb "$TOP/a" true || fail "RemovePolicy of the runtime layer"
stop_daemon || fail "unclean exit"
start_daemon "${DARGS[@]}"
call GetPolicy s "$TOP/a/vm" > "$TEST_TMP/pol"
grep -q '"Weight" u 300' "$TEST_TMP/pol" && grep -q '"MinPages" t 64' "$TEST_TMP/pol" ||
	fail "SetPolicy did not survive a restart: $(cat "$TEST_TMP/pol")"

# Reclaim, with the Reclaimed signal seen by a monitor.
bus_monitor_start
call Reclaim sts "$PA-10" 0 caches > "$TEST_TMP/out" || fail "Reclaim caches"
assert_eq "$(cat "$TEST_TMP/out")" "tta(ss) 100 0 0" "caches of VM A"
call Reclaim sts "$TOP/a" 1000 zap > "$TEST_TMP/out" || fail "Reclaim zap on a cgroup"
# B, at its fair share, is not needed: nothing to note.
assert_eq "$(cat "$TEST_TMP/out")" "tta(ss) 0 1000 0" "zap of cgroup a"
call Reclaim sts "$PA-10" 0 zap 2> "$TEST_TMP/err" && fail "zap 0 accepted"
expect_error "out of range" "$TEST_TMP/err"
call Reclaim sts "/nowhere" 10 zap 2> "$TEST_TMP/err" && fail "reclaim of an empty cgroup accepted"
expect_error "No VM in cgroup" "$TEST_TMP/err"
call Reclaim sts "$PA-10" 10 shred 2> "$TEST_TMP/err" && fail "unknown action accepted"
expect_error "not one of" "$TEST_TMP/err"
bus_wait_signal Reclaimed "\"data\":\\[\"$PA-10\",\"$TOP/a\",\"caches\",100,\"manual\"\\]" 2 ||
	fail "no Reclaimed signal for the caches of $PA-10: $(bus_signals Reclaimed)"
bus_wait_signal PropertiesChanged ReclaimedCachePages 2 || fail "no PropertiesChanged for ReclaimedCachePages"
assert_eq "$(prop ReclaimedCachePages)" "t 100" "ReclaimedCachePages"
assert_eq "$(prop ReclaimedShadowPages)" "t 1000" "ReclaimedShadowPages"

# RemovePolicy: only what SetPolicy wrote.
call RemovePolicy sb "$TOP/a" false || fail "RemovePolicy"
ls "$TEST_TMP/conf.d"/50-dbus-*.conf >/dev/null 2>&1 && fail "drop-in not removed"
call RemovePolicy sb "$TOP/a" false 2> "$TEST_TMP/err" && fail "second RemovePolicy succeeded"
call Reload || fail "Reload"

# Only root may own the name when our policy file is in force.
run_as_nobody "$KVM_RECLAIMD" --bus-address="$BUS_ADDR" \
	--config=/dev/null --debugfs-dir="$TEST_TMP" > "$TEST_TMP/nobody.log" 2>&1 && fail "nobody ran the daemon"
grep -q "Cannot own org.kvmreclaim1" "$TEST_TMP/nobody.log" || fail "nobody could own the name: $(cat "$TEST_TMP/nobody.log")"
stop_daemon || fail "unclean exit"
pass
