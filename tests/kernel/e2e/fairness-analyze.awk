# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fairness-analyze.awk - turn the console of a fairness boot
# (fairness-init.sh: "FAIR VM", "FP <run> ..." lines) into per-VM figures,
# from the kernel's counters only (fairness-probe), plus the daemon's
# "Plan (" log lines to know when each of its rounds started.
#
#   awk -v rules="policy=v1:w=50,v2:protect,v3:w=200,v4:min=3584 equal=" \
#       -f fairness-analyze.awk console.clean
#
# rules: per run name, the policies in force (w= weight, default 100;
# min= floor in pages; protect); a run without a rule (the shrinker's)
# gets no expected shares.
#
# Per VM and run:  V run=<r> vm=<name> <key>=<value>...
#   f0, b0        page-table pages (shadow + TDP) and mmu_pagetable_bytes
#                 at the start of the run
#   lost          pages taken from it: shadow pages zapped (KVM's
#                 mmu_shadow_zapped) plus every fall of tdp_mmu_pages
#                 between two samples
#   regrown       pages it built again after the first loss
#                 (mmu_cache_miss, rises of tdp_mmu_pages)
#   fend, bend    pages and bytes at the end; fmin the lowest sample
#   cache0, cachemin  its vCPU's cached pages (mmu_cache_pages)
#   share         its policy share of what was taken: per round, the
#                 round's total split by the share rule over the pages
#                 each VM held when the round was planned (water-filling:
#                 never below a floor), summed over the rounds
#   ratio         lost / share
# Per run:  T run=<r> <key>=<value>...
#   first_event   ms of the probe's first PSI event (same trigger as the
#                 daemon's); first_write: first kernel-visible reclaim
#                 (a table taken or vCPU cache pages freed) after it
#   rounds, events, lost, prelost (lost before the first round)
#   jain, maxmin          of ratio over the VMs with a share (equal
#                         weights, no floors: of the fraction each gives
#                         of what it held, round by round)
#   jain_f0, maxmin_f0    of lost/f0 over the VMs that are not protected

function waterfill(n, G,    i, left, total, active, capped, give) {
	for (i = 0; i < n; i++) {
		e[i] = 0
		active[i] = !prot[i] && key[i] > 0 && room[i] > 0
	}
	left = G
	while (left > 1e-9) {
		total = 0
		for (i = 0; i < n; i++)
			if (active[i])
				total += key[i]
		if (total <= 0)
			break
		capped = 0
		for (i = 0; i < n; i++) {
			if (!active[i])
				continue
			give = left * key[i] / total
			if (e[i] + give >= room[i]) {
				left -= room[i] - e[i]
				e[i] = room[i]
				active[i] = 0
				capped = 1
			}
		}
		if (capped)
			continue
		for (i = 0; i < n; i++)
			if (active[i])
				e[i] += left * key[i] / total
		left = 0
	}
}

function close_round(    i, G) {
	if (!in_round)
		return
	G = 0
	for (i = 0; i < nvm; i++) {
		key[i] = room[i] / w[i]
		if (!prot[i])
			G += rloss[i]
	}
	waterfill(nvm, G)
	for (i = 0; i < nvm; i++) {
		share[i] += e[i]
		rloss[i] = 0
	}
	in_round = 0
}

function start_round(    i, f) {
	close_round()
	rounds++
	in_round = 1
	for (i = 0; i < nvm; i++) {
		f = window ? pre[i] : shadow[i] + tdp[i]
		room[i] = f > floor_[i] ? f - floor_[i] : 0
	}
}

# Losses seen since the last log line wait here: a sample is taken just
# before the probe prints what it read, so when the daemon's worker was
# quicker than the probe, the first writes of a round show up just before
# its "Plan" line.  The next log line says whose they are: a "Plan" line
# claims them for its round (which was planned from the counts before
# them), any other line (the in-flight round's results, a note) gives
# them to the round in flight.
function flush_window(to_new,    i) {
	for (i = 0; i < nvm; i++) {
		if (in_round)
			rloss[i] += pend[i]
		else
			prelost[i] += pend[i]
		pend[i] = 0
	}
	window = 0
}

function set_rules(r,    n, k, parts, kv, j, name, opts, o) {
	for (k = 0; k < nvm; k++) {
		w[k] = 100
		floor_[k] = 0
		prot[k] = 0
	}
	has_rule = (r in rule)
	if (!has_rule || rule[r] == "")
		return
	n = split(rule[r], parts, ",")
	for (j = 1; j <= n; j++) {
		split(parts[j], kv, ":")
		name = kv[1]
		if (!(name in vmidx))
			continue
		k = vmidx[name]
		for (o = 2; o in kv; o++) {
			if (kv[o] == "protect")
				prot[k] = 1
			else if (kv[o] ~ /^w=/)
				w[k] = substr(kv[o], 3) + 0
			else if (kv[o] ~ /^min=/)
				floor_[k] = substr(kv[o], 5) + 0
		}
	}
}

