#!/bin/bash
# The clock (#9): a cycle whose clock is before the last cycle is refused and changes
# nothing; wall times on the nights of the DST switches (RFC 5545: the first of a repeated
# time, the offset before a skipped one); deadlines across the March switch at their
# documented moments (a day is 24 hours), each acted on once; cycles every 15 minutes
# through the October night; and a cycle after seven weeks of downtime, which catches up
# oldest moment first and sends no message for a moment long past; the service on the
# real clock, refusing while its clock is before the last cycle and going on after.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
conf() {	# conf NAME SESSIONS
	cat >noshowd.conf <<CONF
database = "$T/state/$1.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Clock Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/$1.maildir"; };
policy = { business_days = false; };
sessions = ( ${2%,} );
CONF
}
session() {	# session ID START END CAPACITY
	printf '{ id = "%s"; title = "%s"; start = "%s"; end = "%s"; capacity = %d; price = "95.00"; },\n' \
		"$1" "$1" "$2" "$3" "$4"
}
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
db() { sqlite3 "$(sed -n 's/^database = "\(.*\)";$/\1/p' noshowd.conf)" "$1"; }
# sent KIND [EMAIL]: how many messages of KIND (to EMAIL) the outbox holds
sent() { db "SELECT count(*) FROM outbox WHERE kind = '$1'${2:+ AND rcpt = '$2'}"; }
ref() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }
state() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .state"; }

conf back "$(session s 2027-02-08T09:00 2027-02-08T17:00 5)"
expect_success 'a clock before the last cycle is refused, naming both, and changes nothing' '
	NOW=2026-11-23T10:00:00+01:00 &&
	ctl book s ann@example.nl >/dev/null && once >/dev/null &&
	before=$(db "SELECT count(*) FROM events")/$(db "SELECT count(*) FROM outbox")/$(db "SELECT value FROM meta WHERE key = '"'"'last_cycle'"'"'") &&
	NOW=2026-11-22T10:00:00+01:00 &&
	ctl book s bob@example.nl >/dev/null &&
	! once >out 2>err &&
	grep -q "the clock (2026-11-22T10:00:00+01:00) is before the last cycle (2026-11-23T10:00:00+01:00); refusing" err &&
	after=$(db "SELECT count(*) FROM events")/$(db "SELECT count(*) FROM outbox")/$(db "SELECT value FROM meta WHERE key = '"'"'last_cycle'"'"'") &&
	expect_eq "$(echo "$after" | cut -d/ -f3)" "$(echo "$before" | cut -d/ -f3)" "last cycle" &&
	expect_eq "$(db "SELECT count(*) FROM outbox WHERE state = '"'"'sent'"'"'")" 1 "nothing sent by the refused cycle" &&
	NOW=2026-11-23T09:57:00+01:00 && once >out 2>&1 &&
	NOW=2026-11-23T10:10:00+01:00 && once >out &&
	expect_eq "$(sent confirmation)" 2 "bob confirmed by the next good cycle" &&
	expect_eq "$(db "PRAGMA integrity_check")" ok integrity
'

conf dst "$(session gap 2027-03-28T02:30 2027-03-28T04:00 5)
$(session twice 2026-10-25T02:30 2026-10-25T04:00 5)
$(session spring 2027-03-30T09:00 2027-03-30T17:00 1)"
# The same two nights in a feed, by IANA name and by Windows name.
printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 PRODID:-//clock//EN \
	BEGIN:VEVENT UID:feed-gap DTSTAMP:20261001T000000Z SUMMARY:Gap \
	"DTSTART;TZID=Europe/Amsterdam:20270328T023000" "DTEND;TZID=Europe/Amsterdam:20270328T040000" \
	END:VEVENT BEGIN:VEVENT UID:feed-twice DTSTAMP:20261001T000000Z SUMMARY:Twice \
	"DTSTART;TZID=W. Europe Standard Time:20261025T023000" \
	"DTEND;TZID=W. Europe Standard Time:20261025T040000" END:VEVENT END:VCALENDAR >dst.ics
sed -i "s|^sessions = |sources = ( { name = \"dst\"; type = \"ical\"; url = \"$T/dst.ics\"; } );\n&|" noshowd.conf
expect_success 'wall times on the switch nights: 02:30 in March is 03:30 summer time; in October the first 02:30' '
	NOW=2026-10-01T10:00:00+02:00 && once >/dev/null &&
	ctl --json sessions --all >s.json &&
	for id in gap feed-gap; do
		expect_eq "$(json_get s.json ".[] | select(.id == \"$id\") | .start")" 2027-03-28T03:30:00+02:00 "$id" || exit 1
	done &&
	for id in twice feed-twice; do
		expect_eq "$(json_get s.json ".[] | select(.id == \"$id\") | .start")" 2026-10-25T02:30:00+02:00 "$id" &&
		expect_eq "$(json_get s.json ".[] | select(.id == \"$id\") | .end")" 2026-10-25T04:00:00+01:00 "$id end" || exit 1
	done
