/*
 * Mail headers from outside text: the input, split at 0xff bytes, gives the display names,
 * the subject, the reference and the body of a message built with message_build, the way
 * compose.c passes a customer's name and a rendered subject. Checks that text can never
 * add a header (message.h): every line of the header block is a field or its continuation,
 * in printable ASCII, with CRLF line ends and no line over 998 octets; From, To and Subject
 * appear once each.
 */
#include "fuzz.h"

#include "message.h"
#include "util.h"

static int
count_field(const char *head, size_t len, const char *name)
{
	size_t n = strlen(name);
	int count = 0;

	for (size_t i = 0; i + n < len; i++)
		if ((i == 0 || head[i - 1] == '\n') && strncasecmp(head + i, name, n) == 0 &&
		    head[i + n] == ':')
			count++;
	return count;
}

static void
check_head(const char *m, size_t len)
{
	const char *end = NULL;
	size_t headlen, line = 0;

	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(m + i, "\r\n\r\n", 4) == 0) {
			end = m + i + 2;
			break;
		}
	FUZZ_ASSERT(end != NULL);
	headlen = (size_t)(end - m);
	for (size_t i = 0; i < headlen; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c == '\r') {
			FUZZ_ASSERT(i + 1 < headlen && m[i + 1] == '\n');
			continue;
		}
		if (c == '\n') {
			FUZZ_ASSERT(i > 0 && m[i - 1] == '\r');
			line = 0;
			continue;
		}
		FUZZ_ASSERT((c >= 0x20 && c < 0x7f) || c == '\t');
		/* A line starts with a field name and a colon, or with white space. */
		if (line == 0 && c != ' ' && c != '\t') {
			const char *colon = memchr(m + i, ':', headlen - i);
			const char *eol = memchr(m + i, '\r', headlen - i);

			FUZZ_ASSERT(colon != NULL && (eol == NULL || colon < eol) && colon > m + i);
			for (const char *p = m + i; p < colon; p++)
				FUZZ_ASSERT(*p > ' ' && *p < 0x7f);
		}
		FUZZ_ASSERT(++line <= 998);
	}
	FUZZ_ASSERT(count_field(m, headlen, "From") == 1);
	FUZZ_ASSERT(count_field(m, headlen, "To") == 1);
	FUZZ_ASSERT(count_field(m, headlen, "Subject") == 1);
	FUZZ_ASSERT(count_field(m, headlen, "Bcc") == 0 && count_field(m, headlen, "Cc") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_strdup(data, size), *part[5] = { "", "", "", "", "" };
	struct message m;
	struct buf out;
	char err[ERR_MAX];
	size_t np = 0;

	/* Parts separated by 0xff, which UTF-8 never holds. */
	part[np++] = copy;
	for (char *p = copy; *p != '\0' && np < 5; p++)
		if ((unsigned char)*p == 0xff) {
			*p = '\0';
			part[np++] = p + 1;
		}
	memset(&m, 0, sizeof(m));
	m.from_name = part[0];
	m.from_addr = "sanne@example.nl";
	m.to_name = part[1];
	m.to_addr = "ann@example.nl";
	m.subject = part[2];
	m.ref = part[3];
	m.body = part[4];
	m.message_id = "<1.noshowd@example.nl>";
	m.date = 1795456676;
	m.zone = "Europe/Amsterdam";
	m.kind = "confirmation";
	m.language = "en";
	buf_init(&out);
	if (message_build(&m, &out, err) == 0)
		check_head(out.data, out.len);
	buf_release(&out);

	/* The encoder alone: one line of printable ASCII. */
	buf_init(&out);
	message_encode_header(part[0], &out);
	for (size_t i = 0; i < out.len; i++)
		FUZZ_ASSERT(out.data[i] >= 0x20 && out.data[i] < 0x7f);
	buf_release(&out);
	free(copy);
	return 0;
}
