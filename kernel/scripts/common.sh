# SPDX-License-Identifier: LGPL-2.1-or-later
# common.sh - paths and cache keys shared by the kernel scripts (sourced).

KERNEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$KERNEL_DIR/.." && pwd)
SRC_TARBALL=${KVM_RECLAIMD_SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
CACHE_DIR=${KVM_RECLAIMD_KERNEL_CACHE:-/var/cache/kvm-reclaimd/kernel}
JOBS=${KVM_RECLAIMD_JOBS:-3}

# The series to apply: kernel/series, or KVM_RECLAIMD_SERIES=none for the
# unpatched kernel (bench/kernel-ab.sh).
SERIES=${KVM_RECLAIMD_SERIES:-$KERNEL_DIR/series}

# Selftests the harness builds and runs (paths under tools/testing/selftests/kvm);
# KVM_RECLAIMD_SELFTESTS="a b" replaces the list (an unpatched tree lacks ours).
SELFTESTS=(x86_64/mmu_reclaim_test x86_64/mmu_reclaim_tables_test
	   kvm_binary_stats_test demand_paging_test
	   kvm_page_table_test memslot_modification_stress_test
	   x86_64/set_sregs_test x86_64/state_test)
if [[ -n ${KVM_RECLAIMD_SELFTESTS:-} ]]; then
	read -r -a SELFTESTS <<<"$KVM_RECLAIMD_SELFTESTS"
fi

series_files() {
	local p
	[[ $SERIES == none ]] && return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$SERIES" | while read -r p; do
		echo "$KERNEL_DIR/$p"
	done
}

# Key of the patched source tree: upstream version, the tarball, the series.
src_key() {
	{
		cat "$KERNEL_DIR/VERSION"
		stat -c '%s' "$SRC_TARBALL"
		if [[ $SERIES == none ]]; then echo unpatched; else cat "$SERIES"; fi
		series_files | xargs -r cat
		cat "$KERNEL_DIR/scripts/prepare-tree.sh"
	} | sha256sum | cut -c1-16
}

# Key of one kernel build: the tree, the config fragments, the build script.
build_key() {
	local flavour=$1
	{
		src_key
		echo "$flavour"
		cat "$KERNEL_DIR/config/fast.config"
		[[ $flavour == debug ]] && cat "$KERNEL_DIR/config/debug.config"
		cat "$KERNEL_DIR/scripts/build.sh" "$KERNEL_DIR/scripts/common.sh"
		echo "${SELFTESTS[*]}"
		gcc --version | head -1
	} | sha256sum | cut -c1-16
}

log() { echo "[$(date +%T)] $*" >&2; }
