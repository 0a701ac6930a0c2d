#!/bin/bash
# noshowd under a real systemd notify socket (sd_notify(3)): a listener bound where
# NOTIFY_SOCKET points logs every datagram, one line each, its newlines written as '|'.
# READY=1 at start, STATUS= after every cycle, WATCHDOG=1 at least every half of
# WATCHDOG_USEC, RELOADING=1 with MONOTONIC_USEC and READY=1 around a reload (good or bad),
# STOPPING=1 on TERM; an abstract socket name; WATCHDOG_PID of another process; and a socket
# that nobody listens on. Without NOTIFY_SOCKET at all, service.sh runs the same loop.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds state
cp "$TOP/tests/data/feed-v1.ics" feeds/feed.ics
start_httpd feeds

# Two sources, one that works and one that always fails (404), so that the STATUS line
# has something to count. The daily digest goes 12 hours from now: at its default 07:00,
# run between 06:00 and 07:00 in Amsterdam, it came before the next poll in STATUS=.
digest_hour=$(( (10#$(TZ=Europe/Amsterdam date +%H) + 12) % 24 ))
write_conf() {
	cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
poll_interval = "1h";
policy = { digest_at = "$(printf %02d "$digest_hour"):00"; };
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sources = (
	{ name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; },
	{ name = "gone"; type = "ical"; url = "$HTTPD_URL/status/404"; }
);
CONF
}
write_conf

cat >listen.py <<'PY'
import socket, sys
addr, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(log, "a", encoding="utf-8") as f:
    open(log + ".ready", "w").close()
    while True:
        d = s.recv(65536)
        f.write(d.decode("utf-8", "replace").replace("\n", "|") + "\n")
        f.flush()
PY

# listen ADDRESS LOG: start a listener and wait until it is bound.
listen() {
	: >"$2"
	spawn "$PYTHON" listen.py "$1" "$2" 2>>listen.stderr
	for _ in $(seq 100); do
		[ -e "$2.ready" ] && return 0
		kill -0 "$SPAWN_PID" 2>/dev/null || bail_out "listen.py exited: $(cat listen.stderr)"
		sleep 0.1
	done
	bail_out "listen.py did not start within 10 s"
}
count() { grep -c -- "$1" "${2:-notify.log}" || true; }
polls() { httpd_count "GET /feed.ics"; }
monotonic_usec() { "$PYTHON" -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)'; }
SEP=$(printf ' \302\267 ')	# " · "

listen "$T/notify.sock" notify.log
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 \
	spawn "$NOSHOWD" -c noshowd.conf -f -v 2>daemon.log
pid=$SPAWN_PID
start=$(date +%s)

expect_success 'READY=1 comes first, before the first poll is done' '
	wait_for 10 "test -s notify.log" &&
	expect_eq "$(head -n 1 notify.log)" "READY=1|STATUS=started; polling 2 sources now" \
		"first datagram"
'

expect_success 'STATUS= after the cycle: sources ok of all, unpaid, outbox, what is next and when' '
	wait_for 10 "grep -q \"^STATUS=1 of 2 sources ok$SEP\" notify.log" &&
	"$NOSHOWCTL" -c noshowd.conf --json bookings >b.json &&
	unpaid=$(json_get b.json "[.[] | select(.state == \"pending\")] | length") &&
	test "$unpaid" -ge 1 &&
	! grep -q "^STATUS=2 of 2 sources ok" notify.log &&
	line=$(grep "^STATUS=1 of 2 sources ok$SEP" notify.log | head -n 1) &&
	re="^STATUS=1 of 2 sources ok${SEP}$unpaid unpaid${SEP}outbox 0 waiting, 0 failed" &&
	re="$re${SEP}next: poll of (feed|gone) at ([0-2][0-9]):([0-5][0-9])\$" &&
	[[ $line =~ $re ]] &&
	got=$((10#${BASH_REMATCH[2]} * 60 + 10#${BASH_REMATCH[3]})) &&
	want=$((10#$(TZ=Europe/Amsterdam date -d "@$((start + 3600))" +%H) * 60 +
		10#$(TZ=Europe/Amsterdam date -d "@$((start + 3600))" +%M))) &&
	diff=$(( (got - want + 1440) % 1440 )) &&
	{ [ "$diff" -le 2 ] || [ "$diff" -ge 1438 ]; } ||
	{ echo "# status line: ${line:-none}; expected ~$want min, got ${got:-?}"; false; }
'

expect_success 'WATCHDOG=1 at least every second (WATCHDOG_USEC=2000000), while it sleeps' '
	n=$(count "^WATCHDOG=1$") && p=$(polls) && sleep 3 &&
	test $(( $(count "^WATCHDOG=1$") - n )) -ge 2 &&
	expect_eq "$(polls)" "$p" "polls while sleeping"
'

expect_success 'HUP: RELOADING=1 with MONOTONIC_USEC of now, then READY=1' '
	before=$(monotonic_usec) && n=$(wc -l <notify.log) &&
	kill -HUP '"$pid"' &&
	wait_for 10 "tail -n +$((n + 1)) notify.log | grep -q ^READY=1" &&
	tail -n +$((n + 1)) notify.log | grep -v "^WATCHDOG=1$" >reload.log &&
	line=$(sed -n 1p reload.log) &&
	[[ $line =~ ^RELOADING=1\|MONOTONIC_USEC=([0-9]+)$ ]] &&
	usec=${BASH_REMATCH[1]} && after=$(monotonic_usec) &&
	test "$usec" -ge "$before" && test "$usec" -le "$after" &&
	expect_eq "$(sed -n 2p reload.log)" \
		"READY=1|STATUS=configuration reloaded; polling 2 sources now" "after RELOADING"
'

expect_success 'a failed reload also ends with READY=1, and STATUS says so until fixed' '
	sed -i "s/digest_at = \"[0-9:]*\"/digest_at = \"seven\"/" noshowd.conf &&
	grep -q "digest_at = \"seven\"" noshowd.conf &&
	n=$(wc -l <notify.log) &&
	kill -HUP '"$pid"' &&
	wait_for 10 "tail -n +$((n + 1)) notify.log | grep -q \"sources ok\"" &&
	tail -n +$((n + 1)) notify.log | grep -v "^WATCHDOG=1$" >reload.log &&
	grep -Eq "^RELOADING=1\|MONOTONIC_USEC=[0-9]+$" reload.log &&
	expect_eq "$(sed -n 2p reload.log)" \
		"READY=1|STATUS=reload failed: kept the running configuration" "after RELOADING" &&
	grep -q "^STATUS=reload failed: kept the running configuration${SEP}1 of 2 sources ok" \
		reload.log &&
	kill -0 '"$pid"'
'

expect_success 'a good reload after it clears that from STATUS' '
	write_conf && n=$(wc -l <notify.log) &&
	kill -HUP '"$pid"' &&
	wait_for 10 "tail -n +$((n + 1)) notify.log | grep -q \"sources ok\"" &&
	tail -n +$((n + 1)) notify.log | grep "sources ok" >status.log &&
	grep -q "^STATUS=1 of 2 sources ok" status.log &&
	! grep -q "reload failed" status.log
'

kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM"
expect_success 'TERM: STOPPING=1 is the last word' '
	wait_for 5 "test \"\$(tail -n 1 notify.log)\" = STOPPING=1"
'

# An abstract socket name, and a watchdog meant for another process (WATCHDOG_PID): the
# manager has not asked this one, so it pings nothing.
abstract=@noshowd-test-$$-$RANDOM
listen "$abstract" abstract.log
NOTIFY_SOCKET=$abstract WATCHDOG_USEC=400000 WATCHDOG_PID=1 \
	spawn "$NOSHOWD" -c noshowd.conf -f 2>daemon2.log
pid=$SPAWN_PID

expect_success 'an abstract NOTIFY_SOCKET (@name) gets READY=1 and STATUS=' '
	wait_for 10 "grep -q \"^STATUS=.* sources ok\" abstract.log" &&
	expect_eq "$(head -n 1 abstract.log)" "READY=1|STATUS=started; polling 2 sources now" \
		"first datagram"
'
expect_success 'WATCHDOG_PID of another process: no WATCHDOG=1' '
	sleep 1.5 && expect_eq "$(count "^WATCHDOG=1$" abstract.log)" 0 "WATCHDOG=1 datagrams"
'
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM (abstract socket)"
expect_success 'STOPPING=1 over the abstract socket too' '
	wait_for 5 "test \"\$(tail -n 1 abstract.log)\" = STOPPING=1"
'

# Nobody listens: every datagram fails, noshowd warns once and goes on.
NOTIFY_SOCKET=$T/nobody.sock WATCHDOG_USEC=200000 \
	spawn "$NOSHOWD" -c noshowd.conf -f 2>daemon3.log
pid=$SPAWN_PID

expect_success 'a NOTIFY_SOCKET nobody listens on: one warning, and the service runs' '
	n=$(polls) && sleep 0.5 && kill -USR1 '"$pid"' &&
	wait_for 10 "test \$(polls) -gt $n" && sleep 0.5 &&
	kill -0 '"$pid"' &&
	expect_eq "$(grep -c "systemd notification" daemon3.log)" 1 "warnings" &&
	grep -q "systemd notification: sendto $T/nobody.sock: " daemon3.log
'
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM (no listener)"

done_testing
