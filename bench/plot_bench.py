#!/usr/bin/python3
"""One picture comparing the systems bench/failover_bench.sh measured: the
client-side outage of every system and setting on one (logarithmic) axis.

Input: the JSON failover_bench.sh writes (build/failover_bench.json; the
committed bench/failover_bench-measured.json). Per system it has
"outage_ms": {min, median, max}; if it also has "outage_ms_trials" (one
outage per successful trial, in ms), every trial is drawn as a dot and a box
shows the quartiles; otherwise a bar spans min..max with the median marked.

usage: plot_bench.py [IN.json] [OUT.svg|OUT.png]
       (default: build/failover_bench.json -> build/failover_bench.svg)

Needs Debian's python3-matplotlib (scripts/install-deps.sh); run with
/usr/bin/python3 so that Debian's packages are the ones imported.
"""
import json
import os
import random
import sys

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402  (after use())
import matplotlib.ticker  # noqa: E402

COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]  # Okabe-Ito


def split_name(name):
    """'keepalived-10ms' -> ('keepalived', '10ms'); the setting is after the last '-'."""
    system, _, setting = name.rpartition("-")
    return (system, setting) if system else (name, "")


def rows(document):
    out = []
    for entry in document.get("systems", []):
        summary = entry.get("outage_ms") or {}
        trials = [t for t in entry.get("outage_ms_trials") or [] if isinstance(t, (int, float))]
        if summary.get("median") is None and not trials:
            continue  # every trial failed: nothing to draw (the table says so)
        system, setting = split_name(entry["system"])
        out.append({"name": entry["system"], "system": system, "setting": setting, "trials": trials,
                    "min": summary.get("min"), "median": summary.get("median"), "max": summary.get("max"),
                    "count": entry.get("trials"), "failed": entry.get("failed", 0),
                    "dual_owner_ms": entry.get("dual_owner_ms_total", 0)})
    return out


def plot(document, out_path):
    data = rows(document)
    if not data:
        raise SystemExit("plot_bench: no system with a measured outage in the input")
    systems = sorted({row["system"] for row in data}, key=lambda s: [r["system"] for r in data].index(s))
    colour = {system: COLOURS[i % len(COLOURS)] for i, system in enumerate(systems)}
    plt.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    figure, axis = plt.subplots(figsize=(9, 0.75 * len(data) + 1.8))
    rng = random.Random(1)  # the jitter of the dots only; seeded: the same picture each run
    labels = []
    for y, row in enumerate(data):
        c = colour[row["system"]]
        if row["trials"]:
            axis.boxplot([row["trials"]], positions=[y], vert=False, widths=0.5, showfliers=False,
                         medianprops={"color": c, "linewidth": 2}, boxprops={"color": c},
                         whiskerprops={"color": c}, capprops={"color": c})
            axis.scatter(row["trials"], [y + rng.uniform(-0.18, 0.18) for _ in row["trials"]],
                         s=14, color=c, alpha=0.7, zorder=3)
            median = sorted(row["trials"])[len(row["trials"]) // 2] if row["median"] is None else row["median"]
        else:
            axis.plot([row["min"], row["max"]], [y, y], color=c, linewidth=6, alpha=0.35, solid_capstyle="butt")
            axis.plot([row["min"], row["max"]], [y, y], "|", color=c, markersize=14)
            axis.plot([row["median"]], [y], "D", color=c, markersize=8, zorder=3)
            median = row["median"]
        axis.annotate(f"{median:.1f} ms", (median, y), textcoords="offset points", xytext=(0, 18 if row["trials"] else 10),
                      ha="center", fontsize=9)
        trials = f"{row['count']} trials" + (f", {row['failed']} failed" if row["failed"] else "")
        labels.append(f"{row['system']}\n{row['setting']} ({trials})")
    axis.set_yticks(range(len(data)))
    axis.set_yticklabels(labels, fontsize=9)
    axis.set_ylim(-0.7, len(data) - 0.3)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_xlabel("client-side outage, ms (log scale; fo-probe outage at 1 ms resolution)")
    with_trials = sum(1 for r in data if r["trials"])
    if with_trials == len(data):
        shape = "dots: every trial; box: quartiles"
    elif with_trials:
        shape = "dots and box: every trial; bar and diamond: min..max and median"
    else:
        shape = "bar: min to max; diamond: median (no per-trial values in the input)"
    axis.set_title(f"Failover outage per system and setting ({shape})", fontsize=10)
    axis.grid(axis="x", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(out_path, metadata={"Date": None} if out_path.endswith(".svg") else None)
    plt.close(figure)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = argv[1] if len(argv) > 1 else os.path.join(root, "build", "failover_bench.json")
    target = argv[2] if len(argv) > 2 else os.path.splitext(source)[0] + ".svg"
    with open(source, encoding="utf-8") as f:
        document = json.load(f)
    plot(document, target)
    print(f"plot_bench: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
