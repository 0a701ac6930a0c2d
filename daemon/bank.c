/*
 * Bank statement exports -> credits (see bank.h). Every format is a table of columns with
 * a role each (date, amount, direction, description, ...); one loop reads any format's
 * lines through its table, so a bank differs from another only in its columns, its date
 * and its amount notation (bankfield.c reads those). Every line must read: one bad line
 * fails the statement, never a part of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bank.h"
#include "bankfield.h"
#include "csv.h"
#include "days.h"
#include "util.h"

#define US "\x1f"		/* joins the parts of a record and of its key */

enum bank_role {
	ROLE_KEY,		/* part of the record only */
	ROLE_DATE,
	ROLE_AMOUNT,
	ROLE_DIRECTION,		/* Bij/Af, C/D, Credit/Debit, CR/DR */
	ROLE_CURRENCY,		/* must be EUR on a credit */
	ROLE_NAME,
	ROLE_IBAN,
	ROLE_DESC,		/* joined into the description */
	ROLE_SEPA,		/* ABN AMRO: name, account and remittance in one text */
};

struct bank_col {
	const char *name;	/* header name, or the field's name where there is no header */
	enum bank_role role;
	int required;
	const char *alt;	/* the header name in the bank's English export */
};

struct bank_format {
	const char *name;	/* as the configuration spells it */
	const char *title;	/* "an ING": the bank as it spells itself, for messages */
	const struct bank_col *cols;	/* NULL: generic, from the configuration */
	enum bankfield_dates dates;
	const char *decimal;	/* decimal separators allowed */
	int amount;		/* enum bankfield_amount_flags */
	const char *example;	/* how the bank writes amounts and dates, for messages */
};

static const struct bank_col ing_cols[] = {
	{ "Datum", ROLE_DATE, 1, NULL }, { "Naam / Omschrijving", ROLE_NAME, 1, NULL },
	{ "Rekening", ROLE_KEY, 0, NULL }, { "Tegenrekening", ROLE_IBAN, 0, NULL },
	{ "Code", ROLE_KEY, 0, NULL }, { "Af Bij", ROLE_DIRECTION, 1, NULL },
	{ "Bedrag (EUR)", ROLE_AMOUNT, 1, NULL }, { "Mutatiesoort", ROLE_KEY, 0, NULL },
	{ "Mededelingen", ROLE_DESC, 1, NULL }, { NULL, 0, 0, NULL },
};

/* Rabobank's CSV since 2018, column for column, with its English names. */
static const struct bank_col rabobank_cols[] = {
	{ "IBAN/BBAN", ROLE_KEY, 0, NULL }, { "Munt", ROLE_CURRENCY, 0, "Ccy" },
	{ "BIC", ROLE_KEY, 0, NULL }, { "Volgnr", ROLE_KEY, 0, "Seq No" },
	{ "Datum", ROLE_DATE, 1, "Date" }, { "Rentedatum", ROLE_KEY, 0, "Value Date" },
	{ "Bedrag", ROLE_AMOUNT, 1, "Amount" }, { "Saldo na trn", ROLE_KEY, 0, "Bal After Bkng" },
	{ "Tegenrekening IBAN/BBAN", ROLE_IBAN, 0, "Counterpty IBAN/BBAN" },
	{ "Naam tegenpartij", ROLE_NAME, 0, "Name Counterpty" },
	{ "Naam uiteindelijke partij", ROLE_KEY, 0, "Name Ultimate Pty" },
	{ "Naam initi\xc3\xabrende partij", ROLE_KEY, 0, "Name Initiating Pty" },
	{ "BIC tegenpartij", ROLE_KEY, 0, "Counterpty BIC" }, { "Code", ROLE_KEY, 0, NULL },
	{ "Batch ID", ROLE_KEY, 0, NULL },
	{ "Transactiereferentie", ROLE_KEY, 0, "Transaction Reference" },
	{ "Machtigingskenmerk", ROLE_KEY, 0, "Mandate Reference" },
	{ "Incassant ID", ROLE_KEY, 0, "Collector ID" },
	{ "Betalingskenmerk", ROLE_DESC, 0, "Payment Reference" },
	{ "Omschrijving-1", ROLE_DESC, 1, "Description-1" },
	{ "Omschrijving-2", ROLE_DESC, 0, "Description-2" },
	{ "Omschrijving-3", ROLE_DESC, 0, "Description-3" },
	{ "Reden retour", ROLE_KEY, 0, "Reasoncode" }, { "Oorspr bedrag", ROLE_KEY, 0, "Instr Amt" },
	{ "Oorspr munt", ROLE_KEY, 0, "Instr Ccy" }, { "Koers", ROLE_KEY, 0, "Rate" },
	{ NULL, 0, 0, NULL },
};

