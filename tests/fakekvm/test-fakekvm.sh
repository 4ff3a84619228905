#!/bin/bash
# The names we list are our own: ls is fine here.
# shellcheck disable=SC2010,SC2012
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-fakekvm.sh - checks that fakekvm behaves as README.md says, which is
# how <debugfs>/kvm behaves on the patched kernel, as the daemon sees it.
#
# Needs FAKEKVM and FAKEKVM_PROBE (meson sets both).  Exits 77 when FUSE
# cannot be mounted here.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/fakekvm-lib.sh
. "$here/fakekvm-lib.sh"

if [ -z "${FAKEKVM_PROBE:-}" ] || [ "$FAKEKVM" = fakekvm ]; then
	echo "set FAKEKVM and FAKEKVM_PROBE to the built binaries" >&2
	exit 99
fi
fakekvm_require_fuse

work=$(mktemp -d "${TMPDIR:-/tmp}/test-fakekvm.XXXXXX")
export FAKEKVM_RUNDIR=$work
mnt=$work/kvm
mnt2=$work/kvm-grow
bgpid=""
cleanup() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	fakekvm_umount "$mnt2" >/dev/null 2>&1
	fakekvm_umount "$mnt" >/dev/null 2>&1
	rm -rf -- "$work"
}
trap cleanup EXIT

if ! fakekvm_mount "$mnt" >/dev/null 2>"$work/mount.err"; then
	# Distinguish a machine without FUSE rights from a broken fakekvm.
	if grep -qiE 'not permitted|permission denied|no such device|fusermount' "$work/mount.err"; then
		echo "SKIP: cannot mount FUSE: $(cat "$work/mount.err")" >&2
		exit 77
	fi
	cat "$work/mount.err" >&2
	exit 1
fi

passed=0
failed=0
check() { # NAME EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
	fi
}
probe() { "$FAKEKVM_PROBE" "$@"; }
state() { fakekvm_get "$mnt" "$1" "$2"; }
reclaim() { probe write "$mnt/$1/mmu_reclaim" "$2"; }
result() { cat "$mnt/$1/mmu_reclaim"; }
log_of() { grep "^$1 " "$mnt/.fake_log"; }

# --- layout ------------------------------------------------------------
check "empty root lists the global stat and mmu_vms" "mmu_shadow_zapped mmu_vms" \
	"$(ls -A "$mnt" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check "mmu_vms of no VM is empty" "" "$(cat "$mnt/mmu_vms")"
check "mmu_vms mode" "444 regular empty file" "$(stat -c '%a %F' "$mnt/mmu_vms")"
check "root mode" "755 directory" "$(stat -c '%a %F' "$mnt")"
check "mkdir creates a VM" "ok" "$(probe mkdir "$mnt/100-1")"
check "VM dir mode" "755 directory" "$(stat -c '%a %F' "$mnt/100-1")"
check "VM dir lists the kernel's files only" \
	"mmu_cache_pages mmu_pagetable_bytes mmu_reclaim mmu_shadow_pages mmu_shadow_zapped pages_1g pages_2m pages_4k remote_tlb_flush tdp_mmu_pages" \
	"$(ls -A "$mnt/100-1" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check "file modes" \
	"444 mmu_shadow_pages;444 tdp_mmu_pages;444 mmu_cache_pages;444 mmu_pagetable_bytes;600 mmu_reclaim;600 .fake_state;444 mmu_shadow_zapped;444 pages_4k;" \
	"$(cd "$mnt/100-1" && stat -c '%a %n' mmu_shadow_pages tdp_mmu_pages mmu_cache_pages mmu_pagetable_bytes mmu_reclaim .fake_state mmu_shadow_zapped pages_4k | tr '\n' ';')"
