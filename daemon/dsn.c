/*
 * dsn.c: delivery reports (see dsn.h). The message is walked as a MIME tree once, noting the
 * parts that matter (the delivery-status part, the returned message or headers, the first
 * text part); then either the RFC 3464 fields are read, or dsntext.c looks for one of the
 * non-standard bounces in the text. Every string that leaves here went through
 * dsntext_clean, so a report cannot smuggle control characters or bad UTF-8 into the store
 * or a log.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "dsntext.h"
#include "mime.h"

#define DSN_MAX_DEPTH	8	/* nested multiparts followed */
#define DSN_MAX_PARTS	256	/* parts looked at in all */

/* What one walk over the MIME tree found. */
struct scan {
	const char *data;	/* the whole message, for line numbers */
	size_t len;
	int parts;
	char report_type[64];	/* report-type of the first multipart/report, lower case */
	int mdn;		/* a message/disposition-notification part (a read receipt) */
	struct mime_part ds, orig, text;
	int have_ds, have_orig, have_text;
	char err[ERR_MAX];	/* the first structural problem, "" if none */
};

/* 1-based line of p in the message, or of fallback when p lies in a decoded copy. */
static size_t
line_of(const struct scan *s, const char *p, const char *fallback)
{
	size_t n = 1;

	if (p < s->data || p > s->data + s->len)
		p = fallback;
	if (p < s->data || p > s->data + s->len)
		return 0;
	for (const char *q = s->data; q < p; q++)
		n += *q == '\n';
	return n;
}

static void
walk(struct scan *s, const struct mime_part *part, int depth)
{
	struct buf v, b;
	char type[64];

	buf_init(&v);
	buf_init(&b);
	mime_content_type(mime_header(part->head, part->headlen, "Content-Type", &v) ?
	    v.data : NULL, type);
	if (strncmp(type, "multipart/", 10) == 0 && depth < DSN_MAX_DEPTH) {
		struct mime_multipart m;
		const char *p;
		size_t n;
		int rc;

		if (strcmp(type, "multipart/report") == 0 && s->report_type[0] == '\0' &&
		    mime_param(v.data, "report-type", &b))
			snprintf(s->report_type, sizeof(s->report_type), "%s", str_lower(b.data));
		if (!mime_param(v.data, "boundary", &b) || b.len == 0) {
			if (s->err[0] == '\0')
				errf(s->err, "the %s part has no boundary parameter (line %zu)",
				    type, line_of(s, part->head, NULL));
			goto out;
		}
		mime_multipart_init(&m, part->body, part->bodylen, b.data);
		while ((rc = mime_multipart_next(&m, &p, &n)) == 1 && s->parts < DSN_MAX_PARTS) {
			struct mime_part child;

			s->parts++;
			mime_split(p, n, &child);
			walk(s, &child, depth + 1);
		}
		if (rc == -1 && s->err[0] == '\0')
			errf(s->err, "the boundary of the %s part (line %zu) never occurs", type,
			    line_of(s, part->head, NULL));
	} else if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		if (!s->have_ds)
			s->ds = *part, s->have_ds = 1;
	} else if (strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0 ||
	    strcmp(type, "message/global-headers") == 0) {
		if (!s->have_orig)
			s->orig = *part, s->have_orig = 1;
	} else if (strcmp(type, "message/disposition-notification") == 0) {
		s->mdn = 1;
	} else if (strcmp(type, "text/plain") == 0 && !s->have_text) {
		s->text = *part, s->have_text = 1;
	}
out:
	buf_release(&v);
	buf_release(&b);
}

/* A part's body decoded by its own Content-Transfer-Encoding into out. */
static void
decode_part(const struct mime_part *part, struct buf *out)
{
	struct buf cte;

	buf_init(&cte);
	mime_decode(mime_header(part->head, part->headlen, "Content-Transfer-Encoding", &cte) ?
	    cte.data : NULL, part->body, part->bodylen, out);
	buf_release(&cte);
}

/*
 * The value of a typed field ("dns; mx.example.nl", "rfc822; a@b", "smtp; 550 ...") without
 * its type. The type and a typed address may carry comments; a diagnostic's text is kept as
 * written, since its parentheses are often part of the server's words.
 */
static char *
typed_value(const char *value, int uncomment_rest)
{
	char *v = xstrdup(value), *rest = v, *semi = strchr(v, ';'), *out;

	if (semi != NULL) {
		size_t i = 0;

		*semi = '\0';
		str_trim(mime_uncomment(v));
		while (v[i] != '\0' && (isalnum((unsigned char)v[i]) || strchr("-._", v[i])))
			i++;
		if (v[i] == '\0' && i > 0 && i <= 32)
			rest = semi + 1;
		else
			*semi = ';';
	}
	if (uncomment_rest)
		mime_uncomment(rest);
	out = dsntext_clean(rest, strlen(rest));
	free(v);
	return out;
}

