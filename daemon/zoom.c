/*
 * Zoom participant reports -> people (see zoom.h). The file is read as one CSV table whose
 * rows have different lengths: the summary block (when there is one) comes before the
 * participant header, which is the first row naming Join Time and Leave Time. Every row is
 * read first; people are formed afterwards by sorting the rows by person and join time, so
 * that merging and the union of visits stay O(n log n) for a webinar's thousands of rows.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bankfield.h"
#include "csv.h"
#include "days.h"
#include "util.h"
#include "zoom.h"

#define EXAMPLE "Zoom writes 11/19/2021 10:00:00 AM; 11/19/2021 14:05:00 and " \
	"2021-11-19 14:05:00 are read too"

/* One participant row. */
struct zoom_row {
	char *email, *name;	/* cleaned; NULL when empty; owned until moved to a person */
	time_t join, leave;
	int line;
};

struct zoom_ctx {
	const char *zone, *name;
	char *err;
	struct zoom_row *rows;
	size_t nrows, cap;
};

/* Between min and max digits at *p -> *v. */
static int
zoom_digits(const char **p, int min, int max, int *v)
{
	int n = 0;

	*v = 0;
	for (; n < max && isdigit((unsigned char)**p); n++, (*p)++)
		*v = *v * 10 + (**p - '0');
	return n >= min ? 0 : -1;
}

/* Skip blanks, including the no-break spaces some tools put before "AM". */
static const char *
zoom_blanks(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t')
			p++;
		else if (strncmp(p, "\xc2\xa0", 2) == 0)
			p += 2;
		else if (strncmp(p, "\xe2\x80\xaf", 3) == 0)
			p += 3;
		else
			return p;
	}
}

/*
 * A report's time (see zoom.h) -> UTC. ISO text goes to days_parse_iso(), which also takes
 * an explicit offset, but a date without a time is refused: a join needs a moment.
 */
static int
zoom_time(const char *s, const char *zone, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = zoom_blanks(s);
	int y, mo, d, h, mi, se = 0, ampm = 0;

	if (strlen(p) > 10 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[3]) &&
	    p[4] == '-')
		return days_parse_iso(p, zone, out);
	if (zoom_digits(&p, 1, 2, &mo) < 0 || *p++ != '/' || zoom_digits(&p, 1, 2, &d) < 0 ||
	    *p++ != '/' || zoom_digits(&p, 4, 4, &y) < 0 || zoom_blanks(p) == p)
		return -1;
	p = zoom_blanks(p);
	if (zoom_digits(&p, 1, 2, &h) < 0 || *p++ != ':' || zoom_digits(&p, 2, 2, &mi) < 0)
		return -1;
	if (*p == ':' && (p++, zoom_digits(&p, 2, 2, &se) < 0))
		return -1;
	p = zoom_blanks(p);
	if (strncasecmp(p, "AM", 2) == 0 || strncasecmp(p, "PM", 2) == 0) {
		ampm = toupper((unsigned char)*p) == 'A' ? 1 : 2;
		p += 2;
	}
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))) ||
	    mi > 59 || se > 59 || (ampm ? h < 1 || h > 12 : h > 23))
		return -1;
	if (ampm)
		h = h % 12 + (ampm == 2 ? 12 : 0);	/* 12 AM is 0 h, 12 PM is 12 h */
	return days_local_to_utc(y, mo, d, h, mi, se, zone, out);
}

/* The time in column col of row, whose header is hdr; -1 with err naming both. */
static int
zoom_field_time(struct zoom_ctx *x, const struct csv_row *hdr, const struct csv_row *row,
    int col, time_t *out)
{
	char *v = bankfield_clean(csv_field(row, col), strlen(csv_field(row, col))), q[64];
	int rc = 0;

	if (zoom_time(v, x->zone, out) < 0)
		rc = errf(x->err, "%s:%d: %s: \"%s\" is not a time (%s)", x->name, row->line,
		    hdr->fields[col], bankfield_quote(v, q), EXAMPLE);
	free(v);
	return rc;
}

/* 1 if every field of row is blank. */
static int
zoom_blank_row(const struct csv_row *row)
{
	for (size_t i = 0; i < row->nfields; i++)
		if (row->fields[i][strspn(row->fields[i], " \t")] != '\0')
			return 0;
	return 1;
}

