/*
 * smtp against a real SMTP server: every test starts its own tests/smtpd.py (aiosmtpd) on a
 * free loopback port, with TLS, AUTH or a script of answers as the test needs, and checks
 * both what noshowd reports and what the server received and logged. The certificates (a
 * test CA, a server certificate for 127.0.0.1, and a second CA that signed nothing) are made
 * once for the suite with the openssl command.
 */
#include <curl/curl.h>
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

#include "smtp.h"
#include "unit.h"
#include "util.h"

#define FROM	"trainer@example.org"
#define RCPT	"anna@example.net"
#define USER	"trainer"
#define PASS	"s3cret-Pa55"

static char base_dir[PATH_MAX - 256];
static char tls_dir[PATH_MAX];		/* ca.pem, cert.pem, key.pem */
static char other_dir[PATH_MAX];	/* ca.pem of a CA that signed nothing here */

/* One server of one test. */
struct srv {
	pid_t pid;
	int port;
	char dir[PATH_MAX];
	char maildir[PATH_MAX + 16];
	char log[PATH_MAX + 16];
	char url[64];
};

/* A message with lines that need dot-stuffing, a lone dot among them. */
static const char msg[] =
    "From: Trainer <" FROM ">\r\n"
    "To: Anna <" RCPT ">\r\n"
    "Subject: Bevestiging\r\n"
    "Message-ID: <m1@noshowd.test>\r\n"
    "X-Noshowd-Ref: R1\r\n"
    "X-Noshowd-Kind: confirmation\r\n"
    "\r\n"
    "Hallo Anna,\r\n"
    ".a line that starts with a dot\r\n"
    "..and two\r\n"
    ".\r\n"
    "body-marker-7731\r\n";

/* The same certificates as make_tls_cert in tests/lib.sh. */
static void
make_tls_cert(const char *dir)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof cmd,
	    "set -e; mkdir -p '%s'; cd '%s'; exec >openssl.log 2>&1; "
	    "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	    "-keyout ca.key -out ca.pem -days 30 -subj '/CN=noshowd test CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign,cRLSign; "
	    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	    "-keyout key.pem -out server.csr -subj /CN=localhost; "
	    "printf '%%s\\n' subjectAltName=IP:127.0.0.1,DNS:localhost "
	    "basicConstraints=critical,CA:FALSE "
	    "keyUsage=critical,digitalSignature,keyEncipherment "
	    "extendedKeyUsage=serverAuth >server.ext; "
	    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
	    "-set_serial 0x$(openssl rand -hex 8) -days 30 -extfile server.ext -out cert.pem; "
	    "rm -f server.csr server.ext",
	    dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "making test certificates in %s failed (see openssl.log)\n", dir);
		exit(EXIT_FAILURE);
	}
}

