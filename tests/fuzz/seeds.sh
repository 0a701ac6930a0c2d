#!/bin/sh
# tests/fuzz/seeds.sh NAME DIR: copy the seed inputs of harness fuzz_NAME into DIR, from the
# shared corpus (../shared/corpus beside the repository), the unit tests' data, the shipped
# configuration and templates, and the harness's kept findings (tests/fuzz/regress/NAME).
# Copied at run time so that nothing is committed twice.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
name=$1 dir=$2
corpus=${NOSHOW_CORPUS:-$top/../shared/corpus}
mkdir -p "$dir"
add() {
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | sed "s|^$top/||; s|/|_|g")"
	done
	return 0
}
case $name in
ical) add "$corpus"/ics/* "$top"/tests/unit/data/ical/* "$top"/tests/data/*.ics ;;
csv) add "$corpus"/csv/* "$top"/tests/unit/data/csv/* "$top"/tests/data/*.csv ;;
bank) add "$corpus"/csv/* "$top"/tests/unit/data/bank/* ;;
zoom) add "$corpus"/csv/*zoom* "$top"/tests/unit/data/zoom/* ;;
config) add "$top"/conf/noshowd.conf "$top"/conf/demo/*.conf "$top"/tests/unit/data/config/* ;;
template) add "$top"/conf/templates/*/*.txt "$top"/tests/unit/data/template/*/* ;;
dsn) add "$top"/tests/unit/data/dsn/*.eml ;;
header) printf 'Bakker, "Sanne" Zo\303\253\377Ann\r\nBcc: x@example.org\377Booked =?utf-8?q?x?= \001\377NS-7KQ2-4D\377Dear Ann,\n' >"$dir/seed" ;;
*) echo "seeds.sh: no harness fuzz_$name" >&2; exit 2 ;;
esac
add "$top"/tests/fuzz/regress/"$name"/*
[ -n "$(ls "$dir")" ] || { echo "seeds.sh: no seeds for fuzz_$name" >&2; exit 1; }
