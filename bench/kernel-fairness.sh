#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kernel-fairness.sh - who pays for memory pressure on a real kernel: the
# stock KVM shrinker against kvm-reclaimd's policy, per VM, on both MMUs.
#
#   bench/kernel-fairness.sh [-o FILE.svg] [-d DIR] [-r] [NPT...]
#
# Runs tests/kernel/e2e-fairness.sh for each NPT (default: 0 1, i.e. the
# shadow MMU and the TDP MMU; one boot of about a minute each, plus the
# kernel and the helpers the first time), then prints the comparison as
# Markdown tables and draws one SVG (gnuplot): per VM, the page tables
# lost under the stock shrinker and under kvm-reclaimd, with the policy
# share marked, for the run with policies that differ and the run with
# equal weights.
#
#   -o FILE.svg  the plot (default docs/kernel-fairness.svg)
#   -d DIR       where the runs keep their consoles and figures (default
#                build/bench-kernel-fairness)
#   -r           replot from the figures already in DIR, run nothing
#
# The daemon is $KVM_RECLAIMD, else build/daemon/kvm-reclaimd (built if
# missing).  The checks of the test are printed too, but this command only
# reports: its exit status is 0 whenever the figures were made.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/kernel-fairness.svg
dir=build/bench-kernel-fairness
replot=
while getopts "o:d:r" opt; do
	case $opt in
	o) out=$OPTARG ;;
	d) dir=$OPTARG ;;
	r) replot=1 ;;
	*) sed -n '/^#   bench/,/^# report/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
mmus=("${@:-0}")
(($#)) || mmus=(0 1)
mkdir -p "$dir"

if [[ -z $replot ]]; then
	scripts/install-deps.sh kernel
	daemon=${KVM_RECLAIMD:-build/daemon/kvm-reclaimd}
	if [[ ! -x $daemon ]]; then
		[[ -f build/build.ninja ]] || meson setup build >/dev/null
		ninja -C build daemon/kvm-reclaimd >/dev/null
		daemon=build/daemon/kvm-reclaimd
	fi
	for npt in "${mmus[@]}"; do
		echo "## npt=$npt: tests/kernel/e2e-fairness.sh $npt $daemon"
		KERNEL_TEST_LOG_DIR=$(realpath "$dir") tests/kernel/e2e-fairness.sh "$npt" "$daemon" |
			grep -E '^(ok|not ok) |passed,' || true
	done
fi

mmu_name() { [[ $1 == 1 ]] && echo "TDP MMU (npt=1)" || echo "shadow MMU (npt=0)"; }
dat=$dir/kernel-fairness.dat
: >"$dat"
for npt in "${mmus[@]}"; do
	f=$dir/fairness-npt$npt.txt
	[[ -s $f ]] || { echo "kernel-fairness: no figures in $f" >&2; exit 1; }
	echo
	echo "### $(mmu_name "$npt")"
	echo
	# One row per VM: what it held, what each run took from it.
	awk '
		$1 == "V" {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			r = f["run"]; v = f["vm"]
			if (!(v in seen)) { seen[v] = 1; order[++n] = v }
			held[v] = f["f0"]; kib[v] = int(f["b0"] / 1024)
			lost[r, v] = f["lost"]; share[r, v] = f["share"]; ratio[r, v] = f["ratio"]
			pol[r, v] = f["protect"] ? "Protect=yes" : \
				(f["weight"] != 100 ? "Weight=" f["weight"] : \
				 (f["floor"] > 0 ? "MinPages=" f["floor"] : "-"))
		}
		$1 == "T" {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); t[kv[1]] = kv[2] }
			r = t["run"]; runs[r] = 1
			delay[r] = (t["first_write"] >= 0 ? t["first_write"] - t["first_event"] " ms" : "none")
			jf[r] = t["jain_f0"]; mf[r] = t["maxmin_f0"]; js[r] = t["jain"]; ms[r] = t["maxmin"]
			ev[r] = t["events"]; rd[r] = t["rounds"]; tot[r] = t["lost"]
		}
		function cell(r, v) {
			return sprintf("%d (%.1f%%)", lost[r, v], held[v] ? 100 * lost[r, v] / held[v] : 0)
		}
		function sh(r, v) { return share[r, v] > 0 ? sprintf("%.0f", share[r, v]) : "-" }
		function rt(r, v) { return ratio[r, v] > 0 ? sprintf("%.3f", ratio[r, v]) : "-" }
		END {
			print "| VM | page tables held (KiB) | shrinker: lost | policy | policy run: lost | share | lost/share | equal run: lost | share | lost/share |"
			print "|---|---|---|---|---|---|---|---|---|---|"
			for (i = 1; i <= n; i++) {
				v = order[i]
				printf "| %s | %d (%d) | %s | %s | %s | %s | %s | %s | %s | %s |\n", v, held[v], kib[v],
				       cell("shrinker", v), pol["policy", v], cell("policy", v), sh("policy", v),
				       rt("policy", v), cell("equal", v), sh("equal", v), rt("equal", v)
			}
			print ""
			print "| run | PSI events | rounds | taken | first PSI event to first reclaim | Jain (lost/held) | max/min (lost/held) | Jain (lost/share) | max/min (lost/share) |"
			print "|---|---|---|---|---|---|---|---|---|"
			split("shrinker policy equal", rr, " ")
			for (k = 1; k <= 3; k++) {
				r = rr[k]
				if (!(r in runs)) continue
				printf "| %s | %d | %s | %d | %s | %.3f | %.2f | %s | %s |\n", r, ev[r],
				       r == "shrinker" ? "-" : rd[r], tot[r], delay[r], jf[r], mf[r],
				       r == "shrinker" ? "-" : sprintf("%.4f", js[r]), r == "shrinker" ? "-" : sprintf("%.3f", ms[r])
			}
		}' "$f"
	# For the plot: one block per MMU and run (policy, equal), one line per
	# VM: x, label, lost under the shrinker, lost under the daemon, share.
	for r in policy equal; do
		awk -v r="$r" '
			$1 == "V" {
				for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				v = f["vm"]
				if (f["run"] == "shrinker") s[v] = f["lost"]
				if (f["run"] != r) next
				order[++n] = v; held[v] = f["f0"]; lost[v] = f["lost"]; share[v] = f["share"]
				pol[v] = f["protect"] ? "Protect" : (f["weight"] != 100 ? "W=" f["weight"] : \
					 (f["floor"] > 0 ? "Min=" f["floor"] : ""))
			}
			END {
				for (i = 1; i <= n; i++) {
					v = order[i]
					printf "%d \"%s: %d%s\" %d %d %.1f\n", i - 1, v, held[v],
					       pol[v] == "" ? "" : "\\n" pol[v], s[v], lost[v], share[v]
				}
				print ""; print ""
			}' "$f" >>"$dat"
	done
	echo
	echo "$(mmu_name "$npt"): $(grep -h '^npt=' "$f")"
