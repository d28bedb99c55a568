#!/usr/bin/env python3
"""Turns bench/run.sh result TSVs into docs/performance.md and the gnuplot figure docs/perf-open.png."""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile

# The targets the issue sets; the doc reports each as met or missed.
TARGET_OPEN_OVERHEAD = 0.03
TARGET_PROG_NS = 60.0
TARGET_LOAD_S = 1.0
TARGET_RSS = 8 * 1024 * 1024
# Issue 15's goals, judged in the guests (instruction clock): the open path
# beside the empty program on the same hook, and read() beside no tool.
TARGET_OPEN_OVER_NULL_PTS = 0.5
TARGET_READ_PCT = 1.0
FILTER_BITS = 1 << 24  # IG_FILTER_BITS_LOG2 in bpf/inodeguard.h
MICRO = ("open_close", "stat", "read")
# The files measured under the one-entry policy, beside the protected one:
# "unprot" differs from its name in length, "samelen" only in its bytes
# (measured at the largest size only); "elsewhere" sits in a directory
# that holds no protected name. The last two are measured against a
# baseline of their own: the path walk differs by name and directory.
TARGETS = (("unprot", "unprotected"), ("samelen", "unprotected, name as long as the protected one's"),
           ("elsewhere", "unprotected, in a directory with no protected name"),
           ("audit", "protected, audit"))
LARGEST_ONLY = ("samelen",)


def targets_at(res, backend, n):
    """TARGETS measured at n entries: samelen only where it was."""
    return [(t, lab) for t, lab in TARGETS
            if t not in LARGEST_ONLY or res.get(backend, "open_close", "ig", n, t, "ratio") is not None]
BACKEND_ORDER = {"lsm": 0, "fmodret": 1, "tracepoint": 2}


class Results:
    """One TSV: sample rows plus the median rows run.sh appended."""

    def __init__(self, path):
        self.path = path
        self.header = []
        self.rows = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("#"):
                    self.header.append(line.lstrip("# "))
                    continue
                cols = line.split("\t")
                if len(cols) != 9 or cols[0] == "backend":
                    continue
                self.rows.append(dict(zip(
                    ("backend", "bench", "config", "entries", "target", "round", "metric", "value", "unit"),
                    cols)))
        self.within_boot = any("within-boot" in h for h in self.header)
        self.med = {}
        for r in self.rows:
            if r["round"] == "median":
                self.med[(r["backend"], r["bench"], r["config"], r["entries"], r["target"], r["metric"])] = float(r["value"])

    def get(self, *key):
        return self.med.get(tuple(str(k) for k in key))

    def backends(self):
        bs = {r["backend"] for r in self.rows if r["backend"] not in ("env",)
              and r["bench"] != "env"}
        return sorted(bs, key=lambda b: (BACKEND_ORDER.get(b, 9), b))

    def env(self, config):
        for r in self.rows:
            if r["bench"] == "env" and r["config"] == config and r["round"] == "1":
                return r["value"]
        return None

    def unavailable(self):
        return [(r["backend"], r["value"]) for r in self.rows
                if r["bench"] == "env" and r["config"] == "probe" and r["value"].startswith("no")]

    def levels(self, backend):
        return sorted({int(r["entries"]) for r in self.rows if r["backend"] == backend
                       and r["bench"] == "open_close" and r["config"] == "ig"})

    def samples(self, backend, bench, config, metric):
        return [r for r in self.rows if r["backend"] == backend and r["bench"] == bench
                and r["config"] == config and r["metric"] == metric and r["round"] != "median"]


def fmt_ns(v):
    return "n/a" if v is None else f"{v:,.0f}"


def fmt_ratio(v):
    return "n/a" if v is None else f"{v:.3f}"


def fmt_pct(v):
    return "n/a" if v is None else f"{(v - 1) * 100:+.1f} %"


def fmt_bytes(v):
    if v is None:
        return "n/a"
    if v >= 1 << 20:
        return f"{v / (1 << 20):.1f} MiB"
    if v >= 1 << 10:
        return f"{v / (1 << 10):.0f} KiB"
    return f"{v:.0f} B"


def fmt_s(v):
    return "n/a" if v is None else (f"{v:.3f} s" if v < 10 else f"{v:.1f} s")


def rounds_of(res, backend):
    # Guest results keep no baseline times, only the per-round ratios.
    return len({r["round"] for r in res.rows if r["backend"] == backend and r["bench"] == "open_close"
                and (r["config"] == "baseline" or r["metric"] == "ratio") and r["round"] != "median"})


def prog_table(res, backend, entries):
    """{workload: {prog: (runs_per_op, run_ns)}} from the median rows."""
    out = collections.defaultdict(dict)
    for (b, bench, cfg, ent, tgt, metric), v in res.med.items():
        if b == backend and bench == "prog" and ent == str(entries) and metric == "runs_per_op":
            out[cfg][tgt] = (v, res.get(b, "prog", cfg, ent, tgt, "run_ns"))
    return out