/* An address field: the type, comments and angle brackets removed. */
static char *
address_value(const char *value)
{
	char *a = typed_value(value, 1), *gt;

	if (a != NULL && a[0] == '<' && (gt = strchr(a, '>')) != NULL) {
		*gt = '\0';
		memmove(a, a + 1, strlen(a));
		str_trim(a);
		if (a[0] == '\0') {
			free(a);
			a = NULL;
		}
	}
	return a;
}

/* A host field ("dns; mx.example.nl."): the name without its type or a root dot. */
static char *
host_value(const char *value)
{
	char *h = typed_value(value, 1);
	size_t n;

	if (h != NULL && (n = strlen(h)) > 1 && h[n - 1] == '.')
		h[n - 1] = '\0';
	return h;
}

/* RFC 3461 section 4: "+XX" is the byte XX; anything else stands for itself. */
static char *
xtext_decode(const char *s)
{
	struct buf b;
	char *out;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		unsigned v;

		if (*s == '+' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]) &&
		    sscanf(s + 1, "%2x", &v) == 1) {
			buf_addch(&b, (char)v);
			s += 2;
		} else
			buf_addch(&b, *s);
	}
	out = dsntext_clean(b.data != NULL ? b.data : "", b.len);
	buf_release(&b);
	return out;
}

static enum dsn_action
action_value(const char *value, const char *status)
{
	static const struct {
		const char *name;
		enum dsn_action a;
	} names[] = {
		{ "delivered", DSN_DELIVERED }, { "delayed", DSN_DELAYED },
		{ "failed", DSN_FAILED }, { "relayed", DSN_RELAYED },
		{ "expanded", DSN_EXPANDED },
	};
	char word[32] = "";

	if (value != NULL) {
		char *v = str_trim(mime_uncomment(xstrdup(value)));

		sscanf(v, "%31[A-Za-z]", word);
		free(v);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(word, names[i].name) == 0)
			return names[i].a;
	/* An unknown or missing Action: the status class says what happened. */
	switch (status[0]) {
	case '2': return DSN_DELIVERED;
	case '4': return DSN_DELAYED;
	case '5': return DSN_FAILED;
	}
	return DSN_NONE;
}

/* One per-recipient group of fields; -1 with err when it cannot be used. */
static int
read_recipient(const struct scan *s, const char *g, size_t n, const char *fallback,
    struct dsn_report *r, char err[ERR_MAX])
{
	struct dsn_recipient *rc;
	struct buf v;
	int have_action;

	buf_init(&v);
	if (mime_header(g, n, "Final-Recipient", &v) == NULL) {
		buf_release(&v);
		return errf(err, "delivery report: the message/delivery-status part has no "
		    "Final-Recipient (line %zu)", line_of(s, g, fallback));
	}
	if ((rc = dsntext_add_rcpt(r)) == NULL) {
		buf_release(&v);
		return 0;
	}
	rc->final_recipient = address_value(v.data);
	if (mime_header(g, n, "Original-Recipient", &v) != NULL)
		rc->original_recipient = address_value(v.data);
	if (mime_header(g, n, "Status", &v) != NULL)
		dsntext_status(v.data, rc->status);
	have_action = mime_header(g, n, "Action", &v) != NULL;
	rc->action = action_value(have_action ? v.data : NULL, rc->status);
	if (mime_header(g, n, "Remote-MTA", &v) != NULL)
		rc->remote_mta = host_value(v.data);
	if (mime_header(g, n, "Diagnostic-Code", &v) != NULL)
		rc->diagnostic = typed_value(v.data, 0);
	buf_release(&v);
	if (rc->final_recipient == NULL)
		return errf(err, "delivery report: the Final-Recipient field is empty (line %zu)",
		    line_of(s, g, fallback));
	if (rc->action == DSN_NONE)
		return errf(err, "delivery report: the recipient %s has %s Action and no Status "
		    "(line %zu)", rc->final_recipient, have_action ? "an unknown" : "no",
		    line_of(s, g, fallback));
	return 0;
}

/* The per-message fields; the first group normally, but any group may carry them. */
static void
read_message_fields(const char *g, size_t n, struct dsn_report *r)
{
	struct buf v;

	buf_init(&v);
	if (r->reporting_mta == NULL && mime_header(g, n, "Reporting-MTA", &v) != NULL)
		r->reporting_mta = host_value(v.data);
	if (r->envid == NULL && mime_header(g, n, "Original-Envelope-Id", &v) != NULL)
		r->envid = xtext_decode(str_trim(v.data));
	if (r->arrival_date == NULL && mime_header(g, n, "Arrival-Date", &v) != NULL)
		r->arrival_date = dsntext_clean(v.data, v.len);
	/* Gmail names the original message here too; the returned headers still win. */
	if (r->original_message_id == NULL && mime_header(g, n, "X-Original-Message-ID", &v))
		r->original_message_id = dsntext_msgid(v.data);
	buf_release(&v);
}

