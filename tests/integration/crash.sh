#!/bin/bash
# kill -9 at random moments (#9): cycles that ingest a feed of a few hundred bookings and
# send a message for each over SMTP (tests/smtpd.py, which keeps every message it accepts)
# are killed with SIGKILL after a random delay, many times over, and run again until
# nothing is left to send. Afterwards every decided message has arrived, nothing arrived
# that was not decided, a message that arrived twice did so with one Message-ID (the window
# between the server's 250 and the local commit), the database passes integrity_check, the
# evidence log verifies, and bookings agree with the feed.
#
# The delays come from bash's RANDOM seeded with CRASH_SEED (printed; default: from the
# clock), so that a failure can be replayed: CRASH_SEED=N bash tests/integration/crash.sh.
# CRASH_KILLS (default 40) sets how many runs are started with a kill due; at least a
# third must be killed before they finish (the delays adapt to the machine's speed).
. "$(dirname "$0")/../lib.sh"

SEED=${CRASH_SEED:-$(($(date +%s%N) % 32768))}
KILLS=${CRASH_KILLS:-40}
echo "# crash: CRASH_SEED=$SEED CRASH_KILLS=$KILLS"
RANDOM=$SEED

# feed SESSIONS PER CAPACITY DECLINED EXTRA: SESSIONS sessions with PER attendees each
# (the first DECLINED of them declined) and EXTRA more.
feed() {
	"$PYTHON" - "$@" <<'PY'
import sys
sessions, per, cap, decline, extra = map(int, sys.argv[1:6])
out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//noshowd crash test//EN"]
for s in range(sessions):
    out += ["BEGIN:VEVENT", "UID:crash-%d@test" % s, "DTSTAMP:20261101T090000Z",
            "SUMMARY:Crash course %d" % s,
            "DTSTART;TZID=Europe/Amsterdam:202702%02dT090000" % (s + 1),
            "DTEND;TZID=Europe/Amsterdam:202702%02dT170000" % (s + 1),
            "X-NOSHOWD-CAPACITY:%d" % cap, "X-NOSHOWD-PRICE:95.00"]
    for a in range(per + extra):
        st = ";PARTSTAT=DECLINED" if a < decline else ""
        out.append("ATTENDEE;CN=Person %d-%d%s:mailto:p%d-%d@example.nl" % (s, a, st, s, a))
    out.append("END:VEVENT")
out.append("END:VCALENDAR")
sys.stdout.write("\r\n".join(out) + "\r\n")
PY
}

mkdir -p state
# Phase 1: 5 sessions of 40 seats with 48 attendees each (200 confirmations, 40 waiting
# list notices); phase 2, part-way: 10 more each and 6 of each declined (cancellations and
# seats offered from the waiting list).
feed 5 48 40 0 0 >feed.ics
start_smtpd
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Crash Trainer"; email = "trainer@example.nl"; };
mail = { transport = "smtp"; url = "$SMTPD_URL"; starttls = "off";
	templates = "$TOP/conf/templates"; };
sources = ( { name = "crash"; type = "ical"; url = "$T/feed.ics"; } );
# A signed checkpoint of the evidence log at the end of every cycle that gets there (10
# minutes of the test's clock): a kill may land in one.
evidence = { checkpoint_every = "10m"; };
CONF

# Each run 601 s after the last (--now), so that the lease of a message a killed run had
# claimed has run out and the next run sends it.
t=$(date -d 2026-11-23T09:00:00+01:00 +%s)
once() {
	t=$((t + 601))
	"$NOSHOWD" -c noshowd.conf --once --now "$(date -u -d "@$t" +%FT%TZ)"
}
received() { find "$SMTPD_DIR" -name '*.json' | wc -l; }

