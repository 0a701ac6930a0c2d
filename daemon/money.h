/* Money is int64_t cents everywhere; these are the only ways in and out as text. */
#ifndef NOSHOWD_MONEY_H
#define NOSHOWD_MONEY_H

#include <stdint.h>

/* "295", "295.5", "295.00", "1,295.00"? no: strictly digits [ '.' 1-2 digits ]. */
int money_parse(const char *s, int64_t *cents);
/* "295.00" (no currency sign; for config, CSV and JSON-adjacent text). */
void money_format_plain(int64_t cents, char out[32]);
/* For people: "€ 295,00" for nl, "€295.00" for en. */
void money_format(int64_t cents, const char *lang, char out[48]);

#endif