check "log mode" "444 regular empty file" "$(stat -c '%a %F' "$mnt/.fake_log")"
check "new VM: shadow 0" "ok 0\n" "$(probe read "$mnt/100-1/mmu_shadow_pages")"
check "new VM: cache 0" "ok 0\n" "$(probe read "$mnt/100-1/mmu_cache_pages")"
check "new VM: tdp 0" "ok 0\n" "$(probe read "$mnt/100-1/tdp_mmu_pages")"
check "new VM: bytes 0" "ok 0\n" "$(probe read "$mnt/100-1/mmu_pagetable_bytes")"
check "mmu_vms lists the new VM" \
	"100-1 mmu_shadow_pages=0 tdp_mmu_pages=0 mmu_cache_pages=0 mmu_pagetable_bytes=0 mmu_shadow_pages_max=15728" \
	"$(cat "$mnt/mmu_vms")"
check "result before the first command is zero" \
	"ok caches_freed=0 zapped=0 busy_vcpus=0\n" "$(probe read "$mnt/100-1/mmu_reclaim")"
check "new VM state" \
	"shadow=0 tdp=0 cache=0 vcpus=1 busy=0 pinned=4 empty=0 cold=0 kvm_max=15728 limit=0 shadow_max=15728 fail=none garbage=0 delay_ms=0 zapped_total=0 reclaims=0" \
	"$(fakekvm_get "$mnt" 100-1)"

# --- mkdir / rmdir rules ----------------------------------------------------
for bad in foo 1- -1 1-2-3 1_2 a-1 1-a " 1-2" 12345678901234567890-123456789012; do
	check "mkdir '$bad' is EINVAL" "EINVAL" "$(probe mkdir "$mnt/$bad")"
done
check "mkdir of an existing VM" "EEXIST" "$(probe mkdir "$mnt/100-1")"
check "mkdir over .fake_log" "EEXIST" "$(probe mkdir "$mnt/.fake_log")"
check "mkdir inside a VM" "EPERM" "$(probe mkdir "$mnt/100-1/sub")"
check "rmdir of a missing VM" "ENOENT" "$(probe rmdir "$mnt/999-9")"
check "rmdir of a root file" "ENOTDIR" "$(probe rmdir "$mnt/mmu_shadow_zapped")"
check "unlink a VM file" "EPERM" "$(probe unlink "$mnt/100-1/mmu_reclaim")"
check "rename a VM" "EPERM" "$(probe rename "$mnt/100-1" "$mnt/100-2")"
check "create a file in the root" "EACCES" "$(probe create "$mnt/newfile")"
check "create a file in a VM" "EACCES" "$(probe create "$mnt/100-1/newfile")"

# --- inotify on the root, as on debugfs ----------------------------------------
check "mkdir fires IN_CREATE on the root" "IN_CREATE|IN_ISDIR 300-3" \
	"$(probe inotify "$mnt" mkdir "$mnt/300-3")"
fakekvm_set "$mnt" 300-3 shadow=50 cache=5
check "rmdir of a VM with files fires IN_DELETE" "IN_DELETE|IN_ISDIR 300-3" \
	"$(probe inotify "$mnt" rmdir "$mnt/300-3")"
check "removed VM is gone from readdir" "" "$(ls "$mnt" | grep 300-3)"
check "removed VM's files are gone" "ENOENT" "$(probe read "$mnt/300-3/mmu_shadow_pages")"
check "add_vm fires IN_CREATE" "IN_CREATE|IN_ISDIR 300-3" \
	"$(probe inotify "$mnt" bash -c ". '$here/fakekvm-lib.sh'; fakekvm_add_vm '$mnt' 300 3 7 0 1")"
check "a VM created again starts fresh" "7 0 0" \
	"$(state 300-3 shadow) $(state 300-3 zapped_total) $(state 300-3 reclaims)"
check "fakekvm_remove_vm fires IN_DELETE" "IN_DELETE|IN_ISDIR 300-3" \
	"$(probe inotify "$mnt" bash -c ". '$here/fakekvm-lib.sh'; fakekvm_remove_vm '$mnt' 300 3")"

