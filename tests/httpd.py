#!/usr/bin/env python3
"""A real HTTP/1.1 server on loopback for noshowd's tests (python3 stdlib only).

    python3 tests/httpd.py --root DIR --port-file FILE [--log FILE] [--exit-with-parent]

Binds 127.0.0.1 on a free port, writes the port number to FILE (atomically, so a reader never
sees a partial number) and serves DIR until SIGTERM or SIGINT, or, with --exit-with-parent,
until the process that started it is gone (so a test killed with SIGKILL leaves no server).

Files under DIR are served with a strong ETag (the quoted SHA-256 of the content) and a
Last-Modified (the file's mtime). A matching If-None-Match, or (without If-None-Match) an
If-Modified-Since not older than the mtime, gets 304. The file is read afresh for every
200, so a test changes a feed by rewriting the file; a 304 is answered, as a real server
does, from the ETag kept for the file's inode, size, mtime and ctime (any write or copy
changes the ctime), without reading it again.

Special paths for fault tests:

    /status/NNN[?bytes=N]   answer with status NNN and a short body (or N bytes)
    /hang                   accept the request and never answer
    /slow?bytes=N&delay=S   N bytes (Content-Length) in 10 pieces spread over S seconds
    /big?mb=N               N MiB (or ?bytes=N) chunked, without Content-Length
    /bigcl?mb=N             the same with Content-Length
    /redirect-loop          302 to itself
    /redirect?to=URL        302 to URL (the 302 carries a decoy ETag and Last-Modified, so a
                            client can be checked to keep only the final response's headers)
    /noetag/FILE            FILE without ETag or Last-Modified, ignoring conditional headers
    /truncated/FILE         Content-Length of the whole FILE, then half of it and a close
    /gzip/FILE              FILE gzip-compressed (Content-Encoding: gzip) if the client
                            accepts gzip, with the ETag of the compressed bytes

Every request is logged, before its response is sent, as one line:

    GET /feed.ics 304 inm="<etag>" ims="<date>" ua="<user agent>"

where inm is the If-None-Match header as received (an ETag already carries its quotes), ims
the If-Modified-Since header, and an absent header is written as `-` (inm=- ims=-). /hang
logs with status 0 when the request arrives. The log goes to --log FILE, else stderr.
"""

