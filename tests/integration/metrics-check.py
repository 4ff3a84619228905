#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks of kvm-reclaimd's metrics with the reference parsers of
python3-prometheus-client, against the table of families the daemon
prints (kvm-reclaimd --list-metrics: name, type, labels, source, help).

  metrics-check.py parse TABLE FILE prometheus|openmetrics
      FILE parses with the reference parser of that format, and its
      families are exactly the table's, with the table's types.
  metrics-check.py compare TABLE METRICS DUMP LISTVMS HISTORY
      Every family whose source is "dbus:X" carries the figure of D-Bus
      field X (busctl --json=short replies of Dump, ListVMs, History taken
      with METRICS, a Prometheus text, from one snapshot).  A dbus: source
      this script has no comparison for is a failure, so a new family
      cannot go unchecked.
  metrics-check.py monotonic TABLE BEFORE AFTER
      No counter (nor histogram count, sum or bucket) went down.
  metrics-check.py value METRICS NAME [LABEL=VALUE...]
      Prints the value of one sample.
  metrics-check.py grafana TABLE DASHBOARD
      The dashboard is valid JSON as Grafana imports it, and every metric
      its queries name is a family of the table (or a histogram's
      _bucket/_sum/_count).

Exit 0 when all is well, 1 with one line per problem otherwise.
"""
import json
import re
import sys

from prometheus_client import parser as prom_parser
from prometheus_client.openmetrics import parser as om_parser

PAGE = 4096
problems = []


def problem(msg):
    problems.append(msg)


def finish(what):
    if problems:
        for p in problems:
            print("FAIL: " + p)
        sys.exit(1)
    print("ok: " + what)
    sys.exit(0)


def load_table(path):
    table = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        name, mtype, labels, source, help_text = line.split("\t")
        table.append({"name": name, "type": mtype, "labels": [l for l in labels.split(",") if l],
                      "source": source, "help": help_text})
    if len(table) < 10:
        problem("the table has only %d families" % len(table))
    return table


def parsed_name(row, fmt):
    """The name the reference parser gives the family of a table row."""
    name, mtype = row["name"], row["type"]
    if mtype == "counter":
        return name[:-len("_total")] if name.endswith("_total") else name
    if mtype == "info" and fmt == "openmetrics":
        return name[:-len("_info")]
    return name


def parsed_type(row, fmt):
    if row["type"] == "info" and fmt == "prometheus":
        return "gauge"
    return row["type"]


def parse(text, fmt):
    p = om_parser if fmt == "openmetrics" else prom_parser
    return list(p.text_string_to_metric_families(text))


def cmd_parse(table_path, path, fmt):
    table = load_table(table_path)
    text = open(path, encoding="utf-8").read()
    try:
        families = parse(text, fmt)
    except Exception as e:  # the parser's own words
        problem("%s does not parse as %s: %s" % (path, fmt, e))
        finish("")
    by_name = {f.name: f for f in families}
    if len(by_name) != len(families):
        problem("a family appears twice")
    want = {parsed_name(r, fmt): r for r in table}
    for name, row in want.items():
        f = by_name.get(name)
        if not f:
            problem("family %s of the table is missing" % row["name"])
            continue
        if f.type != parsed_type(row, fmt):
            problem("%s is a %s, the table says %s" % (name, f.type, row["type"]))
        for s in f.samples:
            extra = set(s.labels) - set(row["labels"]) - {"le"}
            if extra:
                problem("%s has labels %s the table does not list" % (s.name, sorted(extra)))
    for name in by_name:
        if name not in want:
            problem("family %s is not in the table" % name)
    samples = sum(len(f.samples) for f in families)
    finish("%s: %d families, %d samples parse as %s" % (path, len(families), samples, fmt))


def samples_of(text):
    """{sample name: [(labels dict, value)]} from Prometheus text."""
    out = {}
    for f in parse(text, "prometheus"):
        for s in f.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def reply(path):
    """The first value of a busctl --json=short reply."""
    return json.load(open(path, encoding="utf-8"))["data"][0]


def plain(v):
    """busctl's {"type": ..., "data": ...} variants, unwrapped all the way."""
    if isinstance(v, dict) and set(v) == {"type", "data"}:
        return plain(v["data"])
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


