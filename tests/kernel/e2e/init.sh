#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# init.sh - /init of the kernel end-to-end test (busybox sh), booted by
# tests/kernel/e2e-daemon.sh.  Two real shadow-paged VMs (vm_holder) in
# /vms/a and /vms/b, kvm-reclaimd watching both, an anonymous hog swapping
# to zram in /vms/a.  It only measures and reports; the host script judges.
#
# Output for the host, one line each:
#   E2E <key> <value...>       a measurement or a state
#   E2E-LOG <file>: <line>     the daemon's and the holders' output, at the end
#   E2E DONE                   then reboot -f (qemu -no-reboot exits)
# Parameters come from /e2e/params (shell variables).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup

HOLDER_MIB=64 HOLDER_ALIASES=64 HOLDER_INTERVAL=4 A_HIGH=160M A_MAX=224M HOG_MIB=96
ZRAM_SIZE=512M HOG_SECS=8 EVENT_TIMEOUT=120 READY_TIMEOUT=600
. /e2e/params

KVM=/sys/kernel/debug/kvm
SHRINKER=/sys/module/kvm/parameters/mmu_shrinker
CG=/sys/fs/cgroup

e2e() { echo "E2E $*"; }
# Centiseconds since boot.
now_cs() { tr -d . </proc/uptime | cut -d' ' -f1; }
# wait_for FILE PATTERN SECS: poll every 0.1 s; 0 when PATTERN showed up.
wait_for() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}
stat_of() { cat "$KVM/$1/$2" 2>/dev/null || echo -1; }
finish() {
	for f in daemon a b hog; do
		[ -f /tmp/$f.out ] && sed "s|^|E2E-LOG $f: |" /tmp/$f.out
	done
	e2e DONE
	sync
	reboot -f
}

e2e BOOTED "$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"

# cgroups: the memory controller down to /vms/a and /vms/b.
echo +memory >$CG/cgroup.subtree_control
mkdir -p $CG/vms/a $CG/vms/b
echo +memory >$CG/vms/cgroup.subtree_control
# The hog pushes /vms/a over memory.high: reclaim and throttling, real
# stalls, never an OOM kill.  memory.max, above holder + hog, only caps it:
# with memory.max as the pressure point (160M) the holder's verify rounds
# during the hog once ended in a memcg OOM kill (all anon active, reclaim
# gave up after its retries).
echo "$A_HIGH" >$CG/vms/a/memory.high
echo "$A_MAX" >$CG/vms/a/memory.max
e2e CGROUP "a memory.high=$(cat $CG/vms/a/memory.high) memory.max=$(cat $CG/vms/a/memory.max)"

# zram swap for the hog.
if echo "$ZRAM_SIZE" >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0; then
	e2e SWAP "$(grep -v ^Filename /proc/swaps)"
else
	e2e FATAL "no zram swap"
	finish
fi

# The two VMs, each holder in its cgroup before it execs.
for v in a b; do
	sh -c "echo \$\$ >$CG/vms/$v/cgroup.procs && exec /e2e/vm_holder -n $v \
		-m $HOLDER_MIB -a $HOLDER_ALIASES -i $HOLDER_INTERVAL" >/tmp/$v.out 2>&1 &
	eval "PID_$v=$!"
done
# Progress every 10 s while the guests build their shadow page tables.
t=0
until grep -q '^READY' /tmp/a.out && grep -q '^READY' /tmp/b.out; do
	if [ $t -ge $((READY_TIMEOUT * 10)) ] || ! kill -0 "$PID_a" 2>/dev/null ||
		! kill -0 "$PID_b" 2>/dev/null; then
		e2e FATAL "holders not ready after $((t / 10)) s"
		finish
	fi
	[ $((t % 100)) -eq 0 ] && e2e WAIT "$((t / 10)) s:" \
		"$(for d in $KVM/*-*; do echo "$(basename $d)=$(cat $d/mmu_shadow_pages)"; done)" \
		"a=$(cat $CG/vms/a/memory.current) b=$(cat $CG/vms/b/memory.current)"
	sleep 0.1
	t=$((t + 1))