def targets(res, backend, lines):
    """The five targets of the issue, each met or missed, with the measured cause."""
    lv = res.levels(backend)
    top = lv[-1] if lv else None
    rows = []
    # 1. open+close overhead at the largest map.
    r_un = res.get(backend, "open_close", "ig", top, "unprot", "ratio")
    r_au = res.get(backend, "open_close", "ig", top, "audit", "ratio")
    base = res.get(backend, "open_close", "baseline", 0, "file", "ns_per_op")
    ig_un = res.get(backend, "open_close", "ig", top, "unprot", "ns_per_op")
    progs = prog_table(res, backend, top)
    bpf_per_open = sum((rpo * (ns or 0)) for p, (rpo, ns) in progs.get("open_unprot", {}).items()
                       if not p.startswith("null_"))
    if r_un is not None:
        over = r_un - 1
        verdict = "met" if over <= TARGET_OPEN_OVERHEAD else \
            f"missed by {(over - TARGET_OPEN_OVERHEAD) * 100:.1f} points"
        r_first = res.get(backend, "open_close", "ig", lv[0], "unprot", "ratio")
        delta = (ig_un or 0) - (base or 0)
        cause = (f"open+close costs {fmt_ns(base)} ns without the tool and {fmt_ns(ig_un)} ns with it "
                 f"({'+' if delta >= 0 else '−'}{fmt_ns(abs(delta))} ns); the programs' own run time accounts for "
                 f"{bpf_per_open:.0f} ns per open (run_ns × runs/op below), the rest is the hook dispatch "
                 f"(tracepoint/trampoline entry) and noise. The map size matters little: overhead is "
                 f"{fmt_pct(r_first)} at {lv[0]:,} entries and {fmt_pct(r_un)} at {top:,} "
                 f"(hash lookup is O(1); a larger table only costs cache misses).")
        r_null = res.get(backend, "open_close", "null", 0, "file", "ratio")
        noise = [abs(v - 1) for k, v in res.med.items() if k[0] == backend and k[1] == "stat"
                 and k[5] == "ratio" and k[2] != "null"]
        if r_null is not None:
            own = r_un - r_null
            cause += (f" The floor, measured in the same rounds: an empty BPF program on the same hook, with no "
                      f"map and no tool, already costs {fmt_pct(r_null)} per open+close, so "
                      + ("the 3 % target is out of reach for any program on this hook; "
                         if r_null - 1 > TARGET_OPEN_OVERHEAD else "")
                      + (f"inodeguard's own logic adds {fmt_pct(1 + own)} on top of it."
                         if not noise or abs(own) > max(noise) else
                         f"the difference between the tool and the empty program ({fmt_pct(1 + own)}) is "
                         f"within this run's noise, so the tool costs no more than the hook itself, "
                         f"as far as this machine can tell (the 6.12 guest below resolves it)."))
        if noise:
            cause += (f" Noise floor of this run: stat(), which no tracepoint program hooks, moves by up to "
                      f"{max(noise) * 100:.0f} % between configurations (nothing else is stopped during a run), so "
                      f"differences of that size are not resolved.")
        if r_au is not None:
            cause += (f" A file protected at audit costs {fmt_pct(r_au)}: each open builds an event "
                      f"and the daemon, on the same 2 CPUs, formats it.")
        rows.append(("open+close overhead ≤ 3 % at " + f"{top:,} entries",
                     f"{fmt_pct(r_un)} unprotected file; {fmt_pct(r_au)} file at audit", verdict, cause))
    # 2. per-invocation program time.
    worst = None
    for wl in ("open_unprot", "open_audit", "read_audit", "stat_unprot"):
        for prog, (rpo, ns) in progs.get(wl, {}).items():
            if ns is not None and rpo >= 0.5 and not prog.startswith("null_") and (worst is None or ns > worst[0]):
                worst = (ns, prog, wl)
    null_ns = [ns for p, (rpo, ns) in progs.get("open_unprot", {}).items() if p.startswith("null_") and ns]
    if worst:
        un = [ns for p, (rpo, ns) in progs.get("open_unprot", {}).items()
              if ns is not None and rpo >= 0.5 and not p.startswith("null_")]
        verdict = "met" if worst[0] <= TARGET_PROG_NS else f"missed by {worst[0] - TARGET_PROG_NS:.0f} ns"
        cause = (f"slowest: {worst[1]} at {worst[0]:.0f} ns per run during {worst[2]}; "
                 f"on an unprotected file the programs take {', '.join(f'{x:.0f}' for x in un) or 'n/a'} ns. ")
        au = progs.get("open_audit", {})
        if au:
            cause += ("On a protected file the run also reserves, fills and submits a ring-buffer event "
                      "(the submit wakes the reader), which accounts for the difference between the two. ")
        cause += ("run_time_ns is measured with kernel.bpf_stats_enabled=1, whose accounting (a clock read "
                  "before and after each run plus a per-CPU counter update) is inside the figure. ")
        if null_ns and un:
            cause += (f"An empty program attached beside it on the same hook reports {null_ns[0]:.0f} ns per run "
                      f"under the same statistics, so the floor on this machine is "
                      + ("already above the target" if null_ns[0] > TARGET_PROG_NS else "below the target")
                      + f", and inodeguard's own work on an unprotected open is about {un[0] - null_ns[0]:.0f} ns "
                      + ("(the fd-table slot, the file, its inode and the inode number, read as typed loads "
                         "after bpf_rdonly_cast, then one filter-word lookup; through probe-read helpers, as "
                         "the build for kernels before 6.2 must, the same work measured 234 ns against 79 ns "
                         "for the empty program). " if backend == "tracepoint" else "(one filter-word lookup). "))
        if base is not None and ig_un is not None and un and not null_ns:
            e2e = ig_un - base
            cause += (f"Cross-check without statistics: the whole tool adds {e2e:+.0f} ns to an open+close of an "
                      f"unprotected file (open cost table), against {sum(un):.0f} ns of program time claimed by "
                      "the statistics" + ("; the statistics overstate the program's cost on this VM." if e2e < sum(un)
                                          else "; the program time is the bulk of the overhead."))
        rows.append(("BPF program run time ≤ 60 ns per invocation",
                     f"{worst[0]:.0f} ns worst ({worst[1]}, {worst[2]})", verdict, cause))
    # 3. loading 1,000,000 entries.
    load_n = sorted({int(r["entries"]) for r in res.rows if r["backend"] == backend and r["bench"] == "load"})
    fill = [(k, v) for k, v in res.med.items() if k[0] == backend and k[1] == "fill_total"
            and k[2] != "delete" and k[5] == "time"]
    parts, worst_load = [], None
    cause = ""
    if fill:
        (k, v), = fill[:1]
        parts.append(f"batched map fill of {int(k[3]):,} keys {fmt_s(v)} ({k[2]})")
        worst_load = v
        cause += f"The kernel side alone (bpf_map_update_batch) needs {v * 1e9 / int(k[3]):.0f} ns per key. "
    if load_n:
        n = load_n[-1]
        ready = res.get(backend, "load", "conf", n, "ready", "time")
        floor = res.get(backend, "load", "openlist", n, "files", "time")
        if ready is not None:
            parts.append(f"the tool reading a config of {n:,} real files {fmt_s(ready)} to ready")
            worst_load = max(worst_load or 0, ready)
        start1 = res.get(backend, "start", "conf", 1, "ready", "time") or 0
        old = res.get(backend, "load", "conf_old", n, "ready", "time")
        syscall = res.get(backend, "load", "syscall", n, "getppid", "ns_per_op")
        hwm_new = res.get(backend, "mem", "load", n, "daemon", "VmHWM")
        hwm_old = res.get(backend, "mem", "load_old", n, "daemon", "VmHWM")
        if ready is not None and old is not None:
            ratio = round_ratio(res, backend, n)
            parts.append(f"the previous design (a learning open per file) {fmt_s(old)} in the same run"
                         + (f", {ratio:.1f} times as long" if ratio else ""))
        if ready is not None:
            cause += (f"Start-up with one file takes {fmt_s(start1)}, {(ready - start1) * 1e6 / n:.1f} µs per "
                      f"file beyond that. Each file's key is computed from its handle (one "
                      f"name_to_handle_at() per file, which names the inode number and the generation "
                      f"without opening it), the files of a directory resolved together (a large policy in "
                      f"up to four threads); where most of a directory is listed one read of it gives the names' types. "
                      f"No computed key is used before the kernel has keyed one file of the same "
                      f"superblock and handle layout the same way (a learning open); anything else "
                      f"(btrfs, overlayfs, a layout not known) is learned by opening the file as before. "
                      f"Both maps are filled in batches (a large policy's each on its own thread). ")
            if old is not None:
                cause += (f"The previous design opened every file to learn its key: {fmt_s(old)} here, "
                          f"measured rep by rep beside the new one"
                          + (f" (median ratio {round_ratio(res, backend, n):.1f})" if round_ratio(res, backend, n) else "")
                          + (f"; its peak memory was {fmt_bytes(hwm_old)} against {fmt_bytes(hwm_new)}"
                             if hwm_old and hwm_new else "") + ". ")
            if floor is not None:
                cause += (f"Opening and closing each listed file once, that design's floor, takes "
                          f"{fmt_s(floor)}. ")
            if syscall is not None:
                cause += (f"What stays is a system call per file and the kernel's work per key: the "
                          f"cheapest system call (getppid()) costs {syscall:,.0f} ns on this machine, so "
                          f"{n:,} handles cost {fmt_s(syscall * n / 1e9)} of CPU in system call entry and "
                          f"exit alone, before any work, shared by the CPUs; the maps, sized for the "
                          f"policy, are created at load and take one update per key in each of two maps. ")
            if n < 1_000_000:
                cause += f"Measured at {n:,} files; scale linearly for 1,000,000. "
    timeouts = [r for r in res.rows if r["backend"] == backend and r["bench"] == "load"
                and r["metric"] == "timeout"]
    if timeouts:
        t = timeouts[0]
        parts.append(f"the tool reading a config of {int(t['entries']):,} real files did not reach ready: "
                     f"{t['value'].split(':')[0]}")
        cause += f"Tool load: {t['value']}. "
        worst_load = float("inf")
    if parts:
        verdict = "met" if worst_load is not None and worst_load < TARGET_LOAD_S else \
            ("missed (tool load did not finish)" if worst_load == float("inf") else
             f"missed by {worst_load - TARGET_LOAD_S:.2f} s")
        rows.append(("1,000,000 entries loaded in < 1 s", "; ".join(parts), verdict, cause.strip()))
    # 4. daemon RSS: the steady state is the target; the start-up peak is reported beside it.
    rss = res.get(backend, "mem", "ig", top, "daemon", "VmRSS")
    hwm = res.get(backend, "mem", "ig", top, "daemon", "VmHWM")
    hwm_load = res.get(backend, "mem", "load", load_n[-1], "daemon", "VmHWM") if load_n else None
    rss_load = res.get(backend, "mem", "load", load_n[-1], "daemon", "VmRSS") if load_n else None
    if rss is not None:
        steady = max(rss, rss_load or 0)
        verdict = "met" if steady < TARGET_RSS else f"missed by {fmt_bytes(steady - TARGET_RSS)}"
        peak = max(hwm or 0, hwm_load or 0)
        if peak >= TARGET_RSS:
            verdict += f" (steady state); the peak misses by {fmt_bytes(peak - TARGET_RSS)}"
        brk = sorted(((v, k[4]) for k, v in res.med.items() if k[0] == backend and k[1] == "rss"
                      and k[3] == str(top)), reverse=True)
        cause = "resident memory at steady state: " + ", ".join(f"{c} {fmt_bytes(v)}" for v, c in brk) + ". "
        if hwm is not None:
            btf = res.env("btf")
            cause += (f"The peak (VmHWM) is already {fmt_bytes(hwm)} with one real file, so it comes from "
                      f"start-up, not from the entries: loading the BPF object makes libbpf read and index the "
                      f"kernel's BTF for CO-RE" + (f" (/sys/kernel/btf/vmlinux is {fmt_bytes(float(btf))} here)"
                                                   if btf and btf.isdigit() else "") +
                      ", freed after load but counted in the high-water mark. ")
        if hwm_load:
            hwm_old = res.get(backend, "mem", "load_old", load_n[-1], "daemon", "VmHWM")
            cause += (f"Loading {load_n[-1]:,} files from a config peaks at {fmt_bytes(hwm_load)}, about "
                      f"{hwm_load / load_n[-1]:.0f} bytes per file with the start-up's share (the goal is "
                      f"under 100): the policy's entries (64 bytes each) and their names, each directory's "
                      f"path and key held once in a record its entries share; the map fills hold one batch "
                      f"at a time"
                      + (f"; the previous design peaked at {fmt_bytes(hwm_old)} "
                         f"({hwm_old / load_n[-1]:.0f} bytes per file) in the same run" if hwm_old else "")
                      + f". Once ready the daemon frees them and hands the pages back, leaving "
                      f"{fmt_bytes(rss_load)} resident. ")
        cause += "The protected map itself lives in kernel memory (see Scale and memory), not in the RSS."
        rows.append(("daemon RSS < 8 MiB",
                     f"VmRSS {fmt_bytes(rss)} at {top:,} entries" +
                     (f", {fmt_bytes(rss_load)} serving {load_n[-1]:,} real files" if rss_load else "") +
                     f"; VmHWM {fmt_bytes(hwm)}" +
                     (f", {fmt_bytes(hwm_load)} loading {load_n[-1]:,} files" if hwm_load else ""),
                     verdict, cause))
    # 5. nothing attached outside the hooked syscall family.
    gp = progs.get("getppid", {})
    if gp:
        outside = [(p, rpo) for p, (rpo, _) in gp.items() if rpo >= 0.5]
        verdict = "met" if not outside else "missed"
        cause = ("getppid() (no backend hooks it) ran " +
                 (", ".join(f"{p} {rpo:.2f}×" for p, rpo in outside) + " per call: attached to every syscall"
                  if outside else "no program (every runs/op < 0.5)") + ". ")
        st = progs.get("stat_unprot", {})
        ran = [p for p, (rpo, _) in st.items() if rpo >= 0.5]
        cause += "stat() ran " + (", ".join(ran) if ran else "no program") + "."
        rows.append(("no program attached outside the hooked syscall family",
                     f"{len(outside)} of {len(gp)} programs run on getppid()", verdict, cause))
    lines.append(f"### Targets — backend `{backend}`\n")
    lines.append("| target | measured | verdict | measured cause |")
    lines.append("|---|---|---|---|")
    for t in rows:
        lines.append("| " + " | ".join(t) + " |")
    lines.append("")