/* No header: these are the fields by position. */
static const struct bank_col abnamro_cols[] = {
	{ "account", ROLE_KEY, 1, NULL }, { "currency", ROLE_CURRENCY, 1, NULL },
	{ "date", ROLE_DATE, 1, NULL }, { "start balance", ROLE_KEY, 1, NULL },
	{ "end balance", ROLE_KEY, 1, NULL }, { "value date", ROLE_KEY, 1, NULL },
	{ "amount", ROLE_AMOUNT, 1, NULL }, { "description", ROLE_SEPA, 1, NULL },
	{ NULL, 0, 0, NULL },
};

static const struct bank_col bunq_cols[] = {
	{ "Date", ROLE_DATE, 1, NULL }, { "Interest Date", ROLE_KEY, 0, NULL },
	{ "Amount", ROLE_AMOUNT, 1, NULL }, { "Account", ROLE_KEY, 0, NULL },
	{ "Counterparty", ROLE_IBAN, 0, NULL }, { "Name", ROLE_NAME, 0, NULL },
	{ "Description", ROLE_DESC, 1, NULL }, { NULL, 0, 0, NULL },
};

#define SIGN	BANKFIELD_SIGN
#define GROUPS	BANKFIELD_GROUPS
#define CENTS	BANKFIELD_CENTS

static const struct bank_format bank_formats[] = {
	{ "ing", "an ING", ing_cols, BANKFIELD_COMPACT, ",", CENTS,
	  "ING writes amounts like 1234,56 and dates like 20270104" },
	{ "rabobank", "a Rabobank", rabobank_cols, BANKFIELD_ISO, ",", SIGN | CENTS,
	  "Rabobank writes amounts like +1234,56 and dates like 2027-01-04" },
	{ "abnamro", "an ABN AMRO", abnamro_cols, BANKFIELD_COMPACT, ",", SIGN | CENTS,
	  "ABN AMRO writes amounts like -1234,56 and dates like 20270104" },
	{ "bunq", "a bunq", bunq_cols, BANKFIELD_ISO, ",.", SIGN | GROUPS | CENTS,
	  "bunq writes amounts like -1,234.56 or -1.234,56 and dates like 2027-01-04" },
	{ "generic", "a generic", NULL, BANKFIELD_ANY, ",.", SIGN | GROUPS,
	  "use amounts like 1234,56, 1.234,56 or -1234.56 and dates like 2027-01-04, "
	  "20270104, 04-01-2027 or 04/01/2027" },
};
#define NFORMATS (sizeof(bank_formats) / sizeof(bank_formats[0]))
#define MAXCOLS 32

/* One statement being read. */
struct bank_ctx {
	const struct bank_format *f;
	const struct bank_col *cols;
	int idx[MAXCOLS];		/* field of cols[i] in a row; -1: not in this export */
	struct bank_col gcols[BANK_FIELD_COUNT + 1];	/* generic's columns */
	size_t header_fields;		/* fields of the header row (0: no header) */
	const char *zone, *name;
	struct bank_statement *st;
	char **recs;			/* the record of each credit, for its key */
	char *err;
};

int
bank_format_known(const char *format)
{
	for (size_t i = 0; format != NULL && i < NFORMATS; i++)
		if (strcmp(format, bank_formats[i].name) == 0)
			return 1;
	return 0;
}

static void
bank_add_trimmed(struct buf *b, const char *s)
{
	const char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	buf_addstr(b, US);
	buf_add(b, s, (size_t)(e - s));
}

/* ---- lines ------------------------------------------------------------------------- */

