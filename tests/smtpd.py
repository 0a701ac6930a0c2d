#!/usr/bin/env python3
"""A real SMTP server on loopback for noshowd's tests (python3-aiosmtpd).

    python3 tests/smtpd.py --port-file FILE --maildir DIR
        [--tls-cert CERT --tls-key KEY] [--starttls | --smtps] [--require-starttls]
        [--auth USER:PASS] [--auth-mech MECH]... [--script FILE] [--log FILE]
        [--listen ADDR:PORT] [--exit-with-parent]

Needs python3-aiosmtpd (1.4.3 in Debian 12); a python3 that is not Debian's own (pyenv, a
venv) finds it through /usr/lib/python3/dist-packages.

Binds 127.0.0.1 on a free port (or ADDR:PORT with --listen, such as 127.0.0.2:25 for an MX
in a private network namespace), writes the port number to FILE (atomically, so a reader never
sees a partial number) and serves until SIGTERM or SIGINT, or, with --exit-with-parent, until
the process that started it is gone (so a test killed with SIGKILL leaves no server).

    --starttls          offer STARTTLS (needs --tls-cert and --tls-key)
    --require-starttls  offer STARTTLS and answer 530 to anything but EHLO/HELO/NOOP/QUIT/
                        STARTTLS before it (implies --starttls)
    --smtps             TLS from the first byte (implicit TLS, as for smtps:// on 465)
    --auth USER:PASS    advertise AUTH (PLAIN and LOGIN) and accept only these credentials,
                        also without TLS; without --auth no AUTH is advertised
    --auth-mech MECH    advertise only this mechanism (repeatable), e.g. --auth-mech LOGIN
    --script FILE       how to answer, see below
    --hostname NAME     the name in the greeting and EHLO answer (default smtpd.test)
    --idle-timeout S    close a connection that has been silent for S seconds (default 300),
                        without a word, as aiosmtpd does

Every accepted message is stored, before the 250 is sent, as DIR/NNNN.eml (the message
bytes as received, CRLF line ends, dot-stuffing undone) and then DIR/NNNN.json:

    {"mail_from": "a@b", "rcpt_tos": ["c@d"], "message_id": "<...>" or null,
     "peer": "127.0.0.1:PORT", "tls": true, "auth_user": "USER" or null,
     "helo": "name given to EHLO", "mail_options": [...], "rcpt_options": [...],
     "connection": N}

both written atomically (temporary file + rename), numbered from 0001 in arrival order
(continuing after any NNNN.json already in DIR). A reader that sees NNNN.json can read
NNNN.eml. The 250 answer is "250 2.0.0 Ok: queued as TNNNN".

The script (--script FILE) has one answer a line; blank lines and lines starting with # are
skipped. Lines starting with `rcpt` answer successive RCPT TO commands, lines starting with
`mail` successive MAIL FROM commands, the others successive ends of DATA, each list in
order; when a list is used up the answer is `ok`.

    ok                  accept (store the message, 250)
    NNN text            answer this instead, e.g. `451 4.3.0 try again later` or
                        `554 5.7.1 rejected`; the message is stored only for a 2xx
    drop                read the whole message, then close the connection without answering
    cut [N]             read the first N bytes of the message (default 1024), then reset the
                        connection (close it with data unread: the client's next write
                        fails, EPIPE or ECONNRESET), in the middle of DATA
    stall               read the whole message and never answer
    delay S             read the whole message, wait S seconds, then accept it
    rcpt ok             accept the recipient
    rcpt NNN text       answer RCPT TO with this, e.g. `rcpt 550 5.1.1 no such user`
    mail ok             accept the sender
    mail NNN text       answer MAIL FROM with this, e.g. `mail 553 5.7.1 sender not allowed`

The log (--log FILE, else stderr) has one line per event, N being the connection number
(1, 2, ... in order of arrival):

    N * connect 127.0.0.1:PORT          N * tls TLSv1.3     (STARTTLS done, or smtps)
    N C: EHLO client.name               a command as received; credentials are shown as
                                        <auth data> (AUTH PLAIN <auth data>, C: <auth data>)
    N S: 250-smtpd.test                 each line answered
    N C: <message data, 123 bytes>      in place of the message itself
    N * stored 0001                     N * auth PLAIN ok USER / N * auth LOGIN failed USER
    N * drop / N * stall                N * close
    N * delay S                         N * cut after N bytes
    N * error SSLError: ...             (a failed TLS handshake, say)
"""

import argparse
import asyncio
import email.parser
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    # A python3 other than Debian's (pyenv, a venv) does not see Debian's packages.
    sys.path.append("/usr/lib/python3/dist-packages")
    from aiosmtpd.smtp import SMTP, AuthResult


