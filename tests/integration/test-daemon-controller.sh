#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The controller's goal figures (issue 10), with real PSI in a real cgroup
# and the fake kernel's regrowth model (tests/fakekvm/README.md): guests
# that keep touching part of their tables (C1, C2: a fifth; H: all of
# them; T, a TDP guest: a third, and 200 empty tables), and one that holds
# only its roots (R).  Zapped hot tables come back within a second.
# Over about ten PSI windows of pressure:
#  - net pages freed one window after the last round are at least 80% of
#    the pages the rounds took (the model counts what came back);
#  - after the first command that freed nothing, no command that frees
#    nothing goes to the same VM (per command; the first zap-cold on a VM
#    only ages its tables, by the kernel's definition, and is not one);
#  - at most one round per PSI window per scope (History);
#  - the hot guest is found hot (regrew most of what it gave) and backed
#    off from; the regrowth the daemon exports is the model's.
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
[ -r "$CG2/memory.pressure" ] || skip "no per-cgroup memory.pressure in $CG2"
command -v python3 >/dev/null || skip "python3 not installed"
mount_fake
TOP=/kvmr-ctrl-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
set_memory_limit "$TOP/a" $((64 << 20)) || skip "cannot set a memory limit on $TOP/a"
for n in C1 C2 H T R; do
	spawn_in_cgroup "$TOP/a" sleep 600
	eval "P$n=$SPAWNED_PID"
done
C1=$PC1-10 C2=$PC2-11 H=$PH-12 T=$PT-13 R=$PR-14
fakekvm_add_vm "$FAKE" "$PC1" 10 3004 0 2
fakekvm_add_vm "$FAKE" "$PC2" 11 3004 0 2
fakekvm_add_vm "$FAKE" "$PH" 12 3004 0 2
fakekvm_add_vm "$FAKE" "$PT" 13 4 0 2
fakekvm_add_vm "$FAKE" "$PR" 14 4 0 2
fakekvm_set "$FAKE" "$T" tdp=3000 empty=200
for v in "$C1" "$C2"; do fakekvm_set "$FAKE" "$v" hot=600 regrow=100; done
fakekvm_set "$FAKE" "$H" hot=3000 regrow=100
fakekvm_set "$FAKE" "$T" hot=1000 regrow=100

dbus_start_private || fail "no private bus"
start_reclaimd "StepPages=1000" "PressureWindow=500ms" "SystemPressureThreshold=450ms" \
	"[Policy $TOP/a]" "PressureThreshold=10ms"
WINDOW_US=$(bus_call Dump | grep -o "\"$TOP/a\" \"[^\"]*memory.pressure\" [0-9]* [0-9]*" | awk '{ print $4 }')
[ -n "$WINDOW_US" ] || fail "no trigger on $TOP/a: $(bus_call Dump)"

start_pressure "$TOP/a" "$TEST_TMP/working-set" || skip "cannot make pressure in $TOP/a"
wait_until 60 grep -q "Plan (pressure:$TOP/a)" "$DAEMON_LOG" || fail "no pressure round within 60 s"
# About ten windows of pressure, then none.
sleep $((10 * WINDOW_US / 1000000))
stop_pid "$PRESSURE_PID"
# The last round's regrowth: one window, and a second for the count.
sleep $((2 * WINDOW_US / 1000000 + 1))

LOG=$TEST_TMP/writes
fakekvm_log "$FAKE" >"$LOG"
ROUNDS=$(grep -c "Plan (pressure:$TOP/a)" "$DAEMON_LOG")

# --- Net pages freed: what the rounds took, less what came back. ---
TAKEN=$(awk '$2 ~ /^(free-empty|zap-cold|zap)$/ { sub("zapped=", "", $(NF - 1)); n += $(NF - 1) } END { print n + 0 }' "$LOG")
BACK=0
for v in "$C1" "$C2" "$H" "$T"; do
	BACK=$((BACK + $(fakekvm_get "$FAKE" "$v" regrown)))
