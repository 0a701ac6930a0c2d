/*
 * bank.c and bankfield.c: every real export in the corpus (ING comma and semicolon, ING's
 * blank-before-quote file, the ABN AMRO TAB sample, Knab through the generic format), a
 * synthesised fixture per format, the identity of transactions across files, the notation
 * of amounts and dates, broken inputs for every format with the exact message a trainer
 * reads, and the configuration keys that come with bank exports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bank.h"
#include "bankfield.h"
#include "config.h"
#include "ref.h"
#include "unit.h"
#include "util.h"

#define ZONE "Europe/Amsterdam"
#define DATA "tests/unit/data/bank/"
#define CORPUS CORPUS_DIR "/csv/"
#define ING_OK CORPUS "gpaulissen__ofxstatement-dutch__ing_ok.csv"
#define ING_EXTRA CORPUS "gpaulissen__ofxstatement-dutch__ing_ok_Mutatiesoort_Extra.csv"
#define ING_FAIL CORPUS "gpaulissen__ofxstatement-dutch__ing_fail.csv"
#define KNAB CORPUS "gpaulissen__ofxstatement-dutch__Knab_transactieoverzicht_ok.csv"
#define ABN CORPUS "denilsonsa__abn-amro-statement-parser__TXT_SAMPLE.TAB"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s (run the tests from the top of the repo)", path);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Local midnight of a date in Amsterdam, computed apart from days.c: UTC+1, or +2 in summer. */
static time_t
midnight(int y, int mo, int d, int offset_hours)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	return timegm(&tm) - offset_hours * 3600;
}

/* A generic source's mapping; NULL keeps a field's default (its own name). */
static void
mapping(struct config_source *src, const char *date, const char *amount, const char *desc,
    const char *name, const char *iban, const char *direction)
{
	const char *v[BANK_FIELD_COUNT] = { date, amount, desc, name, iban, direction };

	memset(src, 0, sizeof(*src));
	for (int f = 0; f < BANK_FIELD_COUNT; f++)
		src->bank_columns[f] = (char *)(v[f] != NULL ? v[f] : config_bank_field_names[f]);
}

static void
parse_text(const char *format, const struct config_source *src, const char *text, size_t len,
    const char *name, struct bank_statement *st)
{
	char err[ERR_MAX] = "";

	ck_assert_msg(bank_parse(text, len, format, src, ZONE, name, st, err) == 0, "%s: %s",
	    name, err);
}

static void
parse_file(const char *format, const struct config_source *src, const char *path,
    struct bank_statement *st)
{
	size_t len;
	char *text = slurp(path, &len);

	parse_text(format, src, text, len, path, st);
	free(text);
}

/* text must fail with exactly `want`, leaving the statement empty. */
static void
fails(const char *format, const struct config_source *src, const char *text, size_t len,
    const char *name, const char *want)
{
	struct bank_statement st;
	char err[ERR_MAX] = "";

	ck_assert_int_eq(bank_parse(text, len, format, src, ZONE, name, &st, err), -1);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(st.ncredits, 0);
	ck_assert_ptr_null(st.credits);
	ck_assert_int_eq(st.debits, 0);
	bank_statement_release(&st);
}

#define FAILS_STR(format, src, s, name, want) fails(format, src, s, strlen(s), name, want)

/* The file at path with the first `from` made `to`; it must contain `from`. */
static char *
mutate(const char *path, const char *from, const char *to)
{
	size_t len;
	char *text = slurp(path, &len), *at = strstr(text, from), *out;

	ck_assert_msg(at != NULL, "%s has no \"%s\"", path, from);
	out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

/* path must fail with `want` once `from` is made `to`. */
static void
fails_mutated(const char *format, const struct config_source *src, const char *path,
    const char *from, const char *to, const char *name, const char *want)
{
	char *text = mutate(path, from, to);

	FAILS_STR(format, src, text, name, want);
	free(text);
}

/*
 * An older export in Windows-1252 (Latin-1): `from` made `to` (with Latin-1 bytes) still
 * reads, with as many credits as the UTF-8 file, and `want` (UTF-8; NULL: no check) in
 * some credit's description or name.
 */
static void
reads_latin1(const char *format, const struct config_source *src, const char *path,
    const char *from, const char *to, const char *want)
{
	struct bank_statement a, b;
	char *text = mutate(path, from, to);
	int seen = want == NULL;

	parse_file(format, src, path, &a);
	parse_text(format, src, text, strlen(text), path, &b);
	ck_assert_uint_eq(a.ncredits, b.ncredits);
	ck_assert_int_eq(a.debits, b.debits);
	for (size_t i = 0; i < b.ncredits; i++)
		seen |= strstr(b.credits[i].description, want ? want : "") != NULL ||
		    (b.credits[i].name != NULL && strstr(b.credits[i].name, want ? want : ""));
	ck_assert_msg(seen, "%s: \"%s\" not in any credit", path, want);
	bank_statement_release(&a);
	bank_statement_release(&b);
	free(text);
}

static const struct bank_credit *
credit_at(const struct bank_statement *st, int line)
{
	for (size_t i = 0; i < st->ncredits; i++)
		if (st->credits[i].line == line)
			return &st->credits[i];
	ck_abort_msg("no credit on line %d", line);
	return NULL;
}

/* Every key is 64 lower-case hex digits and no two credits share one. */
static void
keys_distinct(const struct bank_statement *st)
{
	for (size_t i = 0; i < st->ncredits; i++) {
		ck_assert_uint_eq(strlen(st->credits[i].key), 64);
		ck_assert_uint_eq(strspn(st->credits[i].key, "0123456789abcdef"), 64);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(st->credits[i].key, st->credits[j].key);
	}
}

static void
assert_ref(const struct bank_credit *cr, const char *want)
{
	char ref[REF_LEN + 1];

	ck_assert_int_eq(ref_find(cr->description, ref), REF_OK);
	ck_assert_str_eq(ref, want);
}

/*
 * The real exports.
 */

START_TEST(test_corpus_ing)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("ing", NULL, ING_OK, &st);
	ck_assert_uint_eq(st.ncredits, 2);
	ck_assert_int_eq(st.debits, 3);
	ck_assert_int_eq(st.zero, 1);
	cr = &st.credits[0];
	ck_assert_int_eq(cr->line, 3);
	ck_assert_int_eq(cr->amount, 125);
	ck_assert_int_eq(cr->at, midnight(2020, 2, 13, 1));
	ck_assert_str_eq(cr->description, "Valutadatum: 13-02-2020");
	ck_assert_str_eq(cr->name, "Kwijtschelding");
	ck_assert_ptr_null(cr->iban);
	cr = &st.credits[1];
	ck_assert_int_eq(cr->line, 5);
	ck_assert_int_eq(cr->amount, 2000);
	ck_assert_int_eq(cr->at, midnight(2019, 12, 13, 1));
	ck_assert_str_eq(cr->description, "Naam: PAULISSEN G J L M Omschrijving: Kosten rekening "
	    "IBAN: NL99ASNB9999999999 Valutadatum: 13-12-2019");
	ck_assert_str_eq(cr->name, "PAULISSEN G J L M");
	ck_assert_str_eq(cr->iban, "NL99ASNB9999999999");
	keys_distinct(&st);
	bank_statement_release(&st);
}
END_TEST

/* The semicolon export, with "Mutatiesoort" and an extra column: the same transactions. */
START_TEST(test_corpus_ing_semicolon)
{
	struct bank_statement a, b;

	parse_file("ing", NULL, ING_OK, &a);
	parse_file("ing", NULL, ING_EXTRA, &b);
	ck_assert_uint_eq(b.ncredits, 2);
	ck_assert_int_eq(b.debits, 3);
	ck_assert_int_eq(b.zero, 1);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(b.credits[i].line, a.credits[i].line);
		ck_assert_int_eq(b.credits[i].amount, a.credits[i].amount);
		ck_assert_int_eq(b.credits[i].at, a.credits[i].at);
		ck_assert_str_eq(b.credits[i].description, a.credits[i].description);
		/* The same transaction, whichever flavour of export it came in. */
		ck_assert_str_eq(b.credits[i].key, a.credits[i].key);
	}
	bank_statement_release(&a);
	bank_statement_release(&b);
}
END_TEST

