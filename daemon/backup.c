/*
 * noshowctl backup FILE: a consistent copy of the database while noshowd runs, with SQLite's
 * online backup API (a read transaction on the live database: in WAL mode noshowd keeps
 * writing meanwhile). The copy is written beside FILE under a temporary name, checked
 * (PRAGMA quick_check), made a single self-contained file (rollback journal, no -wal), made
 * durable and only then renamed over FILE: an earlier backup at FILE is replaced by a whole
 * one or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

/* Copy s's database into the new file tmp and check the copy. */
static int
backup_copy(struct store *s, const char *tmp, int64_t *pages, char err[ERR_MAX])
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *q;
	int rc, tries = 0;
	char *check = NULL;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		errf(err, "cannot open %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	if ((b = sqlite3_backup_init(dst, "main", s->db, "main")) == NULL) {
		errf(err, "cannot start the backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	/* All pages in one step, one read snapshot; a writer holding a lock makes us wait. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > 100)
			break;
		sqlite3_sleep(100);
	}
	*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		errf(err, "the backup did not finish: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK) {
		errf(err, "cannot check the copy: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		check = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	rc = check != NULL && strcmp(check, "ok") == 0 ? 0 :
	    errf(err, "the copy fails its integrity check: %s", check ? check : "no answer");
	free(check);
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = errf(err, "cannot close the copy %s", tmp);
	return rc;
}

int
store_backup(struct store *s, const char *path, int64_t *pages, char err[])
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1;

	/* 0600 from the start: the copy holds customers' personal data, like the original. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		errf(err, "cannot create %s: %s (is the directory there and writable?)", tmp,
		    strerror(errno));
		goto out;
	}
	close(fd);
	if (backup_copy(s, tmp, pages, err) < 0)
		goto out;
	if ((fd = open(tmp, O_RDWR | O_CLOEXEC)) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
		errf(err, "cannot put the backup at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (sync_dir_of(path, err) < 0)
		goto out;
	rc = 0;
out:
	unlink(tmp);
	free(tmp);
	return rc;
}
