#!/bin/bash
# A registration export as a source (type = "csv"): column mapping, sessions from the
# configuration, the waiting list, a cancelled column, and a broken export kept out.
. "$(dirname "$0")/../lib.sh"

mkdir -p state
cat >export.csv <<'CSV'
"E-mail";"Naam";"Training";"Ingeschreven";"Geannuleerd"
ann@example.nl;"de Vries, Ann";yoga;23-11-2026 09:15;
bob@example.nl;Bob;yoga;23-11-2026 09:20;
cas@example.nl;"Cas ""the kid""";yoga;23-11-2026 09:30;
dirk@example.nl;Dirk;unknown-session;23-11-2026 09:40;
bad-address;Nobody;yoga;23-11-2026 09:50;
CSV
cat >noshowd.conf <<CONF
database = "$T/state/noshowd.db";
timezone = "Europe/Amsterdam";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
sessions = (
	{ id = "yoga"; title = "Yoga for trainers"; start = "2026-12-08T09:00";
	  end = "2026-12-08T12:00"; capacity = 2; price = "45.00"; }
);
sources = ( {
	name = "export"; type = "csv"; url = "export.csv";
	columns = { email = "E-mail"; name = "Naam"; session = "Training";
		    booked_at = "Ingeschreven"; cancelled = "Geannuleerd"; };
} );
CONF
ctl() { "$NOSHOWCTL" -c noshowd.conf --now "$NOW" "$@"; }
NOW=2026-11-23T10:00:00+01:00

expect_success 'registrations are booked in the order of their moments' '
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out &&
	grep -q "source export: 3 booked, 1 of them waitlisted" out &&
	ctl --json bookings yoga >b.json &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .name")" "de Vries, Ann" name &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"ann@example.nl\") | .booked_at")" \
		2026-11-23T09:15:00+01:00 "booked_at from the export" &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"cas@example.nl\") | .state")" waitlisted third &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"cas@example.nl\") | .name")" "Cas \"the kid\"" quoting
'

expect_success 'rows that cannot be taken are warnings with their line' '
	ctl --json status >st.json &&
	json_get st.json ".sources[0].warnings[]" >w &&
	grep -q "line 5: .*unknown-session" w &&
	grep -q "line 6: email" w
'

NOW=2026-11-24T10:00:00+01:00
expect_success 'a cancelled column cancels and frees the seat' '
	sed -i "s|^bob@example.nl;Bob;yoga;23-11-2026 09:20;$|bob@example.nl;Bob;yoga;23-11-2026 09:20;ja|" export.csv &&
	"$NOSHOWD" -c noshowd.conf --once --now "$NOW" >out &&
	grep -q "1 cancelled, 1 promoted" out &&
	ctl --json bookings yoga >b.json &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"bob@example.nl\") | .state")" cancelled bob &&
	expect_eq "$(json_get b.json ".[] | select(.email == \"cas@example.nl\") | .state")" pending cas
'

expect_success 'an export with a missing column is rejected whole, nothing changes' '
	ctl --json bookings >before.json &&
	sed -i "1s/E-mail/Mail/" export.csv &&
	NOW=2026-11-24T11:00:00+01:00 "$NOSHOWD" -c noshowd.conf --once --now 2026-11-24T11:00:00+01:00 >out &&
	grep -q "source export: failed: .*E-mail" out &&
	ctl --json bookings >after.json &&
	cmp before.json after.json
'

done_testing
