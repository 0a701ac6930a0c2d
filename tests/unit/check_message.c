/*
 * message.c: header order, Date offsets, RFC 2047 words that decode back, text from outside
 * that tries to add headers, address checks, quoted-printable that decodes to the exact
 * text, and the multipart form with an invitation. Decoders written here check the bytes;
 * python3's email package (a `make check` dependency) reads the same bytes as a mail
 * client would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include "message.h"
#include "unit.h"
#include "util.h"

#define ZONE "Europe/Amsterdam"
#define ID "<0123456789abcdef0123456789abcdef.noshowd@sail.example.nl>"

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static void
msg_init(struct message *m)
{
	memset(m, 0, sizeof(*m));
	m->from_name = "Jan de Vries";
	m->from_addr = "jan@sail.example.nl";
	m->to_name = "Zoe Smit";
	m->to_addr = "zoe@example.com";
	m->reply_to = "bookings@sail.example.nl";
	m->subject = "Your booking NS-7KQ2-4D";
	m->body = "Dear Zoe,\n\nSee you on the water.\n";
	m->message_id = ID;
	m->date = utc(2026, 12, 8, 8, 0, 0);
	m->zone = ZONE;
	m->ref = "NS-7KQ2-4D";
	m->kind = "confirmation";
	m->language = "en";
}

/*
 * Every message must be CRLF only (no bare CR or LF), end with CRLF, and keep every line
 * within 998 octets; `max` is a tighter limit the caller expects.
 */
static void
check_lines(const char *s, size_t len, size_t max)
{
	size_t start = 0;

	ck_assert_msg(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n',
	    "message does not end with CRLF");
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r') {
			ck_assert_msg(i + 1 < len && s[i + 1] == '\n', "bare CR at %zu", i);
		} else if (s[i] == '\n') {
			ck_assert_msg(i > 0 && s[i - 1] == '\r', "bare LF at %zu", i);
			ck_assert_msg(i - 1 - start <= max, "line of %zu octets at %zu: %.*s",
			    i - 1 - start, start, (int)(i - 1 - start), s + start);
			start = i + 1;
		}
	}
}

static char *
build(const struct message *m, size_t *len)
{
	struct buf b;
	char err[ERR_MAX] = "";

	buf_init(&b);
	ck_assert_msg(message_build(m, &b, err) == 0, "message_build: %s", err);
	check_lines(b.data, b.len, 998);
	if (len != NULL)
		*len = b.len;
	return buf_detach(&b);
}

/* The header block, unfolded: field names and values (leading white space dropped). */
struct field {
	char name[64];
	char *value;
};

static size_t
parse_headers(const char *msg, struct field *f, size_t max)
{
	const char *p = msg;
	size_t n = 0;

	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *colon = strchr(p, ':');
		struct buf v;

		ck_assert_msg(p[0] != ' ' && p[0] != '\t', "continuation without a field");
		ck_assert_msg(colon != NULL && (size_t)(colon - p) < sizeof(f[n].name), "bad field");
		ck_assert_msg(n < max, "too many fields");
		for (const char *q = p; q < colon; q++)
			ck_assert_msg(*q > 0x20 && *q < 0x7f, "bad field name in: %.40s", p);
		memcpy(f[n].name, p, (size_t)(colon - p));
		f[n].name[colon - p] = '\0';
		p = colon + 1;
		buf_init(&v);
		buf_addstr(&v, "");
		for (;;) {
			const char *eol = strstr(p, "\r\n");

			ck_assert(eol != NULL);
			buf_add(&v, p, (size_t)(eol - p));
			p = eol + 2;
			if (*p != ' ' && *p != '\t')
				break;
		}
		f[n].value = buf_detach(&v);
		memmove(f[n].value, f[n].value + strspn(f[n].value, " \t"),
		    strlen(f[n].value + strspn(f[n].value, " \t")) + 1);
		n++;
	}
	return n;
}

static void
free_headers(struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].value);
}

static const char *
header(struct field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
base64_decode(const char *s, size_t n, struct buf *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		const char *c;

		if (s[i] == '=' || s[i] == '\r' || s[i] == '\n')
			continue;
		c = strchr(b64, s[i]);
		ck_assert_msg(c != NULL && s[i] != '\0', "not base64: %c", s[i]);
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)(v >> bits & 0xff));
		}
	}
}

/*
 * A strict RFC 2047 decoder for values this module writes: "=?UTF-8?Q?...?=" and
 * "=?UTF-8?B?...?=" words, white space between two encoded-words dropped, each word at
 * most 75 characters and valid UTF-8 on its own (no character cut in two).
 */
