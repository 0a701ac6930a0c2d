/*
 * mime.c: reading MIME structure from untrusted bytes (see mime.h). Every loop is bounded by
 * an end pointer rather than a NUL, since a report may carry NUL bytes and arrives without
 * one at its end.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

/* The start of the line after the one at p (end if it is the last). */
static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/* Length of the line at p without its line end ("\n" or "\r\n"). */
static size_t
line_len(const char *p, const char *end)
{
	const char *q = next_line(p, end);

	if (q > p && q[-1] == '\n')
		q--;
	if (q > p && q[-1] == '\r')
		q--;
	return (size_t)(q - p);
}

void
mime_split(const char *p, size_t len, struct mime_part *part)
{
	const char *end = p + len, *q = p;

	while (q < end && line_len(q, end) > 0)
		q = next_line(q, end);
	part->head = p;
	part->headlen = (size_t)(q - p);
	/* Do not count the line end of the last header line as part of the block. */
	while (part->headlen > 0 && (p[part->headlen - 1] == '\n' || p[part->headlen - 1] == '\r'))
		part->headlen--;
	q = q < end ? next_line(q, end) : end;
	part->body = q;
	part->bodylen = (size_t)(end - q);
}

/* Append the line's text to out without its line end, within MIME_FIELD_MAX. */
static void
add_capped(struct buf *out, const char *p, size_t n)
{
	if (out->len >= MIME_FIELD_MAX)
		return;
	if (n > MIME_FIELD_MAX - out->len)
		n = MIME_FIELD_MAX - out->len;
	/* Values are read as C strings from here on: a NUL byte becomes a space. */
	for (size_t i = 0; i < n; i++)
		buf_addch(out, p[i] != '\0' ? p[i] : ' ');
}

const char *
mime_header(const char *head, size_t len, const char *name, struct buf *out)
{
	const char *end = head + len, *p = head;
	size_t nlen = strlen(name);

	out->len = 0;
	buf_addstr(out, "");	/* out->data is a string, even when nothing is found */
	while (p < end) {
		size_t n = line_len(p, end), k = nlen;
		const char *q;

		if (n > nlen && strncasecmp(p, name, nlen) == 0) {
			while (k < n && (p[k] == ' ' || p[k] == '\t'))
				k++;
			if (k < n && p[k] == ':') {
				add_capped(out, p + k + 1, n - k - 1);
				for (q = next_line(p, end); q < end && (*q == ' ' || *q == '\t');
				    q = next_line(q, end))
					add_capped(out, q, line_len(q, end));
				if (out->data == NULL)
					buf_addstr(out, "");
				return p;
			}
		}
		p = next_line(p, end);
	}
	return NULL;
}

char *
mime_uncomment(char *s)
{
	char *w = s;
	int depth = 0, quoted = 0;

	for (char *r = s; *r != '\0'; r++) {
		if (*r == '\\' && r[1] != '\0' && (quoted || depth > 0)) {
			if (depth == 0) {
				*w++ = *r++;
				*w++ = *r;
			} else
				r++;
			continue;
		}
		if (!quoted && *r == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth > 0 && *r == ')') {
			if (--depth == 0)
				*w++ = ' ';
			continue;
		}
		if (depth > 0)
			continue;
		if (*r == '"')
			quoted = !quoted;
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

void
mime_content_type(const char *value, char type[64])
{
	char tmp[128];
	size_t n = 0;

	strcpy(type, "text/plain");
	if (value == NULL)
		return;
	while (value[n] != '\0' && value[n] != ';' && n < sizeof(tmp) - 1) {
		tmp[n] = value[n];
		n++;
	}
	tmp[n] = '\0';
	str_trim(str_lower(mime_uncomment(tmp)));
	if (strchr(tmp, '/') == NULL || strlen(tmp) >= 64 || strpbrk(tmp, " \t") != NULL)
		return;
	strcpy(type, tmp);
}

int
mime_param(const char *value, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = value;
	int quoted = 0;

	out->len = 0;
	buf_addstr(out, "");	/* out->data is a string, even when nothing is found */
	/* Parameters follow the first ';' outside a quoted string. */
	for (; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == ';' && !quoted)
			break;
	}
	while (*p == ';') {
		const char *q;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		q = p;
		while (*q != '\0' && *q != '=' && *q != ';')
			q++;
		{
			const char *ne = q;
			int match;

			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			match = (size_t)(ne - p) == nlen && strncasecmp(p, name, nlen) == 0;
			if (*q != '=') {
				p = q;
				continue;
			}
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"') {
				for (q++; *q != '\0' && *q != '"'; q++) {
					if (*q == '\\' && q[1] != '\0')
						q++;
					if (match)
						buf_addch(out, *q);
				}
				if (*q == '"')
					q++;
			} else {
				for (; *q != '\0' && *q != ';' && *q != ' ' && *q != '\t'; q++)
					if (match)
						buf_addch(out, *q);
			}
			if (match)
				return 1;
			while (*q != '\0' && *q != ';')
				q++;
			p = q;
		}
	}
	return 0;
}