class Snapshot:
    def __init__(self, metrics, dump, vms, history):
        self.s = samples_of(open(metrics, encoding="utf-8").read())
        self.dump = plain(reply(dump))
        self.status = self.dump["Status"]
        self.daemon = self.dump["Daemon"]
        self.triggers = self.dump["Triggers"]
        # (id, pid, name, cgroup, shadow, cache, reclaimed caches, zapped, policy)
        self.vms = {v[0]: v for v in plain(reply(vms))}
        self.dump_vms = {v[0]: v for v in self.dump["VMs"]}
        # id -> the VM counters dict (ListVMCounters, Dump's "VMCounters")
        self.counters = {v[0]: v[1] for v in self.dump.get("VMCounters", [])}
        self.history = plain(reply(history))

    # The metric's name is positional only: "name" is a label of VMs.
    def get(self, metric, /, **labels):
        """The values of 'metric' whose labels include 'labels'."""
        return [v for l, v in self.s.get(metric, []) if all(l.get(k) == x for k, x in labels.items())]

    def one(self, metric, /, **labels):
        vals = self.get(metric, **labels)
        if len(vals) != 1:
            problem("%s%s: %d samples, expected 1" % (metric, labels or "", len(vals)))
            return None
        return vals[0]

    def expect(self, metric, want, /, **labels):
        got = self.one(metric, **labels)
        if got is not None and not close(got, want):
            problem("%s%s = %s, D-Bus says %s" % (metric, labels or "", got, want))


def vm_label_check(snap, name):
    """Per-VM samples: exactly the VMs of ListVMs, labelled as it names them."""
    ids = set()
    for labels, _ in snap.s.get(name, []):
        vm = snap.vms.get(labels.get("id"))
        if not vm:
            problem("%s has VM %s, which ListVMs does not list" % (name, labels.get("id")))
            continue
        ids.add(vm[0])
        if labels.get("name") != vm[2] or labels.get("cgroup") != vm[3]:
            problem("%s labels %s, ListVMs says name=%s cgroup=%s" % (name, labels, vm[2], vm[3]))
    if ids != set(snap.vms):
        problem("%s covers VMs %s, ListVMs lists %s" % (name, sorted(ids), sorted(snap.vms)))


def round_kind(reason):
    return "pressure" if reason.startswith("pressure:") else reason


def round_scope(rnd):
    reason, scope = rnd[3], rnd[4]
    if reason.startswith("pressure:"):
        return reason[len("pressure:"):]
    if reason == "manual" and re.fullmatch(r"[0-9]+-[0-9]+", scope):
        return "vm"
    return scope


