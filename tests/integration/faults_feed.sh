#!/bin/bash
# Feed faults (#9) not covered by feed_http.sh, over real HTTP (tests/httpd.py): a body cut
# off before its Content-Length, cut at a clean line, invalid UTF-8 of several kinds, a
# byte-order mark, Latin-1 text, the same attendee twice. A feed that fails keeps the last
# good state and shows the reason in status; a warning is shown there too.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds
cp "$TOP/tests/data/feed-v1.ics" good.ics
cp good.ics feeds/feed.ics
start_httpd feeds

cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
default_price = "100.00";
sources = ( { name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; timeout = "3s"; } );
CONF
# The clock of the cycles, in a file since test bodies run in subshells.
date -d 2026-11-23T10:00:00+01:00 +%s >clock
once() {
	echo $(($(cat "$T/clock") + 600)) >"$T/clock"
	"$NOSHOWD" -c noshowd.conf --once --now "$(date -u -d "@$(cat "$T/clock")" +%FT%TZ)"
}
ctl() { "$NOSHOWCTL" -c noshowd.conf "$@"; }
state_of_feed() { ctl --json bookings | jq -S "[.[] | {ref, session, email, name, state, missing}]"; }
events() { sqlite3 state/noshowd.db 'SELECT count(*) FROM events'; }
feed_status() { ctl --json status | jq -r ".sources[] | select(.name == \"feed\") | .$1"; }
set_url() { sed -i "s|url = \"$HTTPD_URL/[^\"]*\"|url = \"$HTTPD_URL/$1\"|" noshowd.conf; }

expect_success 'the first poll takes the feed' '
	once >out && grep -q "2 sessions added, 5 booked" out &&
	state_of_feed >good.json && events >good.events
'

# rejected NAME REASON: the poll of feeds/feed.ics fails whole, with REASON (a grep pattern)
# in its output and in status, and changes nothing.
rejected() {
	once >out
	grep -q "source feed: failed: .*$2" out || { cat out; return 1; }
	feed_status error | grep -q "$2" || { echo "status: $(feed_status error)"; return 1; }
	expect_eq "$(feed_status result)" failed "$1: result in status" &&
	state_of_feed >after.json && cmp good.json after.json &&
	expect_eq "$(events)" "$(cat good.events)" "$1: events"
}

expect_success 'a body cut off before its Content-Length keeps the last good state' '
	sed "s|^ATTENDEE;CN=Eva Example:mailto:eva@example.nl|&\r\nATTENDEE;CN=Hugo:mailto:hugo@example.nl|" good.ics >feeds/feed.ics &&
	set_url truncated/feed.ics &&
	rejected truncated-http "body truncated: .* closed early";
	rc=$?; set_url feed.ics; test $rc = 0 &&
	grep -q "GET /truncated/feed.ics 200" "$HTTPD_LOG"
'

expect_success 'a feed cut at a clean line after a whole event is refused, not half-taken' '
	sed -n "1,15p" good.ics >feeds/feed.ics &&
	rejected clean-cut "truncated: no END:VCALENDAR"
'

for bad in 'latin1:s/Bob Example/Bob \xe9xample/' \
	'overlong:s/Bob Example/Bob \xc0\xafxample/' \
	'surrogate:s/Bob Example/Bob \xed\xa0\x80xample/' \
	'cut-sequence:s/Bob Example/Bob Exampl\xc3/' \
	'lone-continuation:s/Bob Example/Bob \x80xample/'; do
	expect_success "invalid UTF-8 (${bad%%:*}) is refused with its line" '
		sed "${bad#*:}" good.ics >feeds/feed.ics &&
		rejected "${bad%%:*}" "not UTF-8 at line 14"
	'
done

expect_success 'after the failures the good feed is taken again, with nothing changed' '
	cp good.ics feeds/feed.ics &&
	once >out && grep -q "source feed: \(no changes\|unchanged\)" out &&
	feed_status result | grep -qx "changed\|unchanged" &&
	state_of_feed >after.json && cmp good.json after.json
'

expect_success 'a byte-order mark is skipped: the feed is read, a new attendee booked' '
	{ printf "\357\273\277"; sed "s|^ATTENDEE;CN=Eva Example:mailto:eva@example.nl|&\r\nATTENDEE;CN=Gijs Boom:mailto:gijs@example.nl|" good.ics; } >feeds/feed.ics &&
	head -c 3 feeds/feed.ics | od -An -tx1 | grep -q "ef bb bf" &&
	once >out && grep -q "1 booked" out &&
	feed_status result | grep -qx "changed\|unchanged" &&
	ctl --json bookings course-b >b.json &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"gijs@example.nl\") | .name")" "Gijs Boom" name &&
	cp feeds/feed.ics good.ics && state_of_feed >good.json && events >good.events
'

expect_success 'the same attendee twice (and in other case) is booked once, with a warning in status' '
	awk "{print} /mailto:ann@example.nl/ {print \"ATTENDEE;CN=Ann Again:mailto:ann@example.nl\r\"; print \"ATTENDEE;CN=ANN:mailto:ANN@Example.NL\r\"}" good.ics >feeds/feed.ics &&
	expect_eq "$(grep -ci "mailto:ann@example.nl" feeds/feed.ics)" 3 "ann three times" &&
	once >out &&
	grep -q "ann@example.nl is booked twice in .Course A.; counted once" out &&
	feed_status result | grep -qx "changed\|unchanged" &&
	feed_status "warnings[]" | grep -q "ann@example.nl is booked twice" &&
	ctl --json bookings course-a >b.json &&
	expect_eq "$(json_get b.json "[.[] | select(.email | ascii_downcase == \"ann@example.nl\")] | length")" 1 "one booking for ann" &&
	state_of_feed >after.json && cmp good.json after.json
'

expect_success 'the database is whole after all of it' '
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok integrity &&
	ctl evidence verify >v.out 2>&1 || { cat v.out; exit 1; }
'

done_testing
