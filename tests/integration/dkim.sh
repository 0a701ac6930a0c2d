#!/bin/bash
# DKIM signing (#7) over a real SMTP server on loopback (tests/smtpd.py): what the server
# receives is verified by an independent verifier (python3-dkim) that looks the key up in the
# DNS record `noshowd -t` prints; one changed byte breaks it; the evidence keeps the received
# bytes and names the key; a retry after a 451 sends the same bytes; an unreadable key defers
# the message instead of losing it or sending it unsigned; -t refuses a missing or non-RSA key.
. "$(dirname "$0")/../lib.sh"

printf '451 4.3.0 try again later\nok\n' >s451
start_smtpd --name tempfail --script "$T/s451"
TEMPFAIL_URL=$SMTPD_URL TEMPFAIL_DIR=$SMTPD_DIR
start_smtpd

{
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.key &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out small.key &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out ec.key &&
	mkdir gen && opendkim-genkey -D gen -b 2048 -d example.nl -s ns2
} >keys.log 2>&1 || bail_out "cannot make the test keys: $(cat keys.log)"

conf() {	# conf DB URL KEY [FROM]
	cat <<CONF
database = "$T/$1/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "${4:-sanne@example.nl}"; iban = "NL91ABNA0417164300"; };
mail = {
	transport = "smtp"; url = "$2"; starttls = "off"; templates = "$TOP/conf/templates";
	dkim = { domain = "example.nl"; selector = "ns1"; key_file = "$3"; };
};
policy = { release_unpaid = false; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2026-12-08T09:00";
	end = "2026-12-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
}
conf state "$SMTPD_URL" "$T/dkim.key" >noshowd.conf
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c "${CONF:-noshowd.conf}" --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c "${CONF:-noshowd.conf}" --once --now "$NOW"; }
sha() { sha256sum <"$1" | cut -c1-64; }
# The SHA-256 of a key's DER SubjectPublicKeyInfo, and its base64 (the record's p=).
spki_sha() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -c1-64; }
spki_b64() { openssl pkey -in "$1" -pubout -outform DER | base64 -w0; }

# dkim_verify MESSAGE RECORD-FILE: python3-dkim's verdict. Its DNS lookup is answered with
# the strings of the record `noshowd -t` printed, joined, for ns1._domainkey.example.nl only.
cat >verify.py <<'PY'
import re, sys, dkim
line = open(sys.argv[2]).read()
txt = "".join(re.findall(r'"([^"]*)"', line.split(" IN TXT ", 1)[1])).encode()
def dnsfunc(name, timeout=5):
    return txt if name == b"ns1._domainkey.example.nl." else None
ok = dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=dnsfunc)
print("pass" if ok else "fail")
sys.exit(0 if ok else 1)
PY
dkim_verify() { "$PYTHON" verify.py "$1" "$2"; }
# txt_joined FILE: the strings of the TXT record in FILE, joined, as a resolver returns them.
txt_joined() {
	"$PYTHON" -c 'import re, sys
print("".join(re.findall(r"\"([^\"]*)\"", open(sys.argv[1]).read().split("TXT", 1)[1])))' "$1"
}
# alter IN OUT OLD NEW: a copy with the first OLD (a Python bytes literal's text) made NEW.
alter() {
	"$PYTHON" -c 'import sys
d = open(sys.argv[1], "rb").read()
old, new = sys.argv[3].encode(), sys.argv[4].encode()
assert old in d, sys.argv[3]
open(sys.argv[2], "wb").write(d.replace(old, new, 1))' "$@"
}

expect_success 'noshowd -t checks the key and prints the DNS record to publish' '
	"$NOSHOWD" -c noshowd.conf -t >t.out 2>t.err &&
	grep -x "ns1\._domainkey\.example\.nl\. IN TXT .*" t.out >record &&
	expect_eq "$(wc -l <record)" 1 "one record line" &&
	tail -n 1 t.out | grep -q "configuration OK" &&
	expect_eq "$(cat t.err)" "" "no warnings" &&
	grep -q "key sha256 $(spki_sha dkim.key), 2048 bits" t.out &&
	expect_eq "$(txt_joined record)" "v=DKIM1; k=rsa; p=$(spki_b64 dkim.key)" "the record" &&
	"$NOSHOWCTL" -c noshowd.conf check-config >c.out &&
	grep -qxF "$(cat record)" c.out
