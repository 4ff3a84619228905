#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every man page renders with "man --warnings" without a single groff
# warning (man exits 0 even then, so stderr decides), has a NAME line that
# man-db's lexgrog can index for whatis/apropos, and names itself in .TH.
# A page with a broken macro must fail, to show the check works.
#
# Usage: test-man.sh PAGE...
set -u
. "$(dirname "$0")/../lib/common.sh"
[ $# -gt 0 ] || { echo "usage: $0 PAGE..."; exit 2; }
command -v man >/dev/null || skip "man (man-db) not installed"

tmp=$(mktemp -d)
cleanup_dir "$tmp"
export LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING=

check() {
        local page=$1
        man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err"
        if [ -s "$tmp/err" ]; then
                return 1
        fi
        [ -s "$tmp/out" ]
}

for page in "$@"; do
        name=$(basename "$page")
        if check "$page"; then
                ok "$name renders without warnings ($(wc -l <"$tmp/out") lines)"
        else
                fail "$name: $(cat "$tmp/err")"
        fi
        if command -v lexgrog >/dev/null; then
                if lexgrog "$page" >"$tmp/lex" 2>&1 && grep -q ' - ' "$tmp/lex"; then
                        ok "$name: whatis entry $(cut -d: -f2- "$tmp/lex")"
                else
                        fail "$name: lexgrog cannot parse the NAME section: $(cat "$tmp/lex")"
                fi
        fi
        section=${name##*.}
        title=${name%.*}
        title=${title^^}
        grep -Eq "^\.TH ${title//-/\\\\-} $section " "$page" ||
                fail "$name: .TH does not name ${title} section $section"
done

# Negative control.
printf '.TH BROKEN 1\n.SH NAME\nbroken \\- test\n.XYZ undefined macro\n' >"$tmp/broken.1"
if check "$tmp/broken.1"; then
        fail "an undefined macro went unnoticed: this test cannot detect errors"
else
        ok "an undefined macro is reported: $(head -1 "$tmp/err")"
fi

pass
