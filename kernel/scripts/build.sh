#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build.sh FLAVOUR - build the patched kernel (FLAVOUR = fast | debug) and
# the KVM selftests the harness runs, statically linked.  Prints the output
# directory: bzImage, config, System.map, selftests/, build.log, times.
#
# fast  = tinyconfig + kernel/config/fast.config
# debug = fast + kernel/config/debug.config (lockdep, KVM_PROVE_MMU, ...)
#
# Output is cached in $CACHE_DIR/<flavour>-<key>, keyed by the source tree,
# the config fragments, this script and the compiler, so an unchanged
# kernel is never rebuilt.  Set KVM_RECLAIMD_REBUILD=1 to force a build.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:?usage: build.sh fast|debug}
case $flavour in fast|debug) ;; *) echo "unknown flavour $flavour" >&2; exit 2 ;; esac

tree=$("$KERNEL_DIR/scripts/prepare-tree.sh")
key=$(build_key "$flavour")
out=$CACHE_DIR/$flavour-$key

exec 8>"$CACHE_DIR/.lock-$flavour"
flock 8
if [[ -e $out/.done && -z ${KVM_RECLAIMD_REBUILD:-} ]]; then
	log "cached $flavour kernel: $out"
	echo "$out"
	exit 0
fi

tmp=$out.tmp
rm -rf "$tmp" "$out"
mkdir -p "$tmp"
obj=$tmp/obj
kmake() { make -C "$tree" O="$obj" "$@"; }

frags=("$KERNEL_DIR/config/fast.config")
[[ $flavour == debug ]] && frags+=("$KERNEL_DIR/config/debug.config")

log "configuring $flavour kernel"
kmake -s tinyconfig >"$tmp/build.log" 2>&1
"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" \
	>>"$tmp/build.log" 2>&1
kmake -s olddefconfig >>"$tmp/build.log" 2>&1
bad=0
while read -r line; do
	if ! grep -qx "$line" "$obj/.config"; then
		log "config: $line did not survive olddefconfig"
		bad=1
	fi
done < <(grep -h '^CONFIG_' "${frags[@]}")
((bad == 0)) || exit 1

log "building $flavour kernel in $obj (make -j$JOBS)"
start=$(date +%s)
if ! kmake -j"$JOBS" bzImage >>"$tmp/build.log" 2>&1; then
	tail -50 "$tmp/build.log" >&2
	log "kernel build failed, log: $tmp/build.log"
	exit 1
fi
kernel_secs=$(( $(date +%s) - start ))

log "building selftests"
start=$(date +%s)
kmake -s headers_install INSTALL_HDR_PATH="$tmp/hdr" >>"$tmp/build.log" 2>&1
st_out=$tmp/selftests-obj
targets=()
for t in "${SELFTESTS[@]}"; do targets+=("$st_out/$t"); done
if ! make -C "$tree/tools/testing/selftests/kvm" -j"$JOBS" OUTPUT="$st_out" \
	KHDR_INCLUDES="-isystem $tmp/hdr/include" \
	LDFLAGS="-static -pthread -no-pie" "${targets[@]}" >>"$tmp/build.log" 2>&1; then
	tail -50 "$tmp/build.log" >&2
	log "selftest build failed, log: $tmp/build.log"
	exit 1
fi
selftest_secs=$(( $(date +%s) - start ))

cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$obj/System.map" "$tmp/"
mv "$tmp/.config" "$tmp/config"
mkdir -p "$tmp/selftests"
for t in "${SELFTESTS[@]}"; do cp "$st_out/$t" "$tmp/selftests/"; done
printf 'kernel_build_secs=%s\nselftest_build_secs=%s\n' \
	"$kernel_secs" "$selftest_secs" >"$tmp/times"
rm -rf "$obj" "$tmp/hdr" "$st_out"
mv "$tmp" "$out"
touch "$out/.done"
log "$flavour kernel built in ${kernel_secs}s, selftests in ${selftest_secs}s: $out"

# Keep the two newest builds of this flavour.
ls -1dt "$CACHE_DIR/$flavour"-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
echo "$out"
