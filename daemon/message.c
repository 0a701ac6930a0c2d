/*
 * message.c: one outgoing letter as the exact bytes that go on the wire (RFC 5322, MIME,
 * RFC 2047 headers, quoted-printable text, base64 calendar parts).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/random.h>

#include "days.h"
#include "log.h"
#include "message.h"
#include "util.h"

#define HDR_WIDTH 78	/* RFC 5322 2.1.1: lines SHOULD stay within 78 characters */
#define EW_MAX 75	/* RFC 2047 2: an encoded-word is at most 75 characters */
#define EW_OVERHEAD 12	/* "=?UTF-8?Q?" and "?=" */
#define QP_WIDTH 76	/* RFC 2045 6.7 (5): encoded lines at most 76 characters */
#define B64_WIDTH 76	/* RFC 2045 6.8: at most 76 characters */

static const char hexdigits[] = "0123456789ABCDEF";

/*
 * One line of header text. Every control character (C0 with CR, LF and TAB, DEL, C1) and
 * the Unicode line and paragraph separators become a space, runs of spaces become one and
 * the ends are trimmed. This runs before any encoding, so nothing that came from a feed, a
 * form or a template can end a header line or start a new one. Bytes that are not UTF-8
 * become '?': message_build refuses such text before it gets here, but
 * message_encode_header cannot fail.
 */
static char *
message_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t left = strlen((const char *)p);
	struct buf b;
	int space = 0;

	buf_init(&b);
	buf_addstr(&b, "");
	while (left > 0) {
		unsigned cp;
		size_t n = utf8_next(p, left, &cp);
		const void *ch = p;

		if (n == 0) {
			n = 1;
			cp = '?';
			ch = "?";
		}
		if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029) {
			space = 1;
		} else {
			if (space && b.len > 0)
				buf_addch(&b, ' ');
			space = 0;
			buf_add(&b, ch, n);
		}
		p += n;
		left -= n;
	}
	return buf_detach(&b);
}

/* Printable text for an error message: controls become '?', at most 200 bytes. */
static void
message_err_text(const char *s, char out[256])
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < 200; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

/*
 * Whether a cleaned value must become encoded-words: anything outside ASCII; "=?", which a
 * reader would otherwise take for the start of an encoded-word and decode; and a word too
 * long to fold within `width` (encoded-words can be cut anywhere between characters).
 */
static int
message_needs_encoding(const char *s, size_t width)
{
	size_t word = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
			return 1;
		word = *p == ' ' ? 0 : word + 1;
		if (word > width)
			return 1;
	}
	return 0;
}

/*
 * Characters a "Q" encoded-word may carry as themselves. RFC 2047 5 (3) allows only these
 * in a phrase (display names), the strictest of its three contexts; using one set for every
 * header keeps one code path.
 */
static int
message_q_literal(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t
message_q_size(const unsigned char *p, size_t n)
{
	size_t size = 0;

	for (size_t i = 0; i < n; i++)
		size += (message_q_literal(p[i]) || p[i] == ' ') ? 1 : 3;
	return size;
}

static void
message_base64(const unsigned char *p, size_t n, struct buf *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		buf_add(out, q, 4);
	}
}

static void
message_flush_word(const unsigned char *p, size_t n, int b, struct buf *out)
{
	if (n == 0)
		return;
	if (out->len > 0 && out->data[out->len - 1] != ' ')
		buf_addch(out, ' ');
	buf_addstr(out, b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (b) {
		message_base64(p, n, out);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == ' ')
				buf_addch(out, '_');
			else if (message_q_literal(p[i]))
				buf_addch(out, (char)p[i]);
			else
				buf_printf(out, "=%c%c", hexdigits[p[i] >> 4], hexdigits[p[i] & 15]);
		}
	}
	buf_addstr(out, "?=");
}

/*
 * The whole of a cleaned value as encoded-words of at most `maxword` characters, separated
 * by single spaces (which readers drop between adjacent encoded-words, RFC 2047 6.2). A
 * word ends between two characters, never inside a UTF-8 sequence (RFC 2047 5), and right
 * after a space of the text where one fits: some decoders (python's address parser among
 * them) wrongly keep the white space between encoded-words, and a double space where the
 * text has one reads better than a space in the middle of a name. "Q" keeps mostly-Latin
 * text readable in the raw message and is used unless it is half again as long as "B",
 * which is shorter for other scripts.
 */
