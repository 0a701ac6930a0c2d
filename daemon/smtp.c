/*
 * SMTP with libcurl. One easy handle per session: libcurl keeps the connection open between
 * transfers on the same handle, so the messages of a cycle share one connection, one EHLO,
 * one TLS handshake and one login. libcurl's debug callback shows every command and reply;
 * that is where the dialogue for the evidence log comes from.
 */
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "smtp.h"
#include "smtpdsn.h"
#include "util.h"

#define SMTP_DEFAULT_SECS	60L
#define SMTP_CONNECT_SECS	15L

struct smtp_session {
	char *url;		/* as configured, plus "/HELO-NAME" when a helo name is set */
	char *label;		/* scheme://host[:port] without any user info, for messages */
	int smtps;
	enum starttls_mode starttls;
	int direct;
	char *username, *password, *ca_file;
	long timeout;
	CURL *curl;		/* NULL before the first message and after a failure */
	int connected;		/* curl holds a connection on which a message went through */
	char fingerprint[128];	/* of that connection's server certificate, or "" */
	char address[64];	/* the address it connected to */
	char errbuf[CURL_ERROR_SIZE];
	int dsn;		/* request DSNs where offered */
	int dsn_offered;	/* the connection's EHLO answer offered DSN */
	int raw;		/* the connection is CONNECT_ONLY: smtp_raw_send speaks
				   MAIL, RCPT and DATA on it */
};

/* What the callbacks of one message share. */
struct smtp_xfer {
	const char *data;
	size_t len, pos;
	struct buf dialogue;
	struct buf in, out;	/* a line not yet complete, from the server and to it */
	int in_auth;		/* AUTH was sent: client lines carry credentials until a
				   reply other than 334 */
	int reply_done;		/* the last server line ended a reply */
	int quitting;		/* QUIT was sent: its answer decides nothing */
	char reply[512];	/* the last reply (but to QUIT), lines joined by a space */
	char last_cmd[16];	/* verb of the last command, "." once the message went */
	int replies;		/* complete replies seen (but to QUIT) */
};

static size_t
smtp_read(char *dst, size_t size, size_t nitems, void *arg)
{
	struct smtp_xfer *x = arg;
	size_t n = size * nitems;

	if (x == NULL)
		return 0;
	if (n > x->len - x->pos)
		n = x->len - x->pos;
	memcpy(dst, x->data + x->pos, n);
	x->pos += n;
	return n;
}

/*
 * A command line as sent. AUTH and everything the client sends until the exchange ends
 * carry credentials (an initial response, the base64 user name and password of LOGIN, a
 * CRAM-MD5 digest), so none of it is kept, not even the mechanism's arguments.
 */
static void
smtp_line_out(struct smtp_xfer *x, const char *line, size_t n)
{
	size_t i;

	if (n >= 4 && strncasecmp(line, "AUTH", 4) == 0 && (n == 4 || line[4] == ' ')) {
		buf_addstr(&x->dialogue, "C: AUTH <redacted>\r\n");
		x->in_auth = 1;
		snprintf(x->last_cmd, sizeof x->last_cmd, "AUTH");
		return;
	}
	if (x->in_auth) {
		buf_addstr(&x->dialogue, "C: <redacted>\r\n");
		return;
	}
	buf_addstr(&x->dialogue, "C: ");
	buf_add(&x->dialogue, line, n);
	buf_addstr(&x->dialogue, "\r\n");
	if (n == 4 && strncasecmp(line, "QUIT", 4) == 0) {
		x->quitting = 1;
		return;
	}
	for (i = 0; i < n && i < sizeof x->last_cmd - 1 && line[i] != ' ' && line[i] != ':'; i++)
		x->last_cmd[i] = (char)(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
	x->last_cmd[i] = '\0';
}

static void
smtp_line_in(struct smtp_xfer *x, const char *line, size_t n)
{
	size_t used, i;
	int code = 0;

	if (n >= 3 && line[0] >= '0' && line[0] <= '9' && line[1] >= '0' && line[1] <= '9' &&
	    line[2] >= '0' && line[2] <= '9')
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (x->in_auth && code != 334)
		x->in_auth = 0;
	buf_addstr(&x->dialogue, "S: ");
	buf_add(&x->dialogue, line, n);
	buf_addstr(&x->dialogue, "\r\n");
	if (x->quitting)
		return;

	if (x->reply_done)
		x->reply[0] = '\0';
	used = strlen(x->reply);
	if (used > 0 && used < sizeof x->reply - 1)
		x->reply[used++] = ' ';
	/* The reply goes into one-line error messages: no control characters. */
	for (i = 0; i < n && used < sizeof x->reply - 1; i++)
		x->reply[used++] = (unsigned char)line[i] < ' ' || line[i] == 0x7f ? '?' : line[i];
	x->reply[used] = '\0';
	x->reply_done = n < 4 || line[3] != '-';
	if (x->reply_done)
		x->replies++;

	/* The message itself is stored by the caller; the dialogue only says it went here. */
	if (x->reply_done && code == 354) {
		buf_printf(&x->dialogue, "C: <message data, %zu bytes>\r\n", x->len);
		snprintf(x->last_cmd, sizeof x->last_cmd, ".");
	}
}

/* Cut what libcurl reports into lines; a line may in principle come in pieces. */
static void
smtp_feed(struct smtp_xfer *x, struct buf *pending, const char *p, size_t n, int out)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl != NULL ? (size_t)(nl - p) : n;

		buf_add(pending, p, k);
		if (nl == NULL)
			return;
		p += k + 1;
		n -= k + 1;
		if (pending->len > 0 && pending->data[pending->len - 1] == '\r')
			pending->len--;
		if (out)
			smtp_line_out(x, pending->data, pending->len);
		else
			smtp_line_in(x, pending->data, pending->len);
		pending->len = 0;
		pending->data[0] = '\0';
	}
}

