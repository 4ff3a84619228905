#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon refuses to start half-configured (exit 78, which its unit does
# not restart), names file:line and the real reason for every refusal,
# --check-config prints the effective configuration as a file that reads
# back to the same, and SIGHUP swaps the configuration atomically: a bad new
# file keeps the old policies.
. "$(dirname "$0")/../lib/daemon.sh"

mkdir -p "$TEST_TMP/kvm" "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
CONF="$TEST_TMP/main.conf"
DIRS=(--conf-dir="$TEST_TMP/conf.d" --runtime-conf-dir="$TEST_TMP/run.d")
ARGS=(--no-bus --config="$CONF" "${DIRS[@]}" --debugfs-dir="$TEST_TMP/kvm")

# expect_refused WHAT REGEX: the daemon exits 78 and --check-config 1, both
# naming REGEX.
expect_refused() {
	local rc
	"$KVM_RECLAIMD" "${ARGS[@]}" > "$TEST_TMP/out" 2>&1
	rc=$?
	[ "$rc" -eq 78 ] || fail "$1: the daemon exited $rc, expected 78: $(cat "$TEST_TMP/out")"
	grep -Eq -- "$2" "$TEST_TMP/out" || fail "$1: start-up error lacks '$2': $(cat "$TEST_TMP/out")"
	"$KVM_RECLAIMD" "${ARGS[@]}" --check-config > "$TEST_TMP/out" 2>&1 && fail "$1: --check-config accepted it"
	grep -Eq -- "$2" "$TEST_TMP/out" || fail "$1: --check-config lacks '$2': $(cat "$TEST_TMP/out")"
}

# A --config= file that does not exist is an error, not the defaults.
"$KVM_RECLAIMD" --check-config --config="$TEST_TMP/nonexistent.conf" "${DIRS[@]}" > "$TEST_TMP/out" 2>&1 &&
	fail "--check-config with a nonexistent --config= succeeded"
grep -q "nonexistent.conf: cannot read: No such file or directory" "$TEST_TMP/out" ||
	fail "nonexistent --config=: $(cat "$TEST_TMP/out")"

# A bad drop-in: refused at start, with its file and line.
printf '[Policy /vms]\nWeight=50\n' > "$CONF"
printf '\n[Policy /vms/db]\nAction=delete\n' > "$TEST_TMP/conf.d/20-db.conf"
expect_refused "bad drop-in" "20-db.conf:3: Action=delete is not one of caches, zap, caches\+zap"

# A drop-in SetPolicy wrote (by its name), made invalid by an older version
# or by a later edit elsewhere: refused the same way, never skipped (a
# policy that vanished could unprotect a VM), and never a restart loop.
rm "$TEST_TMP/conf.d/20-db.conf"
printf '[Policy /vms/db]\nMinPages=100\n' >> "$CONF"
printf '# Written by kvm-reclaimd (SetPolicy)\n[Policy /vms/db]\nMaxPages=50\n' > "$TEST_TMP/conf.d/50-dbus-vms-db.conf"
expect_refused "daemon-written drop-in" \
	"50-dbus-vms-db.conf:3: \[Policy /vms/db\]: MaxPages= \(50\) must not be below MinPages= \(100; MinPages= is $CONF:4\)"
rm "$TEST_TMP/conf.d/50-dbus-vms-db.conf"

# Issue 8, item 6: the real reason, with file:line, for what used to have
# neither: [Daemon] ranges, inline comments, times without units.
printf '[Daemon]\nPressureWindow=100ms\n' > "$CONF"
expect_refused "window" "main.conf:2: PressureWindow=100ms is out of range 500ms..10s"
printf '[Daemon]\nStepPages=0\n' > "$CONF"
expect_refused "step" "main.conf:2: StepPages=0 is out of range 1..16777216"
printf '[Policy /vms]\nWeight=5 # heavier\n' > "$CONF"
expect_refused "inline comment" "main.conf:2: .*start a comment only at the beginning of a line"
printf '[Daemon]\nSystemPressureThreshold=100000\n' > "$CONF"
expect_refused "bare time" "main.conf:2: SystemPressureThreshold=100000 must be below PressureWindow= \(500ms\).*a time without a unit is seconds"

