#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real memory pressure in a real cgroup fires a real PSI trigger, and the
# daemon answers with exactly the planned writes: caches first, then page
# tables by the share rule (in proportion to what each VM holds), each
# VM's taken by the commands cheapest for the guest first (free-empty,
# zap-cold, zap); the round is sized by the stall (at most StepPages=); the
# protected VM in another cgroup is never touched.  Pressure comes from a
# process whose working set is a bit over its memory limit (a 96 MiB file
# re-read under 64 MiB).
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
[ -r "$CG2/memory.pressure" ] || skip "no per-cgroup memory.pressure in $CG2"
[ -r /proc/pressure/memory ] || skip "no /proc/pressure/memory (CONFIG_PSI off?)"
mount_fake
TOP=/kvmr-pt-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"

# The memory limit: v1 memcg on hybrid hosts, memory.max on unified ones.
set_memory_limit "$TOP/a" $((64 << 20)) || skip "cannot set a memory limit on $TOP/a"

spawn_in_cgroup "$TOP/a" sleep 600; PA1=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sleep 600; PA2=$SPAWNED_PID
spawn_in_cgroup "$TOP/b" sleep 600; PB=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PA1" 10 5000 100 4
fakekvm_add_vm "$FAKE" "$PA2" 11 1000 0 2
fakekvm_add_vm "$FAKE" "$PB" 12 9000 50 4

# The host trigger asks for 90% of every window, so only the cgroup fires.
dbus_start_private || fail "no private bus"
start_reclaimd "StepPages=1100" "PressureWindow=500ms" "SystemPressureThreshold=450ms" \
	"[Policy $TOP/a]" "PressureThreshold=10ms" \
	"[Policy $TOP/b]" "Protect=yes" "PressureThreshold=10ms"
bus_call Dump | grep -q "\"$TOP/a\" \"[^\"]*/memory.pressure\"" || fail "no PSI trigger on $TOP/a: $(bus_call Dump)"
# Unprivileged (no CAP_SYS_RESOURCE) hosts refuse 500 ms: said once.
if grep -q "refused a 500ms PSI window" "$DAEMON_LOG"; then
	assert_eq "$(grep -c 'refused a 500ms PSI window' "$DAEMON_LOG")" 1 "fallback messages"
fi
bus_monitor_start
sleep 1
assert_eq "$(fake_log_lines)" 0 "writes before any pressure"

# Make real pressure in $TOP/a.
START=$(date +%s.%N)
start_pressure "$TOP/a" "$TEST_TMP/working-set" || skip "cannot make pressure in $TOP/a"
bus_wait_signal PressureEvent "\"$TOP/a\"" 60 || fail "no pressure event from a real PSI trigger within 60 s"
END=$(date +%s.%N)
# The first round, from its plan line: caches (A1's 100) first.
wait_until 10 grep -q "Plan (pressure:$TOP/a)" "$DAEMON_LOG" || fail "no pressure round planned"
PLAN=$(grep -m1 "Plan (pressure:$TOP/a)" "$DAEMON_LOG")
echo "$PLAN" | grep -q "caches ~100 pages" || fail "caches first: $PLAN"
wait_until 5 eval 'fakekvm_log "$FAKE" | grep -q "^$PA1-10 caches "' || fail "no write: $(fake_log_since)"
fakekvm_log "$FAKE" | grep "^$PA1-10 " | head -n 1 | grep -q "^$PA1-10 caches -> caches_freed=100 " ||
	fail "caches not first: $(fakekvm_log "$FAKE")"
ok "the first round freed A1's 100 cache pages first"
# The first round that takes page tables (the first ones may be small: a
# round is sized by the stall, between a batch and StepPages=1100).
zap_plan() { grep "Plan (pressure:$TOP/a)" "$DAEMON_LOG" | grep -v "zap 0 pages" | head -n 1; }
wait_until 30 eval '[ -n "$(zap_plan)" ]' || fail "no round took page tables: $(grep "Plan (" "$DAEMON_LOG")"
PLAN=$(zap_plan)
ZAP=$(sed -n 's/.*zap \([0-9]*\) pages.*/\1/p' <<<"$PLAN")
CACHES=$(sed -n 's/.*caches ~\([0-9]*\) pages.*/\1/p' <<<"$PLAN")
[ $((ZAP + CACHES)) -le 1100 ] && [ $((ZAP + CACHES)) -ge 64 ] || fail "a round of $((ZAP + CACHES)) pages: $PLAN"
# Zapped a round later: wait for both VMs' first "zap".
wait_until 20 eval '[ "$(fakekvm_log "$FAKE" | grep -c " zap [0-9]* -> ")" -ge 2 ]' ||
	fail "no zap a round later: $(fakekvm_log "$FAKE")"
kill "$PRESSURE_PID"
LOG=$(fakekvm_log "$FAKE")
# The share rule: 5000:1000, so A1 gives 5/6 of the tables.  A round asks
# a VM for at least a batch (64) and carries what each owes to the next,
# so the split holds over the rounds, within a batch, not in each one:
# sum what every plan asked of each (A1 shrinks a little meanwhile).
asked() { awk -v vm="  $1:" '/^Plan \(/ { p = index($0, "pressure:'"$TOP"'/a") > 0 }
	p && index($0, vm) == 1 { sub(/.*zap=/, ""); n += $0 } END { print n + 0 }' "$DAEMON_LOG"; }
Z1=$(asked "$PA1-10"); Z2=$(asked "$PA2-11"); ZAP=$((Z1 + Z2))
[ "$Z2" -gt 0 ] || fail "A2 was never asked: $(grep -A3 "^Plan (" "$DAEMON_LOG")"
[ $((Z1 * 6 - ZAP * 5)) -ge -384 ] && [ $((Z1 * 6 - ZAP * 5)) -le 384 ] ||
	fail "A1 was asked $Z1 of $ZAP, not 5/6 within a batch: $(grep -A3 "^Plan (" "$DAEMON_LOG")"
# Cheapest for the guest first: free-empty, then zap-cold, whose first
# call on a VM only ages its tables; the oldest pages go only once a
# zap-cold a window later found none cold (the fake has none here).
echo "$LOG" | grep "^$PA1-10 " | cut -d' ' -f2 | sed -n 2,5p | tr '\n' ' ' |
	grep -qx "free-empty zap-cold zap-cold zap " || fail "A1's commands were not free-empty, zap-cold (twice), zap: $LOG"
ok "a round took $ZAP page-table pages 5:1 ($Z1 and $Z2): free-empty, zap-cold (aging, then none cold), then zap"
echo "$LOG" | grep -q "^$PB-12 " && fail "the protected VM was written to"

SHADOW=$(fakekvm_get "$FAKE" "$PA1-10" shadow)
[ "$SHADOW" -lt 5000 ] || fail "A1's shadow pages did not fall: $SHADOW"
assert_eq "$(fakekvm_get "$FAKE" "$PB-12" shadow)" 9000 "protected VM's shadow pages"
assert_eq "$(fakekvm_get "$FAKE" "$PB-12" cache)" 50 "protected VM's cache pages"

bus_wait_signal Reclaimed "\"$PA1-10\".*\"pressure:$TOP/a\"" 2 || fail "no Reclaimed signal for the pressure round"
printf 'first PSI event %.1f s after the hog started\n' "$(echo "$END - $START" | bc)"
stop_daemon || fail "unclean exit"
pass
