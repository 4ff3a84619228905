#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# export-series.sh TREE [BASE] - developer tool: regenerate kernel/*.patch
# and kernel/series from the commits BASE..HEAD of a kernel git tree (BASE
# defaults to the tree's root commit, the unpacked linux-source-6.12).
# To work on the series: prepare-tree.sh gives a tree with the series
# applied as commits; edit, commit (or rebase), then export.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=${1:?usage: export-series.sh TREE [BASE]}
base=${2:-$(git -C "$tree" rev-list --max-parents=0 HEAD)}

rm -f "$KERNEL_DIR"/[0-9][0-9][0-9][0-9]-*.patch
git -C "$tree" format-patch -q --no-signature --zero-commit -N \
	-o "$KERNEL_DIR" "$base..HEAD"
(
	echo "# Applied in this order with git am onto linux-source-6.12 $(cat "$KERNEL_DIR/VERSION")."
	cd "$KERNEL_DIR" && ls -1 [0-9][0-9][0-9][0-9]-*.patch
) >"$KERNEL_DIR/series"
cat "$KERNEL_DIR/series"