class State:
    def __init__(self, args, log):
        self.args = args
        self.log_file = log
        self.maildir = args.maildir
        self.next_conn = 1
        self.data_answers = []
        self.rcpt_answers = []
        self.mail_answers = []
        self.user = self.password = None
        if args.auth is not None:
            self.user, _, self.password = args.auth.partition(":")
        existing = [int(m.group(1)) for m in
                    (re.fullmatch(r"(\d+)\.json", n) for n in os.listdir(self.maildir))
                    if m]
        self.next_msg = max(existing, default=0) + 1
        self.fsync = True

    def log(self, conn, text):
        self.log_file.write("%d %s\n" % (conn, text))
        self.log_file.flush()

    def store(self, content, record):
        n = self.next_msg
        self.next_msg += 1
        base = os.path.join(self.maildir, "%04d" % n)
        for suffix, data in ((".eml", content),
                             (".json", json.dumps(record, indent=1).encode() + b"\n")):
            tmp = "%s%s.tmp" % (base, suffix)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
            os.replace(tmp, base + suffix)
        return n


def read_script(path):
    """The answers for the ends of DATA, for RCPT TO and for MAIL FROM, each in order."""
    data, rcpt, mail = [], [], []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            target = data
            verb = line.split()[0].lower()
            if verb in ("rcpt", "mail"):
                target = rcpt if verb == "rcpt" else mail
                line = line[4:].strip()
                if line in ("drop", "stall") or line.split()[0] in ("delay", "cut"):
                    sys.exit("smtpd.py: %s:%d: %s takes ok or a reply" % (path, lineno, verb))
            if (line not in ("ok", "drop", "stall") and not re.fullmatch(r"[2-5]\d\d( .*)?", line)
                    and not re.fullmatch(r"delay \d+(\.\d+)?", line)
                    and not re.fullmatch(r"cut( \d+)?", line)):
                sys.exit("smtpd.py: %s:%d: not an answer: %r" % (path, lineno, raw.rstrip()))
            target.append(line)
    return data, rcpt, mail


class LoggingReader(asyncio.StreamReader):
    """The connection's reader, made to log what the client sends (except message data).

    aiosmtpd reads commands and AUTH continuations with readuntil() (readline() calls it)."""

    async def readuntil(self, separator=b"\n"):
        line = await super().readuntil(separator)
        smtp = self._noshow_smtp
        if smtp.in_data:
            if smtp.cut_left is not None:
                smtp.cut_left -= len(line)
                if smtp.cut_left <= 0:
                    smtp.state.log(smtp.conn, "* cut after %d bytes" % smtp.cut_bytes)
                    smtp.cut_left = None
                    # abort(): an RST, not a FIN, since the rest of the message is unread.
                    smtp.transport.abort()
                    # connection_lost cancels this task.
                    await asyncio.get_running_loop().create_future()
            return line
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        if smtp.in_auth:
            text = "<auth data>"
        elif text[:5].upper() == "AUTH " and len(text.split()) > 2:
            text = " ".join(text.split()[:2]) + " <auth data>"
        smtp.state.log(smtp.conn, "C: " + text)
        return line