static void
suite_setup(void)
{
	unit_mkdtemp(base_dir, sizeof base_dir, "check_smtp");
	snprintf(tls_dir, sizeof tls_dir, "%s/tls", base_dir);
	snprintf(other_dir, sizeof other_dir, "%s/other", base_dir);
	make_tls_cert(tls_dir);
	make_tls_cert(other_dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
suite_teardown(void)
{
	unit_rm_tree(base_dir);
	curl_global_cleanup();
}

/*
 * Start tests/smtpd.py with the given options (a NULL-terminated list) and, when script is
 * not NULL, a script of answers. Returns when the server listens.
 */
static void
srv_start(struct srv *v, const char *script, ...)
{
	char port_path[PATH_MAX + 16], script_path[PATH_MAX + 16];
	const char *argv[40];
	int argc = 0;
	va_list ap;
	FILE *f;

	memset(v, 0, sizeof *v);
	snprintf(v->dir, sizeof v->dir, "%s/srv.XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(v->dir));
	snprintf(v->maildir, sizeof v->maildir, "%s/mail", v->dir);
	snprintf(v->log, sizeof v->log, "%s/log", v->dir);
	snprintf(port_path, sizeof port_path, "%s/port", v->dir);
	snprintf(script_path, sizeof script_path, "%s/script", v->dir);

	argv[argc++] = "python3";
	argv[argc++] = "tests/smtpd.py";
	argv[argc++] = "--port-file";
	argv[argc++] = port_path;
	argv[argc++] = "--maildir";
	argv[argc++] = v->maildir;
	argv[argc++] = "--log";
	argv[argc++] = v->log;
	argv[argc++] = "--exit-with-parent";
	if (script != NULL) {
		f = fopen(script_path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(script, f);
		ck_assert_int_eq(fclose(f), 0);
		argv[argc++] = "--script";
		argv[argc++] = script_path;
	}
	va_start(ap, script);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 38;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	v->pid = unit_spawn_server(argv, port_path, &v->port);
	ck_assert_msg(v->pid > 0, "tests/smtpd.py did not start");
	snprintf(v->url, sizeof v->url, "smtp://127.0.0.1:%d", v->port);
}

static void
srv_stop(struct srv *v)
{
	unit_stop_server(&v->pid);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (len != NULL)
		*len = b.len;
	return buf_detach(&b);
}

/* How many times needle occurs in the server's log. */
static int
log_count(const struct srv *v, const char *needle)
{
	char *s = slurp(v->log, NULL);
	int n = 0;

	ck_assert_msg(s != NULL, "cannot read %s", v->log);
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(s);
	return n;
}

/* The server's NNNN.json (or .eml) for message n, NULL if there is none. */
static char *
stored(const struct srv *v, int n, const char *suffix, size_t *len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%04d.%s", v->maildir, n, suffix);
	return slurp(path, len);
}

static void
assert_stored(const struct srv *v, int n, const char *data, size_t len, int tls)
{
	size_t got_len;
	char *eml = stored(v, n, "eml", &got_len);
	char *json = stored(v, n, "json", NULL);

	ck_assert_msg(eml != NULL && json != NULL, "message %d not stored", n);
	ck_assert_uint_eq(got_len, len);
	ck_assert_msg(memcmp(eml, data, len) == 0, "message %d differs from what was sent", n);
	ck_assert_ptr_nonnull(strstr(json, "\"mail_from\": \"" FROM "\""));
	ck_assert_ptr_nonnull(strstr(json, "\"rcpt_tos\": [\n  \"" RCPT "\"\n ]"));
	ck_assert_ptr_nonnull(strstr(json, "\"message_id\": \"<m1@noshowd.test>\""));
	ck_assert_ptr_nonnull(strstr(json, tls ? "\"tls\": true" : "\"tls\": false"));
	free(eml);
	free(json);
}

static void
assert_nothing_stored(const struct srv *v)
{
	char *json = stored(v, 1, "json", NULL);

	ck_assert_msg(json == NULL, "the server stored a message");
}

static struct smtp_options
options(const char *url)
{
	struct smtp_options o;

	memset(&o, 0, sizeof o);
	o.url = url;
	o.starttls = STARTTLS_OFF;
	o.timeout = 10;
	return o;
}

static enum smtp_outcome
send_one(struct smtp_session *s, struct smtp_report *r)
{
	return smtp_send(s, FROM, RCPT, NULL, msg, sizeof msg - 1, r);
}

/* "AB:cd:..." and "sha256:abcd..." compare equal: hex digits only, case ignored. */
static void
hex_only(const char *in, char *out, size_t size)
{
	size_t n = 0;

	if (strncmp(in, "sha256:", 7) == 0)
		in += 7;
	for (; *in != '\0' && n < size - 1; in++)
		if ((*in >= '0' && *in <= '9') || (*in >= 'a' && *in <= 'f') ||
		    (*in >= 'A' && *in <= 'F'))
			out[n++] = (char)(*in >= 'a' ? *in - 32 : *in);
	out[n] = '\0';
}

static void
assert_fingerprint(const char *fp)
{
	char cmd[PATH_MAX + 128], line[256], want[128], got[128];
	FILE *p;
	char *eq;

	snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/cert.pem' -noout -fingerprint -sha256",
	    tls_dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
	pclose(p);
	eq = strchr(line, '=');
	ck_assert_ptr_nonnull(eq);
	hex_only(eq + 1, want, sizeof want);
	hex_only(fp, got, sizeof got);
	ck_assert_uint_eq(strlen(want), 64);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(strlen(fp), 7 + 32 * 3 - 1);
	ck_assert_int_eq(strncmp(fp, "sha256:", 7), 0);
}

static void
path_in(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

START_TEST(test_plain_send)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, NULL, NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_int_eq(r.outcome, SMTP_SENT);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.reply, "250 2.0.0 Ok: queued as T0001");
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.tls_fingerprint, "");
	ck_assert_ptr_nonnull(r.dialogue);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "S: 220 smtpd.test"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: EHLO "));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: MAIL FROM:<" FROM ">"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: RCPT TO:<" RCPT ">\r\nS: 250"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: DATA\r\nS: 354"));
	ck_assert_ptr_nonnull(strstr(r.dialogue,
	    "\r\nC: <message data, 247 bytes>\r\nS: 250 2.0.0 Ok: queued as T0001\r\n"));
	ck_assert_uint_eq(sizeof msg - 1, 247);
	ck_assert_ptr_null(strstr(r.dialogue, "body-marker-7731"));
	ck_assert_ptr_null(strstr(r.dialogue, "(connection reused)"));
	ck_assert_ptr_null(strstr(r.dialogue, "AUTH"));
	assert_stored(&v, 1, msg, sizeof msg - 1, 0);
	smtp_report_release(&r);
	ck_assert_ptr_null(r.dialogue);
	smtp_close(s);
	srv_stop(&v);
	ck_assert_int_eq(log_count(&v, " C: QUIT"), 1);
}
END_TEST

