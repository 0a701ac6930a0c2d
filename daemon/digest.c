#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "days.h"
#include "digest.h"
#include "money.h"
#include "policy.h"
#include "util.h"

/* The digest's own words, in the trainer's language (nl, else en). */
struct digest_words {
	const char *sessions, *seats, *none, *releases, *since, *quiet, *attention, *nothing;
	const char *failed, *assign, *refunds, *bounced, *waits, *other, *mailbox;
};

static const struct digest_words words_en = {
	"Sessions today and tomorrow:", "%d of %d seats taken, %d paid, %d waiting", "none",
	"Unpaid seats released within a day:", "Since the last summary:",
	"all quiet: nothing happened", "Needs your attention:", "nothing",
	"message(s) failed (noshowctl outbox --failed)",
	"payment(s) to assign (noshowctl status)", "refund(s) due (noshowctl status)",
	"not delivered:", "the dunning ladder waits: check the address with the customer, then "
	"noshowctl resend %s", "reach the customer another way, or check the address",
	"the mailbox of delivery reports failed:",
};

static const struct digest_words words_nl = {
	"Trainingen vandaag en morgen:", "%d van %d plaatsen bezet, %d betaald, %d wachtend",
	"geen", "Onbetaalde plaatsen die binnen een dag vrijkomen:", "Sinds het vorige overzicht:",
	"alles rustig: er is niets gebeurd", "Vraagt uw aandacht:", "niets",
	"bericht(en) mislukt (noshowctl outbox --failed)",
	"betaling(en) toe te wijzen (noshowctl status)",
	"terugbetaling(en) verschuldigd (noshowctl status)",
	"niet bezorgd:", "de aanmaningen wachten: controleer het adres met de klant en "
	"verstuur dan opnieuw met noshowctl resend %s",
	"bereik de klant op een andere manier, of controleer het adres",
	"de mailbox met afleverberichten gaf een fout:",
};

static const struct digest_words *
digest_words(const struct config *c)
{
	return c->language && strcmp(c->language, "nl") == 0 ? &words_nl : &words_en;
}

/* digest_at on the local date of t, shifted by `days` days. */
static time_t
digest_on(const struct config *c, time_t t, int days)
{
	time_t out;

	return days_wall_on(t, c->timezone, days, c->policy.digest_at * 60, &out) < 0 ? 0 : out;
}

time_t
digest_moment(const struct config *c, time_t now)
{
	time_t today = digest_on(c, now, 0);

	return today <= now ? today : digest_on(c, now, -1);
}

time_t
digest_next(const struct config *c, time_t now)
{
	time_t today = digest_on(c, now, 0);

	return today > now ? today : digest_on(c, now, 1);
}

static void
digest_sessions(struct store *s, const struct config *c, time_t now, struct buf *b)
{
	time_t from = now, to = now + 2 * 86400;
	sqlite3_stmt *q;
	const struct digest_words *w = digest_words(c);
	int n = 0;

	/* From today's local midnight to the day after tomorrow's. */
	days_wall_on(now, c->timezone, 0, 0, &from);
	days_wall_on(now, c->timezone, 2, 0, &to);
	q = store_q(s, "SELECT x.title, x.start, x.capacity, (SELECT count(*) FROM "
	    "bookings b WHERE b.session_id = x.id AND b.state IN ('pending', 'confirmed', "
	    "'attended', 'no_show')), (SELECT count(*) FROM bookings b WHERE b.session_id = x.id "
	    "AND b.state IN ('confirmed', 'attended')), (SELECT count(*) FROM bookings b WHERE "
	    "b.session_id = x.id AND b.state = 'waitlisted') FROM sessions x WHERE x.start >= ? "
	    "AND x.start < ? AND x.cancelled = 0 ORDER BY x.start", "ii", (int64_t)from,
	    (int64_t)to);
	buf_printf(b, "%s\n", w->sessions);
	while (store_step(s, q) > 0) {
		char at[32];

		days_format_iso(sqlite3_column_int64(q, 1), c->timezone, at);
		buf_printf(b, "  %.10s %.5s  %s: ", at, at + 11, store_col_text(q, 0));
		buf_printf(b, w->seats, sqlite3_column_int(q, 3), sqlite3_column_int(q, 2),
		    sqlite3_column_int(q, 4), sqlite3_column_int(q, 5));
		buf_addch(b, '\n');
		n++;
	}
	if (n == 0)
		buf_printf(b, "  %s\n", w->none);
}

/* Pending seats whose release moment falls within the next day. */
static void
digest_releases(struct store *s, const struct config *c, time_t now, struct buf *b)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.ref, b.email, b.pay_by, x.start, x.title FROM "
	    "bookings b JOIN sessions x ON x.id = b.session_id WHERE b.state = 'pending' AND "
	    "b.pay_by <= ? AND b.amount_paid < b.amount_due ORDER BY b.pay_by", "i",
	    (int64_t)(now + 86400));
	const struct digest_words *w = digest_words(c);
	int n = 0;

	buf_printf(b, "\n%s\n", w->releases);
	while (store_step(s, q) > 0) {
		time_t at = policy_release_at(&c->policy, sqlite3_column_int64(q, 2),
		    sqlite3_column_int64(q, 3));
		char when[32];

		if (at == 0 || at < now || at > now + 86400)
			continue;
		days_format_iso(at, c->timezone, when);
		buf_printf(b, "  %s %s (%s) at %.10s %.5s\n", store_col_text(q, 0),
		    store_col_text(q, 1), store_col_text(q, 4), when, when + 11);
		n++;
	}
	if (n == 0)
		buf_printf(b, "  %s\n", w->none);
}

