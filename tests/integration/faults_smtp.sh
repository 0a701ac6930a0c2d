#!/bin/bash
# SMTP faults (#9), each against a real server on loopback (tests/smtpd.py): 451 for a while
# then accepted, 554, the connection reset in the middle of DATA (and no SIGPIPE death for
# it), closed without an answer, a server that stops answering (mail.timeout), and TLS
# handshakes that fail (plain text on an smtps port, STARTTLS with a certificate nobody
# vouches for). Nothing is lost: what was deferred goes later with the same Message-ID;
# what fails for good is shown in noshowctl status and outbox.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
make_tls_cert tls
# server NAME ANSWER...: a server answering the ends of DATA so (tests/smtpd.py --script)
server() {
	local name=$1
	shift
	printf '%s\n' "$@" >"script.$name"
	start_smtpd --name "$name" --script "$T/script.$name"
}
server s451 "451 4.3.0 busy" "451 4.3.0 busy" "451 4.3.0 busy" ok
U451=$SMTPD_URL D451=$SMTPD_DIR
server s554 "554 5.7.1 rejected by policy" ok
U554=$SMTPD_URL D554=$SMTPD_DIR
server cut "cut 2000" ok
UCUT=$SMTPD_URL DCUT=$SMTPD_DIR LCUT=$SMTPD_LOG
server cut2 "cut 500" ok
UCUT2=$SMTPD_URL LCUT2=$SMTPD_LOG
server drop drop ok
UDROP=$SMTPD_URL DDROP=$SMTPD_DIR
server stall stall ok
USTALL=$SMTPD_URL DSTALL=$SMTPD_DIR LSTALL=$SMTPD_LOG
start_smtpd --name plain
UPLAIN=$SMTPD_URL DPLAIN=$SMTPD_DIR
start_smtpd --name tls --starttls --tls-cert tls/cert.pem --tls-key tls/key.pem
UTLS=$SMTPD_URL DTLS=$SMTPD_DIR LTLS=$SMTPD_LOG

