/*
 * noshowctl resend REF: send a booking's bounced dunning step again. A letter that was not
 * delivered starts no term (SPEC section 5), so the ladder waits at that step until the
 * trainer has checked the address and resends it: a new message with its own Message-ID,
 * composed now, whose own delivery then starts the step's term.
 */
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "ctl.h"
#include "duties.h"
#include "util.h"

int
cmd_resend(struct ctl *x, int argc, char **argv)
{
	struct store *s = &x->s;
	int64_t id, old, msg;
	char *detail, *status;
	int rc, stage;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("resend needs one reference");
	if ((id = ctl_booking(x, "resend", argv[1])) <= 0)
		return 1;
	if (store_begin(s) < 0)
		return 1;
	stage = (int)store_int(s, 0, "SELECT stage FROM bookings WHERE id = ?", "i", id);
	old = store_int(s, 0, "SELECT o.id FROM bookings b JOIN outbox o ON o.id = "
	    "b.dunning_outbox WHERE b.id = ? AND (o.state = 'failed' OR o.delivery = 'failed')",
	    "i", id);
	if (old == 0 || stage < 1 || stage > (int)x->c.policy.ndunning) {
		fprintf(stderr, "noshowctl: resend: %s has no bounced dunning step to send again "
		    "(see noshowctl show %s)\n", argv[1], argv[1]);
		store_rollback(s);
		return 1;
	}
	status = store_text(s, "SELECT coalesce(delivery_status, last_code, 'refused') FROM "
	    "outbox WHERE id = ?", "i", old);
	msg = compose_dunning(s, &x->c, id, stage, x->v.now);
	detail = xasprintf("dunning step %d sent again after message %lld bounced (%s)", stage,
	    (long long)old, status ? status : "");
	if (msg < 0 || store_exec(s, "UPDATE bookings SET dunning_outbox = ?, due_at = 0 WHERE "
	    "id = ?", "ii", msg, id) < 0 || store_event(s, x->v.now, id, NULL, "command resend",
	    "resent", NULL, NULL, detail) < 0 || duties_run(s, &x->c, x->v.now, id) < 0 ||
	    store_commit(s) < 0) {
		fprintf(stderr, "noshowctl: resend: %s\n", s->error);
		store_rollback(s);
		free(detail), free(status);
		return 1;
	}
	if (!x->v.json)
		printf("resending dunning step %d of %s (message %lld); it goes with the next "
		    "cycle\n", stage, argv[1], (long long)msg);
	view_booking_line(&x->v, id);
	free(detail), free(status);
	return 0;
}
