/*
 * The databases of the policy-tick benchmark (tests/bench/tick.c): noshowd's own schema
 * (store_open migrates a fresh file), filled in one transaction with prepared statements.
 *
 *     tickgen BOOKINGS DATABASE      prints what it made on stdout
 *
 * Every database holds the same 320 bookings around "now" (TICKGEN_NOW, 2026-11-02 10:00
 * UTC, a Monday) of which exactly TICKGEN_DUE are due at now:
 *
 *   - 20 sessions starting in 4 days, capacity 8, each with 3 unpaid pending bookings whose
 *     pay-by + release_grace has passed, 5 paid ones and 2 on the waiting list: 60 releases,
 *     the first two of each session promoting a waitlisted booking (40 promotions);
 *   - 10 sessions starting in 10 days, each with 3 pending bookings whose payment reminder
 *     (pay-by - remind_before) has come: 30 reminders;
 *   - 2 sessions that ended two days ago, each with 5 pending bookings booked so late that
 *     pay-by is the start (never released): 10 debts falling due.
 *
 * The rest, BOOKINGS - 320 of them, is history and future around it, ten bookings a
 * session, ten sessions a day, from three years back to half a year ahead: past sessions
 * attended (some no-show, cancelled, released), future ones paid (confirmed) or pending with
 * their next moment (the payment reminder) in the future, a few full sessions with a
 * waiting list. Each booking has its customer (about four bookings a customer), its
 * "booked" event, its invoice and its sent confirmation in the outbox (with a small
 * placeholder body: the tick never reads old message bytes). due_at is what the policy
 * stored: NULL where nothing will fall due, the next moment where something will.
 *
 * Defaults of config_defaults() are assumed: remind_before 2d, release_grace 1d,
 * waitlist_payment_time 2d, release_unpaid true, no deposit.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ref.h"
#include "store.h"
#include "tickgen.h"

#define DAY 86400
#define HOUR 3600

static sqlite3 *db;

static void
die(const char *what)
{
	fprintf(stderr, "tickgen: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *q;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
		die(sql);
	return q;
}

static void
done(sqlite3_stmt *q, const char *what)
{
	if (sqlite3_step(q) != SQLITE_DONE)
		die(what);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

static sqlite3_stmt *ins_session, *ins_booking, *ins_event, *ins_invoice, *ins_outbox,
    *ins_data;
static int64_t next_booking = 1, next_outbox = 1;
static long ncust, nsessions;
static long count_state[8];
static long count_due_at;	/* bookings with a future next moment */
static int inv_seq[40];		/* per year from 2000 */

/* One session row. */
static void
session(const char *id, time_t start, int hours, int capacity, int64_t price)
{
	sqlite3_bind_text(ins_session, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins_session, 2, start);
	sqlite3_bind_int64(ins_session, 3, start + hours * HOUR);
	sqlite3_bind_int(ins_session, 4, capacity);
	sqlite3_bind_int64(ins_session, 5, price);
	sqlite3_bind_int64(ins_session, 6, start - 90 * DAY);
	done(ins_session, "insert session");
	nsessions++;
}

struct bk {
	const char *state;
	time_t booked, told, pay_by;	/* pay_by 0 = NULL */
	int64_t due, paid;
	int reminded;
	time_t debt_due, due_at;	/* 0 = NULL; due_at -1 = 0 ("now") */
};

static const char *const states[] = { "waitlisted", "pending", "confirmed", "released",
	"cancelled", "attended", "no_show", "refused" };

