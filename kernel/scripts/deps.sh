#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deps.sh - install what the kernel harness needs, only when missing.
# Idempotent: with everything installed it runs no apt command at all.
set -euo pipefail

pkgs=(linux-source-6.12 qemu-system-x86 busybox-static cpio flex bison bc
      libelf-dev libssl-dev gcc make git xz-utils gzip perl python3
      python3-ply python3-git)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null ||
		missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "deps: installing ${missing[*]}" >&2
if (( EUID != 0 )); then
	echo "deps: not root, cannot install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" ||
	{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
