# tests/postfix-setup.sh: sourced by integration tests after tests/lib.sh, for a real Postfix
# (Debian's, run as root) on loopback from a private configuration in the test's directory:
#
#	. "$TOP/tests/postfix-setup.sh"
#	start_postfix trainer.test example.test
#
# start_postfix DOMAIN... makes $T/postfix (main.cf, master.cf, queue, data, mail) and
# starts Postfix with it; it is stopped (postfix -c DIR stop) when the script exits. Every
# DOMAIN is a virtual mailbox domain (virtual_mailbox_domains): a mailbox is delivered into
# the Maildir $POSTFIX_MAIL/DOMAIN/LOCAL/ (owned by nobody), and only the addresses added with
# postfix_mailbox exist, so mail to any other address of those domains is refused at RCPT TO
# (550 5.1.1). Reports (DSNs, bounces) come from MAILER-DAEMON@$POSTFIX_HOSTNAME.
#
# What it exports:
#   POSTFIX_DIR       the configuration directory (postfix -c "$POSTFIX_DIR" ...)
#   POSTFIX_PORT      the port smtpd listens on, on 127.0.0.1
#   POSTFIX_URL       smtp://127.0.0.1:$POSTFIX_PORT
#   POSTFIX_HOSTNAME  myhostname, the name in the greeting and the Reporting-MTA
#   POSTFIX_LOG       the mail log (maillog_file, written by postlogd), readable as text
#   POSTFIX_MAIL      virtual_mailbox_base: the Maildirs are $POSTFIX_MAIL/DOMAIN/LOCAL/
#
# postfix_mailbox ADDRESS... adds mailboxes (before or after the start) and prints nothing;
# the Maildir of ADDRESS is "$(postfix_maildir ADDRESS)" (new/ holds delivered messages).
# postfix_gone ADDRESS... adds addresses that are accepted at RCPT TO and then fail (an alias
# to the domain bounce.test, whose transport is error:5.1.1), so that Postfix writes a
# failure report (RFC 3464) to the sender.
# postfix_deferred ADDRESS... adds addresses that are accepted and then deferred at every
# attempt (an alias to the domain defer.test, whose transport is retry:4.4.1): with
# POSTFIX_MAIN_EXTRA="delay_warning_time = 1s" Postfix writes a delay report (Action:
# delayed), and with "maximal_queue_lifetime = 8s" a failure report when the time is up.
# POSTFIX_MAIN_EXTRA, set before start_postfix, is appended to main.cf (a later line wins).
# postfix_wait_queue [SECONDS] waits until the queue is empty (every message delivered or
# bounced, the reports too); default 30 s.

POSTFIX_HOSTNAME=mx.noshow.test
POSTFIX_DIR=$T/postfix
POSTFIX_MAIL=$POSTFIX_DIR/mail
POSTFIX_LOG=$POSTFIX_DIR/maillog
POSTFIX_PORT=
mkdir -p "$POSTFIX_DIR" && touch "$POSTFIX_DIR/vmailbox" "$POSTFIX_DIR/valias" ||
	bail_out "postfix-setup.sh: cannot make $POSTFIX_DIR"

postfix_maildir() {
	local a=$1
	echo "$POSTFIX_MAIL/${a#*@}/${a%@*}/"
}

postfix_mailbox() {
	local a
	for a in "$@"; do
		printf '%s %s/%s/\n' "$a" "${a#*@}" "${a%@*}" >>"$POSTFIX_DIR/vmailbox"
	done
	if [ -n "${POSTFIX_PORT:-}" ]; then
		postfix -c "$POSTFIX_DIR" reload >/dev/null 2>&1 ||
			bail_out "postfix_mailbox: postfix reload failed"
	fi
}

# _postfix_alias FUNCTION DOMAIN ADDRESS...: each ADDRESS an alias to its local part at DOMAIN.
_postfix_alias() {
	local f=$1 d=$2 a
	shift 2
	for a in "$@"; do
		printf '%s %s@%s\n' "$a" "${a%@*}" "$d" >>"$POSTFIX_DIR/valias"
	done
	if [ -n "${POSTFIX_PORT:-}" ]; then
		postfix -c "$POSTFIX_DIR" reload >/dev/null 2>&1 || bail_out "$f: postfix reload failed"
	fi
}

postfix_gone() { _postfix_alias postfix_gone bounce.test "$@"; }
postfix_deferred() { _postfix_alias postfix_deferred defer.test "$@"; }

