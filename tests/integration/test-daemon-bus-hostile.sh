#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every D-Bus method with every wrong type and with hostile strings, as
# root and as nobody, on a bus that runs the shipped policy: each call is
# answered at once with an error (InvalidArgs, AccessDenied), never a
# success or a hang, the daemon stays up, nothing reaches the disk or the
# kernel, and the policies in force do not change.  Strings: 64 KiB long,
# control characters and escape sequences, newlines, printf formats, path
# tricks; invalid UTF-8 is sent raw (no library would) and the bus itself
# must drop the sender before the daemon sees it.  A clean stop at the
# end (no leak under ASan).
. "$(dirname "$0")/../lib/daemon.sh"

: "${KVMR_DBUS_POLICY:?}"
require_dbus
require_nobody
command -v python3 >/dev/null || skip "python3 not installed"
fakekvm_require_fuse
mount_fake
spawn_vm_process alpha
VM=$SPAWNED_PID-10
fakekvm_add_vm "$FAKE" "$SPAWNED_PID" 10 5000 100 2
dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
start_reclaimd "[Policy /vms]" "Weight=50"
POLICIES=$(bus_call ListPolicies)
CALLS=0

# The methods and their signatures, from the live object.
busctl --address="$DBUS_TEST_ADDRESS" introspect --xml-interface "${BUS_OBJ[@]:0:2}" >"$TEST_TMP/api.xml" ||
	fail "introspection failed"
mapfile -t METHODS < <(python3 - "$TEST_TMP/api.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
for i in ET.parse(sys.argv[1]).getroot().iter("interface"):
    if i.get("name") != "org.kvmreclaim1.Manager":
        continue
    for m in i.iter("method"):
        print(m.get("name"), "".join(a.get("type") for a in m.iter("arg") if a.get("direction", "in") == "in"))
PY
)
[ "${#METHODS[@]}" -ge 10 ] || fail "only ${#METHODS[@]} methods introspected"

# add_value TYPE: busctl's arguments for one value of TYPE, onto args.
add_value() {
	case $1 in
	s) args+=(x) ;; o) args+=(/x) ;; g) args+=(s) ;; u | t) args+=(1) ;; b) args+=(true) ;; d) args+=(1.5) ;;
	'as') args+=(1 x) ;; 'a{sv}') args+=(1 k s v) ;; '(ss)') args+=(a b) ;; v) args+=(s x) ;;
	'a(sa{sv})') args+=(1 / 1 Weight u 5) ;;
	esac
}
WRONG=("" s u t b d o g v as 'a{sv}' '(ss)' 'stsa(sa{sv})s')

# expect_refused WHO EXPECTED-ERROR-TEXT METHOD SIG ARGS...: an error,
# within 5 s (busctl's timeout), and the daemon still there.
expect_refused() {
	local who=$1 want=$2 m=$3 sig=$4 rc
	shift 4
	if [ "$who" = nobody ]; then
		run_as_nobody busctl --address="$DBUS_TEST_ADDRESS" --timeout=5 call "${BUS_OBJ[@]}" "$m" "$sig" "$@" \
			>"$TEST_TMP/out" 2>&1
	else
		busctl --address="$DBUS_TEST_ADDRESS" --timeout=5 call "${BUS_OBJ[@]}" "$m" "$sig" "$@" >"$TEST_TMP/out" 2>&1
	fi
	rc=$?
	[ "$rc" -ne 0 ] || fail "$who: $m($sig) succeeded: $(head -c 300 "$TEST_TMP/out")"
	grep -Fq -- "$want" "$TEST_TMP/out" || fail "$who: $m($sig): $(head -c 300 "$TEST_TMP/out")"
	CALLS=$((CALLS + 1))
}

