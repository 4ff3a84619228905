#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvm-reclaimctl against the real kvm-reclaimd: the fake kernel
# (tests/fakekvm) with VMs that are real processes in real cgroups, on a
# private dbus-daemon that runs the shipped policy (units/org.kvmreclaim1.conf)
# and lets nobody connect.  Every verb, as a table and as --json, checked
# against the fake's counters and write log; exit codes 0 to 5 with one line
# on stderr; AccessDenied for nobody; monitor for manual reclaims, real PSI
# events, a daemon restart and the bus going away.
#
# Needs KVM_RECLAIMD, FAKEKVM, KVM_RECLAIMCTL and KVMR_DBUS_POLICY (meson
# passes them: tests/install/meson.build).
. "$(dirname "$0")/../lib/daemon.sh"

: "${KVM_RECLAIMCTL:?}" "${KVMR_DBUS_POLICY:?}"
require_dbus
require_nobody
command -v python3 >/dev/null || skip "python3 not installed"
require_cgroups
mount_fake

# A VM: a process whose command line names it as qemu's does. sh takes its
# sleep along when it is stopped, so no orphan keeps a cgroup busy.
VM=("${VM_CMD[@]}" -name)

TOP=/kvmr-ctl-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"
spawn_in_cgroup "$TOP/a" "${VM[@]}" guest=alpha; PA=$SPAWNED_PID
spawn_in_cgroup "$TOP/b" "${VM[@]}" guest=beta; PB=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PA" 10 5000 100 4
fakekvm_add_vm "$FAKE" "$PB" 11 3000 60 2
A=$PA-10
B=$PB-11

dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
BUS=$DBUS_TEST_ADDRESS

# A copy nobody may run, wherever the build tree is.
chmod 755 "$TEST_TMP"
install -m 0755 "$KVM_RECLAIMCTL" "$TEST_TMP/kvm-reclaimctl"
C=("$TEST_TMP/kvm-reclaimctl" "--bus-address=$BUS")
OUT=$TEST_TMP/out
ERR=$TEST_TMP/err

# run CODE ARGS...: kvm-reclaimctl must exit CODE; a failure says exactly
# one line on stderr and nothing on stdout.
run() {
	local code=$1 rc
	shift
	"${C[@]}" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq "$code" ] || fail "kvm-reclaimctl $* exited $rc, expected $code; stderr: $(cat "$ERR")"
	if [ "$code" -ne 0 ]; then
		[ "$(wc -l <"$ERR")" -eq 1 ] || fail "kvm-reclaimctl $* printed $(wc -l <"$ERR") lines on stderr, expected 1"
		[ -s "$OUT" ] && fail "kvm-reclaimctl $* wrote to stdout on failure: $(cat "$OUT")"
	fi
	echo "ok: kvm-reclaimctl $* -> $rc"
}
# as_nobody CODE ARGS...: the same, as nobody:nogroup without capabilities.
as_nobody() {
	local code=$1 rc
	shift
	run_as_nobody "${C[@]}" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq "$code" ] || fail "nobody: kvm-reclaimctl $* exited $rc, expected $code; stderr: $(cat "$ERR")"
	[ "$code" -eq 0 ] || [ "$(wc -l <"$ERR")" -eq 1 ] || fail "nobody: kvm-reclaimctl $*: not one stderr line"
	echo "ok: nobody: kvm-reclaimctl $* -> $rc"
}
out_has() {
	grep -Fq -- "$1" "$OUT" || fail "stdout lacks '$1':$(printf '\n'; cat "$OUT")"
}
# out_line REGEX: some whole line of stdout matches (extended regex).
out_line() {
	grep -Eq -- "^$1\$" "$OUT" || fail "no stdout line matches '$1':$(printf '\n'; cat "$OUT")"
}
err_is() {
	[ "$(cat "$ERR")" = "kvm-reclaimctl: $1" ] || fail "stderr is '$(cat "$ERR")', expected 'kvm-reclaimctl: $1'"
}
# json_eq PYTHON_EXPR EXPECTED: EXPR on the parsed stdout (as j); tuples print
# space-separated.
json_eq() {
	local got
	got=$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$OUT" "$1" 2>&1)
	[ "$got" = "$2" ] || fail "JSON $1 = '$got', expected '$2'"
}
# pages N: N as kvm-reclaimctl prints a page count.
pages() {
	awk -v n="$1" 'BEGIN { printf "%d (%.1f MiB)", n, n * 4096 / 1048576 }'
}
shadow() { fakekvm_get "$FAKE" "$1" shadow; }
cache() { fakekvm_get "$FAKE" "$1" cache; }
# A regex matching a value literally.
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# --- Nobody owns the name yet: 3 for reads and writes alike. ---
run 3 status
err_is "kvm-reclaimd is not running (org.kvmreclaim1 has no owner on the bus at $BUS)."
run 3 list --json
run 3 policy set "$TOP/a" Weight=5
run 3 reclaim "$A"
run 3 monitor

mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
# The host trigger wants 90% of every window: only our cgroups' fire.
cat >"$TEST_TMP/main.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
DisableKernelShrinker=no
PressureWindow=500ms
SystemPressureThreshold=450ms
[Policy $TOP]
Weight=200
MinPages=16
CONF
DARGS=(--bus-address="$BUS" --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d"
	--runtime-conf-dir="$TEST_TMP/run.d")
start_daemon "${DARGS[@]}"

# --- status: the VMs' names and the fake's counters. ---
run 0 status
out_line "kvm-reclaimd $("$KVM_RECLAIMD" --version | cut -d' ' -f2)"
out_line " +Mode: active"
out_line " +Kernel interface: yes \(mmu_reclaim present\)"
out_line " +VMs: 2"
out_line " +Shadow pages: $(re "$(pages $(($(shadow "$A") + $(shadow "$B"))))")"
out_line " +Cache pages: $(re "$(pages $(($(cache "$A") + $(cache "$B"))))")"
out_line " +Reclaimed from caches: $(re "$(pages 0)")"
out_line " +Reclaimed page tables: $(re "$(pages 0)")"
# What the page tables hold as the kernel counts it: 8000 shadow pages of
# the fake at 2 x 4096 + 184 bytes each, 67,008,000 bytes.
out_line " +TDP page tables: $(re "$(pages 0)")"
out_line " +Page-table memory: 63\.9 MiB .*the kernel counts it.*"
out_line " +Last pressure event: none"
out_line "VM +NAME +SHADOW +TDP +MEMORY +CACHE +FREED +WEIGHT +ACTION +CGROUP +POLICY"
out_line "$A +alpha +5000 +0 +39\.9M +100 +0 +200 +caches\+zap +$TOP/a +$TOP"
out_line "$B +beta +3000 +0 +24\.0M +60 +0 +200 +caches\+zap +$TOP/b +$TOP"
out_has "VM is <qemu pid>-<VM fd>. SHADOW (shadow MMU), TDP (TDP MMU page tables), CACHE and FREED"
run 0 status --json
json_eq 'j["Mode"], j["ModeReason"] == "", j["KernelInterface"], j["VMCount"], j["LastPressureEvent"]' \
	"active True True 2 None"
json_eq 'j["ShadowPages"], j["CachePages"], j["ReclaimedCachePages"], j["ReclaimedShadowPages"]' "8000 160 0 0"
json_eq 'j["TdpPages"], j["PageTableBytes"], sorted(v["PageTableBytes"] for v in j["VMs"])' "0 67008000 [25128000, 41880000]"
json_eq 'sorted((v["VM"], v["Pid"], v["Name"], v["Cgroup"], v["ShadowPages"], v["CachePages"]) for v in j["VMs"])' \
	"$(python3 -c 'import sys; print(sorted([(sys.argv[1], int(sys.argv[2]), "alpha", sys.argv[5] + "/a", 5000, 100),
		(sys.argv[3], int(sys.argv[4]), "beta", sys.argv[5] + "/b", 3000, 60)]))' "$A" "$PA" "$B" "$PB" "$TOP")"
json_eq '{v["Policy"]["Cgroup"] for v in j["VMs"]}, {v["Policy"]["Source"] for v in j["VMs"]}' \
	"{'$TOP'} {'$TEST_TMP/main.conf'}"

