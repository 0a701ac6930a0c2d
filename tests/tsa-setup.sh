#!/bin/sh
# Make a test timestamp authority in DIR for tests/tsa_server.py:
#
#	tests/tsa-setup.sh DIR
#	tests/tsa-setup.sh --expiring SECONDS DIR
#
# DIR/ca.pem		a test CA (also the CA of the HTTPS certificate)
# DIR/tsa.pem, tsa.key	the TSA certificate (extendedKeyUsage critical,timeStamping) and key
# DIR/https.pem, .key	a server certificate for 127.0.0.1 and localhost, for an https:// TSA
# DIR/ts.cnf		the `openssl ts -reply` configuration (see the CONFIGURATION FILE
#			OPTIONS of openssl-ts(1)) with two TSA sections: tsa_ok, the default,
#			and tsa_reject, which accepts only SHA-512 imprints and so answers a
#			SHA-256 request with a rejection (badAlg), and tsa_expiring, which
#			signs with DIR/expiring.pem
#
# The second form, run after the first, (re)makes DIR/expiring.pem: a TSA certificate valid
# from a minute ago until SECONDS from now, for the test that a stamp is checked at its
# genTime. openssl's output goes to DIR/openssl.log.
set -eu
usage() { echo "usage: $0 [--expiring SECONDS] DIR" >&2; exit 2; }
expiring=
if [ "${1:-}" = --expiring ]; then
	[ $# -eq 3 ] || usage
	expiring=$2
	shift 2
fi
[ $# -eq 1 ] || usage
mkdir -p "$1"
cd "$1"
dir=$(pwd)
exec >>openssl.log 2>&1

# `openssl x509 -req` of OpenSSL 3.0 only counts whole days; `openssl ca` takes exact dates.
if [ -n "$expiring" ]; then
	printf '%s\n' '[ ca ]' 'default_ca = ca_test' '[ ca_test ]' 'database = index.txt' \
		'new_certs_dir = .' 'serial = ca.serial' 'default_md = sha256' \
		'policy = policy_any' 'unique_subject = no' '[ policy_any ]' \
		'commonName = supplied' >ca.cnf
	: >index.txt
	openssl rand -hex 8 >ca.serial
	openssl req -new -key tsa.key -out expiring.csr -subj '/CN=noshowd expiring test TSA'
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expiring.csr \
		-out expiring.pem -notext -extfile tsa.ext \
		-startdate "$(date -u -d '-1 min' +%Y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d "+$expiring sec" +%Y%m%d%H%M%SZ)"
	rm -f expiring.csr
	exit 0
fi

newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 -new $newkey -keyout ca.key -out ca.pem -days 30 \
	-subj '/CN=noshowd test TSA CA' \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign

# RFC 3161 2.3: the TSA certificate has exactly one extended key usage, timeStamping, and it
# is critical; openssl refuses to sign with anything else.
openssl req -new $newkey -keyout tsa.key -out tsa.csr -subj '/CN=noshowd test TSA'
printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature \
	extendedKeyUsage=critical,timeStamping >tsa.ext
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
	-days 30 -extfile tsa.ext -out tsa.pem

openssl req -new $newkey -keyout https.key -out https.csr -subj /CN=localhost
printf '%s\n' subjectAltName=IP:127.0.0.1,DNS:localhost basicConstraints=critical,CA:FALSE \
	keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth >https.ext
openssl x509 -req -in https.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
	-days 30 -extfile https.ext -out https.pem
rm -f tsa.csr https.csr https.ext
chmod 600 ca.key tsa.key https.key

echo 01 >serial
cat >ts.cnf <<EOC
[ tsa ]
default_tsa = tsa_ok

[ tsa_ok ]
dir = $dir
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
# No "certs": with certReq only the TSA's own certificate goes into the token, as with
# many real TSAs, and the reader then needs -partial_chain (see daemon/tsa.h).
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[ tsa_reject ]
dir = $dir
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[ tsa_expiring ]
dir = $dir
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/expiring.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOC
