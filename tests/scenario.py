#!/usr/bin/python3
"""Replay scenarios: a timeline of configuration, feed versions, bank statements, commands
and clock steps goes in; states, events and messages come out and are checked. The idea is
unbound's replay tests (testdata/*.rpl): one readable file per story, run against the real
programs (noshowd --once --now, noshowctl --now), nothing mocked.

A scenario file (tests/scenarios/*.scn) is a list of steps, one per line; a step ending in
':' takes the indented lines below it as a block. '#' starts a comment line. @DIR@ in a
block is the scenario's scratch directory, @CORPUS@ ../shared/corpus.

  config:            libconfig text added to the base configuration (maildir transport,
                     database and maildir in @DIR@, trainer, Europe/Amsterdam)
  file NAME:         write the block to @DIR@/NAME (a feed version, a bank statement)
  at TIME            set the clock (ISO 8601); it only goes forward
  cycle              noshowd --once --now at the clock
  ctl ARGS...        noshowctl --now CLOCK ARGS, must succeed; <ref:EMAIL> in ARGS (and
                     in a file block) is that customer's booking reference, <badref:EMAIL>
                     the same with a wrong check character
  ctl! ARGS...       the same, must fail (exit 1)
  expect state EMAIL STATE           (EMAIL/SESSION where a customer has several bookings)
  expect field EMAIL FIELD VALUE      a field of `bookings --json` (pay_by as ISO text)
  expect messages EMAIL KIND,KIND...  every message to EMAIL so far, in order ('-' = none)
  expect events EMAIL WHAT,WHAT...    the booking's events' `what`, in order
  expect status KEY VALUE             an integer of `status --json` (KEY.len for a list)
  expect customer EMAIL KEY VALUE     a field of `customer EMAIL --json`
  expect report FROM TO KEY VALUE     a field of `report --json --from FROM --to TO` (KEY as
                                      for status)
  expect export KIND ROW COLUMN VALUE a cell of `export KIND` (ROW 1 is the first after the
                                      header; VALUE may have spaces)
  expect mails EMAIL KIND N           N messages of KIND to EMAIL are in the maildir
  expect text EMAIL KIND WORDS...     a KIND message to EMAIL (sent into the maildir by a
                                      cycle) says WORDS in its text part
  expect calendar EMAIL KIND METHODS  the METHOD of the invitation in each KIND message to
                                      EMAIL in the maildir, in order ('-' = none attached)
"""
import csv
import email
import io
import email.policy
import glob
import json
import re
import os
import shlex
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOSHOWD = os.path.join(TOP, "noshowd")
NOSHOWCTL = os.path.join(TOP, "noshowctl")

BASE = """
database = "@DIR@/noshowd.db";
evidence_dir = "@DIR@/evidence";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Trainer Test"; email = "trainer@example.nl"; iban = "NL91ABNA0417164300";
    address = "Street 1\\n1234 AB Town"; kvk = "12345678"; vat = "NL123456789B01"; };
mail = { transport = "maildir"; maildir = "@DIR@/maildir"; templates = "@TOP@/conf/templates"; };
"""


class Failed(Exception):
    pass


