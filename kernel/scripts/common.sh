# SPDX-License-Identifier: LGPL-2.1-or-later
# common.sh - paths and cache keys shared by the kernel scripts (sourced).

KERNEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$KERNEL_DIR/.." && pwd)
SRC_TARBALL=${KVM_RECLAIMD_SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
CACHE_DIR=${KVM_RECLAIMD_KERNEL_CACHE:-/var/cache/kvm-reclaimd/kernel}
JOBS=${KVM_RECLAIMD_JOBS:-3}

# Selftests the harness builds and runs (paths under tools/testing/selftests/kvm).
SELFTESTS=(x86_64/mmu_reclaim_test kvm_binary_stats_test demand_paging_test
	   kvm_page_table_test memslot_modification_stress_test
	   x86_64/set_sregs_test x86_64/state_test)

series_files() {
	local p
	grep -v '^[[:space:]]*\(#\|$\)' "$KERNEL_DIR/series" | while read -r p; do
		echo "$KERNEL_DIR/$p"
	done
}

# Key of the patched source tree: upstream version, the tarball, the series.
src_key() {
	{
		cat "$KERNEL_DIR/VERSION"
		stat -c '%s' "$SRC_TARBALL"
		cat "$KERNEL_DIR/series"
		series_files | xargs cat
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
		gcc --version | head -1
	} | sha256sum | cut -c1-16
}

log() { echo "[$(date +%T)] $*" >&2; }