void
mime_multipart_init(struct mime_multipart *m, const char *body, size_t len,
    const char *boundary)
{
	memset(m, 0, sizeof(*m));
	m->p = body;
	m->end = body + len;
	m->boundary = boundary;
	m->blen = strlen(boundary);
}

/*
 * The next delimiter line at or after p, which must be a line start: "--boundary", then
 * "--" for the closing one, then only white space. Anything else after the boundary makes
 * it some other (say a nested part's longer) boundary, not ours.
 */
static const char *
find_delim(const struct mime_multipart *m, const char *p, const char **after, int *close)
{
	for (; p < m->end; p = next_line(p, m->end)) {
		size_t n = line_len(p, m->end), k = m->blen + 2;

		if (n < k || p[0] != '-' || p[1] != '-' || memcmp(p + 2, m->boundary, m->blen) != 0)
			continue;
		*close = n >= k + 2 && p[k] == '-' && p[k + 1] == '-';
		if (*close)
			k += 2;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n) {
			*after = next_line(p, m->end);
			return p;
		}
	}
	return NULL;
}

int
mime_multipart_next(struct mime_multipart *m, const char **part, size_t *partlen)
{
	const char *d, *after;
	int close;

	if (m->blen == 0)
		return -1;
	if (!m->started) {
		if ((d = find_delim(m, m->p, &after, &close)) == NULL)
			return -1;
		m->started = 1;
		m->closed = close;
		m->p = after;
	}
	if (m->closed || m->unclosed)
		return 0;
	*part = m->p;
	if ((d = find_delim(m, m->p, &after, &close)) == NULL) {
		m->unclosed = 1;
		*partlen = (size_t)(m->end - m->p);
		m->p = m->end;
		return 1;
	}
	/* The line end before the delimiter belongs to the delimiter (RFC 2046 5.1.1). */
	if (d > m->p && d[-1] == '\n')
		d--;
	if (d > m->p && d[-1] == '\r')
		d--;
	*partlen = (size_t)(d - m->p);
	m->p = after;
	m->closed = close;
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

void
mime_decode(const char *cte, const char *p, size_t len, struct buf *out)
{
	char enc[32] = "";
	size_t i;

	if (cte != NULL) {
		snprintf(enc, sizeof(enc), "%s", cte);
		str_trim(str_lower(mime_uncomment(enc)));
	}
	if (strcmp(enc, "base64") == 0) {
		unsigned acc = 0;
		int bits = 0;

		/* Line breaks and stray characters are skipped; '=' ends the data. */
		for (i = 0; i < len && p[i] != '='; i++) {
			int v = b64val((unsigned char)p[i]);

			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_addch(out, (char)((acc >> bits) & 0xff));
			}
		}
	} else if (strcmp(enc, "quoted-printable") == 0) {
		for (i = 0; i < len; i++) {
			int hi, lo;

			if (p[i] != '=') {
				buf_addch(out, p[i]);
				continue;
			}
			if (i + 1 < len && p[i + 1] == '\n') {
				i++;
				continue;
			}
			if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n') {
				i += 2;
				continue;
			}
			if (i + 2 < len && (hi = hexval((unsigned char)p[i + 1])) >= 0 &&
			    (lo = hexval((unsigned char)p[i + 2])) >= 0) {
				buf_addch(out, (char)(hi << 4 | lo));
				i += 2;
				continue;
			}
			buf_addch(out, '=');
		}
	} else
		buf_add(out, p, len);
	if (out->data == NULL)
		buf_addstr(out, "");
}
