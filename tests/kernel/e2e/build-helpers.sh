#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-helpers.sh - build the guest programs of the kernel end-to-end test
# and print the directory that holds them (last line of stdout):
#
#   vm_holder  static, against the patched tree's KVM selftests library
#              (tools/testing/selftests/kvm, built out of tree as build.sh
#              does: headers_install, LDFLAGS=-static)
#   hog        static anonymous-memory hog
#
# Cached like the kernels, in $CACHE_DIR/e2e-<key>; the key covers the
# patched tree and the files of this directory.
set -euo pipefail
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
. "$E2E_DIR/../../../kernel/scripts/common.sh"

tree=$("$KERNEL_DIR/scripts/prepare-tree.sh")
key=$({ src_key; cat "$E2E_DIR/vm_holder.c" "$E2E_DIR/hog.c" "$E2E_DIR/holder.mk" "$0";
	gcc --version | head -1; } | sha256sum | cut -c1-16)
out=$CACHE_DIR/e2e-$key

exec 8>"$CACHE_DIR/.lock-e2e"
flock 8
if [[ -e $out/.done ]]; then
	log "cached e2e helpers: $out"
	echo "$out"
	exit 0
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
log "building vm_holder against the selftests library of $tree"
start=$(date +%s)
make -C "$tree" O="$tmp/obj" -s headers_install INSTALL_HDR_PATH="$tmp/hdr" >"$tmp/build.log" 2>&1 ||
	{ tail -30 "$tmp/build.log" >&2; exit 1; }
if ! make -C "$tree/tools/testing/selftests/kvm" -f "$E2E_DIR/holder.mk" -j"$JOBS" \
	OUTPUT="$tmp/st" KHDR_INCLUDES="-isystem $tmp/hdr/include" \
	LDFLAGS="-static -pthread -no-pie" HOLDER_SRC="$E2E_DIR/vm_holder.c" \
	"$tmp/st/vm_holder" >>"$tmp/build.log" 2>&1; then
	tail -30 "$tmp/build.log" >&2
	log "vm_holder build failed, log: $tmp/build.log"
	exit 1
fi
gcc -O2 -Wall -Werror -static -o "$tmp/hog" "$E2E_DIR/hog.c" >>"$tmp/build.log" 2>&1 ||
	{ tail -30 "$tmp/build.log" >&2; exit 1; }
cp "$tmp/st/vm_holder" "$tmp/"
rm -rf "$tmp/obj" "$tmp/hdr" "$tmp/st"
echo "build_secs=$(( $(date +%s) - start ))" >"$tmp/times"
mv "$tmp" "$out"
touch "$out/.done"
ls -1dt "$CACHE_DIR"/e2e-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
log "e2e helpers built: $out"
echo "$out"
