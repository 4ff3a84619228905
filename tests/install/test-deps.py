#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every program our scripts call comes from a package a fresh Debian 12 has.

A fresh Debian 12 (debootstrap's default variant) holds the packages of
priority required and important; everything else must be named in
scripts/packages.list, the one list scripts/install-deps.sh installs from.
This test scans every script of the repository for words in command
position, resolves each one that is a program on this machine to its
package with dpkg, and fails for a package that is neither.  It also checks
the list itself: every program it names belongs to the package it names.

Programs that the tools we run call in turn (rsync for the kernel's
`make headers_install`) cannot be found by a scan; packages.list names
them, and the clean-root run (scripts/fresh-root-test.sh) is the proof.

    test-deps.py SOURCE_ROOT
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
# Debian's own programs, not a developer's (pyenv, /usr/local).
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# Scripts that run inside the qemu guest, on busybox, not on the host.
GUEST_SCRIPTS = {"tests/kernel/guest-init.sh", "tests/kernel/e2e/init.sh",
                 "tests/kernel/e2e/fairness-init.sh"}
# A word in command position: at the start of a line or after | ; & ( ! `
# or one of the words that take a command after them.
CMD_RE = re.compile(
    r"(?:^|[|;&(!`]|\bthen\b|\bdo\b|\belse\b|\bexec\b|\bxargs(?: -r)?\b|"
    r"\btimeout(?: -[a-zA-Z]+(?: ?[A-Z0-9]+)?)? [0-9.]+[smh]?\b|\$SUDO\b|\bsudo\b|"
    r"\bsetpriv(?: --[a-z-]+(?:=[^ ]+)?)+)\s*([a-zA-Z][a-zA-Z0-9_.+-]*)(?=\s|$|;|\))")


def read_list():
    pkgs, progs = set(), {}
    with open(os.path.join(ROOT, "scripts/packages.list")) as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            pkgs.add(fields[0])
            for prog in fields[2:]:
                progs[prog] = fields[0]
    return pkgs, progs


def package_of(prog):
    """The package that ships PROG as found on PATH, or None."""
    path = shutil.which(prog, path=SYSTEM_PATH)
    if not path:
        return None
    real = os.path.realpath(path)
    # usrmerge: dpkg knows /bin/cat, the PATH finds /usr/bin/cat.
    candidates = []
    for p in (path, real):
        candidates += [p, p[4:] if p.startswith("/usr/") else "/usr" + p]
    for p in candidates:
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            line = r.stdout.splitlines()[0]
            if not line.startswith("diversion"):
                return line.split(":")[0].split(",")[0].strip()
    return None


def priority(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Priority}", pkg], capture_output=True, text=True)
    return r.stdout.strip()


def depends(pkg, depth=2):
    """Dependencies DEPTH levels down: gcc's cc is gcc-12's, pkg-config's
    program is pkgconf-bin's (through pkgconf)."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", pkg],
                       capture_output=True, text=True)
    direct = {re.split(r"[ (:]", d.strip())[0] for d in re.split(r"[,|]", r.stdout) if d.strip()}
    if depth > 1:
        for d in list(direct):
            direct |= depends(d, depth - 1)
    return direct


def installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
    return r.stdout.strip() == "install ok installed"


def scripts():
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "*.sh", "*.mk", "scripts/*", ".ci/*"],
                       capture_output=True, text=True, check=True)
    for path in sorted(set(r.stdout.split())):
        if path in GUEST_SCRIPTS or path.endswith(".list"):
            continue
        yield path


def called_words(path):
    """(word, line number) for every word in command position; comments,
    here-documents and single-quoted text (awk and python programs, even
    over several lines) left out."""
    heredoc = None
    in_quote = False
    with open(os.path.join(ROOT, path), errors="replace") as f:
        for n, line in enumerate(f, 1):
            if heredoc:
                if line.strip() == heredoc:
                    heredoc = None
                continue
            code, rest = "", line
            while rest:
                if in_quote:
                    end = rest.find("'")
                    if end < 0:
                        rest = ""
                        break
                    rest, in_quote = rest[end + 1:], False
                    code += "''"
                    continue
                m = re.search(r"(^|\s)#|'", rest)
                if not m:
                    code, rest = code + rest, ""
                elif m.group(0).endswith("#"):
                    code, rest = code + rest[:m.start()], ""
                else:
                    code, rest, in_quote = code + rest[:m.start()], rest[m.end():], True
            m = re.search(r"<<-?\s*([A-Za-z_]+)", code)
            if m:
                heredoc = m.group(1)
            for w in CMD_RE.findall(code):
                yield w, n


def main():
    pkgs, progs = read_list()
    passed = failed = 0
    fresh = {}          # package -> is on a fresh Debian 12
    seen = {}           # program -> first place it is called

    for path in scripts():
        for word, n in called_words(path):
            seen.setdefault(word, f"{path}:{n}")

    for word, where in sorted(seen.items()):
        if word in progs:
            continue            # named in the list: checked below
        pkg = package_of(word)
        if pkg is None:
            continue            # not a program: a function, a variable, a word
        if pkg not in fresh:
            fresh[pkg] = priority(pkg) in ("required", "important")
        if pkg in pkgs or fresh[pkg]:
            passed += 1
        else:
            print(f"FAIL: {where} calls {word}, from package {pkg}, which a fresh "
                  f"Debian 12 lacks and scripts/packages.list does not name")
            failed += 1

    for prog, pkg in sorted(progs.items()):
        if not installed(pkg):
            print(f"skip: {prog}: package {pkg} is not installed here")
            continue
        got = package_of(prog)
        if got == pkg or got in depends(pkg):
            passed += 1
        else:
            print(f"FAIL: packages.list says {prog} comes from {pkg}, dpkg says {got}")
            failed += 1

    print(f"ok: {len(seen)} words in command position scanned, {len(progs)} listed programs")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
