/*
 * fetchq: fetches in threads of their own, reported through a descriptor the service
 * polls. Real transfers: file:// URLs in a temporary directory, and a loopback socket that
 * accepts connections (the kernel's backlog) but never answers, for a source that hangs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fetchq.h"
#include "unit.h"
#include "util.h"

static char dir[4096];

static void
setup(void)
{
	fetch_global_init();
	unit_mkdtemp(dir, sizeof(dir), "check_fetchq");
}

static void
teardown(void)
{
	unit_rm_tree(dir);
}

/* A file in dir with `body`; its file:// URL in url. */
static void
make_file(const char *name, const char *body, char *url, size_t urlsz)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(body, f);
	fclose(f);
	snprintf(url, urlsz, "file://%s", path);
}

/* Wait (up to 10 s) for a finished job and take it. */
static struct fetchq_job *
wait_take(struct fetchq *q)
{
	struct fetchq_job *j;

	for (int i = 0; i < 100; i++) {
		struct pollfd p = { fetchq_fd(q), POLLIN, 0 };

		if ((j = fetchq_take(q)) != NULL)
			return j;
		poll(&p, 1, 100);
	}
	return NULL;
}

START_TEST(three_files_come_back_through_the_descriptor)
{
	struct fetchq q;
	char url[3][4300];
	int seen[3] = { 0, 0, 0 };

	ck_assert_int_eq(fetchq_init(&q), 0);
	make_file("a.ics", "alpha", url[0], sizeof(url[0]));
	make_file("b.ics", "bravo", url[1], sizeof(url[1]));
	make_file("c.ics", "charlie", url[2], sizeof(url[2]));
	ck_assert_int_eq(fetchq_start(&q, "a", url[0], NULL, 5, 0), 0);
	ck_assert_int_eq(fetchq_start(&q, "b", url[1], NULL, 5, 0), 0);
	ck_assert_int_eq(fetchq_start(&q, "c", url[2], NULL, 5, 0), 0);
	for (int n = 0; n < 3; n++) {
		struct fetchq_job *j = wait_take(&q);
		int k;

		ck_assert_ptr_nonnull(j);
		k = j->source[0] - 'a';
		ck_assert(k >= 0 && k < 3 && !seen[k]);
		seen[k] = 1;
		ck_assert_int_eq(j->r.status, FETCH_CHANGED);
		ck_assert_str_eq(j->r.body, k == 0 ? "alpha" : k == 1 ? "bravo" : "charlie");
		ck_assert_str_eq(j->url, url[k]);
		ck_assert(!fetchq_busy(&q, j->source));
		fetchq_job_free(j);
	}
	ck_assert_ptr_null(fetchq_take(&q));
	fetchq_stop(&q);
}
END_TEST

START_TEST(the_validators_are_copied_to_the_thread)
{
	struct fetchq q;
	struct fetchq_job *j;
	char url[4300], *etag, hash[65];
	struct fetch_validators v;

	ck_assert_int_eq(fetchq_init(&q), 0);
	make_file("feed.ics", "same body", url, sizeof(url));
	ck_assert_int_eq(fetchq_start(&q, "feed", url, NULL, 5, 0), 0);
	ck_assert_ptr_nonnull(j = wait_take(&q));
	ck_assert_int_eq(j->r.status, FETCH_CHANGED);
	etag = xstrdup(j->r.etag);
	memcpy(hash, j->r.hash, sizeof(hash));
	fetchq_job_free(j);

	v.etag = etag, v.last_modified = NULL, v.body_hash = hash;
	ck_assert_int_eq(fetchq_start(&q, "feed", url, &v, 5, 0), 0);
	/* The caller's strings may go as soon as the job is started. */
	memset(hash, 'x', 64);
	free(etag);
	ck_assert_ptr_nonnull(j = wait_take(&q));
	ck_assert_int_eq(j->r.status, FETCH_UNCHANGED);
	fetchq_job_free(j);
	fetchq_stop(&q);
}
END_TEST

/* A listening socket that never accepts: connections complete, requests get no answer. */
static int
silent_server(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(a_hanging_fetch_holds_up_nothing_and_stop_aborts_it)
{
	struct fetchq q;
	struct fetchq_job *j;
	char url[4300], hang[64];
	int port, fd = silent_server(&port);

	ck_assert_int_eq(fetchq_init(&q), 0);
	snprintf(hang, sizeof(hang), "http://127.0.0.1:%d/feed.ics", port);
	ck_assert_int_eq(fetchq_start(&q, "stuck", hang, NULL, 600, 0), 0);
	make_file("ok.ics", "fine", url, sizeof(url));
	ck_assert_int_eq(fetchq_start(&q, "ok", url, NULL, 5, 0), 0);
	ck_assert_ptr_nonnull(j = wait_take(&q));
	ck_assert_str_eq(j->source, "ok");
	ck_assert_int_eq(j->r.status, FETCH_CHANGED);
	fetchq_job_free(j);
	ck_assert(fetchq_busy(&q, "stuck"));
	ck_assert(!fetchq_busy(&q, "ok"));
	ck_assert_ptr_null(fetchq_take(&q));
	/* Within the test's timeout, far below the source's 600 s. */
	fetchq_stop(&q);
	close(fd);
}
END_TEST

static Suite *
fetchq_suite(void)
{
	Suite *s = suite_create("fetchq");
	TCase *tc = tcase_create("fetchq");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, three_files_come_back_through_the_descriptor);
	tcase_add_test(tc, the_validators_are_copied_to_the_thread);
	tcase_add_test(tc, a_hanging_fetch_holds_up_nothing_and_stop_aborts_it);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fetchq_suite)
