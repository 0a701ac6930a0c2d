#!/bin/bash
# data/evidence-verify.sh, the verify.sh of every evidence bundle: valid bundles built by
# tests/evidence_bundle.py pass from any directory, and every kind of alteration, each in
# a fresh copy, makes it exit 1 naming the file and line that does not match.
. "$(dirname "$0")/../lib.sh"

gen() {
	"$PYTHON" "$TOP/tests/evidence_bundle.py" "$@" >gen.log 2>&1 ||
		bail_out "tests/evidence_bundle.py $*: $(cat gen.log)"
}
gen plain
gen stamped --timestamp
gen other --timestamp --at 2026-11-24T08:00:00Z --seed 2
# Keys other than the signer's: another Ed25519 key, and an RSA key.
openssl genpkey -algorithm ed25519 -out stranger.key 2>/dev/null &&
	openssl pkey -in stranger.key -pubout -out stranger.pub 2>/dev/null &&
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null &&
	openssl pkey -in rsa.key -pubout -out rsa.pub 2>/dev/null ||
	bail_out "openssl cannot make test keys"
mkdir tmpd

# fresh NAME [FROM]: a new copy of a bundle (default plain) to alter.
fresh() {
	rm -rf "$1" && cp -a "${2:-plain}" "$1"
}

# flip FILE OFFSET [MASK]: xor one byte of FILE (default mask 1), in place.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ') &&
	[ -n "$b" ] &&
	printf "\\x$(printf %02x $((b ^ ${3:-1})))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# offset FILE LINE: the byte offset at which line LINE (1-based) of FILE starts.
offset() {
	head -n "$(($2 - 1))" "$1" | wc -c
}

# must_fail DIR PATTERN: DIR/verify.sh exits 1 (not any other failure), prints a FAILED
# line that matches PATTERN (grep -E), does not say OK, and leaves no temporary files.
must_fail() {
	local rc=0
	TMPDIR=$T/tmpd "$1/verify.sh" >"$1.out" 2>&1 || rc=$?
	cat "$1.out"
	[ "$rc" -eq 1 ] || { echo "# exit status $rc, not 1"; return 1; }
	grep -E "^FAILED: $2" "$1.out" >/dev/null || { echo "# no FAILED: $2"; return 1; }
	! grep -qx OK "$1.out" &&
	[ -z "$(ls -A "$T/tmpd")" ]
}

# passes DIR: DIR/verify.sh exits 0, ends in OK, and leaves no temporary files.
passes() {
	TMPDIR=$T/tmpd "$1/verify.sh" >"$1.out" 2>&1 || { cat "$1.out"; return 1; }
	cat "$1.out"
	expect_eq "$(tail -n 1 "$1.out")" OK "last line" &&
	[ -z "$(ls -A "$T/tmpd")" ]
}

