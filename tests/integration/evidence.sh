#!/bin/bash
# The registered-mail evidence log against real servers: messages over SMTP with STARTTLS
# and AUTH, checkpoints signed with the log's key and stamped by a real RFC 3161 timestamp
# authority (openssl ts behind tests/tsa_server.py), a checkpoint after a dunning step, and
# verify and the bundle's verify.sh failing on every kind of tampering, naming it.
. "$(dirname "$0")/../lib.sh"

SECRET=Ev1dence-Pa55word
make_tls_cert tls
start_smtpd --starttls --tls-cert tls/cert.pem --tls-key tls/key.pem --auth "trainer:$SECRET"
sh "$TOP/tests/tsa-setup.sh" tsa || bail_out "tests/tsa-setup.sh failed"
spawn "$PYTHON" "$TOP/tests/tsa_server.py" --config tsa/ts.cnf --port-file tsa.port \
	--exit-with-parent 2>>tsa.stderr
for _ in $(seq 100); do [ -s tsa.port ] && break; sleep 0.1; done
[ -s tsa.port ] || bail_out "tests/tsa_server.py did not start: $(cat tsa.stderr)"
TSA_URL=http://127.0.0.1:$(cat tsa.port)
printf '%s\n' "$SECRET" >smtp.pass

conf() {	# conf STATE_DIR TSA_URL (empty: none)
	local tsa=
	[ -z "$2" ] || tsa="evidence = { tsa_url = \"$2\"; };"
	cat <<CONF
database = "$T/$1/noshowd.db";
timezone = "Europe/Amsterdam";
language = "en";
trainer = { name = "Sanne Bakker"; email = "sanne@example.nl"; iban = "NL91ABNA0417164300"; };
mail = { transport = "smtp"; url = "$SMTPD_URL"; starttls = "required"; ca_file = "$T/tls/ca.pem";
	username = "trainer"; password_file = "$T/smtp.pass"; templates = "$TOP/conf/templates"; };
$tsa
policy = { release_unpaid = false; };
sessions = ( { id = "s1"; title = "Assertiveness"; start = "2027-03-08T09:00";
	end = "2027-03-08T17:00"; capacity = 5; price = "295.00"; } );
CONF
}
conf state "$TSA_URL" >noshowd.conf
NOW=2027-03-01T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
ref_of() { ctl --json bookings | jq -r ".[] | select(.email == \"$1\") | .ref"; }

expect_success 'first start makes the signing key; every message is kept and recorded' '
	once 2>err &&
	grep -q "created the evidence signing key" err &&
	expect_eq "$(stat -c %a state/evidence/signing.key)" 600 "key mode" &&
	test -s state/evidence/signing.pub &&
	ctl book s1 ronda@example.nl --name Ronda >/dev/null &&
	ctl book s1 ann@example.nl >/dev/null &&
	once >out &&
	expect_eq "$(grep -c "sent: 250" out)" 2 sent &&
	ctl --json evidence list >list.json &&
	expect_eq "$(jq length list.json)" 2 records &&
	expect_eq "$(jq -r ".[0].event" list.json)" relay-acceptance event &&
	expect_eq "$(stat -c %a state/evidence/messages)" 700 "messages dir mode" &&
	for h in $(jq -r ".[].msg_sha256" list.json); do
		f=state/evidence/messages/$h.eml &&
		expect_eq "$(stat -c %a "$f")" 400 "file mode" &&
		expect_eq "$(sha256sum <"$f" | cut -c1-64)" "$h" "file hash" || return 1
	done
'

expect_success 'the record holds the dialogue, the 250, the certificate; never the password' '
	sqlite3 state/noshowd.db "SELECT body FROM evidence WHERE seq = 1" >rec1 &&
	grep -q "EHLO" rec1 && grep -q "STARTTLS" rec1 &&
	grep -q "\"reply\":\"250 " rec1 &&
	grep -q "\"tls_fingerprint\":\"sha256:" rec1 &&
	grep -q "AUTH <redacted>" rec1 &&
	grep -q "\"figures\":{\"price\":\"€295.00\"" rec1 &&
	grep -q "\"template_sha256\":\"$(sha256sum <"$TOP/conf/templates/en/confirmation.txt" | cut -c1-64)\"" rec1 &&
	! grep -rq "$SECRET" state/noshowd.db state/evidence &&
	! sqlite3 state/noshowd.db "UPDATE evidence SET event = 1" 2>err &&
	grep -q "cannot be changed" err &&
	! sqlite3 state/noshowd.db "DELETE FROM evidence" 2>err &&
	grep -q "cannot be deleted" err
