#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real memory pressure in a real cgroup fires a real PSI trigger, and the
# daemon answers with exactly the planned writes: caches first, then a zap
# from the VM furthest above its fair share; the protected VM in another
# cgroup is never touched.  Pressure comes from a process whose working set
# is a bit over its memory limit (a 96 MiB file re-read under 64 MiB).
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
# The round: three writes.
wait_until 10 eval '[ "$(fake_log_lines)" -ge 3 ]' || fail "the pressure round did not write: $(fake_log_since)"
kill "$PRESSURE_PID"

# Exactly the plan: A1's caches (the only cache in the scope), then the
# other 1000 pages in proportion to what each holds, 5000:1000, so 833 from
# A1 and 167 from A2 (the VMs go in id order, so compare sorted).
LOG=$(fakekvm_log "$FAKE")
echo "$LOG" | head -n 3 | sort > "$TEST_TMP/first-round"
printf '%s\n' "$PA1-10 caches -> caches_freed=100 zapped=0 busy_vcpus=0" \
	"$PA1-10 zap 833 -> caches_freed=0 zapped=833 busy_vcpus=0" \
	"$PA2-11 zap 167 -> caches_freed=0 zapped=167 busy_vcpus=0" | sort > "$TEST_TMP/expected"
diff -u "$TEST_TMP/expected" "$TEST_TMP/first-round" || fail "first round was not the planned writes"
echo "$LOG" | grep -q "^$PB-12 " && fail "the protected VM was written to"

SHADOW=$(fakekvm_get "$FAKE" "$PA1-10" shadow)
[ "$SHADOW" -le 4167 ] || fail "A1's shadow pages did not fall by its 833: $SHADOW"
assert_eq "$(fakekvm_get "$FAKE" "$PB-12" shadow)" 9000 "protected VM's shadow pages"
assert_eq "$(fakekvm_get "$FAKE" "$PB-12" cache)" 50 "protected VM's cache pages"

bus_wait_signal Reclaimed "\"$PA1-10\".*\"pressure:$TOP/a\"" 2 || fail "no Reclaimed signal for the pressure round"
printf 'first PSI event %.1f s after the hog started\n' "$(echo "$END - $START" | bc)"
stop_daemon || fail "unclean exit"
pass