# --- list ---
run 0 list
[ "$(grep -c "^[0-9]*-1[01] " "$OUT")" -eq 2 ] || fail "list: expected 2 rows: $(cat "$OUT")"
out_line "$A +alpha +5000 .*"
out_line "$B +beta +3000 .*"
# A VM whose own cgroup has the policy: POLICY says "=", not the path again.
run 0 policy set "$TOP/b" Weight=250 --runtime
run 0 list
out_line "$B +beta +3000 +0 +24\.0M +60 +0 +250 +caches\+zap +$TOP/b +="
run 0 policy remove "$TOP/b" --runtime
# Tables fit the terminal: $COLUMNS cuts the cgroup columns (and the
# action), not the counts, and folds the legend.
COLUMNS=72 "${C[@]}" list >"$OUT" || fail "list with COLUMNS=72"
awk 'length($0) > 72 { bad = 1 } END { exit bad }' "$OUT" || fail "list wider than COLUMNS=72: $(cat "$OUT")"
out_line "$A +alpha +5000 +0 +39\.9M +100 +0 +200 +caches.*"
grep -q "$TOP/a" "$OUT" && fail "COLUMNS=72 did not cut the cgroup column: $(cat "$OUT")"
echo "ok: list fits COLUMNS=72"
# A pipe without COLUMNS gets everything.
"${C[@]}" list | grep -q "$TOP/a" || fail "list into a pipe was cut"
run 0 list --json
json_eq 'sorted((v["VM"], v["Name"], v["ShadowPages"], v["CachePages"], v["Policy"]["Weight"]) for v in j)' \
	"$(python3 -c 'import sys; print(sorted([(sys.argv[1], "alpha", 5000, 100, 200), (sys.argv[2], "beta", 3000, 60, 200)]))' "$A" "$B")"

# --- policy list / get ---
run 0 policy list
out_line "CGROUP +WEIGHT +MINPAGES +MAXPAGES +PROTECT +ACTION +PRESSURETHRESHOLD +SOURCE"
out_line "/ +100 +0 +- +no +caches\+zap +- +builtin"
out_line "$TOP +200 +16 +- +no +caches\+zap +- +$(re "$TEST_TMP/main.conf")"
run 0 policy list --json
json_eq '[(p["Cgroup"], p["Weight"], p["MinPages"], p["Source"]) for p in j]' \
	"[('/', 100, 0, 'builtin'), ('$TOP', 200, 16, '$TEST_TMP/main.conf')]"
run 0 policy get "$TOP/a"
out_line "Effective policy for $TOP/a \(inherited from $TOP\):"
# Each value with the line it comes from (issue 8, item 1).
out_line " +Weight: 200 +$(re "$TEST_TMP/main.conf"):7"
out_line " +MinPages: $(re "$(pages 16)") +$(re "$TEST_TMP/main.conf"):8"
out_line " +MaxPages: 0 \(no cap\) +default"
out_line " +Protect: no +default"
out_line " +Action: caches\+zap +default"
out_line " +PressureThreshold: 0 \(no per-cgroup trigger\) default"
out_line " +Source: $(re "$TEST_TMP/main.conf")"
run 0 policy get / --json
json_eq 'j["Cgroup"], j["Source"], j["Weight"], j["Runtime"], j["Sources"]["Weight"]' "/ builtin 100 False default"
run 0 policy get "$TOP/a" --json
json_eq 'j["Sources"]["MinPages"]' "$TEST_TMP/main.conf:8"
# A VM, by its id: its own policy.
run 0 policy get "$A"
out_line "Effective policy for VM alpha \($A\), from $TOP:"
run 5 policy get "$TOP/../x"
err_is "GetPolicy failed: '$TOP/../x' is not an absolute cgroup path without '.', '..', '//', a trailing '/' or control characters"

# --- policy set / remove, --runtime: drop-ins in the right directory, live at once. ---
run 0 policy set "$TOP/a" Weight=500 MinPages=1024 MaxPages=0 Protect=yes Action=caches \
	PressureThreshold=50ms --runtime
RUN_DROPIN=$(ls "$TEST_TMP/run.d"/50-dbus-*.conf 2>/dev/null)
[ -n "$RUN_DROPIN" ] || fail "policy set --runtime wrote no drop-in in run.d"
[ -z "$(ls "$TEST_TMP/conf.d")" ] || fail "policy set --runtime wrote to conf.d"
grep -q '^Weight=500$' "$RUN_DROPIN" || fail "runtime drop-in lacks Weight=500: $(cat "$RUN_DROPIN")"
run 0 policy get "$TOP/a" --json
json_eq 'j["Cgroup"], j["Weight"], j["MinPages"], j["MaxPages"], j["Protect"], j["Action"], j["PressureThreshold"], j["Runtime"]' \
	"$TOP/a 500 1024 0 True caches 50000 True"
