/*
 * fetch against a real HTTP server: tests/httpd.py is started once for the suite (an
 * unchecked fixture) on a free loopback port with a temporary root, and its request log
 * shows what noshowd actually sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "unit.h"
#include "util.h"

#define MIB (1024 * 1024)

static pid_t httpd_pid = -1;
static char base_dir[PATH_MAX - 64];
static char root_dir[PATH_MAX];
static char log_path[PATH_MAX];
static int httpd_port;

static const char feed[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//noshowd tests//EN\r\n"
    "BEGIN:VEVENT\r\nUID:s1@test\r\nSUMMARY:Strength basics\r\n"
    "DTSTART:20260301T090000Z\r\nDTEND:20260301T100000Z\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

static void
httpd_start(void)
{
	char port_path[PATH_MAX + 16];
	const char *argv[] = { "python3", "tests/httpd.py", "--root", root_dir, "--port-file",
	    port_path, "--log", log_path, "--exit-with-parent", NULL };

	unit_mkdtemp(base_dir, sizeof base_dir, "check_fetch");
	snprintf(root_dir, sizeof root_dir, "%s/root", base_dir);
	snprintf(log_path, sizeof log_path, "%s/httpd.log", base_dir);
	snprintf(port_path, sizeof port_path, "%s/port", base_dir);
	if (mkdir(root_dir, 0700) == -1) {
		perror("mkdir");
		exit(EXIT_FAILURE);
	}

	httpd_pid = unit_spawn_server(argv, port_path, &httpd_port);
	if (httpd_pid < 0)
		exit(EXIT_FAILURE);
}

static void
httpd_stop(void)
{
	unit_stop_server(&httpd_pid);
	unit_rm_tree(base_dir);
	fetch_global_cleanup();
}

/* http://127.0.0.1:PORT + path, in one of a few rotating static buffers. */
static const char *
url(const char *path)
{
	static char bufs[4][PATH_MAX + 256];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d%s", httpd_port, path);
	return b;
}

