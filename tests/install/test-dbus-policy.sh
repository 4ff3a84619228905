#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The shipped D-Bus files on a private dbus-daemon with a system-bus-like
# default-deny policy (tests/lib/dbus.sh):
#   - org.kvmreclaim1.conf parses (dbus-daemon refuses to start otherwise;
#     a corrupted copy must make it refuse, to show the check works),
#   - the activation file parses and is used (Exec=/bin/false: activation
#     fails, kvm-reclaimctl exits 3),
#   - only root may own org.kvmreclaim1,
#   - anyone may read properties, call the Manager interface and receive
#     its signals; Properties.Set and other interfaces are refused by the bus;
#     a non-root mutating call reaches the daemon, which refuses it.
# The daemon is the real kvm-reclaimd; the signal comes from a real reclaim
# of a VM in the fake kernel (tests/fakekvm), when FUSE can be used here.
#
# Usage: test-dbus-policy.sh POLICY ACTIVATION_FILE DAEMON CTL FAKEKVM
set -u
POLICY=${1:?usage: $0 POLICY ACTIVATION_FILE DAEMON CTL FAKEKVM}
ACTIVATION=${2:?}
DAEMON=${3:?}
CTL=${4:?}
FAKEKVM=$(realpath "${5:?}")
. "$(dirname "$0")/../lib/daemon.sh"

command -v dbus-daemon >/dev/null || skip "dbus-daemon not installed"
command -v busctl >/dev/null || skip "busctl not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root to own the name and to run as nobody"

work=$(mktemp -d)
chmod 0755 "$work"
cleanup_dir "$work"
# Copies that nobody can execute wherever the build tree is.
install -m 0755 "$DAEMON" "$work/kvm-reclaimd"
install -m 0755 "$CTL" "$work/kvm-reclaimctl"

# A corrupted policy must stop the broker: otherwise the next step proves nothing.
head -c 200 "$POLICY" >"$work/broken.conf"
if (dbus_start_private "$work/broken.conf") 2>"$work/broken.err"; then
        fail "dbus-daemon accepted a truncated policy file"
else
        ok "dbus-daemon refuses a truncated policy: $(head -c 120 "$work/broken.err")"
fi

mkdir -p "$work/services"
cp "$ACTIVATION" "$work/services/"
DBUS_LIB_SERVICEDIR=$work/services dbus_start_private "$POLICY" ||
        { fail "dbus-daemon did not start with $POLICY"; }
ok "dbus-daemon starts with $(basename "$POLICY") and $(basename "$ACTIVATION")"
A=$DBUS_TEST_ADDRESS

bus() {
        busctl --address="$A" "$@"
}
nobody_bus() {
        run_as_nobody busctl --address="$A" "$@"
}

# Activation: the file names Exec=/bin/false, so starting fails cleanly.
"$work/kvm-reclaimctl" --bus-address="$A" status >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -eq 3 ] && grep -q "could not be started" "$work/err"; then
        ok "activation through the shipped file fails as intended: $(cat "$work/err")"
else
        fail "status before the daemon: exit $rc, $(cat "$work/err")"
fi

# Only root may own the name: the daemon run as nobody gives up.
mkdir "$work/empty"
printf '[Daemon]\nDebugfsDir=%s\nDisableKernelShrinker=no\n' "$work/empty" >"$work/nobody.conf"
if timeout 30 "${RUN_AS_NOBODY[@]}" "$work/kvm-reclaimd" --bus-address="$A" --config="$work/nobody.conf" \
                --conf-dir="$work/empty" --runtime-conf-dir="$work/empty" >"$work/nobody.log" 2>&1; then
        fail "kvm-reclaimd ran as nobody"
elif dbus_name_has_owner org.kvmreclaim1; then
        fail "nobody could own org.kvmreclaim1"
elif grep -q "Cannot own org.kvmreclaim1" "$work/nobody.log"; then
        ok "nobody cannot own org.kvmreclaim1: $(grep "Cannot own" "$work/nobody.log")"
else
        fail "kvm-reclaimd as nobody failed otherwise: $(tr '\n' ' ' <"$work/nobody.log")"
fi

# The real daemon, as root, with a VM when the fake kernel can be mounted.
VM=""
if why=$(fakekvm_fuse_problem); then
        mount_fake
        spawn_vm_process policy-test
        VM=$SPAWNED_PID-10
        fakekvm_add_vm "$FAKE" "$SPAWNED_PID" 10 500 40 1
