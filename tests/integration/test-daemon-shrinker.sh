#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# KVM's global shrinker comes back after a crash: the daemon turns
# kvm.mmu_shrinker off at start and keeps the value it found in its state
# directory (/run in production), so after a SIGKILL, a restart and a
# clean stop the parameter holds the operator's value again, not the N
# the crashed instance wrote.  The parameter is a plain file here
# (--shrinker-param=), as the kernel's is one to read and write.
. "$(dirname "$0")/../lib/daemon.sh"

PARAM=$TEST_TMP/mmu_shrinker
STATE=$TEST_TMP/state
mkdir -p "$TEST_TMP/kvm" "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
printf '[Daemon]\nDisableKernelShrinker=yes\n' >"$TEST_TMP/main.conf"
ARGS=(--no-bus --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d" --runtime-conf-dir="$TEST_TMP/run.d"
	--debugfs-dir="$TEST_TMP/kvm" --shrinker-param="$PARAM" --state-dir="$STATE")
echo Y >"$PARAM"

start_daemon "${ARGS[@]}"
assert_eq "$(cat "$PARAM")" N "the parameter while the daemon runs"
assert_eq "$(cat "$STATE/mmu_shrinker.saved")" Y "the value kept in the state directory"

# A crash: nothing is put back, the state stays.
kill_daemon
assert_eq "$(cat "$PARAM")" N "the parameter after a crash"

# The restart finds N, but knows better.
start_daemon "${ARGS[@]}"
grep -q "holds Y from a run that did not stop cleanly" "$DAEMON_LOG" || fail "restart did not take Y from the state"
assert_eq "$(cat "$PARAM")" N "the parameter after the restart"
stop_daemon || fail "unclean exit"
assert_eq "$(cat "$PARAM")" Y "the parameter after crash, restart and clean stop"
[ -e "$STATE/mmu_shrinker.saved" ] && fail "the state file outlived a clean stop"
ok "start, SIGKILL, start, stop leaves Y"

# A clean run leaves what it found; with DisableKernelShrinker=no after a
# crash, the start itself puts the saved value back.
start_daemon "${ARGS[@]}"
kill_daemon
printf '[Daemon]\nDisableKernelShrinker=no\n' >"$TEST_TMP/main.conf"
start_daemon "${ARGS[@]}"
assert_eq "$(cat "$PARAM")" Y "the parameter when a run that keeps the shrinker follows a crash"
[ -e "$STATE/mmu_shrinker.saved" ] && fail "the state file outlived its use"
stop_daemon || fail "unclean exit"
assert_eq "$(cat "$PARAM")" Y "the parameter after that run"
ok "a crash followed by DisableKernelShrinker=no puts Y back at start"
pass