static void
message_encode_words(const char *s, size_t maxword, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), start = 0, after_space = 0, i = 0;
	int b = message_q_size(p, len) > (len + 2) / 3 * 4 * 3 / 2;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (n == 0)
			n = 1;	/* not reached: the value was cleaned */
		while (i > start && EW_OVERHEAD + (b ? (i + n - start + 2) / 3 * 4 :
		    message_q_size(p + start, i + n - start)) > maxword) {
			size_t cut = after_space > start ? after_space : i;

			message_flush_word(p + start, cut - start, b, out);
			start = cut;
		}
		if (p[i] == ' ')
			after_space = i + 1;
		i += n;
	}
	message_flush_word(p + start, i - start, b, out);
}

/* Encoded form of a cleaned value, words separated by single spaces, for `width` columns. */
static void
message_encode_clean(const char *clean, size_t width, struct buf *out)
{
	if (message_needs_encoding(clean, width))
		message_encode_words(clean, width < EW_MAX ? width : EW_MAX, out);
	else
		buf_addstr(out, clean);
}

void
message_encode_header(const char *value, struct buf *out)
{
	char *clean = message_clean(value);
	struct buf b;

	/* Into a buffer of its own, so that a non-empty `out` does not affect spacing. */
	buf_init(&b);
	message_encode_clean(clean, EW_MAX, &b);
	if (b.len > 0)
		buf_add(out, b.data, b.len);
	buf_release(&b);
	free(clean);
}

/*
 * A header being written: tokens are placed on the current line while it stays within 78
 * columns, else on a continuation line (CRLF and a space, RFC 5322 2.2.3). A token is never
 * cut, so only a token that is too long by itself (an address of more than about 70
 * characters) makes a line longer than 78. Encoded values are made of tokens short enough,
 * and no token comes near 998 octets (addresses stop at 254).
 */
struct hdr {
	struct buf *out;
	size_t col;
	int empty;
};

static void
hdr_start(struct hdr *h, struct buf *out, const char *name)
{
	h->out = out;
	buf_printf(out, "%s:", name);
	h->col = strlen(name) + 1;
	h->empty = 1;
}

static void
hdr_token(struct hdr *h, const char *tok, size_t n)
{
	if (!h->empty && h->col + 1 + n > HDR_WIDTH) {
		buf_addstr(h->out, "\r\n");
		h->col = 0;
	}
	buf_addch(h->out, ' ');
	buf_add(h->out, tok, n);
	h->col += 1 + n;
	h->empty = 0;
}

/* Every space-separated token of s. */
static void
hdr_words(struct hdr *h, const char *s)
{
	while (*s != '\0') {
		size_t n = strcspn(s, " ");

		if (n > 0)
			hdr_token(h, s, n);
		s += n;
		s += strspn(s, " ");
	}
}

static void
hdr_end(struct hdr *h)
{
	buf_addstr(h->out, "\r\n");
}

/* Room for a value that starts on the header's first line: "Name: " is taken. */
static size_t
hdr_room(const char *name)
{
	return HDR_WIDTH - strlen(name) - 2;
}

/* An unstructured header (Subject, X-Noshowd-*): cleaned, encoded if needed, folded. */
static void
message_header_text(struct buf *out, const char *name, const char *value)
{
	char *clean = message_clean(value);
	struct buf enc;
	struct hdr h;

	buf_init(&enc);
	buf_addstr(&enc, "");
	message_encode_clean(clean, hdr_room(name), &enc);
	hdr_start(&h, out, name);
	hdr_words(&h, enc.data);
	hdr_end(&h);
	buf_release(&enc);
	free(clean);
}

/* RFC 5322 3.2.3 specials: a display name with one of these must be quoted. */
static int
message_has_specials(const char *s)
{
	return strpbrk(s, "()<>[]:;@\\,.\"") != NULL;
}

/*
 * "Name <addr>" (or the bare address when there is no name). The display name is an
 * RFC 5322 phrase: plain words when it can be, a quoted-string when it has specials (a
 * comma in "Vries, Jan" would otherwise split it into two addresses), encoded-words when
 * it has non-ASCII text or is too long to quote on one line.
 */
