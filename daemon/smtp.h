/*
 * Sending over SMTP with libcurl: smtp:// with STARTTLS required, opportunistic or off, or
 * smtps://; certificates verified (optionally against a private CA file); AUTH with a
 * password the caller read from a file. One connection is reused for every message of a
 * session (a cycle). The whole dialogue is kept for the evidence log, with AUTH lines
 * redacted, and the server's final reply and certificate fingerprint are reported.
 */
#ifndef NOSHOWD_SMTP_H
#define NOSHOWD_SMTP_H

#include <stddef.h>

#include "config.h"

struct smtp_options {
	const char *url;		/* smtp://host[:port] or smtps://host[:port] */
	enum starttls_mode starttls;	/* ignored for smtps:// (TLS from the start) */
	const char *username;		/* NULL: no AUTH */
	const char *password;		/* the secret itself; never logged or stored (the session
					   holds a copy in memory to reconnect) */
	const char *ca_file;		/* NULL: the system's CA store */
	const char *helo;		/* name to greet with; NULL: libcurl's default */
	long timeout;			/* seconds for one message (connect included) */
	int direct;			/* the recipient's own MX (direct delivery): STARTTLS
					   when offered (starttls should be opportunistic), the
					   certificate recorded but not verified, as Postfix's
					   "may" level; errors name no relay setting */
	int dsn;			/* request delivery status notifications (RFC 3461)
					   where the server offers them (mail.dsn) */
};

enum smtp_outcome {
	SMTP_SENT,	/* the server answered 250 to the end of DATA */
	SMTP_TEMPFAIL,	/* 4xx, connection lost, timeout, TLS trouble: try again later */
	SMTP_PERMFAIL,	/* 5xx: the server refuses; retrying will not help */
};

struct smtp_report {
	enum smtp_outcome outcome;
	int code;		/* the last reply code (0 if none) */
	char reply[512];	/* the last reply, e.g. "250 2.0.0 Ok: queued as 4F2A1"; the
				   lines of a multi-line reply joined by a space */
	char *dialogue;		/* every command and reply of this message's transaction as
				   "C: ..." and "S: ..." lines, each ending in CRLF; the message
				   itself is one line "C: <message data, N bytes>"; AUTH lines
				   are "C: AUTH <redacted>" and "C: <redacted>"; the first line
				   is "(connection reused)" when the connection was opened for an
				   earlier message (its EHLO, STARTTLS and AUTH are in that
				   message's dialogue); freed by smtp_report_release */
	char tls_fingerprint[128];	/* "sha256:AB:CD:..." (32 bytes, 102 characters) of the
					   server's leaf certificate, or "" without TLS; on a
					   reused connection the one seen when it was opened */
	char server[320];	/* "smtp://host:port" of the server that answered */
	char address[64];	/* the server's IP address connected to, or "" */
	char err[512];		/* for TEMPFAIL/PERMFAIL: one line saying what failed */
	char *dsn;		/* the DSN parameters requested, "RET=HDRS ENVID=...
				   NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;...", or NULL when
				   none were (dsn off, or the server does not offer DSN: the
				   dialogue then says so); freed by smtp_report_release */
};

struct smtp_session;

/*
 * A session that connects on the first message and keeps the connection open. The strings
 * of o are copied (the password too, wiped on smtp_close). Call curl_global_init (the
 * daemon's fetch_global_init) before.
 */
struct smtp_session *smtp_open(const struct smtp_options *o);
/*
 * Send one message (data = the exact bytes, CRLF line ends) to one recipient and fill r
 * (always, whatever the outcome; release it with smtp_report_release). A 5xx answer to RCPT
 * TO or to the message is SMTP_PERMFAIL, and so is an address with characters that cannot go
 * into an SMTP command. Everything that is not the message's fault is SMTP_TEMPFAIL, even
 * when it will not go away by itself: a refused login (535), an untrusted certificate,
 * STARTTLS required but not offered, a 5xx to the greeting, EHLO or MAIL FROM (but 552/555
 * to MAIL FROM, the message's size or parameters, are PERMFAIL); r->err then names the
 * setting to fix. After any failure the connection is dropped and the next call opens a
 * new one. envid is the message's Message-ID with its angle brackets: with o->dsn it is the
 * ENVID of the request (NULL: none), so that a report can be linked back to the message.
 */
enum smtp_outcome smtp_send(struct smtp_session *s, const char *env_from, const char *rcpt,
    const char *envid, const char *data, size_t len, struct smtp_report *r);
void smtp_report_release(struct smtp_report *r);
/* QUIT and free. */
void smtp_close(struct smtp_session *s);

#endif
