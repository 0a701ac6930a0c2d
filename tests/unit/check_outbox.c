/*
 * The outbox's view of what is still to send, against a real SQLite database: which
 * messages are due, and that the queries asking it are answered from the partial index
 * outbox_due (migration 018), whose condition costs no temporary B-tree per row written.
 */
#include <stdio.h>
#include <string.h>

#include "outbox.h"
#include "store.h"
#include "util.h"
#include "unit.h"

static struct store s;
static char dir[256];

static void
setup(void)
{
	char path[300], err[ERR_MAX];

	unit_mkdtemp(dir, sizeof(dir), "noshowd-outbox");
	snprintf(path, sizeof(path), "%s/test.db", dir);
	ck_assert_msg(store_open(&s, path, err) == 0, "%s", err);
}

static void
teardown(void)
{
	store_close(&s);
	unit_rm_tree(dir);
}

static int64_t
queue(const char *message_id, time_t at)
{
	struct outbox_item m = {
		.kind = "digest", .language = "en", .template_name = "digest",
		.message_id = message_id, .env_from = "trainer@example.nl",
		.rcpt = "someone@example.nl", .data = "Subject: x\r\n\r\nx\r\n", .len = 17,
	};
	int64_t id;

	ck_assert_int_eq(store_begin(&s), 0);
	id = outbox_put(&s, &m, at);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(store_commit(&s), 0);
	return id;
}

static void
set_state(int64_t id, const char *state)
{
	ck_assert_int_eq(store_begin(&s), 0);
	ck_assert_int_eq(store_exec(&s, "UPDATE outbox SET state = ? WHERE id = ?", "ti", state,
	    id), 0);
	ck_assert_int_eq(store_commit(&s), 0);
}

START_TEST(next_due_is_the_earliest_unsent)
{
	int64_t a = queue("<a@example.nl>", 1000), b = queue("<b@example.nl>", 2000);
	int64_t c = queue("<c@example.nl>", 3000);

	ck_assert_int_eq(outbox_next_due(&s), 1000);
	set_state(a, "sent");
	ck_assert_int_eq(outbox_next_due(&s), 2000);
	set_state(b, "failed");
	ck_assert_int_eq(outbox_next_due(&s), 3000);
	/* Deferred and sending (a lease) are still to send. */
	set_state(c, "deferred");
	ck_assert_int_eq(outbox_next_due(&s), 3000);
	set_state(c, "sending");
	ck_assert_int_eq(outbox_next_due(&s), 3000);
	set_state(c, "sent");
	ck_assert_int_eq(outbox_next_due(&s), 0);
}
END_TEST

/* What SQLite says it will do with sql: its query plan, or its program, as one string. */
static char *
explain(const char *how, const char *sql)
{
	char *q = xasprintf("%s %s", how, sql);
	sqlite3_stmt *st;
	struct buf b;
	int col = strcmp(how, "EXPLAIN") == 0 ? 1 : 3;	/* opcode, or the plan's detail */

	ck_assert_int_eq(sqlite3_prepare_v2(s.db, q, -1, &st, NULL), SQLITE_OK);
	buf_init(&b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_addstr(&b, (const char *)sqlite3_column_text(st, col));
		buf_addch(&b, '\n');
	}
	sqlite3_finalize(st);
	free(q);
	return buf_detach(&b);
}

static int
count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

START_TEST(queries_use_the_index)
{
	/* The queries of outbox.c, view.c and serve.c (the STATUS= line), with their condition. */
	static const char *const sql[] = {
		"SELECT min(next_attempt) FROM outbox WHERE " OUTBOX_UNSENT,
		"SELECT id FROM outbox WHERE " OUTBOX_UNSENT " AND next_attempt <= 5 "
		"ORDER BY next_attempt, id LIMIT 64",
		"SELECT count(*) FROM outbox WHERE " OUTBOX_UNSENT,
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		char *plan = explain("EXPLAIN QUERY PLAN", sql[i]);

		ck_assert_msg(strstr(plan, "USING INDEX outbox_due") != NULL &&
		    strstr(plan, "TEMP B-TREE") == NULL, "%s:\n%s", sql[i], plan);
		free(plan);
	}
}
END_TEST

START_TEST(a_state_change_builds_one_temporary_tree)
{
	/* The one left is the CHECK on state; outbox_due's old condition added two. */
	char *prog = explain("EXPLAIN", "UPDATE outbox SET state = 'sending', next_attempt = 5 "
	    "WHERE id = 1");

	ck_assert_msg(count(prog, "OpenEphemeral") == 1, "%s", prog);
	free(prog);
}
END_TEST

static Suite *
outbox_suite(void)
{
	Suite *su = suite_create("outbox");
	TCase *tc = tcase_create("due");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, next_due_is_the_earliest_unsent);
	tcase_add_test(tc, queries_use_the_index);
	tcase_add_test(tc, a_state_change_builds_one_temporary_tree);
	suite_add_tcase(su, tc);
	return su;
}

UNIT_MAIN(outbox_suite)
