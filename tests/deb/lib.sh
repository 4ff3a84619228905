# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# lib.sh - the Debian 12 roots the DKMS and systemd tests share (sourced
# after scripts/deb-root.sh).  Layers, each cached by what made it:
#
#   base       debootstrap bookworm (scripts/deb-root.sh)
#   kernel     + linux-source-6.12, dkms, and the Debian 6.12 kernel image
#                and headers of the same version (apt, no recommends)
#   installed  + kvm-reclaimd and kvm-reclaim-dkms from the built .debs with
#                apt: DKMS builds the modules here, in the packages' postinst
#
# deb_kernel_abi LAYER...     the kernel release installed in the layers
# deb_vm_prelude NAME         what both qemu tests check and set first
# deb_vm_roots                the packages and the layers under them

# The kernel layer, keyed by the version of linux-source-6.12 apt would
# install (the host's view of the archive; kernel/VERSION without one).
# deb_vm_prelude NAME: root, debootstrap and qemu or skip; two build jobs;
# sets $start, $log_dir (KERNEL_TEST_LOG_DIR or a new one), $work.
# shellcheck disable=SC2034 # the variables are the caller's
deb_vm_prelude() {
	require_root
	command -v debootstrap >/dev/null || skip "debootstrap not installed (scripts/install-deps.sh deb)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 not installed (scripts/install-deps.sh kernel)"
	local why
	why=$(deb_namespaces_why)
	[ -z "$why" ] || skip "$why"
	export KVM_RECLAIMD_JOBS=${KVM_RECLAIMD_JOBS:-2}
	start=$(date +%s)
	log_dir=${KERNEL_TEST_LOG_DIR:-$(mktemp -d "/tmp/kvm-reclaimd-$1.XXXXXX")}
	mkdir -p "$log_dir"
	work=$TEST_TMP
}

# t START: seconds since START, as "Ns".
t() { echo "$(( $(date +%s) - $1 ))s"; }

# deb_vm_roots: $pkgs (the built .debs), $base (Debian 12), $kernel (with
# Debian's 6.12 kernel), or the test fails saying which.
# shellcheck disable=SC2034 # the variables are the caller's
deb_vm_roots() {
	pkgs=$("$DEB_REPO/scripts/build-deb.sh" | tail -1) && [ -d "$pkgs" ] || fail "scripts/build-deb.sh failed"
	base=$(deb_layer_base) || fail "no Debian 12 root (debootstrap)"
	kernel=$(deb_kernel_layer "$base") || fail "could not install the Debian 6.12 kernel in the root"
}

deb_kernel_layer() {
	local base=$1 v key
	v=$(apt-cache policy linux-source-6.12 2>/dev/null | sed -n 's/^ *Candidate: *//p')
	[[ -n $v && $v != "(none)" ]] || v=$(cat "$DEB_REPO/kernel/VERSION")
	key=$({ echo "$base $v"; declare -f deb_kernel_layer; } | sha256sum | cut -c1-12)
	deb_layer kernel "$key" '
		apt-get update -qq
		# openssl: dkms makes its signing key (MOK) with it and signs the
		# modules, as on most hosts.
		apt-get install -y -qq --no-install-recommends linux-source-6.12 dkms openssl >/dev/null
		v=$(dpkg-query -W -f "\${Version}" linux-source-6.12)
		abi=${v%%-*}+deb12-amd64
		echo "kernel layer: linux-source-6.12 $v, kernel $abi"
		apt-get install -y -qq --no-install-recommends \
			"linux-image-$abi=$v" "linux-headers-$abi=$v" >/dev/null
		apt-get clean' "$base"
}

# The packages installed over the kernel layer, as an operator would:
# apt-get install ./kvm-reclaimd_*.deb ./kvm-reclaim-dkms_*.deb.  The
# install log, with DKMS's output, is kept in the layer at
# /root/kvm-reclaim-install.log.
deb_installed_layer() {
	local pkgs=$1 key
	shift
	key=$({ basename "$pkgs"; echo "$@"; declare -f deb_installed_layer; } | sha256sum | cut -c1-12)
	deb_layer installed "$key" '
		apt-get update -qq
		if ! apt-get install -y --no-install-recommends /debs/kvm-reclaimd_*_amd64.deb \
			/debs/kvm-reclaim-dkms_*_all.deb >/root/kvm-reclaim-install.log 2>&1; then
			cat /root/kvm-reclaim-install.log
			cat /var/lib/dkms/kvm-reclaim/*/build/make.log 2>/dev/null | tail -40
			exit 1
		fi
		apt-get clean' -r "$pkgs:/debs" "$@"
}

deb_kernel_abi() {
	local l
	for l in "$@"; do
		ls "$l/usr/lib/modules" 2>/dev/null
	done | grep -m1 '^6\.12\.'
}

# Outcomes of the host tests, on top of tests/lib/common.sh (ok, fail,
# skip, pass): a VM or root run reports many checks, each worth seeing, so
# these record a failed check and go on; deb_done then fails once for all.
DEB_FAILED=()

soft_fail() {
	echo "FAIL: $*"
	DEB_FAILED+=("$*")
}

# check WHAT COMMAND...: ok or soft_fail.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else soft_fail "$what"; fi
}

# deb_report FILE WHAT: show a report of tests/deb/report.sh and count it.
deb_report() {
	local f=$1 what=$2 n
	grep -v '^[0-9]* passed, [0-9]* failed$' "$f"
	KVMR_CHECKS=$((KVMR_CHECKS + $(grep -c '^ok: ' "$f")))
	n=$(grep -c '^FAIL: ' "$f")
	((n == 0)) || DEB_FAILED+=("$n in $what")
	grep -q '^[0-9]* passed, [0-9]* failed$' "$f" || soft_fail "$what did not run to its end"
}

deb_done() {
	((${#DEB_FAILED[@]} == 0)) || fail "${#DEB_FAILED[@]} failed: $(printf '%s; ' "${DEB_FAILED[@]}")"
	pass
}