json_eq 'j["Source"]' "$RUN_DROPIN"
run 0 policy get "$TOP/a/vm.scope"
out_line "Effective policy for $TOP/a/vm.scope \(inherited from $TOP/a\):"
out_line " +PressureThreshold: 50ms +drop-in $(re "$RUN_DROPIN"):[0-9]+"
out_line " +Source: $(re "$RUN_DROPIN") \(runtime\)"
run 0 policy list
out_line "$TOP/a +500 +1024 +- +yes +caches +50ms +$(re "$RUN_DROPIN") \(runtime\)"
run 0 list --json
json_eq '[v["Policy"]["Protect"] for v in j if v["VM"] == "'"$A"'"]' "[True]"
# Protect= holds for a manual reclaim too.
run 0 reclaim "$A"
out_line "$A: nothing freed\."
out_line "  $A: protected by the policy for $TOP/a"
run 5 policy remove "$TOP/a"
err_is "RemovePolicy failed: the policy for $TOP/a is defined in $RUN_DROPIN, not by SetPolicy; edit that file"
run 0 policy remove "$TOP/a" --runtime
[ -e "$RUN_DROPIN" ] && fail "policy remove --runtime left $RUN_DROPIN"
run 0 policy get "$TOP/a" --json
json_eq 'j["Cgroup"], j["Weight"]' "$TOP 200"

run 0 policy set "$TOP/b" Weight=300 Protect=0
DROPIN=$(ls "$TEST_TMP/conf.d"/50-dbus-*.conf 2>/dev/null)
[ -n "$DROPIN" ] || fail "policy set wrote no drop-in in conf.d"
run 0 policy list --json
json_eq '[(p["Weight"], p["Protect"], p["Source"], p["Runtime"]) for p in j if p["Cgroup"] == "'"$TOP/b"'"]' \
	"[(300, False, '$DROPIN', False)]"
run 0 policy remove "$TOP/b"
[ -e "$DROPIN" ] && fail "policy remove left $DROPIN"
run 5 policy remove "$TOP"
err_is "RemovePolicy failed: the policy for $TOP is defined in $TEST_TMP/main.conf, not by SetPolicy; edit that file"

# Refused values: 5 when the daemon refuses them, 2 when they never leave
# the command line; nothing written either way.
# The ctl checks each value with the daemon's own parser (the key table);
# what depends on other settings is the daemon's to refuse.
run 2 policy set "$TOP" Weight=0
err_is "Invalid value '0' for Weight=: Weight=0 is out of range 1..10000. See 'kvm-reclaimctl --help'."
run 5 policy set "$TOP" PressureThreshold=600ms
err_is "SetPolicy failed: PressureThreshold=600ms must be below PressureWindow= (500ms): it is the stall time per window (thresholds and window are scaled together where the kernel needs 2 s windows), or give a percentage of the window such as 20%"
run 5 policy set "$TOP/a" MinPages=100 MaxPages=50
F="$TEST_TMP/conf.d/50-dbus-kvmr_2dctl_2d$$-a.conf"   # not written: the would-be file and line
err_is "SetPolicy failed: $F:4: [Policy $TOP/a]: MaxPages= (50) must not be below MinPages= (100; MinPages= is drop-in $F:3)"
run 5 policy set ../x Weight=5
run 2 policy set "$TOP/a" Frob=1
run 2 policy set "$TOP/a" Protect=maybe
run 2 reclaim "$A" --action=zap
[ -z "$(find "$TEST_TMP/conf.d" "$TEST_TMP/run.d" -type f)" ] || fail "a refused policy set wrote a drop-in"

# --- nobody may read everything and change nothing. ---
as_nobody 0 status
as_nobody 0 list --json
json_eq 'len(j)' 2
as_nobody 0 policy list
as_nobody 0 policy get "$TOP/a"
as_nobody 4 policy set "$TOP/a" Weight=5
err_is "SetPolicy failed: SetPolicy is for root only (caller uid $(id -u nobody))"
as_nobody 4 policy set "$TOP/a" Weight=5 --runtime
as_nobody 4 policy remove "$TOP"
as_nobody 4 reclaim "$A"
err_is "Reclaim failed: Reclaim is for root only (caller uid $(id -u nobody))"
as_nobody 4 reclaim "$TOP" --pages=10 --action=zap
as_nobody 4 reload
as_nobody 2 policy set "$TOP/a" Frob=5
[ -z "$(find "$TEST_TMP/conf.d" "$TEST_TMP/run.d" -type f)" ] || fail "a refused call wrote a drop-in"
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" 0 "kernel writes before any reclaim"