DB=
conf() {	# conf NAME URL [MORE MAIL KEYS]: a database of its own for each server
	DB=$T/state/$1.db
	cat >noshowd.conf <<CONF
database = "$DB";
evidence_dir = "$T/state/$1.evidence";
timezone = "Europe/Amsterdam";
trainer = { name = "Fault Trainer"; email = "trainer@example.nl"; };
mail = { transport = "smtp"; url = "$2"; starttls = "off"; timeout = "3s";
	templates = "$TOP/conf/templates"; ${3:-} };
sessions = ( { id = "s"; title = "Faults"; start = "2027-02-08T09:00";
	end = "2027-02-08T17:00"; capacity = 20; price = "95.00"; } );
CONF
}
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
once() { "$NOSHOWD" -c noshowd.conf --once --now "$NOW"; }
received() { find "$1" -name '*.json' | wc -l; }
# mids DIR: the Message-IDs a server received, one a line, sorted
mids() { for j in "$1"/*.json; do [ ! -e "$j" ] || json_get "$j" .message_id; done | sort; }
decided() { sqlite3 "$DB" "SELECT message_id FROM outbox" | sort; }
# sent_later DIR [NOW]: the next cycle (by default 6 minutes on, past the first backoff)
# sends what waited, and DIR's server has each decided Message-ID once
sent_later() {
	NOW=${2:-2026-11-23T10:06:00+01:00} once >out && grep -q "sent: 250" out &&
	expect_eq "$(mids "$1")" "$(decided)" "the decided Message-ID, once"
}

NOW=2026-11-23T10:00:00+01:00
expect_success '451 three times, then accepted: deferred with backoff, delivered once each' '
	conf s451 "$U451" &&
	ctl book s ann@example.nl >/dev/null && ctl book s bob@example.nl >/dev/null &&
	once >out1 && grep -q "deferred: .*451 4.3.0 busy" out1 &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json "[.[] | select(.state == \"deferred\")] | length")" 1 deferred &&
	json_get ob.json ".[] | select(.state == \"deferred\") | .last_reply" | grep -q "451 4.3.0 busy" &&
	ctl --json status >st.json && expect_eq "$(json_get st.json .outbox.waiting)" 2 waiting &&
	for m in 10:06 10:20 10:45 11:30 13:00 16:00; do
		NOW=2026-11-23T$m:00+01:00 once >>out2 || exit 1
	done &&
	expect_eq "$(grep -c "deferred: .*451" out2)" 2 "two more 451s" &&
	expect_eq "$(received "$D451")" 2 delivered &&
	expect_eq "$(mids "$D451" | tr "\n" " ")" "$(decided | tr "\n" " ")" "each decided message once" &&
	ctl --json outbox >ob.json && expect_eq "$(json_get ob.json length)" 0 "nothing waits"
'

expect_success '554: failed for good, shown in status and outbox; the next message goes' '
	conf s554 "$U554" &&
	ctl book s cas@example.nl >/dev/null && ctl book s dirk@example.nl >/dev/null &&
	once >out && grep -q "failed: .*554 5.7.1 rejected by policy" out &&
	grep -q "sent: 250" out &&
	expect_eq "$(received "$D554")" 1 "the other one" &&
	ctl --json outbox --failed >f.json && expect_eq "$(json_get f.json length)" 1 failed &&
	expect_eq "$(json_get f.json ".[0].last_code")" 554 code &&
	ctl --json status >st.json && expect_eq "$(json_get st.json .outbox.failed)" 1 "status" &&
	ctl status >st.txt && grep -qi "failed" st.txt &&
	NOW=2026-11-24T10:00:00+01:00 once >/dev/null &&
	expect_eq "$(grep -l "\"cas@example.nl\"" "$D554"/*.json | wc -l)" 0 "not retried by itself"
'

expect_success 'the connection reset mid-DATA: no SIGPIPE death; deferred, then sent once' '
	conf cut "$UCUT" &&
	ctl book s eva@example.nl >/dev/null &&
	# A write to the reset connection fails with EPIPE; libcurl sends with MSG_NOSIGNAL,
	# so that it is an error to handle, not a signal that kills.
	# LeakSanitizer cannot run under ptrace: in a sanitizer build, no leak check here.
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
	strace -f -qq -o strace.out -e trace=sendto -e signal=SIGPIPE \
		"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out 2>&1; rc=$? &&
	cat out && expect_eq "$rc" 0 "exit status of the cycle" &&
	grep -q "cut after 2000 bytes" "$LCUT" &&
	grep -q "deferred" out &&
	grep -q "sendto(.*= -1 \(EPIPE\|ECONNRESET\)" strace.out &&
	! grep -q SIGPIPE strace.out &&
	expect_eq "$(grep "sendto(" strace.out | grep -vc MSG_NOSIGNAL)" 0 "sends without MSG_NOSIGNAL" &&
	expect_eq "$(received "$DCUT")" 0 "nothing stored" &&
	sent_later "$DCUT"
'

expect_success 'the service survives a server that resets mid-DATA' '
	conf cut2 "$UCUT2" &&
	ctl book s fay@example.nl >/dev/null &&
	spawn "$NOSHOWD" -c noshowd.conf -f >svc.out 2>&1 &&
	pid=$SPAWN_PID &&
	wait_for 20 "grep -q \"cut after 500 bytes\" \"$LCUT2\"" &&
	wait_for 10 "grep -q \"fay@example.nl: .*connection lost\" svc.out" &&
	sleep 1 && kill -0 "$pid" &&
	kill -USR1 "$pid" && sleep 1 && kill -0 "$pid" &&
	stop_pid "$pid" &&
	! grep -q "signal" svc.out
'

expect_success 'a server that closes without answering the message: deferred, then sent' '
	conf drop "$UDROP" &&
	ctl book s gus@example.nl >/dev/null &&
	once >out && grep -q "deferred" out &&
	expect_eq "$(received "$DDROP")" 0 "nothing stored" &&
	sent_later "$DDROP"
'

expect_success 'a server that stops answering: mail.timeout fires and is named' '
	conf stall "$USTALL" &&
	ctl book s hans@example.nl >/dev/null &&
	once >out && grep -q "deferred: .*timed out after 3 s" out &&
	grep -q "\* stall" "$LSTALL" &&
	ctl --json outbox >ob.json &&
	json_get ob.json ".[0].last_error" | grep -q "timed out after 3 s" &&
	sent_later "$DSTALL"
'

expect_success 'plain text on an smtps port: the handshake fails, deferred, nothing lost' '
	conf smtps "smtps://${UPLAIN#smtp://}" &&
	ctl book s ida@example.nl >/dev/null &&
	once >out && grep -q "deferred" out &&
	ctl --json outbox >ob.json &&
	expect_eq "$(json_get ob.json ".[0].state")" deferred state &&
	json_get ob.json ".[0].last_error" | grep -qi "tls\|ssl" &&
	expect_eq "$(received "$DPLAIN")" 0 "nothing sent in clear" &&
	conf smtps "$UPLAIN" &&
	sent_later "$DPLAIN"
'

expect_success 'STARTTLS with an untrusted certificate: deferred for 5 days, then failed and shown' '
	conf starttls "$UTLS" "" &&
	sed -i "s/starttls = \"off\"/starttls = \"required\"/" noshowd.conf &&
	ctl book s jan@example.nl >/dev/null &&
	once >out && grep -q "deferred: .*certificate not accepted" out &&
	wait_for 5 "grep -q \"error SSLError.*unknown ca\" \"$LTLS\"" &&
	expect_eq "$(received "$DTLS")" 0 "nothing sent" &&
	NOW=2026-11-28T11:00:00+01:00 once >out &&
	grep -q "failed: gave up after 5 days" out &&
	ctl --json status >st.json && expect_eq "$(json_get st.json .outbox.failed)" 1 "failed in status" &&
	ctl --json outbox --failed >f.json &&
	json_get f.json ".[0].last_error" | grep -q "certificate not accepted" &&
	conf starttls "$UTLS" "ca_file = \"$T/tls/ca.pem\";" &&
	sed -i "s/starttls = \"off\"/starttls = \"required\"/" noshowd.conf &&
	ctl outbox retry "$(json_get f.json ".[0].id")" >/dev/null &&
	sent_later "$DTLS" 2026-11-28T11:01:00+01:00 &&
	expect_eq "$(json_get "$DTLS/0001.json" .tls)" true "over TLS"
'

expect_success 'every database and evidence log of these faults is whole' '
	for db in state/*.db; do
		expect_eq "$(sqlite3 "$db" "PRAGMA integrity_check")" ok "$db" || exit 1
	done &&
	for n in s451 s554 cut drop stall smtps starttls; do
		conf "$n" "$UPLAIN" && "$NOSHOWCTL" -c noshowd.conf evidence verify >v.out 2>&1 ||
			{ cat v.out; exit 1; }
	done
'

done_testing
