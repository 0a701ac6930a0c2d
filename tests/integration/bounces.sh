#!/bin/bash
# Delivery reports and bounces collected over IMAP from a real Dovecot (start_dovecot):
# a success DSN, a delayed one, a non-standard (qmail) bounce; a message the server cannot
# give (an unreadable file: Dovecot drops the session; passed by after three cycles, said);
# a failure DSN for a dunning letter (the ladder waits, no term starts, until `noshowctl
# resend`; the resent letter's term counts from its delivery, two days after it went out,
# not from the relay's 250); the 14-day letter bounced (its term never starts: no
# collection); a report about a message noshowd never sent (ignored, logged); mail that is
# no report (left alone, still unseen); a malformed report (skipped, logged, once); nothing
# recorded twice; and the evidence: verify, and the bundle. Recorded reports get the
# keyword $NoshowdProcessed, nothing else does, and a mailbox that will not keep it (a
# Dovecot ACL without "w") gets nothing, said once.
. "$(dirname "$0")/../lib.sh"

SECRET=B0unce-Pa55word
start_dovecot bounces "$SECRET"
printf '%s\n' "$SECRET" >imap.pass
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "maildir"; maildir = "$T/sent"; from = "bounces@example.nl";
	templates = "$TOP/conf/templates";
	bounces = { url = "$DOVECOT_URL/INBOX"; username = "bounces"; password_file = "$T/imap.pass"; }; };