# --- nonseekable stat files ------------------------------------------------
fakekvm_add_vm "$mnt" 200 2 1234 56 4
for f in mmu_shadow_pages tdp_mmu_pages mmu_cache_pages mmu_pagetable_bytes mmu_reclaim pages_4k; do
	check "pread($f, 1) is ESPIPE" "ESPIPE" "$(probe pread "$mnt/200-2/$f" 1)"
	check "pread($f, 0) is ESPIPE" "ESPIPE" "$(probe pread "$mnt/200-2/$f" 0)"
	check "lseek($f) is ESPIPE" "ESPIPE" "$(probe lseek "$mnt/200-2/$f" 0)"
done
check "byte-by-byte read continues in one value" "ok 1234\n" \
	"$(probe read "$mnt/200-2/mmu_shadow_pages" 1)"
check "cache read" "ok 56\n" "$(probe read "$mnt/200-2/mmu_cache_pages")"
check ".fake_state is seekable" "ok shadow=1234" \
	"$(probe pread "$mnt/200-2/.fake_state" 0 | cut -d' ' -f1-2)"
check "stat files cannot be written (root too)" "EINVAL" \
	"$(probe write "$mnt/200-2/mmu_shadow_pages" '5\n')"
check ".fake_log cannot be written" "EINVAL" "$(probe write "$mnt/.fake_log" 'x\n')"
check "shell redirection (O_TRUNC) works on mmu_reclaim" "0" \
	"$( (echo caches >"$mnt/200-2/mmu_reclaim") 2>&1; echo $?)"
check "...and took effect" "0" "$(state 200-2 cache)"

# --- reclaim command syntax --------------------------------------------------
fakekvm_add_vm "$mnt" 400 4 100 40 4
before=$(fakekvm_get "$mnt" 400-4)
long="zap $(printf '%027d' 1)" # 31 bytes, + newline = KVM_RECLAIM_CMD_MAX_LEN
for bad in '\n' 'zap' 'zap ' 'zap\n' 'zap 0' 'zap 65537' 'zap -1' 'zap 1x' \
	'zap +1' 'zap 0x10' 'zap  1' 'zap 1 ' ' zap 1' 'zap 1\n\n' 'caches extra' \
	'caches\n\n' ' caches' 'CACHES' 'caches\0' 'zap 99999999999999999999999' \
	'free-empty 1' 'free-empty ' 'free_empty' 'zap-cold' 'zap-cold 0' 'zap-cold 65537' \
	'zap-cold  1' 'limit' 'limit 1' 'limit 63' 'limit -1' 'limit 99999999999999999999999' \
	"${long}0\\n" 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; do
	check "reclaim '$bad' is EINVAL" "EINVAL" "$(reclaim 400-4 "$bad")"
done
check "EINVAL changed nothing" "$before" "$(fakekvm_get "$mnt" 400-4)"
check "result unchanged by EINVAL" "caches_freed=0 zapped=0 busy_vcpus=0" "$(result 400-4)"
check "'zap 1' (no newline)" "ok 5" "$(reclaim 400-4 'zap 1')"
check "leading zeros, exactly KVM_RECLAIM_CMD_MAX_LEN" "ok 32" "$(reclaim 400-4 "$long\\n")"
check "'zap 65536' is the maximum" "ok 10" "$(reclaim 400-4 'zap 65536\n')"
check "'caches' without newline" "ok 6" "$(reclaim 400-4 'caches')"
check "zero-length write never reaches FUSE" "ok 0" "$(reclaim 400-4 '')"

