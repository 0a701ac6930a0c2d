/*
 * Bank statement exports -> the credits on them (SPEC section 4, payments-csv). A pure
 * parser: bytes in, credits out; matching them to bookings and remembering which were seen
 * is the caller's work (payments.c).
 *
 * Formats, each as the bank writes it (noshowd.conf(5) has the details):
 *   ing       CSV with a header, ',' or ';': Datum (YYYYMMDD), Naam / Omschrijving,
 *             Tegenrekening, Af Bij, Bedrag (EUR) ("1234,56"), Mededelingen, ...
 *   rabobank  CSV with a header, all fields quoted: Volgnr, Datum (YYYY-MM-DD), Bedrag
 *             ("+1234,56"), Naam tegenpartij, Omschrijving-1..3, Betalingskenmerk, ...;
 *             or the same columns under their English names (Seq No, Date, Amount, ...)
 *   abnamro   the TAB export, no header: account, currency, date (YYYYMMDD), start and end
 *             balance, value date, amount ("-1234,56"), description (the SEPA structure
 *             "/TRTP/.../IBAN/.../NAME/.../REMI/.../" or "IBAN: ... Naam: ...
 *             Omschrijving: ...")
 *   bunq      CSV with a header: Date (YYYY-MM-DD), Interest Date, Amount ("-1,234.56" or
 *             "-1.234,56", as the app's language has it), Account, Counterparty, Name,
 *             Description
 *   generic   CSV with a header row; src->bank_columns names the columns of date, amount,
 *             description, name, iban and direction. Lines before the header row (a title
 *             such as Knab's "KNAB EXPORT") are skipped: the header is the first row that
 *             has the date, amount and description columns and every other column that
 *             was mapped to a name of its own (when a title line hides the delimiter, the
 *             others are tried). Amounts in either notation, told apart per value; dates
 *             YYYY-MM-DD, YYYYMMDD, DD-MM-YYYY or DD/MM/YYYY.
 *
 * Only credits come out; debit and zero-amount lines are counted. All or nothing: a line
 * whose amount or direction cannot be read, a credit whose date cannot be read or whose
 * currency is not EUR, a missing column or a line cut short fails the whole statement,
 * since importing the rest would look complete while a payment is missing.
 */
#ifndef NOSHOWD_BANK_H
#define NOSHOWD_BANK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct bank_credit {
	int line;		/* line of the record in the file (1-based) */
	time_t at;		/* booking date: local midnight of that date in `zone`, UTC */
	int64_t amount;		/* cents, > 0 */
	char *description;	/* the remittance text, never NULL (may be ""): the
				   description-like fields, cleaned and joined by " " */
	char *name;		/* counterparty name, or NULL */
	char *iban;		/* counterparty account as the bank wrote it, or NULL */
	/*
	 * Identity of the transaction: SHA-256 (hex) of the format, the record and the
	 * record's occurrence number, joined by US (0x1f): "ing" US field US field ... US "1".
	 * The record is the line's fields with blanks trimmed; for ing, rabobank and bunq it
	 * is the bank's documented columns in the documented order ("" for one the export
	 * lacks), so that ING's comma and semicolon exports and extra columns give the same
	 * key; for abnamro and generic it is every field, empty ones at the end dropped. The
	 * occurrence number is 1 for the first such record in the file, 2 for an identical
	 * second one, and so on: the same transaction in two overlapping exports has the same
	 * key, and two identical transfers on one day stay two. Rabobank's Volgnr is part of
	 * its record.
	 */
	char key[65];
};

struct bank_statement {
	struct bank_credit *credits;	/* in the order of the file */
	size_t ncredits;
	int debits;			/* debit lines, ignored */
	int zero;			/* zero-amount lines, ignored */
};

/* 1 if format is "ing", "rabobank", "abnamro", "bunq" or "generic". */
int bank_format_known(const char *format);

/*
 * Parse the export data[0..len) in `format`. src gives the column mapping of "generic" (NULL:
 * every field under its own name) and is not used otherwise; zone is the IANA zone that
 * booking dates are midnights in; name is the file's name for messages. Returns 0 with out
 * filled, or -1 with out empty and err ("NAME:LINE: FIELD: problem (what to do)"). out needs
 * no initialisation. Text is UTF-8 (a BOM is skipped), or else read as Windows-1252
 * (Latin-1), as older exports are written; UTF-16 and binary data are refused with the
 * advice to export again.
 */
int bank_parse(const char *data, size_t len, const char *format,
    const struct config_source *src, const char *zone, const char *name,
    struct bank_statement *out, char err[]);
void bank_statement_release(struct bank_statement *st);

#endif
