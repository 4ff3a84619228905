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
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)
. "$REPO/tests/lib/common.sh"
. "$REPO/scripts/deb-root.sh"
. "$TEST_DIR/lib.sh"

require_root
command -v debootstrap >/dev/null || skip "debootstrap not installed (scripts/install-deps.sh deb)"
why=$(deb_namespaces_why)
[ -z "$why" ] || skip "$why"
start=$(date +%s)

meson_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$REPO/meson.build" | head -1)
deb_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$REPO/debian/changelog")
check "debian/changelog's version $deb_version is meson.build's ($meson_version)" \
	test "$meson_version" = "$deb_version"

t0=$(date +%s)
pkgs=$("$REPO/scripts/build-deb.sh" | tail -1) && [ -d "$pkgs" ] ||
	fail "scripts/build-deb.sh: the package build or lintian failed"
ok "dpkg-buildpackage -us -uc -b in a clean root, lintian clean ($(( $(date +%s) - t0 ))s; $(tr '\n' ' ' <"$pkgs/times"))"
sed -n 's/^O: /lintian override: /p; s/^N: /  reason: /p' "$pkgs/lintian-overrides.txt"

daemon_deb=$(ls "$pkgs"/kvm-reclaimd_*_amd64.deb)
deps=$(dpkg-deb -f "$daemon_deb" Depends)
check "Depends computed from the shared libraries: $deps" eval '[[ $deps == *"libsystemd0 ("* && $deps == *"libc6 ("* ]]'

# The series as kernel/series lists it, to compare with what the package ships.
t=$TEST_TMP/t
mkdir -p "$t/kernel"
cp "$TEST_DIR/report.sh" "$TEST_DIR/in-root-package.sh" "$t/"
cp "$REPO/kernel/series" "$REPO/kernel/VERSION" "$t/kernel/"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$REPO/kernel/series"); do cp "$REPO/kernel/$p" "$t/kernel/"; done

base=$(deb_layer_base) || fail "no Debian 12 root (debootstrap)"
t0=$(date +%s)
deb_run -r "$pkgs:/debs" -r "$t:/t" "$base" -- "bash /t/in-root-package.sh" >"$t/root.out" 2>&1
deb_report "$t/root.out" "the throw-away root"
echo "# in the throw-away root: $(( $(date +%s) - t0 ))s; whole test: $(( $(date +%s) - start ))s"
deb_done
