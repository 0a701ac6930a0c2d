#!/bin/bash
# Disk faults (#9): the state directory (database, evidence, maildir) on a small tmpfs that
# the test mounts (root is needed, as for make check's Postfix and Dovecot), filled up
# while a cycle ingests 60 bookings and writes their messages, then made read-only. Each
# time: a clear error naming the path, exit status 1, no corruption; once space (or write
# access) returns, everything goes through: nothing lost, the database whole, the evidence
# log verifying. The service keeps running through a full disk.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || bail_out "faults_disk.sh mounts a tmpfs and needs root (as make check has)"
mkdir -p state
mount -t tmpfs -o size=4m,mode=0700 tmpfs "$T/state" || bail_out "cannot mount a tmpfs on $T/state"
echo "umount -l '$T/state'" >>"$T/.atexit"

# The service in the last test runs on the real clock: the sessions are moved a month past
# today and the cycles' clock starts a day before it (they advance it about 14 hours), so
# the service catches up a few hours, not weeks of releases that would fill the tmpfs.
sed -e "s/20261208T/$(date -d "+30 days" +%Y%m%d)T/" -e "s/20261215T/$(date -d "+37 days" +%Y%m%d)T/" \
	"$TOP/tests/data/feed-v1.ics" >feed.ics
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Disk Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
default_price = "100.00";
sources = ( { name = "feed"; type = "ical"; url = "$T/feed.ics"; } );
CONF
# The clock of the cycles, in a file since test bodies run in subshells; in the past of the
# real clock, which the service at the end runs on.
echo $(($(date +%s) - 86400)) >clock
tick() { echo $(($(cat "$T/clock") + $1)) >"$T/clock"; }
now() { date -u -d "@$(cat "$T/clock")" +%FT%TZ; }
once() {
	tick 600
	"$NOSHOWD" -c noshowd.conf --once --now "$(now)"
}
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$(now)" "$@"; }
# fill KB: take all space on the tmpfs but KB kilobytes
fill() {
	rm -f state/filler
	dd if=/dev/zero of=state/filler bs=4k 2>/dev/null
	truncate -s "-$1k" state/filler
}
# whole: the database passes integrity_check; every message decided is in the maildir (a
# copy written but not recorded goes again: same Message-ID); the evidence log verifies
whole() {
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok integrity &&
	sqlite3 state/noshowd.db "SELECT message_id FROM outbox" | sort >decided &&
	grep -h "^Message-ID:" state/maildir/new/* | sed "s/^Message-ID: //; s/\r$//" | sort -u >got &&
	expect_eq "$(comm -3 decided got | wc -l)" 0 "decided and delivered differ" &&
	ctl evidence verify >v.out 2>&1 || { cat v.out; return 1; }
}

expect_success 'the first cycle takes the feed' '
	once >out && grep -q "5 booked" out && whole
'

"$PYTHON" - <<'PY'
s = open("feed.ics", newline="").read()
nl = "\r\n" if "\r\n" in s else "\n"
add = "".join("ATTENDEE;CN=New %d:mailto:new%d@example.nl%s" % (i, i, nl) for i in range(60))
s = s.replace("X-NOSHOWD-CAPACITY:10" + nl, "X-NOSHOWD-CAPACITY:100" + nl + add)
open("feed.ics", "w", newline="").write(s)
PY

expect_success 'a full state directory: exit 1, an error naming the path and the cause' '
	expect_eq "$(grep -c "^ATTENDEE" feed.ics)" 65 "attendees in the feed" &&
	fill 0 &&
	! once >out 2>err &&
	cat err &&
	grep -q "$T/state/noshowd.db: .*(No space left on device: free space where $T/state/noshowd.db is, then run again" err
'

expect_success 'cycles with a little space: each fails or goes part-way, never half-done' '
	for kb in 64 128 256 512 1024; do
		fill "$kb" &&
		{ once >>out 2>>err; echo "# $kb KB free: exit $?"; } || exit 1
	done &&
	grep -c "No space left on device" err &&
	rm -f state/filler &&
	expect_eq "$(sqlite3 state/noshowd.db "PRAGMA integrity_check")" ok "integrity once space returns"
'

expect_success 'once space returns everything goes through, nothing lost' '
	# What was deferred meanwhile waits out its backoff (a few hours at most here).
	for _ in 1 2 3 4; do
		tick $((3 * 3600)) && once >>out 2>&1 || { cat out; exit 1; }
	done &&
	expect_eq "$(ctl --json bookings | jq length)" 65 bookings &&
	expect_eq "$(ctl --json outbox | jq length)" 0 "nothing waits" &&
	expect_eq "$(ctl --json outbox --failed | jq length)" 0 "nothing failed" &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM outbox WHERE kind = '"'"'confirmation'"'"'")" 65 confirmations &&
	whole
'

expect_success 'a read-only state directory: exit 1, an error naming the path, nothing changed' '
	before=$(sqlite3 state/noshowd.db "SELECT count(*) FROM events") &&
	sed -i "s/X-NOSHOWD-CAPACITY:100/X-NOSHOWD-CAPACITY:100\nATTENDEE;CN=Late:mailto:late@example.nl/" feed.ics &&
	mount -o remount,ro "$T/state" &&
	! once >out 2>err; mount -o remount,rw "$T/state" &&
	cat err &&
	grep -qi "$T/state/noshowd.db: .*read-only.*$T/state/noshowd.db, its -wal and -shm files and its directory must be writable" err &&
	expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM events")" "$before" events &&
	once >out && grep -q "1 booked" out &&
	whole
'

expect_success 'noshowctl on a read-only state directory: the same clear error' '
	mount -o remount,ro "$T/state" &&
	! ctl book "course-b@test" ro@example.nl >out 2>err; mount -o remount,rw "$T/state" &&
	cat err &&
	grep -qi "$T/state/noshowd.db: .*read-only" err &&
	! ctl --json bookings | grep -q ro@example.nl
'

expect_success 'the service keeps running through a full disk and catches up' '
	spawn "$NOSHOWD" -c noshowd.conf -f >svc.out 2>&1 &&
	pid=$SPAWN_PID &&
	wait_for 20 "grep -q \"started\" svc.out" && sleep 1 &&
	sed -i "s/X-NOSHOWD-CAPACITY:100/X-NOSHOWD-CAPACITY:100\nATTENDEE;CN=Svc:mailto:svc@example.nl/" feed.ics &&
	fill 0 && kill -USR1 "$pid" &&
	wait_for 20 "grep -q \"No space left on device\" svc.out" &&
	sleep 1 && kill -0 "$pid" &&
	rm -f state/filler && kill -USR1 "$pid" &&
	wait_for 20 "grep -lq svc@example.nl state/maildir/new/* 2>/dev/null" &&
	kill -0 "$pid" && stop_pid "$pid" &&
	whole
'

done_testing
