#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kvm-reclaimctl's command line, without any daemon: usage errors exit 2 with
# exactly one line on stderr and nothing on stdout, before any connection is
# tried; an unreachable bus exits 3.
#
# Usage: test-reclaimctl-args.sh PATH/TO/kvm-reclaimctl
set -u

CTL=${1:?usage: $0 PATH/TO/kvm-reclaimctl}
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
# Nothing listens here, so a verb that got past argument checking would
# exit 3, not 2: the distinction is what these cases test.
NOBUS="unix:path=$tmp/no-such-socket"

passed=0
failed=0

# expect CODE STDERR_REGEX ARGS...
expect() {
        local code=$1 pattern=$2 rc lines
        shift 2
        "$CTL" "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        lines=$(wc -l <"$tmp/err")
        if [ "$rc" -ne "$code" ]; then
                echo "FAIL: kvm-reclaimctl $* exited $rc, expected $code; stderr: $(cat "$tmp/err")"
                failed=$((failed + 1))
        elif [ "$code" -ne 0 ] && [ "$lines" -ne 1 ]; then
                echo "FAIL: kvm-reclaimctl $* printed $lines stderr lines, expected 1:"
                sed 's/^/    /' "$tmp/err"
                failed=$((failed + 1))
        elif [ "$code" -ne 0 ] && ! grep -Eq -- "^kvm-reclaimctl: $pattern" "$tmp/err"; then
                echo "FAIL: kvm-reclaimctl $*: stderr '$(cat "$tmp/err")' does not match '$pattern'"
                failed=$((failed + 1))
        elif [ "$code" -ne 0 ] && [ -s "$tmp/out" ]; then
                echo "FAIL: kvm-reclaimctl $* wrote to stdout on failure: $(cat "$tmp/out")"
                failed=$((failed + 1))
        else
                echo "ok: kvm-reclaimctl $* -> $rc"
                passed=$((passed + 1))
        fi
}

B=--bus-address=$NOBUS

# Unknown verbs and options.
expect 2 "Unknown command 'frobnicate'" $B frobnicate
expect 2 "Unknown command 'policy frob'" $B policy frob
expect 2 "'policy' needs a subcommand" $B policy
expect 2 "Unknown option '--frob'" $B --frob status
expect 2 "Unknown option '-z'" $B -z
expect 2 "Option '--bus-address' needs an argument" --bus-address
expect 2 "Option '--pages' needs an argument" $B reclaim x --pages

# Argument counts.
expect 2 "Too many arguments" $B status extra
expect 2 "Too many arguments" $B list extra
expect 2 "Too many arguments" $B reload now
expect 2 "Missing arguments; usage: kvm-reclaimctl policy get CGROUP" $B policy get
expect 2 "Too many arguments" $B policy get /a /b
expect 2 "Missing arguments; usage: kvm-reclaimctl policy set" $B policy set /machine.slice
expect 2 "Missing arguments" $B policy remove
expect 2 "Missing arguments; usage: kvm-reclaimctl reclaim TARGET" $B reclaim

# policy set: keys and value types are checked locally.
expect 2 "Unknown policy key 'Frob'" $B policy set /machine.slice Frob=1
expect 2 "Unknown policy key 'weight'" $B policy set /machine.slice weight=1
expect 2 "Unknown policy key 'Source'" $B policy set /machine.slice Source=/etc/x
expect 2 "Expected KEY=VALUE, got 'Weight'" $B policy set /machine.slice Weight
expect 2 "Expected KEY=VALUE, got '=5'" $B policy set /machine.slice =5
expect 2 "Invalid value 'abc' for Weight=" $B policy set /machine.slice Weight=abc
expect 2 "Invalid value '-1' for Weight=" $B policy set /machine.slice Weight=-1
expect 2 "Invalid value '4294967296' for Weight=" $B policy set /machine.slice Weight=4294967296
expect 2 "Invalid value '1M' for MinPages=" $B policy set /machine.slice MinPages=1M
expect 2 "Invalid value 'maybe' for Protect=" $B policy set /machine.slice Protect=maybe
expect 2 "Invalid value '5 parsecs' for PressureThreshold=" $B policy set /machine.slice "PressureThreshold=5 parsecs"
expect 2 "Weight= given more than once" $B policy set /machine.slice Weight=1 Weight=2
expect 2 "--runtime only goes with" $B list --runtime
expect 2 "--runtime only goes with" $B policy get / --runtime

