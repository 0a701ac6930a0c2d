#!/usr/bin/env python3
"""The measuring half of `make bench` (tests/bench/run.sh builds and generates, then calls
this). python3 standard library only.

    bench.py --noshowd ./noshowd --floor build/bench/floor --work DIR --base BASE.ics
             --changed CHANGED.ics [--httpd tests/httpd.py] [--runs 3] [--json FILE]

Every figure is the wall time of one whole process (start to exit, as a trainer or a timer
sees it), the median of --runs runs, and is reported as a ratio to the floor measured in the
same rounds: a round runs the floor and then each noshowd figure once, so a noisy neighbour
slows floor and noshowd alike. The first ingest, a minute or more, runs only in the first
rounds when all of them would not fit in BUDGET, and is judged against their floor; the rest
of each round runs in every one. Each noshowd run is checked afterwards (exit status,
bookings in the database, the source's recorded result, the first ingest's confirmations in
the maildir and the evidence store, the server's answer): a run that did not do the work is
INVALID, never fast. Peak RSS comes from wait4(2), the numbers GNU time -v prints.

Exit status: 0 when every figure was measured, whether or not it meets its target (this is
a benchmark, not a test); 1 when a figure could not be measured (INVALID), 2 on bad usage.
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

import svcpoll

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The real clock at the start, whole seconds: the service measured beside the --once runs
# (svcpoll.py) runs on the real clock and must find the same world, nothing due (the feed's
# sessions begin a month after today, tests/bench/run.sh).
NOW = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
RUN_TIMEOUT = 300		# one process; a hung run is INVALID, not a hung make
BUDGET = 240			# seconds for all rounds together; fewer rounds when slower

# figure key -> (label, target as a ratio of the floor or None, adopted?)
FIGURES = [
    ("floor", "floor: libical parse + upsert 100,000 into SQLite", None, True),
    ("first", "first ingest (fresh database, 100,000 bookings)", 20.0, True),
    ("changed", "changed poll (+10 bookings)", 1.3, True),
    ("svc_file", "unchanged poll in the service, file:// (same file)", 0.02, True),
    ("svc_304", "unchanged poll in the service, HTTP 304", 0.02, True),
    ("unchanged_file", "unchanged poll, file://, a whole --once process", None, True),
    ("unchanged_304", "unchanged poll, HTTP 304, a whole --once process", None, True),
    ("fixed", "noshowd --once without sources (fixed cost)", None, True),
]


class Invalid(Exception):
    pass


def run(cmd, out_path, timeout=RUN_TIMEOUT):
    """Run cmd with stdout+stderr to out_path; return (seconds, exit code, peak RSS KiB,
    output text). wait4 gives this child's own rusage, unlike RUSAGE_CHILDREN."""
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        t1 = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return t1 - t0, p.returncode, ru.ru_maxrss, text


def rm_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def db_state(path):
    """What a run left in noshowd's database (closing checkpoints the WAL away)."""
    if not os.path.exists(path):
        raise Invalid("no database at %s" % path)
    con = sqlite3.connect(path)
    try:
        states = dict(con.execute("SELECT state, count(*) FROM bookings GROUP BY state"))
        row = con.execute("SELECT result, error, etag, body_hash, last_poll FROM sources "
                          "WHERE name = 'bench'").fetchone()
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error as e:
        raise Invalid("cannot read %s: %s" % (path, e))
    finally:
        con.close()
    src = dict(zip(("result", "error", "etag", "body_hash", "last_poll"), row or ()))
    return {"bookings": sum(states.values()), "states": states, "source": src,
            "events": events}


def snapshot(db, snap):
    rm_db(snap)
    db_state(db)		# checkpoint, so the main file is the whole database
    shutil.copyfile(db, snap)
    if os.path.exists(db + "-wal"):
        shutil.copyfile(db + "-wal", snap + "-wal")


def files_in(d):
    try:
        return sum(1 for e in os.scandir(d) if e.is_file())
    except FileNotFoundError:
        return 0


