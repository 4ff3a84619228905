#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# dkms-init.sh - /init (busybox sh) of tests/deb/test-dkms.sh: Debian's own
# 6.12 kernel, booted under TCG with the modules DKMS built in the
# initramfs.  For npt=0 (shadow MMU) and npt=1 (TDP MMU): load them, run
# the series' selftest, run kvm-reclaimd until it reports the kernel
# interface, unload.  Then, with the modules loaded, lock the kernel down
# (integrity, what Secure Boot does) and show what that refuses.
#
# Output for the host, one line each:  DKMS <key> <values...>, then
# DKMS DONE and reboot -f.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup

d() { echo "DKMS $*"; }
# wait_for FILE PATTERN SECS
wait_for() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}
param() { cat "/sys/module/$1/parameters/$2" 2>/dev/null || echo none; }

# load NPT [TAG]: insmod in the order the host's modprobe gave (modules
# already loaded say "File exists"); kvm-intel's init fails on this AMD
# CPU, but only after its symbols were resolved.
load() {
	for m in $(cat /modules/order); do
		case $m in
		kvm-amd.ko) insmod /modules/$m npt=$1 2>/tmp/insmod.err ;;
		*) insmod /modules/$m 2>/tmp/insmod.err ;;
		esac
		d INSMOD "${2:-npt=$1} $m rc=$? $(cat /tmp/insmod.err)"
	done
}
unload() {
	rmmod kvm_amd 2>/dev/null
	rmmod kvm_intel 2>/dev/null
	rmmod kvm
}

d BOOTED "$(uname -r) $(cat /proc/cmdline)"
for npt in 0 1; do
	load $npt
	d LOADED "npt=$npt version=$(cat /sys/module/kvm/version 2>/dev/null)" \
		"amd_version=$(cat /sys/module/kvm_amd/version 2>/dev/null)" \
		"kvm_amd.npt=$(param kvm_amd npt) taint=$(cat /sys/module/kvm/taint 2>/dev/null)" \
		"mmu_shrinker=$(param kvm mmu_shrinker)"

	(cd /tests && timeout 900 ./mmu_reclaim_test -m 256 -a 16 -v 2 -r 4) >/tmp/st.out 2>&1
	rc=$?
	sed "s/^/DKMS-LOG selftest npt=$npt: /" /tmp/st.out
	d SELFTEST "npt=$npt rc=$rc"

	mkdir -p /tmp/c /tmp/r
	kvm-reclaimd --no-bus --config=/dkms/kvm-reclaimd.conf --conf-dir=/tmp/c \
		--runtime-conf-dir=/tmp/r --log-level=debug >/tmp/daemon.out 2>&1 &
	pid=$!
	if wait_for /tmp/daemon.out 'Kernel reclaim interface present\|Monitor-only' 60; then
		sleep 1
		d DAEMON "npt=$npt mmu_shrinker_running=$(param kvm mmu_shrinker)"
	else
		d DAEMON "npt=$npt no-mode-line"
	fi
	kill -TERM $pid
	wait $pid
	d DAEMON_EXIT "npt=$npt rc=$? mmu_shrinker_after=$(param kvm mmu_shrinker)"
	sed "s/^/DKMS-LOG daemon npt=$npt: /" /tmp/daemon.out
	unload
	d UNLOADED "npt=$npt kvm=$(test -d /sys/module/kvm && echo present || echo gone)"
done

# Lockdown (integrity), as a Secure Boot machine runs Debian's kernel.
load 0 lockdown
d LOCKDOWN "before=$(cat /sys/kernel/security/lockdown)"
echo integrity >/sys/kernel/security/lockdown
d LOCKDOWN "now=$(cat /sys/kernel/security/lockdown)"
(cd /tests && timeout 600 ./mmu_reclaim_test -m 64 -a 4 -v 1 -r 1) >/tmp/st.out 2>&1
rc=$?
sed "s/^/DKMS-LOG selftest lockdown: /" /tmp/st.out
d LOCKDOWN_SELFTEST "rc=$rc eperm=$(grep -c 'Operation not permitted\|errno = 1 ' /tmp/st.out)"
unload
insmod /modules/irqbypass.ko 2>/dev/null
insmod /modules/kvm.ko 2>/tmp/insmod.err
d LOCKDOWN_INSMOD "rc=$? $(cat /tmp/insmod.err)"

d DONE
sync
reboot -f
