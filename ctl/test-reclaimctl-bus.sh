#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kvm-reclaimctl against test-fake-reclaimd (a canned implementation of
# docs/DBUS.md) on a private dbus-daemon: every verb's D-Bus mapping, the
# tables and --json output, error lines and exit codes (3 when nobody owns the
# name, 4 for a non-root caller of a mutating method, 5 for InvalidArgs), and
# monitor until SIGINT or until the bus goes away. The private bus runs the
# shipped policy (units/org.kvmreclaim1.conf) when it is given.
#
# Usage: test-reclaimctl-bus.sh CTL FAKE DBUS_LIB [POLICY_FILE]
set -u

CTL=${1:?usage: $0 CTL FAKE DBUS_LIB [POLICY_FILE]}
FAKE=${2:?}
LIB=${3:?}
POLICY=${4:-}

command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to run a client as nobody"; exit 77; }

# shellcheck source=/dev/null
. "$LIB"
if [ -n "$POLICY" ]; then
        # The fake owns the name as root, like the real daemon under the
        # shipped policy; everyone else may only call.
        dbus_start_private "$POLICY" || exit 1
else
        dbus_start_private || exit 1
fi

tmp=$DBUS_TEST_DIR
passed=0
failed=0
fail() {
        echo "FAIL: $*"
        failed=$((failed + 1))
}
ok() {
        echo "ok: $*"
        passed=$((passed + 1))
}

C=("$CTL" "--bus-address=$DBUS_TEST_ADDRESS")

