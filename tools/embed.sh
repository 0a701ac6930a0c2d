#!/bin/sh
# Embed text files in the binary: tools/embed.sh NAME FILE... prints C defining
#   const struct embedded_file NAME[]; const unsigned NAME_count;
# so that an installed noshowd needs no data files beside it (migrations, zone tables).
set -eu
name=$1; shift
echo '#include "embed.h"'
echo "const struct embedded_file ${name}[] = {"
for f in "$@"; do
	printf '\t{ "%s",\n' "$(basename "$f")"
	od -An -v -tx1 "$f" | sed 's/ *\([0-9a-f][0-9a-f]\)/\\x\1/g; s/^/\t  "/; s/$/"/'
	printf '\t  , %s },\n' "$(wc -c < "$f" | tr -d ' ')"
done
echo "};"
echo "const unsigned ${name}_count = $#;"