/* The record as its key sees it (see bank.h). */
static char *
bank_record(const struct bank_ctx *x, const struct csv_row *row)
{
	struct buf b;
	size_t n = row->nfields;

	buf_init(&b);
	buf_addstr(&b, x->f->name);
	if (x->header_fields > 0 && x->f->cols != NULL) {
		for (size_t i = 0; x->cols[i].name != NULL; i++)
			bank_add_trimmed(&b, csv_field(row, x->idx[i]));
		return buf_detach(&b);
	}
	while (n > 0 && row->fields[n - 1][strspn(row->fields[n - 1], " \t")] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		bank_add_trimmed(&b, row->fields[i]);
	return buf_detach(&b);
}

/* The credit on this line, if it is one; -1 (err) when the line cannot be read. */
static int
bank_line(struct bank_ctx *x, const struct csv_row *row)
{
	struct bank_statement *st = x->st;
	struct bank_credit *cr;
	struct buf desc;
	int64_t cents = 0;
	int dir = -1, rc = 0;
	size_t need = 0;
	char q[64];

	for (size_t i = 0; x->cols[i].name != NULL; i++)
		if (x->cols[i].required && x->idx[i] >= 0 && (size_t)x->idx[i] >= need)
			need = (size_t)x->idx[i] + 1;
	if (row->nfields < need && x->header_fields > 0)
		return errf(x->err, "%s:%d: %zu fields where the header has %zu (is the file cut "
		    "short? export the statement again)", x->name, row->line, row->nfields,
		    x->header_fields);
	for (size_t i = 0; x->cols[i].name != NULL && rc == 0; i++) {
		const char *name = x->cols[i].name, *raw = csv_field(row, x->idx[i]);
		char *v = bankfield_clean(raw, strlen(raw));

		if (x->cols[i].role == ROLE_AMOUNT &&
		    (rc = bankfield_amount(v, x->f->decimal, x->f->amount, &cents)) < 0)
			errf(x->err, rc == -2 ? "%s:%d: %s: \"%s\" could be read two ways (give "
			    "amounts with their cents, such as 1.234,00)" : "%s:%d: %s: \"%s\" is "
			    "not an amount (%s)", x->name, row->line, name, bankfield_quote(v, q),
			    x->f->example);
		else if (x->cols[i].role == ROLE_DIRECTION && x->idx[i] >= 0 &&
		    (dir = bankfield_direction(v)) < 0)
			rc = errf(x->err, "%s:%d: %s: \"%s\" is neither credit nor debit (use "
			    "Bij or Af, C or D, Credit or Debit, CR or DR)", x->name, row->line, name,
			    bankfield_quote(v, q));
		free(v);
	}
	if (rc < 0)
		return -1;
	if (cents == 0) {
		st->zero++;
		return 0;
	}
	if (cents < 0 || dir == 0) {
		st->debits++;
		return 0;
	}
	st->credits = xrealloc(st->credits, (st->ncredits + 1) * sizeof(*cr));
	x->recs = xrealloc(x->recs, (st->ncredits + 1) * sizeof(char *));
	cr = &st->credits[st->ncredits];
	memset(cr, 0, sizeof(*cr));
	cr->line = row->line;
	cr->amount = cents;
	buf_init(&desc);
	for (size_t i = 0; x->cols[i].name != NULL; i++) {
		const char *v = csv_field(row, x->idx[i]), *name = x->cols[i].name;
		char *t = NULL;

		switch (x->cols[i].role) {
		case ROLE_DATE:
			t = bankfield_clean(v, strlen(v));
			if (bankfield_date(t, x->f->dates, x->zone, &cr->at) < 0)
				rc = errf(x->err, "%s:%d: %s: \"%s\" is not a date (%s)", x->name,
				    row->line, name, bankfield_quote(t, q), x->f->example);
			break;
		case ROLE_CURRENCY:
			t = bankfield_clean(v, strlen(v));
			if (*t != '\0' && strcasecmp(t, "EUR") != 0)
				rc = errf(x->err, "%s:%d: %s: \"%s\" is not EUR (noshowd takes "
				    "payments in euros: export the euro account)", x->name, row->line,
				    name, bankfield_quote(t, q));
			break;
		case ROLE_NAME:
			if (cr->name == NULL)
				cr->name = bankfield_text(v);
			break;
		case ROLE_IBAN:
			if (cr->iban == NULL)
				cr->iban = bankfield_text(v);
			break;
		case ROLE_DESC:
			if ((t = bankfield_text(v)) != NULL)
				buf_printf(&desc, "%s%s", desc.len > 0 ? " " : "", t);
			break;
		case ROLE_SEPA:
			bankfield_sepa(v, &t, &cr->name, &cr->iban);
			buf_addstr(&desc, t);
			break;
		default:
			break;
		}
		free(t);
		if (rc < 0)
			break;
	}
	cr->description = buf_detach(&desc);
	x->recs[st->ncredits] = bank_record(x, row);
	st->ncredits++;		/* released with the statement, also on failure */
	return rc < 0 ? -1 : 0;
}

/* ---- keys -------------------------------------------------------------------------- */

struct bank_occ {
	const char *rec;
	size_t i;
};

static int
bank_occ_cmp(const void *a, const void *b)
{
	const struct bank_occ *p = a, *q = b;
	int r = strcmp(p->rec, q->rec);

	return r != 0 ? r : p->i < q->i ? -1 : p->i > q->i;
}

/* Number identical records in file order, and hash each with its number. */
static void
bank_keys(struct bank_ctx *x)
{
	struct bank_statement *st = x->st;
	struct bank_occ *o = xcalloc(st->ncredits + 1, sizeof(*o));
	unsigned occ = 0;

	for (size_t i = 0; i < st->ncredits; i++)
		o[i] = (struct bank_occ){ x->recs[i], i };
	qsort(o, st->ncredits, sizeof(*o), bank_occ_cmp);
	for (size_t k = 0; k < st->ncredits; k++) {
		char *text;

		occ = k > 0 && strcmp(o[k - 1].rec, o[k].rec) == 0 ? occ + 1 : 1;
		text = xasprintf("%s" US "%u", o[k].rec, occ);
		sha256_hex(text, strlen(text), st->credits[o[k].i].key);
		free(text);
	}
	free(o);
}

/* ---- files ------------------------------------------------------------------------- */

/* The field of column c in header row, or -1. */
static int
bank_column(const struct csv_row *header, const struct bank_col *c)
{
	int i = csv_column(header, c->name);

	return i < 0 && c->alt != NULL ? csv_column(header, c->alt) : i;
}

/* 1 if row is a header with every required column of cols. */
static int
bank_has_columns(const struct bank_col *cols, const struct csv_row *row)
{
	for (size_t i = 0; cols[i].name != NULL; i++)
		if (cols[i].required && bank_column(row, &cols[i]) < 0)
			return 0;
	return 1;
}

/* The first row of t that is a header with every required column of cols, or -1. */
static long
bank_header_row(const struct bank_col *cols, const struct csv_table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (bank_has_columns(cols, &t->rows[r]))
			return (long)r;
	return -1;
}

/* 1 if row could be the first line of format f: its header, or ABN AMRO's shape. */
static int
bank_fits(const struct bank_format *f, const struct csv_row *row)
{
	if (f->cols == NULL)
		return 0;
	if (f->cols == abnamro_cols)
		return row->nfields >= 8 && strlen(row->fields[1]) == 3 &&
		    strlen(row->fields[2]) == 8 && strspn(row->fields[2], "0123456789") == 8;
	return bank_has_columns(f->cols, row);
}

/*
 * What the file looks like, for an error: " (it looks like a Rabobank export: use format
 * \"rabobank\")" when its first record fits another format, else the line `first` (or
 * nothing when first is NULL).
 */
static void
bank_hint(const struct bank_ctx *x, const char *data, size_t len, const struct csv_row *first,
    char out[ERR_MAX / 2])
{
	struct csv_table t;
	char tmp[ERR_MAX];
	size_t n = 0;

	if (csv_parse(data, len, 0, &t, tmp) < 0)
		bankfield_tab_table(data, len, &t);
	for (size_t i = 0; i < NFORMATS && t.nrows > 0; i++) {
		if (&bank_formats[i] != x->f && bank_fits(&bank_formats[i], &t.rows[0])) {
			snprintf(out, ERR_MAX / 2, " (it looks like %s export: use format \"%s\")",
			    bank_formats[i].title, bank_formats[i].name);
			csv_table_release(&t);
			return;
		}
	}
	csv_table_release(&t);
	out[0] = '\0';
	if (first != NULL)
		n = (size_t)snprintf(out, ERR_MAX / 2, " (its line %d has: ", first->line);
	for (size_t i = 0; first != NULL && i < first->nfields; i++) {
		char q[64], *f = bankfield_clean(first->fields[i], strlen(first->fields[i]));

		if (n >= ERR_MAX / 2 - 64) {
			n += (size_t)snprintf(out + n, ERR_MAX / 2 - n, ", ...");
			free(f);
			break;
		}
		n += (size_t)snprintf(out + n, ERR_MAX / 2 - n, "%s%s", i ? ", " : "",
		    bankfield_quote(f, q));
		free(f);
	}
	if (first != NULL)
		snprintf(out + n, ERR_MAX / 2 - n, ")");
}

/*
 * Find the columns: by name in the header (the first row; for generic the first row that
 * has every required column), or by position for ABN AMRO. Returns the first data row, or
 * -1 (err).
 */
static long
bank_columns(struct bank_ctx *x, const struct csv_table *t, const char *data, size_t len)
{
	char hint[ERR_MAX / 2];
	long found;
	size_t r = 0;

	if (x->f->cols == abnamro_cols) {
		for (size_t i = 0; i < 8; i++)
			x->idx[i] = (int)i;
		for (r = 0; r < t->nrows; r++) {
			if (t->rows[r].nfields < 8) {
				bank_hint(x, data, len, &t->rows[r], hint);
				return errf(x->err, "%s:%d: %zu field%s where the ABN AMRO TAB export "
				    "has 8: is this an ABN AMRO export?%s", x->name, t->rows[r].line,
				    t->rows[r].nfields, t->rows[r].nfields == 1 ? "" : "s", hint);
			}
		}
		return 0;
	}
	if (x->f->cols == NULL) {
		if ((found = bank_header_row(x->cols, t)) < 0) {
			bank_hint(x, data, len, &t->rows[0], hint);
			return errf(x->err, "%s: no header row with the columns \"%s\" (date), "
			    "\"%s\" (amount) and \"%s\" (description) and the others set in columns: "
			    "set the source's columns to this export's header names%s", x->name,
			    x->cols[0].name, x->cols[1].name, x->cols[2].name, hint);
		}
		r = (size_t)found;
	}
	for (size_t i = 0; x->cols[i].name != NULL; i++) {
		x->idx[i] = bank_column(&t->rows[r], &x->cols[i]);
		if (x->idx[i] < 0 && x->cols[i].required) {
			bank_hint(x, data, len, &t->rows[r], hint);
			return errf(x->err, "%s:%d: column \"%s\" is not in the header: is this %s "
			    "export?%s", x->name, t->rows[r].line, x->cols[i].name, x->f->title,
			    hint);
		}
	}
	x->header_fields = t->rows[r].nfields;
	return (long)r + 1;
}

/*
 * The generic format's columns, from the source's mapping. A column mapped to a name of the
 * trainer's own must be in the header, so that a typo fails instead of leaving a field
 * unread; one left at its default name is optional, except date, amount and description.
 * The delimiter is detected from the first line, which may be a title without any: when no
 * header row turns up, the other delimiters are tried.
 */
static void
bank_generic(struct bank_ctx *x, const struct config_source *src, const char *data,
    size_t len, struct csv_table *t)
{
	static const enum bank_role roles[] = { ROLE_DATE, ROLE_AMOUNT, ROLE_DESC, ROLE_NAME,
	    ROLE_IBAN, ROLE_DIRECTION };
	static const char delims[] = { ';', ',', '\t' };
	struct csv_table other;
	char tmp[ERR_MAX];

	for (int f = 0; f < BANK_FIELD_COUNT; f++) {
		const char *col = src != NULL ? src->bank_columns[f] : NULL;

		x->gcols[f].name = col != NULL ? col : config_bank_field_names[f];
		x->gcols[f].role = roles[f];
		x->gcols[f].required = f <= BANK_DESCRIPTION ||
		    strcasecmp(x->gcols[f].name, config_bank_field_names[f]) != 0;
	}
	if (bank_header_row(x->gcols, t) >= 0)
		return;
	for (size_t i = 0; i < sizeof(delims); i++) {
		memset(&other, 0, sizeof(other));
		if (delims[i] != t->delim && csv_parse(data, len, delims[i], &other, tmp) == 0 &&
		    bank_header_row(x->gcols, &other) >= 0) {
			csv_table_release(t);
			*t = other;
			return;
		}
		csv_table_release(&other);
	}
}

static int
bank_parse_text(const char *data, size_t len, const char *format,
    const struct config_source *src, const char *zone, const char *name,
    struct bank_statement *out, char err[])
{
	struct bank_ctx x;
	struct csv_table t;
	long first;
	int line, skip, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	for (size_t i = 0; i < NFORMATS && format != NULL; i++)
		if (strcmp(format, bank_formats[i].name) == 0)
			x.f = &bank_formats[i];
	if (x.f == NULL)
		return errf(err, "%s: \"%s\" is not a bank format (use ing, rabobank, abnamro, bunq "
		    "or generic)", name, format != NULL ? format : "");
	if (!days_zone_known(zone))
		return errf(err, "%s: \"%s\" is not a time zone", name, zone);
	if (bankfield_check_text(data, len, name, err) < 0)
		return -1;
	x.cols = x.f->cols != NULL ? x.f->cols : x.gcols;
	x.zone = zone;
	x.name = name;
	x.st = out;
	x.err = err;
	if (x.f->cols == abnamro_cols) {
		bankfield_tab_table(data, len, &t);
	} else if (csv_parse(data, len, 0, &t, err) < 0) {
		/* "line N: ..." from the CSV reader becomes "NAME:N: ...". */
		char tmp[ERR_MAX], hint[ERR_MAX / 2];

		snprintf(tmp, sizeof(tmp), "%s", err);
		bank_hint(&x, data, len, NULL, hint);
		skip = 0;
		if (sscanf(tmp, "line %d: %n", &line, &skip) == 1 && skip > 0)
			return errf(err, "%s:%d: %s%s", name, line, tmp + skip, hint);
		return errf(err, "%s: %s%s", name, tmp, hint);
	}
	if (x.f->cols == NULL)
		bank_generic(&x, src, data, len, &t);
	if (t.nrows > 0 && (first = bank_columns(&x, &t, data, len)) >= 0) {
		rc = 0;
		for (size_t r = (size_t)first; r < t.nrows && rc == 0; r++) {
			const struct csv_row *row = &t.rows[r];
			size_t f = 0;

			while (f < row->nfields && row->fields[f][strspn(row->fields[f], " \t")] == 0)
				f++;
			if (f < row->nfields)
				rc = bank_line(&x, row);
		}
	} else if (t.nrows == 0) {
		errf(err, "%s: empty file: no statement lines (export the statement again)", name);
	}
	if (rc == 0)
		bank_keys(&x);
	for (size_t i = 0; i < out->ncredits; i++)
		free(x.recs[i]);
	free(x.recs);
	csv_table_release(&t);
	if (rc < 0)
		bank_statement_release(out);
	return rc;
}

int
bank_parse(const char *data, size_t len, const char *format,
    const struct config_source *src, const char *zone, const char *name,
    struct bank_statement *out, char err[])
{
	size_t n;
	char *utf8 = bankfield_to_utf8(data, len, &n);
	int rc;

	if (utf8 == NULL)
		return bank_parse_text(data, len, format, src, zone, name, out, err);
	rc = bank_parse_text(utf8, n, format, src, zone, name, out, err);
	free(utf8);
	return rc;
}

void
bank_statement_release(struct bank_statement *st)
{
	for (size_t i = 0; i < st->ncredits; i++) {
		free(st->credits[i].description);
		free(st->credits[i].name);
		free(st->credits[i].iban);
	}
	free(st->credits);
	memset(st, 0, sizeof(*st));
}
