#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The metrics and the history, against the real daemon, the fake kernel,
# real cgroups and real PSI, on a private bus:
#  - the exposition parses with the reference parsers of
#    python3-prometheus-client, in both formats, with exactly the families
#    of the table (kvm-reclaimd --list-metrics);
#  - every family whose source is a D-Bus field carries that field's figure
#    (Dump, ListVMs, History and Metrics from one snapshot);
#  - the textfile (MetricsFile=) is written at start and after changes,
#    never twice within MetricsInterval=, and an idle daemon neither writes
#    it nor wakes up at all (its threads' context switches do not move);
#  - counters survive SIGHUP, Reload and a re-armed PSI trigger, and a
#    refused reload is counted; regrowth after a zap is counted;
#  - History has each round VM by VM, kvm-reclaimctl history --json says
#    the same, and contrib/kvm-reclaim-plot draws it as a valid SVG;
#  - at exit the textfile is removed.
. "$(dirname "$0")/../lib/daemon.sh"

HERE=$KVMR_SRC_DIR/tests/integration
SRC=$KVMR_SRC_DIR
: "${KVMR_DBUS_POLICY:?}" "${KVM_RECLAIMCTL:?}"
require_dbus
# The reference parsers come from Debian's python3-prometheus-client, which
# only Debian's python3 sees (a python3 earlier in PATH may not).
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import prometheus_client' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "python3-prometheus-client not installed (scripts/install-deps.sh)"
CHECK=("$PY" "$HERE/metrics-check.py")
require_cgroups
[ -r "$CG2/memory.pressure" ] || skip "no per-cgroup memory.pressure in $CG2"
mount_fake

TOP=/kvmr-metrics-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"
set_memory_limit "$TOP/a" $((64 << 20)) || skip "cannot set a memory limit on $TOP/a"
# "qemu" processes named as libvirt names them; one name needs escaping.
vm() { # vm CGROUP NAME FD SHADOW CACHE
	spawn_in_cgroup "$TOP/$1" sh -c 'sleep 600; :' qemu-system-x86_64 -name "guest=$2"
	fakekvm_add_vm "$FAKE" "$SPAWNED_PID" "$3" "$4" "$5" 2
	VM_ID=$SPAWNED_PID-$3
}
vm a web-1 10 5000 100; A1=$VM_ID
vm a 'we"b\2' 11 1000 0; A2=$VM_ID
vm b batch 12 9000 50; B=$VM_ID

dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d" "$TEST_TMP/textfile"
PROM=$TEST_TMP/textfile/kvm-reclaimd.prom
write_conf() { # write_conf THRESHOLD_OF_A
	cat >"$TEST_TMP/main.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
DisableKernelShrinker=no
PressureWindow=500ms
SystemPressureThreshold=450ms
StepPages=1100
RefreshInterval=1h
MetricsFile=$PROM
MetricsInterval=2s
[Policy $TOP/a]
PressureThreshold=$1
[Policy $TOP/b]
MaxPages=8000
CONF
}
write_conf 10ms
start_daemon --bus-address="$DBUS_TEST_ADDRESS" --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d" \
	--runtime-conf-dir="$TEST_TMP/run.d"
call() { bus_call "$@"; }
jcall() { busctl --address="$DBUS_TEST_ADDRESS" --json=short call "${BUS_OBJ[@]}" "$@"; }
ctl() { "$KVM_RECLAIMCTL" --bus-address="$DBUS_TEST_ADDRESS" "$@"; }
metrics() { ctl metrics "$@"; }
value() { "${CHECK[@]}" value "$@"; }
# The daemon's own count of its textfile writes: its debug line per write
# is the only count there is, and how often it writes is under test here.
writes() { grep -c "Metrics written to" "$DAEMON_LOG" || true; }
# The textfile itself: a write is a rename, so a new inode and mtime.
textfile_id() { stat -c '%i %.9Y' "$PROM" 2>/dev/null; }
textfile_moved() { [ "$(textfile_id)" != "$1" ]; }
"$KVM_RECLAIMD" --list-metrics >"$TEST_TMP/table" || fail "--list-metrics"