static void
smtp_flush(struct smtp_xfer *x)
{
	if (x->out.len > 0)
		smtp_feed(x, &x->out, "\n", 1, 1);
	if (x->in.len > 0)
		smtp_feed(x, &x->in, "\n", 1, 0);
}

static int
smtp_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct smtp_xfer *x = arg;

	(void)h;
	if (x == NULL)
		return 0;
	if (type == CURLINFO_HEADER_OUT)
		smtp_feed(x, &x->out, p, n, 1);
	else if (type == CURLINFO_HEADER_IN)
		smtp_feed(x, &x->in, p, n, 0);
	return 0;
}

/*
 * libcurl reports the server's chain as text, the PEM of each certificate among it; the
 * first is the server's own. Its SHA-256 over the DER is what `openssl x509 -fingerprint
 * -sha256` prints, so anyone can check the evidence against the certificate.
 */
static void
smtp_leaf_fingerprint(CURL *h, char out[128])
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *l;

	out[0] = '\0';
	if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs < 1)
		return;
	for (l = ci->certinfo[0]; l != NULL; l = l->next) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0, i;
		X509 *cert = NULL;
		BIO *bio;
		char *o;

		if (strncmp(l->data, "Cert:", 5) != 0)
			continue;
		if ((bio = BIO_new_mem_buf(l->data + 5, -1)) != NULL)
			cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (cert != NULL && X509_digest(cert, EVP_sha256(), md, &mdlen) && mdlen == 32) {
			o = out + sprintf(out, "sha256:");
			for (i = 0; i < mdlen; i++)
				o += sprintf(o, i == 0 ? "%02X" : ":%02X", md[i]);
		}
		X509_free(cert);
		BIO_free(bio);
		return;
	}
}

static CURL *
smtp_handle(struct smtp_session *s)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	/* VERBOSE is what makes libcurl call the debug function; nothing goes to stderr. */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout);
	/*
	 * CURLOPT_TIMEOUT does not cover the QUIT that libcurl sends when it closes a cached
	 * connection; this does (its default is 120 s).
	 */
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, s->timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    s->timeout < SMTP_CONNECT_SECS ? s->timeout : SMTP_CONNECT_SECS);
	/*
	 * An MX is found by a DNS answer that nothing authenticates, and most MXes have
	 * certificates that do not name them: checking would only drop to plain text or
	 * defer for ever. Encryption still stops a passive listener, and the recorded
	 * fingerprint says which certificate was seen (RFC 7435, opportunistic security).
	 */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->direct ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->direct ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	if (!s->smtps)
		curl_easy_setopt(h, CURLOPT_USE_SSL,
		    s->starttls == STARTTLS_REQUIRED ? (long)CURLUSESSL_ALL :
		    s->starttls == STARTTLS_OPPORTUNISTIC ? (long)CURLUSESSL_TRY :
		    (long)CURLUSESSL_NONE);
	if (s->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
	if (s->username != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->password != NULL ? s->password : "");
	}
	return h;
}