static char *
decode_2047(const char *v)
{
	struct buf out;
	int prev_encoded = 0;
	const char *p = v;

	buf_init(&out);
	buf_addstr(&out, "");
	while (*p != '\0') {
		size_t ws = strspn(p, " \t"), len;
		const char *tok = p + ws;
		int encoded;

		len = strcspn(tok, " \t");
		encoded = len >= 12 && strncmp(tok, "=?UTF-8?", 8) == 0 &&
		    (tok[8] == 'Q' || tok[8] == 'B') && tok[9] == '?' &&
		    strncmp(tok + len - 2, "?=", 2) == 0;
		if (len == 0)
			break;
		if (!(encoded && prev_encoded))
			buf_add(&out, p, ws);
		if (encoded) {
			struct buf w;

			ck_assert_msg(len <= 75, "encoded-word of %zu characters", len);
			buf_init(&w);
			buf_addstr(&w, "");
			if (tok[8] == 'B') {
				base64_decode(tok + 10, len - 12, &w);
			} else {
				for (size_t i = 10; i < len - 2; i++) {
					if (tok[i] == '_') {
						buf_addch(&w, ' ');
					} else if (tok[i] == '=') {
						int hi = unhex(tok[i + 1]), lo = unhex(tok[i + 2]);

						ck_assert_msg(hi >= 0 && lo >= 0, "bad Q escape in %s", tok);
						buf_addch(&w, (char)(hi << 4 | lo));
						i += 2;
					} else {
						ck_assert_msg(strchr("?= \t", tok[i]) == NULL,
						    "bad Q character in %.*s", (int)len, tok);
						buf_addch(&w, tok[i]);
					}
				}
			}
			ck_assert_msg(utf8_valid(w.data, w.len, NULL),
			    "encoded-word %.*s is not UTF-8 by itself", (int)len, tok);
			buf_add(&out, w.data, w.len);
			buf_release(&w);
		} else {
			buf_add(&out, tok, len);
		}
		prev_encoded = encoded;
		p = tok + len;
	}
	return buf_detach(&out);
}

/*
 * Quoted-printable back to bytes, checking the rules on the way: lines of at most 76
 * characters, no white space at a line's end, "=" only before two hex digits or a soft
 * break, and every line (soft-broken or not) valid UTF-8 on its own.
 */
static char *
decode_qp(const char *s, size_t n, size_t *outlen)
{
	struct buf out, line;
	size_t i = 0;

	buf_init(&out);
	buf_addstr(&out, "");
	buf_init(&line);
	buf_addstr(&line, "");
	while (i < n) {
		const char *eol = strstr(s + i, "\r\n");
		size_t len = eol != NULL ? (size_t)(eol - (s + i)) : n - i;
		int soft = 0;

		ck_assert_msg(eol != NULL, "QP text does not end with CRLF");
		ck_assert_msg(len <= 76, "QP line of %zu characters: %.*s", len, (int)len, s + i);
		ck_assert_msg(len == 0 || (s[i + len - 1] != ' ' && s[i + len - 1] != '\t'),
		    "white space at the end of a QP line");
		line.len = 0;
		for (size_t k = i; k < i + len; k++) {
			unsigned char c = (unsigned char)s[k];

			if (c == '=' && k + 1 == i + len) {
				soft = 1;
			} else if (c == '=') {
				int hi, lo;

				ck_assert(k + 2 < i + len);
				hi = unhex(s[k + 1]);
				lo = unhex(s[k + 2]);
				ck_assert_msg(hi >= 0 && lo >= 0, "bad QP escape");
				buf_addch(&line, (char)(hi << 4 | lo));
				k += 2;
			} else {
				ck_assert_msg((c >= 33 && c <= 126) || c == ' ' || c == '\t',
				    "literal byte %#x in QP", c);
				buf_addch(&line, (char)c);
			}
		}
		ck_assert_msg(utf8_valid(line.data, line.len, NULL),
		    "QP line is not UTF-8 on its own: %.*s", (int)len, s + i);
		buf_add(&out, line.data, line.len);
		if (!soft)
			buf_addstr(&out, "\r\n");
		i += len + 2;
	}
	buf_release(&line);
	*outlen = out.len;
	return buf_detach(&out);
}

/* "\n", "\r\n" and a lone "\r" are all one line break, CRLF on the wire. */
static char *
crlf(const char *s)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "");
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r')
			buf_addstr(&b, "\r\n");
		else
			buf_addch(&b, *s);
	}
	return buf_detach(&b);
}

static const char *
body_of(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");

	ck_assert(p != NULL);
	return p + 4;
}

static char *
write_temp(const char *data, size_t len)
{
	char *path = xstrdup("/tmp/check_message.XXXXXX");
	int fd = mkstemp(path);

	ck_assert_msg(fd >= 0, "mkstemp");
	ck_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return path;
}

/* Run python3 -c script with args; 0 if it exited 0 (it explains failures on stderr). */
static int
python(const char *script, const char *const *args)
{
	const char *argv[64] = { "python3", "-c", script };
	size_t n = 3;
	pid_t pid;
	int status;

	for (size_t i = 0; args[i] != NULL; i++) {
		ck_assert(n < 63);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		execv("/usr/bin/python3", (char *const *)argv);
		perror("exec python3");
		_exit(127);
	}
	ck_assert(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Parse the message as python's email package does and compare the header list, in order,
 * with NAME VALUE pairs ("*" matches any value). Any defect the parser notes fails too.
 * Runs of white space compare as one: python's address parser keeps the space between two
 * encoded-words of a display name, against RFC 2047 6.2 (decode_2047 checks exactness).
 */
static const char py_headers[] =
    "import sys, email\n"
    "from email import policy\n"
    "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n"
    "got = [(k, ' '.join(str(v).split())) for k, v in m.items()]\n"
    "a = sys.argv[2:]\n"
    "want = list(zip(a[0::2], a[1::2]))\n"
    "ok = len(got) == len(want) and all(g[0] == w[0] and w[1] in ('*', g[1])\n"
    "    for g, w in zip(got, want))\n"
    "defects = [d for p in m.walk() for d in p.defects]\n"
    "defects += [d for k, v in m.items() for d in getattr(v, 'defects', ())]\n"
    "if not ok or defects:\n"
    "    print('got ', got, '\\nwant', want, '\\ndefects', defects, file=sys.stderr)\n"
    "    sys.exit(1)\n";

static void
python_headers(const char *msg, size_t len, const char *const *pairs)
{
	char *path = write_temp(msg, len);
	const char *args[60] = { path };
	size_t n = 1;

	for (size_t i = 0; pairs[i] != NULL; i++) {
		ck_assert(n < 59);
		args[n++] = pairs[i];
	}
	args[n] = NULL;
	ck_assert_msg(python(py_headers, args) == 0, "python's email parser disagrees");
	unlink(path);
	free(path);
}

START_TEST(test_header_order)
{
	static const char *const want[] = {
		"Date", "From", "To", "Reply-To", "Subject", "Message-ID", "MIME-Version",
		"Content-Language", "X-Noshowd-Ref", "X-Noshowd-Kind", "Content-Type",
		"Content-Transfer-Encoding",
	};
	struct message m;
	struct field f[32];
	char *msg;
	size_t n;

	msg_init(&m);
	msg = build(&m, NULL);
	n = parse_headers(msg, f, 32);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(f[i].name, want[i]);
	ck_assert_str_eq(header(f, n, "From"), "Jan de Vries <jan@sail.example.nl>");
	ck_assert_str_eq(header(f, n, "To"), "Zoe Smit <zoe@example.com>");
	ck_assert_str_eq(header(f, n, "Reply-To"), "bookings@sail.example.nl");
	ck_assert_str_eq(header(f, n, "Subject"), "Your booking NS-7KQ2-4D");
	ck_assert_str_eq(header(f, n, "Message-ID"), ID);
	ck_assert_str_eq(header(f, n, "MIME-Version"), "1.0");
	ck_assert_str_eq(header(f, n, "Content-Language"), "en");
	ck_assert_str_eq(header(f, n, "X-Noshowd-Ref"), "NS-7KQ2-4D");
	ck_assert_str_eq(header(f, n, "X-Noshowd-Kind"), "confirmation");
	ck_assert_str_eq(header(f, n, "Content-Type"), "text/plain; charset=UTF-8");
	ck_assert_str_eq(header(f, n, "Content-Transfer-Encoding"), "quoted-printable");
	free_headers(f, n);
	free(msg);
}
END_TEST

START_TEST(test_header_optional)
{
	static const char *const want[] = {
		"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding",
	};
	struct message m;
	struct field f[32];
	char *msg;
	size_t n;

	msg_init(&m);
	m.reply_to = "";
	m.language = NULL;
	m.ref = NULL;
	m.kind = "";
	m.from_name = NULL;
	m.to_name = " \t ";
	m.subject = NULL;
	msg = build(&m, NULL);
	n = parse_headers(msg, f, 32);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(f[i].name, want[i]);
	ck_assert_str_eq(header(f, n, "From"), "jan@sail.example.nl");
	ck_assert_str_eq(header(f, n, "To"), "zoe@example.com");
	ck_assert_str_eq(header(f, n, "Subject"), "");
	ck_assert_ptr_null(header(f, n, "Auto-Submitted"));
	free_headers(f, n);
	free(msg);
}
END_TEST

START_TEST(test_date)
{
	static const struct {
		int y, mo, d, h, mi, s;
		const char *zone, *want;
	} cases[] = {
		{ 2026, 12, 8, 8, 0, 0, ZONE, "Tue, 08 Dec 2026 09:00:00 +0100" },
		{ 2027, 7, 1, 7, 30, 5, ZONE, "Thu, 01 Jul 2027 09:30:05 +0200" },
		/* The switch to summer time: 01:59:59 UTC is 02:59:59 CET, then 04:00 CEST. */
		{ 2027, 3, 28, 0, 59, 59, ZONE, "Sun, 28 Mar 2027 01:59:59 +0100" },
		{ 2027, 3, 28, 1, 0, 0, ZONE, "Sun, 28 Mar 2027 03:00:00 +0200" },
		{ 2027, 1, 1, 3, 0, 0, "America/New_York", "Thu, 31 Dec 2026 22:00:00 -0500" },
		{ 2027, 1, 1, 3, 0, 0, "Asia/Kolkata", "Fri, 01 Jan 2027 08:30:00 +0530" },
		{ 2027, 1, 1, 3, 0, 0, NULL, "Fri, 01 Jan 2027 03:00:00 +0000" },
		{ 2027, 1, 1, 3, 0, 0, "Not/AZone", "Fri, 01 Jan 2027 03:00:00 +0000" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct message m;
		struct field f[32];
		char *msg;
		size_t n;

		msg_init(&m);
		m.date = utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi,
		    cases[i].s);
		m.zone = cases[i].zone;
		msg = build(&m, NULL);
		ck_assert_msg(strncmp(msg, "Date: ", 6) == 0, "Date is not the first header");
		n = parse_headers(msg, f, 32);
		ck_assert_str_eq(header(f, n, "Date"), cases[i].want);
		free_headers(f, n);
		free(msg);
	}
}
END_TEST

START_TEST(test_encode_plain)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "Your booking NS-7KQ2-4D", "Your booking NS-7KQ2-4D" },
		{ "  spaced \t out\r\n  ", "spaced out" },
		{ "a\x01" "b\x7f" "c\xc2\x85" "d\xe2\x80\xa8" "e", "a b c d e" },
		{ "", "" },
		{ "what? = yes_", "what? = yes_" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b);
		buf_addstr(&b, "");
		message_encode_header(cases[i].in, &b);
		ck_assert_str_eq(b.data, cases[i].want);
		buf_release(&b);
	}
}
END_TEST

static void
check_roundtrip(const char *in, const char *want)
{
	struct buf b;
	char *dec;
	size_t col = 0;

	buf_init(&b);
	buf_addstr(&b, "");
	message_encode_header(in, &b);
	for (size_t i = 0; i < b.len; i++) {
		ck_assert_msg((unsigned char)b.data[i] > 0x1f && (unsigned char)b.data[i] < 0x7f,
		    "encoded header has byte %#x", (unsigned char)b.data[i]);
		col = b.data[i] == ' ' ? 0 : col + 1;
		ck_assert_msg(col <= 75, "word over 75 characters in %s", b.data);
	}
	dec = decode_2047(b.data);
	ck_assert_msg(strcmp(dec, want) == 0, "\"%s\" -> \"%s\" -> \"%s\"", in, b.data, dec);
	free(dec);
	buf_release(&b);
}

START_TEST(test_encode_roundtrip)
{
	static const char *const cases[] = {
		"Bevestiging: één plaats voor Zoë",
		"Ζωή Παπαδοπούλου",
		"山田 太郎 さんの予約",
		"Émile — 10 € 😀 done",
		"Nguyễn Thị Minh Khai, “quoted” ‘text’",
		"underscores_and=equals?and question marks",
		"ends with an accent é",
		"é",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_roundtrip(cases[i], cases[i]);
	/* Text that looks like an encoded-word is encoded, so it reads back as written. */
	check_roundtrip("=?UTF-8?B?SGk=?= is not Hi", "=?UTF-8?B?SGk=?= is not Hi");
	check_roundtrip("Zo\xc3\xab\r\nBcc: x@y.z", "Zo\xc3\xab Bcc: x@y.z");
	/* A byte that is not UTF-8 cannot reach a header as it is. */
	check_roundtrip("caf\xe9 \xc3", "caf? ?");
}
END_TEST

START_TEST(test_encode_q_or_b)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "");
	message_encode_header("Café", &b);
	ck_assert_str_eq(b.data, "=?UTF-8?Q?Caf=C3=A9?=");
	b.len = 0;
	message_encode_header("Ζωή", &b);
	ck_assert_str_eq(b.data, "=?UTF-8?B?zpbPic6u?=");
	buf_release(&b);
}
END_TEST

/* Long values with multi-byte characters at every alignment: no word cut in a character. */
START_TEST(test_encode_long)
{
	static const char *const pieces[] = { "é", "€", "😀", "a", "Ж" };

	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		for (size_t shift = 0; shift < 8; shift++) {
			struct buf in;

			buf_init(&in);
			for (size_t i = 0; i < shift; i++)
				buf_addch(&in, 'x');
			for (size_t i = 0; i < 60; i++)
				buf_addstr(&in, i % 7 == 6 ? "a" : pieces[k]);
			check_roundtrip(in.data, in.data);
			buf_release(&in);
		}
	}
	{
		/* An ASCII word too long to fold is encoded so it can be cut. */
		char word[201];
		struct buf b;

		memset(word, 'w', 200);
		word[200] = '\0';
		buf_init(&b);
		buf_addstr(&b, "");
		message_encode_header(word, &b);
		ck_assert(strncmp(b.data, "=?UTF-8?", 8) == 0);
		buf_release(&b);
		check_roundtrip(word, word);
	}
}
END_TEST