else
        echo "note: no fake kernel ($why): the daemon runs without VMs"
fi
KVM_RECLAIMD=$work/kvm-reclaimd
start_reclaimd
ok "root owns org.kvmreclaim1"

O=(org.kvmreclaim1 /org/kvmreclaim1)
M=org.kvmreclaim1.Manager

# expect_nobody allow|deny DESCRIPTION BUSCTL_ARGS...
expect_nobody() {
        local want=$1 what=$2
        shift 2
        if nobody_bus "$@" >"$work/out" 2>"$work/err"; then
                [ "$want" = allow ] && ok "nobody may $what" || fail "nobody may $what, but should not"
        else
                if [ "$want" = deny ]; then
                        ok "nobody may not $what: $(cat "$work/err")"
                else
                        fail "nobody may not $what: $(cat "$work/err")"
                fi
        fi
}

expect_nobody allow "introspect" introspect "${O[@]}"
expect_nobody allow "read a property" get-property "${O[@]}" $M Version
expect_nobody allow "read all properties" call "${O[@]}" org.freedesktop.DBus.Properties GetAll s $M
expect_nobody allow "ping" call "${O[@]}" org.freedesktop.DBus.Peer Ping
expect_nobody allow "call ListVMs" call "${O[@]}" $M ListVMs
expect_nobody allow "call GetPolicy" call "${O[@]}" $M GetPolicy s /machine.slice
# dbus-send shows the error name and message as the bus sent them.
# expect_bus_denial DESCRIPTION DBUS_SEND_ARGS...
expect_bus_denial() {
        local what=$1
        shift
        if run_as_nobody dbus-send --bus="$A" --reply-timeout=5000 --print-reply --dest=org.kvmreclaim1 "$@" \
                        >"$work/out" 2>"$work/err"; then
                fail "nobody may $what, but should not"
        elif grep -q "AccessDenied.*Rejected send message" "$work/err"; then
                ok "the bus refuses nobody to $what"
        else
                fail "nobody to $what: not refused by the bus policy: $(cat "$work/err")"
        fi
}
if command -v dbus-send >/dev/null; then
        expect_bus_denial "set a property" /org/kvmreclaim1 org.freedesktop.DBus.Properties.Set \
                string:$M string:Version variant:string:evil
        expect_bus_denial "call another interface" /org/kvmreclaim1 org.kvmreclaim1.Other.Frob
else
        expect_nobody deny "set a property" set-property "${O[@]}" $M Version s evil
        expect_nobody deny "call another interface" call "${O[@]}" org.kvmreclaim1.Other Frob
fi

# Mutating calls pass the bus and are refused by the daemon, with its message
# (busctl would print a generic "Access denied" for either).
run_as_nobody "$work/kvm-reclaimctl" --bus-address="$A" reload >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -eq 4 ] && grep -q "Reload failed: Reload is for root only (caller uid $(id -u nobody))" "$work/err"; then
        ok "a non-root Reload reaches the daemon and is refused there: $(cat "$work/err")"
else
        fail "a non-root Reload: exit $rc, $(cat "$work/err")"
fi
bus call "${O[@]}" $M Reload >/dev/null 2>"$work/err" && ok "root may call Reload" ||
        fail "root Reload: $(cat "$work/err")"

# Signals reach everyone: nobody's monitor sees the Reclaimed signal of a
# reclaim root asks for.
if [ -n "$VM" ]; then
        "${RUN_AS_NOBODY[@]}" "$work/kvm-reclaimctl" --bus-address="$A" monitor >"$work/mon" 2>"$work/mon.err" &
        mon=$!
        cleanup_pid "$mon"
        sleep 0.5
        bus call "${O[@]}" $M Reclaim sts "$VM" 0 caches >/dev/null 2>"$work/err" ||
                fail "root Reclaim: $(cat "$work/err")"
        for _ in $(seq 30); do
                [ -s "$work/mon" ] && break
                sleep 0.1
        done
        kill -INT "$mon" 2>/dev/null
        wait "$mon" 2>/dev/null
        grep -q "Reclaimed vm=$VM .*action=caches pages=40 .*reason=manual" "$work/mon" &&
                ok "nobody receives the daemon's signals" ||
                fail "nobody's monitor saw: $(cat "$work/mon" "$work/mon.err")"
else
        echo "note: no VM to reclaim: signal delivery to nobody not tested"
fi

pass