START_TEST(test_one_connection)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char want[64];

	srv_start(&v, NULL, NULL);
	o = options(v.url);
	s = smtp_open(&o);
	for (int i = 1; i <= 3; i++) {
		ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
		snprintf(want, sizeof want, "250 2.0.0 Ok: queued as T%04d", i);
		ck_assert_str_eq(r.reply, want);
		if (i == 1) {
			ck_assert_ptr_null(strstr(r.dialogue, "(connection reused)"));
			ck_assert_ptr_nonnull(strstr(r.dialogue, "C: EHLO "));
		} else {
			ck_assert_msg(strncmp(r.dialogue, "(connection reused)\r\nC: MAIL FROM:<",
			    35) == 0, "dialogue %d: %s", i, r.dialogue);
			ck_assert_ptr_null(strstr(r.dialogue, "EHLO"));
			ck_assert_ptr_nonnull(strstr(r.dialogue, want));
		}
		smtp_report_release(&r);
		assert_stored(&v, i, msg, sizeof msg - 1, 0);
	}
	smtp_close(s);
	srv_stop(&v);
	ck_assert_int_eq(log_count(&v, " * connect "), 1);
	ck_assert_int_eq(log_count(&v, " C: EHLO "), 1);
	ck_assert_int_eq(log_count(&v, " C: MAIL FROM:"), 3);
}
END_TEST

START_TEST(test_starttls_required)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16], fp[128];
	char *json;

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--require-starttls", "--tls-cert", cert, "--tls-key", key, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_REQUIRED;
	o.ca_file = ca;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_int_eq(r.code, 250);
	assert_fingerprint(r.tls_fingerprint);
	snprintf(fp, sizeof fp, "%s", r.tls_fingerprint);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: STARTTLS\r\nS: 220"));
	/* EHLO again after STARTTLS (RFC 3207 4.2). */
	ck_assert_ptr_nonnull(strstr(strstr(r.dialogue, "C: STARTTLS"), "C: EHLO "));
	smtp_report_release(&r);
	assert_stored(&v, 1, msg, sizeof msg - 1, 1);

	/* The reused connection reports the certificate it was opened with. */
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "(connection reused)"));
	ck_assert_str_eq(r.tls_fingerprint, fp);
	smtp_report_release(&r);
	assert_stored(&v, 2, msg, sizeof msg - 1, 1);
	json = stored(&v, 2, "json", NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"connection\": 1"));
	free(json);
	smtp_close(s);
	srv_stop(&v);
	ck_assert_int_eq(log_count(&v, " * tls TLSv1."), 1);
}
END_TEST