policy = { release_unpaid = false; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
NOW=2027-03-01T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
ref_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }
# msgid_of EMAIL KIND: the Message-ID of the last such message to EMAIL.
msgid_of() {
	sqlite3 state/noshowd.db "SELECT message_id FROM outbox WHERE rcpt = '$1' AND kind = '$2' ORDER BY id DESC LIMIT 1"
}
# dsn FILE ACTION STATUS MSGID RCPT DATE: an RFC 3464 report as Postfix writes one, with
# ENVID (the Message-ID, xtext-encoded) and the returned headers.
dsn() {
	local envid=${4//</+3C}
	envid=${envid//>/+3E}
	sed 's/$/\r/' >"$1" <<MSG
Return-Path: <>
Date: $6
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
Subject: Delivery Status Notification
To: bounces@example.nl
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0"
Message-Id: <$RANDOM.$2@mx.example.com>

--B0
Content-Type: text/plain; charset=us-ascii

The mail system at mx.example.com.

--B0
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Original-Envelope-Id: $envid
Arrival-Date: $6

Final-Recipient: rfc822; $5
Original-Recipient: rfc822;$5
Action: $2
Status: $3
Remote-MTA: dns; mail.customer.example
Diagnostic-Code: smtp; ${3:0:1}50 $3 the server of $5 says so

--B0
Content-Type: text/rfc822-headers

From: Sanne Bakker <bounces@example.nl>
To: <$5>
Message-ID: $4

--B0--
MSG
}
unseen() {	# no message of the mailbox has the \Seen flag (S in its Maildir name)
	! ls "$DOVECOT_MAILDIR/cur" "$DOVECOT_MAILDIR/new" | grep -q ':2,[A-Z]*S'
}
records() { sqlite3 state/noshowd.db "SELECT count(*) FROM evidence WHERE event LIKE '%delivery%'"; }

expect_success 'an empty mailbox is read; status says so' '
	ctl book s1 ronda@example.nl --name Ronda >/dev/null &&
	ctl book s1 ann@example.nl >/dev/null &&
	ctl book s1 piet@example.nl >/dev/null &&
	once >out &&
	expect_eq "$(grep -c "confirmation to" out)" 3 sent &&
	grep -q "^bounces: nothing new" out &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r .bounces.result st.json)" ok result &&
	expect_eq "$(jq -r .bounces.url st.json)" "$DOVECOT_URL/INBOX" url &&
	expect_eq "$(jq -r ".bounced | length" st.json)" 0 bounced
'

expect_success 'reports are linked and recorded; other mail is left alone, unseen' '
	dsn d1 delivered 2.0.0 "$(msgid_of ronda@example.nl confirmation)" Ronda@Example.nl \
	    "Mon, 1 Mar 2027 10:05:00 +0100" &&
	dsn d2 delayed 4.4.1 "$(msgid_of ann@example.nl confirmation)" ann@example.nl \
	    "Mon, 1 Mar 2027 14:00:00 +0100" &&
	sed -e "s/<20261123.NS-4RR8.cancellation.1@trainer.nl>/$(msgid_of piet@example.nl confirmation)/" \
	    -e "s/lisa@example.com/piet@example.nl/g" -e "/lisa.backup/,+1d" \
	    "$TOP/tests/unit/data/dsn/qmail.eml" >d3 &&
	printf "From: ann@example.nl\r\nTo: bounces@example.nl\r\nSubject: question\r\nMessage-ID: <q1@example.nl>\r\n\r\nCan I bring a friend?\r\n" >plain &&
	maildir_put d1 plain d2 d3 &&
	NOW=2027-03-02T10:00:00+01:00 once >out &&
	grep -q "bounces: 3 reports recorded" out &&
	unseen &&
	ctl --json evidence list >list.json &&
	expect_eq "$(jq -r "[.[] | .event] | join(\" \")" list.json | grep -o "[a-z-]*delivery[a-z-]*" | sort | tr "\n" " ")" \
	    "delivery delivery-delay non-delivery " events &&
	jq -e ".[] | select(.event == \"delivery\") | select(.action == \"delivered\" and .status == \"2.0.0\" and .rcpt == \"ronda@example.nl\" and .reporting_mta == \"mx.example.com\" and .remote_mta == \"mail.customer.example\" and .uid > 0 and .mailbox == \"$DOVECOT_URL/INBOX\" and .kind == \"confirmation\")" list.json >/dev/null &&
	h=$(jq -r ".[] | select(.event == \"delivery\") | .report_sha256" list.json) &&
	expect_eq "$(sha256sum <state/evidence/messages/$h.eml | cut -c1-64)" "$h" "report kept" &&
	expect_eq "$(jq -r ".[] | select(.event == \"delivery\") | .report_size" list.json)" "$(wc -c <state/evidence/messages/$h.eml)" size
'

expect_success 'each recorded report is marked $NoshowdProcessed; the question is not' '
	dovecot_flags bounces "$SECRET" >flags &&
	expect_eq "$(grep -c "^[0-9]* (\$NoshowdProcessed) " flags)" 3 marked &&
	grep -q "^[0-9]* () question\$" flags &&
	! grep -q Seen flags &&
	grep -q "; 3 marked \$NoshowdProcessed" out
'

expect_success 'show and status tell what the reports said' '
	ctl --json show "$(ref_of ronda@example.nl)" >show.json &&
	expect_eq "$(jq -r ".messages[0].delivery" show.json)" delivered delivery &&
	expect_eq "$(jq -r ".messages[0].delivery_at" show.json)" 2027-03-01T10:05:00+01:00 "delivered at" &&
	ctl --json show "$(ref_of ann@example.nl)" >show.json &&
	expect_eq "$(jq -r ".messages[0].delivery" show.json)" delayed delayed &&
	ctl show "$(ref_of piet@example.nl)" >show.txt &&
	grep -q "NOT DELIVERED" show.txt && grep -q "non-delivery: confirmation to piet@example.nl (5.1.1)" show.txt &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r ".bounced | length" st.json)" 1 bounced &&
	expect_eq "$(jq -r ".bounced[0].ref" st.json)" "$(ref_of piet@example.nl)" "bounced ref" &&
	expect_eq "$(jq -r ".bounced[0].status" st.json)" 5.1.1 status &&
	expect_eq "$(jq -r ".bounced[0].dunning_waits" st.json)" false waits &&
	ctl status >st.txt && grep -q "bounced (not delivered):" st.txt
'

expect_success 'a report about a message noshowd never sent is ignored and logged' '
	dsn d4 failed 5.1.1 "<nobody.knows@example.nl>" ronda@example.nl "Tue, 2 Mar 2027 10:00:00 +0100" &&
	dsn d5 failed 5.1.1 "$(msgid_of ronda@example.nl confirmation)" someone.else@example.nl "Tue, 2 Mar 2027 10:00:00 +0100" &&
	maildir_put d4 d5 &&
	n=$(records) &&
	NOW=2027-03-02T11:00:00+01:00 "$NOSHOWD" -c noshowd.conf --once --now 2027-03-02T11:00:00+01:00 >out &&
	expect_eq "$(grep -c "which noshowd did not send to its recipient: ignored" out)" 2 "ignored lines" &&
	grep -q "<nobody.knows@example.nl>" out &&
	expect_eq "$(records)" "$n" "no record"
