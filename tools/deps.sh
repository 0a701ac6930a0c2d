#!/bin/sh
# The one list of Debian packages noshowd needs, and the one place that installs them.
# Usage: tools/deps.sh build|check|demo|bench|fuzz
# As root, missing packages are installed with apt-get; otherwise the exact command is printed
# and the script fails, so that `make check` never runs half-equipped.
set -eu

build="gcc make pkg-config libc6-dev libcurl4-openssl-dev libical-dev libsqlite3-dev libconfig-dev libssl-dev libopendkim-dev tzdata"
check="$build check valgrind python3 python3-aiosmtpd python3-icalendar jq mandoc sqlite3 openssl dnsmasq-base iproute2 util-linux postfix python3-dkim opendkim-tools dovecot-imapd strace"
demo="$build"
bench="$build python3 python3-icalendar"
fuzz="$build clang-14 libclang-rt-14-dev"

case "${1:-build}" in
build) want=$build ;;
check) want=$check ;;
demo) want=$demo ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
*) echo "usage: $0 build|check|demo|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The tests run Postfix from private configurations; the system's own stays unconfigured
	# (and so does not start or take port 25).
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null || true
	apt-get update -qq >/dev/null || true
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
