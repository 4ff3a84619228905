#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fairness-init.sh - /init of the fairness comparison (busybox sh), booted
# by tests/kernel/e2e-fairness.sh.  Five real VMs (fairness-holder) of 1, 2,
# 4, 8 and 16 GiB, each in its own cgroup, then the same host-wide memory
# pressure (an anonymous hog swapping to zram) once per run of $RUNS:
#
#   shrinker   no daemon, kvm.mmu_shrinker=Y: the stock shrinker does what
#              the kernel's reclaim asks of it
#   <name>     kvm-reclaimd with /e2e/<name>.conf
#
# Between two runs every VM touches all its memory again, so each run
# starts from the same footprints.  fairness-probe records the kernel's
# side of each run.  It only measures and reports; the host script judges.
#
# Output for the host, one line each:
#   FAIR <key> <value...>      a measurement or a state
#   FP <run> <probe line>      fairness-probe's output for that run
#   FAIR-LOG <file>: <line>    the holders' and the hogs' output
#   FAIR-DMESG <line>          the kernel's log (the console shows only
#                              emergencies, which would break our lines)
#   FAIR DONE                  then reboot -f (qemu -no-reboot exits)
# Parameters come from /e2e/params (shell variables).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup

VMS="v1:1 v2:2 v3:4 v4:8 v5:16" HOT_EVERY=4 PERIOD_MS=100 RUNS="shrinker policy equal"
ZRAM_SIZE=1536M HOG_EXTRA_MIB=192 PRESSURE_SECS=3 SETTLE_SECS=1
WINDOW_US=500000 THRESHOLD_US=50000 SAMPLE_MS=20 EVENT_TIMEOUT=120 READY_TIMEOUT=600
DAEMON_ENV=
. /e2e/params

KVM=/sys/kernel/debug/kvm
SHRINKER=/sys/module/kvm/parameters/mmu_shrinker
CG=/sys/fs/cgroup

