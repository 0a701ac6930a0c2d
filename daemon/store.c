#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct store_cached {
	const char *sql;
	sqlite3_stmt *stmt;
};

/* Migrations are named NNN-what.sql; the number is the schema version they produce. */
int
store_schema_version(void)
{
	return (int)migrations_count;
}

/*
 * SQLite says "disk I/O error" or "unable to open database file" where the system said
 * why: a full or a read-only file system. Say that, and what to do, too.
 */
static const char *
store_why(struct store *s)
{
	static char why[256];
	int e = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
	int rc = s->db != NULL ? sqlite3_errcode(s->db) & 0xff : 0;

	why[0] = '\0';
	/*
	 * "unable to open database file" (creating its -wal on a read-only file system) comes
	 * with the errno of SQLite's last try, a read-only open of the -wal: ENOENT.
	 */
	if (e != ENOSPC && e != EDQUOT && s->path != NULL && access(s->path, W_OK) < 0)
		e = errno;
	if (e == ENOSPC || e == EDQUOT || rc == SQLITE_FULL)
		snprintf(why, sizeof(why), " (%s: free space where %s is, then run again; "
		    "nothing half-done was kept)", strerror(e == EDQUOT ? e : ENOSPC), s->path);
	else if (e == EROFS || e == EACCES || e == EPERM)
		snprintf(why, sizeof(why), " (%s: %s, its -wal and -shm files and its "
		    "directory must be writable)", strerror(e), s->path);
	else if (rc == SQLITE_READONLY)
		snprintf(why, sizeof(why), " (read-only: %s, its -wal and -shm files and its "
		    "directory must be writable)", s->path);
	return why;
}

static int
store_fail(struct store *s, const char *what)
{
	if (!s->failed) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "%s: %s: %s%s", s->path, what,
		    sqlite3_errmsg(s->db), store_why(s));
		log_warnx("%s", s->error);
	}
	return -1;
}

static int
store_exec_plain(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (s->failed)
		return -1;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "%s: %s%s", s->path, msg ? msg : "error",
		    store_why(s));
		log_warnx("%s", s->error);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
