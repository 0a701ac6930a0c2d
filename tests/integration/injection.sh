#!/bin/bash
# Hostile text in every field that reaches a mail header (#9): a customer's name and email,
# a session's title and location, the trainer's name, a template's subject line; with CR,
# LF, NUL, other control characters, a forged encoded-word and non-ASCII, from a calendar
# feed, a registration export and the configuration. noshowd renders the messages to the
# maildir transport and tests/integration/injection.py reads them back: no extra or broken
# header, every value still readable (RFC 2047), the invitation's iCalendar intact.
# Also: template names in the configuration cannot leave the templates directory.
. "$(dirname "$0")/../lib.sh"

mkdir -p state templates
cp -R "$TOP/conf/templates/en" templates/en
cp -R "$TOP/conf/templates/nl" templates/nl
# A subject line with control characters of its own around the values.
sed -i '1s/.*/Subject: Booked\x01\x7f {{session_title}} \x1b[1m({{ref}}) for {{customer_name}}/' \
	templates/en/confirmation.txt

# A calendar feed: an escaped line break in SUMMARY and LOCATION ("\n" in iCalendar text),
# raw control characters in SUMMARY and in an attendee's CN.
printf '%s\r\n' 'BEGIN:VCALENDAR' 'VERSION:2.0' 'PRODID:-//noshowd//injection test//EN' \
	'BEGIN:VEVENT' 'UID:s1@example.nl' \
	"SUMMARY:Yoga\\nBcc: evil@example.org\\nX-Evil: 1 Zoë $(printf '\001\033')[31m end" \
	'LOCATION:Room 1\nTo: evil2@example.org' \
	'DTSTART:20270308T090000Z' 'DTEND:20270308T120000Z' \
	"ATTENDEE;CN=\"Ann$(printf '\001\007') de Vries-Zoë\";PARTSTAT=ACCEPTED:mailto:ann@example.nl" \
	'ATTENDEE;CN="=?utf-8?q?Forged?= Eve";PARTSTAT=ACCEPTED:mailto:eve@example.nl' \
	'END:VEVENT' 'END:VCALENDAR' >feed.ics
# A registration export: real CR LF and LF inside quoted names, a NUL, a forged
# encoded-word, a long word, an address with a line break (not an address: skipped).
{
	printf 'email,name,session\r\n'
	printf 'bob@example.nl,"Bob\r\nBcc: evil@example.org",s2\r\n'
	printf 'cas@example.nl,"Cas\nX-Evil: 1",s2\r\n'
	printf 'dirk@example.nl,"=?utf-8?b?RXZpbA==?= Dirk Émile 日本 %s",s2\r\n' \
		"$(printf 'x%.0s' $(seq 90))"
	printf '"evil@example.org\r\nBcc: evil@example.org",Mallory,s2\r\n'
} >regs.csv
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Bakker, \"Sanne\" <boss@example.org> Zoë"; email = "sanne@example.nl"; };
mail = { templates = "$T/templates"; maildir = "$T/state/maildir"; };
sessions = ( { id = "s2"; title = "Pilates \"advanced\" (Zoë), <b>"; start = "2027-03-09T09:00";
	end = "2027-03-09T12:00"; capacity = 5; price = "45.00"; } );
sources = (
	{ name = "feed"; type = "ical"; url = "feed.ics"; },
	{ name = "regs"; type = "csv"; url = "regs.csv"; }
);
CONF
NOW=2027-03-01T10:00:00+01:00

expect_success 'the hostile feed and export are ingested and mailed' '
	"$NOSHOWD" -c noshowd.conf -t &&
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out 2>&1 &&
	cat out &&
	"$NOSHOWCTL" -c noshowd.conf --json bookings >b.json &&
	expect_eq "$(json_get b.json "[.[].email] | sort | join(\" \")")" \
		"ann@example.nl bob@example.nl cas@example.nl dirk@example.nl eve@example.nl" \
		"booked (the address with a line break skipped)" &&
	expect_eq "$(ls state/maildir/new | wc -l)" 5 "messages written"
'

expect_success 'no message has an extra or broken header, and every value reads back' '
	"$PYTHON" "$TOP/tests/integration/injection.py" state/maildir/new
'

