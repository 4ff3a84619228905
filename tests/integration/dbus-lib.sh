# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# dbus-lib.sh - helpers for tests that need a private D-Bus broker.
# Source it from a bash test:
#
#     . "$srcdir/tests/integration/dbus-lib.sh"
#     dbus_start_private                       # open policy, any uid may connect
#     dbus_start_private units/org.kvmreclaim1.conf   # system-bus-like policy
#     dbus_spawn ./daemon/kvm-reclaimd --bus-address="$DBUS_TEST_ADDRESS" ...
#     dbus_wait_for_name org.kvmreclaim1 || fail "daemon did not get its name"
#     run_as_nobody ./ctl/kvm-reclaimctl --bus-address="$DBUS_TEST_ADDRESS" reload
#     "${RUN_AS_NOBODY[@]}" ./ctl/kvm-reclaimctl ... monitor & pid=$!
#
# The real daemon with a fake kernel (tests/fakekvm), for tests that need a
# few VMs but no cgroups of their own (tests/integration/lib.sh has those):
#
#     dbus_mount_fakekvm "$FAKEKVM" || echo "no VMs: $DBUS_LIB_WHY"
#     dbus_spawn_vm 11 5000 100 alpha          # id in DBUS_VM_ID
#     dbus_start_reclaimd ./daemon/kvm-reclaimd "[Policy /machine.slice]" "Weight=200"
#
# Everything started here is recorded by pid and killed by that pid on exit;
# nothing is ever killed by name. The library installs an EXIT trap; a test
# that needs its own EXIT trap must call dbus_lib_cleanup from it.
#
# Variables set: DBUS_TEST_ADDRESS, DBUS_TEST_PID, DBUS_TEST_DIR,
# DBUS_SPAWNED_PID (last dbus_spawn), DBUS_FAKEKVM_DIR, DBUS_VM_ID,
# DBUS_RECLAIMD_PID, DBUS_RECLAIMD_DIR, DBUS_RECLAIMD_LOG.

DBUS_LIB_PIDS=()
DBUS_LIB_DIRS=()
DBUS_LIB_MOUNTS=()

