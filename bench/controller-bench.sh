#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The controller's figures on the fake kernel, one table (not a test:
# nothing here passes or fails; bench/README.md has the targets):
#  - reaction: PSI wake-up to the last mmu_reclaim write of the round that
#    answers it, p50 and p99 over EVENTS (100) events at 10, 100, 1,000
#    and 10,000 VMs, and the CPU time per event (bench/reaction-bench.c,
#    the daemon's code in-process);
#  - idle: the real daemon with 1,000 VMs under a MaxPages= policy, no
#    pressure and no VM changes for IDLE seconds (60): its wake-ups
#    (context switches of all its threads, /proc/PID/task/*/status) and
#    CPU time;
#  - memory: its RSS at 1,000 and 10,000 VMs.
# A release build (no sanitizers) in $KVMR_BENCH_BUILD (build-bench).
#   bench/controller-bench.sh [EVENTS [IDLE]]
set -eu
cd "$(dirname "$0")/.."
EVENTS=${1:-100}
IDLE=${2:-60}
BUILD=${KVMR_BENCH_BUILD:-build-bench}
scripts/install-deps.sh >/dev/null
[ -f "$BUILD/build.ninja" ] ||
	meson setup "$BUILD" -Dbuildtype=release -Db_sanitize=none -Dkernel_tests=false >/dev/null
ninja -j2 -C "$BUILD" daemon/kvm-reclaimd tests/fakekvm/fakekvm bench/reaction-bench >/dev/null
B_ABS=$(realpath "$BUILD")
export FAKEKVM="$B_ABS/tests/fakekvm/fakekvm" KVM_RECLAIMD="$B_ABS/daemon/kvm-reclaimd"
. tests/lib/daemon.sh
trap 'fail "interrupted"' INT
[ -w /proc/pressure/memory ] || skip "no writable /proc/pressure/memory"

printf '%s, %d CPUs, %s\n' "$(uname -r)" "$(nproc)" "$(date -u +%Y-%m-%d)"
echo
echo "Reaction: PSI wake-up to the last kernel write of its round ($EVENTS events, back to back, StepPages=4096)"
printf '%8s %9s %9s %9s %9s %10s %10s %7s %9s %9s\n' VMs "p50 (ms)" "p99 (ms)" "max (ms)" "1st write" \
	"round p99" "CPU/event" writes recount plan
for n in 10 100 1000 10000; do
	mount_fake "$TEST_TMP/kvm-$n"
	mkdir -p "$TEST_TMP/work-$n"
	read -r vms _ _ plan99 p50 p99 max _ d99 cpu writes recount plan < <("$B_ABS/bench/reaction-bench" "$FAKE" "$n" "$EVENTS" \
		"$TEST_TMP/work-$n" 2>"$TEST_TMP/work-$n/log") || { cat "$TEST_TMP/work-$n/log" >&2; fail "reaction-bench $n"; }
	ms() { echo "$1 / 1000" | bc -l; }
	printf '%8s %9.3f %9.3f %9.3f %9.3f %10.3f %10.3f %7s %9.3f %9.3f\n' "$vms" "$(ms "$p50")" "$(ms "$p99")" \
		"$(ms "$max")" "$(ms "$plan99")" "$(ms "$d99")" "$(ms "$cpu")" "$writes" "$(ms "$recount")" "$(ms "$plan")"
	fakekvm_umount "$FAKE" >/dev/null 2>&1 || true
done
echo "(ms; p50/p99/max: wake-up to the last write; 1st write: p99 of wake-up to the first write,"
echo " i.e. counting and planning; round p99: to the end of the round, the recount after it included;"
echo " CPU/event: both daemon threads; writes: kernel writes per event; recount, plan: one full"
echo " recount and one host round's plan, timed apart)"

# --- Idle and memory: the real daemon on a private bus. ---
add_vms() { # add_vms FROM TO
	local i
	for ((i = $1; i < $2; i++)); do
		mkdir "$FAKE/$((200000 + i))-10"
		echo "shadow=$((1000 + i % 5000)) cache=$((i % 160)) vcpus=2" >"$FAKE/$((200000 + i))-10/.fake_state"
	done
}
mount_fake "$TEST_TMP/kvm-idle"
add_vms 0 1000
dbus_start_private >/dev/null || fail "no private bus"
start_reclaimd "PressureWindow=2s" "SystemPressureThreshold=1900ms" "[Policy /]" "MaxPages=100000"
sleep 3   # the settle recount, the caps written at start
ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
switches() { cat /proc/"$DAEMON_PID"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
S0=$(switches) T0=$(ticks)
sleep "$IDLE"
S1=$(switches) T1=$(ticks)
bus_call ListVMs >/dev/null
RSS1=$(rss VmRSS) ANON1=$(rss RssAnon)
add_vms 1000 10000
wait_until 120 eval '[ "$(bus_prop VMCount)" = "u 10000" ]' || fail "the daemon does not see 10,000 VMs"
sleep 2
bus_call ListVMs >/dev/null
RSS10=$(rss VmRSS) ANON10=$(rss RssAnon)
HZ=$(getconf CLK_TCK)
echo
echo "Idle: 1,000 VMs, MaxPages= kept by the kernel, no pressure, no VM changes, $IDLE s"
printf '  wake-ups (context switches, all threads): %d in %d s = %.1f per minute\n' $((S1 - S0)) "$IDLE" \
	"$(echo "($S1 - $S0) * 60 / $IDLE" | bc -l)"
printf '  CPU time: %.2f s\n' "$(echo "($T1 - $T0) / $HZ" | bc -l)"
echo
echo "Memory (VmRSS, of which RssAnon: the daemon's own; the rest are shared libraries)"
printf '  1,000 VMs:  %6d KiB (anon %d KiB)\n' "$RSS1" "$ANON1"
printf '  10,000 VMs: %6d KiB (anon %d KiB)\n' "$RSS10" "$ANON10"
stop_daemon >/dev/null || true
for d in "$FAKE"/*-10; do rmdir "$d"; done
