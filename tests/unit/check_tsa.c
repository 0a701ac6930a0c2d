/*
 * tsa against a real timestamp authority: every test starts its own tests/tsa_server.py
 * (which answers with `openssl ts -reply`, or with a fault) on a free loopback port. The
 * CA, the TSA's certificate and the TSA configuration are made once for the suite by
 * tests/tsa-setup.sh. Good replies are also checked with the openssl command the way
 * daemon/tsa.h says a reader should.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tsa.h"
#include "unit.h"
#include "util.h"

static char base_dir[PATH_MAX - 512];
static char tsa_dir[PATH_MAX - 256];	/* what tests/tsa-setup.sh made */

static const char stmt[] = "noshowd checkpoint 7\nhead 2c26b46b68ffc68ff99b453c1d304134\n";

/* One server of one test. */
struct srv {
	pid_t pid;
	int port;
	char dir[PATH_MAX];
	char url[96];
};

static void
suite_setup(void)
{
	char cmd[PATH_MAX + 64];

	unit_mkdtemp(base_dir, sizeof base_dir, "check_tsa");
	snprintf(tsa_dir, sizeof tsa_dir, "%s/tsa", base_dir);
	snprintf(cmd, sizeof cmd, "tests/tsa-setup.sh '%s'", tsa_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed (see %s/openssl.log; run the tests from the top of "
		    "the repository)\n", cmd, tsa_dir);
		exit(EXIT_FAILURE);
	}
}

static void
suite_teardown(void)
{
	unit_rm_tree(base_dir);
}

