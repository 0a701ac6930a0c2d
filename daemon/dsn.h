/*
 * Delivery reports (issue #7): RFC 3464 multipart/report; report-type=delivery-status (and
 * RFC 6533 message/global-delivery-status), and the common non-standard bounces (qmail,
 * Exim, old Sendmail "Returned mail"). dsn_parse is a pure function: it reads bytes and
 * returns what they say, with no I/O, no store and no global state, so the bounce collector
 * decides what to do with a report and a fuzzer can call it directly.
 *
 * Linking contract: noshowd sends ENVID = the message's Message-ID header value including
 * its angle brackets, xtext-encoded (RFC 3461 section 4). A report is linked to the outbox
 * row whose message_id equals the decoded envid, or else original_message_id, and whose
 * rcpt equals a recipient's original_recipient or final_recipient (case-insensitive).
 */
#ifndef NOSHOWD_DSN_H
#define NOSHOWD_DSN_H

#include <stddef.h>

#include "util.h"

enum dsn_action { DSN_NONE, DSN_DELIVERED, DSN_DELAYED, DSN_FAILED, DSN_RELAYED, DSN_EXPANDED };

struct dsn_recipient {
	char *final_recipient;		/* the address, "rfc822;" removed; NULL if absent */
	char *original_recipient;	/* the address of Original-Recipient, or NULL */
	enum dsn_action action;
	char status[16];		/* "5.1.1", "2.0.0"; "" if absent */
	char *remote_mta;		/* "dns;mx.example.nl" -> "mx.example.nl"; NULL if absent */
	char *diagnostic;		/* Diagnostic-Code text (unfolded), or NULL */
};

struct dsn_report {
	int standard;			/* 1: RFC 3464 multipart/report; 0: a recognised
					   non-standard bounce (qmail, Exim, old Sendmail, ...) */
	char *envid;			/* Original-Envelope-Id, xtext-decoded, or NULL */
	char *reporting_mta;		/* or NULL */
	char *original_message_id;	/* Message-ID of the returned message or headers, or NULL */
	char *arrival_date;		/* or NULL */
	struct dsn_recipient *rcpts;
	size_t nrcpts;
};

/* 0: a delivery report, filled into r; 1: not a delivery report (unrelated mail, r left
   empty); -1: looks like a report but is malformed (err says what and where). Reads only
   data[0..len), which need not end in NUL. */
int dsn_parse(const char *data, size_t len, struct dsn_report *r, char err[ERR_MAX]);
void dsn_report_free(struct dsn_report *r);
const char *dsn_action_name(enum dsn_action a);	/* "delivered", "delayed", "failed", ... */

#endif
