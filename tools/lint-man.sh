#!/bin/sh
# The manual pages: clean under mandoc's linter, and covering what the programs have. The
# lists come from the programs themselves (--help) and from conf/noshowd.conf, which a unit
# test keeps equal to the built-in defaults, so a command, option or key added in code but
# not in the pages fails here.
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
# noshowd options: "  -x" and "  --long" in --help.
for opt in $(./noshowd --help | sed -n 's/^  \(-[a-z-]*\).*/\1/p'); do
	n=$((n + 1))
	flag=$(echo "$opt" | sed 's/^-//')
	grep -q "^\.It Fl $flag\( \|$\)" man/noshowd.8 || {
		echo "noshowd.8 does not document the option \"$opt\""; fail=$((fail + 1)); }
done
# Configuration keys: every key of the example file.
for key in $(sed -n 's/^[[:space:]#]*\([a-z_]*\)[[:space:]]*=.*/\1/p' conf/noshowd.conf | sort -u); do
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
