#!/bin/sh
# The manual pages: clean under mandoc's linter, and covering what the programs have. The
# lists come from the programs themselves (--help), from the code (noshowctl's command
# table, the configuration parser's key tables, getenv, the signals the service takes) and
# from conf/noshowd.conf, which a unit test keeps equal to the built-in defaults, so a command, option, key, variable or signal added in code but not in
# the pages fails here. Every noshowctl command also needs an example.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
fail=0 n=0

out=$(mandoc -Tlint -Wwarning man/noshowd.8 man/noshowctl.1 man/noshowd.conf.5 2>&1)
n=$((n + 1))
if [ -n "$out" ]; then
	echo "mandoc -Tlint -Wwarning:"; echo "$out"; fail=$((fail + 1))
fi

# noshowctl commands: "  name  args  help" lines of --help.
for cmd in $(./noshowctl --help | sed -n 's/^  \([a-z-]*\) .*/\1/p'); do
	n=$((n + 1))
	grep -q "^\.\(It \)\{0,1\}Ic $cmd\( \|$\)" man/noshowctl.1 || {
		echo "noshowctl.1 does not document the command \"$cmd\""; fail=$((fail + 1)); }
done
# Every noshowctl command has an example: a "$ noshowctl [global options] COMMAND" line.
examples=$(sed -n 's/^\(\.Dl \)\{0,1\}\$ noshowctl //p' man/noshowctl.1 |
    sed 's/^\(\(-c\|--now\) [^ ]* \|--json \|-j \)*//' | awk '{ print $1 }' | sort -u)
for cmd in $(./noshowctl --help | sed -n 's/^  \([a-z-]*\) .*/\1/p'); do
	n=$((n + 1))
	echo "$examples" | grep -qx "$cmd" || {
		echo "noshowctl.1 has no example (\"\$ noshowctl $cmd ...\") of the command \"$cmd\""
		fail=$((fail + 1)); }
done
# noshowctl subcommands: the lowercase words of a command's arguments in its table
# (daemon/noshowctl.c), such as "import attendance", each an ".Ic command sub" in the page.
for pair in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", "\([^"]*\)",.*/\1:\2/p' daemon/noshowctl.c |
    sed 's/\[[^]]*\]//g; s/ /:/g; s/|/:/g' |
    awk -F: '{ for (i = 2; i <= NF; i++) if ($i ~ /^[a-z][a-z-]*$/) print $1 "/" $i }'); do
	n=$((n + 1))
	grep -q "Ic ${pair%/*} ${pair#*/}\( \|$\)" man/noshowctl.1 || {
		echo "noshowctl.1 does not document \"noshowctl ${pair%/*} ${pair#*/}\""
		fail=$((fail + 1)); }
done
# noshowctl options, global and of commands: "--name" anywhere in --help.
for opt in $(./noshowctl --help | grep -o -- '--[a-z-]*' | sort -u); do
	n=$((n + 1))
	grep -q -- "Fl ${opt#-}\( \|$\)" man/noshowctl.1 || {
		echo "noshowctl.1 does not document the option \"$opt\""; fail=$((fail + 1)); }
done
# Both programs' pages say what their exit statuses mean.
for page in man/noshowctl.1 man/noshowd.8; do
	n=$((n + 1))
	grep -q '^\.Sh EXIT STATUS$' "$page" || {
		echo "$page has no EXIT STATUS section"; fail=$((fail + 1)); }
done
# Environment variables the code reads are in noshowd.8's ENVIRONMENT section.
envsec=$(sed -n '/^\.Sh ENVIRONMENT$/,/^\.Sh /p' man/noshowd.8 | grep '^\.It Ev ')
for var in $(grep -oh 'getenv("[A-Za-z_]*")' daemon/*.c | sed 's/getenv("\(.*\)")/\1/' |
    sort -u); do
	n=$((n + 1))
	echo "$envsec" | grep -q "[ ,]$var\( \|$\)" || {
		echo "noshowd.8 ENVIRONMENT does not document \"$var\""; fail=$((fail + 1)); }
done
# The signals the service takes (daemon/serve.c) are in noshowd.8's SIGNALS section.
sigsec=$(sed -n '/^\.Sh SIGNALS$/,/^\.Sh /p' man/noshowd.8 | grep '^\.It ')
n=$((n + 1))
grep -q 'sigaddset(&mask, SIG' daemon/serve.c || {
	echo "no signals found in daemon/serve.c: fix this check"; fail=$((fail + 1)); }
for sig in $(grep -o 'sigaddset(&mask, SIG[A-Z0-9]*)' daemon/serve.c |
    sed 's/.*SIG\([A-Z0-9]*\))/\1/' | sort -u); do
	n=$((n + 1))
	echo "$sigsec" | grep -q "[ ,]$sig\( \|$\)" || {
		echo "noshowd.8 SIGNALS does not document \"$sig\""; fail=$((fail + 1)); }
done
# noshowd options: "  -x" and "  --long" in --help.
for opt in $(./noshowd --help | sed -n 's/^  \(-[a-z-]*\).*/\1/p'); do
	n=$((n + 1))
	flag=$(echo "$opt" | sed 's/^-//')
	grep -q "^\.It Fl $flag\( \|$\)" man/noshowd.8 || {
		echo "noshowd.8 does not document the option \"$opt\""; fail=$((fail + 1)); }
done
# Configuration keys: every key of the parser's tables (daemon/config*.c, "{ "key", K_...")
# and of the example file.
for key in $( { grep -ho '^[[:space:]]*{ "[a-z_]*", K_[A-Z_]*' daemon/*.c |
    sed 's/.*{ "\([a-z_]*\)".*/\1/'
    sed -n 's/^[[:space:]#]*\([a-z_]*\)[[:space:]]*=.*/\1/p' conf/noshowd.conf; } | sort -u); do
	n=$((n + 1))
	grep -q "\(Ic\|Li\|^\.Ss\) $key\( \|$\)" man/noshowd.conf.5 || {
		echo "noshowd.conf.5 does not document the key \"$key\""; fail=$((fail + 1)); }
done
# Template placeholders: the list the template checker knows (daemon/template.c).
for ph in $(sed -n '/^const char \*const template_placeholders/,/NULL,/p' daemon/template.c |
    grep -o '"[a-z_]*"' | tr -d '"'); do
	n=$((n + 1))
	grep -q "^\.It Li $ph\( \|$\)" man/noshowd.conf.5 || {
		echo "noshowd.conf.5 does not document the placeholder \"$ph\""; fail=$((fail + 1)); }
done
mkdir -p build/results && echo "$((n - fail)) $fail" > build/results/man
echo "man: $((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
