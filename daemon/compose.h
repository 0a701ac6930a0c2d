/*
 * Composing the messages about a booking: gather what the templates need from the store and
 * the configuration, render the template of the customer's language, build the MIME
 * message (with the invoice for a confirmation and an iCalendar invitation where a seat is
 * held), and queue it in the outbox, all inside the caller's transaction. If a message
 * cannot be composed, the store is marked failed, so that the state change that wanted it
 * is rolled back too: a decision is never recorded without its message.
 */
#ifndef NOSHOWD_COMPOSE_H
#define NOSHOWD_COMPOSE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* Queue message `kind` (a template name such as "confirmation") for a booking. 0 or -1. */
int compose_booking(struct store *s, const struct config *c, int64_t booking_id,
    const char *kind, time_t now);

/* A payment just received, for the payment-received message. */
struct compose_payment {
	int64_t amount;		/* cents */
	time_t at;		/* when it was paid */
	int revived;		/* it gave a released booking its seat back: send the
				   invitation (and the invoice) again */
};

int compose_payment(struct store *s, const struct config *c, int64_t booking_id,
    const struct compose_payment *pay, time_t now);

/* What a courtesy was (rule 10). */
enum compose_courtesy { COURTESY_WAIVER, COURTESY_MOVE, COURTESY_EXTRA };

/*
 * Queue the goodwill message stating a courtesy's value and reason (rule 10): a waiver, a
 * free move (booking_id is then the new booking), or a free extra described by `extra`.
 * 0 or -1.
 */
int compose_goodwill(struct store *s, const struct config *c, int64_t booking_id,
    enum compose_courtesy what, int64_t value, const char *reason, const char *extra,
    time_t now);

/*
 * Queue dunning step `step` (1-based) of c->policy.dunning for a booking: message kind
 * "dunning-N" from the step's template, with the collection costs of the statutory scale.
 * Returns the outbox id of the customer's copy, or -1.
 */
int64_t compose_dunning(struct store *s, const struct config *c, int64_t booking_id, int step,
    time_t now);

/*
 * Queue the trainer's digest (rule 12) with `body` as its digest_body, to trainer.email
 * (else mail.from), in the configured language. 0 (also when there is nobody to send it
 * to), or -1.
 */
int compose_digest(struct store *s, const struct config *c, const char *body, time_t now);

/* Every template name noshowd may render (message kinds and the dunning ladder). */
extern const char *const compose_kinds[];

#endif