import argparse
import email.utils
import gzip
import hashlib
import os
import signal
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
STOP = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "noshow-test-httpd/1"

    def version_string(self):
        return self.server_version

    # Silence http.server's own access log: ours is written by log_request_line.
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def log_request_line(self, status):
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        ua = self.headers.get("User-Agent")
        line = "%s %s %d inm=%s ims=%s ua=%s\n" % (
            self.command, self.path, status,
            inm if inm is not None else "-",
            '"%s"' % ims if ims is not None else "-",
            '"%s"' % ua if ua is not None else "-")
        self.server.write_log(line)

    # A client that hangs up mid-answer (a size cap, a timeout) is normal here, not an error.
    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                socket.timeout, OSError):
            self.close_connection = True

    def do_HEAD(self):
        self.dispatch(head=True)

    def do_GET(self):
        self.dispatch(head=False)

    def dispatch(self, head):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = urllib.parse.parse_qs(url.query)

        def qnum(name, default):
            try:
                return float(query[name][0])
            except (KeyError, ValueError, IndexError):
                return default

        if path.startswith("/status/"):
            try:
                code = int(path[len("/status/"):])
            except ValueError:
                code = 400
            if not 100 <= code <= 999:
                code = 400
            body = b"status %d\n" % code
            if "bytes" in query:
                body = b"e" * int(qnum("bytes", 0))
            return self.simple(code, body, head)
        if path == "/hang":
            self.log_request_line(0)
            # Sleep in short steps so the thread ends with the server.
            while not STOP.wait(0.2):
                pass
            self.close_connection = True
            return None
        if path == "/slow":
            return self.slow(int(qnum("bytes", 100)), qnum("delay", 1.0), head)
        if path in ("/big", "/bigcl"):
            n = int(qnum("bytes", qnum("mb", 1) * 1024 * 1024))
            return self.big(n, path == "/big", head)
        if path == "/redirect-loop":
            return self.redirect("/redirect-loop", head)
        if path == "/redirect":
            return self.redirect(query.get("to", ["/"])[0], head, decoy=True)
        for prefix in ("/noetag/", "/truncated/", "/gzip/"):
            if path.startswith(prefix):
                return self.file(path[len(prefix) - 1:], head, prefix[1:-1])
        return self.file(path, head, None)

    def simple(self, code, body, head, headers=()):
        self.log_request_line(code)
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if code in (204, 304) or 100 <= code < 200:
            self.end_headers()
            return
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def redirect(self, to, head, decoy=False):
        headers = [("Location", to)]
        if decoy:
            headers += [("ETag", '"redirect-decoy"'),
                        ("Last-Modified", "Thu, 01 Jan 1970 00:00:00 GMT")]
        self.simple(302, b"redirect\n", head, headers)

    def slow(self, n, delay, head):
        self.log_request_line(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        if head:
            return
        self.wfile.flush()
        pieces = 10
        sent = 0
        for i in range(pieces):
            if STOP.wait(delay / pieces):
                return
            k = n * (i + 1) // pieces - sent
            self.wfile.write(b"x" * k)
            self.wfile.flush()
            sent += k

    def big(self, n, chunked, head):
        self.log_request_line(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        if head:
            return
        block = b"y" * CHUNK
        left = n
        while left > 0:
            piece = block[:min(left, CHUNK)]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            left -= len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def file(self, rel, head, mode):
        root = self.server.root
        full = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if not (full == root or full.startswith(root + os.sep)) or not os.path.isfile(full):
            return self.simple(404, b"not found\n", head)
        try:
            st = os.stat(full)
        except OSError:
            return self.simple(404, b"not found\n", head)
        mtime = st.st_mtime
        key = (full, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if mode is None and key in self.server.etags:
            etag = self.server.etags[key]
            if self.not_modified(etag, int(mtime)):
                lastmod = email.utils.formatdate(int(mtime), usegmt=True)
                return self.simple(304, b"", head, [("ETag", etag), ("Last-Modified", lastmod)])
        try:
            with open(full, "rb") as f:
                body = f.read()
        except OSError:
            return self.simple(404, b"not found\n", head)

        headers = []
        if mode == "gzip" and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        if mode != "noetag":
            etag = '"%s"' % hashlib.sha256(body).hexdigest()
            if mode is None:
                self.server.etags[key] = etag
            lastmod = email.utils.formatdate(int(mtime), usegmt=True)
            headers += [("ETag", etag), ("Last-Modified", lastmod)]
            if self.not_modified(etag, int(mtime)):
                return self.simple(304, b"", head, headers)

        self.log_request_line(200)
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if mode == "truncated":
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if mode == "truncated":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)

    # RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it.
    def not_modified(self, etag, mtime):
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if inm.strip() == "*":
                return True
            tags = [t.strip() for t in inm.split(",")]
            weak = [t[2:] if t.startswith("W/") else t for t in tags]
            return etag in weak
        ims = self.headers.get("If-Modified-Since")
        if ims is None:
            return False
        try:
            when = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if when is None:
            return False
        return mtime <= when.timestamp()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, root, log, parent):
        super().__init__(addr, Handler)
        self.root = os.path.realpath(root)
        self.etags = {}		# (path, inode, size, mtime, ctime) -> the content's ETag
        self.log = log
        self.log_lock = threading.Lock()
        self.parent = parent

    def stop(self):
        if not STOP.is_set():
            STOP.set()
            # shutdown() waits for serve_forever to return, so it must run on another thread.
            threading.Thread(target=self.shutdown, daemon=True).start()

    # Called by serve_forever every poll_interval.
    def service_actions(self):
        if self.parent is not None and os.getppid() != self.parent:
            self.stop()

    def write_log(self, line):
        with self.log_lock:
            self.log.write(line)
            self.log.flush()

    # Disconnects are expected; anything else gets one line instead of a traceback.
    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        sys.stderr.write("httpd.py: %s: %r\n" % (client_address, e))


def main():
    ap = argparse.ArgumentParser(description="loopback HTTP server for noshowd's tests")
    ap.add_argument("--root", required=True, help="directory to serve")
    ap.add_argument("--port-file", required=True, help="where to write the port number")
    ap.add_argument("--log", help="request log (default stderr)")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="stop when the parent process exits")
    args = ap.parse_args()

    if not os.path.isdir(args.root):
        sys.exit("httpd.py: --root %s: not a directory" % args.root)
    log = open(args.log, "a", buffering=1) if args.log else sys.stderr
    parent = os.getppid() if args.exit_with_parent else None
    server = Server(("127.0.0.1", 0), args.root, log, parent)

    def stop(signum, frame):
        server.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)

    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        STOP.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