'

expect_success 'a malformed report is skipped and logged once, never a crash' '
	printf "Date: Tue, 2 Mar 2027 12:00:00 +0100\r\nFrom: MAILER-DAEMON@mx.example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"Q\"\r\n\r\n--Q\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; ann@example.nl\r\n\r\n--Q--\r\n" >bad &&
	maildir_put bad &&
	NOW=2027-03-02T12:00:00+01:00 "$NOSHOWD" -c noshowd.conf --once --now 2027-03-02T12:00:00+01:00 >out 2>&1 &&
	grep -q "a malformed delivery report, skipped: delivery report: " out &&
	NOW=2027-03-02T13:00:00+01:00 "$NOSHOWD" -c noshowd.conf --once --now 2027-03-02T13:00:00+01:00 >out2 2>&1 &&
	! grep -q malformed out2 && grep -q "bounces: nothing new" out2
'

expect_success 'reports about unknown messages and malformed ones are not marked' '
	expect_eq "$(dovecot_flags bounces "$SECRET" | grep -c "(\$NoshowdProcessed)")" 3 marked
'

expect_success 'a second cycle records nothing twice, and the mail is still unseen' '
	n=$(records) &&
	NOW=2027-03-02T14:00:00+01:00 once >out &&
	expect_eq "$(records)" "$n" records &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM deliveries")" 3 deliveries &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT last_uid FROM bounce_mailbox")" 7 "last uid" &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT reports FROM bounce_mailbox")" 3 "reports counted" &&
	unseen
'

expect_success 'a message the server will not give stops the reading three cycles, then is passed by' '
	printf "From: x@example.com\r\nSubject: damaged\r\n\r\nx\r\n" >damaged &&
	f=$(date +%s).damaged.noshow-test,S=$(stat -c %s damaged),W=$(stat -c %s damaged) &&
	install -m 000 -o root -g root damaged "$DOVECOT_MAILDIR/new/$f" &&
	sleep 1 &&
	dsn d6 failed 5.1.1 "<after.damaged@example.nl>" ronda@example.nl "Tue, 2 Mar 2027 14:30:00 +0100" &&
	maildir_put d6 &&
	for k in 1 2 3; do
		at=2027-03-02T14:3$k:00+01:00 &&
		"$NOSHOWD" -c noshowd.conf --once --now $at >damaged.$k 2>&1;
		grep -q "message UID [0-9]* is read again next time ($k of 3 tries)" damaged.$k &&
		! grep -q "after.damaged" damaged.$k || { cat damaged.$k; exit 1; }
	done &&
	ctl --json status | jq -r .bounces.error | grep -q "read again next time (3 of 3 tries)" &&
	"$NOSHOWD" -c noshowd.conf --once --now 2027-03-02T14:40:00+01:00 >damaged.4 2>&1 &&
	cat damaged.4 &&
	grep -q "message UID [0-9]* could not be fetched in 3 cycles: left alone" damaged.4 &&
	grep -q "<after.damaged@example.nl>.*ignored" damaged.4 &&
	grep -q "0 too large, 1 unreadable;" damaged.4 &&
	"$NOSHOWD" -c noshowd.conf --once --now 2027-03-02T14:50:00+01:00 >damaged.5 2>&1 &&
	grep -q "bounces: nothing new" damaged.5 &&
	rm -f "$DOVECOT_MAILDIR/new/$f" "$DOVECOT_MAILDIR"/cur/"$f"*
'

