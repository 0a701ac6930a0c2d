#!/bin/bash
# make install and make uninstall into a DESTDIR: the binaries, the pages, the unit (whose
# ExecStart= and ExecReload= name the installed binary), the example and the templates; an
# existing configuration is never overwritten, and uninstall leaves it; and PREFIX=/usr.
. "$(dirname "$0")/../lib.sh"

D=$T/root
inst() { make -s -C "$TOP" --no-print-directory "$@" DESTDIR="$D" >>make.log 2>&1; }

expect_success 'make install puts every file in place' '
	inst install &&
	test -x "$D/usr/local/sbin/noshowd" && test -x "$D/usr/local/bin/noshowctl" &&
	test -f "$D/usr/local/share/man/man8/noshowd.8" &&
	test -f "$D/usr/local/share/man/man1/noshowctl.1" &&
	test -f "$D/usr/local/share/man/man5/noshowd.conf.5" &&
	test -f "$D/usr/local/share/noshowd/noshowd.conf.example" &&
	test -d "$D/usr/local/share/noshowd/templates/nl" &&
	test -f "$D/etc/noshowd/noshowd.conf" &&
	expect_eq "$(stat -c %a "$D/etc/noshowd/noshowd.conf")" 640 "mode of the configuration" &&
	test -f "$D/lib/systemd/system/noshowd.service"
'

expect_success 'the installed unit runs the installed binary' '
	u=$D/lib/systemd/system/noshowd.service &&
	for key in ExecStart ExecReload; do
		bin=$(sed -n "s/^$key=\(\/[^ ]*noshowd\) .*/\1/p" "$u") &&
		test -n "$bin" && test -x "$D$bin" || { echo "# $key: ${bin:-none}"; exit 1; }
	done
'

expect_success 'make install again keeps an existing configuration' '
	echo "# edited by the administrator" >>"$D/etc/noshowd/noshowd.conf" &&
	inst install &&
	grep -q "edited by the administrator" "$D/etc/noshowd/noshowd.conf"
'

expect_success 'make uninstall removes what it installed and keeps the configuration' '
	inst uninstall &&
	test ! -e "$D/usr/local/sbin/noshowd" && test ! -e "$D/usr/local/bin/noshowctl" &&
	test ! -e "$D/usr/local/share/man/man8/noshowd.8" &&
	test ! -e "$D/lib/systemd/system/noshowd.service" &&
	test ! -e "$D/usr/local/share/noshowd" &&
	grep -q "edited by the administrator" "$D/etc/noshowd/noshowd.conf"
'

# PREFIX=/usr from a copy of the sources (a build of its own: the installed data directory
# is compiled in, and this must not rebuild the tree the other tests run).
expect_success 'make install PREFIX=/usr: the binaries under /usr, finding their files there' '
	mkdir src &&
	tar -C "$TOP" --exclude=./build --exclude=./noshowd --exclude=./noshowctl --exclude=./.git \
		-cf - . | tar -x -C src &&
	make -s -j2 -C src --no-print-directory install PREFIX=/usr DESTDIR="$T/usr-root" \
		>usr.log 2>&1 || { tail -n 20 usr.log; exit 1; }
	R=$T/usr-root &&
	test -x "$R/usr/sbin/noshowd" && test -x "$R/usr/bin/noshowctl" &&
	test -f "$R/usr/share/man/man8/noshowd.8" &&
	test -d "$R/usr/share/noshowd/templates/nl" &&
	test ! -e "$R/usr/local" &&
	grep -q "^ExecStart=/usr/sbin/noshowd " "$R/lib/systemd/system/noshowd.service" &&
	grep -aq "/usr/share/noshowd" "$R/usr/sbin/noshowd" &&
	! grep -aq "/usr/local/share/noshowd" "$R/usr/sbin/noshowd"
'

done_testing