# --- reclaim, seen by three monitors (root, root --json, nobody). ---
"${C[@]}" monitor >"$TEST_TMP/mon" 2>"$TEST_TMP/mon.err" &
MON=$!
cleanup_pid "$MON"
"${C[@]}" monitor --json >"$TEST_TMP/monj" 2>"$TEST_TMP/monj.err" &
MONJ=$!
cleanup_pid "$MONJ"
"${RUN_AS_NOBODY[@]}" "${C[@]}" monitor >"$TEST_TMP/monn" 2>"$TEST_TMP/monn.err" &
MONN=$!
cleanup_pid "$MONN"
sleep 0.5
MON_START=$(date +%s)

run 0 reclaim "$A"
out_line "$A: freed $(re "$(pages 100)") cache pages, zapped $(re "$(pages 0)") shadow pages\."
assert_eq "$(fakekvm_log "$FAKE")" "$A caches -> caches_freed=100 zapped=0 busy_vcpus=0" "kernel writes of reclaim $A"
assert_eq "$(cache "$A")" 0 "$A's cache pages after reclaim"
run 0 reclaim "$TOP/b" --pages=1000 --json
json_eq 'j["Target"], j["Action"], j["ReclaimedCachePages"], j["ReclaimedShadowPages"], j["Notes"]' "$TOP/b caches+zap 60 940 []"
fakekvm_log "$FAKE" | tail -n +2 >"$TEST_TMP/log"
# The page tables cheapest for the guest first: none empty, none cold yet
# (a first zap-cold only ages them), then the oldest.
printf '%s\n' "$B caches -> caches_freed=60 zapped=0 busy_vcpus=0" "$B free-empty -> caches_freed=0 zapped=0 busy_vcpus=0" \
	"$B zap-cold 940 -> caches_freed=0 zapped=0 busy_vcpus=0" "$B zap 940 -> caches_freed=0 zapped=940 busy_vcpus=0" |
	diff -u - "$TEST_TMP/log" || fail "kernel writes of reclaim $TOP/b"
assert_eq "$(shadow "$B")" 2060 "$B's shadow pages after the zap"
# A zap of a parent cgroup: the planner picks the VMs, the fake logs them.
run 0 reclaim "$TOP" --pages=100 --action=zap
out_line "$TOP: freed $(re "$(pages 0)") cache pages, zapped $(re "$(pages 100)") shadow pages\."
fakekvm_log "$FAKE" | tail -n +6 >"$TEST_TMP/log"
assert_eq "$(awk '$2 == "zap" { n += $3 } END { print n }' "$TEST_TMP/log")" 100 "pages zapped in $TOP per the fake"
ZAP_A=$(awk -v a="$A" '$1 == a && $2 == "zap" { n += $3 } END { print n + 0 }' "$TEST_TMP/log")
ZAP_B=$((100 - ZAP_A))

run 5 reclaim "$A" --pages=0 --action=zap
err_is "Reclaim failed: pages=0 is out of range 1..65536 for action zap"
run 5 reclaim 9-9
err_is "Reclaim failed: No VM with id or name '9-9'"
run 5 reclaim /nowhere --pages=5
err_is "Reclaim failed: No VM in cgroup '/nowhere'"
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" $((5 + $(wc -l <"$TEST_TMP/log"))) "kernel writes after refused reclaims"

# status shows what was reclaimed, per VM and in total, as the fake counted.
run 0 status
out_line " +Shadow pages: $(re "$(pages $(($(shadow "$A") + $(shadow "$B"))))")"
out_line " +Cache pages: $(re "$(pages 0)")"
out_line " +Reclaimed from caches: $(re "$(pages 160)")"
out_line " +Reclaimed page tables: $(re "$(pages 1040)")"
out_line "$A +alpha +$(shadow "$A") +0 +[0-9.]*[BKMG] +0 +$((100 + ZAP_A)) .*"
out_line "$B +beta +$(shadow "$B") +0 +[0-9.]*[BKMG] +0 +$((60 + 940 + ZAP_B)) .*"
run 0 status --json
json_eq 'j["ReclaimedCachePages"], j["ReclaimedShadowPages"], j["CachePages"]' "160 1040 0"
json_eq 'sorted((v["VM"], v["ShadowPages"], v["ReclaimedCachePages"], v["ReclaimedShadowPages"]) for v in j["VMs"])' \
	"$(python3 -c 'import sys; a = sys.argv[1:]; print(sorted([(a[0], int(a[1]), 100, int(a[2])), (a[3], int(a[4]), 60, int(a[5]))]))' \
		"$A" "$(shadow "$A")" "$ZAP_A" "$B" "$(shadow "$B")" "$((940 + ZAP_B))")"

