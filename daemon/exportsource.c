#include <sys/stat.h>

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "bank.h"
#include "cycle.h"
#include "fetch.h"
#include "log.h"
#include "payments.h"
#include "exportsource.h"
#include "util.h"
#include "zoom.h"

/* One export of the poll, parsed: a bank statement or a participant report. */
struct export_file {
	char *name;			/* path, or the source's name for a URL */
	struct bank_statement st;	/* payments-csv */
	struct zoom_report zr;		/* attendance-csv */
};

struct export_poll {
	struct export_file *files;
	size_t nfiles, cap;
	struct buf hashes;		/* "name\thash\n" per file, for the poll's identity */
	char *etag, *last_modified;	/* a single URL's validators */
	char body_hash[65];		/* and its body's hash */
};

static void
export_release(struct export_poll *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].name);
		bank_statement_release(&p->files[i].st);
		zoom_report_release(&p->files[i].zr);
	}
	free(p->files);
	buf_release(&p->hashes);
	free(p->etag), free(p->last_modified);
}

static int
export_add(struct export_poll *p, const struct config *c,
    const struct config_source *src, const char *name, const char *body, size_t len,
    char err[])
{
	struct export_file *f;
	char hash[65];

	p->files = xgrow(p->files, &p->cap, p->nfiles + 1, sizeof(*p->files));
	f = &p->files[p->nfiles];
	memset(f, 0, sizeof(*f));
	if (src->type == SOURCE_ATTENDANCE_CSV ?
	    zoom_parse(body, len, c->timezone, name, &f->zr, err) < 0 :
	    bank_parse(body, len, src->format, src, c->timezone, name, &f->st, err) < 0)
		return -1;
	f->name = xstrdup(name);
	p->nfiles++;
	sha256_hex(body, len, hash);
	buf_printf(&p->hashes, "%s\t%s\n", name, hash);
	return 0;
}

/*
 * The path of a file:// URL with %XX decoded (a plain path in the configuration is made
 * into a URL with its '*' written %2A), or NULL for another scheme.
 */
static char *
export_path(const char *url)
{
	char *path, *o;

	if (strncmp(url, "file://", 7) != 0)
		return NULL;
	o = path = xstrdup(url + 7);
	for (const char *p = url + 7; *p; p++) {
		unsigned v;

		if (p[0] == '%' && sscanf(p + 1, "%2x", &v) == 1 && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2]) && v != 0) {
			*o++ = (char)v;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return path;
}

int
exportsource_is_glob(const char *url)
{
	char *path = export_path(url);
	int glob = path != NULL && strpbrk(path, "*?[") != NULL;

	free(path);
	return glob;
}

/* Read every file the glob matches, in name order. No match is not an error: the folder
   may simply be empty yet. */
static int
export_read_glob(struct export_poll *p, const struct config *c,
    const struct config_source *src, char err[])
{
	char *pattern = export_path(src->url);
	glob_t g;
	int rc = glob(pattern, 0, NULL, &g);

	if (rc == GLOB_NOMATCH) {
		free(pattern);
		return 0;
	}
	if (rc != 0) {
		errf(err, "%s: cannot read the folder", pattern);
		free(pattern);
		return -1;
	}
	free(pattern);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat sb;
		size_t len;
		char *body = NULL;

		/* A link in a shared drop folder could make an error message quote any file
		   noshowd may read, and a FIFO would stop the daemon: plain files only. */
		if (lstat(g.gl_pathv[i], &sb) == 0 && !S_ISREG(sb.st_mode))
			errf(err, "%s: not a plain file (a link, folder or device in the "
			    "folder is refused; move it away or save the export there itself)",
			    g.gl_pathv[i]);
		else
			body = read_file(g.gl_pathv[i], (size_t)src->max_size, &len, err);

		if (body == NULL || export_add(p, c, src, g.gl_pathv[i], body, len, err) < 0) {
			free(body);
			globfree(&g);
			return -1;
		}
		free(body);
	}
	globfree(&g);
	return 0;
}

/* A single URL, fetched by the caller with the conditional request of an ordinary source
   (cycle_poll_prev). 1 = unchanged. */
static int
export_read_url(struct export_poll *p, const struct config *c,
    const struct config_source *src, const struct fetch_result *r, char err[])
{
	int rc;

	if (r->status == FETCH_FAILED)
		rc = errf(err, "%s", r->err);
	else if (r->status == FETCH_UNCHANGED)
		rc = 1;
	else
		rc = export_add(p, c, src, src->name, r->body, r->len, err);
	if (rc == 0) {
		p->etag = r->etag ? xstrdup(r->etag) : NULL;
		p->last_modified = r->last_modified ? xstrdup(r->last_modified) : NULL;
		memcpy(p->body_hash, r->hash, sizeof(p->body_hash));
	}
	return rc;
}

