#!/usr/bin/python3
"""Build a valid evidence bundle for tests of data/evidence-verify.sh.

    evidence_bundle.py DIR [--records N] [--tree M] [--timestamp] [--at ISO] [--seed S]

DIR gets the layout noshowd writes (see data/evidence-verify.sh): N records of one booking
among the M leaves of a checkpoint's Merkle tree (RFC 9162 section 2.1, SHA-256), their
audit paths, the messages they mention, the Ed25519-signed statement and, with
--timestamp, an RFC 3161 time-stamp token from a throw-away local TSA. The other M - N
leaves are only hashes, as they are to the reader of a real bundle. DIR/verify.sh is a
copy of data/evidence-verify.sh.

The records carry the strings that break naive parsers: quotes, backslashes, UTF-8, CRLF
inside values, and a dialogue that quotes a `"msg_sha256":"..."` field of a message that is
not in the bundle (escaped, so verify.sh must not ask for it).

Python standard library and the openssl command only. The private keys stay in a
temporary directory that is removed on exit; nothing here is noshowd's own code, so that a
bug there is not copied into the test.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sha(b):
    return hashlib.sha256(b).digest()


def leaf_hash(b):
    return sha(b"\0" + b)


def node_hash(left, right):
    return sha(b"\1" + left + right)


def tree_levels(leaves):
    """Every level, pairing neighbours and carrying an odd last node up unchanged, which
    builds RFC 9162's tree (its left subtrees are powers of two)."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) if i + 1 < len(below) else below[i]
                       for i in range(0, len(below), 2)])
    return levels


def audit_path(levels, m):
    path = []
    for level in levels[:-1]:
        if m ^ 1 < len(level):
            path.append(level[m ^ 1])
        m >>= 1
    return path