done
echo "$ROUNDS rounds took $TAKEN page-table pages; $BACK came back (the model's count)"
[ "$TAKEN" -ge 300 ] || fail "the rounds took only $TAKEN pages: $(cat "$LOG")"
[ $((BACK * 100)) -le $((TAKEN * 20)) ] || fail "$BACK of $TAKEN pages came back: net freed below 80%"
ok "net freed one window after: $((TAKEN - BACK)) of $TAKEN pages ($(((TAKEN - BACK) * 100 / TAKEN))%, goal >= 80%)"

# --- No command that frees nothing after the first (per VM and command). ---
python3 - "$LOG" >"$TEST_TMP/futile" <<'PY' || fail "commands that freed nothing after the first: $(cat "$TEST_TMP/futile")"
import collections, re, sys
zeros = collections.Counter()
aged = set()
bad = []
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) (\S+)(?: \d+)? -> caches_freed=(\d+) zapped=(\d+)", line)
    if not m:
        continue
    vm, cmd, freed = m.group(1), m.group(2), int(m.group(3)) + int(m.group(4))
    if cmd == "zap-cold" and vm not in aged:
        aged.add(vm)   # the kernel's aging call: frees nothing by definition
        continue
    if freed == 0:
        zeros[vm, cmd] += 1
        if zeros[vm, cmd] > 1:
            bad.append(line.strip())
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
[ "$(grep -c "^$R " "$LOG")" -le 3 ] || fail "R (roots only) was asked more than once: $(grep "^$R " "$LOG")"
ok "no command that freed nothing after the first, per VM and command (R, roots only: at most one round)"

# --- At most one round per PSI window per scope. ---
busctl --address="$DBUS_TEST_ADDRESS" --json=short call "${BUS_OBJ[@]}" History t 0 >"$TEST_TMP/history" ||
	fail "History"
python3 - "$TEST_TMP/history" "$TOP/a" "$WINDOW_US" <<'PY' || fail "two rounds within one window"
import json, sys
rounds = json.load(open(sys.argv[1]))["data"][0]
starts = sorted(r[1] - r[2] for r in rounds if r[3] == "pressure:" + sys.argv[2])
gaps = [b - a for a, b in zip(starts, starts[1:])]
window = int(sys.argv[3])
print("%d pressure rounds, shortest gap %.2f s (window %.1f s)" % (len(starts), min(gaps) / 1e6 if gaps else 0, window / 1e6))
sys.exit(0 if all(g >= window * 0.9 for g in gaps) else 1)
PY
ok "at most one round per PSI window on $TOP/a"

# --- The hot guest: found hot, backed off; regrowth exported as counted. ---
grep -q "VM $H regrew [0-9]* of [0-9]* page-table pages within .*: hot, backing off" "$DAEMON_LOG" ||
	fail "H was not found hot: $(grep "regrew" "$DAEMON_LOG")"
busctl --address="$DBUS_TEST_ADDRESS" --json=short call "${BUS_OBJ[@]}" ListVMCounters >"$TEST_TMP/counters" ||
	fail "ListVMCounters"
python3 - "$TEST_TMP/counters" "$H" "$C1" <<'PY' || fail "regrowth counters: $(cat "$TEST_TMP/counters")"
import json, sys
c = {v[0]: {k: x["data"] for k, x in v[1].items()} for v in json.load(open(sys.argv[1]))["data"][0]}
h, c1 = c[sys.argv[2]], c[sys.argv[3]]
ok = h["RegrownPages"] * 2 > h["MeasuredPages"] > 0 and c1["RegrownPages"] * 2 <= c1["MeasuredPages"]
print("H regrew %d of %d, C1 %d of %d" % (h["RegrownPages"], h["MeasuredPages"], c1["RegrownPages"], c1["MeasuredPages"]))
sys.exit(0 if ok else 1)
PY
ok "H regrew most of what it gave (backed off), C1 little"
stop_daemon || fail "unclean exit"
pass
