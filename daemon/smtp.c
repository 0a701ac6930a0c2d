/*
 * SMTP with libcurl. One easy handle per session: libcurl keeps the connection open between
 * transfers on the same handle, so the messages of a cycle share one connection, one EHLO,
 * one TLS handshake and one login. libcurl's debug callback shows every command and reply;
 * that is where the dialogue for the evidence log comes from (smtpdialogue.c). Where a DSN
 * request needs parameters libcurl cannot send, smtpraw.c speaks the transaction itself.
 */
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "smtp.h"
#include "smtpint.h"
#include "util.h"

#define SMTP_DEFAULT_SECS	60L
#define SMTP_CONNECT_SECS	15L

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
 * libcurl reports the server's chain as text, the PEM of each certificate among it; the
 * first is the server's own. Its SHA-256 over the DER is what `openssl x509 -fingerprint
 * -sha256` prints, so anyone can check the evidence against the certificate.
 */
void
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
void
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

int
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
CURLcode
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
	smtp_raw_quit(s);
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