/* ING's own rules reject it for the blank before a quote; its meaning is not in doubt. */
START_TEST(test_corpus_ing_fail)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("ing", NULL, ING_FAIL, &st);
	ck_assert_uint_eq(st.ncredits, 1);
	ck_assert_int_eq(st.debits, 1);
	ck_assert_int_eq(st.zero, 0);
	cr = &st.credits[0];
	ck_assert_int_eq(cr->line, 3);
	ck_assert_int_eq(cr->amount, 2000);
	ck_assert_int_eq(cr->at, midnight(2019, 12, 13, 1));
	ck_assert_str_eq(cr->description, "Naam: PAULISSEN G J L M Omschrijving: Kosten rekening "
	    "IBAN: NL99ASNB9999999999 Valutadatum: 13-12-2019");
	bank_statement_release(&st);
}
END_TEST

/* The sample without its '#' comment lines, which real exports do not have. */
static char *
abn_sample(size_t *len)
{
	size_t n;
	char *text = slurp(ABN, &n);
	struct buf b;

	buf_init(&b);
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		if (*p != '#')
			buf_add(&b, p, (size_t)(nl - p + 1));
	}
	free(text);
	*len = b.len;
	return buf_detach(&b);
}

START_TEST(test_corpus_abnamro)
{
	struct bank_statement st;
	const struct bank_credit *cr;
	size_t len;
	char *text = abn_sample(&len);

	parse_text("abnamro", NULL, text, len, "TXT_SAMPLE.TAB", &st);
	ck_assert_uint_eq(st.ncredits, 5);
	ck_assert_int_eq(st.debits, 21);
	ck_assert_int_eq(st.zero, 0);
	/* A card payment refunded: no counterparty fields, the text as it is. */
	cr = credit_at(&st, 5);
	ck_assert_int_eq(cr->amount, 2500);
	ck_assert_int_eq(cr->at, midnight(2021, 12, 30, 1));
	ck_assert_str_eq(cr->description, "BEA NR:A1B23C 30.12.21/15.01 Hema EV123,PAS123 ZAANDAM "
	    "TERUGBOEKING-BEA-TRANSACTIE");
	ck_assert_ptr_null(cr->name);
	ck_assert_ptr_null(cr->iban);
	ck_assert_int_eq(credit_at(&st, 17)->amount, 999);
	/* SEPA tags: NAME, IBAN and REMI. */
	cr = credit_at(&st, 28);
	ck_assert_int_eq(cr->amount, 26175);
	ck_assert_int_eq(cr->at, midnight(2023, 12, 31, 1));
	ck_assert_str_eq(cr->description, "FOOBAR FIZZ BUZZ Stuff. 12 3456789012 WWW.FOOBAR.NL Foo "
	    "Foobarfizbuzbank");
	ck_assert_str_eq(cr->name, "FizzBuz Foobarfizbuzbank");
	ck_assert_str_eq(cr->iban, "NL01RABO0123456789");
	/* The label layout without Omschrijving: the whole text is the description. */
	cr = credit_at(&st, 34);
	ck_assert_int_eq(cr->amount, 142700);
	ck_assert_int_eq(cr->at, midnight(2023, 2, 10, 1));
	ck_assert_str_eq(cr->description, "SEPA Overboeking IBAN: NL01ABNA0123456789 BIC: ABNANL2A "
	    "Naam: J SMITH VAN DE FOOBAR CJ");
	ck_assert_str_eq(cr->name, "J SMITH VAN DE FOOBAR CJ");
	ck_assert_str_eq(cr->iban, "NL01ABNA0123456789");
	/* The booking date (field 3), not the value date (field 6). */
	cr = credit_at(&st, 35);
	ck_assert_int_eq(cr->amount, 12301);
	ck_assert_int_eq(cr->at, midnight(2023, 12, 30, 1));
	keys_distinct(&st);
	bank_statement_release(&st);
	free(text);
}
END_TEST

/* Knab through the generic format: a title line before the header, C/D, "2500" and "7,02". */
START_TEST(test_corpus_knab)
{
	struct config_source src;
	struct bank_statement st;
	const struct bank_credit *cr;
	size_t len;
	char *text;

	mapping(&src, "Boekdatum", "Bedrag", "Omschrijving", "Tegenrekeninghouder",
	    "Tegenrekeningnummer", "CreditDebet");
	parse_file("generic", &src, KNAB, &st);
	ck_assert_uint_eq(st.ncredits, 13);
	ck_assert_int_eq(st.debits, 15);
	ck_assert_int_eq(st.zero, 0);
	cr = &st.credits[0];
	ck_assert_int_eq(cr->line, 4);
	ck_assert_int_eq(cr->amount, 82775);
	ck_assert_int_eq(cr->at, midnight(2019, 6, 21, 2));	/* summer time */
	ck_assert_str_eq(cr->description, "");
	ck_assert_str_eq(cr->name, "Gert Janssen");
	ck_assert_str_eq(cr->iban, "99999999");
	cr = credit_at(&st, 12);
	ck_assert_int_eq(cr->amount, 250000);
	ck_assert_int_eq(cr->at, midnight(2019, 6, 10, 2));
	cr = credit_at(&st, 29);
	ck_assert_int_eq(cr->amount, 100000);
	ck_assert_str_eq(cr->description, "Zwembad");
	cr = &st.credits[12];
	ck_assert_int_eq(cr->line, 30);
	ck_assert_int_eq(cr->amount, 702);
	ck_assert_int_eq(cr->at, midnight(2019, 1, 7, 1));
	ck_assert_str_eq(cr->description, "Rente");
	ck_assert_str_eq(cr->name, "Knab");
	ck_assert_ptr_null(cr->iban);
	keys_distinct(&st);
	bank_statement_release(&st);

	/* Without a mapping no line is the header. */
	text = slurp(KNAB, &len);
	fails("generic", NULL, text, len, "knab.csv", "knab.csv: no header row with the columns "
	    "\"date\" (date), \"amount\" (amount) and \"description\" (description) and the "
	    "others set in columns: set the source's columns to this export's header names "
	    "(its line 1 has: KNAB EXPORT, , , , , , , , , , , , , , , , )");
	free(text);
}
END_TEST

/*
 * The fixtures, one or two per format.
 */

START_TEST(test_ing)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("ing", NULL, DATA "ing.csv", &st);
	ck_assert_uint_eq(st.ncredits, 3);
	ck_assert_int_eq(st.debits, 2);		/* 3,25 and 1250,00 */
	ck_assert_int_eq(st.zero, 1);
	cr = credit_at(&st, 2);
	ck_assert_int_eq(cr->amount, 29500);
	ck_assert_int_eq(cr->at, midnight(2027, 1, 5, 1));
	ck_assert_str_eq(cr->name, "J JANSEN");
	ck_assert_str_eq(cr->iban, "NL91ABNA0417164300");
	assert_ref(cr, "NS-7KQ2-4D");
	/* Two identical transfers on one day stay two. */
	ck_assert_int_eq(credit_at(&st, 4)->amount, 5000);
	ck_assert_int_eq(credit_at(&st, 5)->amount, 5000);
	ck_assert_str_eq(credit_at(&st, 4)->description, credit_at(&st, 5)->description);
	keys_distinct(&st);
	bank_statement_release(&st);
}
END_TEST

