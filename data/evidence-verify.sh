#!/bin/bash
# verify.sh: check this noshowd evidence bundle with standard tools only (bash, coreutils,
# sed, grep, od and openssl), so that anyone can check it without noshowd.
#
#	./verify.sh		or	bash /path/to/bundle/verify.sh
#
# It checks, in this order, and stops at the first thing that does not match, naming it:
#   1. every messages/<sha256>.eml hashes to its name;
#   2. every message or delivery report a record mentions ("msg_sha256", "report_sha256")
#      is in messages/;
#   3. every line of records.jsonl is a leaf of the Merkle tree (RFC 9162 section 2.1,
#      SHA-256) of checkpoint/statement.txt: leaf index seq - 1, by the audit path on the
#      same line of proofs.txt, to the statement's root;
#   4. checkpoint/signature.bin is the Ed25519 signature of the statement by
#      checkpoint/signing.pub, whose fingerprint it prints: compare it with the one the
#      trainer published, for the signature proves nothing about who signed until you do;
#   5. checkpoint/timestamp.tsr, if there is one, is an RFC 3161 time stamp of the statement
#      (checked with the certificates it carries: the name of the time-stamp authority it
#      prints is for you to judge).
# Exit status 0 and "OK" when everything matches, 1 otherwise.
#
# A record's bytes are its line without the LF; its leaf hash is SHA-256(0x00 || bytes)
# and a node's SHA-256(0x01 || left || right). Records are in log order, each once.

set -u
export LC_ALL=C

fail() {
	echo "FAILED: $*"
	exit 1
}

for tool in openssl sha256sum od sed grep; do
	command -v "$tool" >/dev/null || fail "this check needs \"$tool\"; please install it"
done
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P) || fail "cannot find the bundle"
cd "$DIR" || fail "cannot enter $DIR"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

echo "evidence bundle $DIR"
for f in records.jsonl proofs.txt checkpoint/statement.txt checkpoint/signature.bin \
    checkpoint/signing.pub; do
	[ -f "$f" ] || fail "$f is missing"
done

# hex [FILE]: its bytes (or stdin's) as lower-case hex on one line.
hex() {
	od -An -v -tx1 ${1+"$1"} | tr -d ' \n'
}

# sums FILE...: the SHA-256 of each file, in order, into the array SUMS. A process costs
# far more than hashing 65 bytes, so files are hashed many at a time: every message at
# once, and the records' audit paths side by side, one level of the tree per call.
sums() {
	sha256sum -- "$@" >"$tmp/sums" || fail "sha256sum failed"
	mapfile -t SUMS <"$tmp/sums"
	SUMS=("${SUMS[@]%% *}")
	SUMS=("${SUMS[@]#\\}")	# sha256sum's mark for a file name it had to escape
}

