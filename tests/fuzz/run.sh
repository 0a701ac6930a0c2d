#!/bin/sh
# `make fuzz`: run each harness given (build/fuzz/fuzz_NAME) for FUZZ_SECONDS from its seeds
# (tests/fuzz/seeds.sh). The corpus each run grows is kept in build/fuzz/corpus/NAME for the
# next run; a crash, leak or sanitizer report leaves its input in build/fuzz/findings/NAME/
# (keep it in tests/fuzz/regress/NAME/ once fixed, so that `make check` replays it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
secs=${FUZZ_SECONDS:-300}
bad=""
# Leaks inside the libraries we call (not ours) are listed there.
LSAN_OPTIONS="suppressions=$top/tests/unit/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
for bin in "$@"; do
	name=$(basename "$bin"); name=${name#fuzz_}
	corpus=$top/build/fuzz/corpus/$name findings=$top/build/fuzz/findings/$name
	seeds=$top/build/fuzz/seeds/$name
	rm -rf "$seeds"
	mkdir -p "$corpus" "$findings"
	"$top"/tests/fuzz/seeds.sh "$name" "$seeds" || exit 1
	echo "fuzz_$name: $secs s, corpus $corpus"
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$seeds" \
	    >"$top/build/fuzz/$name.log" 2>&1; then
		echo "fuzz_$name: ok ($(grep -c . "$corpus"/* 2>/dev/null | wc -l) inputs in the corpus)"
	else
		echo "fuzz_$name: FAILED; see build/fuzz/$name.log and $findings/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' "$top/build/fuzz/$name.log" | head -n 5
		bad="$bad $name"
	fi
done
[ -z "$bad" ] || { echo "fuzz: findings in$bad"; exit 1; }
echo "fuzz: no findings"
