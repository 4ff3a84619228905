#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd-test.sh - an operator's checks of kvm-reclaimd on a Debian 12
# system booted with systemd as PID 1: Debian's 6.12 kernel, the DKMS
# modules, both packages installed with apt (tests/deb/test-systemd.sh
# builds the disk image and boots it under qemu).  Run once after boot by
# kvmr-systemd-test.service; writes ok:/FAIL:/note: lines and the numbers
# to its standard output (the second serial port), then powers off.
#
# The VM the daemon reclaims from is a real one: vm_holder (from the
# kernel end-to-end test) under systemd-run in machine.slice, on the shadow
# MMU (kvm_amd.npt=0 on the kernel command line).
set -u
. /opt/kvmr/report.sh
exec 2>&1
U=kvm-reclaimd.service
SHRINKER=/sys/module/kvm/parameters/mmu_shrinker
DBG=/sys/kernel/debug/kvm

prop() { systemctl show -P "$1" "$U"; }
# wait_until SECS COMMAND...: poll every 0.2 s.
wait_until() {
	local n=$(($1 * 5))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		((n > 0)) || return 1
		sleep 0.2
	done
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
journal_has() { journalctl -q -o cat -u "$U" --since "@$1" | grep -q "$2"; }
done_() {
	finish
	echo "SDTEST DONE"
	systemctl poweroff
	exit 0
}

[ "$(cat /proc/1/comm)" = systemd ] && ok "PID 1 is systemd ($(systemctl --version | head -1))" ||
	fail "PID 1 is $(cat /proc/1/comm)"
# This unit is part of the boot transaction (After=multi-user.target), so
# the system is "starting" until it ends: no is-system-running --wait.
echo "note: multi-user.target reached $(( $(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target) / 1000000 )) s after the kernel started"
systemctl --failed --no-legend --plain | sed 's/^/note: failed unit: /'

# The kernel half: udev loads kvm_amd when it finds the CPU (late under
# TCG), modprobe takes the DKMS modules.
udevadm settle -t 300
wait_until 300 test -e /sys/module/kvm_amd
v=$(cat /sys/module/kvm/version 2>/dev/null)
[[ $v == *-kvm-reclaim && -e $SHRINKER ]] &&
	ok "udev and modprobe loaded the DKMS modules: kvm $v, kvm_amd $(cat /sys/module/kvm_amd/version), npt=$(cat /sys/module/kvm_amd/parameters/npt)" ||
	fail "the loaded kvm is not the DKMS one (version '$v', mmu_shrinker $(test -e $SHRINKER && echo present || echo missing))"

# Enabled by the package: it started at boot (and again when kvm_amd came,
# the package's udev rule: let that restart end).
active() { [ "$(systemctl is-active $U)" = active ]; }
wait_until 60 active
[ "$(systemctl is-enabled $U)" = enabled ] && active &&
	ok "enabled on install and active after boot" ||
	fail "after boot: is-enabled $(systemctl is-enabled $U), is-active $(systemctl is-active $U)"
boot_log() { journalctl -b -q -o short-monotonic -u $U | sed 's/^/  | /'; }

# A real VM in machine.slice for the daemon to find.
systemd-run -q --unit=vm-a --slice=machine.slice -p StandardOutput=file:/run/vm-a.out \
	/opt/kvmr/vm_holder -n a -m 32 -a 16 -i 3600
if wait_until 600 grep -q '^READY' /run/vm-a.out; then
	vm=$(awk '/^READY/ {print $2 "-" $3; exit}' /run/vm-a.out)
	ok "VM $vm (vm_holder) runs in $(cut -d: -f3 /proc/"${vm%-*}"/cgroup): $(grep ^READY /run/vm-a.out)"
else
	fail "vm_holder did not get ready: $(cat /run/vm-a.out)"
	vm=none
fi

# The instance started at boot, before udev loaded kvm_amd, must take over
# once the VM exists: kvm.mmu_shrinker off, the VM reclaimable.  The
# package's udev rule restarts it when /dev/kvm appears.
sleep 2
bpid=$(prop MainPID)
bs=$(cat $SHRINKER)
bout=$(kvm-reclaimctl reclaim "$vm" --pages 64 --action caches+zap 2>&1)
blast=$(cat $DBG/"$vm"/mmu_reclaim 2>/dev/null)
if [ "$bs" = N ] && [[ $blast =~ zapped=[1-9] ]]; then
	ok "the daemon started at boot ($(journalctl -b -q -o short-monotonic -u $U | grep -m1 'running:' | cut -d']' -f1 | tr -d '[ ') s) before kvm_amd was loaded ($(journalctl -b -k -q -o short-monotonic | grep -m1 'kvm_amd: ' | cut -d']' -f1 | tr -d '[ ') s) took over: started $(journalctl -b -q -o cat -u $U | grep -c 'running:') times in this boot, kvm.mmu_shrinker=N, reclaim: $bout"
else
	fail "the daemon started at boot before kvm_amd was loaded (at $(journalctl -b -k -q -o short-monotonic | grep -m1 'kvm_amd: ' | cut -d']' -f1 | tr -d '[ ') s, the daemon at $(journalctl -b -q -o short-monotonic -u $U | grep -m1 'running:' | cut -d']' -f1 | tr -d '[ ') s) does not take over: kvm.mmu_shrinker=$bs, reclaim: '$bout', mmu_reclaim: '$blast'"
	boot_log
	echo "  | its view of debugfs: $(grep ' /sys/kernel/debug' /proc/"$bpid"/mountinfo | cut -d' ' -f5,6 | tr '\n' ';')"
fi

# A policy that arms a 500 ms PSI window on machine.slice.
cat >/etc/kvm-reclaimd/conf.d/20-test.conf <<'EOF'
[Daemon]
PressureWindow=500ms
StepPages=256

[Policy /machine.slice]
PressureThreshold=50ms
EOF

# 1. stop, then start: Type=notify, so start returns once the daemon is ready.
systemctl stop $U
echo "note: the instance started at boot stopped; kvm.mmu_shrinker=$(cat $SHRINKER)"
t0=$(date +%s%N) since=$(date +%s)
if systemctl start $U; then
	ms=$(ms_since "$t0")
	s="$(prop ActiveState)/$(prop SubState) Type=$(prop Type)"
	[ "$s" = "active/running Type=notify" ] && ok "systemctl start returned in $ms ms with the unit $s" ||
		fail "after systemctl start: $s"
else
	fail "systemctl start failed: $(systemctl status $U --no-pager 2>&1 | tail -5)"
fi
[ "$(cat $SHRINKER)" = N ] && ok "while it runs kvm.mmu_shrinker=N" || fail "running, kvm.mmu_shrinker=$(cat $SHRINKER)"
systemctl status $U --no-pager >/tmp/status 2>&1
sed 's/^/  | /' /tmp/status | head -12
grep -q '^ *Status: "' /tmp/status && ok "systemctl status shows its STATUS=: $(sed -n 's/^ *Status: //p' /tmp/status)" ||
	fail "no Status: line in systemctl status"
journal_has "$since" 'Kernel reclaim interface present: active mode' &&
	ok "journalctl -u $U: $(journalctl -q -o cat -u $U --since "@$since" | grep -m1 'running:')" ||
	fail "the journal lacks the daemon's start-up lines: $(journalctl -q -o cat -u $U --since "@$since" | tail -5)"
journal_has "$since" 'Watching memory pressure of /machine.slice' && ! journal_has "$since" 'refused a .*PSI window' &&
	ok "a 500 ms PSI window is armed on /machine.slice: $(journalctl -q -o cat -u $U --since "@$since" | grep -m1 'Watching memory pressure of /machine.slice')" ||
	fail "PSI: $(journalctl -q -o cat -u $U --since "@$since" | grep -i 'pressure\|PSI' | head -3)"
pid=$(prop MainPID)
capeff=$(awk '/^CapEff/ {print $2}' /proc/"$pid"/status)
[ "$capeff" = 0000000001000000 ] && ok "its only capability is CAP_SYS_RESOURCE (CapEff $capeff)" ||
	fail "CapEff $capeff, CapabilityBoundingSet=$(prop CapabilityBoundingSet)"

# 2. kvm-reclaimctl over the system bus, and a reclaim the daemon writes
#    to mmu_reclaim through its ReadWritePaths=.
kvm-reclaimctl status >/tmp/ctl 2>&1 && grep -q 'Mode: active' /tmp/ctl &&
	ok "kvm-reclaimctl status answers over the system bus" ||
	fail "kvm-reclaimctl status: $(cat /tmp/ctl)"
sed 's/^/  | /' /tmp/ctl
if [ "$vm" != none ]; then
	before=$(cat $DBG/"$vm"/mmu_shadow_pages)
	out=$(kvm-reclaimctl reclaim "$vm" --pages 256 --action caches+zap 2>&1)
	last=$(cat $DBG/"$vm"/mmu_reclaim)
	[[ $last =~ zapped=[1-9] ]] &&
		ok "the daemon wrote mmu_reclaim: '$out'; shadow pages $before -> $(cat $DBG/"$vm"/mmu_shadow_pages); kernel: $last" ||
		fail "reclaim through the daemon: '$out', mmu_reclaim says '$last'"
fi

# Stop: the shrinker comes back.
systemctl stop $U
[ "$(cat $SHRINKER)" = Y ] && ok "systemctl stop restores kvm.mmu_shrinker=Y" ||
	fail "after stop kvm.mmu_shrinker=$(cat $SHRINKER)"

# 3. The watchdog is armed (WatchdogSec=30s): the daemon pings it (sd-event
#    does, between 1/2 and 3/4 of the period), and one that stops answering
#    is killed and restarted (Restart=on-failure).
systemctl start $U
wd=$(prop WatchdogUSec)
t1=$(prop WatchdogTimestampMonotonic)
sleep 25
t2=$(prop WatchdogTimestampMonotonic)
[ "$wd" = 30s ] && ((t2 > t1 && t1 > 0)) && ok "WatchdogSec=$wd and the daemon pings it (a ping $(( (t2 - t1) / 1000 )) ms after the first one seen)" ||
	fail "watchdog: WatchdogUSec=$wd, last ping at $t1 and 25 s later at $t2"
pid=$(prop MainPID) n0=$(prop NRestarts) since=$(date +%s) t0=$(date +%s%N)
restarted() { [ "$(prop NRestarts)" -gt "$n0" ] && [ "$(systemctl is-active $U)" = active ]; }
kill -STOP "$pid"
if wait_until 120 restarted; then
	ok "frozen with SIGSTOP, it was killed by the watchdog and restarted after $(ms_since "$t0") ms: $(journalctl -q -o cat -u $U --since "@$since" | grep -m1 -i 'watchdog timeout')"
else
	fail "no watchdog restart: NRestarts $(prop NRestarts), Result $(prop Result), $(systemctl is-active $U)"
	kill -CONT "$pid" 2>/dev/null
fi
echo "note: after the watchdog killed it, kvm.mmu_shrinker=$(cat $SHRINKER)"

# 4. Bus activation through dbus-org.kvmreclaim1.service.
systemctl stop $U
since=$(date +%s)
if kvm-reclaimctl status >/tmp/ctl 2>&1 && [ "$(systemctl is-active $U)" = active ]; then
	ok "bus activation: kvm-reclaimctl status started the stopped daemon: $(journalctl -q -o cat --since "@$since" -u dbus.service | grep -m1 'Activating via systemd')"
else
	fail "bus activation: $(cat /tmp/ctl); $U is $(systemctl is-active $U)"
fi

# 5. Reload with a bad drop-in: refused, the old configuration stays.
kvm-reclaimctl policy list >/tmp/policies.before 2>&1
printf '[Policy /bad]\nWeight=lots\n' >/etc/kvm-reclaimd/conf.d/99-bad.conf
since=$(date +%s)
systemctl reload $U >/tmp/reload 2>&1
rc=$?
sleep 1
er=$(prop ExecReload)
if [[ $er == *"/bin/kill"* ]]; then
	echo "note: systemctl reload with a bad drop-in returned $rc: ExecReload= is kill -HUP, which cannot report the daemon's verdict"
elif ((rc != 0)); then
	ok "systemctl reload fails on a bad drop-in (exit $rc): $(cat /tmp/reload)"
else
	fail "systemctl reload succeeded with a bad drop-in (ExecReload=$er)"
fi
kvm-reclaimctl policy list >/tmp/policies.after 2>&1
if [ "$(systemctl is-active $U)" = active ] && cmp -s /tmp/policies.before /tmp/policies.after &&
	journal_has "$since" '99-bad.conf:2'; then
	ok "the daemon keeps the old configuration and says where: $(journalctl -q -o cat -u $U --since "@$since" | grep -m1 '99-bad.conf')"
else
	fail "after a bad reload: $(systemctl is-active $U); policies before/after differ or no file:line in the journal"
	diff /tmp/policies.before /tmp/policies.after | sed 's/^/  | /'
fi
rm /etc/kvm-reclaimd/conf.d/99-bad.conf
systemctl reload $U

# 6. Stop, after the crash above: the shrinker must come back all the same.
systemctl stop $U
[ "$(cat $SHRINKER)" = Y ] && ok "after a watchdog restart, systemctl stop still restores kvm.mmu_shrinker=Y" ||
	fail "after a watchdog restart and a stop, kvm.mmu_shrinker=$(cat $SHRINKER): the killed daemon left N, and its successors restored that"
n=$(journalctl -q -u $U | wc -l)
journalctl -q -u $U | grep -q 'Received SIGTERM, exiting' && ok "journalctl -u $U has its log ($n lines)" ||
	fail "journalctl -u $U: $(journalctl -q -u $U | tail -3)"
journalctl -q -o short-monotonic -u $U | sed 's/^/  | /' | tail -40

echo "note: $(systemd-analyze security $U --no-pager 2>/dev/null | tail -1)"

# 7. The maintainer scripts with systemd running: purge stops and disables
#    it, installing the .deb again enables and starts it (dh_installsystemd).
systemctl start $U
if dpkg --purge kvm-reclaimd >/tmp/purge.out 2>&1 && [ "$(systemctl is-active $U)" != active ] &&
	[ ! -e /etc/systemd/system/dbus-org.kvmreclaim1.service ] && [ ! -e /lib/systemd/system/$U ]; then
	ok "dpkg --purge stopped it (kvm.mmu_shrinker=$(cat $SHRINKER)) and removed the unit and its enablement links"
else
	fail "dpkg --purge: $(cat /tmp/purge.out); $U $(systemctl is-active $U), kvm.mmu_shrinker=$(cat $SHRINKER)"
fi
if dpkg -i /opt/kvmr/debs/kvm-reclaimd_*.deb >/tmp/install.out 2>&1 && [ "$(systemctl is-active $U)" = active ] &&
	[ "$(systemctl is-enabled $U)" = enabled ]; then
	ok "dpkg -i enabled and started it: $(prop ActiveState) since $(prop ActiveEnterTimestamp), kvm.mmu_shrinker=$(cat $SHRINKER)"
else
	fail "dpkg -i: $(cat /tmp/install.out); $U $(systemctl is-active $U) $(systemctl is-enabled $U)"
fi
systemctl stop $U vm-a.service
done_
