#!/usr/bin/env python3
"""Plots of a soak run, one PNG per series.

    plot.py RUN_DIR OUT_DIR [--series NAME[,NAME...]] [--prepared FILE]

Reads RUN_DIR/samples.jsonl, events.jsonl and summary.json (the run directory
of DESIGN.md section 7) and writes OUT_DIR/NN_SERIES.png plus
OUT_DIR/manifest.json ([{"series", "file"}]), printing one "wrote PATH" line
per file. soak itself passes --prepared: a JSON file with the same data
already downsampled by the C++ side ({"plot", "series", "events",
"summary"}), so a 24 h run is not parsed twice.

Each plot shows the raw samples (min/max per bucket for long runs), the floor
signal the analysis fitted, the fit line, the budget's slope drawn from the
fit's start, the warm-up shaded and notable events marked.

Exit codes: 0 plotted, 2 bad input, 3 matplotlib missing.
"""

import argparse
import json
import math
import os
import re
import sys

BUCKETS = 1500
KEY_SERIES = ["rss_bytes", "go_heap_live_bytes", "go_heap_alloc_bytes", "heap_bytes",
              "cgroup_memory_bytes", "threads", "fds", "sockets", "goroutines", "latency_p99_ms"]
UNITS = {"rss_bytes": "bytes", "rss_anon_bytes": "bytes", "pss_bytes": "bytes",
         "heap_bytes": "bytes", "cgroup_memory_bytes": "bytes", "go_heap_alloc_bytes": "bytes", "go_heap_live_bytes": "bytes",
         "threads": "count", "fds": "count", "sockets": "count", "goroutines": "count",
         "go_gc_cycles": "count", "requests": "count", "errors": "count",
         "cpu_seconds": "seconds", "latency_p50_ms": "ms", "latency_p99_ms": "ms"}
# Events worth a vertical marker: colour and short label.
MARKED = {
    "workload_restarted": ("#bf8700", "workload restart"),
    "workload_failed": ("#cf222e", "workload failed"),
    "probe_error": ("#8250df", "probe error"),
    "sut_exited": ("#cf222e", "SUT exited"),
    "early_fail": ("#cf222e", "early fail"),
    "interrupted": ("#57606a", "interrupted"),
    "ready": ("#1a7f37", "ready"),
}
PER_HOURS = {"s": 1 / 3600.0, "m": 1 / 60.0, "h": 1.0, "d": 24.0}


def unit_of(name):
    if name in UNITS:
        return UNITS[name]
    if name.endswith("_bytes") or "_bytes{" in name:
        return "bytes"
    if name.endswith("_seconds") or "_seconds{" in name:
        return "seconds"
    return ""


def downsample(t, v, buckets=BUCKETS):
    """Min and max of each of `buckets` equal time spans, in time order."""
    n = len(t)
    if n <= 2 * buckets:
        return list(t), list(v), False
    t0 = t[0]
    span = (t[-1] - t0) or 1.0
    scale = buckets / span
    lo = [None] * buckets
    hi = [None] * buckets
    for i in range(n):
        b = int((t[i] - t0) * scale)
        if b >= buckets:
            b = buckets - 1
        j = lo[b]
        if j is None:
            lo[b] = hi[b] = i
        else:
            x = v[i]
            if x < v[j]:
                lo[b] = i
            if x > v[hi[b]]:
                hi[b] = i
    ot, ov = [], []
    for b in range(buckets):
        if lo[b] is None:
            continue
        a, c = sorted((lo[b], hi[b]))
        ot.append(t[a])
        ov.append(v[a])
        if c != a:
            ot.append(t[c])
            ov.append(v[c])
    return ot, ov, True


