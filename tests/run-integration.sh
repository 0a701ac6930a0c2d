#!/bin/sh
# Run every tests/integration/*.sh (each starts its own servers on loopback and cleans up)
# and sum their results into one closing line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0 broken=""
for t in "$top"/tests/integration/*.sh; do
	name=$(basename "$t" .sh)
	out=$(bash "$t" 2>&1); rc=$?
	summary=$(echo "$out" | grep -oE '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=${summary%% passed*}
	f=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed/\1/p')
	if [ -z "$summary" ] || [ $rc -ne 0 ]; then
		echo "$out" | grep -E '^(not ok|#)' | head -n 40
		echo "$out" | tail -n 30
		broken="$broken $name"
	fi
	echo "$name: ${summary:-no result (exit $rc)}"
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	[ -n "$summary" ] || fail=$((fail + 1))
done
mkdir -p build/results && echo "$pass $fail" > build/results/integration
echo "integration: $pass passed, $fail failed"
[ -z "$broken" ]