/* Overlapping exports, one comma and one semicolon with two more columns. */
START_TEST(test_ing_overlap)
{
	struct bank_statement a, b;

	parse_file("ing", NULL, DATA "ing.csv", &a);
	parse_file("ing", NULL, DATA "ing-semicolon.csv", &b);
	ck_assert_uint_eq(b.ncredits, 4);
	ck_assert_int_eq(b.debits, 1);
	ck_assert_str_eq(credit_at(&b, 3)->key, credit_at(&a, 2)->key);
	ck_assert_str_eq(credit_at(&b, 5)->key, credit_at(&a, 4)->key);
	ck_assert_str_eq(credit_at(&b, 6)->key, credit_at(&a, 5)->key);
	for (size_t i = 0; i < a.ncredits; i++)
		ck_assert_str_ne(credit_at(&b, 2)->key, a.credits[i].key);
	assert_ref(credit_at(&b, 2), "NS-7KQ2-4D");	/* written "ns 7kq2 4d" */
	ck_assert_int_eq(credit_at(&b, 2)->amount, 14750);
	bank_statement_release(&a);
	bank_statement_release(&b);
}
END_TEST

START_TEST(test_rabobank)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("rabobank", NULL, DATA "rabobank.csv", &st);
	ck_assert_uint_eq(st.ncredits, 2);
	ck_assert_int_eq(st.debits, 2);
	ck_assert_int_eq(st.zero, 1);
	cr = credit_at(&st, 2);
	ck_assert_int_eq(cr->amount, 29500);
	ck_assert_int_eq(cr->at, midnight(2027, 1, 4, 1));
	/* Omschrijving-1 and -2 joined; the " " of an empty Omschrijving-2 is no text. */
	ck_assert_str_eq(cr->description, "NS-7KQ2-4D training januari");
	ck_assert_str_eq(cr->name, "J. Jansen");
	ck_assert_str_eq(cr->iban, "NL91ABNA0417164300");
	assert_ref(cr, "NS-7KQ2-4D");
	/* Betalingskenmerk is description too; "+1500,00" has no thousands separator. */
	cr = credit_at(&st, 4);
	ck_assert_int_eq(cr->amount, 150000);
	ck_assert_str_eq(cr->description, "NS-8ABC-2X Factuur 2027-001");
	keys_distinct(&st);
	bank_statement_release(&st);
}
END_TEST

/* The English column names are the same columns: the same transaction has the same key. */
START_TEST(test_rabobank_english)
{
	struct bank_statement nl, en;

	parse_file("rabobank", NULL, DATA "rabobank.csv", &nl);
	parse_file("rabobank", NULL, DATA "rabobank-en.csv", &en);
	ck_assert_uint_eq(en.ncredits, 2);
	ck_assert_int_eq(en.debits, 0);
	ck_assert_str_eq(credit_at(&en, 2)->key, credit_at(&nl, 4)->key);
	ck_assert_str_eq(credit_at(&en, 2)->description, "NS-8ABC-2X Factuur 2027-001");
	ck_assert_str_eq(credit_at(&en, 3)->name, "A. Bakker");
	ck_assert_int_eq(credit_at(&en, 3)->amount, 8000);
	ck_assert_int_eq(credit_at(&en, 3)->at, midnight(2027, 1, 7, 1));
	ck_assert_str_ne(credit_at(&en, 3)->key, credit_at(&nl, 2)->key);
	bank_statement_release(&nl);
	bank_statement_release(&en);
}
END_TEST

/* Volgnr is part of the record: the same transfer twice in one day differs by it. */
START_TEST(test_rabobank_volgnr)
{
	struct bank_statement st;
	size_t len;
	char *text = slurp(DATA "rabobank.csv", &len);
	char *line2 = strchr(text, '\n') + 1, *end = strchr(line2, '\n') + 1;
	char *twice = xasprintf("%.*s%.*s", (int)(end - text), text, (int)(end - line2), line2);
	char *renumbered = xasprintf("%.*s%.*s", (int)(end - text), text, (int)(end - line2),
	    line2);

	/* Line 3 repeats line 2, Volgnr and all; then with a Volgnr of its own. */
	parse_text("rabobank", NULL, twice, strlen(twice), "r.csv", &st);
	ck_assert_uint_eq(st.ncredits, 2);
	keys_distinct(&st);
	bank_statement_release(&st);
	memcpy(strstr(renumbered + (end - text), "1201"), "1299", 4);
	parse_text("rabobank", NULL, renumbered, strlen(renumbered), "r.csv", &st);
	ck_assert_uint_eq(st.ncredits, 2);
	keys_distinct(&st);
	bank_statement_release(&st);
	free(text);
	free(twice);
	free(renumbered);
}
END_TEST

START_TEST(test_abnamro)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("abnamro", NULL, DATA "abnamro.TAB", &st);
	ck_assert_uint_eq(st.ncredits, 4);
	ck_assert_int_eq(st.debits, 1);
	ck_assert_int_eq(st.zero, 1);
	cr = credit_at(&st, 1);
	ck_assert_int_eq(cr->amount, 29500);
	ck_assert_int_eq(cr->at, midnight(2027, 1, 4, 1));
	ck_assert_str_eq(cr->description, "NS-7KQ2-4D training");
	ck_assert_str_eq(cr->name, "J JANSEN");
	ck_assert_str_eq(cr->iban, "NL91ABNA0417164300");
	/* The label layout; a quote in it is text, since the TAB export quotes nothing. */
	cr = credit_at(&st, 3);
	ck_assert_int_eq(cr->amount, 15000);
	ck_assert_str_eq(cr->description, "NS-7KQ2-4D aanbetaling \"januari\"");
	ck_assert_str_eq(cr->name, "P DE VRIES");
	ck_assert_str_eq(cr->iban, "NL44RABO0123456789");
	assert_ref(cr, "NS-7KQ2-4D");
	/* "/REMI/USTD//" marks unstructured remittance; the mark is not text. */
	ck_assert_str_eq(credit_at(&st, 5)->description, "NS-7KQ2-4D rest");
	/* Tags without REMI: the whole text. The last line has no line end. */
	cr = credit_at(&st, 6);
	ck_assert_int_eq(cr->amount, 10000);
	ck_assert_str_eq(cr->description, "/TRTP/SEPA OVERBOEKING/IBAN/NL02ABNA0123456789/BIC/"
	    "ABNANL2A/NAME/A BAKKER/EREF/NOTPROVIDED");
	ck_assert_str_eq(cr->name, "A BAKKER");
	keys_distinct(&st);
	bank_statement_release(&st);
}
END_TEST

START_TEST(test_bunq)
{
	struct bank_statement st;
	const struct bank_credit *cr;

	parse_file("bunq", NULL, DATA "bunq.csv", &st);
	ck_assert_uint_eq(st.ncredits, 4);
	ck_assert_int_eq(st.debits, 1);
	ck_assert_int_eq(st.zero, 1);
	cr = credit_at(&st, 2);
	ck_assert_int_eq(cr->amount, 29500);
	ck_assert_int_eq(cr->at, midnight(2027, 1, 4, 1));
	ck_assert_str_eq(cr->description, "NS-7KQ2-4D training");
	ck_assert_str_eq(cr->name, "J Jansen");
	ck_assert_str_eq(cr->iban, "NL91ABNA0417164300");
	assert_ref(cr, "NS-7KQ2-4D");
	ck_assert_int_eq(credit_at(&st, 4)->amount, 100000);	/* "1.000,00" */
	ck_assert_int_eq(credit_at(&st, 5)->amount, 2500);
	ck_assert_int_eq(credit_at(&st, 6)->amount, 2500);
	keys_distinct(&st);
	bank_statement_release(&st);

	parse_file("bunq", NULL, DATA "bunq-en.csv", &st);
	ck_assert_uint_eq(st.ncredits, 2);
	ck_assert_int_eq(st.debits, 1);				/* "-2,500.00" */
	ck_assert_int_eq(credit_at(&st, 2)->amount, 123456);	/* "1,234.56" */
	ck_assert_int_eq(credit_at(&st, 4)->amount, 1250);	/* "12.50" */
	ck_assert_ptr_null(credit_at(&st, 4)->iban);
	assert_ref(credit_at(&st, 2), "NS-7KQ2-4D");
	bank_statement_release(&st);
}
END_TEST

