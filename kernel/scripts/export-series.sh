#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# export-series.sh TREE [BASE] - developer tool: regenerate kernel/*.patch,
# kernel/series and kernel/0000-cover-letter.patch from the commits
# BASE..HEAD of a kernel git tree (BASE defaults to the tree's root commit,
# the unpacked linux-source-6.12).  To work on the series: prepare-tree.sh
# gives a tree with the series applied as commits; edit, commit (or
# rebase), then export.
#
# The patches are numbered ([PATCH v2 NN/MM]).  The cover letter is
# git format-patch --cover-letter with its subject and blurb taken from
# kernel/cover-letter.txt (first line: subject; then the body).  It is kept
# beside the series but not listed in kernel/series: git am stops at a
# patch without a diff, so prepare-tree.sh could not apply it.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=${1:?usage: export-series.sh TREE [BASE]}
base=${2:-$(git -C "$tree" rev-list --max-parents=0 HEAD)}
cover_src=$KERNEL_DIR/cover-letter.txt
prefix="PATCH $(sed -n 's/^Version: *//p' "$cover_src" 2>/dev/null | head -1)"
prefix=${prefix% }

rm -f "$KERNEL_DIR"/[0-9][0-9][0-9][0-9]-*.patch
git -C "$tree" format-patch -q --no-signature --zero-commit -n --cover-letter \
	--subject-prefix="$prefix" -o "$KERNEL_DIR" "$base..HEAD"

# Fill in the cover letter's subject and blurb.
cover=$KERNEL_DIR/0000-cover-letter.patch
if [[ -r $cover_src ]]; then
	subject=$(awk '!/^Version:/ { print; exit }' "$cover_src")
	awk '!/^Version:/ && ++n > 2' "$cover_src" >"$cover.blurb"
	awk -v subject="$subject" -v blurb="$cover.blurb" '
		/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
		/^\*\*\* BLURB HERE \*\*\*$/ { while ((getline l < blurb) > 0) print l; next }
		{ print }' "$cover" >"$cover.new"
	mv "$cover.new" "$cover"
	rm -f "$cover.blurb"
fi
(
	echo "# Applied in this order with git am onto linux-source-6.12 $(cat "$KERNEL_DIR/VERSION")."
	echo "# 0000-cover-letter.patch is the series' cover letter; git am can't apply it."
	cd "$KERNEL_DIR" && for p in [0-9][0-9][0-9][0-9]-*.patch; do
		[[ $p == 0000-* ]] || echo "$p"
	done
) >"$KERNEL_DIR/series"
cat "$KERNEL_DIR/series"