def micro_tables(res, backend, lines):
    lv = res.levels(backend)
    for bench, title in (("open_close", "open()+close()"), ("stat", "stat()"),
                         ("read", "read() on an open fd (pread of 64 bytes)")):
        base = res.get(backend, bench, "baseline", 0, "file", "ns_per_op")
        lines.append(f"**{title}**, backend `{backend}` — ns/op, median of {rounds_of(res, backend)} rounds; "
                     "ratio = median over rounds of (config ÷ baseline of the same round and file).\n")
        lines.append("| protected entries | measured file | ns/op | ratio | overhead |")
        lines.append("|---:|---|---:|---:|---:|")
        lines.append(f"| no inodeguard | — | {fmt_ns(base)} | 1.000 | — |")
        nv = res.get(backend, bench, "null", 0, "file", "ns_per_op")
        nr = res.get(backend, bench, "null", 0, "file", "ratio")
        if nr is not None:
            lines.append(f"| empty program on the same hook, no inodeguard (floor) | — | {fmt_ns(nv)} | "
                         f"{fmt_ratio(nr)} | {fmt_pct(nr)} |")
        for n in lv:
            for tgt, label in targets_at(res, backend, n):
                v = res.get(backend, bench, "ig", n, tgt, "ns_per_op")
                r = res.get(backend, bench, "ig", n, tgt, "ratio")
                lines.append(f"| {n:,} | {label} | {fmt_ns(v)} | {fmt_ratio(r)} | {fmt_pct(r)} |")
        lines.append("")
    deep_section(res, backend, lines)