# --- The textfile is there at start, and parses. ---
wait_until 5 test -f "$PROM" || fail "no $PROM after start"
"${CHECK[@]}" parse "$TEST_TMP/table" "$PROM" prometheus || fail "the textfile does not parse"
assert_eq "$(stat -c %a "$PROM")" 644 "mode of the textfile"

# --- Idle: no write, no wake-up. ---
# The VMs' settle recount (200 ms after start) asks for a write, which
# comes at the end of the first interval and finds nothing new: wait for it.
# That look leaves the file alone: its debug line is all there is to see.
wait_until 10 grep -q "Metrics unchanged" "$DAEMON_LOG" || fail "no second look at the textfile after the settle recount"
sleep 0.3
switches() { daemon_switches; }
note_idle_start() {
	W0=$(writes)
	M0=$(stat -c %.9Y "$PROM")
	F0=$(textfile_id)
}
quiet_window 3 note_idle_start || fail "no 3 s without host memory pressure in 5 tries"
S0=$IDLE_S0 S1=$IDLE_S1
assert_eq "$(writes)" "$W0" "textfile writes while idle"
assert_eq "$(stat -c %.9Y "$PROM")" "$M0" "textfile mtime while idle"
assert_eq "$S1" "$S0" "context switches of the daemon's threads in 3 s idle"
assert_eq "$(ls /proc/"$DAEMON_PID"/task | wc -l)" 1 "threads while idle"
ok "idle for 3 s: $S0 context switches before and after, no write"

# --- A change is written once, and the next not within MetricsInterval=. ---
call Reclaim sts "$A1" 200 zap >/dev/null || fail "Reclaim"
wait_until 3 textfile_moved "$F0" || fail "no write after a round"
# The daemon logs the write just after the rename.
wait_until 1 eval '[ "$(writes)" -gt "$W0" ]' || fail "no write counted after a round"
T1=$(stat -c %.9Y "$PROM")
F1=$(textfile_id)
assert_eq "$(value "$PROM" kvm_reclaimd_reclaimed_pages_total action=zap reason=manual)" 200 "zap total in the file"
call Reclaim sts "$A1" 100 zap >/dev/null || fail "Reclaim"
sleep 1.5
assert_eq "$(stat -c %.9Y "$PROM")" "$T1" "textfile 1.5 s after the last write"
wait_until 2 textfile_moved "$F1" || true   # the gap check below says what was wrong
T2=$(stat -c %.9Y "$PROM")
GAP=$(echo "$T2 - $T1" | bc)
[ "$(echo "$GAP >= 1.9 && $GAP < 3.5" | bc)" = 1 ] || fail "second write $GAP s after the first (interval 2 s)"
assert_eq "$(value "$PROM" kvm_reclaimd_reclaimed_pages_total action=zap reason=manual)" 300 "zap total after the second"
[ "$(switches)" -gt "$S1" ] || fail "the context switch count did not move when the daemon worked"
ok "two changes 1 s apart written $GAP s apart"

# --- Regrowth: counted one window (here 2 s: no sub-2 s PSI windows
# without CAP_SYS_RESOURCE) after a round; A1 faults back 50 of 100. ---
regrown() { metrics >"$TEST_TMP/m" && value "$TEST_TMP/m" kvm_reclaimd_vm_regrown_pages_total id="$A1"; }
measured() { metrics >"$TEST_TMP/m" && value "$TEST_TMP/m" kvm_reclaimd_vm_regrowth_measured_pages_total id="$A1"; }
sleep 2.5   # the earlier rounds' count is done
R0=$(regrown)
M0=$(measured)
call Reclaim sts "$A1" 100 zap >/dev/null || fail "Reclaim"
fakekvm_set "$FAKE" "$A1" shadow=+50
wait_until 5 eval '[ "$(measured)" = $((M0 + 100)) ]' || fail "no count a window after the round: $(measured)"
assert_eq "$(regrown)" $((R0 + 50)) "regrown pages of $A1"
# --- A real pressure event (the MaxPages= round came at discovery). ---
call Reload || fail "Reload"
bus_monitor_start
HOGFILE="$TEST_TMP/working-set"
spawn_in_cgroup "$TOP/a" sh -c "dd if=/dev/zero of='$HOGFILE' bs=1M count=96 status=none; \
	while :; do cat '$HOGFILE' >/dev/null; done"