expect_success "$KILLS runs killed with SIGKILL at random moments, then run to the end" '
	killed=0 finished=0 maxd=450 &&
	for k in $(seq 1 "$KILLS"); do
		# The second feed once the first is in (a killed first poll is not yet).
		if [ "$k" -ge $((KILLS / 3)) ] && [ ! -e phase2 ] &&
		    [ "$(sqlite3 state/noshowd.db "SELECT count(*) FROM bookings" 2>/dev/null)" = 240 ]; then
			feed 5 48 40 6 10 >feed.ics && : >phase2
		fi
		# Up to maxd ms (at first 450): a cycle with work to do takes longer, an empty one
		# is over sooner. A run that finished before its kill shortens maxd, a killed one
		# lengthens it (up to 5 s: a sanitizer build is slow), so that about half are
		# killed on a slow machine and a fast one.
		r=$((RANDOM % maxd)) && d=$(printf "%d.%03d" $((r / 1000)) $((r % 1000)))
		t=$((t + 601))
		"$NOSHOWD" -c noshowd.conf --once --now "$(date -u -d "@$t" +%FT%TZ)" >>runs.out 2>&1 &
		pid=$!
		sleep "$d"
		if kill -9 "$pid" 2>/dev/null; then
			killed=$((killed + 1))
			maxd=$((maxd * 3 / 2 > 5000 ? 5000 : maxd * 3 / 2))
		else
			finished=$((finished + 1))
			maxd=$((maxd * 2 / 3 < 20 ? 20 : maxd * 2 / 3))
		fi
		wait "$pid" 2>/dev/null
		echo "# run $k: killed after ${d}s, $(received) received so far" >>runs.log
	done &&
	echo "$killed killed, $finished finished before their kill, $(received) received" &&
	test "$killed" -ge $((KILLS / 3)) && test -e phase2 &&
	for _ in 1 2 3 4 5 6; do
		once >last.out 2>&1 || { cat last.out; exit 1; }
	done &&
	echo "$killed" >killed
'

expect_success 'nothing is left to send or failed' '
	"$NOSHOWCTL" -c noshowd.conf --json outbox >ob.json &&
	expect_eq "$(json_get ob.json length)" 0 "waiting" &&
	"$NOSHOWCTL" -c noshowd.conf --json outbox --failed >f.json &&
	expect_eq "$(json_get f.json length)" 0 "failed" &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM outbox WHERE state <> '"'"'sent'"'"'")" 0 "unsent"
'

expect_success 'every decided message arrived; duplicates only with one Message-ID' '
	sqlite3 state/noshowd.db "SELECT message_id FROM outbox" | sort >decided &&
	for j in "$SMTPD_DIR"/*.json; do json_get "$j" .message_id; done | sort >got &&
	sort -u got >got.unique &&
	expect_eq "$(sort -u decided | wc -l)" "$(wc -l <decided)" "Message-IDs unique in the outbox" &&
	expect_eq "$(comm -23 decided got.unique | wc -l)" 0 "decided but never arrived" &&
	expect_eq "$(comm -13 decided got.unique | wc -l)" 0 "arrived but never decided" &&
	dups=$(($(wc -l <got) - $(wc -l <got.unique))) &&
	echo "$(wc -l <decided) messages decided, $(wc -l <got) deliveries, $dups duplicates" &&
	test "$dups" -le "$(cat killed)" &&
	test "$(wc -l <decided)" -ge 300
'

expect_success 'a duplicate has the same bytes as the first delivery' '
	for id in $(uniq -d got); do
		n=0
		for j in $(grep -lF "\"message_id\": \"$id\"" "$SMTPD_DIR"/*.json); do
			sha256sum <"${j%.json}.eml"
		done | sort -u >sums &&
		expect_eq "$(wc -l <sums)" 1 "versions of $id" || exit 1
	done
'

expect_success 'the database passes integrity_check and foreign_key_check' '
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok integrity &&
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA foreign_key_check" | wc -l)" 0 "foreign keys"
'

expect_success 'the evidence log verifies, its checkpoints too' '
	"$NOSHOWCTL" -c noshowd.conf evidence verify >verify.out 2>&1 || { cat verify.out; exit 1; }
	cat verify.out &&
	n=$(sed -n "s/^checkpoints: *\([0-9]*\),.*/\1/p" verify.out) &&
	test "$n" -ge 1
'

expect_success 'bookings agree with the feed: seats, waiting lists, cancellations' '
	"$NOSHOWCTL" -c noshowd.conf --json bookings >b.json &&
	expect_eq "$(json_get b.json length)" 290 "bookings (5 x 58)" &&
	expect_eq "$(json_get b.json "[.[] | select(.state == \"cancelled\")] | length")" 30 cancelled &&
	for s in 0 1 2 3 4; do
		expect_eq "$(json_get b.json "[.[] | select(.session == \"crash-$s@test\" and .state == \"pending\")] | length")" 40 "pending in $s" &&
		expect_eq "$(json_get b.json "[.[] | select(.session == \"crash-$s@test\" and .state == \"waitlisted\")] | length")" 12 "waitlisted in $s" || exit 1
	done &&
	# One message of each kind a booking is owed: a confirmation for each seat held, a
	# waiting list notice for each booking that waited, no kind twice.
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM (SELECT booking_id, kind FROM outbox GROUP BY booking_id, kind HAVING count(*) > 1)")" 0 "a kind twice for a booking" &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM bookings b WHERE b.state = '"'"'pending'"'"' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.booking_id = b.id AND o.kind IN ('"'"'confirmation'"'"', '"'"'seat-available'"'"'))")" 0 "a seat held without a message"
'

done_testing
