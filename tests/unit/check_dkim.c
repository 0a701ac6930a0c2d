/*
 * dkim: keys made by the openssl command (RSA in PKCS#8 and PKCS#1, too small, EC,
 * encrypted, not a key), a real message signed and checked by libopendkim's verifier with
 * the DNS record we print, one changed byte failing it, and what `noshowd -t` says.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "config.h"
#include "dkim.h"
#include "message.h"
#include "unit.h"
#include "util.h"

#define T0	((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

static char dir[PATH_MAX - 256];

static const char *
key_path(const char *name)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
sh(const char *fmt, const char *arg)
{
	char cmd[2 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(EXIT_FAILURE);
	}
}

static void
suite_setup(void)
{
	unit_mkdtemp(dir, sizeof(dir), "check_dkim");
	sh("cd %s && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem"
	    " 2>/dev/null && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
	    "-out rsa1024.pem 2>/dev/null && openssl genpkey -algorithm RSA -pkeyopt "
	    "rsa_keygen_bits:512 -out rsa512.pem 2>/dev/null && openssl genpkey -algorithm EC "
	    "-pkeyopt ec_paramgen_curve:prime256v1 -out ec.pem 2>/dev/null && openssl pkey "
	    "-in rsa2048.pem -traditional -out pkcs1.pem && openssl pkey -in rsa2048.pem "
	    "-aes256 -passout pass:secret -out encrypted.pem && echo not a key >junk.pem && "
	    "openssl pkey -in rsa2048.pem -pubout -outform DER | sha256sum | cut -c1-64 "
	    ">rsa2048.sha256%.0s", dir);
}

static void
suite_teardown(void)
{
	unit_rm_tree(dir);
}

START_TEST(test_key_load)
{
	struct dkim_key k;
	char err[ERR_MAX], want[80] = "";
	FILE *f = fopen(key_path("rsa2048.sha256"), "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_int_eq(dkim_key_load(key_path("rsa2048.pem"), &k, err), 0);
	ck_assert_int_eq(k.bits, 2048);
	ck_assert_str_eq(k.sha256, want);
	ck_assert_ptr_nonnull(strstr(k.pem, "-----BEGIN PRIVATE KEY-----"));
	dkim_key_release(&k);
	/* opendkim-genkey writes PKCS#1: the same key, the same hash */
	ck_assert_int_eq(dkim_key_load(key_path("pkcs1.pem"), &k, err), 0);
	ck_assert_str_eq(k.sha256, want);
	dkim_key_release(&k);
	ck_assert_int_eq(dkim_key_load(key_path("rsa1024.pem"), &k, err), 0);
	ck_assert_int_eq(k.bits, 1024);
	dkim_key_release(&k);
}
END_TEST

static void
refused(const char *name, const char *want)
{
	struct dkim_key k;
	char err[ERR_MAX];

	ck_assert_int_eq(dkim_key_load(key_path(name), &k, err), -1);
	ck_assert_msg(strstr(err, want) != NULL, "%s: \"%s\" not in \"%s\"", name, want, err);
	ck_assert_msg(strstr(err, key_path(name)) != NULL, "%s: path not in \"%s\"", name, err);
	ck_assert_msg(strstr(err, "openssl genpkey") != NULL, "%s: no fix in \"%s\"", name, err);
	ck_assert_ptr_null(k.pem);
}

START_TEST(test_key_refused)
{
	refused("missing.pem", "cannot read the DKIM key");
	refused("ec.pem", "is an EC key; rsa-sha256 signing needs an RSA key");
	refused("rsa512.pem", "has 512 bits");
	refused("encrypted.pem", "not an unencrypted PEM private key");
	refused("junk.pem", "not an unencrypted PEM private key");
}
END_TEST

/*
 * A key loaded as a systemd credential is systemd's copy (an empty line when the file is
 * missing): the fix names the file LoadCredential= reads, not the copy.
 */
