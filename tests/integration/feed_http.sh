#!/bin/bash
# An iCalendar feed over real HTTP (tests/httpd.py on loopback, with ETags): first poll,
# conditional re-poll, changes, cancellations and the waiting list, and every way a fetch or a
# feed can fail without losing the last good state.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds state
cp "$TOP/tests/data/feed-v1.ics" feeds/feed.ics
start_httpd feeds

cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
evidence_dir = "$T/state/evidence";
timezone = "Europe/Amsterdam";
default_price = "100.00";
sources = (
	{ name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; timeout = "3s";
	  max_size = 200000; },
	{ name = "other"; type = "ical"; url = "$HTTPD_URL/other.ics"; }
);
CONF
cp "$TOP/tests/data/feed-v1.ics" feeds/other.ics
sed -i 's/course-a@test/other-a@test/; s/course-b@test/other-b@test/' feeds/other.ics

ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
events() { sqlite3 state/noshowd.db 'SELECT count(*) FROM events'; }
NOW=2026-11-23T10:00:00+01:00

expect_success 'first poll creates sessions and bookings' '
	once >out &&
	grep -q "source feed: 2 sessions added, 5 booked" out &&
	ctl --json sessions >s.json &&
	expect_eq "$(json_get s.json ".[] | select(.id == \"course-a@test\") | .capacity")" 2 capacity &&
	expect_eq "$(json_get s.json ".[] | select(.id == \"course-a@test\") | .price")" 29500 price &&
	expect_eq "$(json_get s.json ".[] | select(.id == \"course-b@test\") | .price")" 10000 "default price" &&
	expect_eq "$(json_get s.json ".[] | select(.id == \"course-a@test\") | .start")" \
		2026-12-08T09:00:00+01:00 start &&
	ctl --json bookings course-a >b.json &&
	expect_eq "$(json_get b.json "length")" 2 "bookings of course A" &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .state")" pending state &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .amount_due")" 29500 due &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .pay_by")" \
		2026-12-07T09:00:00+01:00 "pay-by = start - 3d, a Saturday, moved to Monday" &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"bob@example.com\") | .name")" "Bob Example" name
'

