/*
 * make bench, policy part: one policy tick over databases of different sizes that hold the
 * same 100 bookings due (tests/bench/tickgen.c makes them). Target: the tick over a million
 * bookings costs at most 1.5 times the tick over a thousand, because the tick reads only what
 * is due, through the bookings_due index, and the next due moment is one index lookup.
 *
 *     tick [-m] [-r RUNS] [-w WORKDIR] [-j JSON] [-t TEMPLATES] [-x SQL]... [-v] DATABASE...
 *
 * Each run, for each database (the smallest first; the ratio is the last over the first):
 *
 *   floor  a fresh copy (copied, made durable, read once, so every run starts from the same
 *          file in the same page cache), opened with plain SQLite like the store (WAL,
 *          synchronous=NORMAL, foreign keys); timed: BEGIN IMMEDIATE, read the due bookings
 *          with their sessions through the due index, set each one's due_at and log an
 *          event, COMMIT. The least work a tick over these 100 bookings must do.
 *   tick   a fresh copy, store_open(); timed: duties_next() once (the first lookup after
 *          opening) and 1000 times more; then store_begin + duties_run(now) + store_commit,
 *          which must report exactly 100 actions: 60 releases promoting 40 waitlisted
 *          bookings, 30 payment reminders, 10 debts, 130 messages in the outbox, 40
 *          invoices; anything else makes the run INVALID. Then an idle tick (nothing due,
 *          must do nothing) and the next due moment, which must be in the future and equal
 *          to what a full scan finds (timed too, as the reference of what a scan costs).
 *
 * Figures are medians, in wall and CPU time; ratios and verdicts are on CPU time (the tick
 * waits for no I/O, so that is its cost without the time other work had the CPU), the
 * tick's as the median of each round's largest-over-smallest ratio. Beside
 * them, what does not depend on the machine: SQLite's counters for the tick
 * (sqlite3_stmt_status: virtual machine steps and full-scan steps of every statement;
 * pages read and written) and the process's page faults. A statement whose steps grow with
 * the database is named in the output with its query plan: that is the query that scans.
 *
 * -x SQL runs SQL (e.g. a CREATE INDEX) on a copy of every database before the runs, to
 * show what an index would change. -v lists every statement of the tick with its steps.
 * -m sets glibc's malloc trim threshold and top pad at start-up (mallopt), which noshowd
 * does not do (yet): each INSERT INTO outbox and UPDATE of a booking's state opens SQLite
 * ephemeral tables (for the `state IN (...)` CHECK constraints; outbox_due's WHERE too,
 * before migration 018), whose page cache (~86 KB) is malloc'd and freed every time; glibc
 * then gives the top of the heap back with brk() and takes it again, hundreds of times a
 * tick, each time with a TLB shootdown and fresh page faults: a third of the tick on the
 * 2-core VM it was measured on, more over the bigger databases, and most of the tick's
 * noise.
 *
 * Exit status 0 when every figure was measured (a MISSED target included: this is a
 * benchmark), 1 when a run was INVALID or could not be done, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "duties.h"
#include "log.h"
#include "store.h"
#include "tickgen.h"
#include "util.h"

#define MAX_DBS 8
#define MAX_RUNS 21
#define MAX_STMTS 128
#define LOOKUPS 1000
#define TARGET 1.5

struct stmt_stat {
	char *sql;
	long vm[MAX_DBS];	/* VM steps in the tick of the last run, per database */
	long fullscan[MAX_DBS];
	long sorts[MAX_DBS];
};

struct db {
	const char *path;	/* as given */
	char *source;		/* what each run copies: path, or the -x copy */
	char *label;		/* "1,000,000" */
	long bookings;
	double floor[MAX_RUNS], tick[MAX_RUNS], idle[MAX_RUNS];
	double floor_cpu[MAX_RUNS], tick_cpu[MAX_RUNS];
	double next_first[MAX_RUNS], next_each[MAX_RUNS], scan[MAX_RUNS], copy[MAX_RUNS];
	long vm_total, fullscan_total;
	long pages_read, pages_written;	/* by the tick of the last run */
	long faults;			/* minor page faults of the process in that tick */
};