START_TEST(test_key_refused_credential)
{
	struct dkim_key k;
	char err[ERR_MAX];

	setenv("CREDENTIALS_DIRECTORY", key_path(""), 1);
	ck_assert_int_eq(dkim_key_load(key_path("junk.pem"), &k, err), -1);
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_msg(strstr(err, "-out /etc/noshowd/dkim.key") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "LoadCredential=dkim.key:") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "junk.pem`") == NULL, "the copy named as the file to make: %s",
	    err);
}
END_TEST

/* The TXT record's strings joined, as a resolver hands them over. */
static char *
txt_joined(const char *line)
{
	struct buf b;
	const char *p = strstr(line, " IN TXT ");

	buf_init(&b);
	ck_assert_ptr_nonnull(p);
	for (p = strchr(p, '"'); p != NULL; p = strchr(p + 1, '"')) {
		const char *e = strchr(p + 1, '"');

		ck_assert_ptr_nonnull(e);
		ck_assert_msg(e - p - 1 <= 255, "a TXT string over 255 characters");
		buf_add(&b, p + 1, (size_t)(e - p - 1));
		p = e;
	}
	return buf_detach(&b);
}

START_TEST(test_txt)
{
	struct dkim_key k;
	char err[ERR_MAX], *line, *txt, *want;

	ck_assert_int_eq(dkim_key_load(key_path("rsa2048.pem"), &k, err), 0);
	line = dkim_key_txt(&k, "ns1", "example.nl");
	ck_assert_ptr_eq(strstr(line, "ns1._domainkey.example.nl. IN TXT \"v=DKIM1; k=rsa; \" "
	    "\"p=MIIBIjAN"), line);
	ck_assert_ptr_null(strchr(line, '\n'));
	txt = txt_joined(line);
	want = xasprintf("v=DKIM1; k=rsa; p=%s", k.public_b64);
	ck_assert_str_eq(txt, want);
	free(line), free(txt), free(want);
	dkim_key_release(&k);
}
END_TEST

static char *verify_txt;	/* what the key lookup answers */

static DKIM_CBSTAT
lookup(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t len)
{
	(void)d, (void)sig;
	snprintf((char *)buf, len, "%s", verify_txt);
	return DKIM_CBSTAT_CONTINUE;
}

/* libopendkim's verifier, fed the record dkim_key_txt() prints. */
static DKIM_STAT
verify(const char *data, size_t len)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st;
	DKIM *d;

	ck_assert_ptr_nonnull(lib);
	dkim_set_key_lookup(lib, lookup);
	d = dkim_verify(lib, (const unsigned char *)"test", NULL, &st);
	ck_assert_ptr_nonnull(d);
	dkim_chunk(d, (unsigned char *)data, len);
	dkim_chunk(d, NULL, 0);
	st = dkim_eom(d, NULL);
	dkim_free(d);
	dkim_close(lib);
	return st;
}

static void
build(struct buf *msg)
{
	struct message m = {
		.from_name = "Sanne Bakker", .from_addr = "sanne@example.nl",
		.to_name = "Ronda Jansen", .to_addr = "ronda@example.nl",
		.subject = "Bevestiging: Assertiviteitstraining (NS-6ED7-AU)",
		.body = "Beste Ronda,\n\nTot dinsdag.  \n\n\n",
		.message_id = "<abc.noshowd@example.nl>", .date = T0, .zone = "Europe/Amsterdam",
		.ref = "NS-6ED7-AU", .kind = "confirmation", .language = "nl",
	};
	char err[ERR_MAX];

	buf_init(msg);
	ck_assert_int_eq(message_build(&m, msg, err), 0);
}

