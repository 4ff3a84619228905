#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# guest-init.sh - /init of the kernel test initramfs (busybox sh).
#
# Runs every line of /tests/list, "NAME TIMEOUT COMMAND...", from /tests and
# prints one parseable line per test:
#
#   KTEST RESULT <name> <PASS|FAIL|SKIP> rc=<exit status> secs=<seconds>
#
# then "KTEST DONE" and reboots (qemu runs with -no-reboot, so it exits).  Exit status 4 (KSFT_SKIP) is a skip.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# The tests run in a memory cgroup, so that they can compare what the MMU
# stats say a reclaim freed with what the memcg got back.
if echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
	mkdir -p /sys/fs/cgroup/ktest; then
	echo $$ >/sys/fs/cgroup/ktest/cgroup.procs
fi

echo "KTEST BOOTED $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"mem=$(awk '/MemTotal/ {print $2 "kB"}' /proc/meminfo)" \
	"kvm=$(test -c /dev/kvm && echo yes || echo no)" \
	"npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" \
	"mmu_shrinker=$(cat /sys/module/kvm/parameters/mmu_shrinker 2>/dev/null)"

uptime_s() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

cd /tests
while read -r name tmo cmd; do
	case $name in ''|'#'*) continue ;; esac
	echo "KTEST BEGIN $name: $cmd"
	start=$(uptime_s)
	timeout "$tmo" sh -c "$cmd" 2>&1
	rc=$?
	secs=$(( $(uptime_s) - start ))
	case $rc in
	0) status=PASS ;;
	4) status=SKIP ;;
	*) status=FAIL ;;
	esac
	echo "KTEST RESULT $name $status rc=$rc secs=$secs"
done < /tests/list

echo "KTEST DONE"
sync
# No ACPI in the tiny kernel: reboot, which qemu -no-reboot turns into an exit.
reboot -f
