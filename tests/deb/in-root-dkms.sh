#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# in-root-dkms.sh - runs inside a throw-away Debian 12 root that has a
# Debian 6.12 kernel, its headers, linux-source-6.12 and both packages
# installed with apt (tests/deb/lib.sh, layer "installed"); started by
# tests/deb/test-dkms.sh with tests/deb/report.sh at /t/report.sh and an
# output directory at /out.
#
# Checks what DKMS made of kvm-reclaim-dkms in the packages' postinst, that
# a headers/source version mismatch stops a build with the reason, and
# copies out what the qemu boot needs: the kernel, the modules in load
# order, kvm-reclaimd with its libraries.
set -u
. /t/report.sh

abi=$(ls /usr/lib/modules | grep -m1 '^6\.12\.')
src_v=$(dpkg-query -W -f '${Version}' linux-source-6.12)
pkg_v=$(dpkg-query -W -f '${Version}' kvm-reclaim-dkms)
upd=/lib/modules/$abi/updates/dkms
echo "# kernel $abi, linux-source-6.12 $src_v, kvm-reclaim-dkms $pkg_v"
sed -n '/kvm-reclaim-dkms:\|^Building\|DKMS\|Signing\|Certificate\|Installing\|depmod/p' \
	/root/kvm-reclaim-install.log | sed 's/^/  | /'

st=$(dkms status kvm-reclaim 2>/dev/null)
[[ $st == "kvm-reclaim/$pkg_v, $abi, x86_64: installed" ]] && ok "dkms status: $st" ||
	fail "dkms status: $st"
grep -q "kvm-reclaim-dkms: building kvm.ko, kvm-amd.ko, kvm-intel.ko for $abi: linux-headers-$abi $src_v, linux-source-6.12 $src_v" \
	/root/kvm-reclaim-install.log && ok "the postinst's build compared linux-headers-$abi and linux-source-6.12: both $src_v" ||
	fail "no version check in the install log"

mkdir -p /out/modules
for m in kvm kvm-amd kvm-intel; do
	f=$(ls "$upd/$m".ko* 2>/dev/null)
	if [[ -z $f ]]; then
		fail "no $m module in $upd"
		continue
	fi
	ver=$(modinfo -F version "$f") magic=$(modinfo -F vermagic "$f")
	[[ $ver == "$pkg_v-kvm-reclaim" && $magic == "$abi "* ]] &&
		ok "$f: version $ver, vermagic $magic, signer '$(modinfo -F signer "$f")'" ||
		fail "$f: version '$ver', vermagic '$magic'"
done
modinfo -p "$upd"/kvm.ko* | grep -q '^mmu_shrinker:' && ok "the DKMS kvm.ko has the mmu_shrinker parameter" ||
	fail "the DKMS kvm.ko lacks mmu_shrinker"

# depmod prefers updates/ over the kernel's own modules: modprobe loads ours.
modprobe -S "$abi" --show-depends kvm_amd >/tmp/amd.deps 2>&1
modprobe -S "$abi" --show-depends kvm_intel >/tmp/intel.deps 2>&1
if grep -q "insmod $upd/kvm-amd.ko" /tmp/amd.deps && grep -q "insmod $upd/kvm.ko" /tmp/amd.deps &&
	grep -q "insmod $upd/kvm-intel.ko" /tmp/intel.deps && ! grep -q '/kernel/arch/x86/kvm/' /tmp/amd.deps /tmp/intel.deps; then
	ok "modprobe picks the DKMS modules: $(sed 's/^insmod //; s/ *$//' /tmp/amd.deps | tr '\n' ' ')"
else
	fail "modprobe --show-depends: $(cat /tmp/amd.deps /tmp/intel.deps)"
fi

# The modules for the guest, uncompressed (busybox insmod), in load order:
# kvm-amd's dependencies, then kvm-intel (whose init fails on an AMD CPU).
: >/out/modules/order
for f in $(sed -n 's/^insmod //p' /tmp/amd.deps /tmp/intel.deps | awk '{print $1}' | awk '!seen[$0]++'); do
	b=$(basename "$f")
	b=${b%.xz}
	xz -dc "$f" >"/out/modules/$b" 2>/dev/null || cp "$f" "/out/modules/$b"
	echo "$b" >>/out/modules/order
done
cp "/boot/vmlinuz-$abi" /out/vmlinuz
echo "$abi" >/out/abi

# kvm-reclaimd and its libraries, at their paths.
mkdir -p /out/fs/usr/bin
cp /usr/libexec/kvm-reclaimd /out/fs/usr/bin/kvm-reclaimd
for lib in $(ldd /usr/libexec/kvm-reclaimd | grep -o '/[^ ]*' | sort -u); do
	mkdir -p "/out/fs$(dirname "$lib")"
	cp -L "$lib" "/out/fs$lib"
done

# A mismatch between the headers and linux-source-6.12 stops the build with
# the reason.  The headers of another upload, made here as a package of its
# own whose build directory is this kernel's: DKMS, dpkg and the build see a
# real installed headers package of version 6.12.999-1.
fake=6.12.999+deb12-amd64
mkdir -p /tmp/fake/DEBIAN "/tmp/fake/usr/lib/modules/$fake"
ln -s "/usr/src/linux-headers-$abi" "/tmp/fake/usr/lib/modules/$fake/build"
cat >/tmp/fake/DEBIAN/control <<EOF
Package: linux-headers-$fake
Version: 6.12.999-1
Architecture: amd64
Maintainer: kvm-reclaimd tests <tests@kvm-reclaimd.invalid>
Description: headers of a Debian kernel that linux-source-6.12 is not
EOF
dpkg-deb -b /tmp/fake /tmp/fake.deb >/dev/null && dpkg -i /tmp/fake.deb >/dev/null ||
	fail "could not install the stand-in headers package"
rc=0
dkms build "kvm-reclaim/$pkg_v" -k "$fake" >/tmp/mismatch.out 2>&1 || rc=$?
# The reason is on the terminal (PRE_BUILD) and in make.log (MAKE).
msg=$(grep -m1 'version mismatch' /tmp/mismatch.out)
grep -q 'version mismatch' "/var/lib/dkms/kvm-reclaim/$pkg_v/build/make.log" ||
	fail "make.log does not give the reason: $(cat "/var/lib/dkms/kvm-reclaim/$pkg_v/build/make.log")"
if ((rc != 0)) && [[ $msg == *"linux-headers-$fake is 6.12.999-1 but linux-source-6.12 is $src_v"* ]] &&
	[[ ! -e /var/lib/dkms/kvm-reclaim/$pkg_v/$fake/x86_64/module ]] && [[ ! -d /var/lib/dkms/kvm-reclaim/$pkg_v/build/tree ]]; then
	ok "a mismatch stops the build (dkms exit $rc) before anything is extracted: $msg"
else
	sed 's/^/  | /' /tmp/mismatch.out
	fail "dkms build for headers 6.12.999-1 against linux-source-6.12 $src_v: exit $rc"
fi
dpkg --purge "linux-headers-$fake" >/dev/null

finish