/* Column `name`, else column `alt` (an older export's name), else -1. */
static int
zoom_column(const struct csv_row *hdr, const char *name, const char *alt)
{
	int c = csv_column(hdr, name);

	return c < 0 ? csv_column(hdr, alt) : c;
}

/*
 * The summary block: a row with Start Time and End Time before the participant header,
 * and the row after it. Without one the meeting's times stay 0.
 */
static int
zoom_summary(struct zoom_ctx *x, const struct csv_table *t, size_t header,
    struct zoom_report *out)
{
	for (size_t r = 0; r + 1 < header; r++) {
		const struct csv_row *hdr = &t->rows[r], *row = &t->rows[r + 1];
		int start = csv_column(hdr, "Start Time"), end = csv_column(hdr, "End Time");

		if (start < 0 || end < 0 || zoom_blank_row(row))
			continue;
		if (zoom_field_time(x, hdr, row, start, &out->meeting_start) < 0 ||
		    zoom_field_time(x, hdr, row, end, &out->meeting_end) < 0)
			return -1;
		out->topic = bankfield_text(csv_field(row, csv_column(hdr, "Topic")));
		return 0;
	}
	return 0;
}

/* Read the participant rows after the header hdr into x->rows. */
static int
zoom_rows(struct zoom_ctx *x, const struct csv_table *t, size_t header, int *skipped)
{
	const struct csv_row *hdr = &t->rows[header];
	int name = zoom_column(hdr, "Name (Original Name)", "Name");
	int email = zoom_column(hdr, "User Email", "Email");
	int join = csv_column(hdr, "Join Time"), leave = csv_column(hdr, "Leave Time");

	if (name < 0 && email < 0)
		return errf(x->err, "%s:%d: the participant table has neither a \"Name (Original "
		    "Name)\" nor a \"User Email\" column (export the report with names and "
		    "emails)", x->name, hdr->line);
	for (size_t r = header + 1; r < t->nrows; r++) {
		const struct csv_row *row = &t->rows[r];
		struct zoom_row *z;
		char *e = bankfield_text(csv_field(row, email)), *n = bankfield_text(csv_field(row,
		    name)), qj[64], ql[64];

		if (e == NULL && n == NULL) {
			*skipped += !zoom_blank_row(row);
			continue;
		}
		x->rows = xgrow(x->rows, &x->cap, x->nrows + 1, sizeof(*x->rows));
		z = &x->rows[x->nrows++];	/* freed with the others, also on failure */
		*z = (struct zoom_row){ e != NULL ? str_lower(e) : NULL, n, 0, 0, row->line };
		if (zoom_field_time(x, hdr, row, join, &z->join) < 0 ||
		    zoom_field_time(x, hdr, row, leave, &z->leave) < 0)
			return -1;
		if (z->leave < z->join)
			return errf(x->err, "%s:%d: %s: \"%s\" is before the %s \"%s\" (the report "
			    "has been edited or is damaged: export it again from Zoom)", x->name,
			    row->line, hdr->fields[leave], bankfield_quote(csv_field(row, leave), ql),
			    hdr->fields[join], bankfield_quote(csv_field(row, join), qj));
	}
	if (x->nrows == 0)
		return errf(x->err, "%s:%d: the participant table has %s (export the report "
		    "again from Zoom)", x->name, hdr->line, *skipped ? "no participant with a "
		    "name or email" : "no rows");
	return 0;
}

/* By person (email first; rows without one by name, ignoring case), then by join time. */
static int
zoom_row_cmp(const void *a, const void *b)
{
	const struct zoom_row *p = a, *q = b;
	int c;

	if ((p->email == NULL) != (q->email == NULL))
		return p->email == NULL ? 1 : -1;
	c = p->email != NULL ? strcmp(p->email, q->email) : strcasecmp(p->name, q->name);
	if (c == 0)
		c = p->join < q->join ? -1 : p->join > q->join;
	return c != 0 ? c : p->line - q->line;
}

static int
zoom_person_cmp(const void *a, const void *b)
{
	return ((const struct zoom_attendee *)a)->line - ((const struct zoom_attendee *)b)->line;
}

