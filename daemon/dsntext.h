/*
 * The parts of the delivery-report parser that read text rather than MIME structure: the
 * non-standard bounces (qmail, Exim, old Sendmail and other "mailer-daemon" letters that
 * carry no message/delivery-status part), and the small helpers dsn.c shares with them.
 * Only dsn.c and dsntext.c include this; everyone else uses dsn.h.
 */
#ifndef NOSHOWD_DSNTEXT_H
#define NOSHOWD_DSNTEXT_H

#include <stddef.h>

#include "dsn.h"
#include "mime.h"

#define DSN_MAX_RCPTS	100	/* recipients kept from one report; the rest are dropped */
#define DSN_VALUE_MAX	1000	/* bytes kept of one value (a diagnostic, an address) */
#define DSN_TEXT_SCAN	262144	/* bytes of a bounce letter's text read for its parts */

/* What the MIME walk found that a text bounce may need. */
struct dsntext_in {
	const struct mime_part *top;	/* the whole message */
	const char *text;		/* the first text/plain part, decoded (NUL-terminated) */
	size_t textlen;
	const char *orig;		/* a returned message/rfc822 part, decoded, or NULL */
	size_t origlen;
};

/* 0: a recognised non-standard bounce filled into r (standard = 0); 1: not one; -1: it is
   one but names no recipient (err). */
int dsntext_bounce(const struct dsntext_in *in, struct dsn_report *r, char err[ERR_MAX]);

/* p[0..n) as a C string fit to store and show: bytes that are not UTF-8 become '?', control
   characters (NUL, CR, LF, TAB included) spaces, runs of spaces one, ends trimmed, at most
   DSN_VALUE_MAX bytes. NULL if nothing is left. */
char *dsntext_clean(const char *p, size_t n);

/* The message identifier "<...>" in a Message-ID field's value, or NULL. */
char *dsntext_msgid(const char *value);

/* A new, zeroed recipient at the end of r->rcpts, or NULL when r holds DSN_MAX_RCPTS. */
struct dsn_recipient *dsntext_add_rcpt(struct dsn_report *r);

/* The first status code "c.s.d" (c 2, 4 or 5) in s, into out[16]; "" if none. */
void dsntext_status(const char *s, char out[16]);

#endif
