#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fakekvm-scale.sh - how fakekvm copes with 10,000 VMs (a benchmark, not a
# test): mount it, create N VMs, then time one readdir, reading both
# counters of every VM (open/read/close each), N reclaim writes, and print
# the RSS of the fakekvm process.
#
#   bench/fakekvm-scale.sh [N]        (N defaults to 10000)
#
# Uses FAKEKVM and FAKEKVM_BENCH when set (e.g. from a meson build dir),
# else compiles both into a temporary directory with gcc.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000}
work=$(mktemp -d "${TMPDIR:-/tmp}/fakekvm-scale.XXXXXX")
export FAKEKVM_RUNDIR=$work
mnt=$work/kvm

cleanup() {
	fakekvm_umount "$mnt" >/dev/null 2>&1 || true
	rm -rf -- "$work"
}
trap cleanup EXIT

src=$top/tests/fakekvm
cflags="-std=gnu11 -O2 -Wall -Wextra -I$top/include"
if [ -z "${FAKEKVM:-}" ]; then
	# shellcheck disable=SC2046,SC2086
	gcc $cflags "$src/fakekvm.c" "$src/fakekvm-ops.c" "$src/vm.c" "$src/model.c" "$src/vmtable.c" "$src/fakelog.c" \
		$(pkg-config --cflags --libs fuse3) -lpthread -o "$work/fakekvm"
	FAKEKVM=$work/fakekvm
fi
if [ -z "${FAKEKVM_BENCH:-}" ]; then
	# shellcheck disable=SC2086
	gcc $cflags "$src/fakekvm-bench.c" -o "$work/fakekvm-bench"
	FAKEKVM_BENCH=$work/fakekvm-bench
fi
export FAKEKVM

# shellcheck source=SCRIPTDIR/../tests/fakekvm/fakekvm-lib.sh
. "$src/fakekvm-lib.sh"
if ! why=$(fakekvm_fuse_problem); then
	echo "fakekvm-scale: cannot mount FUSE: $why" >&2
	exit 77
fi

fakekvm_mount "$mnt" >/dev/null
pid=$FAKEKVM_PID
rss() { awk -v k="$1:" '$1 == k { print $2 " " $3 }' "/proc/$pid/status"; }

echo "fakekvm-scale: $n VMs, $(nproc) CPUs, kernel $(uname -r), libfuse $(pkg-config --modversion fuse3 2>/dev/null || echo '?')"
echo "fakekvm RSS at mount: $(rss VmRSS)"
"$FAKEKVM_BENCH" "$mnt" "$n" | sed 's/^/  /'
echo "fakekvm RSS peak (VmHWM, $n VMs live): $(rss VmHWM)"
echo "fakekvm RSS after removing them: $(rss VmRSS)"
echo ".fake_log: $(wc -l <"$mnt/.fake_log") lines"