# --- the log ---------------------------------------------------------------
expected_log=$(
	cat <<EOF
400-4  -> -EINVAL
400-4 zap -> -EINVAL
400-4 zap  -> -EINVAL
400-4 zap -> -EINVAL
400-4 zap 0 -> -EINVAL
400-4 zap 65537 -> -EINVAL
400-4 zap -1 -> -EINVAL
400-4 zap 1x -> -EINVAL
400-4 zap +1 -> -EINVAL
400-4 zap 0x10 -> -EINVAL
400-4 zap  1 -> -EINVAL
400-4 zap 1  -> -EINVAL
400-4  zap 1 -> -EINVAL
400-4 zap 1\x0a -> -EINVAL
400-4 caches extra -> -EINVAL
400-4 caches\x0a -> -EINVAL
400-4  caches -> -EINVAL
400-4 CACHES -> -EINVAL
400-4 caches\x00 -> -EINVAL
400-4 zap 99999999999999999999999 -> -EINVAL
400-4 free-empty 1 -> -EINVAL
400-4 free-empty  -> -EINVAL
400-4 free_empty -> -EINVAL
400-4 zap-cold -> -EINVAL
400-4 zap-cold 0 -> -EINVAL
400-4 zap-cold 65537 -> -EINVAL
400-4 zap-cold  1 -> -EINVAL
400-4 limit -> -EINVAL
400-4 limit 1 -> -EINVAL
400-4 limit 63 -> -EINVAL
400-4 limit -1 -> -EINVAL
400-4 limit 99999999999999999999999 -> -EINVAL
400-4 ${long}0 -> -EINVAL
400-4 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... -> -EINVAL
400-4 zap 1 -> caches_freed=0 zapped=1 busy_vcpus=0
400-4 ${long} -> caches_freed=0 zapped=1 busy_vcpus=0
400-4 zap 65536 -> caches_freed=0 zapped=94 busy_vcpus=0
400-4 caches -> caches_freed=40 zapped=0 busy_vcpus=0
EOF
)
check "log lists every write in order, accepted or not" "$expected_log" "$(log_of 400-4)"

# --- zap: pinned roots, synchronous effect --------------------------------------
check "zap leaves the 4 pinned roots" "4" "$(state 400-4 shadow)"
check "zap with only pinned pages left zaps nothing" "ok 6" "$(reclaim 400-4 'zap 5\n')"
check "...and says so" "caches_freed=0 zapped=0 busy_vcpus=0" "$(result 400-4)"
fakekvm_set "$mnt" 400-4 pinned=0
reclaim 400-4 'zap 3' >/dev/null
check "pinned=0 lets zap take roots" "1 caches_freed=0 zapped=3 busy_vcpus=0" \
	"$(state 400-4 shadow) $(result 400-4)"
fakekvm_set "$mnt" 400-4 shadow=10 pinned=7
reclaim 400-4 'zap 100' >/dev/null
check "zap stops at pinned=7" "7 caches_freed=0 zapped=3 busy_vcpus=0" \
	"$(state 400-4 shadow) $(result 400-4)"
check "per-VM mmu_shadow_zapped is cumulative" "ok 102\n" \
	"$(probe read "$mnt/400-4/mmu_shadow_zapped")"
check "remote_tlb_flush counts zaps that zapped" "ok 5\n" \
	"$(probe read "$mnt/400-4/remote_tlb_flush")"
check "global mmu_shadow_zapped sums the VMs" "ok 102\n" "$(probe read "$mnt/mmu_shadow_zapped")"

