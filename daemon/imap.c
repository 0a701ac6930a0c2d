#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap.h"

/* The largest literal read: a report returns at most the message it is about. */
#define IMAP_LITERAL_MAX ((size_t)64 << 20)

struct imap_session {
	CURL *curl;
	curl_socket_t sock;
	long timeout;
	unsigned tag;
	int readonly;			/* SELECT answered [READ-ONLY] */
	char *permanentflags;		/* SELECT's PERMANENTFLAGS list, without the
					   parentheses; NULL when it named none */
	char status[128];		/* the last tagged answer, after the tag */
	struct buf in;			/* received, not yet read from `off` */
	size_t off;
	char mailbox[256];
};

/* One untagged response: its text with each literal replaced by "{}", and the last literal. */
struct imap_resp {
	struct buf text;
	char *lit;
	size_t litlen;
};

const char *
imap_mailbox(const struct imap_session *s)
{
	return s->mailbox;
}

char *
imap_url_public(const char *url)
{
	CURLU *u = curl_url();
	char *out = NULL, *r;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
		r = xstrdup(out);
		curl_free(out);
	} else {
		r = xstrdup("(an IMAP URL that cannot be read)");
	}
	curl_url_cleanup(u);
	return r;
}

/* The mailbox of the URL's path, percent-decoded; INBOX when it names none. */
static int
imap_url_mailbox(const char *url, char out[256], char err[ERR_MAX])
{
	CURLU *u = curl_url();
	char *path = NULL;
	size_t n;
	int rc = 0;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		curl_url_cleanup(u);
		return errf(err, "mail.bounces.url is not a URL");
	}
	n = strcspn(path[0] == '/' ? path + 1 : path, ";");
	if (n == 0)
		snprintf(out, 256, "INBOX");
	else if (n >= 256)
		rc = errf(err, "mail.bounces.url: the mailbox name is too long");
	else
		snprintf(out, 256, "%.*s", (int)n, path[0] == '/' ? path + 1 : path);
	for (const unsigned char *p = (const unsigned char *)out; rc == 0 && *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			rc = errf(err, "mail.bounces.url: the mailbox name \"%s\" is not plain "
			    "ASCII (name the folder as the server lists it)", out);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

/* Wait until the socket is ready for events; 0, or -1 with err on a timeout. */
static int
imap_wait(struct imap_session *s, short events, char err[ERR_MAX])
{
	struct pollfd p = { .fd = (int)s->sock, .events = events };
	int n;

	while ((n = poll(&p, 1, (int)(s->timeout * 1000))) < 0 && errno == EINTR)
		;
	if (n == 0)
		return errf(err, "the IMAP server did not answer within %ld s", s->timeout);
	if (n < 0)
		return errf(err, "poll: %s", strerror(errno));
	return 0;
}

static int
imap_send(struct imap_session *s, const char *data, size_t len, char err[ERR_MAX])
{
	while (len > 0) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(s->curl, data, len, &sent);

		if (rc == CURLE_AGAIN) {
			if (imap_wait(s, POLLOUT, err) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return errf(err, "cannot write to the IMAP server: %s",
			    curl_easy_strerror(rc));
		data += sent;
		len -= sent;
	}
	return 0;
}

/* Receive more bytes into s->in. */
static int
imap_fill(struct imap_session *s, char err[ERR_MAX])
{
	char tmp[16384];

	for (;;) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(s->curl, tmp, sizeof(tmp), &n);

		if (rc == CURLE_AGAIN) {
			if (imap_wait(s, POLLIN, err) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return errf(err, "cannot read from the IMAP server: %s",
			    curl_easy_strerror(rc));
		if (n == 0)
			return errf(err, "the IMAP server closed the connection");
		if (s->off > 0) {
			memmove(s->in.data, s->in.data + s->off, s->in.len - s->off);
			s->in.len -= s->off;
			s->off = 0;
		}
		buf_add(&s->in, tmp, n);
		return 0;
	}
}

/* The next n bytes (n = 0: up to and without the next CRLF) as a fresh string. */
static char *
imap_take(struct imap_session *s, size_t n, size_t *len, char err[ERR_MAX])
{
	char *r;

	for (;;) {
		size_t have = s->in.len - s->off;
		const char *p = s->in.data ? s->in.data + s->off : NULL;

		if (n > 0 && have >= n) {
			r = xstrndup(p, n);
			*len = n;
			s->off += n;
			return r;
		}
		if (n == 0 && p != NULL) {
			const char *e = memmem(p, have, "\r\n", 2);

			if (e != NULL) {
				*len = (size_t)(e - p);
				r = xstrndup(p, *len);
				s->off += *len + 2;
				return r;
			}
			if (have > 1 << 20) {
				errf(err, "the IMAP server sent a line longer than 1 MB");
				return NULL;
			}
		}
		if (imap_fill(s, err) < 0)
			return NULL;
	}
}

/* A line's literal announcement "{N}" at its end, or -1 when it has none. */
static long long
imap_literal_len(const char *line, size_t len)
{
	const char *open;
	char *end;
	long long n;

	if (len < 3 || line[len - 1] != '}' || (open = strrchr(line, '{')) == NULL)
		return -1;
	n = strtoll(open + 1, &end, 10);
	return end == line + len - 1 && n >= 0 ? n : -1;
}

typedef void (*imap_handler)(void *ctx, const struct imap_resp *r);

/*
 * Send "TAG command" and read every response up to the tagged one, passing each untagged
 * response to h. 0 when it ends in OK, else -1 with err naming `what`.
 */
static int
imap_command(struct imap_session *s, const char *what, imap_handler h, void *ctx,
    char err[ERR_MAX], const char *fmt, ...)
{
	char tag[16], *line = NULL;
	struct buf cmd;
	va_list ap;
	size_t len;
	int rc = -1;

	snprintf(tag, sizeof(tag), "N%u", ++s->tag);
	buf_init(&cmd);
	buf_printf(&cmd, "%s ", tag);
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_addstr(&cmd, "\r\n");
	if (imap_send(s, cmd.data, cmd.len, err) < 0)
		goto out;
	for (;;) {
		struct imap_resp r;
		long long lit;

		memset(&r, 0, sizeof(r));
		buf_init(&r.text);
		while ((line = imap_take(s, 0, &len, err)) != NULL) {
			buf_add(&r.text, line, len);
			if ((lit = imap_literal_len(line, len)) < 0)
				break;
			free(line);
			line = NULL;
			if ((size_t)lit > IMAP_LITERAL_MAX) {
				errf(err, "%s: the server sends %lld bytes, more than the %zu MB "
				    "taken", what, lit, IMAP_LITERAL_MAX >> 20);
				break;
			}
			free(r.lit);
			r.lit = NULL;
			r.litlen = 0;
			if (lit > 0 && (r.lit = imap_take(s, (size_t)lit, &r.litlen, err)) == NULL)
				break;
		}
		if (line == NULL) {
			free(r.lit);
			buf_release(&r.text);
			goto out;
		}
		free(line);
		line = NULL;
		buf_addch(&r.text, '\0');
		if (strncmp(r.text.data, tag, strlen(tag)) == 0 && r.text.data[strlen(tag)] == ' ') {
			const char *st = r.text.data + strlen(tag) + 1;

			snprintf(s->status, sizeof(s->status), "%s", st);
			if (strncasecmp(st, "OK", 2) == 0) {
				rc = 0;
			} else {
				errf(err, "%s: the IMAP server answered: %.300s", what, st);
				rc = -2;	/* refused, but the session goes on */
			}
			free(r.lit);
			buf_release(&r.text);
			goto out;
		}
		if (r.text.data[0] == '*' && h != NULL)
			h(ctx, &r);
		free(r.lit);
		buf_release(&r.text);
	}
out:
	buf_release(&cmd);
	return rc;
}

/* What SELECT says that matters here. */
struct imap_selected {
	struct imap_session *s;
	uint32_t uidvalidity;
};

static void
imap_on_select(void *ctx, const struct imap_resp *r)
{
	struct imap_selected *sel = ctx;
	const char *p, *end;

	if ((p = strstr(r->text.data, "[UIDVALIDITY ")) != NULL)
		sel->uidvalidity = (uint32_t)strtoul(p + 13, NULL, 10);
	if ((p = strstr(r->text.data, "[PERMANENTFLAGS (")) != NULL &&
	    (end = strchr(p, ')')) != NULL) {
		free(sel->s->permanentflags);
		sel->s->permanentflags = xstrndup(p + 17, (size_t)(end - p - 17));
	}
}

/* Whether the space-separated list holds flag; flags are case-insensitive (RFC 3501). */
static int
imap_flag_listed(const char *list, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = list; *p != '\0'; p += strcspn(p, " "), p += strspn(p, " "))
		if (strncasecmp(p, flag, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The number after `name ` in a FETCH response's text, or -1. */
static long long
imap_fetch_item(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if (p > text && (p[-1] == '(' || p[-1] == ' ') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

struct imap_listing {
	uint32_t after;
	struct imap_message *list;
	size_t n, cap;
};

static void
imap_on_list(void *ctx, const struct imap_resp *r)
{
	struct imap_listing *l = ctx;
	long long uid = imap_fetch_item(r->text.data, "UID");
	long long size = imap_fetch_item(r->text.data, "RFC822.SIZE");

	/* "UID n:*" also names the last message when n is past it. */
	if (strstr(r->text.data, " FETCH ") == NULL || uid <= (long long)l->after ||
	    uid > UINT32_MAX)
		return;
	l->list = xgrow(l->list, &l->cap, l->n + 1, sizeof(*l->list));
	l->list[l->n].uid = (uint32_t)uid;
	l->list[l->n++].size = size < 0 ? 0 : (uint64_t)size;
}

static int
imap_cmp_uid(const void *a, const void *b)
{
	const struct imap_message *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

int
imap_list_after(struct imap_session *s, uint32_t after, struct imap_message **list,
    size_t *n, char err[ERR_MAX])
{
	struct imap_listing l = { after, NULL, 0, 0 };

	if (imap_command(s, "listing the new messages", imap_on_list, &l, err,
	    "UID FETCH %" PRIu32 ":* (UID RFC822.SIZE)", after + 1) < 0) {
		free(l.list);
		return -1;
	}
	if (l.n > 1)
		qsort(l.list, l.n, sizeof(*l.list), imap_cmp_uid);
	*list = l.list;
	*n = l.n;
	return 0;
}

struct imap_body {
	uint32_t uid;
	char *data;
	size_t len;
};

static void
imap_on_fetch(void *ctx, const struct imap_resp *r)
{
	struct imap_body *b = ctx;

	if (imap_fetch_item(r->text.data, "UID") != (long long)b->uid ||
	    strstr(r->text.data, "BODY[] {") == NULL || b->data != NULL)
		return;
	b->data = xmalloc(r->litlen + 1);
	if (r->litlen > 0)
		memcpy(b->data, r->lit, r->litlen);
	b->data[r->litlen] = '\0';
	b->len = r->litlen;
}

int
imap_can_flag(const struct imap_session *s, const char *keyword)
{
	/* No PERMANENTFLAGS: RFC 3501 says every flag can be stored. */
	return !s->readonly && (s->permanentflags == NULL ||
	    imap_flag_listed(s->permanentflags, "\\*") ||
	    imap_flag_listed(s->permanentflags, keyword));
}

int
imap_add_keyword(struct imap_session *s, uint32_t uid, const char *keyword,
    char err[ERR_MAX])
{
	return imap_command(s, "marking a message", NULL, NULL, err,
	    "UID STORE %" PRIu32 " +FLAGS.SILENT (%s)", uid, keyword);
}

int
imap_fetch(struct imap_session *s, uint32_t uid, char **data, size_t *len,
    char err[ERR_MAX])
{
	struct imap_body b = { uid, NULL, 0 };
	int rc;

	if ((rc = imap_command(s, "fetching a message", imap_on_fetch, &b, err,
	    "UID FETCH %" PRIu32 " (UID BODY.PEEK[])", uid)) < 0) {
		free(b.data);
		return rc;
	}
	if (b.data == NULL)
		return errf(err, "message UID %" PRIu32 " is gone from the mailbox", uid);
	*data = b.data;
	*len = b.len;
	return 0;
}

/* The mailbox name as an IMAP quoted string. */
static char *
imap_quote(const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_addch(&b, '"');
	for (; *name; name++) {
		if (*name == '"' || *name == '\\')
			buf_addch(&b, '\\');
		buf_addch(&b, *name);
	}
	buf_addch(&b, '"');
	return buf_detach(&b);
}

int
imap_open(const struct imap_options *o, struct imap_session **out, uint32_t *uidvalidity,
    char err[ERR_MAX])
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	char cerr[CURL_ERROR_SIZE] = "", *quoted;
	CURLcode rc;
	int imaps = strncmp(o->url, "imaps:", 6) == 0;

	buf_init(&s->in);
	s->sock = CURL_SOCKET_BAD;
	s->timeout = o->timeout > 0 ? o->timeout : 60;
	if (imap_url_mailbox(o->url, s->mailbox, err) < 0) {
		imap_close(s);
		return -1;
	}
	if ((s->curl = curl_easy_init()) == NULL) {
		imap_close(s);
		return errf(err, "cannot start libcurl");
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, o->url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(s->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, cerr);
	/* imap://: STARTTLS when the server offers it, so a password is not sent in clear. */
	if (!imaps)
		curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (o->ca_file != NULL)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, o->ca_file);
	if (o->username != NULL)
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, o->username);
	if (o->password != NULL)
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, o->password);
	rc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(s->curl, CURLOPT_PASSWORD, "");
	if (rc == CURLE_LOGIN_DENIED) {
		errf(err, "the IMAP server refused the login of \"%s\" (check "
		    "mail.bounces.username and password_file)", o->username ? o->username : "");
	} else if (rc != CURLE_OK) {
		errf(err, "cannot connect to the IMAP server: %s", cerr[0] ? cerr :
		    curl_easy_strerror(rc));
	} else if (curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &s->sock) != CURLE_OK ||
	    s->sock == CURL_SOCKET_BAD) {
		errf(err, "libcurl kept no IMAP connection");
	} else {
		struct imap_selected sel = { s, 0 };

		quoted = imap_quote(s->mailbox);
		rc = imap_command(s, "selecting the mailbox", imap_on_select, &sel, err,
		    "SELECT %s", quoted) < 0 ? CURLE_RECV_ERROR : CURLE_OK;
		free(quoted);
		/* The tagged OK says [READ-ONLY]; it is not an untagged response. */
		s->readonly = strstr(s->status, "[READ-ONLY]") != NULL;
		*uidvalidity = sel.uidvalidity;
		if (rc == CURLE_OK && *uidvalidity == 0)
			errf(err, "the IMAP server named no UIDVALIDITY for %s", s->mailbox);
		else if (rc == CURLE_OK) {
			*out = s;
			return 0;
		}
	}
	imap_close(s);
	return -1;
}

void
imap_close(struct imap_session *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL && s->sock != CURL_SOCKET_BAD) {
		char err[ERR_MAX];

		/* The server's BYE and OK, or nothing: the connection goes anyway. */
		imap_command(s, "logging out", NULL, NULL, err, "LOGOUT");
	}
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	buf_release(&s->in);
	free(s->permanentflags);
	free(s);
}
