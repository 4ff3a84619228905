#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-deb.sh - build the Debian packages of the working tree as a fresh
# Debian 12 machine would: in a clean root (scripts/deb-root.sh) holding only
# what debian/control's Build-Depends pull in, with
# "dpkg-buildpackage -us -uc -b", then lintian at its default level.
# Prints the directory that holds the .debs, the .changes, the build log
# and lintian's output (last line of stdout).
#
#   scripts/build-deb.sh             (cached: an unchanged tree is not rebuilt)
#   KVMR_DEB_REBUILD=1 scripts/build-deb.sh
#
# Fails when the build fails or lintian reports any error or warning.
# On a machine that has the Build-Depends, building in place works too:
# "dpkg-buildpackage -us -uc -b" (the packages land in the parent directory).
set -euo pipefail
. "$(dirname "$0")/deb-root.sh"

version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$DEB_REPO/debian/changelog")
src=$(mktemp -d "$DEB_CACHE/runs/src.XXXXXX")
trap 'rm -rf "$src"' EXIT
deb_copy_tree "$src/kvm-reclaimd-$version"

# The packages are keyed by every file of the tree copy but the scripts of
# the package tests themselves (tests/deb, but for its meson.build).
key=$( (cd "$src" && find . -type f ! \( -path "*/tests/deb/*" ! -name meson.build \) -print0 |
	sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
out=$DEB_CACHE/pkgs-$key
exec {lock}>"$DEB_CACHE/.lock-pkgs"
flock "$lock"
if [[ -e $out.done && -z ${KVMR_DEB_REBUILD:-} ]]; then
	deb_log "cached packages: $out"
	echo "$out"
	exit 0
fi

# The build root: Build-Depends, and lintian, over the base layer.
base=$(deb_layer_base)
mkdir -p "$src/ctl/debian"
cp "$DEB_REPO/debian/control" "$src/ctl/debian/"
bkey=$({ echo "$base"; cat "$DEB_REPO/debian/control"; } | sha256sum | cut -c1-12)
build_layer=$(deb_layer build "$bkey" \
	'apt-get update -qq
	 apt-get install -y -qq --no-install-recommends build-essential lintian >/dev/null
	 apt-get build-dep -y -qq /ctl >/dev/null
	 apt-get clean' \
	-r "$src/ctl:/ctl" "$base")

rm -rf "$out" "$out.done"
mkdir -p "$out"
deb_log "dpkg-buildpackage -us -uc -b in a clean $DEB_SUITE root, log in $out/build.log"
start=$(date +%s)
rc=0
deb_run -r "$src:/src" -b "$out:/out" "$build_layer" "$base" -- "
	cp -a /src/kvm-reclaimd-$version /build
	cd /build
	DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b >/out/build.log 2>&1 ||
		{ tail -40 /out/build.log; exit 1; }
	cp ../*.deb ../*.changes ../*.buildinfo /out/
	" || rc=$?
build_secs=$(( $(date +%s) - start ))
if ((rc != 0)); then
	deb_log "dpkg-buildpackage failed after ${build_secs}s (log: $out/build.log)"
	exit 1
fi
deb_log "built in ${build_secs}s: $(cd "$out" && echo *.deb)"

# lintian at its default level: errors and warnings fail.  The overridden
# tags and their reasons are kept too (--show-overrides also makes them
# count for --fail-on, hence a second run).
start=$(date +%s)
rc=0
deb_run -b "$out:/out" "$build_layer" "$base" -- "
	cd /out
	lint() { HOME=/tmp runuser -u nobody -- lintian \"\$@\" *.changes; }
	lint --show-overrides >lintian-overrides.txt 2>&1 || true
	lint --fail-on error,warning >lintian.txt 2>&1" || rc=$?
lintian_secs=$(( $(date +%s) - start ))
if ((rc != 0)) || grep -q '^[EW]: ' "$out/lintian.txt"; then
	cat "$out/lintian.txt" >&2
	deb_log "lintian found errors or warnings (after ${lintian_secs}s)"
	exit 1
fi
printf 'build_secs=%s\nlintian_secs=%s\n' "$build_secs" "$lintian_secs" >"$out/times"
deb_log "lintian: clean in ${lintian_secs}s$(grep -c '^O: ' "$out/lintian-overrides.txt" | sed 's/^0$//; s/^[1-9].*/ (& overridden, with reasons: lintian-overrides.txt)/')"
touch "$out.done"
ls -1dt "$DEB_CACHE"/pkgs-*.done 2>/dev/null | tail -n +4 | while read -r d; do rm -rf "${d%.done}" "$d"; done
echo "$out"