'

expect_success 'a key from opendkim-genkey gives the record opendkim-genkey wrote' '
	conf gen "$SMTPD_URL" "$T/gen/ns2.private" >gen.conf &&
	"$NOSHOWD" -c gen.conf -t >gen.out &&
	grep "IN TXT" gen.out >gen.record &&
	ours=$(txt_joined gen.record | grep -o "p=.*") &&
	theirs=$(txt_joined gen/ns2.txt | grep -o "p=.*") &&
	expect_eq "$ours" "$theirs" "p="
'

expect_success 'mail goes out signed, and an independent verifier accepts it' '
	once >/dev/null &&
	ctl book s1 ronda@example.nl --name "Ronda Jansen" >/dev/null &&
	ctl book s1 piet@example.com >/dev/null &&
	once >out &&
	expect_eq "$(grep -c "sent: 250" out)" 2 sent &&
	for f in "$SMTPD_DIR"/*.eml; do
		dkim_verify "$f" record || exit 1
		head -n 1 "$f" | grep -q "^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.nl; s=ns1;" || exit 1
		expect_eq "$(grep -c "^DKIM-Signature:" "$f")" 1 "one signature" || exit 1
	done
'

f1=$(ls "$SMTPD_DIR"/*.eml 2>/dev/null | head -n 1)
expect_success 'one changed byte of the body or of a signed header breaks the signature' '
	test -n "$f1" &&
	alter "$f1" body.eml "Assertiveness" "Assertivenesz" &&
	! dkim_verify body.eml record &&
	ref=$(grep -o "^X-Noshowd-Ref: .*" "$f1" | cut -d" " -f2 | tr -d "\r") &&
	# Its last character changed (to X, or to Y where it is X: references end in any).
	other=X && [ "${ref: -1}" != X ] || other=Y &&
	alter "$f1" ref.eml "X-Noshowd-Ref: $ref" "X-Noshowd-Ref: ${ref%?}$other" &&
	! cmp -s "$f1" ref.eml &&
	! dkim_verify ref.eml record &&
	alter "$f1" subj.eml "Subject: " "Subject: Re: " &&
	! dkim_verify subj.eml record &&
	alter "$f1" from.eml "Subject: " "$(printf "From: mallory@example.com\r\nSubject: ")" &&
	! dkim_verify from.eml record &&
	cp "$f1" same.eml && dkim_verify same.eml record
'

expect_success 'the evidence keeps the bytes received, and the record names the key' '
	for f in "$SMTPD_DIR"/*.eml; do
		cmp "$f" "state/evidence/messages/$(sha "$f").eml" || exit 1
	done &&
	sqlite3 state/noshowd.db "SELECT hash FROM outbox ORDER BY id" >hashes &&
	for f in "$SMTPD_DIR"/*.eml; do grep -qx "$(sha "$f")" hashes || exit 1; done &&
	sqlite3 state/noshowd.db "SELECT body FROM evidence WHERE seq = 1" >rec1 &&
	expect_eq "$(jq -c .dkim rec1)" "{\"domain\":\"example.nl\",\"selector\":\"ns1\",\"key_sha256\":\"$(spki_sha dkim.key)\"}" dkim &&
	ctl --json evidence list >list.json &&
	expect_eq "$(jq -r ".[0].key_sha256" list.json)" null "not a checkpoint key" &&
	expect_eq "$(jq -c ".[0].dkim" list.json)" "$(jq -c .dkim rec1)" "dkim in evidence list" &&
	ctl evidence list >list.txt &&
	grep -qx "      dkim: d=example.nl s=ns1 key_sha256=$(spki_sha dkim.key)" list.txt &&
	ctl evidence verify >v.out && tail -n 1 v.out | grep -qx OK
'

expect_success 'a retry after a 451 sends the very bytes kept at the first attempt' '
	conf retry "$TEMPFAIL_URL" "$T/dkim.key" >retry.conf &&
	CONF=retry.conf once >/dev/null &&
	CONF=retry.conf ctl book s1 fay@example.nl >/dev/null &&
	CONF=retry.conf once >out &&
	grep -q "deferred: .*: 451 4.3.0" out &&
	h1=$(sqlite3 retry/noshowd.db "SELECT hash FROM outbox") &&
	head -n 1 "retry/evidence/messages/$h1.eml" | grep -q "^DKIM-Signature: " &&
	NOW=2026-11-23T10:30:00+01:00 CONF=retry.conf once >out &&
	grep -q "sent: 250" out &&
	f=$(ls "$TEMPFAIL_DIR"/*.eml) &&
	expect_eq "$(sha "$f")" "$h1" "the bytes sent" &&
	expect_eq "$(grep -c "^DKIM-Signature:" "$f")" 1 "one signature" &&
	CONF=retry.conf ctl --json evidence list >list.json &&
	expect_eq "$(jq -r "[.[].event] | join(\",\")" list.json)" "relay-failure,relay-acceptance" events &&
	expect_eq "$(jq -r "[.[].msg_sha256] | unique | join(\",\")" list.json)" "$h1" "one message" &&
	dkim_verify "$f" record
'

expect_success 'an unreadable key defers the message, naming the key; it goes signed later' '
	conf nokey "$SMTPD_URL" "$T/later.key" >nokey.conf &&
	CONF=nokey.conf once >/dev/null &&
	CONF=nokey.conf ctl book s1 gus@example.nl >/dev/null &&
	n=$(ls "$SMTPD_DIR"/*.eml | wc -l) &&
	CONF=nokey.conf once >out &&
	grep "deferred" out | grep -q "cannot read the DKIM key $T/later.key" &&
	expect_eq "$(ls "$SMTPD_DIR"/*.eml | wc -l)" "$n" "nothing sent" &&
	expect_eq "$(ls nokey/evidence/messages | wc -l)" 0 "nothing kept" &&
	cp dkim.key later.key &&
	NOW=2026-11-23T10:30:00+01:00 CONF=nokey.conf once >out &&
	grep -q "sent: 250" out &&
	f=$(ls "$SMTPD_DIR"/*.eml | tail -n 1) &&
	grep -q "^To: gus@example.nl" "$f" &&
	dkim_verify "$f" record &&
	test "$(sqlite3 nokey/noshowd.db "SELECT dkim IS NOT NULL FROM outbox")" = 1
'

expect_success 'noshowd -t refuses a missing or non-RSA key, naming it' '
	conf x "$SMTPD_URL" "$T/missing.key" >missing.conf &&
	! "$NOSHOWD" -c missing.conf -t >out 2>err &&
	grep -q "missing.conf: mail.dkim.key_file: cannot read the DKIM key $T/missing.key" err &&
	grep -q "openssl genpkey" err &&
	! grep -q "configuration OK" out &&
	conf x "$SMTPD_URL" "$T/ec.key" >ec.conf &&
	! "$NOSHOWD" -c ec.conf -t >out 2>err &&
	grep -q "mail.dkim.key_file: the DKIM key $T/ec.key is an EC key" err &&
	! "$NOSHOWCTL" -c ec.conf check-config >out 2>err &&
	grep -q "$T/ec.key is an EC key" err
'

expect_success 'a 1024-bit key and a sender outside the domain are warnings' '
	conf x "$SMTPD_URL" "$T/small.key" sanne@example.com >warn.conf &&
	"$NOSHOWD" -c warn.conf -t >out 2>err &&
	grep -q "mail.dkim.key_file: warning: the key $T/small.key has 1024 bits; use 2048" err &&
	grep -q "mail.dkim.domain: warning: the sender sanne@example.com is not in the domain \"example.nl\"" err &&
	grep -q "configuration OK" out
'

expect_success 'a selector that is not a name is refused with its line' '
	sed "s/selector = \"ns1\"/selector = \"ns1; x=y\"/" noshowd.conf >bad.conf &&
	! "$NOSHOWD" -c bad.conf -t 2>err &&
	grep -q "bad.conf:7: mail.dkim.selector: .*is not a valid name" err
'

done_testing
