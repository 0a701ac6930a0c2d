/*
 * csv.c: the RFC 4180 reader (quoting, line breaks, BOM, delimiter detection, every error
 * with its line, every real export in the corpus) and the registration-export parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "days.h"
#include "feed.h"
#include "unit.h"
#include "util.h"

#define ZONE "Europe/Amsterdam"
#define DATA_DIR "tests/unit/data/csv"
#define CSV_CORPUS CORPUS_DIR "/csv"

/* Not config_csv_field_names: config.c defines that one in the full library. */
static const char *const test_field_names[CSV_FIELD_COUNT] = {
	"email", "name", "session", "booked_at", "company", "vat", "cancelled",
};

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

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

/* Parse a NUL-terminated string that must be valid CSV. */
static void
parse_ok(const char *s, char delim, struct csv_table *t)
{
	char err[ERR_MAX] = "";

	ck_assert_msg(csv_parse(s, strlen(s), delim, t, err) == 0, "csv_parse: %s", err);
}

/* Parse s (len bytes), which must fail with exactly `want`. */
static void
parse_fails(const char *s, size_t len, const char *want)
{
	struct csv_table t;
	char err[ERR_MAX] = "";

	ck_assert_int_eq(csv_parse(s, len, 0, &t, err), -1);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(t.nrows, 0);
	ck_assert_ptr_null(t.rows);
	csv_table_release(&t);
}

/* A string literal or char array, NUL bytes included. */
#define FAILS(lit, want) parse_fails(lit, sizeof(lit) - 1, want)

/*
 * The reader.
 */

START_TEST(test_simple)
{
	struct csv_table t;

	parse_ok("a,b,c\n1,2,3\n", 0, &t);
	ck_assert_int_eq(t.delim, ',');
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_uint_eq(t.rows[0].nfields, 3);
	ck_assert_uint_eq(t.rows[1].nfields, 3);
	ck_assert_str_eq(t.rows[0].fields[0], "a");
	ck_assert_str_eq(t.rows[1].fields[2], "3");
	ck_assert_int_eq(t.rows[0].line, 1);
	ck_assert_int_eq(t.rows[1].line, 2);
	csv_table_release(&t);
}
END_TEST