def read_jsonl(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue  # a truncated last line of a killed run
    except FileNotFoundError:
        pass
    return out


def load_run_dir(run_dir, wanted):
    try:
        with open(os.path.join(run_dir, "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, ValueError):
        summary = {}
    samples_path = os.path.join(run_dir, "samples.jsonl")
    if not os.path.exists(samples_path):
        raise SystemExit("plot.py: %s does not exist" % samples_path)
    raw = {}
    loads = json.loads
    with open(samples_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                row = loads(line)
            except ValueError:
                continue
            t = row.get("t")
            if t is None:
                continue
            for k, x in row.items():
                if k == "t" or not isinstance(x, (int, float)):
                    continue
                s = raw.get(k)
                if s is None:
                    s = raw[k] = ([], [])
                s[0].append(t)
                s[1].append(x)
    if not wanted:
        wanted = [b.get("series") for b in summary.get("budgets", []) if b.get("series")]
        wanted += KEY_SERIES
    plot = []
    for name in wanted:
        if name in raw and name not in plot:
            plot.append(name)
    series = {}
    for name in plot:
        t, v = raw[name]
        dt, dv, reduced = downsample(t, v)
        series[name] = {"t": dt, "v": dv, "unit": unit_of(name), "count": len(t),
                        "downsampled": reduced}
    events = read_jsonl(os.path.join(run_dir, "events.jsonl"))
    return {"plot": plot, "series": series, "events": events, "summary": summary}


def fmt_bytes(x):
    a = abs(x)
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if a >= div:
            return "%.3g %s" % (x / div, unit)
    return "%.0f B" % x


def fmt_value(x, unit):
    if unit == "bytes":
        return fmt_bytes(x)
    if unit in ("", "count"):
        return "%.4g" % x
    return "%.4g %s" % (x, unit)


def time_axis(t_end):
    """(divisor, label) so the x axis reads in s, min or h."""
    if t_end > 3 * 3600:
        return 3600.0, "hours since launch"
    if t_end > 3 * 60:
        return 60.0, "minutes since launch"
    return 1.0, "seconds since launch"


def fmt_time_to(s):
    """As analysis::format_time_to: "41 h", "35 min", "12 d", "never"."""
    if s is None:
        return "never"

    def two(x):
        return "%.0f" % x if x >= 10 else ("%.2g" % x)
    if s < 120:
        return "%s s" % two(s)
    if s < 2 * 3600:
        return "%s min" % two(s / 60.0)
    if s < 100 * 3600:
        return "%s h" % two(s / 3600.0)
    return "%s d" % two(s / 86400.0)


def time_to_limit_text(name, unit, ttl):
    short = name[:-6] if name.endswith("_bytes") else name
    return "%s reaches %s in %s [%s, %s]" % (short, fmt_value(ttl.get("limit", 0), unit),
                                              fmt_time_to(ttl.get("estimate")),
                                              fmt_time_to(ttl.get("low")), fmt_time_to(ttl.get("high")))


def budget_slope_per_h(b, summary):
    if b.get("kind") != "slope":
        return None, ""
    per = b.get("per") or "h"
    limit = b.get("limit")
    if limit is None:
        return None, ""
    if per in PER_HOURS:
        return limit / PER_HOURS[per], ""
    if per == "req":
        rate = (summary.get("workload") or {}).get("rate_per_s")
        if rate:
            return limit * rate * 3600.0, " (at the mean request rate)"
    return None, ""


def plot_series(Figure, name, data, out_path):
    summary = data.get("summary") or {}
    s = data["series"][name]
    t, v = s["t"], s["v"]
    unit = s.get("unit") or unit_of(name)
    trend = None
    ttl = None
    for x in summary.get("series", []) or []:
        if x.get("name") == name:
            trend = x.get("trend")
            ttl = x.get("time_to_limit_s")
    budgets = [b for b in summary.get("budgets", []) or [] if b.get("series") == name]
    t_end = max(t[-1] if t else 0.0, (summary.get("run") or {}).get("duration_s") or 0.0)
    # Extrapolation to the limit (DESIGN.md 9): drawn to where it meets the
    # limit when that is within 3 run lengths, so the data stays readable.
    hit = None
    if ttl and t and ttl.get("estimate") is not None and ttl["estimate"] <= 3 * max(t_end, 1.0):
        hit = t[-1] + ttl["estimate"]
        t_end = max(t_end, hit)
    div, xlabel = time_axis(t_end)

    # A bare Figure, not pyplot: no global state, and pyplot's import is
    # the slowest part of a short run.
    fig = Figure(figsize=(11, 3.8), dpi=100)
    ax = fig.subplots()
    warm = None
    if trend and trend.get("warmup_end_s"):
        warm = trend["warmup_end_s"]
    elif (summary.get("run") or {}).get("warmup_s"):
        warm = summary["run"]["warmup_s"]
    if warm:
        ax.axvspan(0, warm / div, color="#eaeef2", zorder=0, label="warm-up (not fitted)")

    label = "samples"
    if s.get("downsampled"):
        label = "samples (min/max of %d per bucket)" % max(1, s.get("count", 0) // BUCKETS)
    ax.plot([x / div for x in t], v, color="#8c959f", lw=0.7, label=label, zorder=2)

    verdict = None
    for b in budgets:
        if b.get("verdict") == "fail":
            verdict = "fail"
        elif verdict is None:
            verdict = b.get("verdict")
    fit_colour = {"fail": "#cf222e", "pass": "#1a7f37"}.get(verdict, "#0969da")

    if trend:
        bt = (trend.get("blocks") or {}).get("t") or []
        bv = (trend.get("blocks") or {}).get("v") or []
        if bt and len(bt) == len(bv):
            ax.plot([x / div for x in bt], bv, "o", ms=3.2, color="#0969da",
                    label="fitted signal (%s)" % trend.get("signal", "?"), zorder=4)
        slope = trend.get("slope_per_h", 0.0)
        t0 = trend.get("fit_t0_s", 0.0)
        y0 = trend.get("fit_y0", 0.0)
        start = trend.get("warmup_end_s") or (bt[0] if bt else t0)
        end = t[-1] if t else t0
        if end > start:
            def fit(x):
                return y0 + slope * (x - t0) / 3600.0
            ax.plot([start / div, end / div], [fit(start), fit(end)], color=fit_colour, lw=2.2,
                    label="fit: %s/h" % fmt_value(slope, unit), zorder=5)
            for b in budgets:
                bs, note = budget_slope_per_h(b, summary)
                if bs is None:
                    continue
                ys = fit(start)
                ax.plot([start / div, end / div], [ys, ys + bs * (end - start) / 3600.0],
                        color="#bf8700", lw=1.6, ls="--",
                        label="budget %s%s" % (b.get("spec", ""), note), zorder=5)
    lo_v, hi_v = (min(v), max(v)) if v else (0.0, 0.0)
    span = max(hi_v - lo_v, abs(hi_v) * 0.05, 1e-9)
    for b in budgets:
        if b.get("kind") == "level" and b.get("limit") is not None:
            limit = b["limit"]
            if lo_v - span <= limit <= hi_v + 2 * span:
                ax.axhline(limit, color="#bf8700", lw=1.6, ls="--",
                           label="budget %s" % b.get("spec", ""), zorder=5)
            else:
                # Far from the data: drawing it would flatten the series to a line.
                ax.plot([], [], color="#bf8700", lw=1.6, ls="--",
                        label="budget %s (off scale; max seen %s)"
                        % (b.get("spec", ""), fmt_value(hi_v, unit)))

    if ttl and t:
        text = "%s (%s)" % (time_to_limit_text(name, unit, ttl), ttl.get("limit_source", "limit"))
        if hit is not None:
            ax.plot([t[-1] / div, hit / div], [ttl.get("level", v[-1]), ttl["limit"]], color="#cf222e",
                    lw=1.8, ls=":", label="extrapolation: " + text, zorder=5)
            ax.axhline(ttl["limit"], color="#cf222e", lw=1.0, ls="-.", zorder=3)
            ax.plot([hit / div], [ttl["limit"]], "x", color="#cf222e", ms=8, zorder=6)
        else:
            ax.plot([], [], color="#cf222e", lw=1.8, ls=":", label=text)

    seen = set()
    for e in data.get("events", []) or []:
        kind = e.get("event")
        if kind not in MARKED or not isinstance(e.get("t"), (int, float)):
            continue
        colour, text = MARKED[kind]
        ax.axvline(e["t"] / div, color=colour, lw=1.0, ls=":", zorder=3,
                   label=text if kind not in seen else None)
        seen.add(kind)

    if unit == "bytes":
        from matplotlib.ticker import FuncFormatter, MultipleLocator
        lo, hi = ax.get_ylim()
        # Ticks at round binary figures (1, 2 or 5 x 2^10k bytes), not 57.2 MiB.
        scale = 1
        for unit_div in (1 << 30, 1 << 20, 1 << 10):
            if max(abs(lo), abs(hi)) >= unit_div:
                scale = unit_div
                break
        raw = (hi - lo) / scale / 5.0
        if raw > 0:
            mag = 10 ** math.floor(math.log10(raw))
            step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
            ax.yaxis.set_major_locator(MultipleLocator(step * scale))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: fmt_bytes(y)))
    elif unit == "count":
        from matplotlib.ticker import MaxNLocator
        lo, hi = ax.get_ylim()
        if hi - lo < 4:  # a flat count: show whole numbers around it, not 12.15
            mid = (hi + lo) / 2.0
            ax.set_ylim(math.floor(mid) - 2, math.ceil(mid) + 2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    title = name
    if budgets:
        title += "  —  " + ", ".join("%s: %s" % (b.get("spec", ""), b.get("verdict", "?"))
                                     for b in budgets)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(unit or "value")
    ax.set_xlim(0, max(t_end, 1e-9) / div)
    ax.grid(True, color="#d8dee4", lw=0.5)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
    # Fixed margins instead of tight_layout(), which costs an extra draw.
    fig.subplots_adjust(left=0.075, right=0.99, top=0.92, bottom=0.13)
    fig.savefig(out_path, format="png")


def main(argv):
    p = argparse.ArgumentParser(description="Plot a soak run directory.")
    p.add_argument("run_dir")
    p.add_argument("out_dir")
    p.add_argument("--series", default="", help="comma-separated series (default: budgeted + key)")
    p.add_argument("--prepared", help="pre-aggregated input written by soak")
    args = p.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError as e:
        print("plot.py: matplotlib is not available to %s: %s" % (sys.executable, e),
              file=sys.stderr)
        return 3
    wanted = [x for x in args.series.split(",") if x]
    try:
        if args.prepared:
            with open(args.prepared, encoding="utf-8") as f:
                data = json.load(f)
            if wanted:
                data["plot"] = [x for x in wanted if x in data.get("series", {})]
        else:
            data = load_run_dir(args.run_dir, wanted)
    except (OSError, ValueError) as e:
        print("plot.py: cannot read input: %s" % e, file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = []
    for i, name in enumerate(data.get("plot", [])):
        if name not in data.get("series", {}) or not data["series"][name].get("t"):
            continue
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]
        fname = "%02d_%s.png" % (i + 1, safe)
        path = os.path.join(args.out_dir, fname)
        plot_series(Figure, name, data, path)
        manifest.append({"series": name, "file": fname})
        print("wrote %s" % path)
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