static void
put_file(const char *name, const char *content, size_t len)
{
	char path[PATH_MAX + 256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root_dir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(content, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* 1 if the server's request log contains needle. */
static int
log_has(const char *needle)
{
	FILE *f = fopen(log_path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;
	int found;

	if (f == NULL)
		return 0;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	found = b.data != NULL && strstr(b.data, needle) != NULL;
	buf_release(&b);
	return found;
}

static void
assert_failed(int rc, const struct fetch_result *r)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(r->status, FETCH_FAILED);
	ck_assert_ptr_null(r->body);
	ck_assert_ptr_null(r->etag);
	ck_assert_ptr_null(r->last_modified);
	ck_assert_str_ne(r->err, "");
}

START_TEST(test_etag_then_conditional)
{
	struct fetch_result r1, r2;
	struct fetch_validators prev;
	char hash[65], line[512];

	put_file("a.ics", feed, sizeof feed - 1);
	sha256_hex(feed, sizeof feed - 1, hash);

	ck_assert_int_eq(fetch_get(url("/a.ics"), NULL, 10, MIB, &r1), 0);
	ck_assert_int_eq(r1.status, FETCH_CHANGED);
	ck_assert_int_eq(r1.code, 200);
	ck_assert_uint_eq(r1.len, sizeof feed - 1);
	ck_assert_str_eq(r1.body, feed);
	ck_assert_str_eq(r1.hash, hash);
	ck_assert_ptr_nonnull(r1.etag);
	ck_assert_int_eq(r1.etag[0], '"');
	ck_assert_ptr_nonnull(r1.last_modified);
	ck_assert_ptr_nonnull(strstr(r1.last_modified, "GMT"));

	prev.etag = r1.etag;
	prev.last_modified = r1.last_modified;
	prev.body_hash = r1.hash;
	ck_assert_int_eq(fetch_get(url("/a.ics"), &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_int_eq(r2.code, 304);
	ck_assert_ptr_null(r2.body);
	ck_assert_str_eq(r2.etag, r1.etag);
	ck_assert_str_eq(r2.last_modified, r1.last_modified);
	ck_assert_str_eq(r2.hash, hash);

	snprintf(line, sizeof line, "GET /a.ics 200 inm=- ims=- ua=\"noshowd/0.1\"");
	ck_assert_msg(log_has(line), "no plain first request in the log");
	snprintf(line, sizeof line, "GET /a.ics 304 inm=%s ims=\"%s\"", r1.etag,
	    r1.last_modified);
	ck_assert_msg(log_has(line), "no conditional request in the log: %s", line);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

START_TEST(test_if_modified_since_alone)
{
	struct fetch_result r1, r2;
	struct fetch_validators prev = { NULL, NULL, NULL };
	char line[512];

	put_file("b.ics", feed, sizeof feed - 1);
	ck_assert_int_eq(fetch_get(url("/b.ics"), NULL, 10, MIB, &r1), 0);
	ck_assert_ptr_nonnull(r1.last_modified);
	prev.last_modified = r1.last_modified;
	ck_assert_int_eq(fetch_get(url("/b.ics"), &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_int_eq(r2.code, 304);
	ck_assert_str_eq(r2.hash, "");	/* no previous hash was given */
	snprintf(line, sizeof line, "GET /b.ics 304 inm=- ims=\"%s\"", r1.last_modified);
	ck_assert_msg(log_has(line), "no If-Modified-Since request in the log: %s", line);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

START_TEST(test_changed_file)
{
	static const char v2[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
	struct fetch_result r1, r2;
	struct fetch_validators prev;
	char hash2[65], line[512];

	put_file("c.ics", feed, sizeof feed - 1);
	ck_assert_int_eq(fetch_get(url("/c.ics"), NULL, 10, MIB, &r1), 0);
	put_file("c.ics", v2, sizeof v2 - 1);
	sha256_hex(v2, sizeof v2 - 1, hash2);

	prev.etag = r1.etag;
	prev.last_modified = r1.last_modified;
	prev.body_hash = r1.hash;
	ck_assert_int_eq(fetch_get(url("/c.ics"), &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_CHANGED);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_str_eq(r2.body, v2);
	ck_assert_str_eq(r2.hash, hash2);
	ck_assert_str_ne(r2.hash, r1.hash);
	ck_assert_str_ne(r2.etag, r1.etag);
	snprintf(line, sizeof line, "GET /c.ics 200 inm=%s ", r1.etag);
	ck_assert_msg(log_has(line), "the second request was not conditional");
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

START_TEST(test_noetag_same_body_by_hash)
{
	static const char v2[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
	struct fetch_result r1, r2, r3;
	struct fetch_validators prev = { NULL, NULL, NULL };
	char old[65];

	put_file("d.ics", feed, sizeof feed - 1);
	ck_assert_int_eq(fetch_get(url("/noetag/d.ics"), NULL, 10, MIB, &r1), 0);
	ck_assert_int_eq(r1.status, FETCH_CHANGED);
	ck_assert_ptr_null(r1.etag);
	ck_assert_ptr_null(r1.last_modified);

	prev.body_hash = r1.hash;
	ck_assert_int_eq(fetch_get(url("/noetag/d.ics"), &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_int_eq(r2.code, 200);
	ck_assert_ptr_null(r2.body);
	ck_assert_uint_eq(r2.len, 0);
	ck_assert_str_eq(r2.hash, r1.hash);
	ck_assert_msg(!log_has("GET /noetag/d.ics 200 inm=\""),
	    "a conditional request was sent without validators");

	put_file("d.ics", v2, sizeof v2 - 1);
	snprintf(old, sizeof old, "%s", r1.hash);
	prev.body_hash = old;
	ck_assert_int_eq(fetch_get(url("/noetag/d.ics"), &prev, 10, MIB, &r3), 0);
	ck_assert_int_eq(r3.status, FETCH_CHANGED);
	ck_assert_str_eq(r3.body, v2);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
	fetch_result_release(&r3);
}
END_TEST

static const int error_codes[] = { 400, 401, 403, 404, 410, 500, 502, 503 };

START_TEST(test_http_error_status)
{
	struct fetch_result r;
	char path[64], want[256];
	int code = error_codes[_i];

	snprintf(path, sizeof path, "/status/%d", code);
	assert_failed(fetch_get(url(path), NULL, 10, MIB, &r), &r);
	ck_assert_int_eq(r.code, code);
	snprintf(want, sizeof want, "HTTP %d from http://127.0.0.1:%d/status/%d", code,
	    httpd_port, code);
	ck_assert_str_eq(r.err, want);
	fetch_result_release(&r);
}
END_TEST

/* The status matters more than the size of an error page. */
START_TEST(test_http_error_with_big_body)
{
	struct fetch_result r;

	assert_failed(fetch_get(url("/status/500?bytes=100000"), NULL, 10, 1000, &r), &r);
	ck_assert_int_eq(r.code, 500);
	ck_assert_ptr_nonnull(strstr(r.err, "HTTP 500 from"));
	fetch_result_release(&r);
	assert_failed(fetch_get(url("/status/404?bytes=500"), NULL, 10, 1000, &r), &r);
	ck_assert_ptr_nonnull(strstr(r.err, "HTTP 404 from"));
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_304_without_condition)
{
	struct fetch_result r;

	assert_failed(fetch_get(url("/status/304"), NULL, 10, MIB, &r), &r);
	ck_assert_ptr_nonnull(strstr(r.err, "HTTP 304 from"));
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_hang_times_out)
{
	struct fetch_result r;
	double t0 = unit_now_secs(), dt;

	assert_failed(fetch_get(url("/hang"), NULL, 2, MIB, &r), &r);
	dt = unit_now_secs() - t0;
	ck_assert_msg(dt >= 1.5 && dt < 3.5, "took %.2f s with a 2 s timeout", dt);
	ck_assert_msg(strstr(r.err, "timed out after 2 s") != NULL, "err: %s", r.err);
	ck_assert_int_eq(r.code, 0);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_slow_body)
{
	struct fetch_result r1, r2;

	ck_assert_int_eq(fetch_get(url("/slow?bytes=1000&delay=1"), NULL, 5, MIB, &r1), 0);
	ck_assert_int_eq(r1.status, FETCH_CHANGED);
	ck_assert_uint_eq(r1.len, 1000);

	/* Bytes keep arriving, but the whole transfer has a limit. */
	assert_failed(fetch_get(url("/slow?bytes=1000&delay=8"), NULL, 2, MIB, &r2), &r2);
	ck_assert_msg(strstr(r2.err, "timed out after 2 s") != NULL, "err: %s", r2.err);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

static const char *const big_paths[] = { "/big?mb=8", "/bigcl?mb=8" };

START_TEST(test_over_size_cap)
{
	struct fetch_result r;
	double t0 = unit_now_secs();

	assert_failed(fetch_get(url(big_paths[_i]), NULL, 10, MIB, &r), &r);
	ck_assert_str_eq(r.err, "body larger than the size cap of 1048576 bytes "
	    "(raise max_size for this source)");
	ck_assert_msg(unit_now_secs() - t0 < 3, "the cap did not stop the transfer early");
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_size_cap_boundary)
{
	struct fetch_result r;

	ck_assert_int_eq(fetch_get(url("/big?bytes=1000"), NULL, 10, 1000, &r), 0);
	ck_assert_uint_eq(r.len, 1000);
	fetch_result_release(&r);
	ck_assert_int_eq(fetch_get(url("/bigcl?bytes=1000"), NULL, 10, 1000, &r), 0);
	ck_assert_uint_eq(r.len, 1000);
	fetch_result_release(&r);
	assert_failed(fetch_get(url("/big?bytes=1001"), NULL, 10, 1000, &r), &r);
	ck_assert_ptr_nonnull(strstr(r.err, "size cap of 1000 bytes"));
	fetch_result_release(&r);
	assert_failed(fetch_get(url("/bigcl?bytes=1001"), NULL, 10, 1000, &r), &r);
	ck_assert_ptr_nonnull(strstr(r.err, "size cap of 1000 bytes"));
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_redirect_loop)
{
	struct fetch_result r;

	assert_failed(fetch_get(url("/redirect-loop"), NULL, 10, MIB, &r), &r);
	ck_assert_msg(strstr(r.err, "too many redirects") != NULL, "err: %s", r.err);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_redirect_keeps_final_headers)
{
	struct fetch_result direct, r1, r2;

	put_file("e.ics", feed, sizeof feed - 1);
	ck_assert_int_eq(fetch_get(url("/e.ics"), NULL, 10, MIB, &direct), 0);

	ck_assert_int_eq(fetch_get(url("/redirect?to=/e.ics"), NULL, 10, MIB, &r1), 0);
	ck_assert_int_eq(r1.status, FETCH_CHANGED);
	ck_assert_int_eq(r1.code, 200);
	ck_assert_str_eq(r1.body, feed);
	ck_assert_str_eq(r1.etag, direct.etag);

	/* The 302 carries a decoy ETag; the final response has none. */
	ck_assert_int_eq(fetch_get(url("/redirect?to=/noetag/e.ics"), NULL, 10, MIB, &r2), 0);
	ck_assert_str_eq(r2.body, feed);
	ck_assert_ptr_null(r2.etag);
	ck_assert_ptr_null(r2.last_modified);
	fetch_result_release(&direct);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

START_TEST(test_redirect_to_file_refused)
{
	static const char secret[] = "root:x:0:0:do-not-leak\n";
	struct fetch_result r;
	char path[PATH_MAX + 64];

	put_file("secret.txt", secret, sizeof secret - 1);
	snprintf(path, sizeof path, "/redirect?to=file://%s/secret.txt", root_dir);
	assert_failed(fetch_get(url(path), NULL, 10, MIB, &r), &r);
	ck_assert_msg(strstr(r.err, "refused") != NULL, "err: %s", r.err);
	ck_assert_ptr_null(strstr(r.err, "do-not-leak"));
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_file_url)
{
	struct fetch_result r1, r2;
	struct fetch_validators prev = { "\"x\"", "Thu, 01 Jan 1970 00:00:00 GMT", NULL };
	char u[PATH_MAX + 64];

	put_file("f.ics", feed, sizeof feed - 1);
	snprintf(u, sizeof u, "file://%s/f.ics", root_dir);
	ck_assert_int_eq(fetch_get(u, &prev, 10, MIB, &r1), 0);
	ck_assert_int_eq(r1.status, FETCH_CHANGED);
	ck_assert_int_eq(r1.code, 0);
	ck_assert_str_eq(r1.body, feed);
	/* HTTP validators mean nothing to a file; its own (size, mtime, inode) come back. */
	ck_assert_ptr_nonnull(r1.etag);
	ck_assert_int_eq(strncmp(r1.etag, "file:", 5), 0);
	ck_assert_ptr_null(r1.last_modified);

	prev.body_hash = r1.hash;
	ck_assert_int_eq(fetch_get(u, &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_ptr_null(r2.body);
	fetch_result_release(&r2);

	/* With its own validator the file is not even read: the old hash is taken as is. */
	prev.etag = r1.etag;
	prev.body_hash = "not-read";
	ck_assert_int_eq(fetch_get(u, &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_str_eq(r2.hash, "not-read");
	fetch_result_release(&r2);

	/* A new modification time is a new validator: read and compared by hash. */
	put_file("f.ics", feed, sizeof feed - 1);
	{
		struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
		char p[PATH_MAX + 64];

		snprintf(p, sizeof p, "%s/f.ics", root_dir);
		ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	}
	prev.body_hash = r1.hash;
	ck_assert_int_eq(fetch_get(u, &prev, 10, MIB, &r2), 0);
	ck_assert_int_eq(r2.status, FETCH_UNCHANGED);
	ck_assert_str_eq(r2.hash, r1.hash);
	ck_assert_str_ne(r2.etag, r1.etag);
	fetch_result_release(&r1);
	fetch_result_release(&r2);
}
END_TEST

START_TEST(test_file_empty)
{
	struct fetch_result r;
	char u[PATH_MAX + 64];

	put_file("empty.ics", "", 0);
	snprintf(u, sizeof u, "file://%s/empty.ics", root_dir);
	ck_assert_int_eq(fetch_get(u, NULL, 10, MIB, &r), 0);
	ck_assert_int_eq(r.status, FETCH_CHANGED);
	ck_assert_ptr_nonnull(r.body);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_str_eq(r.body, "");
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_file_missing)
{
	struct fetch_result r;
	char u[PATH_MAX + 64], want[PATH_MAX + 128];

	snprintf(u, sizeof u, "file://%s/nope.ics", root_dir);
	assert_failed(fetch_get(u, NULL, 10, MIB, &r), &r);
	snprintf(want, sizeof want, "could not read file \"%s/nope.ics\": %s", root_dir,
	    strerror(ENOENT));
	ck_assert_str_eq(r.err, want);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_file_is_directory)
{
	struct fetch_result r;
	char u[PATH_MAX + 64], want[PATH_MAX + 128];

	snprintf(u, sizeof u, "file://%s", root_dir);
	assert_failed(fetch_get(u, NULL, 10, MIB, &r), &r);
	snprintf(want, sizeof want, "could not read file \"%s\": not a regular file",
	    root_dir);
	ck_assert_str_eq(r.err, want);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_file_over_cap)
{
	static char big[5000];
	struct fetch_result r;
	char u[PATH_MAX + 64];

	memset(big, 'z', sizeof big);
	put_file("big.ics", big, sizeof big);
	snprintf(u, sizeof u, "file://%s/big.ics", root_dir);
	assert_failed(fetch_get(u, NULL, 10, 4096, &r), &r);
	ck_assert_str_eq(r.err, "body larger than the size cap of 4096 bytes "
	    "(raise max_size for this source)");
	fetch_result_release(&r);
}
END_TEST

static int
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

START_TEST(test_userinfo_never_shown)
{
	struct fetch_result r;
	char u[256], want[256];
	int port;

	snprintf(u, sizeof u, "http://alice:s3cretpw@127.0.0.1:%d/status/404", httpd_port);
	assert_failed(fetch_get(u, NULL, 10, MIB, &r), &r);
	snprintf(want, sizeof want, "HTTP 404 from http://127.0.0.1:%d/status/404",
	    httpd_port);
	ck_assert_str_eq(r.err, want);
	fetch_result_release(&r);

	port = closed_port();
	snprintf(u, sizeof u, "http://alice:s3cretpw@127.0.0.1:%d/feed.ics", port);
	assert_failed(fetch_get(u, NULL, 10, MIB, &r), &r);
	ck_assert_msg(strstr(r.err, "s3cretpw") == NULL && strstr(r.err, "alice") == NULL,
	    "err shows the credentials: %s", r.err);
	fetch_result_release(&r);

	snprintf(u, sizeof u, "http://alice:s3cretpw@127.0.0.1:%d/hang", httpd_port);
	assert_failed(fetch_get(u, NULL, 1, MIB, &r), &r);
	ck_assert_msg(strstr(r.err, "s3cretpw") == NULL && strstr(r.err, "alice") == NULL,
	    "err shows the credentials: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "timed out"));
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct fetch_result r;
	char u[128], want[128];
	int port = closed_port();

	snprintf(u, sizeof u, "http://127.0.0.1:%d/feed.ics", port);
	assert_failed(fetch_get(u, NULL, 10, MIB, &r), &r);
	snprintf(want, sizeof want, "could not connect to 127.0.0.1:%d: ", port);
	ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "err: %s", r.err);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_truncated_body)
{
	static char body[4000];
	struct fetch_result r;

	memset(body, 'q', sizeof body);
	put_file("g.ics", body, sizeof body);
	assert_failed(fetch_get(url("/truncated/g.ics"), NULL, 10, MIB, &r), &r);
	ck_assert_msg(strstr(r.err, "body truncated") != NULL, "err: %s", r.err);
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_gzip_body_is_decoded)
{
	struct fetch_result r;
	char hash[65];

	put_file("h.ics", feed, sizeof feed - 1);
	sha256_hex(feed, sizeof feed - 1, hash);
	ck_assert_int_eq(fetch_get(url("/gzip/h.ics"), NULL, 10, MIB, &r), 0);
	ck_assert_str_eq(r.body, feed);
	ck_assert_str_eq(r.hash, hash);
	ck_assert_msg(log_has("GET /gzip/h.ics 200"), "no gzip request in the log");
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_unsupported_scheme)
{
	struct fetch_result r;

	assert_failed(fetch_get("ftp://127.0.0.1/feed.ics", NULL, 10, MIB, &r), &r);
	ck_assert_str_eq(r.err, "cannot fetch ftp://127.0.0.1/feed.ics: only http://, "
	    "https:// and file:// URLs are supported");
	fetch_result_release(&r);
}
END_TEST

START_TEST(test_validators_with_newlines_not_sent)
{
	struct fetch_result r;
	struct fetch_validators prev = { "\"a\"\r\nX-Evil: 1", NULL, NULL };

	put_file("i.ics", feed, sizeof feed - 1);
	ck_assert_int_eq(fetch_get(url("/i.ics"), &prev, 10, MIB, &r), 0);
	ck_assert_int_eq(r.status, FETCH_CHANGED);
	ck_assert_msg(log_has("GET /i.ics 200 inm=- ims=-"), "a bad validator was sent");
	fetch_result_release(&r);
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("http");

	tcase_add_unchecked_fixture(tc, httpd_start, httpd_stop);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_etag_then_conditional);
	tcase_add_test(tc, test_if_modified_since_alone);
	tcase_add_test(tc, test_changed_file);
	tcase_add_test(tc, test_noetag_same_body_by_hash);
	tcase_add_loop_test(tc, test_http_error_status, 0,
	    (int)(sizeof error_codes / sizeof error_codes[0]));
	tcase_add_test(tc, test_http_error_with_big_body);
	tcase_add_test(tc, test_304_without_condition);
	tcase_add_test(tc, test_hang_times_out);
	tcase_add_test(tc, test_slow_body);
	tcase_add_loop_test(tc, test_over_size_cap, 0, 2);
	tcase_add_test(tc, test_size_cap_boundary);
	tcase_add_test(tc, test_redirect_loop);
	tcase_add_test(tc, test_redirect_keeps_final_headers);
	tcase_add_test(tc, test_redirect_to_file_refused);
	tcase_add_test(tc, test_file_url);
	tcase_add_test(tc, test_file_empty);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_file_is_directory);
	tcase_add_test(tc, test_file_over_cap);
	tcase_add_test(tc, test_userinfo_never_shown);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_truncated_body);
	tcase_add_test(tc, test_gzip_body_is_decoded);
	tcase_add_test(tc, test_unsupported_scheme);
	tcase_add_test(tc, test_validators_with_newlines_not_sent);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fetch_suite)
