/*
 * dsn.c: delivery reports. A first stub so that the bounce collector can build against the
 * interface; the parser follows.
 */
#include <stdlib.h>
#include <string.h>

#include "dsn.h"

int
dsn_parse(const char *data, size_t len, struct dsn_report *r, char err[ERR_MAX])
{
	(void)data;
	(void)len;
	(void)err;
	memset(r, 0, sizeof(*r));
	return 1;
}

void
dsn_report_free(struct dsn_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrcpts; i++) {
		free(r->rcpts[i].final_recipient);
		free(r->rcpts[i].original_recipient);
		free(r->rcpts[i].remote_mta);
		free(r->rcpts[i].diagnostic);
	}
	free(r->rcpts);
	free(r->envid);
	free(r->reporting_mta);
	free(r->original_message_id);
	free(r->arrival_date);
	memset(r, 0, sizeof(*r));
}

const char *
dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_DELIVERED:	return "delivered";
	case DSN_DELAYED:	return "delayed";
	case DSN_FAILED:	return "failed";
	case DSN_RELAYED:	return "relayed";
	case DSN_EXPANDED:	return "expanded";
	case DSN_NONE:		break;
	}
	return "none";
}