static void
message_header_address(struct buf *out, const char *name, const char *display,
    const char *addr)
{
	char *clean = message_clean(display);
	size_t room = hdr_room(name);
	struct buf enc;
	struct hdr h;

	buf_init(&enc);
	buf_addstr(&enc, "");
	hdr_start(&h, out, name);
	if (clean[0] != '\0') {
		if (message_needs_encoding(clean, room)) {
			message_encode_words(clean, room < EW_MAX ? room : EW_MAX, &enc);
			hdr_words(&h, enc.data);
		} else if (message_has_specials(clean)) {
			buf_addch(&enc, '"');
			for (const char *p = clean; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_addch(&enc, '\\');
				buf_addch(&enc, *p);
			}
			buf_addch(&enc, '"');
			if (enc.len <= room) {
				hdr_token(&h, enc.data, enc.len);
			} else {
				enc.len = 0;
				message_encode_words(clean, room < EW_MAX ? room : EW_MAX, &enc);
				hdr_words(&h, enc.data);
			}
		} else {
			hdr_words(&h, clean);
		}
		enc.len = 0;
		buf_printf(&enc, "<%s>", addr);
		hdr_token(&h, enc.data, enc.len);
	} else {
		hdr_token(&h, addr, strlen(addr));
	}
	hdr_end(&h);
	buf_release(&enc);
	free(clean);
}

/*
 * An address that can go into a header and an SMTP envelope as it is: plausible, and
 * ASCII only, since a non-ASCII mailbox needs SMTPUTF8 (RFC 6531) end to end.
 */
static int
message_check_address(const char *addr, const char *what, char err[])
{
	char shown[256];

	if (addr != NULL && email_valid(addr)) {
		const unsigned char *p = (const unsigned char *)addr;

		while (*p > 0x20 && *p < 0x7f)
			p++;
		if (*p == '\0')
			return 0;
	}
	message_err_text(addr != NULL ? addr : "", shown);
	return errf(err, "invalid %s address \"%s\"", what, shown);
}

static int
message_check_text(const char *s, const char *what, char err[])
{
	size_t bad;

	if (s != NULL && !utf8_valid(s, strlen(s), &bad))
		return errf(err, "%s is not valid UTF-8 (byte %zu)", what, bad);
	return 0;
}

/* "<left@right>" with nothing but visible ASCII: anything else could break the header. */
static int
message_check_id(const char *id, char err[])
{
	char shown[256];
	size_t n = id != NULL ? strlen(id) : 0;

	if (n >= 5 && n <= 250 && id[0] == '<' && id[n - 1] == '>' && strchr(id, '@') != NULL) {
		size_t i;

		for (i = 1; i < n - 1; i++)
			if (id[i] <= 0x20 || id[i] >= 0x7f || id[i] == '<' || id[i] == '>')
				break;
		if (i == n - 1)
			return 0;
	}
	message_err_text(id != NULL ? id : "", shown);
	return errf(err, "invalid message-id \"%s\" (want \"<unique@domain>\")", shown);
}

/* A language tag (RFC 5646) as far as a header needs: letters, digits and hyphens. */
static int
message_check_language(const char *lang, char err[])
{
	char shown[256];
	size_t n = strlen(lang);

	if (n > 0 && n <= 35 && strspn(lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-") == n)
		return 0;
	message_err_text(lang, shown);
	return errf(err, "invalid language tag \"%s\" (try \"nl\" or \"en\")", shown);
}

/* An iTIP method for the Content-Type parameter: upper-case letters only. */
static int
message_check_method(const char *method, char err[])
{
	char shown[256];
	size_t n = strlen(method);

	if (n > 0 && n <= 20 && strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n)
		return 0;
	message_err_text(method, shown);
	return errf(err, "invalid calendar method \"%s\" (want REQUEST or CANCEL)", shown);
}

/* RFC 5322 3.3: "Tue, 08 Dec 2026 09:00:00 +0100", the wall time and offset in zone. */
static void
message_header_date(struct buf *out, time_t t, const char *zone)
{
	static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	if (days_utc_to_local(t, zone, &tm) < 0)
		days_utc_to_local(t, "UTC", &tm);
	off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    wdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+', off / 3600 % 100,
	    off / 60 % 60);
}

/*
 * Put the quoted-printable form of one byte or one UTF-8 character in unit, its length in
 * *ulen (a strlen per character was a tenth of composing a message); return how many
 * bytes of p it took.
 */
static size_t
message_qp_unit(const unsigned char *p, size_t left, int line_start, int line_end,
    char unit[16], size_t *ulen)
{
	unsigned cp;
	size_t n = 1, k = 0;

	if (*p >= 0x80) {
		n = utf8_next(p, left, &cp);
		if (n == 0)
			n = 1;
	}
	if (n == 1 && *p > 0x20 && *p < 0x7f && *p != '=' &&
	    !(line_start && (*p == '.' || (*p == 'F' && left >= 5 && memcmp(p, "From ", 5) == 0)))) {
		unit[k++] = (char)*p;
	} else if (n == 1 && (*p == ' ' || *p == '\t') && !line_end) {
		unit[k++] = (char)*p;
	} else {
		for (size_t i = 0; i < n; i++) {
			unit[k++] = '=';
			unit[k++] = hexdigits[p[i] >> 4];
			unit[k++] = hexdigits[p[i] & 15];
		}
	}
	unit[k] = '\0';
	*ulen = k;
	return n;
}

/* A byte that stands for itself inside a line (not at its start or end). */
static int
message_qp_plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '=') || c == '\t';
}