def compare_source(snap, row):
    name, src = row["name"], row["source"]
    st = snap.status
    if src == "dbus:Status.Version":
        snap.expect(name, 1, version=st["Version"])
    elif src == "dbus:Status.Mode":
        snap.expect(name, 1, mode=st["Mode"])
        if sum(snap.get(name)) != 1:
            problem("%s: more than one mode is 1" % name)
    elif src == "dbus:Status.KernelInterface":
        snap.expect(name, int(st["KernelInterface"]))
    elif src == "dbus:Status.ModeReason":
        on = [l["state"] for l, v in snap.s.get(name, []) if v == 1]
        if len(on) != 1 or (on[0] == "active") != (st["ModeReason"] == ""):
            problem("%s: states %s for ModeReason '%s'" % (name, on, st["ModeReason"]))
    elif src == "dbus:Status.DryRun":
        snap.expect(name, int(st["DryRun"]))
    elif src == "dbus:Daemon.ShrinkerRestoreValue":
        snap.expect(name, int(snap.daemon["ShrinkerRestoreValue"] != ""))
    elif src == "dbus:Daemon.RoundInFlight":
        snap.expect(name, int(snap.daemon["RoundInFlight"]))
    elif src == "dbus:Status.VMCount":
        snap.expect(name, st["VMCount"])
        if st["VMCount"] != len(snap.vms):
            problem("VMCount %d but ListVMs lists %d" % (st["VMCount"], len(snap.vms)))
    elif src == "dbus:VM.Pid":
        vm_label_check(snap, name)
        for vid, vm in snap.vms.items():
            snap.expect(name, 1, id=vid, pid=str(vm[1]))
    elif src in ("dbus:VM.ShadowPages", "dbus:VM.CachePages"):
        vm_label_check(snap, name)
        field = 4 if src.endswith("ShadowPages") else 5
        for vid, vm in snap.vms.items():
            snap.expect(name, vm[field], id=vid)
    elif src == "dbus:VM.ReclaimedCachePages,VM.ReclaimedShadowPages":
        # caches; the page-table commands add up to ReclaimedShadowPages.
        for vid, vm in snap.vms.items():
            snap.expect(name, vm[6], id=vid, action="caches")
            tables = sum(v for l, v in snap.s.get(name, []) if l.get("id") == vid and l.get("action") != "caches")
            if tables != vm[7]:
                problem("%s{id=%s} page-table actions sum to %s, ListVMs says %s" % (name, vid, tables, vm[7]))
    elif src.startswith("dbus:VMCounters."):
        key = src[len("dbus:VMCounters."):]
        if set(snap.counters) != set(snap.vms):
            problem("VMCounters covers %s, ListVMs %s" % (sorted(snap.counters), sorted(snap.vms)))
        for vid, c in snap.counters.items():
            if key not in c:
                # Absent where the kernel does not say it: so is the sample.
                if snap.get(name, id=vid):
                    problem("%s has VM %s, whose VMCounters lack %s" % (name, vid, key))
            elif key == "BackoffSeconds":
                got = snap.one(name, id=vid)
                if got is not None and abs(got - c[key]) > 2:
                    problem("%s{id=%s} = %s, D-Bus says %s" % (name, vid, got, c[key]))
            else:
                snap.expect(name, c[key], id=vid)
    elif src.startswith("dbus:VM.Policy."):
        key = src[len("dbus:VM.Policy."):]
        vm_label_check(snap, name)
        for vid, vm in snap.vms.items():
            snap.expect(name, int(vm[8][key]), id=vid)
    elif src == "dbus:Status.ReclaimedCachePages,Status.ReclaimedShadowPages":
        got = sum(snap.get(name, action="caches"))
        if got != st["ReclaimedCachePages"]:
            problem("%s{action=caches} sums to %s, Status.ReclaimedCachePages is %s"
                    % (name, got, st["ReclaimedCachePages"]))
        got = sum(v for l, v in snap.s.get(name, []) if l.get("action") != "caches")
        if got != st["ReclaimedShadowPages"]:
            problem("%s's page-table actions sum to %s, Status.ReclaimedShadowPages is %s"
                    % (name, got, st["ReclaimedShadowPages"]))
    elif src == "dbus:History":
        if name.endswith("_total"):
            want = {}
            for rnd in snap.history:
                k = (round_kind(rnd[3]), round_scope(rnd))
                want[k] = want.get(k, 0) + 1
            got = {(l["reason"], l["scope"]): v for l, v in snap.s.get(name, [])}
            if got != want:
                problem("%s is %s, History has %s" % (name, got, want))
        else:
            snap.expect(name, len(snap.history))
    elif src == "dbus:History.Duration":
        for kind in ("pressure", "max-pages", "manual"):
            done = [r for r in snap.history if round_kind(r[3]) == kind and r[6]]
            snap.expect(name + "_count", len(done), reason=kind)
            snap.expect(name + "_sum", sum(r[2] for r in done) / 1e6, reason=kind)
    elif src == "dbus:Triggers.Events":
        for t in snap.triggers:
            got = snap.get(name, scope=t[0])
            if (got[0] if got else 0) != t[5]:
                problem("%s{scope=%s} is %s, the trigger fired %d times" % (name, t[0], got, t[5]))
    elif src == "dbus:Triggers.Threshold":
        for t in snap.triggers:
            snap.expect(name, t[2] / 1e6, scope=t[0])
    elif src == "dbus:Triggers.Window":
        for t in snap.triggers:
            snap.expect(name, t[3] / 1e6, scope=t[0])
    elif src == "dbus:Status.LastPressureEvent":
        when, scope, some, full = st["LastPressureEvent"]
        vals = snap.s.get(name, [])
        if when == 0:
            if vals:
                problem("%s has samples but there was no pressure event" % name)
        elif "timestamp" in name:
            latest = max(vals, key=lambda lv: lv[1]) if vals else None
            if not latest or latest[0].get("scope") != scope or not close(latest[1], when / 1e6):
                problem("%s latest %s, LastPressureEvent (%s, %s)" % (name, latest, when, scope))
        else:
            snap.expect(name, (some if "some" in name else full) / 100.0, scope=scope)
    else:
        problem("no comparison with D-Bus for %s (source %s)" % (name, src))


def cmd_compare(table_path, metrics, dump, vms, history):
    table = load_table(table_path)
    snap = Snapshot(metrics, dump, vms, history)
    if snap.dump_vms != snap.vms:
        problem("Dump's VMs differ from ListVMs'")
    compared = 0
    for row in table:
        if row["source"].startswith("dbus:"):
            compare_source(snap, row)
            compared += 1
        elif row["source"].startswith("= "):
            pages = row["source"].split()[1]
            for labels, v in snap.s.get(pages, []):
                snap.expect(row["name"], v * PAGE, **labels)
            compared += 1
    finish("%d families match D-Bus (%d VMs, %d rounds)" % (compared, len(snap.vms), len(snap.history)))