/* Start tests/tsa_server.py in mode (over https when tls is set); returns when it listens. */
static void
srv_start(struct srv *v, const char *mode, int tls)
{
	char port_path[PATH_MAX + 16], log_path[PATH_MAX + 16], conf[PATH_MAX];
	char cert[PATH_MAX], key[PATH_MAX];
	const char *argv[24];
	int argc = 0;

	memset(v, 0, sizeof *v);
	snprintf(v->dir, sizeof v->dir, "%s/srv.XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(v->dir));
	snprintf(port_path, sizeof port_path, "%s/port", v->dir);
	snprintf(log_path, sizeof log_path, "%s/log", v->dir);
	snprintf(conf, sizeof conf, "%s/ts.cnf", tsa_dir);
	snprintf(cert, sizeof cert, "%s/https.pem", tsa_dir);
	snprintf(key, sizeof key, "%s/https.key", tsa_dir);

	argv[argc++] = "python3";
	argv[argc++] = "tests/tsa_server.py";
	argv[argc++] = "--config";
	argv[argc++] = conf;
	argv[argc++] = "--port-file";
	argv[argc++] = port_path;
	argv[argc++] = "--mode";
	argv[argc++] = mode;
	argv[argc++] = "--save-dir";
	argv[argc++] = v->dir;
	argv[argc++] = "--log";
	argv[argc++] = log_path;
	argv[argc++] = "--exit-with-parent";
	if (tls) {
		argv[argc++] = "--tls-cert";
		argv[argc++] = cert;
		argv[argc++] = "--tls-key";
		argv[argc++] = key;
	}
	argv[argc] = NULL;

	v->pid = unit_spawn_server(argv, port_path, &v->port);
	ck_assert_msg(v->pid > 0, "tests/tsa_server.py did not start");
	snprintf(v->url, sizeof v->url, "%s://127.0.0.1:%d/tsr", tls ? "https" : "http",
	    v->port);
}

static void
srv_stop(struct srv *v)
{
	unit_stop_server(&v->pid);
}

/* Exit status of a shell command run in dir, its output in dir/sh.log. */
static int
sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
sh(const char *dir, const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int n, st;

	n = snprintf(cmd, sizeof cmd, "cd '%s' && exec >>sh.log 2>&1 && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st), "could not run: %s", cmd);
	return WEXITSTATUS(st);
}

static void
write_in(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* A stamp of stmt from a server in mode "ok", checked to have succeeded. */
static unsigned char *
good_stamp(struct srv *v, size_t *len, time_t *gen)
{
	unsigned char *tsr = NULL;
	char err[ERR_MAX];

	srv_start(v, "ok", 0);
	ck_assert_msg(tsa_stamp(v->url, NULL, 10, stmt, sizeof stmt - 1, &tsr, len, gen,
	    err) == 0, "%s", err);
	srv_stop(v);
	return tsr;
}

/* tsa_stamp against a server in mode must fail, with every needle in the message. */
static void
assert_stamp_fails(const char *mode, long timeout, ...)
{
	struct srv v;
	unsigned char *tsr = NULL;
	size_t len = 0;
	time_t gen = 0;
	char err[ERR_MAX];
	va_list ap;

	srv_start(&v, mode, 0);
	ck_assert_int_eq(tsa_stamp(v.url, NULL, timeout, stmt, sizeof stmt - 1, &tsr, &len,
	    &gen, err), -1);
	srv_stop(&v);
	ck_assert_ptr_null(tsr);
	ck_assert_msg(strstr(err, v.url) != NULL, "%s: err does not name the URL: %s", mode,
	    err);
	va_start(ap, timeout);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		ck_assert_msg(strstr(err, s) != NULL, "%s: no \"%s\" in: %s", mode, s, err);
	va_end(ap);
}

START_TEST(test_granted)
{
	struct srv v;
	unsigned char *tsr;
	size_t len;
	time_t gen = 0, gen2 = 0, now = time(NULL);
	char err[ERR_MAX], log[PATH_MAX + 16];
	size_t loglen;
	char *s;

	tsr = good_stamp(&v, &len, &gen);
	ck_assert_ptr_nonnull(tsr);
	ck_assert_msg(gen > now - 60 && gen < now + 60, "genTime %lld, now %lld",
	    (long long)gen, (long long)now);
	ck_assert_msg(tsa_check(tsr, len, stmt, sizeof stmt - 1, &gen2, err) == 0, "%s", err);
	ck_assert_int_eq(gen2, gen);
	ck_assert_int_eq(tsa_check(tsr, len, stmt, sizeof stmt - 1, NULL, err), 0);

	/* What went out: one POST with the right type, SHA-256 imprint, a nonce, certReq. */
	snprintf(log, sizeof log, "%s/log", v.dir);
	s = read_file(log, 4096, &loglen, err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s, "POST /tsr ok content-type=application/timestamp-query\n");
	free(s);
	ck_assert_int_eq(sh(v.dir, "openssl ts -query -in 0001.tsq -text >q.txt && "
	    "grep -q '^Hash Algorithm: sha256$' q.txt && grep -q '^Nonce: 0x' q.txt && "
	    "grep -q '^Certificate required: yes$' q.txt"), 0);
	/* The reply answers that very request (imprint and nonce), says openssl. */
	write_in(v.dir, "r.tsr", tsr, len);
	ck_assert_int_eq(sh(v.dir, "openssl ts -reply -in r.tsr -token_out -out t.der && "
	    "openssl pkcs7 -inform DER -in t.der -print_certs -out certs.pem && "
	    "openssl ts -verify -queryfile 0001.tsq -in r.tsr -CAfile certs.pem "
	    "-partial_chain"), 0);
	free(tsr);
}
END_TEST

/* The commands of daemon/tsa.h, as a bundle's verify.sh will run them. */
START_TEST(test_standard_tools)
{
	static const char script[] =
	    "openssl ts -reply -in r.tsr -token_out -out t.der && "
	    "openssl pkcs7 -inform DER -in t.der -print_certs -out certs.pem && "
	    "t=$(openssl ts -reply -in r.tsr -text | sed -n 's/^Time stamp: //p') && "
	    "openssl ts -verify -data statement.txt -in r.tsr -CAfile certs.pem "
	    "-partial_chain -attime \"$(date -u -d \"$t\" +%%s)\"";
	struct srv v;
	unsigned char *tsr;
	size_t len;
	time_t gen;

	tsr = good_stamp(&v, &len, &gen);
	write_in(v.dir, "r.tsr", tsr, len);
	write_in(v.dir, "statement.txt", stmt, sizeof stmt - 1);
	ck_assert_int_eq(sh(v.dir, script), 0);
	/* Only the TSA's certificate is in the token: without -partial_chain it fails. */
	ck_assert_int_eq(sh(v.dir, "test $(grep -c 'BEGIN CERTIFICATE' certs.pem) = 1 && "
	    "! openssl ts -verify -data statement.txt -in r.tsr -CAfile certs.pem"), 0);
	/* And the same script says no to another statement. */
	write_in(v.dir, "statement.txt", stmt, sizeof stmt - 2);
	ck_assert_int_eq(sh(v.dir, script), 1);
	free(tsr);
}
END_TEST

/*
 * A stamp outlives the TSA's certificate: checked at genTime it stays good after the
 * certificate has expired, as with -attime in the commands of daemon/tsa.h, while openssl's
 * check at the present time fails. The certificate here is valid for 3 more seconds.
 */
START_TEST(test_checked_at_gen_time)
{
	static const char verify[] = "openssl ts -verify -data statement.txt -in r.tsr "
	    "-CAfile certs.pem -partial_chain";
	struct srv v;
	unsigned char *tsr = NULL;
	size_t len;
	time_t gen, gen2;
	char cmd[PATH_MAX + 64], err[ERR_MAX];

	snprintf(cmd, sizeof cmd, "tests/tsa-setup.sh --expiring 3 '%s'", tsa_dir);
	ck_assert_int_eq(system(cmd), 0);
	srv_start(&v, "expiring", 0);
	ck_assert_msg(tsa_stamp(v.url, NULL, 10, stmt, sizeof stmt - 1, &tsr, &len, &gen,
	    err) == 0, "%s", err);
	srv_stop(&v);
	write_in(v.dir, "r.tsr", tsr, len);
	write_in(v.dir, "statement.txt", stmt, sizeof stmt - 1);
	ck_assert_int_eq(sh(v.dir, "openssl ts -reply -in r.tsr -token_out -out t.der && "
	    "openssl pkcs7 -inform DER -in t.der -print_certs -out certs.pem && "
	    "grep -q 'noshowd expiring test TSA' certs.pem && %s", verify), 0);
	sleep(5);
	ck_assert_msg(tsa_check(tsr, len, stmt, sizeof stmt - 1, &gen2, err) == 0, "%s", err);
	ck_assert_int_eq(gen2, gen);
	ck_assert_int_eq(sh(v.dir, "%s", verify), 1);
	ck_assert_int_eq(sh(v.dir, "grep -q 'certificate has expired' sh.log && "
	    "%s -attime %lld", verify, (long long)gen), 0);
	free(tsr);
}
END_TEST

START_TEST(test_other_data_fails)
{
	struct srv v;
	unsigned char *tsr;
	size_t len;
	time_t gen, gen2 = 7;
	char err[ERR_MAX], data[sizeof stmt];

	tsr = good_stamp(&v, &len, &gen);
	memcpy(data, stmt, sizeof stmt);
	data[3] ^= 0x20;
	ck_assert_int_eq(tsa_check(tsr, len, data, sizeof stmt - 1, &gen2, err), -1);
	ck_assert_msg(strstr(err, "imprint is not SHA-256 of this data") != NULL, "%s", err);
	ck_assert_int_eq(gen2, 7);
	ck_assert_int_eq(tsa_check(tsr, len, stmt, sizeof stmt - 2, NULL, err), -1);
	ck_assert_int_eq(tsa_check(tsr, len, "", 0, NULL, err), -1);
	free(tsr);
}
END_TEST

/* Flip one byte of a stored reply in a place that matters; each must fail the check. */
START_TEST(test_tampered_token_fails)
{
	struct srv v;
	unsigned char *tsr, *bad, md[32];
	unsigned int mdlen;
	size_t len, at[3];
	time_t gen;
	char err[ERR_MAX];
	unsigned char *p;

	tsr = good_stamp(&v, &len, &gen);
	bad = xmalloc(len + 1);
	/* The imprint, a digit of genTime (a GeneralizedTime of 15 bytes), the last byte
	   (the end of the signature value). */
	ck_assert_int_eq(EVP_Digest(stmt, sizeof stmt - 1, md, &mdlen, EVP_sha256(), NULL), 1);
	p = memmem(tsr, len, md, sizeof md);
	ck_assert_ptr_nonnull(p);
	at[0] = (size_t)(p - tsr) + 5;
	p = memmem(tsr, len, "\x18\x0f", 2);
	ck_assert_ptr_nonnull(p);
	at[1] = (size_t)(p - tsr) + 2 + 12;
	ck_assert_msg(tsr[at[1]] >= '0' && tsr[at[1]] <= '8', "not a seconds digit");
	at[2] = len - 1;
	for (size_t i = 0; i < 3; i++) {
		memcpy(bad, tsr, len);
		bad[at[i]] ^= 0x01;
		ck_assert_msg(tsa_check(bad, len, stmt, sizeof stmt - 1, NULL, err) == -1,
		    "byte %zu (case %zu) flipped, still good", at[i], i);
		ck_assert_ptr_nonnull(strstr(err, "timestamp: "));
	}
	/* The flipped time is caught by the signature, not by a parse error. */
	memcpy(bad, tsr, len);
	bad[at[1]] ^= 0x01;
	tsa_check(bad, len, stmt, sizeof stmt - 1, NULL, err);
	ck_assert_msg(strstr(err, "does not verify") != NULL, "%s", err);

	ck_assert_int_eq(tsa_check(tsr, len - 1, stmt, sizeof stmt - 1, NULL, err), -1);
	ck_assert_msg(strstr(err, "not a DER TimeStampResp") != NULL, "%s", err);
	memcpy(bad, tsr, len);
	bad[len] = 0;
	ck_assert_int_eq(tsa_check(bad, len + 1, stmt, sizeof stmt - 1, NULL, err), -1);
	ck_assert_msg(strstr(err, "1 stray bytes") != NULL, "%s", err);
	ck_assert_int_eq(tsa_check(tsr, 0, stmt, sizeof stmt - 1, NULL, err), -1);
	/* The original still passes: the failures above were the flips. */
	ck_assert_msg(tsa_check(tsr, len, stmt, sizeof stmt - 1, NULL, err) == 0, "%s", err);
	free(bad);
	free(tsr);
}
END_TEST

START_TEST(test_http_500)
{
	assert_stamp_fails("500", 10, "HTTP 500", NULL);
}
END_TEST

START_TEST(test_garbage)
{
	assert_stamp_fails("garbage", 10, "not a DER TimeStampResp (30 bytes)", NULL);
}
END_TEST

START_TEST(test_wrong_imprint)
{
	assert_stamp_fails("wrong-imprint", 10, "imprint is not SHA-256 of this data", NULL);
}
END_TEST

START_TEST(test_wrong_nonce)
{
	assert_stamp_fails("wrong-nonce", 10, "nonce", NULL);
}
END_TEST

START_TEST(test_rejected)
{
	assert_stamp_fails("reject", 10, "the TSA refused: rejection: \"Message digest "
	    "algorithm is not supported.\" (badAlg)", NULL);
}
END_TEST

START_TEST(test_too_big)
{
	assert_stamp_fails("big", 10, "reply larger than 65536 bytes", NULL);
}
END_TEST

START_TEST(test_redirect_not_followed)
{
	assert_stamp_fails("redirect", 10, "HTTP 302 redirect to http://127.0.0.1:1/elsewhere, "
	    "not followed", NULL);
}
END_TEST

START_TEST(test_timeout)
{
	double t0 = unit_now_secs(), dt;

	assert_stamp_fails("hang", 2, "no reply within 2 s", NULL);
	dt = unit_now_secs() - t0;
	ck_assert_msg(dt >= 1.8 && dt < 5.0, "took %.2f s", dt);
}
END_TEST

START_TEST(test_unreachable)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	unsigned char *tsr = NULL;
	size_t len;
	time_t gen;
	char url[64], err[ERR_MAX];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago and that nobody listens on. */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	close(fd);
	ck_assert_int_eq(tsa_stamp(url, NULL, 5, stmt, sizeof stmt - 1, &tsr, &len, &gen, err),
	    -1);
	ck_assert_ptr_null(tsr);
	ck_assert_msg(strstr(err, url) != NULL &&
	    strstr(err, "could not connect: Connection refused") != NULL, "err: %s", err);
}
END_TEST

START_TEST(test_bad_urls)
{
	static const char *const urls[] = {
		"ftp://127.0.0.1/tsr", "file:///etc/passwd", "smtp://127.0.0.1/",
	};
	unsigned char *tsr = NULL;
	size_t len;
	time_t gen;
	char err[ERR_MAX];

	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		ck_assert_int_eq(tsa_stamp(urls[i], NULL, 5, stmt, sizeof stmt - 1, &tsr, &len,
		    &gen, err), -1);
		ck_assert_msg(strstr(err, "only http:// and https:// TSA URLs") != NULL,
		    "%s: %s", urls[i], err);
	}
	ck_assert_ptr_null(tsr);
}
END_TEST

/* Credentials in the URL (some TSAs want basic auth) never reach the message. */
START_TEST(test_credentials_redacted)
{
	struct srv v;
	unsigned char *tsr = NULL;
	size_t len;
	time_t gen;
	char url[160], err[ERR_MAX];

	srv_start(&v, "500", 0);
	snprintf(url, sizeof url, "http://stamper:pa55word@127.0.0.1:%d/tsr", v.port);
	ck_assert_int_eq(tsa_stamp(url, NULL, 5, stmt, sizeof stmt - 1, &tsr, &len, &gen, err),
	    -1);
	srv_stop(&v);
	ck_assert_msg(strstr(err, v.url) != NULL && strstr(err, "HTTP 500") != NULL, "%s", err);
	ck_assert_ptr_null(strstr(err, "pa55word"));
	ck_assert_ptr_null(strstr(err, "stamper"));
}
END_TEST

START_TEST(test_https)
{
	struct srv v;
	unsigned char *tsr = NULL;
	size_t len;
	time_t gen;
	char ca[PATH_MAX], err[ERR_MAX];

	snprintf(ca, sizeof ca, "%s/ca.pem", tsa_dir);
	srv_start(&v, "ok", 1);
	ck_assert_msg(tsa_stamp(v.url, ca, 10, stmt, sizeof stmt - 1, &tsr, &len, &gen,
	    err) == 0, "%s", err);
	ck_assert_int_eq(tsa_check(tsr, len, stmt, sizeof stmt - 1, NULL, err), 0);
	free(tsr);
	tsr = NULL;
	/* The system's CAs do not know the test CA. */
	ck_assert_int_eq(tsa_stamp(v.url, NULL, 10, stmt, sizeof stmt - 1, &tsr, &len, &gen,
	    err), -1);
	srv_stop(&v);
	ck_assert_ptr_null(tsr);
	ck_assert_msg(strstr(err, "TLS failed") != NULL && strstr(err, v.url) != NULL, "%s",
	    err);
}
END_TEST

static Suite *
tsa_suite(void)
{
	Suite *s = suite_create("tsa");
	TCase *tc = tcase_create("server");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_granted);
	tcase_add_test(tc, test_standard_tools);
	tcase_add_test(tc, test_checked_at_gen_time);
	tcase_add_test(tc, test_other_data_fails);
	tcase_add_test(tc, test_tampered_token_fails);
	tcase_add_test(tc, test_http_500);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_wrong_imprint);
	tcase_add_test(tc, test_wrong_nonce);
	tcase_add_test(tc, test_rejected);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_redirect_not_followed);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_bad_urls);
	tcase_add_test(tc, test_credentials_redacted);
	tcase_add_test(tc, test_https);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(tsa_suite)
