/*
 * What noshowctl shows: sessions, bookings, one booking's story, and the status page, each
 * as a readable table or (json != 0) one JSON document with the field names of SPEC
 * section 7. Read-only.
 */
#ifndef NOSHOWD_VIEW_H
#define NOSHOWD_VIEW_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "store.h"

struct view {
	struct store *s;
	const struct config *c;
	time_t now;
	int json;
	FILE *out;
	int idw;	/* width of the session column in tables */
};

int view_sessions(struct view *v, int all);
/* session NULL = all; state NULL = any. */
int view_bookings(struct view *v, const char *session, const char *state);
/* 0, or -1 when there is no booking with that reference (message on stderr). */
int view_show(struct view *v, const char *ref);
int view_status(struct view *v);

/* Messages not yet sent (or, with failed_only, those that failed for good). */
int view_outbox(struct view *v, int failed_only);
/* One booking by id, as JSON object or one table line (used after `book`). */
void view_booking_line(struct view *v, long long id);

/* Refunds due and unmatched bank credits, inside the status document (viewmoney.c). */
struct json;
/* In status: the bounce mailbox and the messages that bounced (viewdelivery.c). */
void view_bounced(struct view *v, struct json *j);
void view_money_status(struct view *v, struct json *j);
/* A booking's payments, inside the show document. */
void view_payments(struct view *v, struct json *j, long long booking_id);

/* noshowctl report over [from, to) (viewreport.c). */
int view_report(struct view *v, time_t from, time_t to);

#endif