'

expect_success 'deadlines across the March switch: at their moments, each acted on once' '
	NOW=2027-03-20T10:00:00+01:00 && ctl book spring cas@example.nl >/dev/null &&
	ctl book spring dirk@example.nl >/dev/null && once >/dev/null &&
	ctl --json bookings spring >b.json &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"cas@example.nl\") | .pay_by")" \
		2027-03-27T08:00:00+01:00 "pay-by: 72 hours before a 09:00 summer-time start" &&
	for m in 2027-03-25T07:59:00+01:00:0 2027-03-25T08:00:00+01:00:1 2027-03-26T12:00:00+01:00:1; do
		NOW=${m%:*} && once >/dev/null &&
		expect_eq "$(sent payment-reminder)" "${m##*:}" "reminders at $NOW" || exit 1
	done &&
	for m in 2027-03-28T01:59:00+01:00 2027-03-28T03:00:00+02:00 2027-03-28T08:59:00+02:00; do
		NOW=$m && once >/dev/null &&
		expect_eq "$(state cas@example.nl)" pending "not released at $NOW" || exit 1
	done &&
	NOW=2027-03-28T09:00:00+02:00 && once >out &&
	expect_eq "$(state cas@example.nl)" released "released 24 hours after pay-by" &&
	expect_eq "$(state dirk@example.nl)" pending "the waiting list moved up" &&
	NOW=2027-03-28T09:30:00+02:00 && once >/dev/null &&
	expect_eq "$(sent release)" 1 "one release message" &&
	expect_eq "$(sent seat-available)" 1 "one seat-available message" &&
	expect_eq "$(db "SELECT count(*) FROM events WHERE cause = '"'"'policy release'"'"' AND after = '"'"'released'"'"'")" 1 "one release event"
'

# A start at 01:30, so that pay-by (72 hours before) and the release (24 hours after it)
# fall in the night of the switch: 00:30 UTC, the first 02:30.
conf autumn "$(session night 2026-10-27T01:30 2026-10-27T05:00 1)"
expect_success 'cycles every 15 minutes through the October night: each accepted, the release once' '
	NOW=2026-10-21T02:30:00+02:00 && ctl book night eva@example.nl >/dev/null &&
	ctl book night fay@example.nl >/dev/null && once >/dev/null &&
	pay_by=$(ctl --json bookings night | jq -r ".[] | select(.email == \"eva@example.nl\") | .pay_by") &&
	expect_eq "$pay_by" 2026-10-24T02:30:00+02:00 "pay-by" &&
	t=$(date -d 2026-10-24T23:00:00Z +%s) &&
	for i in $(seq 0 16); do
		NOW=$(date -u -d "@$((t + i * 900))" +%FT%TZ) && once >/dev/null 2>err || { cat err; exit 1; }
	done &&
	rel=$(db "SELECT at FROM events WHERE cause = '"'"'policy release'"'"' AND after = '"'"'released'"'"'") &&
	expect_eq "$(echo "$rel" | wc -l)" 1 "one release" &&
	expect_eq "$(date -u -d "@$rel" +%FT%TZ)" 2026-10-25T00:30:00Z "released at pay-by + 24 hours, the first 02:30, not again at the second" &&
	expect_eq "$(state fay@example.nl)" pending "fay moved up" &&
	expect_eq "$(sent release)" 1 "one release message"
'

