#!/bin/bash
# TERM while a message is being sent: the service finishes that send (the server answers
# DATA only after a delay, tests/smtpd.py `delay`), records it as sent, and exits 0 without
# starting the two messages queued after it. No message is left half-way ('sending'), the
# database is whole, and the next run sends the other two and nothing twice.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
printf 'delay 3\ndelay 3\ndelay 3\n' >slow
start_smtpd --script "$T/slow"

day=$(date -d "+14 days" +%F)
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = {
	transport = "smtp"; url = "$SMTPD_URL"; starttls = "off";
	templates = "$TOP/conf/templates";
};
sessions = (
	{ id = "assert"; title = "Assertiveness"; start = "${day}T09:00";
	  end = "${day}T17:00"; capacity = 4; price = "295.00"; location = "Utrecht"; }
);
CONF
ctl() { "$NOSHOWCTL" -c noshowd.conf "$@"; }
received() { ls "$SMTPD_DIR"/*.eml 2>/dev/null | wc -l; }
states() { sqlite3 state/noshowd.db "SELECT state, count(*) FROM outbox GROUP BY state"; }

expect_success 'three bookings queue one message each' '
	"$NOSHOWD" -c noshowd.conf --once >/dev/null &&
	ctl book assert ronda@example.nl --name "Ronda Jansen" >/dev/null &&
	ctl book assert sem@example.nl --name "Sem Visser" >/dev/null &&
	ctl book assert tess@example.nl --name "Tess Bos" >/dev/null &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json length)" 3 queued
'

spawn "$NOSHOWD" -c noshowd.conf -f -v 2>daemon.log
pid=$SPAWN_PID
expect_success 'the service starts sending it; the server holds back its answer to DATA' '
	wait_for 10 "grep -q \"\\* delay 3\" \"$SMTPD_LOG\""
'
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after TERM during the send"

expect_success 'the send was finished and recorded, the next two not begun: nothing half-way' '
	grep -q "stored 0001" "$SMTPD_LOG" &&
	expect_eq "$(received)" 1 "messages received" &&
	expect_eq "$(states | tr "\n" " ")" "queued|2 sent|1 " "outbox states" &&
	grep -q "stopping" daemon.log
'

expect_success 'the database is whole and the evidence verifies' '
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok integrity &&
	ctl evidence verify >verify.out
'

expect_success 'the next run sends the other two and nothing twice' '
	"$NOSHOWD" -c noshowd.conf --once >once.out 2>&1 &&
	expect_eq "$(received)" 3 "messages received" &&
	expect_eq "$(states)" "sent|3" "outbox states" &&
	expect_eq "$(grep -h "^To:" "$SMTPD_DIR"/*.eml | sort -u | wc -l)" 3 "three recipients"
'

done_testing
