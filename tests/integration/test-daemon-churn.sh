#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Churn: CHURN_VMS VM creations and removals (default 1,000) over
# CHURN_SECONDS (default 10) while pressure events fire: real memory
# pressure in the VMs' cgroup (a PSI trigger) and a root Reclaim of the
# whole host every 0.2 s.  The daemon's RSS and open fds are printed after
# a warm-up and at the end, and must be flat: fds exactly, RSS within
# CHURN_RSS_TOLERANCE_KIB (default 2048 KiB).  Afterwards no VM is left in
# its tables (VMCount, ListVMs, Dump), it still answers, and it stops
# cleanly (no leak under ASan).  bench/churn.sh runs 10,000 VMs over 60 s.
. "$(dirname "$0")/../lib/daemon.sh"

N=${CHURN_VMS:-1000}
SECS=${CHURN_SECONDS:-10}
TOLERANCE=${CHURN_RSS_TOLERANCE_KIB:-2048}
require_dbus
require_cgroups
command -v python3 >/dev/null || skip "python3 not installed"
[ -r "$CG2/memory.pressure" ] || skip "no per-cgroup memory.pressure in $CG2"
mount_fake

TOP=/kvmr-churn-$$
make_cgroup "$TOP"
make_cgroup "$TOP/vms"
PIDS=()
for i in 1 2 3 4; do
	spawn_in_cgroup "$TOP/vms" sleep 600
	PIDS+=("$SPAWNED_PID")
done

# ASan keeps freed memory in a quarantine (256 MiB by default) that would
# look like growth; a small one keeps RSS meaningful and still catches use
# after free of what was freed last.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=1
dbus_start_private || fail "no private bus"
start_reclaimd "SystemPressureThreshold=450ms" "StepPages=256" \
	"[Policy $TOP/vms]" "PressureThreshold=10ms"
bus_monitor_start

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }
fd_list() { for f in /proc/"$DAEMON_PID"/fd/*; do echo "${f##*/} $(readlink "$f")"; done; }
settled() { [ "$(bus_prop VMCount)" = "u 0" ]; }

# Pressure: real, in the VMs' cgroup, and a host-wide Reclaim every 0.2 s.
start_pressure "$TOP/vms" "$TEST_TMP/working-set" || skip "cannot make memory pressure in $TOP/vms"
(
	while :; do
		busctl --address="$DBUS_TEST_ADDRESS" --timeout=30 call "${BUS_OBJ[@]}" Reclaim sts / 64 caches+zap \
			>/dev/null 2>"$TEST_TMP/reclaim.err1" ||
			# None there at that instant is an answer, not a failure.
			grep -q "No VM in cgroup '/'" "$TEST_TMP/reclaim.err1" ||
			{ cat "$TEST_TMP/reclaim.err1" >>"$TEST_TMP/reclaim.err"; echo x >>"$TEST_TMP/reclaim.failed"; }
		echo x >>"$TEST_TMP/reclaim.calls"
		sleep 0.2
	done
) &
RECLAIMER=$!
cleanup_pid "$RECLAIMER"

# Warm-up: 300 VMs (or a tenth of the churn) under the same pressure, so
# that buffers, the allocator's pools, the worker and its eventfd exist
# before the first figures (under ASan RSS climbs for the first ~300).
WARM=$((N / 10 > 300 ? N / 10 : 300))
python3 "$(dirname "$0")/churn-vms.py" "$FAKE" "$WARM" 2 "${PIDS[@]}" >/dev/null || fail "the warm-up churn failed"
wait_until 10 settled || fail "VMs left after the warm-up: $(bus_vm_ids | head)"
RSS0=$(rss)
FDS0=$(fds)
fd_list >"$TEST_TMP/fds0"
echo "start (after a warm-up of $WARM VMs): RSS $RSS0 KiB, $FDS0 open fds"

T0=$(date +%s.%N)
python3 "$(dirname "$0")/churn-vms.py" "$FAKE" "$N" "$SECS" "${PIDS[@]}" || fail "the churn failed"
T1=$(date +%s.%N)
stop_pid "$RECLAIMER"
kill "$PRESSURE_PID"
wait_until 20 settled || fail "VMs left in the daemon's tables after the churn: $(bus_prop VMCount): $(bus_vm_ids | head)"
sleep 0.5
RSS1=$(rss)
FDS1=$(fds)
fd_list >"$TEST_TMP/fds1"
echo "end (all $N removed): RSS $RSS1 KiB, $FDS1 open fds"
printf 'churn: %d VMs in %.1f s; %d Reclaim calls (%d failed), %d PressureEvent and %d Reclaimed signals\n' "$N" \
	"$(echo "$T1 - $T0" | bc)" "$(wc -l <"$TEST_TMP/reclaim.calls")" "$( (cat "$TEST_TMP/reclaim.failed" 2>/dev/null || true) | wc -l)" \
	"$(bus_count_signals PressureEvent)" "$(bus_count_signals Reclaimed)"

[ -s "$TEST_TMP/reclaim.failed" ] && fail "Reclaim calls failed during the churn: $(sort -u "$TEST_TMP/reclaim.err" | head -3)"
[ "$FDS1" = "$FDS0" ] || fail "open fds: $FDS0 before, $FDS1 after the churn: $(diff "$TEST_TMP/fds0" "$TEST_TMP/fds1")"
[ "$((RSS1 - RSS0))" -le "$TOLERANCE" ] || fail "RSS grew by $((RSS1 - RSS0)) KiB (tolerance $TOLERANCE KiB)"
ok "flat: fds $FDS0 -> $FDS1, RSS $RSS0 -> $RSS1 KiB (+$((RSS1 - RSS0)), tolerance $TOLERANCE)"
[ "$(bus_count_signals Reclaimed)" -gt 0 ] || fail "no round freed anything during the churn"
assert_eq "$(bus_call ListVMs)" "a(susstttta{sv}) 0" "ListVMs after the churn"
bus_call Dump | grep -q '"VMs" a(susstttta{sv}) 0' || fail "Dump lists VMs after the churn"
ok "no VM left in the tables: VMCount, ListVMs and Dump are empty"
stop_daemon || fail "the daemon did not stop cleanly (a leak under ASan exits 23)"
pass