/* One booking of customer number `cust` with its event, invoice and sent confirmation. */
static void
booking(const char *session_id, long cust, const struct bk *b)
{
	int64_t id = next_booking++;
	char ref[REF_LEN + 1], email[64], name[64], msgid[96], number[32];
	struct tm tm;
	time_t issued = b->booked + 60;

	/* 7919 is prime, so i * 7919 mod 31^5 runs through distinct payloads. */
	ref_make((uint32_t)(((uint64_t)id * 7919u) % 28629151u), ref);
	snprintf(email, sizeof(email), "klant%07ld@example.nl", cust);
	snprintf(name, sizeof(name), "Klant %ld", cust);
	sqlite3_bind_int64(ins_booking, 1, id);
	sqlite3_bind_text(ins_booking, 2, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_booking, 3, session_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_booking, 4, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_booking, 5, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_booking, 6, b->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_booking, 7, b->booked);
	sqlite3_bind_int64(ins_booking, 8, b->booked + 120);	/* seen at the next poll */
	if (b->pay_by)
		sqlite3_bind_int64(ins_booking, 9, b->pay_by);
	else
		sqlite3_bind_null(ins_booking, 9);
	sqlite3_bind_int64(ins_booking, 10, b->due);
	sqlite3_bind_int64(ins_booking, 11, b->paid);
	sqlite3_bind_int64(ins_booking, 12, b->told ? b->told : b->booked + 120);
	sqlite3_bind_int(ins_booking, 13, b->reminded);
	if (b->debt_due)
		sqlite3_bind_int64(ins_booking, 14, b->debt_due);
	else
		sqlite3_bind_null(ins_booking, 14);
	if (b->due_at)
		sqlite3_bind_int64(ins_booking, 15, b->due_at < 0 ? 0 : b->due_at);
	else
		sqlite3_bind_null(ins_booking, 15);
	done(ins_booking, "insert booking");
	for (size_t i = 0; i < 8; i++)
		if (strcmp(states[i], b->state) == 0)
			count_state[i]++;
	if (b->due_at)
		count_due_at++;

	sqlite3_bind_int64(ins_event, 1, b->booked + 120);
	sqlite3_bind_int64(ins_event, 2, id);
	sqlite3_bind_text(ins_event, 3, session_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_event, 4, strcmp(b->state, "waitlisted") == 0 ? "waitlisted" :
	    "pending", -1, SQLITE_STATIC);
	done(ins_event, "insert event");

	if (b->due > 0) {
		int y;

		gmtime_r(&issued, &tm);
		y = tm.tm_year + 1900;
		if (y < 2000 || y >= 2040)
			die("year out of range");
		snprintf(number, sizeof(number), "%d-%04d", y, ++inv_seq[y - 2000]);
		sqlite3_bind_text(ins_invoice, 1, number, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins_invoice, 2, y);
		sqlite3_bind_int(ins_invoice, 3, inv_seq[y - 2000]);
		sqlite3_bind_int64(ins_invoice, 4, id);
		sqlite3_bind_int64(ins_invoice, 5, issued);
		sqlite3_bind_int64(ins_invoice, 6, b->due);
		sqlite3_bind_int64(ins_invoice, 7, b->due * 2100 / 12100);
		done(ins_invoice, "insert invoice");
	}

	snprintf(msgid, sizeof(msgid), "<%lld.%08x.bench@example.nl>", (long long)issued,
	    (unsigned)(id * 2654435761u));
	sqlite3_bind_int64(ins_outbox, 1, next_outbox);
	sqlite3_bind_int64(ins_outbox, 2, id);
	sqlite3_bind_text(ins_outbox, 3, strcmp(b->state, "waitlisted") == 0 ? "waitlisted" :
	    "confirmation", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins_outbox, 4, msgid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_outbox, 5, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins_outbox, 6, issued);
	sqlite3_bind_int64(ins_outbox, 7, issued + 5);
	done(ins_outbox, "insert outbox");
	sqlite3_bind_int64(ins_data, 1, next_outbox);
	sqlite3_bind_text(ins_data, 2, msgid, -1, SQLITE_TRANSIENT);
	done(ins_data, "insert outbox_data");
	next_outbox++;
}

/* The customer of the j-th booking of session k: ten different ones in a session. */
static long
customer(long k, int j)
{
	return (long)((((uint64_t)k * 10 + (uint64_t)j) * 1000003u) % (uint64_t)ncust);
}

/* The 320 bookings around now: exactly TICKGEN_DUE actions due at now. */
static void
due_set(long *k)
{
	const time_t now = TICKGEN_NOW;
	char id[64];
	struct bk b;

	/* Releases: pay-by a day and an hour ago, so pay-by + release_grace was an hour ago. */
	for (int s = 0; s < 20; s++, (*k)++) {
		time_t start = now + 4 * DAY - HOUR, pay_by = now - DAY - HOUR;

		snprintf(id, sizeof(id), "due-release-%02d@bench.example.nl", s);
		session(id, start, 7, 8, 29500);
		for (int j = 0; j < 10; j++) {
			memset(&b, 0, sizeof(b));
			b.booked = now - 20 * DAY + j * HOUR;
			if (j < 3) {		/* unpaid: released now */
				b.state = "pending", b.pay_by = pay_by, b.due = 29500;
				b.due_at = pay_by + DAY;	/* the moment the policy stored */
				b.reminded = 1;
			} else if (j < 8) {	/* paid */
				b.state = "confirmed", b.pay_by = pay_by, b.due = 29500;
				b.paid = 29500;
			} else {		/* waiting: promoted by the first two releases */
				b.state = "waitlisted";
				b.booked = now - 10 * DAY + j * HOUR;
			}
			booking(id, customer(*k, j), &b);
		}
	}
	/* Reminders: pay-by tomorrow, told ten days ago: the reminder fell due yesterday. */
	for (int s = 0; s < 10; s++, (*k)++) {
		time_t start = now + 10 * DAY, pay_by = now + DAY;

		snprintf(id, sizeof(id), "due-remind-%02d@bench.example.nl", s);
		session(id, start, 7, 10, 49500);
		for (int j = 0; j < 10; j++) {
			memset(&b, 0, sizeof(b));
			b.booked = now - 10 * DAY + j * 60;
			b.pay_by = pay_by, b.due = 49500;
			if (j < 3) {
				b.state = "pending";
				b.due_at = pay_by - 2 * DAY;
			} else {
				b.state = "confirmed", b.paid = 49500;
			}
			booking(id, customer(*k, j), &b);
		}
	}
	/* Debts: booked the evening before; pay-by is the start, so never released; the
	   session ended two days ago and the booking was not paid. */
	for (int s = 0; s < 2; s++, (*k)++) {
		time_t start = now - 2 * DAY - 7 * HOUR;

		snprintf(id, sizeof(id), "due-debt-%02d@bench.example.nl", s);
		session(id, start, 4, 10, 19500);
		for (int j = 0; j < 10; j++) {
			memset(&b, 0, sizeof(b));
			b.booked = start - 14 * HOUR + j * 60;
			b.pay_by = start, b.due = 19500;
			if (j < 5) {
				b.state = "pending";
				b.due_at = start + 4 * HOUR;	/* the end */
			} else {
				b.state = "attended", b.paid = 19500;
			}
			booking(id, customer(*k, j), &b);
		}
	}
}

