#!/bin/bash
# A whole scenario under valgrind (#9): two `noshowd --once` cycles that ingest a calendar
# feed and a bank export, send mail to the maildir transport and write the evidence log,
# then noshowctl's reading commands, an evidence verify and a bundle export; every run under
# memcheck with --leak-check=full, and definite leaks counted as errors. A run passes when
# memcheck reports no error and nothing definitely lost.
# The sanitizer build (make check SANITIZE=...) cannot run under valgrind: there the same
# steps run as they are, and tests/lib.sh fails a step on any ASan/UBSan/LSan report.
. "$(dirname "$0")/../lib.sh"

command -v valgrind >/dev/null || bail_out "valgrind is not installed (tools/deps.sh check)"
if ldd "$NOSHOWD" | grep -q 'libasan\|libubsan'; then
	vg() { "$@"; }
	checker="the sanitizers"
else
	vg() {
		valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
			--errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=no \
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
# clean: every memcheck log so far says no errors and nothing definitely lost.
clean() {
	local f n=0
	[ "$checker" = memcheck ] || return 0
	for f in vg/*.log; do
		n=$((n + 1))
		grep -q "ERROR SUMMARY: 0 errors" "$f" ||
			{ echo "memcheck errors in $f:"; cat "$f"; return 1; }
		! grep -q "definitely lost: [1-9]" "$f" || { echo "leak in $f:"; cat "$f"; return 1; }
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

done_testing
