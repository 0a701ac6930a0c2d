#!/bin/bash
# Delivery status notifications (RFC 3461, issue #7) through a real Postfix on loopback
# (tests/postfix-setup.sh): with mail.dsn = true the MAIL FROM and RCPT TO lines carry RET,
# ENVID, NOTIFY and ORCPT, valid on the wire whatever libcurl's version (7.88 appends a '>'
# to what follows an address); Postfix accepts them, delivers, and sends real reports to the
# sender's Maildir. With dsn = false, and against a server that does not offer DSN
# (aiosmtpd), nothing is requested.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/postfix-setup.sh"

postfix_mailbox sanne@trainer.test anna@example.test piet@example.test
postfix_gone gone@example.test
start_postfix trainer.test example.test
start_smtpd
mkdir -p state

write_conf() {	# write_conf DB URL DSN
	cat >noshowd.conf <<CONF
database = "$T/state/$1";
timezone = "Europe/Amsterdam";
language = "en";
trainer = {
	name = "Sanne Bakker Trainingen"; email = "sanne@trainer.test";
	address = "Oudegracht 12, 3511 AP Utrecht"; kvk = "12345678";
	vat = "NL123456789B01"; iban = "NL91ABNA0417164300"; vat_rate = 21;
};
mail = {
	transport = "smtp"; url = "$2"; starttls = "off"; dsn = $3;
	templates = "$TOP/conf/templates";
};
sessions = (
	{ id = "assert"; title = "Assertiveness"; start = "2026-12-08T09:00";
	  end = "2026-12-08T17:00"; capacity = 9; price = "295.00"; location = "Utrecht"; }
);
CONF
}
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
# record DB RCPT FIELD: a field of the last send record for RCPT ("null" when null).
record() {
	"$PYTHON" - "$T/state/$1" "$2" "$3" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
recs = [json.loads(b) for (b,) in db.execute("SELECT body FROM evidence ORDER BY seq")]
recs = [r for r in recs if r.get("rcpt") == sys.argv[2]]
v = recs[-1][sys.argv[3]]
print("null" if v is None else v, end="")
PY
}
# dialogue_line DB RCPT VERB: the client's MAIL or RCPT line, and the reply after it.
dialogue_line() {
	record "$1" "$2" dialogue | tr -d '\r' | grep -A1 "^C: $3 " | sed 's/^[CS]: //'
}
# check_rfc3461 'MAIL FROM:...' or 'RCPT TO:...': the syntax of RFC 3461 sections 4.1-4.4.
check_rfc3461() {
	"$PYTHON" - "$1" <<'PY'
import re, sys
xtext = r"(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})+"
mail = r"MAIL FROM:<[^<> ]*>(?: RET=(?:FULL|HDRS)| ENVID=" + xtext + r"| SIZE=\d+)*"
notify = r"(?:NEVER|(?:SUCCESS|FAILURE|DELAY)(?:,(?:SUCCESS|FAILURE|DELAY))*)"
rcpt = r"RCPT TO:<[^<> ]+>(?: NOTIFY=" + notify + r"| ORCPT=rfc822;" + xtext + ")*"
line = sys.argv[1]
ok = re.fullmatch(mail, line) or re.fullmatch(rcpt, line)
sys.exit(0 if ok else "not RFC 3461: " + line)
PY
}
# report FILE: the fields of a delivery report, one "Name: value" a line, lower-case names.
report() {
	"$PYTHON" - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
for part in m.walk():
    if part.get_content_type() == "message/delivery-status":
        for block in part.get_payload():
            for k, v in block.items():
                print("%s: %s" % (k.lower(), " ".join(v.split())))
PY
}
# reports_for ENVID: the report files in the sender's Maildir with this Original-Envelope-Id.
reports_for() {
	grep -lF "Original-Envelope-Id: $1" "$(postfix_maildir sanne@trainer.test)"new/* \
		2>/dev/null || true
}

write_conf dsn.db "$POSTFIX_URL" true
expect_success 'with mail.dsn, the messages go to Postfix with DSN requested' '
	once >/dev/null &&
	ctl book assert anna@example.test --name "Anna de Vries" >/dev/null &&
	ctl book assert ghost@example.test --name "Nobody Here" >/dev/null &&
	ctl book assert gone@example.test --name "Gone Away" >/dev/null &&
	once >out &&
	grep -q "anna@example.test: sent: 250" out &&
	grep -q "gone@example.test: sent: 250" out &&
	grep -q "ghost@example.test: failed" out
'

expect_success 'the evidence record names the parameters requested' '
	envid=$(record dsn.db anna@example.test message_id) &&
	case $envid in "<"*"@"*">") ;; *) false ;; esac &&
	expect_eq "$(record dsn.db anna@example.test dsn)" \
		"RET=HDRS ENVID=$envid NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;anna@example.test" dsn
'

expect_success 'MAIL FROM and RCPT TO on the wire are RFC 3461, and Postfix said 250' '
	envid=$(record dsn.db anna@example.test message_id) &&
	dialogue_line dsn.db anna@example.test MAIL >mail &&
	dialogue_line dsn.db anna@example.test RCPT >rcpt &&
	expect_eq "$(sed -n 1p mail)" "MAIL FROM:<sanne@trainer.test> RET=HDRS ENVID=$envid" mail &&
	expect_eq "$(sed -n 1p rcpt)" "RCPT TO:<anna@example.test> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;anna@example.test" rcpt &&
	check_rfc3461 "$(sed -n 1p mail)" && check_rfc3461 "$(sed -n 1p rcpt)" &&
	expect_eq "$(sed -n 2p mail)" "250 2.1.0 Ok" "answer to MAIL" &&
	expect_eq "$(sed -n 2p rcpt)" "250 2.1.5 Ok" "answer to RCPT" &&
	! check_rfc3461 "RCPT TO:<anna@example.test> NOTIFY=SUCCESS,FAILURE,DELAY>" 2>/dev/null
'

expect_success 'Postfix received exactly those lines (its own log)' '
	mail=$(dialogue_line dsn.db anna@example.test MAIL | sed -n 1p) &&
	rcpt=$(dialogue_line dsn.db anna@example.test RCPT | sed -n 1p) &&
	grep -F "< localhost[127.0.0.1]: $mail" "$POSTFIX_LOG" | grep -q "$mail\$" &&
	grep -F "< localhost[127.0.0.1]: $rcpt" "$POSTFIX_LOG" | grep -q "ORCPT=rfc822;anna@example.test\$" &&
	! grep -q "ORCPT=rfc822;[^ ]*>\$" "$POSTFIX_LOG"
'

expect_success 'a success report reaches the sender: Original-Envelope-Id is the ENVID' '
	postfix_wait_queue &&
	envid=$(record dsn.db anna@example.test message_id) &&
	test -f "$(postfix_maildir anna@example.test)new/"* &&
	f=$(reports_for "$envid") && test -n "$f" && test "$(echo "$f" | wc -l)" = 1 &&
	report "$f" >rep &&
	grep -qxF "original-envelope-id: $envid" rep &&
	grep -qx "reporting-mta: dns; mx.noshow.test" rep &&
	grep -qxF "original-recipient: rfc822;anna@example.test" rep &&
	grep -qxF "final-recipient: rfc822; anna@example.test" rep &&
	grep -qx "action: delivered" rep && grep -qx "status: 2.0.0" rep
'

expect_success 'an unknown mailbox is refused at RCPT TO (550): no report, a rejection' '
	envid=$(record dsn.db ghost@example.test message_id) &&
	dialogue_line dsn.db ghost@example.test RCPT >rcpt &&
	check_rfc3461 "$(sed -n 1p rcpt)" &&
	sed -n 2p rcpt | grep -q "^550 5.1.1 <ghost@example.test>" &&
	expect_eq "$(record dsn.db ghost@example.test event)" relay-rejection event &&
	expect_eq "$(record dsn.db ghost@example.test code)" 550 code &&
	test -z "$(reports_for "$envid")"
'

# Postfix 3.7 reports the alias expansion too (action expanded), then the failure of the
# address it expanded to: the bounce collector sees both.
expect_success 'a message accepted and then not delivered comes back as a failure report' '
	envid=$(record dsn.db gone@example.test message_id) &&
	expect_eq "$(record dsn.db gone@example.test event)" relay-acceptance event &&
	reports_for "$envid" >files && test -s files && : >rep &&
	while read -r f; do report "$f" >>rep && echo >>rep || exit 1; done <files &&
	expect_eq "$(grep -c "^original-envelope-id: $envid\$" rep)" "$(wc -l <files)" envids &&
	grep -A5 -xF "original-recipient: rfc822;gone@example.test" rep >failed &&
	grep -qx "action: failed" failed && grep -qx "status: 5.1.1" failed &&
	grep -qxF "final-recipient: rfc822; gone@bounce.test" rep &&
	! grep -qx "action: delivered" rep
'

write_conf plain.db "$POSTFIX_URL" false
expect_success 'with mail.dsn = false nothing is requested' '
	once >/dev/null &&
	ctl book assert piet@example.test --name "Piet Mulder" >/dev/null &&
	once >out && grep -q "piet@example.test: sent: 250" out &&
	expect_eq "$(record plain.db piet@example.test dsn)" null dsn &&
	expect_eq "$(dialogue_line plain.db piet@example.test MAIL | sed -n 1p)" \
		"MAIL FROM:<sanne@trainer.test> SIZE=$(record plain.db piet@example.test msg_size)" mail &&
	expect_eq "$(dialogue_line plain.db piet@example.test RCPT | sed -n 1p)" \
		"RCPT TO:<piet@example.test>" rcpt &&
	grep -qF "< localhost[127.0.0.1]: RCPT TO:<piet@example.test>" "$POSTFIX_LOG" &&
	! grep -qF "RCPT TO:<piet@example.test> " "$POSTFIX_LOG"
'

write_conf aiosmtpd.db "$SMTPD_URL" true
expect_success 'a server that does not offer DSN gets plain commands, and the record says so' '
	once >/dev/null &&
	ctl book assert karin@example.nl --name "Karin Smit" >/dev/null &&
	ctl book assert joost@example.nl --name "Joost Bos" >/dev/null &&
	once >out && expect_eq "$(grep -c "sent: 250" out)" 2 sent &&
	for r in karin@example.nl joost@example.nl; do
		expect_eq "$(record aiosmtpd.db $r dsn)" null "dsn of $r" &&
		expect_eq "$(dialogue_line aiosmtpd.db $r RCPT | sed -n 1p)" "RCPT TO:<$r>" "rcpt of $r" ||
		return 1
	done &&
	record aiosmtpd.db karin@example.nl dialogue | grep -q "^(the server does not offer DSN: none requested)" &&
	record aiosmtpd.db joost@example.nl dialogue | grep -q "^(connection reused)" &&
	expect_eq "$(jq -c "[.mail_options, .rcpt_options]" "$SMTPD_DIR"/0001.json)" "[[],[]]" options &&
	! grep -q "RET=\|NOTIFY=" "$SMTPD_LOG"
'

done_testing