fair() { echo "FAIR $*"; }
# wait_for FILE PATTERN SECS: poll every 0.1 s; 0 when PATTERN showed up.
wait_for() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}
logs() {
	for f in /tmp/*.out; do
		# The probes' output is already out, as FP lines.
		case $f in /tmp/probe-*) continue ;; esac
		[ -f "$f" ] && sed "s|^|FAIR-LOG $(basename "$f" .out): |" "$f"
	done
}
finish() {
	logs
	dmesg | sed 's|^|FAIR-DMESG |'
	fair DONE
	sync
	reboot -f
}
fatal() {
	fair FATAL "$*"
	finish
}
names() { for s in $VMS; do echo "${s%%:*}"; done; }

# The kernel's messages would land in the middle of our lines on the one
# console: keep them in the log buffer (printed at the end) unless urgent.
dmesg -n 1
fair BOOTED "$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" \
	"tdp_mmu=$(cat /sys/module/kvm/parameters/tdp_mmu 2>/dev/null)"

# The holders map up to 16 GiB each and touch 4 KiB per 2 MiB of it.
echo 1 >/proc/sys/vm/overcommit_memory

# cgroups: each VM in its own, under /vms; the daemon and the probe in
# /system; the hog in /hog.  /vms and /system are protected (memory.min):
# the host's reclaim takes the hog's memory, never the guests' or the
# daemon's, so the page tables that go are those the shrinker or the daemon
# takes.  (Guest memory swapped out would leave page tables that map
# nothing, which free-empty frees at no cost to anybody: e2e-daemon.sh's
# case; here the question is who pays.)
echo +memory >$CG/cgroup.subtree_control
mkdir -p $CG/vms $CG/system $CG/hog
echo +memory >$CG/vms/cgroup.subtree_control
echo max >$CG/vms/memory.min
echo max >$CG/system/memory.min
for v in $(names); do
	mkdir -p $CG/vms/$v
	echo max >$CG/vms/$v/memory.min
done
echo $$ >$CG/system/cgroup.procs
# The initramfs's files are tmpfs pages charged to the root cgroup, which
# the hog's pressure swaps out: the daemon would then fault on its own
# code (seen: ~1 s of major faults before its first plan).  On a host its
# code is on disk and its unit can protect it (MemoryMin=); here, copy the
# programs' files from /system so that their pages are charged to it.
for f in $(find /bin /usr /lib /lib64 /e2e -type f 2>/dev/null); do
	cp -p "$f" "$f.sys" && mv "$f.sys" "$f"
done

if echo "$ZRAM_SIZE" >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0; then
	fair SWAP "$(grep -v ^Filename /proc/swaps)"
else
	fatal "no zram swap"
fi

# The VMs, each holder in its cgroup before it execs.
for s in $VMS; do
	v=${s%%:*} gib=${s#*:}
	sh -c "echo \$\$ >$CG/vms/$v/cgroup.procs && exec /e2e/fairness-holder -n $v -g $gib \
		-h $HOT_EVERY -p $PERIOD_MS" >/tmp/$v.out 2>&1 &
	eval "PID_$v=$!"
done
t=0
for v in $(names); do
	eval pid=\$PID_$v
	until grep -q '^READY' /tmp/$v.out; do
		if [ $t -ge $((READY_TIMEOUT * 10)) ] || ! kill -0 "$pid" 2>/dev/null; then
			fatal "holder $v not ready after $((t / 10)) s"
		fi
		sleep 0.1
		t=$((t + 1))
	done
done
IDS=
for v in $(names); do
	eval pid=\$PID_$v
	id=$(awk '/^READY/ {print $2 "-" $3; exit}' /tmp/$v.out)
	eval "ID_$v=$id"
	IDS="$IDS $id"
	fair VM "$v $id cgroup=$(cut -d: -f3 /proc/$pid/cgroup) $(grep ^READY /tmp/$v.out)"
done
fair READY_SECS "$((t / 10))"

# Every VM touches all its memory; returns when each said so.
sweep_all() {
	for v in $(names); do
		eval pid=\$PID_$v
		eval "n_$v=$(grep -c ^SWEPT /tmp/$v.out)"
		kill -USR1 "$pid"
	done
	for v in $(names); do
		eval pid=\$PID_$v n=\$n_$v
		i=0
		while [ "$(grep -c ^SWEPT /tmp/$v.out)" -le "$n" ]; do
			kill -0 "$pid" 2>/dev/null || fatal "holder $v died"
			[ $i -ge 1200 ] && fatal "holder $v did not sweep in 120 s"
			sleep 0.1
			i=$((i + 1))
		done
	done
}

# utime+stime (clock ticks) of what competes for the CPUs, and the CPUs' idle.
cpu_times() {
	for lp in hog:$PID_hog daemon:$PID_daemon probe:$PID_probe kswapd0:$(pidof kswapd0) \
		$(for v in $(names); do eval echo $v:\$PID_$v; done); do
		p=${lp#*:}
		[ -n "$p" ] && [ -r /proc/$p/stat ] &&
			awk -v l="${lp%%:*}" '{ sub(/^.*\) /, ""); printf "%s=%d ", l, $12 + $13 }' /proc/$p/stat
	done
	awk '/^cpu / { printf "idle=%d total=%d", $5, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat
}

avail_mib() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }

# One run: the same pressure, whoever reclaims.
run() {
	name=$1
	fair RUN "$name start uptime=$(cut -d' ' -f1 /proc/uptime)"
	sweep_all
	sleep 0.5
	PID_daemon= log=
	if [ "$name" != shrinker ]; then
		# The daemon logs into a FIFO that the probe reads and stamps.
		log=/tmp/log-$name
		mkfifo $log
		mkdir -p /tmp/conf.d-$name /tmp/run.d-$name
		sh -c "echo \$\$ >$CG/system/cgroup.procs && exec env $DAEMON_ENV /usr/bin/kvm-reclaimd --no-bus \
			--config=/e2e/$name.conf --conf-dir=/tmp/conf.d-$name \
			--runtime-conf-dir=/tmp/run.d-$name --debugfs-dir=$KVM --log-level=debug" \
			>$log 2>&1 &
		PID_daemon=$!
	fi
	# shellcheck disable=SC2086
	/e2e/fairness-probe -p /proc/pressure/memory -t "$THRESHOLD_US" -w "$WINDOW_US" \
		-i "$SAMPLE_MS" -k $KVM -r ${log:+-l $log -P $PID_daemon} $IDS \
		>/tmp/probe-$name.out 2>/tmp/probe-$name.err &
	PID_probe=$!
	if [ -n "$log" ]; then
		wait_for /tmp/probe-$name.out '^D .*running:' 120 || fatal "daemon ($name) did not start"
		sleep 1
	fi
	fair SHRINKER "$name $(cat $SHRINKER)"
	sleep 0.3
	hog_mib=$(($(avail_mib) + HOG_EXTRA_MIB))
	sh -c "echo \$\$ >$CG/hog/cgroup.procs && exec /e2e/hog $hog_mib" >/tmp/hog-$name.out 2>&1 &
	PID_hog=$!
	fair HOG "$name pid=$PID_hog mib=$hog_mib"
	fair CPU "$name $(cpu_times)"
	if ! wait_for /tmp/probe-$name.out '^E ' "$EVENT_TIMEOUT"; then
		fair FIRST_EVENT "$name none"
	fi
	sleep "$PRESSURE_SECS"
	fair CPU "$name $(cpu_times)"
	kill -KILL "$PID_hog"
	wait "$PID_hog" 2>/dev/null
	fair PSI "$name memory: $(tr '\n' ' ' </proc/pressure/memory)"
	fair PSI "$name cpu: $(tr '\n' ' ' </proc/pressure/cpu)"
	fair PSI "$name /system memory: $(tr '\n' ' ' <$CG/system/memory.pressure)"
	sleep "$SETTLE_SECS"
	if [ -n "$PID_daemon" ]; then
		kill -TERM "$PID_daemon"
		wait "$PID_daemon"
		fair DAEMON_EXIT "$name $?"
		fair SHRINKER "$name-after $(cat $SHRINKER)"
	fi
	kill -TERM "$PID_probe"
	wait "$PID_probe"
	fair PROBE_EXIT "$name $?"
	sed "s|^|FP $name |" /tmp/probe-$name.out
	sed "s|^|FAIR PROBE_ERR $name |" /tmp/probe-$name.err
	fair RUN "$name end uptime=$(cut -d' ' -f1 /proc/uptime)"
}

fair MEM "$(grep -E '^(MemTotal|MemAvailable):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
for r in $RUNS; do
	run "$r"
done

# Every guest reads all its memory back once more, then exits.
for v in $(names); do
	eval pid=\$PID_$v
	kill -TERM "$pid"
done
for v in $(names); do
	eval pid=\$PID_$v
	wait "$pid"
	fair HOLDER_EXIT "$v $?"
done
finish
