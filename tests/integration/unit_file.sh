#!/bin/bash
# The systemd unit: `systemd-analyze verify` accepts it without a word (with ExecStart= and
# ExecReload= pointing at the binary just built, since verify wants them to exist), and
# `systemd-analyze security --offline=true` scores its exposure at 1.5 or lower. The
# credentials that conf/noshowd.conf refers to are the ones the unit loads.
. "$(dirname "$0")/../lib.sh"

command -v systemd-analyze >/dev/null || bail_out "systemd-analyze is not installed (tools/deps.sh)"
UNIT=$TOP/systemd/noshowd.service
mkdir -p unit
sed "s#/usr/local/sbin/noshowd#$NOSHOWD#g" "$UNIT" >unit/noshowd.service

expect_success 'the copy runs the binary just built' '
	grep -q "^ExecStart=$NOSHOWD -f\$" unit/noshowd.service &&
	grep -q "^ExecReload=$NOSHOWD -t\$" unit/noshowd.service
'

expect_success 'systemd-analyze verify: no error, no warning' '
	{ systemd-analyze verify --man=no unit/noshowd.service >verify.out 2>&1 &&
		test ! -s verify.out; } || { sed "s/^/# /" verify.out; false; }
'

expect_success 'systemd-analyze security --offline=true: exposure 1.5 or lower' '
	systemd-analyze security --offline=true --no-pager unit/noshowd.service \
		>security.out 2>&1;
	line=$(grep "Overall exposure level for noshowd.service:" security.out) &&
	score=$(echo "$line" | sed "s/.*: \([0-9.]*\) .*/\1/") &&
	echo "# exposure $score" &&
	awk -v s="$score" "BEGIN { exit !(s + 0 <= 1.5) }" ||
		{ sed "s/^/# /" security.out | grep -v "^# ✓"; false; }
'

expect_success 'it runs as a static user with the state private and the right notify type' '
	grep -q "^Type=notify\$" "$UNIT" &&
	grep -q "^User=noshowd\$" "$UNIT" &&
	! grep -q "^DynamicUser=yes" "$UNIT" &&
	grep -q "^StateDirectoryMode=0700\$" "$UNIT" &&
	grep -q "^WatchdogSec=" "$UNIT"
'

# Every "credential:NAME" the example configuration mentions is loaded by the unit, with
# a default for when its file is missing; and the unit loads nothing the docs do not name.
expect_success 'the credentials of the example configuration are the ones the unit loads' '
	grep -o "credential:[A-Za-z0-9._-]*" "$TOP/conf/noshowd.conf" | cut -d: -f2 |
		sort -u >conf.names &&
	sed -n "s/^LoadCredential=\([^:]*\):.*/\1/p" "$UNIT" | sort -u >load.names &&
	sed -n "s/^SetCredential=\([^:]*\):.*/\1/p" "$UNIT" | sort -u >set.names &&
	test -s conf.names &&
	diff conf.names load.names && diff load.names set.names &&
	for n in $(cat load.names); do
		grep -q "credential:$n" "$TOP/man/noshowd.8" ||
			{ echo "# noshowd.8 does not name credential:$n"; exit 1; }
	done
'

done_testing
