#!/bin/bash
# The short round of the libFuzzer harnesses (tests/fuzz/, built into build/fuzz/ by
# `make fuzz-build`, which `make integration` depends on): each replays its seeds and the
# findings kept in tests/fuzz/regress/NAME/, then fuzzes for FUZZ_CHECK_SECONDS (default 10)
# with a fixed seed. Any crash, leak, undefined behaviour or broken invariant fails the
# harness's test; the input is left in $T/findings/NAME/ (TEST_KEEP=1 keeps it). Long runs:
# `make fuzz FUZZ_SECONDS=N`.
. "$(dirname "$0")/../lib.sh"

# tests/lib.sh has set the sanitizers' options: reports go to $T/.san and fail the step.
secs=${FUZZ_CHECK_SECONDS:-10}

names=$(cd "$TOP/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
expect_success 'a harness for each parser the issue names' '
	for n in ical csv bank zoom config template dsn header; do
		echo "$names" | grep -qx "$n" || { echo "no tests/fuzz/fuzz_$n.c"; exit 1; }
	done
'
for n in $names; do
	bin=$TOP/build/fuzz/fuzz_$n
	[ -x "$bin" ] || bail_out "$bin is not built (make fuzz-build)"
	expect_success "fuzz_$n: seeds and kept findings replay, then $secs s without a finding" '
		"$TOP/tests/fuzz/seeds.sh" '"$n"' seeds/'"$n"' &&
		mkdir -p corpus/'"$n"' findings/'"$n"' &&
		"'"$bin"'" -seed=1 -max_total_time='"$secs"' -timeout=20 -rss_limit_mb=2048 \
			-max_len=65536 -artifact_prefix="$T/findings/'"$n"'/" \
			corpus/'"$n"' seeds/'"$n"' >fuzz.log 2>&1 ||
		{ grep -E "ERROR|SUMMARY|invariant|runtime error" fuzz.log | head -n 20;
		  ls findings/'"$n"'; exit 1; }
		grep -E "^(Done|INFO: Running|stat::number_of_executed_units)" fuzz.log
	'
done
done_testing
