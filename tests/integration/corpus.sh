#!/bin/bash
# Every real calendar in ../shared/corpus/ics, as a source: either ingested (and a second
# poll changes nothing) or rejected with a reason in status. Never a crash or a hang.
. "$(dirname "$0")/../lib.sh"

corpus=$TOP/../shared/corpus/ics
[ -d "$corpus" ] || bail_out "no corpus at $corpus"

mkdir -p feeds
n=0
for f in "$corpus"/*.ics; do
	n=$((n + 1))
	name=$(basename "$f" .ics)
	expect_success "corpus $name: ingested or rejected with a reason, and stable" '
		rm -rf state && mkdir state &&
		cp "$f" feeds/feed.ics &&
		cat >noshowd.conf <<CONF &&
database = "$T/state/noshowd.db";
trainer = { name = "Test Trainer"; email = "trainer@example.nl"; };
mail = { templates = "$TOP/conf/templates"; maildir = "$T/state/maildir"; };
timezone = "Europe/Amsterdam";
sources = ( { name = "corpus"; type = "ical"; url = "feeds/feed.ics"; } );
CONF
		timeout 60 "$NOSHOWD" -c noshowd.conf --once --now 2026-11-23T10:00:00+01:00 >out &&
		"$NOSHOWCTL" -c noshowd.conf --json status >st.json &&
		result=$(json_get st.json ".sources[0].result") &&
		case $result in
		changed)
			"$NOSHOWCTL" -c noshowd.conf --json sessions --all >s1.json &&
			# Nothing usable is fine only when status says why.
			{ test "$(json_get s1.json length)" -ge 1 ||
			  test "$(json_get st.json ".sources[0].warnings | length")" -ge 1; } &&
			events=$(sqlite3 state/noshowd.db "SELECT count(*) FROM events") &&
			timeout 60 "$NOSHOWD" -c noshowd.conf --once --now 2026-11-23T10:05:00+01:00 >out2 &&
			grep -q "source corpus: unchanged" out2 &&
			expect_eq "$(sqlite3 state/noshowd.db "SELECT count(*) FROM events")" "$events" events &&
			"$NOSHOWCTL" -c noshowd.conf --json sessions --all >s2.json &&
			cmp s1.json s2.json ;;
		failed)
			reason=$(json_get st.json ".sources[0].error") &&
			test -n "$reason" && test "$reason" != null &&
			echo "$name: rejected: $reason" ;;
		*)
			echo "unexpected result $result"; exit 1 ;;
		esac
	'
done
[ $n -ge 30 ] || bail_out "only $n corpus files"
done_testing
