#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-selftest.sh - the series' own selftest, x86_64/mmu_reclaim_test,
# built statically from the patched tree (kernel/scripts/prepare-tree.sh)
# the way kernel/scripts/build.sh builds it, without building a kernel.
# Prints the directory holding it (last line of stdout).  Cached in the
# kernel cache as deb-selftest-<key>, keyed by the patched tree.
set -euo pipefail
. "$(dirname "$0")/../../kernel/scripts/common.sh"

tree=$("$KERNEL_DIR/scripts/prepare-tree.sh")
key=$({ src_key; cat "$0"; gcc --version | head -1; } | sha256sum | cut -c1-16)
out=$CACHE_DIR/deb-selftest-$key

exec 8>"$CACHE_DIR/.lock-deb-selftest"
flock 8
if [[ -e $out/.done ]]; then
	log "cached selftest: $out"
	echo "$out"
	exit 0
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
log "building x86_64/mmu_reclaim_test (static) from $tree"
start=$(date +%s)
if ! { make -C "$tree" O="$tmp/obj" -s headers_install INSTALL_HDR_PATH="$tmp/hdr" &&
	make -C "$tree/tools/testing/selftests/kvm" -j"$JOBS" OUTPUT="$tmp/st" \
		KHDR_INCLUDES="-isystem $tmp/hdr/include" LDFLAGS="-static -pthread -no-pie" \
		"$tmp/st/x86_64/mmu_reclaim_test"; } >"$tmp/build.log" 2>&1; then
	tail -30 "$tmp/build.log" >&2
	log "selftest build failed, log: $tmp/build.log"
	exit 1
fi
cp "$tmp/st/x86_64/mmu_reclaim_test" "$tmp/"
rm -rf "$tmp/obj" "$tmp/hdr" "$tmp/st"
echo "build_secs=$(( $(date +%s) - start ))" >"$tmp/times"
mv "$tmp" "$out"
touch "$out/.done"
ls -1dt "$CACHE_DIR"/deb-selftest-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
log "selftest built: $out"
echo "$out"
