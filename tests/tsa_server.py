#!/usr/bin/python3
"""A small RFC 3161 timestamp authority for noshowd's tests (python3 stdlib and openssl).

    python3 tests/tsa_server.py --config DIR/ts.cnf (--port-file FILE | --port N)
        [--mode MODE] [--save-dir DIR] [--log FILE] [--tls-cert CERT --tls-key KEY]
        [--exit-with-parent]

DIR/ts.cnf comes from tests/tsa-setup.sh. Binds 127.0.0.1 on --port (0, the default, picks a
free one), writes the port number to FILE (atomically, so a reader never sees a partial
number) and serves until SIGTERM or SIGINT, or, with --exit-with-parent, until the process
that started it is gone (so a test killed with SIGKILL leaves no server). With --tls-cert
and --tls-key it speaks https.

A POST's body is the TimeStampReq. It is answered with what

    openssl ts -reply -config CONF -queryfile REQ -out RESP

writes, as application/timestamp-reply, or, for fault tests, as --mode says:

    ok              the reply of the default TSA section (tsa_ok)
    reject          the reply of section tsa_reject: a rejection (status 2, badAlg)
    expiring        the reply of section tsa_expiring (see tests/tsa-setup.sh --expiring)
    500             HTTP 500
    garbage         200 with a body that is no DER at all
    wrong-imprint   a granted reply for a request whose imprint had one byte flipped
    wrong-nonce     a granted reply for a request whose nonce had one byte flipped
    big             200 with 100 KiB of zeros
    redirect        302 to http://127.0.0.1:1/elsewhere
    hang            read the request and never answer

With --save-dir, each request is kept as DIR/NNNN.tsq. Every request is logged, before its
answer, as one line: `POST /path MODE content-type=<Content-Type or ->`.
"""

import argparse
import http.server
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

# DER of the sha256 AlgorithmIdentifier's OID, which precedes the imprint in a request.
SHA256_OID = bytes.fromhex("0609608648016503040201")


def imprint_at(query):
    """Offset of the 32-byte SHA-256 imprint in a DER TimeStampReq."""
    i = query.index(SHA256_OID) + len(SHA256_OID)
    if query[i:i + 2] == b"\x05\x00":  # NULL parameters
        i += 2
    if query[i:i + 2] != b"\x04\x20":
        raise ValueError("no 32-byte imprint after the sha256 OID")
    return i + 2


def tamper(query, mode):
    q = bytearray(query)
    i = imprint_at(query)
    if mode == "wrong-imprint":
        q[i] ^= 0x01
    elif mode == "wrong-nonce":
        j = i + 32
        if q[j] == 0x06:  # a policy OID comes first
            j += 2 + q[j + 1]
        if q[j] != 0x02:
            raise ValueError("the request has no nonce")
        q[j + 1 + q[j + 1]] ^= 0x01  # last byte of the nonce
    return bytes(q)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that hangs up (a timeout, a refused certificate, a size cap) is part of
        the tests, not a server error worth a traceback."""
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "noshowd-test-tsa/1"

    def log_message(self, fmt, *args):
        pass

    def log_line(self):
        line = "%s %s %s content-type=%s\n" % (self.command, self.path, self.server.mode,
                                               self.headers.get("Content-Type", "-"))
        with self.server.lock:
            if self.server.log:
                with open(self.server.log, "a") as f:
                    f.write(line)
            else:
                sys.stderr.write(line)

    def answer(self, code, body, ctype="application/timestamp-reply", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(n)
        self.log_line()
        mode = self.server.mode
        with self.server.lock:
            self.server.count += 1
            if self.server.save_dir:
                path = os.path.join(self.server.save_dir, "%04d.tsq" % self.server.count)
                with open(path, "wb") as f:
                    f.write(query)
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "500":
            return self.answer(500, b"internal error\n", "text/plain")
        if mode == "garbage":
            return self.answer(200, b"this is not a timestamp reply\n")
        if mode == "big":
            return self.answer(200, bytes(100 * 1024))
        if mode == "redirect":
            return self.answer(302, b"", "text/plain",
                               [("Location", "http://127.0.0.1:1/elsewhere")])
        section = {"reject": "tsa_reject", "expiring": "tsa_expiring"}.get(mode, "tsa_ok")
        if mode in ("wrong-imprint", "wrong-nonce"):
            query = tamper(query, mode)
        with self.server.lock, tempfile.TemporaryDirectory() as tmp:
            req = os.path.join(tmp, "q.tsq")
            resp = os.path.join(tmp, "r.tsr")
            with open(req, "wb") as f:
                f.write(query)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", self.server.config,
                                "-section", section, "-queryfile", req, "-out", resp],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0 or not os.path.exists(resp):
                sys.stderr.write(p.stdout.decode(errors="replace"))
                return self.answer(500, b"openssl ts -reply failed\n", "text/plain")
            with open(resp, "rb") as f:
                body = f.read()
        self.answer(200, body)


def main():
    ap = argparse.ArgumentParser(description="test RFC 3161 TSA")
    ap.add_argument("--config", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "reject", "expiring", "500", "garbage", "wrong-imprint",
                             "wrong-nonce", "big", "redirect", "hang"])
    ap.add_argument("--save-dir")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--exit-with-parent", action="store_true")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.config = args.config
    srv.mode = args.mode
    srv.save_dir = args.save_dir
    srv.log = args.log
    srv.lock = threading.Lock()
    srv.count = 0
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)

    port = srv.server_address[1]
    if args.port_file:
        tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    else:
        print(port, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    threading.Thread(target=srv.serve_forever, args=(0.2,), daemon=True).start()
    parent = os.getppid() if args.exit_with_parent else None
    while not stop.wait(0.2):
        if parent is not None and os.getppid() != parent:
            break
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
