#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building, the demo and the tests need on Debian 12, only
# the packages that are missing, so a second run does nothing.
#   scripts/install-deps.sh          build, demo, unit and integration tests
#   scripts/install-deps.sh kernel   also what the kernel suite needs
set -eu

PKGS=(meson ninja-build pkg-config gcc libc6-dev
	libsystemd-dev libinih-dev libcmocka-dev
	libfuse3-dev fuse3 dbus-daemon dbus-bin systemd util-linux bc
	libdbus-1-dev bash-completion groff-base man-db python3 systemd-oomd)
if [ "${1:-}" = kernel ]; then
	PKGS+=(linux-source-6.12 qemu-system-x86 busybox-static cpio flex bison
		libelf-dev libssl-dev xz-utils make perl python3 git)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
