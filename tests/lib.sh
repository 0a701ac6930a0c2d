# tests/lib.sh: sourced by the integration tests (tests/integration/*.sh), in the spirit of
# git's t/test-lib.sh. Bash only.
#
#	#!/bin/bash
#	. "$(dirname "$0")/../lib.sh"
#	mkdir feeds && cp "$TOP/tests/data/feed.ics" feeds/ &&
#	start_httpd feeds
#
#	expect_success 'the first poll reads the feed' '
#		"$NOSHOWD" -c noshowd.conf --once &&
#		"$NOSHOWCTL" --json status >status.json &&
#		expect_eq "$(json_get status.json ".sources[0].result")" ok "source result"
#	'
#	expect_success 'the second poll is conditional' '
#		"$NOSHOWD" -c noshowd.conf --once &&
#		expect_eq "$(httpd_count "GET /feed.ics 304 inm=\"")" 1 "304 answers"
#	'
#	done_testing
#
# What it sets up:
#   $TOP        the top of the repository (found from this file's own path)
#   $NOSHOWD, $NOSHOWCTL   the binaries at $TOP (built by make, never by a test)
#   $T          a fresh temporary directory for this script, and the current directory;
#               removed on exit (kept when TEST_KEEP=1)
#   set -u; an EXIT/INT/TERM/HUP trap that kills every background process the script
#   started (spawn, start_httpd, and any other child of the shell) and removes $T.
#
# Test bodies run in a subshell with `set -e`, stdin from /dev/null, and output captured;
# the output is shown only when the step fails (or always with TEST_VERBOSE=1). Chain every
# step with && anyway, as git's t/README asks: `set -e` does not stop at a failure inside an
# && list or in a function called from one, and variables set in a body do not survive it.
# Output is TAP ("ok N - ...", "not ok N - ...", "1..N" at the end).

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NOSHOWD=$TOP/noshowd
NOSHOWCTL=$TOP/noshowctl
TEST_NAME=$(basename "$0" .sh)
# Debian's interpreter, which sees the packages `make check` installs (python3-aiosmtpd,
# python3-icalendar); a python3 earlier in PATH (pyenv, a venv) may not.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3
export TOP NOSHOWD NOSHOWCTL TEST_NAME PYTHON

_lib_count=0
_lib_passed=0
_lib_failed=0
_lib_main_pid=$$

# bail_out MESSAGE: stop the whole script (a broken test set-up, not a failed test).
bail_out() {
	echo "Bail out! $TEST_NAME: $*"
	exit 1
}

T=$(mktemp -d "${TMPDIR:-/tmp}/noshow-$TEST_NAME.XXXXXX") || bail_out "mktemp failed"
export T
: >"$T/.pids"

# The processes to stop: those spawn registered (they may have been started in a subshell
# that is gone) and every descendant of this shell.
_lib_descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		_lib_descendants "$c"
	done
}

_lib_alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $s in Z*) return 1 ;; esac
	return 0
}

# _lib_stop PID...: SIGTERM, up to 3 s of grace, then SIGKILL; reap our own children.
_lib_stop() {
	local p _ alive
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 30); do
		alive=
		for p in "$@"; do
			_lib_alive "$p" && alive=1 && break
		done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	for p in "$@"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