conf down "$(session soon 2026-11-26T09:00 2026-11-26T17:00 5)
$(session past 2026-12-10T09:00 2026-12-10T17:00 1)
$(session later 2027-01-20T09:00 2027-01-20T17:00 1)
$(session late2 2027-01-22T09:00 2027-01-22T17:00 5)"
expect_success 'seven weeks of downtime: caught up oldest first, no message for a moment long past' '
	NOW=2026-11-23T10:00:00+01:00 &&
	for b in "soon gus@example.nl" "soon hans@example.nl" "past ida@example.nl" \
		"past jan@example.nl" "later kim@example.nl" "later lot@example.nl"; do
		ctl book $b >/dev/null || exit 1
	done &&
	once >/dev/null &&
	NOW=2026-11-26T12:00:00+01:00 && ctl attend "$(ref gus@example.nl)" >/dev/null &&
	ctl pay "$(ref hans@example.nl)" 95.00 >/dev/null &&
	NOW=2026-12-30T10:00:00+01:00 && ctl book late2 max@example.nl >/dev/null &&
	last=$(db "SELECT max(id) FROM events") && nout=$(db "SELECT max(id) FROM outbox") &&
	NOW=2027-01-12T12:00:00+01:00 && once >out &&
	db "SELECT b.email || \" \" || e.cause || \" \" || coalesce(e.after, \"-\") FROM events e JOIN bookings b ON b.id = e.booking_id WHERE e.id > $last ORDER BY e.id" >caught &&
	cat caught &&
	expect_eq "$(grep -n "" caught | grep "gus@example.nl policy dunning" | cut -d: -f1)" 2 "the debt (due 3 Dec) first" &&
	expect_eq "$(grep -n "" caught | grep "ida@example.nl policy release released" | cut -d: -f1)" 3 "then the release of 8 Dec" &&
	expect_eq "$(grep -n "" caught | grep "kim@example.nl policy release released" | cut -d: -f1)" 5 "then the release of 8 Dec 10:00" &&
	grep -q "lot@example.nl policy waitlist pending" caught &&
	grep -q "max@example.nl policy payment-reminder" caught &&
	db "SELECT kind || \" \" || rcpt FROM outbox WHERE id > $nout ORDER BY id" >msgs &&
	cat msgs &&
	expect_eq "$(grep -c "^dunning-1 gus@example.nl" msgs)" 1 "one dunning step, not three" &&
	expect_eq "$(grep -c "ida@example.nl" msgs)" 0 "no release notice for a session that is over" &&
	expect_eq "$(state ida@example.nl)" released "ida released all the same" &&
	expect_eq "$(state jan@example.nl)" waitlisted "nobody promoted into a past session" &&
	expect_eq "$(grep -c "jan@example.nl" msgs)" 0 "no seat-available for a past session" &&
	expect_eq "$(grep -c "^release kim@example.nl" msgs)" 1 "a release notice before its session" &&
	expect_eq "$(grep -c "^seat-available lot@example.nl" msgs)" 1 "lot offered the seat" &&
	expect_eq "$(grep -c "^payment-reminder max@example.nl" msgs)" 1 "the reminder before its pay-by" &&
	expect_eq "$(grep -c "payment-reminder" msgs)" 1 "no reminder whose pay-by has passed" &&
	NOW=2027-01-12T12:10:00+01:00 && once >/dev/null &&
	expect_eq "$(db "SELECT count(*) FROM outbox WHERE id > $nout AND kind <> '"'"'digest'"'"'")" "$(grep -vc "^digest" msgs)" "nothing more the next cycle" &&
	ctl evidence verify >v.out 2>&1 || { cat v.out; exit 1; }
'

# The service on the real clock, with a last cycle recorded a day ahead of it (a clock that
# was set back): it refuses every cycle, says why in its log, sends nothing, and goes on by
# itself once the clock has passed the last cycle (here: the record is set back, then USR1).
day=$(date -d "+30 days" +%F)
conf svc "$(session later "${day}T09:00" "${day}T17:00" 5)"
NOW=$(date -Iseconds)
ahead=$(( $(date +%s) + 86400 ))
expect_success 'the service refuses a clock before the last cycle, sends nothing, then goes on' '
	ctl book later ann@example.nl >/dev/null &&
	db "INSERT OR REPLACE INTO meta (key, value) VALUES ('"'"'last_cycle'"'"', '"'"'$ahead'"'"')" &&
	spawn "$NOSHOWD" -c noshowd.conf -f 2>svc.log &&
	svc=$SPAWN_PID &&
	wait_for 10 "grep -q \"is before the last cycle\" svc.log" &&
	grep -q "refusing to run" svc.log &&
	sleep 1 &&
	expect_eq "$(db "SELECT count(*) FROM outbox WHERE state = '"'"'sent'"'"'")" 0 "nothing sent while refused" &&
	expect_eq "$(ls state/svc.maildir/new 2>/dev/null | wc -l)" 0 "nothing in the maildir" &&
	db "UPDATE meta SET value = '"'"'1'"'"' WHERE key = '"'"'last_cycle'"'"'" &&
	kill -USR1 "$svc" &&
	wait_for 10 "test \$(ls state/svc.maildir/new 2>/dev/null | wc -l) -ge 1" &&
	wait_for 10 "test \$(db \"SELECT count(*) FROM outbox WHERE kind = '"'"'confirmation'"'"' AND state = '"'"'sent'"'"'\") -eq 1" &&
	kill -TERM "$svc" && wait_for 10 "! kill -0 $svc 2>/dev/null"
'

done_testing
