#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A longer fuzzing run than the test suite's: every fuzz target (or the ones
# named) for SECONDS each (default 300), one after the other, built with
# clang and libFuzzer in $KVMR_FUZZ_BUILD_DIR (default build-fuzz).  Prints
# executions, coverage and findings per target; a finding's input is saved
# in that build dir's fuzz-findings/.  With --merge, the new inputs that add
# coverage are merged into tests/fuzz/corpus/<target>/ (review, commit).
#   bench/fuzz-long.sh [--merge] [SECONDS] [TARGET...]     e.g. bench/fuzz-long.sh 600 conf dropin
set -u
cd "$(dirname "$0")/.."
merge=""
[ "${1:-}" = --merge ] && { merge=1; shift; }
seconds=300
case "${1:-}" in [0-9]*) seconds=$1; shift ;; esac
build=${KVMR_FUZZ_BUILD_DIR:-build-fuzz}

tests/fuzz/setup-libfuzzer.sh "$build" >/dev/null || exit
work=$(mktemp -d /tmp/kvmr-fuzz-long.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The targets and how to run each, from the meson tests (one list: tests/fuzz/meson.build).
meson introspect --tests "$build" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if "fuzz" in t["suite"] or any(s.endswith(":fuzz") for s in t["suite"]):
        print("\t".join([t["name"][len("fuzz-"):], t["env"].get("KVMR_FUZZ_DICT", "")] + t["cmd"]))
' > "$work/targets"

status=0 ran=0
while IFS=$'\t' read -r -a t; do
	name=${t[0]}
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
		continue
	fi
	ran=$((ran + 1))
	cmd=("${t[@]:2}")
	corpus=${cmd[3]}
	before=$(ls "$corpus" | wc -l)
	# meson runs tests in the build dir: the paths in cmd are relative to it.
	(cd "$build" && KVMR_FUZZ_SECONDS=$seconds KVMR_FUZZ_DICT=${t[1]} KVMR_FUZZ_NEW_DIR="$work/new-$name" \
		"${cmd[@]}") > "$work/out-$name" 2>&1 || status=1
	grep -v '^$' "$work/out-$name" | grep "^fuzz-$name: " | head -n 1
	if grep -q FAILED "$work/out-$name"; then
		sed -n '2,40p' "$work/out-$name"
	fi
	if [ -n "$merge" ] && [ -d "$work/new-$name" ]; then
		(cd "$build" && "${cmd[2]}" -merge=1 "$corpus" "$work/new-$name") > "$work/merge-$name" 2>&1 ||
			{ echo "  merge failed:"; tail -n 5 "$work/merge-$name"; status=1; }
		echo "  corpus $corpus: $before -> $(ls "$corpus" | wc -l) inputs"
	fi
done < "$work/targets"
[ $ran -gt 0 ] || { echo "no such fuzz target: $*"; exit 1; }
exit $status
