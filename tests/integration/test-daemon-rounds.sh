#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Reclaim rounds, through busctl on a private bus, against the fake kernel:
#  - a 3 s mmu_reclaim write (delay_ms=) runs in the worker thread: ListVMs
#    as nobody answers at once meanwhile, and the Reclaim reply comes when
#    the write is done;
#  - a VM holding only its pinned roots, above its MaxPages=, is asked once
#    ("zap 2 -> zapped 0") and then left alone until its count grows; a
#    manual Reclaim of it writes nothing and says why (the first series,
#    where MaxPages= is the daemon's cap timer's: --kernel=v1);
#  - PlanReclaim (anyone) shows the daemon's own plan, also with policy
#    settings that are not in force, and writes nothing;
#  - with --dry-run the daemon plans and logs the MaxPages= round and
#    writes nothing;
#  - a reload that changes nothing keeps the PSI triggers as they are
#    (Dump: same arming time); one that changes a threshold re-arms it.
. "$(dirname "$0")/../lib/daemon.sh"

: "${KVMR_DBUS_POLICY:?}"
require_dbus
require_nobody
require_cgroups
mount_fake --kernel=v1

TOP=/kvmr-rounds-$$
make_cgroup "$TOP"
make_cgroup "$TOP/slow"
make_cgroup "$TOP/roots"
spawn_in_cgroup "$TOP/slow" sleep 600; PS=$SPAWNED_PID
spawn_in_cgroup "$TOP/roots" sleep 600; PR=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PS" 10 5000 0 1
fakekvm_add_vm "$FAKE" "$PR" 11 4 0 1   # 4 shadow pages, all pinned roots
S=$PS-10
R=$PR-11

dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
write_conf() {
	cat >"$TEST_TMP/main.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
DisableKernelShrinker=no
RefreshInterval=1s
PressureWindow=2s
SystemPressureThreshold=$1
[Policy $TOP/roots]
MaxPages=2
[Policy /]
PressureThreshold=1900ms
CONF
}
write_conf 1800ms
DARGS=(--bus-address="$DBUS_TEST_ADDRESS" --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d"
	--runtime-conf-dir="$TEST_TMP/run.d")
start_daemon "${DARGS[@]}"

