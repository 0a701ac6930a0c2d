/*
 * Bank statement exports: every format's bank_parse on the same bytes (generic both with
 * the default column names and without a mapping), and the amount reader alone. Checks
 * what bank.h promises: only credits, each a positive amount of at most 13 digits before
 * the cents, a description, a 64-digit key; a failure leaves the statement empty.
 */
#include <ctype.h>

#include "fuzz.h"

#include "bank.h"
#include "bankfield.h"
#include "util.h"

#define MAX_CENTS	INT64_C(999999999999999)	/* 13 digits and the cents */

static void
check_statement(const struct bank_statement *st)
{
	for (size_t i = 0; i < st->ncredits; i++) {
		const struct bank_credit *c = &st->credits[i];

		FUZZ_ASSERT(c->amount > 0 && c->amount <= MAX_CENTS);
		FUZZ_ASSERT(c->description != NULL);
		FUZZ_ASSERT(fuzz_no_controls(c->description, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(c->name, 0, 0));
		FUZZ_ASSERT(strlen(c->key) == 64);
		for (size_t j = 0; j < 64; j++)
			FUZZ_ASSERT(isxdigit((unsigned char)c->key[j]));
		FUZZ_ASSERT(c->line >= 1);
	}
	FUZZ_ASSERT(st->debits >= 0 && st->zero >= 0);
}

static void
parse(const uint8_t *data, size_t size, const char *format, const struct config_source *src)
{
	struct bank_statement st;
	char err[ERR_MAX];

	if (bank_parse((const char *)data, size, format, src, "Europe/Amsterdam", "fuzz.csv",
	    &st, err) == 0)
		check_statement(&st);
	else
		FUZZ_ASSERT(st.ncredits == 0 && st.credits == NULL && err[0] != '\0');
	bank_statement_release(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "ing", "rabobank", "abnamro", "bunq", NULL };
	static const char *const decimals[] = { ",", ".", ",." };
	struct config_source src;
	char *s;

	for (size_t i = 0; formats[i] != NULL; i++)
		parse(data, size, formats[i], NULL);
	parse(data, size, "generic", NULL);
	memset(&src, 0, sizeof(src));
	src.name = "fuzz";
	src.type = SOURCE_PAYMENTS_CSV;
	src.format = "generic";
	for (int i = 0; i < BANK_FIELD_COUNT; i++)
		src.bank_columns[i] = (char *)config_bank_field_names[i];
	parse(data, size, "generic", &src);

	/* The amount reader on short inputs, every notation and flag combination. */
	if (size <= 64) {
		s = fuzz_strdup(data, size);
		for (size_t d = 0; d < 3; d++)
			for (int flags = 0; flags < 8; flags++) {
				int64_t cents = 0;

				if (bankfield_amount(s, decimals[d], flags, &cents) == 0)
					FUZZ_ASSERT(cents >= -MAX_CENTS && cents <= MAX_CENTS);
			}
		free(s);
	}
	return 0;
}
