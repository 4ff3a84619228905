#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# "meson install --destdir" into a temporary tree, then: every expected file
# is there (f:PATH) and every expected directory too (d:PATH, e.g. the empty
# conf.d), the installed unit passes systemd-analyze verify with its
# Documentation= pages found in the installed man tree, the installed
# daemon's built-in paths are absolute and are the installed configuration
# and the directories the installed unit lets it write, the installed
# kvm-reclaimctl runs, and the installed completion parses.
#
# Usage: test-install.sh MESON BUILD_DIR f:/abs/path|d:/abs/path...
set -u
MESON=${1:?usage: $0 MESON BUILD_DIR f:PATH|d:PATH...}
BUILD=${2:?}
shift 2
. "$(dirname "$0")/../lib/units.sh"

dest=$(mktemp -d)
cleanup_dir "$dest"

if ! "$MESON" install -C "$BUILD" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1; then
        cat "$dest.log"
        rm -f "$dest.log"
        fail "meson install --destdir failed"
        pass
        exit 1
fi
rm -f "$dest.log"
ok "meson install --destdir $dest"

echo "--- installed tree"
(cd "$dest" && find . \( -type f -o -type l -o -type d -empty \) | sed 's|^\.||' | sort)
echo "---"

unit=
ctl=
daemon=
completion=
conffile=
confdir=
for spec in "$@"; do
        kind=${spec%%:*}
        path=${spec#*:}
        case $kind in
                f)
                        if [ -f "$dest$path" ]; then
                                ok "installed $path"
                        else
                                fail "missing file $path"
                        fi ;;
                d)
                        if [ -d "$dest$path" ]; then
                                ok "installed directory $path"
                        else
                                fail "missing directory $path"
                        fi ;;
                *)
                        fail "bad argument $spec" ;;
        esac
        case $path in
                */kvm-reclaimd.service) unit=$path ;;
                */bin/kvm-reclaimctl) ctl=$path ;;
                */kvm-reclaimd) [ "$kind" = f ] && daemon=$path ;;
                */completions/kvm-reclaimctl) completion=$path ;;
                */kvm-reclaimd/kvm-reclaimd.conf) conffile=$path ;;
                */kvm-reclaimd/conf.d) confdir=$path ;;
        esac
done

if [ -n "$unit" ] && [ -f "$dest$unit" ]; then
        grep -q "^ExecStart=$daemon\$" "$dest$unit" && ok "ExecStart= is the installed daemon, $daemon" ||
                fail "ExecStart= is not $daemon: $(grep ^ExecStart= "$dest$unit")"
        grep -q "^ExecReload=$ctl reload\$" "$dest$unit" && ok "ExecReload= is the installed $ctl reload" ||
                fail "ExecReload= is not $ctl reload: $(grep ^ExecReload= "$dest$unit")"
        if command -v systemd-analyze >/dev/null && [ -n "$daemon" ]; then
                mandir=$(find "$dest" -type d -name man1 -printf '%h\n' | head -1)
                mkdir -p "$dest/.verify"
                v=$(unit_for_verify "$dest$unit" "$dest$daemon" "$dest/.verify" "$dest$ctl")
                if MANPATH=$mandir systemd-analyze verify --no-pager "$v" >"$dest/.verify/out" 2>&1 &&
                                [ ! -s "$dest/.verify/out" ]; then
                        ok "the installed unit verifies, man pages found in the installed tree"
                else
                        fail "the installed unit: $(cat "$dest/.verify/out")"
                fi
        fi
fi

# The installed daemon's defaults (from its --help) against what was
# installed and what the installed unit allows.
if [ -n "$daemon" ] && [ -x "$dest$daemon" ] && [ -f "$dest$unit" ]; then
        help=$("$dest$daemon" --help)
        default_of() { printf '%s\n' "$help" | sed -n "s/^ *--$1=[A-Z]* .*(default \(.*\))\$/\1/p"; }
        d_config=$(default_of config)
        d_confdir=$(default_of conf-dir)
        d_rundir=$(default_of runtime-conf-dir)
        for p in "$d_config" "$d_confdir" "$d_rundir"; do
                case $p in
                        /*) ok "built-in path $p is absolute" ;;
                        *) fail "built-in path '$p' is not absolute" ;;
                esac
        done
        [ "$d_config" = "$conffile" ] && ok "the daemon reads the installed $conffile" ||
                fail "the daemon reads '$d_config', but $conffile is installed"
        [ "$d_confdir" = "$confdir" ] && ok "the daemon's drop-in directory is the installed $confdir" ||
                fail "the daemon's drop-in directory is '$d_confdir', but $confdir is installed"
        grep -qx "ReadWritePaths=-$d_confdir" "$dest$unit" && ok "the unit lets the daemon write $d_confdir" ||
                fail "the unit does not let the daemon write $d_confdir: $(grep ReadWritePaths= "$dest$unit")"
        rt=$(sed -n 's/^RuntimeDirectory=//p' "$dest$unit")
        [ "${d_rundir#/run/$rt/}" != "$d_rundir" ] && ok "runtime drop-ins $d_rundir are below RuntimeDirectory=$rt" ||
                fail "runtime drop-ins $d_rundir are not below /run/$rt"
        grep -qx "RestartPreventExitStatus=78" "$dest$unit" && ok "the unit does not restart on a refused configuration (78)" ||
                fail "the unit restarts on exit status 78: a bad configuration would loop"
fi

if [ -n "$ctl" ] && [ -x "$dest$ctl" ]; then
        "$dest$ctl" --version | grep -q '^kvm-reclaimctl ' && ok "installed kvm-reclaimctl runs" ||
                fail "installed kvm-reclaimctl --version failed"
fi
if [ -n "$completion" ] && [ -f "$dest$completion" ]; then
        bash -n "$dest$completion" && ok "installed completion parses" || fail "installed completion: syntax error"
fi

pass
