#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ab-init.sh - /init of one boot of bench/kernel-ab.sh (busybox sh): runs
# the two workloads once and prints, for the host to parse,
#   AB DPT <overall demand paging rate, pages/s>
#   AB LOOP <fault_loop rate, faults/s>
#   AB DONE
# then reboots (qemu -no-reboot exits).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

echo "AB BOOTED $(uname -r) npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" \
	"series=$(test -e /sys/module/kvm/parameters/mmu_shrinker && echo patched || echo unpatched)"
cd /ab || exit 1
./demand_paging_test -b 256M -v 2 >/tmp/dpt.out 2>&1
sed -n 's/^Overall demand paging rate:[[:space:]]*\([0-9.]*\).*/AB DPT \1/p' /tmp/dpt.out
./fault_loop -m 128 -v 2 -r 4 >/tmp/loop.out 2>&1
sed -n 's/^FAULT_LOOP .*rate=\([0-9.]*\).*/AB LOOP \1/p' /tmp/loop.out
tail -3 /tmp/dpt.out /tmp/loop.out | sed 's/^/AB-LOG /'
echo "AB DONE"
sync
reboot -f
