#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# prepare-tree.sh - unpack linux-source-6.12, commit it to a fresh git
# repository and apply kernel/series with git am (KVM_RECLAIMD_SERIES=none:
# nothing, for bench/kernel-ab.sh).  Prints the tree's path.
# The tree is cached under $CACHE_DIR/src-<key>, keyed by the version, the
# tarball and the series, and is shared by every flavour.  A series that
# does not apply fails the script (and so the tests).
set -euo pipefail
. "$(dirname "$0")/common.sh"

key=$(src_key)
dst=$CACHE_DIR/src-$key
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock-src"
flock 9

if [[ -e $dst/.applied ]]; then
	echo "$dst/linux"
	exit 0
fi

version=$(cat "$KERNEL_DIR/VERSION")
have=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
if [[ -n $have && $have != "$version" ]]; then
	log "warning: kernel/VERSION is $version, linux-source-6.12 is $have"
fi

log "unpacking $SRC_TARBALL into $dst"
rm -rf "$dst" "$dst.tmp"
mkdir -p "$dst.tmp"
tar -C "$dst.tmp" -xf "$SRC_TARBALL"
mv "$dst.tmp"/linux-source-6.12 "$dst.tmp/linux"
cd "$dst.tmp/linux"

git_id=(-c user.name="kvm-reclaimd harness" -c user.email=harness@kvm-reclaimd.invalid
	-c init.defaultBranch=main -c advice.detachedHead=false)
git "${git_id[@]}" init -q
# Debian's top-level .gitignore ignores everything but debian/: force.
git "${git_id[@]}" add -f -A .
git "${git_id[@]}" commit -q -m "linux-source-6.12 $version"

log "applying $(series_files | wc -l) patches"
mapfile -t patches < <(series_files)
if ((${#patches[@]})) && ! git "${git_id[@]}" am -q --whitespace=error "${patches[@]}"; then
	log "git am failed"
	git "${git_id[@]}" am --abort || true
	exit 1
fi
git log --oneline "HEAD~${#patches[@]}..HEAD" >&2

cd /
mv "$dst.tmp" "$dst"
touch "$dst/.applied"

# Keep the two newest trees, drop older ones.
ls -1dt "$CACHE_DIR"/src-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
echo "$dst/linux"
