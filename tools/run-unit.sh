#!/bin/sh
# Run every Check unit binary (one per module) and sum their checks into one closing line.
set -u
pass=0 fail=0 bad=0
# For the sanitizer build: leaks inside libraries we call (not ours) are listed there.
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/tests/unit/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# UBSan stops at its first report, as ASan does, so that undefined behaviour fails the check
# rather than scrolling past.
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS UBSAN_OPTIONS
for t in "$@"; do
	out=$(CK_FORK=yes "$t" 2>&1); rc=$?
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -n 1)
	echo "$(basename "$t"): ${line:-no result (crashed?)}"
	[ $rc -eq 0 ] || { echo "$out" | grep -vE '^(Running suite|[0-9]+%: Checks)'; bad=1; }
	n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	nf=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 + \2/p')
	[ -n "$n" ] || { bad=1; continue; }
	nf=$(( ${nf:-0} ))
	pass=$((pass + n - nf)); fail=$((fail + nf))
done
mkdir -p build/results && echo "$pass $fail" > build/results/unit
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $bad -eq 0 ]
