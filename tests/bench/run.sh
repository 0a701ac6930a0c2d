#!/bin/sh
# make bench: how noshowd's ingest compares with the least work the job takes.
#
# Builds the floor (tests/bench/floor.c: libical parse + one-transaction SQLite upsert),
# generates a 100,000-booking feed and its +10 variant (tests/bench/genfeed.py), then
# tests/bench/bench.py times, in rounds, the floor and `noshowd --once`: first ingest,
# changed poll, unchanged poll over file:// (same body hash) and over HTTP (304, served by
# tests/httpd.py). Each figure is the median of BENCH_RUNS (5) runs and is judged as a ratio
# to the floor of the same rounds, never as an absolute time: the machine may be shared.
# The table goes to stdout and, as one JSON document, to build/bench/last.json.
#
# Then tests/bench/tick.c times one policy tick (duties_run) and the next-due lookup
# (duties_next) over databases of 1,000, 100,000 and 1,000,000 bookings holding the same 100
# bookings due (made by tests/bench/tickgen.c, kept in build/bench/tickdb until the schema or
# the generator changes; the million takes about half a minute to make, 1 GB on disk). Each
# figure is the median of BENCH_TICK_RUNS (7) runs, each from a fresh copy; the target is
# the million's tick at most 1.5 times the thousand's. JSON: build/bench/tick.json.
# BENCH_TICK=0 skips this part, BENCH_TICK=only runs nothing else.
#
# Then tests/bench/idle.py starts the service on 10,000 bookings and reads /proc/PID: its RSS
# after the first cycle and its context switches over BENCH_IDLE (60) idle seconds; and times
# Python's icalendar parsing the same feed, for context; and the floor under that RSS, a
# program of nothing linked against noshowd's libraries (tests/bench/libfloor.c), and its
# start-up time. JSON: build/bench/idle.json.
# Last, tests/bench/summary.py prints one table of every figure and writes it with all the
# parts as build/bench/results.json.
#
# Exit status 0 when everything was measured, even when a target is MISSED (this is a
# benchmark, not a test); 1 when something could not be measured. BENCH_KEEP=1 keeps the
# work directory (databases, configs, feeds, outputs) for profiling.
set -eu

cd "$(dirname "$0")/../.."
top=$(pwd)
out=build/bench
mkdir -p "$out"

for p in noshowd noshowctl build/bench/tick build/bench/tickgen build/bench/libfloor; do
	if [ ! -x "./$p" ]; then
		echo "bench: ./$p is not built; run \`make bench\`" >&2
		exit 1
	fi
done
tick=${BENCH_TICK:-1}

# The floor is compiled like noshowd (the Makefile's default CFLAGS unless make was given
# others), against the same pkg-config flags.
cc=${CC:-cc}
cflags=${CFLAGS:--O2 -g}
# shellcheck disable=SC2086,SC2046 # flag lists are meant to split
$cc -std=c11 -D_GNU_SOURCE $cflags -Wall -Wextra $(pkg-config --cflags libical sqlite3) \
	-o "$out/floor" tests/bench/floor.c $(pkg-config --libs libical sqlite3)

rm -f "$out/last.json" "$out/smtp.json" "$out/idle.json" "$out/results.json"
if [ "$tick" = 0 ]; then
	rm -f "$out/tick.json"
fi
work=$(mktemp -d "$top/$out/run.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rc=0
if [ "$tick" != only ]; then
	# Sessions from a month after today: bench.py runs on the real clock (see its NOW).
	python3 tests/bench/genfeed.py --out "$work/base.ics" --changed "$work/changed.ics" \
		--start "$(date -d "+30 days" +%F)"

	echo "bench: noshowd vs floor, median of ${BENCH_RUNS:-5} runs (CFLAGS: $cflags)"
	python3 tests/bench/bench.py --noshowd ./noshowd --floor "$out/floor" --work "$work" \
		--base "$work/base.ics" --changed "$work/changed.ics" --httpd tests/httpd.py \
		--runs "${BENCH_RUNS:-5}" --json "$out/last.json" || rc=$?
	python3 tests/bench/smtp.py --noshowd ./noshowd --work "$work" \
		--json "$out/smtp.json" || rc=$?
	echo "bench: the idle service and a peer (python3-icalendar)"
	python3 tests/bench/idle.py --noshowd ./noshowd --work "$work" --feed "$work/base.ics" \
		--idle "${BENCH_IDLE:-60}" --libfloor build/bench/libfloor --json "$out/idle.json" \
		|| rc=$?
fi

if [ "$tick" != 0 ]; then
	# The databases depend on the schema and the generator only: made again when either
	# changes, else reused (the stamp is written last, so a failed run makes them again).
	dbdir=$out/tickdb
	sizes="1000 100000 1000000"
	stamp=$(cat build/gen_migrations.c daemon/ref.c tests/bench/tickgen.c \
		tests/bench/tickgen.h | cksum)
	if [ "$(cat "$dbdir/stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$dbdir"
		mkdir -p "$dbdir"
		for n in $sizes; do
			printf 'bench: tick database of %s bookings: ' "$n"
			if ! build/bench/tickgen "$n" "$dbdir/bookings-$n.db"; then
				echo "bench: INVALID: tests/bench/tickgen.c failed" >&2
				exit 1
			fi
		done
		echo "$stamp" > "$dbdir/stamp"
	fi
	runs=${BENCH_TICK_RUNS:-7}
	echo "bench: policy tick over 1,000 / 100,000 / 1,000,000 bookings with the same 100" \
		"due, median of $runs runs (CFLAGS: $cflags)"
	set --
	for n in $sizes; do
		set -- "$@" "$dbdir/bookings-$n.db"
	done
	mkdir -p "$work/tick"
	build/bench/tick -r "$runs" -w "$work/tick" -j "$out/tick.json" \
		-t "$top/conf/templates" "$@" || rc=$?
fi

echo
echo "bench: summary (also as JSON: $out/results.json)"
python3 tests/bench/summary.py --dir "$out" || rc=$?
exit $rc
