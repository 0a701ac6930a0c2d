#!/bin/bash
# noshowd as a service (-f, real clock): it polls at start, sleeps until the next poll
# without waking in between, sends a booking noshowctl made at once, polls again on USR1,
# keeps running on a reload with a broken file, and stops on TERM.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds state
cp "$TOP/tests/data/feed-v1.ics" feeds/feed.ics
start_httpd feeds

write_conf() {
	cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
poll_interval = "1h";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sources = ( { name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; } );
sessions = ( { id = "later"; title = "Later"; start = "${day}T09:00"; end = "${day}T17:00";
	capacity = 40; price = "95.00"; } );
CONF
}
day=$(date -d "+30 days" +%F)
write_conf
polls() { httpd_count "GET /feed.ics"; }

spawn "$NOSHOWD" -c noshowd.conf -f -v 2>daemon.log
pid=$SPAWN_PID
sleep 0.2

expect_success 'it polls at start and sends the messages it decided' '
	wait_for 10 "test \$(polls) -ge 1" &&
	wait_for 10 "test \$(ls state/maildir/new 2>/dev/null | wc -l) -ge 5" &&
	"$NOSHOWCTL" -c noshowd.conf --json bookings >b.json &&
	expect_eq "$(json_get b.json length)" 5 bookings
'

expect_success 'it sleeps until the next poll is due (no poll within 2 s)' '
	n=$(polls) && sleep 2 && expect_eq "$(polls)" "$n" polls
'

# The main thread's voluntary context switches: each wake-up from poll(2) is one.
switches() { sed -n "s/^voluntary_ctxt_switches:[[:space:]]*//p" /proc/$pid/status; }
expect_success 'idle, it does not wake at all (no watchdog here): no context switch in 3 s' '
	n=$(switches) && sleep 3 && expect_eq "$(switches)" "$n" "voluntary context switches"
'

# Before a long sleep it lets go of the library pages it never changed (idlemem.h): its
# mapped file pages are then fewer than those it dropped, and the next steps show that it
# still works afterwards.
rss_file() { sed -n "s/^RssFile:[[:space:]]*\([0-9]*\) kB/\1/p" /proc/$pid/status; }
expect_success 'idle, it holds few library pages: fewer than it let go of' '
	dropped=$(sed -n "s/.*idle: let go of \([0-9]*\) KiB.*/\1/p" daemon.log | tail -1) &&
	test -n "$dropped" && test "$dropped" -ge 4096 && kept=$(rss_file) &&
	test "$kept" -lt "$dropped" || { echo "let go of ${dropped:-none} KiB, holds ${kept:-?}"; false; }
'

expect_success 'a booking made with noshowctl is confirmed at once, without a poll' '
	n=$(polls) && mails=$(ls state/maildir/new | wc -l) &&
	"$NOSHOWCTL" -c noshowd.conf book later zoe@example.nl --name "Zoë Smit" >/dev/null &&
	wait_for 5 "test \$(ls state/maildir/new | wc -l) -gt $mails" &&
	grep -l "zoe@example.nl" state/maildir/new/* >/dev/null &&
	expect_eq "$(polls)" "$n" polls
'

expect_success 'noshowctl and the service write at once: 20 bookings in two parallel loops, all kept' '
	before=$("$NOSHOWCTL" -c noshowd.conf --json bookings later | jq length) &&
	for w in a b; do
		( for i in $(seq 10); do
			"$NOSHOWCTL" -c noshowd.conf book later "p$w$i@example.nl" >/dev/null || exit 1
		done ) &
	done &&
	wait %1 && wait %2 &&
	expect_eq "$("$NOSHOWCTL" -c noshowd.conf --json bookings later | jq length)" $((before + 20)) bookings &&
	wait_for 10 "test \$(grep -l \"@example.nl\" state/maildir/new/* | xargs grep -l \"^To:.*p[ab][0-9]*@example.nl\" | wc -l) -eq 20" &&
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok integrity
'

expect_success 'USR1 polls now, conditionally' '
	n=$(polls) && kill -USR1 '"$pid"' &&
	wait_for 10 "test \$(polls) -gt $n" &&
	test "$(httpd_count "GET /feed.ics 304")" -ge 1
'

expect_success 'a reload with a broken file keeps the running configuration' '
	echo "policy = { payment_term = \"two weeks\"; };" >>noshowd.conf &&
	kill -HUP '"$pid"' &&
	wait_for 10 "grep -q \"keeping the running configuration\" daemon.log" &&
	grep -q "noshowd.conf:[0-9]*: policy.payment_term" daemon.log &&
	kill -0 '"$pid"' &&
	n=$(polls) && kill -USR1 '"$pid"' &&
	wait_for 10 "test \$(polls) -gt $n"
'

expect_success 'a reload with a good file takes it' '
	write_conf && sed -i "s/poll_interval = \"1h\"/poll_interval = \"2h\"/" noshowd.conf &&
	kill -HUP '"$pid"' &&
	wait_for 10 "grep -q \"configuration reloaded\" daemon.log" && kill -0 '"$pid"'
'

kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM"
expect_success 'it said it was stopping' 'grep -q "stopping" daemon.log'

done_testing