'

expect_success 'the server received exactly the bytes kept' '
	for f in "$SMTPD_DIR"/*.eml; do
		h=$(sha256sum <"$f" | cut -c1-64) &&
		test -f "state/evidence/messages/$h.eml" || return 1
	done
'

expect_success 'a dunning step is signed and timestamped as soon as it went out' '
	NOW=2027-03-08T18:00:00+01:00 ctl attend "$(ref_of ann@example.nl)" >/dev/null &&
	NOW=2027-03-09T17:00:00+01:00 once >/dev/null &&
	expect_eq "$(ctl --json bookings | jq -r ".[] | select(.email == \"ronda@example.nl\") | .state")" no_show state &&
	NOW=2027-03-16T17:00:00+01:00 once >/dev/null &&
	ctl --json evidence list "$(ref_of ronda@example.nl)" >list.json &&
	expect_eq "$(jq -r ".[-1].kind" list.json)" dunning-1 "dunning sent" &&
	d=$(jq -r ".[-1].seq" list.json) &&
	ctl --json evidence list >all.json &&
	expect_eq "$(jq -r ".[-1].event" all.json)" checkpoint "then a checkpoint" &&
	test "$(jq -r ".[-1].records" all.json)" -ge "$d" &&
	expect_eq "$(jq -r ".[-1].at" all.json)" "$(jq -r ".[-1].at" list.json)" "at once" &&
	test "$(jq -r ".[-1].timestamp_time" all.json)" != null
'

expect_success 'verify recomputes everything and says so' '
	ctl evidence verify >v.out &&
	grep -q "checkpoints: 2, signatures verified, 2 with a timestamp verified" v.out &&
	tail -1 v.out | grep -qx OK
'

expect_success 'a timestamp authority that is down costs the timestamp, not the checkpoint' '
	conf state http://127.0.0.1:$(free_port)/ >down.conf &&
	NOW=2027-03-30T17:00:00+02:00 "$NOSHOWD" -c down.conf --once --now 2027-03-30T17:00:00+02:00 >/dev/null 2>err &&
	grep -q "checkpoint without a timestamp" err &&
	ctl --json evidence list >list.json &&
	expect_eq "$(jq -r ".[-1].event" list.json)" checkpoint checkpoint &&
	expect_eq "$(jq -r ".[-1].timestamp_time" list.json)" null "no timestamp" &&
	ctl evidence verify >/dev/null
'

expect_success 'the bundle verifies with standard tools only, and fails on an altered byte' '
	ctl evidence export "$(ref_of ronda@example.nl)" bundle >/dev/null &&
	test -f bundle/summary.en.txt && test -x bundle/verify.sh &&
	grep -q "dunning-1" bundle/summary.en.txt &&
	! grep -q "ann@example.nl" bundle/records.jsonl &&
	(cd / && env -i PATH=/usr/bin:/bin bash "$T/bundle/verify.sh") >vb.out &&
	tail -1 vb.out | grep -qx OK &&
	cp -r bundle b2 && f=$(ls b2/messages/*.eml | head -1) && chmod u+w "$f" &&
	sed -i "s/Ronda/Rondo/" "$f" &&
	! bash b2/verify.sh >vb2.out &&
	grep -q "FAILED: messages/" vb2.out
'

# Tamper with a copy of the state, one thing at a time; verify must fail and name it.
tamper() {	# tamper NAME PYTHON-ON-db-AND-evidence_dir
	rm -rf "t-$1" && cp -r state "t-$1" && conf "t-$1" "" >"t-$1.conf" &&
	"$PYTHON" - "$T/t-$1/noshowd.db" "$T/t-$1/evidence" <<PY &&
import hashlib, sqlite3, sys, glob, os
db = sqlite3.connect(sys.argv[1]); ev = sys.argv[2]
db.execute("DROP TRIGGER evidence_no_update"); db.execute("DROP TRIGGER evidence_no_delete")
def rewrite(seq, body):
    leaf = hashlib.sha256(b"\x00" + body.encode()).digest()
    db.execute("UPDATE evidence SET body = ?, hash = ?, leaf = ? WHERE seq = ?",
               (body, hashlib.sha256(body.encode()).hexdigest(), leaf, seq))
def body(seq):
    return db.execute("SELECT body FROM evidence WHERE seq = ?", (seq,)).fetchone()[0]
def stamped():	# the checkpoints with a timestamp token
    return [r[0] for r in db.execute("SELECT seq FROM evidence WHERE event = 'checkpoint' "
            "AND instr(body, '\"timestamp\":\"') > 0 ORDER BY seq")]
def stamp(seq):	# the token's field in a checkpoint record
    b = body(seq)
    return b[b.index('"timestamp":"'):b.index('","timestamp_time"')]
$2
db.commit()
PY
	! "$NOSHOWCTL" -c "t-$1.conf" evidence verify >/dev/null 2>"t-$1.err"
}

expect_success 'verify names a changed record' '
	tamper body "db.execute(\"UPDATE evidence SET body = replace(body, \\\"250 \\\", \\\"251 \\\") WHERE seq = 2\")" &&
	grep -q "record 2: its hash does not match its content" t-body.err
'
expect_success 'verify names a record rewritten with its own hash: the chain breaks after it' '
	tamper chain "rewrite(2, body(2).replace(\"ann@example.nl\", \"ann@example.com\"))" &&
	grep -q "record 3: the chain is broken" t-chain.err
'
expect_success 'verify names a reordered pair' '
	tamper swap "a, b = body(2), body(3); rewrite(2, b); rewrite(3, a)" &&
	grep -q "record 2: its seq, time or event differs from its content" t-swap.err
'
expect_success 'verify names a timestamp token made for another head' '
	tamper other "s = stamped(); rewrite(s[-1], body(s[-1]).replace(stamp(s[-1]), stamp(s[0])))" &&
	grep -q "timestamp token does not verify" t-other.err
'
expect_success 'verify names a missing record' '
	tamper gap "db.execute(\"DELETE FROM evidence WHERE seq = 2\")" &&
	grep -q "record 2 is missing" t-gap.err
'
expect_success 'verify names an altered message file' '
	tamper file "f = sorted(glob.glob(ev + \"/messages/*.eml\"))[0]; os.chmod(f, 0o600); open(f, \"ab\").write(b\"x\")" &&
	grep -q "the message file .* was altered" t-file.err
'
expect_success 'a kept copy without a record (a send the process died in) verifies and is counted' '
	rm -rf t-kept && cp -r state t-kept && conf t-kept "" >t-kept.conf &&
	printf "From: x\r\n\r\nunrecorded\r\n" >kept.eml &&
	h=$(sha256sum kept.eml | cut -c1-64) && cp kept.eml "t-kept/evidence/messages/$h.eml" &&
	"$NOSHOWCTL" -c t-kept.conf evidence verify >kept.out &&
	grep -q "unrecorded:  1 kept messages without a record" kept.out &&
	echo x >>"t-kept/evidence/messages/$h.eml" &&
	! "$NOSHOWCTL" -c t-kept.conf evidence verify >/dev/null 2>kept.err &&
	grep -q "the message file .*/$h.eml was altered" kept.err