START_TEST(test_starttls_required_not_offered)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, NULL, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_REQUIRED;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_msg(strstr(r.err, "does not offer STARTTLS") != NULL &&
	    strstr(r.err, "mail.starttls") != NULL, "err: %s", r.err);
	ck_assert_ptr_null(strchr(r.err, '\n'));
	ck_assert_str_eq(r.tls_fingerprint, "");
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: EHLO "));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
	ck_assert_int_eq(log_count(&v, " C: MAIL"), 0);
}
END_TEST

START_TEST(test_opportunistic_plain)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, NULL, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_OPPORTUNISTIC;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_str_eq(r.tls_fingerprint, "");
	ck_assert_ptr_null(strstr(r.dialogue, "STARTTLS"));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 0);
}
END_TEST

START_TEST(test_opportunistic_tls)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16];

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--starttls", "--tls-cert", cert, "--tls-key", key, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_OPPORTUNISTIC;
	o.ca_file = ca;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	assert_fingerprint(r.tls_fingerprint);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 1);
}
END_TEST

START_TEST(test_smtps)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16], url[80];

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--smtps", "--tls-cert", cert, "--tls-key", key, NULL);
	snprintf(url, sizeof url, "smtps://127.0.0.1:%d", v.port);
	o = options(url);
	o.starttls = STARTTLS_OFF;	/* ignored: smtps is TLS from the first byte */
	o.ca_file = ca;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_int_eq(r.code, 250);
	assert_fingerprint(r.tls_fingerprint);
	ck_assert_ptr_null(strstr(r.dialogue, "STARTTLS"));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 1);
}
END_TEST

START_TEST(test_wrong_ca)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16];

	path_in(ca, sizeof ca, other_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--require-starttls", "--tls-cert", cert, "--tls-key", key, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_REQUIRED;
	o.ca_file = ca;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_msg(strstr(r.err, "certificate") != NULL && strstr(r.err, "mail.ca_file"),
	    "err: %s", r.err);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
	ck_assert_int_eq(log_count(&v, " C: MAIL"), 0);
}
END_TEST

/* PLAIN only, LOGIN only, and both offered (libcurl 7.88 then picks PLAIN). */
static const char *const auth_mechs[] = { "PLAIN", "LOGIN", NULL };

static void
assert_no_secret(const char *dialogue)
{
	/* base64 of the password alone, of "\0user\0pass", and of "user\0user\0pass" */
	static const char *const forms[] = {
		PASS, "czNjcmV0LVBhNTU=", "AHRyYWluZXIAczNjcmV0LVBhNTU=",
		"dHJhaW5lcgB0cmFpbmVyAHMzY3JldC1QYTU1", "dHJhaW5lcg==",
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		ck_assert_msg(strstr(dialogue, forms[i]) == NULL, "dialogue shows %s:\n%s",
		    forms[i], dialogue);
}

START_TEST(test_auth_ok)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	const char *mech = auth_mechs[_i];
	char *json, want[64];

	if (mech != NULL)
		srv_start(&v, NULL, "--auth", USER ":" PASS, "--auth-mech", mech, NULL);
	else
		srv_start(&v, NULL, "--auth", USER ":" PASS, NULL);
	o = options(v.url);
	o.username = USER;
	o.password = PASS;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: AUTH <redacted>\r\n"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nS: 235 "));
	/* PLAIN: AUTH, 334, the credentials; LOGIN: AUTH, 334, user name, 334, password. */
	if (mech != NULL && strcmp(mech, "LOGIN") == 0)
		ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: AUTH <redacted>\r\n"
		    "S: 334 VXNlciBOYW1lAA==\r\nC: <redacted>\r\nS: 334 UGFzc3dvcmQA\r\n"
		    "C: <redacted>\r\nS: 235 "));
	else
		ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nC: AUTH <redacted>\r\nS: 334 \r\n"
		    "C: <redacted>\r\nS: 235 "));
	/* Redaction ends with the exchange: the rest of the dialogue is all there. */
	ck_assert_ptr_nonnull(strstr(r.dialogue, "S: 235 2.7.0 Authentication successful\r\n"
	    "C: MAIL FROM:<" FROM ">"));
	assert_no_secret(r.dialogue);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 0);
	json = stored(&v, 1, "json", NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"auth_user\": \"" USER "\""));
	free(json);
	snprintf(want, sizeof want, " * auth %s ok " USER, mech != NULL ? mech : "PLAIN");
	ck_assert_int_eq(log_count(&v, want), 1);
}
END_TEST

