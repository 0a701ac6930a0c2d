/*
 * Delivery reports and bounces (SPEC section 5, "Delivery proof"; issue #7). Once a cycle,
 * after sending, the envelope sender's mailbox (mail.bounces) is read over IMAP: every
 * message with a UID past the last one read is fetched without marking it \Seen, given to
 * dsn_parse, and, when it is a report about a message noshowd sent, linked to that outbox
 * row (by ENVID or the returned Message-ID, and the recipient), kept byte for byte in the
 * evidence directory and recorded as an evidence record of its own (`delivery`,
 * `delivery-delay`, `non-delivery`). The outbox row then carries its delivery state, which
 * the dunning ladder reads: a letter that was not delivered starts no term, and one that was
 * counts its term from its delivery.
 *
 * A recorded report gets the IMAP keyword $NoshowdProcessed (not \Seen), so that whoever
 * reads the mailbox sees what noshowd has handled. Mail that is not a report is left alone,
 * flags and all; a report about a message noshowd does not know and a malformed report are
 * logged and passed over, once, and not marked. The UIDVALIDITY and the last UID
 * read are kept in the store (bounce_mailbox), each message's in the transaction that
 * records it, so a crash reads a message again at most, and records it once (deliveries).
 */
#ifndef NOSHOWD_BOUNCES_H
#define NOSHOWD_BOUNCES_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "dsn.h"
#include "store.h"

/* The IMAP keyword set on a report once it is recorded (RFC 3501 section 2.3.2). */
#define BOUNCES_KEYWORD "$NoshowdProcessed"
/* At most this many messages are read in one cycle; the rest wait for the next. */
#define BOUNCES_PER_CYCLE 500
/* A message larger than this is no report of ours: passed over unread. */
#define BOUNCES_SIZE_MAX ((uint64_t)32 << 20)
/* Cycles in which fetching one message failed before it is passed by (said, never silent). */
#define BOUNCES_FETCH_TRIES 3

/*
 * Read the mailbox and record what it reports (nothing when mail.bounces is not set). One
 * line per report and a summary go to out when it is not NULL, else to the log. A mailbox
 * that cannot be read is not a failed cycle: its error is kept for `noshowctl status`.
 * Returns the number of reports recorded, or -1 if the store failed.
 */
int bounces_collect(struct store *s, const struct config *c, time_t now, FILE *out);

/* The evidence event for a report's action: "delivery", "delivery-delay", "non-delivery";
   NULL for an action that says nothing about delivery. */
const char *bounces_event(enum dsn_action a);

/*
 * A message's delivery state after a report with action a: the new state ("delivered",
 * "delayed", "failed"), or NULL when it stays as it is. state is the current one (NULL: no
 * report yet); proven says whether a report with action delivered or failed was recorded
 * for the message before. Delivered and failed are final and the first stands; delayed is
 * not final. Relayed and expanded (an alias, a forward) say only that a server passed the
 * message on: they make it delivered until a final word about the address it went on to
 * arrives, which then stands, in whatever order the reports are read (Postfix writes
 * "expanded" for the alias and the failure behind it at once).
 */
const char *bounces_next_state(const char *state, int proven, enum dsn_action a);

/*
 * The moment a report speaks of: its Date header, but never before the message was sent
 * nor after the report was read (a sender's clock is not trusted further than that).
 */
time_t bounces_report_time(const char *data, size_t len, time_t sent, time_t now);

#endif