def canonical(obj):
    """One line of canonical JSON: noshowd's field order, no spaces, UTF-8 as is."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


MESSAGES = [
    "From: Studio Noord <trainer@example.nl>\r\nTo: Ann <ann@example.nl>\r\n"
    "Subject: Bevestiging NS-7KQ2-4D\r\n\r\nBeste Ann,\r\n\r\nJe plek is gereserveerd.\r\n",
    "From: Studio Noord <trainer@example.nl>\r\nTo: Ann <ann@example.nl>\r\n"
    "Subject: Herinnering: betaal voor 7 december\r\nContent-Type: text/plain; charset=utf-8"
    "\r\n\r\nBeste Ann,\r\n\r\n\u20ac 45,00 \u2014 \u00e9\u00e9n dag resterend.\r\n",
    "From: Studio Noord <trainer@example.nl>\r\nTo: Ann <ann@example.nl>\r\n"
    "Subject: Factuur\r\n\r\nZie bijlage.\r\n.\r\n..dot-stuffed line\r\n",
]


def make_records(n, rnd, at):
    """The bundle's records, as dicts without seq and prev_hash yet."""
    msgs = [m.encode("utf-8") for m in MESSAGES]
    ghost = sha(b"a message of another booking").hex()
    recs = []
    for i in range(n):
        rec = {"at": "%sT15:%02d:%02d.%03dZ" % (at[:10], i % 60, (i * 7) % 60, i % 1000),
               "event": "note", "ref": "NS-7KQ2-4D"}
        kind = i % 6
        if kind in (0, 3, 5):
            msg = msgs[(i // 2) % len(msgs)]
            rec["event"] = "relay-accepted"
            rec["msg_sha256"] = sha(msg).hex()
            rec["smtp"] = "250 2.0.0 Ok: queued as %X" % rnd.getrandbits(40)
        elif kind == 1:
            rec["dialogue"] = ('C: MAIL FROM:<trainer@example.nl>\r\nS: 250 ok\r\n'
                               'X-Debug: {"msg_sha256":"%s"}' % ghost)
        elif kind == 2:
            rec["name"] = 'Ann "the \\\\ Quoter" de Vri\u00ebs \U0001F3CB\u2028end'
            rec["note"] = "tab\there, \u00fc, \\\"msg_sha256\\\":\\\"" + "0" * 64
        else:
            rec["note"] = "plain"
        recs.append(rec)
    return recs, msgs


def openssl(*args, cwd=None):
    r = subprocess.run(("openssl",) + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit("evidence_bundle.py: openssl %s failed:\n%s"
                 % (" ".join(args), r.stdout.decode(errors="replace")))
    return r.stdout


TSA_CONF = """\
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def timestamp(tmp, statement, out):
    """A local TSA (a test CA and a TSA certificate with the critical timeStamping
    extended key usage) answers a query over statement: no server needed."""
    d = os.path.join(tmp, "tsa")
    os.mkdir(d)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", "-new", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days",
            "3650", "-subj", "/CN=noshowd test TSA root",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-new", *ec, "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", "/O=noshowd tests/CN=noshowd test TSA", cwd=d)
    with open(os.path.join(d, "tsa.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,nonRepudiation\n"
                "extendedKeyUsage=critical,timeStamping\n")
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", "0x%x" % random.getrandbits(63), "-days", "3650",
            "-extfile", "tsa.ext", "-out", "tsa.pem", cwd=d)
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(TSA_CONF.format(dir=d))
    openssl("ts", "-query", "-data", statement, "-sha256", "-cert", "-out", "q.tsq", cwd=d)
    openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out", out, cwd=d)


def build(args):
    rnd = random.Random(args.seed)
    n, m = args.records, max(args.tree, args.records)
    # The bundle's records sit at random places in the log, in order; the rest of the
    # log is other customers', of which the bundle shows nothing but leaf hashes.
    where = sorted(rnd.sample(range(m), n))
    recs, msgs = make_records(n, rnd, args.at)
    leaves = [sha(b"other %d %d" % (args.seed, i)) for i in range(m)]
    lines = []
    for idx, rec in zip(where, recs):
        full = {"seq": idx + 1}
        full.update(rec)
        full["prev_hash"] = sha(b"record %d" % idx).hex()
        line = canonical(full)
        assert b"\n" not in line and b"\0" not in line
        lines.append(line)
        leaves[idx] = leaf_hash(line)
    levels = tree_levels(leaves)
    root = levels[-1][0]

    out = os.path.abspath(args.dir)
    os.makedirs(os.path.join(out, "messages"), exist_ok=True)
    os.makedirs(os.path.join(out, "checkpoint"), exist_ok=True)
    with open(os.path.join(out, "records.jsonl"), "wb") as f:
        f.write(b"".join(line + b"\n" for line in lines))
    with open(os.path.join(out, "proofs.txt"), "w") as f:
        for idx in where:
            f.write(" ".join([str(idx)] + [h.hex() for h in audit_path(levels, idx)]) + "\n")
    for msg in msgs:
        with open(os.path.join(out, "messages", sha(msg).hex() + ".eml"), "wb") as f:
            f.write(msg)
    statement = os.path.join(out, "checkpoint", "statement.txt")
    with open(statement, "w") as f:
        f.write("noshowd evidence checkpoint 1\nrecords %d\nhead %s\nroot %s\nat %s\n"
                % (m, sha(b"record %d" % (m - 1)).hex(), root.hex(), args.at))
    for lang in ("en", "nl"):
        with open(os.path.join(out, "summary.%s.txt" % lang), "w") as f:
            f.write("Evidence for booking NS-7KQ2-4D (%d records).\n" % n)
    shutil.copy(os.path.join(TOP, "data", "evidence-verify.sh"), os.path.join(out, "verify.sh"))
    os.chmod(os.path.join(out, "verify.sh"), 0o755)

    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "signing.key")
        openssl("genpkey", "-algorithm", "ed25519", "-out", key)
        openssl("pkey", "-in", key, "-pubout", "-out",
                os.path.join(out, "checkpoint", "signing.pub"))
        openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", statement,
                "-out", os.path.join(out, "checkpoint", "signature.bin"))
        if args.timestamp:
            timestamp(tmp, statement, os.path.join(out, "checkpoint", "timestamp.tsr"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--records", type=int, default=12, help="records in the bundle (N)")
    p.add_argument("--tree", type=int, default=100, help="leaves in the tree (M >= N)")
    p.add_argument("--timestamp", action="store_true", help="add an RFC 3161 token")
    p.add_argument("--at", default="2026-11-23T15:41:31.123Z", help="the checkpoint's time")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.records < 1:
        p.error("--records must be at least 1")
    build(args)


if __name__ == "__main__":
    main()
