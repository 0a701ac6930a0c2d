#!/usr/bin/env python3
"""make bench, mail part: messages per second from noshowd's outbox to a local SMTP server
over one reused connection (tests/smtpd.py, aiosmtpd, on loopback).

The messages are composed first (a feed of N bookings, one --once run against a server that
answers 451 to everything, so every confirmation waits in the outbox); the timed run is the
next --once, ten minutes later by --now, against a server that accepts everything: it sends
the N waiting messages and nothing else. The figure includes noshowd's start-up; the
server is Python, so it is as much a measure of it as of noshowd. Target: >= 200/s.

Then build/bench/evidence sends the same messages again over one connection, with and
without the evidence step (the kept copy and the evidence record), and prints the ratio.
Target: evidence on >= 0.5 x evidence off.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

DEBIAN_PYTHON = "/usr/bin/python3"	# sees python3-aiosmtpd


def start_smtpd(top, work, name, script_lines):
	script = os.path.join(work, name + ".script")
	with open(script, "w") as f:
		f.write("\n".join(script_lines) + "\n")
	port_file = os.path.join(work, name + ".port")
	maildir = os.path.join(work, name + ".mail")
	os.makedirs(maildir, exist_ok=True)
	p = subprocess.Popen([DEBIAN_PYTHON, os.path.join(top, "tests", "smtpd.py"),
	    "--port-file", port_file, "--maildir", maildir, "--script", script,
	    "--log", os.path.join(work, name + ".log"), "--no-fsync"], stderr=subprocess.DEVNULL)
	for _ in range(100):
		if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
			with open(port_file) as f:
				return p, int(f.read().strip()), maildir
		time.sleep(0.1)
	p.terminate()
	raise SystemExit("bench smtp: tests/smtpd.py did not start")


def write_config(path, top, db, port):
	with open(path, "w") as f:
		f.write('database = "%s";\n' % db)
		f.write('trainer = { name = "Bench Trainer"; email = "bench@example.nl"; };\n')
		f.write('mail = { transport = "smtp"; url = "smtp://127.0.0.1:%d"; starttls = "off";'
		    ' templates = "%s"; };\n' % (port, os.path.join(top, "conf", "templates")))
		f.write('sources = ( { name = "bench"; type = "ical"; url = "feed.ics"; } );\n')


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--noshowd", required=True)
	ap.add_argument("--work", required=True)
	ap.add_argument("--messages", type=int, default=1000)
	ap.add_argument("--json", help="write the figures here")
	a = ap.parse_args()
	top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
	work = os.path.join(a.work, "smtp")
	os.makedirs(work, exist_ok=True)
	sessions = max(1, a.messages // 50)
	subprocess.run([sys.executable, os.path.join(top, "tests", "bench", "genfeed.py"),
	    "--out", os.path.join(work, "feed.ics"), "--sessions", str(sessions),
	    "--attendees", "50"], check=True, stdout=subprocess.DEVNULL)
	n = sessions * 50
	defer, defer_port, _ = start_smtpd(top, work, "defer", ["451 4.3.0 later"] * (n + 10))
	accept, accept_port, maildir = start_smtpd(top, work, "accept", ["ok"])
	try:
		conf = os.path.join(work, "noshowd.conf")
		db = os.path.join(work, "noshowd.db")
		write_config(conf, top, db, defer_port)
		subprocess.run([a.noshowd, "-c", conf, "--once", "--now", "2026-11-01T09:00:00+01:00"],
		    check=True, stdout=subprocess.DEVNULL)
		write_config(conf, top, db, accept_port)
		t0 = time.monotonic()
		r = subprocess.run([a.noshowd, "-c", conf, "--once", "--now",
		    "2026-11-01T09:10:00+01:00"], stdout=subprocess.PIPE, text=True)
		secs = time.monotonic() - t0
		sent = r.stdout.count(": sent: 250")
		stored = len([x for x in os.listdir(maildir) if x.endswith(".eml")])
		if r.returncode != 0 or sent != n or stored != n:
			raise SystemExit("bench smtp: INVALID run: exit %d, %d sent, %d stored of %d"
			    % (r.returncode, sent, stored, n))
		rate = n / secs
		print("%-52s %9.3f   %7.0f/s   target >= 200/s   %s" % (
		    "smtp: %d messages over one connection" % n, secs, rate,
		    "meets" if rate >= 200 else "MISSED"))
		sys.stdout.flush()
		# The same messages again, with and without the evidence step (tests/bench/evidence.c).
		ev = subprocess.run([os.path.join(top, "build", "bench", "evidence"), "-d", db,
		    "-u", "smtp://127.0.0.1:%d" % accept_port, "-w", work], stdout=subprocess.PIPE,
		    text=True)
		sys.stdout.write(ev.stdout)
		if ev.returncode != 0:
			raise SystemExit("bench smtp: INVALID: the evidence bench failed")
		doc = {"messages": n, "seconds": secs, "per_second": rate, "target_per_second": 200,
		       "verdict": "meets" if rate >= 200 else "MISSED", "evidence": ev.stdout}
		m = re.search(r"evidence on / off \(messages per second\)\s+([0-9.]+)\s+([0-9.]+) "
		              r"ms/message", ev.stdout)
		if m:
			doc.update(evidence_ratio=float(m.group(1)), evidence_ms=float(m.group(2)),
			           evidence_target=0.5,
			           evidence_verdict="meets" if float(m.group(1)) >= 0.5 else "MISSED")
		if a.json:
			with open(a.json + ".tmp", "w") as f:
				json.dump(doc, f, indent=2)
			os.replace(a.json + ".tmp", a.json)
	finally:
		for p in (defer, accept):
			p.terminate()
			p.wait()


main()
