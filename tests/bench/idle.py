#!/usr/bin/env python3
"""make bench, idle part: what the running service costs while it waits, and a peer.

    idle.py --noshowd ./noshowd --work DIR --feed BASE.ics [--idle 60] [--json FILE]

Idle: a feed of 10,000 bookings whose sessions start two months from today is ingested by
one `noshowd --once` on the real clock (so no reminder, release or debt falls due soon), then
the service (`noshowd -f`, poll interval 5 minutes, no watchdog: NOTIFY_SOCKET and
WATCHDOG_USEC unset) is started on it. Its first cycle polls the unchanged feed. Everything
is read from /proc/PID only, never from the service's log or internals: the cycle is over
when the process has used no CPU for 3 s; then VmRSS is its idle RSS (target <= 8 MiB; shown
apart: RssAnon, its own memory, and RssFile, the shared libraries' pages), and
the voluntary plus involuntary context switches over the next --idle seconds are its
wakeups (target: none, as nothing is due within them).

Library floor (--libfloor, tests/bench/libfloor.c): a program linked against the same
libraries as noshowd (checked: the same DT_NEEDED list) that does nothing of its own, its
RSS once they are loaded and once each is used as any cycle uses it, the median of 5 runs;
and the median wall time of 21 starts, what a worker process started for each turn would
pay. Context for the idle RSS target: the part of the RSS that is not noshowd's.

Peer: the same feed as the floor's (--feed) parsed by Python's icalendar (Debian's
python3-icalendar), every attendee of every event visited: one run, wall time of the whole
process, for context only.

Exit status 0 when measured (targets missed or not), 1 when something could not be.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (its write_config: the same configuration as the other figures)

CLK_TCK = os.sysconf("SC_CLK_TCK")
PEER = r"""
import sys, icalendar
n = 0
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
for ev in cal.walk("VEVENT"):
    ev.decoded("DTSTART")
    a = ev.get("ATTENDEE")
    n += len(a) if isinstance(a, list) else (a is not None)
print("attendees", n)
"""


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def proc_cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])	# utime + stime, fields 14 and 15


def proc_rollup(pid):
    """Pss and the private (unshared) part of the RSS, from smaps_rollup."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                out[k] = kib(v)
    return {"pss_kib": out.get("Pss", 0),
            "private_kib": out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)}


def kib(s):
    return int(s.split()[0])


def wait_idle(p, quiet=3.0, timeout=300.0):
    """Until the process has used no CPU for `quiet` seconds; the seconds that took."""
    t0 = time.monotonic()
    last, since = proc_cpu_ticks(p.pid), time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(0.25)
        if p.poll() is not None:
            raise bench.Invalid("the service exited (%d) during its first cycle" % p.returncode)
        now = proc_cpu_ticks(p.pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return since - t0
    raise bench.Invalid("the service did not go idle within %d s" % timeout)


def idle(a, work):
    feed = os.path.join(work, "idle.ics")
    start = datetime.date.today() + datetime.timedelta(days=60)
    subprocess.run([sys.executable, os.path.join(HERE, "genfeed.py"), "--out", feed,
                    "--sessions", "200", "--start", start.isoformat()], check=True,
                   stdout=subprocess.DEVNULL)
    conf = os.path.join(work, "idle.conf")
    db = os.path.join(work, "state", "idle.db")
    os.makedirs(os.path.dirname(db), exist_ok=True)
    bench.rm_db(db)
    bench.write_config(conf, work, db, feed)
    with open(conf, "a") as f:
        f.write('poll_interval = "5m";\n')
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC",
                                                             "WATCHDOG_PID")}
    log = os.path.join(work, "out", "idle-once.txt")
    s, rc, _, text = bench.run([a.noshowd, "-c", conf, "--once"], log)
    st = bench.db_state(db)
    bench.expect(rc == 0 and st["bookings"] == 10000, "idle setup: exit %d, %d bookings "
                 "(want 10000)" % (rc, st["bookings"]), text)
    with open(os.path.join(work, "out", "idle-service.txt"), "wb") as out:
        p = subprocess.Popen([a.noshowd, "-c", conf, "-f"], stdout=out, stderr=out,
                             stdin=subprocess.DEVNULL, env=env)
    try:
        cycle = wait_idle(p)
        st0 = proc_status(p.pid)
        mem = proc_rollup(p.pid)
        t0 = time.monotonic()
        time.sleep(a.idle)
        st1 = proc_status(p.pid)
        span = time.monotonic() - t0
        if p.poll() is not None:
            raise bench.Invalid("the service exited (%d) while idle" % p.returncode)
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    vol = int(st1["voluntary_ctxt_switches"]) - int(st0["voluntary_ctxt_switches"])
    invol = int(st1["nonvoluntary_ctxt_switches"]) - int(st0["nonvoluntary_ctxt_switches"])
    return {"bookings": 10000, "setup_once_s": s, "first_cycle_s": cycle,
            "rss_kib": kib(st0["VmRSS"]), "hwm_kib": kib(st0["VmHWM"]),
            "rss_anon_kib": kib(st0["RssAnon"]), "rss_file_kib": kib(st0["RssFile"]),
            "pss_kib": mem["pss_kib"], "private_kib": mem["private_kib"],
            "rss_target_kib": 8 * 1024, "idle_s": span, "voluntary": vol,
            "nonvoluntary": invol, "wakeups": vol + invol, "wakeups_due": 0,
            "poll_interval_s": 300}


def needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True, text=True,
                         stdout=subprocess.PIPE).stdout
    return sorted(l.split("[", 1)[1].rstrip("]") for l in out.splitlines() if "(NEEDED)" in l)


def libfloor(a, work):
    if needed(a.libfloor) != needed(a.noshowd):
        raise bench.Invalid("%s does not link what noshowd links: %s against %s" % (
            a.libfloor, needed(a.libfloor), needed(a.noshowd)))
    out = {}
    for mode in ("load", "use"):
        runs = []
        for _ in range(5):
            p = subprocess.run([a.libfloor, mode], text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if p.returncode != 0:
                raise bench.Invalid("libfloor %s: exit %d: %s" % (mode, p.returncode,
                                                                   p.stdout.strip()))
            runs.append(json.loads(p.stdout))
        runs.sort(key=lambda r: r["rss_kib"])
        out[mode] = runs[len(runs) // 2]
    starts = []
    for _ in range(21):
        t = time.perf_counter()
        subprocess.run([a.libfloor, "load"], check=True, stdout=subprocess.DEVNULL)
        starts.append(time.perf_counter() - t)
    starts.sort()
    out["start_s"] = starts[len(starts) // 2]
    return out


def peer(a, work):
    s, rc, kb, text = bench.run(["/usr/bin/python3", "-c", PEER, a.feed],
                                os.path.join(work, "out", "peer.txt"))
    if rc != 0 or "attendees" not in text:
        raise bench.Invalid("python3-icalendar failed: %s" % text.strip()[-300:])
    return {"seconds": s, "peak_rss_kib": kb, "attendees": int(text.split()[-1]),
            "icalendar": subprocess.run(["/usr/bin/python3", "-c", "import icalendar; "
                                         "print(icalendar.__version__)"], text=True,
                                        stdout=subprocess.PIPE).stdout.strip()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--noshowd", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--feed", required=True)
    ap.add_argument("--idle", type=float, default=60)
    ap.add_argument("--libfloor", required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    a.noshowd = os.path.abspath(a.noshowd)
    a.libfloor = os.path.abspath(a.libfloor)
    work = os.path.abspath(a.work)
    os.makedirs(os.path.join(work, "out"), exist_ok=True)
    doc, rc = {}, 0
    for name, fn in (("idle", idle), ("libfloor", libfloor), ("peer", peer)):
        try:
            doc[name] = fn(a, work)
        except (bench.Invalid, subprocess.CalledProcessError, OSError) as e:
            print("bench idle: INVALID: %s: %s" % (name, e), file=sys.stderr)
            doc[name] = {"invalid": str(e)}
            rc = 1
    i = doc["idle"]
    if "rss_kib" in i:
        i["rss_verdict"] = "meets" if i["rss_kib"] <= i["rss_target_kib"] else "MISSED"
        i["wakeups_verdict"] = "meets" if i["wakeups"] <= i["wakeups_due"] else "MISSED"
        print("%-52s %9.1f MiB   target <= 8 MiB   %s   (peak %.1f MiB; first cycle %.1f s)"
              % ("idle RSS after a cycle (service, 10,000 bookings)", i["rss_kib"] / 1024,
                 i["rss_verdict"], i["hwm_kib"] / 1024, i["first_cycle_s"]))
        print("%-52s %9.1f MiB   (file-backed: %.1f MiB of shared libraries; PSS %.1f MiB, "
              "private %.1f MiB)" % ("  of which anonymous (the service's own memory)",
                                     i["rss_anon_kib"] / 1024, i["rss_file_kib"] / 1024,
                                     i["pss_kib"] / 1024, i["private_kib"] / 1024))
        print("%-52s %9d       target 0 (none due)   %s   (%d voluntary, %d not)"
              % ("wakeups over %.0f idle s (poll interval 5 min)" % i["idle_s"], i["wakeups"],
                 i["wakeups_verdict"], i["voluntary"], i["nonvoluntary"]))
    lf = doc["libfloor"]
    if "use" in lf:
        print("%-52s %9.1f MiB   (context: a program of nothing linked as noshowd is)"
              % ("  floor: noshowd's libraries loaded", lf["load"]["rss_kib"] / 1024))
        print("%-52s %9.1f MiB   (anonymous %.1f MiB; curl, libical, OpenSSL, SQLite, "
              "libconfig, libopendkim each used once)" % ("  floor: and each used once",
                                                        lf["use"]["rss_kib"] / 1024,
                                                        lf["use"]["rss_anon_kib"] / 1024))
        print("%-52s %9.1f ms    (context: what a worker process per turn would pay)"
              % ("  start of a process that loads them", lf["start_s"] * 1000))
    if "seconds" in doc["peer"]:
        print("%-52s %9.3f s     (peak RSS %.0f MiB; python3-icalendar %s; context only)"
              % ("peer: Python icalendar parses the same feed", doc["peer"]["seconds"],
                 doc["peer"]["peak_rss_kib"] / 1024, doc["peer"]["icalendar"]))
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=2)
        os.replace(a.json + ".tmp", a.json)
    return rc


if __name__ == "__main__":
    sys.exit(main())