/*
 * RFC 2045 6.7 quoted-printable with CRLF line ends. Line breaks in the text ("\n", "\r\n"
 * or a lone "\r") become CRLF hard breaks; a longer line gets soft breaks ("=" CRLF) so no
 * encoded line passes 76 characters, between whole characters so a reader that decodes
 * line by line never sees half a UTF-8 sequence. Space and tab at the end of a line are
 * encoded, as the rule says, since transports strip them. A "." or "From " at the start of
 * a line is encoded too: harmless, and it keeps the text intact through SMTP servers that
 * do not un-stuff dots properly and through mbox files. Text that does not end with a line
 * break ends with a soft break, so the output always ends with CRLF and still decodes to
 * exactly the input.
 */
static void
message_qp(const char *text, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0;

	while (*p != '\0') {
		size_t eol = strcspn((const char *)p, "\r\n");
		int hard = p[eol] != '\0';	/* else the line will end with a soft break */

		for (size_t i = 0; i < eol;) {
			char unit[16];
			size_t run = 0;

			/*
			 * A run of characters that stand for themselves (inside the line, not
			 * its last, with room before the soft break) is added at once.
			 */
			if (col > 0)
				while (i + run + 1 < eol && col + run + 1 <= QP_WIDTH - 1 &&
				    message_qp_plain(p[i + run]))
					run++;
			if (run > 0) {
				buf_add(out, p + i, run);
				col += run;
				i += run;
				continue;
			}
			size_t len, n = message_qp_unit(p + i, eol - i, col == 0, 0, unit, &len);
			int last = i + n == eol;

			if (last)
				n = message_qp_unit(p + i, eol - i, col == 0, 1, unit, &len);
			if (col > 0 && col + len > (last && hard ? QP_WIDTH : QP_WIDTH - 1)) {
				buf_addstr(out, "=\r\n");
				col = 0;
				n = message_qp_unit(p + i, eol - i, 1, last, unit, &len);
			}
			buf_add(out, unit, len);
			col += len;
			i += n;
		}
		p += eol;
		if (*p == '\0') {
			if (eol > 0)
				buf_addstr(out, "=\r\n");
			break;
		}
		p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
		buf_addstr(out, "\r\n");
		col = 0;
	}
}

/* RFC 2045 6.8 base64 in lines of 76 characters, each ended by CRLF. */
static void
message_base64_lines(const char *data, size_t n, struct buf *out)
{
	const size_t chunk = B64_WIDTH / 4 * 3;

	for (size_t i = 0; i < n; i += chunk) {
		message_base64((const unsigned char *)data + i, n - i < chunk ? n - i : chunk, out);
		buf_addstr(out, "\r\n");
	}
}