START_TEST(test_generic)
{
	struct config_source src;
	struct bank_statement st;
	const struct bank_credit *cr;

	mapping(&src, "Boekdatum", "Bedrag", "Omschrijving", "Tegenpartij", "Tegenrekening",
	    NULL);
	parse_file("generic", &src, DATA "generic.csv", &st);
	ck_assert_uint_eq(st.ncredits, 6);
	ck_assert_int_eq(st.debits, 1);
	ck_assert_int_eq(st.zero, 1);
	cr = credit_at(&st, 3);
	ck_assert_int_eq(cr->amount, 29500);
	ck_assert_int_eq(cr->at, midnight(2027, 1, 4, 1));		/* 04-01-2027 */
	ck_assert_str_eq(cr->name, "J Jansen");
	ck_assert_str_eq(cr->iban, "NL91ABNA0417164300");
	assert_ref(cr, "NS-7KQ2-4D");
	ck_assert_int_eq(credit_at(&st, 5)->amount, 123456);		/* 1.234,56 */
	ck_assert_int_eq(credit_at(&st, 5)->at, midnight(2027, 1, 5, 1));	/* 2027-01-05 */
	ck_assert_int_eq(credit_at(&st, 6)->amount, 123456);		/* 1,234.56 */
	ck_assert_int_eq(credit_at(&st, 6)->at, midnight(2027, 1, 5, 1));	/* 20270105 */
	ck_assert_int_eq(credit_at(&st, 7)->amount, 1250);		/* 12.5 */
	ck_assert_ptr_null(credit_at(&st, 7)->name);
	ck_assert_int_eq(credit_at(&st, 9)->amount, 250000);		/* 2500 */
	ck_assert_int_eq(credit_at(&st, 10)->amount, 250000);
	keys_distinct(&st);
	bank_statement_release(&st);
}
END_TEST

/* A direction column decides; a negative amount is never a credit. */
START_TEST(test_generic_direction)
{
	static const char text[] =
	    "date,amount,direction,description\n"
	    "2027-01-04,10.00,C,a\n"
	    "2027-01-04,11.00,D,b\n"
	    "2027-01-04,12.00,Bij,c\n"
	    "2027-01-04,13.00,af,d\n"
	    "2027-01-04,14.00,Credit,e\n"
	    "2027-01-04,15.00,DEBIT,f\n"
	    "2027-01-04,16.00, CR ,g\n"
	    "2027-01-04,17.00,DR,h\n"
	    "2027-01-04,-18.00,C,i\n"
	    "2027-01-04,0.00,C,j\n";
	struct bank_statement st;

	parse_text("generic", NULL, text, strlen(text), "d.csv", &st);
	ck_assert_uint_eq(st.ncredits, 4);
	ck_assert_int_eq(st.debits, 5);
	ck_assert_int_eq(st.zero, 1);
	ck_assert_int_eq(st.credits[0].amount, 1000);
	ck_assert_int_eq(st.credits[1].amount, 1200);
	ck_assert_int_eq(st.credits[2].amount, 1400);
	ck_assert_int_eq(st.credits[3].amount, 1600);
	ck_assert_str_eq(st.credits[3].description, "g");
	bank_statement_release(&st);

	FAILS_STR("generic", NULL, "date,amount,direction,description\n"
	    "2027-01-04,10.00,X,a\n", "d.csv", "d.csv:2: direction: \"X\" is neither credit nor "
	    "debit (use Bij or Af, C or D, Credit or Debit, CR or DR)");
}
END_TEST

/*
 * Identity across files.
 */

/* The same line in two overlapping files has one key; identical lines keep their order. */
START_TEST(test_keys_overlap)
{
	static const char a[] =
	    "date;amount;description\n"
	    "2027-01-04;10,00;NS-7KQ2-4D\n"
	    "2027-01-05;25,00;lunch\n"
	    "2027-01-05;25,00;lunch\n";
	static const char b[] =
	    "Statement\n"
	    "date;amount;description\n"
	    "2027-01-05;25,00;lunch\n"
	    "2027-01-05;25,00;lunch\n"
	    "2027-01-06;30,00;NS-7KQ2-4D\n";
	static const char c[] =
	    "date;amount;description\n"
	    "2027-01-05;25,00;lunch\n";
	struct bank_statement sa, sb, sc;

	parse_text("generic", NULL, a, strlen(a), "a.csv", &sa);
	parse_text("generic", NULL, b, strlen(b), "b.csv", &sb);
	parse_text("generic", NULL, c, strlen(c), "c.csv", &sc);
	ck_assert_uint_eq(sa.ncredits, 3);
	ck_assert_uint_eq(sb.ncredits, 3);
	keys_distinct(&sa);
	keys_distinct(&sb);
	/* Other line numbers, the same transactions. */
	ck_assert_str_eq(sb.credits[0].key, sa.credits[1].key);
	ck_assert_str_eq(sb.credits[1].key, sa.credits[2].key);
	ck_assert_str_ne(sb.credits[2].key, sa.credits[0].key);
	/* A file with one of the two is the first of them. */
	ck_assert_str_eq(sc.credits[0].key, sa.credits[1].key);
	bank_statement_release(&sa);
	bank_statement_release(&sb);
	bank_statement_release(&sc);
}
END_TEST

/* The key is the documented hash: format, trimmed fields, occurrence, joined by US. */
START_TEST(test_key_definition)
{
	static const char text[] = "date,amount,description\n"
	    " 2027-01-04 ,10.00,  a b \n2027-01-04,10.00,a b,,\n";
	struct bank_statement st;
	char want[65];
	const char *rec1 = "generic\x1f" "2027-01-04\x1f" "10.00\x1f" "a b\x1f" "1";
	const char *rec2 = "generic\x1f" "2027-01-04\x1f" "10.00\x1f" "a b\x1f" "2";

	parse_text("generic", NULL, text, strlen(text), "k.csv", &st);
	ck_assert_uint_eq(st.ncredits, 2);
	sha256_hex(rec1, strlen(rec1), want);
	ck_assert_str_eq(st.credits[0].key, want);
	/* Trailing empty fields are no part of the record: this is the same record again. */
	sha256_hex(rec2, strlen(rec2), want);
	ck_assert_str_eq(st.credits[1].key, want);
	bank_statement_release(&st);
}
END_TEST

/* For a format with a header, the record is its columns by name: order and extras do not count. */
START_TEST(test_key_columns)
{
	static const char a[] =
	    "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\",\"Code\","
	    "\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\",\"Mededelingen\"\n"
	    "\"20270105\",\"J JANSEN\",\"NL99INGB9999999999\",\"NL91ABNA0417164300\",\"OV\","
	    "\"Bij\",\"295,00\",\"Overschrijving\",\"NS-7KQ2-4D\"\n";
	static const char b[] =
	    "\"Tag\";\"Mededelingen\";\"Datum\";\"Af Bij\";\"Bedrag (EUR)\";"
	    "\"Naam / Omschrijving\";\"Rekening\";\"Tegenrekening\";\"Code\";\"MutatieSoort\"\n"
	    "\"x\";\"NS-7KQ2-4D\";\"20270105\";\"Bij\";\"295,00\";\"J JANSEN\";"
	    "\"NL99INGB9999999999\";\"NL91ABNA0417164300\";\"OV\";\"Overschrijving\"\n";
	struct bank_statement sa, sb;

	parse_text("ing", NULL, a, strlen(a), "a.csv", &sa);
	parse_text("ing", NULL, b, strlen(b), "b.csv", &sb);
	ck_assert_uint_eq(sb.ncredits, 1);
	ck_assert_str_eq(sb.credits[0].description, "NS-7KQ2-4D");
	ck_assert_str_eq(sb.credits[0].key, sa.credits[0].key);
	bank_statement_release(&sa);
	bank_statement_release(&sb);
}
END_TEST

/*
 * Fields.
 */

