# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# fakekvm-lib.sh - shell helpers to run fakekvm in tests, the demo and
# benchmarks.  Source it from bash:
#
#   . tests/fakekvm/fakekvm-lib.sh
#   fakekvm_require_fuse                    # exit 77 when FUSE is missing
#   fakekvm_mount "$dir" >/dev/null         # prints the pid
#   trap 'fakekvm_umount "$dir"' EXIT
#   fakekvm_add_vm "$dir" 1234 12 5000 300 4
#   fakekvm_set "$dir" 1234-12 busy=1 fail=EIO
#   fakekvm_get "$dir" 1234-12 shadow       # -> 5000
#   fakekvm_log "$dir"                      # the reclaim write log
#   fakekvm_remove_vm "$dir" 1234 12
#   fakekvm_umount "$dir"
#
# FAKEKVM names the binary (default: fakekvm in PATH).  The pid of each
# mount is recorded in a file under FAKEKVM_RUNDIR (default $TMPDIR or
# /tmp), with fakekvm's own output beside it, so fakekvm_umount works from
# another shell or after $(...), and stops only the process it started.

: "${FAKEKVM:=fakekvm}"

# The pid file of a mount point: one per absolute path.
fakekvm__pidfile() {
	local abs
	abs=$(realpath -m -- "$1") || return 1
	printf '%s/fakekvm%s.pid\n' "${FAKEKVM_RUNDIR:-${TMPDIR:-/tmp}}" \
		"$(printf '%s' "$abs" | tr '/ ' '__')"
}

# Is a fakekvm file system mounted at this absolute path?
fakekvm__mounted_abs() {
	awk -v d="$1" '
		$5 == d {
			for (i = 6; i <= NF; i++)
				if ($i == "-") { if ($(i + 1) == "fuse.fakekvm") f = 1; break }
		}
		END { exit !f }' /proc/self/mountinfo
}

fakekvm_mounted() {
	local abs
	abs=$(realpath -m -- "$1") || return 1
	fakekvm__mounted_abs "$abs"
}

# Is pid a live (not zombie) fakekvm?  Guards every kill against reuse.
fakekvm__alive() {
	local pid=$1 state
	[ -r "/proc/$pid/stat" ] || return 1
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q fakekvm
}

# Why FUSE cannot be used here, or nothing (status 0) when it can.
fakekvm_fuse_problem() {
	if [ ! -c /dev/fuse ]; then
		echo "/dev/fuse does not exist"
	elif ! { : <>/dev/fuse; } 2>/dev/null; then
		echo "/dev/fuse cannot be opened for reading and writing"
	elif ! command -v fusermount3 >/dev/null 2>&1; then
		echo "fusermount3 is not installed (package fuse3)"
	elif ! command -v "$FAKEKVM" >/dev/null 2>&1; then
		echo "fakekvm binary '$FAKEKVM' not found (set FAKEKVM)"
	else
		return 0
	fi
	return 1
}

# For tests: exit 77 (skipped) with the reason when FUSE is unusable.
fakekvm_require_fuse() {
	local why
	if ! why=$(fakekvm_fuse_problem); then
		echo "SKIP: cannot mount FUSE: $why" >&2
		exit 77
	fi
}

# fakekvm_mount DIR [fakekvm options...]
# Start fakekvm in the foreground of a background job, wait until DIR is
# mounted, record and print the pid (also in FAKEKVM_PID).
fakekvm_mount() {
	local dir=$1 abs pidfile logfile pid i
	shift
	mkdir -p -- "$dir" || return 1
	abs=$(realpath -- "$dir") || return 1
	pidfile=$(fakekvm__pidfile "$abs") || return 1
	logfile=${pidfile%.pid}.log
	if fakekvm__mounted_abs "$abs"; then
		echo "fakekvm_mount: $abs is already mounted" >&2
		return 1
	fi
	# Our stdout must not be fakekvm's: pid=$(fakekvm_mount d) would hang.
	"$FAKEKVM" -f "$@" "$abs" </dev/null >"$logfile" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"
	for ((i = 0; i < 400; i++)); do
		if fakekvm__mounted_abs "$abs"; then
			# shellcheck disable=SC2034 # for the caller
			FAKEKVM_PID=$pid
			echo "$pid"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			echo "fakekvm_mount: fakekvm exited before mounting:" \
				"$(cat "$logfile")" >&2
			rm -f -- "$pidfile"
			return 1
		fi
		sleep 0.025
	done
	echo "fakekvm_mount: $abs not mounted after 10 s" >&2
	kill -TERM "$pid" 2>/dev/null
	return 1
}

# fakekvm_umount DIR: unmount, then make sure the recorded process ended.
fakekvm_umount() {
	local dir=$1 abs pidfile pid="" i
	abs=$(realpath -m -- "$dir") || return 1
	pidfile=$(fakekvm__pidfile "$abs") || return 1
	[ -r "$pidfile" ] && pid=$(cat -- "$pidfile")

	if fakekvm__mounted_abs "$abs"; then
		# fakekvm leaves its loop when the kernel says the mount is gone;
		# if busy, its SIGTERM handler unmounts as well.
		fusermount3 -u -- "$abs" 2>/dev/null ||
			{ [ -n "$pid" ] && fakekvm__alive "$pid" && kill -TERM "$pid"; }
	fi
	if [ -n "$pid" ]; then
		for ((i = 0; i < 200; i++)); do
			fakekvm__alive "$pid" || break
			sleep 0.025
		done
		if fakekvm__alive "$pid"; then
			kill -TERM "$pid" 2>/dev/null
			sleep 0.5
			fakekvm__alive "$pid" && kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null # reap it when it is our child
	fi
	# Still there (a dead daemon, a busy mount): detach it lazily.
	if fakekvm__mounted_abs "$abs"; then
		fusermount3 -u -z -- "$abs" 2>/dev/null
	fi
	rm -f -- "$pidfile" "${pidfile%.pid}.log"
	! fakekvm__mounted_abs "$abs"
}

# fakekvm_set DIR VM KEY=VALUE...   (VM is "<pid>-<fd>")
fakekvm_set() {
	local dir=$1 vm=$2
	shift 2
	printf '%s\n' "$*" >"$dir/$vm/.fake_state"
}

# fakekvm_get DIR VM [KEY]: the whole state line, or one value of it.
fakekvm_get() {
	local dir=$1 vm=$2 key=${3:-} line kv
	line=$(cat -- "$dir/$vm/.fake_state") || return 1
	if [ -z "$key" ]; then
		printf '%s\n' "$line"
		return 0
	fi
	for kv in $line; do
		if [ "${kv%%=*}" = "$key" ]; then
			printf '%s\n' "${kv#*=}"
			return 0
		fi
	done
	return 1
}

# fakekvm_add_vm DIR PID FD [SHADOW [CACHE [VCPUS]]]
fakekvm_add_vm() {
	local dir=$1 vm="$2-$3"
	mkdir -- "$dir/$vm" || return 1
	fakekvm_set "$dir" "$vm" "vcpus=${6:-1} cache=${5:-0} shadow=${4:-0}"
}

# fakekvm_remove_vm DIR PID FD  or  fakekvm_remove_vm DIR VM
fakekvm_remove_vm() {
	local dir=$1 vm=$2
	[ $# -ge 3 ] && vm="$2-$3"
	rmdir -- "$dir/$vm"
}

# fakekvm_log DIR: every reclaim write so far, one per line.
fakekvm_log() {
	cat -- "$1/.fake_log"
}