# A signal from another sender is not the daemon's: monitors ignore it.
busctl --address="$BUS" emit /org/kvmreclaim1 org.kvmreclaim1.Manager Reclaimed sssts spoofed / zap 1 manual 2>/dev/null

# One line per Reclaimed signal: caches of A, caches and zap of B, the
# zap(s) of the parent cgroup.
EXPECT=$((3 + $(grep -c ' zap ' "$TEST_TMP/log")))
for _ in $(seq 50); do
	[ "$(wc -l <"$TEST_TMP/mon")" -ge "$EXPECT" ] && [ "$(wc -l <"$TEST_TMP/monn")" -ge "$EXPECT" ] && break
	sleep 0.1
done
sleep 0.2
kill -INT "$MON" "$MONN"
wait "$MON"
[ $? -eq 0 ] || fail "monitor did not end with 0 on SIGINT"
wait "$MONN"
[ $? -eq 0 ] || fail "nobody's monitor did not end with 0 on SIGINT"
[ -s "$TEST_TMP/mon.err" ] && fail "monitor wrote to stderr: $(cat "$TEST_TMP/mon.err")"
OUT=$TEST_TMP/mon
[ "$(wc -l <"$OUT")" -eq "$EXPECT" ] || fail "monitor printed $(wc -l <"$OUT") lines, expected $EXPECT:$(printf '\n'; cat "$OUT")"
T='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
out_line "$T Reclaimed vm=$A cgroup=$TOP/a action=caches pages=$(re "$(pages 100)") reason=manual"
out_line "$T Reclaimed vm=$B cgroup=$TOP/b action=caches pages=$(re "$(pages 60)") reason=manual"
out_line "$T Reclaimed vm=$B cgroup=$TOP/b action=zap pages=$(re "$(pages 940)") reason=manual"
grep -q spoofed "$OUT" && fail "monitor printed a signal from another sender"
cmp -s <(cut -d' ' -f3- "$TEST_TMP/mon") <(cut -d' ' -f3- "$TEST_TMP/monn") ||
	fail "nobody's monitor saw other signals: $(cat "$TEST_TMP/monn" "$TEST_TMP/monn.err")"

# --- status is one snapshot: after the counts change, the header's total
# and the rows agree (GetAll then ListVMs showed the old total over new rows).
OUT=$TEST_TMP/out
fakekvm_set "$FAKE" "$A" shadow=+123
sleep 1.1
run 0 status
HEAD_SHADOW=$(sed -n 's/^ *Shadow pages: \([0-9]*\) .*/\1/p' "$OUT")
ROWS_SHADOW=$(awk '$1 ~ /^[0-9]+-1[01]$/ { n += $3 } END { print n }' "$OUT")
assert_eq "$HEAD_SHADOW" "$ROWS_SHADOW" "status: the header's shadow pages against the rows"
assert_eq "$HEAD_SHADOW" "$(($(shadow "$A") + $(shadow "$B")))" "status: shadow pages against the fake"
echo "ok: status header and rows agree ($HEAD_SHADOW shadow pages)"

# --- reclaim --dry-run: the daemon's plan, nothing written. ---
BEFORE=$(fakekvm_log "$FAKE" | wc -l)
run 0 reclaim "$TOP" --pages=100 --action=zap --dry-run
out_line "$TOP: the daemon would free ~0 cache pages and zap 100 shadow pages \(dry run, nothing done\):"
out_line "VM +NAME +CGROUP +CACHES +ZAP"
run 0 reclaim "$A" --pages=100 --action=zap --dry-run --json=pretty
[ "$(wc -l <"$OUT")" -gt 3 ] || fail "--json=pretty printed one line: $(cat "$OUT")"
json_eq '[(s["VM"], s["ZapPages"], s["Caches"]) for s in j["Steps"]], j["Notes"]' "[('$A', 100, False)] []"
run 0 reclaim "$A" --dry-run
out_line "$A: nothing would be reclaimed \(dry run\)\."
out_line "  $A: Action=caches and no cache pages|  $A: at its floor.*"
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" "$BEFORE" "kernel writes after reclaim --dry-run"
run 2 list --dry-run
err_is "--dry-run only goes with 'reclaim' and 'policy set'. See 'kvm-reclaimctl --help'."