expect_success 'a valid bundle passes and prints the key fingerprint' '
	passes plain &&
	grep -q "^3. records: 12 records are leaves .* of the 100-record tree" plain.out &&
	grep -q "^5. time stamp: none in this bundle" plain.out &&
	fp=$("$PYTHON" -c "import base64, hashlib, sys
der = base64.b64decode(\"\".join(open(sys.argv[1]).read().split(\"\\n\")[1:-2]))
print(hashlib.sha256(der[-32:]).hexdigest())" plain/checkpoint/signing.pub) &&
	grep -qx "   $fp" plain.out
'

expect_success 'a valid bundle with a time stamp passes and prints its time and TSA' '
	passes stamped &&
	when=$(openssl ts -reply -in stamped/checkpoint/timestamp.tsr -text |
		sed -n "s/^Time stamp: //p") &&
	grep -qxF "5. time stamp: checkpoint/statement.txt existed at $when" stamped.out &&
	grep -q "time-stamp authority CN=noshowd test TSA,O=noshowd tests" stamped.out
'

expect_success 'verify.sh works from any directory, by any path, in a path with spaces' '
	fresh "my bundle" stamped &&
	mkdir -p elsewhere/deeper &&
	(cd elsewhere/deeper && bash ../../"my bundle"/verify.sh >out && tail -n 1 out | grep -qx OK) &&
	(cd "my bundle" && ./verify.sh | tail -n 1 | grep -qx OK) &&
	(cd / && "$T/my bundle/verify.sh" | grep -q "^evidence bundle $T/my bundle$")
'

expect_success 'a msg_sha256 quoted inside a value is not taken for a message' '
	grep -qF "{\\\"msg_sha256\\\":\\\"" plain/records.jsonl &&
	refs=$(jq -r "select(.msg_sha256) | .msg_sha256" plain/records.jsonl | sort -u | wc -l) &&
	expect_eq "$(ls plain/messages | wc -l)" "$refs" "messages in the bundle" &&
	grep -q "^2. records mention 6 messages, all present" plain.out
'

expect_success 'a byte changed in a message' '
	fresh b && h=$(ls b/messages | sed -n 2p) &&
	flip "b/messages/$h" 40 &&
	must_fail b "messages/$h: its SHA-256 is [0-9a-f]{64} \(altered\)"
'

expect_success 'a message missing' '
	fresh b &&
	h=$(jq -r "select(.msg_sha256) | .msg_sha256" b/records.jsonl | sed -n 2p) &&
	ln=$(grep -nF "\"msg_sha256\":\"$h\"" b/records.jsonl | head -n 1 | cut -d: -f1) &&
	rm "b/messages/$h.eml" &&
	must_fail b "records.jsonl:$ln: messages/$h.eml is missing"
'

expect_success 'a message renamed to another record'"'"'s hash' '
	fresh b && set -- b/messages/* &&
	mv "$2" "$1" &&
	must_fail b "${1#b/}: its SHA-256"
'

expect_success 'a byte changed in a record line' '
	fresh b &&
	at=$(sed -n 3p b/records.jsonl | grep -bo "\"at\":\"2026" | cut -d: -f1) &&
	flip b/records.jsonl $(($(offset b/records.jsonl 3) + at + 9)) &&
	sed -n 3p b/records.jsonl | grep -q "\"at\":\"2027" &&
	must_fail b "records.jsonl:3: its audit path in proofs.txt:3 does not lead to the root"
'

expect_success 'a byte changed in the UTF-8 of a record' '
	fresh b &&
	ln=$(grep -n "Vri" b/records.jsonl | head -n 1 | cut -d: -f1) &&
	col=$(sed -n "${ln}p" b/records.jsonl | grep -bo "Vri" | head -n 1 | cut -d: -f1) &&
	flip b/records.jsonl $(($(offset b/records.jsonl "$ln") + col + 4)) 2 &&
	must_fail b "records.jsonl:$ln: its audit path"
'

expect_success 'a record line deleted: its proof no longer fits' '
	fresh b && sed -i 4d b/records.jsonl &&
	must_fail b "records.jsonl:4: seq [0-9]+ is leaf [0-9]+, but proofs.txt:4 proves leaf"
'

expect_success 'two records swapped' '
	fresh b && sed -i "2{h;d};3G" b/records.jsonl &&
	must_fail b "records.jsonl:2: seq [0-9]+ is leaf [0-9]+, but proofs.txt:2"
'

expect_success 'two records swapped along with their proofs' '
	fresh b && sed -i "2{h;d};3G" b/records.jsonl b/proofs.txt &&
	must_fail b "records.jsonl:3: seq [0-9]+ after seq [0-9]+ \(out of order or repeated\)"
'

expect_success 'a record repeated with its proof' '
	fresh b && sed -i 5p b/records.jsonl b/proofs.txt &&
	must_fail b "records.jsonl:6: seq [0-9]+ after seq"
'

expect_success 'a proof element changed' '
	fresh b &&
	el=$(sed -n 5p b/proofs.txt | cut -d" " -f3) &&
	new=$(echo "$el" | tr 0-9a-f 1-9a-f0) &&
	sed -i "5s/$el/$new/" b/proofs.txt &&
	must_fail b "records.jsonl:5: its audit path in proofs.txt:5 does not lead to the root"
'

expect_success 'a proof one element too long or too short' '
	fresh b && root=$(sed -n "s/^root //p" b/checkpoint/statement.txt) &&
	sed -i "6s/\$/ $root/" b/proofs.txt &&
	must_fail b "records.jsonl:6: its audit path" &&
	fresh c && sed -i "7s/ [0-9a-f]*\$//" c/proofs.txt &&
	must_fail c "records.jsonl:7: its audit path"
'

expect_success 'a leaf index changed' '
	fresh b && idx=$(sed -n 5p b/proofs.txt | cut -d" " -f1) &&
	sed -i "5s/^$idx /$((idx + 1)) /" b/proofs.txt &&
	must_fail b "records.jsonl:5: seq $((idx + 1)) is leaf $idx, but proofs.txt:5 proves leaf $((idx + 1))"
'

expect_success 'a proof line missing or added' '
	fresh b && sed -i \$d b/proofs.txt &&
	must_fail b "proofs.txt: no line 12 for records.jsonl:12" &&
	fresh c && echo 3 >>c/proofs.txt &&
	must_fail c "proofs.txt:13: a proof with no record"
'

expect_success 'records.jsonl converted to CRLF, or cut short of its last LF, or with a NUL' '
	fresh b && sed -i "s/\$/\r/" b/records.jsonl &&
	must_fail b "records.jsonl:1: .*the line ends in CR: was the file converted" &&
	fresh c && truncate -s -1 c/records.jsonl &&
	must_fail c "records.jsonl: the last line has no LF" &&
	fresh d && printf "\\0" | dd of=d/records.jsonl bs=1 conv=notrunc status=none \
		seek=$(($(offset d/records.jsonl 4) + 30)) &&
	must_fail d "records.jsonl:4: a NUL byte"
'

# alter FIELD DIR: change every hex digit of the statement's FIELD (head or root).
alter() {
	local h new
	h=$(sed -n "s/^$1 //p" "$2/checkpoint/statement.txt") &&
	new=$(echo "$h" | tr 0-9a-f 1-9a-f0) &&
	sed -i "s/^$1 $h\$/$1 $new/" "$2/checkpoint/statement.txt" &&
	grep -qx "$1 $new" "$2/checkpoint/statement.txt"
}

expect_success 'the statement'"'"'s root changed' '
	fresh b && alter root b &&
	must_fail b "records.jsonl:1: its audit path in proofs.txt:1 does not lead to the root of checkpoint/statement.txt"
'

expect_success 'the statement'"'"'s head changed' '
	fresh b && alter head b &&
	must_fail b "checkpoint/signature.bin: not a signature of checkpoint/statement.txt"
'

expect_success 'the statement'"'"'s record count changed' '
	for count in 99 101 128 1000 20; do
		fresh b && sed -i "s/^records 100\$/records $count/" b/checkpoint/statement.txt &&
		grep -qx "records $count" b/checkpoint/statement.txt &&
		must_fail b ".*checkpoint/statement.txt" || exit 1
	done
'

expect_success 'a statement that is not the five lines' '
	fresh b && echo "note extra" >>b/checkpoint/statement.txt &&
	must_fail b "checkpoint/statement.txt: not the 5 lines" &&
	fresh c && sed -i "s/\$/\r/" c/checkpoint/statement.txt &&
	must_fail c "checkpoint/statement.txt: not the 5 lines"
'

expect_success 'a byte of the signature changed, or the signature cut short' '
	fresh b && flip b/checkpoint/signature.bin 17 &&
	must_fail b "checkpoint/signature.bin: not a signature of checkpoint/statement.txt by checkpoint/signing.pub" &&
	fresh c && truncate -s 63 c/checkpoint/signature.bin &&
	must_fail c "checkpoint/signature.bin: not 64 bytes"
'

expect_success 'another valid Ed25519 key than the signer'"'"'s' '
	fresh b && cp stranger.pub b/checkpoint/signing.pub &&
	must_fail b "checkpoint/signature.bin: not a signature of checkpoint/statement.txt by checkpoint/signing.pub"
'

expect_success 'a key that is not Ed25519, or not a key' '
	fresh b && cp rsa.pub b/checkpoint/signing.pub &&
	must_fail b "checkpoint/signing.pub: not an Ed25519 public key" &&
	fresh c && echo "-----BEGIN PUBLIC KEY-----" >c/checkpoint/signing.pub &&
	must_fail c "checkpoint/signing.pub: not a public key"
'

expect_success 'a byte of the time-stamp token changed' '
	fresh b stamped &&
	off=$(grep -obaE "20[0-9]{12}(\\.[0-9]+)?Z" b/checkpoint/timestamp.tsr | head -n 1 | cut -d: -f1) &&
	flip b/checkpoint/timestamp.tsr $((off + 3)) &&
	must_fail b "checkpoint/timestamp.tsr: not a valid time stamp of checkpoint/statement.txt" &&
	fresh c stamped &&
	flip c/checkpoint/timestamp.tsr $(($(wc -c <c/checkpoint/timestamp.tsr) - 20)) &&
	must_fail c "checkpoint/timestamp.tsr: " &&
	fresh d stamped && truncate -s 200 d/checkpoint/timestamp.tsr &&
	must_fail d "checkpoint/timestamp.tsr: not an RFC 3161 time-stamp response"
'

expect_success 'a time stamp over other data' '
	passes other &&
	fresh b stamped && cp other/checkpoint/timestamp.tsr b/checkpoint/ &&
	must_fail b "checkpoint/timestamp.tsr: not a valid time stamp of checkpoint/statement.txt: message imprint mismatch"
'

expect_success 'the first thing that does not match is the one named' '
	fresh b stamped && h=$(ls b/messages | head -n 1) &&
	flip "b/messages/$h" 3 && flip b/checkpoint/signature.bin 1 &&
	must_fail b "messages/$h" &&
	fresh c && sed -i "9s/^[0-9]* /0 /; 3s/^{\"seq\":/{\"seq\": /" c/proofs.txt c/records.jsonl &&
	must_fail c "records.jsonl:3: does not begin"
'

# About 20 hashes in each path: one process per hash would take minutes on a slow machine.
gen big --records 50 --tree 600000 --seed 3
expect_success 'a bundle of 50 records with 20-element paths verifies in seconds' '
	expect_eq "$(head -n 1 big/proofs.txt | wc -w)" 21 "words in a proof line" &&
	start=$(date +%s%N) && passes big && end=$(date +%s%N) &&
	echo "# verified in $(((end - start) / 1000000)) ms" &&
	[ $(((end - start) / 1000000)) -lt 8000 ]
'

done_testing
