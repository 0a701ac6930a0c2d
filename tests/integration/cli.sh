#!/bin/bash
# noshowd and noshowctl as commands: exit codes, usage errors, configuration checks,
# bookings by hand, sessions from the configuration, the clock, and the database version.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
timezone = "Europe/Amsterdam";
sessions = (
	{ id = "yoga-2026-12-08"; title = "Yoga for trainers"; start = "2026-12-08T09:00";
	  end = "2026-12-08T12:00"; capacity = 1; price = "45.00"; },
	{ id = "free-evening"; title = "Open evening"; start = "2026-12-10 19:00";
	  end = "2026-12-10 21:00"; capacity = 30; price = "0"; }
);
CONF
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }

expect_success 'noshowd -t and check-config accept a good file' '
	"$NOSHOWD" -c noshowd.conf -t >out &&
	grep -q "noshowd.conf: configuration OK" out &&
	ctl check-config >out && grep -q "configuration OK" out
'

cat >bad.conf <<'CONF'
database = "/tmp/x.db";
timezone = "Mars/Olympus";
policy = {
	payment_term = "7 days";
	late_cancel_fee = 150;
	max_drop = "lots";
};
sources = ( { name = "a"; type = "ical"; url = "feed.ics"; layout = "sideways"; } );
CONF
expect_success 'a configuration with five mistakes reports all five with file and line' '
	test_must_fail() { "$@"; test $? -eq 1; } &&
	test_must_fail "$NOSHOWD" -c bad.conf -t 2>err &&
	expect_eq "$(grep -c "^bad.conf:[0-9]*: " err)" 5 "error lines" &&
	grep -q "bad.conf:2: timezone:" err &&
	grep -q "bad.conf:4: policy.payment_term: \"7 days\" is not a duration (try \"7d\")" err &&
	grep -q "bad.conf:5: policy.late_cancel_fee:" err &&
	grep -q "bad.conf:6: policy.max_drop:" err &&
	grep -q "bad.conf:8: sources.\[0\].layout:" err &&
	test_must_fail "$NOSHOWCTL" -c bad.conf check-config 2>err2 &&
	cmp err err2
'

expect_success 'a broken or missing template is caught by noshowd -t, with file and line' '
	cp -R "$TOP/conf/templates" tpl &&
	sed "s|templates = \"$TOP/conf/templates\"|templates = \"$T/tpl\"|" noshowd.conf >tpl.conf &&
	"$NOSHOWD" -c tpl.conf -t >/dev/null &&
	printf "Subject: Bevestiging {{ref}}\n\nBeste {{naam}},\n" >tpl/nl/confirmation.txt &&
	rm tpl/en/waitlisted.txt &&
	! "$NOSHOWD" -c tpl.conf -t 2>err &&
	grep -q "tpl/nl/confirmation.txt:3: .*{{naam}}" err &&
	grep -q "tpl/en/waitlisted.txt" err &&
	! "$NOSHOWCTL" -c tpl.conf check-config 2>/dev/null
'

expect_success 'usage errors exit 2, failed commands exit 1' '
	status() { "$@" >/dev/null 2>&1; echo $?; } &&
	expect_eq "$(status "$NOSHOWCTL")" 2 "no command" &&
	expect_eq "$(status "$NOSHOWCTL" -c noshowd.conf frobnicate)" 2 "unknown command" &&
	expect_eq "$(status ctl bookings --state paid)" 2 "unknown state" &&
	expect_eq "$(status ctl sessions --everything)" 2 "unknown option" &&
	expect_eq "$(status ctl show)" 2 "missing argument" &&
	expect_eq "$(status "$NOSHOWD" --dry-run)" 2 "--dry-run without --once" &&
	expect_eq "$(status "$NOSHOWD" -c noshowd.conf --once --now yesterday)" 2 "bad --now" &&
	expect_eq "$(status ctl show NS-7KQ2-4D)" 1 "unknown reference" &&
	expect_eq "$(status ctl show NS-7KQ2-4E)" 1 "mistyped reference" &&
	expect_eq "$(status ctl book nosuch a@example.nl)" 1 "unknown session" &&
	expect_eq "$(status "$NOSHOWCTL" -c /nonexistent.conf status)" 1 "missing config"
'

expect_success 'a mistyped reference is called mistyped' '
	! ctl show ns-7kq2-4e 2>err && grep -q "wrong check character" err
'

expect_success 'sessions from the configuration are declared on the first cycle' '
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" &&
	ctl --json sessions >s.json &&
	expect_eq "$(json_get s.json "length")" 2 sessions &&
	expect_eq "$(json_get s.json ".[0].id")" yoga-2026-12-08 first &&
	expect_eq "$(json_get s.json ".[0].start")" 2026-12-08T09:00:00+01:00 start &&
	expect_eq "$(json_get s.json ".[0].price")" 4500 price
'