expect_success 'each customer is written to in their language (LANGUAGE, else the default)' '
	bob=$(json_get b.json ".[] | select(.email == \"bob@example.com\") | .ref") &&
	ann=$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .ref") &&
	fb=$(grep -l "^X-Noshowd-Ref: $bob" state/maildir/new/*) &&
	fa=$(grep -l "^X-Noshowd-Ref: $ann" state/maildir/new/*) &&
	grep -q "^Content-Language: en" "$fb" && grep -q "^Subject: Booking confirmation" "$fb" &&
	grep -q "^Content-Language: nl" "$fa" && grep -q "^Subject: Bevestiging" "$fa"
'

expect_success 'every booking has the JSON fields of the contract and a valid reference' '
	ctl --json bookings >all.json &&
	for k in ref session email name state booked_at pay_by amount_due amount_paid balance stage missing; do
		expect_eq "$(json_get all.json ".[0] | has(\"$k\")")" true "field $k" || exit 1
	done &&
	for r in $(json_get all.json ".[].ref"); do
		ctl show "$r" >/dev/null || exit 1
	done
'

expect_success 'an unchanged feed is fetched conditionally and changes nothing' '
	before=$(events) &&
	ctl --json bookings >b1.json &&
	NOW=2026-11-23T10:05:00+01:00 &&
	once >out &&
	grep -q "source feed: unchanged" out &&
	expect_eq "$(httpd_count "GET /feed.ics 304 inm=\"")" 1 "304 answers" &&
	expect_eq "$(events)" "$before" events &&
	ctl --json bookings >b2.json &&
	cmp b1.json b2.json
'

NOW=2026-11-24T10:00:00+01:00
expect_success 'a new attendee in a full session is waitlisted' '
	sed -i "s|^ATTENDEE;CN=Bob Example;LANGUAGE=en:mailto:bob@example.com|&\r\nATTENDEE;CN=Fay Example:mailto:fay@example.nl|" feeds/feed.ics &&
	once >out &&
	grep -q "1 booked, 1 of them waitlisted" out &&
	ctl --json bookings course-a --state waitlisted >w.json &&
	expect_eq "$(json_get w.json ".[0].email")" fay@example.nl waitlisted
'

NOW=2026-11-25T10:00:00+01:00
expect_success 'a declined attendee is cancelled and the waiting list moves up' '
	sed -i "s|ATTENDEE;CN=Ann Example;PARTSTAT=ACCEPTED|ATTENDEE;CN=Ann Example;PARTSTAT=DECLINED|" feeds/feed.ics &&
	once >out &&
	grep -q "1 cancelled, 1 promoted from the waiting list" out &&
	ctl --json bookings course-a >b.json &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .state")" cancelled ann &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .balance")" 0 "nothing due yet" &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"fay@example.nl\") | .state")" pending fay &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"fay@example.nl\") | .pay_by")" \
		2026-11-27T10:00:00+01:00 "pay-by = now + waitlist_payment_time" &&
	ref=$(json_get b.json ".[] | select(.email == \"fay@example.nl\") | .ref") &&
	ctl --json show "$ref" >show.json &&
	expect_eq "$(json_get show.json "[.events[].after] | join(\",\")")" waitlisted,pending story &&
	expect_eq "$(json_get show.json ".events[1].cause")" "policy waitlist" cause
'

# Failures: each keeps the last good state and shows the reason in status, the same words
# as the cycle's output.
state_of_feed() { ctl --json bookings | jq -S "[.[] | {ref, state, missing}]"; }
expect_success 'HTTP 404 and 500 keep the last good state' '
	state_of_feed >good.json &&
	mv feeds/feed.ics feeds/feed.ics.saved &&
	NOW=2026-11-25T11:00:00+01:00 once >out &&
	grep -q "source feed: failed: HTTP 404" out &&
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json ".sources[] | select(.name == \"feed\") | .result")" failed result &&
	json_get st.json ".sources[] | select(.name == \"feed\") | .error" | grep -q "HTTP 404" &&
	state_of_feed >after.json && cmp good.json after.json &&
	mv feeds/feed.ics.saved feeds/feed.ics
'

set_url() { sed -i "s|url = \"$HTTPD_URL/[^\"]*\"; timeout|url = \"$HTTPD_URL/$1\"; timeout|" noshowd.conf; }
for bad in status/500 hang "big?mb=1" "bigcl?mb=1" redirect-loop; do
	expect_success "a source answering /$bad keeps the last good state" '
		state_of_feed >good.json &&
		set_url "$bad" &&
		NOW=2026-11-25T12:00:00+01:00 once >out;
		set_url feed.ics &&
		reason=$(sed -n "s/^source feed: failed: //p" out) && test -n "$reason" &&
		ctl --json status >st.json &&
		expect_eq "$(json_get st.json ".sources[] | select(.name == \"feed\") | .result")" failed result &&
		expect_eq "$(json_get st.json ".sources[] | select(.name == \"feed\") | .error")" "$reason" \
			"the reason in status" &&
		state_of_feed >after.json && cmp good.json after.json &&
		grep -q "source other: unchanged" out
	'
done

expect_success 'the size cap and the timeout are named in the reason' '
	set_url "big?mb=1" && NOW=2026-11-25T12:10:00+01:00 once >out; set_url feed.ics &&
	grep -q "size cap of 200000 bytes" out &&
	set_url hang && NOW=2026-11-25T12:20:00+01:00 once >out; set_url feed.ics &&
	grep -qi "timed out" out
'

expect_success 'a 50 MB feed is stopped at the default size cap (20 MiB)' '
	sed -i "s|\"$HTTPD_URL/other.ics\"|\"$HTTPD_URL/big?mb=50\"|" noshowd.conf &&
	NOW=2026-11-25T12:30:00+01:00 once >out;
	sed -i "s|\"$HTTPD_URL/big?mb=50\"|\"$HTTPD_URL/other.ics\"|" noshowd.conf &&
	grep -q "source other: failed: body larger than the size cap of 20971520 bytes" out &&
	ctl --json bookings other-a >b.json &&
	expect_eq "$(json_get b.json length)" 2 "last good state kept"
'

cp feeds/feed.ics feed.good
for broken in truncated invalid-utf8 not-a-calendar; do
	expect_success "a $broken feed is rejected whole with a reason" '
		state_of_feed >good.json &&
		case $broken in
		truncated) head -c 600 feed.good >feeds/feed.ics ;;
		invalid-utf8) sed "s/Bob Example/Bob \xe9xample/" feed.good >feeds/feed.ics ;;
		not-a-calendar) echo "<html>Login required</html>" >feeds/feed.ics ;;
		esac &&
		NOW=2026-11-25T13:00:00+01:00 once >out &&
		grep -q "source feed: failed" out &&
		ctl --json status >st.json &&
		json_get st.json ".sources[] | select(.name == \"feed\") | .error" >reason &&
		test -s reason && ! grep -qx null reason &&
		state_of_feed >after.json && cmp good.json after.json &&
		cp feed.good feeds/feed.ics
	'
done
expect_success 'invalid UTF-8 names its line' '
	sed "s/Bob Example/Bob \xe9xample/" feed.good >feeds/feed.ics &&
	NOW=2026-11-25T13:30:00+01:00 once >out; cp feed.good feeds/feed.ics &&
	grep -q "UTF-8 at line 14" out
'

NOW=2026-11-26T10:00:00+01:00
expect_success 'a feed that drops most bookings is quarantined until accepted' '
	once >/dev/null &&
	state_of_feed >good.json &&
	before=$(events) &&
	awk "/BEGIN:VEVENT/ && n++ == 1 {skip=1} skip && /END:VEVENT/ {skip=0; next} !skip" feed.good >feeds/feed.ics &&
	once >out &&
	grep -q "quarantined: this poll would drop 3 of 5 open bookings" out &&
	expect_eq "$(events)" "$before" "no events while quarantined" &&
	state_of_feed >after.json && cmp good.json after.json &&
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json ".sources[] | select(.name == \"feed\") | .quarantined")" true quarantined &&
	NOW=2026-11-26T10:10:00+01:00 once >out &&
	grep -q "still quarantined" out &&
	ctl source accept feed >out &&
	ctl --json bookings course-b >b.json &&
	expect_eq "$(json_get b.json "[.[].missing] | unique | join(\",\")")" true "course B bookings missing" &&
	expect_eq "$(json_get b.json "[.[].state] | unique | join(\",\")")" pending "missing is not cancelled" &&
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json ".sources[] | select(.name == \"feed\") | .quarantined")" false "quarantine lifted" &&
	expect_eq "$(json_get st.json ".missing")" 3 "missing count in status"
'

expect_success 'accepting when nothing is quarantined fails with a reason' '
	! ctl source accept feed 2>err &&
	grep -q "no quarantined poll" err &&
	! ctl source accept nosuch 2>err && grep -q "not in the configuration" err
'

expect_success 'bookings that come back are no longer missing' '
	cp feed.good feeds/feed.ics &&
	NOW=2026-11-26T11:00:00+01:00 once >out &&
	grep -q "3 back" out &&
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json ".missing")" 0 missing
'

expect_success 'a dry run prints what would happen and changes nothing' '
	before=$(events) &&
	sed -i "s|^ATTENDEE;CN=Cas Example:mailto:cas@example.nl|&\r\nATTENDEE;CN=Gijs:mailto:gijs@example.nl|" feeds/feed.ics &&
	"$NOSHOWD" -c noshowd.conf --once --dry-run --now 2026-11-27T10:00:00+01:00 >out &&
	grep -q "gijs@example.nl" out &&
	expect_eq "$(events)" "$before" events &&
	! ctl --json bookings | grep -q gijs
'

expect_success 'validators learnt on an unchanged-by-hash poll make the next poll conditional' '
	cp feed.good feeds/same.ics &&
	sed "s|url = \"$HTTPD_URL/feed.ics\"|url = \"$HTTPD_URL/noetag/same.ics\"|" noshowd.conf >same.conf &&
	sed -i "s|state/noshowd.db|state/same.db|" same.conf &&
	"$NOSHOWD" -c same.conf --once --now 2026-11-28T10:00:00+01:00 >out &&
	sed -i "s|/noetag/same.ics|/same.ics|" same.conf &&
	"$NOSHOWD" -c same.conf --once --now 2026-11-28T10:05:00+01:00 >out &&
	grep -q "source feed: unchanged" out &&
	"$NOSHOWD" -c same.conf --once --now 2026-11-28T10:10:00+01:00 >out &&
	grep -q "source feed: unchanged" out &&
	expect_eq "$(httpd_count "GET /same.ics 304 inm=\"")" 1 "conditional request answered 304"
'

expect_success 'an unchanged file is not read again; a touched one is compared by hash' '
	cp feed.good local.ics &&
	cat >file.conf <<CONF &&
database = "$T/state/file.db";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sources = ( { name = "local"; type = "ical"; url = "local.ics"; } );
CONF
	"$NOSHOWD" -c file.conf --once --now 2026-11-28T10:00:00+01:00 >out &&
	v1=$(sqlite3 state/file.db "SELECT etag FROM sources") &&
	case $v1 in file:*) ;; *) echo "validator $v1"; exit 1 ;; esac &&
	"$NOSHOWD" -c file.conf --once --now 2026-11-28T10:05:00+01:00 >out &&
	grep -q "source local: unchanged" out &&
	touch -d "2026-01-01 00:00" local.ics &&
	"$NOSHOWD" -c file.conf --once --now 2026-11-28T10:10:00+01:00 >out &&
	grep -q "source local: unchanged" out &&
	v2=$(sqlite3 state/file.db "SELECT etag FROM sources") &&
	test "$v1" != "$v2" &&
	echo "BEGIN:VCALENDAR" >local.ics &&
	"$NOSHOWD" -c file.conf --once --now 2026-11-28T10:15:00+01:00 >out &&
	grep -q "source local: failed" out
'

done_testing
