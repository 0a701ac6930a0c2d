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
 * Empty lines are skipped.
 */
int csv_parse(const char *data, size_t len, char delim, struct csv_table *out, char err[]);
void csv_table_release(struct csv_table *t);
/* Column index of `name` in the header row (case-insensitive, trimmed), or -1. */
int csv_column(const struct csv_row *header, const char *name);

/*
 * A registration export (type = "csv") -> struct feed, using src->columns. Sessions are
 * only named (id = the session column or src->session); their times come from `sessions`
 * in the configuration or from another source. Fails when a mapped required column
 * (email, and session unless src->session is set) is missing from the header; a row with a
 * bad email or date is skipped with a warning naming file line and field.
 */
int regcsv_parse(const char *data, size_t len, const struct config_source *src,
    const char *zone, struct feed *out, char err[]);

#endif
