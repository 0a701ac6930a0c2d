/*
 * The dialogue of one SMTP transaction, as the evidence log keeps it: every command and
 * reply as "C: " and "S: " lines, AUTH redacted, the message itself one line; the last
 * reply and the command it answered, which decide the outcome. libcurl's debug callback
 * feeds it, and so does smtpraw.c for the commands it speaks itself.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpint.h"

void
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

void
smtp_xfer_release(struct smtp_xfer *x)
{
	buf_release(&x->dialogue);
	buf_release(&x->in);
	buf_release(&x->out);
}

/*
 * A command line as sent. AUTH and everything the client sends until the exchange ends
 * carry credentials (an initial response, the base64 user name and password of LOGIN, a
 * CRAM-MD5 digest), so none of it is kept, not even the mechanism's arguments.
 */
void
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
void
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

void
smtp_flush(struct smtp_xfer *x)
{
	if (x->out.len > 0)
		smtp_feed(x, &x->out, "\n", 1, 1);
	if (x->in.len > 0)
		smtp_feed(x, &x->in, "\n", 1, 0);
}

int
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