def cmd_monotonic(table_path, before_path, after_path):
    table = load_table(table_path)
    before = samples_of(open(before_path, encoding="utf-8").read())
    after = samples_of(open(after_path, encoding="utf-8").read())
    n = 0
    for row in table:
        if row["type"] == "counter":
            names = [row["name"]]
        elif row["type"] == "histogram":
            names = [row["name"] + s for s in ("_bucket", "_sum", "_count")]
        else:
            continue
        for name in names:
            now = {tuple(sorted(l.items())): v for l, v in after.get(name, [])}
            for labels, v in before.get(name, []):
                key = tuple(sorted(labels.items()))
                if key not in now:
                    problem("%s%s went away" % (name, dict(labels)))
                elif now[key] < v:
                    problem("%s%s went down: %s -> %s" % (name, dict(labels), v, now[key]))
                n += 1
    finish("%d counter samples did not go down" % n)


def cmd_value(metrics, name, *pairs):
    labels = dict(p.split("=", 1) for p in pairs)
    vals = [v for l, v in samples_of(open(metrics, encoding="utf-8").read()).get(name, [])
            if all(l.get(k) == x for k, x in labels.items())]
    if len(vals) != 1:
        print("FAIL: %s%s: %d samples" % (name, labels, len(vals)))
        sys.exit(1)
    v = vals[0]
    print(int(v) if float(v).is_integer() else v)


def cmd_grafana(table_path, dashboard_path):
    table = load_table(table_path)
    known = set()
    for row in table:
        known.add(row["name"])
        if row["type"] == "histogram":
            known.update(row["name"] + s for s in ("_bucket", "_sum", "_count"))
    try:
        d = json.load(open(dashboard_path, encoding="utf-8"))
    except ValueError as e:
        problem("%s is not JSON: %s" % (dashboard_path, e))
        finish("")
    for key in ("title", "panels", "schemaVersion", "uid"):
        if key not in d:
            problem("the dashboard has no %s" % key)
    inputs = {i.get("name") for i in d.get("__inputs", [])}
    panels = list(d.get("panels", []))
    for p in list(panels):
        panels.extend(p.get("panels", []))  # rows hold panels too
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)) or None in ids:
        problem("panel ids are missing or repeated: %s" % ids)
    queries = []  # (where, expr)
    for p in panels:
        if p.get("type") == "row":
            continue
        if "gridPos" not in p:
            problem("panel %s has no gridPos" % p.get("title"))
        ds = json.dumps(p.get("datasource", ""))
        for var in re.findall(r"\$\{(\w+)\}", ds):
            if var not in inputs and var not in {v.get("name") for v in d.get("templating", {}).get("list", [])}:
                problem("panel %s uses datasource ${%s}, which is neither an input nor a variable"
                        % (p.get("title"), var))
        if not p.get("targets"):
            problem("panel %s has no query" % p.get("title"))
        queries += [("panel " + str(p.get("title")), t.get("expr", "")) for t in p.get("targets", [])]
    queries += [("annotation " + str(a.get("name")), a["expr"]) for a in d.get("annotations", {}).get("list", [])
                if "expr" in a]
    queries += [("variable " + str(v.get("name")), v["definition"]) for v in d.get("templating", {}).get("list", [])
                if v.get("definition")]
    used = set()
    for where, expr in queries:
        # Metric names, not label values, label names or range selectors.
        bare = re.sub(r'"[^"]*"', '""', expr)
        bare = re.sub(r"\{[^}]*\}", "{}", bare)
        bare = re.sub(r"\[[^\]]*\]", "", bare)
        names = re.findall(r"\bkvm_reclaimd_[a-z0-9_]+", bare)
        if not names:
            problem("%s: query %r names no kvm_reclaimd metric" % (where, expr))
        for name in names:
            used.add(name)
            if name not in known:
                problem("%s queries %s, which is not a metric of the table" % (where, name))
    shown = [p for p in panels if p.get("type") != "row"]
    finish("%s: %d panels, %d queries over %d metrics, all in the table"
           % (dashboard_path, len(shown), len(queries), len(used)))


def main(argv):
    cmds = {"parse": (cmd_parse, 3), "compare": (cmd_compare, 5), "monotonic": (cmd_monotonic, 3),
            "grafana": (cmd_grafana, 2)}
    if len(argv) >= 3 and argv[0] == "value":
        cmd_value(*argv[1:])
        return
    if not argv or argv[0] not in cmds or len(argv) - 1 != cmds[argv[0]][1]:
        print(__doc__)
        sys.exit(2)
    cmds[argv[0]][0](*argv[1:])


main(sys.argv[1:])