store_migrate(struct store *s, char err[])
{
	int have = (int)store_int(s, -1, "PRAGMA user_version", "");
	int want = store_schema_version();

	if (have < 0)
		return errf(err, "%s: cannot read the schema version: %s", s->path, s->error);
	if (have > want)
		return errf(err, "%s: database schema version %d is newer than this noshowd "
		    "(%d); run the newer noshowd, or restore a backup", s->path, have, want);
	for (int v = have; v < want; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (store_exec_plain(s, "BEGIN IMMEDIATE") < 0 ||
		    store_exec_plain(s, migrations[v].data) < 0 ||
		    store_exec_plain(s, pragma) < 0 ||
		    store_exec_plain(s, "COMMIT") < 0) {
			errf(err, "%s: migration %s failed: %s", s->path, migrations[v].name,
			    s->error);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (have > 0)
			log_info("database %s upgraded to schema %d (%s)", s->path, v + 1,
			    migrations[v].name);
	}
	return 0;
}

int
store_open(struct store *s, const char *path, char err[])
{
	/*
	 * SQLite allocates and frees some 86 KB for every write that checks an IN (...)
	 * constraint; with glibc's default trim threshold the heap's top is given back to the
	 * kernel and taken again each time, which cost a policy tick up to 40% (make bench).
	 * Keep a few MB instead.
	 */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	/*
	 * A new database is made 0600 (it holds customers' personal data), whatever the umask;
	 * SQLite gives its -wal and -shm files the database's mode. An existing file keeps the
	 * mode the administrator gave it (0660 for a group that runs noshowctl, say).
	 */
	if (strcmp(path, ":memory:") != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		errf(err, "cannot open database %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : strerror(errno));
		store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	if (store_exec_plain(s, "PRAGMA journal_mode = WAL") < 0 ||
	    store_exec_plain(s, "PRAGMA foreign_keys = ON") < 0 ||
	    store_exec_plain(s, "PRAGMA synchronous = NORMAL") < 0) {
		errf(err, "cannot open database %s: %s", path, s->error);
		store_close(s);
		return -1;
	}
	if (store_migrate(s, err) < 0) {
		store_close(s);
		return -1;
	}
	return 0;
}

void
store_close(struct store *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	free(s->cache);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int
store_begin(struct store *s)
{
	s->failed = 0;
	s->error[0] = '\0';
	return store_exec_plain(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	if (s->failed) {
		store_rollback(s);
		return -1;
	}
	if (store_exec_plain(s, "COMMIT") < 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].stmt;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		store_fail(s, "prepare");
		log_warnx("statement was: %s", sql);
		return NULL;
	}
	s->cache = xgrow(s->cache, &s->cache_cap, s->ncache + 1, sizeof(*s->cache));
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].stmt = st;
	s->ncache++;
	return st;
}

static sqlite3_stmt *
store_vq(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *q;
	int i = 1, rc = SQLITE_OK;

	if (s->failed || (q = store_prepare(s, sql)) == NULL)
		return NULL;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	/* A format that does not match the statement is a programming error: stop loudly. */
	if ((size_t)sqlite3_bind_parameter_count(q) != strlen(fmt))
		fatalx("store_q: %zu values for %d parameters in: %s", strlen(fmt),
		    sqlite3_bind_parameter_count(q), sql);
	for (const char *f = fmt; *f && rc == SQLITE_OK; f++, i++) {
		switch (*f) {
		case 't': {
			const char *t = va_arg(ap, const char *);

			rc = t ? sqlite3_bind_text(q, i, t, -1, SQLITE_TRANSIENT) :
			    sqlite3_bind_null(q, i);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(q, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(q, i, va_arg(ap, int));
			break;
		case 'n':
			rc = sqlite3_bind_null(q, i);
			break;
		default:
			fatalx("store_q: bad format character '%c'", *f);
		}
	}
	if (rc != SQLITE_OK) {
		store_fail(s, "bind");
		return NULL;
	}
	return q;
}

sqlite3_stmt *
store_q(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	va_list ap;

	va_start(ap, fmt);
	q = store_vq(s, sql, fmt, ap);
	va_end(ap);
	return q;
}

int
store_step(struct store *s, sqlite3_stmt *q)
{
	int rc;

	if (q == NULL || s->failed)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 0;
	}
	store_fail(s, "step");
	sqlite3_reset(q);
	return -1;
}

int
store_exec(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	va_list ap;

	va_start(ap, fmt);
	q = store_vq(s, sql, fmt, ap);
	va_end(ap);
	if (q == NULL)
		return -1;
	while (store_step(s, q) > 0)
		;
	return s->failed ? -1 : 0;
}

int64_t
store_int(struct store *s, int64_t def, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	int64_t v = def;
	va_list ap;

	va_start(ap, fmt);
	q = store_vq(s, sql, fmt, ap);
	va_end(ap);
	if (store_step(s, q) > 0) {
		if (sqlite3_column_type(q, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return v;
}

char *
store_text(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	char *v = NULL;
	va_list ap;

	va_start(ap, fmt);
	q = store_vq(s, sql, fmt, ap);
	va_end(ap);
	if (store_step(s, q) > 0) {
		v = store_col_dup(q, 0);
		sqlite3_reset(q);
	}
	return v;
}

char *
store_col_dup(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return t ? xstrdup((const char *)t) : NULL;
}

const char *
store_col_text(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return t ? (const char *)t : "";
}

int
store_event(struct store *s, int64_t at, int64_t booking_id, const char *session_id,
    const char *cause, const char *what, const char *before, const char *after,
    const char *detail)
{
	sqlite3_stmt *q = store_q(s, "INSERT INTO events (at, booking_id, session_id, cause, "
	    "what, before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "intttttt",
	    (int64_t)at, session_id, cause, what, before, after, detail);

	if (q == NULL)
		return -1;
	/* "n" above leaves booking_id NULL; bind it when there is one. */
	if (booking_id > 0 && sqlite3_bind_int64(q, 2, booking_id) != SQLITE_OK)
		return store_fail(s, "bind");
	return store_step(s, q) < 0 ? -1 : 0;
}

char *
store_meta_get(struct store *s, const char *key)
{
	return store_text(s, "SELECT value FROM meta WHERE key = ?", "t", key);
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	return store_exec(s, "INSERT INTO meta (key, value) VALUES (?, ?) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt", key, value);
}