static void
message_random(void *p, size_t n)
{
	unsigned char *q = p;

	while (n > 0) {
		ssize_t got = getrandom(q, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		q += got;
		n -= (size_t)got;
	}
}

static void
message_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[p[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
message_new_id(const char *from_addr, char out[128])
{
	const char *at = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	const char *domain = "noshowd.invalid";
	unsigned char rnd[16];
	char hex[33], dom[80];

	if (at != NULL && at[1] != '\0' && strlen(at + 1) < sizeof(dom) &&
	    strspn(at + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
	    strlen(at + 1)) {
		snprintf(dom, sizeof(dom), "%s", at + 1);
		domain = str_lower(dom);
	}
	message_random(rnd, sizeof(rnd));
	message_hex(rnd, sizeof(rnd), hex);
	snprintf(out, 128, "<%s.noshowd@%s>", hex, domain);
}

/*
 * The text part's own headers and body. The text is quoted-printable rather than 8bit so
 * the message is 7-bit clean for any relay and every line stays short whatever the
 * template holds.
 */
static void
message_text_part(struct buf *out, const char *body)
{
	buf_addstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	message_qp(body != NULL ? body : "", out);
}

int
message_build(const struct message *m, struct buf *out, char err[])
{
	const char *method = m->calendar_method != NULL ? m->calendar_method : "REQUEST";
	const char *reply_to = m->reply_to != NULL && m->reply_to[0] != '\0' ? m->reply_to : NULL;
	unsigned char rnd[12];
	char hex[25];

	if (message_check_address(m->from_addr, "sender", err) < 0 ||
	    message_check_address(m->to_addr, "recipient", err) < 0 ||
	    (reply_to != NULL && message_check_address(reply_to, "reply-to", err) < 0) ||
	    message_check_id(m->message_id, err) < 0 ||
	    (m->language != NULL && message_check_language(m->language, err) < 0) ||
	    (m->calendar != NULL && message_check_method(method, err) < 0))
		return -1;
	if (message_check_text(m->from_name, "sender name", err) < 0 ||
	    message_check_text(m->to_name, "recipient name", err) < 0 ||
	    message_check_text(m->subject, "subject", err) < 0 ||
	    message_check_text(m->body, "message body", err) < 0 ||
	    message_check_text(m->ref, "reference", err) < 0 ||
	    message_check_text(m->kind, "message kind", err) < 0 ||
	    message_check_text(m->calendar, "calendar", err) < 0)
		return -1;

	message_header_date(out, m->date, m->zone);
	message_header_address(out, "From", m->from_name, m->from_addr);
	message_header_address(out, "To", m->to_name, m->to_addr);
	if (reply_to != NULL)
		message_header_address(out, "Reply-To", NULL, reply_to);
	message_header_text(out, "Subject", m->subject);
	buf_printf(out, "Message-ID: %s\r\n", m->message_id);
	buf_addstr(out, "MIME-Version: 1.0\r\n");
	if (m->language != NULL)
		buf_printf(out, "Content-Language: %s\r\n", m->language);
	if (m->ref != NULL && m->ref[0] != '\0')
		message_header_text(out, "X-Noshowd-Ref", m->ref);
	if (m->kind != NULL && m->kind[0] != '\0')
		message_header_text(out, "X-Noshowd-Kind", m->kind);

	if (m->calendar == NULL) {
		message_text_part(out, m->body);
		return 0;
	}

	/*
	 * With an invitation the structure is the one Google Calendar sends and every major
	 * client has been tuned to:
	 *
	 *   multipart/mixed
	 *     multipart/alternative
	 *       text/plain                                  the letter
	 *       text/calendar; method=REQUEST|CANCEL        the iTIP message
	 *     application/ics; name="invite.ics"            the same, as an attachment
	 *
	 * Outlook turns a message into a meeting request (or cancellation) only when it finds
	 * text/calendar with a method inside multipart/alternative; in multipart/mixed it shows
	 * a plain .ics attachment. Gmail shows its event card for either. Apple Mail and iOS
	 * offer the .ics attachment to Calendar, and clients that know no calendar at all still
	 * show the letter, which is the first alternative and their best one. The attachment
	 * is application/ics, not text/calendar, so that clients do not process the
	 * invitation twice.
	 *
	 * The boundaries start with "=_": quoted-printable never writes "=" before anything but
	 * a hex digit or a line break, and base64 has neither "=" inside nor "_", so no part can
	 * contain a boundary, whatever the text. The random part keeps them unique anyway.
	 */
	message_random(rnd, sizeof(rnd));
	message_hex(rnd, sizeof(rnd), hex);
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"=_noshowd_mix_%s\"\r\n\r\n", hex);
	buf_printf(out, "--=_noshowd_mix_%s\r\n", hex);
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"=_noshowd_alt_%s\"\r\n\r\n",
	    hex);
	buf_printf(out, "--=_noshowd_alt_%s\r\n", hex);
	message_text_part(out, m->body);
	/* An empty line first: the CRLF before a boundary belongs to the boundary. */
	buf_printf(out, "\r\n--=_noshowd_alt_%s\r\n", hex);
	buf_printf(out, "Content-Type: text/calendar; charset=UTF-8; method=%s\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", method);
	message_base64_lines(m->calendar, strlen(m->calendar), out);
	buf_printf(out, "--=_noshowd_alt_%s--\r\n", hex);
	buf_printf(out, "\r\n--=_noshowd_mix_%s\r\n", hex);
	buf_addstr(out, "Content-Type: application/ics; name=\"invite.ics\"\r\n"
	    "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	message_base64_lines(m->calendar, strlen(m->calendar), out);
	buf_printf(out, "--=_noshowd_mix_%s--\r\n", hex);
	return 0;
}