# run CODE ARGS...: runs kvm-reclaimctl, checks the exit code and that a
# failure says exactly one line; output in $tmp/out, $tmp/err.
run() {
        local code=$1 rc
        shift
        "${C[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -ne "$code" ]; then
                fail "kvm-reclaimctl $* exited $rc, expected $code; stderr: $(cat "$tmp/err")"
                return 1
        fi
        if [ "$code" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
                fail "kvm-reclaimctl $* printed $(wc -l <"$tmp/err") lines on stderr, expected 1"
                return 1
        fi
        ok "kvm-reclaimctl $* -> $rc"
}

out_has() {
        grep -Fq -- "$1" "$tmp/out" || fail "stdout of the last command lacks '$1':$(printf '\n'; cat "$tmp/out")"
}
err_has() {
        grep -Fq -- "$1" "$tmp/err" || fail "stderr of the last command lacks '$1': $(cat "$tmp/err")"
}
json_ok() {
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null ||
                fail "not one JSON value: $(cat "$tmp/out")"
}
# json_eq PYTHON_EXPR EXPECTED: evaluates EXPR on the parsed output (as j).
json_eq() {
        local got
        got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' \
                "$tmp/out" "$1" 2>&1)
        [ "$got" = "$2" ] || fail "JSON $1 = '$got', expected '$2'"
}

# Nobody owns the name yet: 3, for reads and writes alike.
run 3 status && err_has "kvm-reclaimd is not running (org.kvmreclaim1 has no owner"
run 3 list --json
run 3 policy set /machine.slice Weight=5
run 3 monitor

dbus_spawn "$FAKE" "--bus-address=$DBUS_TEST_ADDRESS"
FAKE_PID=$DBUS_SPAWNED_PID
dbus_wait_for_name org.kvmreclaim1 || { cat "$DBUS_SPAWNED_LOG"; exit 1; }

# status
run 0 status
out_has "kvm-reclaimd 0.1-fake"
out_has "Mode: monitor-only (kernel lacks mmu_reclaim)"
out_has "Shadow pages: 25700 (100.4 MiB)"
out_has "Kernel interface: no"
out_has "4242-11"
out_has 'web "prod"\t1'
run 0 status --json && json_ok
json_eq 'j["VMCount"], j["LastPressureEvent"]["Scope"], len(j["VMs"])' "2 host 2"
json_eq 'j["VMs"][0]["Name"] == "web \"prod\"\t1", j["VMs"][0]["Policy"]["Cgroup"]' "True /machine.slice"

# list
run 0 list
out_has "ID"
out_has "/machine.slice/machine-qemu\\x2d1\\x2dweb.scope"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "list: expected a header and 2 rows"
run 0 list --json && json_ok
json_eq '[v["Id"] for v in j]' "['4242-11', '4343-12']"
json_eq 'j[0]["ShadowPages"], j[0]["Policy"]["PressureThreshold"]' "25600 100000"

# policy get / list
run 0 policy get /machine.slice/machine-qemu-1.scope
out_has "inherited from /machine.slice"
out_has "PressureThreshold: 100ms"
run 0 policy get / --json && json_ok
json_eq 'j["Cgroup"], j["Source"], j["Weight"]' "/ builtin 100"
run 5 policy get relative/path && err_has "GetPolicy failed: Cgroup path 'relative/path' is not absolute"
run 0 policy list
out_has "/machine.slice"
run 0 policy list --json && json_ok
json_eq 'len(j)' 2

# policy set: types on the wire are the contract's (the fake rejects others)
run 0 policy set /machine.slice/vip.scope Weight=500 MinPages=1024 MaxPages=0 Protect=yes \
        Action=caches PressureThreshold=1.5s --runtime
run 0 policy get /machine.slice/vip.scope --json
json_eq 'j["Weight"], j["MinPages"], j["Protect"], j["Action"], j["PressureThreshold"], j["Runtime"]' \
        "500 1024 True caches 1500000 True"
run 0 policy set /machine.slice/vip.scope Protect=0 PressureThreshold=250
run 0 policy get /machine.slice/vip.scope --json
json_eq 'j["Protect"], j["PressureThreshold"], j["Runtime"], j["Weight"]' "False 250 False 500"
run 5 policy set /machine.slice Weight=0
[ "$(cat "$tmp/err")" = "kvm-reclaimctl: SetPolicy failed: Weight=0 is out of range 1..10000" ] ||
        fail "unexpected error line: $(cat "$tmp/err")"
run 5 policy set /machine.slice Action=zap+caches && err_has "SetPolicy failed: Action=zap+caches"
run 5 policy set ../x Weight=5
run 2 policy set /machine.slice Frob=1

# policy remove
run 0 policy remove /machine.slice/vip.scope
run 5 policy remove /machine.slice && err_has "cannot be removed over D-Bus"

# reclaim
run 0 reclaim 4242-11
out_has "4242-11: freed 512 (2.0 MiB) cache pages, zapped 0 (0.0 MiB) shadow pages."
run 0 reclaim /machine.slice --pages=256 --json && json_ok
json_eq 'j["Action"], j["CachesFreed"], j["Zapped"]' "caches+zap 512 256"
run 0 reclaim 4242-11 --pages=100 --action=zap --json
json_eq 'j["CachesFreed"], j["Zapped"]' "0 100"
run 5 reclaim 4242-11 --pages=0 --action=zap && err_has "Reclaim failed: pages=0 is out of range"
run 5 reclaim 9-9 && err_has "Unknown VM or cgroup '9-9'"

# reload
run 0 reload

# A non-root caller may read but not change anything: 4 for every mutation.
cp "$CTL" "$tmp/kvm-reclaimctl"
chmod 0755 "$tmp/kvm-reclaimctl"
as_nobody() {
        local code=$1 rc
        shift
        run_as_nobody "$tmp/kvm-reclaimctl" "--bus-address=$DBUS_TEST_ADDRESS" "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -eq "$code" ] && { [ "$code" -eq 0 ] || [ "$(wc -l <"$tmp/err")" -eq 1 ]; }; then
                ok "nobody: kvm-reclaimctl $* -> $rc"
        else
                fail "nobody: kvm-reclaimctl $* exited $rc, expected $code; stderr: $(cat "$tmp/err")"
        fi
}
as_nobody 0 status
as_nobody 0 list --json
as_nobody 0 policy list
as_nobody 0 policy get /machine.slice
as_nobody 4 policy set /machine.slice Weight=5
as_nobody 4 policy remove /machine.slice
as_nobody 4 reclaim 4242-11
as_nobody 4 reload
as_nobody 2 policy set /machine.slice Frob=5

# monitor: one line per signal, SIGINT ends it with 0.
"${C[@]}" monitor >"$tmp/mon.out" 2>"$tmp/mon.err" &
MON=$!
DBUS_LIB_PIDS+=("$MON")
sleep 0.5
"${C[@]}" reclaim 4242-11 --pages=7 >/dev/null
"${C[@]}" reload
# A signal from another sender is not the daemon's: monitor must ignore it.
busctl --address="$DBUS_TEST_ADDRESS" emit /org/kvmreclaim1 org.kvmreclaim1.Manager PressureEvent sdd spoofed 1 1 \
        2>/dev/null
for _ in $(seq 50); do
        [ "$(wc -l <"$tmp/mon.out")" -ge 3 ] && break
        sleep 0.1
done
sleep 0.2
kill -INT "$MON"
wait "$MON"
rc=$?
[ "$rc" -eq 0 ] && ok "monitor ends with 0 on SIGINT" || fail "monitor exited $rc on SIGINT"
[ "$(wc -l <"$tmp/mon.out")" -eq 3 ] || fail "monitor printed $(wc -l <"$tmp/mon.out") lines, expected 3"
grep -Eq 'Reclaimed vm=4242-11 cgroup=\S+ action=caches pages=512 \(2\.0 MiB\) reason=manual$' "$tmp/mon.out" ||
        fail "monitor: no caches line: $(cat "$tmp/mon.out")"
grep -Eq 'Reclaimed vm=4242-11 .* action=zap pages=7 \(0\.0 MiB\) reason=manual$' "$tmp/mon.out" ||
        fail "monitor: no zap line"
grep -Eq 'PressureEvent scope=host some_avg10=12\.50 full_avg10=0\.25$' "$tmp/mon.out" ||
        fail "monitor: no pressure line"
grep -q spoofed "$tmp/mon.out" && fail "monitor printed a signal from another sender"
[ -s "$tmp/mon.err" ] && fail "monitor wrote to stderr: $(cat "$tmp/mon.err")"

# monitor --json: one object per line; the daemon leaving is noted on
# stderr, the bus going away ends the monitor with 3.
"${C[@]}" monitor --json >"$tmp/mon.out" 2>"$tmp/mon.err" &
MON=$!
DBUS_LIB_PIDS+=("$MON")
sleep 0.5
"${C[@]}" reload
for _ in $(seq 50); do
        [ -s "$tmp/mon.out" ] && break
        sleep 0.1
done
dbus_stop "$FAKE_PID"
sleep 0.3
dbus_stop "$DBUS_TEST_PID"
wait "$MON"
rc=$?
[ "$rc" -eq 3 ] && ok "monitor ends with 3 when the bus goes away" || fail "monitor exited $rc when the bus went away"
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
j = json.loads(lines[0])
assert j["Signal"] == "PressureEvent" and j["Scope"] == "host" and j["SomeAvg10"] == 12.5, j
' "$tmp/mon.out" && ok "monitor --json line" || fail "monitor --json output: $(cat "$tmp/mon.out")"
grep -q "kvm-reclaimd stopped" "$tmp/mon.err" || fail "monitor did not note the daemon stopping"
grep -q "Lost the connection" "$tmp/mon.err" || fail "monitor did not note the bus going away"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