# --- policy set --dry-run: what a new cap would zap at once; nothing set. ---
CAP=$(( $(shadow "$A") - 40 ))
run 0 policy set "$TOP" "MaxPages=$CAP" --dry-run
out_line "At once \(MaxPages=\): the daemon would free ~0 cache pages and zap 40 shadow pages \(dry run, nothing done\):"
out_line "At the next pressure on the host: .*"
run 0 policy get "$TOP" --json
json_eq 'j["MaxPages"]' 0
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" "$BEFORE" "kernel writes after policy set --dry-run"
echo "ok: policy set --dry-run shows the cap's zap and sets nothing"

# --- dump: everything in one snapshot, as text and JSON. ---
run 0 dump
out_line "Settings in force:"
out_line "Policies:"
out_line "PSI triggers:"
out_line "host +[0-9.]+m?s +2s +[0-9]+ .* /proc/pressure/memory"
out_line "Last rounds:"
out_line ".* manual +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ms"
run 0 dump --json
json_eq 'sorted(j), j["Status"]["Mode"], j["Daemon"]["DebugfsDir"]' \
	"['Daemon', 'Policies', 'Rounds', 'Status', 'Triggers', 'VMs'] active $FAKE"
json_eq 'sorted(v["VM"] for v in j["VMs"]), [t["Scope"] for t in j["Triggers"]][0]' "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$A" "$B") host"
json_eq '{r["Reason"] for r in j["Rounds"]}, all(r["CarriedOut"] for r in j["Rounds"])' "{'manual'} True"
json_eq 'sum(v["ShadowPages"] for v in j["VMs"]) == j["Status"]["ShadowPages"]' True
as_nobody 0 dump --json
echo "ok: dump"

# --- reload: a drop-in written by hand takes effect; a broken one is refused. ---
printf '[Policy %s]\nWeight=321\n' "$TOP/b" >"$TEST_TMP/conf.d/60-by-hand.conf"
OUT=$TEST_TMP/out
run 0 policy get "$TOP/b" --json
json_eq 'j["Weight"]' 200
run 0 reload
run 0 policy get "$TOP/b" --json
json_eq 'j["Weight"], j["Source"]' "321 $TEST_TMP/conf.d/60-by-hand.conf"
printf '[Policy %s]\nWeight=many\n' "$TOP/b" >"$TEST_TMP/conf.d/60-by-hand.conf"
run 1 reload
grep -q "^kvm-reclaimctl: Reload failed: old configuration kept: .*Weight=many" "$ERR" ||
	fail "reload of a broken drop-in: $(cat "$ERR")"
run 0 policy get "$TOP/b" --json
json_eq 'j["Weight"]' 321
rm "$TEST_TMP/conf.d/60-by-hand.conf"
run 0 reload

# --- real memory pressure in a real cgroup: PressureEvent and a reclaim ---
# A VM in a cgroup whose working set is a bit over its memory limit, and a
# PSI trigger set with kvm-reclaimctl.
PSI=""
if [ -r "$CG2/memory.pressure" ] && [ -r /proc/pressure/memory ]; then
	make_cgroup "$TOP/p"
	if [ -f "$CG1$TOP/p/memory.limit_in_bytes" ]; then
		echo $((64 << 20)) >"$CG1$TOP/p/memory.limit_in_bytes" && PSI=yes
	elif [ -f "$CG2$TOP/p/memory.max" ]; then
		echo $((64 << 20)) >"$CG2$TOP/p/memory.max" && PSI=yes
	fi
