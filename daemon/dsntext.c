/*
 * dsntext.c: bounces without a message/delivery-status part, and the string helpers of the
 * delivery-report parser (see dsntext.h).
 *
 * qmail, Exim (without its DSN support), old Sendmail and many small MTAs write a letter
 * instead of a report: a fixed opening sentence, the failed addresses each on a line of its
 * own followed by the server's words, and then a marker line and the returned message. The
 * openings are stable (qmail's has not changed since 1998), so they are how a bounce is
 * recognised; the address lines and the marker are read the same way for all of them.
 * Anything not recognised is left alone: an unknown letter is not a bounce to act on.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsntext.h"

struct bounce_kind {
	const char *name;
	const char *signs[4];	/* phrases of which one in the text marks this kind */
};

static const struct bounce_kind kinds[] = {
	{ "qmail", { "This is the qmail-send program",
	    "I'm afraid I wasn't able to deliver your message" } },
	{ "Exim", { "This message was created automatically by mail delivery software" } },
	{ "Sendmail", { "The following addresses had permanent fatal errors",
	    "The following addresses had transient non-fatal errors",
	    "----- Transcript of session follows -----" } },
};

/* Phrases that make a recognised bounce a warning about delay rather than a failure. */
static const char *const delay_signs[] = {
	"has not yet been delivered", "transient non-fatal errors",
	"Warning: could not send message", "Delivery attempts will continue",
	"will continue trying", NULL,
};

/* Lines after which the returned message or its headers follow. */
static const char *const returned_signs[] = {
	"Below this line is a copy of the message", "Below this line is the top of the message",
	"Enclosed are the original headers", "This is a copy of the message",
	"message follows", "mail follows", "Original message headers", NULL,
};

/* Subjects that, from a mailer-daemon or postmaster, are a bounce whatever the body says. */
static const char *const bounce_subjects[] = {
	"undeliver", "returned mail", "delivery status notification", "failure notice",
	"mail delivery failed", "delivery failure", "delivery failed", "non remis",
	"onbestelbaar", "unzustellbar", NULL,
};

static const char *
find_ci(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

/* The earliest of the phrases in p[0..n), or NULL. */
static const char *
find_any(const char *p, size_t n, const char *const *phrases)
{
	const char *best = NULL;

	for (; *phrases != NULL; phrases++) {
		const char *q = find_ci(p, best != NULL ? (size_t)(best - p) : n, *phrases);

		if (q != NULL)
			best = q;
	}
	return best;
}

char *
dsntext_clean(const char *p, size_t n)
{
	struct buf b;
	size_t i = 0;
	int space = 1;

	buf_init(&b);
	while (i < n) {
		unsigned cp;
		size_t k = utf8_next((const unsigned char *)p + i, n - i, &cp);

		if (k == 0)
			k = 1, cp = '?';
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == ' ') {
			if (!space && b.len < DSN_VALUE_MAX)
				buf_addch(&b, ' ');
			space = 1;
		} else if (b.len + k <= DSN_VALUE_MAX) {
			if (cp == '?' && k == 1)
				buf_addch(&b, '?');
			else
				buf_add(&b, p + i, k);
			space = 0;
		} else
			break;
		i += k;
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *
dsntext_msgid(const char *value)
{
	const char *lt = strchr(value, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
	size_t n;

	if (lt != NULL && gt != NULL)
		return dsntext_clean(lt, (size_t)(gt - lt + 1));
	while (isspace((unsigned char)*value))
		value++;
	for (n = 0; value[n] != '\0' && !isspace((unsigned char)value[n]); n++)
		;
	return dsntext_clean(value, n);
}

struct dsn_recipient *
dsntext_add_rcpt(struct dsn_report *r)
{
	struct dsn_recipient *rc;

	if (r->nrcpts >= DSN_MAX_RCPTS)
		return NULL;
	r->rcpts = xrealloc(r->rcpts, (r->nrcpts + 1) * sizeof(*r->rcpts));
	rc = &r->rcpts[r->nrcpts++];
	memset(rc, 0, sizeof(*rc));
	return rc;
}

void
dsntext_status(const char *s, char out[16])
{
	out[0] = '\0';
	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t j = i + 1, d;

		if ((s[i] != '2' && s[i] != '4' && s[i] != '5') ||
		    (i > 0 && (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.')) ||
		    s[j] != '.')
			continue;
		for (int part = 0; part < 2; part++) {
			for (d = 0, j++; isdigit((unsigned char)s[j]) && d < 4; j++)
				d++;
			if (d == 0 || d > 3 || (part == 0 && s[j] != '.'))
				break;
			if (part == 1 && s[j] != '.' && !isdigit((unsigned char)s[j])) {
				memcpy(out, s + i, j - i);
				out[j - i] = '\0';
				return;
			}
		}
	}
}

/*
 * If the line p[0..n) is nothing but an address ("a@b", "<a@b>", "<a@b>:", "a@b..."), copy
 * it into out[256] and return 1.
 */
static int
address_line(const char *p, size_t n, char out[256])
{
	size_t at = 0, ats = 0;

	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	while (n > 0 && (isspace((unsigned char)p[n - 1]) || p[n - 1] == ':' || p[n - 1] == '.'))
		n--;
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>')
		p++, n -= 2;
	if (n < 3 || n > 254)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || strchr("<>()[],;\"", c) != NULL)
			return 0;
		if (c == '@')
			at = i, ats++;
	}
	if (ats != 1 || at == 0 || at == n - 1)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static struct dsn_recipient *
add_address(struct dsn_report *r, const char *addr)
{
	struct dsn_recipient *rc;

	for (size_t i = 0; i < r->nrcpts; i++)
		if (strcasecmp(r->rcpts[i].final_recipient, addr) == 0)
			return NULL;
	if ((rc = dsntext_add_rcpt(r)) != NULL)
		rc->final_recipient = dsntext_clean(addr, strlen(addr));
	return rc;
}

/* Give the recipient what was collected under its address line. */
static void
finish(struct dsn_recipient *rc, struct buf *diag)
{
	if (rc != NULL && diag->len > 0 && rc->diagnostic == NULL &&
	    (rc->diagnostic = dsntext_clean(diag->data, diag->len)) != NULL)
		dsntext_status(rc->diagnostic, rc->status);
	diag->len = 0;
}

/*
 * The address lines of p[0..n): each starts a recipient, and the non-empty lines under it,
 * up to an empty line or the next address, are what the server said about it.
 */
static void
read_addresses(const char *p, size_t n, enum dsn_action action, struct dsn_report *r)
{
	const char *end = p + n;
	struct dsn_recipient *cur = NULL;
	struct buf diag;

	buf_init(&diag);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);
		char addr[256];

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (address_line(p, len, addr)) {
			finish(cur, &diag);
			if ((cur = add_address(r, addr)) != NULL)
				cur->action = action;
		} else if (len == 0) {
			finish(cur, &diag);
			cur = NULL;
		} else if (cur != NULL && diag.len < DSN_VALUE_MAX) {
			buf_add(&diag, p, len);
			buf_addch(&diag, ' ');
		}
		p = nl != NULL ? nl + 1 : end;
	}
	finish(cur, &diag);
	buf_release(&diag);
}

/* Which kind of bounce this is, or NULL. */
static const char *
bounce_kind(const struct dsntext_in *in, const char *from, const char *subject, int xfr)
{
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t i = 0; i < 4 && kinds[k].signs[i] != NULL; i++)
			if (find_ci(in->text, in->textlen, kinds[k].signs[i]) != NULL)
				return kinds[k].name;
	if (xfr)
		return "Exim";
	if (strncasecmp(subject, "Returned mail", 13) == 0)
		return "Sendmail";
	if ((find_ci(from, strlen(from), "mailer-daemon") != NULL ||
	    find_ci(from, strlen(from), "postmaster") != NULL) &&
	    find_any(subject, strlen(subject), bounce_subjects) != NULL)
		return "mailer-daemon";
	return NULL;
}