HOG=$SPAWNED_PID
bus_wait_signal PressureEvent "\"$TOP/a\"" 60 || fail "no pressure event from a real PSI trigger within 60 s"
# Handled: its round is in History (every pressure round is), recorded in
# the same step that counts the response time.
pressure_round_done() { call History t 0 | grep -qF "\"pressure:$TOP/a\""; }
wait_until 10 pressure_round_done || fail "the pressure round of $TOP/a did not end: $(call History t 0)"
kill "$HOG"
wait "$HOG" 2>/dev/null
sleep 2.5   # the last change reaches the textfile; nothing moves after this

# --- One snapshot: the metrics say what D-Bus says. ---
snapshot() { # snapshot N
	jcall Dump >"$TEST_TMP/dump$1" && jcall ListVMs >"$TEST_TMP/vms$1" && jcall History t 0 >"$TEST_TMP/history$1" &&
		metrics >"$TEST_TMP/metrics$1" && metrics --openmetrics >"$TEST_TMP/om$1" && jcall Dump >"$TEST_TMP/dump$1b"
}
snapshot 1 || fail "snapshot"
cmp -s "$TEST_TMP/dump1" "$TEST_TMP/dump1b" || fail "the state moved during the snapshot"
"${CHECK[@]}" parse "$TEST_TMP/table" "$TEST_TMP/metrics1" prometheus || fail "Metrics (prometheus) does not parse"
"${CHECK[@]}" parse "$TEST_TMP/table" "$TEST_TMP/om1" openmetrics || fail "Metrics (openmetrics) does not parse"
"${CHECK[@]}" compare "$TEST_TMP/table" "$TEST_TMP/metrics1" "$TEST_TMP/dump1" "$TEST_TMP/vms1" "$TEST_TMP/history1" ||
	fail "the metrics differ from D-Bus"
# The checks can fail: one page off, or one family missing, is caught.
sed "s/^\(kvm_reclaimd_vm_shadow_pages{id=\"$A1\"[^ ]*\) \([0-9]*\)$/\1 1\2/" "$TEST_TMP/metrics1" >"$TEST_TMP/off"
cmp -s "$TEST_TMP/off" "$TEST_TMP/metrics1" && fail "the negative control did not change the text"
"${CHECK[@]}" compare "$TEST_TMP/table" "$TEST_TMP/off" "$TEST_TMP/dump1" "$TEST_TMP/vms1" "$TEST_TMP/history1" \
	>/dev/null && fail "compare missed a wrong shadow page count"
grep -v '^kvm_reclaimd_vms\|^# [A-Z]* kvm_reclaimd_vms ' "$TEST_TMP/metrics1" >"$TEST_TMP/short"
"${CHECK[@]}" parse "$TEST_TMP/table" "$TEST_TMP/short" prometheus >/dev/null && fail "parse missed a missing family"
ok "a wrong count and a missing family are caught"
cmp -s "$PROM" "$TEST_TMP/metrics1" || fail "the textfile is not what Metrics says: $(diff "$PROM" "$TEST_TMP/metrics1" | head)"
ok "the textfile is the Metrics text of the same state"
for kind in manual max-pages pressure; do
	grep -q "^kvm_reclaimd_rounds_total{reason=\"$kind\"" "$TEST_TMP/metrics1" || fail "no $kind round counted"
done
EVENTS=$(value "$TEST_TMP/metrics1" kvm_reclaimd_pressure_events_total scope="$TOP/a")
[ "$EVENTS" -ge 1 ] || fail "pressure events of $TOP/a: $EVENTS"

