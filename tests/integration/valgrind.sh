#!/bin/bash
# A whole scenario under valgrind (#9): two `noshowd --once` cycles that ingest a calendar
# feed and a bank export, send mail to the maildir transport and write the evidence log,
# then noshowctl's reading commands, an evidence verify and a bundle export; then the network
# paths: a cycle that sends over SMTP with STARTTLS, AUTH and DKIM to a real server on
# loopback (tests/smtpd.py), and one that collects a delivery report over IMAPS from a real
# Dovecot. Every run under memcheck with --leak-check=full; definite, indirect and possible
# leaks count as errors. A run passes when memcheck reports no error and nothing lost.
# (Still-reachable blocks are libraries' one-time allocations, such as OpenSSL's and ICU's
# tables, which live until exit by design.)
# The sanitizer build (make check SANITIZE=...) cannot run under valgrind: there the same
# steps run as they are, and tests/lib.sh fails a step on any ASan/UBSan/LSan report.
. "$(dirname "$0")/../lib.sh"

command -v valgrind >/dev/null || bail_out "valgrind is not installed (tools/deps.sh check)"
if ldd "$NOSHOWD" | grep -q 'libasan\|libubsan'; then
	vg() { "$@"; }
	checker="the sanitizers"
else
	vg() {
		valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
			--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=no \
			--num-callers=30 --log-file="$T/vg/$(basename "$1").%p.log" "$@"
	}
	checker="memcheck"
fi
mkdir -p vg state bank