OBJ=(org.kvmreclaim1 /org/kvmreclaim1 org.kvmreclaim1.Manager)
call() { busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" "$@"; }
as_nobody() { run_as_nobody busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" "$@"; }
writes() { fakekvm_log "$FAKE" | grep -c "^$1 "; }

# --- A VM of pinned roots is asked once, then left alone. ---
fake_wait_log "^$R " 4
assert_eq "$(fakekvm_log "$FAKE" | grep "^$R ")" "$R zap 2 -> caches_freed=0 zapped=0 busy_vcpus=0" "first ask of $R"
sleep 3.5   # three more MaxPages= ticks
assert_eq "$(writes "$R")" 1 "writes to $R after it gave nothing"
grep -q "VM $R gave nothing to \"zap\" at 4 page-table pages (only root pages in use)" "$DAEMON_LOG" ||
	fail "no word that $R gave nothing"
ok "$R asked once in 4 s of MaxPages= ticks"
# A manual reclaim of it writes nothing and says why.
call Reclaim sts "$R" 100 zap >"$TEST_TMP/out" || fail "Reclaim $R"
grep -q '^tta(ss) 0 0 1 "'"$R"'" "gave nothing more when last asked (zap: only root pages in use at 4); asked again once its page tables grow"$' \
	"$TEST_TMP/out" || fail "Reclaim of $R: $(cat "$TEST_TMP/out")"
assert_eq "$(writes "$R")" 1 "writes to $R after a manual reclaim"
ok "a manual reclaim of $R wrote nothing and said why"
# Its count grows: it is asked again, gives what is above its roots.
fakekvm_set "$FAKE" "$R" shadow=+10
fake_log_mark
fake_wait_log "^$R " 3
fakekvm_log "$FAKE" | grep "^$R " | tail -n 1 | grep -q "^$R zap 12 -> caches_freed=0 zapped=10 " ||
	fail "no second ask after growth: $(fakekvm_log "$FAKE" | grep "^$R ")"
sleep 2.2
assert_eq "$(writes "$R")" 2 "writes to $R after it went back to its roots"
ok "asked again once its count grew, then left alone"

# --- PlanReclaim: the daemon's plan, written nowhere. ---
BEFORE=$(fakekvm_log "$FAKE" | wc -l)
as_nobody PlanReclaim 'stsa(sa{sv})' "$TOP/slow" 100 zap 0 >"$TEST_TMP/out" || fail "PlanReclaim as nobody"
assert_eq "$(cat "$TEST_TMP/out")" "a(sssbtt)a(ss) 1 \"$S\" \"$PS\" \"$TOP/slow\" false 0 100 0" "plan of zap 100"
# What MaxPages=4000 on $TOP/slow would do now, and an invalid setting.
as_nobody PlanReclaim 'stsa(sa{sv})' / 0 max-pages 1 "$TOP/slow" 1 MaxPages t 4000 >"$TEST_TMP/out" ||
	fail "PlanReclaim with a policy"
grep -q "^a(sssbtt)a(ss) 1 \"$S\" \"$PS\" \"$TOP/slow\" false 0 1000 1 \"$R\" \"gave nothing more when last asked (zap: only root pages in use at 4).*\"$" \
	"$TEST_TMP/out" || fail "plan with MaxPages=4000: $(cat "$TEST_TMP/out")"
as_nobody PlanReclaim 'stsa(sa{sv})' / 0 max-pages 1 "$TOP/slow" 2 MinPages t 100 MaxPages t 50 \
	2>"$TEST_TMP/err" && fail "PlanReclaim took MaxPages below MinPages"
grep -q "must not be below MinPages" "$TEST_TMP/err" || fail "PlanReclaim error: $(cat "$TEST_TMP/err")"
as_nobody PlanReclaim 'stsa(sa{sv})' / 0 max-pages 1 "$TOP/slow" 1 Weight u 0 2>"$TEST_TMP/err" &&
	fail "PlanReclaim took Weight=0"
grep -q "Weight=0 is out of range" "$TEST_TMP/err" ||
	fail "PlanReclaim error for Weight=0: $(cat "$TEST_TMP/err")"
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" "$BEFORE" "writes after PlanReclaim"
ok "PlanReclaim planned and wrote nothing"

# --- A 3 s write does not hold up the bus. ---
fakekvm_set "$FAKE" "$S" delay_ms=3000
call Reclaim sts "$S" 100 zap >"$TEST_TMP/slow-out" 2>&1 &
SLOW=$!
cleanup_pid "$SLOW"
sleep 0.5
T0=$(date +%s%N)
as_nobody ListVMs >/dev/null || fail "ListVMs during a slow write"
as_nobody Dump >"$TEST_TMP/dump" || fail "Dump during a slow write"
T1=$(date +%s%N)
MS=$(((T1 - T0) / 1000000))
grep -q '"RoundInFlight" b true' "$TEST_TMP/dump" || fail "Dump does not show the round in flight"
[ "$MS" -lt 1000 ] || fail "ListVMs and Dump took $MS ms during a 3 s write"
ok "ListVMs and Dump answered in $MS ms during a 3 s mmu_reclaim write"
wait "$SLOW" || fail "the slow Reclaim failed: $(cat "$TEST_TMP/slow-out")"
assert_eq "$(cat "$TEST_TMP/slow-out")" "tta(ss) 0 100 0" "the slow Reclaim's reply"
fakekvm_set "$FAKE" "$S" delay_ms=0

# --- Reloads keep triggers whose settings did not change. ---
armed() { call Dump | grep -o "\"$1\" \"[^\"]*\" [0-9]* [0-9]* [0-9]*" | awk '{ print $NF }'; }
H1=$(armed host)
C1=$(armed /)
[ -n "$H1" ] && [ -n "$C1" ] || fail "Dump lacks the triggers: $(call Dump)"
call Reload || fail "Reload"
assert_eq "$(armed host)" "$H1" "host trigger after a reload that changed nothing"
assert_eq "$(armed /)" "$C1" "cgroup trigger after a reload that changed nothing"
write_conf 1700ms
call Reload || fail "Reload"
[ "$(armed host)" != "$H1" ] || fail "host trigger not re-armed for a new threshold"
assert_eq "$(armed /)" "$C1" "cgroup trigger after a host threshold change"
ok "a reload keeps unchanged PSI triggers and re-arms a changed one"

# --- --dry-run: the MaxPages= round is planned and logged, not written. ---
stop_daemon || fail "unclean exit"
fakekvm_set "$FAKE" "$R" shadow=+10
BEFORE=$(fakekvm_log "$FAKE" | wc -l)
start_daemon "${DARGS[@]}" --dry-run
assert_eq "$(busctl --address="$DBUS_TEST_ADDRESS" get-property "${OBJ[@]}" DryRun)" "b true" "DryRun"
# The plan in the log is what a dry run is for.
wait_until 5 grep -Eq "Plan \(max-pages\): 1 VMs, caches ~0 pages, zap 12 pages" "$DAEMON_LOG" ||
	fail "dry run did not plan the cap"
wait_until 2 grep -q "Dry run: not carrying the plan out" "$DAEMON_LOG" || fail "dry run did not say so"
call Reclaim sts "$S" 10 zap >"$TEST_TMP/out" || fail "Reclaim in a dry run"
assert_eq "$(cat "$TEST_TMP/out")" "tta(ss) 0 0 1 \"$S\" \"dry run: zap 10 planned, not carried out\"" "dry-run Reclaim"
sleep 1.5
assert_eq "$(fakekvm_log "$FAKE" | wc -l)" "$BEFORE" "writes in a dry run"
ok "--dry-run planned, logged and wrote nothing"
stop_daemon || fail "unclean exit"
pass