fi
if [ -n "$PSI" ]; then
	spawn_in_cgroup "$TOP/p" "${VM[@]}" guest=gamma; PG=$SPAWNED_PID
	G=$PG-12
	fakekvm_add_vm "$FAKE" "$PG" 12 4000 80 2
	for _ in $(seq 50); do
		"${C[@]}" list --json 2>/dev/null | grep -q "\"$G\"" && break
		sleep 0.1
	done
	run 0 policy set "$TOP/p" PressureThreshold=10ms --runtime
	"${C[@]}" monitor >"$TEST_TMP/mon" 2>"$TEST_TMP/mon.err" &
	MON=$!
	cleanup_pid "$MON"
	sleep 0.5
	HOGFILE="$TEST_TMP/working-set"
	spawn_in_cgroup "$TOP/p" sh -c "dd if=/dev/zero of='$HOGFILE' bs=1M count=96 status=none; \
		while :; do cat '$HOGFILE' >/dev/null; done"
	HOG=$SPAWNED_PID
	for _ in $(seq 600); do
		grep -q "Reclaimed vm=$G .*reason=pressure:$TOP/p" "$TEST_TMP/mon" && break
		sleep 0.1
	done
	kill "$HOG"
	sleep 0.2
	kill -INT "$MON"
	wait "$MON"
	OUT=$TEST_TMP/mon
	# The hog may stall the whole host too, so a host event can come first
	# and take gamma's caches: the cgroup's own event and round must be there.
	out_line "$T PressureEvent scope=$TOP/p some_avg10=[0-9]+\.[0-9]{2} full_avg10=[0-9]+\.[0-9]{2}"
	out_line "$T Reclaimed vm=$G cgroup=$TOP/p action=(caches|zap) pages=[0-9]+ \([0-9.]+ MiB\) reason=pressure:$TOP/p"
	grep -v "reason=pressure:\|PressureEvent" "$OUT" && fail "monitor printed more than pressure events and rounds"
	OUT=$TEST_TMP/out
	run 0 status
	out_line " +Last pressure event: .* \((host|$TOP/p), some avg10 [0-9]+\.[0-9]{2}, full avg10 [0-9]+\.[0-9]{2}\)"
	run 0 status --json
	json_eq 'j["LastPressureEvent"]["Scope"] in ("host", "'"$TOP/p"'"), type(j["LastPressureEvent"]["SomeAvg10"]).__name__' \
		"True float"
	json_eq '[v["CachePages"] for v in j["VMs"] if v["VM"] == "'"$G"'"]' "[0]"
else
	echo "note: no per-cgroup memory.pressure or memory limit here: PressureEvent not tested"
fi

# --- monitor --json; the daemon stopping and coming back; the bus going away. ---
stop_daemon || fail "the daemon did not exit cleanly"
run 3 status
err_is "kvm-reclaimd is not running (org.kvmreclaim1 has no owner on the bus at $BUS)."
start_daemon "${DARGS[@]}"
for _ in $(seq 50); do
	grep -q "running again" "$TEST_TMP/monj.err" && break
	sleep 0.1
done
run 0 reclaim "$B" --pages=7 --action=zap
for _ in $(seq 50); do
	grep -q '"Pages":7,' "$TEST_TMP/monj" && break
	sleep 0.1
done
stop_daemon || fail "the daemon did not exit cleanly after its restart"
stop_pid "$DBUS_TEST_PID"
wait "$MONJ"
rc=$?
[ "$rc" -eq 3 ] || fail "monitor --json exited $rc when the bus went away, expected 3"
grep -q "^kvm-reclaimctl: kvm-reclaimd stopped; waiting for it to come back\.$" "$TEST_TMP/monj.err" ||
	fail "monitor did not note the daemon stopping: $(cat "$TEST_TMP/monj.err")"
grep -q "^kvm-reclaimctl: kvm-reclaimd is running again\.$" "$TEST_TMP/monj.err" ||
	fail "monitor did not note the daemon coming back: $(cat "$TEST_TMP/monj.err")"
grep -q "^kvm-reclaimctl: Lost the connection to the bus at " "$TEST_TMP/monj.err" ||
	fail "monitor did not note the bus going away: $(cat "$TEST_TMP/monj.err")"
python3 - "$TEST_TMP/monj" "$MON_START" "$A" "$B" "$TOP" "$ZAP_A" "$ZAP_B" <<'PY' || fail "monitor --json: $(cat "$TEST_TMP/monj")"
import json, sys, time
path, start, a, b, top, zap_a, zap_b = sys.argv[1:]
lines = [json.loads(l) for l in open(path).read().splitlines()]
manual = [(l["VM"], l["Cgroup"], l["Action"], l["Pages"]) for l in lines
          if l["Signal"] == "Reclaimed" and l["Reason"] == "manual"]
want = [(a, top + "/a", "caches", 100), (b, top + "/b", "caches", 60), (b, top + "/b", "zap", 940)]
want += [(v, top + s, "zap", int(n)) for v, s, n in ((a, "/a", zap_a), (b, "/b", zap_b)) if int(n)]
want += [(b, top + "/b", "zap", 7)]
assert sorted(manual[:-1]) == sorted(want[:-1]) and manual[-1] == want[-1], (manual, want)
for l in lines:
    assert int(start) - 1 <= l["Timestamp"] / 1e6 <= time.time() + 1, l
    assert l["Signal"] in ("Reclaimed", "PressureEvent"), l
    if l["Signal"] == "PressureEvent":
        assert set(l) == {"Signal", "Timestamp", "Scope", "SomeAvg10", "FullAvg10"}, l
print("ok: monitor --json: %d objects" % len(lines))
PY
pass
