/*
 * make bench, evidence part: what the evidence step costs the mail throughput. Issue #6 asks
 * that keeping the evidence must not halve it.
 *
 *     evidence -d DATABASE -u SMTP_URL -w WORKDIR [-r ROUNDS]
 *
 * DATABASE is the mail bench's database after its timed run (tests/bench/smtp.py): every
 * message in its outbox has been sent. Each round sends all of them again to the same local
 * server, over one reused connection, twice, in alternating order:
 *
 *   off  per message: smtp_send, then a transaction that records the answer in the outbox
 *        (what sending costs without evidence);
 *   on   per message: evidence_keep_message (the write-once, fsync'd copy in a fresh
 *        evidence directory), smtp_send, then a transaction that records the answer and
 *        appends its evidence record (evidence_record_send), as outbox.c does.
 *
 * The figure is the ratio of the medians, on/off, in messages per second; target >= 0.5. The
 * server is Python (aiosmtpd), which makes the ratio kinder than against a fast server, so
 * the evidence step's own cost per message is printed beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "evidence.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

struct msg {
	int64_t id;
	char *from, *rcpt, *data;
	size_t len;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One pass over every message; returns the seconds it took, or -1 if one was not sent. */
static double
pass(struct store *s, const char *url, struct msg *m, size_t n, const char *evdir,
    double *ev_secs)
{
	struct smtp_options o = { .url = url, .starttls = STARTTLS_OFF, .timeout = 30 };
	struct smtp_session *ss = smtp_open(&o);
	double t0 = now_s(), ev = 0;
	int ok = 1;

	for (size_t i = 0; i < n && ok; i++) {
		struct smtp_report r;
		char hash[65], err[ERR_MAX];
		double e0 = now_s();

		if (evdir != NULL && evidence_keep_message(evdir, m[i].data, m[i].len, hash,
		    err) < 0) {
			fprintf(stderr, "bench evidence: %s\n", err);
			ok = 0;
			break;
		}
		ev += now_s() - e0;
		ok = smtp_send(ss, m[i].from, m[i].rcpt, NULL, m[i].data, m[i].len, &r) ==
		    SMTP_SENT;
		if (!ok)
			fprintf(stderr, "bench evidence: not sent: %s\n", r.err);
		e0 = now_s();
		store_begin(s);
		store_exec(s, "UPDATE outbox SET last_code = ?, last_reply = ? WHERE id = ?",
		    "iti", r.code, r.reply, m[i].id);
		if (evdir != NULL)
			evidence_record_send(s, m[i].id, "smtp", url, &r,
			    evidence_clock_ms(time(NULL)));
		ok &= store_commit(s) == 0;
		if (evdir != NULL)
			ev += now_s() - e0;
		smtp_report_release(&r);
	}
	smtp_close(ss);
	*ev_secs = ev;
	return ok ? now_s() - t0 : -1;
}

int
main(int argc, char **argv)
{
	const char *db = NULL, *url = NULL, *work = NULL;
	int rounds = 3, ch;
	struct store s;
	struct msg *m = NULL;
	size_t n = 0, cap = 0;
	char err[ERR_MAX];

	while ((ch = getopt(argc, argv, "d:u:w:r:")) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'u': url = optarg; break;
		case 'w': work = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (db == NULL || url == NULL || work == NULL || rounds < 1)
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (store_open(&s, db, err) < 0) {
		fprintf(stderr, "bench evidence: %s\n", err);
		return 1;
	}
	sqlite3_stmt *q = store_q(&s, "SELECT o.id, o.env_from, o.rcpt, d.data FROM outbox o "
	    "JOIN outbox_data d ON d.outbox_id = o.id WHERE o.state = 'sent' ORDER BY o.id", "");
	while (store_step(&s, q) > 0) {
		if (n == cap)
			m = xrealloc(m, (cap = cap ? 2 * cap : 256) * sizeof(*m));
		m[n].id = sqlite3_column_int64(q, 0);
		m[n].from = store_col_dup(q, 1);
		m[n].rcpt = store_col_dup(q, 2);
		m[n].len = (size_t)sqlite3_column_bytes(q, 3);
		m[n].data = xstrndup(sqlite3_column_blob(q, 3), m[n].len);
		n++;
	}
	sqlite3_reset(q);
	if (n == 0) {
		fprintf(stderr, "bench evidence: INVALID: no sent message in %s\n", db);
		return 1;
	}

	double *off = xcalloc((size_t)rounds, sizeof(double));
	double *on = xcalloc((size_t)rounds, sizeof(double));
	double *step = xcalloc((size_t)rounds, sizeof(double));
	for (int r = 0; r < rounds; r++) {
		char *dir = xasprintf("%s/evidence.%d", work, r);
		double unused;

		/* Alternate which goes first, so that neither always gets the warmer cache. */
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (r % 2 == 0))
				off[r] = pass(&s, url, m, n, NULL, &unused);
			else
				on[r] = pass(&s, url, m, n, dir, &step[r]);
		}
		free(dir);
		if (off[r] < 0 || on[r] < 0) {
			fprintf(stderr, "bench evidence: INVALID: a message was not sent\n");
			return 1;
		}
	}
	qsort(off, (size_t)rounds, sizeof(double), cmp_double);
	qsort(on, (size_t)rounds, sizeof(double), cmp_double);
	qsort(step, (size_t)rounds, sizeof(double), cmp_double);
	double off_rate = n / off[rounds / 2], on_rate = n / on[rounds / 2];
	double ratio = on_rate / off_rate;
	printf("%-52s %9.3f   %7.0f/s   evidence off: %.0f/s\n",
	    "smtp: the same messages with evidence kept", on[rounds / 2], on_rate, off_rate);
	printf("%-52s %9.2f   %7.2f ms/message   target >= 0.50   %s\n",
	    "smtp: evidence on / off (messages per second)", ratio,
	    1000 * step[rounds / 2] / n, ratio >= 0.5 ? "meets" : "MISSED");
	store_close(&s);
	return 0;
usage:
	fprintf(stderr, "usage: evidence -d DATABASE -u SMTP_URL -w WORKDIR [-r ROUNDS]\n");
	return 2;
}