/* Non-ASCII and long subjects and names fold within 78 columns and read back as written. */
START_TEST(test_headers_roundtrip)
{
	static const struct { const char *from, *to, *subject; } cases[] = {
		{ "Jan de Vries", "Zoë Smit", "Bevestiging: één plaats voor Zoë" },
		{ "Σχολή Ιστιοπλοΐας Αιγαίου", "山田 太郎",
		    "Κράτηση επιβεβαιώθηκε — 予約が確認されました — réservation confirmée" },
		{ "Vries, Jan (B.V.)", "O'Neil \"Zed\" \\ Zoë",
		    "A long ASCII subject that has to be folded somewhere because it goes on "
		    "and on and on well past the seventy-eight columns of a line" },
		{ "Anna-Maria Wilhelmina Theodora van Oldenbarnevelt-Hohenzollern tot Sigmaringen",
		    "Plain", "Thisisasubjectwithoneverylongwordthatcannotbefoldedanywhereatallbecause"
		    "ithasnospaces" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct message m;
		struct field f[32];
		char *msg, *dec, want_from[512], want_to[512];
		size_t n, len;

		msg_init(&m);
		m.from_name = cases[i].from;
		m.to_name = cases[i].to;
		m.subject = cases[i].subject;
		msg = build(&m, &len);
		check_lines(msg, (size_t)(body_of(msg) - msg), 78);
		n = parse_headers(msg, f, 32);
		dec = decode_2047(header(f, n, "Subject"));
		ck_assert_str_eq(dec, cases[i].subject);
		free(dec);
		if (i != 2) {
			/* Not quoted: the display name decodes back exactly. */
			const char *from = header(f, n, "From");
			char *name = xstrndup(from, strlen(from) - strlen(" <jan@sail.example.nl>"));

			ck_assert(strcmp(from + strlen(name), " <jan@sail.example.nl>") == 0);
			dec = decode_2047(name);
			ck_assert_str_eq(dec, cases[i].from);
			free(dec);
			free(name);
		}
		free_headers(f, n);

		/* python prints a display name with specials quoted, as written here. */
		snprintf(want_from, sizeof(want_from), "%s%s%s <jan@sail.example.nl>",
		    i == 2 ? "\"" : "", cases[i].from, i == 2 ? "\"" : "");
		snprintf(want_to, sizeof(want_to), "%s <zoe@example.com>",
		    i == 2 ? "\"O'Neil \\\"Zed\\\" \\\\ Zoë\"" : cases[i].to);
		{
			const char *const pairs[] = {
				"Date", "*", "From", want_from, "To", want_to,
				"Reply-To", "bookings@sail.example.nl", "Subject", cases[i].subject,
				"Message-ID", ID, "MIME-Version", "1.0", "Content-Language", "en",
				"X-Noshowd-Ref", "NS-7KQ2-4D", "X-Noshowd-Kind", "confirmation",
				"Content-Type", "text/plain; charset=\"UTF-8\"",
				"Content-Transfer-Encoding", "quoted-printable", NULL,
			};

			python_headers(msg, len, pairs);
		}
		free(msg);
	}
}
END_TEST

/* Display names come back whole from the address parser, specials and all. */
static const char py_names[] =
    "import sys, email\n"
    "from email import policy\n"
    "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n"
    "f, t = m['From'].addresses, m['To'].addresses\n"
    "n = lambda s: ' '.join(s.split())\n"
    "got = (len(f), n(f[0].display_name), f[0].addr_spec, len(t), n(t[0].display_name),\n"
    "    t[0].addr_spec)\n"
    "want = (1, sys.argv[2], sys.argv[3], 1, sys.argv[4], sys.argv[5])\n"
    "if got != want:\n"
    "    print('got ', got, '\\nwant', want, file=sys.stderr)\n"
    "    sys.exit(1)\n";

START_TEST(test_display_names)
{
	static const struct { const char *from, *from_want, *to, *to_want; } cases[] = {
		{ "Vries, Jan", "Vries, Jan", "a@b.c <evil@example.org>", "a@b.c <evil@example.org>" },
		{ "Jan \"Zeil\" \\ Vries", "Jan \"Zeil\" \\ Vries", "Zoë; <x>", "Zoë; <x>" },
		{ "Eve\r\nBcc: x@y.z", "Eve Bcc: x@y.z", "Mallory\nTo: other@evil.example",
		    "Mallory To: other@evil.example" },
		{ "=?UTF-8?Q?Fake?=", "=?UTF-8?Q?Fake?=", "(comment) [x]", "(comment) [x]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct message m;
		char *msg, *path;
		size_t len;

		msg_init(&m);
		m.from_name = cases[i].from;
		m.to_name = cases[i].to;
		msg = build(&m, &len);
		path = write_temp(msg, len);
		{
			const char *const args[] = { path, cases[i].from_want, "jan@sail.example.nl",
			    cases[i].to_want, "zoe@example.com", NULL };

			ck_assert_msg(python(py_names, args) == 0, "case %zu", i);
		}
		unlink(path);
		free(path);
		free(msg);
	}
}
END_TEST

/*
 * Names, subjects and references from outside try to add headers and to end the header
 * block early. The header set must be exactly the expected one, read both by scanning
 * the lines here and by python's parser.
 */
START_TEST(test_hostile_headers)
{
	static const char *const want[] = {
		"Date", "From", "To", "Reply-To", "Subject", "Message-ID", "MIME-Version",
		"Content-Language", "X-Noshowd-Ref", "X-Noshowd-Kind", "Content-Type",
		"Content-Transfer-Encoding",
	};
	struct message m;
	struct field f[32];
	char *msg;
	size_t n, len;

	msg_init(&m);
	m.from_name = "Eve\r\nBcc: x@y.z";
	m.to_name = "Zoe\r\n\r\nBody starts here";
	m.subject = "Hi\r\nX-Injected: 1";
	m.ref = "NS-1\nBcc: a@b.c";
	m.kind = "confirmation\r\nX-Injected: 2\r";
	msg = build(&m, &len);
	n = parse_headers(msg, f, 32);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(f[i].name, want[i]);
	ck_assert_str_eq(header(f, n, "Subject"), "Hi X-Injected: 1");
	ck_assert_str_eq(header(f, n, "X-Noshowd-Ref"), "NS-1 Bcc: a@b.c");
	ck_assert_str_eq(header(f, n, "X-Noshowd-Kind"), "confirmation X-Injected: 2");
	free_headers(f, n);
	{
		const char *const pairs[] = {
			"Date", "*", "From", "\"Eve Bcc: x@y.z\" <jan@sail.example.nl>",
			"To", "Zoe Body starts here <zoe@example.com>",
			"Reply-To", "bookings@sail.example.nl", "Subject", "Hi X-Injected: 1",
			"Message-ID", ID, "MIME-Version", "1.0", "Content-Language", "en",
			"X-Noshowd-Ref", "NS-1 Bcc: a@b.c",
			"X-Noshowd-Kind", "confirmation X-Injected: 2",
			"Content-Type", "*", "Content-Transfer-Encoding", "quoted-printable", NULL,
		};

		python_headers(msg, len, pairs);
	}
	free(msg);
}
END_TEST

START_TEST(test_invalid_address)
{
	static const struct {
		int which;	/* 0 to, 1 from, 2 reply-to */
		const char *addr, *want;
	} cases[] = {
		{ 0, "zoe@example.com\r\nBcc: x@y.z",
		    "invalid recipient address \"zoe@example.com??Bcc: x@y.z\"" },
		{ 0, "zoe@example.com\n", "invalid recipient address \"zoe@example.com?\"" },
		{ 0, "not-an-address", "invalid recipient address \"not-an-address\"" },
		{ 0, "", "invalid recipient address \"\"" },
		{ 0, NULL, "invalid recipient address \"\"" },
		{ 0, "Zoe <zoe@example.com>", "invalid recipient address \"Zoe <zoe@example.com>\"" },
		{ 0, "zoë@example.com", "invalid recipient address \"zoë@example.com\"" },
		{ 0, "a@b.c,d@e.f", "invalid recipient address \"a@b.c,d@e.f\"" },
		{ 1, "jan@@sail", "invalid sender address \"jan@@sail\"" },
		{ 2, "reply\r@sail.example.nl", "invalid reply-to address \"reply?@sail.example.nl\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct message m;
		struct buf b;
		char err[ERR_MAX] = "";

		msg_init(&m);
		if (cases[i].which == 0)
			m.to_addr = cases[i].addr;
		else if (cases[i].which == 1)
			m.from_addr = cases[i].addr;
		else
			m.reply_to = cases[i].addr;
		buf_init(&b);
		ck_assert_int_eq(message_build(&m, &b, err), -1);
		ck_assert_str_eq(err, cases[i].want);
		ck_assert_uint_eq(b.len, 0);
		buf_release(&b);
	}
}
END_TEST

START_TEST(test_invalid_other)
{
	struct message m;
	struct buf b;
	char err[ERR_MAX];

	buf_init(&b);
	msg_init(&m);
	m.message_id = "<abc@x.y>\r\nBcc: x@y.z";
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert_str_eq(err, "invalid message-id \"<abc@x.y>??Bcc: x@y.z\" "
	    "(want \"<unique@domain>\")");
	m.message_id = NULL;
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	msg_init(&m);
	m.language = "nl\r\nBcc: x@y.z";
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert_str_eq(err, "invalid language tag \"nl??Bcc: x@y.z\" (try \"nl\" or \"en\")");
	msg_init(&m);
	m.calendar = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
	m.calendar_method = "REQUEST\r\nX: y";
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert(strncmp(err, "invalid calendar method", 23) == 0);
	msg_init(&m);
	m.subject = "caf\xe9";
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert_str_eq(err, "subject is not valid UTF-8 (byte 3)");
	msg_init(&m);
	m.body = "ok\n\xc3\x28";
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert_str_eq(err, "message body is not valid UTF-8 (byte 3)");
	msg_init(&m);
	m.to_name = "\xed\xa0\x80";	/* a UTF-16 surrogate */
	ck_assert_int_eq(message_build(&m, &b, err), -1);
	ck_assert_str_eq(err, "recipient name is not valid UTF-8 (byte 0)");
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
}
END_TEST

static void
check_body(const char *body)
{
	struct message m;
	char *msg, *dec, *want;
	size_t declen;
	const char *qp;

	msg_init(&m);
	m.body = body;
	msg = build(&m, NULL);
	qp = body_of(msg);
	dec = decode_qp(qp, strlen(qp), &declen);
	want = crlf(body);
	ck_assert_msg(declen == strlen(want) && memcmp(dec, want, declen) == 0,
	    "body does not decode back:\n%s\n---\n%s", qp, dec);
	free(want);
	free(dec);
	free(msg);
}

START_TEST(test_qp_cases)
{
	static const char *const cases[] = {
		"",
		"no line break at the end",
		"one line\n",
		"trailing spaces   \nand a tab\t\nand both \t \n",
		" \n\t\n",
		"a=b == c\n=\n",
		"From the start\n.dot\n..two dots\nFrom\nFromage\n",
		"Zoë, één €10,- 😀\n",
		"control \x01 and \x7f bytes\n",
		"crlf\r\nlone cr\rlf\n",
		"\n\n\n",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_body(cases[i]);
}
END_TEST

/* Lines around the 76-character limit, with escapes and characters at every position. */
START_TEST(test_qp_long_lines)
{
	static const char *const fill[] = { "x", " ", "=", "é", "😀", "\t" };

	for (size_t f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
		for (size_t n = 70; n < 82; n++) {
			struct buf b;

			buf_init(&b);
			for (size_t i = 0; i < n; i++)
				buf_addch(&b, 'a');
			buf_addstr(&b, fill[f]);
			buf_addstr(&b, fill[f]);
			buf_addstr(&b, "\n");
			for (size_t i = 0; i < n * 3; i++)
				buf_addstr(&b, i % 7 == 0 ? fill[f] : "b");
			buf_addstr(&b, fill[f]);
			check_body(b.data);
			buf_release(&b);
		}
	}
	{
		/* One word of 500 characters. */
		char word[502];

		memset(word, 'w', 500);
		word[500] = '\n';
		word[501] = '\0';
		check_body(word);
	}
}
END_TEST

START_TEST(test_qp_random)
{
	static const char *const alphabet[] = {
		"a", "b", " ", "\t", "=", ".", "From ", "é", "€", "😀", "\n", "\r\n", "?", "_",
	};
	unsigned seed = 12345;

	for (int round = 0; round < 300; round++) {
		struct buf b;
		size_t n;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 400;
		buf_init(&b);
		buf_addstr(&b, "");
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf_addstr(&b, alphabet[(seed >> 16) % (sizeof(alphabet) / sizeof(alphabet[0]))]);
		}
		check_body(b.data);
		buf_release(&b);
	}
}
END_TEST

/* python's reading of the text part is the same text. */
static const char py_text[] =
    "import sys, email\n"
    "from email import policy\n"
    "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n"
    "body = open(sys.argv[2], 'rb').read().decode()\n"
    "got = m.get_body(('plain',)).get_content().replace('\\r\\n', '\\n')\n"
    "if m['Content-Transfer-Encoding'] != 'quoted-printable' or got != body:\n"
    "    print(repr(got), repr(body), file=sys.stderr)\n"
    "    sys.exit(1)\n";

START_TEST(test_qp_python)
{
	static const char *const bodies[] = {
		"Beste Zoë,\n\nJe plaats op dinsdag 8 december is bevestigd. Betaal €120,00 "
		"vóór 15 december op NL91 ABNA 0417 1643 00 o.v.v. NS-7KQ2-4D.   \n"
		"From now on = everything is fine.\n.\n",
		"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀\n",
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct message m;
		char *msg, *path, *bpath;
		size_t len;

		msg_init(&m);
		m.body = bodies[i];
		msg = build(&m, &len);
		path = write_temp(msg, len);
		bpath = write_temp(bodies[i], strlen(bodies[i]));
		{
			const char *const args[] = { path, bpath, NULL };

			ck_assert(python(py_text, args) == 0);
		}
		unlink(path);
		unlink(bpath);
		free(path);
		free(bpath);
		free(msg);
	}
}
END_TEST

static const char calendar[] =
    "BEGIN:VCALENDAR\r\nPRODID:-//noshowd//noshowd 0.1//EN\r\nVERSION:2.0\r\n"
    "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:NS-7KQ2-4D@sail.example.nl\r\n"
    "SUMMARY:Zeilen op de Loosdrechtse Plassen — dag één\\, met lunch\r\n"
    "DESCRIPTION:--=_noshowd_ is in here to try to confuse a boundary search and \r\n"
    " this line is folded\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/* The text of a part: from after the blank line to just before "\r\n--" + boundary. */
static char *
part_after(const char *from, const char *ctype, const char *boundary)
{
	const char *p = strstr(from, ctype), *start, *end;
	char delim[128];

	ck_assert_msg(p != NULL, "no %s part", ctype);
	start = strstr(p, "\r\n\r\n");
	ck_assert(start != NULL);
	start += 4;
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	end = strstr(start, delim);
	ck_assert(end != NULL);
	return xstrndup(start, (size_t)(end - start));
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

static const char py_mime[] =
    "import sys, email\n"
    "from email import policy\n"
    "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n"
    "body = open(sys.argv[2], 'rb').read().decode()\n"
    "cal = open(sys.argv[3], 'rb').read()\n"
    "p = list(m.walk())\n"
    "types = [x.get_content_type() for x in p]\n"
    "want = ['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/calendar',\n"
    "    'application/ics']\n"
    "checks = [types == want,\n"
    "    p[2].get_content().replace('\\r\\n', '\\n') == body,\n"
    "    p[3].get_param('method') == sys.argv[4], p[3].get_param('charset') == 'UTF-8',\n"
    "    p[3].get_payload(decode=True) == cal, p[4].get_payload(decode=True) == cal,\n"
    "    p[4].get_filename() == 'invite.ics', p[4].get_content_disposition() == 'attachment',\n"
    "    p[3].get_content_disposition() is None,\n"
    "    m.get_body(('plain',)) is p[2],\n"
    "    not any(x.defects for x in p)]\n"
    "if not all(checks):\n"
    "    print(types, checks, file=sys.stderr)\n"
    "    sys.exit(1)\n";

static void
check_multipart(const char *method)
{
	struct message m;
	struct field f[32];
	char *msg, *text, *qp, *b64, *path, *bpath, *cpath, mix[64], alt[64];
	const char *ct;
	size_t n, len, declen;
	struct buf dec;

	msg_init(&m);
	m.body = "Beste Zoë,\n\nDe uitnodiging zit erbij.\n";
	m.calendar = calendar;
	m.calendar_method = method;
	msg = build(&m, &len);
	n = parse_headers(msg, f, 32);
	ck_assert_str_eq(f[n - 1].name, "Content-Type");
	ck_assert_ptr_null(header(f, n, "Content-Transfer-Encoding"));
	ct = header(f, n, "Content-Type");
	ck_assert_msg(sscanf(ct, "multipart/mixed; boundary=\"%63[^\"]\"", mix) == 1, "%s", ct);
	ck_assert(strncmp(mix, "=_noshowd_", 10) == 0);
	free_headers(f, n);
	ct = strstr(msg, "multipart/alternative; boundary=\"");
	ck_assert(ct != NULL);
	ck_assert(sscanf(ct, "multipart/alternative; boundary=\"%63[^\"]\"", alt) == 1);
	ck_assert_str_ne(mix, alt);

	/* Each boundary only in its Content-Type, its delimiters and its close. */
	ck_assert_uint_eq(count(msg, mix), 4);
	ck_assert_uint_eq(count(msg, alt), 4);
	{
		char line[128];

		snprintf(line, sizeof(line), "\r\n--%s--\r\n", alt);
		ck_assert_uint_eq(count(msg, line), 1);
		snprintf(line, sizeof(line), "\r\n--%s--\r\n", mix);
		ck_assert(strcmp(msg + len - strlen(line), line) == 0);
	}

	text = part_after(msg, "Content-Type: text/plain", alt);
	qp = text;
	{
		char *got = decode_qp(qp, strlen(qp), &declen), *want = crlf(m.body);

		ck_assert_str_eq(got, want);
		free(got);
		free(want);
	}
	b64 = part_after(msg, "Content-Type: text/calendar; charset=UTF-8; method=", alt);
	ck_assert(strstr(msg, "Content-Type: text/calendar; charset=UTF-8; method=") != NULL);
	{
		char want[64];

		snprintf(want, sizeof(want), "method=%s\r\n", method);
		ck_assert(strstr(msg, want) != NULL);
	}
	buf_init(&dec);
	buf_addstr(&dec, "");
	base64_decode(b64, strlen(b64), &dec);
	ck_assert_str_eq(dec.data, calendar);
	for (const char *l = b64; *l != '\0';
	    l += strcspn(l, "\r") + 2 * (l[strcspn(l, "\r")] != '\0'))
		ck_assert_uint_le(strcspn(l, "\r"), 76);
	free(b64);
	b64 = part_after(msg, "Content-Disposition: attachment; filename=\"invite.ics\"", mix);
	dec.len = 0;
	base64_decode(b64, strlen(b64), &dec);
	ck_assert_str_eq(dec.data, calendar);
	buf_release(&dec);
	free(b64);
	free(text);

	path = write_temp(msg, len);
	bpath = write_temp(m.body, strlen(m.body));
	cpath = write_temp(calendar, strlen(calendar));
	{
		const char *const args[] = { path, bpath, cpath, method, NULL };

		ck_assert(python(py_mime, args) == 0);
	}
	unlink(path);
	unlink(bpath);
	unlink(cpath);
	free(path);
	free(bpath);
	free(cpath);
	free(msg);
}

START_TEST(test_multipart_request)
{
	check_multipart("REQUEST");
}
END_TEST

START_TEST(test_multipart_cancel)
{
	check_multipart("CANCEL");
}
END_TEST

/* Two messages never share boundaries. */
START_TEST(test_multipart_unique)
{
	struct message m;
	char *a, *b, ba[64], bb[64];

	msg_init(&m);
	m.calendar = calendar;
	a = build(&m, NULL);
	b = build(&m, NULL);
	ck_assert(sscanf(strstr(a, "boundary=\""), "boundary=\"%63[^\"]\"", ba) == 1);
	ck_assert(sscanf(strstr(b, "boundary=\""), "boundary=\"%63[^\"]\"", bb) == 1);
	ck_assert_str_ne(ba, bb);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_message_id)
{
	char a[128], b[128];
	unsigned hexlen = 0;
	char dom[128] = "";

	message_new_id("Jan@Sail.Example.NL", a);
	message_new_id("jan@sail.example.nl", b);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(sscanf(a, "<%*[0-9a-f]%n.noshowd@%127[^>]>", &hexlen, dom), 1);
	ck_assert_uint_eq(hexlen, 33);
	ck_assert_str_eq(dom, "sail.example.nl");
	ck_assert_uint_eq(strlen(a), 1 + 32 + 9 + strlen("sail.example.nl") + 1);
	message_new_id("no-at-sign", a);
	ck_assert(strstr(a, ".noshowd@noshowd.invalid>") != NULL);
	message_new_id("x@bad\r\ndomain", a);
	ck_assert(strstr(a, ".noshowd@noshowd.invalid>") != NULL);

	/* A fresh id is accepted by message_build. */
	{
		struct message m;
		char *msg;

		message_new_id("jan@sail.example.nl", a);
		msg_init(&m);
		m.message_id = a;
		msg = build(&m, NULL);
		ck_assert(strstr(msg, a) != NULL);
		free(msg);
	}
}
END_TEST

static Suite *
message_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("message");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_header_order);
	tcase_add_test(tc, test_header_optional);
	tcase_add_test(tc, test_date);
	tcase_add_test(tc, test_encode_plain);
	tcase_add_test(tc, test_encode_roundtrip);
	tcase_add_test(tc, test_encode_q_or_b);
	tcase_add_test(tc, test_encode_long);
	tcase_add_test(tc, test_headers_roundtrip);
	tcase_add_test(tc, test_display_names);
	tcase_add_test(tc, test_hostile_headers);
	tcase_add_test(tc, test_invalid_address);
	tcase_add_test(tc, test_invalid_other);
	tcase_add_test(tc, test_qp_cases);
	tcase_add_test(tc, test_qp_long_lines);
	tcase_add_test(tc, test_qp_random);
	tcase_add_test(tc, test_qp_python);
	tcase_add_test(tc, test_multipart_request);
	tcase_add_test(tc, test_multipart_cancel);
	tcase_add_test(tc, test_multipart_unique);
	tcase_add_test(tc, test_message_id);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(message_suite)