START_TEST(test_auth_wrong_password)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, NULL, "--auth", USER ":other", NULL);
	o = options(v.url);
	o.username = USER;
	o.password = PASS;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 535);
	ck_assert_msg(strstr(r.err, "authentication failed (check mail.username and the "
	    "password file)") != NULL, "err: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "535"));
	assert_no_secret(r.dialogue);
	assert_no_secret(r.err);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
}
END_TEST

/* The usual submission set-up: port 587, STARTTLS required, then AUTH. */
START_TEST(test_starttls_then_auth)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16];
	const char *tls, *auth;

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--require-starttls", "--tls-cert", cert, "--tls-key", key,
	    "--auth", USER ":" PASS, "--auth-mech", "PLAIN", NULL);
	o = options(v.url);
	o.starttls = STARTTLS_REQUIRED;
	o.ca_file = ca;
	o.username = USER;
	o.password = PASS;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	tls = strstr(r.dialogue, "C: STARTTLS");
	auth = strstr(r.dialogue, "C: AUTH <redacted>");
	ck_assert_msg(tls != NULL && auth != NULL && tls < auth, "%s", r.dialogue);
	assert_no_secret(r.dialogue);
	assert_fingerprint(r.tls_fingerprint);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 1);
}
END_TEST

/*
 * With dsn on and a server that offers no DSN (aiosmtpd), nothing is requested, and the
 * transaction goes as without: over TLS and AUTH, dot-stuffed, the connection reused, a
 * refused recipient still the message's own failure, and a QUIT at the end. Before libcurl
 * 8.16 this is the connection smtp.c speaks MAIL, RCPT and DATA on itself.
 */
START_TEST(test_dsn_not_offered)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16];

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, "rcpt ok\nrcpt 550 5.1.1 no such user\n", "--require-starttls",
	    "--tls-cert", cert, "--tls-key", key, "--auth", USER ":" PASS, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_REQUIRED;
	o.ca_file = ca;
	o.username = USER;
	o.password = PASS;
	o.dsn = 1;
	s = smtp_open(&o);
	ck_assert_int_eq(smtp_send(s, FROM, RCPT, "<m1@noshowd.test>", msg, sizeof msg - 1, &r),
	    SMTP_SENT);
	ck_assert_ptr_null(r.dsn);
	ck_assert_str_eq(r.reply, "250 2.0.0 Ok: queued as T0001");
	ck_assert_msg(strstr(r.dialogue, "(the server does not offer DSN: none requested)\r\n"
	    "C: MAIL FROM:<" FROM ">\r\nS: 250 2.1.0 Ok\r\nC: RCPT TO:<" RCPT ">\r\n") != NULL,
	    "%s", r.dialogue);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: AUTH <redacted>"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: <message data, "));
	assert_no_secret(r.dialogue);
	assert_fingerprint(r.tls_fingerprint);
	smtp_report_release(&r);
	assert_stored(&v, 1, msg, sizeof msg - 1, 1);

	ck_assert_int_eq(smtp_send(s, FROM, RCPT, "<m2@noshowd.test>", msg, sizeof msg - 1, &r),
	    SMTP_PERMFAIL);
	ck_assert_int_eq(r.code, 550);
	ck_assert_msg(strstr(r.err, "recipient") != NULL, "err: %s", r.err);
	ck_assert_msg(strncmp(r.dialogue, "(connection reused)\r\n", 21) == 0, "%s", r.dialogue);
	smtp_report_release(&r);

	ck_assert_int_eq(smtp_send(s, FROM, RCPT, NULL, msg, sizeof msg - 1, &r), SMTP_SENT);
	assert_fingerprint(r.tls_fingerprint);
	smtp_report_release(&r);
	ck_assert_int_eq(smtp_send(s, FROM, RCPT, NULL, msg, sizeof msg - 1, &r), SMTP_SENT);
	ck_assert_msg(strncmp(r.dialogue, "(connection reused)\r\n", 21) == 0, "%s", r.dialogue);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 3, msg, sizeof msg - 1, 1);
	ck_assert_int_eq(log_count(&v, " * connect "), 2);
	ck_assert_int_eq(log_count(&v, " C: QUIT"), 1);
	ck_assert_int_eq(log_count(&v, "RET="), 0);
	ck_assert_int_eq(log_count(&v, "NOTIFY="), 0);
}
END_TEST

