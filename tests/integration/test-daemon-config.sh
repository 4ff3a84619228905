#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon refuses to start half-configured, --check-config prints the
# effective policies or the first error with file:line, and SIGHUP swaps
# the configuration atomically: a bad new file keeps the old policies.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TEST_TMP/kvm" "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
CONF="$TEST_TMP/main.conf"
ARGS=(--no-bus --config="$CONF" --conf-dir="$TEST_TMP/conf.d" --runtime-conf-dir="$TEST_TMP/run.d"
	--debugfs-dir="$TEST_TMP/kvm")

# A bad drop-in: refused at start, with its file and line.
printf '[Policy /vms]\nWeight=50\n' > "$CONF"
printf '\n[Policy /vms/db]\nAction=delete\n' > "$TEST_TMP/conf.d/20-db.conf"
if "$KVM_RECLAIMD" "${ARGS[@]}" > "$TEST_TMP/out" 2>&1; then
	fail "daemon started with a bad drop-in"
fi
grep -q "20-db.conf:3: Action=delete is not one of caches, zap, caches+zap" "$TEST_TMP/out" ||
	fail "start-up error does not name file:line: $(cat "$TEST_TMP/out")"
"$KVM_RECLAIMD" "${ARGS[@]}" --check-config > "$TEST_TMP/out" 2>&1 && fail "--check-config accepted a bad file"
grep -q "20-db.conf:3:" "$TEST_TMP/out" || fail "--check-config did not name file:line"

# Fixed: --check-config prints the effective policies, the drop-in's last.
printf '[Policy /vms/db]\nAction=zap\nMinPages=64\n' > "$TEST_TMP/conf.d/20-db.conf"
"$KVM_RECLAIMD" "${ARGS[@]}" --check-config > "$TEST_TMP/out" 2>&1 || fail "--check-config refused a good file"
grep -A4 '^\[Policy /vms/db\]' "$TEST_TMP/out" | grep -q '^MinPages=64' || fail "effective policy not printed"
grep -q '^\[Policy /vms\]' "$TEST_TMP/out" || fail "main file's policy not printed"

# SIGHUP with a bad file: the old configuration stays in force.
start_daemon "${ARGS[@]}"
printf '[Policy /vms]\nWeight=0\n' > "$CONF"
kill -HUP "$DAEMON_PID"
wait_for_log "Reload failed, keeping the old configuration: .*main.conf:2: Weight=0 is out of range" 5 ||
	fail "bad reload not refused with file:line"
kill -0 "$DAEMON_PID" || fail "daemon died on a bad reload"

# SIGHUP with a good file: applied.
printf '[Policy /vms]\nWeight=60\n[Policy /other]\nProtect=yes\n' > "$CONF"
kill -HUP "$DAEMON_PID"
wait_for_log "Configuration reloaded: 3 policies" 5 || fail "good reload not applied"
# Unprivileged hosts refuse 500 ms windows: said once, not at every reload.
if grep -q "refused a 500ms PSI window" "$DAEMON_LOG"; then
	assert_eq "$(count_log 'refused a 500ms PSI window')" 1 "fallback messages after reloads"
fi
stop_daemon || fail "unclean exit"
echo "PASS"
