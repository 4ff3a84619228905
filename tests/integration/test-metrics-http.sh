#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The pull endpoint: kvm-reclaimd-metrics.socket and the per-connection
# kvm-reclaimd-metrics@.service, as systemd would run them.  There is no
# systemd as PID 1 here, so systemd-socket-activate plays the socket unit
# (Accept=yes, the connection on stdin and stdout, as StandardInput=socket),
# running the unit's own ExecStart= program as nobody against the real
# daemon on a private bus with the shipped bus policy:
#  - GET /metrics: 200, Prometheus text 0.0.4 that the reference parser
#    reads, the same text as kvm-reclaimctl metrics; with an Accept header
#    for OpenMetrics, OpenMetrics 1.0;
#  - HEAD: the headers only; other paths 404, other methods 405, a
#    malformed request 400; the daemon gone: 503;
#  - the units pass systemd-analyze verify, and the service's sandbox
#    (systemd-analyze security) stays tight.
. "$(dirname "$0")/../lib/daemon.sh"

HERE=$KVMR_SRC_DIR/tests/integration
SRC=$KVMR_SRC_DIR
: "${KVMR_DBUS_POLICY:?}" "${KVM_RECLAIMCTL:?}" "${KVM_RECLAIMD_METRICS:?}" "${METRICS_SOCKET:?}" "${METRICS_SERVICE:?}"
command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate not installed"
require_dbus
require_nobody
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import prometheus_client' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "python3-prometheus-client not installed (scripts/install-deps.sh)"
CHECK=("$PY" "$HERE/metrics-check.py")
EXPORTER=$(realpath "$KVM_RECLAIMD_METRICS")

