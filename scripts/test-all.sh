#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every test: installs what is missing, builds with warnings as errors and
# ASan/UBSan, and runs the unit, integration, deb and kernel suites.  This is
# the README's test command and what .ci/run calls.
#   KVMR_SUITES="unit integration" scripts/test-all.sh   to skip the kernel suite
#   KVMR_SUITES=deb-vm scripts/test-all.sh   the DKMS modules and systemd in qemu
set -eu
cd "$(dirname "$0")/.."

SUITES=${KVMR_SUITES:-unit integration deb kernel}
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

args=()
for s in $SUITES; do args+=(--suite "$s"); done
# Stop at the first UBSan report instead of printing it and going on.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
status=0
meson test -C "$BUILD" --print-errorlogs "${args[@]}" || status=$?

# One closing line that any reader can count.
python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    counts[r["result"]] = counts.get(r["result"], 0) + 1
passed = counts.get("OK", 0)
skipped = counts.get("SKIP", 0)
failed = sum(v for k, v in counts.items() if k not in ("OK", "SKIP"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