'
expect_success 'verify names a file in messages/ that is not a kept message' '
	tamper stray "open(ev + \"/messages/notes.txt\", \"w\").write(\"x\")" &&
	grep -q "messages/notes.txt: a file that is not a kept message" t-stray.err
'
expect_success 'verify names a checkpoint whose signature was changed' '
	tamper sig "s = db.execute(\"SELECT max(seq) FROM evidence\").fetchone()[0]; b = body(s); i = b.index(\"\\\"signature\\\":\\\"\") + 13; rewrite(s, b[:i] + (\"0\" if b[i] != \"0\" else \"1\") + b[i + 1:])" &&
	grep -q "the signature does not verify" t-sig.err
'
expect_success 'verify names a checkpoint whose timestamp token was changed' '
	tamper tst "s = [r[0] for r in db.execute(\"SELECT seq, body FROM evidence WHERE event = \\\"checkpoint\\\"\") if \"\\\"timestamp\\\":\\\"\" in r[1]][0]; b = body(s); i = b.index(\"\\\"timestamp\\\":\\\"\") + 40; rewrite(s, b[:i] + (\"A\" if b[i] != \"A\" else \"B\") + b[i + 1:])" &&
	grep -q "timestamp token does not verify\|the chain is broken" t-tst.err
'

done_testing
