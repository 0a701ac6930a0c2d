/*
 * The text of bank statement exports below the level of a format: whether an export is
 * text at all, ABN AMRO's TAB lines, and the fields of a line as banks write them (amounts
 * in a bank's own notation, booking dates, credit and debit markers, free text, and the
 * structure ABN AMRO packs into its descriptions). bank.c reads whole statements with
 * these; they know nothing of formats.
 */
#ifndef NOSHOWD_BANKFIELD_H
#define NOSHOWD_BANKFIELD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum bankfield_amount_flags {
	BANKFIELD_SIGN = 1 << 0,	/* a leading + or - */
	BANKFIELD_GROUPS = 1 << 1,	/* thousands separators: the other one of ',' and '.' */
	BANKFIELD_CENTS = 1 << 2,	/* exactly two decimals */
};

/*
 * Text -> cents. decimal holds the decimal separators allowed (",", or ",." to take either
 * per value). The decimal separator is the last ',' or '.' when one or two digits follow it;
 * without BANKFIELD_CENTS there may be no decimals at all ("2500"). Thousands separators
 * (BANKFIELD_GROUPS) group by three: "1.234,56", "1,234.56". At most 13 digits before the
 * decimals. Returns 0; -1 when s is not an amount in that notation; -2 when it is one that
 * reads two ways ("1.234" or "1,234" without decimals: a thousand or one).
 */
int bankfield_amount(const char *s, const char *decimal, int flags, int64_t *cents);

enum bankfield_dates {
	BANKFIELD_COMPACT,	/* YYYYMMDD */
	BANKFIELD_ISO,		/* YYYY-MM-DD */
	BANKFIELD_ANY,		/* those two, DD-MM-YYYY and DD/MM/YYYY */
};

/* A date that exists -> its local midnight in zone (UTC seconds). 0, or -1. */
int bankfield_date(const char *s, enum bankfield_dates style, const char *zone, time_t *out);

/* 1 for a credit (Bij, C, CR, Credit), 0 for a debit (Af, D, DR, Debit), -1 for neither. */
int bankfield_direction(const char *s);

/* s[0..n) with every run of blanks and controls made one space, trimmed (never NULL). */
char *bankfield_clean(const char *s, size_t n);
/* bankfield_clean() of a whole string, or NULL when nothing is left. */
char *bankfield_text(const char *s);
/* s for a message: short, on one line, never cut inside a UTF-8 sequence. Returns out. */
const char *bankfield_quote(const char *s, char out[64]);

/*
 * An ABN AMRO description -> the remittance text (*desc, never NULL), the counterparty's
 * name and account (NULL when absent). Two layouts: SEPA tags ("/TRTP/SEPA OVERBOEKING/
 * IBAN/NL../BIC/../NAME/J JANSEN/REMI/NS-7KQ2-4D training/EREF/..") and labels in
 * fixed-width columns ("SEPA Overboeking   IBAN: NL..   BIC: ..   Naam: J JANSEN
 * Omschrijving: NS-7KQ2-4D training"). Without a remittance (REMI, Omschrijving) the whole
 * text is the description.
 */
void bankfield_sepa(const char *s, char **desc, char **name, char **iban);

/*
 * Older exports (Rabobank's among them) are Windows-1252 or Latin-1 text: a copy of data
 * as UTF-8 when it is not UTF-8 already (the caller frees it), else NULL. UTF-16 and
 * binary data also give NULL, for bankfield_check_text() to refuse.
 */
char *bankfield_to_utf8(const char *data, size_t len, size_t *outlen);

/*
 * 0 if data[0..len) is UTF-8 text with something in it; else -1 with err "NAME:LINE: ..."
 * saying what it is instead (UTF-16, binary, Latin-1, empty) and what to do.
 */
int bankfield_check_text(const char *data, size_t len, const char *name, char err[]);

struct csv_table;
/*
 * ABN AMRO's TAB export -> a table as csv_parse() makes it (release it with
 * csv_table_release()): one row per non-empty line, fields between TABs taken as they are,
 * without any quoting, since the bank quotes nothing and a '"' in a description is text.
 * Line ends LF, CRLF or CR; a UTF-8 BOM is skipped. The caller has checked that the data is
 * UTF-8 without NUL bytes.
 */
void bankfield_tab_table(const char *data, size_t len, struct csv_table *t);

#endif