# 1. Messages. Name and content must agree, so a message cannot be swapped for another.
msgs=()
for f in messages/*; do
	[ -e "$f" ] || continue
	[[ ${f#messages/} =~ ^[0-9a-f]{64}\.eml$ ]] && [ -f "$f" ] ||
		fail "$f: not a file named <sha256>.eml"
	msgs+=("$f")
done
if [ ${#msgs[@]} -gt 0 ]; then
	sums "${msgs[@]}"
	for i in "${!msgs[@]}"; do
		[ "messages/${SUMS[i]}.eml" = "${msgs[i]}" ] ||
			fail "${msgs[i]}: its SHA-256 is ${SUMS[i]} (altered)"
	done
fi
nmsg=${#msgs[@]}
echo "1. messages: $nmsg match their SHA-256 names"

# 2. Messages mentioned. A key starts right after "{" or ",": inside a JSON string every
# '"' follows a backslash, so a quoted "msg_sha256" in some text cannot match.
[ -s records.jsonl ] || fail "records.jsonl is empty"
[ "$(tail -c 1 records.jsonl | hex)" = 0a ] || fail "records.jsonl: the last line has no LF"
if [ "$(tr -d '\000' <records.jsonl | wc -c)" != "$(wc -c <records.jsonl)" ]; then
	off=$(od -An -v -tx1 -w1 records.jsonl | grep -n -m 1 ' 00$' | cut -d: -f1)
	fail "records.jsonl:$(($(head -c "$off" records.jsonl | wc -l) + 1)): a NUL byte (altered)"
fi
nref=0
grep -noE '[,{]"(msg|report)_sha256":[^,}]*' records.jsonl >"$tmp/refs"
while IFS=: read -r ln ref; do
	h=${ref#*:}
	[ "$h" = null ] && continue
	[[ $h =~ ^\"([0-9a-f]{64})\"$ ]] ||
		fail "records.jsonl:$ln: ${ref:2:${#ref}-${#h}-4} is $h, not 64 lower-case hex digits"
	h=${BASH_REMATCH[1]}
	[ -f "messages/$h.eml" ] || fail "records.jsonl:$ln: messages/$h.eml is missing"
	nref=$((nref + 1))
done <"$tmp/refs"
echo "2. records mention $nref messages, all present"

# The statement is parsed strictly and rebuilt byte for byte, so that what is checked
# here is exactly what was signed.
mapfile -t st <checkpoint/statement.txt
[ ${#st[@]} -eq 5 ] &&
	[ "${st[0]}" = "noshowd evidence checkpoint 1" ] &&
	[[ ${st[1]} =~ ^records\ [1-9][0-9]{0,14}$ ]] &&
	[[ ${st[2]} =~ ^head\ [0-9a-f]{64}$ ]] &&
	[[ ${st[3]} =~ ^root\ [0-9a-f]{64}$ ]] &&
	[[ ${st[4]} =~ ^at\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] &&
	printf '%s\n' "${st[@]}" | cmp -s - checkpoint/statement.txt ||
	fail "checkpoint/statement.txt: not the 5 lines of a noshowd evidence checkpoint 1"
size=${st[1]#records } root=${st[3]#root }

# esc HEX: the printf escapes (\xHH...) of 64 hex digits, in ESC, for a printf format: the
# one way to write bytes from bash without a process per hash. Every hash has been checked
# to be 64 lower-case hex digits before it gets here, so a format holds nothing else.
esc() {
	local i

	ESC=
	for ((i = 0; i < 64; i += 2)); do
		ESC+="\\x${1:i:2}"
	done
}

# 3. Records and proofs, line by line: the record's "seq" (its first field), the proof's
# leaf index, which must be seq - 1, and the audit path. Errors are kept per line, so that
# the first line that does not match is the one named.
declare -a err cr leaf fn sn r len pe
n=0 prev=0
exec 3<records.jsonl 4<proofs.txt
while IFS= read -r rec <&3; do
	n=$((n + 1))
	if ! IFS= read -r proof <&4; then
		err[n]="proofs.txt: no line $n for records.jsonl:$n"
		continue
	fi
	if ! [[ $rec =~ ^\{\"seq\":([1-9][0-9]{0,14}), ]]; then
		err[n]="records.jsonl:$n: does not begin {\"seq\":N,"
		continue
	fi
	seq=${BASH_REMATCH[1]}
	if [ "$seq" -le "$prev" ]; then
		err[n]="records.jsonl:$n: seq $seq after seq $prev (out of order or repeated)"
		continue
	fi
	prev=$seq
	if ! [[ $proof =~ ^(0|[1-9][0-9]{0,14})((\ [0-9a-f]{64})*)$ ]]; then
		err[n]="proofs.txt:$n: not \"<leaf index> <64 hex digits> ...\""
		continue
	fi
	idx=${BASH_REMATCH[1]}
	read -ra path <<<"${BASH_REMATCH[2]}"
	if [ ${#path[@]} -gt 63 ]; then
		err[n]="proofs.txt:$n: an audit path longer than any tree is deep"
		continue
	fi
	if [ "$idx" -ne $((seq - 1)) ]; then
		err[n]="records.jsonl:$n: seq $seq is leaf $((seq - 1)), but proofs.txt:$n proves leaf $idx"
		continue
	fi
	if [ "$idx" -ge "$size" ]; then
		err[n]="proofs.txt:$n: leaf $idx is not in the $size-record tree of checkpoint/statement.txt"
		continue
	fi
	case $rec in
	*$'\r') cr[n]=1 ;;
	esac
	printf '\x00%s' "$rec" >"$tmp/leaf.$n"
	leaf[n]=$idx fn[n]=$idx sn[n]=$((size - 1)) len[n]=${#path[@]}
	for j in "${!path[@]}"; do
		pe[n * 64 + j]=${path[j]}
	done
done
IFS= read -r proof <&4 && err[n + 1]="proofs.txt:$((n + 1)): a proof with no record"
exec 3<&- 4<&-

# The leaf hashes, SHA-256(0x00 || record), then RFC 9162 section 2.1.3.2 for all paths
# at once, one level at a time. fn walks up from the leaf and sn from the last leaf of the
# tree; where fn is a right child, or the last node of its level, the path element goes
# on the left, and a last node that is a left child rises unchanged until it is a right
# child. The path must end at the root: sn = 0 after its last element, not before.
lines=("${!fn[@]}")
if [ ${#lines[@]} -gt 0 ]; then
	files=()
	for i in "${lines[@]}"; do
		files+=("$tmp/leaf.$i")
	done
	sums "${files[@]}"
	for k in "${!lines[@]}"; do
		r[lines[k]]=${SUMS[k]}
	done
fi
# shellcheck disable=SC2059 # formats of \xHH escapes only, from esc
for ((j = 0; ; j++)); do
	files=() who=()
	for i in "${lines[@]}"; do
		[ "$j" -lt "${len[i]}" ] || continue
		if [ "${sn[i]}" -eq 0 ]; then
			sn[i]=-1	# the path is longer than the tree is deep
			continue
		fi
		p=${pe[i * 64 + j]}
		if ((fn[i] & 1 || fn[i] == sn[i])); then
			esc "$p"
			left=$ESC
			esc "${r[i]}"
			printf "\\x01$left$ESC" >"$tmp/node.$i"
			while ((!(fn[i] & 1) && fn[i] != 0)); do
				fn[i]=$((fn[i] >> 1)) sn[i]=$((sn[i] >> 1))
			done
		else
			esc "${r[i]}"
			left=$ESC
			esc "$p"
			printf "\\x01$left$ESC" >"$tmp/node.$i"
		fi
		fn[i]=$((fn[i] >> 1)) sn[i]=$((sn[i] >> 1))
		files+=("$tmp/node.$i") who+=("$i")
	done
	[ ${#files[@]} -gt 0 ] || break
	sums "${files[@]}"
	for k in "${!who[@]}"; do
		r[who[k]]=${SUMS[k]}
	done
done

list=
for ((i = 1; i <= n + 1; i++)); do
	[ -z "${err[i]:-}" ] || fail "${err[i]}"
	[ "$i" -le "$n" ] || break
	if [ "${sn[i]}" -ne 0 ] || [ "${r[i]}" != "$root" ]; then
		[ -z "${cr[i]:-}" ] || fail "records.jsonl:$i: its audit path in proofs.txt:$i does" \
		    "not lead to the root of checkpoint/statement.txt (the line ends in CR:" \
		    "was the file converted?)"
		fail "records.jsonl:$i: its audit path in proofs.txt:$i does not lead to the root" \
		    "of checkpoint/statement.txt (the record or the proof was altered)"
	fi
	list+=" ${leaf[i]}"
done
echo "3. records: $n records are leaves$list of the $size-record tree"
echo "   with root $root"

# 4. Signature. Only an Ed25519 key will do (a 44-byte SubjectPublicKeyInfo with this
# prefix), so the fingerprint is always that of the raw 32-byte key the trainer published.
openssl pkey -pubin -in checkpoint/signing.pub -outform DER -out "$tmp/pub.der" \
    2>"$tmp/err" || fail "checkpoint/signing.pub: not a public key: $(head -n 1 "$tmp/err")"
key=$(hex "$tmp/pub.der")
[[ $key =~ ^302a300506032b6570032100[0-9a-f]{64}$ ]] ||
	fail "checkpoint/signing.pub: not an Ed25519 public key"
[ "$(wc -c <checkpoint/signature.bin)" -eq 64 ] ||
	fail "checkpoint/signature.bin: not 64 bytes, so not an Ed25519 signature"
openssl pkeyutl -verify -pubin -inkey checkpoint/signing.pub -rawin \
    -in checkpoint/statement.txt -sigfile checkpoint/signature.bin >"$tmp/err" 2>&1 ||
	fail "checkpoint/signature.bin: not a signature of checkpoint/statement.txt by" \
	    "checkpoint/signing.pub (the statement, the signature or the key was altered)"
read -r fp _ < <(tail -c 32 "$tmp/pub.der" | sha256sum)
echo "4. signature: checkpoint/statement.txt is signed by the Ed25519 key with fingerprint"
echo "   $fp"
echo "   (compare it with the fingerprint the trainer published)"
echo "   statement: ${st[1]}, ${st[2]}, ${st[4]}"

# 5. Time stamp. The token carries the TSA's certificates; they serve as the trust anchors
# here (-partial_chain), so this shows that the token is intact, over this statement and
# signed by the certificate it names. The chain is checked as of the time stamp itself
# (-attime), so that a token still verifies after the TSA's certificate has expired.
if [ -e checkpoint/timestamp.tsr ]; then
	tsr=checkpoint/timestamp.tsr
	openssl ts -reply -in $tsr -token_out -out "$tmp/token.der" 2>"$tmp/err" &&
		openssl pkcs7 -inform DER -in "$tmp/token.der" -print_certs \
		    -out "$tmp/certs.pem" 2>>"$tmp/err" ||
		fail "$tsr: not an RFC 3161 time-stamp response (altered)"
	grep -q -- '-----BEGIN CERTIFICATE-----' "$tmp/certs.pem" ||
		fail "$tsr: carries no certificate to check it with"
	openssl ts -reply -in $tsr -text >"$tmp/ts.txt" 2>"$tmp/err" ||
		fail "$tsr: cannot be read (altered)"
	when=$(sed -n 's/^Time stamp: //p' "$tmp/ts.txt")
	epoch=$(date -u -d "$when" +%s 2>/dev/null) ||
		fail "$tsr: time stamp \"$when\" cannot be read"
	openssl ts -verify -data checkpoint/statement.txt -in $tsr -CAfile "$tmp/certs.pem" \
	    -partial_chain -attime "$epoch" >"$tmp/err" 2>&1 ||
		fail "$tsr: not a valid time stamp of checkpoint/statement.txt:" \
		    "$(sed -n 's/^[^:]*:error:[^:]*:[^:]*:[^:]*:\([^:]*\):.*/\1/p' "$tmp/err" | head -n 1)"
	# The TSA's own certificate is the one for time stamping.
	tsa='' pem=''
	while IFS= read -r line; do
		case $line in
		'-----BEGIN CERTIFICATE-----') pem=$line ;;
		'-----END CERTIFICATE-----')
			printf '%s\n%s\n' "$pem" "$line" >"$tmp/one.pem"
			if openssl x509 -in "$tmp/one.pem" -noout -ext extendedKeyUsage 2>/dev/null |
			    grep -q 'Time Stamping'; then
				tsa=$(openssl x509 -in "$tmp/one.pem" -noout -subject -nameopt RFC2253)
				tsa=${tsa#subject=}
			fi ;;
		*) pem+=$'\n'$line ;;
		esac
	done <"$tmp/certs.pem"
	echo "5. time stamp: checkpoint/statement.txt existed at $when"
	echo "   according to the time-stamp authority ${tsa:-(no time-stamping certificate found)}"
else
	echo "5. time stamp: none in this bundle"
fi
echo OK