/* Apply every export in one transaction; a report that fits no session fails the poll. */
static int
export_apply(struct store *s, const struct config *c, const struct config_source *src,
    struct export_poll *p, const char *hash, time_t now, int dry_run, FILE *out)
{
	struct payments_counts n, sum;
	struct attendance_counts an;
	char summary[256], err[ERR_MAX] = "", *origin = xasprintf("source %s", src->name);
	int present = 0, too_short = 0, not_booked = 0, rc = 0;
	int64_t since;

	memset(&sum, 0, sizeof(sum));
	if (store_begin(s) < 0) {
		free(origin);
		return -1;
	}
	since = store_int(s, 0, "SELECT max(id) FROM events", "");
	for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
		if (src->type == SOURCE_ATTENDANCE_CSV) {
			rc = attendance_import(s, c, &p->files[i].zr, src->session, now, origin,
			    &an, err);
			present += an.present, too_short += an.too_short;
			not_booked += an.not_booked;
			continue;
		}
		rc = payments_import(s, c, &p->files[i].st, origin, now, &n);
		sum.applied += n.applied, sum.unmatched += n.unmatched;
		sum.near_miss += n.near_miss, sum.duplicate += n.duplicate;
		sum.debits += n.debits;
	}
	free(origin);
	if (rc < 0 && !s->failed) {	/* the content, not the store: keep the last state */
		store_rollback(s);
		if (out)
			fprintf(out, "source %s: failed: %s\n", src->name, err);
		else
			log_warnx("source %s: %s; nothing applied", src->name, err);
		if (!dry_run)
			cycle_set_result(s, src->name, now, "failed", err, 0);
		return 0;
	}
	if (src->type == SOURCE_ATTENDANCE_CSV)
		snprintf(summary, sizeof(summary), "%d present, %d too short, %d not booked",
		    present, too_short, not_booked);
	else
		payments_summary(&sum, summary, sizeof(summary));
	store_exec(s, "UPDATE sources SET etag = ?, last_modified = ?, body_hash = ?, "
	    "last_poll = ?, last_ok = ?, result = 'changed', error = NULL, warnings = NULL "
	    "WHERE name = ?", "tttiit", p->etag, p->last_modified, hash, (int64_t)now,
	    (int64_t)now, src->name);
	if (out)
		fprintf(out, "source %s: %zu file%s: %s\n", src->name, p->nfiles,
		    p->nfiles == 1 ? "" : "s", summary);
	else
		log_info("source %s: %s", src->name, summary);
	if (dry_run) {
		if (out)
			cycle_print_events(s, since, c->timezone, out);
		store_rollback(s);
		return 0;
	}
	return store_commit(s);
}

int
exportsource_poll(struct store *s, const struct config *c, const struct config_source *src,
    const struct fetch_result *fetched, time_t now, int dry_run, FILE *out)
{
	struct export_poll p;
	char err[ERR_MAX], hash[65], *last;
	int rc;

	memset(&p, 0, sizeof(p));
	buf_init(&p.hashes);
	if (!dry_run)
		store_exec(s, "INSERT OR IGNORE INTO sources (name) VALUES (?)", "t", src->name);
	rc = fetched == NULL ? export_read_glob(&p, c, src, err) :
	    export_read_url(&p, c, src, fetched, err);
	if (rc < 0) {
		if (out)
			fprintf(out, "source %s: failed: %s\n", src->name, err);
		else
			log_warnx("source %s: %s; nothing applied", src->name, err);
		if (!dry_run)
			cycle_set_result(s, src->name, now, "failed", err, 0);
		export_release(&p);
		return 0;
	}
	sha256_hex(p.hashes.data ? p.hashes.data : "", p.hashes.len, hash);
	last = store_text(s, "SELECT body_hash FROM sources WHERE name = ?", "t", src->name);
	if (rc == 1 || (exportsource_is_glob(src->url) && last && strcmp(last, hash) == 0)) {
		if (out)
			fprintf(out, "source %s: unchanged\n", src->name);
		if (!dry_run)
			cycle_set_result(s, src->name, now, "unchanged", NULL, 1);
		rc = 0;
	} else {
		rc = export_apply(s, c, src, &p, exportsource_is_glob(src->url) ? hash :
		    p.body_hash, now, dry_run, out);
	}
	free(last);
	export_release(&p);
	return rc;
}