def set_aside(work, r):
    """A first ingest starts, as a real one does, with an empty maildir and evidence store:
    the last round's are renamed out of the way, not deleted. Deleting 200,000 files
    would make this ext4 look for recently freed inodes on every file created in the next
    half minute (recently_deleted, README), and the round would measure that instead."""
    spent = os.path.join(work, "spent")
    os.makedirs(spent, exist_ok=True)
    for d in ("maildir", "evidence"):
        if os.path.exists(os.path.join(work, d)):
            os.rename(os.path.join(work, d), os.path.join(spent, "%s-%d" % (d, r)))


def settle():
    """Write back what the copies dirtied before the next timed run: otherwise the first
    fsync of that run (SQLite's checkpoint at close) pays for a gigabyte it never wrote."""
    os.sync()


def restore(snap, db):
    rm_db(db)
    shutil.copyfile(snap, db)
    if os.path.exists(snap + "-wal"):
        shutil.copyfile(snap + "-wal", db + "-wal")
    settle()


def write_config(path, work, db, url, with_source=True):
    q = json.dumps		# a JSON string of a plain path is a valid libconfig string
    src = ('sources = ( { name = "bench"; type = "ical"; url = %s; max_size = "200M"; '
           'timeout = "60s"; } );\n' % q(url)) if with_source else "sources = ( );\n"
    with open(path, "w") as f:
        f.write("# written by tests/bench/bench.py\n"
                "database = %s;\n"
                "evidence_dir = %s;\n"
                'timezone = "Europe/Amsterdam";\n'
                'trainer = { name = "Bench Trainer"; email = "bench@example.nl"; };\n'
                'mail = { transport = "maildir"; maildir = %s; templates = %s; };\n'
                "policy = { max_drop = 100; };\n%s"
                % (q(db), q(os.path.join(work, "evidence")),
                   q(os.path.join(work, "maildir")), q(os.path.join(TOP, "conf", "templates")),
                   src))


class Httpd:
    def __init__(self, script, root, work):
        self.port_file = os.path.join(work, "httpd.port")
        self.log = os.path.join(work, "httpd.log")
        for stale in (self.port_file, self.log):
            if os.path.exists(stale):
                os.unlink(stale)
        self.errlog = open(os.path.join(work, "httpd.err"), "wb")
        self.proc = subprocess.Popen([sys.executable, script, "--root", root, "--port-file",
                                      self.port_file, "--log", self.log],
                                     stdout=self.errlog, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        self.port = None
        while time.time() < deadline and self.proc.poll() is None:
            try:
                with open(self.port_file) as f:
                    self.port = int(f.read().strip())
                break
            except (FileNotFoundError, ValueError):
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise Invalid("tests/httpd.py did not start (see %s)" % self.errlog.name)

    def last_status(self):
        with open(self.log) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        return lines[-1].split()[2] if lines else None

    def get(self, path, etag=None):
        """One conditional GET with a plain client: what the server alone costs."""
        t0 = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", path, headers={"If-None-Match": etag} if etag else {})
        r = c.getresponse()
        r.read()
        c.close()
        return time.perf_counter() - t0, r.status, r.getheader("ETag")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errlog.close()


def expect(cond, what, out):
    if not cond:
        tail = "\n    ".join(out.strip().splitlines()[-6:])
        raise Invalid("%s\n    noshowd said: %s" % (what, tail or "(nothing)"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--noshowd", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--changed", required=True)
    ap.add_argument("--httpd")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()

    work = os.path.abspath(a.work)
    noshowd = os.path.abspath(a.noshowd)
    base, changed = os.path.abspath(a.base), os.path.abspath(a.changed)
    n_base = sum(1 for l in open(base, "rb") if l.startswith(b"ATTENDEE"))
    n_changed = sum(1 for l in open(changed, "rb") if l.startswith(b"ATTENDEE"))
    state_db = os.path.join(work, "state", "noshowd.db")
    http_db = os.path.join(work, "http", "noshowd.db")
    feed = os.path.join(work, "feed.ics")
    www = os.path.join(work, "www")
    for d in ("state", "http", "www", "out", "snap"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    conf_file = os.path.join(work, "file.conf")
    conf_http = os.path.join(work, "http.conf")
    conf_none = os.path.join(work, "nosources.conf")
    write_config(conf_file, work, state_db, "feed.ics")	# relative: resolved to work/
    write_config(conf_none, work, state_db, None, with_source=False)
    out = lambda name: os.path.join(work, "out", name + ".txt")
    daemon = lambda conf: [noshowd, "-c", conf, "--once", "--now", NOW]
    snap = lambda name: os.path.join(work, "snap", name + ".db")

    times = {k: [] for k, *_ in FIGURES}
    rss = {}
    invalid = {}
    notes = []
    context = {"feed_bytes": os.path.getsize(base), "bookings_base": n_base,
               "bookings_changed": n_changed, "now": NOW}
    t_hash = time.perf_counter()
    with open(base, "rb") as f:
        hashlib.sha256(f.read()).hexdigest()
    context["sha256_feed_python_s"] = time.perf_counter() - t_hash

    # The HTTP state: a database that polled the base feed over HTTP, so it holds the
    # server's ETag and the next poll is answered 304.
    httpd = None
    srv_times = []		# the test server's own 304s, asked by a plain client
    if a.httpd is None or not os.path.exists(a.httpd):
        invalid["unchanged_304"] = "skipped: tests/httpd.py is not there yet"
    else:
        try:
            shutil.copyfile(base, os.path.join(www, "feed.ics"))
            httpd = Httpd(a.httpd, www, work)
            write_config(conf_http, work, http_db, "http://127.0.0.1:%d/feed.ics" % httpd.port)
        except Invalid as e:
            invalid["unchanged_304"] = "skipped: %s" % e
            httpd = None

    def http_setup():
        """The HTTP state: the first ingest's database polled once over HTTP. Its body hashes
        the same, so that poll is unchanged but keeps the server's ETag, and the next poll
        is answered 304 (no second first ingest of 100,000 bookings just for this)."""
        try:
            restore(snap("first"), http_db)
            s, rc, _, text = run(daemon(conf_http), out("http-setup"))
            context["http_setup_poll_s"] = s
            st = db_state(http_db)
            expect(rc == 0 and st["bookings"] == n_base,
                   "setup poll over HTTP: exit %d, %d bookings (want %d)"
                   % (rc, st["bookings"], n_base), text)
            expect(st["source"].get("etag"), "the poll over HTTP stored no ETag, so "
                   "no poll can be answered 304", text)
            snapshot(http_db, snap("http"))
            # What the test server alone takes to answer 304 (it reads and hashes the
            # whole file on every request): measured with a plain client, subtracted.
            srv = [httpd.get("/feed.ics", st["source"]["etag"]) for _ in range(5)]
            if any(code != 304 for _, code, _ in srv):
                raise Invalid("the test server did not answer 304 to the stored ETag")
            srv_times.extend(t for t, _, _ in srv)
        except Invalid as e:
            invalid["unchanged_304"] = str(e)

    def service_round(key, snapshot_db, db, conf, http):
        """The median of five polls in one running service, from the round's snapshot."""
        if key in invalid:
            return
        try:
            restore(snapshot_db, db)
            polls = svcpoll.measure(noshowd, conf, db, work, http)
            times[key].append(statistics.median(polls))
            context.setdefault(key + "_polls_s", []).extend(polls)
        except (svcpoll.Invalid, OSError) as e:
            invalid[key] = str(e)

    try:
        runs = a.runs
        first_rounds = runs		# the first ingest's rounds: fewer when one is too slow
        r = 0
        started = time.perf_counter()
        while r < runs:
            r += 1
            t_round = time.perf_counter()

            rm_db(os.path.join(work, "floor.db"))
            s, rc, kb, text = run([a.floor, base, os.path.join(work, "floor.db")], out("floor"))
            if rc != 0 or ("bookings %d " % n_base) not in text:
                raise Invalid("the floor failed: %s" % text.strip())
            times["floor"].append(s)
            rss.setdefault("floor", []).append(kb)

            if "first" not in invalid and r <= first_rounds:
                try:
                    rm_db(state_db)
                    set_aside(work, r)
                    shutil.copyfile(base, feed)
                    s, rc, kb, text = run(daemon(conf_file), out("first"))
                    st = db_state(state_db)
                    mails = files_in(os.path.join(work, "maildir", "new"))
                    kept = files_in(os.path.join(work, "evidence", "messages"))
                    expect(rc == 0, "first ingest exited %d" % rc, text)
                    expect(st["bookings"] == n_base and st["source"].get("result") == "changed",
                           "first ingest: %d bookings (want %d), source result %r"
                           % (st["bookings"], n_base, st["source"].get("result")), text)
                    expect(not st["states"].get("waitlisted"), "first ingest waitlisted %d "
                           "(capacity 60 should seat everyone)" % st["states"].get("waitlisted", 0), text)
                    expect(mails == n_base and kept == n_base, "first ingest: %d messages in "
                           "the maildir and %d evidence copies (want a confirmation for each "
                           "of the %d bookings)" % (mails, kept, n_base), text)
                    times["first"].append(s)
                    rss.setdefault("first", []).append(kb)
                    context["states_after_first"] = st["states"]
                    context["events_after_first"] = st["events"]
                    context["summary_first"] = text.strip().splitlines()[-1:]
                    snapshot(state_db, snap("first"))
                except Invalid as e:
                    invalid["first"] = str(e)
                    for k in ("changed", "unchanged_file", "fixed"):
                        invalid.setdefault(k, "the first ingest failed")

            if "changed" not in invalid:
                try:
                    restore(snap("first"), state_db)
                    shutil.copyfile(changed, feed)		# the poll sees the new contents
                    s, rc, kb, text = run(daemon(conf_file), out("changed"))
                    st = db_state(state_db)
                    expect(rc == 0 and st["bookings"] == n_changed
                           and st["source"].get("result") == "changed",
                           "changed poll: exit %d, %d bookings (want %d), source result %r"
                           % (rc, st["bookings"], n_changed, st["source"].get("result")), text)
                    times["changed"].append(s)
                    rss.setdefault("changed", []).append(kb)
                    context["summary_changed"] = text.strip().splitlines()[-1:]
                    snapshot(state_db, snap("changed"))
                except Invalid as e:
                    invalid["changed"] = str(e)
                    invalid.setdefault("unchanged_file", "changed poll failed first")

            if "unchanged_file" not in invalid:
                try:
                    restore(snap("changed"), state_db)
                    s, rc, kb, text = run(daemon(conf_file), out("unchanged"))
                    st = db_state(state_db)
                    expect(rc == 0 and st["bookings"] == n_changed
                           and st["source"].get("result") == "unchanged",
                           "unchanged poll: exit %d, %d bookings, source result %r (want "
                           "'unchanged')" % (rc, st["bookings"], st["source"].get("result")),
                           text)
                    times["unchanged_file"].append(s)
                    rss.setdefault("unchanged_file", []).append(kb)
                except Invalid as e:
                    invalid["unchanged_file"] = str(e)
            if "unchanged_file" in invalid:
                invalid.setdefault("svc_file", "the unchanged poll failed")
            else:
                service_round("svc_file", snap("changed"), state_db, conf_file, False)

            if r == 1 and httpd is not None and "unchanged_304" not in invalid:
                if "first" in invalid:
                    invalid["unchanged_304"] = "the first ingest failed"
                else:
                    http_setup()
            if "unchanged_304" not in invalid:
                try:
                    restore(snap("http"), http_db)
                    s, rc, kb, text = run(daemon(conf_http), out("304"))
                    st = db_state(http_db)
                    code = httpd.last_status()
                    expect(rc == 0 and code == "304" and st["source"].get("result") == "unchanged",
                           "HTTP poll: exit %d, server answered %s (want 304), source result %r"
                           % (rc, code, st["source"].get("result")), text)
                    times["unchanged_304"].append(s)
                    rss.setdefault("unchanged_304", []).append(kb)
                    srv_s, srv_code, _ = httpd.get("/feed.ics", st["source"]["etag"])
                    if srv_code == 304:
                        srv_times.append(srv_s)
                except Invalid as e:
                    invalid["unchanged_304"] = str(e)
            if "unchanged_304" in invalid:
                invalid.setdefault("svc_304", invalid["unchanged_304"])
            else:
                service_round("svc_304", snap("http"), http_db, conf_http, True)
                if "svc_304" not in invalid and httpd.last_status() != "304":
                    invalid["svc_304"] = "the service's poll was answered %s, not 304" % \
                        httpd.last_status()

            if "fixed" not in invalid:
                try:
                    base_snap = [x for x in (snap("changed"), snap("first"))
                                 if os.path.exists(x)]
                    if not base_snap:
                        raise Invalid("no database to start from")
                    restore(base_snap[0], state_db)
                    s, rc, kb, text = run(daemon(conf_none), out("fixed"))
                    expect(rc == 0, "noshowd without sources exited %d" % rc, text)
                    times["fixed"].append(s)
                except Invalid as e:
                    invalid["fixed"] = str(e)

            # A first ingest of 100,000 takes a minute or more: when the rounds would not fit
            # the budget, it runs in fewer of them, and the rest of each round, a few seconds,
            # in all of them. The quick figures are the ones near their targets, where two
            # runs on a noisy machine cannot tell a miss from a slow neighbour.
            spent = time.perf_counter() - t_round
            if r == 1 and runs > 1 and spent * runs > BUDGET:
                first_rounds = max(1, min(runs, int(BUDGET // spent)))
                notes.append("one round took %.0f s: the first ingest runs in %d round(s) "
                             "of %d to stay within the time budget" % (spent, first_rounds,
                                                                       runs))
        context["rounds"] = runs
        context["first_rounds"] = first_rounds
        if srv_times:
            context["httpd_304_s"] = statistics.median(srv_times)
        context["total_s"] = time.perf_counter() - started
    except Invalid as e:
        print("bench: INVALID: %s" % e, file=sys.stderr)
        return 1
    finally:
        if httpd is not None:
            httpd.stop()

    floor = statistics.median(times["floor"])
    rows = []
    for key, label, target, adopted in FIGURES:
        row = {"figure": key, "label": label, "runs": times[key],
               "target_ratio": target, "target_adopted": adopted}
        if times[key] and key not in invalid:
            med = statistics.median(times[key])
            # Against the floor of the rounds this figure ran in: they are the first ones.
            row["floor_seconds"] = statistics.median(times["floor"][:len(times[key])])
            row["seconds"] = med
            row["ratio"] = med / row["floor_seconds"]
            # Each round's figure over the same round's floor: how solid the verdict is.
            row["round_ratios"] = [t / f for t, f in zip(times[key], times["floor"])]
            if target is not None:
                ok = row["ratio"] <= target
                row["verdict"] = ("meets" if ok else "MISSED") if adopted else \
                    ("would meet" if ok else "would MISS")
        else:
            row["verdict"] = "INVALID" if not invalid.get(key, "").startswith("skipped") \
                else "skipped"
            row["note"] = invalid.get(key, "no run")
            if row["note"].startswith("skipped: "):
                row["note"] = row["note"][len("skipped: "):]
        if key in rss:
            row["peak_rss_kib"] = max(rss[key])
        rows.append(row)
    # Two things in the whole-process unchanged figures are not the poll itself: the start-up
    # of a --once process (the service pays it once, not per poll: the "fixed" row), and, for
    # the 304, the test server's answer (measured above with a plain client). The verdict is
    # on the poll in the running service (svc_*), where a poll happens; the whole processes
    # and their net figures are shown for reading, never judged.
    fixed = next(x for x in rows if x["figure"] == "fixed").get("seconds")
    for row in rows:
        if "seconds" not in row or not row["figure"].startswith("unchanged") or fixed is None:
            continue
        net = [("start-up", fixed)]
        if row["figure"] == "unchanged_304" and "httpd_304_s" in context:
            net.append(("test server's 304", context["httpd_304_s"]))
        row["net"] = []
        left = row["seconds"]
        for what, cost in net:
            left = max(0.0, left - cost)
            row["net"].append({"less": what, "less_seconds": cost, "seconds": left,
                               "ratio": left / row["floor_seconds"]})

    # The table.
    def fmt_target(row):
        t = row["target_ratio"]
        if t is None:
            return "-"
        s = ("≤ %.0f%%" % (t * 100)) if t < 1 else ("≤ %.1f×" % t).replace(".0×", "×")
        return s + ("" if row["target_adopted"] else " (to come)")

    lines = []
    head = ("figure", "seconds", "× floor", "rounds (× floor)", "target", "verdict")
    w = max(len(x["label"]) for x in rows) + 2
    lines.append("%-*s  %8s  %8s  %-16s  %-15s  %s" % ((w,) + head))
    lines.append("-" * (w + 70))
    for row in rows:
        if "seconds" in row:
            rr = row["round_ratios"]
            spread = "%.3f–%.3f" % (min(rr), max(rr)) if len(rr) > 1 else ""
            lines.append("%-*s  %8.3f  %7.3f×  %-16s  %-15s  %s" % (
                w, row["label"], row["seconds"], row["ratio"], spread, fmt_target(row),
                row.get("verdict", "")))
            for n in row.get("net", []):
                lines.append("%-*s  %8.3f  %7.3f×  %-16s  %-15s  %s" % (
                    w, "  less %s (%.3f s)" % (n["less"], n["less_seconds"]), n["seconds"],
                    n["ratio"], "", "", "(info)"))
        else:
            lines.append("%-*s  %8s  %8s  %-16s  %-15s  %s: %s" % (
                w, row["label"], "-", "-", "", fmt_target(row), row["verdict"],
                row["note"].splitlines()[0]))
            for extra in row["note"].splitlines()[1:]:
                lines.append("%*s%s" % (w + 2, "", extra))
    lines.append("-" * (w + 70))
    first = next(x for x in rows if x["figure"] == "first")
    if "peak_rss_kib" in first:
        lines.append("peak RSS, first ingest: %.1f MiB (floor: %.1f MiB)" % (
            first["peak_rss_kib"] / 1024, max(rss["floor"]) / 1024))
    lines.append("feed: %d bookings, %.1f MB; changed feed: %d; median of %d run(s), the "
                 "first ingest's of %d; now = %s" % (n_base, context["feed_bytes"] / 1e6,
                                                     n_changed, context["rounds"],
                                                     context["first_rounds"], NOW))
    for k, label in (("http_setup_poll_s", "setup poll over HTTP, storing the ETag (1 run)"),
                     ("sha256_feed_python_s", "SHA-256 of the feed in python (reference)")):
        if k in context:
            lines.append("%s: %.3f s" % (label, context[k]))
    lines.extend("note: " + n for n in notes)
    missed = [x["label"] for x in rows if x.get("verdict") == "MISSED"]
    bad = [x["label"] for x in rows if x.get("verdict") == "INVALID"]
    if missed:
        lines.append("")
        lines.append("MISSED: " + "; ".join(missed))
    if bad:
        lines.append("INVALID (not measured): " + "; ".join(bad))
    print("\n".join(lines))

    doc = {"figures": rows, "floor_seconds": floor, "context": context, "notes": notes,
           "missed": missed, "invalid": bad, "table": lines,
           "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(a.json + ".tmp", a.json)
        print("wrote %s" % a.json)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
