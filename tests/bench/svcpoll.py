"""An unchanged poll as the service does it (for tests/bench/bench.py): `noshowd -f` on the
database of the changed poll, told to poll now with SIGUSR1, timed from the signal to the
STATUS= datagram (sd_notify, on a socket of our own) of the turn that applied the poll. The
service pays its start-up once, not per poll, so this is the cost of a poll of a source
that did not change, plus one turn of the policy and the outbox over 100,000 bookings.

The turn the signal starts begins a fetch in a thread (a file as well as HTTP), and the
next turn, woken by its end, applies it: two STATUS= datagrams.
Each poll is checked afterwards: the source's recorded result must be "unchanged" and its
poll moment new, else the figure is INVALID.
"""

import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import time


class Invalid(Exception):
    pass


def _source(db):
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT result, last_poll FROM sources WHERE name = 'bench'").fetchone()
    finally:
        con.close()
    return row or (None, None)


def _drain(sock):
    sock.setblocking(False)
    try:
        while True:
            sock.recv(4096)
    except BlockingIOError:
        pass
    sock.setblocking(True)


def _statuses(sock, n, deadline):
    """Wait for n STATUS= datagrams; the moment the last one came."""
    got = 0
    while got < n:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise Invalid("the service sent %d of %d STATUS= datagrams in time" % (got, n))
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        if b"STATUS=" in data:
            got += 1
    return time.perf_counter()


def measure(noshowd, conf, db, work, http, polls=5, timeout=120):
    """The seconds of each of `polls` unchanged polls in one running service."""
    path = os.path.join(work, "notify.sock")
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = {k: v for k, v in os.environ.items() if k not in ("WATCHDOG_USEC", "WATCHDOG_PID")}
    env["NOTIFY_SOCKET"] = path
    log = open(os.path.join(work, "out", "svcpoll-%s.txt" % ("http" if http else "file")), "wb")
    p = subprocess.Popen([noshowd, "-c", conf, "-f"], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL, env=env)
    per_poll = 2
    times = []
    started = int(time.time())
    try:
        # Start-up and its own first poll (not timed): until the source has been polled.
        deadline = time.perf_counter() + timeout
        while (_source(db)[1] or 0) < started:
            _statuses(sock, 1, deadline)
        time.sleep(0.2)		# a last datagram of that turn
        _drain(sock)
        for _ in range(polls):
            before = _source(db)[1]
            time.sleep(1.05)	# a new second, so that last_poll shows this poll
            _drain(sock)		# what a turn of its own (a due moment) said meanwhile
            t0 = time.perf_counter()
            os.kill(p.pid, signal.SIGUSR1)
            t1 = _statuses(sock, per_poll, t0 + timeout)
            result, last = _source(db)
            if result != "unchanged" or last is None or last == before:
                raise Invalid("a poll in the service: source result %r, last poll %r (before "
                              "%r)" % (result, last, before))
            times.append(t1 - t0)
            time.sleep(0.2)
            _drain(sock)
        if p.poll() is not None:
            raise Invalid("the service exited (%d)" % p.returncode)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()
        sock.close()
        os.unlink(path)
    return times


def median(times):
    return statistics.median(times)