dbus_lib_cleanup() {
        local pid dir
        # Reverse order: clients and daemons first, the broker last.
        for ((i = ${#DBUS_LIB_PIDS[@]} - 1; i >= 0; i--)); do
                pid=${DBUS_LIB_PIDS[i]}
                if kill -0 "$pid" 2>/dev/null; then
                        kill -TERM "$pid" 2>/dev/null
                        for _ in 1 2 3 4 5 6 7 8 9 10; do
                                kill -0 "$pid" 2>/dev/null || break
                                sleep 0.1
                        done
                        kill -KILL "$pid" 2>/dev/null
                fi
        done
        DBUS_LIB_PIDS=()
        # Unmount before any directory is removed: rm -r must not walk into
        # a mounted fake.
        for dir in "${DBUS_LIB_MOUNTS[@]}"; do
                fakekvm_umount "$dir" >/dev/null 2>&1
        done
        DBUS_LIB_MOUNTS=()
        for dir in "${DBUS_LIB_DIRS[@]}"; do
                rm -rf -- "$dir"
        done
        DBUS_LIB_DIRS=()
}

trap dbus_lib_cleanup EXIT
trap 'dbus_lib_cleanup; exit 130' INT
trap 'dbus_lib_cleanup; exit 143' TERM

# dbus_start_private [POLICY_FILE...]
#   Without arguments: a broker whose default policy lets everyone own and
#   call anything (a stand-in for the system bus where the bus policy is not
#   what is tested). With policy files: a default-deny policy modelled on the
#   system bus (own nothing, call only the bus driver, receive replies and
#   signals) plus the given files included, so a test sees exactly what the
#   shipped policy allows. dbus-daemon refuses to start on a malformed file,
#   which makes this a config check too. Any uid may connect in both modes.
#   With DBUS_LIB_SERVICEDIR set, activation files are read from there
#   (the broker runs Exec= itself; there is no systemd to hand over to).
dbus_start_private() {
        local dir config out policy
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kvm-reclaim-dbus.XXXXXX") || return 1
        DBUS_LIB_DIRS+=("$dir")
        # Other uids (run_as_nobody) must reach the socket.
        chmod 0755 "$dir"
        config="$dir/bus.conf"

        {
                echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"'
                echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
                echo '<busconfig>'
                echo '  <type>kvm-reclaim-test</type>'
                echo "  <listen>unix:path=$dir/bus</listen>"
                echo '  <auth>EXTERNAL</auth>'
                echo '  <policy context="default">'
                echo '    <allow user="*"/>'
                if [ $# -eq 0 ]; then
                        echo '    <allow own="*"/>'
                        echo '    <allow send_destination="*" eavesdrop="true"/>'
                        echo '    <allow eavesdrop="true"/>'
                else
                        echo '    <deny own="*"/>'
                        echo '    <deny send_type="method_call"/>'
                        echo '    <allow send_type="signal"/>'
                        echo '    <allow send_requested_reply="true" send_type="method_return"/>'
                        echo '    <allow send_requested_reply="true" send_type="error"/>'
                        echo '    <allow receive_type="method_call"/>'
                        echo '    <allow receive_type="method_return"/>'
                        echo '    <allow receive_type="error"/>'
                        echo '    <allow receive_type="signal"/>'
                        echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>'
                        echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>'
                        echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>'
                        echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>'
                        echo '    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>'
                        echo '    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>'
                fi
                echo '  </policy>'
                if [ -n "${DBUS_LIB_SERVICEDIR:-}" ]; then
                        echo "  <servicedir>$(realpath "$DBUS_LIB_SERVICEDIR")</servicedir>"
                fi
                for policy in "$@"; do
                        echo "  <include ignore_missing=\"no\">$(realpath "$policy")</include>"
                done
                echo '</busconfig>'
        } >"$config"

        if ! out=$(dbus-daemon --config-file="$config" --fork --nopidfile \
                        --print-address=1 --print-pid=1 2>"$dir/stderr"); then
                echo "dbus-lib: dbus-daemon did not start: $(tr '\n' ' ' <"$dir/stderr")" >&2
                # Called in a subshell (a test that expects the failure), the
                # cleanup would not see this directory.
                rm -rf -- "$dir"
                return 1
        fi

        DBUS_TEST_ADDRESS=$(sed -n 1p <<<"$out")
        DBUS_TEST_PID=$(sed -n 2p <<<"$out")
        DBUS_TEST_DIR=$dir
        if [ -z "$DBUS_TEST_ADDRESS" ] || ! [ "$DBUS_TEST_PID" -gt 0 ] 2>/dev/null; then
                echo "dbus-lib: could not read dbus-daemon's address and pid from '$out'" >&2
                return 1
        fi
        DBUS_LIB_PIDS+=("$DBUS_TEST_PID")
        export DBUS_TEST_ADDRESS DBUS_TEST_PID DBUS_TEST_DIR
}

# dbus_spawn CMD ARGS...
#   Starts CMD in the background with stdout/stderr in $DBUS_TEST_DIR/spawn-N.log,
#   records its pid for cleanup and in DBUS_SPAWNED_PID.
dbus_spawn() {
        local log="${DBUS_TEST_DIR:-/tmp}/spawn-${#DBUS_LIB_PIDS[@]}.log"
        "$@" >"$log" 2>&1 &
        DBUS_SPAWNED_PID=$!
        DBUS_SPAWNED_LOG=$log
        DBUS_LIB_PIDS+=("$DBUS_SPAWNED_PID")
}

# dbus_stop PID: stops one process started by dbus_spawn, by its pid.
dbus_stop() {
        local pid=$1
        kill -TERM "$pid" 2>/dev/null || return 0
        for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        return 0
}

# dbus_name_has_owner NAME: true when NAME has an owner on the private bus.
dbus_name_has_owner() {
        busctl --address="$DBUS_TEST_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null | grep -qx 'b true'
}

# dbus_wait_for_name NAME [SECONDS=10]: waits until NAME has an owner.
dbus_wait_for_name() {
        local name=$1 tries=$(( ${2:-10} * 10 ))
        while [ "$tries" -gt 0 ]; do
                dbus_name_has_owner "$name" && return 0
                sleep 0.1
                tries=$((tries - 1))
        done
        echo "dbus-lib: $name did not appear on $DBUS_TEST_ADDRESS" >&2
        return 1
}

# RUN_AS_NOBODY: the command prefix that runs a program as nobody:nogroup
# without supplementary groups or capabilities (the caller must be root).
# Use the array, not the function, for a background process whose pid you
# want: "${RUN_AS_NOBODY[@]}" cmd & pid=$! is cmd's pid (setpriv execs it),
# while a backgrounded function is a subshell that ignores SIGINT.
if getent group nogroup >/dev/null 2>&1; then
        RUN_AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups
                       --inh-caps=-all --bounding-set=-all --no-new-privs --)
else
        RUN_AS_NOBODY=(setpriv --reuid=nobody --regid=nobody --clear-groups
                       --inh-caps=-all --bounding-set=-all --no-new-privs --)
fi

# run_as_nobody CMD ARGS...: runs CMD as nobody in the foreground; the exit
# code is CMD's.
run_as_nobody() {
        "${RUN_AS_NOBODY[@]}" "$@"
}

# dbus_mount_fakekvm FAKEKVM_BINARY
#   Mounts tests/fakekvm in a new directory (DBUS_FAKEKVM_DIR), unmounted by
#   the cleanup. Returns 1 with the reason in DBUS_LIB_WHY when this machine
#   cannot mount FUSE, so a test can go on without VMs.
dbus_mount_fakekvm() {
        local dir
        # shellcheck source=../fakekvm/fakekvm-lib.sh
        . "$(dirname "${BASH_SOURCE[0]}")/../fakekvm/fakekvm-lib.sh"
        FAKEKVM=$(realpath "$1")
        if ! DBUS_LIB_WHY=$(fakekvm_fuse_problem); then
                return 1
        fi
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kvm-reclaim-fake.XXXXXX") || return 1
        DBUS_LIB_DIRS+=("$dir")
        fakekvm_mount "$dir/kvm" >/dev/null || { DBUS_LIB_WHY="fakekvm did not mount"; return 1; }
        DBUS_LIB_MOUNTS+=("$dir/kvm")
        DBUS_FAKEKVM_DIR=$dir/kvm
}

# dbus_spawn_vm FD SHADOW CACHE NAME
#   A VM in the fake: a real process whose command line names it the way
#   qemu does (-name guest=NAME), in this test's own cgroup, and its
#   <pid>-<fd> directory with these counters. The id is left in DBUS_VM_ID.
dbus_spawn_vm() {
        local pid
        # sh waits for its sleep and takes it along when it is stopped, so
        # killing the recorded pid leaves no orphan behind.
        sh -c 'trap "kill \$! 2>/dev/null; exit 0" TERM; sleep 600 & wait' qemu -name "guest=$4" \
                </dev/null >/dev/null 2>&1 &
        pid=$!
        DBUS_LIB_PIDS+=("$pid")
        # The daemon reads the name when the VM appears: let sh exec first.
        for _ in $(seq 50); do
                grep -q "guest=$4" "/proc/$pid/cmdline" 2>/dev/null && break
                sleep 0.05
        done
        DBUS_VM_ID=$pid-$1
        fakekvm_add_vm "$DBUS_FAKEKVM_DIR" "$pid" "$1" "$2" "$3" 1
}

# dbus_start_reclaimd DAEMON [CONFIG_LINE...]
#   Runs the real kvm-reclaimd, as the caller (root), on the private bus, with
#   everything it reads or writes in a new directory (DBUS_RECLAIMD_DIR:
#   main.conf, conf.d, run.d), never in /etc or /run, and the fake as its
#   debugfs (an empty directory without dbus_mount_fakekvm: monitor-only).
#   CONFIG_LINEs are appended to main.conf after its [Daemon] section.
#   Waits until the daemon owns org.kvmreclaim1; its log is DBUS_RECLAIMD_LOG.
dbus_start_reclaimd() {
        local daemon=$1 dir debugfs
        shift
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kvm-reclaimd.XXXXXX") || return 1
        DBUS_LIB_DIRS+=("$dir")
        mkdir "$dir/conf.d" "$dir/run.d" "$dir/empty"
        debugfs=${DBUS_FAKEKVM_DIR:-$dir/empty}
        {
                printf '[Daemon]\nDebugfsDir=%s\nDisableKernelShrinker=no\n' "$debugfs"
                printf '%s\n' "$@"
        } >"$dir/main.conf"
        DBUS_RECLAIMD_DIR=$dir
        dbus_spawn "$daemon" --bus-address="$DBUS_TEST_ADDRESS" --config="$dir/main.conf" \
                --conf-dir="$dir/conf.d" --runtime-conf-dir="$dir/run.d" --log-level=debug
        DBUS_RECLAIMD_PID=$DBUS_SPAWNED_PID
        DBUS_RECLAIMD_LOG=$DBUS_SPAWNED_LOG
        if ! dbus_wait_for_name org.kvmreclaim1; then
                echo "dbus-lib: kvm-reclaimd did not start: $(tail -n 20 "$DBUS_RECLAIMD_LOG")" >&2
                return 1
        fi
}
