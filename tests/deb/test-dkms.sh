#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-dkms.sh - kvm-reclaim-dkms as an operator of a stock Debian 12 host
# would use it, without installing anything on this host:
#
#  1. a throw-away Debian 12 root (tests/deb/lib.sh) gets the Debian 6.12
#     kernel image and headers, linux-source-6.12 and dkms from the
#     archive, then both packages with apt: DKMS builds kvm.ko, kvm-amd.ko
#     and kvm-intel.ko in the postinst;
#  2. tests/deb/in-root-dkms.sh checks the result there (dkms status,
#     modinfo, modprobe's choice) and that a headers/source version
#     mismatch stops a build with the reason;
#  3. that Debian kernel boots under qemu TCG (-cpu max, SVM) with the built
#     modules in a busybox initramfs (tests/deb/guest/dkms-init.sh): for
#     kvm_amd.npt=0 (shadow MMU) and npt=1 (TDP MMU) the modules load, the
#     series' selftest x86_64/mmu_reclaim_test (static, from the patched
#     tree) runs, kvm-reclaimd from the package reports the kernel interface
#     and restores kvm.mmu_shrinker; then, under lockdown=integrity (what
#     Secure Boot brings), writing mmu_reclaim and loading the unsigned
#     modules are refused.
#
#   tests/deb/test-dkms.sh            (meson test --suite deb-vm)
#
# Environment: KERNEL_TEST_LOG_DIR keeps the console; KERNEL_TEST_TIMEOUT
# bounds the qemu run (default 1500 s).
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)
. "$REPO/tests/lib/common.sh"
. "$REPO/scripts/deb-root.sh"
. "$TEST_DIR/lib.sh"
. "$REPO/tests/kernel/splats.sh"

deb_vm_prelude dkms

# 1. Packages, roots, selftest.
t0=$(date +%s)
deb_vm_roots
t1=$(date +%s)
installed=$(deb_installed_layer "$pkgs" "$kernel" "$base") ||
	fail "apt-get install of the packages failed (DKMS build?)"
ok "apt-get install of both packages over a Debian 6.12 kernel; DKMS built the modules (layers $(t "$t0"), install and DKMS $(t "$t1"))"
deb_log "the series' selftest"
selftest=$("$TEST_DIR/build-selftest.sh" | tail -1) && [ -x "$selftest/mmu_reclaim_test" ] ||
	fail "could not build mmu_reclaim_test"

# 2. In the root.
deb_log "checks in the root"
mkdir -p "$work/t" "$work/out"
cp "$TEST_DIR/report.sh" "$TEST_DIR/in-root-dkms.sh" "$work/t/"
deb_run -r "$work/t:/t" -b "$work/out:/out" "$installed" "$kernel" "$base" -- \
	"bash /t/in-root-dkms.sh" >"$work/root.out" 2>&1
deb_report "$work/root.out" "the root with the packages installed"
[ -s "$work/out/vmlinuz" ] && [ -s "$work/out/modules/order" ] || fail "nothing to boot"
abi=$(cat "$work/out/abi")

# 3. Boot Debian's kernel with the DKMS modules.
printf '[Daemon]\nDebugfsDir=/sys/kernel/debug/kvm\nDisableKernelShrinker=yes\n' >"$work/kvm-reclaimd.conf"
console=$log_dir/console-dkms.log
deb_log "booting Debian's kernel $abi with the DKMS modules, console in $console"
t0=$(date +%s)
rc=0
"$REPO/kernel/scripts/boot-qemu.sh" -k "$work/out/vmlinuz" -i "$TEST_DIR/guest/dkms-init.sh" \
	-d "$work/out/modules:/modules" -d "$work/out/fs:/" \
	-f "$selftest/mmu_reclaim_test:/tests/mmu_reclaim_test" \
	-f "$work/kvm-reclaimd.conf:/dkms/kvm-reclaimd.conf" \
	-c 2 -m 2G -t "${KERNEL_TEST_TIMEOUT:-1500}" -l "$console" >/dev/null || rc=$?
qemu_secs=$(( $(date +%s) - t0 ))
clean=$log_dir/console-dkms.clean
tr -d '\r' <"$console" >"$clean"
k() { sed -n "s/^DKMS $1 //p" "$clean"; }