expect_success 'book by hand: a seat, then the waiting list, then a duplicate refused' '
	ctl --json book yoga-2026 Ann@Example.NL --name "Ann de Vries" >b1.json &&
	expect_eq "$(json_get b1.json .state)" pending first &&
	expect_eq "$(json_get b1.json .email)" ann@example.nl "lower-cased email" &&
	expect_eq "$(json_get b1.json .pay_by)" 2026-12-07T09:00:00+01:00 "pay-by: start - 3d is a Saturday" &&
	ctl book yoga-2026-12-08 bob@example.nl >out &&
	grep -q "waitlisted" out &&
	! ctl book yoga-2026-12-08 ann@example.nl 2>err &&
	grep -q "already has booking NS-" err &&
	! ctl book yoga-2026-12-08 "not an address" 2>err &&
	grep -q "is not a mail address" err
'

expect_success 'a free session confirms at once' '
	ctl --json book free-ev cas@example.nl >b.json &&
	expect_eq "$(json_get b.json .state)" confirmed state &&
	expect_eq "$(json_get b.json .pay_by)" null "nothing to pay"
'

expect_success 'a hostile name cannot break a line or a header' '
	ctl --json book free-ev eve@example.nl --name "$(printf "Eve\r\nBcc: all@example.com")" >b.json &&
	expect_eq "$(json_get b.json .name)" "Eve  Bcc: all@example.com" name &&
	ref=$(json_get b.json .ref) &&
	ctl show "$ref" >show.txt &&
	! grep -q "^Bcc:" show.txt
'

expect_success 'a customer address keeps its lines; control characters are refused' '
	ctl customer cas@example.nl --address "$(printf "Kade 5\n1011 AA Amsterdam")" >c.txt &&
	ctl --json customer cas@example.nl >c.json &&
	expect_eq "$(json_get c.json .address)" "$(printf "Kade 5\n1011 AA Amsterdam")" address &&
	! ctl customer cas@example.nl --address "$(printf "Kade 5\tAmsterdam")" 2>err &&
	grep -q "without control characters" err &&
	! ctl waive NS-7KQ2-4D --extra "$(printf "book\rBcc: x")" --amount 5 --reason r 2>err &&
	grep -q "on one line" err &&
	ctl --json customer cas@example.nl >c2.json &&
	cmp c.json c2.json
'

expect_success 'bookings and show, as text and JSON' '
	ctl bookings >list.txt &&
	grep -q "^REF " list.txt &&
	expect_eq "$(grep -c "NS-" list.txt)" 4 "rows" &&
	ctl --json bookings --state waitlisted >w.json &&
	expect_eq "$(json_get w.json ".[0].email")" bob@example.nl waitlisted &&
	ref=$(json_get w.json ".[0].ref") &&
	ctl show "$ref" >show.txt &&
	grep -q "booked waitlisted: the session is full  \[command book\]" show.txt &&
	ctl --json show "$ref" >show.json &&
	expect_eq "$(json_get show.json .booking.state)" waitlisted state &&
	expect_eq "$(json_get show.json .customer.standing)" trusted standing &&
	expect_eq "$(json_get show.json ".events[0].cause")" "command book" cause
'

expect_success 'status as JSON is one document' '
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json .pending)" 1 pending &&
	expect_eq "$(json_get st.json .pending_amount)" 4500 amount &&
	expect_eq "$(json_get st.json .waitlisted)" 1 waitlisted
'

expect_success 'a clock set back before the last cycle is refused, and nothing changes' '
	"$NOSHOWD" -c noshowd.conf --once --now 2026-11-25T10:00:00+01:00 &&
	! "$NOSHOWD" -c noshowd.conf --once --now 2026-11-24T10:00:00+01:00 2>err &&
	grep -q "is before the last cycle" err &&
	"$NOSHOWD" -c noshowd.conf --once --now 2026-11-25T09:58:00+01:00
'

expect_success 'a database from a newer noshowd is refused, an older one upgraded' '
	cp state/noshowd.db newer.db &&
	sqlite3 newer.db "PRAGMA user_version = 99" &&
	sed "s|$T/state/noshowd.db|$T/newer.db|" noshowd.conf >newer.conf &&
	! "$NOSHOWCTL" -c newer.conf status 2>err &&
	grep -q "newer than this noshowd" err &&
	sqlite3 old.db "PRAGMA user_version = 0" &&
	sed "s|$T/state/noshowd.db|$T/old.db|" noshowd.conf >old.conf &&
	"$NOSHOWCTL" -c old.conf status >/dev/null &&
	test "$(sqlite3 old.db "PRAGMA user_version")" -ge 1
'

expect_success 'the database is created with a private directory' '
	sed "s|$T/state/noshowd.db|$T/fresh/sub/noshowd.db|" noshowd.conf >fresh.conf &&
	"$NOSHOWCTL" -c fresh.conf status >/dev/null &&
	expect_eq "$(stat -c %a fresh/sub)" 700 mode
'

expect_success 'the help text lists every command' '
	"$NOSHOWCTL" --help >help &&
	for c in status sessions bookings show book source check-config; do
		grep -q "^  $c " help || exit 1
	done &&
	"$NOSHOWD" --help | grep -q -- "--dry-run"
'

done_testing
