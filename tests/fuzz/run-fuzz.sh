#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One fuzz target's test (meson suite 'fuzz'):
#   run-fuzz.sh libfuzzer EXE CORPUS FINDINGS [LIBFUZZER OPTIONS]
#     fuzzes for $KVMR_FUZZ_SECONDS (default 15) from CORPUS, which it only
#     reads; fails on any crash, leak, timeout or sanitizer report, and
#     saves the input in FINDINGS.
#   run-fuzz.sh replay EXE CORPUS FINDINGS
#     runs every input of CORPUS once (a build without libFuzzer).
# KVMR_FUZZ_NEW_DIR keeps the new inputs libFuzzer finds (bench/fuzz-long.sh
# merges them into the corpus); by default they go to a scratch directory.
# Prints one line: executions (or inputs replayed), coverage, findings.
set -u
mode=$1 exe=$2 corpus=$3 findings=$4
shift 4
name=$(basename "$exe")
# A UBSan report stops the run, as an ASan report does.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

if [ "$mode" = replay ]; then
	out=$("$exe" "$corpus" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$out" | tail -n 60
		echo "$name: FAILED replaying $corpus (exit $rc)"
		exit 1
	fi
	echo "$out" | tail -n 1
	echo "$name: corpus replayed once; this build has no libFuzzer (CC=clang -Dllvm_fuzz=true fuzzes)"
	exit 0
fi

seconds=${KVMR_FUZZ_SECONDS:-15}
work=$(mktemp -d "/tmp/kvmr-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
new=${KVMR_FUZZ_NEW_DIR:-$work/new}
mkdir -p "$new" "$work/artifacts"
dict=()
[ -f "${KVMR_FUZZ_DICT:-}" ] && dict=("-dict=$KVMR_FUZZ_DICT")

# New inputs go to the first directory, never the repo's corpus: that only
# changes through bench/fuzz-long.sh --merge.
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "${dict[@]}" "$@" "$new" "$corpus" >"$work/log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/log" | tail -n 1)
found=$(ls "$work/artifacts")
echo "$name: ${execs:-?} executions in ${seconds}s, ${cov:-no coverage line}, $(ls "$new" | wc -l) new inputs," \
	"findings: ${found:-none}"
if [ $rc -ne 0 ] || [ -n "$found" ]; then
	grep -E -A40 '^(==[0-9]+==ERROR|.*runtime error|.*invariant broken|.*Sanitizer)' "$work/log" | head -n 80
	mkdir -p "$findings"
	for f in "$work"/artifacts/*; do
		[ -f "$f" ] || continue
		cp "$f" "$findings/$name-$(basename "$f")"
		echo "input saved: $findings/$name-$(basename "$f") (reproduce: $(realpath "$exe") FILE)"
		od -c "$f" | head -n 20
	done
	echo "$name: FAILED (libFuzzer exit $rc)"
	exit 1
fi
exit 0
