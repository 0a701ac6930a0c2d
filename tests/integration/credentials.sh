#!/bin/bash
# Secrets as systemd credentials (LoadCredential= in the unit): password_file and
# key_file = "credential:NAME" read NAME from $CREDENTIALS_DIRECTORY, which the test sets
# as systemd would; without it from /run/credentials/noshowd.service. Mail goes out with
# the SMTP password and the DKIM key from there; a bad name is refused with the file, line
# and key; noshowctl, which needs neither secret, works without the credentials.
. "$(dirname "$0")/../lib.sh"

SECRET='Cr3dential-Pa55'
start_smtpd --auth "trainer:$SECRET"
mkdir -p creds state
printf '%s\n' "$SECRET" >creds/smtp-password
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out creds/dkim.key \
	>keys.log 2>&1 || bail_out "cannot make the DKIM key: $(cat keys.log)"
chmod 0400 creds/*

conf() {	# conf PASSWORD_FILE KEY_FILE
	cat <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "smtp"; url = "$SMTPD_URL"; starttls = "off";
	username = "trainer"; password_file = "$1"; templates = "$TOP/conf/templates";
	dkim = { domain = "example.nl"; selector = "ns1"; key_file = "$2"; }; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
}
conf credential:smtp-password credential:dkim.key >noshowd.conf
NOW=2027-03-01T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
received() { ls "$SMTPD_DIR"/*.eml 2>/dev/null | wc -l; }

expect_success 'noshowd -t finds the DKIM key in $CREDENTIALS_DIRECTORY' '
	CREDENTIALS_DIRECTORY=$T/creds "$NOSHOWD" -c noshowd.conf -t >t.out 2>&1 &&
	grep -q "configuration OK" t.out
'

expect_success 'without $CREDENTIALS_DIRECTORY it looks where systemd keeps them, and says so' '
	! env -u CREDENTIALS_DIRECTORY "$NOSHOWD" -c noshowd.conf -t >t2.out 2>&1 &&
	grep -q "mail.dkim.key_file: .*/run/credentials/noshowd.service/dkim.key" t2.out
'

expect_success 'noshowctl needs no secret: it works without the credentials' '
	env -u CREDENTIALS_DIRECTORY "$NOSHOWD" -c noshowd.conf --once --now "$NOW" \
		>/dev/null 2>&1 &&
	env -u CREDENTIALS_DIRECTORY "$NOSHOWCTL" -c noshowd.conf --now "$NOW" book s1 \
		ann@example.nl --name "Ann de Vries" >book.out &&
	env -u CREDENTIALS_DIRECTORY "$NOSHOWCTL" -c noshowd.conf --now "$NOW" --json outbox \
		>ob.json &&
	expect_eq "$(json_get ob.json length)" 1 queued
'

expect_success 'the message goes out with the password and the DKIM key from the credentials' '
	CREDENTIALS_DIRECTORY=$T/creds "$NOSHOWD" -c noshowd.conf --once --now "$NOW" -v \
		>once.out 2>&1 &&
	expect_eq "$(received)" 1 received &&
	expect_eq "$(jq -r .auth_user "$SMTPD_DIR"/0001.json)" trainer "authenticated as" &&
	grep -q "^DKIM-Signature: .*d=example.nl" "$SMTPD_DIR"/0001.eml &&
	! grep -rqF "$SECRET" once.out "$SMTPD_LOG"
'

expect_success 'a credential name with a slash is refused with the file, line and key' '
	conf "credential:../smtp-password" credential:dkim.key >bad.conf &&
	! CREDENTIALS_DIRECTORY=$T/creds "$NOSHOWD" -c bad.conf -t >bad.out 2>&1 &&
	grep -q "bad.conf:6: mail.password_file: \"credential:../smtp-password\" is not a credential name" bad.out
'

expect_success 'a plain path still works as before' '
	conf "$T/creds/smtp-password" "$T/creds/dkim.key" >plain.conf &&
	env -u CREDENTIALS_DIRECTORY "$NOSHOWD" -c plain.conf -t >plain.out 2>&1 &&
	grep -q "configuration OK" plain.out
'

done_testing
