#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# checkpatch.sh - run the patched tree's scripts/checkpatch.pl --strict on
# every patch of kernel/series; any error, warning or check fails.
#
# One warning type is ignored, FILE_PATH_CHANGES ("added, moved or deleted
# file(s), does MAINTAINERS need updating?"): checkpatch emits it for every
# new file whose patch does not touch MAINTAINERS.  Instead of trusting it
# blindly, each added file must be covered by the KVM entry of MAINTAINERS,
# checked with scripts/get_maintainer.pl.
set -euo pipefail
KERNEL_DIR=$(cd "$(dirname "$0")/../../kernel" && pwd)
. "$KERNEL_DIR/scripts/common.sh"

"$REPO_DIR/scripts/install-deps.sh" kernel
tree=$("$KERNEL_DIR/scripts/prepare-tree.sh")
# spdxcheck.py needs python3-ply, installed for the system python only.
export PATH=/usr/bin:$PATH

pass=0 fail=0
while read -r patch; do
	name=$(basename "$patch")
	if (cd "$tree" && ./scripts/checkpatch.pl --strict --color=never \
		--ignore FILE_PATH_CHANGES "$patch"); then
		echo "ok - checkpatch $name"
		pass=$((pass + 1))
	else
		echo "not ok - checkpatch $name"
		fail=$((fail + 1))
	fi
	for f in $(grep -A1 '^diff --git' "$patch" | grep -B1 '^new file mode' |
		   sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p'); do
		if (cd "$tree" && ./scripts/get_maintainer.pl --no-git --no-rolestats \
			-f "$f" | grep 'kvm@vger.kernel.org' >/dev/null); then
			echo "ok - $f is covered by the KVM entry in MAINTAINERS"
			pass=$((pass + 1))
		else
			echo "not ok - $f: MAINTAINERS needs updating"
			fail=$((fail + 1))
		fi
	done
done < <(series_files)

echo "$pass passed, $fail failed"
((fail == 0))
