/*
 * smtpdsn: the RFC 3461 parameters, the EHLO keyword, and the argument strings libcurl is
 * given. For the last, a model of what libcurl writes after "MAIL FROM:" and "RCPT TO:"
 * (lib/smtp.c smtp_parse_address and the "<%s@%s>" of smtp_perform_mail/_rcpt_to; from
 * 8.16 on with the suffix after the last '>') checks that the wire gets exactly the argument
 * wanted, for a 7.88 (Debian 12) and an 8.16 version number, whatever runs here.
 */
#include <stdlib.h>
#include <string.h>

#include "smtpdsn.h"
#include "unit.h"
#include "util.h"

#define CURL_7_88	0x075801UL
#define CURL_8_16	0x081000UL

#define ENVID	"<20261123.NS-7KQ2.confirmation.1@trainer.nl>"

/* What libcurl of `version` puts on the wire for CURLOPT_MAIL_FROM/RCPT string s. */
static char *
curl_wire(unsigned long version, const char *s)
{
	char *dup = xstrdup(s[0] == '<' ? s + 1 : s), *end, *out;
	const char *suffix = "";
	size_t n = strlen(dup);

	if (version >= CURL_8_16 && s[0] == '<') {
		if ((end = strrchr(dup, '>')) != NULL) {
			*end = '\0';
			suffix = end + 1;
		}
	} else if (n > 0 && dup[n - 1] == '>') {
		dup[n - 1] = '\0';
	}
	/* Split at the first '@' and joined again with one: the same text. */
	out = xasprintf("<%s>%s", dup, suffix);
	free(dup);
	return out;
}

static char *
xtext(const char *s)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, "", 0);
	smtpdsn_xtext(&b, s);
	return buf_detach(&b);
}

START_TEST(test_xtext)
{
	char *x;

	x = xtext(ENVID);
	ck_assert_str_eq(x, ENVID);
	free(x);
	x = xtext("a+b=c d\x01\xc3\xa9@x.nl");
	ck_assert_str_eq(x, "a+2Bb+3Dc+20d+01+C3+A9@x.nl");
	free(x);
	x = xtext("");
	ck_assert_str_eq(x, "");
	free(x);
}
END_TEST

START_TEST(test_params)
{
	char *p;

	p = smtpdsn_mail_params(ENVID);
	ck_assert_str_eq(p, "RET=HDRS ENVID=" ENVID);
	free(p);
	p = smtpdsn_mail_params("<a+b@x>");
	ck_assert_str_eq(p, "RET=HDRS ENVID=<a+2Bb@x>");
	free(p);
	p = smtpdsn_mail_params(NULL);
	ck_assert_str_eq(p, "RET=HDRS");
	free(p);
	{
		/* 100 characters of xtext is the limit; one more and ENVID is left out. */
		char id[128];

		memset(id, 'a', 100);
		id[0] = '<', id[98] = '>', id[99] = '\0';	/* 99 characters */
		p = smtpdsn_mail_params(id);
		ck_assert_uint_eq(strlen(p), strlen("RET=HDRS ENVID=") + 99);
		free(p);
		id[97] = '+';	/* "+2B": 101 characters as xtext */
		p = smtpdsn_mail_params(id);
		ck_assert_str_eq(p, "RET=HDRS");
		free(p);
	}
	p = smtpdsn_rcpt_params("anna+noshow@example.net");
	ck_assert_str_eq(p, "NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;anna+2Bnoshow@example.net");
	free(p);
}
END_TEST

START_TEST(test_offered)
{
	ck_assert_int_eq(smtpdsn_offered("S: 220 mx ESMTP\r\nC: EHLO trainer.nl\r\n"
	    "S: 250-mx.test\r\nS: 250-PIPELINING\r\nS: 250-DSN\r\nS: 250 SMTPUTF8\r\n"), 1);
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250-mx\r\nS: 250 dsn\r\n"), 1);
	/* Not offered: absent, a longer keyword, the server's name, another reply. */
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250-mx\r\nS: 250 8BITMIME\r\n"), 0);
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250-mx\r\nS: 250 DSNX\r\n"), 0);
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250 DSN\r\n"), 0);
	ck_assert_int_eq(smtpdsn_offered("C: HELP\r\nS: 250-DSN\r\nS: 250 x\r\n"), 0);
	ck_assert_int_eq(smtpdsn_offered(""), 0);
	/* After STARTTLS the second EHLO answer is the one that counts. */
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250-mx\r\nS: 250 DSN\r\n"
	    "C: STARTTLS\r\nS: 220 go\r\nC: EHLO t\r\nS: 250-mx\r\nS: 250 SIZE\r\n"), 0);
	ck_assert_int_eq(smtpdsn_offered("C: EHLO t\r\nS: 250-mx\r\nS: 250 SIZE\r\n"
	    "C: STARTTLS\r\nS: 220 go\r\nC: EHLO t\r\nS: 250-mx\r\nS: 250 DSN\r\n"
	    "C: AUTH <redacted>\r\nS: 235 ok\r\n"), 1);
}
END_TEST

/* The argument is given to libcurl, and the wire gets it unchanged. */
static void
assert_carried(unsigned long version, const char *arg)
{
	char *s = smtpdsn_curl_arg(version, arg), *wire;

	ck_assert_msg(s != NULL, "%lx cannot carry %s", version, arg);
	wire = curl_wire(version, s);
	ck_assert_str_eq(wire, arg);
	free(s);
	free(wire);
}

START_TEST(test_curl_arg)
{
	const char *mail = "<trainer@trainer.nl> RET=HDRS ENVID=" ENVID;
	const char *rcpt = "<anna@example.net> NOTIFY=SUCCESS,FAILURE,DELAY "
	    "ORCPT=rfc822;anna@example.net";
	char *wire;

	/* Both: plain addresses, the null sender, and MAIL FROM with its ENVID last. */
	for (int i = 0; i < 2; i++) {
		unsigned long v = i == 0 ? CURL_7_88 : CURL_8_16;

		assert_carried(v, "<anna@example.net>");
		assert_carried(v, "<>");
		assert_carried(v, mail);
	}
	/* 8.16 sends what follows the address as it is. */
	assert_carried(CURL_8_16, rcpt);
	assert_carried(CURL_8_16, "<trainer@trainer.nl> RET=HDRS");
	/* 7.88 cannot: it would append a '>' (the bug this function exists for). */
	ck_assert_ptr_null(smtpdsn_curl_arg(CURL_7_88, rcpt));
	ck_assert_ptr_null(smtpdsn_curl_arg(CURL_7_88, "<trainer@trainer.nl> RET=HDRS"));
	wire = curl_wire(CURL_7_88, rcpt);
	ck_assert_str_eq(wire, "<anna@example.net> NOTIFY=SUCCESS,FAILURE,DELAY "
	    "ORCPT=rfc822;anna@example.net>");
	free(wire);
	/* Not an argument of the form "<address>...". */
	ck_assert_ptr_null(smtpdsn_curl_arg(CURL_8_16, "anna@example.net"));
	ck_assert_ptr_null(smtpdsn_curl_arg(CURL_8_16, "<anna@example.net"));
}
END_TEST

static Suite *
smtpdsn_suite(void)
{
	Suite *s = suite_create("smtpdsn");
	TCase *tc = tcase_create("rfc3461");

	tcase_add_test(tc, test_xtext);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_offered);
	tcase_add_test(tc, test_curl_arg);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(smtpdsn_suite)
