#!/bin/bash
# Money and seats against real servers: a booking feed and a bank statement over HTTP (with
# ETags), real bank exports from the corpus in a folder polled by glob, and every message
# over SMTP. Reminder, release with an iCalendar CANCEL, waiting-list promotion, payments
# applied once.
. "$(dirname "$0")/../lib.sh"

mkdir -p www/bank drop state
cp "$TOP/tests/data/feed-v1.ics" www/feed.ics
start_httpd www
start_smtpd

cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "smtp"; url = "$SMTPD_URL"; starttls = "off";
	templates = "$TOP/conf/templates"; };
sources = (
	{ name = "feed"; type = "ical"; url = "$HTTPD_URL/feed.ics"; },
	{ name = "bank"; type = "payments-csv"; format = "ing"; url = "$HTTPD_URL/bank/ing.csv"; },
	{ name = "drop"; type = "payments-csv"; format = "ing"; url = "file://$T/drop/*.csv"; }
);
CONF
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
ref_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }
state_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .state"; }
kinds_to() {	# kinds_to ADDRESS: the X-Noshowd-Kind of every message received for it, in order
	"$PYTHON" - "$SMTPD_DIR" "$1" <<'PY'
import sys, glob, email, email.policy
out = []
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if sys.argv[2] in str(m["To"]):
        out.append(str(m["X-Noshowd-Kind"]))
print(",".join(out))
PY
}

expect_success 'the feed is polled and confirmations go out over SMTP' '
	once >out &&
	expect_eq "$(state_of ann@example.nl)" pending ann &&
	expect_eq "$(kinds_to ann@example.nl)" confirmation "mail to ann" &&
	grep -q "source bank: failed" out
'

expect_success 'a statement over HTTP confirms the booking it names, once' '
	printf "%s\r\n%s\r\n" \
	    "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\",\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\",\"Mededelingen\"" \
	    "\"20261124\",\"A EXAMPLE\",\"NL99INGB9999999999\",\"NL11RABO0123456789\",\"OV\",\"Bij\",\"295,00\",\"Overschrijving\",\"Naam: A EXAMPLE Omschrijving: $(ref_of ann@example.nl | tr A-Z a-z | tr - " ") IBAN: NL11RABO0123456789\"" \
	    >www/bank/ing.csv &&
	NOW=2026-11-24T10:00:00+01:00 once >out &&
	grep -q "source bank: 1 file: 1 applied" out &&
	expect_eq "$(state_of ann@example.nl)" confirmed ann &&
	expect_eq "$(kinds_to ann@example.nl)" confirmation,payment-received "mail to ann" &&
	NOW=2026-11-24T11:00:00+01:00 once >out2 &&
	grep -q "source bank: unchanged" out2 &&
	expect_eq "$(httpd_count "GET /bank/ing.csv 304")" 1 "conditional request" &&
	expect_eq "$(ctl --json show "$(ref_of ann@example.nl)" | jq ".payments | length")" 1 payments
'

expect_success 'real ING exports in a folder: credits listed as unmatched, each once' '
	cp "$TOP/../shared/corpus/csv/gpaulissen__ofxstatement-dutch__ing_ok.csv" drop/a.csv &&
	NOW=2026-11-24T12:00:00+01:00 once >out &&
	grep -q "source drop: 1 file:" out &&
	n=$(ctl --json status | jq ".unmatched | length") &&
	test "$n" -ge 1 &&
	cp "$TOP/../shared/corpus/csv/gpaulissen__ofxstatement-dutch__ing_ok_Mutatiesoort_Extra.csv" drop/b.csv &&
	NOW=2026-11-24T13:00:00+01:00 once >out2 &&
	grep -q "source drop: 2 files: 0 applied, 0 unmatched, 0 near misses, $((n * 2)) seen before" out2 &&
	expect_eq "$(ctl --json status | jq ".unmatched | length")" "$n" "still unmatched once" &&
	NOW=2026-11-24T14:00:00+01:00 once >out3 &&
	grep -q "source drop: unchanged" out3
'

expect_success 'an export that cannot be read applies nothing and says where' '
	printf "\"Datum\",\"Naam / Omschrijving\",\"Af Bij\",\"Bedrag (EUR)\",\"Mededelingen\"\n\"20261125\",\"X\",\"Bij\",\"12,3x\",\"NS\"\n" >drop/c.csv &&
	NOW=2026-11-25T10:00:00+01:00 once >out &&
	grep "source drop: failed" out | grep -q "c.csv:2" &&
	expect_eq "$(ctl --json status | jq -r ".sources[2].result")" failed result &&
	rm drop/c.csv
'

expect_success 'a reminder before pay-by, then release with a CANCEL and the waiting list moves up' '
	sed "s/^END:VEVENT/ATTENDEE;CN=Fay Example:mailto:fay@example.nl\nEND:VEVENT/;" \
	    "$TOP/tests/data/feed-v1.ics" | awk "/course-b@test/{b=1} {if (b && /ATTENDEE;CN=Fay/) next; print}" >www/feed.ics &&
	NOW=2026-11-25T11:00:00+01:00 once >/dev/null &&
	expect_eq "$(state_of fay@example.nl)" waitlisted fay &&
	expect_eq "$(ctl --json bookings | jq -r ".[] | select(.email == \"bob@example.com\") | .pay_by")" \
	    2026-12-07T09:00:00+01:00 "bob pay-by (Saturday moved to Monday)" &&
	NOW=2026-12-05T09:00:00+01:00 once >/dev/null &&
	expect_eq "$(kinds_to bob@example.com)" confirmation,payment-reminder "mail to bob" &&
	NOW=2026-12-07T09:00:00+01:00 once >/dev/null &&
	expect_eq "$(state_of bob@example.com)" released bob &&
	expect_eq "$(state_of fay@example.nl)" pending fay &&
	expect_eq "$(kinds_to bob@example.com)" confirmation,payment-reminder,release "mail to bob" &&
	expect_eq "$(kinds_to fay@example.nl)" waitlisted,seat-available "mail to fay" &&
	f=$(grep -l "X-Noshowd-Kind: release" "$SMTPD_DIR"/*.eml) &&
	"$PYTHON" - "$f" <<PY
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
assert len(cal) == 1 and cal[0].get_param("method") == "CANCEL", "a CANCEL"
assert b"STATUS:CANCELLED" in cal[0].get_payload(decode=True)
text = m.get_body(preferencelist=("plain",)).get_content()
assert "released" in text and "owe us nothing" in text, text
PY
'

done_testing
