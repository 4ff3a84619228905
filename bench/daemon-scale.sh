#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvm-reclaimd with N fake VMs (default 10,000): start-up scan, one
# ListVMs, one host-wide reclaim round over D-Bus, the Metrics text and
# the History after it, and the daemon's RSS.
# Prints figures; asserts nothing.  Usage: bench/daemon-scale.sh [N]
set -eu
cd "$(dirname "$0")/.."
N=${1:-10000}
BUILD=${KVMR_BUILD_DIR:-build}
scripts/install-deps.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dkernel_tests=false >/dev/null
ninja -C "$BUILD" >/dev/null
B_ABS=$(realpath "$BUILD")
export FAKEKVM="$B_ABS/tests/fakekvm/fakekvm" KVM_RECLAIMD="$B_ABS/daemon/kvm-reclaimd"
. tests/lib/daemon.sh
trap 'fail "interrupted"' INT

mount_fake
echo "creating $N VMs..."
for i in $(seq 1 "$N"); do
	mkdir "$FAKE/$((100000 + i))-10"
	echo "shadow=$((1000 + i % 5000)) cache=$((i % 160)) vcpus=4" > "$FAKE/$((100000 + i))-10/.fake_state"
done

dbus_start_private || fail "no private bus"
BUS_ADDR=$DBUS_TEST_ADDRESS
mkdir -p "$TEST_TMP/c" "$TEST_TMP/r"
t0=$(date +%s.%N)
start_daemon --bus-address="$BUS_ADDR" --config=/dev/null --conf-dir="$TEST_TMP/c" --runtime-conf-dir="$TEST_TMP/r" \
	--debugfs-dir="$FAKE" --state-dir="$TEST_TMP/state"
t1=$(date +%s.%N)
B=(busctl --address="$BUS_ADDR" --timeout=120 call org.kvmreclaim1 /org/kvmreclaim1 org.kvmreclaim1.Manager)
t2=$(date +%s.%N); "${B[@]}" ListVMs > /dev/null; t3=$(date +%s.%N)
"${B[@]}" Reclaim sts / 65536 caches+zap > "$TEST_TMP/out"; t4=$(date +%s.%N)
# Metrics right after the round's recount: the render and reply alone.
t5=$(date +%s.%N); "${B[@]}" Metrics s prometheus > "$TEST_TMP/metrics"; t6=$(date +%s.%N)
"${B[@]}" History t 0 > "$TEST_TMP/history"; t7=$(date +%s.%N)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
writes=$(wc -l < "$FAKE/.fake_log")
printf '%-44s %10s\n' "VMs" "$N"
printf '%-44s %10.2f s\n' "start-up (scan, identities, counters)" "$(echo "$t1 - $t0" | bc)"
printf '%-44s %10.2f s\n' "ListVMs (recount + reply)" "$(echo "$t3 - $t2" | bc)"
printf '%-44s %10.2f s\n' "host reclaim of 65536 pages (recount+plan+act)" "$(echo "$t4 - $t3" | bc)"
printf '%-44s %10s\n' "kernel writes in that round" "$writes"
printf '%-44s %10s\n' "freed (caches, zapped)" "$(cut -d' ' -f2,3 "$TEST_TMP/out")"
printf '%-44s %10.2f s\n' "Metrics (render + reply)" "$(echo "$t6 - $t5" | bc)"
printf '%-44s %10s\n' "Metrics text, bytes as busctl prints it" "$(wc -c < "$TEST_TMP/metrics")"
printf '%-44s %10.2f s\n' "History after that round" "$(echo "$t7 - $t6" | bc)"
printf '%-44s %10s KiB (peak %s KiB)\n' "daemon RSS" "$rss" "$hwm"
echo "removing VMs..."
stop_daemon
for d in "$FAKE"/*-10; do rmdir "$d"; done
