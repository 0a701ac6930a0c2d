/*
 * MAIL, RCPT and DATA spoken by noshowd itself, for DSN requests where libcurl cannot carry
 * them. The connection is libcurl's (TLS, EHLO, STARTTLS, AUTH), its dialogue kept the
 * same way (smtpdialogue.c); only the transaction's commands go over curl_easy_send and
 * curl_easy_recv. libcurl sends with MSG_NOSIGNAL, so a server that goes away mid-DATA is
 * a send error here, not a SIGPIPE.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdsn.h"
#include "smtpint.h"

/*
 * DSN requests. libcurl before 8.16 cannot send a RCPT TO with parameters (it appends a
 * '>' to them; smtpdsn_curl_arg), so where it cannot carry the commands, libcurl opens the
 * connection (TLS, EHLO, STARTTLS, AUTH: CURLOPT_CONNECT_ONLY, its dialogue kept by the
 * debug callback as always) and the functions below speak MAIL, RCPT and DATA on it,
 * keeping their lines in the same dialogue. The connection stays open for the next message.
 */

/* Wait until the connection can be written (out) or read, or the deadline passes. */
static CURLcode
smtp_raw_wait(struct smtp_session *s, int out, time_t deadline)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct pollfd p;
	time_t left = deadline - time(NULL);
	int n;

	if (curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD)
		return CURLE_GOT_NOTHING;
	if (left <= 0)
		return CURLE_OPERATION_TIMEDOUT;
	p.fd = fd;
	p.events = out ? POLLOUT : POLLIN;
	p.revents = 0;
	n = poll(&p, 1, (int)(left > 3600 ? 3600000 : left * 1000));
	return n == 0 ? CURLE_OPERATION_TIMEDOUT : CURLE_OK;
}

static CURLcode
smtp_raw_write(struct smtp_session *s, const char *p, size_t n, time_t deadline)
{
	while (n > 0) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(s->curl, p, n, &sent);

		if (rc == CURLE_AGAIN)
			rc = smtp_raw_wait(s, 1, deadline);
		if (rc != CURLE_OK)
			return rc;
		p += sent;
		n -= sent;
	}
	return CURLE_OK;
}

/* Read the next complete reply into x (its lines into the dialogue, its text into reply). */
static CURLcode
smtp_raw_reply(struct smtp_session *s, struct smtp_xfer *x, time_t deadline)
{
	int want = x->replies + 1;
	char chunk[4096];

	while (x->replies < want) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(s->curl, chunk, sizeof chunk, &got);

		if (rc == CURLE_AGAIN)
			rc = smtp_raw_wait(s, 0, deadline);
		else if (rc == CURLE_OK && got == 0)
			rc = CURLE_GOT_NOTHING;		/* the server closed the connection */
		else if (rc == CURLE_OK)
			smtp_feed(x, &x->in, chunk, got, 0);
		if (rc != CURLE_OK)
			return rc;
	}
	return CURLE_OK;
}

/* Send one command and read its reply; a reply not in the class wanted is a failure. */
static CURLcode
smtp_raw_command(struct smtp_session *s, struct smtp_xfer *x, const char *line, int want,
    time_t deadline)
{
	char *wire = xasprintf("%s\r\n", line);
	CURLcode rc;

	smtp_line_out(x, line, strlen(line));
	rc = smtp_raw_write(s, wire, strlen(wire), deadline);
	free(wire);
	if (rc == CURLE_OK)
		rc = smtp_raw_reply(s, x, deadline);
	if (rc == CURLE_OK && x->reply[0] != want)
		rc = CURLE_WEIRD_SERVER_REPLY;
	return rc;
}

/* The message with every line that starts with a dot doubled, and the final dot. */
static void
smtp_raw_stuff(struct buf *b, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '.' && (i == 0 || data[i - 1] == '\n'))
			buf_addch(b, '.');
		buf_addch(b, data[i]);
	}
	if (len == 0 || data[len - 1] != '\n')
		buf_addstr(b, "\r\n");
	buf_addstr(b, ".\r\n");
}

/* One transaction, "MAIL FROM:" from_arg and "RCPT TO:" rcpt_arg, on the raw connection. */
static CURLcode
smtp_raw_send(struct smtp_session *s, const char *from_arg, const char *rcpt_arg,
    struct smtp_xfer *x)
{
	time_t deadline = time(NULL) + s->timeout;
	char *line = xasprintf("MAIL FROM:%s", from_arg);
	CURLcode rc = smtp_raw_command(s, x, line, '2', deadline);
	struct buf b;

