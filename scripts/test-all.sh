#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every test: installs what is missing, builds with warnings as errors and
# ASan/UBSan, and runs the unit, integration, fuzz, valgrind, deb and kernel
# suites.  This is the README's test command and what .ci/run calls.
#   KVMR_SUITES="unit integration" scripts/test-all.sh   to skip the others
#   KVMR_SUITES=deb-vm scripts/test-all.sh   the DKMS modules and systemd in qemu
# Two suites need builds of their own, next to $BUILD:
#   fuzz      the corpora replayed in $BUILD, then each target fuzzed with
#             libFuzzer for KVMR_FUZZ_SECONDS (15) in $BUILD-fuzz (clang)
#   valgrind  unit tests, corpora and daemon runs under memcheck in
#             $BUILD-plain (no sanitizers: they do not mix with valgrind)
#   kernel    its fairness test runs the daemon of $BUILD-plain in the guest
#             (KVMR_PLAIN_DAEMON): it times the first reclaim after a PSI
#             event, and ASan makes every first touch of memory under that
#             pressure a direct reclaim; the other kernel tests run the
#             ASan/UBSan daemon
set -eu
cd "$(dirname "$0")/.."

SUITES=${KVMR_SUITES:-unit integration fuzz valgrind deb kernel}
groups=""
case " $SUITES " in *" kernel "* | *" deb-vm "*) groups="$groups kernel" ;; esac
case " $SUITES " in *" deb "* | *" deb-vm "*) groups="$groups deb" ;; esac
# shellcheck disable=SC2086
scripts/install-deps.sh $groups

BUILD=${KVMR_BUILD_DIR:-build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$BUILD"

has() { case " $SUITES " in *" $1 "*) return 0 ;; esac; return 1; }

if has valgrind || has kernel; then
	if [ ! -f "$BUILD-plain/build.ninja" ]; then
		meson setup "$BUILD-plain" -Dwerror=true -Dvalgrind=true -Dkernel_tests=false >/dev/null
	fi
	ninja -j2 -C "$BUILD-plain"
	export KVMR_PLAIN_DAEMON=$PWD/$BUILD-plain/daemon/kvm-reclaimd
fi

args=()
for s in $SUITES; do [ "$s" = valgrind ] || args+=(--suite "$s"); done
# Stop at the first UBSan report instead of printing it and going on.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
status=0
logs=()
if [ ${#args[@]} -gt 0 ]; then
	meson test -C "$BUILD" --print-errorlogs "${args[@]}" || status=$?
	logs+=("$BUILD/meson-logs/testlog.json")
fi

if has fuzz; then
	rc=0
	why=$(tests/fuzz/setup-libfuzzer.sh "$BUILD-fuzz" 2>&1) || rc=$?
	if [ $rc -eq 0 ]; then
		meson test -C "$BUILD-fuzz" --no-rebuild --print-errorlogs --suite fuzz || status=$?
		logs+=("$BUILD-fuzz/meson-logs/testlog.json")
	elif [ $rc -eq 77 ]; then
		echo "fuzz: corpora replayed only, no libFuzzer run: $why"
	else
		echo "$why"
		echo "fuzz: the libFuzzer build failed"
		status=1
	fi
fi

if has valgrind; then
	meson test -C "$BUILD-plain" --no-rebuild --print-errorlogs --suite valgrind || status=$?
	logs+=("$BUILD-plain/meson-logs/testlog.json")
fi

# One closing line that any reader can count.
python3 - "${logs[@]}" <<'PY'
import json, sys
counts = {}
for log in sys.argv[1:]:
    for line in open(log):
        r = json.loads(line)
        counts[r["result"]] = counts.get(r["result"], 0) + 1
passed = counts.get("OK", 0)
skipped = counts.get("SKIP", 0)
failed = sum(v for k, v in counts.items() if k not in ("OK", "SKIP"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