START_TEST(test_quoting)
{
	struct csv_table t;

	parse_ok("\"a \"\"b\"\" c\",\" x , y \",\"\",\"\"\"\"\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 1);
	ck_assert_uint_eq(t.rows[0].nfields, 4);
	ck_assert_str_eq(t.rows[0].fields[0], "a \"b\" c");
	ck_assert_str_eq(t.rows[0].fields[1], " x , y ");
	ck_assert_str_eq(t.rows[0].fields[2], "");
	ck_assert_str_eq(t.rows[0].fields[3], "\"");
	csv_table_release(&t);

	/* Blanks in unquoted fields are data, not padding. */
	parse_ok("a , b,  c  \n", 0, &t);
	ck_assert_str_eq(t.rows[0].fields[0], "a ");
	ck_assert_str_eq(t.rows[0].fields[1], " b");
	ck_assert_str_eq(t.rows[0].fields[2], "  c  ");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_empty_fields)
{
	struct csv_table t;

	parse_ok("a,b,\n,,,\n\"\"\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 3);
	ck_assert_uint_eq(t.rows[0].nfields, 3);
	ck_assert_str_eq(t.rows[0].fields[2], "");
	ck_assert_uint_eq(t.rows[1].nfields, 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(t.rows[1].fields[i], "");
	/* A line holding "" is a record with one empty field, not an empty line. */
	ck_assert_uint_eq(t.rows[2].nfields, 1);
	ck_assert_str_eq(t.rows[2].fields[0], "");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_embedded_newlines)
{
	struct csv_table t;

	parse_ok("x,\"line1\nline2\r\nline3\rline4\"\ny,z\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_str_eq(t.rows[0].fields[1], "line1\nline2\nline3\nline4");
	ck_assert_int_eq(t.rows[0].line, 1);
	ck_assert_int_eq(t.rows[1].line, 5);
	ck_assert_str_eq(t.rows[1].fields[1], "z");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_line_ends)
{
	struct csv_table t;

	parse_ok("a,b\r\nc,d\r\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_str_eq(t.rows[0].fields[1], "b");
	ck_assert_str_eq(t.rows[1].fields[1], "d");
	ck_assert_int_eq(t.rows[1].line, 2);
	csv_table_release(&t);

	/* Old Mac exports end lines with a lone CR. */
	parse_ok("a,b\rc,d\r", 0, &t);
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_str_eq(t.rows[0].fields[1], "b");
	ck_assert_str_eq(t.rows[1].fields[0], "c");
	ck_assert_int_eq(t.rows[1].line, 2);
	csv_table_release(&t);

	/* No line end after the last record; a quoted last field too. */
	parse_ok("a,b\nc,\"d\"", 0, &t);
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_str_eq(t.rows[1].fields[1], "d");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_empty_lines)
{
	struct csv_table t;

	parse_ok("\n\r\na,b\n\n\r\n\rc,d\n\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 2);
	ck_assert_int_eq(t.rows[0].line, 3);
	ck_assert_int_eq(t.rows[1].line, 7);
	ck_assert_str_eq(t.rows[1].fields[0], "c");
	csv_table_release(&t);

	parse_ok("", 0, &t);
	ck_assert_uint_eq(t.nrows, 0);
	csv_table_release(&t);
	parse_ok("\xef\xbb\xbf", 0, &t);
	ck_assert_uint_eq(t.nrows, 0);
	csv_table_release(&t);
	parse_ok("\n\n\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 0);
	csv_table_release(&t);
}
END_TEST

START_TEST(test_bom)
{
	struct csv_table t;

	parse_ok("\xef\xbb\xbf" "email;naam\r\na@b.nl;An\r\n", 0, &t);
	ck_assert_int_eq(t.delim, ';');
	ck_assert_str_eq(t.rows[0].fields[0], "email");
	ck_assert_int_eq(csv_column(&t.rows[0], "email"), 0);
	ck_assert_int_eq(t.rows[0].line, 1);
	csv_table_release(&t);

	/* A BOM before a quoted first field. */
	parse_ok("\xef\xbb\xbf\"email\",x\n", 0, &t);
	ck_assert_str_eq(t.rows[0].fields[0], "email");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_detect)
{
	struct csv_table t;

	/* Delimiters inside quotes do not count. */
	parse_ok("\"x,y,z,w\";a;b\n1;2;3\n", 0, &t);
	ck_assert_int_eq(t.delim, ';');
	ck_assert_uint_eq(t.rows[0].nfields, 3);
	ck_assert_str_eq(t.rows[0].fields[0], "x,y,z,w");
	csv_table_release(&t);

	parse_ok("a\tb\tc,d\n1\t2\t3,4\n", 0, &t);
	ck_assert_int_eq(t.delim, '\t');
	ck_assert_uint_eq(t.rows[1].nfields, 3);
	ck_assert_str_eq(t.rows[1].fields[2], "3,4");
	csv_table_release(&t);

	parse_ok("a;b,c\n", 0, &t);
	ck_assert_int_eq(t.delim, ',');
	csv_table_release(&t);
	parse_ok("a;b\tc\n", 0, &t);
	ck_assert_int_eq(t.delim, ';');
	csv_table_release(&t);

	parse_ok("abc\nd,e\n", 0, &t);
	ck_assert_int_eq(t.delim, ',');
	ck_assert_uint_eq(t.rows[0].nfields, 1);
	csv_table_release(&t);

	/* Only the first non-empty line decides. */
	parse_ok("\n\na;b;c\nd,e,f,g,h\n", 0, &t);
	ck_assert_int_eq(t.delim, ';');
	ck_assert_uint_eq(t.rows[1].nfields, 1);
	csv_table_release(&t);

	/* A given delimiter wins. */
	parse_ok("a;b,c\n", ';', &t);
	ck_assert_int_eq(t.delim, ';');
	ck_assert_str_eq(t.rows[0].fields[1], "b,c");
	csv_table_release(&t);

	/* A tab delimiter with padding blanks around quoted fields. */
	parse_ok("\"a\" \t \"b\"\t c\n", '\t', &t);
	ck_assert_uint_eq(t.rows[0].nfields, 3);
	ck_assert_str_eq(t.rows[0].fields[0], "a");
	ck_assert_str_eq(t.rows[0].fields[1], "b");
	ck_assert_str_eq(t.rows[0].fields[2], " c");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_sep_line)
{
	struct csv_table t;

	parse_ok("sep=;\r\na,b;c\r\n", 0, &t);
	ck_assert_int_eq(t.delim, ';');
	ck_assert_uint_eq(t.nrows, 1);
	ck_assert_int_eq(t.rows[0].line, 2);
	ck_assert_str_eq(t.rows[0].fields[0], "a,b");
	csv_table_release(&t);

	parse_ok("\xef\xbb\xbfsep=\t\nx\ty\n", 0, &t);
	ck_assert_int_eq(t.delim, '\t');
	ck_assert_uint_eq(t.rows[0].nfields, 2);
	csv_table_release(&t);

	/* "sep=;x" is data. */
	parse_ok("sep=;x\n", 0, &t);
	ck_assert_uint_eq(t.nrows, 1);
	ck_assert_str_eq(t.rows[0].fields[0], "sep=");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_lenient_padding)
{
	struct csv_table t;

	parse_ok("a, \"b c\" ,d\n\"e\"  \n", 0, &t);
	ck_assert_uint_eq(t.rows[0].nfields, 3);
	ck_assert_str_eq(t.rows[0].fields[1], "b c");
	ck_assert_str_eq(t.rows[0].fields[2], "d");
	ck_assert_str_eq(t.rows[1].fields[0], "e");
	csv_table_release(&t);
}
END_TEST

START_TEST(test_errors)
{
	static const char latin1[] = "naam\nJan\nJos\xe9\n";
	static const char nul[] = "a,b\nc,\0d\n";
	static const char utf16[] = "\xff\xfe" "a\0,\0b\0";

	FAILS("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n\"open,x\n11,12\n",
	    "line 7: unterminated quoted field");
	/* The line where the quote opened, even when the file runs on. */
	FAILS("a,b\r\nc,d\r\n\"x,y\r\nz\r\nw\r\n", "line 3: unterminated quoted field");
	FAILS("a,b\n1,2\n3,4\n5,6 \"inch\"\n",
	    "line 4: stray quote in unquoted field "
	    "(put the field in quotes and double the quote)");
	FAILS("a,b\n1,\"2\"x\n",
	    "line 2: text after the closing quote of a field "
	    "(a quote inside a quoted field must be doubled)");
	/* An undoubled quote inside a quoted field that spans lines: named where it is. */
	FAILS("a,b\n1,\"x\ny \"z\" w\"\n",
	    "line 3: text after the closing quote of a field "
	    "(a quote inside a quoted field must be doubled)");
	FAILS(latin1, "line 3: not UTF-8 (save the export as UTF-8)");
	/* Counted in physical lines, inside a quoted field too. */
	FAILS("h\n\"a\r\nb\r\nJos\xc3\"\n", "line 4: not UTF-8 (save the export as UTF-8)");
	/* Overlong encoding of '/' and a UTF-16 surrogate. */
	FAILS("x\n\xc0\xaf\n", "line 2: not UTF-8 (save the export as UTF-8)");
	FAILS("x\ny\n\xed\xa0\x80\n", "line 3: not UTF-8 (save the export as UTF-8)");
	FAILS(nul,
	    "line 2: NUL byte: not a text file (save the export as UTF-8)");
	FAILS(utf16,
	    "line 1: UTF-16 text, not UTF-8 (save the export as UTF-8)");
}
END_TEST

START_TEST(test_bad_delim)
{
	struct csv_table t;
	char err[ERR_MAX] = "";

	ck_assert_int_eq(csv_parse("a\n", 2, '"', &t, err), -1);
	ck_assert_str_eq(err, "csv: a quote or line break cannot be the delimiter");
}
END_TEST

START_TEST(test_column)
{
	struct csv_table t;

	parse_ok(" Naam ;E-Mail;\"  Training\t\";naam\n", 0, &t);
	ck_assert_int_eq(csv_column(&t.rows[0], "naam"), 0);
	ck_assert_int_eq(csv_column(&t.rows[0], "e-mail "), 1);
	ck_assert_int_eq(csv_column(&t.rows[0], "TRAINING"), 2);
	ck_assert_int_eq(csv_column(&t.rows[0], "Email"), -1);
	ck_assert_int_eq(csv_column(&t.rows[0], ""), -1);
	ck_assert_str_eq(csv_field(&t.rows[0], 1), "E-Mail");
	ck_assert_str_eq(csv_field(&t.rows[0], 4), "");
	ck_assert_str_eq(csv_field(&t.rows[0], -1), "");
	csv_table_release(&t);
}
END_TEST

/* 100k rows (speed is measured by make bench, not here), with quoting and embedded line breaks in every tenth one. */
START_TEST(test_large)
{
	struct csv_table t;
	struct buf b;
	char err[ERR_MAX] = "";

	buf_init(&b);
	buf_addstr(&b, "email;name;session;booked_at\r\n");
	for (int i = 0; i < 100000; i++) {
		if (i % 10 == 0)
			buf_printf(&b, "p%d@example.nl;\"Person \"\"%d\"\"\r\nsecond line\";"
			    "s%d;2027-01-04 09:00\r\n", i, i, i % 7);
		else
			buf_printf(&b, "p%d@example.nl;Person %d;s%d;2027-01-04 09:00\r\n",
			    i, i, i % 7);
	}
	ck_assert_msg(csv_parse(b.data, b.len, 0, &t, err) == 0, "%s", err);
	ck_assert_uint_eq(t.nrows, 100001);
	ck_assert_str_eq(t.rows[100000].fields[0], "p99999@example.nl");
	ck_assert_str_eq(t.rows[99991].fields[1], "Person \"99990\"\nsecond line");
	/* 100000 data lines plus one extra for every tenth record. */
	ck_assert_int_eq(t.rows[100000].line, 1 + 100000 + 10000);
	csv_table_release(&t);

	/* One 4 MB quoted field made of doubled quotes. */
	b.len = 0;
	buf_addch(&b, '"');
	for (int i = 0; i < 2000000; i++)
		buf_add(&b, "\"\"", 2);
	buf_addstr(&b, "\"\n");
	ck_assert_msg(csv_parse(b.data, b.len, 0, &t, err) == 0, "%s", err);
	ck_assert_uint_eq(strlen(t.rows[0].fields[0]), 2000000);
	csv_table_release(&t);
	buf_release(&b);
}
END_TEST

/*
 * Round trip: random tables written the way RFC 4180 says (fields with a delimiter, quote,
 * line break or edge blank quoted, quotes doubled), read back identical, with true lines.
 */
static unsigned long rt_seed = 12345;

static unsigned
rt_rand(unsigned n)
{
	rt_seed = rt_seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rt_seed >> 33) % n);
}

START_TEST(test_round_trip)
{
	static const char *const atoms[] = {
		"a", "Jan", ",", ";", "\t", "\"", "\n", "\r\n", " ", "\xc3\xa9", "\xe2\x82\xac", "x y",
	};
	static const char delims[] = { ',', ';', '\t' };

	for (int iter = 0; iter < 300; iter++) {
		char delim = delims[rt_rand(3)];
		size_t nrows = 1 + rt_rand(6), ncols = 1 + rt_rand(5);
		struct buf in, want[6][5];
		int lines[6], line = 1;
		struct csv_table t;
		char err[ERR_MAX] = "";

		buf_init(&in);
		for (size_t r = 0; r < nrows; r++) {
			lines[r] = line;
			for (size_t c = 0; c < ncols; c++) {
				struct buf raw;
				size_t natoms = rt_rand(4);
				int quote;

				buf_init(&raw);
				buf_init(&want[r][c]);
				buf_addstr(&want[r][c], "");
				for (size_t k = 0; k < natoms; k++)
					buf_addstr(&raw, atoms[rt_rand(sizeof(atoms) / sizeof(atoms[0]))]);
				buf_addstr(&raw, "");
				quote = strpbrk(raw.data, ",;\t\"\r\n") != NULL || raw.data[0] == ' ' ||
				    (raw.len > 0 && raw.data[raw.len - 1] == ' ') ||
				    (ncols == 1 && raw.len == 0) || rt_rand(4) == 0;
				if (c > 0)
					buf_addch(&in, delim);
				if (quote)
					buf_addch(&in, '"');
				for (const char *p = raw.data; *p; p++) {
					if (*p == '"')
						buf_addch(&in, '"');
					buf_addch(&in, *p);
					if (*p == '\n')
						line++;
					if (!(*p == '\r' && p[1] == '\n'))
						buf_addch(&want[r][c], *p == '\r' ? '\n' : *p);
				}
				if (quote)
					buf_addch(&in, '"');
				buf_release(&raw);
			}
			if (r + 1 < nrows || rt_rand(2)) {
				buf_addstr(&in, rt_rand(2) ? "\r\n" : "\n");
				line++;
			}
		}
		ck_assert_msg(csv_parse(in.data, in.len, delim, &t, err) == 0, "%s", err);
		ck_assert_uint_eq(t.nrows, nrows);
		for (size_t r = 0; r < nrows; r++) {
			ck_assert_uint_eq(t.rows[r].nfields, ncols);
			ck_assert_int_eq(t.rows[r].line, lines[r]);
			for (size_t c = 0; c < ncols; c++) {
				ck_assert_str_eq(t.rows[r].fields[c], want[r][c].data);
				buf_release(&want[r][c]);
			}
		}
		csv_table_release(&t);
		buf_release(&in);
	}
}
END_TEST

/* Any bytes at all: a table or an error, never a crash, and no leak either way. */
START_TEST(test_garbage)
{
	static const char alphabet[] = "a,;\t\"\r\n \xc3\xa9\xff";
	char data[64], err[ERR_MAX];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rt_rand(sizeof(data));
		struct csv_table t;
		int rc;

		for (size_t i = 0; i < len; i++)
			data[i] = alphabet[rt_rand(sizeof(alphabet) - 1)];
		err[0] = '\0';
		rc = csv_parse(data, len, 0, &t, err);
		if (rc == 0) {
			ck_assert_msg(err[0] == '\0', "error text on success: %s", err);
			for (size_t r = 0; r < t.nrows; r++)
				ck_assert_int_ge(t.rows[r].line, 1);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_msg(strncmp(err, "line ", 5) == 0, "error without a line: %s", err);
			ck_assert_uint_eq(t.nrows, 0);
		}
		csv_table_release(&t);
	}
}
END_TEST

/*
 * The corpus: real bank and Zoom exports, each with its row and column counts and one known
 * field.
 */

struct corpus_case {
	const char *file;
	int comments;		/* '#' lines to blank first (the ABN AMRO sample's notes) */
	char delim;
	size_t nrows, ncols;
	size_t row, col;	/* a known field */
	const char *value;
	int line;		/* rows[row].line */
};

static const struct corpus_case corpus_cases[] = {
	{ "Lightbridge-KS__zoomclass__participants_heroes.csv", 0, ',', 32, 7,
	  1, 1, "loki_asgardian@marvel.com", 2 },
	{ "Lightbridge-KS__zoomclass__participants_heroes_full.csv", 0, ',', 35, 7,
	  3, 0, "Name (Original Name)", 4 },
	{ "denilsonsa__abn-amro-statement-parser__TXT_SAMPLE.TAB", 1, '\t', 26, 8,
	  0, 6, "-25,00", 14 },
	{ "gpaulissen__ofxstatement-dutch__Knab_transactieoverzicht_ok.csv", 0, ';', 30, 17,
	  2, 6, "Gert Janssen (FR)", 3 },
	{ "gpaulissen__ofxstatement-dutch__asn_transactie-historie.csv", 0, ',', 11, 19,
	  1, 10, "-200.00", 2 },
	/* Invalid RFC 4180 (a blank before an opening quote), read as its writer meant. */
	{ "gpaulissen__ofxstatement-dutch__ing_fail.csv", 0, ',', 3, 9,
	  2, 8, "Naam: PAULISSEN G J L M Omschrijving: Kosten rekening IBAN: "
	  "NL99ASNB9999999999 Valutadatum: 13-12-2019", 3 },
	{ "gpaulissen__ofxstatement-dutch__ing_ok.csv", 0, ',', 7, 9,
	  4, 3, "NL99ASNB9999999999", 5 },
	{ "gpaulissen__ofxstatement-dutch__ing_ok_Mutatiesoort_Extra.csv", 0, ';', 7, 10,
	  6, 9, "-", 7 },
};

/* Replace each line starting with '#' by an empty line, so line numbers stay true. */
static void
blank_comments(char *s, size_t *len)
{
	size_t o = 0;
	int bol = 1;

	for (size_t i = 0; i < *len; i++) {
		if (bol && s[i] == '#') {
			while (i < *len && s[i] != '\n')
				i++;
			if (i == *len)
				break;
		}
		s[o++] = s[i];
		bol = s[i] == '\n';
	}
	*len = o;
}

START_TEST(test_corpus)
{
	const struct corpus_case *c = &corpus_cases[_i];
	struct csv_table t;
	char path[512], err[ERR_MAX] = "";
	size_t len;
	char *data;

	snprintf(path, sizeof(path), "%s/%s", CSV_CORPUS, c->file);
	data = slurp(path, &len);
	if (c->comments)
		blank_comments(data, &len);
	ck_assert_msg(csv_parse(data, len, 0, &t, err) == 0, "%s: %s", c->file, err);
	ck_assert_int_eq(t.delim, c->delim);
	ck_assert_uint_eq(t.nrows, c->nrows);
	for (size_t r = 0; r < t.nrows; r++)
		ck_assert_msg(t.rows[r].nfields == c->ncols, "%s line %d: %zu fields, want %zu",
		    c->file, t.rows[r].line, t.rows[r].nfields, c->ncols);
	ck_assert_str_eq(t.rows[c->row].fields[c->col], c->value);
	ck_assert_int_eq(t.rows[c->row].line, c->line);
	csv_table_release(&t);
	free(data);
}
END_TEST

/* The ABN AMRO sample as shipped (with its notes), read with the delimiter given. */
START_TEST(test_corpus_abn_raw)
{
	struct csv_table t;
	char err[ERR_MAX] = "";
	size_t len, data_rows = 0;
	char *data = slurp(CSV_CORPUS "/denilsonsa__abn-amro-statement-parser__TXT_SAMPLE.TAB",
	    &len);

	ck_assert_msg(csv_parse(data, len, '\t', &t, err) == 0, "%s", err);
	for (size_t r = 0; r < t.nrows; r++)
		if (t.rows[r].fields[0][0] != '#')
			data_rows++;
	ck_assert_uint_eq(data_rows, 26);
	ck_assert_str_eq(t.rows[t.nrows - 1].fields[6], "123,01");
	ck_assert_int_eq(t.rows[t.nrows - 1].line, 49);
	csv_table_release(&t);
	free(data);
}
END_TEST

/*
 * Registration exports.
 */

static void
src_init(struct config_source *src)
{
	memset(src, 0, sizeof(*src));
	src->name = "reg";
	src->type = SOURCE_CSV;
	for (int f = 0; f < CSV_FIELD_COUNT; f++)
		src->columns[f] = (char *)test_field_names[f];
}

static void
reg_ok(const char *s, const struct config_source *src, struct feed *f)
{
	char err[ERR_MAX] = "";

	feed_init(f);
	ck_assert_msg(regcsv_parse(s, strlen(s), src, ZONE, f, err) == 0, "%s", err);
}

static void
reg_fails(const char *s, const struct config_source *src, const char *want)
{
	struct feed f;
	char err[ERR_MAX] = "";

	feed_init(&f);
	ck_assert_int_eq(regcsv_parse(s, strlen(s), src, ZONE, &f, err), -1);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(f.nbookings + f.nsessions + f.nwarnings, 0);
	feed_release(&f);
}

static const char *
warning_with(const struct feed *f, const char *needle)
{
	for (size_t i = 0; i < f->nwarnings; i++)
		if (strstr(f->warnings[i], needle) != NULL)
			return f->warnings[i];
	return NULL;
}

static const struct feed_booking *
booking_for(const struct feed *f, const char *session, const char *email)
{
	for (size_t i = 0; i < f->nbookings; i++)
		if (strcmp(f->bookings[i].session_id, session) == 0 &&
		    strcmp(f->bookings[i].email, email) == 0)
			return &f->bookings[i];
	return NULL;
}

START_TEST(test_reg_defaults)
{
	struct config_source src;
	struct feed f;
	const struct feed_booking *b;

	src_init(&src);
	reg_ok("email,name,session,booked_at,company,vat,cancelled\n"
	    "An@Example.NL , An de Wit ,intro-1,2027-01-04 09:30,Wit BV,NL001B01,\n"
	    "bo@example.nl,Bo,intro-2,,,,0\n", &src, &f);
	ck_assert_uint_eq(f.nwarnings, 0);
	ck_assert_uint_eq(f.nbookings, 2);
	b = &f.bookings[0];
	ck_assert_str_eq(b->email, "an@example.nl");
	ck_assert_str_eq(b->name, "An de Wit");
	ck_assert_str_eq(b->session_id, "intro-1");
	ck_assert_str_eq(b->company, "Wit BV");
	ck_assert_str_eq(b->vat, "NL001B01");
	ck_assert_ptr_null(b->language);
	ck_assert_int_eq(b->booked_at, utc(2027, 1, 4, 8, 30, 0));
	ck_assert_int_eq(b->cancelled, 0);
	ck_assert_int_eq(b->line, 2);
	b = &f.bookings[1];
	ck_assert_ptr_null(b->company);
	ck_assert_ptr_null(b->vat);
	ck_assert_int_eq(b->booked_at, 0);
	ck_assert_int_eq(b->line, 3);

	ck_assert_uint_eq(f.nsessions, 2);
	for (size_t i = 0; i < f.nsessions; i++) {
		const struct feed_session *s = &f.sessions[i];

		ck_assert_str_eq(s->id, i == 0 ? "intro-1" : "intro-2");
		ck_assert_ptr_null(s->title);
		ck_assert_ptr_null(s->location);
		ck_assert_int_eq(s->start, 0);
		ck_assert_int_eq(s->end, 0);
		ck_assert_int_eq(s->capacity, -1);
		ck_assert_int_eq(s->price, -1);
		ck_assert_int_eq(s->cancelled, 0);
	}
	feed_release(&f);
}
END_TEST

/* A Dutch spreadsheet's export: BOM, ';', CRLF, custom headers, sloppy rows. */
START_TEST(test_reg_custom_columns)
{
	struct config_source src;
	struct feed f;
	const struct feed_booking *b;
	char err[ERR_MAX] = "";
	size_t len;
	char *data = slurp(DATA_DIR "/registrations-nl.csv", &len);

	src_init(&src);
	src.columns[CSV_EMAIL] = "e-mailadres";
	src.columns[CSV_NAME] = "Naam";
	src.columns[CSV_SESSION] = "Training";
	src.columns[CSV_BOOKED_AT] = "Aangemeld op";
	src.columns[CSV_COMPANY] = "Bedrijf";
	src.columns[CSV_VAT] = "BTW-nummer";
	src.columns[CSV_CANCELLED] = "Geannuleerd";
	feed_init(&f);
	ck_assert_msg(regcsv_parse(data, len, &src, ZONE, &f, err) == 0, "%s", err);

	ck_assert_uint_eq(f.nbookings, 3);
	ck_assert_uint_eq(f.nsessions, 2);
	ck_assert_str_eq(f.sessions[0].id, "ps-2027-03");
	ck_assert_str_eq(f.sessions[1].id, "ps-2027-04");

	/* Booked on line 2, booked again (and cancelled) on line 9: the later row counts. */
	b = booking_for(&f, "ps-2027-03", "jan@example.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->line, 9);
	ck_assert_int_eq(b->cancelled, 1);
	ck_assert_int_eq(b->booked_at, utc(2027, 1, 6, 9, 15, 0));

	b = booking_for(&f, "ps-2027-03", "piet@example.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Piet \"PJ\" Jansen");
	ck_assert_str_eq(b->company, "Jansen BV");
	ck_assert_str_eq(b->vat, "NL001234567B01");
	ck_assert_int_eq(b->booked_at, utc(2027, 1, 5, 13, 0, 0));
	ck_assert_int_eq(b->cancelled, 0);
	ck_assert_int_eq(b->line, 3);

	b = booking_for(&f, "ps-2027-04", "anna@example.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Anna Bakker");
	ck_assert_str_eq(b->company, "Bakker; Zn");
	ck_assert_int_eq(b->booked_at, 0);
	ck_assert_int_eq(b->cancelled, 1);
	ck_assert_int_eq(b->line, 6);

	ck_assert_uint_eq(f.nwarnings, 3);
	ck_assert_str_eq(f.warnings[0],
	    "line 5: email: \"kees@example\" is not an address; row skipped");
	ck_assert_str_eq(f.warnings[1],
	    "line 6: booked_at: \"31-02-2027\" is not a date and time "
	    "(use YYYY-MM-DD HH:MM or DD-MM-YYYY HH:MM); booking time unknown");
	ck_assert_str_eq(f.warnings[2],
	    "line 9: jan@example.nl is booked twice for session \"ps-2027-03\" "
	    "(also line 2); the later row counts");
	feed_release(&f);
	free(data);
}
END_TEST

START_TEST(test_reg_missing_column)
{
	struct config_source src;

	src_init(&src);
	src.columns[CSV_EMAIL] = "E-mail";
	reg_fails("Naam;Email;Training\nAn;an@example.nl;t1\n", &src,
	    "column \"E-mail\" (columns.email) not in the header; "
	    "the header has: Naam, Email, Training");

	src_init(&src);
	reg_fails("\"Naam\",\"email\",\"Cursus\"\n", &src,
	    "column \"session\" (columns.session) not in the header; "
	    "the header has: Naam, email, Cursus");

	/* A header too long to list whole is cut short. */
	{
		struct buf b;
		struct feed f;
		char err[ERR_MAX] = "";

		buf_init(&b);
		for (int i = 0; i < 100; i++)
			buf_printf(&b, "%sKolom nummer %d", i ? "," : "", i);
		buf_addstr(&b, "\n");
		feed_init(&f);
		ck_assert_int_eq(regcsv_parse(b.data, b.len, &src, ZONE, &f, err), -1);
		ck_assert_ptr_nonnull(strstr(err, "the header has: Kolom nummer 0, Kolom"));
		ck_assert_ptr_nonnull(strstr(err, ", ..."));
		buf_release(&b);
		feed_release(&f);
	}

	src_init(&src);
	src.columns[CSV_EMAIL] = NULL;
	reg_fails("email,session\n", &src,
	    "columns.email is not set: a registration export needs an email column");

	src_init(&src);
	src.columns[CSV_SESSION] = NULL;
	reg_fails("email,session\n", &src,
	    "no session: set columns.session to the column that names the session, "
	    "or session for a one-session export");

	src_init(&src);
	reg_fails("", &src, "no header row: the export is empty");
	reg_fails("\xef\xbb\xbf\r\n\r\n", &src, "no header row: the export is empty");

	/* Reader errors come through with their line. */
	reg_fails("email,session\na@b.nl,\"s1\n", &src, "line 2: unterminated quoted field");
}
END_TEST

/* A truncated download: the export as a file, cut inside a quoted field. */
START_TEST(test_reg_truncated_file)
{
	struct config_source src;
	struct feed f;
	char err[ERR_MAX] = "";
	size_t len;
	char *data = slurp(DATA_DIR "/unterminated.csv", &len);

	src_init(&src);
	src.session = "s1";
	feed_init(&f);
	ck_assert_int_eq(regcsv_parse(data, len, &src, ZONE, &f, err), -1);
	ck_assert_str_eq(err, "line 2: unterminated quoted field");
	ck_assert_uint_eq(f.nbookings + f.nsessions + f.nwarnings, 0);
	feed_release(&f);
	free(data);
}
END_TEST

START_TEST(test_reg_optional_columns)
{
	struct config_source src;
	struct feed f;

	/* Defaults that this export lacks are simply not read. */
	src_init(&src);
	reg_ok("email,session\na@example.nl,s1\n", &src, &f);
	ck_assert_uint_eq(f.nwarnings, 0);
	ck_assert_uint_eq(f.nbookings, 1);
	ck_assert_ptr_null(f.bookings[0].name);
	feed_release(&f);

	/* A name the trainer chose that is not there is probably a typo. */
	src.columns[CSV_CANCELLED] = "Afgemeld";
	src.columns[CSV_COMPANY] = NULL;
	reg_ok("email,session,company\na@example.nl,s1,Acme\n", &src, &f);
	ck_assert_uint_eq(f.nwarnings, 1);
	ck_assert_str_eq(f.warnings[0],
	    "column \"Afgemeld\" (columns.cancelled) not in the header; cancelled not read");
	/* An unmapped column is not read even when the header has it. */
	ck_assert_ptr_null(f.bookings[0].company);
	feed_release(&f);
}
END_TEST

START_TEST(test_reg_fixed_session)
{
	struct config_source src;
	struct feed f;

	src_init(&src);
	src.session = "workshop-2027-05";
	reg_ok("email,name\na@example.nl,A\nb@example.nl,B\n", &src, &f);
	ck_assert_uint_eq(f.nwarnings, 0);
	ck_assert_uint_eq(f.nsessions, 1);
	ck_assert_str_eq(f.sessions[0].id, "workshop-2027-05");
	ck_assert_uint_eq(f.nbookings, 2);
	ck_assert_str_eq(f.bookings[1].session_id, "workshop-2027-05");
	feed_release(&f);

	/* The fixed session wins over a session column. */
	reg_ok("email,session\na@example.nl,other\n", &src, &f);
	ck_assert_uint_eq(f.nsessions, 1);
	ck_assert_str_eq(f.bookings[0].session_id, "workshop-2027-05");
	feed_release(&f);

	/* A header alone: no bookings, no sessions, no error. */
	reg_ok("email\n", &src, &f);
	ck_assert_uint_eq(f.nbookings + f.nsessions + f.nwarnings, 0);
	feed_release(&f);
}
END_TEST

START_TEST(test_reg_bad_email)
{
	struct config_source src;
	struct feed f;

	src_init(&src);
	reg_ok("email,session\n"
	    "ok@example.nl,s1\n"
	    "foo,s1\n"
	    ",s1\n"
	    "\"a@b.nl\r\nBcc: victim@example.nl\",s1\n"
	    "x@y.nl,\n"
	    "two@@example.nl,s1\n"
	    ",,\n"
	    "short@example.nl\n", &src, &f);
	ck_assert_uint_eq(f.nbookings, 1);
	ck_assert_str_eq(f.bookings[0].email, "ok@example.nl");
	ck_assert_uint_eq(f.nwarnings, 6);
	ck_assert_str_eq(f.warnings[0], "line 3: email: \"foo\" is not an address; row skipped");
	ck_assert_str_eq(f.warnings[1], "line 4: email: empty; row skipped");
	ck_assert_str_eq(f.warnings[2], "line 5: email: \"a@b.nl bcc: victim@example.nl\" "
	    "is not an address; row skipped");
	ck_assert_str_eq(f.warnings[3], "line 7: session: empty; row skipped");
	ck_assert_str_eq(f.warnings[4],
	    "line 8: email: \"two@@example.nl\" is not an address; row skipped");
	/* Line 9 (",,") is blank and skipped quietly; line 10 has no session field. */
	ck_assert_str_eq(f.warnings[5], "line 10: session: empty; row skipped");
	ck_assert_uint_eq(f.nsessions, 1);
	feed_release(&f);

	/* A long value is cut for the warning, between characters, not inside one. */
	reg_ok("email,session\nx"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    ",s1\n", &src, &f);
	ck_assert_uint_eq(f.nwarnings, 1);
	ck_assert_int_eq(utf8_valid(f.warnings[0], strlen(f.warnings[0]), NULL), 1);
	ck_assert_ptr_nonnull(strstr(f.warnings[0], "\xc3\xa9...\" is not an address"));
	ck_assert_uint_lt(strlen(f.warnings[0]), 120);
	feed_release(&f);
}
END_TEST

START_TEST(test_reg_dates)
{
	static const struct {
		const char *text;
		time_t want;	/* -1: a warning, booked_at 0 */
	} cases[] = {
		{ "2027-01-04T09:30:00+01:00", 0 },
		{ "2027-01-04T08:30:00Z", 0 },
		{ "2027-01-04T08:30:00.123Z", 0 },
		{ "2027-01-04 09:30", 0 },
		{ "2027-01-04T09:30", 0 },
		{ "04-01-2027 09:30", 0 },
		{ "4-1-2027 9:30", 0 },
		{ "04-01-2027 09:30:15", 15 },
		{ "2027-01-04 09:30:15", 15 },
		{ "04-01-2027", -2 },
		{ "4-1-2027", -2 },
		{ "15-07-2027 10:00", -3 },
		{ "", -4 },
		{ "31-02-2027", -1 },
		{ "01/04/2027", -1 },
		{ "04-01-27", -1 },
		{ "04-01-2027 25:00", -1 },
		{ "04-01-2027 9:5", -1 },
		{ "gisteren", -1 },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]), nbad = 0;
	struct config_source src;
	struct buf b;
	struct feed f;
	char want[128];

	buf_init(&b);
	buf_addstr(&b, "email;session;booked_at\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "p%zu@example.nl;s;%s\n", i, cases[i].text);
	src_init(&src);
	reg_ok(b.data, &src, &f);
	ck_assert_uint_eq(f.nbookings, n);
	for (size_t i = 0; i < n; i++) {
		time_t w;

		switch (cases[i].want) {
		case -1: w = 0; nbad++; break;
		case -2: w = utc(2027, 1, 3, 23, 0, 0); break;
		case -3: w = utc(2027, 7, 15, 8, 0, 0); break;
		case -4: w = 0; break;
		default: w = utc(2027, 1, 4, 8, 30, 0) + cases[i].want; break;
		}
		ck_assert_msg(f.bookings[i].booked_at == w, "\"%s\": %lld, want %lld",
		    cases[i].text, (long long)f.bookings[i].booked_at, (long long)w);
		if (cases[i].want == -1) {
			snprintf(want, sizeof(want), "line %zu: booked_at: \"%s\" is not a date",
			    i + 2, cases[i].text);
			ck_assert_msg(warning_with(&f, want) != NULL, "no warning for \"%s\"",
			    cases[i].text);
		}
	}
	ck_assert_uint_eq(f.nwarnings, nbad);
	feed_release(&f);
	buf_release(&b);
}
END_TEST

START_TEST(test_reg_cancelled)
{
	static const struct {
		const char *text;
		int want;	/* -1: a warning, not cancelled */
	} cases[] = {
		{ "1", 1 }, { "yes", 1 }, { "YES", 1 }, { "ja", 1 }, { "Ja", 1 },
		{ "true", 1 }, { "TRUE", 1 }, { "x", 1 }, { "X", 1 }, { "cancelled", 1 },
		{ "Cancelled", 1 }, { "geannuleerd", 1 }, { "GEANNULEERD", 1 }, { " ja ", 1 },
		{ "", 0 }, { "0", 0 }, { "no", 0 }, { "No", 0 }, { "nee", 0 }, { "NEE", 0 },
		{ "false", 0 }, { "False", 0 },
		{ "misschien", -1 }, { "2", -1 }, { "y", -1 }, { "-", -1 },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]), nbad = 0;
	struct config_source src;
	struct buf b;
	struct feed f;
	char want[160];

	buf_init(&b);
	buf_addstr(&b, "email,session,cancelled\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "p%zu@example.nl,s,\"%s\"\n", i, cases[i].text);
	src_init(&src);
	reg_ok(b.data, &src, &f);
	ck_assert_uint_eq(f.nbookings, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(f.bookings[i].cancelled == (cases[i].want == 1),
		    "\"%s\": cancelled %d", cases[i].text, f.bookings[i].cancelled);
		if (cases[i].want == -1) {
			nbad++;
			snprintf(want, sizeof(want), "line %zu: cancelled: \"%s\" is neither yes "
			    "nor no (use 1/0, ja/nee or yes/no); taken as not cancelled",
			    i + 2, cases[i].text);
			ck_assert_msg(warning_with(&f, want) != NULL, "no warning for \"%s\"",
			    cases[i].text);
		}
	}
	ck_assert_uint_eq(f.nwarnings, nbad);
	feed_release(&f);
	buf_release(&b);
}
END_TEST

static int
has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 1;
	return 0;
}

/* A name must never carry a line break or a control character into a mail header. */
START_TEST(test_reg_controls)
{
	struct config_source src;
	struct feed f;
	const struct feed_booking *b;

	src_init(&src);
	reg_ok("email,name,session,company,vat\r\n"
	    "a@example.nl,\"Jan\r\nJansen\x01\x1b[31m\x7f\xc2\x85X\rY\",\"s\x07" "1\","
	    "\"Acme\nBcc: x@y.nl\",\"\tNL01\x0b\"\r\n", &src, &f);
	ck_assert_uint_eq(f.nbookings, 1);
	b = &f.bookings[0];
	ck_assert_int_eq(has_control(b->name), 0);
	ck_assert_int_eq(has_control(b->company), 0);
	ck_assert_int_eq(has_control(b->vat), 0);
	ck_assert_int_eq(has_control(b->session_id), 0);
	ck_assert_str_eq(b->name, "Jan Jansen[31mX Y");
	ck_assert_str_eq(b->company, "Acme Bcc: x@y.nl");
	ck_assert_str_eq(b->vat, "NL01");
	ck_assert_str_eq(b->session_id, "s1");
	ck_assert_str_eq(f.sessions[0].id, "s1");
	feed_release(&f);

	/* A name that is nothing but controls and blanks is no name. */
	reg_ok("email,name,session\na@example.nl,\"\r\n\x01 \",s1\n", &src, &f);
	ck_assert_ptr_null(f.bookings[0].name);
	feed_release(&f);
}
END_TEST

START_TEST(test_reg_duplicates)
{
	struct config_source src;
	struct feed f;
	const struct feed_booking *b;

	src_init(&src);
	reg_ok("email,name,session,cancelled,company\n"
	    "a@x.nl,First,s1,,Old BV\n"
	    "b@x.nl,Bee,s1,,\n"
	    "A@X.NL,Second,s1,ja,\n"
	    "a@x.nl,Other session,s2,,\n"
	    "a@x.nl,Third,s1,nee,New BV\n", &src, &f);
	ck_assert_uint_eq(f.nbookings, 3);
	ck_assert_uint_eq(f.nsessions, 2);
	b = booking_for(&f, "s1", "a@x.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Third");
	ck_assert_str_eq(b->company, "New BV");
	ck_assert_int_eq(b->cancelled, 0);
	ck_assert_int_eq(b->line, 6);
	/* The earlier values are gone, not merged: a later empty field stays empty. */
	b = booking_for(&f, "s2", "a@x.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Other session");
	ck_assert_ptr_null(b->company);
	ck_assert_uint_eq(f.nwarnings, 2);
	ck_assert_str_eq(f.warnings[0], "line 4: a@x.nl is booked twice for session \"s1\" "
	    "(also line 2); the later row counts");
	ck_assert_str_eq(f.warnings[1], "line 6: a@x.nl is booked twice for session \"s1\" "
	    "(also line 4); the later row counts");
	feed_release(&f);
}
END_TEST

/* 100k registrations over 20000 sessions, a tenth of them repeated. */
START_TEST(test_reg_large)
{
	struct config_source src;
	struct buf b;
	struct feed f;
	char err[ERR_MAX] = "";

	buf_init(&b);
	buf_addstr(&b, "email,name,session\n");
	for (int i = 0; i < 100000; i++)
		buf_printf(&b, "p%d@example.nl,Person %d,s%d\n", i % 90000, i,
		    i % 90000 % 20000);
	src_init(&src);
	feed_init(&f);
	ck_assert_msg(regcsv_parse(b.data, b.len, &src, ZONE, &f, err) == 0, "%s", err);
	ck_assert_uint_eq(f.nbookings, 90000);
	ck_assert_uint_eq(f.nsessions, 20000);
	ck_assert_uint_eq(f.nwarnings, 10000);
	ck_assert_str_eq(f.bookings[0].name, "Person 90000");
	feed_release(&f);
	buf_release(&b);
}
END_TEST

static Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("reader");
	TCase *corpus = tcase_create("corpus");
	TCase *reg = tcase_create("regcsv");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_simple);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_empty_fields);
	tcase_add_test(tc, test_embedded_newlines);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_empty_lines);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_detect);
	tcase_add_test(tc, test_sep_line);
	tcase_add_test(tc, test_lenient_padding);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_bad_delim);
	tcase_add_test(tc, test_column);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(corpus, test_corpus, 0,
	    (int)(sizeof(corpus_cases) / sizeof(corpus_cases[0])));
	tcase_add_test(corpus, test_corpus_abn_raw);
	suite_add_tcase(s, corpus);

	tcase_set_timeout(reg, 60);
	tcase_add_test(reg, test_reg_defaults);
	tcase_add_test(reg, test_reg_custom_columns);
	tcase_add_test(reg, test_reg_missing_column);
	tcase_add_test(reg, test_reg_truncated_file);
	tcase_add_test(reg, test_reg_optional_columns);
	tcase_add_test(reg, test_reg_fixed_session);
	tcase_add_test(reg, test_reg_bad_email);
	tcase_add_test(reg, test_reg_dates);
	tcase_add_test(reg, test_reg_cancelled);
	tcase_add_test(reg, test_reg_controls);
	tcase_add_test(reg, test_reg_duplicates);
	tcase_add_test(reg, test_reg_large);
	suite_add_tcase(s, reg);
	return s;
}

UNIT_MAIN(csv_suite)
