#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every key of the one key table (daemon/conf-keys.c) reaches every place
# that shows or takes keys: kvm-reclaimd.conf(5) documents it, the daemon
# accepts it in its section, and for policy keys the bash completion offers
# it and "kvm-reclaimctl policy set" accepts it.  The keys come from the
# programs themselves: "kvm-reclaimctl policy keys" and the [Daemon]
# section of "kvm-reclaimd --check-config", both of which iterate the
# table.  A made-up key must fail every check, to show the checks work.
#
# Usage: test-config-keys.sh DAEMON CTL COMPLETION MAN5
set -u
DAEMON=${1:?usage: $0 DAEMON CTL COMPLETION MAN5}
CTL=${2:?}
COMPLETION=${3:?}
MAN5=${4:?}
. "$(dirname "$0")/../lib/common.sh"

tmp=$(mktemp -d)
cleanup_dir "$tmp"
mkdir "$tmp/conf.d" "$tmp/run.d" "$tmp/bin"
ln -s "$(realpath "$CTL")" "$tmp/bin/kvm-reclaimctl"
NOBUS="--bus-address=unix:path=$tmp/no-such-socket"

check_config() { # check_config TEXT: --check-config of a main file holding TEXT
        printf '%s\n' "$1" >"$tmp/t.conf"
        "$DAEMON" --check-config --config="$tmp/t.conf" --conf-dir="$tmp/conf.d" --runtime-conf-dir="$tmp/run.d" \
                >"$tmp/out" 2>&1
}

completes() { # completes KEY: "kvm-reclaimctl policy set /x <TAB>" offers KEY=
        PATH="$tmp/bin:$PATH" bash --norc --noprofile -c '
                . "$1"
                COMP_WORDS=(kvm-reclaimctl policy set /x "")
                COMP_CWORD=4
                COMP_LINE="kvm-reclaimctl policy set /x "
                COMP_POINT=${#COMP_LINE}
                _kvm_reclaimctl
                printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" | grep -qx "$1="
}

documented() { # documented KEY: a .BI KEY= entry in the man page
        grep -q "^\.BI $1= " "$MAN5"
}

# Policy keys and a value each (the default, or 0 for another spelling).
"$CTL" policy keys --json >"$tmp/keys.json" || fail "kvm-reclaimctl policy keys failed"
mapfile -t POLICY < <(python3 -c 'import json, sys
for k in json.load(open(sys.argv[1])): print(k["Key"], k.get("Default", "0"))' "$tmp/keys.json")
[ "${#POLICY[@]}" -ge 6 ] || fail "only ${#POLICY[@]} policy keys listed"

# [Daemon] keys, from the effective configuration the daemon prints.
check_config "" || fail "--check-config of an empty file: $(cat "$tmp/out")"
mapfile -t DAEMON_KEYS < <(sed -n '/^\[Daemon\]/,/^\[/p' "$tmp/out" |
        sed -nE 's/^([A-Z][A-Za-z]*)=(.*)/\1 \2/p; s/^# ([A-Z][A-Za-z]*)= is not set.*/\1 /p')
[ "${#DAEMON_KEYS[@]}" -ge 6 ] || fail "only ${#DAEMON_KEYS[@]} [Daemon] keys printed"

check_policy_key() { # check_policy_key KEY VALUE EXPECT(ok|fail)
        local key=$1 value=$2 want=$3 got=()
        documented "$key" && got+=(man) || got+=(-)
        completes "$key" && got+=(completion) || got+=(-)
        "$CTL" "$NOBUS" policy set /x "$key=$value" >/dev/null 2>&1
        [ $? -eq 3 ] && got+=(ctl) || got+=(-)
        check_config "$(printf '[Policy /x]\n%s=%s' "$key" "$value")" && got+=(daemon) || got+=(-)
        if [ "$want" = ok ] && [ "${got[*]}" = "man completion ctl daemon" ]; then
                ok "$key=$value: documented, completed, accepted by kvm-reclaimctl and the daemon"
        elif [ "$want" = fail ] && [ "${got[*]}" = "- - - -" ]; then
                ok "made-up $key= is refused everywhere"
        else
                fail "$key=$value: ${got[*]} (expected $want)"
        fi
}

for entry in "${POLICY[@]}"; do
        check_policy_key "${entry%% *}" "${entry#* }" ok
done
check_policy_key Frobnicate 1 fail

for entry in "${DAEMON_KEYS[@]}"; do
        key=${entry%% *}
        value=${entry#* }
        if documented "$key" && check_config "$(printf '[Daemon]\n%s=%s' "$key" "$value")"; then
                ok "[Daemon] $key=$value: documented and accepted"
        else
                fail "[Daemon] $key=$value: not documented in $(basename "$MAN5") or refused: $(cat "$tmp/out")"
        fi
done
if documented Frobnicate || check_config "$(printf '[Daemon]\nFrobnicate=1')"; then
        fail "a made-up [Daemon] key went unnoticed"
else
        ok "a made-up [Daemon] key is refused"
fi

pass
