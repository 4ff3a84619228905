#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-package.sh - the Debian packages end to end, short of a booted
# system: scripts/build-deb.sh builds them in a clean Debian 12 root with
# dpkg-buildpackage -us -uc -b and runs lintian (any error or warning
# fails), then tests/deb/in-root-package.sh installs them with apt into a
# fresh throw-away Debian 12 root whose PID 1 is not systemd, checks where
# every file went, that the unit is enabled, and that a purge leaves the
# root as it found it.
#
#   tests/deb/test-package.sh        (meson test --suite deb)
#
# Cold (debootstrap, build root, packages): about 4 min; warm: about 1 min.
set -uo pipefail
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)
. "$REPO/tests/install/lib.sh"
. "$REPO/scripts/deb-root.sh"
set +e

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, overlayfs)"
command -v debootstrap >/dev/null || skip "debootstrap not installed (scripts/install-deps.sh deb)"
start=$(date +%s)

meson_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$REPO/meson.build" | head -1)
deb_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$REPO/debian/changelog")
[ "$meson_version" = "$deb_version" ] && ok "debian/changelog version $deb_version is meson.build's" ||
	fail "debian/changelog says $deb_version, meson.build says $meson_version"

t0=$(date +%s)
if ! pkgs=$("$REPO/scripts/build-deb.sh" | tail -1) || [ ! -d "$pkgs" ]; then
	fail "scripts/build-deb.sh: the package build or lintian failed"
	finish
	exit 1
fi
ok "dpkg-buildpackage -us -uc -b in a clean root, lintian clean ($(( $(date +%s) - t0 ))s; $(tr '\n' ' ' <"$pkgs/times"))"
grep -c '^O: ' "$pkgs/lintian.txt" | grep -qx 0 || sed -n 's/^O: /lintian override: /p' "$pkgs/lintian.txt"

daemon_deb=$(ls "$pkgs"/kvm-reclaimd_*_amd64.deb)
deps=$(dpkg-deb -f "$daemon_deb" Depends)
case $deps in
*libsystemd0*libinih1* | *libinih1*libsystemd0*) ok "Depends computed from the shared libraries: $deps" ;;
*) fail "Depends lacks the shlibs of libsystemd0 and libinih1: $deps" ;;
esac

# The series as kernel/series lists it, to compare with what the package ships.
t=$(mktemp -d "$DEB_CACHE/runs/t.XXXXXX")
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/kernel"
cp "$REPO/tests/install/lib.sh" "$TEST_DIR/in-root-package.sh" "$t/"
cp "$REPO/kernel/series" "$REPO/kernel/VERSION" "$t/kernel/"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$REPO/kernel/series"); do cp "$REPO/kernel/$p" "$t/kernel/"; done

base=$(deb_layer_base) || { fail "no Debian 12 root (debootstrap)"; finish; exit 1; }
t0=$(date +%s)
deb_run -r "$pkgs:/debs" -r "$t:/t" "$base" -- "bash /t/in-root-package.sh" >"$t/root.out" 2>&1
rc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' "$t/root.out"
passed=$((passed + $(grep -c '^ok: ' "$t/root.out")))
failed=$((failed + $(grep -c '^FAIL: ' "$t/root.out")))
grep -q '^[0-9]* passed, [0-9]* failed$' "$t/root.out" || fail "the in-root checks did not finish (exit $rc)"
echo "# in the throw-away root: $(( $(date +%s) - t0 ))s; whole test: $(( $(date +%s) - start ))s"
finish
