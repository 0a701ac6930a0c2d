/*
 * The registration CSV reader: csv_parse (delimiter detected, and each of the three given)
 * and a registration export -> struct feed (regcsv_parse) with the default column names.
 * Checks that every row's fields are NUL-terminated strings the table owns, and what
 * feed.h promises of the feed.
 */
#include <ctype.h>

#include "fuzz.h"

#include "csv.h"
#include "util.h"

static void
check_table(const struct csv_table *t)
{
	int last = 0;

	for (size_t i = 0; i < t->nrows; i++) {
		FUZZ_ASSERT(t->rows[i].line > last);
		last = t->rows[i].line;
		for (size_t j = 0; j < t->rows[i].nfields; j++)
			FUZZ_ASSERT(t->rows[i].fields[j] != NULL);
		(void)csv_field(&t->rows[i], (int)t->rows[i].nfields);
		(void)csv_field(&t->rows[i], -1);
	}
	if (t->nrows > 0)
		(void)csv_column(&t->rows[0], "email");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { 0, ',', ';', '\t' };
	struct config_source src;
	struct csv_table t;
	struct feed f;
	char err[ERR_MAX];

	for (size_t d = 0; d < sizeof(delims); d++) {
		if (csv_parse((const char *)data, size, delims[d], &t, err) == 0)
			check_table(&t);
		else
			FUZZ_ASSERT(t.nrows == 0);
		csv_table_release(&t);
	}

	memset(&src, 0, sizeof(src));
	src.name = "fuzz";
	src.type = SOURCE_CSV;
	for (int i = 0; i < CSV_FIELD_COUNT; i++)
		src.columns[i] = (char *)config_csv_field_names[i];
	/* One run with a fixed session, as a source with `session` set reads it. */
	for (int fixed = 0; fixed < 2; fixed++) {
		src.session = fixed ? "fixed-session" : NULL;
		feed_init(&f);
		if (regcsv_parse((const char *)data, size, &src, "Europe/Amsterdam", &f, err) == 0) {
			for (size_t i = 0; i < f.nbookings; i++) {
				const struct feed_booking *b = &f.bookings[i];

				FUZZ_ASSERT(b->email != NULL && *b->email != '\0');
				for (const char *p = b->email; *p != '\0'; p++)
					FUZZ_ASSERT(!isupper((unsigned char)*p));
				FUZZ_ASSERT(fuzz_no_controls(b->email, 0, 0));
				FUZZ_ASSERT(fuzz_no_controls(b->name, 0, 0));
				FUZZ_ASSERT(b->session_id != NULL && *b->session_id != '\0');
			}
		} else
			FUZZ_ASSERT(f.nbookings == 0 && f.nsessions == 0);
		feed_release(&f);
	}
	return 0;
}