/* What happened since the last digest: the events, counted by what they were. */
static void
digest_events(struct store *s, const struct config *c, time_t since, struct buf *b)
{
	const struct digest_words *w = digest_words(c);
	sqlite3_stmt *q = store_q(s, "SELECT CASE WHEN what = 'state' THEN 'now ' || after ELSE "
	    "what END AS w, count(*) FROM events WHERE at > ? GROUP BY w ORDER BY count(*) DESC, w",
	    "i", (int64_t)since);
	int n = 0;

	buf_printf(b, "\n%s\n", w->since);
	while (store_step(s, q) > 0) {
		buf_printf(b, "  %lld %s\n", (long long)sqlite3_column_int64(q, 1),
		    store_col_text(q, 0));
		n++;
	}
	if (n == 0)
		buf_printf(b, "  %s\n", w->quiet);
}

/* Messages that bounced and were not sent again, and a bounce mailbox that fails. */
static void
digest_bounced(struct store *s, const struct config *c, const struct digest_words *w,
    struct buf *b)
{
	sqlite3_stmt *q = store_q(s, "SELECT coalesce(b.ref, '-'), o.kind, o.rcpt, "
	    "coalesce(o.delivery_status, ''), coalesce(b.dunning_outbox = o.id, 0) FROM bounced o "
	    "LEFT JOIN bookings b ON b.id = o.booking_id ORDER BY o.id", "");
	char *error = c->mail.bounces_url == NULL ? NULL : store_text(s, "SELECT error FROM "
	    "bounce_mailbox WHERE result = 'failed' ORDER BY last_poll DESC LIMIT 1", "");

	while (store_step(s, q) > 0) {
		const char *ref = store_col_text(q, 0);

		buf_printf(b, "  %s %s %s to %s %s: ", w->bounced, ref, store_col_text(q, 1),
		    store_col_text(q, 2), store_col_text(q, 3));
		if (sqlite3_column_int(q, 4))
			buf_printf(b, w->waits, ref);
		else
			buf_addstr(b, w->other);
		buf_addch(b, '\n');
	}
	if (error != NULL)
		buf_printf(b, "  %s %s\n", w->mailbox, error);
	free(error);
}

/* Anything that needs the trainer: failing sources, failed messages, money to sort out. */
static void
digest_attention(struct store *s, const struct config *c, struct buf *b)
{
	int64_t failed = store_int(s, 0, "SELECT count(*) FROM outbox WHERE state = 'failed'", "");
	int64_t unmatched = store_int(s, 0, "SELECT count(*) FROM payments WHERE status IN "
	    "('unmatched', 'near-miss')", "");
	int64_t refunds = store_int(s, 0, "SELECT count(*) FROM bookings WHERE amount_paid > "
	    "amount_due AND state != 'waitlisted'", "");
	const struct digest_words *w = digest_words(c);
	size_t before;

	buf_printf(b, "\n%s\n", w->attention);
	before = b->len;
	for (size_t i = 0; i < c->nsources; i++) {
		char *result = store_text(s, "SELECT result || coalesce(': ' || error, '') FROM "
		    "sources WHERE name = ? AND result IN ('failed', 'quarantined')", "t",
		    c->sources[i].name);

		if (result != NULL)
			buf_printf(b, "  source %s %s\n", c->sources[i].name, result);
		free(result);
	}
	if (failed > 0)
		buf_printf(b, "  %lld %s\n", (long long)failed, w->failed);
	digest_bounced(s, c, w, b);
	if (unmatched > 0)
		buf_printf(b, "  %lld %s\n", (long long)unmatched, w->assign);
	if (refunds > 0)
		buf_printf(b, "  %lld %s\n", (long long)refunds, w->refunds);
	if (b->len == before)
		buf_printf(b, "  %s\n", w->nothing);
}

int
digest_run(struct store *s, const struct config *c, time_t now)
{
	time_t moment = digest_moment(c, now);
	char *last_text = store_meta_get(s, "last_digest"), stamp[32];
	time_t last = last_text ? (time_t)strtoll(last_text, NULL, 10) : 0;
	struct buf b;
	int rc;

	free(last_text);
	if (moment == 0 || last >= moment)
		return 0;
	snprintf(stamp, sizeof(stamp), "%lld", (long long)moment);
	if (last == 0)	/* a new installation: the first digest goes at the next digest_at */
		return store_meta_set(s, "last_digest", stamp) < 0 ? -1 : 0;
	buf_init(&b);
	digest_sessions(s, c, now, &b);
	digest_releases(s, c, now, &b);
	digest_events(s, c, last, &b);
	digest_attention(s, c, &b);
	rc = compose_digest(s, c, b.data, now);
	buf_release(&b);
	if (rc == 0)
		rc = store_meta_set(s, "last_digest", stamp);
	return rc < 0 ? -1 : 1;
}
