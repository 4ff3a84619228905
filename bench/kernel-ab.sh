#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kernel-ab.sh [RUNS] - interleaved A/B of the fault path: the patched and
# the unpatched fast kernel, booted alternately under QEMU TCG, RUNS times
# each (default 10) with TDP on (kvm_amd.npt=1) and off (npt=0), each boot
# running demand_paging_test -b 256M -v 2 and bench/kernel/fault_loop
# (-m 128 -v 2 -r 4: 128 MiB written by 2 vCPUs, dropped with MADV_DONTNEED
# and written again, 4 x 32768 slow-path faults).  Prints each run and then
# per kernel, MMU and workload the median, min-max and the interquartile
# range, and the patched/unpatched ratio of the medians.
#
# Long (about a minute per boot, 4 x RUNS boots): a benchmark, not a test.
# Run it when nothing else needs the CPU; the order of the two kernels
# alternates every run, so drift in the machine's load hits both.
#
# Environment: KVM_RECLAIMD_KERNEL_CACHE (kernel builds, shared with the
# kernel suite), AB_LOG_DIR (keeps every console; default a temp dir).
set -euo pipefail
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
KERNEL_DIR=$REPO_DIR/kernel
BENCH_DIR=$REPO_DIR/bench/kernel
. "$KERNEL_DIR/scripts/common.sh"

runs=${1:-10}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
log_dir=${AB_LOG_DIR:-$(mktemp -d /tmp/kernel-ab.XXXXXX)}
mkdir -p "$log_dir"

"$REPO_DIR/scripts/install-deps.sh" kernel

# The two kernels, and demand_paging_test from each tree.
patched=$("$KERNEL_DIR/scripts/build.sh" fast | tail -1)
unpatched=$(KVM_RECLAIMD_SERIES=none KVM_RECLAIMD_SELFTESTS=demand_paging_test \
	"$KERNEL_DIR/scripts/build.sh" fast | tail -1)
plain_tree=$(KVM_RECLAIMD_SERIES=none "$KERNEL_DIR/scripts/prepare-tree.sh")

# fault_loop, against the unpatched tree's selftests library (it uses no
# interface of the series, so the same binary runs on both kernels).
loop_key=$({ cat "$BENCH_DIR/fault_loop.c" "$BENCH_DIR/prog.mk"; echo "$plain_tree";
	gcc --version | head -1; } | sha256sum | cut -c1-16)
loop_dir=$CACHE_DIR/ab-$loop_key
if [[ ! -x $loop_dir/fault_loop ]]; then
	log "building fault_loop"
	rm -rf "$loop_dir.tmp"
	mkdir -p "$loop_dir.tmp"
	make -C "$plain_tree" O="$loop_dir.tmp/obj" -s headers_install \
		INSTALL_HDR_PATH="$loop_dir.tmp/hdr" >"$loop_dir.tmp/build.log" 2>&1
	make -C "$plain_tree/tools/testing/selftests/kvm" -f "$BENCH_DIR/prog.mk" \
		-j"$JOBS" OUTPUT="$loop_dir.tmp/st" KHDR_INCLUDES="-isystem $loop_dir.tmp/hdr/include" \
		LDFLAGS="-static -pthread -no-pie" PROG_SRC="$BENCH_DIR/fault_loop.c" \
		"$loop_dir.tmp/st/prog" >>"$loop_dir.tmp/build.log" 2>&1 ||
		{ tail -30 "$loop_dir.tmp/build.log" >&2; exit 1; }
	cp "$loop_dir.tmp/st/prog" "$loop_dir.tmp/fault_loop"
	rm -rf "$loop_dir.tmp/obj" "$loop_dir.tmp/hdr" "$loop_dir.tmp/st"
	rm -rf "$loop_dir"
	mv "$loop_dir.tmp" "$loop_dir"
fi

results=$log_dir/results	# kernel npt workload value
: >"$results"

# boot KERNEL_NAME DIR NPT RUN
boot() {
	local name=$1 dir=$2 npt=$3 run=$4 console rc=0 dpt loop
	console=$log_dir/console-$name-npt$npt-$run.log
	"$KERNEL_DIR/scripts/boot-qemu.sh" -k "$dir/bzImage" -i "$BENCH_DIR/ab-init.sh" \
		-f "$dir/selftests/demand_paging_test:/ab/demand_paging_test" \
		-f "$loop_dir/fault_loop:/ab/fault_loop" \
		-c 2 -m 2G -t 900 -a "kvm_amd.npt=$npt" -l "$console" >/dev/null || rc=$?
	dpt=$(tr -d '\r' <"$console" | sed -n 's/^AB DPT //p')
	loop=$(tr -d '\r' <"$console" | sed -n 's/^AB LOOP //p')
	if [[ -z $dpt || -z $loop ]]; then
		log "run $run $name npt=$npt: no result (qemu rc=$rc), see $console"
		return 0
	fi
	printf '%s %s dpt %s\n%s %s loop %s\n' "$name" "$npt" "$dpt" "$name" "$npt" "$loop" >>"$results"
	printf 'run %2d  %-9s npt=%s  demand_paging %10.0f pages/s  fault_loop %10.0f faults/s\n' \
		"$run" "$name" "$npt" "$dpt" "$loop"
}

start=$(date +%s)
for ((run = 1; run <= runs; run++)); do
	for npt in 1 0; do
		if ((run % 2)); then
			boot patched "$patched" "$npt" "$run"
			boot unpatched "$unpatched" "$npt" "$run"
		else
			boot unpatched "$unpatched" "$npt" "$run"
			boot patched "$patched" "$npt" "$run"
		fi
	done
done

echo
echo "# $runs interleaved runs per kernel and MMU in $(( ($(date +%s) - start) / 60 )) min;" \
	"patched = $(basename "$patched"), unpatched = $(basename "$unpatched")"
printf '%-13s %-4s %-9s %4s %12s %25s %25s %8s\n' workload npt kernel n median "min - max" "IQR" "vs unp."
for w in dpt loop; do
	for npt in 1 0; do
		base=""
		for k in unpatched patched; do
			awk -v k="$k" -v n="$npt" -v w="$w" '$1 == k && $2 == n && $3 == w { print $4 }' \
				"$results" | sort -g >"$log_dir/v"
			cnt=$(wc -l <"$log_dir/v")
			((cnt > 0)) || continue
			stats=$(awk '{ v[NR] = $1 } END {
				n = NR; m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
				q1 = v[int((n + 3) / 4)]; q3 = v[int((3 * n + 3) / 4)]
				printf "%.0f %.0f %.0f %.0f %.0f", m, v[1], v[n], q1, q3 }' "$log_dir/v")
			read -r med lo hi q1 q3 <<<"$stats"
			ratio=""
			if [[ $k == unpatched ]]; then base=$med; elif [[ -n $base ]]; then
				ratio=$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')
			fi
			name=$([[ $w == dpt ]] && echo demand_paging || echo fault_loop)
			printf '%-13s %-4s %-9s %4d %12s %25s %25s %8s\n' "$name" "$npt" "$k" "$cnt" \
				"$med" "$lo - $hi" "$q1 - $q3" "$ratio"
		done
	done
done
echo "# units: pages/s (demand_paging, overall rate) and faults/s (fault_loop); consoles in $log_dir"