static struct db dbs[MAX_DBS];
static int ndbs;
static struct stmt_stat stmts[MAX_STMTS];
static int nstmts;
static char *work = "build/bench/tick";
static int verbose;

static void __attribute__((noreturn, format(printf, 1, 2)))
invalid(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "tick: INVALID: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of the process: what the work took, less the time others had the CPU. */
static double
cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double t[MAX_RUNS];

	memcpy(t, v, sizeof(double) * (size_t)n);
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void
minmax(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static void
rm_db(const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

/*
 * dst = a durable copy of src (a checkpointed database: no -wal), written over the last
 * copy in place, then read once: every run starts from the same file, clean in the page
 * cache, and no timed fsync (a checkpoint) pays for writing back the copy.
 */
static void
fresh_copy(const char *src, const char *dst)
{
	static char buf[1 << 20];
	struct stat st;
	int in, out;
	off_t left;
	ssize_t n;

	rm_db(dst);
	if ((in = open(src, O_RDONLY)) < 0 || fstat(in, &st) < 0)
		invalid("%s: %s", src, strerror(errno));
	if ((out = open(dst, O_WRONLY | O_CREAT, 0644)) < 0)
		invalid("%s: %s", dst, strerror(errno));
	for (left = st.st_size; left > 0; left -= n) {
		n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {	/* no in-kernel copy here: read and write */
			if ((n = read(in, buf, sizeof(buf))) <= 0 || write(out, buf, (size_t)n) != n)
				invalid("copying %s to %s: %s", src, dst,
				    n == 0 ? "short read" : strerror(errno));
		}
	}
	if (ftruncate(out, st.st_size) < 0 || fsync(out) < 0 || close(out) < 0)
		invalid("%s: %s", dst, strerror(errno));
	close(in);
	if ((in = open(dst, O_RDONLY)) < 0)
		invalid("%s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		;
	close(in);
}

static sqlite3 *
open_plain(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
	    "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		invalid("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* A database as it is on disk, never written (not even a -wal or -shm beside it). */
static sqlite3 *
open_immutable(const char *path)
{
	char uri[8192];
	size_t o = 0;
	sqlite3 *db = NULL;

	o += (size_t)snprintf(uri, sizeof(uri), "file:");
	for (const char *p = path; *p && o + 8 < sizeof(uri); p++)
		if (*p == '%' || *p == '?' || *p == '#')
			o += (size_t)snprintf(uri + o, sizeof(uri) - o, "%%%02X", (unsigned char)*p);
		else
			uri[o++] = *p;
	snprintf(uri + o, sizeof(uri) - o, "?immutable=1");
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		invalid("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
	return db;
}

static void
exec_plain(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		invalid("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static int64_t
int_plain(sqlite3 *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		invalid("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(q) > 0)
		sqlite3_bind_int64(q, 1, arg);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* SQLite's page counters of the connection: reset all (what < 0), or read one. */
static long
cache_status(sqlite3 *db, int what)
{
	static const int all[] = { SQLITE_DBSTATUS_CACHE_MISS, SQLITE_DBSTATUS_CACHE_WRITE,
	    SQLITE_DBSTATUS_CACHE_HIT };
	int cur = 0, hi;

	if (what >= 0) {
		sqlite3_db_status(db, what, &cur, &hi, 0);
		return cur;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_db_status(db, all[i], &cur, &hi, 1);
	return 0;
}

/*
 * Just before a timed figure, the same for every database: the copy before it went through
 * the CPU caches (a gigabyte for the largest, a megabyte for the smallest), so sweep them
 * with the same 64 MiB each time, and give the kernel a moment.
 */
static void
settle(void)
{
	static volatile unsigned char *sweep;
	static const struct timespec pause = { 0, 20 * 1000 * 1000 };
	const size_t size = 64 << 20;

	if (sweep == NULL && (sweep = malloc(size)) == NULL)
		invalid("out of memory");
	for (size_t i = 0; i < size; i += 64)
		sweep[i]++;
	nanosleep(&pause, NULL);
}

/* The floor: read the due bookings through the index, update and log each, commit. */
static double
run_floor(const char *path, int *count, double *cpu)
{
	sqlite3 *db = open_plain(path);
	sqlite3_stmt *sel, *upd, *ev;
	int64_t ids[1024];
	int n = 0;
	double t0, t1, c0;

	/* As the daemon: it asks for the next due moment before it ticks. */
	int_plain(db, "SELECT min(due_at) FROM bookings WHERE due_at IS NOT NULL", 0);
	settle();
	c0 = cpu_seconds();
	t0 = seconds();
	exec_plain(db, "BEGIN IMMEDIATE");
	if (sqlite3_prepare_v2(db, "SELECT b.id, b.state, b.told_at, b.pay_by, b.amount_due, "
	    "b.amount_paid, b.reminded, b.debt_due, x.start, x.end FROM bookings b JOIN sessions "
	    "x ON x.id = b.session_id WHERE b.due_at <= ? ORDER BY b.due_at, b.id", -1, &sel,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE bookings SET due_at = NULL WHERE id = ?", -1, &upd,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO events (at, booking_id, cause, what, detail) "
	    "VALUES (?, ?, 'bench floor', 'looked-at', 'the least a tick does')", -1, &ev,
	    NULL) != SQLITE_OK)
		invalid("floor: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(sel, 1, TICKGEN_NOW);
	while (sqlite3_step(sel) == SQLITE_ROW && n < 1024)
		ids[n++] = sqlite3_column_int64(sel, 0);
	sqlite3_reset(sel);
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(upd, 1, ids[i]);
		sqlite3_bind_int64(ev, 1, TICKGEN_NOW);
		sqlite3_bind_int64(ev, 2, ids[i]);
		if (sqlite3_step(upd) != SQLITE_DONE || sqlite3_step(ev) != SQLITE_DONE)
			invalid("floor: %s", sqlite3_errmsg(db));
		sqlite3_reset(upd);
		sqlite3_reset(ev);
	}
	exec_plain(db, "COMMIT");
	t1 = seconds();
	*cpu = cpu_seconds() - c0;
	sqlite3_finalize(sel), sqlite3_finalize(upd), sqlite3_finalize(ev);
	sqlite3_close(db);
	*count = n;
	return t1 - t0;
}

static struct stmt_stat *
stmt_find(const char *sql)
{
	for (int i = 0; i < nstmts; i++)
		if (strcmp(stmts[i].sql, sql) == 0)
			return &stmts[i];
	if (nstmts == MAX_STMTS)
		return NULL;
	stmts[nstmts].sql = xstrdup(sql);
	return &stmts[nstmts++];
}

/* Reset (first) or collect the counters of every statement prepared on the connection. */
static void
stmt_counters(sqlite3 *db, int d)
{
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
		struct stmt_stat *st;

		if (d < 0) {
			sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
			sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
			sqlite3_stmt_status(p, SQLITE_STMTSTATUS_SORT, 1);
			continue;
		}
		if ((st = stmt_find(sqlite3_sql(p))) == NULL)
			continue;
		st->vm[d] = sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 0);
		st->fullscan[d] = sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
		st->sorts[d] = sqlite3_stmt_status(p, SQLITE_STMTSTATUS_SORT, 0);
	}
}

static int64_t
count_since(struct store *s, const char *sql, int64_t since)
{
	return store_int(s, -1, sql, "i", since);
}

static void
expect(long got, long want, const char *what, const struct db *d, int run)
{
	if (got != want)
		invalid("%s bookings, run %d: %s: %ld (want %ld)", d->label, run + 1, what, got,
		    want);
}

/* One tick run on a fresh copy; the figures go to d's slot `run`. */
static void
run_tick(const char *path, const struct config *c, struct db *d, int di, int run)
{
	const time_t now = TICKGEN_NOW;
	struct store s;
	char err[1024];
	int64_t ev0, ob0, inv0;
	time_t next;
	double t0, t1, c0;
	struct rusage ru0, ru1;
	int n;

	if (store_open(&s, path, err) < 0)
		invalid("%s", err);
	ev0 = store_int(&s, 0, "SELECT max(id) FROM events", "");
	ob0 = store_int(&s, 0, "SELECT max(id) FROM outbox", "");
	inv0 = store_int(&s, 0, "SELECT max(id) FROM invoices", "");
	expect((long)store_int(&s, -1, "SELECT count(*) FROM bookings WHERE due_at <= ?", "i",
	    (int64_t)now), TICKGEN_DUE, "bookings due before the tick", d, run);

	/* The next due moment: the first lookup (its statement prepared), then each. */
	settle();
	t0 = seconds();
	next = duties_next(&s);
	t1 = seconds();
	d->next_first[run] = t1 - t0;
	if (next < 0 || next > now)
		invalid("%s bookings: duties_next() = %lld before the tick; something is due at "
		    "%lld", d->label, (long long)next, (long long)now);
	t0 = seconds();
	for (int i = 0; i < LOOKUPS; i++)
		next = duties_next(&s);
	t1 = seconds();
	d->next_each[run] = (t1 - t0) / LOOKUPS;

	stmt_counters(s.db, -1);
	cache_status(s.db, -1);
	settle();
	getrusage(RUSAGE_SELF, &ru0);
	c0 = cpu_seconds();
	t0 = seconds();
	if (store_begin(&s) < 0)
		invalid("store_begin: %s", s.error);
	n = duties_run(&s, c, now, 0);
	if (n < 0 || store_commit(&s) < 0)
		invalid("%s bookings: the tick failed: %s", d->label, s.error);
	t1 = seconds();
	d->tick_cpu[run] = cpu_seconds() - c0;
	d->tick[run] = t1 - t0;
	getrusage(RUSAGE_SELF, &ru1);
	d->faults = ru1.ru_minflt - ru0.ru_minflt;
	stmt_counters(s.db, di);
	d->pages_read = cache_status(s.db, SQLITE_DBSTATUS_CACHE_MISS);
	d->pages_written = cache_status(s.db, SQLITE_DBSTATUS_CACHE_WRITE);

	expect(n, TICKGEN_DUE, "actions of the tick (duties_run)", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM events WHERE id > ? AND what = "
	    "'state' AND before = 'pending' AND after = 'released'", ev0), TICKGEN_RELEASES,
	    "releases", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM events WHERE id > ? AND what = "
	    "'state' AND before = 'waitlisted' AND after = 'pending'", ev0), TICKGEN_PROMOTIONS,
	    "waiting-list promotions", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM events WHERE id > ? AND what = "
	    "'reminded'", ev0), TICKGEN_REMINDERS, "payment reminders", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM events WHERE id > ? AND what = "
	    "'debt-due'", ev0), TICKGEN_DEBTS, "debts fallen due", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM outbox WHERE id > ?", ob0),
	    TICKGEN_MESSAGES, "messages queued", d, run);
	expect((long)count_since(&s, "SELECT count(*) FROM invoices WHERE id > ? AND corrects "
	    "IS NULL", inv0), TICKGEN_PROMOTIONS, "invoices issued (one per promotion)", d, run);
	/* A release of an invoiced seat comes with its credit note (compose.c). */
	expect((long)count_since(&s, "SELECT count(*) FROM invoices WHERE id > ? AND corrects "
	    "IS NOT NULL", inv0), TICKGEN_RELEASES, "credit notes (one per release)", d, run);

	/* Nothing is due any more: an idle tick does nothing. */
	t0 = seconds();
	store_begin(&s);
	n = duties_run(&s, c, now, 0);
	if (n < 0 || store_commit(&s) < 0)
		invalid("%s bookings: the idle tick failed: %s", d->label, s.error);
	t1 = seconds();
	d->idle[run] = t1 - t0;
	expect(n, 0, "actions of a second tick at the same moment", d, run);

	next = duties_next(&s);
	t0 = seconds();
	{
		int64_t scanned = store_int(&s, -1, "SELECT min(due_at) FROM bookings NOT INDEXED "
		    "WHERE due_at IS NOT NULL", "");

		t1 = seconds();
		if (next <= now || (int64_t)next != scanned)
			invalid("%s bookings: after the tick duties_next() = %lld, a full scan finds "
			    "%lld (want the same, after %lld)", d->label, (long long)next,
			    (long long)scanned, (long long)now);
	}
	d->scan[run] = t1 - t0;
	store_close(&s);
}

static void
with_commas(long v, char out[32])
{
	char t[32];
	int len, o = 0;

	len = snprintf(t, sizeof(t), "%ld", v);
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = t[i];
	}
	out[o] = '\0';
}

/* The query plan of one statement, on one line: "SEARCH b USING INDEX ... ; SCAN x". */
static void
plan(const char *path, const char *sql, char *out, size_t size)
{
	sqlite3 *db = open_plain(path);
	sqlite3_stmt *q;
	char *e = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	size_t o = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, e, -1, &q, NULL) == SQLITE_OK) {
		for (int i = 1; sqlite3_bind_parameter_count(q) >= i; i++)
			sqlite3_bind_null(q, i);
		while (sqlite3_step(q) == SQLITE_ROW && o + 4 < size)
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "; " : "",
			    (const char *)sqlite3_column_text(q, 3));
		sqlite3_finalize(q);
	}
	free(e);
	sqlite3_close(db);
}

static void
usage(void)
{
	fprintf(stderr, "usage: tick [-m] [-r RUNS] [-w WORKDIR] [-j JSON] [-t TEMPLATES] "
	    "[-x SQL]... [-v] DATABASE...\n");
	exit(2);
}

static void
json_array(FILE *f, const char *name, const double *v, int n, int last)
{
	fprintf(f, "      \"%s\": [", name);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.9f", i ? ", " : "", v[i]);
	fprintf(f, "]%s\n", last ? "" : ",");
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int
main(int argc, char **argv)
{
	const char *json = NULL, *templates = "conf/templates", *extra[16];
	int runs = 5, nextra = 0, ch, w;
	struct config c;
	char copy[4096], line[512];
	double started = seconds(), med_floor[MAX_DBS], med_tick[MAX_DBS];
	double ratio_runs[MAX_RUNS], lo, hi, r_tick, r_next, r_floor, r_wall, r_medians;
	const char *missed = NULL;
	int malloc_tuned = 0;

	while ((ch = getopt(argc, argv, "mr:w:j:t:x:v")) != -1) {
		switch (ch) {
		case 'r':
			runs = atoi(optarg);
			if (runs < 1 || runs > MAX_RUNS)
				usage();
			break;
		case 'w':
			work = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		case 't':
			templates = optarg;
			break;
		case 'x':
			if (nextra == 16)
				usage();
			extra[nextra++] = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'm':
			malloc_tuned = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind, argv += optind;
	if (argc < 2 || argc > MAX_DBS)
		usage();
	log_init("tick", 0);
	if (malloc_tuned) {
		/* What noshowd would do at start-up to keep glibc from giving the top of the
		   heap back after every statement (see -m above). */
		mallopt(M_TRIM_THRESHOLD, 8 << 20);
		mallopt(M_TOP_PAD, 1 << 20);
	}
	if (mkdir(work, 0755) < 0 && errno != EEXIST)
		invalid("%s: %s", work, strerror(errno));

	config_defaults(&c);
	free(c.mail.templates);
	c.mail.templates = xstrdup(templates);
	c.trainer.name = xstrdup("Bench Trainer");
	c.trainer.email = xstrdup("bench@example.nl");
	c.mail.from = xstrdup("bench@example.nl");

	for (int i = 0; i < argc; i++) {
		struct db *d = &dbs[ndbs++];
		sqlite3 *db;

		d->path = argv[i];
		d->source = xstrdup(argv[i]);
		db = open_immutable(d->path);
		d->bookings = (long)int_plain(db, "SELECT count(*) FROM bookings", 0);
		sqlite3_close(db);
		d->label = malloc(32);
		with_commas(d->bookings, d->label);
		if (nextra > 0) {	/* the variant: a copy with the extra SQL applied */
			free(d->source);
			d->source = xasprintf("%s/variant-%d.db", work, i);
			fresh_copy(d->path, d->source);
			db = open_plain(d->source);
			for (int x = 0; x < nextra; x++)
				exec_plain(db, extra[x]);
			sqlite3_close(db);	/* checkpoints: the copy is whole again */
		}
	}

	/*
	 * Warm-up, untimed: one tick on the smallest database, so that the first timed tick
	 * does not pay for what a process does once (lazy symbol binding, templates, zone
	 * data).
	 */
	snprintf(copy, sizeof(copy), "%s/run-0.db", work);
	fresh_copy(dbs[0].source, copy);
	run_tick(copy, &c, &dbs[0], 0, 0);

	/* Rounds: each runs every figure once, so a noisy neighbour slows all alike. */
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < ndbs; i++) {
			struct db *d = &dbs[i];
			int n;
			double t0;

			snprintf(copy, sizeof(copy), "%s/run-%d.db", work, i);
			t0 = seconds();
			fresh_copy(d->source, copy);
			d->copy[r] = seconds() - t0;
			d->floor[r] = run_floor(copy, &n, &d->floor_cpu[r]);
			if (n != TICKGEN_DUE)
				invalid("%s bookings: the floor found %d bookings due (want %d)",
				    d->label, n, TICKGEN_DUE);
			fresh_copy(d->source, copy);
			run_tick(copy, &c, d, i, r);
		}
	}
	for (int i = 0; i < ndbs; i++) {
		snprintf(copy, sizeof(copy), "%s/run-%d.db", work, i);
		unlink(copy);
		rm_db(copy);
		if (nextra > 0) {
			unlink(dbs[i].source);
			rm_db(dbs[i].source);
		}
	}

	/*
	 * The table, in the style of bench.py's, in milliseconds. Ratios and the verdict are on
	 * CPU time: the tick waits for nothing (WAL with synchronous=NORMAL syncs nothing at
	 * COMMIT, and the ~260 pages it writes stay below the 1000 of an automatic
	 * checkpoint), so CPU time is its cost without the time others had the CPU, on a
	 * machine that runs other work. Wall time is shown beside it.
	 */
	w = 60;
	printf("%-*s  %9s  %9s  %8s  %-16s  %-8s  %s\n", w, "figure", "ms", "cpu ms", "× floor",
	    "rounds (× floor)", "target", "verdict");
	for (int i = 0; i < w + 78; i++)
		fputs("-", stdout);
	fputs("\n", stdout);
	for (int i = 0; i < ndbs; i++) {
		struct db *d = &dbs[i];
		double rr[MAX_RUNS];
		char spread[40];

		med_floor[i] = median(d->floor_cpu, runs);
		med_tick[i] = median(d->tick_cpu, runs);
		snprintf(line, sizeof(line), "floor, %s bookings: the 100 due read, updated, logged",
		    d->label);
		printf("%-*s  %9.3f  %9.3f  %7.3f×\n", w, line, median(d->floor, runs) * 1e3,
		    med_floor[i] * 1e3, 1.0);
		for (int r = 0; r < runs; r++)
			rr[r] = d->tick_cpu[r] / d->floor_cpu[r];
		minmax(rr, runs, &lo, &hi);
		snprintf(spread, sizeof(spread), "%.1f–%.1f", lo, hi);
		snprintf(line, sizeof(line), "policy tick, %s bookings (100 actions, 130 messages)",
		    d->label);
		printf("%-*s  %9.3f  %9.3f  %7.2f×  %s\n", w, line, median(d->tick, runs) * 1e3,
		    med_tick[i] * 1e3, med_tick[i] / med_floor[i], spread);
		printf("%-*s  %9.3f  %9s  %7.3f×\n", w, "  idle tick (nothing due)",
		    median(d->idle, runs) * 1e3, "", median(d->idle, runs) / med_floor[i]);
	}
	/*
	 * The verdict: the largest over the smallest, each round's ratio (its two ticks ran
	 * seconds apart, in the same state of the machine), the median of those.
	 */
	for (int r = 0; r < runs; r++)
		ratio_runs[r] = dbs[ndbs - 1].tick_cpu[r] / dbs[0].tick_cpu[r];
	minmax(ratio_runs, runs, &lo, &hi);
	r_tick = median(ratio_runs, runs);
	r_floor = med_floor[ndbs - 1] / med_floor[0];
	{
		char spread[40];

		snprintf(spread, sizeof(spread), "%.2f–%.2f", lo, hi);
		snprintf(line, sizeof(line), "tick over %s / over %s bookings (CPU, by round)",
		    dbs[ndbs - 1].label, dbs[0].label);
		printf("%-*s  %9s  %9s  %7.3f×  %-16s  %-8s  %s\n", w, line, "", "", r_tick, spread,
		    "≤ 1.5×", r_tick <= TARGET ? "meets" : "MISSED");
	}
	if (r_tick > TARGET)
		missed = "policy tick";
	r_medians = med_tick[ndbs - 1] / med_tick[0];
	printf("%-*s  %9s  %9s  %7.3f×  %-16s  %-8s  %s\n", w, "  median over median (CPU)", "",
	    "", r_medians, "", "", "(info)");
	for (int r = 0; r < runs; r++)
		ratio_runs[r] = dbs[ndbs - 1].tick[r] / dbs[0].tick[r];
	r_wall = median(ratio_runs, runs);
	printf("%-*s  %9s  %9s  %7.3f×  %-16s  %-8s  %s\n", w, "  the same in wall time, by round",
	    "", "", r_wall, "", "", "(info)");
	printf("%-*s  %9s  %9s  %7.3f×  %-16s  %-8s  %s\n", w,
	    "  floor over floor (what SQLite's deeper B-trees cost)", "", "", r_floor, "", "",
	    "(info)");
	for (int i = 0; i < ndbs; i++) {
		snprintf(line, sizeof(line), "next due moment, %s bookings: each of %d lookups",
		    dbs[i].label, LOOKUPS);
		printf("%-*s  %9.4f\n", w, line, median(dbs[i].next_each, runs) * 1e3);
		printf("%-*s  %9.4f\n", w, "  first lookup after opening (statement prepared)",
		    median(dbs[i].next_first, runs) * 1e3);
		printf("%-*s  %9.4f\n", w, "  the same by a full scan (reference; never done)",
		    median(dbs[i].scan, runs) * 1e3);
	}
	r_next = median(dbs[ndbs - 1].next_each, runs) / median(dbs[0].next_each, runs);
	snprintf(line, sizeof(line), "next due lookup over %s / over %s bookings",
	    dbs[ndbs - 1].label, dbs[0].label);
	printf("%-*s  %9s  %9s  %7.3f×  %-16s  %-8s  %s\n", w, line, "", "", r_next, "",
	    "≤ 1.5×", r_next <= TARGET ? "meets" : "MISSED");
	if (r_next > TARGET)
		missed = missed ? "policy tick; next due lookup" : "next due lookup";
	for (int i = 0; i < w + 78; i++)
		fputs("-", stdout);
	fputs("\n", stdout);

	/* SQLite's own count of the work, per statement: what grows with the database. */
	for (int i = 0; i < ndbs; i++) {
		long vm = 0, fs = 0;

		for (int k = 0; k < nstmts; k++)
			vm += stmts[k].vm[i], fs += stmts[k].fullscan[i];
		dbs[i].vm_total = vm, dbs[i].fullscan_total = fs;
		printf("one tick, %*s bookings: SQLite %ld VM steps, %ld full-scan steps, %ld pages "
		    "read, %ld written; %ld page faults\n", (int)strlen(dbs[ndbs - 1].label),
		    dbs[i].label, vm, fs, dbs[i].pages_read, dbs[i].pages_written, dbs[i].faults);
	}
	for (int k = 0; k < nstmts; k++) {
		struct stmt_stat *st = &stmts[k];
		long first = st->vm[0], last = st->vm[ndbs - 1];
		int grows = st->fullscan[ndbs - 1] > 0 || last > 2 * first + 1000;

		if (!grows && !verbose)
			continue;
		printf("%s steps", grows ? "GROWS:" : "      ");
		for (int i = 0; i < ndbs; i++)
			printf(" %ld", st->vm[i]);
		printf(", full-scan steps %ld, sorts %ld: %s\n", st->fullscan[ndbs - 1],
		    st->sorts[ndbs - 1], st->sql);
		if (grows) {
			char p[1024];

			plan(dbs[ndbs - 1].source, st->sql, p, sizeof(p));
			printf("        plan: %s\n", p[0] ? p : "(none)");
		}
	}
	printf("median of %d run(s); now = %d (2026-11-02 10:00 UTC); each run starts from a "
	    "fresh durable copy (%.2f s to copy the largest); this part took %.0f s\n", runs,
	    TICKGEN_NOW, median(dbs[ndbs - 1].copy, runs), seconds() - started);
	for (int x = 0; x < nextra; x++)
		printf("variant: every database had, before the runs: %s\n", extra[x]);
	if (malloc_tuned)
		printf("variant: -m, mallopt(M_TRIM_THRESHOLD, 8 MiB) and mallopt(M_TOP_PAD, 1 MiB) "
		    "at start-up\n");
	if (missed)
		printf("\nMISSED: %s\n", missed);

	if (json != NULL) {
		char *tmp = xasprintf("%s.tmp", json);
		FILE *f = fopen(tmp, "w");

		if (f == NULL)
			invalid("%s: %s", tmp, strerror(errno));
		fprintf(f, "{\n  \"now\": %d,\n  \"runs\": %d,\n  \"target_ratio\": %.2f,\n",
		    TICKGEN_NOW, runs, TARGET);
		fprintf(f, "  \"tick_ratio_wall\": %.6f,\n  \"tick_ratio_of_medians\": %.6f,\n",
		    r_wall, r_medians);
		fprintf(f, "  \"tick_ratio\": %.6f,\n  \"floor_ratio\": %.6f,\n  \"next_ratio\": "
		    "%.6f,\n  \"missed\": %s,\n  \"mallopt\": %s,\n  \"extra_sql\": [", r_tick,
		    r_floor, r_next, missed ? "true" : "false", malloc_tuned ? "true" : "false");
		for (int x = 0; x < nextra; x++) {
			fputs(x ? ", " : "", f);
			json_string(f, extra[x]);
		}
		fputs("],\n  \"databases\": [\n", f);
		for (int i = 0; i < ndbs; i++) {
			struct db *d = &dbs[i];

			fprintf(f, "    {\n      \"bookings\": %ld,\n      \"vm_steps\": %ld,\n"
			    "      \"fullscan_steps\": %ld,\n      \"pages_read\": %ld,\n"
			    "      \"pages_written\": %ld,\n      \"page_faults\": %ld,\n", d->bookings,
			    d->vm_total, d->fullscan_total, d->pages_read, d->pages_written, d->faults);
			fprintf(f, "      \"tick_cpu_s\": %.9f,\n      \"floor_cpu_s\": %.9f,\n",
			    med_tick[i], med_floor[i]);
			fprintf(f, "      \"tick_s\": %.9f,\n      \"floor_s\": %.9f,\n",
			    median(d->tick, runs), median(d->floor, runs));
			json_array(f, "tick_runs", d->tick, runs, 0);
			json_array(f, "tick_cpu_runs", d->tick_cpu, runs, 0);
			json_array(f, "floor_runs", d->floor, runs, 0);
			json_array(f, "floor_cpu_runs", d->floor_cpu, runs, 0);
			json_array(f, "idle_runs", d->idle, runs, 0);
			json_array(f, "next_first_runs", d->next_first, runs, 0);
			json_array(f, "next_each_runs", d->next_each, runs, 0);
			json_array(f, "scan_runs", d->scan, runs, 1);
			fprintf(f, "    }%s\n", i + 1 < ndbs ? "," : "");
		}
		fputs("  ],\n  \"statements\": [\n", f);
		for (int k = 0; k < nstmts; k++) {
			fputs("    {\"sql\": ", f);
			json_string(f, stmts[k].sql);
			fputs(", \"vm_steps\": [", f);
			for (int i = 0; i < ndbs; i++)
				fprintf(f, "%s%ld", i ? ", " : "", stmts[k].vm[i]);
			fputs("], \"fullscan_steps\": [", f);
			for (int i = 0; i < ndbs; i++)
				fprintf(f, "%s%ld", i ? ", " : "", stmts[k].fullscan[i]);
			fprintf(f, "]}%s\n", k + 1 < nstmts ? "," : "");
		}
		fputs("  ]\n}\n", f);
		if (fclose(f) != 0 || rename(tmp, json) < 0)
			invalid("%s: %s", json, strerror(errno));
		free(tmp);
		printf("wrote %s\n", json);
	}
	config_release(&c);
	return 0;
}
