#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-systemd.sh - "systemctl start kvm-reclaimd", for real: a Debian 12
# disk image (debootstrap; Debian's 6.12 kernel, its headers and
# linux-source-6.12 from the archive; both packages installed with apt from
# the built .debs, DKMS building the modules in their postinst) booted
# under qemu TCG with systemd as PID 1.  After boot,
# kvmr-systemd-test.service runs tests/deb/guest/systemd-test.sh, which
# checks as an operator would: start reaches active (Type=notify), status
# shows STATUS=, the watchdog fires on a frozen daemon, bus activation,
# kvm-reclaimctl over the system bus, a reclaim the daemon writes to
# mmu_reclaim, a 500 ms PSI window, reload with a bad drop-in, stop
# restoring kvm.mmu_shrinker, the journal, and dpkg --purge and -i with
# systemd running.  Its report comes back on a second serial port.
#
#   tests/deb/test-systemd.sh         (meson test --suite deb-vm)
#
# Environment: KERNEL_TEST_LOG_DIR keeps the consoles; KERNEL_TEST_TIMEOUT
# bounds the qemu run (default 1500 s).
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)
. "$REPO/tests/lib/common.sh"
. "$REPO/scripts/deb-root.sh"
. "$TEST_DIR/lib.sh"
. "$REPO/tests/kernel/splats.sh"

deb_vm_prelude systemd

# 1. Packages, roots, the guest's programs.
t0=$(date +%s)
deb_vm_roots
installed=$(deb_installed_layer "$pkgs" "$kernel" "$base") || fail "apt-get install of the packages failed"
helpers=$("$REPO/tests/kernel/e2e/build-helpers.sh" | tail -1) && [ -x "$helpers/vm_holder" ] ||
	fail "could not build vm_holder"

# 2. The test's own layer: the guest script and its unit, an fstab, a
#    machine id (so that the first boot does not apply presets).
mkdir -p "$work/t"
cp "$TEST_DIR/report.sh" "$TEST_DIR/guest/systemd-test.sh" "$helpers/vm_holder" "$work/t/"
key=$({ echo "$installed"; cat "$work/t"/*; declare -f; } | sha256sum | cut -c1-12)
sdtest=$(deb_layer sdtest "$key" '
	install -d /opt/kvmr
	install -m 0755 /t/systemd-test.sh /t/vm_holder /opt/kvmr/
	install -m 0644 /t/report.sh /opt/kvmr/
	install -d /opt/kvmr/debs
	install -m 0644 /debs/kvm-reclaimd_*_amd64.deb /opt/kvmr/debs/
	cat >/etc/systemd/system/kvmr-systemd-test.service <<EOF
[Unit]
Description=kvm-reclaimd checks of tests/deb/test-systemd.sh
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/opt/kvmr/systemd-test.sh
StandardOutput=tty
TTYPath=/dev/ttyS1
TTYReset=no
TTYVHangup=no
EOF
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >/etc/fstab
	echo kvmr-test >/etc/hostname
	systemd-machine-id-setup >/dev/null
	' -r "$work/t:/t" -r "$pkgs:/debs" "$installed" "$kernel" "$base") || fail "could not make the test layer"

# 3. The disk image (ext4, sparse), its kernel and initramfs: cached with the layer.
img=$sdtest.img
if [ ! -e "$img.done" ]; then
	t1=$(date +%s)
	rm -f "$img" "$img.done"
	deb_on_root "$sdtest" "$installed" "$kernel" "$base" -- "
		mkfs.ext4 -q -L kvmr-root -d \"\$DEB_ROOT_DIR\" '$img' 4G
		cp -L \"\$DEB_ROOT_DIR\"/boot/vmlinuz-6.12.* '$img.vmlinuz'
		cp -L \"\$DEB_ROOT_DIR\"/boot/initrd.img-6.12.* '$img.initrd'" ||
		fail "could not make the disk image"
	touch "$img.done"
	echo "# disk image made in $(t "$t1"): $(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) used"
fi
ok "Debian 12 image with the packages installed by apt ($(t "$t0") for packages, layers and image)"

# 4. Boot it: the console on ttyS0, the test's report on ttyS1.  The image
#    is opened with snapshot=on, so the run changes nothing in it.
console=$log_dir/console-systemd.log
report=$log_dir/report-systemd.log
rm -f "$report"
t0=$(date +%s)
rc=0
timeout --foreground -k 10 "${KERNEL_TEST_TIMEOUT:-1500}" \
	qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 2,sockets=2,cores=1,threads=1 \
	-kernel "$img.vmlinuz" -initrd "$img.initrd" \
	-append "root=/dev/vda rw console=ttyS0 kvm_amd.npt=0 tsc_early_khz=2600000 tsc=reliable panic=-1 systemd.wants=kvmr-systemd-test.service" \
	-drive "file=$img,format=raw,if=virtio,snapshot=on" \
	-display none -no-reboot -nodefaults -monitor none \
	-serial "file:$console" -serial "file:$report" </dev/null || rc=$?
qemu_secs=$(( $(date +%s) - t0 ))
tr -d '\r' <"$report" >"$report.clean"
deb_report "$report.clean" "the booted system"
check "the guest ran its checks and powered off (qemu rc=$rc, ${qemu_secs}s)" grep -q '^SDTEST DONE' "$report.clean"
if tr -d '\r' <"$console" | grep -nE "$KERNEL_SPLATS" >"$log_dir/splats-systemd"; then
	soft_fail "kernel log has splats:"
	sed 's/^/#   /' "$log_dir/splats-systemd" | head -20
else
	ok "kernel log is clean"
fi
echo "# times: qemu ${qemu_secs}s, whole test $(t "$start"); console: $console, report: $report"
((${#DEB_FAILED[@]} > 0)) && { echo "# console:"; tr -d '\r' <"$console" | sed 's/^/#   /' | tail -60; }
deb_done