START_TEST(test_script_451)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "451 4.3.0 try again later\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert_str_eq(r.reply, "451 4.3.0 try again later");
	ck_assert_msg(strstr(r.err, "451 4.3.0 try again later") != NULL &&
	    strstr(r.err, "the message") != NULL, "err: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: <message data, 247 bytes>\r\n"
	    "S: 451 4.3.0 try again later\r\n"));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
}
END_TEST

START_TEST(test_script_554)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "554 5.7.1 rejected: looks like spam\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_PERMFAIL);
	ck_assert_int_eq(r.code, 554);
	ck_assert_str_eq(r.reply, "554 5.7.1 rejected: looks like spam");
	ck_assert_ptr_nonnull(strstr(r.err, "554 5.7.1 rejected: looks like spam"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\nS: 554 5.7.1 rejected: looks like spam"));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
}
END_TEST

START_TEST(test_rcpt_refused)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "rcpt 550 5.1.1 no such user\nrcpt 450 4.2.1 mailbox busy\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_PERMFAIL);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.reply, "550 5.1.1 no such user");
	ck_assert_msg(strstr(r.err, "recipient") != NULL, "err: %s", r.err);
	ck_assert_ptr_null(strstr(r.dialogue, "C: DATA"));
	smtp_report_release(&r);

	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 450);
	ck_assert_str_eq(r.reply, "450 4.2.1 mailbox busy");
	smtp_report_release(&r);

	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 0);
}
END_TEST

/*
 * A refused sender would refuse every message: the configuration's fault, so TEMPFAIL and
 * the message waits for the fix. 552 to MAIL FROM (SIZE too big) is the message's own.
 */
START_TEST(test_sender_refused)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "mail 553 5.7.1 sender not allowed\n"
	    "mail 552 5.3.4 message size exceeds fixed limit\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 553);
	ck_assert_msg(strstr(r.err, "sender") != NULL && strstr(r.err, "mail.from") != NULL &&
	    strstr(r.err, "553 5.7.1 sender not allowed") != NULL, "err: %s", r.err);
	smtp_report_release(&r);
	ck_assert_int_eq(send_one(s, &r), SMTP_PERMFAIL);
	ck_assert_int_eq(r.code, 552);
	smtp_report_release(&r);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_stored(&v, 1, msg, sizeof msg - 1, 0);
}
END_TEST

/* STARTTLS off against a server that insists on it: 530 to MAIL FROM, a setting to fix. */
START_TEST(test_tls_off_but_server_requires_it)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char cert[PATH_MAX + 16], key[PATH_MAX + 16];

	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--require-starttls", "--tls-cert", cert, "--tls-key", key, NULL);
	o = options(v.url);
	o.starttls = STARTTLS_OFF;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 530);
	ck_assert_msg(strstr(r.err, "mail.starttls") != NULL, "err: %s", r.err);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
}
END_TEST

START_TEST(test_drop_mid_data)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "drop\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: <message data, 247 bytes>"));
	ck_assert_ptr_null(strstr(r.dialogue, "S: 250 2.0.0"));
	ck_assert_msg(strstr(r.err, "the message") != NULL, "err: %s", r.err);
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	assert_nothing_stored(&v);
	ck_assert_int_eq(log_count(&v, " * drop"), 1);
}
END_TEST