/*
 * Close the connection and forget it. libcurl says QUIT to a connection it still holds and
 * waits for the answer; after a failure that connection may be stuck (a server that never
 * answered the end of DATA stays in libcurl's cache after the timeout), so abort then shuts
 * the socket down first and the QUIT fails at once.
 */
static void
smtp_reset(struct smtp_session *s, int abort)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (s->curl != NULL) {
		if (abort && curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
		    fd != CURL_SOCKET_BAD)
			shutdown(fd, SHUT_RDWR);
		curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 0L);
		curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, NULL);
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
	}
	s->connected = 0;
	s->fingerprint[0] = '\0';
	s->address[0] = '\0';
}

/* "smtp://host:port" out of the url: the part that may appear in a message or a log. */
static char *
smtp_label(const char *url)
{
	const char *p = strstr(url, "://");
	const char *host, *end, *at;

	if (p == NULL)
		return xstrdup(url);
	host = p + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL)
		host = at + 1;
	return xasprintf("%.*s%.*s", (int)(p + 3 - url), url, (int)(end - host), host);
}

struct smtp_session *
smtp_open(const struct smtp_options *o)
{
	struct smtp_session *s = xcalloc(1, sizeof *s);

	if (o->helo != NULL && o->helo[0] != '\0') {
		const char *p = strstr(o->url, "://");
		const char *end = p != NULL ? p + 3 + strcspn(p + 3, "/?#") : o->url + strlen(o->url);
		char *esc = curl_easy_escape(NULL, o->helo, 0);

		/* libcurl greets with the url's path; without one, with the local host name. */
		s->url = xasprintf("%.*s/%s", (int)(end - o->url), o->url, esc != NULL ? esc : "");
		curl_free(esc);
	} else
		s->url = xstrdup(o->url);
	s->label = smtp_label(o->url);
	s->smtps = strncasecmp(o->url, "smtps://", 8) == 0;
	s->starttls = o->starttls;
	s->direct = o->direct;
	s->username = o->username != NULL ? xstrdup(o->username) : NULL;
	s->password = o->password != NULL ? xstrdup(o->password) : NULL;
	s->ca_file = o->ca_file != NULL ? xstrdup(o->ca_file) : NULL;
	s->timeout = o->timeout > 0 ? o->timeout : SMTP_DEFAULT_SECS;
	s->dsn = o->dsn;
	return s;
}