fakekvm_set "$mnt" 400-4 shadow=1000 pinned=4 delay_ms=300
out=$(probe timed-write "$mnt/400-4/mmu_reclaim" 'zap 100\n')
shadow_after=$(cat "$mnt/400-4/mmu_shadow_pages")
check "delayed write succeeds" "ok 8" "${out% *}"
check "write() returns only after delay_ms" "yes" "$([ "${out##* }" -ge 290 ] && echo yes || echo "no (${out##* } ms)")"
check "effect visible as soon as write() returned" "900" "$shadow_after"
fakekvm_set "$mnt" 400-4 delay_ms=0

# --- caches: busy vCPUs keep theirs ---------------------------------------------
fakekvm_set "$mnt" 400-4 vcpus=4 cache=10 busy=1 # 3 3 2 2
reclaim 400-4 'caches\n' >/dev/null
check "caches skips the busy vCPU" "caches_freed=7 zapped=0 busy_vcpus=1 3" \
	"$(result 400-4) $(state 400-4 cache)"
fakekvm_set "$mnt" 400-4 busy=0
check "the busy vCPU asked frees its caches when it runs again" "0" "$(state 400-4 cache)"
fakekvm_set "$mnt" 400-4 cache=8 busy=4
reclaim 400-4 'caches' >/dev/null
check "all busy: nothing freed, all counted" "caches_freed=0 zapped=0 busy_vcpus=4 8" \
	"$(result 400-4) $(state 400-4 cache)"
fakekvm_set "$mnt" 400-4 busy=2
check "each vCPU frees its own when it runs again" "4" "$(state 400-4 cache)"
fakekvm_set "$mnt" 400-4 cache=+6
reclaim 400-4 'caches' >/dev/null
check "not busy: freed at once" "caches_freed=2 zapped=0 busy_vcpus=2 8" \
	"$(result 400-4) $(state 400-4 cache)"
fakekvm_set "$mnt" 400-4 busy=0
check "caches does not zap" "900" "$(state 400-4 shadow)"

# --- page tables: free-empty, zap-cold, limit, bytes, mmu_vms ------------------
fakekvm_add_vm "$mnt" 450 4 300 0 1
fakekvm_set "$mnt" 450-4 tdp=200 empty=50 cold=120
check "mmu_pagetable_bytes: 300 shadow and 200 TDP pages" "ok $((300 * (8192 + 184) + 200 * (4096 + 184)))\n" \
	"$(probe read "$mnt/450-4/mmu_pagetable_bytes")"
check "zap takes no TDP table" "caches_freed=0 zapped=10 busy_vcpus=0 290 200" \
	"$(reclaim 450-4 'zap 10' >/dev/null; result 450-4) $(state 450-4 shadow) $(state 450-4 tdp)"
check "free-empty frees the empty tables, TDP first" "caches_freed=0 zapped=50 busy_vcpus=0 150 290 0" \
	"$(reclaim 450-4 'free-empty\n' >/dev/null; result 450-4) $(state 450-4 tdp) $(state 450-4 shadow) $(state 450-4 empty)"
check "a second free-empty frees nothing" "caches_freed=0 zapped=0 busy_vcpus=0" \
	"$(reclaim 450-4 'free-empty' >/dev/null; result 450-4)"
check "zap-cold N takes at most N cold tables" "caches_freed=0 zapped=100 busy_vcpus=0 50 290 20" \
	"$(reclaim 450-4 'zap-cold 100' >/dev/null; result 450-4) $(state 450-4 tdp) $(state 450-4 shadow) $(state 450-4 cold)"
fakekvm_set "$mnt" 450-4 cold=70
check "zap-cold goes on to shadow pages" "caches_freed=0 zapped=70 busy_vcpus=0 0 270 0" \
	"$(reclaim 450-4 'zap-cold 65536' >/dev/null; result 450-4) $(state 450-4 tdp) $(state 450-4 shadow) $(state 450-4 cold)"
check "limit N zaps down to N" "caches_freed=0 zapped=70 busy_vcpus=0 200 200" \
	"$(reclaim 450-4 'limit 200' >/dev/null; result 450-4) $(state 450-4 shadow) $(state 450-4 shadow_max)"
check "mmu_vms shows the cap in force" \
	"450-4 mmu_shadow_pages=200 tdp_mmu_pages=0 mmu_cache_pages=0 mmu_pagetable_bytes=$((200 * (8192 + 184))) mmu_shadow_pages_max=200" \
	"$(grep '^450-4 ' "$mnt/mmu_vms")"
fakekvm_set "$mnt" 450-4 kvm_max=100
check "KVM's cap below the limit wins" "100" "$(state 450-4 shadow_max)"
check "limit 0 leaves KVM's cap" "caches_freed=0 zapped=100 busy_vcpus=0 100 0" \
	"$(reclaim 450-4 'limit 0' >/dev/null; result 450-4) $(state 450-4 shadow) $(state 450-4 limit)"
fakekvm_set "$mnt" 450-4 pinned=98 kvm_max=15728
check "limit 64 stops at pinned roots; the cap stays above them" "caches_freed=0 zapped=2 busy_vcpus=0 98 98" \
	"$(reclaim 450-4 'limit 64' >/dev/null; result 450-4) $(state 450-4 shadow) $(state 450-4 shadow_max)"
check "empty= and cold= can't exceed the tables" "EINVAL EINVAL" \
	"$(probe write "$mnt/450-4/.fake_state" 'empty=1') $(probe write "$mnt/450-4/.fake_state" 'cold=1')"
check "kvm_max= below 64 is refused" "EINVAL" "$(probe write "$mnt/450-4/.fake_state" 'kvm_max=63')"
check "mmu_vms lists every VM once" "100-1 200-2 400-4 450-4" \
	"$(cut -d' ' -f1 "$mnt/mmu_vms" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check "mmu_vms read in 7-byte pieces is the same" "$(cat "$mnt/mmu_vms")" \
	"$(dd if="$mnt/mmu_vms" bs=7 2>/dev/null)"
check "mmu_vms is seekable (a seq_file)" "ok 100-1" \
	"$(probe pread "$mnt/mmu_vms" 0 | cut -d' ' -f1-2)"

# --- the result belongs to the writer -----------------------------------------
fakekvm_set "$mnt" 400-4 cache=5
check "two writers read their own results, a reader the VM's last, a write rewinds" \
	"ok 1=caches_freed=0 zapped=2 busy_vcpus=0\n 2=caches_freed=5 zapped=0 busy_vcpus=0\n 3=caches_freed=5 zapped=0 busy_vcpus=0\n again=caches_freed=0 zapped=0 busy_vcpus=0\n" \
	"$(probe writers "$mnt/400-4/mmu_reclaim" 'zap 2' 'caches\n')"
check "write then read on one fd gives that result" "ok caches_freed=0 zapped=1 busy_vcpus=0\n" \
	"$(probe write-read "$mnt/400-4/mmu_reclaim" 'zap 1')"

# --- fail= --------------------------------------------------------------------
fakekvm_add_vm "$mnt" 500 5 100 10 2
for e in EIO ENOENT EINVAL; do
	fakekvm_set "$mnt" 500-5 "fail=$e"
	check "fail=$e fails zap" "$e" "$(reclaim 500-5 'zap 1\n')"
	check "fail=$e fails caches, still" "$e" "$(reclaim 500-5 'caches\n')"
done
check "failed writes changed nothing" "100 10 0" \
	"$(state 500-5 shadow) $(state 500-5 cache) $(state 500-5 reclaims)"
check "a bad command is still EINVAL under fail=EINVAL" "EINVAL" "$(reclaim 500-5 'zap 0')"
fakekvm_set "$mnt" 500-5 fail=none
check "fail=none clears" "ok 6" "$(reclaim 500-5 'zap 1\n')"
check "log shows -errno" "500-5 zap 1 -> -EIO
500-5 caches -> -EIO
500-5 zap 1 -> -ENOENT
500-5 caches -> -ENOENT
500-5 zap 1 -> -EINVAL
500-5 caches -> -EINVAL
500-5 zap 0 -> -EINVAL
500-5 zap 1 -> caches_freed=0 zapped=1 busy_vcpus=0" "$(log_of 500-5)"

# --- garbage= -----------------------------------------------------------------
fakekvm_set "$mnt" 500-5 garbage=1
check "garbage=1: shadow is junk" "ok junk\n" "$(probe read "$mnt/500-5/mmu_shadow_pages")"
check "garbage=1: cache is junk" "ok junk\n" "$(probe read "$mnt/500-5/mmu_cache_pages")"
check "garbage does not touch the reclaim result" "ok caches_freed=0 zapped=1 busy_vcpus=0\n" \
	"$(probe read "$mnt/500-5/mmu_reclaim")"
i=2
for want in 'ok ' 'ok 99' 'ok 18446744073709551616\n' 'ok -1\n' 'ok 99 99\n' 'ok 0x63\n'; do
	fakekvm_set "$mnt" 500-5 "garbage=$i"
	check "garbage=$i" "$want" "$(probe read "$mnt/500-5/mmu_shadow_pages")"
	i=$((i + 1))
done
fakekvm_set "$mnt" 500-5 garbage=0
check "garbage=0 restores numbers" "ok 99\n" "$(probe read "$mnt/500-5/mmu_shadow_pages")"

# --- .fake_state syntax --------------------------------------------------------
fakekvm_set "$mnt" 500-5 shadow=+5 cache=+3
check "shadow=+N and cache=+N grow" "104 13" "$(state 500-5 shadow) $(state 500-5 cache)"
before=$(fakekvm_get "$mnt" 500-5)
for bad in 'shadow=abc' 'shadow=-1' 'shadow=' 'shadow' 'bogus=1' '' 'busy=3' 'vcpus=0' \
	'fail=EBOGUS' 'garbage=8' 'delay_ms=99999999' 'shadow=77 bogus=1' 'zapped_total=0' \
	'vcpus=5000' 'shadow=18446744073709551616'; do
	check ".fake_state '$bad' is EINVAL" "EINVAL" "$(probe write "$mnt/500-5/.fake_state" "$bad\\n")"
done
check "a rejected state write changes nothing" "$before" "$(fakekvm_get "$mnt" 500-5)"
fakekvm_set "$mnt" 500-5 vcpus=0 cache=0
check "vcpus=0 with cache=0 is fine" "0 0" "$(state 500-5 vcpus) $(state 500-5 cache)"
fakekvm_set "$mnt" 500-5 busy=2 vcpus=3 cache=9
check "order of keys does not matter" "3 2 9" \
	"$(state 500-5 vcpus) $(state 500-5 busy) $(state 500-5 cache)"
fakekvm_set "$mnt" 500-5 vcpus=1
check "fewer vCPUs keep the cache total and clamp busy" "1 1 9" \
	"$(state 500-5 vcpus) $(state 500-5 busy) $(state 500-5 cache)"

# --- removal while a file is open or a write is in flight -------------------------
fakekvm_add_vm "$mnt" 600 6 321 0 1
check "an open file outlives rmdir, like a KVM reference" "rmdir=ok read=321\n" \
	"$(probe held-read "$mnt/600-6/mmu_shadow_pages" "$mnt/600-6")"

fakekvm_add_vm "$mnt" 700 7 100 0 1
fakekvm_set "$mnt" 700-7 delay_ms=600
probe timed-write "$mnt/700-7/mmu_reclaim" 'zap 10\n' >"$work/bg.out" &
bgpid=$!
sleep 0.2
t0=$(date +%s%N)
rm_out=$(probe rmdir "$mnt/700-7")
t1=$(date +%s%N)
wait "$bgpid"
bgpid=""
check "rmdir during a reclaim write succeeds" "ok" "$rm_out"
check "rmdir is not blocked by the write" "yes" \
	"$([ $(((t1 - t0) / 1000000)) -lt 300 ] && echo yes || echo "no ($(((t1 - t0) / 1000000)) ms)")"
check "the write in flight completes" "ok 7" "$(cut -d' ' -f1-2 "$work/bg.out")"
check "...and is logged" "700-7 zap 10 -> caches_freed=0 zapped=10 busy_vcpus=0" "$(log_of 700-7)"
check "the VM is gone" "ENOENT" "$(probe open "$mnt/700-7/mmu_reclaim" w)"

# --- concurrency: one VM serializes like mmu_lock, VMs run in parallel ------------------
ms_now() { echo $(($(date +%s%N) / 1000000)); }
fakekvm_add_vm "$mnt" 800 8 100 0 1
fakekvm_add_vm "$mnt" 801 8 100 0 1
fakekvm_set "$mnt" 800-8 delay_ms=300
fakekvm_set "$mnt" 801-8 delay_ms=300
t0=$(ms_now)
probe write "$mnt/800-8/mmu_reclaim" 'zap 1' >/dev/null &
bgpid=$!
probe write "$mnt/800-8/mmu_reclaim" 'zap 1' >/dev/null
wait "$bgpid" # never a bare wait: fakekvm is our child too
bgpid=""
t1=$(ms_now)
check "two writes to one VM run one after the other" "yes" \
	"$([ $((t1 - t0)) -ge 590 ] && echo yes || echo "no ($((t1 - t0)) ms)")"
t0=$(ms_now)
probe write "$mnt/800-8/mmu_reclaim" 'zap 1' >/dev/null &
bgpid=$!
probe write "$mnt/801-8/mmu_reclaim" 'zap 1' >/dev/null
wait "$bgpid"
bgpid=""
t1=$(ms_now)
check "writes to two VMs run side by side" "yes" \
	"$([ $((t1 - t0)) -lt 580 ] && echo yes || echo "no ($((t1 - t0)) ms)")"
check "all four were done" "97 99" "$(state 800-8 shadow) $(state 801-8 shadow)"

# --- readdir at scale, slot reuse --------------------------------------------------
for ((i = 0; i < 600; i++)); do mkdir "$mnt/$((10000 + i))-$i"; done
for ((i = 0; i < 600; i += 3)); do rmdir "$mnt/$((10000 + i))-$i"; done
for ((i = 0; i < 30; i++)); do mkdir "$mnt/$((20000 + i))-1"; done
expected_names=$({
	for ((i = 0; i < 600; i++)); do ((i % 3)) && echo "$((10000 + i))-$i"; done
	for ((i = 0; i < 30; i++)); do echo "$((20000 + i))-1"; done
} | LC_ALL=C sort)
check "readdir after churn lists each VM exactly once" "$expected_names" \
	"$(ls "$mnt" | grep -E '^(1|2)[0-9]{4}-' | LC_ALL=C sort)"

# --- --grow-shadow / --grow-cache, SIGTERM ---------------------------------------
if fakekvm_mount "$mnt2" --grow-shadow=1000 --grow-cache=100 >/dev/null; then
	fakekvm_add_vm "$mnt2" 1 1 10 0 2
	s1=$(cat "$mnt2/1-1/mmu_shadow_pages")
	sleep 0.5
	s2=$(cat "$mnt2/1-1/mmu_shadow_pages")
	c2=$(cat "$mnt2/1-1/mmu_cache_pages")
	check "--grow-shadow grows with time" "yes" \
		"$([ $((s2 - s1)) -ge 400 ] && [ $((s2 - s1)) -le 5000 ] && echo yes || echo "no ($s1 -> $s2)")"
	check "--grow-cache grows with time" "yes" \
		"$([ "$c2" -ge 30 ] && [ "$c2" -le 320 ] && echo yes || echo "no ($c2)")"
	pid2=$(cat "$(fakekvm__pidfile "$mnt2")")
	kill -TERM "$pid2"
	wait "$pid2"
	check "SIGTERM: clean exit" "0" "$?"
	check "SIGTERM: unmounted" "no" "$(fakekvm_mounted "$mnt2" && echo yes || echo no)"
	fakekvm_umount "$mnt2"
else
	check "mount with --grow-shadow" "mounted" "failed"
fi
check "bad option value is refused" "1" \
	"$("$FAKEKVM" --grow-shadow=abc "$work/nowhere" >/dev/null 2>&1; echo $?)"

# --- unmount -------------------------------------------------------------------------
fakekvm_umount "$mnt"
check "fakekvm_umount unmounts" "no" "$(fakekvm_mounted "$mnt" && echo yes || echo no)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
