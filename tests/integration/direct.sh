#!/bin/bash
# Direct delivery (mail.delivery = "direct") against real servers: a private network
# namespace (unshare --net --mount) where Debian's dnsmasq answers on 127.0.0.1:53 and
# tests/smtpd.py servers listen on port 25 of 127.0.0.2, 127.0.0.3, ..., the MX hosts of
# made-up domains under .test. Preferred MX, the next MX after a 451 or a closed port, a
# 550 that is final, the A record of a domain without MX, a domain that does not exist, a
# null MX, a domain with neither MX nor address (NODATA), a DNS server that fails, every MX
# down and a later cycle, STARTTLS with the certificate's fingerprint in the evidence.
#
# The namespace needs root (or user namespaces): without it the test fails, never skips.
if [ -z "${NOSHOWD_DIRECT_NETNS:-}" ]; then
	if ! why=$(unshare --net --mount true 2>&1); then
		echo "Bail out! direct: cannot make a private network namespace with" \
			"\"unshare --net --mount\" ($why); run the tests as root"
		exit 1
	fi
	NOSHOWD_DIRECT_NETNS=1 exec unshare --net --mount bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

# The namespace's own loopback and resolver; /etc/resolv.conf outside stays as it is.
ip link set lo up || bail_out "ip link set lo up failed"
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >resolv.conf
mount --bind "$T/resolv.conf" /etc/resolv.conf || bail_out "cannot bind-mount resolv.conf"

# --local=/test/: a name under .test that is not listed here is NXDOMAIN. broken.test is
# forwarded to a server that does not exist, so its lookups fail for now.
spawn /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --group=root \
	--pid-file="$T/dnsmasq.pid" --log-queries --log-facility="$T/dnsmasq.log" \
	--local=/test/ --server=/broken.test/127.0.0.99 \
	--mx-host=pref.test,mx1.pref.test,10 --mx-host=pref.test,mx2.pref.test,20 \
	--host-record=mx1.pref.test,127.0.0.2 --host-record=mx2.pref.test,127.0.0.3 \
	--mx-host=soft.test,mx.soft.test,10 --mx-host=soft.test,mx2.pref.test,20 \
	--host-record=mx.soft.test,127.0.0.4 \
	--mx-host=closed.test,mx.closed.test,5 --mx-host=closed.test,mx1.pref.test,50 \
	--host-record=mx.closed.test,127.0.0.9 \
	--mx-host=hard.test,mx.hard.test,10 --mx-host=hard.test,mx2.pref.test,20 \
	--host-record=mx.hard.test,127.0.0.5 \
	--host-record=plain.test,127.0.0.6 \
	--mx-host=down.test,mx1.down.test,10 --mx-host=down.test,mx2.down.test,20 \
	--host-record=mx1.down.test,127.0.0.7 --host-record=mx2.down.test,127.0.0.8 \
	--mx-host=tls.test,mx.tls.test,10 --host-record=mx.tls.test,127.0.0.10 \
	--mx-host=nullmx.test,.,0 --txt-record=bare.test,"v=spf1 -all" \
	>dnsmasq.out 2>&1
wait_for 10 'grep -q "started" dnsmasq.log 2>/dev/null' ||
	bail_out "dnsmasq did not start: $(cat dnsmasq.out dnsmasq.log 2>/dev/null)"

printf 'rcpt 451 4.7.1 greylisted, try again later\n' >s451
printf 'rcpt 550 5.1.1 no such user here\n' >s550
make_tls_cert tls
mx() {	# mx NAME ADDR [ARG...]: an SMTP server on ADDR:25, its files under NAME
	local name=$1 addr=$2
	shift 2
	start_smtpd --name "$name" --listen "$addr:25" --hostname "$name.test" "$@"
}
mx mx1 127.0.0.2
mx mx2 127.0.0.3
mx soft 127.0.0.4 --script "$T/s451"
mx hard 127.0.0.5 --script "$T/s550"
mx plain 127.0.0.6
mx tls 127.0.0.10 --starttls --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem"

