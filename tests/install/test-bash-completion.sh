#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of kvm-reclaimctl: verbs, subverbs, options per verb,
# policy keys and their values, with and without the bash-completion
# library loaded; and, on a private bus with the real daemon and two VMs in
# the fake kernel (tests/fakekvm), VM ids and policy cgroups fetched through
# kvm-reclaimctl with the same --bus-address.
#
# Usage: test-bash-completion.sh COMPLETION CTL [DAEMON FAKEKVM]
set -u
COMPLETION=${1:?usage: $0 COMPLETION CTL [DAEMON FAKEKVM]}
CTL=${2:?}
DAEMON=${3:-}
FAKEKVM=${4:-}
. "$(dirname "$0")/../lib/daemon.sh"

bash -n "$COMPLETION" || fail "syntax error in $COMPLETION"
ok "bash -n $(basename "$COMPLETION")"

bindir=$(mktemp -d)
cleanup_dir "$bindir"
ln -s "$(realpath "$CTL")" "$bindir/kvm-reclaimctl"

# complete_words WITH_LIB WORD...: prints COMPREPLY, one per line, for the
# command line WORD... with the cursor at the end of the last word, split at
# COMP_WORDBREAKS as readline does.
complete_words() {
        local with_lib=$1
        shift
        PATH="$bindir:$PATH" bash --norc --noprofile -c '
                with_lib=$1; shift
                if [ "$with_lib" = yes ]; then
                        . /usr/share/bash-completion/bash_completion
                fi
                . "$COMPLETION"
                line="$*"
                # Split like readline: blanks separate words, "=" is a word of its own.
                COMP_WORDS=()
                for w in "$@"; do
                        while [[ $w == *=* ]]; do
                                COMP_WORDS+=("${w%%=*}" "=")
                                w=${w#*=}
                        done
                        COMP_WORDS+=("$w")
                done
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                COMP_LINE=$line
                COMP_POINT=${#line}
                COMPREPLY=()
                _kvm_reclaimctl
                printf "%s\n" "${COMPREPLY[@]}"
        ' complete-test "$with_lib" "$@" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'
}
export COMPLETION

# expect WITH_LIB "EXPECTED" WORD...
expect() {
        local with_lib=$1 want=$2 got
        shift 2
        got=$(complete_words "$with_lib" "$@")
        if [ "$got" = "$want" ]; then
                ok "[$with_lib] '$*' -> $got"
        else
                fail "[$with_lib] '$*' -> '$got', expected '$want'"
        fi
}

libs=(no)
[ -f /usr/share/bash-completion/bash_completion ] && libs+=(yes)

for l in "${libs[@]}"; do
        expect "$l" "dump history list metrics monitor policy reclaim reload status" kvm-reclaimctl ""
        expect "$l" "--openmetrics" kvm-reclaimctl metrics --o
        expect "$l" "policy" kvm-reclaimctl po
        expect "$l" "get keys list remove set" kvm-reclaimctl policy ""
        expect "$l" "--json --json=" kvm-reclaimctl --js
        expect "$l" "pretty" kvm-reclaimctl status --json=p
        expect "$l" "--dry-run" kvm-reclaimctl reclaim 1-2 --d
        # The keys come from "kvm-reclaimctl policy keys", the daemon's key table.
        expect "$l" "Action= MaxMemory= MaxPages= MinMemory= MinPages= PressureThreshold= Protect= Weight=" \
                kvm-reclaimctl policy set /machine.slice ""
        expect "$l" "MaxMemory= MaxPages= MinMemory= MinPages=" kvm-reclaimctl policy set /machine.slice M
        expect "$l" "no yes" kvm-reclaimctl policy set /machine.slice Protect=
        expect "$l" "caches caches+zap" kvm-reclaimctl policy set /machine.slice Action=c
        expect "$l" "--runtime" kvm-reclaimctl policy set /machine.slice Weight=5 --ru
        expect "$l" "" kvm-reclaimctl policy get / --ru
        expect "$l" "--pages=" kvm-reclaimctl reclaim 1-2 --p
        expect "$l" "zap" kvm-reclaimctl reclaim 1-2 --action=z
        expect "$l" "" kvm-reclaimctl status ""
done

if [ -z "$DAEMON" ] || [ -z "$FAKEKVM" ] || ! command -v dbus-daemon >/dev/null; then
        echo "note: no daemon, fake kernel or dbus-daemon: VM id completion not tested"
elif ! why=$(fakekvm_fuse_problem); then
        echo "note: no fake kernel ($why): VM id completion not tested"
else
        mount_fake
        dbus_start_private || fail "no private bus"
        spawn_vm_process alpha
        ID1=$SPAWNED_PID-11
        fakekvm_add_vm "$FAKE" "$SPAWNED_PID" 11 100 0 1
        spawn_vm_process beta
        ID2=$SPAWNED_PID-12
        fakekvm_add_vm "$FAKE" "$SPAWNED_PID" 12 100 0 1
        KVM_RECLAIMD=$(realpath "$DAEMON")
        start_reclaimd "[Policy /machine.slice]" "Weight=200"
        B=--bus-address=$DBUS_TEST_ADDRESS
        expect no "$(printf '%s\n' "$ID1" "$ID2" | sort | tr '\n' ' ' | sed 's/ $//')" \
                kvm-reclaimctl "$B" reclaim ""
        expect no "$ID1" kvm-reclaimctl "$B" reclaim "${ID1%-*}-"
        expect no "$ID2" kvm-reclaimctl "$B" history "${ID2%-*}-"
        expect no "/ /machine.slice" kvm-reclaimctl "$B" policy remove ""
        expect no "/machine.slice" kvm-reclaimctl "$B" policy remove /m
        # Without the address the ids come from a bus that has no daemon.
        expect no "" kvm-reclaimctl --bus-address=unix:path=/nonexistent reclaim ""
        stop_daemon || fail "the daemon did not exit cleanly"
fi

pass