START_TEST(test_stall_times_out)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	double t0, dt;

	srv_start(&v, "stall\n", NULL);
	o = options(v.url);
	o.timeout = 2;
	s = smtp_open(&o);
	t0 = unit_now_secs();
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	dt = unit_now_secs() - t0;
	ck_assert_msg(dt >= 1.8 && dt < 4.0, "took %.2f s", dt);
	ck_assert_msg(strstr(r.err, "timed out after 2 s") != NULL &&
	    strstr(r.err, "the message") != NULL, "err: %s", r.err);
	smtp_report_release(&r);
	t0 = unit_now_secs();
	smtp_close(s);
	ck_assert_msg(unit_now_secs() - t0 < 1.0, "closing took %.2f s", unit_now_secs() - t0);
	srv_stop(&v);
	assert_nothing_stored(&v);
}
END_TEST

/* After a failure the connection is dropped; the next message opens a fresh one. */
START_TEST(test_fresh_connection_after_failure)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;

	srv_start(&v, "ok\n554 5.7.1 rejected\nok\n", NULL);
	o = options(v.url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	smtp_report_release(&r);
	ck_assert_int_eq(send_one(s, &r), SMTP_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "(connection reused)"));
	smtp_report_release(&r);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_ptr_null(strstr(r.dialogue, "(connection reused)"));
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: EHLO "));
	ck_assert_str_eq(r.reply, "250 2.0.0 Ok: queued as T0002");
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	ck_assert_int_eq(log_count(&v, " * connect "), 2);
	ck_assert_int_eq(log_count(&v, " C: EHLO "), 2);
	assert_stored(&v, 2, msg, sizeof msg - 1, 0);
}
END_TEST

/*
 * A connection the server closed while idle is not reused: a plain one libcurl sees is
 * closed; over TLS it takes the close_notify for life, the MAIL FROM fails unanswered, and
 * smtp_send tries again on a new connection. With dsn on (loops 2 and 3) smtp.c speaks the
 * transaction itself before libcurl 8.16, and finds the plain connection closed the same way.
 */
START_TEST(test_server_closed_idle_connection)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16], url[80];
	int tls = _i % 2 == 1, dsn = _i >= 2;
	int raw = dsn && curl_version_info(CURLVERSION_NOW)->version_num < 0x081000;

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	if (tls)
		srv_start(&v, NULL, "--idle-timeout", "0.5", "--smtps", "--tls-cert", cert,
		    "--tls-key", key, NULL);
	else
		srv_start(&v, NULL, "--idle-timeout", "0.5", NULL);
	snprintf(url, sizeof url, "%s://127.0.0.1:%d", tls ? "smtps" : "smtp", v.port);
	o = options(url);
	o.ca_file = ca;
	o.dsn = dsn;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	smtp_report_release(&r);
	usleep(1200 * 1000);
	/* Over TLS the server waits for the client's close_notify before it closes. */
	if (!tls)
		ck_assert_int_eq(log_count(&v, " * close"), 1);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: EHLO "));
	if (raw) {
		ck_assert_msg(strncmp(r.dialogue, "(connection reused)\r\n(the server does not "
		    "offer DSN: none requested)\r\nC: MAIL FROM:<" FROM ">\r\n(connection lost "
		    "before an answer; trying a new connection)\r\nS: 220 ", 174) == 0, "%s",
		    r.dialogue);
	} else if (tls) {
		ck_assert_msg(strncmp(r.dialogue, "(connection reused)\r\nC: MAIL FROM:<" FROM
		    ">", 40) == 0, "%s", r.dialogue);
		ck_assert_ptr_nonnull(strstr(r.dialogue, "\r\n(connection lost before an "
		    "answer; trying a new connection)\r\nS: 220 "));
		assert_fingerprint(r.tls_fingerprint);
	} else
		ck_assert_ptr_null(strstr(r.dialogue, "(connection reused)"));
	ck_assert_str_eq(r.reply, "250 2.0.0 Ok: queued as T0002");
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	ck_assert_int_eq(log_count(&v, " * connect "), 2);
	assert_stored(&v, 2, msg, sizeof msg - 1, tls);
}
END_TEST