def parse(path):
    steps, block = [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if block is not None and (line.startswith("    ") or line.strip() == ""):
                block.append(line[4:])
                continue
            block = None
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.endswith(":"):
                block = []
                steps.append((n, line[:-1].split(), block))
            else:
                steps.append((n, shlex.split(line), None))
    return steps


class Scenario:
    def __init__(self, path, scratch):
        self.path, self.dir = path, scratch
        self.conf = os.path.join(scratch, "noshowd.conf")
        self.extra = []
        self.clock = None
        self.passed = self.failed = 0

    def sub(self, text):
        corpus = os.path.join(os.path.dirname(TOP), "shared", "corpus")
        return (text.replace("@DIR@", self.dir).replace("@TOP@", TOP)
                .replace("@CORPUS@", corpus))

    def write_conf(self):
        with open(self.conf, "w") as f:
            f.write(self.sub(BASE + "\n".join(self.extra) + "\n"))

    def run(self, argv, want=0):
        r = subprocess.run(argv, capture_output=True, text=True)
        if (want == 0 and r.returncode != 0) or (want != 0 and r.returncode == 0):
            raise Failed("%s: exit %d\n%s%s" % (" ".join(argv[:6]), r.returncode, r.stdout,
                                                 r.stderr))
        return r.stdout

    def ctl(self, *args, want=0):
        return self.run([NOSHOWCTL, "-c", self.conf, "--now", self.clock] + list(args),
                        want)

    def ctl_json(self, *args):
        return json.loads(self.ctl("--json", *args))

    def booking(self, who):
        """who: EMAIL, or EMAIL/SESSION when the customer has several bookings."""
        email, _, session = who.partition("/")
        hits = [b for b in self.ctl_json("bookings")
                if b["email"] == email and (not session or b["session"] == session)]
        if len(hits) != 1:
            raise Failed("%d bookings for %s" % (len(hits), who))
        return hits[0]

    def show(self, email):
        return self.ctl_json("show", self.booking(email)["ref"])

    @staticmethod
    def dig(v, key):
        """KEY.0.FIELD into a JSON document; .len is a list's length."""
        for part in key.split("."):
            v = len(v) if part == "len" else v[int(part) if part.isdigit() else part]
        return v

    def mails(self, to, kind):
        """Every KIND message to TO in the maildir, in the order written."""
        found = []
        for path in sorted(glob.glob(os.path.join(self.dir, "maildir", "new", "*"))):
            with open(path, "rb") as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            if str(m["X-Noshowd-Kind"]) == kind and to in str(m["To"]):
                found.append(m)
        return found

    def mail_texts(self, to, kind):
        """The text part of every KIND message to TO in the maildir."""
        return [m.get_body(preferencelist=("plain",)).get_content()
                for m in self.mails(to, kind)]

    def calendar_methods(self, to, kind):
        methods = []
        for m in self.mails(to, kind):
            cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
            methods.append(cal[0].get_param("method") if cal else "-")
        return ",".join(methods)

    def refs(self, text):
        """<ref:EMAIL> is that customer's booking reference; <badref:EMAIL> the same with
        a wrong check character (a mistyped transfer)."""
        def ref(m):
            r = self.booking(m.group(2))["ref"]
            if m.group(1) == "badref":
                alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
                r = r[:-1] + alphabet[(alphabet.index(r[-1]) + 1) % len(alphabet)]
            return r
        return re.sub(r"<(ref|badref):([^>]+)>", ref, text)

    def check(self, what, got, want):
        if str(got) == str(want):
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("not ok - %s: got %r, want %r" % (what, got, want))

    def expect(self, n, args):
        kind, rest = args[0], [self.refs(a) for a in args[1:]]
        label = "%s:%d expect %s" % (os.path.basename(self.path), n, " ".join(rest))
        if kind == "state":
            self.check(label, self.booking(rest[0])["state"], rest[1])
        elif kind == "field":
            self.check(label, self.booking(rest[0])[rest[1]], rest[2])
        elif kind == "messages":
            to = rest[0].partition("/")[0]
            msgs = [m["kind"] for m in self.show(rest[0])["messages"] if m["to"] == to]
            self.check(label, ",".join(msgs) or "-", rest[1])
        elif kind == "events":
            self.check(label, ",".join(e["what"] for e in self.show(rest[0])["events"]),
                       rest[1])
        elif kind == "mails":
            self.check(label, len(self.mail_texts(rest[0], rest[1])), rest[2])
        elif kind == "text":
            texts = self.mail_texts(rest[0], rest[1])
            want = " ".join(rest[2:])
            said = [t for t in texts if want in " ".join(t.split())]
            self.check(label, want if said else "\n---\n".join(texts), want)
        elif kind == "calendar":
            self.check(label, self.calendar_methods(rest[0], rest[1]), rest[2])
        elif kind == "export":
            rows = list(csv.DictReader(io.StringIO(self.ctl("export", rest[0]))))
            row = rows[int(rest[1]) - 1] if 0 < int(rest[1]) <= len(rows) else {}
            self.check(label, row.get(rest[2]), " ".join(rest[3:]))
        elif kind == "customer":
            self.check(label, self.ctl_json("customer", rest[0])[rest[1]], " ".join(rest[2:]))
        elif kind == "report":
            got = self.dig(self.ctl_json("report", "--from", rest[0], "--to", rest[1]),
                            rest[2])
            self.check(label, got, rest[3])
        elif kind == "status":
            self.check(label, self.dig(self.ctl_json("status"), rest[0]), rest[1])
        else:
            raise Failed("line %d: unknown expectation %s" % (n, kind))

    def play(self):
        for n, args, block in parse(self.path):
            step = args[0]
            if step == "config":
                self.extra.append("\n".join(block))
                self.write_conf()
            elif step == "file":
                path = os.path.join(self.dir, args[1])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(self.refs(self.sub("\n".join(block) + "\n")))
            elif step == "at":
                self.clock = args[1]
            elif step == "cycle":
                self.run([NOSHOWD, "-c", self.conf, "--once", "--now", self.clock])
            elif step in ("ctl", "ctl!"):
                self.ctl(*[self.refs(self.sub(a)) for a in args[1:]], want=1 if step == "ctl!" else 0)
            elif step == "expect":
                self.expect(n, args[1:])
            else:
                raise Failed("line %d: unknown step %s" % (n, step))


def main():
    passed = failed = 0
    for path in sys.argv[1:]:
        with tempfile.TemporaryDirectory(prefix="noshowd-scn-") as scratch:
            sc = Scenario(path, scratch)
            sc.write_conf()
            try:
                sc.play()
            except Failed as e:
                sc.failed += 1
                print("not ok - %s: %s" % (os.path.basename(path), e))
            passed += sc.passed
            failed += sc.failed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