/* The Message-ID of the returned message that follows the marker line at m. */
static char *
returned_msgid(const struct dsntext_in *in, const char *m)
{
	const char *end = in->text + in->textlen, *p = m;
	struct mime_part part;
	struct buf v;
	char *id = NULL;

	if (m != NULL) {
		p = memchr(m, '\n', (size_t)(end - m));
		p = p != NULL ? p + 1 : end;
		while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
			p++;
		mime_split(p, (size_t)(end - p), &part);
	} else if (in->orig != NULL)
		mime_split(in->orig, in->origlen, &part);
	else
		return NULL;
	buf_init(&v);
	if (mime_header(part.head, part.headlen, "Message-ID", &v) != NULL)
		id = dsntext_msgid(v.data);
	buf_release(&v);
	return id;
}

int
dsntext_bounce(const struct dsntext_in *in_, struct dsn_report *r, char err[ERR_MAX])
{
	/* A bounce letter says what it is in its first lines; reading a long ordinary
	   message to the end for phrases would only cost time. */
	struct dsntext_in scope = *in_, *in = &scope;
	struct buf from, subject, xfr;
	const char *kind, *marker, *q;
	enum dsn_action action = DSN_FAILED;
	int rc = 0, have_xfr;

	if (scope.textlen > DSN_TEXT_SCAN)
		scope.textlen = DSN_TEXT_SCAN;
	buf_init(&from);
	buf_init(&subject);
	buf_init(&xfr);
	mime_header(in->top->head, in->top->headlen, "From", &from);
	mime_header(in->top->head, in->top->headlen, "Subject", &subject);
	have_xfr = mime_header(in->top->head, in->top->headlen, "X-Failed-Recipients", &xfr) !=
	    NULL;
	if ((kind = bounce_kind(in, from.data, subject.data, have_xfr)) == NULL) {
		rc = 1;
		goto out;
	}
	marker = find_any(in->text, in->textlen, returned_signs);
	q = marker != NULL ? marker : in->text + in->textlen;
	if (find_any(in->text, (size_t)(q - in->text), delay_signs) != NULL ||
	    strncasecmp(subject.data, "Warning:", 8) == 0 ||
	    find_ci(subject.data, subject.len, "delayed") != NULL)
		action = DSN_DELAYED;
	r->standard = 0;
	read_addresses(in->text, (size_t)(q - in->text), action, r);
	if (have_xfr) {
		char *save = NULL;

		for (char *t = strtok_r(xfr.data, ", \t", &save); t != NULL;
		    t = strtok_r(NULL, ", \t", &save)) {
			char addr[256];
			struct dsn_recipient *added;

			if (address_line(t, strlen(t), addr) && (added = add_address(r, addr)) != NULL)
				added->action = action;
		}
	}
	if (r->nrcpts == 0) {
		rc = errf(err, "delivery report: the %s bounce names no recipient", kind);
		goto out;
	}
	r->original_message_id = returned_msgid(in, marker);
	if (strcmp(kind, "qmail") == 0 &&
	    (q = find_ci(in->text, in->textlen, "qmail-send program at ")) != NULL) {
		const char *h = q + 22, *e = h;

		while (e < in->text + in->textlen && !isspace((unsigned char)*e))
			e++;
		if (e > h && e[-1] == '.')
			e--;
		r->reporting_mta = dsntext_clean(h, (size_t)(e - h));
	}
out:
	buf_release(&from);
	buf_release(&subject);
	buf_release(&xfr);
	return rc;
}