done
ID_a=$(awk '/^READY/ {print $2 "-" $3; exit}' /tmp/a.out)
ID_b=$(awk '/^READY/ {print $2 "-" $3; exit}' /tmp/b.out)
e2e VM a "$ID_a" "$(grep ^READY /tmp/a.out)" "cgroup=$(cut -d: -f3 /proc/$PID_a/cgroup)"
e2e VM b "$ID_b" "$(grep ^READY /tmp/b.out)" "cgroup=$(cut -d: -f3 /proc/$PID_b/cgroup)"
e2e SHRINKER before "$(cat $SHRINKER)"

# The daemon.
mkdir -p /tmp/conf.d /tmp/run.d
/usr/bin/kvm-reclaimd --no-bus --config=/e2e/kvm-reclaimd.conf --conf-dir=/tmp/conf.d \
	--runtime-conf-dir=/tmp/run.d --debugfs-dir=$KVM --log-level=debug >/tmp/daemon.out 2>&1 &
PID_daemon=$!
if ! wait_for /tmp/daemon.out 'running:' 120; then
	e2e FATAL "daemon did not start"
	finish
fi
e2e SHRINKER running "$(cat $SHRINKER)"
sleep 1

for v in a b; do
	eval id=\$ID_$v
	e2e COUNT "$v before shadow=$(stat_of "$id" mmu_shadow_pages) cache=$(stat_of "$id" mmu_cache_pages)"
done
e2e MEM "a memory.current=$(cat $CG/vms/a/memory.current) before the hog"

# A's shadow pages every 0.2 s while the hog runs: the lowest shows a zap
# even if the holder's next round already rebuilt them.
(while :; do stat_of "$ID_a" mmu_shadow_pages; sleep 0.2; done) >/tmp/a-samples &
PID_sampler=$!

sh -c "echo \$\$ >$CG/vms/a/cgroup.procs && exec /e2e/hog $HOG_MIB" >/tmp/hog.out 2>&1 &
PID_hog=$!
hog_start=$(now_cs)
e2e HOG started "pid=$PID_hog mib=$HOG_MIB"
if wait_for /tmp/daemon.out 'Pressure on /vms/a handled' "$EVENT_TIMEOUT"; then
	e2e FIRST_EVENT_CS $(($(now_cs) - hog_start))
else
	e2e FIRST_EVENT_CS none
fi
sleep "$HOG_SECS"
kill "$PID_hog"
wait "$PID_hog" 2>/dev/null
e2e MEM "a memory.peak=$(cat $CG/vms/a/memory.peak 2>/dev/null) memory.events: $(tr '\n' ' ' <$CG/vms/a/memory.events)"
e2e PSI "a $(tr '\n' ' ' <$CG/vms/a/memory.pressure)"
sleep 0.5
kill "$PID_sampler"
e2e A_SHADOW_MIN "$(sort -n /tmp/a-samples | head -1)"
e2e A_SHADOW_SAMPLES "$(tr '\n' ' ' </tmp/a-samples)"
for v in a b; do
	eval id=\$ID_$v
	e2e COUNT "$v after shadow=$(stat_of "$id" mmu_shadow_pages) cache=$(stat_of "$id" mmu_cache_pages)" \
		"last_result=$(cat $KVM/$id/mmu_reclaim 2>/dev/null)"
done

# Both guests must still see their data: one more round each, now.
for v in a b; do
	eval pid=\$PID_$v
	eval "n_$v=$(grep -c ^VERIFIED /tmp/$v.out)"
	kill -USR1 "$pid"
done
for v in a b; do
	eval n=\$n_$v
	i=0
	while [ "$(grep -c ^VERIFIED /tmp/$v.out)" -le "$n" ] && [ $i -lt 1800 ]; do
		kill -0 "$(eval echo \$PID_$v)" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	e2e VERIFY "$v $(grep -E '^(VERIFIED|MISMATCH)' /tmp/$v.out | tail -1)"
done

kill -TERM "$PID_daemon"
wait "$PID_daemon"
e2e DAEMON_EXIT $?
e2e SHRINKER after "$(cat $SHRINKER)"
for v in a b; do
	eval pid=\$PID_$v
	kill -TERM "$pid"
	wait "$pid"
	e2e HOLDER_EXIT "$v $?"
done
finish