expect_success 'a bounced dunning letter starts no term: the ladder waits for the trainer' '
	NOW=2027-03-08T18:00:00+01:00 ctl attend "$(ref_of ann@example.nl)" "$(ref_of piet@example.nl)" >/dev/null &&
	NOW=2027-03-09T17:00:00+01:00 once >/dev/null &&
	expect_eq "$(ctl --json show "$(ref_of ronda@example.nl)" | jq -r .booking.state)" no_show state &&
	NOW=2027-03-16T17:00:00+01:00 once >out &&
	grep -q "dunning-1 to ronda@example.nl" out &&
	dsn d6 failed 5.2.2 "$(msgid_of ronda@example.nl dunning-1)" ronda@example.nl "Tue, 16 Mar 2027 17:05:00 +0100" &&
	maildir_put d6 &&
	NOW=2027-03-17T09:00:00+01:00 once >out &&
	grep -q "non-delivery dunning-1 to ronda@example.nl" out &&
	NOW=2027-04-20T09:00:00+02:00 once >out &&
	! grep -q "dunning-2 to ronda" out &&
	ctl --json show "$(ref_of ronda@example.nl)" >show.json &&
	expect_eq "$(jq -r .booking.stage show.json)" 1 "stage stays" &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r ".bounced[] | select(.kind == \"dunning-1\") | .dunning_waits" st.json)" true waits &&
	jq -r ".bounced[] | select(.kind == \"dunning-1\") | .todo" st.json | grep -q "noshowctl resend $(ref_of ronda@example.nl)" &&
	ctl status | grep -q "the dunning ladder waits" &&
	grep -l "^X-Noshowd-Kind: digest" sent/new/* >digests &&
	"$PYTHON" -c "import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)
print(m.get_content())" "$(tail -n 1 digests)" >digest.txt &&
	grep -q "not delivered: $(ref_of ronda@example.nl) dunning-1 to ronda@example.nl 5.2.2: the dunning ladder waits" digest.txt
'

expect_success 'resend: the letter goes again, and its term counts from its delivery' '
	! NOW=2027-04-20T09:00:00+02:00 ctl resend "$(ref_of ann@example.nl)" 2>err &&
	grep -q "no bounced dunning step" err &&
	NOW=2027-04-20T09:00:00+02:00 ctl resend "$(ref_of ronda@example.nl)" >/dev/null &&
	NOW=2027-04-20T10:00:00+02:00 once >out &&
	grep -q "dunning-1 to ronda@example.nl: sent" out &&
	ctl --json status | jq -e ".bounced | map(select(.kind == \"dunning-1\")) | length == 0" >/dev/null &&
	dsn d7 delivered 2.0.0 "$(msgid_of ronda@example.nl dunning-1)" ronda@example.nl "Thu, 22 Apr 2027 08:00:00 +0200" &&
	maildir_put d7 &&
	NOW=2027-04-22T12:00:00+02:00 once >out &&
	grep -q "delivery dunning-1 to ronda@example.nl" out &&
	NOW=2027-05-05T09:00:00+02:00 once >out &&
	! grep -q "dunning-2 to ronda" out &&
	NOW=2027-05-06T09:00:00+02:00 once >out &&
	grep -q "dunning-2 to ronda@example.nl" out
'

expect_success 'a bounced 14-day letter starts no term: no collection, the ladder waits' '
	NOW=2027-05-20T10:00:00+02:00 once >out &&
	grep -q "dunning-3 to ronda@example.nl: sent" out &&
	dsn d8 failed 5.1.1 "$(msgid_of ronda@example.nl dunning-3)" ronda@example.nl "Thu, 20 May 2027 10:05:00 +0200" &&
	maildir_put d8 &&
	NOW=2027-05-20T11:00:00+02:00 once >out &&
	grep -q "non-delivery dunning-3 to ronda@example.nl" out &&
	NOW=2027-07-01T09:00:00+02:00 once >out &&
	ctl --json show "$(ref_of ronda@example.nl)" >show.json &&
	expect_eq "$(jq -r .booking.stage show.json)" 3 "stage stays at the letter: no collection" &&
	! jq -r ".events[].after" show.json | grep -qx collection &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r ".bounced[] | select(.kind == \"dunning-3\") | .dunning_waits" st.json)" true waits &&
	ctl export collection >coll.csv &&
	! grep -q "ronda@example.nl" coll.csv
'

expect_success 'verify checks the reports; the bundle carries them and verifies' '
	ctl evidence verify >v.out &&
	grep -q "^reports:     6 delivery records" v.out && tail -1 v.out | grep -qx OK &&
	ctl evidence export "$(ref_of ronda@example.nl)" bundle >/dev/null &&
	for h in $(grep -o "\"report_sha256\":\"[0-9a-f]*\"" bundle/records.jsonl | cut -d\" -f4); do
		cmp bundle/messages/$h.eml state/evidence/messages/$h.eml || return 1
	done &&
	expect_eq "$(grep -c "\"report_sha256\"" bundle/records.jsonl)" 4 "reports in bundle" &&
	grep -q "non-delivery (failed 5.2.2), reported by mx.example.com" bundle/summary.en.txt &&
	(cd / && env -i PATH=/usr/bin:/bin bash "$T/bundle/verify.sh") >vb.out &&
	tail -1 vb.out | grep -qx OK
'

expect_success 'an altered report fails verify, naming it' '
	h=$(sqlite3 state/noshowd.db "SELECT report_sha256 FROM deliveries LIMIT 1") &&
	f=state/evidence/messages/$h.eml &&
	chmod u+w "$f" && printf x >>"$f" &&
	! ctl evidence verify 2>err &&
	grep -q "the message file .*/$h.eml was altered" err
