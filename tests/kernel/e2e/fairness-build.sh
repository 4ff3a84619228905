#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fairness-build.sh - build the guest programs of the fairness comparison
# (tests/kernel/e2e-fairness.sh, bench/kernel-fairness.sh) and print the
# directory that holds them (last line of stdout):
#
#   fairness-holder  static, against the patched tree's KVM selftests
#                    library (built out of tree as build.sh does, through
#                    holder.mk, which includes the selftests Makefile)
#   fairness-probe   static, the kernel's account of a run
#   hog              static anonymous-memory hog (hog.c)
#
# Cached like the kernels, in $CACHE_DIR/fairness-<key>; the key covers
# the patched tree, the sources, the interface header and this script.
set -euo pipefail
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
. "$E2E_DIR/../../../kernel/scripts/common.sh"

tree=$("$KERNEL_DIR/scripts/prepare-tree.sh")
key=$({ src_key; cat "$E2E_DIR/fairness-holder.c" "$E2E_DIR/fairness-probe.c" "$E2E_DIR/hog.c" \
	"$E2E_DIR/holder.mk" "$REPO_DIR/include/kvm-reclaim.h" "$0";
	gcc --version | head -1; } | sha256sum | cut -c1-16)
out=$CACHE_DIR/fairness-$key

exec 8>"$CACHE_DIR/.lock-fairness"
flock 8
if [[ -e $out/.done ]]; then
	log "cached fairness helpers: $out"
	echo "$out"
	exit 0
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
log "building fairness-holder against the selftests library of $tree"
start=$(date +%s)
fail() { tail -30 "$tmp/build.log" >&2; log "$1, log: $tmp/build.log"; exit 1; }
make -C "$tree" O="$tmp/obj" -s headers_install INSTALL_HDR_PATH="$tmp/hdr" >"$tmp/build.log" 2>&1 ||
	fail "headers_install failed"
# holder.mk builds $(OUTPUT)/vm_holder from HOLDER_SRC.
make -C "$tree/tools/testing/selftests/kvm" -f "$E2E_DIR/holder.mk" -j"$JOBS" \
	OUTPUT="$tmp/st" KHDR_INCLUDES="-isystem $tmp/hdr/include" \
	LDFLAGS="-static -pthread -no-pie" HOLDER_SRC="$E2E_DIR/fairness-holder.c" \
	"$tmp/st/vm_holder" >>"$tmp/build.log" 2>&1 || fail "fairness-holder build failed"
cp "$tmp/st/vm_holder" "$tmp/fairness-holder"
gcc -O2 -Wall -Wextra -Werror -static -I"$REPO_DIR/include" -o "$tmp/fairness-probe" \
	"$E2E_DIR/fairness-probe.c" >>"$tmp/build.log" 2>&1 || fail "fairness-probe build failed"
gcc -O2 -Wall -Werror -static -o "$tmp/hog" "$E2E_DIR/hog.c" >>"$tmp/build.log" 2>&1 ||
	fail "hog build failed"
rm -rf "$tmp/obj" "$tmp/hdr" "$tmp/st"
echo "build_secs=$(( $(date +%s) - start ))" >"$tmp/times"
mv "$tmp" "$out"
touch "$out/.done"
ls -1dt "$CACHE_DIR"/fairness-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
log "fairness helpers built: $out"
echo "$out"
