#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# e2e-daemon.sh - kvm-reclaimd end to end inside the patched kernel: real
# shadow-paged VMs, real cgroups, real PSI, real reclaim.
#
#   KVM_RECLAIMD=build/daemon/kvm-reclaimd tests/kernel/e2e-daemon.sh
#   tests/kernel/e2e-daemon.sh build/daemon/kvm-reclaimd
#
# Boots the fast kernel (kernel/scripts/build.sh, cached) under TCG with
# tests/kernel/e2e/init.sh as /init: two VMs made by e2e/vm_holder (the
# selftests library, guest paging on, npt=0 so the shadow MMU), A in
# /vms/a and B in /vms/b (Protect=yes), kvm-reclaimd with
# e2e/kvm-reclaimd.conf, and an anonymous hog swapping to zram in /vms/a.
# Then checks what happened (see the "ok -" lines) and prints the numbers.
#
# Environment: KVM_RECLAIMD (the daemon; may be an ASan/UBSan build),
# KERNEL_TEST_LOG_DIR (keeps the console), KERNEL_TEST_TIMEOUT (qemu,
# default 1200 s), E2E_HOLDER_MIB, E2E_HOLDER_ALIASES, E2E_A_HIGH, E2E_A_MAX,
# E2E_HOG_MIB, E2E_HOG_SECS override the guest's parameters.
set -euo pipefail
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
KERNEL_DIR=$(cd "$TEST_DIR/../../kernel" && pwd)
. "$KERNEL_DIR/scripts/common.sh"
. "$TEST_DIR/splats.sh"

daemon=${1:-${KVM_RECLAIMD:-}}
if [[ -z $daemon || ! -x $daemon ]]; then
	echo "usage: KVM_RECLAIMD=path/to/kvm-reclaimd $0  (or: $0 path/to/kvm-reclaimd)" >&2
	exit 2
fi
log_dir=${KERNEL_TEST_LOG_DIR:-$(mktemp -d /tmp/kvm-reclaimd-e2e.XXXXXX)}
mkdir -p "$log_dir"
console=$log_dir/console-e2e.log
total_start=$(date +%s)

"$REPO_DIR/scripts/install-deps.sh" kernel
kernel=$("$KERNEL_DIR/scripts/build.sh" fast | tail -1)
helpers=$("$TEST_DIR/e2e/build-helpers.sh" | tail -1)

params=$log_dir/e2e-params
cat >"$params" <<EOF
HOLDER_MIB=${E2E_HOLDER_MIB:-64}
HOLDER_ALIASES=${E2E_HOLDER_ALIASES:-64}
A_HIGH=${E2E_A_HIGH:-160M}
A_MAX=${E2E_A_MAX:-224M}
HOG_MIB=${E2E_HOG_MIB:-96}
HOG_SECS=${E2E_HOG_SECS:-8}
EOF

log "booting the fast kernel with $daemon, console in $console"
start=$(date +%s)
rc=0
"$KERNEL_DIR/scripts/boot-qemu.sh" -k "$kernel/bzImage" -i "$TEST_DIR/e2e/init.sh" \
	-b "$daemon:/usr/bin/kvm-reclaimd" \
	-b "$helpers/vm_holder:/e2e/vm_holder" -b "$helpers/hog:/e2e/hog" \
	-f "$TEST_DIR/e2e/kvm-reclaimd.conf:/e2e/kvm-reclaimd.conf" \
	-f "$params:/e2e/params" \
	-c 2 -m 2G -t "${KERNEL_TEST_TIMEOUT:-1200}" -l "$console" >/dev/null || rc=$?
qemu_secs=$(( $(date +%s) - start ))
log "qemu exited with $rc after ${qemu_secs}s"

clean=$log_dir/console-e2e.clean
tr -d '\r' <"$console" >"$clean"
e2e() { sed -n "s/^E2E $1 //p" "$clean"; }
dlog=$log_dir/e2e-daemon.log
sed -n 's/^E2E-LOG daemon: //p' "$clean" >"$dlog"

pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

check "guest ran to completion (qemu rc=$rc, ${qemu_secs}s)" grep -q '^E2E DONE' "$clean"
if grep -q '^E2E FATAL' "$clean"; then
	nok "guest setup: $(e2e FATAL | head -1)"
fi

id_a=$(e2e VM | awk '$1 == "a" {print $2}')
id_b=$(e2e VM | awk '$1 == "b" {print $2}')
count() { e2e COUNT | awk -v v="$1" -v w="$2" -v k="$3" \
	'$1 == v && $2 == w { for (i = 3; i <= NF; i++) if (split($i, f, "=") == 2 && f[1] == k) print f[2] }'; }
