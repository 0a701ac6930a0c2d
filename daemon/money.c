#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "money.h"

int
money_parse(const char *s, int64_t *cents)
{
	int64_t units = 0, frac = 0;
	int nd = 0, nf = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++, nd++) {
		if (units > (INT64_MAX / 100 - 9) / 10)
			return -1;
		units = units * 10 + (*p - '0');
	}
	if (nd == 0)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nf++)
			frac = frac * 10 + (*p - '0');
		if (nf < 1 || nf > 2)
			return -1;
		if (nf == 1)
			frac *= 10;
	}
	if (*p != '\0')
		return -1;
	*cents = units * 100 + frac;
	return 0;
}

void
money_format_plain(int64_t cents, char out[32])
{
	const char *sign = cents < 0 ? "-" : "";
	uint64_t a = cents < 0 ? (uint64_t)-(cents + 1) + 1 : (uint64_t)cents;

	snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, sign, a / 100, a % 100);
}

/* Group thousands the way each language writes them: 1.295,00 in Dutch, 1,295.00 in English. */
void
money_format(int64_t cents, const char *lang, char out[48])
{
	int nl = lang == NULL || strcmp(lang, "en") != 0;
	uint64_t a = cents < 0 ? (uint64_t)-(cents + 1) + 1 : (uint64_t)cents;
	char digits[24], grouped[32];
	size_t n, k = 0;

	snprintf(digits, sizeof(digits), "%" PRIu64, a / 100);
	n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[k++] = nl ? '.' : ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	if (nl)
		snprintf(out, 48, "%s€ %s,%02u", cents < 0 ? "-" : "", grouped, (unsigned)(a % 100));
	else
		snprintf(out, 48, "%s€%s.%02u", cents < 0 ? "-" : "", grouped, (unsigned)(a % 100));
}
