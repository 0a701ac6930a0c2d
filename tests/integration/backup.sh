#!/bin/bash
# noshowctl backup FILE: a consistent, checked copy of the database while another process
# writes, replacing an earlier backup whole or not at all; and the documented restore
# (noshowd(8), RESTORE) giving back the same bookings and an evidence log that verifies.
. "$(dirname "$0")/../lib.sh"

conf() {	# conf STATE_DIR
	cat <<CONF
database = "$T/$1/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/$1/maildir"; };
sessions = ( { id = "s1"; title = "Strength basics"; start = "2026-12-08T09:00";
	end = "2026-12-08T12:00"; capacity = 10; price = "45.00"; } );
CONF
}
mkdir -p state && conf state >noshowd.conf
NOW=2026-11-23T10:00:00+01:00
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }

expect_success 'a backup of a live database is a checked single file, 0600' '
	for i in 1 2 3; do ctl book s1 "p$i@example.nl" >/dev/null || return 1; done &&
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >/dev/null &&
	ctl backup backup.db >out &&
	grep -q "backup: backup.db: .* pages, .* bytes, checked" out &&
	grep -q "the evidence files in $T/state/evidence are not in it" out &&
	expect_eq "$(stat -c %a backup.db)" 600 "mode" &&
	test ! -e backup.db-wal &&
	expect_eq "$(sqlite3 backup.db "PRAGMA quick_check")" ok "quick_check" &&
	expect_eq "$(sqlite3 backup.db "SELECT count(*) FROM bookings")" 3 "bookings"
'

expect_success 'a backup taken while a writer holds its transaction has only what was committed' '
	"$PYTHON" - "$T/state/noshowd.db" >writer.out 2>&1 <<PY &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE customers SET name = ? WHERE email = ?", ("Uncommitted", "p1@example.nl"))
open("writer.ready", "w").close()
time.sleep(2)
db.execute("COMMIT")
PY
	for _ in $(seq 50); do [ -e writer.ready ] && break; sleep 0.1; done &&
	test -e writer.ready &&
	ctl backup during.db >/dev/null &&
	expect_eq "$(sqlite3 during.db "SELECT count(*) FROM customers WHERE name = '\''Uncommitted'\''")" 0 \
		"uncommitted rows in the backup" &&
	wait &&
	ctl backup after.db >/dev/null &&
	expect_eq "$(sqlite3 after.db "SELECT count(*) FROM customers WHERE name = '\''Uncommitted'\''")" 1 \
		"the committed row, later"
'

expect_success 'a later backup replaces the earlier one; one that cannot be written leaves it' '
	ctl book s1 p4@example.nl >/dev/null &&
	ctl backup backup.db >/dev/null &&
	expect_eq "$(sqlite3 backup.db "SELECT count(*) FROM bookings")" 4 "bookings" &&
	rc=0 && { ctl backup nodir/backup.db 2>err || rc=$?; } &&
	expect_eq "$rc" 1 "exit status of a failed backup" &&
	grep -q "noshowctl: backup: cannot create nodir/backup.db.tmp" err &&
	rc=0 && { ctl backup 2>usage || rc=$?; } &&
	expect_eq "$rc" 2 "exit status without FILE" &&
	grep -q "usage: backup FILE" usage &&
	expect_eq "$(ls | grep -c "\.tmp\.")" 0 "temporary files left"
'

expect_success 'the documented restore gives the same bookings and a log that verifies' '
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >/dev/null &&
	ctl backup backup.db >/dev/null &&
	mkdir -p restored && cp backup.db restored/noshowd.db &&
	cp -a state/evidence restored/evidence &&
	conf restored >restored.conf &&
	"$NOSHOWCTL" -c restored.conf --json bookings >r.json &&
	ctl --json bookings >o.json &&
	expect_eq "$(jq -c "[.[].ref] | sort" r.json)" "$(jq -c "[.[].ref] | sort" o.json)" "refs" &&
	"$NOSHOWCTL" -c restored.conf evidence verify >v.out &&
	tail -1 v.out | grep -qx OK
'

done_testing
