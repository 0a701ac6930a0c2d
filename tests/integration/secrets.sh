#!/bin/bash
# Secrets stay secret (#9): the SMTP and IMAP passwords, the DKIM key and the evidence
# signing key appear nowhere
# noshowd or noshowctl write (logs with -v, error messages, the database, the evidence log
# and its bundle, JSON output), neither as they are nor in the base64 forms of SMTP AUTH
# PLAIN and LOGIN; and the state is created private (files 0600, directories 0700).
. "$(dirname "$0")/../lib.sh"

SECRET='S3cret-Pa55+w/rd'
WRONG='Wr0ng-Pa55+w/rd'
make_tls_cert tls
start_smtpd --name good --starttls --tls-cert tls/cert.pem --tls-key tls/key.pem \
	--auth "trainer:$SECRET"
GOOD_URL=$SMTPD_URL
start_smtpd --name refusing --auth "trainer:$SECRET" --auth-mech LOGIN
REFUSING_URL=$SMTPD_URL
printf '%s\n' "$SECRET" >good.pass
printf '%s\n' "$WRONG" >wrong.pass

conf() {	# conf STATE URL PASSWORD_FILE STARTTLS
	cat <<CONF
database = "$T/$1/db/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "smtp"; url = "$2"; starttls = "$4"; ca_file = "$T/tls/ca.pem";
	username = "trainer"; password_file = "$T/$3"; templates = "$TOP/conf/templates"; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
}
NOW=2027-03-01T10:00:00+01:00
conf good "$GOOD_URL" good.pass required >good.conf
conf bad "$REFUSING_URL" wrong.pass off >bad.conf

# Every form a secret could leak in: as it is, and the base64 of AUTH PLAIN and LOGIN.
forms() {	# forms PASSWORD [USER]
	printf '%s\n' "$1"
	printf '\0%s\0%s' "${2:-trainer}" "$1" | base64 -w0; echo
	printf '%s' "$1" | base64 -w0; echo
}
# Everything noshowd and noshowctl wrote for state $1 into out-$1/ (the database as text).
collect() {
	local st=$1 c=$1.conf ref
	mkdir -p "out-$st"
	ref=$("$NOSHOWCTL" -c "$c" --json bookings | jq -r ".[0].ref")
	for cmd in status bookings "show $ref" outbox "outbox --failed" "evidence list" \
		"evidence verify"; do
		# shellcheck disable=SC2086 # the command's words
		"$NOSHOWCTL" -c "$c" --json $cmd >>"out-$st/ctl.json" 2>>"out-$st/ctl.err" || true
		"$NOSHOWCTL" -c "$c" $cmd >>"out-$st/ctl.txt" 2>>"out-$st/ctl.err" || true
	done
	"$NOSHOWCTL" -c "$c" evidence export "$ref" "out-$st/bundle" >/dev/null 2>>"out-$st/ctl.err"
	sqlite3 "$st/db/noshowd.db" .dump >"out-$st/db.sql"
}
leaks() {	# leaks DIR FORMS-FILE: the files under DIR holding any form
	grep -rlaF -f "$2" "$1" 2>/dev/null || true
}

expect_success 'a cycle with AUTH, a checkpoint and an export leaks neither password nor key' '
	"$NOSHOWCTL" -c good.conf --now "$NOW" book s1 ann@example.nl --name "Ann" >/dev/null &&
	"$NOSHOWD" -c good.conf -v --once --now "$NOW" >out-run.log 2>&1 &&
	grep -q "relay-acceptance\|sent: 250" out-run.log &&
	collect good && mv out-run.log out-good/ &&
	test -s out-good/bundle/records.jsonl &&
	forms "$SECRET" >forms.txt &&
	sed -n "/BEGIN/,/END/p" good/db/evidence/signing.key | grep -v -- "-----" >>forms.txt &&
	openssl pkey -in good/db/evidence/signing.key -outform DER 2>/dev/null | tail -c 32 |
		od -An -tx1 | tr -d " \n" >>forms.txt && echo >>forms.txt &&
	expect_eq "$(wc -l <forms.txt)" 5 "forms to look for" &&
	expect_eq "$(leaks out-good forms.txt)" "" "files holding a secret" &&
	expect_eq "$(grep -rlaF -f forms.txt good --exclude=signing.key)" "" "state holding a secret"
'

expect_success 'a refused login names the setting to fix, not the password' '
	"$NOSHOWCTL" -c bad.conf --now "$NOW" book s1 bob@example.nl --name "Bob" >/dev/null &&
	{ "$NOSHOWD" -c bad.conf -v --once --now "$NOW" >out-bad-run.log 2>&1 || true; } &&
	grep -q "password_file\|login\|535" out-bad-run.log &&
	collect bad && mv out-bad-run.log out-bad/ &&
	forms "$WRONG" >wrong.txt && forms "$SECRET" >>wrong.txt &&
	expect_eq "$(leaks out-bad wrong.txt)" "" "files holding a secret" &&
	expect_eq "$(grep -rlaF -f wrong.txt bad)" "" "state holding a secret"
