#!/bin/bash
# Delivery proof end to end (issue #7), with nothing made up: noshowd sends through a real
# Postfix (tests/postfix-setup.sh) with DSNs requested; Postfix delivers locally and writes
# its own reports (success, failure, delay, and the failure when a deferred message expires)
# into the envelope sender's Maildir; a real Dovecot (start_dovecot --maildir) serves that
# same Maildir; noshowd collects over IMAP, links each report to its message and records it
# (delivery, delivery-delay, non-delivery, Postfix as the reporting MTA), marks each report it
# recorded with the keyword $NoshowdProcessed and leaves other mail untouched and unseen;
# show and status tell, and a 14-day letter that bounced starts no term: the ladder waits.
# Every assertion reads the bytes Postfix wrote.
. "$(dirname "$0")/../lib.sh"
# A delay report at the first deferral, and the failure once a deferred message is 4 s old.
POSTFIX_MAIN_EXTRA="delay_warning_time = 1s
maximal_queue_lifetime = 4s"
. "$TOP/tests/postfix-setup.sh"

SECRET=E2e-Imap-Pa55
postfix_mailbox sanne@trainer.test anna@example.test kees@example.test
postfix_gone gone@example.test
postfix_deferred slow@example.test
start_postfix trainer.test example.test
start_dovecot --maildir "$(postfix_maildir sanne@trainer.test)" sanne "$SECRET"
printf '%s\n' "$SECRET" >imap.pass
mkdir -p state

cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db"; timezone = "Europe/Amsterdam"; language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@trainer.test"; iban = "NL91ABNA0417164300"; };
mail = { transport = "smtp"; url = "$POSTFIX_URL"; starttls = "off"; dsn = true;
	templates = "$TOP/conf/templates";
	bounces = { url = "$DOVECOT_URL/INBOX"; username = "sanne"; password_file = "$T/imap.pass"; };
};
policy = { release_unpaid = false; };
sessions = ( { id = "assert"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 9; price = "295.00"; } );
CONF
# The cycles that send read no mailbox (send.conf), so that what a collecting cycle finds
# does not depend on how fast Postfix is: collect waits for the reports, then reads them.
sed '/bounces = {/d' noshowd.conf >send.conf
NOW=2027-03-01T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c send.conf --once --now "$NOW"; }
collect() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
ref_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }
msgid_of() {	# msgid_of EMAIL KIND: the Message-ID of the last such message to EMAIL
	sqlite3 state/noshowd.db "SELECT message_id FROM outbox WHERE rcpt = '$1' AND kind = '$2' ORDER BY id DESC LIMIT 1"
}
# reports ENVID: the files in the sender's Maildir (new/ or cur/) that report on ENVID.
reports() {
	grep -lF "Original-Envelope-Id: $1" "$DOVECOT_MAILDIR"/new/* "$DOVECOT_MAILDIR"/cur/* \
		2>/dev/null || true
}
# has_report ENVID ACTION: a report on ENVID with this Action has arrived.
has_report() {
	local f
	for f in $(reports "$1"); do
		grep -qx "Action: $2" "$f" && return 0
	done
	return 1
}
# flags: every message of the mailbox as Dovecot tells it over IMAP, "UID (FLAGS) SUBJECT".
flags() { dovecot_flags sanne "$SECRET"; }
# record EVENT RCPT FIELD: a field of the evidence record of this event about RCPT.
record() {
	ctl --json evidence list >list.json &&
	jq -r "[.[] | select(.event == \"$1\" and .rcpt == \"$2\")] | last | .$3" list.json
}

expect_success 'the confirmations go to Postfix with DSNs requested' '
	once >/dev/null &&
	for a in anna kees gone slow; do
		ctl book assert $a@example.test --name "$a" >/dev/null || return 1
	done &&
	once >out &&
	expect_eq "$(grep -c "confirmation to [a-z]*@example.test: sent: 250" out)" 4 sent &&
	! grep -q "^bounces:" out &&
	ctl --json evidence list >list.json &&
	expect_eq "$(jq -r "[.[] | select(.event == \"relay-acceptance\") | .dsn] | length" list.json)" 4 records &&
	expect_eq "$(jq -r "[.[] | select(.event == \"relay-acceptance\") | .dsn | startswith(\"RET=HDRS ENVID=\")] | all" list.json)" true dsn &&
	expect_eq "$(jq -r ".[] | select(.rcpt == \"anna@example.test\") | .dsn" list.json)" \
		"RET=HDRS ENVID=$(msgid_of anna@example.test confirmation) NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;anna@example.test" "dsn of anna" &&
	ctl evidence list >list.txt &&
	expect_eq "$(grep -c "^      dsn: RET=HDRS ENVID=<" list.txt)" 4 "dsn lines" &&
	expect_eq "$(jq -r ".[0].dkim" list.json)" null "not signed"
'

expect_success 'Postfix reports: delivered, failed, delayed, and the expired message failed' '
	wait_for 30 "has_report \"$(msgid_of anna@example.test confirmation)\" delivered" &&
	wait_for 30 "has_report \"$(msgid_of gone@example.test confirmation)\" failed" &&
	wait_for 30 "has_report \"$(msgid_of slow@example.test confirmation)\" delayed" &&
	wait_for 40 "has_report \"$(msgid_of slow@example.test confirmation)\" failed" &&
	postfix_wait_queue &&
	test -n "$(ls "$(postfix_maildir anna@example.test)"new)" &&
	grep -lx "Action: failed" $(reports "$(msgid_of slow@example.test confirmation)") >expired &&
	grep -qx "Status: 4.4.1" "$(cat expired)"
'

expect_success 'a customer writes to the trainer: ordinary mail in the same mailbox' '
	"$PYTHON" -c "import smtplib, sys
s = smtplib.SMTP(\"127.0.0.1\", int(sys.argv[1]))
s.sendmail(\"anna@example.test\", [\"sanne@trainer.test\"], b\"From: anna@example.test\\r\\nTo: sanne@trainer.test\\r\\nSubject: Can I bring a friend?\\r\\nMessage-ID: <q1@example.test>\\r\\n\\r\\nThanks!\\r\\n\")
s.quit()" "$POSTFIX_PORT" &&
	postfix_wait_queue &&
	flags >before &&
	grep -q "Can I bring a friend" before &&
	! grep -q "Seen\|Noshowd" before
'

expect_success 'noshowd collects the reports over IMAP and records them' '
	NOW=2027-03-01T11:00:00+01:00 collect >out &&
	grep -q "^bounces: 7 reports recorded, 0 about unknown messages, 0 malformed, 0 too large; 7 marked \$NoshowdProcessed" out &&
	grep -q "delivery confirmation to kees@example.test (2.0.0)" out &&
	grep -q "delivery confirmation to anna@example.test (2.0.0)" out &&
	grep -q "non-delivery confirmation to gone@example.test (5.1.1)" out &&
	grep -q "delivery-delay confirmation to slow@example.test (4.4.1)" out &&
	grep -q "non-delivery confirmation to slow@example.test (4.4.1)" out &&
	expect_eq "$(record delivery anna@example.test action)" delivered action &&
	expect_eq "$(record delivery anna@example.test status)" 2.0.0 status &&
	expect_eq "$(record delivery anna@example.test reporting_mta)" "$POSTFIX_HOSTNAME" "reporting mta" &&
	expect_eq "$(record delivery anna@example.test message_id)" "$(msgid_of anna@example.test confirmation)" "message id" &&
	expect_eq "$(record non-delivery gone@example.test status)" 5.1.1 status &&
	expect_eq "$(record non-delivery gone@example.test reporting_mta)" "$POSTFIX_HOSTNAME" "reporting mta" &&
	record non-delivery gone@example.test diagnostic | grep -q "mailbox unavailable (test)" &&
	expect_eq "$(record delivery-delay slow@example.test status)" 4.4.1 "delay status" &&
	record delivery-delay slow@example.test diagnostic | grep -q "mailbox busy, try again later" &&
	expect_eq "$(record delivery gone@example.test action)" expanded "the alias expansion" &&
	h=$(record delivery anna@example.test report_sha256) &&
	f=$(reports "$(msgid_of anna@example.test confirmation)") &&
	expect_eq "$(tr -d "\r" <state/evidence/messages/$h.eml | sha256sum | cut -c1-64)" \
		"$(sha256sum <"$f" | cut -c1-64)" "the kept report is the one Postfix wrote"
'

expect_success 'the alias expansion is no delivery: the failure after it stands' '
	ctl --json show "$(ref_of gone@example.test)" >show.json &&
	expect_eq "$(jq -r ".messages[0].delivery" show.json)" failed gone &&
	ctl --json show "$(ref_of anna@example.test)" >show.json &&
	expect_eq "$(jq -r ".messages[0].delivery" show.json)" delivered anna &&
	ctl --json show "$(ref_of slow@example.test)" >show.json &&
	expect_eq "$(jq -r ".messages[0].delivery" show.json)" failed slow &&
	ctl show "$(ref_of gone@example.test)" >show.txt &&
	grep -q "NOT DELIVERED" show.txt &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r "[.bounced[] | .ref] | sort | join(\" \")" st.json)" \
		"$(printf "%s\n" "$(ref_of gone@example.test)" "$(ref_of slow@example.test)" | sort | tr "\n" " " | sed "s/ \$//")" bounced &&
	expect_eq "$(jq -r ".bounces.result" st.json)" ok result
'

expect_success 'each recorded report is marked $NoshowdProcessed; other mail is untouched' '
	flags >after &&
	expect_eq "$(grep -c "(\$NoshowdProcessed)" after)" 7 marked &&
	grep "Can I bring a friend" after | grep -q "^[0-9]* () " &&
	! grep -q "Seen" after &&
	grep -q "\$NoshowdProcessed" "$DOVECOT_MAILDIR"/dovecot-keywords
'

expect_success 'a second cycle reads nothing again and marks nothing more' '
	n=$(sqlite3 state/noshowd.db "SELECT count(*) FROM evidence") &&
	NOW=2027-03-01T12:00:00+01:00 collect >out &&
	grep -q "^bounces: nothing new" out &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM evidence")" "$n" records &&
	flags >again && cmp after again
'

expect_success 'a bounced 14-day letter starts no term: the ladder waits for the trainer' '
	postfix_gone kees@example.test &&
	NOW=2027-03-08T18:00:00+01:00 ctl attend "$(ref_of anna@example.test)" \
		"$(ref_of gone@example.test)" "$(ref_of slow@example.test)" >/dev/null &&
	NOW=2027-03-09T17:00:00+01:00 once >/dev/null &&
	expect_eq "$(ctl --json show "$(ref_of kees@example.test)" | jq -r .booking.state)" no_show state &&
	NOW=2027-03-16T17:00:00+01:00 once >out &&
	grep -q "dunning-1 to kees@example.test: sent: 250" out &&
	wait_for 30 "has_report \"$(msgid_of kees@example.test dunning-1)\" failed" &&
	postfix_wait_queue 40 &&
	NOW=2027-03-17T09:00:00+01:00 collect >out &&
	grep -q "non-delivery dunning-1 to kees@example.test (5.1.1)" out &&
	expect_eq "$(record non-delivery kees@example.test kind)" dunning-1 kind &&
	expect_eq "$(record non-delivery kees@example.test reporting_mta)" "$POSTFIX_HOSTNAME" "reporting mta" &&
	NOW=2027-04-20T09:00:00+02:00 collect >out &&
	! grep -q "dunning-2 to kees" out &&
	expect_eq "$(ctl --json show "$(ref_of kees@example.test)" | jq -r .booking.stage)" 1 "stage stays" &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r ".bounced[] | select(.kind == \"dunning-1\" and .ref == \"$(ref_of kees@example.test)\") | .dunning_waits" st.json)" true waits &&
	ctl status | grep -q "the dunning ladder waits"
'

# A cycle may send a digest whose own report arrives after it: only what was read counts.
expect_success 'every report read is marked, and nothing else; nothing is \Seen' '
	postfix_wait_queue && NOW=2027-04-20T10:00:00+02:00 collect >out &&
	last=$(sqlite3 state/noshowd.db "SELECT last_uid FROM bounce_mailbox") &&
	flags | awk -v last="$last" "\$1 <= last" >all &&
	grep -v "(\$NoshowdProcessed) \(Successful Mail Delivery Report\|Undelivered Mail Returned to Sender\|Delayed Mail (still being retried)\)\$" all >others &&
	expect_eq "$(grep -c "^[0-9]* () Can I bring a friend?\$" others)" 1 "the customer" &&
	grep -q "^[0-9]* () noshowd: summary for " others &&
	! grep -v "^[0-9]* () \(Can I bring a friend?\|noshowd: summary for .*\)\$" others &&
	expect_eq "$(grep -c "NoshowdProcessed" all)" "$(sqlite3 state/noshowd.db "SELECT count(DISTINCT report_sha256) FROM deliveries")" "marked = reports recorded" &&
	! grep -q Seen all
'

expect_success 'the evidence with the real reports verifies' '
	ctl evidence verify >v.out &&
	n=$(sqlite3 state/noshowd.db "SELECT count(*) FROM deliveries") &&
	grep -q "^reports: *$n delivery records" v.out && tail -1 v.out | grep -qx OK
'

done_testing