/* 1 if row z belongs to person p (see zoom_row_cmp). */
static int
zoom_same(const struct zoom_attendee *p, const struct zoom_row *z)
{
	if (z->email != NULL)
		return p->email != NULL && strcmp(p->email, z->email) == 0;
	return p->email == NULL && strcasecmp(p->name, z->name) == 0;
}

/*
 * Rows sorted by person and join -> one attendee per person, in the order of the file. A
 * person's visits are swept in join order: a row that starts after the current visit ends
 * closes it, so overlapping rows count once.
 */
static void
zoom_merge(struct zoom_ctx *x, struct zoom_report *out)
{
	struct zoom_attendee *p = NULL;
	time_t start = 0, end = 0;
	int name_line = 0;

	qsort(x->rows, x->nrows, sizeof(*x->rows), zoom_row_cmp);
	out->people = xcalloc(x->nrows, sizeof(*out->people));
	for (size_t i = 0; i < x->nrows; i++) {
		struct zoom_row *z = &x->rows[i];

		if (p == NULL || !zoom_same(p, z)) {
			if (p != NULL)
				p->seconds += end - start;
			p = &out->people[out->npeople++];
			p->email = z->email;
			z->email = NULL;
			p->join = start = z->join;
			end = z->leave;
			p->line = z->line;
			name_line = 0;
		} else if (z->join > end) {
			p->seconds += end - start;
			start = z->join;
		}
		if (z->leave > end)
			end = z->leave;
		p->leave = end;
		if (z->line < p->line)
			p->line = z->line;
		/* The name of the person's first row that has one. */
		if (z->name != NULL && (name_line == 0 || z->line < name_line)) {
			free(p->name);
			p->name = z->name;
			z->name = NULL;
			name_line = z->line;
		}
		p->rows++;
	}
	if (p != NULL)
		p->seconds += end - start;
	qsort(out->people, out->npeople, sizeof(*out->people), zoom_person_cmp);
}

int
zoom_parse(const char *data, size_t len, const char *zone, const char *name,
    struct zoom_report *out, char err[])
{
	struct zoom_ctx x = { zone, name, err, NULL, 0, 0 };
	struct csv_table t;
	size_t header = 0;
	int line, skip = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!days_zone_known(zone))
		return errf(err, "%s: \"%s\" is not a time zone", name, zone ? zone : "");
	if (csv_parse(data, len, ',', &t, err) < 0) {
		/* "line N: ..." from the CSV reader becomes "NAME:N: ...". */
		char tmp[ERR_MAX];

		snprintf(tmp, sizeof(tmp), "%s", err);
		if (sscanf(tmp, "line %d: %n", &line, &skip) == 1 && skip > 0)
			return errf(err, "%s:%d: %s", name, line, tmp + skip);
		return errf(err, "%s: %s", name, tmp);
	}
	while (header < t.nrows && zoom_blank_row(&t.rows[header]))
		header++;
	if (header == t.nrows) {
		errf(err, "%s: empty file: no participant report in it (export the report again "
		    "from Zoom)", name);
		goto done;
	}
	for (header = 0; header < t.nrows; header++)
		if (csv_column(&t.rows[header], "Join Time") >= 0 &&
		    csv_column(&t.rows[header], "Leave Time") >= 0)
			break;
	if (header == t.nrows) {
		errf(err, "%s: no participant table (a header with Join Time and Leave Time); is "
		    "this a Zoom participant report?", name);
		goto done;
	}
	if (zoom_summary(&x, &t, header, out) == 0 &&
	    zoom_rows(&x, &t, header, &out->skipped) == 0) {
		zoom_merge(&x, out);
		rc = 0;
	}
done:
	for (size_t i = 0; i < x.nrows; i++) {
		free(x.rows[i].email);
		free(x.rows[i].name);
	}
	free(x.rows);
	csv_table_release(&t);
	if (rc < 0)
		zoom_report_release(out);
	return rc;
}

void
zoom_report_release(struct zoom_report *r)
{
	for (size_t i = 0; i < r->npeople; i++) {
		free(r->people[i].email);
		free(r->people[i].name);
	}
	free(r->people);
	free(r->topic);
	memset(r, 0, sizeof(*r));
}