/* The h= tag's header names, lower case, each followed by ':'. */
static char *
signed_list(const char *h)
{
	struct buf compact, b;
	const char *p;

	buf_init(&compact), buf_init(&b);
	for (p = h; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			buf_addch(&compact, *p);
	p = strstr(compact.data, ";h=");
	ck_assert_ptr_nonnull(p);
	for (p += 3; *p && *p != ';'; p++)
		buf_addch(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
	buf_addch(&b, ':');
	buf_release(&compact);
	return buf_detach(&b);
}

/* A copy of the signed message with `from` (its first occurrence) replaced by `to`. */
static char *
altered(const struct buf *signed_msg, const char *from, const char *to, size_t *len)
{
	const char *p = strstr(signed_msg->data, from);
	struct buf b;

	ck_assert_ptr_nonnull(p);
	buf_init(&b);
	buf_add(&b, signed_msg->data, (size_t)(p - signed_msg->data));
	buf_addstr(&b, to);
	buf_addstr(&b, p + strlen(from));
	*len = b.len;
	return buf_detach(&b);
}

START_TEST(test_sign)
{
	struct dkim_key k;
	struct buf msg, out, again, info;
	char err[ERR_MAX], *h, *list, *bad, *want;
	size_t off, n;
	static const char *const must[] = { "from:", "to:", "subject:", "date:", "message-id:",
	    "mime-version:", "content-type:", "x-noshowd-ref:", "x-noshowd-kind:", NULL };

	ck_assert_int_eq(dkim_key_load(key_path("rsa2048.pem"), &k, err), 0);
	verify_txt = dkim_key_txt(&k, "ns1", "example.nl");
	bad = txt_joined(verify_txt);
	free(verify_txt);
	verify_txt = bad;
	build(&msg);
	buf_init(&out), buf_init(&again), buf_init(&info);
	ck_assert_int_eq(dkim_sign_message(&k, "ns1", "example.nl", msg.data, msg.len, T0, &out,
	    &info, err), 0);
	ck_assert_ptr_eq(strstr(out.data, "DKIM-Signature: v=1; "), out.data);
	/* the message follows unchanged, right after the header's CRLF */
	off = out.len - msg.len;
	ck_assert_mem_eq(out.data + off, msg.data, msg.len);
	ck_assert_mem_eq(out.data + off - 2, "\r\n", 2);
	for (size_t i = 0; i < off; i++)
		ck_assert_msg(out.data[i] != '\n' || (i > 0 && out.data[i - 1] == '\r'),
		    "a bare LF in the header");
	h = xstrndup(out.data, off);
	ck_assert_ptr_nonnull(strstr(h, " a=rsa-sha256;"));
	ck_assert_ptr_nonnull(strstr(h, " c=relaxed/relaxed;"));
	ck_assert_ptr_nonnull(strstr(h, " d=example.nl;"));
	ck_assert_ptr_nonnull(strstr(h, " s=ns1;"));
	ck_assert_ptr_nonnull(strstr(h, "t=1767225600;"));
	list = signed_list(h);
	for (int i = 0; must[i] != NULL; i++)
		ck_assert_msg(strstr(list, must[i]) == list || strstr(list, must[i])[-1] == ':',
		    "%s not signed: %s", must[i], list);
	/* From oversigned: once more than the message has it */
	ck_assert_ptr_nonnull(strstr(strstr(list, "from:") + 5, "from:"));
	ck_assert_ptr_null(strstr(list, "dkim-signature"));
	want = xasprintf("{\"domain\":\"example.nl\",\"selector\":\"ns1\",\"key_sha256\":\"%s\"}",
	    k.sha256);
	ck_assert_str_eq(info.data, want);
	/* the same message at the same time signs to the same bytes */
	ck_assert_int_eq(dkim_sign_message(&k, "ns1", "example.nl", msg.data, msg.len, T0,
	    &again, NULL, err), 0);
	ck_assert_uint_eq(again.len, out.len);
	ck_assert_mem_eq(again.data, out.data, out.len);
	/* libopendkim's verifier, with the published record, accepts it ... */
	ck_assert_int_eq(verify(out.data, out.len), DKIM_STAT_OK);
	/* ... and not with one byte of the body, of a signed header, or a second From */
	bad = altered(&out, "Tot dinsdag", "Tot Dinsdag", &n);
	ck_assert_int_eq(verify(bad, n), DKIM_STAT_BADSIG);
	free(bad);
	bad = altered(&out, "X-Noshowd-Ref: NS-6ED7-AU", "X-Noshowd-Ref: NS-6ED7-AV", &n);
	ck_assert_int_eq(verify(bad, n), DKIM_STAT_BADSIG);
	free(bad);
	bad = altered(&out, "\r\nTo: ", "\r\nFrom: mallory@example.com\r\nTo: ", &n);
	ck_assert_int_eq(verify(bad, n), DKIM_STAT_BADSIG);
	free(bad);
	free(h), free(list), free(want), free(verify_txt);
	buf_release(&msg), buf_release(&out), buf_release(&again), buf_release(&info);
	dkim_key_release(&k);
}
END_TEST

START_TEST(test_sign_refused)
{
	struct dkim_key k = { 0 };
	struct buf msg, out;
	char err[ERR_MAX];

	k.pem = xstrdup("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	build(&msg);
	buf_init(&out);
	ck_assert_int_eq(dkim_sign_message(&k, "ns1", "example.nl", msg.data, msg.len, T0, &out,
	    NULL, err), -1);
	ck_assert_msg(strncmp(err, "dkim: ", 6) == 0, "%s", err);
	ck_assert_uint_eq(out.len, 0);
	buf_release(&msg), buf_release(&out);
	dkim_key_release(&k);
}
END_TEST

/* What `noshowd -t` prints for a configuration with these DKIM settings. */
static int
check(const char *key, const char *from, char **out, char **errs)
{
	struct config c;
	size_t n1, n2;
	FILE *o = open_memstream(out, &n1), *e = open_memstream(errs, &n2);
	int rc;

	config_defaults(&c);
	c.mail.dkim_domain = xstrdup("example.nl");
	c.mail.dkim_selector = xstrdup("ns1");
	c.mail.dkim_key_file = xstrdup(key_path(key));
	free(c.mail.from);
	c.mail.from = xstrdup(from);
	rc = dkim_check_config(&c, o, e);
	fclose(o), fclose(e);
	config_release(&c);
	return rc;
}

START_TEST(test_check_config)
{
	char *out, *errs;

	ck_assert_int_eq(check("rsa2048.pem", "sanne@example.nl", &out, &errs), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_nonnull(strstr(out, "\nns1._domainkey.example.nl. IN TXT \"v=DKIM1; k=rsa; "));
	free(out), free(errs);
	/* a subdomain aligns (relaxed) */
	ck_assert_int_eq(check("rsa2048.pem", "sanne@mail.example.nl", &out, &errs), 0);
	ck_assert_str_eq(errs, "");
	free(out), free(errs);
	ck_assert_int_eq(check("rsa2048.pem", "sanne@notexample.nl", &out, &errs), 0);
	ck_assert_ptr_nonnull(strstr(errs, "mail.dkim.domain: warning: the sender "
	    "sanne@notexample.nl is not in the domain \"example.nl\""));
	free(out), free(errs);
	ck_assert_int_eq(check("rsa1024.pem", "sanne@example.nl", &out, &errs), 0);
	ck_assert_ptr_nonnull(strstr(errs, "mail.dkim.key_file: warning: the key "));
	ck_assert_ptr_nonnull(strstr(errs, "has 1024 bits; use 2048"));
	free(out), free(errs);
	ck_assert_int_eq(check("ec.pem", "sanne@example.nl", &out, &errs), -1);
	ck_assert_ptr_nonnull(strstr(errs, "mail.dkim.key_file: the DKIM key "));
	ck_assert_ptr_nonnull(strstr(errs, "ec.pem is an EC key"));
	ck_assert_str_eq(out, "");
	free(out), free(errs);
}
END_TEST

static Suite *
dkim_suite(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc = tcase_create("dkim");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_load);
	tcase_add_test(tc, test_key_refused);
	tcase_add_test(tc, test_key_refused_credential);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_sign);
	tcase_add_test(tc, test_sign_refused);
	tcase_add_test(tc, test_check_config);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dkim_suite)