check "Debian's kernel $abi booted and the guest ran to completion (qemu rc=$rc, ${qemu_secs}s)" \
	eval 'k BOOTED | grep -q "^$abi " && grep -q "^DKMS DONE" "$clean"'
for npt in 0 1; do
	check "npt=$npt: kvm.ko and kvm-amd.ko load: $(k INSMOD | grep "^npt=$npt kvm" | grep -v intel | tr '\n' ';')" \
		eval 'k INSMOD | grep -q "^npt=$npt kvm.ko rc=0" && k INSMOD | grep -q "^npt=$npt kvm-amd.ko rc=0"'
	l=$(k LOADED | grep "^npt=$npt ")
	want=$([ "$npt" = 1 ] && echo Y || echo N)
	check "npt=$npt: the DKMS modules run: $l" \
		eval '[[ $l == *"version=$(dpkg-deb -f "$pkgs"/kvm-reclaim-dkms_*.deb Version)-kvm-reclaim "* &&
		        $l == *"kvm_amd.npt=$want "* && $l == *"mmu_shrinker=Y"* ]]'
	src=$(k SELFTEST | sed -n "s/^npt=$npt rc=//p")
	case $src in
	0) ok "npt=$npt: mmu_reclaim_test passes: $(grep "^DKMS-LOG selftest npt=$npt: ok " "$clean" | sed 's/.*: ok [0-9]* //' | tr '\n' ';')" ;;
	4) echo "SKIP: npt=$npt: mmu_reclaim_test skips: $(grep "^DKMS-LOG selftest npt=$npt: .*[Rr]equirement" "$clean" | head -1 | sed 's/^DKMS-LOG selftest npt=[01]: //')" ;;
	*) soft_fail "npt=$npt: mmu_reclaim_test exits ${src:-nothing}"
	   grep "^DKMS-LOG selftest npt=$npt: " "$clean" | tail -20 ;;
	esac
	check "npt=$npt: kvm-reclaimd reports the interface and sets kvm.mmu_shrinker N, then Y on exit" \
		eval 'grep -q "^DKMS-LOG daemon npt=$npt: .*Kernel reclaim interface present: active mode" "$clean" &&
		      k DAEMON | grep -qx "npt=$npt mmu_shrinker_running=N" &&
		      k DAEMON_EXIT | grep -qx "npt=$npt rc=0 mmu_shrinker_after=Y"'
done
check "kvm-intel.ko resolves every symbol (its init fails only for want of VMX): $(k INSMOD | grep 'npt=0 kvm-intel' | cut -d' ' -f3-)" \
	eval '! grep -Eq "kvm_intel: (Unknown symbol|disagrees about version)" "$clean" && k INSMOD | grep -q "npt=0 kvm-intel.ko rc="'
check "under lockdown: $(k LOCKDOWN | tail -1)" eval 'k LOCKDOWN | grep -q "now=.*\[integrity\]"'
check "under lockdown the selftest cannot write mmu_reclaim (EPERM): $(k LOCKDOWN_SELFTEST)" \
	eval 'k LOCKDOWN_SELFTEST | grep -Eq "rc=[1-9][0-9]* eperm=[1-9]"'
check "under lockdown kvm.ko, signed with DKMS's own key that no kernel keyring holds, is refused: $(k LOCKDOWN_INSMOD)" \
	eval 'k LOCKDOWN_INSMOD | grep -Eq "^rc=[1-9]"'
if grep -v '^DKMS-LOG' "$clean" | grep -nE "$KERNEL_SPLATS" >"$log_dir/splats-dkms"; then
	soft_fail "kernel log has splats:"
	sed 's/^/#   /' "$log_dir/splats-dkms" | head -20
else
	ok "kernel log is clean"
fi

grep -E 'module verification|taint|Lockdown' "$clean" | sed 's/^/# /' | head -5
echo "# times: qemu ${qemu_secs}s, whole test $(t "$start"); console: $console"
((${#DEB_FAILED[@]} > 0)) && { echo "# guest console:"; sed 's/^/#   /' "$clean" | tail -80; }
deb_done