expect_success 'the database and the JSON keep names on one line' '
	"$NOSHOWCTL" -c noshowd.conf --json bookings >b.json &&
	json_get b.json "[.[].name | select(test(\"[\\u0001-\\u001f\\u007f]\"))] | length" >n &&
	expect_eq "$(cat n)" 0 "names with control characters" &&
	expect_eq "$(json_get b.json "[.[].name | select(test(\"de Vries|Bcc|X-Evil\"))] | length")" 3 \
		"names kept readable"
'

# Template names come from the configuration (the dunning ladder); they become file names.
for bad in ../../etc/passwd /etc/passwd 'a/../../b' '.hidden'; do
	expect_failure "a dunning template named \"$bad\" is refused by noshowd -t" '
		sed "s|^sources = (|policy = { dunning = ( { after = \"14d\"; template = \"'"$bad"'\"; } ); };\nsources = (|" \
			noshowd.conf >bad.conf &&
		"$NOSHOWD" -c bad.conf -t >t.out 2>&1
		cat t.out
		grep -q "bad.conf:[0-9]*: .*template" t.out || exit 200
		exit 1
	'
done

# Export directories: a reference is looked up, never made a path; the bundle goes only into
# the new directory named, and every file in it stays inside.
ref=$("$NOSHOWCTL" -c noshowd.conf --json bookings | jq -r '.[] | select(.email == "ann@example.nl") | .ref')
expect_success 'evidence export of a reference that is a path is refused, and nothing is written' '
	for r in ../../etc/passwd /tmp/x "$ref/../../x" "../$ref"; do
		! "$NOSHOWCTL" -c noshowd.conf evidence export "$r" out.$$ 2>err &&
		test ! -e out.$$ || exit 1
	done &&
	! "$NOSHOWCTL" -c noshowd.conf evidence export "$ref" state 2>err &&
	grep -q "exists" err
'
expect_success 'an evidence bundle stays inside its directory' '
	touch marker && sleep 1 &&
	"$NOSHOWCTL" -c noshowd.conf evidence export "$ref" bundle >/dev/null &&
	test -d bundle &&
	expect_eq "$(find bundle -type l | wc -l)" 0 "symbolic links in the bundle" &&
	find . -newer marker ! -type d ! -path "./bundle/*" ! -path "./state/*" ! -name ".*" >elsewhere &&
	expect_eq "$(cat elsewhere)" "" "files written outside the bundle and the state" &&
	find bundle -type f | grep -v "^bundle/\(records.jsonl\|proofs.txt\|summary.e[nl].txt\|summary.nl.txt\|verify.sh\|messages/[0-9a-f]\{64\}.eml\|dialogues/[0-9]*.txt\|checkpoint/[a-z0-9._-]*\)$" >odd || true &&
	test ! -s odd
'

# An export source's folder (a glob): a link in it to a file elsewhere, or a FIFO, is
# refused by name; the file behind the link is never read into a message, and a FIFO does
# not stop the cycle.
expect_success 'a link or a FIFO in an export folder fails the poll, naming it' '
	mkdir -p drop outside state2 &&
	printf "root:TOP-SECRET-LINE:0:0\n" >outside/secret.csv &&
	ln -s "$T/outside/secret.csv" drop/a.csv &&
	sed -e "s|$T/state/|$T/state2/|" \
	    -e "s|^sources = (|sources = (\n\t{ name = \"drop\"; type = \"payments-csv\"; format = \"ing\"; url = \"drop/*.csv\"; },|" \
		noshowd.conf >drop.conf &&
	timeout 120 "$NOSHOWD" -c drop.conf --once --now "$NOW" >d.out 2>&1 &&
	cat d.out &&
	grep -q "source drop: failed: .*drop/a.csv: not a plain file" d.out &&
	rm drop/a.csv && mkfifo drop/b.csv &&
	timeout 120 "$NOSHOWD" -c drop.conf --once --now "$NOW" >d.out 2>&1 &&
	cat d.out &&
	grep -q "source drop: failed: .*drop/b.csv: not a plain file" d.out &&
	"$NOSHOWCTL" -c drop.conf --json status >st.json &&
	! grep -rq TOP-SECRET-LINE d.out st.json state2
'

# SQL only through prepared statements: the lint, and the lint catching what it should.
expect_success 'daemon/ passes SQL only as literals with bound values' '
	"$PYTHON" "$TOP/tests/lint/sql-prepared.py" "$TOP/daemon"
'
expect_success 'the SQL lint catches formatted SQL and SQL from a variable' '
	mkdir lint &&
	printf "%s\n" "#define COLS \"a, b\"" "static void" "f(struct store *s, const char *name, sqlite3 *db)" "{" \
		"	store_q(s, \"SELECT \" COLS \" FROM t WHERE x = ?\", \"s\", name);" \
		"	char *q = sqlite3_mprintf(\"DELETE FROM t WHERE n = %Q\", name);" \
		"	sqlite3_exec(db, q, NULL, NULL, NULL);" \
		"	store_int(s, 0, name, \"\");" "}" >lint/bad.c &&
	! "$PYTHON" "$TOP/tests/lint/sql-prepared.py" lint >lint.out &&
	cat lint.out &&
	expect_eq "$(wc -l <lint.out)" 3 "offences" &&
	grep -q "bad.c:6: sqlite3_mprintf" lint.out &&
	grep -q "bad.c:7: sqlite3_exec" lint.out &&
	grep -q "bad.c:8: store_int" lint.out
'

done_testing