/* An address goes between < and > in a command line: nothing may end or break out of it. */
static int
smtp_address_ok(const char *a, int may_be_empty)
{
	if (a == NULL || (a[0] == '\0' && !may_be_empty))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static const char *
smtp_stage(const struct smtp_xfer *x)
{
	if (x->last_cmd[0] == '\0')
		return "the greeting";
	if (strcmp(x->last_cmd, ".") == 0)
		return "the message";
	if (strcmp(x->last_cmd, "MAIL") == 0)
		return "the sender (MAIL FROM)";
	if (strcmp(x->last_cmd, "RCPT") == 0)
		return "the recipient (RCPT TO)";
	return x->last_cmd;
}

static int
smtp_connection_lost(CURLcode rc)
{
	return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_WEIRD_SERVER_REPLY;
}

/* Decide the outcome of a failed transfer and say in r->err what failed and what to do. */
static enum smtp_outcome
smtp_failure(struct smtp_session *s, CURLcode rc, const struct smtp_xfer *x,
    struct smtp_report *r)
{
	const char *why = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);
	const char *stage = smtp_stage(x);
	int code = x->reply_done ? r->code : 0;

	switch (rc) {
	case CURLE_LOGIN_DENIED:
		errf(r->err, "%s: authentication failed (check mail.username and the password "
		    "file): %s", s->label, x->reply);
		return SMTP_TEMPFAIL;
	case CURLE_PEER_FAILED_VERIFICATION:
		if (s->ca_file != NULL)
			errf(r->err, "%s: tls certificate not accepted: %s (is mail.ca_file \"%s\" "
			    "the CA that issued the server's certificate, for this host name?)",
			    s->label, why, s->ca_file);
		else
			errf(r->err, "%s: tls certificate not accepted: %s (set mail.ca_file to "
			    "the CA that issued the server's certificate, or give the server a "
			    "certificate for this host name from a public CA)", s->label, why);
		return SMTP_TEMPFAIL;
	case CURLE_SSL_CACERT_BADFILE:
		errf(r->err, "%s: cannot use mail.ca_file \"%s\" as a CA certificate: %s",
		    s->label, s->ca_file != NULL ? s->ca_file : "", why);
		return SMTP_TEMPFAIL;
	case CURLE_USE_SSL_FAILED:
		errf(r->err, "%s does not offer STARTTLS and mail.starttls is \"required\" "
		    "(enable STARTTLS on the server, or use an smtps:// url)", s->label);
		return SMTP_TEMPFAIL;
	case CURLE_OPERATION_TIMEDOUT:
		errf(r->err, "%s: timed out after %ld s waiting for the answer to %s", s->label,
		    s->timeout, stage);
		return SMTP_TEMPFAIL;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		errf(r->err, "cannot connect to %s: %s%s", s->label, why, s->direct ? "" :
		    " (check mail.url and that the server runs)");
		return SMTP_TEMPFAIL;
	case CURLE_SSL_CONNECT_ERROR:
		errf(r->err, "%s: tls handshake failed: %s", s->label, why);
		return SMTP_TEMPFAIL;
	default:
		break;
	}

	if (code >= 500 && code < 600) {
		/*
		 * Only a refusal of the recipient or of the message is the message's own. The
		 * sender, the greeting, EHLO or STARTTLS refused would refuse every message:
		 * that is the configuration's problem, and the message must survive its fix.
		 * 552 and 555 to MAIL FROM are about this message's size and parameters.
		 */
		if (strcmp(x->last_cmd, "RCPT") == 0 || strcmp(x->last_cmd, "DATA") == 0 ||
		    strcmp(x->last_cmd, ".") == 0 ||
		    (strcmp(x->last_cmd, "MAIL") == 0 && (code == 552 || code == 555))) {
			errf(r->err, "%s refused %s: %s", s->label, stage, x->reply);
			return SMTP_PERMFAIL;
		}
		errf(r->err, "%s refused %s: %s (check mail.from%s against what the server "
		    "wants)", s->label, stage, x->reply, s->direct ? ", its domain's SPF record "
		    "and this host's reverse DNS" : ", mail.username and mail.starttls");
		return SMTP_TEMPFAIL;
	}
	if (code >= 400 && code < 500) {
		errf(r->err, "%s deferred %s: %s", s->label, stage, x->reply);
		return SMTP_TEMPFAIL;
	}
	if (smtp_connection_lost(rc))
		errf(r->err, "%s: connection lost waiting for the answer to %s (%s)", s->label,
		    stage, why);
	else
		errf(r->err, "%s: sending failed at %s: %s", s->label, stage, why);
	return SMTP_TEMPFAIL;
}

/*
 * One try at one message on the session's handle. Says in *reused whether it went over the
 * connection of an earlier message; its dialogue, reply and stage are left in x.
 */
static CURLcode
smtp_try(struct smtp_session *s, const char *from_arg, struct curl_slist *rcpts,
    struct smtp_xfer *x, int *reused)
{
	int had_conn = s->connected;
	long nconn = 0;
	CURLcode rc;

	s->errbuf[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from_arg);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, x);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, x);
	rc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, NULL);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, NULL);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	smtp_flush(x);

	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &nconn);
	/*
	 * No new connection and not a word exchanged: libcurl found the old connection dead
	 * and could not open another, so nothing was reused.
	 */
	*reused = had_conn && nconn == 0 && x->dialogue.len > 0;
	/* A reused connection reports no certificate: keep the one it was opened with. */
	if (nconn > 0)
		smtp_leaf_fingerprint(s->curl, s->fingerprint);
	else if (!*reused)
		s->fingerprint[0] = '\0';
	/* The address tried last, also when the connection failed. */
	if (!*reused) {
		char *ip = NULL;

		if (curl_easy_getinfo(s->curl, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || ip == NULL)
			ip = "";
		snprintf(s->address, sizeof(s->address), "%s", ip);
	}
	if (rc == CURLE_OK)
		s->connected = 1;
	return rc;
}

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
static CURLcode
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

static void
smtp_xfer_init(struct smtp_xfer *x, const char *data, size_t len)
{
	memset(x, 0, sizeof *x);
	x->data = data;
	x->len = len;
	x->reply_done = 1;
	buf_init(&x->dialogue);
	buf_init(&x->in);
	buf_init(&x->out);
}

static void
smtp_xfer_release(struct smtp_xfer *x)
{
	buf_release(&x->dialogue);
	buf_release(&x->in);
	buf_release(&x->out);
}