'

expect_success 'a mailbox that fails is a line in status and stops nothing else' '
	printf "wrong\n" >imap.pass &&
	ctl book s1 kees@example.nl >/dev/null &&
	NOW=2027-07-07T10:00:00+02:00 once >out &&
	grep -q "confirmation to kees@example.nl: sent" out &&
	grep -q "refused the login of \"bounces\"" out &&
	ctl --json status >st.json &&
	expect_eq "$(jq -r .bounces.result st.json)" failed result &&
	jq -r .bounces.error st.json | grep -q "check mail.bounces.username and password_file" &&
	! grep -rq "$SECRET" state/noshowd.db out st.json &&
	printf "%s\n" "$SECRET" >imap.pass
'

make_tls_cert tls
start_dovecot --ssl tls bounces "$SECRET"
expect_success 'imaps:// with the configured CA' '
	sed -e "s|url = \"imap://[^\"]*\"|url = \"$DOVECOT_URL/INBOX\"|" \
	    -e "s|transport = \"maildir\";|transport = \"maildir\"; ca_file = \"$T/tls/ca.pem\";|" noshowd.conf >tls.conf &&
	"$NOSHOWD" -c tls.conf --once --now 2027-07-07T11:00:00+02:00 >out &&
	grep -q "bounces: nothing new" out &&
	"$NOSHOWCTL" -c tls.conf --json status | jq -e ".bounces.result == \"ok\"" >/dev/null
'

# A mailbox where the user may not set keywords (Dovecot's ACL without "w"): its
# PERMANENTFLAGS are (\Seen). The reports are recorded, nothing is marked, and it is said once.
printf 'INBOX user=bounces lrs\n' >global-acl
DOVECOT_EXTRA="mail_plugins = acl
protocol imap {
  mail_plugins = acl imap_acl
}
plugin {
  acl = vfile:$T/global-acl
}" start_dovecot bounces "$SECRET"
expect_success 'a server that will not keep the keyword: recorded, unmarked, said once' '
	sed "s|url = \"imaps://[^\"]*\"|url = \"$DOVECOT_URL/INBOX\"|" tls.conf >acl.conf &&
	dsn a1 delivered 2.0.0 "$(msgid_of kees@example.nl confirmation)" kees@example.nl "Wed, 7 Jul 2027 10:05:00 +0200" &&
	dsn a2 delayed 4.4.1 "$(msgid_of kees@example.nl confirmation)" kees@example.nl "Wed, 7 Jul 2027 10:06:00 +0200" &&
	maildir_put a1 a2 &&
	"$NOSHOWD" -c acl.conf --once --now 2027-07-07T12:00:00+02:00 >out &&
	grep -q "^bounces: 2 reports recorded, .*; 0 marked" out &&
	expect_eq "$(grep -c "cannot keep the keyword \$NoshowdProcessed (it is read-only or its PERMANENTFLAGS do not allow it): reports are not marked" out)" 1 "said once" &&
	dovecot_flags bounces "$SECRET" >flags &&
	expect_eq "$(grep -c "^[0-9]* () Delivery Status Notification\$" flags)" 2 unmarked
'

done_testing