'

expect_success 'the state noshowd creates is private: files 0600, directories 0700' '
	expect_eq "$(stat -c %a good/db)" 700 "database directory" &&
	expect_eq "$(stat -c %a good/db/noshowd.db)" 600 "database" &&
	for f in good/db/noshowd.db-wal good/db/noshowd.db-shm; do
		[ ! -e "$f" ] || expect_eq "$(stat -c %a "$f")" 600 "$f" || return 1
	done &&
	expect_eq "$(stat -c %a good/db/evidence)" 700 "evidence directory" &&
	expect_eq "$(stat -c %a good/db/evidence/messages)" 700 "messages directory" &&
	expect_eq "$(stat -c %a good/db/evidence/signing.key)" 600 "signing key" &&
	expect_eq "$(find good/db/evidence/messages -type f ! -perm 0400 | wc -l)" 0 \
		"kept messages not 0400"
'

# Delivery reports over IMAP (a real Dovecot) and DKIM signing, with -v, a refused IMAP
# login and `noshowd -t` (which prints the public key's DNS record, not the private key).
IMAP_SECRET='Imap-S3cret+Pa55/w'
IMAP_WRONG='Imap-Wr0ng+Pa55/w'
start_dovecot bounces "$IMAP_SECRET"
printf '%s\n' "$IMAP_SECRET" >imap-good.pass
printf '%s\n' "$IMAP_WRONG" >imap-wrong.pass
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.key 2>/dev/null
imap_conf() {	# imap_conf STATE PASSWORD_FILE
	cat <<CONF
database = "$T/$1/db/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "maildir"; maildir = "$T/$1/sent"; from = "bounces@example.nl";
	templates = "$TOP/conf/templates";
	dkim = { domain = "example.nl"; selector = "ns1"; key_file = "$T/dkim.key"; };
	bounces = { url = "$DOVECOT_URL/INBOX"; username = "bounces"; password_file = "$T/$2"; }; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
}
imap_conf imapgood imap-good.pass >imapgood.conf
imap_conf imapbad imap-wrong.pass >imapbad.conf
# The private key's own lines: past the first eight, which also carry the public modulus.
dkim_forms() { grep -v -- "-----" dkim.key | tail -n +9; }

expect_success 'IMAP collection and DKIM signing leak neither the IMAP password nor the DKIM key' '
	"$NOSHOWCTL" -c imapgood.conf --now "$NOW" book s1 ann@example.nl --name "Ann" >/dev/null &&
	"$NOSHOWD" -c imapgood.conf -t >out-imapgood-t.log 2>&1 &&
	grep -q "ns1._domainkey" out-imapgood-t.log &&
	"$NOSHOWD" -c imapgood.conf -v --once --now "$NOW" >out-imapgood-run.log 2>&1 &&
	grep -q "bounces" out-imapgood-run.log &&
	grep -rlq "^DKIM-Signature:" imapgood/sent/new &&
	collect imapgood && mv out-imapgood-t.log out-imapgood-run.log out-imapgood/ &&
	"$NOSHOWCTL" -c imapgood.conf --json status >out-imapgood/status.json &&
	jq -e ".bounces.result == \"ok\" and .bounces.error == null" out-imapgood/status.json >/dev/null &&
	{ forms "$IMAP_SECRET" bounces; dkim_forms; } >imap-forms.txt &&
	test "$(wc -l <imap-forms.txt)" -ge 15 &&
	expect_eq "$(leaks out-imapgood imap-forms.txt)" "" "files holding a secret" &&
	expect_eq "$(grep -rlaF -f imap-forms.txt imapgood)" "" "state holding a secret"
'

expect_success 'a refused IMAP login names the setting to fix, not the password' '
	"$NOSHOWCTL" -c imapbad.conf --now "$NOW" book s1 bob@example.nl --name "Bob" >/dev/null &&
	"$NOSHOWD" -c imapbad.conf -v --once --now "$NOW" >out-imapbad-run.log 2>&1 ;
	grep -q "mail.bounces.username and password_file" out-imapbad-run.log &&
	collect imapbad && mv out-imapbad-run.log out-imapbad/ &&
	grep -q "mail.bounces.username and password_file" out-imapbad/ctl.json &&
	{ forms "$IMAP_WRONG" bounces; forms "$IMAP_SECRET" bounces; } >imap-wrong.txt &&
	expect_eq "$(leaks out-imapbad imap-wrong.txt)" "" "files holding a secret" &&
	expect_eq "$(grep -rlaF -f imap-wrong.txt imapbad)" "" "state holding a secret"
'

done_testing
