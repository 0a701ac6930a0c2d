/*
 * Building a message: RFC 5322 headers (RFC 2047 for non-ASCII, folded under 78 columns),
 * MIME with a UTF-8 text/plain body in quoted-printable, and optionally an iCalendar part
 * (text/calendar; method=...). Text that came from outside can never add a header: every
 * header value is stripped of CR, LF and other controls before it is encoded, and
 * addresses are checked.
 */
#ifndef NOSHOWD_MESSAGE_H
#define NOSHOWD_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "util.h"

struct message {
	const char *from_name, *from_addr;	/* the trainer */
	const char *to_name, *to_addr;		/* the customer */
	const char *reply_to;			/* NULL or "": none */
	const char *subject;
	const char *body;			/* UTF-8 text, '\n' line ends */
	const char *message_id;			/* "<...@domain>" */
	time_t date;
	const char *zone;			/* for the Date header's offset */
	const char *ref;			/* X-Noshowd-Ref */
	const char *kind;			/* X-Noshowd-Kind */
	const char *language;			/* Content-Language */
	const char *calendar;			/* iCalendar text (CRLF), or NULL */
	const char *calendar_method;		/* "REQUEST" or "CANCEL" */
};

/*
 * Append the whole message (CRLF line ends, no line over 998 octets, ending with CRLF) to
 * out. Without a calendar the message is a single text/plain part; with one it is
 * multipart/mixed { multipart/alternative { text/plain, text/calendar; method=M },
 * application/ics "invite.ics" } (message.c says why). Fails (-1, err, nothing appended)
 * on an invalid address (sender, recipient, reply-to; ASCII only), a message_id that is
 * not "<left@right>" in visible ASCII, a language that is not a tag, a calendar_method
 * that is not upper-case letters (NULL means REQUEST), or text that is not UTF-8. NULL
 * names, subject, ref and kind are allowed (no X-Noshowd-* header for a NULL or empty one).
 */
int message_build(const struct message *m, struct buf *out, char err[]);

/* A fresh Message-ID "<random.noshowd@domain>" (domain from the sender's address). */
void message_new_id(const char *from_addr, char out[128]);

/*
 * Clean one header value (controls to spaces, runs of spaces to one, ends trimmed, bytes that
 * are not UTF-8 to '?') and RFC 2047-encode it when it needs it (non-ASCII, "=?", a word over
 * 75 characters): UTF-8 encoded-words of at most 75 characters, separated by single spaces,
 * never splitting a character. Appends the unfolded result to out (for tests and other
 * headers).
 */
void message_encode_header(const char *value, struct buf *out);

#endif