mkdir -p state
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
language = "nl";
trainer = {
	name = "Sanne Bakker Trainingen"; email = "sanne@example.nl";
	address = "Oudegracht 12, 3511 AP Utrecht"; kvk = "12345678";
	vat = "NL123456789B01"; iban = "NL91ABNA0417164300"; vat_rate = 21;
};
mail = {
	transport = "smtp"; delivery = "direct";
	templates = "$TOP/conf/templates";
};
sessions = (
	{ id = "assert"; title = "Assertiviteitstraining"; start = "2026-12-08T09:00";
	  end = "2026-12-08T17:00"; capacity = 50; price = "295.00"; location = "Utrecht"; }
);
CONF
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
received() { ls "$T/$1.mail"/*.eml 2>/dev/null | wc -l; }
ref_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }
# msg EMAIL FIELD: a field of the booking's (first) message in noshowctl show
msg() { ctl --json show "$(ref_of "$1")" | jq -r ".messages[0].$2"; }
# ev EMAIL FIELD: a field of the booking's last evidence record
ev() { ctl --json evidence list "$(ref_of "$1")" | jq -r ".[-1].$2"; }
book() { ctl book assert "$1" >/dev/null; }

expect_success 'noshowd -t accepts direct delivery and says what it needs' '
	"$NOSHOWD" -c noshowd.conf -t >t.out &&
	grep -q "configuration OK" t.out &&
	grep -q "note: direct delivery connects to port 25" t.out &&
	grep -q "reverse DNS" t.out && grep -q SPF t.out && grep -q DKIM t.out
'

expect_success 'noshowd -t refuses relay settings with direct delivery, naming them' '
	sed "s|delivery = \"direct\";|delivery = \"direct\"; url = \"smtp://relay.example.nl:587\"; starttls = \"required\";|" noshowd.conf >bad.conf &&
	! "$NOSHOWD" -c bad.conf -t >bad.out 2>&1 &&
	grep -q "bad.conf:[0-9]*: mail.url: is for a relay" bad.out &&
	grep -q "bad.conf:[0-9]*: mail.starttls: \"required\" is for a relay" bad.out &&
	! grep -q "configuration OK" bad.out
'

expect_success 'the preferred MX gets the message; its 250 is the evidence' '
	once >/dev/null &&
	book anna@pref.test &&
	once >out &&
	grep -q "anna@pref.test: sent: 250" out &&
	expect_eq "$(received mx1)" 1 "at the preferred MX" &&
	expect_eq "$(received mx2)" 0 "at the second MX" &&
	expect_eq "$(jq -r ".rcpt_tos[0]" "$T/mx1.mail/0001.json")" anna@pref.test rcpt &&
	expect_eq "$(jq -r ".helo" "$T/mx1.mail/0001.json")" example.nl helo &&
	expect_eq "$(ev anna@pref.test transport)" direct transport &&
	expect_eq "$(ev anna@pref.test server)" smtp://mx1.pref.test:25 server &&
	expect_eq "$(ev anna@pref.test address)" 127.0.0.2 address &&
	expect_eq "$(ev anna@pref.test event)" relay-acceptance event &&
	ev anna@pref.test reply | grep -q "^250 2.0.0 Ok: queued as T0001$" &&
	expect_eq "$(ev anna@pref.test tls_fingerprint)" null "no tls offered"
'

expect_success 'the dialogue in the evidence is the MX server'"'"'s own' '
	ref=$(ref_of anna@pref.test) &&
	sqlite3 state/noshowd.db "SELECT body FROM evidence WHERE event = '"'"'relay-acceptance'"'"'" >rec &&
	grep -q "(MX mx1.pref.test preference 10)" rec &&
	grep -q "S: 220 mx1.test" rec &&
	grep -q "C: RCPT TO:<anna@pref.test>" rec &&
	! grep -q AUTH rec
'

expect_success 'a 451 at the preferred MX: the next MX gets it, both answers recorded' '
	book bert@soft.test &&
	once >out &&
	grep -q "bert@soft.test: sent: 250" out &&
	expect_eq "$(received soft)" 0 "at the greylisting MX" &&
	expect_eq "$(received mx2)" 1 "at the second MX" &&
	grep -q "RCPT TO:<bert@soft.test>" "$T/soft.log" &&
	expect_eq "$(ev bert@soft.test server)" smtp://mx2.pref.test:25 server &&
	expect_eq "$(ev bert@soft.test address)" 127.0.0.3 address &&
	sqlite3 state/noshowd.db "SELECT body FROM evidence ORDER BY seq DESC LIMIT 1" >rec &&
	grep -q "(MX mx.soft.test preference 10)" rec &&
	grep -q "S: 451 4.7.1 greylisted" rec &&
	grep -q "(MX mx2.pref.test preference 20)" rec
'

expect_success 'a closed port at the preferred MX: the next MX gets it' '
	book carla@closed.test &&
	once >out &&
	grep -q "carla@closed.test: sent: 250" out &&
	expect_eq "$(received mx1)" 2 "at the second MX" &&
	expect_eq "$(ev carla@closed.test server)" smtp://mx1.pref.test:25 server
'

expect_success 'a 550 is final: failed, and no other MX is asked' '
	before=$(received mx2) &&
	book dirk@hard.test &&
	once >out &&
	grep -q "dirk@hard.test: failed: smtp://mx.hard.test:25 refused the recipient (RCPT TO): 550 5.1.1 no such user here" out &&
	expect_eq "$(received mx2)" "$before" "at the second MX" &&
	! grep -q "dirk@hard.test" "$T/mx2.log" &&
	expect_eq "$(msg dirk@hard.test state)" failed state &&
	expect_eq "$(ev dirk@hard.test event)" relay-rejection event &&
	expect_eq "$(ev dirk@hard.test server)" smtp://mx.hard.test:25 server &&
	ctl --json outbox --failed | jq -r ".[].to" | grep -qx dirk@hard.test
'

expect_success 'a domain without MX records: its own A record' '
	book eva@plain.test &&
	once >out &&
	grep -q "eva@plain.test: sent: 250" out &&
	expect_eq "$(received plain)" 1 "at the domain'"'"'s own address" &&
	expect_eq "$(ev eva@plain.test server)" smtp://plain.test:25 server &&
	expect_eq "$(ev eva@plain.test address)" 127.0.0.6 address &&
	sqlite3 state/noshowd.db "SELECT body FROM evidence ORDER BY seq DESC LIMIT 1" |
		grep -q "(no MX records: the domain'"'"'s own address plain.test)"
'

expect_success 'a domain that does not exist: failed at once, NXDOMAIN named' '
	book frank@gone.test &&
	once >out &&
	grep -q "frank@gone.test: failed: the domain gone.test does not exist (NXDOMAIN)" out &&
	expect_eq "$(msg frank@gone.test state)" failed state &&
	expect_eq "$(ev frank@gone.test event)" relay-rejection event &&
	expect_eq "$(ev frank@gone.test server)" null server
'

expect_success 'a null MX (RFC 7505): failed, the domain takes no mail' '
	book gerda@nullmx.test &&
	once >out &&
	grep -q "gerda@nullmx.test: failed: the domain nullmx.test accepts no mail" out &&
	expect_eq "$(msg gerda@nullmx.test state)" failed state
'

# bare.test exists (it has a TXT record) but has no MX, A or AAAA: dnsmasq says NODATA.
expect_success 'a domain with neither MX nor A/AAAA (NODATA): failed, not deferred' '
	book ida@bare.test && once >out &&
	grep -q "config bare.test is NODATA-IPv4" dnsmasq.log &&
	grep -q "config bare.test is NODATA-IPv6" dnsmasq.log &&
	ctl --json evidence list "$(ref_of ida@bare.test)" | jq -c ".[-1] | [.event, .server, .error]" >rec &&
	expect_eq "$(cat rec)" "[\"relay-rejection\",null,\"the domain bare.test has neither MX nor A/AAAA records: it takes no mail (RFC 5321 section 5.1)\"]" record &&
	grep -q "ida@bare.test: failed: the domain bare.test has neither" out
'

expect_success 'a DNS server that fails: deferred, not failed' '
	book henk@broken.test &&
	once >out &&
	grep -q "henk@broken.test: deferred: " out &&
	expect_eq "$(msg henk@broken.test state)" deferred state
'

expect_success 'STARTTLS when offered, with a certificate no CA vouches for; its fingerprint recorded' '
	book jan@tls.test &&
	once >out &&
	grep -q "jan@tls.test: sent: 250" out &&
	expect_eq "$(jq -r .tls "$T/tls.mail/0001.json")" true "tls at the server" &&
	want=$(openssl x509 -in "$T/tls/cert.pem" -noout -fingerprint -sha256 | sed "s/^.*=/sha256:/") &&
	expect_eq "$(ev jan@tls.test tls_fingerprint)" "$want" fingerprint &&
	expect_eq "$(ev jan@tls.test address)" 127.0.0.10 address
'

expect_success 'every MX down: deferred with backoff, both hosts named' '
	book ilse@down.test &&
	once >out &&
	grep -q "ilse@down.test: deferred: all 2 MX hosts of down.test failed: cannot connect to smtp://mx1.down.test:25: .*; cannot connect to smtp://mx2.down.test:25" out &&
	expect_eq "$(msg ilse@down.test state)" deferred state &&
	expect_eq "$(ev ilse@down.test event)" relay-failure event &&
	NOW=2026-11-23T10:02:00+01:00 once >out2 &&
	! grep -q ilse out2
'

# The second MX of down.test comes up.
mx down2 127.0.0.8

expect_success 'a later cycle, once an MX is up, delivers it' '
	NOW=2026-11-23T10:06:00+01:00 once >out &&
	grep -q "ilse@down.test: sent: 250" out &&
	expect_eq "$(received down2)" 1 "at the MX that came up" &&
	expect_eq "$(msg ilse@down.test state)" sent state &&
	expect_eq "$(ev ilse@down.test server)" smtp://mx2.down.test:25 server
'

expect_success 'the evidence log verifies' '
	ctl evidence verify >verify.out &&
	grep -q OK verify.out
'

done_testing
