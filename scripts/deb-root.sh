#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deb-root.sh - throw-away Debian 12 roots, for building and testing the
# Debian packages the way a fresh machine would.
#
# As a command: run COMMAND (bash -c) as root in a fresh Debian 12 root with
# the project at /project (a copy of the working tree: tracked and untracked
# files, not ignored ones); nothing of the run is kept.
#
#   scripts/deb-root.sh 'KVMR_SUITES="unit integration" scripts/test-all.sh'
#
# As a library (sourced), for tests/deb and scripts/build-deb.sh:
#
#   deb_layer_base                 the debootstrap layer (cached), prints its dir
#   deb_layer NAME KEY SCRIPT LAYER...
#                                  a layer made by running SCRIPT in a root
#                                  over LAYER... (topmost first), cached under
#                                  NAME-KEY; prints its dir
#   deb_run [-b HOST:GUEST]... [-r HOST:GUEST]... LAYER... -- COMMAND
#                                  run COMMAND in a throw-away root over the
#                                  layers; -b binds read-write, -r read-only
#   deb_on_root LAYER... -- COMMAND
#                                  run COMMAND here with the layers' merged
#                                  tree at $DEB_ROOT_DIR (read-only)
#
# A root is a stack of cached layers seen through overlayfs, entered in a
# private mount and PID namespace: the run's changes go to a temporary upper
# directory, every process a package script starts in the root dies with
# the run, and no mount outlives it.  Downloaded packages are kept in one
# shared cache directory.  PID 1 of the root is bash, not systemd, as on
# this machine.
#
# Cache: $KVMR_DEB_CACHE (default /var/cache/kvm-reclaimd/deb); the two
# newest layers of each name are kept.  Sourced, it leaves the caller's
# shell options alone; its functions check what they run.