/* Background session k, on `day` (midnight UTC), with nb (up to 10) bookings. */
static void
background(long k, time_t day, int nb)
{
	const time_t now = TICKGEN_NOW;
	time_t start = day + 9 * HOUR, end = start + 7 * HOUR;
	int64_t price = 19500 + (k % 4) * 10000;
	int full = k % 7 == 3;		/* capacity 8, two on the waiting list */
	char id[64];
	struct bk b;

	snprintf(id, sizeof(id), "s%07ld@bench.example.nl", k);
	session(id, start, 7, full ? 8 : 10, price);
	for (int j = 0; j < nb; j++) {
		long h = (k * 10 + j) * 2654435761u % 1000;	/* a stable pseudo-random 0..999 */

		memset(&b, 0, sizeof(b));
		b.booked = start - (10 + h % 50) * DAY - j * HOUR;
		b.pay_by = b.booked + 14 * DAY < start - 3 * DAY ? b.booked + 14 * DAY :
		    start - 3 * DAY;
		b.due = price;
		if (full && j >= 8) {
			b.state = "waitlisted", b.pay_by = 0, b.due = 0;
			if (end < now)	/* never got a seat: the session is over */
				b.state = "cancelled";
		} else if (end < now) {
			/* History: paid and attended, with the odd incident. */
			b.state = "attended", b.paid = price;
			if (h < 30) {
				b.state = "released", b.due = 0;
			} else if (h < 70) {
				b.state = "cancelled", b.due = 0, b.paid = 0;
			} else if (h < 100) {
				b.state = "no_show";	/* fee 100%, paid */
			} else if (h < 110) {
				b.state = "attended", b.paid = 0;	/* a debt */
				b.debt_due = end;
			}
		} else if (start < now + 6 * DAY || h >= 400) {
			b.state = "confirmed", b.paid = price;	/* paid */
		} else {
			/* Pending: booked in the last five days; the next moment is the payment
			   reminder, at least a day ahead. */
			b.state = "pending";
			b.booked = now - (h % 5) * DAY - (j + 1) * HOUR;
			b.pay_by = b.booked + 14 * DAY < start - 3 * DAY ? b.booked + 14 * DAY :
			    start - 3 * DAY;
			b.due_at = b.pay_by - 2 * DAY;
			if (b.due_at <= now)
				die("background pending booking would be due");
		}
		booking(id, customer(k, j), &b);
	}
}