# --- The units. ---
mkdir -p "$TEST_TMP/units" "$TEST_TMP/man"
for page in "$SRC"/man/*.[0-9]; do
	mkdir -p "$TEST_TMP/man/man${page##*.}"
	cp "$page" "$TEST_TMP/man/man${page##*.}/"
done
cp "$METRICS_SOCKET" "$TEST_TMP/units/"
sed "s|^ExecStart=[^ ]*|ExecStart=$EXPORTER|" "$METRICS_SERVICE" >"$TEST_TMP/units/kvm-reclaimd-metrics@.service"
if command -v systemd-analyze >/dev/null; then
	for u in kvm-reclaimd-metrics.socket kvm-reclaimd-metrics@scrape.service; do
		(cd "$TEST_TMP/units" && MANPATH="$TEST_TMP/man" systemd-analyze verify --no-pager "$u") \
			>"$TEST_TMP/verify" 2>&1
		[ -s "$TEST_TMP/verify" ] && fail "systemd-analyze verify $u: $(cat "$TEST_TMP/verify")"
	done
	ok "systemd-analyze verify is silent on the socket and the service"
	if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
		systemd-analyze security --offline=true --no-pager "$TEST_TMP/units/kvm-reclaimd-metrics@.service" \
			>"$TEST_TMP/security" 2>&1
		EXPOSURE=$(sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$TEST_TMP/security")
		[ -n "$EXPOSURE" ] && awk -v a="$EXPOSURE" 'BEGIN { exit !(a <= 1.0) }' ||
			fail "kvm-reclaimd-metrics@.service exposure '$EXPOSURE' > 1.0: $(tail -n 5 "$TEST_TMP/security")"
		ok "kvm-reclaimd-metrics@.service exposure $EXPOSURE"
	fi
fi
grep -qx 'ListenStream=127.0.0.1:9848' "$METRICS_SOCKET" || fail "the socket does not listen on loopback only"
grep -qx 'Accept=yes' "$METRICS_SOCKET" || fail "the socket is not Accept=yes"
grep -qx 'StandardInput=socket' "$METRICS_SERVICE" || fail "the service does not read the connection"
grep -qx 'DynamicUser=yes' "$METRICS_SERVICE" || fail "the service does not run as a dynamic user"
grep -q '^WantedBy=sockets.target' "$METRICS_SOCKET" || fail "the socket has no [Install]"

# --- The daemon, two VMs, and the socket. ---
dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
mount_fake
vm() { # vm FD SHADOW CACHE NAME
	spawn_vm_process "$4"
	fakekvm_add_vm "$FAKE" "$SPAWNED_PID" "$1" "$2" "$3" 1
}
vm 11 5000 100 alpha
vm 12 3000 0 beta
start_reclaimd
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ACTIVATE_LOG=$TEST_TMP/socket-activate.log
show_on_fail "$ACTIVATE_LOG"
systemd-socket-activate --accept --inetd -l "127.0.0.1:$PORT" \
	"${RUN_AS_NOBODY[@]}" "$EXPORTER" --bus-address="$DBUS_TEST_ADDRESS" >"$ACTIVATE_LOG" 2>&1 &
ACTIVATE_PID=$!
cleanup_pid "$ACTIVATE_PID"
listening() {
	"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" \
		2>/dev/null
}
wait_until 5 listening || fail "systemd-socket-activate does not listen on 127.0.0.1:$PORT"

# request METHOD PATH [ACCEPT]: prints "STATUS CONTENT-TYPE BODY-BYTES" and
# leaves the body in $TEST_TMP/body.
request() {
	"$PY" - "$PORT" "$1" "$2" "${3:-}" "$TEST_TMP/body" <<'PY'
import http.client, sys
port, method, path, accept, out = sys.argv[1:6]
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
c.request(method, path, headers={"Accept": accept} if accept else {})
r = c.getresponse()
body = r.read()
open(out, "wb").write(body)
length = r.getheader("Content-Length")
if method != "HEAD" and length is not None and int(length) != len(body):
    print("Content-Length %s but %d bytes" % (length, len(body)))
print(r.status, r.getheader("Content-Type"), len(body), "allow=%s" % r.getheader("Allow"),
      "length=%s" % length)
PY
}

OUT=$(request GET /metrics)
case $OUT in "200 text/plain; version=0.0.4; charset=utf-8 "*) ;; *) fail "GET /metrics: $OUT" ;; esac
"$KVM_RECLAIMD" --list-metrics >"$TEST_TMP/table"
"${CHECK[@]}" parse "$TEST_TMP/table" "$TEST_TMP/body" prometheus || fail "GET /metrics does not parse"
"$KVM_RECLAIMCTL" --bus-address="$DBUS_TEST_ADDRESS" metrics >"$TEST_TMP/ctl" || fail "kvm-reclaimctl metrics"
cmp -s "$TEST_TMP/body" "$TEST_TMP/ctl" || fail "GET /metrics differs from kvm-reclaimctl metrics"
grep -q "^kvm_reclaimd_vm_shadow_pages{id=\"[0-9]*-11\",name=\"alpha\",cgroup=\"[^\"]*\"} 5000$" "$TEST_TMP/body" ||
	fail "no shadow pages of alpha in: $(grep shadow_pages "$TEST_TMP/body")"
ok "GET /metrics: Prometheus text, parsed, the same as kvm-reclaimctl metrics"

OUT=$(request GET /metrics 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5')
case $OUT in "200 application/openmetrics-text; version=1.0.0; charset=utf-8 "*) ;; *) fail "GET (OM): $OUT" ;; esac
"${CHECK[@]}" parse "$TEST_TMP/table" "$TEST_TMP/body" openmetrics || fail "the OpenMetrics answer does not parse"
ok "GET /metrics with Accept: application/openmetrics-text: OpenMetrics 1.0, parsed"

OUT=$(request HEAD /metrics)
case $OUT in "200 text/plain; version=0.0.4; charset=utf-8 0 "*) ;; *) fail "HEAD /metrics: $OUT" ;; esac
case $OUT in *length=0*|*length=None*) fail "HEAD without the length of the body: $OUT" ;; esac
OUT=$(request GET /metrics?x=1)
case $OUT in "200 "*) ;; *) fail "GET /metrics?x=1: $OUT" ;; esac
OUT=$(request GET /)
case $OUT in "404 "*) ;; *) fail "GET /: $OUT" ;; esac
OUT=$(request POST /metrics)
case $OUT in "405 "*"allow=GET, HEAD"*) ;; *) fail "POST /metrics: $OUT" ;; esac
OUT=$("$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.sendall(b"garbage\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())' "$PORT")
assert_eq "$OUT" "HTTP/1.1 400 Bad Request" "a malformed request"
ok "HEAD, a query string, 404, 405 and 400 as they should be"

stop_daemon || fail "the daemon did not exit cleanly"
OUT=$(request GET /metrics)
case $OUT in "503 "*) ;; *) fail "GET /metrics without the daemon: $OUT" ;; esac
grep -q "kvm-reclaimd did not answer" "$TEST_TMP/body" || fail "503 body: $(cat "$TEST_TMP/body")"
ok "503 when the daemon is gone: $(cat "$TEST_TMP/body")"
pass