def deep_section(res, backend, lines):
    """The ancestry walk: an unprotected file 40 levels deep, 1,000 tree rules."""
    base = res.get(backend, "open_deep", "baseline", 0, "deep", "ns_per_op")
    v = res.get(backend, "open_deep", "ig_trees", 1000, "deep", "ns_per_op")
    r = res.get(backend, "open_deep", "ig_trees", 1000, "deep", "ratio")
    if base is None or v is None:
        return
    lines.append(f"**open()+close() of a file 40 levels deep with 1,000 directory rules**, backend "
                 f"`{backend}`: none covers the file, so every open walks its 40 ancestors; ratio "
                 "against the same file without inodeguard in the same round.\n")
    lines.append("| configuration | ns/op | ratio | overhead |")
    lines.append("|---|---:|---:|---:|")
    lines.append(f"| no inodeguard | {fmt_ns(base)} | 1.000 | — |")
    lines.append(f"| 1,000 tree rules | {fmt_ns(v)} | {fmt_ratio(r)} | {fmt_pct(r)} |")
    lines.append("")


# The allow-rule rows: (label, config, entries, target); ig_allow's policy
# grants the measuring uid the first file and names another uid on the second.
ALLOW_ROWS = (("unprotected, no allow rules", "ig", 1, "unprot"),
              ("unprotected, policy with allow rules", "ig_allow", 2, "unprot"),
              ("audit, no allow rules (event)", "ig", 1, "audit"),
              ("audit, allow rule for another uid (event)", "ig_allow", 2, "audit"),
              ("audit, allow rule grants the measuring uid (no event)", "ig_allow", 2, "granted"))
SPAWN_ROWS = (("no inodeguard", "baseline", 0),
              ("empty programs on exec, fork and exit, no inodeguard (floor)", "null", 0),
              ("inodeguard, one entry, no allow rules", "ig", 1),
              ("inodeguard, policy with allow rules", "ig_allow", 2))


def allow_noise(res, backend):
    """The largest stat() ratio shift between tool configurations, or None."""
    noise = [abs(v - 1) for k, v in res.med.items() if k[0] == backend and k[1] == "stat"
             and k[5] == "ratio" and k[2] != "null"]
    return max(noise) if noise else None


def allow_summary(res, backend):
    """One sentence: what allow rules cost an unprotected open, and a granted one."""
    r0 = res.get(backend, "open_close", "ig", 1, "unprot", "ratio")
    r1 = res.get(backend, "open_close", "ig_allow", 2, "unprot", "ratio")
    if r0 is None or r1 is None:
        return None
    d = (r1 - r0) * 100
    noise = allow_noise(res, backend)
    text = (f"An unprotected open+close costs {fmt_pct(r1)} with allow rules in the policy and "
            f"{fmt_pct(r0)} without them, {d:+.2f} points apart")
    if noise is None:
        text += "."
    elif abs(d) <= noise * 100:
        text += (f", within this run's noise (stat(), which no program here hooks, moves by up to "
                 f"{noise * 100:.2f} %): no cost of the rules is resolved, as expected when subject "
                 "rules are judged only once an inode has matched.")
    else:
        text += (f", more than this run's noise ({noise * 100:.2f} %, from stat()), which judging "
                 "subject rules only once an inode has matched does not explain.")
    ga = res.get(backend, "open_close", "ig_allow", 2, "granted", "ratio")
    au = res.get(backend, "open_close", "ig", 1, "audit", "ratio")
    if ga is not None and au is not None:
        text += (f" A protected file opened by a subject an allow rule grants costs {fmt_pct(ga)} "
                 f"(the grant lookup, no event), against {fmt_pct(au)} for the same file without "
                 "allow rules, where every open builds an audit event.")
    return text