_postfix_stop() {
	local pid _
	pid=$(sed -n 's/ //gp' "$POSTFIX_DIR/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$POSTFIX_DIR" stop >/dev/null 2>&1
	# Postfix's processes are not the shell's children: wait for them before $T goes.
	for _ in $(seq 50); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	postfix -c "$POSTFIX_DIR" abort >/dev/null 2>&1 || true
}

start_postfix() {
	local d _
	[ "$(id -u)" = 0 ] || bail_out "start_postfix: Postfix runs as root (tests run as root)"
	command -v postfix >/dev/null || bail_out "start_postfix: postfix is not installed"
	# Postfix's daemons drop to the postfix user and virtual(8) to nobody: they must be able
	# to reach their directories under $T.
	chmod 755 "$T"
	mkdir -p "$POSTFIX_DIR/queue" "$POSTFIX_DIR/data" "$POSTFIX_MAIL" &&
		chown postfix "$POSTFIX_DIR/data" && chown nobody:nogroup "$POSTFIX_MAIL" ||
		bail_out "start_postfix: cannot make $POSTFIX_DIR"
	printf '%s\n' 'bounce.test error:5.1.1 mailbox unavailable (test)' \
		'defer.test retry:4.4.1 mailbox busy, try again later (test)' >"$POSTFIX_DIR/transport"
	local port
	port=$(free_port)
	cat >"$POSTFIX_DIR/main.cf" <<-CF
	compatibility_level = 3.6
	queue_directory = $POSTFIX_DIR/queue
	data_directory = $POSTFIX_DIR/data
	meta_directory = /etc/postfix
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = $POSTFIX_HOSTNAME
	mydomain = noshow.test
	myorigin = \$myhostname
	mydestination =
	mynetworks = 127.0.0.0/8
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	alias_maps =
	alias_database =
	relayhost =
	relay_domains = bounce.test defer.test
	transport_maps = texthash:$POSTFIX_DIR/transport
	virtual_mailbox_domains = $*
	virtual_mailbox_maps = texthash:$POSTFIX_DIR/vmailbox
	virtual_alias_maps = texthash:$POSTFIX_DIR/valias
	virtual_mailbox_base = $POSTFIX_MAIL
	virtual_uid_maps = static:$(id -u nobody)
	virtual_gid_maps = static:$(id -g nobody)
	maillog_file = $POSTFIX_LOG
	maillog_file_prefixes = $POSTFIX_DIR
	smtpd_banner = \$myhostname ESMTP noshowd test
	# smtpd logs every command and reply of 127.0.0.1 ("< localhost[127.0.0.1]: MAIL FROM:...")
	debug_peer_list = 127.0.0.1
	biff = no
	smtputf8_enable = no
	smtp_dns_support_level = disabled
	delay_warning_time = 0
	queue_run_delay = 1s
	minimal_backoff_time = 1s
	maximal_backoff_time = 2s
	${POSTFIX_MAIN_EXTRA:-}
	CF
	cat >"$POSTFIX_DIR/master.cf" <<-CF
	127.0.0.1:$port inet n - n - - smtpd
	pickup    unix n - n 60 1 pickup
	cleanup   unix n - n - 0 cleanup
	qmgr      unix n - n 300 1 qmgr
	rewrite   unix - - n - - trivial-rewrite
	bounce    unix - - n - 0 bounce
	defer     unix - - n - 0 bounce
	trace     unix - - n - 0 bounce
	verify    unix - - n - 1 verify
	flush     unix n - n 1000? 0 flush
	proxymap  unix - - n - - proxymap
	smtp      unix - - n - - smtp
	showq     unix n - n - - showq
	error     unix - - n - - error
	retry     unix - - n - - error
	discard   unix - - n - - discard
	virtual   unix - n n - - virtual
	anvil     unix - - n - 1 anvil
	scache    unix - - n - 1 scache
	postlog   unix-dgram n - n - 1 postlogd
	CF
	echo "_postfix_stop" >>"$T/.atexit"
	postfix -c "$POSTFIX_DIR" start >"$POSTFIX_DIR/start.log" 2>&1 ||
		bail_out "start_postfix: postfix start failed: $(cat "$POSTFIX_DIR/start.log")"
	for _ in $(seq 100); do
		if "$PYTHON" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
sys.exit(0 if s.recv(512).startswith(b"220") else 1)' "$port" 2>/dev/null; then
			POSTFIX_PORT=$port
			break
		fi
		sleep 0.1
	done
	[ -n "$POSTFIX_PORT" ] || bail_out "start_postfix: no greeting on port $port within 10 s"
	POSTFIX_URL=smtp://127.0.0.1:$POSTFIX_PORT
	export POSTFIX_DIR POSTFIX_PORT POSTFIX_URL POSTFIX_HOSTNAME POSTFIX_LOG POSTFIX_MAIL
}

postfix_wait_queue() {
	local n=$((${1:-30} * 10)) _
	for _ in $(seq "$n"); do
		if [ -z "$(find "$POSTFIX_DIR/queue/incoming" "$POSTFIX_DIR/queue/active" \
			"$POSTFIX_DIR/queue/deferred" "$POSTFIX_DIR/queue/maildrop" -type f \
			2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "# postfix_wait_queue: the queue is not empty after ${1:-30} s" >&2
	return 1
}
