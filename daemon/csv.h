/*
 * RFC 4180 CSV: quoted fields with doubled quotes and embedded line breaks, CRLF or LF, a
 * UTF-8 BOM skipped, delimiter ',' ';' or TAB detected from the header line. The reader is
 * shared by registration exports (regcsv), bank statements and attendance reports.
 */
#ifndef NOSHOWD_CSV_H
#define NOSHOWD_CSV_H

#include <stddef.h>

#include "config.h"
#include "feed.h"

/*
 * A table owns its text: each row's fields[] and the strings they point to are one
 * allocation, freed by csv_table_release(). Copy what you keep; never free a field.
 */
struct csv_row {
	char **fields;
	size_t nfields;
	int line;		/* line on which the record starts (1-based) */
};

struct csv_table {
	struct csv_row *rows;	/* rows[0] is the first record (usually the header) */
	size_t nrows, rows_cap;
	char delim;
};

/*
 * Parse data. delim 0 = detect from the first line. Fails (-1, err names the line) on
 * invalid UTF-8, an unterminated quote, or a quote in the middle of an unquoted field.
 * Empty lines are skipped. Line breaks inside quoted fields come out as "\n". Blanks
 * around a quoted field (`a, "b" ,c`) are taken as padding; an Excel "sep=;" first line
 * sets the delimiter when delim is 0 and is not a record. out needs no initialisation and
 * is empty after a failure.
 */
int csv_parse(const char *data, size_t len, char delim, struct csv_table *out, char err[]);
void csv_table_release(struct csv_table *t);
/* Column index of `name` in the header row (case-insensitive, trimmed), or -1. */
int csv_column(const struct csv_row *header, const char *name);
/* Field `column` of row, or "" when the row is shorter or column is -1. */
const char *csv_field(const struct csv_row *row, int column);

/*
 * A registration export (type = "csv") -> struct feed, using src->columns. Sessions are
 * only named (id = the session column or src->session); their times come from `sessions`
 * in the configuration or from another source. Fails when a mapped required column
 * (email, and session unless src->session is set) is missing from the header; a row with a
 * bad or empty email (or empty session) is skipped with a warning naming file line and
 * field; an unreadable booked_at or cancelled value is warned about and the row kept
 * (booked_at 0, not cancelled). booked_at: ISO 8601 as days_parse_iso() reads it in `zone`,
 * "DD-MM-YYYY[ HH:MM[:SS]]". A second row for the same session and email replaces the
 * first (one booking, a warning). The caller has feed_init()ed out; on failure nothing has
 * been added to it.
 */
int regcsv_parse(const char *data, size_t len, const struct config_source *src,
    const char *zone, struct feed *out, char err[]);

#endif