int
main(int argc, char **argv)
{
	struct store s;
	char err[1024];
	long bookings, bg, bg_sessions, k = 0;
	struct timespec t0, t1;
	sqlite3_stmt *ins_customer;

	if (argc != 3 || (bookings = atol(argv[1])) < TICKGEN_FIXED + 10) {
		fprintf(stderr, "usage: tickgen BOOKINGS DATABASE (BOOKINGS >= %d)\n",
		    TICKGEN_FIXED + 10);
		return 2;
	}
	/*
	 * SQLite's page cache grows by malloc'ing page after page; glibc's default trimming
	 * then gives the top of the heap back and takes it again, thousands of times (half the
	 * run went to brk and the page faults after it).
	 */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_TOP_PAD, 64 << 20);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 3; i++) {
		char p[4096];

		snprintf(p, sizeof(p), "%s%s", argv[2], (const char *[]){ "", "-wal", "-shm" }[i]);
		unlink(p);
	}
	memset(&s, 0, sizeof(s));
	if (store_open(&s, argv[2], err) < 0) {
		fprintf(stderr, "tickgen: %s\n", err);
		return 1;
	}
	db = s.db;
	/* A throw-away build: no journal, no syncs, a big page cache. */
	exec("PRAGMA journal_mode = OFF");
	exec("PRAGMA synchronous = OFF");
	exec("PRAGMA cache_size = -2000000");
	exec("PRAGMA foreign_keys = OFF");
	exec("BEGIN");
	ins_session = prep("INSERT INTO sessions (id, source, title, location, start, end, "
	    "capacity, price, first_seen, tzid) VALUES (?1, 'bench', 'Training ' || ?1, "
	    "'Utrecht', ?2, ?3, ?4, ?5, ?6, 'Europe/Amsterdam')");
	ins_booking = prep("INSERT INTO bookings (id, ref, session_id, email, name, source, "
	    "state, booked_at, seen_at, pay_by, amount_due, amount_paid, told_at, reminded, "
	    "debt_due, due_at, invite_sequence) VALUES (?1, ?2, ?3, ?4, ?5, 'bench', ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 1)");
	ins_event = prep("INSERT INTO events (at, booking_id, session_id, cause, what, after, "
	    "detail) VALUES (?, ?, ?, 'source bench', 'booked', ?, 'seat held until pay-by')");
	ins_invoice = prep("INSERT INTO invoices (number, year, seq, booking_id, issued_at, "
	    "amount, vat) VALUES (?, ?, ?, ?, ?, ?, ?)");
	ins_outbox = prep("INSERT INTO outbox (id, booking_id, kind, language, template, "
	    "message_id, env_from, rcpt, hash, state, attempts, next_attempt, created, sent_at, "
	    "last_code, last_reply) VALUES (?1, ?2, ?3, 'nl', ?3, ?4, 'bench@example.nl', ?5, "
	    "'0000000000000000000000000000000000000000000000000000000000000000', 'sent', 1, "
	    "?6, ?6, ?7, 250, '2.0.0 Ok: queued')");
	ins_data = prep("INSERT INTO outbox_data (outbox_id, data) VALUES (?, "
	    "CAST('placeholder: the tick never reads old message bytes ' || ? AS BLOB))");
	ins_customer = prep("INSERT INTO customers (email, name, language, created) VALUES "
	    "(printf('klant%07d@example.nl', ?1), 'Klant ' || ?1, CASE WHEN ?1 % 9 = 0 THEN "
	    "'en' ELSE 'nl' END, ?2)");

	exec("INSERT INTO sources (name, last_poll, last_ok, result) VALUES ('bench', "
	    "1793613000, 1793613000, 'changed')");
	ncust = bookings / 4 > 10 ? bookings / 4 : 10;
	for (long i = 0; i < ncust; i++) {
		sqlite3_bind_int64(ins_customer, 1, i);
		sqlite3_bind_int64(ins_customer, 2, TICKGEN_NOW - 4 * 365 * DAY + i % 1000);
		done(ins_customer, "insert customer");
	}

	/*
	 * Background sessions spread evenly from three years back to half a year ahead (ten a
	 * day at a million bookings), in time order; the bookings due now go in where their
	 * time is.
	 */
	bg = bookings - TICKGEN_FIXED;
	bg_sessions = (bg + 9) / 10;
	{
		long placed = 0;
		int due_done = 0;
		time_t first = (TICKGEN_NOW - 3 * 365 * DAY) / DAY * DAY;

		for (long i = 0; i < bg_sessions; i++) {
			time_t day = first + (time_t)((double)i / bg_sessions * (3.5 * 365)) * DAY;
			int nb = (int)(bg - placed < 10 ? bg - placed : 10);

			if (!due_done && day >= TICKGEN_NOW - 2 * DAY) {
				due_set(&k);
				due_done = 1;
			}
			background(k++, day, nb);
			placed += nb;
		}
		if (!due_done)
			due_set(&k);
	}
	exec("COMMIT");
	sqlite3_finalize(ins_session), sqlite3_finalize(ins_booking);
	sqlite3_finalize(ins_event), sqlite3_finalize(ins_invoice);
	sqlite3_finalize(ins_outbox), sqlite3_finalize(ins_data), sqlite3_finalize(ins_customer);
	exec("PRAGMA journal_mode = WAL");
	store_close(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("bookings %lld sessions %ld customers %ld due-at %ld pending %ld confirmed %ld "
	    "waitlisted %ld seconds %.2f\n", (long long)(next_booking - 1), nsessions, ncust,
	    count_due_at, count_state[1], count_state[2], count_state[0],
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