# reclaim options.
expect 2 "Invalid --action 'frob'" $B reclaim 1-2 --action=frob
expect 2 "--action=zap needs --pages=N" $B reclaim 1-2 --action=zap
expect 2 "--action=caches\+zap needs --pages=N" $B reclaim 1-2 --action=caches+zap
expect 2 "Invalid --pages 'lots'" $B reclaim 1-2 --pages=lots
expect 2 "--pages and --action only go with 'reclaim'" $B status --pages=5
expect 2 "--pages and --action only go with 'reclaim'" $B list --action=zap

# --json takes short, pretty or off; --dry-run goes with reclaim only.
expect 2 "Invalid --json 'long'" $B status --json=long
expect 2 "--dry-run only goes with 'reclaim'" $B status --dry-run
expect 2 "--dry-run only goes with 'reclaim'" $B dump --dry-run
expect 2 "Too many arguments" $B dump extra
expect 2 "Too many arguments; usage: kvm-reclaimctl history \[VM\]" $B history a b
expect 2 "Too many arguments" $B metrics extra
expect 2 "--openmetrics only goes with 'metrics'" $B history --openmetrics
expect 3 "Failed to connect" $B history web-1
expect 3 "Failed to connect" $B metrics --openmetrics

# Valid command lines get as far as connecting, and the bus is not there: 3.
expect 3 "Failed to connect" $B status --json=pretty
expect 3 "Failed to connect" $B list --json=off
expect 3 "Failed to connect" $B dump
expect 3 "Failed to connect" $B reclaim 1-2 --pages=5 --dry-run
# --user without a session bus: nothing to connect to is 3 too.
env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR "$CTL" --user status >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 3 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
        echo "ok: kvm-reclaimctl --user status without a session bus -> 3"
        passed=$((passed + 1))
else
        echo "FAIL: kvm-reclaimctl --user status without a session bus exited $rc: $(cat "$tmp/err")"
        failed=$((failed + 1))
fi
expect 3 "Failed to connect to the bus at $NOBUS" $B status
expect 3 "Failed to connect" $B --json status
expect 3 "Failed to connect" $B list --json
expect 3 "Failed to connect" $B --json policy list
expect 3 "Failed to connect" $B policy get /machine.slice --json
expect 3 "Failed to connect" $B --no-pager policy set /machine.slice Weight=5 MinPages=0 MaxPages=1000 \
        Protect=no Action=caches+zap PressureThreshold=100ms --runtime
expect 3 "Failed to connect" $B policy remove /machine.slice --runtime
expect 3 "Failed to connect" $B reclaim 1-2
expect 3 "Failed to connect" $B reclaim 1-2 --pages=10 --action=zap
expect 3 "Failed to connect" $B reload
expect 3 "Failed to connect" $B monitor
# The system bus of this address does not exist either.
DBUS_SYSTEM_BUS_ADDRESS=$NOBUS expect 3 "Failed to connect to the system bus" status --json

# Help and version go to stdout and succeed.
expect 0 "" --help
grep -q '^Exit status' "$tmp/out" || { echo "FAIL: --help does not document exit codes"; failed=$((failed + 1)); }
expect 0 "" -h
expect 0 "" --version
grep -Eq '^kvm-reclaimctl [0-9]' "$tmp/out" || { echo "FAIL: --version printed '$(cat "$tmp/out")'"; failed=$((failed + 1)); }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
