#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the packages of scripts/packages.list that are missing on this
# Debian 12 machine, so a second run does nothing.
#   scripts/install-deps.sh          build, demo, unit and integration tests
#   scripts/install-deps.sh kernel   also what the kernel suite needs
#   scripts/install-deps.sh deb      also what the Debian package tests need
#                                    (groups can be combined: deb kernel)
#   scripts/install-deps.sh --list [GROUP...]   print the packages, install nothing
set -eu

list=$(dirname "$0")/packages.list
print_only=""
[ "${1:-}" = --list ] && { print_only=1; shift; }
groups="base $*"

mapfile -t PKGS < <(awk -v groups=" $groups " \
	'!/^#/ && NF >= 2 && index(groups, " " $2 " ") { print $1 }' "$list")
[ -n "$print_only" ] && { printf '%s\n' "${PKGS[@]}"; exit 0; }

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