_lib_cleanup() {
	local rc=$? pids
	# A subshell that inherited the trap must not tear down the script's processes.
	[ "${BASHPID:-$$}" = "$_lib_main_pid" ] || return "$rc"
	trap - EXIT INT TERM HUP
	# Servers that are not our children (Postfix's master) say how to stop them here.
	[ ! -s "$T/.atexit" ] || . "$T/.atexit"
	pids="$(cat "$T/.pids" 2>/dev/null) $(_lib_descendants "$$")"
	# shellcheck disable=SC2086 # word splitting wanted
	[ -z "${pids// /}" ] || _lib_stop $pids
	cd / || true
	if [ "${TEST_KEEP:-0}" = 1 ]; then
		echo "# $TEST_NAME: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}

trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

cd "$T" || bail_out "cannot enter $T"

# The sanitizer build (make check SANITIZE=address,undefined): every report of ASan, UBSan
# and LeakSanitizer goes to a file in $T/.san (leaks inside the libraries we call are
# suppressed by tests/unit/lsan.supp), UBSan stops the program like ASan does, and the test
# step after which a report appeared fails with it, whatever the program's exit status was
# (a `! noshowd ...` step must not pass on a crash). Harmless for a plain build.
mkdir -p "$T/.san" "$T/.san-seen"
ASAN_OPTIONS="log_path=$T/.san/asan:halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="log_path=$T/.san/ubsan:halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$TOP/tests/unit/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# _lib_san_reports: print the sanitizer reports since the last call (and set them aside);
# fails when there were none.
_lib_san_reports() {
	local f found=1
	for f in "$T"/.san/*; do
		[ -s "$f" ] || continue
		echo "sanitizer report $(basename "$f"):"
		sed 's/^/  /' "$f"
		mv "$f" "$T/.san-seen/"
		found=0
	done
	return $found
}

# spawn COMMAND [ARG...]: run a command in the background (stdin from /dev/null), set
# $SPAWN_PID, and have it killed at exit. Redirect its output on the call:
#	spawn "$NOSHOWD" -f -c noshowd.conf >noshowd.out 2>&1
spawn() {
	"$@" </dev/null &
	SPAWN_PID=$!
	echo "$SPAWN_PID" >>"$T/.pids"
}

# stop_pid PID...: stop processes started with spawn before the script ends.
stop_pid() {
	_lib_stop "$@"
}

# wait_for SECONDS 'COMMANDS': evaluate COMMANDS every 0.1 s until they succeed; fails
# (returns 1) when they have not within SECONDS.
wait_for() {
	local n=$(($1 * 10)) _
	for _ in $(seq "$n"); do
		eval "$2" && return 0
		sleep 0.1
	done
	echo "# wait_for: still false after $1 s: $2" >&2
	return 1
}

# free_port: print a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_httpd DIR [NAME]: serve DIR with tests/httpd.py (see its header for the special
# paths and the log format) and export HTTPD_PORT, HTTPD_URL (http://127.0.0.1:PORT),
# HTTPD_LOG (the request log) and HTTPD_PID. NAME (default httpd) keeps the files of a
# second server apart; the variables always describe the last server started. Call it at
# the top level, not in a test body: the server stops when the shell that started it exits.
start_httpd() {
	local root=$1 name=${2:-httpd} pf _
	[ -d "$root" ] || bail_out "start_httpd: $root is not a directory"
	pf=$T/$name.port
	rm -f "$pf"
	HTTPD_PORT=
	HTTPD_LOG=$T/$name.log
	: >"$HTTPD_LOG"
	spawn "$PYTHON" "$TOP/tests/httpd.py" --root "$root" --port-file "$pf" \
		--log "$HTTPD_LOG" --exit-with-parent 2>>"$T/$name.stderr"
	HTTPD_PID=$SPAWN_PID
	for _ in $(seq 100); do
		if [ -s "$pf" ]; then
			read -r HTTPD_PORT <"$pf"
			break
		fi
		kill -0 "$HTTPD_PID" 2>/dev/null ||
			bail_out "tests/httpd.py exited: $(cat "$T/$name.stderr")"
		sleep 0.1
	done
	[ -n "$HTTPD_PORT" ] || bail_out "tests/httpd.py did not start within 10 s"
	HTTPD_URL=http://127.0.0.1:$HTTPD_PORT
	export HTTPD_PORT HTTPD_URL HTTPD_LOG HTTPD_PID
}

# stop_httpd: stop the last server started (to test a source that goes away).
stop_httpd() {
	_lib_stop "$HTTPD_PID"
}

# httpd_count STRING: print how many lines of $HTTPD_LOG contain STRING (fixed string).
httpd_count() {
	grep -cF -- "$1" "$HTTPD_LOG" || true
}

# json_get FILE JQ_EXPR: print jq -r's answer (FILE "-" reads stdin). A missing key prints
# "null"; a missing file or bad JSON fails with jq's message on stderr.
json_get() {
	[ $# -eq 2 ] || { echo "usage: json_get FILE JQ_EXPR" >&2; return 2; }
	if [ "$1" = - ]; then
		jq -r "$2"
	else
		jq -r "$2" "$1"
	fi
}

_lib_report() {
	# _lib_report OK DESCRIPTION [OUTPUT-FILE [BODY]]
	_lib_count=$((_lib_count + 1))
	if [ "$1" = 0 ]; then
		_lib_passed=$((_lib_passed + 1))
		echo "ok $_lib_count - $2"
		if [ "${TEST_VERBOSE:-0}" = 1 ] && [ -s "${3:-/dev/null}" ]; then
			sed 's/^/#   /' "$3"
		fi
	else
		_lib_failed=$((_lib_failed + 1))
		echo "not ok $_lib_count - $2"
		if [ -n "${4:-}" ]; then
			printf '%s\n' "$4" | sed 's/^/#	/'
		fi
		if [ -s "${3:-/dev/null}" ]; then
			echo "#   output:"
			sed 's/^/#   /' "$3"
		fi
	fi
}

# expect_eq ACTUAL EXPECTED [WHAT]: compare two strings. Inside a test body it is a step
# (returns 1 and says what differed); at the top level it is a test of its own.
expect_eq() {
	local what=${3:-value} rc=0 msg=
	if [ "$1" != "$2" ]; then
		rc=1
		msg="$what: expected \"$2\", got \"$1\""
	fi
	if [ -n "${_LIB_IN_TEST:-}" ]; then
		[ -z "$msg" ] || echo "# $msg" >&2
		return $rc
	fi
	[ -z "$msg" ] || echo "$msg" >"$T/.out"
	_lib_report $rc "$what" "$T/.out" ""
	rm -f "$T/.out"
	return $rc
}

_lib_expect() {
	local want=$1 desc=$2 body=$3 rc ok=1 why=
	(
		_LIB_IN_TEST=1
		set -e
		eval "$body"
	) >"$T/.out" 2>&1 </dev/null
	rc=$?
	if _lib_san_reports >>"$T/.out"; then
		ok=1 why=" (sanitizer report)"
		want=never
	fi
	if [ "$want" = never ]; then
		:
	elif [ $rc -gt 128 ] && [ $rc -le 192 ]; then
		why=" (died of signal $((rc - 128)))"
	elif [ "$want" = success ]; then
		[ $rc -eq 0 ] && ok=0
		[ $rc -eq 0 ] || why=" (exit status $rc)"
	else
		# 126/127 are "cannot execute"/"not found": a broken test, not the failure wanted.
		if [ $rc -ge 1 ] && [ $rc -le 125 ]; then
			ok=0
		elif [ $rc -eq 0 ]; then
			why=" (succeeded)"
		else
			why=" (exit status $rc)"
		fi
	fi
	if [ $ok = 0 ]; then
		_lib_report 0 "$desc" "$T/.out"
	else
		_lib_report 1 "$desc$why" "$T/.out" "$body"
	fi
	rm -f "$T/.out"
	return 0
}

# expect_success 'DESCRIPTION' 'COMMANDS': a test that passes when COMMANDS exit 0.
expect_success() {
	[ $# -eq 2 ] || bail_out "expect_success takes 2 arguments, got $#: ${1:-}"
	_lib_expect success "$1" "$2"
}

# expect_failure 'DESCRIPTION' 'COMMANDS': passes when COMMANDS exit 1..125; death by a
# signal (a crash) or 126/127 (not executable, not found) fail the test.
expect_failure() {
	[ $# -eq 2 ] || bail_out "expect_failure takes 2 arguments, got $#: ${1:-}"
	_lib_expect failure "$1" "$2"
}

# done_testing: print the plan and the totals; exit 1 if any test failed or none ran.
done_testing() {
	# Reports of processes that ended after the last step (servers stopped at exit are not
	# seen here).
	if _lib_san_reports >"$T/.out"; then
		_lib_report 1 "no sanitizer reports after the last step" "$T/.out" ""
	fi
	echo "1..$_lib_count"
	echo "# $TEST_NAME: $_lib_passed passed, $_lib_failed failed"
	[ "$_lib_count" -gt 0 ] || { echo "# $TEST_NAME: no tests ran"; exit 1; }
	[ "$_lib_failed" -eq 0 ] || exit 1
	exit 0
}

# start_smtpd [--name NAME] [ARG...]: run tests/smtpd.py, a real SMTP server on loopback
# (see its header for the options such as --starttls, --auth USER:PASS, --script FILE, the
# script format and the log format), and export SMTPD_PORT, SMTPD_URL
# (smtp://127.0.0.1:PORT, or smtps:// with --smtps), SMTPD_DIR (the maildir: NNNN.eml and
# NNNN.json for every accepted message), SMTPD_LOG (the dialogue log) and SMTPD_PID. NAME
# (default smtpd) keeps the files of a second server apart; a server started again under
# the same name keeps its maildir and numbering. The variables always describe the last
# server started. Call it at the top level, not in a test body: the server stops when the
# shell that started it exits.
start_smtpd() {
	local name=smtpd scheme=smtp pf a _
	if [ "${1:-}" = --name ]; then
		[ $# -ge 2 ] || bail_out "start_smtpd: --name needs a value"
		name=$2
		shift 2
	fi
	for a in "$@"; do
		[ "$a" != --smtps ] || scheme=smtps
	done
	pf=$T/$name.port
	rm -f "$pf"
	SMTPD_PORT=
	SMTPD_DIR=$T/$name.mail
	SMTPD_LOG=$T/$name.log
	mkdir -p "$SMTPD_DIR" || bail_out "start_smtpd: cannot make $SMTPD_DIR"
	spawn "$PYTHON" "$TOP/tests/smtpd.py" --port-file "$pf" --maildir "$SMTPD_DIR" \
		--log "$SMTPD_LOG" --exit-with-parent "$@" 2>>"$T/$name.stderr"
	SMTPD_PID=$SPAWN_PID
	for _ in $(seq 100); do
		if [ -s "$pf" ]; then
			read -r SMTPD_PORT <"$pf"
			break
		fi
		kill -0 "$SMTPD_PID" 2>/dev/null ||
			bail_out "tests/smtpd.py exited: $(cat "$T/$name.stderr")"
		sleep 0.1
	done
	[ -n "$SMTPD_PORT" ] || bail_out "tests/smtpd.py did not start within 10 s"
	SMTPD_URL=$scheme://127.0.0.1:$SMTPD_PORT
	export SMTPD_PORT SMTPD_URL SMTPD_DIR SMTPD_LOG SMTPD_PID
}

# make_tls_cert DIR: make a test CA and a server certificate that it signed for
# 127.0.0.1 and localhost (subjectAltName IP:127.0.0.1,DNS:localhost; EC P-256, 30 days):
# DIR/ca.pem, DIR/cert.pem, DIR/key.pem (and the CA's key, DIR/ca.key). For a client,
# mail.ca_file = DIR/ca.pem; for the server, --tls-cert DIR/cert.pem --tls-key DIR/key.pem.
make_tls_cert() {
	[ $# -eq 1 ] || bail_out "usage: make_tls_cert DIR"
	mkdir -p "$1" || bail_out "make_tls_cert: cannot make $1"
	(
		cd "$1" &&
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 30 -subj "/CN=noshowd test CA" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout key.pem -out server.csr -subj /CN=localhost &&
		printf '%s\n' subjectAltName=IP:127.0.0.1,DNS:localhost \
			basicConstraints=critical,CA:FALSE \
			keyUsage=critical,digitalSignature,keyEncipherment \
			extendedKeyUsage=serverAuth >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile server.ext \
			-out cert.pem &&
		rm -f server.csr server.ext
	) >"$1/openssl.log" 2>&1 ||
		bail_out "make_tls_cert: openssl failed: $(cat "$1/openssl.log")"
}

# start_dovecot [--ssl DIR] [--maildir DIR] USER PASSWORD: run Debian's Dovecot (IMAP only)
# as root from a private configuration under $T/dovecot.PORT, with one user in a passwd-file
# whose mail is the Maildir $DOVECOT_MAILDIR (owned by nobody, the mail user), and export
# DOVECOT_PORT, DOVECOT_URL (imap://127.0.0.1:PORT, or imaps:// with --ssl DIR, a
# make_tls_cert directory), DOVECOT_MAILDIR, DOVECOT_LOG and DOVECOT_PID. --maildir DIR
# serves that Maildir instead (made if missing, owned by nobody), such as one an MTA
# delivers into: "$(postfix_maildir ADDRESS)". DOVECOT_EXTRA, when set, is added to the
# configuration (plugins, an ACL). Put messages in with maildir_put; dovecot_flags lists
# what the server says. Call it at the top level: Dovecot is stopped when the script exits.
start_dovecot() {
	local ssl= d scheme=imap listener port maildir= _
	while [ $# -gt 2 ]; do
		case $1 in
		--ssl)
			ssl=$(cd "$2" && pwd -P) || bail_out "start_dovecot: no directory $2"
			scheme=imaps ;;
		--maildir)
			mkdir -p "$2"/cur "$2"/new "$2"/tmp && chown -R nobody:nogroup "$2" &&
				maildir=$(cd "$2" && pwd -P) ||
				bail_out "start_dovecot: cannot make the Maildir $2" ;;
		*) break ;;
		esac
		shift 2
	done
	[ $# -eq 2 ] || bail_out "usage: start_dovecot [--ssl DIR] [--maildir DIR] USER PASSWORD"
	command -v dovecot >/dev/null || bail_out "start_dovecot: dovecot is not installed"
	port=$(free_port)
	d=$T/dovecot.$port
	# The mail user (nobody) must reach its home through $T.
	chmod o+x "$T" && mkdir -p "$d/run" "$d/home/$1/Maildir"/{cur,new,tmp} ||
		bail_out "start_dovecot: cannot make $d"
	chown -R nobody:nogroup "$d/home" || bail_out "start_dovecot: cannot chown $d/home"
	printf '%s:{PLAIN}%s:65534:65534::%s\n' "$1" "$2" "$d/home/$1" >"$d/passwd"
	if [ -n "$ssl" ]; then
		listener="inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }"
		ssl="ssl = required
ssl_cert = <$ssl/cert.pem
ssl_key = <$ssl/key.pem"
	else
		listener="inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }"
		ssl="ssl = no"
	fi
	local location='~/Maildir'
	[ -z "$maildir" ] || location=$maildir
	cat >"$d/dovecot.conf" <<CONF
base_dir = $d/run
state_dir = $d/state
instance_name = noshow-test-$$
log_path = $d/dovecot.log
protocols = imap
listen = 127.0.0.1
$ssl
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:$location
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/passwd
}
${DOVECOT_EXTRA:-}
service imap-login {
  $listener
}
CONF
	mkdir -p "$d/state"
	spawn dovecot -F -c "$d/dovecot.conf" >>"$d/dovecot.out" 2>&1
	DOVECOT_PID=$SPAWN_PID
	for _ in $(seq 100); do
		"$PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1)" \
			2>/dev/null && break
		kill -0 "$DOVECOT_PID" 2>/dev/null ||
			bail_out "dovecot exited: $(cat "$d/dovecot.out" "$d/dovecot.log" 2>/dev/null)"
		sleep 0.1
	done
	DOVECOT_PORT=$port
	DOVECOT_URL=$scheme://127.0.0.1:$port
	DOVECOT_MAILDIR=${maildir:-$d/home/$1/Maildir}
	DOVECOT_LOG=$d/dovecot.log
	export DOVECOT_PORT DOVECOT_URL DOVECOT_MAILDIR DOVECOT_LOG DOVECOT_PID
}

# dovecot_flags USER PASSWORD: every message of the INBOX of the last start_dovecot, as the
# server tells it over IMAP (a read-only EXAMINE, so nothing changes): "UID (FLAGS) SUBJECT",
# \Recent left out.
dovecot_flags() {
	"$PYTHON" - "$DOVECOT_PORT" "$1" "$2" "$DOVECOT_URL" <<'PY'
import email, imaplib, re, ssl, sys
port, user, password, url = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
if url.startswith("imaps:"):
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ssl._create_unverified_context())
else:
    m = imaplib.IMAP4("127.0.0.1", port)
m.login(user, password)
m.select("INBOX", readonly=True)
typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
for item in data:
    if not isinstance(item, tuple):
        continue
    uid = re.search(rb"UID (\d+)", item[0]).group(1).decode()
    fl = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode()
    fl = " ".join(f for f in fl.split() if f != "\\Recent")
    subj = email.message_from_bytes(item[1]).get("Subject", "")
    print("%s (%s) %s" % (uid, fl, " ".join(subj.split())))
m.logout()
PY
}

# maildir_put FILE...: deliver messages into $DOVECOT_MAILDIR/new, owned by the mail user,
# the way an MTA does (Dovecot serves a Maildir file's LF line ends as CRLF).
maildir_put() {
	local f n
	for f in "$@"; do
		n=$(date +%s).$$_$RANDOM.noshow-test
		cp "$f" "$DOVECOT_MAILDIR/tmp/$n" && chown nobody:nogroup "$DOVECOT_MAILDIR/tmp/$n" &&
			mv "$DOVECOT_MAILDIR/tmp/$n" "$DOVECOT_MAILDIR/new/$n" || return 1
	done
}
