#!/bin/sh
# The closing line of `make check`: every unit check, integration step and manual-page check.
set -u
pass=0 fail=0
for f in build/results/unit build/results/integration build/results/man; do
	[ -f "$f" ] || { echo "check: no results in $f"; exit 1; }
	read -r p q < "$f"
	pass=$((pass + p)); fail=$((fail + q))
done
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