printf '%s\r\n' 'BEGIN:VCALENDAR' 'VERSION:2.0' 'PRODID:-//noshowd//valgrind test//EN' \
	'BEGIN:VEVENT' 'UID:s1@example.nl' 'SUMMARY:Assertiveness Zoë' \
	'DTSTART;TZID=Europe/Amsterdam:20270308T090000' 'DTEND;TZID=Europe/Amsterdam:20270308T170000' \
	'ATTENDEE;CN=Ann de Vries;PARTSTAT=ACCEPTED:mailto:ann@example.nl' \
	'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.nl' \
	'ATTENDEE;CN=Cas;PARTSTAT=DECLINED:mailto:cas@example.nl' 'END:VEVENT' \
	'BEGIN:VEVENT' 'UID:s2@example.nl' 'SUMMARY:Negotiation' \
	'DTSTART:20270315T080000Z' 'DTEND:20270315T160000Z' 'RRULE:FREQ=WEEKLY;COUNT=3' \
	'ATTENDEE;CN=Dirk;PARTSTAT=ACCEPTED:mailto:dirk@example.nl' 'END:VEVENT' \
	'END:VCALENDAR' >feed.ics
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
default_price = "295.00";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sources = (
	{ name = "feed"; type = "ical"; url = "feed.ics"; },
	{ name = "bank"; type = "payments-csv"; format = "ing"; url = "bank/*.csv"; }
);
CONF
NOW=2027-03-01T10:00:00+01:00
ctl() { vg "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
# clean: every memcheck log so far says no errors and nothing lost (definitely, indirectly or
# possibly).
clean() {
	local f n=0
	[ "$checker" = memcheck ] || return 0
	for f in vg/*.log; do
		n=$((n + 1))
		grep -q "ERROR SUMMARY: 0 errors" "$f" ||
			{ echo "memcheck errors in $f:"; cat "$f"; return 1; }
		! grep -q "definitely lost: [1-9]\|indirectly lost: [1-9]\|possibly lost: [1-9]" "$f" ||
			{ echo "leak in $f:"; cat "$f"; return 1; }
	done
	[ "$n" -gt 0 ] || { echo "no memcheck logs"; return 1; }
	echo "$n runs clean under memcheck"
}

expect_success "a first cycle (ingest, mail, evidence) under $checker" '
	vg "$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out 2>&1 &&
	cat out &&
	grep -q "source feed: 2 sessions added, 3 booked" out &&
	expect_eq "$(ls state/maildir/new | wc -l)" 3 "confirmations written" &&
	clean
'

ref=$("$NOSHOWCTL" -c noshowd.conf --json bookings | jq -r '.[] | select(.email == "ann@example.nl") | .ref')
expect_success "a payment in a bank export, and a cycle a week later, under $checker" '
	printf "%s\n" "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\",\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\",\"Mededelingen\"" \
		"\"20270302\",\"A de Vries\",\"NL91ABNA0417164300\",\"NL20INGB0001234567\",\"OV\",\"Bij\",\"295,00\",\"Overschrijving\",\"'"$ref"' training\"" \
		>bank/2027-03.csv &&
	NOW=2027-03-08T08:00:00+01:00 &&
	vg "$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out2 2>&1 &&
	cat out2 &&
	grep -q "source bank: " out2 &&
	"$NOSHOWCTL" -c noshowd.conf --json show "'"$ref"'" >show.json &&
	expect_eq "$(json_get show.json "[.. | objects | .amount_paid? | numbers][0]")" 29500 "paid" &&
	clean
'

expect_success "noshowd -t, noshowctl status, bookings, show, outbox and evidence under $checker" '
	vg "$NOSHOWD" -c noshowd.conf -t >/dev/null &&
	ctl status >/dev/null &&
	ctl --json status >/dev/null &&
	ctl bookings >/dev/null &&
	ctl --json show "'"$ref"'" >/dev/null &&
	ctl outbox >/dev/null &&
	ctl evidence list >/dev/null &&
	ctl evidence verify >verify.out &&
	grep -q OK verify.out &&
	ctl evidence export "'"$ref"'" bundle >/dev/null &&
	test -s bundle/records.jsonl &&
	clean
'

# The network paths: SMTP with STARTTLS, AUTH and a DKIM signature, then a delivery report
# collected over IMAPS, each from a fresh database whose one booking is on a fixed session.
SECRET=vg-pass-$$
make_tls_cert tls
start_smtpd --require-starttls --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem" \
	--auth "sanne:$SECRET"
start_dovecot --ssl tls bounces "$SECRET"
printf '%s\n' "$SECRET" >smtp.pass
printf '%s\n' "$SECRET" >imap.pass
chmod 600 smtp.pass imap.pass
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.key 2>/dev/null ||
	bail_out "cannot make the DKIM key"
cat >net.conf <<CONF
database = "$T/net/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = {
	transport = "smtp"; url = "$SMTPD_URL"; starttls = "required"; ca_file = "$T/tls/ca.pem";
	username = "sanne"; password_file = "$T/smtp.pass"; templates = "$TOP/conf/templates";
	from = "bounces@example.nl";
	dkim = { domain = "example.nl"; selector = "ns1"; key_file = "$T/dkim.key"; };
	bounces = { url = "$DOVECOT_URL/INBOX"; username = "bounces"; password_file = "$T/imap.pass"; };
};
policy = { release_unpaid = false; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
mkdir -p net

expect_success "a booking sent over SMTP with STARTTLS, AUTH and DKIM under $checker" '
	"$NOSHOWCTL" -c net.conf --now "$NOW" book --name "Ann de Vries" s1 ann@example.nl >/dev/null &&
	vg "$NOSHOWD" -c net.conf --once --now "$NOW" >net.out 2>&1 &&
	cat net.out &&
	expect_eq "$(ls "$SMTPD_DIR"/*.eml | wc -l)" 1 "messages the server accepted" &&
	grep -q "^DKIM-Signature: .*s=ns1" "$SMTPD_DIR"/0001.eml &&
	grep -q "confirmation to ann@example.nl: sent: 250 " net.out &&
	clean
'

mid=$(sed -n "s/^Message-I[Dd]: *//p" "$SMTPD_DIR"/0001.eml 2>/dev/null | tr -d "\r" | head -1)
expect_success "a delivery report collected over IMAPS under $checker" '
	test -n "$mid" &&
	printf "%s\r\n" "From: MAILER-DAEMON@mx.example.nl" "To: bounces@example.nl" \
		"Subject: Delivery Status Notification (Failure)" "MIME-Version: 1.0" \
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"" "" \
		"--b1" "Content-Type: text/plain" "" "The message could not be delivered." "" \
		"--b1" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.example.nl" "" \
		"Final-Recipient: rfc822; ann@example.nl" "Action: failed" "Status: 5.1.1" \
		"Diagnostic-Code: smtp; 550 5.1.1 no such user" "" \
		"--b1" "Content-Type: text/rfc822-headers" "" "Message-ID: $mid" \
		"To: ann@example.nl" "" "--b1--" >dsn.eml &&
	maildir_put dsn.eml &&
	vg "$NOSHOWD" -c net.conf --once --now "$NOW" >imap.out 2>&1 &&
	cat imap.out &&
	grep -q "bounces: 1 report" imap.out &&
	ref=$("$NOSHOWCTL" -c net.conf --json bookings | jq -r ".[0].ref") &&
	"$NOSHOWCTL" -c net.conf --json show "$ref" >net-show.json &&
	expect_eq "$(jq -r "[.. | objects | .delivery? | strings][0]" net-show.json)" failed delivery &&
	"$NOSHOWCTL" -c net.conf --json status | jq -e ".bounces.result == \"ok\"" >/dev/null &&
	clean
'

done_testing