# --- History, VM by VM, and kvm-reclaimctl's view of it. ---
ctl history --json >"$TEST_TMP/history.json" || fail "history --json"
OUT=$("$PY" - "$TEST_TMP/history.json" "$TEST_TMP/history1" "$A1" "$B" <<'PY'
import json, sys
ctl = json.load(open(sys.argv[1]))
bus = json.load(open(sys.argv[2]))["data"][0]
a1, b = sys.argv[3], sys.argv[4]
assert len(ctl) == len(bus), (len(ctl), len(bus))
assert [r["Seq"] for r in ctl] == [r[0] for r in bus] == list(range(1, len(bus) + 1))
# MaxPages= is the kernel's limit, set (and kept down) at discovery: that
# round comes first; the first Reclaim call is the first manual one.
first = next(r for r in ctl if r["Reason"] == "manual")
assert (first["Reason"], first["Scope"], first["CarriedOut"]) == ("manual", a1, True), first
v = first["Plan"][0]
assert (v["VM"], v["Name"], v["ZapPages"], v["ReclaimedShadowPages"]) == (a1, "web-1", 200, 200), v
assert (v["ShadowPagesBefore"], v["ShadowPagesAfter"]) == (5000, 4800), v
caps = [r for r in ctl if r["Reason"] == "max-pages"]
assert caps and caps[0]["Plan"][0]["VM"] == b and caps[0]["Plan"][0]["ShadowPagesAfter"] == 8000, caps
assert any(r["Reason"].startswith("pressure:") for r in ctl)
print("%d rounds in History, the same in kvm-reclaimctl history --json" % len(ctl))
PY
) || fail "history"
ok "$OUT"
ctl history web-1 | grep -q "manual  *zap 200  *0  *200  *5000  *4800" || fail "history web-1: $(ctl history web-1)"

# --- The plot of that history. ---
if command -v gnuplot >/dev/null; then
	"$PY" "$SRC/contrib/kvm-reclaim-plot" --input "$TEST_TMP/history.json" -o "$TEST_TMP/plot.svg" ||
		fail "kvm-reclaim-plot"
	OUT=$("$PY" - "$TEST_TMP/plot.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
text = " ".join(t.strip() for t in root.itertext())
for want in ("web-1", "batch", "pressure event", "shadow pages held"):
    assert want in text, want
print("the plot is an SVG with the VMs and the pressure events")
PY
) || fail "the plot is not the SVG expected"
	ok "$OUT"
else
	fail "gnuplot not installed (gnuplot-nox, scripts/packages.list)"
fi

# --- Counters survive SIGHUP, Reload and a re-armed trigger. ---
GEN=$(value "$TEST_TMP/metrics1" kvm_reclaimd_config_generation)
reload_daemon
call Reload || fail "Reload"
write_conf 20ms   # a new threshold: the trigger of $TOP/a is armed anew
call Reload || fail "Reload with a new threshold"
printf '[Daemon]\nStepPages=x\n' >"$TEST_TMP/conf.d/90-bad.conf"
call Reload 2>/dev/null && fail "a bad configuration was accepted"
rm "$TEST_TMP/conf.d/90-bad.conf"
metrics >"$TEST_TMP/metrics2" || fail "metrics"
"${CHECK[@]}" monotonic "$TEST_TMP/table" "$TEST_TMP/metrics1" "$TEST_TMP/metrics2" || fail "a counter went down"
assert_eq "$(value "$TEST_TMP/metrics2" kvm_reclaimd_config_generation)" $((GEN + 3)) "config generation"
assert_eq "$(value "$TEST_TMP/metrics2" kvm_reclaimd_config_reload_failures_total)" 1 "refused reloads"
assert_eq "$(value "$TEST_TMP/metrics2" kvm_reclaimd_pressure_events_total scope="$TOP/a")" "$EVENTS" \
	"pressure events of $TOP/a after its trigger was re-armed"
call Dump | grep -q "\"$TOP/a\" \"[^\"]*\" 20000 [0-9]* [0-9]* 0" || fail "the trigger of $TOP/a was not re-armed"
ok "counters kept across SIGHUP, two Reloads, a re-armed trigger and a refused reload"

# --- At exit the textfile goes. ---
stop_daemon || fail "unclean exit"
[ -e "$PROM" ] && fail "$PROM left behind by a stopped daemon"
ok "the textfile is removed at exit"
pass
