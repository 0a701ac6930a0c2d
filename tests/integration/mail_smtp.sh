#!/bin/bash
# Mail over a real SMTP server on loopback (tests/smtpd.py, aiosmtpd): confirmations with
# invoice and invitation, the waiting list message, hostile names, temporary and permanent
# failures, retries, and exactly-once delivery across restarts and kill -9.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
# One server a scenario: the answers of a script are given in order from its start.
printf '451 4.3.0 try again later\nok\n' >s451
printf '554 5.7.1 rejected by policy\nok\n' >s554
start_smtpd --name tempfail --script "$T/s451"
TEMPFAIL_URL=$SMTPD_URL TEMPFAIL_DIR=$SMTPD_DIR
start_smtpd --name permfail --script "$T/s554"
PERMFAIL_URL=$SMTPD_URL PERMFAIL_DIR=$SMTPD_DIR
start_smtpd

write_conf() {	# write_conf DB [URL]
	cat >noshowd.conf <<CONF
database = "$T/state/$1";
timezone = "Europe/Amsterdam";
language = "nl";
trainer = {
	name = "Sanne Bakker Trainingen"; email = "sanne@example.nl";
	address = "Oudegracht 12, 3511 AP Utrecht"; kvk = "12345678";
	vat = "NL123456789B01"; iban = "NL91ABNA0417164300"; vat_rate = 21;
};
mail = {
	transport = "smtp"; url = "${2:-$SMTPD_URL}"; starttls = "off";
	templates = "$TOP/conf/templates";
};
sessions = (
	{ id = "assert"; title = "Assertiviteitstraining"; start = "2026-12-08T09:00";
	  end = "2026-12-08T17:00"; capacity = 2; price = "295.00"; location = "Utrecht"; }
);
CONF
}
write_conf noshowd.db
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
received() { ls "${1:-$SMTPD_DIR}"/*.eml 2>/dev/null | wc -l; }
header() {	# header FILE NAME: the decoded value of a header
	"$PYTHON" -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
v = m[sys.argv[2]]
print("" if v is None else v)' "$1" "$2"
}

expect_success 'bookings queue messages; one cycle sends them over SMTP' '
	once >/dev/null &&
	ctl book assert ronda@example.nl --name "Ronda Jansen" >/dev/null &&
	ctl book assert piet@example.com --name "Piet Mulder" >/dev/null &&
	ctl book assert karin@example.nl --name "Karin Smit" >/dev/null &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json length)" 3 "queued" &&
	once >out &&
	expect_eq "$(grep -c "sent: 250" out)" 3 "sent lines" &&
	expect_eq "$(received)" 3 "messages received"
'

expect_success 'the confirmation has the headers, the invoice and an invitation' '
	f=$(grep -l "X-Noshowd-Ref: $(ctl --json bookings --state pending | jq -r ".[] | select(.email == \"ronda@example.nl\") | .ref")" "$SMTPD_DIR"/*.eml) &&
	expect_eq "$(header "$f" X-Noshowd-Kind)" confirmation kind &&
	expect_eq "$(header "$f" To)" "Ronda Jansen <ronda@example.nl>" to &&
	expect_eq "$(header "$f" From)" "Sanne Bakker Trainingen <sanne@example.nl>" from &&
	test -n "$(header "$f" Message-ID)" && test -n "$(header "$f" Date)" &&
	"$PYTHON" - "$f" <<PY
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
text = m.get_body(preferencelist=("plain",)).get_content()
for want in ("NL91ABNA0417164300", "12345678", "Assertiviteitstraining", "8 december 2026",
             "295,00", "2026-0001", "herroep"):
    assert want in text, want
cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
assert len(cal) == 1, "one invitation"
assert cal[0].get_param("method") == "REQUEST"
from icalendar import Calendar
c = Calendar.from_ical(cal[0].get_payload(decode=True))
assert str(c["METHOD"]) == "REQUEST"
ev = [e for e in c.walk("VEVENT")][0]
assert ev["DTSTART"].dt.isoformat() == "2026-12-08T09:00:00+01:00", ev["DTSTART"].dt.isoformat()
assert "ronda@example.nl" in str(ev["ATTENDEE"]).lower()
assert "sanne@example.nl" in str(ev["ORGANIZER"]).lower()
PY
'

expect_success 'the third person is told their place on the waiting list' '
	f=$(grep -l "X-Noshowd-Kind: waitlisted" "$SMTPD_DIR"/*.eml) &&
	expect_eq "$(header "$f" To)" "Karin Smit <karin@example.nl>" to &&
	"$PYTHON" -c "import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)
assert not [p for p in m.walk() if p.get_content_type() == \"text/calendar\"]
import re
assert re.search(r\"plaats\\s+1\\.\", m.get_body().get_content()), \"place on the list\"" "$f"
'

expect_success 'the envelope and the Message-ID match the outbox' '
	ctl --json outbox --failed >f.json && expect_eq "$(json_get f.json length)" 0 failed &&
	for j in "$SMTPD_DIR"/*.json; do
		expect_eq "$(json_get "$j" .mail_from)" sanne@example.nl "envelope from" || exit 1
	done &&
	ref=$(ctl --json bookings --state waitlisted | jq -r ".[0].ref") &&
	ctl --json show "$ref" >show.json &&
	expect_eq "$(json_get show.json ".messages[0].state")" sent state &&
	mid=$(json_get show.json ".messages[0].message_id") &&
	grep -q "^Message-ID: $mid" $(grep -l "X-Noshowd-Ref: $ref" "$SMTPD_DIR"/*.eml)
'

expect_success 'a second cycle sends nothing again' '
	NOW=2026-11-23T10:10:00+01:00 once >out &&
	expect_eq "$(received)" 3 "still three"
'

expect_success 'a seat freed for the waiting list: seat-available with invoice and invitation' '
	sed -i "s/capacity = 2/capacity = 3/" noshowd.conf &&
	NOW=2026-11-23T10:20:00+01:00 once >out &&
	grep -q "seat-available to karin@example.nl: sent" out &&
	f=$(grep -l "X-Noshowd-Kind: seat-available" "$SMTPD_DIR"/*.eml) &&
	"$PYTHON" - "$f" <<PY
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
text = m.get_body(preferencelist=("plain",)).get_content()
assert "2026-0003" in text, "invoice number"
assert [p for p in m.walk() if p.get_content_type() == "text/calendar"], "invitation"
PY
'

expect_success 'a hostile name cannot add a header' '
	ctl book assert "eve@example.nl" --name "$(printf "Eve\r\nBcc: all@example.com\r\nX-Evil: 1")" >/dev/null &&
	NOW=2026-11-23T10:31:00+01:00 once >/dev/null &&
	f=$(grep -l "eve@example.nl" "$SMTPD_DIR"/*.eml | head -n 1) &&
	! grep -qi "^Bcc:" "$f" && ! grep -qi "^X-Evil:" "$f" &&
	expect_eq "$(json_get "${f%.eml}.json" ".rcpt_tos | length")" 1 "one recipient"
'

expect_success 'a temporary failure (451) ends the round; it is retried later, delivered once' '
	write_conf tempfail.db "$TEMPFAIL_URL" &&
	ctl book assert fay@example.nl >/dev/null &&
	ctl book assert gus@example.nl >/dev/null &&
	NOW=2026-11-23T11:00:00+01:00 once >out &&
	grep -q "deferred" out && grep -q "451" out &&
	expect_eq "$(grep -c "^mail " out)" 1 "one message tried" &&
	expect_eq "$(received "$TEMPFAIL_DIR")" 0 "nothing delivered yet" &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json "[.[].state] | sort | join(\",\")")" "deferred,queued" states &&
	ctl --json status >st.json &&
	expect_eq "$(json_get st.json .outbox.waiting)" 2 waiting &&
	NOW=2026-11-23T11:01:00+01:00 once >out &&
	expect_eq "$(received "$TEMPFAIL_DIR")" 1 "the queued one; the deferred one waits" &&
	NOW=2026-11-23T11:06:00+01:00 once >out &&
	grep -q "sent: 250" out &&
	expect_eq "$(received "$TEMPFAIL_DIR")" 2 "delivered once" &&
	NOW=2026-11-23T12:06:00+01:00 once >out &&
	expect_eq "$(received "$TEMPFAIL_DIR")" 2 "and only once"
'

expect_success 'a permanent failure (554) is shown and can be retried by hand' '
	write_conf permfail.db "$PERMFAIL_URL" &&
	ctl book assert gijs@example.nl >/dev/null &&
	NOW=2026-11-23T12:00:00+01:00 once >out &&
	grep -q "failed" out &&
	ctl --json outbox --failed >f.json &&
	expect_eq "$(json_get f.json length)" 1 "failed messages" &&
	expect_eq "$(json_get f.json ".[0].last_code")" 554 code &&
	json_get f.json ".[0].last_reply" | grep -q "rejected by policy" &&
	ctl --json status >st.json && expect_eq "$(json_get st.json .outbox.failed)" 1 "in status" &&
	NOW=2026-11-23T13:00:00+01:00 once >out &&
	expect_eq "$(received "$PERMFAIL_DIR")" 0 "not retried by itself" &&
	ctl outbox retry "$(json_get f.json ".[0].id")" >/dev/null &&
	NOW=2026-11-23T13:01:00+01:00 once >out &&
	expect_eq "$(received "$PERMFAIL_DIR")" 1 "sent after retry" &&
	! ctl outbox retry "$(json_get f.json ".[0].id")" 2>err && grep -q "sent already" err
'

expect_success 'dying between the 250 and the commit sends again with the same Message-ID' '
	write_conf noshowd.db &&
	n=$(received) &&
	ctl book assert hans@example.nl >/dev/null &&
	! NOSHOWD_TEST_DIE_AFTER_SEND=1 "$NOSHOWD" -c noshowd.conf --once --now 2026-11-23T14:00:00+01:00 >/dev/null 2>&1 &&
	expect_eq "$(received)" "$((n + 1))" "accepted once" &&
	NOW=2026-11-23T14:01:00+01:00 once >/dev/null &&
	expect_eq "$(received)" "$((n + 1))" "held while the lease runs" &&
	NOW=2026-11-23T14:11:00+01:00 once >/dev/null &&
	expect_eq "$(received)" "$((n + 2))" "sent again after the lease" &&
	ids=$(grep -h "^Message-ID:" $(grep -l "hans@example.nl" "$SMTPD_DIR"/*.eml) | sort -u | wc -l) &&
	expect_eq "$ids" 1 "the same Message-ID both times"
'

# Many kills at random moments: nothing decided is lost, duplicates only with the same
# Message-ID, the database stays whole.
expect_success 'kill -9 at random moments while 60 messages are sent' '
	rm -f "$SMTPD_DIR"/* &&
	write_conf kill.db &&
	sed -i "s/capacity = 2/capacity = 100/" noshowd.conf &&
	"$NOSHOWD" -c noshowd.conf --once --now 2026-11-24T09:00:00+01:00 >/dev/null &&
	for i in $(seq 1 60); do
		"$NOSHOWCTL" -c noshowd.conf --now 2026-11-24T09:00:00+01:00 book assert "p$i@example.nl" >/dev/null || exit 1
	done &&
	t=$(date -d 2026-11-24T09:00:00+01:00 +%s) &&
	for k in $(seq 1 15); do
		# Each run 700 s after the last, so that the leases of killed runs have run out.
		t=$((t + 700))
		"$NOSHOWD" -c noshowd.conf --once --now "$(date -u -d "@$t" +%FT%TZ)" >/dev/null 2>&1 &
		pid=$! &&
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))" &&
		kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; true
	done &&
	t=$((t + 700)) &&
	"$NOSHOWD" -c noshowd.conf --once --now "$(date -u -d "@$t" +%FT%TZ)" >/dev/null &&
	expect_eq "$(sqlite3 state/kill.db "PRAGMA integrity_check")" ok integrity &&
	expect_eq "$("$NOSHOWCTL" -c noshowd.conf --json outbox | jq length)" 0 "nothing left to send" &&
	sqlite3 state/kill.db "SELECT message_id FROM outbox" | sort >decided &&
	grep -h "^Message-ID:" "$SMTPD_DIR"/*.eml | sed "s/^Message-ID: //; s/\r$//" | sort >got &&
	expect_eq "$(sort -u got | wc -l)" "$(wc -l <decided)" "every decided message arrived" &&
	expect_eq "$(comm -13 decided <(sort -u got) | wc -l)" 0 "nothing that was not decided" &&
	echo "$(wc -l <got) deliveries of $(wc -l <decided) messages"
'

done_testing
