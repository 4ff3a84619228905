#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up (once) and builds DIR: the fuzz targets of this tree built with
# clang, libFuzzer, ASan and UBSan (-Dllvm_fuzz=true).  Used by
# scripts/test-all.sh (suite 'fuzz') and bench/fuzz-long.sh.
#   tests/fuzz/setup-libfuzzer.sh DIR
# Exits 77 with the reason when clang or its libFuzzer runtime is missing.
set -eu
dir=$1
src=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v clang >/dev/null; then
	echo "clang is missing (scripts/packages.list: clang, libclang-rt-14-dev)"
	exit 77
fi
probe=$(mktemp -d /tmp/kvmr-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' > "$probe/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>"$probe/err"; then
	echo "clang cannot link libFuzzer with ASan and UBSan (package libclang-rt-14-dev):"
	head -n 5 "$probe/err"
	exit 77
fi

if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" "$src" -Dllvm_fuzz=true -Dtests=false -Dkernel_tests=false -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false >"$probe/setup.log" 2>&1 ||
		{ cat "$probe/setup.log"; exit 1; }
fi
ninja -j2 -C "$dir" fuzzers