static int
blank_line(const char *p, const char *end)
{
	for (; p < end && *p != '\n'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static const char *
after_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/* RFC 3464: the delivery-status part is groups of fields separated by empty lines. */
static int
read_standard(const struct scan *s, struct dsn_report *r, char err[ERR_MAX])
{
	struct buf body;
	const char *p, *end;
	int rc = 0;

	buf_init(&body);
	decode_part(&s->ds, &body);
	/* Unencoded (the usual case), point into the message itself for exact line numbers. */
	if (body.len == s->ds.bodylen && memcmp(body.data, s->ds.body, body.len) == 0)
		p = s->ds.body, end = s->ds.body + s->ds.bodylen;
	else
		p = body.data, end = body.data + body.len;
	r->standard = 1;
	while (p < end && rc == 0) {
		const char *g;
		struct buf v;

		while (p < end && blank_line(p, end))
			p = after_line(p, end);
		if (p >= end)
			break;
		for (g = p; p < end && !blank_line(p, end); p = after_line(p, end))
			;
		read_message_fields(g, (size_t)(p - g), r);
		buf_init(&v);
		if (mime_header(g, (size_t)(p - g), "Final-Recipient", &v) ||
		    mime_header(g, (size_t)(p - g), "Original-Recipient", &v) ||
		    mime_header(g, (size_t)(p - g), "Action", &v) ||
		    mime_header(g, (size_t)(p - g), "Status", &v))
			rc = read_recipient(s, g, (size_t)(p - g), s->ds.body, r, err);
		buf_release(&v);
	}
	if (rc == 0 && r->nrcpts == 0)
		rc = errf(err, "delivery report: the message/delivery-status part (line %zu) has "
		    "no recipient fields", line_of(s, s->ds.head, NULL));
	buf_release(&body);
	return rc;
}

/* The Message-ID of a returned message or its headers. */
static char *
returned_msgid(const struct mime_part *orig)
{
	struct mime_part in;
	struct buf b, v;
	char *id;

	buf_init(&b);
	buf_init(&v);
	decode_part(orig, &b);
	mime_split(b.data, b.len, &in);
	id = mime_header(in.head, in.headlen, "Message-ID", &v) ? dsntext_msgid(v.data) : NULL;
	buf_release(&b);
	buf_release(&v);
	return id;
}

static int
is_delivery_type(const char *report_type)
{
	return strcmp(report_type, "delivery-status") == 0 ||
	    strcmp(report_type, "global-delivery-status") == 0;
}

int
dsn_parse(const char *data, size_t len, struct dsn_report *r, char err[ERR_MAX])
{
	struct scan s;
	struct mime_part top;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	err[0] = '\0';
	if (data == NULL)
		data = "", len = 0;
	s.data = data;
	s.len = len;
	mime_split(data, len, &top);
	walk(&s, &top, 0);
	/* Read receipts, spam feedback and other reports are not about delivery. */
	if (!s.have_ds && (s.mdn || (s.report_type[0] != '\0' &&
	    !is_delivery_type(s.report_type))))
		return 1;
	if (s.have_ds) {
		rc = read_standard(&s, r, err);
		if (rc == 0 && s.have_orig) {
			char *id = returned_msgid(&s.orig);

			if (id != NULL) {
				free(r->original_message_id);
				r->original_message_id = id;
			}
		}
	} else if (is_delivery_type(s.report_type)) {
		rc = errf(err, "delivery report: %s", s.err[0] != '\0' ? s.err :
		    "the multipart/report has no message/delivery-status part");
	} else {
		struct dsntext_in in;
		struct buf text, orig;

		buf_init(&text);
		buf_init(&orig);
		decode_part(s.have_text ? &s.text : &top, &text);
		if (s.have_orig)
			decode_part(&s.orig, &orig);
		in.top = &top;
		in.text = text.data;
		in.textlen = text.len;
		in.orig = s.have_orig ? orig.data : NULL;
		in.origlen = orig.len;
		rc = dsntext_bounce(&in, r, err);
		buf_release(&text);
		buf_release(&orig);
	}
	/* Exchange and Gmail also answer the bounced message with In-Reply-To: the last
	   resort when no returned headers came back (an Exim delay warning, RET=HDRS lost). */
	if (rc == 0 && r->original_message_id == NULL) {
		struct buf v;

		buf_init(&v);
		if (mime_header(top.head, top.headlen, "In-Reply-To", &v) != NULL)
			r->original_message_id = dsntext_msgid(v.data);
		buf_release(&v);
	}
	if (rc != 0)
		dsn_report_free(r);
	return rc;
}

void
dsn_report_free(struct dsn_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrcpts; i++) {
		free(r->rcpts[i].final_recipient);
		free(r->rcpts[i].original_recipient);
		free(r->rcpts[i].remote_mta);
		free(r->rcpts[i].diagnostic);
	}
	free(r->rcpts);
	free(r->envid);
	free(r->reporting_mta);
	free(r->original_message_id);
	free(r->arrival_date);
	memset(r, 0, sizeof(*r));
}

const char *
dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_DELIVERED:	return "delivered";
	case DSN_DELAYED:	return "delayed";
	case DSN_FAILED:	return "failed";
	case DSN_RELAYED:	return "relayed";
	case DSN_EXPANDED:	return "expanded";
	case DSN_NONE:		break;
	}
	return "none";
}