# Fixed: --check-config prints every effective value with its origin.
cat > "$CONF" <<CONF
[Daemon]
PressureWindow=2
[Policy /vms]
Protect=yes
MinMemory=1M
PressureThreshold=25%
CONF
printf '[Policy /vms/db]\nAction=zap\n[Policy /vms/batch]\nProtect=no\nMaxPages=1000\n' > "$TEST_TMP/conf.d/20-db.conf"
"$KVM_RECLAIMD" "${ARGS[@]}" --check-config > "$TEST_TMP/out" 2> "$TEST_TMP/err" || fail "--check-config refused a good file"
grep -q "Warning: .*20-db.conf:4: \[Policy /vms/batch\]: Protect=no lifts the protection that /vms gives" "$TEST_TMP/err" ||
	fail "no warning for Protect=no below a protected cgroup: $(cat "$TEST_TMP/err")"
grep -A20 '^\[Policy /vms/db\]' "$TEST_TMP/out" > "$TEST_TMP/db"
grep -B1 '^#Protect=yes' "$TEST_TMP/db" | grep -q "^# inherited from /vms ($CONF:4)" ||
	fail "the child's Protect= is not inherited with its origin: $(cat "$TEST_TMP/db")"
grep -B1 '^#MinPages=256$' "$TEST_TMP/db" | grep -q "^# inherited from /vms ($CONF:5 (MinMemory=1M))" ||
	fail "MinMemory=1M is not 256 pages from $CONF:5: $(cat "$TEST_TMP/db")"
grep -B1 '^Action=zap$' "$TEST_TMP/db" | grep -q "^# drop-in $TEST_TMP/conf.d/20-db.conf:2" ||
	fail "the drop-in's Action= lacks its origin: $(cat "$TEST_TMP/db")"
grep -A20 '^\[Policy /vms\]' "$TEST_TMP/out" | grep -q '^PressureThreshold=500ms$' ||
	fail "25% of a 2 s window is not 500ms: $(cat "$TEST_TMP/out")"

# ...and that output is a configuration with the same effective values.
cp "$TEST_TMP/out" "$TEST_TMP/dump1.conf"
"$KVM_RECLAIMD" --check-config --config="$TEST_TMP/dump1.conf" --conf-dir="$TEST_TMP/none" \
	--runtime-conf-dir="$TEST_TMP/none" > "$TEST_TMP/dump2.conf" 2>/dev/null ||
	fail "the --check-config output does not load: $(cat "$TEST_TMP/dump1.conf")"
diff <(grep -v '^#' "$TEST_TMP/dump1.conf") <(grep -v '^#' "$TEST_TMP/dump2.conf") > "$TEST_TMP/diff" ||
	fail "the --check-config output reads back differently: $(cat "$TEST_TMP/diff")"

# The daemon says the same warning when it starts with that configuration.
start_daemon "${ARGS[@]}"
grep -q "Configuration: .*20-db.conf:4: \[Policy /vms/batch\]: Protect=no lifts the protection" "$DAEMON_LOG" ||
	fail "the daemon did not log the Protect=no warning at start"
stop_daemon || fail "unclean exit"

# SIGHUP with a bad file: the old configuration stays in force (GetPolicy
# says so), and the log names file:line.
require_dbus
dbus_start_private || fail "no private bus"
BARGS=(--bus-address="$DBUS_TEST_ADDRESS" --config="$CONF" "${DIRS[@]}" --debugfs-dir="$TEST_TMP/kvm")
weight() { bus_call GetPolicy s "$1" | grep -o '"Weight" u [0-9]*' | cut -d' ' -f3; }
printf '[Policy /vms]\nWeight=50\n' > "$CONF"
rm "$TEST_TMP/conf.d/20-db.conf"
start_daemon "${BARGS[@]}"
assert_eq "$(weight /vms)" 50 "Weight of /vms at start"
printf '[Policy /vms]\nWeight=0\n' > "$CONF"
reload_daemon
grep -q "Reload failed, keeping the old configuration: .*main.conf:2: Weight=0 is out of range" "$DAEMON_LOG" ||
	fail "bad reload not refused with file:line"
assert_eq "$(weight /vms)" 50 "Weight of /vms after a bad reload"

# SIGHUP with a good file: applied.
printf '[Policy /vms]\nWeight=60\n[Policy /other]\nProtect=yes\n' > "$CONF"
reload_daemon
assert_eq "$(weight /vms)" 60 "Weight of /vms after a good reload"
bus_call GetPolicy s /other/x | grep -q '"Protect" b true' || fail "the new policy for /other is not in force"
# Unprivileged hosts refuse 500 ms windows: said once, not at every reload.
if grep -q "refused a 500ms PSI window" "$DAEMON_LOG"; then
	assert_eq "$(grep -c 'refused a 500ms PSI window' "$DAEMON_LOG")" 1 "fallback messages after reloads"
fi
stop_daemon || fail "unclean exit"
pass