START_TEST(test_amounts)
{
	static const struct {
		const char *text, *decimal;
		int flags, rc;
		int64_t cents;
	} cases[] = {
		/* ING: unsigned, decimal comma, two decimals. */
		{ "1,25", ",", BANKFIELD_CENTS, 0, 125 },
		{ "1250,00", ",", BANKFIELD_CENTS, 0, 125000 },
		{ "0,00", ",", BANKFIELD_CENTS, 0, 0 },
		{ "1.250,00", ",", BANKFIELD_CENTS, -1, 0 },
		{ "-1,25", ",", BANKFIELD_CENTS, -1, 0 },
		{ "1,2", ",", BANKFIELD_CENTS, -1, 0 },
		{ "1.25", ",", BANKFIELD_CENTS, -1, 0 },
		{ "12.5x", ",", BANKFIELD_CENTS, -1, 0 },
		{ "", ",", BANKFIELD_CENTS, -1, 0 },
		{ ",50", ",", BANKFIELD_CENTS, -1, 0 },
		{ " 1,25", ",", BANKFIELD_CENTS, -1, 0 },
		/* Rabobank and ABN AMRO: signed. */
		{ "+12162,73", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, 0, 1216273 },
		{ "-5,00", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, 0, -500 },
		{ "25,00", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, 0, 2500 },
		{ "+-5,00", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, -1, 0 },
		{ "- 5,00", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, -1, 0 },
		{ "5,00-", ",", BANKFIELD_SIGN | BANKFIELD_CENTS, -1, 0 },
		/* bunq: either notation, groups, two decimals. */
		{ "1.000,00", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, 0, 100000 },
		{ "-1,234.56", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, 0, -123456 },
		{ "1,234,567.89", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, 0,
		  123456789 },
		{ "1234.56", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, 0, 123456 },
		{ "12,5", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		{ "1.000", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		{ "1,23,456.00", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		{ "1234,567.00", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		{ "1.234.56", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		{ "1.234,567", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS | BANKFIELD_CENTS, -1, 0 },
		/* generic: decimals optional, two notations told apart per value. */
		{ "1.234,56", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 123456 },
		{ "1,234.56", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 123456 },
		{ "12,50", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 1250 },
		{ "12.50", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 1250 },
		{ "-12,50", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, -1250 },
		{ "12.5", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 1250 },
		{ "2500", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 250000 },
		{ "1.234.567", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 123456700 },
		{ "1.234", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -2, 0 },
		{ "1,234", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -2, 0 },
		{ "1,234.567", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
		{ "12,5.0", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
		{ "€ 12,50", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
		{ "12,50 EUR", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
		{ "1e3", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
		{ "9999999999999,99", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, 0, 999999999999999 },
		{ "99999999999999", ",.", BANKFIELD_SIGN | BANKFIELD_GROUPS, -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t cents = -7;
		int rc = bankfield_amount(cases[i].text, cases[i].decimal, cases[i].flags, &cents);

		ck_assert_msg(rc == cases[i].rc, "\"%s\": rc %d, want %d", cases[i].text, rc,
		    cases[i].rc);
		if (rc == 0)
			ck_assert_msg(cents == cases[i].cents, "\"%s\": %lld cents, want %lld",
			    cases[i].text, (long long)cents, (long long)cases[i].cents);
		else
			ck_assert_int_eq(cents, -7);
	}
}
END_TEST

START_TEST(test_dates)
{
	time_t t;

	ck_assert_int_eq(bankfield_date("20270104", BANKFIELD_COMPACT, ZONE, &t), 0);
	ck_assert_int_eq(t, midnight(2027, 1, 4, 1));
	ck_assert_int_eq(bankfield_date("2027-07-04", BANKFIELD_ISO, ZONE, &t), 0);
	ck_assert_int_eq(t, midnight(2027, 7, 4, 2));
	ck_assert_int_eq(bankfield_date("2027-07-04", BANKFIELD_ISO, "UTC", &t), 0);
	ck_assert_int_eq(t, midnight(2027, 7, 4, 0));
	/* The day clocks go forward: midnight is still at +1. */
	ck_assert_int_eq(bankfield_date("2027-03-28", BANKFIELD_ISO, ZONE, &t), 0);
	ck_assert_int_eq(t, midnight(2027, 3, 28, 1));
	ck_assert_int_eq(bankfield_date("04-01-2027", BANKFIELD_ANY, ZONE, &t), 0);
	ck_assert_int_eq(t, midnight(2027, 1, 4, 1));
	ck_assert_int_eq(bankfield_date("04/01/2027", BANKFIELD_ANY, ZONE, &t), 0);
	ck_assert_int_eq(t, midnight(2027, 1, 4, 1));
	ck_assert_int_eq(bankfield_date("2028-02-29", BANKFIELD_ANY, ZONE, &t), 0);
	ck_assert_int_eq(bankfield_date("2000-02-29", BANKFIELD_ANY, ZONE, &t), 0);
	/* Each bank's own notation only; dates that do not exist. */
	ck_assert_int_eq(bankfield_date("2027-01-04", BANKFIELD_COMPACT, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("20270104", BANKFIELD_ISO, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("04-01-2027", BANKFIELD_ISO, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("20270230", BANKFIELD_COMPACT, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("2027-02-29", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("1900-02-29", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("31/04/2027", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("20271304", BANKFIELD_COMPACT, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("20270100", BANKFIELD_COMPACT, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("04-01/2027", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("4-1-2027", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("2027-01-04 ", BANKFIELD_ANY, ZONE, &t), -1);
	ck_assert_int_eq(bankfield_date("", BANKFIELD_ANY, ZONE, &t), -1);
}
END_TEST

START_TEST(test_sepa)
{
	char *desc, *name, *iban;

	/* The old label layout; a label right after a value ("B.V.Machtiging:"). */
	bankfield_sepa("SEPA Incasso algemeen doorlopend Incassant: GB98NFXSDDCHAS01234567890123"
	    "                          Naam: NETFLIX INTERNATIONAL B.V.Machtiging: DD-01234567"
	    "890123456 7-890-123456                    Omschrijving: Netflix Monthly Su bscripti"
	    "on                      IBAN: LU012345678901234567             ", &desc, &name,
	    &iban);
	ck_assert_str_eq(desc, "Netflix Monthly Su bscription");
	ck_assert_str_eq(name, "NETFLIX INTERNATIONAL B.V.");
	ck_assert_str_eq(iban, "LU012345678901234567");
	free(desc);
	free(name);
	free(iban);
	/* Tags in another order, REMI in the middle. */
	bankfield_sepa("/TRTP/SEPA Incasso algemeen doorlopend/CSID/NL00ZZZ123456789012/NAME/Albe"
	    "rt Heijn B.V./MARF/AH01/REMI/Foobarment - AB012345678/IBAN/NL00INGB0123456789/BIC/"
	    "INGBNL2A/EREF/AB0123456789   ", &desc, &name, &iban);
	ck_assert_str_eq(desc, "Foobarment - AB012345678");
	ck_assert_str_eq(name, "Albert Heijn B.V.");
	ck_assert_str_eq(iban, "NL00INGB0123456789");
	free(desc);
	free(name);
	free(iban);
	/* Neither layout. */
	bankfield_sepa("  Basic interest   over the period  ", &desc, &name, &iban);
	ck_assert_str_eq(desc, "Basic interest over the period");
	ck_assert_ptr_null(name);
	ck_assert_ptr_null(iban);
	free(desc);
	/* An empty REMI is no remittance. */
	bankfield_sepa("/TRTP/X/NAME/A/REMI//EREF/1", &desc, &name, &iban);
	ck_assert_str_eq(desc, "/TRTP/X/NAME/A/REMI//EREF/1");
	ck_assert_str_eq(name, "A");
	ck_assert_ptr_null(iban);
	free(desc);
	free(name);
}
END_TEST

START_TEST(test_text)
{
	char *t, q[64];

	t = bankfield_clean(" a \t\r\n b\xc2\x85" "c\x01 ", 14);
	ck_assert_str_eq(t, "a b c");
	free(t);
	ck_assert_ptr_null(bankfield_text(" \t "));
	ck_assert_str_eq(bankfield_quote("12\n5", q), "12?5");
	/* Cut to 40 bytes without splitting "é" (2 bytes at 39 and 40). */
	ck_assert_str_eq(bankfield_quote("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9zzz", q),
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	ck_assert_int_eq(bankfield_direction(" Bij "), 1);
	ck_assert_int_eq(bankfield_direction("AF"), 0);
	ck_assert_int_eq(bankfield_direction("+"), -1);
	ck_assert_int_eq(bankfield_direction(""), -1);
}
END_TEST

/*
 * Broken inputs, format by format: the whole statement fails with a message that names
 * file, line and field and says what to do.
 */

#define EMPTY "empty file: no statement lines (export the statement again)"

START_TEST(test_broken_ing)
{
	const char *f = DATA "ing.csv";

	fails_mutated("ing", NULL, f, "\"295,00\"", "\"12.5x\"", "ing.csv",
	    "ing.csv:2: Bedrag (EUR): \"12.5x\" is not an amount (ING writes amounts like "
	    "1234,56 and dates like 20270104)");
	fails_mutated("ing", NULL, f, "\"20270105\"", "\"2027-01-05\"", "ing.csv",
	    "ing.csv:2: Datum: \"2027-01-05\" is not a date (ING writes amounts like 1234,56 and "
	    "dates like 20270104)");
	fails_mutated("ing", NULL, f, "\"Bij\"", "\"Ja\"", "ing.csv",
	    "ing.csv:2: Af Bij: \"Ja\" is neither credit nor debit (use Bij or Af, C or D, Credit "
	    "or Debit, CR or DR)");
	fails_mutated("ing", NULL, f, "\"Af Bij\"", "\"Richting\"", "ing.csv",
	    "ing.csv:1: column \"Af Bij\" is not in the header: is this an ING export? (its line "
	    "1 has: Datum, Naam / Omschrijving, Rekening, Tegenrekening, Code, Richting, Bedrag "
	    "(EUR), Mutatiesoort, Mededelingen)");
	fails_mutated("ing", NULL, f, "\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\","
	    "\"Mededelingen\"\r\n\"20270105\"", "\"Code\",\"Af Bij\",\"Bedrag (EUR)\","
	    "\"Mutatiesoort\",\"Mededelingen\"\r\n\"20270105", "ing.csv",
	    "ing.csv:2: text after the closing quote of a field (a quote inside a quoted field "
	    "must be doubled)");
	FAILS_STR("ing", NULL, "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\","
	    "\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\",\"Mededelingen\"\r\n"
	    "\"20270105\",\"J JANSEN\",\"NL99INGB99", "ing.csv",
	    "ing.csv:2: unterminated quoted field");
	FAILS_STR("ing", NULL, "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\","
	    "\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"Mutatiesoort\",\"Mededelingen\"\r\n"
	    "\"20270105\",\"J JANSEN\",\"NL99INGB9999999999\"\r\n", "ing.csv",
	    "ing.csv:2: 3 fields where the header has 9 (is the file cut short? export the "
	    "statement again)");
	FAILS_STR("ing", NULL, "", "ing.csv", "ing.csv: " EMPTY);
	FAILS_STR("ing", NULL, "\xef\xbb\xbf\r\n \r\n", "ing.csv", "ing.csv: " EMPTY);
	reads_latin1("ing", NULL, f, "aanbetaling", "caf\xe9 \x80", "caf\xc3\xa9 \xe2\x82\xac");
	fails_mutated("rabobank", NULL, DATA "ing.csv", "", "", "ing.csv",
	    "ing.csv:1: column \"Bedrag\" is not in the header: is this a Rabobank export? (it "
	    "looks like an ING export: use format \"ing\")");
}
END_TEST

START_TEST(test_broken_rabobank)
{
	const char *f = DATA "rabobank.csv";
	size_t len;
	char *text;

	fails_mutated("rabobank", NULL, f, "\"+295,00\"", "\"+295.00\"", "rabo.csv",
	    "rabo.csv:2: Bedrag: \"+295.00\" is not an amount (Rabobank writes amounts like "
	    "+1234,56 and dates like 2027-01-04)");
	fails_mutated("rabobank", NULL, f, "\"2027-01-05\",\"2027-01-05\",\"+1500,00\"",
	    "\"05-01-2027\",\"2027-01-05\",\"+1500,00\"", "rabo.csv",
	    "rabo.csv:4: Datum: \"05-01-2027\" is not a date (Rabobank writes amounts like "
	    "+1234,56 and dates like 2027-01-04)");
	fails_mutated("rabobank", NULL, f, "\"EUR\",\"RABONL2U\",\"000000000000001201\"",
	    "\"USD\",\"RABONL2U\",\"000000000000001201\"", "rabo.csv",
	    "rabo.csv:2: Munt: \"USD\" is not EUR (noshowd takes payments in euros: export the "
	    "euro account)");
	fails_mutated("rabobank", NULL, f, "\"Omschrijving-1\"", "\"Omschrijving 1\"",
	    "rabo.csv", "rabo.csv:1: column \"Omschrijving-1\" is not in the header: is this a "
	    "Rabobank export? (its line 1 has: IBAN/BBAN, Munt, BIC, Volgnr, Datum, Rentedatum, "
	    "Bedrag, Saldo na trn, Tegenrekening IBAN/BBAN, Naam tegenpartij, Naam uiteindelijke "
	    "partij, Naam initi\xc3\xabrende partij, BIC tegenpartij, ...)");
	/* Cut off inside a quoted field. */
	text = slurp(f, &len);
	fails("rabobank", NULL, text, (size_t)(strstr(text, "training") - text), "rabo.csv",
	    "rabo.csv:2: unterminated quoted field");
	free(text);
	FAILS_STR("rabobank", NULL, "\n\n", "rabo.csv", "rabo.csv: " EMPTY);
	/* An older export: the header's "ë" in Latin-1. */
	reads_latin1("rabobank", NULL, f, "initi\xc3\xabrende", "initi\xebrende", NULL);
	fails_mutated("ing", NULL, f, "", "", "rabo.csv",
	    "rabo.csv:1: column \"Naam / Omschrijving\" is not in the header: is this an ING "
	    "export? (it looks like a Rabobank export: use format \"rabobank\")");
}
END_TEST

START_TEST(test_broken_abnamro)
{
	const char *f = DATA "abnamro.TAB";
	size_t len;
	char *text;

	fails_mutated("abnamro", NULL, f, "\t295,00\t", "\t295.00\t", "TXT.TAB",
	    "TXT.TAB:1: amount: \"295.00\" is not an amount (ABN AMRO writes amounts like "
	    "-1234,56 and dates like 20270104)");
	fails_mutated("abnamro", NULL, f, "\t20270105\t1282,90", "\t2027010\t1282,90",
	    "TXT.TAB", "TXT.TAB:3: date: \"2027010\" is not a date (ABN AMRO writes amounts "
	    "like -1234,56 and dates like 20270104)");
	fails_mutated("abnamro", NULL, f, "\tEUR\t20270104\t1000,00", "\tGBP\t20270104\t1000,00",
	    "TXT.TAB", "TXT.TAB:1: currency: \"GBP\" is not EUR (noshowd takes payments in "
	    "euros: export the euro account)");
	/* The sample's comment lines are not part of the export. */
	fails_mutated("abnamro", NULL, f, "123456789\tEUR\t20270104\t1295,00",
	    "# a comment\r\n123456789\tEUR\t20270104\t1295,00", "TXT.TAB",
	    "TXT.TAB:2: 1 field where the ABN AMRO TAB export has 8: is this an ABN AMRO "
	    "export? (its line 2 has: # a comment)");
	/* Cut off in the middle of a line. */
	text = slurp(f, &len);
	fails("abnamro", NULL, text, 40, "TXT.TAB", "TXT.TAB:1: 6 fields where the ABN AMRO TAB "
	    "export has 8: is this an ABN AMRO export? (its line 1 has: 123456789, EUR, "
	    "20270104, 1000,00, 1295,00, 2)");
	free(text);
	FAILS_STR("abnamro", NULL, " \r\n", "TXT.TAB", "TXT.TAB: " EMPTY);
	reads_latin1("abnamro", NULL, f, "P DE VRIES", "P D\xc9 VRIES", "P D\xc3\x89 VRIES");
	fails_mutated("abnamro", NULL, DATA "bunq.csv", "", "", "bunq.csv",
	    "bunq.csv:1: 1 field where the ABN AMRO TAB export has 8: is this an ABN AMRO "
	    "export? (it looks like a bunq export: use format \"bunq\")");
	/* Its quote is no CSV quote: the CSV reader's complaint comes with the hint. */
	fails_mutated("ing", NULL, f, "", "", "TXT.TAB",
	    "TXT.TAB:3: stray quote in unquoted field (put the field in quotes and double the "
	    "quote) (it looks like an ABN AMRO export: use format \"abnamro\")");
	text = abn_sample(&len);
	fails("ing", NULL, text, len, "TXT.TAB",
	    "TXT.TAB:4: column \"Datum\" is not in the header: is this an ING export? (it "
	    "looks like an ABN AMRO export: use format \"abnamro\")");
	free(text);
}
END_TEST

START_TEST(test_broken_bunq)
{
	const char *f = DATA "bunq.csv";

	fails_mutated("bunq", NULL, f, "\"1.000,00\"", "\"1.000\"", "bunq.csv",
	    "bunq.csv:4: Amount: \"1.000\" is not an amount (bunq writes amounts like -1,234.56 "
	    "or -1.234,56 and dates like 2027-01-04)");
	fails_mutated("bunq", NULL, f, "\"2027-01-05\";\"2027-01-05\";\"25,00\"",
	    "\"2027-13-05\";\"2027-01-05\";\"25,00\"", "bunq.csv",
	    "bunq.csv:5: Date: \"2027-13-05\" is not a date (bunq writes amounts like -1,234.56 "
	    "or -1.234,56 and dates like 2027-01-04)");
	fails_mutated("bunq", NULL, f, "\"Description\"", "\"Omschrijving\"", "bunq.csv",
	    "bunq.csv:1: column \"Description\" is not in the header: is this a bunq export? "
	    "(its line 1 has: Date, Interest Date, Amount, Account, Counterparty, Name, "
	    "Omschrijving)");
	fails_mutated("bunq", NULL, f, "\"Tikkie lunch\"", "\"Tikkie \"lunch\"", "bunq.csv",
	    "bunq.csv:5: text after the closing quote of a field (a quote inside a quoted field "
	    "must be doubled)");
	FAILS_STR("bunq", NULL, "\xef\xbb\xbf", "bunq.csv", "bunq.csv: " EMPTY);
	reads_latin1("bunq", NULL, f, "A Bakker", "A B\xe4kker", "A B\xc3\xa4kker");
	fails_mutated("rabobank", NULL, f, "", "", "bunq.csv",
	    "bunq.csv:1: column \"Omschrijving-1\" is not in the header: is this a Rabobank export? (it "
	    "looks like a bunq export: use format \"bunq\")");
}
END_TEST

START_TEST(test_broken_generic)
{
	const char *f = DATA "generic.csv";
	struct config_source src;

	mapping(&src, "Boekdatum", "Bedrag", "Omschrijving", "Tegenpartij", "Tegenrekening",
	    NULL);
	fails_mutated("generic", &src, f, "295,00", "295,00 EUR", "g.csv",
	    "g.csv:3: Bedrag: \"295,00 EUR\" is not an amount (use amounts like 1234,56, "
	    "1.234,56 or -1234.56 and dates like 2027-01-04, 20270104, 04-01-2027 or "
	    "04/01/2027)");
	fails_mutated("generic", &src, f, "295,00", "1.295", "g.csv",
	    "g.csv:3: Bedrag: \"1.295\" could be read two ways (give amounts with their cents, "
	    "such as 1.234,00)");
	/* A bad date on a debit line does not matter; on a credit it does. */
	fails_mutated("generic", &src, f, "04-01-2027;295", "4 januari 2027;295", "g.csv",
	    "g.csv:3: Boekdatum: \"4 januari 2027\" is not a date (use amounts like 1234,56, "
	    "1.234,56 or -1234.56 and dates like 2027-01-04, 20270104, 04-01-2027 or "
	    "04/01/2027)");
	{
		struct bank_statement st;
		char *text = mutate(f, "04/01/2027;-12,50", "4 jan;-12,50");

		parse_text("generic", &src, text, strlen(text), "g.csv", &st);
		ck_assert_int_eq(st.debits, 1);
		bank_statement_release(&st);
		free(text);
	}
	/* A column mapped to a name of its own must be there; the default ones need not. */
	mapping(&src, "Boekdatum", "Bedrag", "Omschrijving", "Tegenpartij", "Rekening", NULL);
	fails_mutated("generic", &src, f, "", "", "g.csv",
	    "g.csv: no header row with the columns \"Boekdatum\" (date), \"Bedrag\" (amount) and "
	    "\"Omschrijving\" (description) and the others set in columns: set the source's "
	    "columns to this export's header names (its line 1 has: Afschrift januari 2027, , , "
	    ", )");
	mapping(&src, "Boekdatum", "Bedrag", "Omschrijving", NULL, NULL, NULL);
	fails_mutated("generic", &src, f, "NS-8ABC-2X groep", "\"NS-8ABC-2X groep", "g.csv",
	    "g.csv:5: unterminated quoted field");
	FAILS_STR("generic", &src, "", "g.csv", "g.csv: " EMPTY);
	reads_latin1("generic", &src, f, "koffie", "th\xe9", NULL);
	fails_mutated("generic", &src, DATA "ing.csv", "", "", "ing.csv",
	    "ing.csv: no header row with the columns \"Boekdatum\" (date), \"Bedrag\" (amount) "
	    "and \"Omschrijving\" (description) and the others set in columns: set the source's "
	    "columns to this export's header names (it looks like an ING export: use format "
	    "\"ing\")");
}
END_TEST

START_TEST(test_broken_any)
{
	FAILS_STR("asn", NULL, "a", "x.csv", "x.csv: \"asn\" is not a bank format (use ing, "
	    "rabobank, abnamro, bunq or generic)");
	ck_assert_int_eq(bank_format_known("ing"), 1);
	ck_assert_int_eq(bank_format_known("generic"), 1);
	ck_assert_int_eq(bank_format_known("ING"), 0);
	ck_assert_int_eq(bank_format_known(NULL), 0);
	{
		struct bank_statement st;
		char err[ERR_MAX];

		ck_assert_int_eq(bank_parse("a", 1, "ing", NULL, "Mars/Olympus", "x.csv", &st, err),
		    -1);
		ck_assert_str_eq(err, "x.csv: \"Mars/Olympus\" is not a time zone");
	}
	fails("bunq", NULL, "\xff\xfe\"\0D\0", 6, "x.csv",
	    "x.csv:1: UTF-16 text, not UTF-8 (export the statement again as UTF-8)");
	fails("bunq", NULL, "a\nb\0c", 5, "x.csv",
	    "x.csv:2: NUL byte: not a text export (export the statement again as CSV)");
}
END_TEST

/* A byte order mark and a header-only export (no transactions in the period). */
START_TEST(test_bom_and_header_only)
{
	struct bank_statement st;
	size_t len;
	char *text = slurp(DATA "bunq.csv", &len), *bom = xasprintf("\xef\xbb\xbf%s", text);

	parse_text("bunq", NULL, bom, strlen(bom), "b.csv", &st);
	ck_assert_uint_eq(st.ncredits, 4);
	bank_statement_release(&st);
	*strchr(text, '\n') = '\0';
	parse_text("bunq", NULL, text, strlen(text), "b.csv", &st);
	ck_assert_uint_eq(st.ncredits, 0);
	ck_assert_int_eq(st.debits, 0);
	bank_statement_release(&st);
	free(text);
	free(bom);
}
END_TEST

/*
 * Configuration: columns of a generic payments-csv source, format, good_friday.
 */

/* Load a configuration given as text; "FILE" in errors becomes "F". */
static int
load_text(const char *text, struct config *c, char **errs)
{
	char dir[] = "/tmp/check_bank.XXXXXX", path[64];
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	rc = config_load(path, c, errs);
	unlink(path);
	rmdir(dir);
	if (*errs != NULL) {
		struct buf b;
		size_t n = strlen(path);

		buf_init(&b);
		for (const char *p = *errs; *p; ) {
			if (strncmp(p, path, n) == 0) {
				buf_addch(&b, 'F');
				p += n;
			} else {
				buf_addch(&b, *p++);
			}
		}
		free(*errs);
		*errs = buf_detach(&b);
	}
	return rc;
}

START_TEST(test_config_columns)
{
	struct config c;
	const struct config_source *s;
	struct bank_statement st;
	char *errs = NULL;

	if (load_text("sources = (\n"
	    "  { name = \"knab\"; type = \"payments-csv\"; url = \"/srv/knab.csv\";\n"
	    "    columns = { date = \"Boekdatum\"; amount = \"Bedrag\"; description = \"Omschrijving\";\n"
	    "      name = \"Tegenrekeninghouder\"; iban = \"Tegenrekeningnummer\";\n"
	    "      direction = \"CreditDebet\"; };\n"
	    "    format = \"generic\"; },\n"
	    "  { name = \"plain\"; type = \"payments-csv\"; format = \"generic\"; url = \"/a\";\n"
	    "    columns = { amount = \"Bedrag\"; }; },\n"
	    "  { name = \"reg\"; type = \"csv\"; url = \"/b\"; columns = { email = \"E-mail\"; }; }\n"
	    ");\n", &c, &errs) != 0)
		ck_abort_msg("%s", errs);
	ck_assert_int_eq(c.policy.good_friday, 0);
	ck_assert_ptr_nonnull(s = config_source_find(&c, "knab"));
	ck_assert_str_eq(s->format, "generic");
	ck_assert_str_eq(s->bank_columns[BANK_DATE], "Boekdatum");
	ck_assert_str_eq(s->bank_columns[BANK_DIRECTION], "CreditDebet");
	parse_file(s->format, s, KNAB, &st);
	ck_assert_uint_eq(st.ncredits, 13);
	bank_statement_release(&st);
	ck_assert_ptr_nonnull(s = config_source_find(&c, "plain"));
	ck_assert_str_eq(s->bank_columns[BANK_AMOUNT], "Bedrag");
	ck_assert_str_eq(s->bank_columns[BANK_DATE], "date");
	ck_assert_str_eq(s->bank_columns[BANK_NAME], "name");
	ck_assert_str_eq(s->bank_columns[BANK_DIRECTION], "direction");
	/* A registration export keeps its own fields. */
	ck_assert_ptr_nonnull(s = config_source_find(&c, "reg"));
	ck_assert_str_eq(s->columns[CSV_EMAIL], "E-mail");
	ck_assert_str_eq(s->bank_columns[BANK_DATE], "date");
	config_release(&c);

	if (load_text("policy = { good_friday = true; };\n", &c, &errs) != 0)
		ck_abort_msg("%s", errs);
	ck_assert_int_eq(c.policy.good_friday, 1);
	config_release(&c);
}
END_TEST

START_TEST(test_config_errors)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"generic\";\n"
		  "url = \"/a\"; columns = {\ndat = \"Datum\"; email = \"x\"; }; } );",
		  "F:3: sources.[0].columns.dat: unknown key (did you mean \"date\"?)\n"
		  "F:3: sources.[0].columns.email: unknown key" },
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"ing\"; url = \"/a\";\n"
		  "columns = { date = \"Datum\"; }; } );",
		  "F:2: sources.[0].columns: only format \"generic\" takes columns; the \"ing\" "
		  "layout is built in (remove them)" },
		{ "sources = ( { name = \"a\"; type = \"csv\"; url = \"/a\";\n"
		  "columns = { date = \"Datum\"; }; } );",
		  "F:2: sources.[0].columns.date: unknown key" },
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"generic\";\n"
		  "url = \"/a\"; columns = \"Datum\"; } );",
		  "F:2: sources.[0].columns: expected a group { field = \"header name\"; ... }, "
		  "found a string" },
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"generic\";\n"
		  "url = \"/a\"; columns = { amount = \"\"; }; } );",
		  "F:2: sources.[0].columns.amount: empty value (remove the key to use the "
		  "default)" },
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; url = \"/a\"; } );",
		  "F:1: sources.[0].format: missing (a payments-csv source needs the bank's format: "
		  "\"ing\", \"rabobank\", \"abnamro\", \"bunq\" or \"generic\")" },
		{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"knab\";\n"
		  "url = \"/a\"; } );",
		  "F:1: sources.[0].format: \"knab\" is not a valid format (use \"ing\", "
		  "\"rabobank\", \"abnamro\", \"bunq\" or \"generic\")" },
		{ "policy = {\ngood_friday = \"yes\";\n};",
		  "F:2: policy.good_friday: \"yes\" is not a boolean (write true or false, without "
		  "quotes)" },
		{ "policy = {\ngood_fryday = true;\n};",
		  "F:2: policy.good_fryday: unknown key (did you mean \"good_friday\"?)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char *errs = NULL;

		ck_assert_msg(load_text(cases[i].text, &c, &errs) == -1, "case %zu loaded", i);
		ck_assert_str_eq(errs, cases[i].want);
		free(errs);
	}
}
END_TEST

static Suite *
bank_suite(void)
{
	Suite *s = suite_create("bank");
	TCase *corpus = tcase_create("corpus");
	TCase *formats = tcase_create("formats");
	TCase *keys = tcase_create("keys");
	TCase *fields = tcase_create("fields");
	TCase *broken = tcase_create("broken");
	TCase *config = tcase_create("config");

	tcase_add_test(corpus, test_corpus_ing);
	tcase_add_test(corpus, test_corpus_ing_semicolon);
	tcase_add_test(corpus, test_corpus_ing_fail);
	tcase_add_test(corpus, test_corpus_abnamro);
	tcase_add_test(corpus, test_corpus_knab);
	suite_add_tcase(s, corpus);
	tcase_add_test(formats, test_ing);
	tcase_add_test(formats, test_ing_overlap);
	tcase_add_test(formats, test_rabobank);
	tcase_add_test(formats, test_rabobank_english);
	tcase_add_test(formats, test_rabobank_volgnr);
	tcase_add_test(formats, test_abnamro);
	tcase_add_test(formats, test_bunq);
	tcase_add_test(formats, test_generic);
	tcase_add_test(formats, test_generic_direction);
	tcase_add_test(formats, test_bom_and_header_only);
	suite_add_tcase(s, formats);
	tcase_add_test(keys, test_keys_overlap);
	tcase_add_test(keys, test_key_definition);
	tcase_add_test(keys, test_key_columns);
	suite_add_tcase(s, keys);
	tcase_add_test(fields, test_amounts);
	tcase_add_test(fields, test_dates);
	tcase_add_test(fields, test_sepa);
	tcase_add_test(fields, test_text);
	suite_add_tcase(s, fields);
	tcase_add_test(broken, test_broken_ing);
	tcase_add_test(broken, test_broken_rabobank);
	tcase_add_test(broken, test_broken_abnamro);
	tcase_add_test(broken, test_broken_bunq);
	tcase_add_test(broken, test_broken_generic);
	tcase_add_test(broken, test_broken_any);
	suite_add_tcase(s, broken);
	tcase_add_test(config, test_config_columns);
	tcase_add_test(config, test_config_errors);
	suite_add_tcase(s, config);
	return s;
}

UNIT_MAIN(bank_suite)
