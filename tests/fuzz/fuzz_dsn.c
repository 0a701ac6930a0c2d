/*
 * Delivery reports and bounces (dsn_parse over the MIME reader and the text bounces).
 * Checks what dsn.h promises: a report's values are clean one-line text of bounded length,
 * at most DSN_MAX_RCPTS recipients, a status "c.s.d" or ""; "not a report" leaves it empty.
 */
#include "fuzz.h"

#include "dsn.h"
#include "dsntext.h"
#include "util.h"

static void
check_value(const char *s)
{
	FUZZ_ASSERT(fuzz_no_controls(s, 0, 0));
	FUZZ_ASSERT(s == NULL || strlen(s) <= DSN_VALUE_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_report r;
	char err[ERR_MAX];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = dsn_parse((const char *)data, size, &r, err);
	FUZZ_ASSERT(rc >= -1 && rc <= 1);
	if (rc == 0) {
		FUZZ_ASSERT(r.nrcpts <= DSN_MAX_RCPTS);
		check_value(r.reporting_mta);
		check_value(r.original_message_id);
		check_value(r.arrival_date);
		for (size_t i = 0; i < r.nrcpts; i++) {
			const struct dsn_recipient *p = &r.rcpts[i];

			check_value(p->final_recipient);
			check_value(p->original_recipient);
			check_value(p->remote_mta);
			check_value(p->diagnostic);
			FUZZ_ASSERT(memchr(p->status, '\0', sizeof(p->status)) != NULL);
			FUZZ_ASSERT(p->status[0] == '\0' || p->status[0] == '2' ||
			    p->status[0] == '4' || p->status[0] == '5');
			(void)dsn_action_name(p->action);
		}
	} else if (rc == 1)
		FUZZ_ASSERT(r.nrcpts == 0 && r.rcpts == NULL);
	else
		FUZZ_ASSERT(err[0] != '\0');
	dsn_report_free(&r);
	return 0;
}
