/*
 * Zoom participant reports (zoom_parse). Checks what zoom.h promises: a report that reads
 * has people, each with an email or a name, an email in lower case, a join no later than
 * the leave and a time present that fits between them; a failure leaves the report empty.
 */
#include <ctype.h>

#include "fuzz.h"

#include "util.h"
#include "zoom.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zoom_report r;
	char err[ERR_MAX];

	if (zoom_parse((const char *)data, size, "Europe/Amsterdam", "fuzz.csv", &r, err) == 0) {
		FUZZ_ASSERT(r.npeople > 0 && r.people != NULL);
		FUZZ_ASSERT(r.skipped >= 0);
		for (size_t i = 0; i < r.npeople; i++) {
			const struct zoom_attendee *a = &r.people[i];

			FUZZ_ASSERT(a->email != NULL || a->name != NULL);
			for (const char *p = a->email; p != NULL && *p != '\0'; p++)
				FUZZ_ASSERT(!isupper((unsigned char)*p));
			FUZZ_ASSERT(fuzz_no_controls(a->name, 0, 0));
			FUZZ_ASSERT(a->join <= a->leave);
			FUZZ_ASSERT(a->seconds >= 0 && a->seconds <= a->leave - a->join);
			FUZZ_ASSERT(a->rows >= 1 && a->line >= 1);
		}
	} else
		FUZZ_ASSERT(r.npeople == 0 && r.people == NULL && err[0] != '\0');
	zoom_report_release(&r);
	return 0;
}
