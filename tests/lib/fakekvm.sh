# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# fakekvm.sh - the fake kernel (tests/fakekvm) in the test library.  A thin
# wrapper: the helpers themselves are tests/fakekvm/fakekvm-lib.sh's
# (fakekvm_add_vm, fakekvm_set, fakekvm_get, fakekvm_remove_vm, ...); this
# adds the mount to the clean-up registry and waits on the write log.
#
#     mount_fake [fakekvm options]      # FAKE = the mount point (or skip)
#     spawn_vm_process NAME [ARGS...]   # a process that looks like qemu -name guest=NAME
#     fake_log_mark                     # remember where the write log is
#     fake_wait_log REGEX [SECONDS]     # a write after the mark matching REGEX
#     fake_log_since                    # the writes after the mark
#
# FAKEKVM names the binary (meson passes it).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$KVMR_SRC_DIR/tests/fakekvm/fakekvm-lib.sh"

FAKE=${FAKE:-}
FAKE_LOG_MARK=0

# mount_fake [fakekvm options]: mounts the fake kernel at $TEST_TMP/kvm
# (or at $1 when it is a path), unmounted at exit.
mount_fake() {
	local dir=$TEST_TMP/kvm
	case ${1:-} in /*) dir=$1; shift ;; esac
	fakekvm_require_fuse
	mkdir -p "$dir"
	fakekvm_mount "$dir" "$@" >/dev/null || fail "cannot mount fakekvm at $dir"
	cleanup_cmd "fakekvm_umount '$dir' >/dev/null 2>&1"
	FAKE=$dir
	FAKE_LOG_MARK=0
}

# spawn_vm_process NAME [QEMU ARGS...]: a real process whose command line
# names it the way qemu does; the pid is in SPAWNED_PID.  sh takes its
# sleep along when stopped, so nothing is left behind.
VM_CMD=(sh -c 'trap "kill \$! 2>/dev/null; exit 0" TERM; sleep 600 & wait' qemu)
spawn_vm_process() {
	local name=$1 pid
	shift
	"${VM_CMD[@]}" -name "guest=$name" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	cleanup_pid "$pid"
	wait_until 3 grep -q "guest=$name" "/proc/$pid/cmdline" 2>/dev/null || true
	SPAWNED_PID=$pid
}

fake_log_lines() {
	wc -l <"$FAKE/.fake_log"
}

fake_log_mark() {
	FAKE_LOG_MARK=$(fake_log_lines)
}

fake_log_since() {
	tail -n +"$((FAKE_LOG_MARK + 1))" "$FAKE/.fake_log"
}

# fake_wait_log REGEX [SECONDS=5]: waits for a write after the mark.
fake_log_has() {
	fake_log_since | grep -Eq -- "$1"
}
fake_wait_log() {
	wait_until "${2:-5}" fake_log_has "$1"
}