DEB_CACHE=${KVMR_DEB_CACHE:-/var/cache/kvm-reclaimd/deb}
DEB_SUITE=bookworm
DEB_BASE_RECIPE=1
DEB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Temporary directories of the runs live next to the layers (overlayfs
# wants its work directory on the same file system as the upper one).
mkdir -p "$DEB_CACHE/runs" "$DEB_CACHE/layers"

deb_log() { echo "[$(date +%T)] $*" >&2; }

# deb_namespaces_why: nothing when this machine can enter the roots, else
# why not.  A root is entered in a private mount namespace, and inside a
# chroot "/" is not a mount point: unshare cannot make it private (EINVAL),
# and mounts would leak into the host's namespace.
deb_namespaces_why() {
	mountpoint -q / ||
		echo "/ is not a mount point here (a chroot?): the package roots need a private mount namespace; run this on the host or in a container"
}

# The mirror this host's apt uses (deb822 or one-line sources).
deb_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[[ -n $m ]] || m=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# Apt sources for a root: the suite, its updates and its security archive.
deb_sources() {
	local mirror=$1
	cat <<EOF
Types: deb
URIs: $mirror
Suites: $DEB_SUITE $DEB_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: $DEB_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# Keep the two newest complete layers called NAME (LAYER/, LAYER.done and
# whatever a test made from it, LAYER.*).
deb_prune() {
	local d
	ls -1t "$DEB_CACHE/layers/$1"-*.done 2>/dev/null | tail -n +3 | while read -r d; do
		rm -rf "${d%.done}" "${d%.done}".*
	done
}

# The default debootstrap variant: the packages of priority required and
# important, which is what a fresh Debian 12 has.
deb_layer_base() {
	local mirror key dir
	mirror=$(deb_mirror)
	# What makes the layer: the suite, the mirror, the sources, the recipe
	# below (bump DEB_BASE_RECIPE when it changes what it makes).
	key=$({ echo "$DEB_SUITE $mirror recipe $DEB_BASE_RECIPE"; deb_sources "$mirror"; } | sha256sum | cut -c1-12)
	dir=$DEB_CACHE/layers/base-$key
	mkdir -p "$DEB_CACHE/layers"
	exec {lock}>"$DEB_CACHE/layers/.lock-base"
	flock "$lock"
	if [[ ! -e $dir.done ]]; then
		command -v debootstrap >/dev/null || { deb_log "debootstrap is missing (scripts/install-deps.sh deb)"; return 1; }
		deb_log "debootstrap $DEB_SUITE from $mirror into $dir"
		rm -rf "$dir.tmp"
		if ! debootstrap "$DEB_SUITE" "$dir.tmp" "$mirror" >"$DEB_CACHE/debootstrap.log" 2>&1; then
			tail -20 "$DEB_CACHE/debootstrap.log" >&2
			return 1
		fi
		rm -f "$dir.tmp/etc/apt/sources.list"
		deb_sources "$mirror" >"$dir.tmp/etc/apt/sources.list.d/debian.sources" || return 1
		# Each run fetches the lists it needs (apt-get update).
		rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/archives/*.deb
		mv "$dir.tmp" "$dir" && touch "$dir.done" || return 1
		deb_prune base
	fi
	exec {lock}>&-
	echo "$dir"
}

# deb_run [-b HOST:GUEST]... [-r HOST:GUEST]... [-u UPPER] LAYER... -- COMMAND
# -u keeps the changes in UPPER (a layer in the making) instead of dropping them.
deb_run() {
	local binds=() layers=() upper='' tmp lower why rc=0 OPTIND=1 opt
	while getopts "b:r:u:" opt; do
		case $opt in
		b) binds+=("rw:$OPTARG") ;;
		r) binds+=("ro:$OPTARG") ;;
		u) upper=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	while [[ $# -gt 0 && $1 != -- ]]; do layers+=("$1"); shift; done
	[[ ${1:-} == -- && ${#layers[@]} -gt 0 ]] || { deb_log "deb_run: usage"; return 2; }
	shift
	lower=$(IFS=:; echo "${layers[*]}")

	why=$(deb_namespaces_why)
	[[ -z $why ]] || { deb_log "$why"; return 1; }
	mkdir -p "$DEB_CACHE/apt-archives/partial" "$DEB_CACHE/runs"
	tmp=$(mktemp -d "$DEB_CACHE/runs/run.XXXXXX")
	[[ -n $upper ]] || upper=$tmp/upper
	mkdir -p "$upper" "$tmp/work" "$tmp/root"
	unshare --mount --pid --fork --kill-child --propagation private -- \
		/bin/bash -euc '
		root=$1 lower=$2 upper=$3 work=$4 archives=$5 cmd=$6; shift 6
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
		mount -t proc proc "$root/proc"
		mount -t sysfs -o ro sysfs "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs tmpfs "$root/run"
		mount -t tmpfs tmpfs "$root/tmp"
		mount --bind "$archives" "$root/var/cache/apt/archives"
		for b in "$@"; do
			mode=${b%%:*} b=${b#*:}
			host=${b%%:*} guest=${b#*:}
			mkdir -p "$root$guest"
			mount --bind "$host" "$root$guest"
			[ "$mode" = ro ] && mount -o remount,bind,ro "$root$guest"
		done
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/bash -ec "$cmd"
		' deb-run "$tmp/root" "$lower" "$upper" "$tmp/work" "$DEB_CACHE/apt-archives" "$*" \
		"${binds[@]}" || rc=$?
	rm -rf "$tmp"
	return "$rc"
}

# deb_on_root LAYER... -- COMMAND: COMMAND (bash -c) on this machine, not in
# the root, with the root's merged tree at $DEB_ROOT_DIR (read-only), in a
# private mount namespace: to copy files out or make an image of it.
deb_on_root() {
	local layers=() tmp lower rc=0
	while [[ $# -gt 0 && $1 != -- ]]; do layers+=("$1"); shift; done
	[[ ${1:-} == -- && ${#layers[@]} -gt 1 ]] || { deb_log "deb_on_root: usage"; return 2; }
	shift
	lower=$(IFS=:; echo "${layers[*]}")
	mkdir -p "$DEB_CACHE/runs"
	tmp=$(mktemp -d "$DEB_CACHE/runs/view.XXXXXX")
	mkdir -p "$tmp/root"
	unshare --mount --propagation private -- /bin/bash -euc '
		mount -t overlay overlay -o "ro,lowerdir=$2" "$1"
		export DEB_ROOT_DIR=$1
		bash -euc "$3"' deb-on-root "$tmp/root" "$lower" "$*" || rc=$?
	rm -rf "$tmp"
	return "$rc"
}

# deb_layer NAME KEY SCRIPT LAYER...: SCRIPT (bash -c) run over LAYER... and
# its changes kept as the layer NAME-KEY, built once.  Prints the layer's dir.
deb_layer() {
	local name=$1 key=$2 script=$3 dir
	shift 3
	dir=$DEB_CACHE/layers/$name-$key
	mkdir -p "$DEB_CACHE/layers"
	exec {lock}>"$DEB_CACHE/layers/.lock-$name"
	flock "$lock"
	if [[ ! -e $dir.done ]]; then
		deb_log "making layer $name-$key"
		rm -rf "$dir.tmp"
		if ! deb_run -u "$dir.tmp" "$@" -- "$script" >&2; then
			rm -rf "$dir.tmp"
			return 1
		fi
		mv "$dir.tmp" "$dir" && touch "$dir.done" || return 1
		deb_prune "$name"
	fi
	exec {lock}>&-
	echo "$dir"
}

# A copy of the working tree: tracked and untracked files, not ignored ones.
deb_copy_tree() {
	local dst=$1
	mkdir -p "$dst"
	(cd "$DEB_REPO" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$dst" -xf -
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	cmd=${1:?usage: deb-root.sh COMMAND}
	base=$(deb_layer_base)
	proj=$(mktemp -d "$DEB_CACHE/runs/project.XXXXXX")
	trap 'rm -rf "$proj"' EXIT
	deb_copy_tree "$proj"
	deb_run -b "$proj:/project" "$base" -- "cd /project && apt-get update -qq && $cmd"
fi
