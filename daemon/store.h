/*
 * SQLite, and only SQLite: opening with WAL, foreign keys and a busy timeout, migrations,
 * transactions, and cached prepared statements bound from a small format string. Errors are
 * sticky: the first failed statement logs, sets store->failed, and every later call is a
 * no-op returning failure, so a cycle can run its steps plainly and check once before
 * COMMIT (which it then turns into a ROLLBACK).
 */
#ifndef NOSHOWD_STORE_H
#define NOSHOWD_STORE_H

#include <stdint.h>

#include <sqlite3.h>

struct store_cached;

struct store {
	sqlite3 *db;
	char *path;
	int failed;
	char error[512];
	struct store_cached *cache;
	size_t ncache, cache_cap;
};

/* Open (creating) the database and migrate it. err gets the reason on failure. */
int store_open(struct store *s, const char *path, char err[]);
void store_close(struct store *s);
int store_schema_version(void);	/* the version this program brings */

int store_begin(struct store *s);	/* BEGIN IMMEDIATE: one writer at a time */
int store_commit(struct store *s);	/* COMMIT, or ROLLBACK if anything failed */
void store_rollback(struct store *s);

/*
 * A cached statement for `sql` (keyed by the pointer, so pass string literals), reset and
 * bound from fmt: 't' const char * (NULL binds NULL), 'i' int64_t, 'd' int, 'n' NULL.
 * Returns NULL once the store has failed.
 */
sqlite3_stmt *store_q(struct store *s, const char *sql, const char *fmt, ...);
/* Step q: 1 for a row, 0 when done, -1 on error (sticky). */
int store_step(struct store *s, sqlite3_stmt *q);
/* Run a statement that returns no rows. 0 or -1. */
int store_exec(struct store *s, const char *sql, const char *fmt, ...);
/* The first column of the first row as an integer, or def if there is none. */
int64_t store_int(struct store *s, int64_t def, const char *sql, const char *fmt, ...);
/* The first column of the first row as a fresh string, or NULL. */
char *store_text(struct store *s, const char *sql, const char *fmt, ...);

/* Column helpers: a copy of a text column (NULL stays NULL). */
char *store_col_dup(sqlite3_stmt *q, int col);
const char *store_col_text(sqlite3_stmt *q, int col);	/* "" for NULL */

/* Record one event row. booking_id 0 and session_id NULL mean none. */
int store_event(struct store *s, int64_t at, int64_t booking_id, const char *session_id,
    const char *cause, const char *what, const char *before, const char *after,
    const char *detail);

/*
 * A consistent copy of the database at path, made while others write (backup.c): written
 * to a temporary file, checked, made durable, then renamed over path. 0 with the pages
 * copied, or -1 with err (an earlier file at path is then left as it was).
 */
int store_backup(struct store *s, const char *path, int64_t *pages, char err[]);

/* The meta table (key/value text). */
char *store_meta_get(struct store *s, const char *key);
int store_meta_set(struct store *s, const char *key, const char *value);

#endif
