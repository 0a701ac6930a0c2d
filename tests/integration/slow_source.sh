#!/bin/bash
# A slow source never delays mail or other sources: the service fetches each due source in a
# thread of its own. Here the first source listed is a server that accepts the request and
# never answers (tests/httpd.py /hang, with a source timeout far beyond the test's
# patience), while a second source is polled and applied and its messages go out over SMTP
# (tests/smtpd.py). USR1 and a reload poll the good source again without starting a second
# fetch of the one still hanging, and TERM stops the service with that fetch still open.
. "$(dirname "$0")/../lib.sh"

mkdir -p feeds state
cp "$TOP/tests/data/feed-v1.ics" feeds/feed.ics
start_httpd feeds
start_smtpd

cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
poll_interval = "1h";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = {
	transport = "smtp"; url = "$SMTPD_URL"; starttls = "off";
	templates = "$TOP/conf/templates";
};
sources = (
	{ name = "stuck"; type = "ical"; url = "$HTTPD_URL/hang"; timeout = "10m"; },
	{ name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; }
);
CONF
received() { ls "$SMTPD_DIR"/*.eml 2>/dev/null | wc -l; }
ctl() { "$NOSHOWCTL" -c noshowd.conf "$@"; }
source_field() {	# source_field NAME FIELD: from `noshowctl --json status`
	ctl --json status >st.json &&
	json_get st.json ".sources[] | select(.name == \"$1\") | .$2 // \"\""
}

spawn "$NOSHOWD" -c noshowd.conf -f -v 2>daemon.log
pid=$SPAWN_PID

expect_success 'the hanging source is being fetched' '
	wait_for 10 "test \$(httpd_count \"GET /hang\") -ge 1"
'

expect_success 'meanwhile the other source is polled and applied' '
	wait_for 20 "test \$(httpd_count \"GET /feed.ics\") -ge 1" &&
	wait_for 20 "test \"\$(source_field feed result)\" = changed" &&
	ctl --json bookings >b.json &&
	expect_eq "$(json_get b.json length)" 5 bookings
'

expect_success 'and its messages go out over SMTP' '
	wait_for 20 "test \$(received) -ge 5" &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json length)" 0 "messages waiting"
'

expect_success 'the hanging source has no result yet: its fetch is still open' '
	expect_eq "$(source_field stuck result)" never "result of stuck" &&
	expect_eq "$(httpd_count "GET /hang")" 1 "requests to /hang"
'

# repoll SIGNAL: after the signal the good source is fetched again, the hanging one not.
repoll() {
	local n
	n=$(httpd_count "GET /feed.ics") &&
	kill "-$1" "$pid" &&
	wait_for 20 "test \$(httpd_count \"GET /feed.ics\") -gt $n" &&
	expect_eq "$(httpd_count "GET /hang")" 1 "requests to /hang"
}

expect_success 'USR1 polls the good source again, and does not fetch the hanging one twice' '
	repoll USR1 && wait_for 20 "grep -q \"GET /feed.ics 304\" \"$HTTPD_LOG\""
'

expect_success 'a reload while it hangs: the good source is polled again, the hanging one not' '
	repoll HUP && grep -q "configuration reloaded" daemon.log
'

kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM, with the fetch still open"
expect_success 'it said so, and recorded nothing for the source it gave up on' '
	grep -q "stopping" daemon.log &&
	! grep -q "source stuck" daemon.log &&
	expect_eq "$(source_field stuck result)" never "result of stuck"
'

done_testing
