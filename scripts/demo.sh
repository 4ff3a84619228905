#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job: kvm-reclaimd on a simulated host.  Four VMs (the fake
# kernel, tests/fakekvm) owned by real processes in real cgroups, real
# memory pressure made in one tenant's cgroup, and the daemon showing live
# what it sees, decides and does.  Everything it creates is removed at exit.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD

scripts/install-deps.sh
BUILD=${KVMR_BUILD_DIR:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dkernel_tests=false >/dev/null
ninja -C "$BUILD" >/dev/null

export FAKEKVM="$ROOT/$BUILD/tests/fakekvm/fakekvm"
KVM_RECLAIMD="$ROOT/$BUILD/daemon/kvm-reclaimd"
CTL="$ROOT/$BUILD/ctl/kvm-reclaimctl"
. tests/lib/daemon.sh
DEMO_SECONDS=${DEMO_SECONDS:-25}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

require_cgroups
mount_fake --grow-shadow=20
TOP=/kvm-reclaimd-demo
[ -d "$CG2$TOP" ] && fail "$CG2$TOP exists: another demo running?"
make_cgroup "$TOP"
for t in tenant-a tenant-b critical; do make_cgroup "$TOP/$t"; done

# Each "qemu" is a shell whose argv carries -name guest=NAME, as libvirt's do.
vm() { # vm CGROUP NAME FD SHADOW CACHE VCPUS
	spawn_in_cgroup "$TOP/$1" sh -c 'sleep 3600; :' qemu-system-x86_64 -name "guest=$2,debug-threads=on"
	fakekvm_add_vm "$FAKE" "$SPAWNED_PID" "$3" "$4" "$5" "$6"
}
vm tenant-a web-1 11 4 160 4
vm tenant-a web-2 12 4000 80 2
vm tenant-b batch 13 20000 120 4
vm critical db 14 30000 160 4
# web-1 runs on the TDP MMU (EPT/NPT): 12000 TDP tables, 1500 of them
# empty (the host took that memory back), a working set of 4000; web-2,
# shadow-paged, keeps touching a quarter of its tables (the fake kernel's
# regrowth model: zapped hot tables come back within a second or two).
WEB1=$(cd "$FAKE" && echo *-11)
WEB2=$(cd "$FAKE" && echo *-12)
fakekvm_set "$FAKE" "$WEB1" tdp=12000 empty=1500 hot=4000 regrow=60
fakekvm_set "$FAKE" "$WEB2" hot=1000 regrow=60

# A private D-Bus so kvm-reclaimctl can talk to the daemon.
BUS_ARGS=(--no-bus)
CTL_ARGS=()
if [ -x "$CTL" ] && command -v dbus-daemon >/dev/null; then
	dbus_start_private || fail "no private bus"
	BUS_ADDR=$DBUS_TEST_ADDRESS
	BUS_ARGS=(--bus-address="$BUS_ADDR")
	CTL_ARGS=(--bus-address="$BUS_ADDR")
fi

mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
cat > "$TEST_TMP/kvm-reclaimd.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
StepPages=2048
SystemPressureThreshold=450ms
DisableKernelShrinker=no

[Policy $TOP/tenant-a]
Weight=100
MinPages=1000
PressureThreshold=10ms

[Policy $TOP/tenant-b]
Weight=200

[Policy $TOP/critical]
Protect=yes
CONF
say "Configuration ($TEST_TMP/kvm-reclaimd.conf)"
cat "$TEST_TMP/kvm-reclaimd.conf"

say "kvm-reclaimd starts"
start_daemon "${BUS_ARGS[@]}" --config="$TEST_TMP/kvm-reclaimd.conf" --conf-dir="$TEST_TMP/conf.d" \
	--runtime-conf-dir="$TEST_TMP/run.d" --state-dir="$TEST_TMP/state"
sed -e 's/^<[0-9]>//' -e '/^PSI trigger/d' -e 's/^/  daemon: /' "$DAEMON_LOG"

status() {
	if [ ${#CTL_ARGS[@]} -gt 0 ]; then
		"$CTL" "${CTL_ARGS[@]}" status || true
	else
		for d in "$FAKE"/*-*; do
			printf '  %-12s shadow=%-6s tdp=%-6s cache=%-4s page tables hold %s bytes\n' "${d##*/}" \
				"$(cat "$d/mmu_shadow_pages")" "$(cat "$d/tdp_mmu_pages")" "$(cat "$d/mmu_cache_pages")" \
				"$(cat "$d/mmu_pagetable_bytes")"
		done
	fi
}
say "Before pressure"
status

say "Memory pressure in $TOP/tenant-a for ${DEMO_SECONDS}s (a 96 MiB working set under a 64 MiB limit)"
tail -n 0 -f "$DAEMON_LOG" | sed -u -e 's/^<[0-9]>//' -e '/^PSI trigger\|^  .*caches=.*zap=/d' -e 's/^/  daemon: /' &
TAIL=$!
cleanup_pid "$TAIL"
start_pressure "$TOP/tenant-a" "$TEST_TMP/ws" || fail "cannot make memory pressure in $TOP/tenant-a"
HOG=$PRESSURE_PID
sleep "$DEMO_SECONDS"
kill "$HOG"
sleep 0.5
kill "$TAIL"

say "After pressure"
status
say "What the kernel was asked (the fake kernel's write log)"
sed 's/^/  /' "$FAKE/.fake_log" | tail -n 20
DB=$(cd "$FAKE" && for d in *-14; do echo "$d"; done)
echo
echo "  db (Protect=yes) was written to $(grep -c "^$DB " "$FAKE/.fake_log" || true) times;" \
	"tenant-a's VMs $(grep -c "^[0-9]*-1[12] " "$FAKE/.fake_log" || true) times."
echo "  Hot tables the guests refaulted (the fake's own count): web-1 $(fakekvm_get "$FAKE" "$WEB1" regrown)," \
	"web-2 $(fakekvm_get "$FAKE" "$WEB2" regrown); the daemon counts any growth within a window as regrowth" \
	"(an upper bound: every VM here also grows 20 pages a second)."

# What an operator's graphs would show: the metrics, and the history drawn.
if [ ${#CTL_ARGS[@]} -gt 0 ]; then
	say "Metrics (kvm-reclaimctl metrics; also a textfile and an HTTP endpoint, kvm-reclaimd(8))"
	"$CTL" "${CTL_ARGS[@]}" metrics |
		grep -E '^kvm_reclaimd_(reclaimed_pages_total|rounds_total|pressure_events_total|regrowth_pages_total|vm_pagetable_bytes)' |
		grep -v ' 0$' | sed 's/^/  /'
	say "History (kvm-reclaimctl history), newest last"
	"$CTL" "${CTL_ARGS[@]}" history | tail -n 8 | sed 's/^/  /'
	if command -v gnuplot >/dev/null; then
		PLOT=${DEMO_PLOT:-$ROOT/$BUILD/kvm-reclaimd-demo.svg}
		PATH="$ROOT/$BUILD/ctl:$PATH" contrib/kvm-reclaim-plot -o "$PLOT" --all \
			--title "kvm-reclaimd demo: pressure in tenant-a, $DEMO_SECONDS s" -- "${CTL_ARGS[@]}" | sed 's/^/  /'
	fi
fi
