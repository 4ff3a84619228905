#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Logs: under systemd, when stderr is the journal (JOURNAL_STREAM names
# it), every message goes to the journal with fields: a MESSAGE_ID= per
# kind of event, and VM=, CGROUP=, PAGES=, BYTES=, REASON= where they
# apply, so "journalctl MESSAGE_ID=..." finds every round.  Anywhere else
# stderr gets plain lines, without "<N>" prefixes.
#
# The journal is a real datagram socket speaking journald's native
# protocol, put at /run/systemd/journal/socket in a mount namespace of the
# daemon's own (unshare -m), so sd_journal_send() finds it where it looks.
. "$(dirname "$0")/../lib/daemon.sh"

command -v unshare >/dev/null || skip "unshare not installed"
command -v python3 >/dev/null || skip "python3 not installed"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace"
mount_fake
sleep 600 </dev/null >/dev/null 2>&1 &
P=$!
cleanup_pid "$P"
fakekvm_add_vm "$FAKE" "$P" 10 5000 0 1
VM=$P-10

mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d" "$TEST_TMP/systemd/journal"
cat >"$TEST_TMP/main.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
DisableKernelShrinker=no
RefreshInterval=1s
SystemPressureThreshold=450ms
[Policy /]
MaxPages=3000
CONF
ARGS=(--no-bus --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d" --runtime-conf-dir="$TEST_TMP/run.d")

# The journal: one line per datagram, its fields joined by \x1f.
JOURNAL=$TEST_TMP/journal.log
python3 - "$TEST_TMP/systemd/journal/socket" "$JOURNAL" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    f.write(b"")
    while True:
        d = s.recv(1 << 20)
        f.write(d.rstrip(b"\n").replace(b"\n", b"\x1f") + b"\n")
PY
cleanup_pid "$!"
for _ in $(seq 50); do
	[ -S "$TEST_TMP/systemd/journal/socket" ] && break
	sleep 0.05
done
[ -S "$TEST_TMP/systemd/journal/socket" ] || fail "the journal socket did not appear"

# stderr is a file; JOURNAL_STREAM names that very file, as systemd does
# for a stream it connected.
: >"$DAEMON_LOG"
STREAM=$(stat -c '%d:%i' "$DAEMON_LOG")
JOURNAL_STREAM=$STREAM unshare -m sh -c 'mount --bind "$1" /run/systemd && shift && exec "$@"' _ \
	"$TEST_TMP/systemd" "$KVM_RECLAIMD" "${ARGS[@]}" 2>>"$DAEMON_LOG" &
DAEMON_PID=$!
cleanup_pid "$DAEMON_PID"
for _ in $(seq 100); do
	grep -q "MESSAGE_ID=46b2aa69cb324c93bf21f950e9f5c911" "$JOURNAL" 2>/dev/null && break
	sleep 0.05
done
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
DAEMON_PID=""

entry=$(grep "MESSAGE_ID=46b2aa69cb324c93bf21f950e9f5c911" "$JOURNAL" | head -n 1 | tr '\037' '\n')
[ -n "$entry" ] || fail "no round entry in the journal: $(tr '\037' ' ' <"$JOURNAL")"
for field in "VM=$VM" "PAGES=2000" "BYTES=$((2000 * 4096))" "REASON=max-pages" "PRIORITY=6" \
	"SYSLOG_IDENTIFIER=kvm-reclaimd" \
	"MESSAGE=  VM $VM (-, $(sed -n 's/^0:://p' /proc/$P/cgroup)): caches freed 0, zapped 2000 (limit 2000)"; do
	grep -qxF -- "$field" <<<"$entry" || fail "the round entry lacks $field: $entry"
done
grep -q "MESSAGE_ID=c37bb553c9bc4aa7b4b0f9d883eb1c7a.*VM=$VM" "$JOURNAL" ||
	fail "no VM-appeared entry with VM=: $(tr '\037' ' ' <"$JOURNAL")"
[ -s "$DAEMON_LOG" ] && fail "stderr got lines while the journal was there: $(cat "$DAEMON_LOG")"
ok "journal entries with MESSAGE_ID, VM, PAGES, BYTES, REASON; nothing on stderr"

# Not under systemd: plain lines on stderr, no "<N>" prefixes.  (The
# daemon gave the cap back at exit, so the VM could grow past it.)
fakekvm_set "$FAKE" "$VM" shadow=+500
start_daemon "${ARGS[@]}"
fake_wait_log "^$VM limit 3000 -> caches_freed=0 zapped=500 " 5 || fail "no round without the journal"
wait_until 2 grep -q "zapped 500" "$DAEMON_LOG" || fail "the round was not logged without the journal"
stop_daemon || fail "unclean exit"
grep -q '^<[0-9]>' "$DAEMON_LOG" && fail "stderr lines carry <N> prefixes: $(head -3 "$DAEMON_LOG")"
grep -q "^  VM $VM (.*): caches freed 0, zapped 500 (limit 500)$" "$DAEMON_LOG" ||
	fail "no plain round line: $(cat "$DAEMON_LOG")"
ok "plain stderr lines without the journal"
pass