def allow_section(res, backend, lines):
    """Spawn cost (the process watchers) and opens under a policy with allow rules."""
    base = res.get(backend, "spawn", "baseline", 0, "exit0", "ns_per_op")
    if base is not None:
        env = res.env("environ")
        lines.append(f"**fork()+execve()+wait of a static program that exits at once**, backend `{backend}` "
                     f"(`bench/spawn.c`): the exec, fork and exit watchers that allow rules need run on every "
                     f"spawn, whatever the policy; the exec watcher scans the new image's environment"
                     + (f" ({int(env):,} bytes here)" if env and env.isdigit() else "") +
                     f". ns per spawn, median of {rounds_of(res, backend)} rounds; ratio against the "
                     "baseline of the same round.\n")
        lines.append("| configuration | ns/spawn | ratio | overhead |")
        lines.append("|---|---:|---:|---:|")
        for label, cfg, n in SPAWN_ROWS:
            v = res.get(backend, "spawn", cfg, n, "exit0", "ns_per_op")
            r = 1.0 if cfg == "baseline" else res.get(backend, "spawn", cfg, n, "exit0", "ratio")
            if v is None and r is None:
                continue
            lines.append(f"| {label} | {fmt_ns(v)} | {fmt_ratio(r)} | "
                         f"{'—' if cfg == 'baseline' else fmt_pct(r)} |")
        lines.append("")
    if res.get(backend, "open_close", "ig_allow", 2, "unprot", "ns_per_op") is None:
        return
    lines.append(f"**Opens under allow rules**, backend `{backend}`: the `ig_allow` policy protects two files "
                 "at audit, one with `allow uid` of the measuring uid, the other with `allow uid` of another "
                 "uid; the `ig` rows are the one-entry policy of the same round. Ratios against the baseline "
                 "of the same round.\n")
    lines.append("| measured file | open+close ns/op | open+close ratio | stat() ratio | read() ratio |")
    lines.append("|---|---:|---:|---:|---:|")
    for label, cfg, n, tgt in ALLOW_ROWS:
        v = res.get(backend, "open_close", cfg, n, tgt, "ns_per_op")
        cells = [fmt_ratio(res.get(backend, b, cfg, n, tgt, "ratio")) for b in MICRO]
        lines.append(f"| {label} | {fmt_ns(v)} | " + " | ".join(cells) + " |")
    lines.append("")
    text = allow_summary(res, backend)
    if text:
        lines.append(text + "\n")


def prog_section(res, backend, lines):
    lv = res.levels(backend)
    if not lv:
        return
    progs = prog_table(res, backend, lv[-1])
    if not progs:
        return
    lines.append(f"**Per-program cost**, backend `{backend}`, {lv[-1]:,} entries: run_time_ns ÷ run_cnt "
                 "deltas over each workload (kernel.bpf_stats_enabled=1 only for this part, then restored); "
                 "runs/op = invocations per syscall of the workload. Median of 3.\n")
    lines.append("| workload | program | runs/op | ns per run | ÷ empty program |")
    lines.append("|---|---|---:|---:|---:|")
    for wl in ("open_unprot", "open_audit", "stat_unprot", "read_audit", "getppid"):
        for p, (rpo, ns) in sorted(progs.get(wl, {}).items()):
            if rpo < 0.005 and ns is None:
                continue
            rv = res.get(backend, "prog", wl, lv[-1], p, "run_vs_null")
            label = f"{p} (empty, floor)" if p.startswith("null_") else p
            lines.append(f"| {wl} | {label} | {rpo:.2f} | {'—' if ns is None else f'{ns:.0f}'} | "
                         f"{'—' if rv is None else f'{rv:.2f}×'} |")
    lines.append("")
    att = [r for r in res.rows if r["backend"] == backend and r["bench"] == "attach"]
    if att:
        lines.append("Attach points (bpftool):\n")
        for r in att:
            lines.append(f"- `{r['target']}`: {r['value']}")
        lines.append("")


def macro_section(res, backend, lines):
    base = res.get(backend, "tar", "baseline", 0, "tree", "wall")
    if base is None:
        return
    lines.append(f"**Macro workload**, backend `{backend}`: `tar -cf - TREE | cat >/dev/null` over a tmpfs copy "
                 "of /usr/include, as an unprivileged user.\n")
    lines.append("| configuration | wall time | ratio |")
    lines.append("|---|---:|---:|")
    lines.append(f"| no inodeguard | {fmt_s(base)} | 1.000 |")
    for (b, bench, cfg, ent, tgt, metric), v in sorted(res.med.items()):
        if b == backend and bench == "tar" and cfg != "baseline" and metric == "wall":
            r = res.get(b, bench, cfg, ent, tgt, "ratio")
            label = (f"inodeguard, {int(ent):,} synthetic entries, tree unprotected" if cfg == "ig" else
                     f"inodeguard, every file of the tree protected at audit ({int(ent):,} entries)")
            lines.append(f"| {label} | {fmt_s(v)} | {fmt_ratio(r)} ({fmt_pct(r)}) |")
    lines.append("")


