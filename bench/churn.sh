#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Churn at full length: 10,000 VM creations and removals over 60 s while
# pressure events fire (real PSI in the VMs' cgroup, a host-wide Reclaim
# every 0.2 s), with the daemon's RSS and open fds printed after a warm-up
# and at the end.  The same script as the test command's short run
# (tests/integration/test-daemon-churn.sh, 1,000 VMs in 10 s).
#   bench/churn.sh [VMS [SECONDS]]
# KVMR_BUILD_DIR picks the build (default: build, made without sanitizers
# if missing; an ASan build works too and gives ASan's figures).
set -eu
cd "$(dirname "$0")/.."
N=${1:-10000}
SECS=${2:-60}
BUILD=${KVMR_BUILD_DIR:-build}
scripts/install-deps.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dkernel_tests=false >/dev/null
ninja -C "$BUILD" >/dev/null
B_ABS=$(realpath "$BUILD")
echo "build: $BUILD ($(meson introspect --buildoptions "$BUILD" 2>/dev/null |
	python3 -c 'import json, sys; print("b_sanitize=" + next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"))'))"
CHURN_VMS=$N CHURN_SECONDS=$SECS FAKEKVM="$B_ABS/tests/fakekvm/fakekvm" KVM_RECLAIMD="$B_ABS/daemon/kvm-reclaimd" \
	tests/integration/test-daemon-churn.sh
