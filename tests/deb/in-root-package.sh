#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# in-root-package.sh - runs inside a throw-away Debian 12 root (PID 1 is
# bash, not systemd), started by tests/deb/test-package.sh with the packages
# in /debs and tests/deb/report.sh at /t/report.sh.  Installs, checks and
# purges kvm-reclaimd and kvm-reclaim-dkms as an operator would with apt and
# dpkg, and compares the root before and after.
set -u
. /t/report.sh

daemon_deb=$(ls /debs/kvm-reclaimd_*_amd64.deb)
dkms_deb=$(ls /debs/kvm-reclaim-dkms_*_all.deb)

# Everything on the root's file systems that a package could create: path,
# type, mode, owner, and a checksum of each file under /etc.  dpkg's and
# apt's own records, logs and caches are left out (they are supposed to
# change), and so is /run/systemd, where the systemctl and systemd-analyze
# this test runs leave a mark of their own.
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache \
		-o -path /var/log -o -path /debs -o -path /t \) -prune \
		-o -printf '%p %y %m %u:%g\n' | sort
	find /run -path /run/systemd -prune -o -printf '%p %y %m %u:%g\n' | sort
	find /etc -xdev -type f -print0 | sort -z | xargs -0 md5sum
}

[ "$(cat /proc/1/comm)" != systemd ] && [ ! -d /run/systemd/system ] &&
	ok "no systemd as PID 1 here (PID 1 is $(cat /proc/1/comm))" ||
	fail "this root runs systemd, the test means to show the opposite"

apt-get update -qq || { fail "apt-get update"; finish; exit 1; }
# The dependencies first, so that the snapshot holds them and a purge can be
# compared with it.
deps="$(dpkg-deb -f "$daemon_deb" Depends), $(dpkg-deb -f "$dkms_deb" Depends)"
if apt-get satisfy -y -qq --no-install-recommends "$deps" >/tmp/deps.log 2>&1; then
	ok "dependencies installed: $deps"
else
	cat /tmp/deps.log
	fail "apt-get satisfy $deps"
	finish
	exit 1
fi
snapshot >/tmp/before