def round_ratio(res, backend, n):
    """Median over rounds of the previous design's load time over this one's, both in that round."""
    new = {r["round"]: float(r["value"]) for r in res.samples(backend, "load", "conf", "time")
           if int(r["entries"]) == n}
    old = {r["round"]: float(r["value"]) for r in res.samples(backend, "load", "conf_old", "time")
           if int(r["entries"]) == n}
    ratios = sorted(old[k] / new[k] for k in new if k in old and new[k] > 0)
    if not ratios:
        return None
    m = len(ratios)
    return ratios[m // 2] if m % 2 else (ratios[m // 2 - 1] + ratios[m // 2]) / 2


def scale_section(res, backend, lines):
    lines.append(f"**Scale and memory**, backend `{backend}`. A map's memlock is its size as created "
                 "(`protected` and `names` by `--capacity`, the others fixed), so each map has one row "
                 "where its figure was the same at every size measured.\n")
    lines.append("| measurement | entries | value |")
    lines.append("|---|---:|---:|")
    maps = {}
    for (b, bench, cfg, ent, tgt, metric), v in sorted(res.med.items(), key=lambda kv: (kv[0][1], int(kv[0][3]))):
        if b != backend:
            continue
        n = int(ent)
        if bench == "fill_total" and metric == "time":
            what = "delete" if cfg == "delete" else f"insert ({cfg})"
            lines.append(f"| map fill from user space, {what}, one call sequence | {n:,} | {fmt_s(v)} "
                         f"({v * 1e9 / n:.0f} ns/key) |")
        elif bench == "fill" and metric == "time":
            lines.append(f"| incremental batched fill, step {tgt} | {n:,} | {fmt_s(v)} |")
        elif bench == "load" and metric == "time":
            what = {"conf": "tool start to ready line, config of real files",
                    "conf_old": "the same with the previous design (--old-tool)",
                    }.get(cfg, "open+close of every listed file (the previous design's floor)")
            lines.append(f"| {what} | {n:,} | {fmt_s(v)} |")
        elif bench == "load" and metric == "ns_per_op":
            lines.append(f"| one getppid() system call, no tool running | {n:,} | {v:,.0f} ns |")
        elif bench == "start" and metric == "time":
            lines.append(f"| tool start to ready line, one file | {n:,} | {fmt_s(v)} |")
        elif bench == "mem":
            where = {"ig": "steady state", "load": "after loading the config",
                     "load_old": "after loading the config, previous design",
                     "fill_total": "after batched fill"}.get(cfg, cfg)
            if metric == "memlock":
                maps.setdefault(tgt, []).append((n, v))
            else:
                lines.append(f"| {tgt} {metric} ({where}) | {n:,} | {fmt_bytes(v)} |")
    # A map's memlock is its size as created, not its entries': one row
    # per figure as printed (a median a few bytes off is the same figure).
    shown = {name: {fmt_bytes(v) for _, v in samples} for name, samples in maps.items()}
    for name, samples in sorted(maps.items()):
        for value in sorted(shown[name]):
            sizes = sorted({n for n, v in samples if fmt_bytes(v) == value})
            at = (f"{sizes[0]:,} to {sizes[-1]:,}, every state measured" if len(shown[name]) == 1
                  else ", ".join(f"{n:,}" for n in sizes))
            lines.append(f"| {name} memlock | {at} | {value} |")
    if maps and all(len(v) == 1 for v in shown.values()):
        total = sum(max(v for _, v in samples) for samples in maps.values())
        lines.append(f"| every map's memlock together | all | {fmt_bytes(total)} |")
    lines.append("")


def vm_section(results, lines):
    wb = [r for r in results if r.within_boot]
    if not wb:
        return
    lines.append("## Inside VM guests (within-boot ratios)\n")
    lines.append("The `lsm` and `fmodret` backends cannot load on the host, so `bench/vm.sh` runs the same "
                 "benchmark inside a Debian guest kernel under software emulation, one boot per backend. "
                 "Absolute times under emulation mean nothing, so only ratios to a baseline measured in the "
                 "same boot are kept. The guests run with QEMU's `-icount shift=0`: the guest clock advances "
                 "one nanosecond per emulated instruction, so a guest's timings do not depend on how busy "
                 "the host is (without it, the open ratio of one configuration ranged from 0.39 to 1.32 over five "
                 "rounds), and each ratio below is a ratio of executed instructions. That is deterministic "
                 "but blind to cache and TLB misses and to the cost of indirect branches, so it reads as "
                 "the extra work the kernel does, not as native time. The macro workload is left out here: "
                 "it starts processes whose binaries the guest reads from the host over 9p, so its wall "
                 "time includes waits on the host that instruction counting does not remove.\n")
    for res in wb:
        for b in res.backends():
            lv = res.levels(b)
            if not lv:
                continue
            top = lv[-1]
            lines.append(f"### Backend `{b}` (guest)\n")
            lines.append(f"{res.header[0] if res.header else ''}; {rounds_of(res, b)} rounds, medians of the "
                         f"per-round ratios.\n")
            r_un = res.get(b, "open_close", "ig", top, "unprot", "ratio")
            r_null = res.get(b, "open_close", "null", 0, "file", "ratio")
            if r_un is not None:
                over = r_un - 1
                verdict = "met" if over <= TARGET_OPEN_OVERHEAD else \
                    f"missed by {(over - TARGET_OPEN_OVERHEAD) * 100:.1f} points"
                lines.append(f"Target open+close overhead ≤ 3 % at {top:,} entries: {fmt_pct(r_un)}, **{verdict}**" +
                             (f"; an empty program on the same hook costs {fmt_pct(r_null)}." if r_null else ".") +
                             "\n")
            goals = []
            for tgt, where in (("unprot", "beside a protected file"),
                               ("elsewhere", "in a directory with no protected name")):
                r_t = res.get(b, "open_close", "ig", top, tgt, "ratio")
                if r_t is None or r_null is None:
                    continue
                pts = (r_t - r_null) * 100
                goals.append(f"open+close of an unprotected file {where} at most {TARGET_OPEN_OVER_NULL_PTS} "
                             f"points above the empty program: {pts:.1f} points above it, **" +
                             ("met" if pts <= TARGET_OPEN_OVER_NULL_PTS else
                              f"missed by {pts - TARGET_OPEN_OVER_NULL_PTS:.1f} points") + "**")
            r_rd = res.get(b, "read", "ig", top, "unprot", "ratio")
            if r_rd is not None:
                over = (r_rd - 1) * 100
                goals.append(f"read() of an unprotected file at most {TARGET_READ_PCT} % above no inodeguard: "
                             f"{fmt_pct(r_rd)}, **" +
                             ("met" if over <= TARGET_READ_PCT else
                              f"missed by {over - TARGET_READ_PCT:.1f} points") + "**")
            if goals:
                lines.append("Goals at " + f"{top:,} entries: " + "; ".join(goals) + ".\n")
            bits = res.get(b, "fill", "filter", top, "bits_set", "count")
            if bits is not None and bits >= 0:
                share = bits / FILTER_BITS
                lines.append(f"At {top:,} entries {share * 100:.2f} % of the filter's bits are set: an unprotected "
                             "file has that chance that its bit is set too, and then each open, read and write "
                             "of it also pays the hash lookup. The synthetic entries leave the measured "
                             "unprotected files' bits clear (`mapfill -x`), so their rows show the common case "
                             "in every round.\n")
            lines.append("| protected entries | measured file | open+close | stat() | read() |")
            lines.append("|---:|---|---:|---:|---:|")
            rows = [("empty program (floor)", "—", "null", 0, "file")]
            rows += [(f"{n:,}", lab, "ig", n, tgt) for n in lv for tgt, lab in targets_at(res, b, n)]
            for label, file, cfg, n, tgt in rows:
                cells = []
                for bench in MICRO:
                    v = res.get(b, bench, cfg, n, tgt, "ratio")
                    cells.append("n/a" if v is None else f"{v:.3f} ({fmt_pct(v)})")
                lines.append(f"| {label} | {file} | " + " | ".join(cells) + " |")
            lines.append("")
            # The tar pipeline starts processes whose binaries come over 9p
            # from the host: its wall time includes idle waits on the host,
            # which instruction counting does not make deterministic.
            progs = prog_table(res, b, top)
            for wl in ("open_unprot", "open_audit"):
                for p, (rpo, _) in sorted(progs.get(wl, {}).items()):
                    rv = res.get(b, "prog", wl, top, p, "run_vs_null")
                    if rv is not None:
                        lines.append(f"- {wl}: `{p}` runs {rpo:.2f}× per open and takes {rv:.2f}× the "
                                     "empty program's run time (bpf_stats)")
            rdeep = res.get(b, "open_deep", "ig_trees", 1000, "deep", "ratio")
            if rdeep is not None:
                lines.append(f"- a file 40 levels deep with 1,000 directory rules (the ancestry walk, covering "
                             f"none of them): open+close {rdeep:.3f} ({fmt_pct(rdeep)}) against the same file "
                             "without inodeguard")
            rd = res.get(b, "read", "ig", top, "unprot", "ratio")
            st = res.get(b, "stat", "ig", top, "unprot", "ratio")
            if rd is not None and b == "tracepoint":
                lines.append(f"- read() {fmt_pct(rd)} and stat() {fmt_pct(st)} at {top:,} entries, though no "
                             "program runs for them: any per-syscall tracepoint puts every system call of every "
                             "task on the slow exit path (the empty program's row shows the same). This is the "
                             "price of the fallback backend, and one reason it is the last choice.")
            elif rd is not None:
                lines.append(f"- read() at {top:,} entries: {fmt_pct(rd)}. This is a measured design choice: "
                             "the `file_permission` program runs on every read and write, because it is what "
                             "stops a descriptor opened before protection began, inherited, or passed over a "
                             "socket from reading a protected file (docs/threat-model.md, Descriptors). The "
                             "program itself is one filter-word test for an unprotected file; most of the cost "
                             "is the BPF trampoline around it, as the empty program on the same hook shows "
                             f"({fmt_pct(res.get(b, 'read', 'null', 0, 'file', 'ratio'))}).")
            for label, cfg, n in SPAWN_ROWS[1:]:
                rs = res.get(b, "spawn", cfg, n, "exit0", "ratio")
                if rs is not None:
                    lines.append(f"- fork+execve+wait, {label}: {rs:.3f} ({fmt_pct(rs)}) against no inodeguard")
            for label, cfg, n, tgt in ALLOW_ROWS:
                ra = res.get(b, "open_close", cfg, n, tgt, "ratio")
                if ra is not None and cfg == "ig_allow":
                    lines.append(f"- open+close, {label}: {ra:.3f} ({fmt_pct(ra)})")
            text = allow_summary(res, b)
            if text:
                lines.append("- " + text)
            gp = progs.get("getppid", {})
            if gp:
                outside = [p for p, (rpo, _) in gp.items() if rpo >= 0.5]
                lines.append(f"- getppid(): {len(outside)} of {len(gp)} programs ran" +
                             (f" ({', '.join(outside)})" if outside else "") + " — nothing outside the hooks")
            lines.append("")


def plot(results, png):
    """ns/op (host) and overhead ratio (every backend) against protected entries."""
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: gnuplot missing, no plot", file=sys.stderr)
        return False
    host = [r for r in results if not r.within_boot]
    series_abs, series_ratio = [], []
    with tempfile.TemporaryDirectory() as d:
        for res in results:
            for b in res.backends():
                lv = res.levels(b)
                if not lv:
                    continue
                tag = b + (" (VM)" if res.within_boot else "")
                fr = os.path.join(d, f"r-{len(series_ratio)}.dat")
                with open(fr, "w") as f:
                    for n in lv:
                        f.write(f"{n} {res.get(b, 'open_close', 'ig', n, 'unprot', 'ratio') or 'NaN'} "
                                f"{res.get(b, 'open_close', 'ig', n, 'audit', 'ratio') or 'NaN'}\n")
                series_ratio.append((fr, tag))
                if res in host:
                    fa = os.path.join(d, f"a-{len(series_abs)}.dat")
                    base = res.get(b, "open_close", "baseline", 0, "file", "ns_per_op")
                    with open(fa, "w") as f:
                        for n in lv:
                            f.write(f"{n} {res.get(b, 'open_close', 'ig', n, 'unprot', 'ns_per_op') or 'NaN'} "
                                    f"{res.get(b, 'open_close', 'ig', n, 'audit', 'ns_per_op') or 'NaN'} "
                                    f"{base or 'NaN'}\n")
                    series_abs.append((fa, tag))
        if not series_ratio:
            return False
        script = [f"set terminal pngcairo size 1100,{480 if not series_abs else 900} font ',10'",
                  f"set output '{png}'", "set logscale x", "set grid", "set key outside right top",
                  "set xlabel 'protected entries'", "set format x '10^{%L}'"]
        if series_abs:
            script.append("set multiplot layout 2,1")
            script += ["set title 'open()+close(), host: ns/op (median)'", "set ylabel 'ns/op'"]
            cmds = []
            for i, (f, tag) in enumerate(series_abs):
                c = i + 1
                cmds.append(f"'{f}' u 1:2 w lp lc {c} pt 7 lw 2 t '{tag}: unprotected file'")
                cmds.append(f"'{f}' u 1:3 w lp lc {c} pt 6 dt 2 t '{tag}: file at audit'")
                cmds.append(f"'{f}' u 1:4 w l lc {c} dt 3 t '{tag}: no inodeguard'")
            script.append("plot " + ", ".join(cmds))
        script += ["set title 'open()+close(): ratio to baseline of the same run'", "set ylabel 'ratio'",
                   "set yrange [0.99:*]"]
        cmds = [f"'{f}' u 1:2 w lp lc {i + 1} pt 7 lw 2 t '{tag}: unprotected'"
                for i, (f, tag) in enumerate(series_ratio)]
        cmds.append("1.03 w l lc rgb 'red' dt 2 t '3 % target'")
        script.append("plot " + ", ".join(cmds))
        if series_abs:
            script.append("unset multiplot")
        subprocess.run([gp], input="\n".join(script) + "\n", text=True, check=True)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--md", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("tsv", nargs="+")
    a = ap.parse_args()
    results = [Results(p) for p in a.tsv]
    host = [r for r in results if not r.within_boot]
    vm = [r for r in results if r.within_boot]
    lines = ["# Performance", "",
             "<!-- Generated by bench/report.py from bench/run.sh results: do not edit by hand. -->", "",
             "Regenerate this page and `docs/perf-open.png` with **`make bench`**, then **`make docs`** "
             "(root; about 15 minutes on the 2-CPU host: `bench/vm.sh` runs the guests, about 10 minutes, when "
             "the kernels of `make test-vm` are in build/kernels, then `bench/run.sh` measures the host, "
             "including the 1,000,000-file load; both keep their results under build/bench, from which "
             "`make docs` writes the two files). `bench/run.sh --smoke` is the CI variant: tiny sizes, no "
             "timing verdicts.", ""]
    for res in host:
        lines.append(f"Run: {res.header[0] if res.header else res.path}. CPU: {res.env('host')}; "
                     f"active LSMs: {res.env('lsm')}.")
        un = res.unavailable()
        if un:
            where = ("their within-boot ratios from guests follow below" if vm else
                     "they can only be benchmarked inside guests with `bench/vm.sh`, and this "
                     "report has no guest results")
            lines.append(f"Backends that could not run here ({where}): " +
                         "; ".join(f"`{b}` ({why})" for b, why in un) + ".")
        lines.append("")
    for title, section in (("Targets", targets), ("Open cost and other syscalls", micro_tables),
                           ("Allow rules and process creation", allow_section),
                           ("Per-program cost", prog_section), ("Macro workload", macro_section),
                           ("Scale and memory", scale_section)):
        lines.append(f"## {title}\n")
        for res in host:
            for b in res.backends():
                section(res, b, lines)
        if section is micro_tables:
            lines.append("![open()+close() cost against protected entries](perf-open.png)\n")
    vm_section(results, lines)
    lines += [
        "## Method", "",
        "- Microbenchmarks (`bench/open_close.c`, `bench/syscalls.c`) are plain C loops timed with "
        "CLOCK_MONOTONIC; each run does 5 reps of 50,000 operations after a warm-up and reports the "
        "median rep. They run as uid 65534 because root is exempt by default, pinned to the last CPU, on "
        "files in a tmpfs the script mounts under /run.",
        "- Each round measures the baseline (no inodeguard) and then, with one tool instance, every "
        "map size in ascending order (entries beyond the one real protected file are synthetic keys "
        "with device major 4095, which no file has, inserted through the pin with "
        "`bpf_map_update_batch`; their inode numbers set the filter's bits as real entries do, except "
        "the bits that the measured unprotected files test, which they leave clear). Rounds alternate baseline and tool, so slow drift of this noisy "
        "2-CPU machine hits both; ratios are taken within a round, then the median over rounds.",
        "- `bench/spawn.c` forks, execs a static program that exits at once (copied to the tmpfs) and "
        "waits for it, 300 times per rep; it passes its own environment on, whose size the results "
        "record. Each round measures it without inodeguard, with empty programs on the exec, fork and "
        "exit tracepoints, with the one-entry policy and with the allow-rule policy.",
        "- Audit events are read by a consumer (`wc -l`) so that the ring buffer drains as in real use; "
        "the event count is checked to prove the protected file really was protected.",
        "- Per-program numbers come from `kernel.bpf_stats_enabled` (enabled only for that part and "
        "restored after); they include the statistics' own clock reads.",
        "- `stat()` is not hooked by any backend and `read()` only by the LSM/fmod_ret `file_permission` "
        "hook, so no tracepoint program runs for them. They are not entirely free on the tracepoint "
        "backend all the same: attaching to any per-syscall tracepoint sets the syscall-tracepoint work "
        "flag on every task, so every system call takes the slow exit path and passes the probe that "
        "filters syscall events by number. That is the few-percent tax `read()` shows above; the lsm "
        "and fmodret backends do not have it.",
        "- Benchmarks never fail on times; `bench/run.sh` fails only when something cannot run.",
        ""]
    with open(a.md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    ok = plot(results, os.path.abspath(a.png))
    print(f"report: wrote {a.md}" + (f" and {a.png}" if ok else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