a_shadow0=$(count a before shadow) a_cache0=$(count a before cache)
a_shadow1=$(count a after shadow) a_cache1=$(count a after cache)
b_shadow0=$(count b before shadow) b_cache0=$(count b before cache)
b_shadow1=$(count b after shadow) b_cache1=$(count b after cache)
a_min=$(e2e A_SHADOW_MIN)
num() { [[ ${1:-} =~ ^[0-9]+$ ]]; }

check "two shadow-paged VMs: A=$id_a in /vms/a, B=$id_b in /vms/b" \
	test -n "$id_a" -a -n "$id_b" -a "$(e2e VM | grep -c 'cgroup=/vms/[ab]$')" = 2
check "no OOM kill in the guest" eval '! grep -q "invoked oom-killer" "$clean"'
check "kvm.mmu_shrinker Y before, N while the daemon runs, Y after it exits" \
	test "$(e2e SHRINKER | tr '\n' ' ')" = "before Y running N after Y "
check "the daemon watches /vms/a with a 500 ms window (no fallback)" \
	eval 'grep -q "Watching memory pressure of /vms/a" "$dlog" && ! grep -q "refused a .*PSI window" "$dlog"'
check "the daemon handled pressure on /vms/a" grep -q 'Pressure on /vms/a handled' "$dlog"
check "the daemon reclaimed from VM A (caches freed or shadow pages zapped > 0)" \
	eval 'grep -E "^(<[0-9]>)?  VM $id_a \(" "$dlog" | grep -Eq "caches freed [1-9]|zapped [1-9]"'
check "A's mmu_shadow_pages fell: before $a_shadow0, lowest $a_min, after $a_shadow1" \
	eval 'num "$a_shadow0" && num "$a_min" && (( a_min < a_shadow0 ))'
check "nothing planned or written for protected VM B" \
	eval '[[ -n $id_b ]] && ! grep -Eq "^(<[0-9]>)?  (VM )?$id_b[ :]" "$dlog"'
check "B's shadow pages did not fall: before $b_shadow0, after $b_shadow1; last result: $(e2e COUNT | awk '$1 == "b" && $2 == "after"' | sed 's/.*last_result=//')" \
	eval 'num "$b_shadow0" && num "$b_shadow1" && (( b_shadow1 >= b_shadow0 )) &&
	      e2e COUNT | grep -q "^b after .*last_result=caches_freed=0 zapped=0 busy_vcpus=0"'
for v in a b; do
	check "VM $v still verifies its memory after the reclaim: $(e2e VERIFY | awk -v v=$v '$1 == v' | cut -d' ' -f2-)" \
		eval 'e2e VERIFY | grep -Eq "^$v VERIFIED $v round=[0-9]+" && ! grep -q "^E2E-LOG $v: MISMATCH" "$clean"'
	check "holder $v exits 0 on SIGTERM" eval 'e2e HOLDER_EXIT | grep -qx "$v 0"'
done
check "the daemon exits 0 on SIGTERM" test "$(e2e DAEMON_EXIT)" = 0
check "no sanitizer report from the daemon" \
	eval '! grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$dlog"'

if grep -v '^E2E-LOG' "$clean" | grep -nE "$KERNEL_SPLATS" >"$log_dir/splats-e2e"; then
	nok "kernel log has splats:"
	sed 's/^/#   /' "$log_dir/splats-e2e" | head -20
else
	ok "kernel log is clean"
fi

# The numbers.
events=$(grep -c 'Pressure on /vms/a handled' "$dlog" || true)
echo "# VM A ($id_a): shadow pages $a_shadow0 -> $a_shadow1 (lowest $a_min), cache pages $a_cache0 -> $a_cache1"
echo "# VM B ($id_b): shadow pages $b_shadow0 -> $b_shadow1, cache pages $b_cache0 -> $b_cache1 (protected)"
fe=$(e2e FIRST_EVENT_CS)
if num "$fe"; then
	printf '# first pressure event on /vms/a %d.%02d s after the hog started\n' $((fe / 100)) $((fe % 100))
fi
echo "# $events pressure events on /vms/a, each (freed per event, handling latency):"
grep -E 'Pressure on .* handled|Memory pressure on' "$dlog" | sed 's/^<[0-9]>/#   /' | head -40
grep -E '^(<[0-9]>)?  VM ' "$dlog" | sed 's/^<[0-9]>/#   /' | head -20
echo "# $(e2e MEM | tail -1)"
echo "# $(e2e PSI)"
sed -n 's/^E2E-LOG \([ab]\): VERIFIED/# holder \1: VERIFIED/p' "$clean"
echo "# holder setup: $(e2e VM | cut -d' ' -f3- | tr '\n' ' ')"
echo "# times: qemu ${qemu_secs}s, total $(( $(date +%s) - total_start ))s"

if ((fail > 0)); then
	echo "# guest console ($console):"
	sed 's/^/#   /' "$clean"
fi
echo "$pass passed, $fail failed"
((fail == 0))