/* The server went away between two messages: a failure to connect, nothing reused. */
START_TEST(test_server_gone)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16], url[80];

	path_in(ca, sizeof ca, tls_dir, "ca.pem");
	path_in(cert, sizeof cert, tls_dir, "cert.pem");
	path_in(key, sizeof key, tls_dir, "key.pem");
	srv_start(&v, NULL, "--smtps", "--tls-cert", cert, "--tls-key", key, NULL);
	snprintf(url, sizeof url, "smtps://127.0.0.1:%d", v.port);
	o = options(url);
	o.ca_file = ca;
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	assert_fingerprint(r.tls_fingerprint);
	smtp_report_release(&r);
	srv_stop(&v);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_msg(strstr(r.err, "cannot connect to smtps://127.0.0.1:") != NULL,
	    "err: %s", r.err);
	ck_assert_str_eq(r.tls_fingerprint, "");
	ck_assert_int_eq(r.code, 0);
	smtp_report_release(&r);
	smtp_close(s);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char url[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago and that nobody listens on. */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", ntohs(sa.sin_port));
	close(fd);
	o = options(url);
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_TEMPFAIL);
	ck_assert_int_eq(r.code, 0);
	ck_assert_msg(strstr(r.err, "cannot connect to smtp://127.0.0.1:") != NULL,
	    "err: %s", r.err);
	ck_assert_str_eq(r.dialogue, "");
	smtp_report_release(&r);
	smtp_close(s);
}
END_TEST

/* An address that would smuggle a command is refused before anything is sent. */
START_TEST(test_bad_address)
{
	struct smtp_options o = options("smtp://127.0.0.1:1");
	struct smtp_session *s = smtp_open(&o);
	struct smtp_report r;

	ck_assert_int_eq(smtp_send(s, FROM, "anna@example.net>\r\nRCPT TO:<x@example.com", NULL,
	    msg, sizeof msg - 1, &r), SMTP_PERMFAIL);
	ck_assert_ptr_null(strchr(r.err, '\r'));
	ck_assert_ptr_null(strchr(r.err, '\n'));
	ck_assert_str_eq(r.dialogue, "");
	smtp_report_release(&r);
	ck_assert_int_eq(smtp_send(s, "a b@example.org", RCPT, NULL, msg, sizeof msg - 1, &r),
	    SMTP_PERMFAIL);
	smtp_report_release(&r);
	smtp_close(s);
}
END_TEST

START_TEST(test_helo_name)
{
	struct srv v;
	struct smtp_options o;
	struct smtp_session *s;
	struct smtp_report r;
	char *json;

	srv_start(&v, NULL, NULL);
	o = options(v.url);
	o.helo = "mail.trainer.example";
	s = smtp_open(&o);
	ck_assert_int_eq(send_one(s, &r), SMTP_SENT);
	ck_assert_ptr_nonnull(strstr(r.dialogue, "C: EHLO mail.trainer.example\r\n"));
	smtp_report_release(&r);
	smtp_close(s);
	srv_stop(&v);
	json = stored(&v, 1, "json", NULL);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, "\"helo\": \"mail.trainer.example\""));
	free(json);
}
END_TEST

static Suite *
smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc = tcase_create("server");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plain_send);
	tcase_add_test(tc, test_one_connection);
	tcase_add_test(tc, test_starttls_required);
	tcase_add_test(tc, test_starttls_required_not_offered);
	tcase_add_test(tc, test_opportunistic_plain);
	tcase_add_test(tc, test_opportunistic_tls);
	tcase_add_test(tc, test_smtps);
	tcase_add_test(tc, test_wrong_ca);
	tcase_add_loop_test(tc, test_auth_ok, 0, 3);
	tcase_add_test(tc, test_auth_wrong_password);
	tcase_add_test(tc, test_starttls_then_auth);
	tcase_add_test(tc, test_script_451);
	tcase_add_test(tc, test_script_554);
	tcase_add_test(tc, test_rcpt_refused);
	tcase_add_test(tc, test_sender_refused);
	tcase_add_test(tc, test_tls_off_but_server_requires_it);
	tcase_add_test(tc, test_drop_mid_data);
	tcase_add_test(tc, test_stall_times_out);
	tcase_add_test(tc, test_fresh_connection_after_failure);
	tcase_add_loop_test(tc, test_server_closed_idle_connection, 0, 4);
	tcase_add_test(tc, test_server_gone);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_bad_address);
	tcase_add_test(tc, test_helo_name);
	tcase_add_test(tc, test_dsn_not_offered);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(smtp_suite)
