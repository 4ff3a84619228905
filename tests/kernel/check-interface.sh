#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-interface.sh - check that the kernel series and include/kvm-reclaim.h
# agree: file names, command words, limits, result format, module parameter.
# Reads the header's values through the C preprocessor and looks for each in
# the lines the patches add.  No kernel tree or build needed.
set -euo pipefail
REPO_DIR=$(cd "$(dirname "$0")/../.." && pwd)
KERNEL_DIR=$REPO_DIR/kernel
header=$REPO_DIR/include/kvm-reclaim.h
. "$KERNEL_DIR/scripts/common.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The header's values, as the compiler sees them.
cat >"$work/dump.c" <<'C'
#include <stdio.h>
#include "kvm-reclaim.h"
int main(void)
{
	printf("FILE_VMS=%s\n", KVM_RECLAIM_FILE_VMS);
	printf("FILE_SHADOW_PAGES=%s\n", KVM_RECLAIM_FILE_SHADOW_PAGES);
	printf("FILE_TDP_PAGES=%s\n", KVM_RECLAIM_FILE_TDP_PAGES);
	printf("FILE_CACHE_PAGES=%s\n", KVM_RECLAIM_FILE_CACHE_PAGES);
	printf("FILE_PAGETABLE_BYTES=%s\n", KVM_RECLAIM_FILE_PAGETABLE_BYTES);
	printf("FILE_RECLAIM=%s\n", KVM_RECLAIM_FILE_RECLAIM);
	printf("CMD_CACHES=%s\n", KVM_RECLAIM_CMD_CACHES);
	printf("CMD_ZAP=%s\n", KVM_RECLAIM_CMD_ZAP);
	printf("CMD_FREE_EMPTY=%s\n", KVM_RECLAIM_CMD_FREE_EMPTY);
	printf("CMD_ZAP_COLD=%s\n", KVM_RECLAIM_CMD_ZAP_COLD);
	printf("CMD_LIMIT=%s\n", KVM_RECLAIM_CMD_LIMIT);
	printf("LIMIT_MIN=%d\n", KVM_RECLAIM_LIMIT_MIN);
	printf("ZAP_MAX=%d\n", KVM_RECLAIM_ZAP_MAX);
	printf("CMD_MAX_LEN=%d\n", KVM_RECLAIM_CMD_MAX_LEN);
	printf("PAGE_SIZE=%d\n", KVM_RECLAIM_PAGE_SIZE);
	printf("SHRINKER_PARAM=%s\n", KVM_RECLAIM_SHRINKER_PARAM);
	printf("DEBUGFS_DIR=%s\n", KVM_RECLAIM_DEBUGFS_DIR_DEFAULT);
	return 0;
}
C
cc -I"$(dirname "$header")" -o "$work/dump" "$work/dump.c"
declare -A H
while IFS='=' read -r k v; do H[$k]=$v; done < <("$work/dump")
# The format as written in C, escapes and all.
H[RESULT_FMT]=$(sed -n 's/^#define KVM_RECLAIM_RESULT_FMT[[:space:]]*\(".*"\)[[:space:]]*$/\1/p' "$header")
# mmu_vms' format is on the line after its #define; the kernel prints the
# VM's name with %pd (a dentry) where userspace reads a %s.
H[VMS_FMT]=$(sed -n '/^#define KVM_RECLAIM_VMS_FMT/{n;s/^[[:space:]]*\(".*"\)[[:space:]]*$/\1/p}' "$header")

# Lines the series adds, per file: "path<TAB>line".
series_files | xargs awk '
	/^\+\+\+ b\// { file = substr($2, 3); next }
	/^\+/ && file != "" { print file "\t" substr($0, 2) }
	/^diff --git/ { file = "" }' >"$work/added"

pass=0 fail=0
expect() {	# expect DESCRIPTION FILE-REGEX FIXED-STRING
	local what=$1 path=$2 needle=$3
	if awk -F'\t' -v p="$path" '$1 ~ p { sub(/^[^\t]*\t/, ""); print }' \
		"$work/added" | grep -F -- "$needle" >/dev/null; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what: no '$needle' added to $path"
		fail=$((fail + 1))
	fi
}
expect_re() {	# expect_re DESCRIPTION FILE-REGEX EXTENDED-REGEX
	local what=$1 path=$2 re=$3
	if awk -F'\t' -v p="$path" '$1 ~ p { sub(/^[^\t]*\t/, ""); print }' \
		"$work/added" | grep -E -- "$re" >/dev/null; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what: nothing matching '$re' added to $path"
		fail=$((fail + 1))
	fi
}

x86=^arch/x86/kvm/
st='^tools/testing/selftests/kvm/(x86_64/mmu_reclaim(_tables)?_test.c|include/x86_64/mmu_reclaim.h)$'

