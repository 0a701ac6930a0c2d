#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "days.h"
#include "util.h"

/*
 * The record being read: its fields' bytes back to back, each NUL-terminated, and the
 * offset where each starts. Reused for every record so that a file costs one allocation per
 * row, not one per field.
 */
struct csv_rec {
	struct buf text;
	size_t *starts;
	size_t nstarts, starts_cap;
};

/* Line (1-based) of byte `off`; LF, CRLF and a lone CR each end a line. */
static int
csv_line_at(const char *data, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= off || data[i + 1] != '\n')))
			line++;
	}
	return line;
}

/*
 * The delimiter is whichever of ',', ';' and TAB occurs most often outside quotes on the
 * first non-empty line; ties and a line with none of them mean ','. Dutch spreadsheets save
 * "CSV" with ';' because ',' is their decimal comma, and one header line is enough to tell.
 */
static char
csv_detect(const char *p, const char *end)
{
	size_t comma = 0, semi = 0, tab = 0;
	int inq = 0;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	for (; p < end; p++) {
		if (*p == '"')
			inq = !inq;
		else if (inq)
			continue;
		else if (*p == '\r' || *p == '\n')
			break;
		else if (*p == ',')
			comma++;
		else if (*p == ';')
			semi++;
		else if (*p == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

static void
csv_rec_start_field(struct csv_rec *rec)
{
	rec->starts = xgrow(rec->starts, &rec->starts_cap, rec->nstarts + 1, sizeof(size_t));
	rec->starts[rec->nstarts++] = rec->text.len;
}

static int
csv_blank(char c, char delim)
{
	return (c == ' ' || c == '\t') && c != delim;
}

/*
 * Read one record starting at *pp (which is not at an empty line) up to and including its
 * line end. Line breaks inside quoted fields come out as "\n" whatever the file used.
 *
 * Leniency, where a real export is sloppy but its meaning is not in doubt: blanks between a
 * delimiter and an opening quote, and between a closing quote and the next delimiter, are
 * padding (ING has shipped `..., "Naam: ..."`). Anything else around quotes is an error,
 * since guessing there would silently shift or merge columns.
 */
static int
csv_record(const char **pp, const char *end, char delim, int *line, struct csv_rec *rec,
    char err[])
{
	const char *p = *pp;

	rec->text.len = 0;
	rec->nstarts = 0;
	for (;;) {
		const char *q = p;

		csv_rec_start_field(rec);
		while (q < end && csv_blank(*q, delim))
			q++;
		if (q < end && *q == '"') {
			int qline = *line;

			p = q + 1;
			for (;;) {
				const char *s = p;

				while (p < end && *p != '"' && *p != '\r' && *p != '\n')
					p++;
				buf_add(&rec->text, s, (size_t)(p - s));
				if (p == end)
					return errf(err, "line %d: unterminated quoted field", qline);
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						buf_addch(&rec->text, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				buf_addch(&rec->text, '\n');
				if (*p == '\r' && p + 1 < end && p[1] == '\n')
					p++;
				p++;
				(*line)++;
			}
			while (p < end && csv_blank(*p, delim))
				p++;
			if (p < end && *p != delim && *p != '\r' && *p != '\n')
				return errf(err, "line %d: text after the closing quote of a field "
				    "(a quote inside a quoted field must be doubled)", *line);
		} else {
			const char *s = p;

			while (p < end && *p != delim && *p != '\r' && *p != '\n' && *p != '"')
				p++;
			if (p < end && *p == '"')
				return errf(err, "line %d: stray quote in unquoted field "
				    "(put the field in quotes and double the quote)", *line);
			buf_add(&rec->text, s, (size_t)(p - s));
		}
		buf_addch(&rec->text, '\0');
		if (p < end && *p == delim) {
			p++;
			continue;
		}
		if (p < end) {
			if (*p == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			(*line)++;
		}
		break;
	}
	*pp = p;
	return 0;
}

/* Move the record into the table as one block: the pointer array, then the strings. */
static void
csv_table_add(struct csv_table *t, const struct csv_rec *rec, int line)
{
	size_t ptrs = rec->nstarts * sizeof(char *);
	char *block = xmalloc(ptrs + rec->text.len);
	struct csv_row *row;

	memcpy(block + ptrs, rec->text.data, rec->text.len);
	t->rows = xgrow(t->rows, &t->rows_cap, t->nrows + 1, sizeof(*t->rows));
	row = &t->rows[t->nrows++];
	row->fields = (char **)(void *)block;
	row->nfields = rec->nstarts;
	row->line = line;
	for (size_t i = 0; i < rec->nstarts; i++)
		row->fields[i] = block + ptrs + rec->starts[i];
}

int
csv_parse(const char *data, size_t len, char delim, struct csv_table *out, char err[])
{
	const unsigned char *u = (const unsigned char *)data;
	const char *p = data, *end = data + len, *nul;
	struct csv_rec rec;
	int line = 1;
	size_t bad;

	memset(out, 0, sizeof(*out));
	if (delim == '"' || delim == '\r' || delim == '\n')
		return errf(err, "csv: a quote or line break cannot be the delimiter");
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return errf(err, "line 1: UTF-16 text, not UTF-8 (save the export as UTF-8)");
	if ((nul = memchr(data, '\0', len)) != NULL)
		return errf(err, "line %d: NUL byte: not a text file (save the export as UTF-8)",
		    csv_line_at(data, (size_t)(nul - data)));
	if (!utf8_valid(data, len, &bad))
		return errf(err, "line %d: not UTF-8 (save the export as UTF-8)",
		    csv_line_at(data, bad));
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	/* Excel's "sep=;" first line names the delimiter and is never data. */
	if (end - p >= 5 && strncasecmp(p, "sep=", 4) == 0 && p[4] != '"' &&
	    p[4] != '\r' && p[4] != '\n' && (end - p == 5 || p[5] == '\r' || p[5] == '\n')) {
		if (delim == 0)
			delim = p[4];
		p += 5;
	}
	if (delim == 0)
		delim = csv_detect(p, end);
	out->delim = delim;

	memset(&rec, 0, sizeof(rec));
	buf_init(&rec.text);
	while (p < end) {
		int start = line;

		if (*p == '\n' || *p == '\r') {
			if (*p == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			line++;
			continue;
		}
		if (csv_record(&p, end, delim, &line, &rec, err) < 0) {
			buf_release(&rec.text);
			free(rec.starts);
			csv_table_release(out);
			return -1;
		}
		csv_table_add(out, &rec, start);
	}
	buf_release(&rec.text);
	free(rec.starts);
	return 0;
}

void
csv_table_release(struct csv_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i].fields);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* Compare a and b ignoring ASCII case and white space at either end. */
static int
csv_name_eq(const char *a, const char *b)
{
	const char *ae, *be;

	while (*a == ' ' || *a == '\t')
		a++;
	while (*b == ' ' || *b == '\t')
		b++;
	ae = a + strlen(a);
	be = b + strlen(b);
	while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
		ae--;
	while (be > b && (be[-1] == ' ' || be[-1] == '\t'))
		be--;
	return ae - a == be - b && strncasecmp(a, b, (size_t)(ae - a)) == 0;
}

int
csv_column(const struct csv_row *header, const char *name)
{
	for (size_t i = 0; i < header->nfields; i++)
		if (csv_name_eq(header->fields[i], name))
			return (int)i;
	return -1;
}

const char *
csv_field(const struct csv_row *row, int column)
{
	if (column < 0 || (size_t)column >= row->nfields)
		return "";
	return row->fields[column];
}

/*
 * Registration exports.
 */

/* Field names as written in `columns`; the order is enum csv_field's. */
static const char *const regcsv_names[] = {
	"email", "name", "session", "booked_at", "company", "vat", "cancelled",
};
_Static_assert(sizeof(regcsv_names) / sizeof(regcsv_names[0]) == CSV_FIELD_COUNT,
    "regcsv_names must follow enum csv_field");

/* A string -> index map with open addressing, so that a large export stays linear. */
struct regcsv_map {
	char **keys;
	size_t *vals;
	size_t cap, n;		/* cap is 0 or a power of two */
};

static size_t
regcsv_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

static size_t *
regcsv_map_find(const struct regcsv_map *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = regcsv_hash(key) & (m->cap - 1); m->keys[i] != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return &m->vals[i];
	return NULL;
}

static void
regcsv_map_insert(struct regcsv_map *m, char *key, size_t val)
{
	size_t i = regcsv_hash(key) & (m->cap - 1);

	while (m->keys[i] != NULL)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

/* Add key (copied), which must not be in the map yet. */
static void
regcsv_map_put(struct regcsv_map *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct regcsv_map old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->keys = xcalloc(m->cap, sizeof(char *));
		m->vals = xcalloc(m->cap, sizeof(size_t));
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i] != NULL)
				regcsv_map_insert(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	regcsv_map_insert(m, xstrdup(key), val);
}

static void
regcsv_map_release(struct regcsv_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* "the header has: A, B, C" for an error message, cut short to leave room for the rest. */
static void
regcsv_header_list(const struct csv_row *header, struct buf *b)
{
	for (size_t i = 0; i < header->nfields; i++) {
		char *name = feed_clean_text(header->fields[i], 0);

		if (b->len + strlen(name) > 300) {
			buf_addstr(b, i > 0 ? ", ..." : "...");
			free(name);
			return;
		}
		buf_printf(b, "%s%s", i > 0 ? ", " : "", name);
		free(name);
	}
	if (header->nfields == 0)
		buf_addstr(b, "(nothing)");
}

/*
 * Find each mapped column in the header (col[f] = index or -1). A required one that is
 * missing fails the whole export, since skipping every row would look to ingest as if every
 * booking had vanished. An optional one mapped to a name of the trainer's
 * choosing that is missing is worth a warning (a typo in `columns`); one left at its default
 * name is simply not in this export.
 */
static int
regcsv_columns(const struct csv_row *header, const struct config_source *src,
    int col[CSV_FIELD_COUNT], struct feed *out, char err[])
{
	for (int f = 0; f < CSV_FIELD_COUNT; f++) {
		const char *name = src->columns[f];
		int required = f == CSV_EMAIL || (f == CSV_SESSION && src->session == NULL);

		col[f] = -1;
		if (f == CSV_SESSION && src->session != NULL)
			continue;
		if (name == NULL) {
			if (f == CSV_EMAIL)
				return errf(err, "columns.email is not set: a registration export "
				    "needs an email column");
			if (f == CSV_SESSION)
				return errf(err, "no session: set columns.session to the column "
				    "that names the session, or session for a one-session export");
			continue;
		}
		col[f] = csv_column(header, name);
		if (col[f] < 0 && required) {
			struct buf b;

			buf_init(&b);
			regcsv_header_list(header, &b);
			errf(err, "column \"%s\" (columns.%s) not in the header; the header has: %s",
			    name, regcsv_names[f], b.data);
			buf_release(&b);
			return -1;
		}
	}
	for (int f = 0; f < CSV_FIELD_COUNT; f++) {
		const char *name = src->columns[f];

		if (col[f] < 0 && name != NULL && !(f == CSV_SESSION && src->session != NULL) &&
		    !csv_name_eq(name, regcsv_names[f]))
			feed_warn(out, "column \"%s\" (columns.%s) not in the header; %s not read",
			    name, regcsv_names[f], regcsv_names[f]);
	}
	return 0;
}

static int
regcsv_digits(const char **pp, int min, int max, int *v)
{
	const char *p = *pp;
	int n = 0, k = 0;

	while (k < max && *p >= '0' && *p <= '9') {
		n = n * 10 + (*p++ - '0');
		k++;
	}
	if (k < min || (*p >= '0' && *p <= '9'))
		return -1;
	*pp = p;
	*v = n;
	return 0;
}

/*
 * Dutch spreadsheets write "4-1-2027", "04-01-2027 09:30" or "4-1-2027 9:30:00" (day first,
 * always). Rewrite such text as ISO for days_parse_iso, which checks that the date exists.
 */
static int
regcsv_dutch_to_iso(const char *s, char iso[32])
{
	int d, m, y, h, mi, se = 0;

	if (regcsv_digits(&s, 1, 2, &d) < 0 || *s++ != '-' ||
	    regcsv_digits(&s, 1, 2, &m) < 0 || *s++ != '-' ||
	    regcsv_digits(&s, 4, 4, &y) < 0)
		return -1;
	if (*s == '\0') {
		snprintf(iso, 32, "%04d-%02d-%02d", y, m, d);
		return 0;
	}
	if (*s++ != ' ' || regcsv_digits(&s, 1, 2, &h) < 0 || *s++ != ':' ||
	    regcsv_digits(&s, 2, 2, &mi) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if (regcsv_digits(&s, 2, 2, &se) < 0)
			return -1;
	}
	if (*s != '\0')
		return -1;
	snprintf(iso, 32, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, mi, se);
	return 0;
}

/* booked_at text -> UTC. Returns 0, or -1 when the text is no moment we know. */
static int
regcsv_time(const char *s, const char *zone, time_t *out)
{
	char iso[32];
	size_t n = strlen(s);

	if (days_parse_iso(s, zone, out) == 0)
		return 0;
	/* Fractions of a second ("2027-01-04T09:00:00.000Z") carry nothing we keep. */
	if (n > 20 && n < 40 && s[19] == '.' && s[20] >= '0' && s[20] <= '9') {
		const char *r = s + 20;
		char buf[48];

		while (*r >= '0' && *r <= '9')
			r++;
		snprintf(buf, sizeof(buf), "%.19s%s", s, r);
		if (days_parse_iso(buf, zone, out) == 0)
			return 0;
	}
	if (regcsv_dutch_to_iso(s, iso) == 0 && days_parse_iso(iso, zone, out) == 0)
		return 0;
	return -1;
}

/* 1 cancelled, 0 not, -1 unknown. */
static int
regcsv_truth(const char *s)
{
	static const char *const yes[] = {
		"1", "yes", "ja", "true", "x", "cancelled", "geannuleerd",
	};
	static const char *const no[] = { "", "0", "no", "nee", "false" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* Cleaned text of a field, or NULL when that leaves nothing. */
static char *
regcsv_text(const struct csv_row *row, int column)
{
	char *s;

	if (column < 0)
		return NULL;
	s = feed_clean_text(csv_field(row, column), 0);
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

static int
regcsv_row_blank(const struct csv_row *row)
{
	for (size_t i = 0; i < row->nfields; i++)
		for (const char *p = row->fields[i]; *p; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return 0;
	return 1;
}

/*
 * A value for a warning: cleaned text cut to a readable length, never inside a UTF-8
 * sequence (warnings end up in JSON and mail, which must stay valid UTF-8).
 */
#define REGCSV_QUOTE_MAX 60

static const char *
regcsv_quote(const char *s, char out[REGCSV_QUOTE_MAX + 4])
{
	size_t n = strlen(s);

	if (n <= REGCSV_QUOTE_MAX)
		return s;
	n = REGCSV_QUOTE_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

/*
 * Turn one data row into its fields. Returns 0 with *bk filled (strings owned by bk), or -1
 * after a warning when the row cannot be a booking.
 */
static int
regcsv_row(const struct csv_row *row, const int col[CSV_FIELD_COUNT],
    const struct config_source *src, const char *zone, struct feed_booking *bk,
    struct feed *out)
{
	char *s, q[REGCSV_QUOTE_MAX + 4];

	memset(bk, 0, sizeof(*bk));
	bk->line = row->line;
	bk->email = feed_clean_text(csv_field(row, col[CSV_EMAIL]), 0);
	str_lower(bk->email);
	if (*bk->email == '\0') {
		feed_warn(out, "line %d: email: empty; row skipped", row->line);
		goto skip;
	}
	if (!email_valid(bk->email)) {
		feed_warn(out, "line %d: email: \"%s\" is not an address; row skipped",
		    row->line, regcsv_quote(bk->email, q));
		goto skip;
	}
	if (src->session != NULL)
		bk->session_id = feed_clean_text(src->session, 0);
	else
		bk->session_id = regcsv_text(row, col[CSV_SESSION]);
	if (bk->session_id == NULL || *bk->session_id == '\0') {
		feed_warn(out, "line %d: session: empty; row skipped", row->line);
		goto skip;
	}
	bk->name = regcsv_text(row, col[CSV_NAME]);
	bk->company = regcsv_text(row, col[CSV_COMPANY]);
	bk->vat = regcsv_text(row, col[CSV_VAT]);
	if ((s = regcsv_text(row, col[CSV_BOOKED_AT])) != NULL) {
		if (regcsv_time(s, zone, &bk->booked_at) < 0) {
			feed_warn(out, "line %d: booked_at: \"%s\" is not a date and time "
			    "(use YYYY-MM-DD HH:MM or DD-MM-YYYY HH:MM); booking time unknown",
			    row->line, regcsv_quote(s, q));
			bk->booked_at = 0;
		}
		free(s);
	}
	if ((s = regcsv_text(row, col[CSV_CANCELLED])) != NULL) {
		bk->cancelled = regcsv_truth(s);
		if (bk->cancelled < 0) {
			feed_warn(out, "line %d: cancelled: \"%s\" is neither yes nor no "
			    "(use 1/0, ja/nee or yes/no); taken as not cancelled",
			    row->line, regcsv_quote(s, q));
			bk->cancelled = 0;
		}
		free(s);
	}
	return 0;
skip:
	free(bk->email);
	free(bk->session_id);
	memset(bk, 0, sizeof(*bk));
	return -1;
}

static void
regcsv_booking_free(struct feed_booking *b)
{
	free(b->session_id);
	free(b->email);
	free(b->name);
	free(b->company);
	free(b->vat);
	free(b->language);
}

int
regcsv_parse(const char *data, size_t len, const struct config_source *src,
    const char *zone, struct feed *out, char err[])
{
	struct regcsv_map sessions, bookings;
	struct csv_table t;
	struct buf key;
	int col[CSV_FIELD_COUNT];

	if (csv_parse(data, len, 0, &t, err) < 0)
		return -1;
	if (t.nrows == 0) {
		csv_table_release(&t);
		return errf(err, "no header row: the export is empty");
	}
	if (regcsv_columns(&t.rows[0], src, col, out, err) < 0) {
		csv_table_release(&t);
		return -1;
	}

	memset(&sessions, 0, sizeof(sessions));
	memset(&bookings, 0, sizeof(bookings));
	buf_init(&key);
	for (size_t r = 1; r < t.nrows; r++) {
		struct feed_booking bk, *b;
		size_t *at;

		if (regcsv_row_blank(&t.rows[r]) ||
		    regcsv_row(&t.rows[r], col, src, zone, &bk, out) < 0)
			continue;
		/* Cleaned text has no control characters, so US cannot occur in either part. */
		key.len = 0;
		buf_printf(&key, "%s\x1f%s", bk.session_id, bk.email);
		if ((at = regcsv_map_find(&bookings, key.data)) != NULL) {
			char qe[REGCSV_QUOTE_MAX + 4], qs[REGCSV_QUOTE_MAX + 4];

			b = &out->bookings[*at];
			feed_warn(out, "line %d: %s is booked twice for session \"%s\" "
			    "(also line %d); the later row counts", bk.line,
			    regcsv_quote(bk.email, qe), regcsv_quote(bk.session_id, qs), b->line);
			regcsv_booking_free(b);
			*b = bk;
			continue;
		}
		if (regcsv_map_find(&sessions, bk.session_id) == NULL) {
			struct feed_session *s = feed_add_session(out);

			s->id = xstrdup(bk.session_id);
			regcsv_map_put(&sessions, bk.session_id, out->nsessions - 1);
		}
		b = feed_add_booking(out);
		*b = bk;
		regcsv_map_put(&bookings, key.data, out->nbookings - 1);
	}
	buf_release(&key);
	regcsv_map_release(&sessions);
	regcsv_map_release(&bookings);
	csv_table_release(&t);
	return 0;
}
