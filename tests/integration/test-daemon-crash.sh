#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash safety: the daemon is killed with SIGKILL CRASH_KILLS times
# (default 100) at a random moment, 10 to 80 ms into a storm of SetPolicy
# and RemovePolicy calls from two clients, valid and invalid (MaxPages
# below MinPages, unknown keys, bad values), persistent and runtime, with
# 300 other drop-ins so that each call takes a while.  After every kill
# every file in conf.d and run.d loads (kvm-reclaimd --check-config), the
# daemon starts again (each round begins with a start), and at the end it
# stops cleanly with the policies the files say.  The kill comes 50 to
# 400 ms into the storm: a valid SetPolicy takes ~70 ms here (it loads the
# whole configuration twice), so kills land before, in and after writes.
. "$(dirname "$0")/../lib/daemon.sh"

KILLS=${CRASH_KILLS:-100}
require_dbus
dbus_start_private || fail "no private bus"
start_reclaimd "[Policy /t]" "MinPages=100"
D=$DAEMON_DIR
stop_daemon || fail "unclean exit"
for i in $(seq 1 300); do printf '[Policy /other/%s]\nWeight=%s\n' "$i" "$i" >"$D/conf.d/40-other-$i.conf"; done

check_files() { # every file loads: the daemon could start from them
	"$KVM_RECLAIMD" --check-config --config="$D/main.conf" --conf-dir="$D/conf.d" --runtime-conf-dir="$D/run.d" \
		>"$TEST_TMP/check" 2>&1
}

# call ARGS...: one busctl call of the storm; its outcome is counted in
# $TEST_TMP/outcomes (ok; refused: InvalidArgs, as meant; cut: the daemon
# died during the call; after: it was gone before).
call() {
	local out
	if out=$(busctl --address="$DBUS_TEST_ADDRESS" --timeout=5 call "${BUS_OBJ[@]}" "$@" 2>&1); then
		echo ok
	else
		case $out in
		*"must not be below"* | *"is not one of"* | *"There is no"* | *"no policy for"*) echo refused ;;
		*"not provided by any"*) echo after ;;   # the daemon was already gone
		*) echo cut ;;
		esac
	fi >>"$TEST_TMP/outcomes"
}
# One client's storm: valid and invalid calls until the daemon is gone.
storm() {
	local i=0 rt
	while dbus_name_has_owner "$BUS_NAME"; do
		i=$((i + 1))
		rt=$([ $((i % 3)) -eq 0 ] && echo true || echo false)
		call SetPolicy 'sa{sv}b' "/t/c$((i % 4))" 2 MinPages t $((100 + i)) MaxPages t $((1000 + i)) "$rt"
		call SetPolicy 'sa{sv}b' "/t/c$((i % 4))" 1 MaxPages t 50 "$rt"   # below MinPages=100: refused
		call SetPolicy 'sa{sv}b' "/t/d$((i % 5))" 2 Weight u $((i % 10000 + 1)) \
			Action s "$([ $((i % 2)) -eq 0 ] && echo zap || echo shred)" "$rt"
		call RemovePolicy sb "/t/d$((i % 7))" "$rt"
	done
}

T0=$SECONDS
kills=0 valid=0
for round in $(seq 1 "$KILLS"); do
	start_daemon "${DARGS[@]}"
	# What a kill left half written is gone once the daemon is up.
	[ -z "$(find "$D/conf.d" "$D/run.d" -name '*.tmp*')" ] ||
		fail "round $round: temporary files left by a kill are still there: $(find "$D/conf.d" "$D/run.d" -name "*.tmp*")"
	storm >/dev/null 2>&1 &
	S1=$!
	storm >/dev/null 2>&1 &
	S2=$!
	sleep "0.$(printf '%03d' $((50 + RANDOM % 351)))"
	kill_daemon
	kills=$((kills + 1))
	wait "$S1" "$S2"
	check_files || fail "round $round: after SIGKILL a drop-in does not load: $(tail -3 "$TEST_TMP/check")"
	valid=$((valid + 1))
done
T1=$SECONDS
echo "$kills SIGKILLs in $((T1 - T0)) s, every time all drop-ins loaded"
echo "storm calls: $(grep -c '^ok$' "$TEST_TMP/outcomes") done, $(grep -c '^refused$' "$TEST_TMP/outcomes") refused as invalid, $(grep -c '^cut$' "$TEST_TMP/outcomes") cut by the kill; $(find "$D/conf.d" "$D/run.d" -name '50-dbus-*.conf' | wc -l) drop-ins now, $(grep -c 'left by a run that stopped while writing it' "$DAEMON_LOG") half-written temporary files removed at a start"

# The daemon starts on what the crashes left, with the policies the files say.
start_daemon "${DARGS[@]}"
for f in "$D"/conf.d/50-dbus-* "$D"/run.d/50-dbus-*; do
	[ -f "$f" ] || continue
	sel=$(sed -n 's/^\[Policy \(.*\)\]$/\1/p' "$f")
	grep -q '^MinPages=' "$f" || continue
	min=$(bus_call GetPolicy s "$sel" | grep -o '"MinPages" t [0-9]*' | cut -d' ' -f3)
	[ -n "$min" ] || fail "no policy in force for $sel of $f"
done
stop_daemon || fail "the daemon did not stop cleanly after $kills crashes"
ok "$kills SIGKILLs during SetPolicy/RemovePolicy storms: every file loads, the daemon starts"
pass