# --- every method with every wrong signature, as root and as nobody ---
for entry in "${METHODS[@]}"; do
	m=${entry%% *}
	sig=${entry#* }
	[ "$sig" = "$m" ] && sig=""
	for w in "${WRONG[@]}"; do
		[ "$w" = "$sig" ] && continue
		# busctl's arguments for signature w, one value per complete type.
		args=()
		rest=$w
		while [ -n "$rest" ]; do
			case $rest in
			'a{sv}'*) t='a{sv}' ;; 'a(sa{sv})'*) t='a(sa{sv})' ;; '(ss)'*) t='(ss)' ;; as*) t=as ;; *) t=${rest:0:1} ;;
			esac
			add_value "$t"
			rest=${rest#"$t"}
		done
		for who in root nobody; do
			expect_refused "$who" "Invalid arguments '$w' to call org.kvmreclaim1.Manager.$m(), expecting '$sig'" \
				"$m" "$w" "${args[@]}"
		done
	done
done
ok "${#METHODS[@]} methods x ${#WRONG[@]} signatures, as root and nobody: InvalidArgs naming the signature each time"

# --- hostile strings where strings go ---
LONG=$(head -c 65536 /dev/zero | tr '\0' a)
HOSTILE=("/$LONG" "$LONG" $'/x\x01y' $'/x\x1b[2J\x1b]0;pwned\x07' $'/x\ny' $'/x\ty' "%s%n%x%p" "/a/../b" "/a//b"
	"/a/./b" "/a/" "" "vm:" "uuid:zzz" "vm:$LONG" $'vm:a\nb' "uuid:$LONG" "-" "\\")
for h in "${HOSTILE[@]}"; do
	expect_refused root "Call failed" GetVM s "$h"
	expect_refused root "Call failed" Reclaim sts "$h" 1 zap
	expect_refused root "Call failed" RemovePolicy sb "$h" false
	expect_refused root "Call failed" SetPolicy 'sa{sv}b' "$h" 1 Weight u 5 false
	expect_refused nobody "Call failed" GetVM s "$h"
	expect_refused nobody "Access denied" SetPolicy 'sa{sv}b' "$h" 1 Weight u 5 false
	# Reads of a policy take any cgroup path; only bad ones are refused.
	if bus_call GetPolicy s "$h" >"$TEST_TMP/out" 2>&1; then
		grep -q '"Cgroup" s "/vms\?"' "$TEST_TMP/out" || fail "GetPolicy of a hostile string: $(head -c 300 "$TEST_TMP/out")"
	fi
	expect_refused root "Call failed" PlanReclaim 'stsa(sa{sv})' "$h" 1 zap 0
	expect_refused root "Call failed" PlanReclaim 'stsa(sa{sv})' / 1 zap 1 "$h" 1 Weight u 5
done
# Hostile keys, values and variants in the settings dict.
setting() { expect_refused root "Call failed" SetPolicy 'sa{sv}b' /vms 1 "$@" false; }
setting "$LONG" u 5
setting $'Weight\x01' u 5
setting Weight v u 5
setting Weight s "$LONG"
setting Action s $'zap\nWeight=1'
setting Action s "%n%s"
setting MinPages t 18446744073709551615
setting MaxMemory s 16E
setting Weight d 5.5
setting Protect s maybe
setting PressureThreshold s 200%
# 10,000 keys in one dict.
mapfile -t MANY < <(for i in $(seq 1 10000); do printf 'K%s\nu\n1\n' "$i"; done)
expect_refused root "Unknown policy key" SetPolicy 'sa{sv}b' /vms 10000 "${MANY[@]}" false
expect_refused root "out of range" Reclaim sts "$VM" 18446744073709551615 zap
ok "${#HOSTILE[@]} hostile strings in every string argument, hostile settings, huge counts: refused"

# Odd but valid selectors: accepted, read back exactly, the file loads,
# and they go again.
ODD=("/-" "/a b" "/x]y[" "/#;=" "/%s%n" "/é" "/..a" "/a.." "vm:*]" "vm:%n")
for o in "${ODD[@]}"; do
	bus_call SetPolicy 'sa{sv}b' "$o" 1 Weight u 7 false || fail "SetPolicy of the odd selector '$o'"
	got=$(busctl --address="$DBUS_TEST_ADDRESS" --json=short call "${BUS_OBJ[@]}" GetPolicy s "$o" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["Cgroup"]["data"])')
	assert_eq "$got" "$o" "the selector GetPolicy gives back"
	"$KVM_RECLAIMD" --check-config "${DARGS[@]/--bus-address=*/--no-bus}" >"$TEST_TMP/out" 2>&1 ||
		fail "the drop-in for '$o' does not load: $(cat "$TEST_TMP/out")"
	bus_call RemovePolicy sb "$o" false || fail "RemovePolicy of '$o'"
	CALLS=$((CALLS + 3))
done
ok "${#ODD[@]} odd but valid selectors: set, read back exactly, loadable, removed"

# --- invalid UTF-8, sent raw: the bus drops the sender ---
for hex in 2f78ff 2f78c328 2fed9fbfedbfbf 2ff8888080802f 2fc0af; do
	out=$(bus_call_raw GetPolicy "$hex")
	assert_eq "$out" disconnected "GetPolicy with the bytes $hex"
	out=$(bus_call_raw SetPolicy "$hex")
	assert_eq "$out" disconnected "SetPolicy with the bytes $hex"
	CALLS=$((CALLS + 2))
done
# The same path as valid UTF-8 reaches the daemon: the check above sees.
assert_eq "$(bus_call_raw GetVM 2f78c3a9)" "error org.freedesktop.DBus.Error.InvalidArgs: No VM with id or name '/xé'" \
	"a raw call with valid UTF-8"
ok "invalid UTF-8 never reaches the daemon: the bus disconnects the sender"

# --- nothing changed ---
daemon_alive || fail "the daemon died"
assert_eq "$(bus_call ListPolicies)" "$POLICIES" "the policies in force"
[ -z "$(find "$DAEMON_DIR/conf.d" "$DAEMON_DIR/run.d" -type f)" ] || fail "a drop-in was written: $(ls "$DAEMON_DIR/conf.d")"
assert_eq "$(fake_log_lines)" 0 "writes to the kernel"
bus_call GetVM s "$VM" >/dev/null || fail "GetVM after the storm"
stop_daemon || fail "the daemon did not stop cleanly (a leak under ASan exits 23)"
echo "$CALLS hostile calls"
pass