enum smtp_outcome
smtp_send(struct smtp_session *s, const char *env_from, const char *rcpt,
    const char *envid, const char *data, size_t len, struct smtp_report *r)
{
	struct smtp_xfer x;
	struct curl_slist *rcpts;
	struct buf dialogue;
	char *from_arg, *rcpt_arg;
	CURLcode rc = CURLE_OK;
	int reused;

	memset(r, 0, sizeof *r);
	if (!smtp_address_ok(env_from, 1) || !smtp_address_ok(rcpt, 0)) {
		r->dialogue = xstrdup("");
		r->outcome = SMTP_PERMFAIL;
		errf(r->err, "cannot send to \"%s\" from \"%s\": an address with spaces, control "
		    "characters or angle brackets", rcpt != NULL ? rcpt : "",
		    env_from != NULL ? env_from : "");
		for (char *p = r->err; *p != '\0'; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = '?';
		return r->outcome;
	}

	from_arg = xasprintf("<%s>", env_from);
	rcpt_arg = xasprintf("<%s>", rcpt);
	rcpts = curl_slist_append(NULL, rcpt_arg);
	buf_init(&dialogue);
	buf_add(&dialogue, "", 0);
	smtp_xfer_init(&x, data, len);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0) {
			smtp_xfer_release(&x);
			smtp_xfer_init(&x, data, len);
			free(r->dsn);
			r->dsn = NULL;
		}
		if (s->curl == NULL)
			s->curl = smtp_handle(s);
		if (s->curl == NULL || rcpts == NULL) {
			rc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (s->dsn)
			rc = smtp_try_dsn(s, env_from, rcpt, envid, &x, &reused, &r->dsn);
		else
			rc = smtp_try(s, from_arg, rcpts, &x, &reused);
		if (reused)
			buf_addstr(&dialogue, "(connection reused)\r\n");
		if (x.dialogue.len > 0)
			buf_add(&dialogue, x.dialogue.data, x.dialogue.len);
		/*
		 * A connection that died while it sat in libcurl's cache (a server's idle
		 * timeout; over TLS libcurl takes the server's close_notify for a sign of life)
		 * fails before the server said a word about this message, so it cannot have
		 * been accepted: try once more, on a new connection.
		 */
		if (rc == CURLE_OK || !reused || x.reply[0] != '\0' || !smtp_connection_lost(rc))
			break;
		buf_addstr(&dialogue, "(connection lost before an answer; "
		    "trying a new connection)\r\n");
		smtp_reset(s, 1);
	}
	curl_slist_free_all(rcpts);
	free(from_arg);
	free(rcpt_arg);

	snprintf(r->tls_fingerprint, sizeof r->tls_fingerprint, "%s", s->fingerprint);
	snprintf(r->address, sizeof r->address, "%s", s->address);
	snprintf(r->server, sizeof r->server, "%s", s->label);
	/*
	 * Not CURLINFO_RESPONSE_CODE: libcurl 7.88 does not update it for every reply (after a
	 * 535 to AUTH it still says 334).
	 */
	if (x.reply[0] >= '1' && x.reply[0] <= '5')
		r->code = atoi(x.reply);
	snprintf(r->reply, sizeof r->reply, "%s", x.reply);
	r->dialogue = buf_detach(&dialogue);

	if (rc == CURLE_OK) {
		r->outcome = SMTP_SENT;
	} else if (rc == CURLE_OUT_OF_MEMORY && s->curl == NULL) {
		r->outcome = SMTP_TEMPFAIL;
		errf(r->err, "%s: libcurl could not make a handle (out of memory?)", s->label);
	} else {
		r->outcome = smtp_failure(s, rc, &x, r);
		log_debug("smtp: %s; closing the connection", r->err);
		smtp_reset(s, 1);
	}
	smtp_xfer_release(&x);
	return r->outcome;
}

void
smtp_report_release(struct smtp_report *r)
{
	free(r->dialogue);
	r->dialogue = NULL;
	free(r->dsn);
	r->dsn = NULL;
}

void
smtp_close(struct smtp_session *s)
{
	if (s == NULL)
		return;
	/* libcurl says QUIT to the connections it uses itself, not to a CONNECT_ONLY one. */
	if (s->curl != NULL && s->connected && s->raw) {
		struct smtp_xfer x;
		time_t deadline = time(NULL) + (s->timeout < 10 ? s->timeout : 10);

		smtp_xfer_init(&x, NULL, 0);
		if (smtp_raw_write(s, "QUIT\r\n", 6, deadline) == CURLE_OK)
			(void)smtp_raw_reply(s, &x, deadline);
		smtp_xfer_release(&x);
	}
	smtp_reset(s, 0);
	free(s->url);
	free(s->label);
	free(s->username);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->ca_file);
	free(s);
}