# The per-VM stat files are KVM's debugfs files for VM stats, named after
# the stat: the descriptor name is the file name.
expect "stat file ${H[FILE_SHADOW_PAGES]}" "$x86" "STATS_DESC_ICOUNTER(VM, ${H[FILE_SHADOW_PAGES]})"
expect "stat file ${H[FILE_TDP_PAGES]}" "$x86" "STATS_DESC_ICOUNTER(VM, ${H[FILE_TDP_PAGES]})"
expect "stat file ${H[FILE_CACHE_PAGES]}" "$x86" "STATS_DESC_ICOUNTER(VM, ${H[FILE_CACHE_PAGES]})"
expect "stat file ${H[FILE_PAGETABLE_BYTES]} (bytes)" "$x86" "STATS_DESC_INSTANT(VM, ${H[FILE_PAGETABLE_BYTES]}, KVM_STATS_UNIT_BYTES,"
expect "reclaim file ${H[FILE_RECLAIM]}" "$x86" "debugfs_create_file(\"${H[FILE_RECLAIM]}\""
expect "host-wide file ${H[FILE_VMS]}" "$x86" "debugfs_create_file(\"${H[FILE_VMS]}\", 0444,"
expect "${H[FILE_VMS]} format" "$x86" "${H[VMS_FMT]/\"%s /\"%pd }"
# Commands are rows of the kernel's command table: { "name", max, zero, fn }.
expect "command ${H[CMD_CACHES]}" "$x86" "{ \"${H[CMD_CACHES]}\","
expect "command ${H[CMD_ZAP]} N" "$x86" "{ \"${H[CMD_ZAP]}\","
expect "command ${H[CMD_FREE_EMPTY]}" "$x86" "{ \"${H[CMD_FREE_EMPTY]}\","
expect "command ${H[CMD_ZAP_COLD]} N" "$x86" "{ \"${H[CMD_ZAP_COLD]}\","
expect "command ${H[CMD_LIMIT]} N" "$x86" "{ \"${H[CMD_LIMIT]}\","
expect_re "LIMIT_MIN ${H[LIMIT_MIN]} is KVM_MIN_ALLOC_MMU_PAGES" "$x86" \
	"limit && limit < KVM_MIN_ALLOC_MMU_PAGES"
expect_re "ZAP_MAX ${H[ZAP_MAX]}" "$x86" "^#define KVM_MMU_RECLAIM_ZAP_MAX[[:space:]]+${H[ZAP_MAX]}$"
expect_re "CMD_MAX_LEN ${H[CMD_MAX_LEN]}" "$x86" "^#define KVM_MMU_RECLAIM_CMD_MAX_LEN[[:space:]]+${H[CMD_MAX_LEN]}([[:space:]]|$)"
expect "result format ${H[RESULT_FMT]}" "$x86" "${H[RESULT_FMT]}"

# /sys/module/<module>/parameters/<name>: a parameter of kvm.ko (mmu.c).
if [[ ${H[SHRINKER_PARAM]} =~ ^/sys/module/kvm/parameters/([a-z_]+)$ ]]; then
	expect "module parameter kvm.${BASH_REMATCH[1]}" '^arch/x86/kvm/mmu/mmu.c$' \
		"module_param_named(${BASH_REMATCH[1]}, "
else
	echo "not ok - ${H[SHRINKER_PARAM]} is not a parameter of kvm.ko"
	fail=$((fail + 1))
fi
if [[ ${H[DEBUGFS_DIR]} == /sys/kernel/debug/kvm && ${H[PAGE_SIZE]} == 4096 ]]; then
	echo "ok - debugfs dir and page size are KVM's and x86's"
	pass=$((pass + 1))
else
	echo "not ok - debugfs dir ${H[DEBUGFS_DIR]} or page size ${H[PAGE_SIZE]}"
	fail=$((fail + 1))
fi

# The selftest exercises the same limits and names.
expect_re "selftest ZAP_MAX" "$st" "^#define RECLAIM_ZAP_MAX[[:space:]]+${H[ZAP_MAX]}$"
expect_re "selftest CMD_MAX_LEN" "$st" "^#define RECLAIM_CMD_MAX_LEN[[:space:]]+${H[CMD_MAX_LEN]}$"
expect "selftest zap ZAP_MAX+1 is rejected" "$st" "\"${H[CMD_ZAP]} $(( H[ZAP_MAX] + 1 ))\""
expect "selftest reads ${H[FILE_RECLAIM]}" "$st" "\"${H[FILE_RECLAIM]}\""
expect "selftest reads ${H[FILE_SHADOW_PAGES]}" "$st" "\"${H[FILE_SHADOW_PAGES]}\""
expect "selftest reads ${H[FILE_CACHE_PAGES]}" "$st" "\"${H[FILE_CACHE_PAGES]}\""
expect "selftest reads ${H[FILE_TDP_PAGES]}" "$st" "\"${H[FILE_TDP_PAGES]}\""
expect "selftest reads ${H[FILE_PAGETABLE_BYTES]}" "$st" "\"${H[FILE_PAGETABLE_BYTES]}\""
expect "selftest reads ${H[FILE_VMS]}" "$st" "/${H[FILE_VMS]}\""
expect "selftest: ${H[CMD_LIMIT]} $(( H[LIMIT_MIN] - 1 )) is rejected" "$st" "\"${H[CMD_LIMIT]} $(( H[LIMIT_MIN] - 1 ))\""
expect "selftest: ${H[CMD_LIMIT]} ${H[LIMIT_MIN]} is accepted" "$st" "\"${H[CMD_LIMIT]} ${H[LIMIT_MIN]}\""
expect "selftest: ${H[CMD_ZAP_COLD]} ZAP_MAX+1 is rejected" "$st" "\"${H[CMD_ZAP_COLD]} $(( H[ZAP_MAX] + 1 ))\""
expect "selftest: ${H[CMD_FREE_EMPTY]}" "$st" "\"${H[CMD_FREE_EMPTY]}\""
expect "selftest uses ${H[SHRINKER_PARAM]}" "$st" "\"${H[SHRINKER_PARAM]}\""

echo "$pass passed, $fail failed"
((fail == 0))
