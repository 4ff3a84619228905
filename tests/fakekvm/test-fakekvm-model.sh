#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fake kernel's regrowth model and its first-series mode (README.md,
# "The regrowth model" and "--kernel=v1"), as the controller's tests rely
# on them: zap-cold ages first and then takes only tables outside the
# working set; "zap" takes hot pages in proportion and they come back at
# regrow= per second; free-empty never takes hot tables; a v1 kernel has
# neither the new files nor the new commands.
. "$(dirname "$0")/../lib/fakekvm.sh"

FAKEKVM_PROBE=${FAKEKVM_PROBE:?set FAKEKVM_PROBE}
mount_fake
probe() { "$FAKEKVM_PROBE" "$@"; }
get() { fakekvm_get "$FAKE" "$1" "$2"; }
cmd() { probe write "$FAKE/$1/mmu_reclaim" "$2" >/dev/null; cat "$FAKE/$1/mmu_reclaim"; }

# A shadow-paged guest: 1004 pages, 4 of them roots; it keeps touching 400.
fakekvm_add_vm "$FAKE" 100 1 1004 0 1
fakekvm_set "$FAKE" 100-1 hot=400 regrow=0
assert_eq "$(get 100-1 hot) $(get 100-1 mmu) $(get 100-1 aged)" "400 shadow 0" "the model's state"
assert_eq "$(cmd 100-1 'zap-cold 1000')" "caches_freed=0 zapped=0 busy_vcpus=0" "the first zap-cold"
assert_eq "$(get 100-1 aged)" 1 "aged after the first zap-cold"
ok "the first zap-cold only ages (every table was accessed since it was made)"
assert_eq "$(cmd 100-1 'zap-cold 100')" "caches_freed=0 zapped=100 busy_vcpus=0" "zap-cold 100"
assert_eq "$(cmd 100-1 'zap-cold 1000')" "caches_freed=0 zapped=500 busy_vcpus=0" "zap-cold of the rest"
assert_eq "$(cmd 100-1 'zap-cold 1000')" "caches_freed=0 zapped=0 busy_vcpus=0" "zap-cold with only the working set left"
assert_eq "$(get 100-1 shadow) $(get 100-1 lost)" "404 0" "shadow pages and hot tables lost"
ok "zap-cold takes the 600 tables outside the working set, never the 400 in it"

# "zap" takes the oldest, hot or not: here every table left is hot.
assert_eq "$(cmd 100-1 'zap 100')" "caches_freed=0 zapped=100 busy_vcpus=0" "zap 100"
assert_eq "$(get 100-1 lost) $(get 100-1 taken_hot)" "100 100" "hot tables lost to zap"
fakekvm_set "$FAKE" 100-1 regrow=50
# 50% of 100 per second: all back within 2 s, and no more than lost.
sleep 2.2
assert_eq "$(get 100-1 shadow) $(get 100-1 lost) $(get 100-1 regrown)" "404 0 100" "after 2 s of refaults"
ok "zapped hot pages come back at regrow= per second, up to what was lost"

# Half hot, half cold: zap takes hot pages in proportion.
fakekvm_add_vm "$FAKE" 101 1 1004 0 1
fakekvm_set "$FAKE" 101-1 hot=500
assert_eq "$(cmd 101-1 'zap 200')" "caches_freed=0 zapped=200 busy_vcpus=0" "zap 200"
assert_eq "$(get 101-1 lost)" 100 "hot pages among 200 of 1000 half-hot ones"
ok "zap of the oldest takes hot pages in proportion (100 of 200 at half hot)"

# TDP: the working set lives in TDP tables; free-empty never takes it.
fakekvm_add_vm "$FAKE" 102 1 4 0 1
fakekvm_set "$FAKE" 102-1 tdp=300 empty=250 hot=100
assert_eq "$(get 102-1 mmu)" tdp "the working set's MMU"
assert_eq "$(cmd 102-1 free-empty)" "caches_freed=0 zapped=200 busy_vcpus=0" "free-empty"
assert_eq "$(cmd 102-1 'zap 10')" "caches_freed=0 zapped=0 busy_vcpus=0" "zap on a TDP guest"
assert_eq "$(get 102-1 tdp)" 100 "TDP tables left: the working set"
ok "free-empty takes at most the tables outside the working set; zap never takes TDP tables"

# The first series: no mmu_vms, no new files, no new commands.
FAKE_V2=$FAKE
mount_fake "$TEST_TMP/kvm1" --kernel=v1
fakekvm_add_vm "$FAKE" 200 1 100 10 1
[ -e "$FAKE/mmu_vms" ] && fail "v1: mmu_vms exists"
ls "$FAKE" | grep -qx mmu_vms && fail "v1: readdir lists mmu_vms"
assert_eq "$(ls "$FAKE/200-1" | tr '\n' ' ')" "mmu_cache_pages mmu_reclaim mmu_shadow_pages mmu_shadow_zapped pages_1g pages_2m pages_4k remote_tlb_flush " "v1 VM files"
[ -e "$FAKE/200-1/tdp_mmu_pages" ] && fail "v1: tdp_mmu_pages exists"
for c in free-empty 'zap-cold 1' 'limit 64'; do
	assert_eq "$(probe write "$FAKE/200-1/mmu_reclaim" "$c")" EINVAL "v1: $c"
done
assert_eq "$(probe write "$FAKE/200-1/mmu_reclaim" 'zap 1')" "ok 5" "v1: zap 1"
[ -e "$FAKE_V2/mmu_vms" ] || fail "v2 mount lost mmu_vms"
ok "--kernel=v1: only mmu_shadow_pages, mmu_cache_pages, caches and zap"
if "$FAKEKVM" --kernel=v3 "$TEST_TMP/nowhere" 2>"$TEST_TMP/err"; then fail "--kernel=v3 accepted"; fi
grep -q "bad --kernel value 'v3'" "$TEST_TMP/err" || fail "--kernel=v3: $(cat "$TEST_TMP/err")"
ok "a bad --kernel= is refused"
pass
