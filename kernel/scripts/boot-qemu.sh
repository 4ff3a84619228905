#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# boot-qemu.sh - boot a kernel under TCG with a throw-away busybox initramfs.
#
# Reusable: the kernel tests use it with tests/kernel/guest-init.sh, and the
# daemon's end-to-end test can pass its own init script and binaries.
#
#   boot-qemu.sh -k BZIMAGE -i INIT [options]
#
#   -k BZIMAGE     kernel image
#   -i INIT        script run as /init (busybox sh); it must end with
#                  "reboot -f" (no ACPI: poweroff only halts), qemu then exits
#   -f SRC[:DST]   add a file (DST defaults to /SRC's basename under /)
#   -b BIN[:DST]   add an executable and the shared libraries ldd lists
#   -d DIR[:DST]   add a directory tree
#   -a ARGS        extra kernel command line
#   -c CPUS        number of vCPUs (default 2)
#   -m MEM         guest memory (default 2G)
#   -t SECS        host timeout for the whole run (default 900)
#   -l LOG         also write the console to LOG
#   -o CPIO        keep the initramfs (gzip'd cpio) at CPIO
#
# The console goes to stdout.  Exit status: qemu's, or 124 on timeout.
# Always TCG (-accel tcg -cpu max): the host's /dev/kvm is not usable for
# ordinary guests here, and TCG's "max" CPU exposes SVM so that kvm_amd
# loads in the guest; npt=0 makes it use the shadow MMU.
set -euo pipefail

kernel= init= append= cpus=2 mem=2G tmo=900 log= keep=
files=() bins=() dirs=()

usage() { sed -n '/^#   boot-qemu.sh/,/^# The console/p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

while getopts "k:i:f:b:d:a:c:m:t:l:o:h" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) init=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	b) bins+=("$OPTARG") ;;
	d) dirs+=("$OPTARG") ;;
	a) append=$OPTARG ;;
	c) cpus=$OPTARG ;;
	m) mem=$OPTARG ;;
	t) tmo=$OPTARG ;;
	l) log=$OPTARG ;;
	o) keep=$OPTARG ;;
	*) usage ;;
	esac
done
[[ -n $kernel && -n $init ]] || usage
[[ -r $kernel ]] || { echo "boot-qemu: no kernel image $kernel" >&2; exit 2; }
[[ -r $init ]] || { echo "boot-qemu: no init script $init" >&2; exit 2; }

busybox=/bin/busybox	# from busybox-static
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	echo "boot-qemu: $busybox missing or not static (apt-get install busybox-static)" >&2
	exit 2
fi

work=$(mktemp -d /tmp/boot-qemu.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root,usr/bin,usr/sbin}

cp "$busybox" "$root/bin/busybox"
for applet in sh mount mkdir cat echo ls; do
	ln -sf busybox "$root/bin/$applet"
done
install -m 0755 "$init" "$root/init"

# add SRC DST: copy SRC to DST inside the initramfs (DST may be a dir/).
add() {
	local src=$1 dst=$2
	[[ $dst == */ ]] && dst=$dst$(basename "$src")
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
}

for spec in "${files[@]}"; do
	src=${spec%%:*}; dst=${spec#*:}; [[ $dst == "$spec" ]] && dst=/$(basename "$src")
	add "$src" "$dst"
done
for spec in "${dirs[@]}"; do
	src=${spec%%:*}; dst=${spec#*:}; [[ $dst == "$spec" ]] && dst=/$(basename "$src")
	mkdir -p "$root$dst"
	cp -a "$src/." "$root$dst/"
done
for spec in "${bins[@]}"; do
	src=${spec%%:*}; dst=${spec#*:}; [[ $dst == "$spec" ]] && dst=/usr/bin/$(basename "$src")
	add "$src" "$dst"
	chmod 0755 "$root$dst"
	# Shared libraries and the dynamic loader, at their host paths.
	if ldd "$src" >/dev/null 2>&1; then
		ldd "$src" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
			[[ -e $lib ]] && add "$lib" "$lib"
		done
	fi
done

cpio_out=$work/initramfs.cpio.gz
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$cpio_out"
[[ -n $keep ]] && cp "$cpio_out" "$keep"

smp=(-smp 1)
cmdline="console=ttyS0 kvm_amd.npt=0 tsc_early_khz=2600000 panic=-1 oops=panic"
if (( cpus > 1 )); then
	smp=(-smp "$cpus,sockets=$cpus,cores=1,threads=1")
	cmdline+=" tsc=reliable"
fi
cmdline+=" $append"

qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "$mem" "${smp[@]}"
      -kernel "$kernel" -initrd "$cpio_out" -append "$cmdline"
      -display none -no-reboot -serial stdio -monitor none -nodefaults)

rc=0
if [[ -n $log ]]; then
	timeout --foreground -k 10 "$tmo" "${qemu[@]}" </dev/null | tee "$log" || rc=${PIPESTATUS[0]}
else
	timeout --foreground -k 10 "$tmo" "${qemu[@]}" </dev/null || rc=$?
fi
exit "$rc"
