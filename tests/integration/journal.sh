#!/bin/bash
# Logging for journald (#8): with stderr the stream JOURNAL_STREAM names (as systemd sets
# it), every line noshowd writes carries a <N> priority prefix, also each line of a list of
# configuration errors at start-up and on a reload; -v adds <7> debug lines (the next
# wake-up, each message sent) and without it there are none; with JOURNAL_STREAM naming another stream the lines are plain.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds state
cp "$TOP/tests/data/feed-v1.ics" feeds/feed.ics
cat >good.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
poll_interval = "1h";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sources = ( { name = "feed"; type = "ical"; url = "$T/feeds/feed.ics"; } );
CONF
{ cat good.conf; printf '%s\n' 'language = "fr";' 'policy = { payment_term = "two weeks"; };' \
	'poll_interval_typo = "1h";'; } >bad.conf
# journal FILE CMD...: run CMD with stderr appended to FILE and JOURNAL_STREAM naming it.
journal() {
	local f=$1
	shift
	: >>"$f"
	JOURNAL_STREAM=$(stat -c %d:%i "$f") "$@" 2>>"$f"
}
# prefixed FILE: every line of FILE starts with <0> to <7>.
prefixed() {
	test -s "$1" || { echo "$1 is empty"; return 1; }
	! grep -nv '^<[0-7]>' "$1" || { echo "unprefixed lines in $1"; return 1; }
}

expect_success 'configuration errors at start-up: every line at error priority <3>' '
	! journal start.err "$NOSHOWD" -c bad.conf -t &&
	cat start.err && prefixed start.err &&
	expect_eq "$(grep -c "^<3>bad.conf:[0-9]*: " start.err)" 3 "errors, each with its line"
'

expect_success 'JOURNAL_STREAM naming another stream: plain lines' '
	: >other && ! JOURNAL_STREAM=$(stat -c %d:%i other) "$NOSHOWD" -c bad.conf -t 2>plain.err &&
	! grep -q "^<" plain.err && expect_eq "$(grep -c "^bad.conf:[0-9]*: " plain.err)" 3 errors
'

cp good.conf noshowd.conf
: >service.err
JOURNAL_STREAM=$(stat -c %d:%i service.err) spawn "$NOSHOWD" -c noshowd.conf -f -v 2>>service.err
pid=$SPAWN_PID
expect_success 'the service with -v: its debug lines at <7> (the next wake-up, each message sent)' '
	wait_for 10 "test \$(grep -c \"^<7>mail NS-.* confirmation to .*: sent: \" service.err) -eq 5" &&
	grep -q "^<6>started with 1 source$" service.err &&
	grep -q "^<7>next wake-up at " service.err
'

expect_success 'the service: a reload with three errors logs each, every line prefixed' '
	wait_for 10 "grep -q \"started with\" service.err" &&
	cp bad.conf noshowd.conf && kill -HUP '"$pid"' &&
	wait_for 10 "grep -q \"keeping the running configuration\" service.err" &&
	wait_for 5 "test \$(grep -c \"noshowd.conf:[0-9]*: \" service.err) -ge 3" &&
	expect_eq "$(grep -c "^<4>.*noshowd.conf:[0-9]*: " service.err)" 3 "errors at <4>" &&
	kill -TERM '"$pid"' && wait_for 10 "! kill -0 '"$pid"' 2>/dev/null" &&
	cat service.err && prefixed service.err
'

expect_success 'without -v no debug lines' '
	journal quiet.err "$NOSHOWD" -c good.conf --once >/dev/null &&
	: >quiet.err && cp good.conf noshowd.conf &&
	JOURNAL_STREAM=$(stat -c %d:%i quiet.err) timeout -s TERM 2 "$NOSHOWD" -c noshowd.conf -f 2>>quiet.err || test $? -eq 124 &&
	prefixed quiet.err && grep -q "^<6>stopping" quiet.err && ! grep -q "^<7>" quiet.err
'

done_testing