	free(line);
	if (rc == CURLE_OK) {
		line = xasprintf("RCPT TO:%s", rcpt_arg);
		rc = smtp_raw_command(s, x, line, '2', deadline);
		free(line);
	}
	if (rc == CURLE_OK)
		rc = smtp_raw_command(s, x, "DATA", '3', deadline);
	if (rc != CURLE_OK)
		return rc;
	buf_init(&b);
	smtp_raw_stuff(&b, x->data, x->len);
	rc = smtp_raw_write(s, b.data, b.len, deadline);
	buf_release(&b);
	if (rc == CURLE_OK)
		rc = smtp_raw_reply(s, x, deadline);
	if (rc == CURLE_OK && x->reply[0] != '2')
		rc = CURLE_WEIRD_SERVER_REPLY;
	return rc;
}

static size_t
smtp_discard(char *p, size_t size, size_t nitems, void *arg)
{
	(void)p, (void)arg;
	return size * nitems;
}

/*
 * Open a connection without sending a message, to read its EHLO answer first: raw, with
 * CONNECT_ONLY; else with a NOOP, a transfer without recipients or upload.
 */
static CURLcode
smtp_dsn_open(struct smtp_session *s, struct smtp_xfer *x, int raw)
{
	CURLcode rc;

	s->errbuf[0] = '\0';
	if (raw) {
		curl_easy_setopt(s->curl, CURLOPT_CONNECT_ONLY, 1L);
	} else {
		curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 0L);
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, "NOOP");
		curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, smtp_discard);
	}
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, x);
	rc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, NULL);
	if (!raw) {
		curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	}
	smtp_flush(x);
	if (rc != CURLE_OK)
		return rc;
	s->connected = 1;
	s->raw = raw;
	s->dsn_offered = smtpdsn_offered(x->dialogue.data);
	smtp_leaf_fingerprint(s->curl, s->fingerprint);
	return CURLE_OK;
}

/*
 * One try at one message with DSN requested where the server offers it. A new connection
 * is opened first (smtp_dsn_open): the EHLO answer must be known before MAIL FROM, and a
 * reused connection has no new one, so what it offered is kept with it. *requested gets
 * the parameters sent, or stays NULL when the server offers no DSN.
 */
CURLcode
smtp_try_dsn(struct smtp_session *s, const char *from, const char *rcpt, const char *envid,
    struct smtp_xfer *x, int *reused, char **requested)
{
	unsigned long v = curl_version_info(CURLVERSION_NOW)->version_num;
	char *mp = smtpdsn_mail_params(envid), *rp = smtpdsn_rcpt_params(rcpt);
	char *mail = xasprintf("<%s> %s", from, mp), *to = xasprintf("<%s> %s", rcpt, rp);
	char *cmail = smtpdsn_curl_arg(v, mail), *cto = smtpdsn_curl_arg(v, to);
	char *plain_from = xasprintf("<%s>", from), *plain_to = xasprintf("<%s>", rcpt);
	int raw = cmail == NULL || cto == NULL, opened = 0;
	CURLcode rc = CURLE_OK;

	*reused = 0;
	if (s->connected && s->raw != raw)
		smtp_reset(s, 0);
	if (!s->connected) {
		if ((rc = smtp_dsn_open(s, x, raw)) != CURLE_OK)
			goto out;
		opened = 1;
	}
	if (s->dsn_offered)
		*requested = xasprintf("%s %s", mp, rp);
	else
		buf_addstr(&x->dialogue, "(the server does not offer DSN: none requested)\r\n");
	if (raw) {
		*reused = !opened;
		curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, NULL);
		rc = smtp_raw_send(s, s->dsn_offered ? mail : plain_from,
		    s->dsn_offered ? to : plain_to, x);
		smtp_flush(x);
	} else {
		struct curl_slist *l = curl_slist_append(NULL, s->dsn_offered ? cto : plain_to);

		rc = l == NULL ? CURLE_OUT_OF_MEMORY :
		    smtp_try(s, s->dsn_offered ? cmail : plain_from, l, x, reused);
		curl_slist_free_all(l);
		if (opened)
			*reused = 0;
	}
out:
	free(mp), free(rp), free(mail), free(to), free(cmail), free(cto);
	free(plain_from), free(plain_to);
	return rc;
}

/* libcurl says QUIT to the connections it uses itself, not to a CONNECT_ONLY one. */
void
smtp_raw_quit(struct smtp_session *s)
{
	struct smtp_xfer x;
	time_t deadline = time(NULL) + (s->timeout < 10 ? s->timeout : 10);

	if (s->curl == NULL || !s->connected || !s->raw)
		return;
	smtp_xfer_init(&x, NULL, 0);
	if (smtp_raw_write(s, "QUIT\r\n", 6, deadline) == CURLE_OK)
		(void)smtp_raw_reply(s, &x, deadline);
	smtp_xfer_release(&x);
}
