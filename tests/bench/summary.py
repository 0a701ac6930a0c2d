#!/usr/bin/env python3
"""The end of `make bench`: one table of every figure and its target, from the parts' JSON
(bench.py: last.json, smtp.py: smtp.json, tick.c: tick.json, idle.py: idle.json), printed
and written as one JSON document (build/bench/results.json) with the parts inside it.

    summary.py --dir build/bench [--out build/bench/results.json]

A part that did not run (BENCH_TICK=0, or it failed) is a row saying so, never a guess.
python3 standard library only.
"""
import argparse
import json
import os
import platform
import time


def load(d, name):
    try:
        with open(os.path.join(d, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_mib": mem, "kernel": platform.release(),
            "load": os.getloadavg()}


def shown(value, unit):
    """A value as the table prints it: a ratio with three figures, and a share of the floor
    under a tenth of it as a percentage (0.4% floor, not 0.0043 × floor); other values as
    %g. The JSON keeps 4 decimals."""
    if value is None:
        return "-"
    if unit == "× floor" and value < 0.1:
        return "%.1f%% floor" % (value * 100)
    if unit.startswith("×"):
        return "%.3g%s" % (value, unit)
    return ("%g %s" % (value, unit)).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="build/bench")
    ap.add_argument("--out")
    a = ap.parse_args()
    parts = {n: load(a.dir, n + ".json") for n in ("last", "smtp", "tick", "idle")}
    rows = []

    def row(figure, value, unit, target, verdict, note=""):
        rows.append({"figure": figure, "value": value, "unit": unit, "target": target,
                     "verdict": verdict, "note": note})

    last = parts["last"]
    if last:
        for f in last["figures"]:
            if "ratio" in f:
                t = f["target_ratio"]
                row(f["label"], round(f["ratio"], 4), "× floor",
                    None if t is None else ("≤ %g%%" % (t * 100) if t < 1 else "≤ %g×" % t),
                    f.get("verdict", "-"), "%.3f s" % f["seconds"])
            else:
                row(f["label"], None, "× floor", None, f.get("verdict"), f.get("note", ""))
    else:
        row("noshowd vs floor", None, "", None, "not run")
    tick = parts["tick"]
    if tick:
        row("policy tick, 1,000,000 over 1,000 bookings", round(tick["tick_ratio"], 3), "×",
            "≤ %g×" % tick["target_ratio"], "MISSED" if tick["missed"] else "meets")
    else:
        row("policy tick, 1,000,000 over 1,000 bookings", None, "×", "≤ 1.5×", "not run")
    smtp = parts["smtp"]
    if smtp:
        row("smtp: %d messages over one connection" % smtp["messages"],
            round(smtp["per_second"]), "messages/s", "≥ 200/s", smtp["verdict"],
            "%.3f s" % smtp["seconds"])
        if "evidence_ratio" in smtp:
            row("smtp: evidence on / off", smtp["evidence_ratio"], "×", "≥ 0.5×",
                smtp["evidence_verdict"], "%.2f ms a message" % smtp["evidence_ms"])
    else:
        row("smtp", None, "", "≥ 200/s", "not run")
    idle = (parts["idle"] or {}).get("idle", {})
    if "rss_kib" in idle:
        row("idle RSS after a cycle", round(idle["rss_kib"] / 1024, 1), "MiB", "≤ 8 MiB",
            idle["rss_verdict"], "anonymous %.1f MiB, shared libraries %.1f MiB" % (
                idle["rss_anon_kib"] / 1024, idle["rss_file_kib"] / 1024))
        row("wakeups over %.0f idle seconds" % idle["idle_s"], idle["wakeups"], "",
            "none due: %d" % idle["wakeups_due"], idle["wakeups_verdict"],
            "poll interval 5 min, watchdog off")
    else:
        row("idle RSS and wakeups", None, "", "≤ 8 MiB, 0", "not run", idle.get("invalid", ""))
    lf = (parts["idle"] or {}).get("libfloor", {})
    if "use" in lf:
        row("  floor: noshowd's libraries loaded, used once", round(lf["use"]["rss_kib"] / 1024, 1),
            "MiB", None, "context", "loaded only %.1f MiB (tests/bench/libfloor.c)" % (
                lf["load"]["rss_kib"] / 1024))
        row("  start of a process that loads them", round(lf["start_s"] * 1000, 1), "ms", None,
            "context", "%.1f%% of the floor: a worker per turn" % (
                100 * lf["start_s"] / last["floor_seconds"]) if last else "")
    peer = (parts["idle"] or {}).get("peer", {})
    if "seconds" in peer and last:
        row("peer: python3-icalendar %s parses the feed" % peer["icalendar"],
            round(peer["seconds"] / last["floor_seconds"], 2), "× floor", None, "context",
            "%.3f s" % peer["seconds"])

    lines = ["%-52s %12s  %-11s  %-10s  %s" % ("figure", "value", "target", "verdict", "")]
    lines.append("-" * 100)
    for r in rows:
        v = shown(r["value"], r["unit"])
        lines.append("%-52s %12s  %-11s  %-10s  %s" % (r["figure"][:52], v, r["target"] or "-",
                                                       r["verdict"] or "-", r["note"]))
    m = machine()
    lines.append("machine: %d × %s, %d MiB, Linux %s, load %.1f at the end" % (
        m["cpus"], m["cpu"], m["mem_mib"], m["kernel"], m["load"][0]))
    print("\n".join(lines))
    doc = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": m, "rows": rows,
           "table": lines, "missed": [r["figure"] for r in rows if r["verdict"] == "MISSED"],
           "parts": parts}
    out = a.out or os.path.join(a.dir, "results.json")
    with open(out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print("wrote %s" % out)


if __name__ == "__main__":
    main()
