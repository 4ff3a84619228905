#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# contrib/grafana/kvm-reclaimd.json is a dashboard Grafana can import (JSON,
# a uid, panels with ids, positions and queries, its data source a variable)
# and every metric it queries (panels, annotations, variables) is a family
# of the daemon's table (kvm-reclaimd --list-metrics), so renaming a family
# breaks this test, not an operator's graphs.  A dashboard that queries a
# made-up metric must fail, to show the check works.
#
# Usage: test-grafana.sh DAEMON DASHBOARD CHECK_SCRIPT
set -u
DAEMON=${1:?usage: $0 DAEMON DASHBOARD CHECK_SCRIPT}
DASHBOARD=${2:?}
CHECK=${3:?}
. "$(dirname "$0")/../lib/common.sh"

PY=
for p in python3 /usr/bin/python3; do
        if "$p" -c 'import prometheus_client' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "python3-prometheus-client not installed (scripts/install-deps.sh)"
tmp=$TEST_TMP

"$DAEMON" --list-metrics >"$tmp/table" || fail "kvm-reclaimd --list-metrics"
if out=$("$PY" "$CHECK" grafana "$tmp/table" "$DASHBOARD"); then
        ok "${out#ok: }"
else
        fail "$out"
fi
sed 's/kvm_reclaimd_vms{/kvm_reclaimd_vm_count{/' "$DASHBOARD" >"$tmp/bad.json"
if out=$("$PY" "$CHECK" grafana "$tmp/table" "$tmp/bad.json"); then
        fail "a dashboard querying a made-up metric passed"
else
        ok "a made-up metric is caught: ${out#FAIL: }"
fi
printf '{"title": "x", "panels": [' >"$tmp/broken.json"
if "$PY" "$CHECK" grafana "$tmp/table" "$tmp/broken.json" >/dev/null; then
        fail "a dashboard that is not JSON passed"
else
        ok "a dashboard that is not JSON is caught"
fi
pass