# check_installed: what the packages put where Debian puts it.
check_installed() {
	local f
	for f in /usr/libexec/kvm-reclaimd /usr/bin/kvm-reclaimctl \
		/lib/systemd/system/kvm-reclaimd.service \
		/usr/share/dbus-1/system.d/org.kvmreclaim1.conf \
		/usr/share/dbus-1/system-services/org.kvmreclaim1.service \
		/usr/lib/tmpfiles.d/kvm-reclaimd.conf \
		/usr/share/bash-completion/completions/kvm-reclaimctl /lib/udev/rules.d/60-kvm-reclaimd.rules \
		/usr/share/man/man1/kvm-reclaimctl.1.gz /usr/share/man/man5/kvm-reclaimd.conf.5.gz \
		/usr/share/man/man8/kvm-reclaimd.8.gz /etc/kvm-reclaimd/kvm-reclaimd.conf \
		/usr/share/doc/kvm-reclaimd/copyright; do
		[ -e "$f" ] || fail "missing $f"
	done
	[ -d /etc/kvm-reclaimd/conf.d ] || fail "missing /etc/kvm-reclaimd/conf.d"
	if [ "$(cat /var/lib/dpkg/info/kvm-reclaimd.conffiles)" = /etc/kvm-reclaimd/kvm-reclaimd.conf ]; then
		ok "conffiles: /etc/kvm-reclaimd/kvm-reclaimd.conf"
	else
		fail "conffiles: $(tr '\n' ' ' </var/lib/dpkg/info/kvm-reclaimd.conffiles)"
	fi
	# Anything else the package ships, for the record.
	dpkg -L kvm-reclaimd | while read -r f; do
		[ -f "$f" ] || continue
		case $f in
		/usr/libexec/kvm-reclaimd | /usr/bin/kvm-reclaimctl | /lib/systemd/system/kvm-reclaimd.service | \
		/usr/share/dbus-1/* | /usr/lib/tmpfiles.d/* | /usr/share/bash-completion/* | \
		/usr/libexec/kvm-reclaimd-metrics | /lib/systemd/system/kvm-reclaimd-metrics* | \
		/usr/share/kvm-reclaimd/* | /usr/share/lintian/overrides/kvm-reclaimd | /lib/udev/rules.d/* | \
		/usr/share/man/* | /etc/kvm-reclaimd/* | /usr/share/doc/kvm-reclaimd/*) ;;
		*) echo "note: kvm-reclaimd also ships $f" ;;
		esac
	done
}

# enabled_by_dh: the links dh_installsystemd's postinst makes without systemd.
check_enabled() {
	local w=/etc/systemd/system/multi-user.target.wants/kvm-reclaimd.service
	local a=/etc/systemd/system/dbus-org.kvmreclaim1.service
	[ "$(readlink "$w")" = /lib/systemd/system/kvm-reclaimd.service ] &&
		[ "$(readlink "$a")" = /lib/systemd/system/kvm-reclaimd.service ] &&
		ok "enabled on install: $w and the bus-activation alias $a" ||
		fail "not enabled: $w -> $(readlink "$w"), $a -> $(readlink "$a")"
	[ "$(systemctl is-enabled kvm-reclaimd.service 2>&1)" = enabled ] &&
		ok "systemctl is-enabled kvm-reclaimd: enabled" ||
		fail "systemctl is-enabled: $(systemctl is-enabled kvm-reclaimd.service 2>&1)"
	# Every other unit it ships stays off until the administrator says so
	# (the metrics socket listens on the network).
	local u
	for u in $(dpkg -L kvm-reclaimd | sed -n 's|^/lib/systemd/system/\([^/]*\)$|\1|p'); do
		[ "$u" = kvm-reclaimd.service ] && continue
		case $(systemctl is-enabled "$u" 2>&1) in
		disabled | static | indirect) ok "$u ships off: $(systemctl is-enabled "$u" 2>&1)" ;;
		*) fail "$u is $(systemctl is-enabled "$u" 2>&1) on install" ;;
		esac
	done
}

# 1. apt installs both packages from the files.
if apt-get install -y --no-install-recommends "$daemon_deb" "$dkms_deb" >/tmp/install.log 2>&1; then
	ok "apt-get install of both .debs: postinst ran without systemd as PID 1"
else
	cat /tmp/install.log
	fail "apt-get install failed"
	finish
	exit 1
fi
grep -E 'Setting up kvm|DKMS|Building|chroot' /tmp/install.log | sed 's/^/  | /'
check_installed
check_enabled
[ -d /run/kvm-reclaimd/conf.d ] && ok "tmpfiles applied by the postinst: /run/kvm-reclaimd/conf.d" ||
	fail "no /run/kvm-reclaimd/conf.d: systemd-tmpfiles did not run"

# Documentation= is checked with man, when man-db is there (not in a
# debootstrap root).
man_check=--man=yes
command -v man >/dev/null || man_check=--man=no
out=$(systemd-analyze verify "$man_check" /lib/systemd/system/kvm-reclaimd.service 2>&1)
[ -z "$out" ] && ok "systemd-analyze verify $man_check on the installed unit is silent" ||
	fail "systemd-analyze verify: $out"
kvm-reclaimctl --version | grep -q '^kvm-reclaimctl ' && ok "kvm-reclaimctl --version: $(kvm-reclaimctl --version)" ||
	fail "kvm-reclaimctl --version"
out=$(/usr/libexec/kvm-reclaimd --check-config 2>&1) && ok "kvm-reclaimd --check-config accepts the shipped configuration" ||
	fail "kvm-reclaimd --check-config: $out"
if man -w kvm-reclaimd.conf >/dev/null 2>&1 || ! command -v man >/dev/null; then
	ok "man pages in place ($(command -v man >/dev/null && man -w kvm-reclaimd kvm-reclaimctl kvm-reclaimd.conf | tr '\n' ' ' || echo "man-db not installed"))"
else
	fail "man -w kvm-reclaimd.conf finds nothing"
fi

# The DKMS package: registered, nothing built (no 6.12 kernel in this root).
st=$(dkms status kvm-reclaim 2>&1)
case $st in
kvm-reclaim/*:\ added) ok "dkms status: $st" ;;
*) fail "dkms status: $st" ;;
esac
v=$(dpkg-query -W -f '${Version}' kvm-reclaim-dkms)
if diff -r /usr/src/kvm-reclaim-"$v"/patches /t/kernel >/tmp/diff 2>&1; then
	ok "/usr/src/kvm-reclaim-$v/patches holds exactly kernel/series and its patches"
else
	fail "/usr/src/kvm-reclaim-$v/patches differs from kernel/: $(cat /tmp/diff)"
fi

# 2. The daemon's own drop-ins (what "policy set" writes) go with a purge.
printf '[Policy /machine.slice]\nWeight=200\n' >/etc/kvm-reclaimd/conf.d/50-dbus-machine.slice.conf
printf '[Policy /x]\nWeight=3\n' >/run/kvm-reclaimd/conf.d/50-dbus-x.conf
if apt-get purge -y kvm-reclaimd kvm-reclaim-dkms >/tmp/purge.log 2>&1; then
	ok "apt-get purge of both packages"
else
	cat /tmp/purge.log
	fail "apt-get purge failed"
fi
snapshot >/tmp/after
if diff /tmp/before /tmp/after >/tmp/diff; then
	ok "after purge the root is as before the install ($(wc -l </tmp/before) entries compared)"
else
	fail "purge left the root changed:"
	sed 's/^/  | /' /tmp/diff
fi
[ -z "$(dkms status kvm-reclaim 2>&1)" ] && ok "dkms knows no kvm-reclaim after purge" ||
	fail "dkms status after purge: $(dkms status kvm-reclaim 2>&1)"

# 3. An administrator's own drop-in survives the purge, as dpkg leaves any
#    file it does not own.
dpkg -i "$daemon_deb" >/tmp/install2.log 2>&1 || { cat /tmp/install2.log; fail "dpkg -i again"; }
printf '[Policy /]\nWeight=100\n' >/etc/kvm-reclaimd/conf.d/10-admin.conf
dpkg --purge kvm-reclaimd >/tmp/purge2.log 2>&1 || { cat /tmp/purge2.log; fail "dpkg --purge again"; }
if [ -f /etc/kvm-reclaimd/conf.d/10-admin.conf ] && [ ! -e /etc/kvm-reclaimd/kvm-reclaimd.conf ] &&
	[ ! -e /etc/systemd/system/dbus-org.kvmreclaim1.service ]; then
	ok "a purge keeps the administrator's 10-admin.conf and removes the rest"
else
	fail "after the second purge: $(ls -R /etc/kvm-reclaimd 2>&1 | tr '\n' ' ')"
fi

finish