done

# The plot: a row per MMU, a column per run.  Log scale: the shrinker's
# flat bars against shares that grow with the footprint; a 0 is written
# at the foot of its bar.
gp=$dir/kernel-fairness.gp
{
	echo "set terminal svg size 1100,$((400 * ${#mmus[@]} + 60)) dynamic noenhanced font 'sans,11' background rgb 'white'"
	echo "set output '$out'"
	echo "set multiplot layout ${#mmus[@]},2 title 'Page tables each VM lost under the same host memory pressure:" \
		"the stock KVM shrinker vs kvm-reclaimd (VM: pages held, policy)'"
	echo "set style fill solid 0.85 border -1"
	echo "set boxwidth 0.36"
	echo "set grid ytics"
	echo "set logscale y"
	echo "set yrange [8:30000]"
	echo "set xrange [-0.6:4.6]"
	echo "set key top left horizontal font 'sans,9'"
	echo "set ylabel 'page tables lost (pages, log scale)'"
	echo "set xtics nomirror font 'sans,9'"
	echo "zero(y) = y > 0 ? y : 1/0"
	i=0
	for npt in "${mmus[@]}"; do
		for r in policy equal; do
			title="$(mmu_name "$npt"), $([[ $r == policy ]] && echo 'policies that differ' || echo 'equal weights, no floors')"
			echo "set title '$title'"
			echo "plot '$dat' index $i using (\$1-0.19):(zero(\$3)):xtic(2) with boxes lc rgb '#9e9e9e' title 'stock shrinker', \\"
			echo "     '' index $i using (\$1+0.19):(zero(\$4)) with boxes lc rgb '#1f77b4' title 'kvm-reclaimd', \\"
			echo "     '' index $i using (\$1+0.19):(zero(\$5)) with points pt 7 ps 1.1 lc rgb '#d62728' title 'its policy share', \\"
			echo "     '' index $i using (\$1-0.19):(11):(\$3 > 0 ? '' : '0') with labels font 'sans,9' notitle, \\"
			echo "     '' index $i using (\$1+0.19):(11):(\$4 > 0 ? '' : '0') with labels font 'sans,9' notitle"
			i=$((i + 1))
		done
	done
	echo "unset multiplot"
} >"$gp"
mkdir -p "$(dirname "$out")"
gnuplot "$gp"
echo
echo "plot: $out (data $dat, script $gp)"