function reset_run(r,    i) {
	run = r
	rounds = 0; in_round = 0; events = 0; window = 0
	first_event = -1; first_write = -1
	set_rules(r)
	for (i = 0; i < nvm; i++) {
		seen[i] = 0; lost[i] = 0; regrown[i] = 0; share[i] = 0; rloss[i] = 0
		prelost[i] = 0; pend[i] = 0
	}
}

function finish_run(    i, sx, sxx, n, x, mx, mn, sf, sff, nf, xf, mxf, mnf, tot, pre) {
	if (run == "")
		return
	flush_window()
	close_round()
	sx = sxx = n = 0; mx = -1; mn = -1
	sf = sff = nf = 0; mxf = -1; mnf = -1
	tot = pre = 0
	for (i = 0; i < nvm; i++) {
		tot += lost[i]
		pre += prelost[i]
		ratio = (share[i] > 0 ? lost[i] / share[i] : -1)
		printf "V run=%s vm=%s id=%s f0=%d b0=%d lost=%d regrown=%d fend=%d bend=%d fmin=%d " \
		       "cache0=%d cachemin=%d share=%.1f ratio=%.4f weight=%d floor=%d protect=%d\n",
		       run, vmname[i], vmid[i], f0[i], b0[i], lost[i], regrown[i],
		       shadow[i] + tdp[i], bytes[i], fmin[i], cache0[i], cachemin[i],
		       share[i], ratio, w[i], floor_[i], prot[i]
		if (share[i] > 0) {
			x = ratio
			sx += x; sxx += x * x; n++
			if (mx < 0 || x > mx) mx = x
			if (mn < 0 || x < mn) mn = x
		}
		if (!prot[i] && f0[i] > 0) {
			xf = lost[i] / f0[i]
			sf += xf; sff += xf * xf; nf++
			if (mxf < 0 || xf > mxf) mxf = xf
			if (mnf < 0 || xf < mnf) mnf = xf
		}
	}
	printf "T run=%s first_event=%d first_write=%d rounds=%d events=%d lost=%d prelost=%d " \
	       "jain=%.4f maxmin=%.3f jain_f0=%.4f maxmin_f0=%.3f\n",
	       run, first_event, first_write, rounds, events, tot, pre,
	       (n && sxx > 0 ? sx * sx / (n * sxx) : 0), (mn > 0 ? mx / mn : 0),
	       (nf && sff > 0 ? sf * sf / (nf * sff) : 0), (mnf > 0 ? mxf / mnf : 0)
	run = ""
}

BEGIN {
	n = split(rules, rl, " ")
	for (j = 1; j <= n; j++) {
		k = index(rl[j], "=")
		if (k)
			rule[substr(rl[j], 1, k - 1)] = substr(rl[j], k + 1)
	}
	nvm = 0
	run = ""
}

{ sub(/\r$/, "") }

# FAIR VM <name> <id> cgroup=... : the order fairness-probe numbers them in.
$1 == "FAIR" && $2 == "VM" {
	vmidx[$3] = nvm; vmname[nvm] = $3; vmid[nvm] = $4; nvm++
	next
}

$1 != "FP" { next }

{
	if ($2 != run) {
		finish_run()
		reset_run($2)
	}
}

$3 == "E" {
	events++
	if (first_event < 0)
		first_event = $4
	next
}

$3 == "D" {
	line = $0
	sub(/^FP [^ ]+ D [0-9]+ /, "", line)
	sub(/^<[0-9]>/, "", line)
	if (line ~ /^Plan \(/ && has_rule) {
		start_round()
		if (window)
			flush_window()
	} else if (window) {
		flush_window()
	}
	next
}

$3 == "S" {
	t = $4; i = $5
	s = $6; d = $7; c = $8; b = $9; z = $10; m = $11
	if (!seen[i]) {
		seen[i] = 1
		f0[i] = s + d; b0[i] = b; fmin[i] = s + d
		cache0[i] = c; cachemin[i] = c
	} else {
		loss = (z - zap[i]) + (d < tdp[i] ? tdp[i] - d : 0)
		grow = (m - miss[i]) + (d > tdp[i] ? d - tdp[i] : 0)
		if (loss > 0 || c < cache[i])
			if (first_event >= 0 && first_write < 0)
				first_write = t
		lost[i] += loss
		if (first_write >= 0 || loss > 0)
			regrown[i] += grow
		if (loss > 0) {
			if (!window) {
				window = 1
				for (j = 0; j < nvm; j++)
					pre[j] = shadow[j] + tdp[j]
			}
			pend[i] += loss
		}
	}
	shadow[i] = s; tdp[i] = d; cache[i] = c; bytes[i] = b; zap[i] = z; miss[i] = m
	if (s + d < fmin[i]) fmin[i] = s + d
	if (c < cachemin[i]) cachemin[i] = c
	next
}

END { finish_run() }