class Server(SMTP):
    def __init__(self, handler, state, conn, **kwargs):
        super().__init__(handler, **kwargs)
        self.state = state
        self.conn = conn
        self.in_data = False
        self.in_auth = False
        self.connected = False
        self.cut_left = self.cut_bytes = None

    def connection_made(self, transport):
        first = not self.connected
        self.connected = True
        super().connection_made(transport)
        if first:
            peer = transport.get_extra_info("peername")
            self.state.log(self.conn, "* connect %s:%d" % (peer[0], peer[1]))
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self.state.log(self.conn, "* tls %s" % ssl_object.version())

    def connection_lost(self, error):
        self.state.log(self.conn, "* close")
        super().connection_lost(error)

    def _client_connected_cb(self, reader, writer):
        reader.__class__ = LoggingReader
        reader._noshow_smtp = self
        super()._client_connected_cb(reader, writer)

    async def push(self, status):
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        self.state.log(self.conn, "S: " + text)
        await super().push(status)

    # A failed TLS handshake (a client that does not trust the test CA) is expected here:
    # one log line instead of aiosmtpd's traceback on stderr.
    async def handle_exception(self, error):
        cause = error.__cause__ or error
        self.state.log(self.conn, "* error %s: %s" % (type(cause).__name__, cause))
        return "421 4.3.0 server error (%s)" % type(cause).__name__

    async def smtp_AUTH(self, arg):
        self.in_auth = True
        try:
            await super().smtp_AUTH(arg)
        finally:
            self.in_auth = False

    async def smtp_DATA(self, arg):
        answers = self.state.data_answers
        if answers and answers[0].split()[0] == "cut" and self.envelope.rcpt_tos:
            words = answers.pop(0).split()
            self.cut_left = self.cut_bytes = int(words[1]) if len(words) > 1 else 1024
            # A small receive buffer, so that the client is still writing when the reset
            # comes (loopback buffers would otherwise take the whole message at once).
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.in_data = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self.in_data = False


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.state.user is None:
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        answer = self.state.mail_answers.pop(0) if self.state.mail_answers else "ok"
        if answer != "ok":
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.state.rcpt_answers.pop(0) if self.state.rcpt_answers else "ok"
        if answer != "ok":
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        content = envelope.original_content
        st.log(server.conn, "C: <message data, %d bytes>" % len(content))
        answer = st.data_answers.pop(0) if st.data_answers else "ok"
        if answer.startswith("delay "):
            st.log(server.conn, "* " + answer)
            await asyncio.sleep(float(answer.split()[1]))
            answer = "ok"
        if answer in ("drop", "stall"):
            st.log(server.conn, "* " + answer)
            if answer == "drop":
                server.transport.close()
            # Wait until the client goes away; connection_lost cancels this task.
            await asyncio.get_running_loop().create_future()
        if answer != "ok" and not answer.startswith("2"):
            return answer
        headers = email.parser.BytesHeaderParser().parsebytes(content)
        message_id = headers.get("Message-ID")
        peer = session.peer
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": message_id.strip() if message_id is not None else None,
            "peer": "%s:%d" % (peer[0], peer[1]),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": session.auth_data if session.authenticated else None,
            "helo": session.host_name,
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "connection": server.conn,
        }
        n = st.store(content, record)
        st.log(server.conn, "* stored %04d" % n)
        return answer if answer != "ok" else "250 2.0.0 Ok: queued as T%04d" % n

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        st = self.state
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = st.user is not None and login == st.user and password == st.password
        st.log(server.conn, "* auth %s %s %s" % (mechanism, "ok" if ok else "failed", login))
        # handled=False: let aiosmtpd answer 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


async def serve(args, state, port_file):
    loop = asyncio.get_running_loop()
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    handler = Handler(state)
    exclude = []
    if args.auth_mech:
        exclude = [m for m in ("PLAIN", "LOGIN") if m not in args.auth_mech]

    def factory():
        conn = state.next_conn
        state.next_conn += 1
        return Server(handler, state, conn, loop=loop, hostname=args.hostname,
                      tls_context=tls if args.starttls else None,
                      require_starttls=args.require_starttls,
                      authenticator=handler.authenticate, auth_require_tls=False,
                      auth_exclude_mechanism=exclude, timeout=args.idle_timeout)

    host, _, port = args.listen.rpartition(":")
    server = await loop.create_server(factory, host=host, port=int(port),
                                      ssl=tls if args.smtps else None)
    port = server.sockets[0].getsockname()[1]
    tmp = "%s.tmp.%d" % (port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, port_file)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    parent = os.getppid() if args.exit_with_parent else None
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except asyncio.TimeoutError:
            pass
        if parent is not None and os.getppid() != parent:
            break
    server.close()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def main():
    ap = argparse.ArgumentParser(description="loopback SMTP server for noshowd's tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--starttls", action="store_true")
    mode.add_argument("--smtps", action="store_true")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth", metavar="USER:PASS")
    ap.add_argument("--auth-mech", action="append", choices=("PLAIN", "LOGIN"))
    ap.add_argument("--script")
    ap.add_argument("--log")
    ap.add_argument("--hostname", default="smtpd.test")
    ap.add_argument("--listen", default="127.0.0.1:0", metavar="ADDR:PORT")
    ap.add_argument("--idle-timeout", type=float, default=300)
    ap.add_argument("--no-fsync", action="store_true",
                    help="do not fsync stored messages (for make bench: measure the client)")
    ap.add_argument("--exit-with-parent", action="store_true")
    args = ap.parse_args()

    if args.require_starttls:
        if args.smtps:
            ap.error("--require-starttls and --smtps do not go together")
        args.starttls = True
    if (args.starttls or args.smtps) and not (args.tls_cert and args.tls_key):
        ap.error("--starttls and --smtps need --tls-cert and --tls-key")
    if ":" not in args.listen or not args.listen.rpartition(":")[2].isdigit():
        ap.error("--listen takes ADDR:PORT")
    if args.auth is not None and ":" not in args.auth:
        ap.error("--auth takes USER:PASS")
    # aiosmtpd's own warnings (deprecations, lost connections) are noise here.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.maildir, exist_ok=True)
    log = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr
    state = State(args, log)
    if args.script:
        state.data_answers, state.rcpt_answers, state.mail_answers = read_script(args.script)
    state.fsync = not args.no_fsync
    asyncio.run(serve(args, state, args.port_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
