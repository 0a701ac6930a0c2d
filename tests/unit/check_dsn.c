/*
 * dsn.c, dsntext.c and mime.c: every sample in tests/unit/data/dsn read to the expected
 * fields (LF and CRLF alike), mail that is not a delivery report left alone, malformed
 * reports failing with the line that is wrong, limits, and every sample truncated at every
 * length and with bytes overwritten, each copy in a buffer of exactly its size so that the
 * sanitizer build (`make SANITIZE=address,undefined build/tests/check_dsn`) sees any read
 * past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "dsntext.h"
#include "mime.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/unit/data/dsn/"

static char *
slurp(const char *path, size_t *len)
{
	char err[ERR_MAX];
	char *d = read_file(path, 1 << 22, len, err);

	ck_assert_msg(d != NULL, "%s (run the tests from the top of the repo)", err);
	return d;
}

/* A copy of p[0..n) with CRLF line ends. */
static char *
to_crlf(const char *p, size_t n, size_t *out)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			buf_addch(&b, '\r');
		buf_addch(&b, p[i]);
	}
	*out = b.len;
	return buf_detach(&b);
}

/* Parse from a buffer of exactly n bytes, no NUL after them. */
static int
parse_exact(const char *p, size_t n, struct dsn_report *r, char err[ERR_MAX])
{
	char *copy = malloc(n > 0 ? n : 1);
	int rc;

	memcpy(copy, p, n);
	rc = dsn_parse(copy, n, r, err);
	free(copy);
	return rc;
}

static int
is_empty(const struct dsn_report *r)
{
	return r->standard == 0 && r->envid == NULL && r->reporting_mta == NULL &&
	    r->original_message_id == NULL && r->arrival_date == NULL && r->rcpts == NULL &&
	    r->nrcpts == 0;
}

/* A string the parser hands out: NULL, or short, UTF-8, free of control characters. */
static int
clean_string(const char *s)
{
	if (s == NULL)
		return 1;
	if (s[0] == '\0' || strlen(s) > DSN_VALUE_MAX || !utf8_valid(s, strlen(s), NULL))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* What must hold for any input, however broken. */
static void
check_invariants(int rc, const struct dsn_report *r, const char *err, const char *what)
{
	ck_assert_msg(rc == -1 || rc == 0 || rc == 1, "%s: rc %d", what, rc);
	if (rc != 0) {
		ck_assert_msg(is_empty(r), "%s: rc %d but the report is not empty", what, rc);
		if (rc == -1)
			ck_assert_msg(strncmp(err, "delivery report: ", 17) == 0,
			    "%s: err \"%s\"", what, err);
		return;
	}
	ck_assert_msg(r->nrcpts >= 1 && r->nrcpts <= DSN_MAX_RCPTS, "%s: %zu recipients", what,
	    r->nrcpts);
	ck_assert(clean_string(r->envid) && clean_string(r->reporting_mta) &&
	    clean_string(r->original_message_id) && clean_string(r->arrival_date));
	for (size_t i = 0; i < r->nrcpts; i++) {
		const struct dsn_recipient *rc_ = &r->rcpts[i];

		ck_assert_msg(rc_->final_recipient != NULL, "%s: recipient %zu without address",
		    what, i);
		ck_assert_msg(rc_->action != DSN_NONE, "%s: recipient %zu without action", what, i);
		ck_assert(clean_string(rc_->final_recipient) &&
		    clean_string(rc_->original_recipient) && clean_string(rc_->remote_mta) &&
		    clean_string(rc_->diagnostic));
		ck_assert(memchr(rc_->status, '\0', sizeof(rc_->status)) != NULL);
		ck_assert(rc_->status[0] == '\0' || (strchr("245", rc_->status[0]) &&
		    rc_->status[1] == '.'));
	}
}

struct expect {
	const char *file;
	int rc, standard;
	const char *envid, *reporting_mta, *msgid;
	size_t nrcpts;
	const char *rcpt, *orig;	/* of the first recipient */
	enum dsn_action action;
	const char *status, *remote_mta, *diag;	/* diag: a part of it */
};

#define ID(x) "<20261123." x "@trainer.nl>"
/* A report of Postfix 3.7 from dsn_e2e.sh: ENVID and returned Message-ID are noshowd's. */
#define PF37(name, hex, rcpt, orig, action, status, diag) { "postfix37-" name ".eml", 0, 1, \
	"<" hex ".noshowd@trainer.test>", "mx.noshow.test", "<" hex ".noshowd@trainer.test>", \
	1, rcpt, orig, action, status, NULL, diag }

static const struct expect samples[] = {
	{ "postfix-failure.eml", 0, 1, ID("NS-7KQ2.confirmation.1"), "mail.sail.example.nl",
	    ID("NS-7KQ2.confirmation.1"), 1, "jan.jansen@example.com", "Jan.Jansen@example.com",
	    DSN_FAILED, "5.1.1", "mx.example.com",
	    "550 5.1.1 <jan.jansen@example.com>: Recipient address rejected: User unknown in "
	    "virtual mailbox table" },
	{ "postfix-success.eml", 0, 1, ID("NS-7KQ3.confirmation.1"), "mx.example.com",
	    ID("NS-7KQ3.confirmation.1"), 1, "marie@example.com", "marie@example.com",
	    DSN_DELIVERED, "2.0.0", NULL, "delivery via dovecot service: delivered to mailbox" },
	{ "postfix-delayed.eml", 0, 1, ID("NS-8AB1.payment-reminder.1"), "mail.sail.example.nl",
	    ID("NS-8AB1.payment-reminder.1"), 1, "kees@slow.example.org", "kees@slow.example.org",
	    DSN_DELAYED, "4.4.1", NULL, "[203.0.113.9]:25: Connection timed out" },
	/* Real reports of Debian's Postfix 3.7 (tests/integration/dsn_e2e.sh), as it wrote
	   them: the recipient behind an alias, a deferral, its expiry, the expansion. */
	PF37("success", "af236ddd12725863fe5ed49043d3b613", "anna@example.test",
	    "anna@example.test", DSN_DELIVERED, "2.0.0",
	    "delivery via virtual: delivered to maildir"),
	PF37("failure", "afc15f576da94d2406f4ae15ff344fe1", "gone@bounce.test",
	    "gone@example.test", DSN_FAILED, "5.1.1", "mailbox unavailable (test)"),
	PF37("delayed", "20f0cd494a3c634bb1361f3bb27b1f73", "slow@defer.test",
	    "slow@example.test", DSN_DELAYED, "4.4.1", "mailbox busy, try again later (test)"),
	PF37("expired", "20f0cd494a3c634bb1361f3bb27b1f73", "slow@defer.test",
	    "slow@example.test", DSN_FAILED, "4.4.1", "mailbox busy, try again later (test)"),
	PF37("expanded", "afc15f576da94d2406f4ae15ff344fe1", "gone@example.test",
	    "gone@example.test", DSN_EXPANDED, "2.0.0", "alias expanded"),
	{ "office365-ndr.eml", 0, 1, NULL, "AM0PR01MB6789.eurprd01.prod.exchangelabs.com",
	    ID("NS-9ZZ4.confirmation.1"), 1, "piet@contoso.com", NULL, DSN_FAILED, "5.1.10",
	    NULL, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found" },
	{ "gmail.eml", 0, 1, NULL, "googlemail.com", ID("NS-3QW7.seat-available.1"), 1,
	    "Anna.Bakker@example.net", NULL, DSN_FAILED, "5.1.1", "mx.example.net",
	    "550 5.1.1 <anna.bakker@example.net>" },
	{ "sendmail-dsn.eml", 0, 1, ID("NS-2PP9.dunning-2.1"), "mail.example.edu",
	    ID("NS-2PP9.dunning-2.1"), 3, "henk@example.edu", NULL, DSN_FAILED, "5.1.1",
	    "mailhost.example.edu", "User unknown (see https://example.edu/help)" },
	{ "rfc6533-global.eml", 0, 1, ID("NS-JG1.confirmation.1"), "mx.b\xc3\xbc" "cher.example",
	    ID("NS-JG1.confirmation.1"), 1, "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL,
	    DSN_FAILED, "5.2.2", NULL, "552 5.2.2 Mailbox vol" },
	{ "exim.eml", 0, 0, NULL, NULL, ID("NS-5TT1.release.1"), 1, "sophie@example.org", NULL,
	    DSN_FAILED, "5.1.1", NULL, "SMTP error from remote mail server after RCPT TO" },
	{ "exim-delayed.eml", 0, 0, NULL, NULL, NULL, 1, "thomas@down.example.org", NULL,
	    DSN_DELAYED, "4.3.0", NULL, "451 4.3.0 Temporary lookup failure" },
	{ "qmail.eml", 0, 0, NULL, "mail.example.com", ID("NS-4RR8.cancellation.1"), 2,
	    "lisa@example.com", NULL, DSN_FAILED, "5.1.1", NULL,
	    "Remote host said: 550 5.1.1 <lisa@example.com>" },
	{ "sendmail-returned.eml", 0, 0, NULL, NULL, ID("NS-2PP9.dunning-1.1"), 1,
	    "henk@old.example.edu", NULL, DSN_FAILED, "5.1.1", NULL, "(reason: 550 5.1.1" },
	{ "outlook-out-of-office.eml", 1, 0, NULL, NULL, NULL, 0, NULL, NULL, DSN_NONE, "",
	    NULL, NULL },
	{ "thunderbird-read-receipt.eml", 1, 0, NULL, NULL, NULL, 0, NULL, NULL, DSN_NONE, "",
	    NULL, NULL },
	{ "customer-reply.eml", 1, 0, NULL, NULL, NULL, 0, NULL, NULL, DSN_NONE, "", NULL,
	    NULL },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static void
assert_str(const char *got, const char *want, const char *file, const char *field)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: %s is \"%s\", want none", file, field, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s is \"%s\", want \"%s\"",
		    file, field, got ? got : "(none)", want);
}

static void
check_sample(const struct expect *e, const char *data, size_t len)
{
	struct dsn_report r;
	char err[ERR_MAX];
	int rc = parse_exact(data, len, &r, err);

	ck_assert_msg(rc == e->rc, "%s: rc %d (%s), want %d", e->file, rc, err, e->rc);
	check_invariants(rc, &r, err, e->file);
	if (rc == 0) {
		const struct dsn_recipient *rc0 = &r.rcpts[0];

		ck_assert_int_eq(r.standard, e->standard);
		assert_str(r.envid, e->envid, e->file, "envid");
		assert_str(r.reporting_mta, e->reporting_mta, e->file, "reporting_mta");
		assert_str(r.original_message_id, e->msgid, e->file, "original_message_id");
		ck_assert_msg(r.nrcpts == e->nrcpts, "%s: %zu recipients", e->file, r.nrcpts);
		assert_str(rc0->final_recipient, e->rcpt, e->file, "final_recipient");
		assert_str(rc0->original_recipient, e->orig, e->file, "original_recipient");
		ck_assert_str_eq(dsn_action_name(rc0->action), dsn_action_name(e->action));
		ck_assert_str_eq(rc0->status, e->status);
		assert_str(rc0->remote_mta, e->remote_mta, e->file, "remote_mta");
		ck_assert_msg(rc0->diagnostic != NULL && strstr(rc0->diagnostic, e->diag) != NULL,
		    "%s: diagnostic \"%s\" lacks \"%s\"", e->file, rc0->diagnostic, e->diag);
	}
	dsn_report_free(&r);
}

START_TEST(test_sample)
{
	const struct expect *e = &samples[_i];
	char path[256];
	size_t len, clen;
	char *data, *crlf;

	snprintf(path, sizeof(path), DATA "%s", e->file);
	data = slurp(path, &len);
	check_sample(e, data, len);
	crlf = to_crlf(data, len, &clen);
	check_sample(e, crlf, clen);
	free(data);
	free(crlf);
}
END_TEST

START_TEST(test_sample_details)
{
	struct dsn_report r;
	char err[ERR_MAX];
	size_t len;
	char *data = slurp(DATA "sendmail-dsn.eml", &len);

	/* Lower-case field names, comments in types and values, a folded diagnostic. */
	ck_assert_int_eq(parse_exact(data, len, &r, err), 0);
	ck_assert_str_eq(r.arrival_date, "Mon, 23 Nov 2026 10:15:33 +0100");
	ck_assert_str_eq(r.rcpts[0].final_recipient, "henk@example.edu");
	ck_assert_str_eq(r.rcpts[1].final_recipient, "Greet@Example.EDU");
	ck_assert_str_eq(r.rcpts[1].original_recipient, "greet+noshowd@example.edu");
	ck_assert_int_eq(r.rcpts[1].action, DSN_RELAYED);
	ck_assert_str_eq(r.rcpts[1].remote_mta, "legacy.example.edu");
	ck_assert_str_eq(r.rcpts[1].diagnostic, "250 2.0.0 queued");
	ck_assert_int_eq(r.rcpts[2].action, DSN_DELAYED);
	ck_assert_str_eq(r.rcpts[2].status, "4.2.2");
	ck_assert_ptr_null(r.rcpts[2].diagnostic);
	dsn_report_free(&r);
	ck_assert(is_empty(&r));
	free(data);

	data = slurp(DATA "qmail.eml", &len);
	ck_assert_int_eq(parse_exact(data, len, &r, err), 0);
	ck_assert_str_eq(r.rcpts[1].final_recipient, "lisa.backup@example.com");
	ck_assert_str_eq(r.rcpts[1].diagnostic, "Sorry, no mailbox here by that name. (#5.1.1)");
	ck_assert_str_eq(r.rcpts[1].status, "5.1.1");
	dsn_report_free(&r);
	free(data);
	ck_assert_str_eq(dsn_action_name(DSN_EXPANDED), "expanded");
	ck_assert_str_eq(dsn_action_name(DSN_NONE), "none");
}
END_TEST

/* A minimal RFC 3464 report around the given delivery-status fields. */
static char *
report(const char *ds, const char *returned)
{
	return xasprintf("From: MAILER-DAEMON@mx.example\n"		/* line 1 */
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"B\"\n"						/* line 5 */
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "It did not work.\n"					/* line 10 */
	    "--B\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "%s"							/* line 14 */
	    "--B\n"
	    "Content-Type: text/rfc822-headers\n"
	    "\n"
	    "%s"
	    "--B--\n", ds, returned);
}

static void
expect_error(const char *msg, const char *want)
{
	struct dsn_report r;
	char err[ERR_MAX];
	int rc = parse_exact(msg, strlen(msg), &r, err);

	ck_assert_msg(rc == -1, "rc %d, want -1 with \"%s\"", rc, want);
	ck_assert_str_eq(err, want);
	ck_assert(is_empty(&r));
}

START_TEST(test_malformed)
{
	char *m;

	m = report("Reporting-MTA: dns; mx.example\n\nAction: failed\nStatus: 5.1.1\n\n", "");
	expect_error(m, "delivery report: the message/delivery-status part has no "
	    "Final-Recipient (line 16)");
	free(m);
	m = report("Reporting-MTA: dns; mx.example\nArrival-Date: today\n\n", "");
	expect_error(m, "delivery report: the message/delivery-status part (line 12) has no "
	    "recipient fields");
	free(m);
	m = report("Final-Recipient: rfc822; a@example.com\nAction: exploded\n\n", "");
	expect_error(m, "delivery report: the recipient a@example.com has an unknown Action "
	    "and no Status (line 14)");
	free(m);
	m = report("Final-Recipient: rfc822; (nobody)\nAction: failed\n\n", "");
	expect_error(m, "delivery report: the Final-Recipient field is empty (line 14)");
	free(m);
	expect_error("Content-Type: multipart/report; report-type=delivery-status\n\n--B\n\n",
	    "delivery report: the multipart/report part has no boundary parameter (line 1)");
	expect_error("Subject: x\nContent-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\n\n--C\n\n--C--\n",
	    "delivery report: the boundary of the multipart/report part (line 1) never occurs");
	expect_error("Content-Type: multipart/report; report-type=delivery-status; boundary=B\n"
	    "\n--B\nContent-Type: text/plain\n\nfailed\n--B--\n",
	    "delivery report: the multipart/report has no message/delivery-status part");
	expect_error("From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.example.\nIt did not work.\n",
	    "delivery report: the qmail bounce names no recipient");
}
END_TEST

START_TEST(test_best_effort)
{
	struct dsn_report r;
	char err[ERR_MAX];
	char *m = report("Final-Recipient: rfc822; a@example.com\nStatus: 5.7.1\n\n",
	    "Message-ID: <x@y>\n");
	char *cut;

	/* No Action: the status class says it failed. */
	ck_assert_int_eq(parse_exact(m, strlen(m), &r, err), 0);
	ck_assert_int_eq(r.rcpts[0].action, DSN_FAILED);
	ck_assert_str_eq(r.original_message_id, "<x@y>");
	dsn_report_free(&r);
	/* A boundary that never closes: the report before it still counts. */
	cut = strstr(m, "--B\nContent-Type: text/rfc822");
	ck_assert_int_eq(parse_exact(m, (size_t)(cut - m), &r, err), 0);
	ck_assert_str_eq(r.rcpts[0].status, "5.7.1");
	ck_assert_ptr_null(r.original_message_id);
	dsn_report_free(&r);
	free(m);
	/* Nothing at all, and a NULL pointer with it. */
	ck_assert_int_eq(dsn_parse(NULL, 0, &r, err), 1);
	ck_assert_int_eq(dsn_parse("", 0, &r, err), 1);
}
END_TEST

START_TEST(test_xtext_and_types)
{
	struct dsn_report r;
	char err[ERR_MAX];
	char *m = report("Original-Envelope-Id: +3Ca+2Bb+3Dc+ZZ@d+3E\n"
	    "Reporting-MTA: dns;mx.example.nl.\n\n"
	    "Final-Recipient: <a@example.com>\nOriginal-Recipient: rfc822;<B@example.com>\n"
	    "Action: Delivered (to the mailbox)\nRemote-MTA: mx2.example.nl\n\n", "");

	ck_assert_int_eq(parse_exact(m, strlen(m), &r, err), 0);
	ck_assert_str_eq(r.envid, "<a+b=c+ZZ@d>");
	ck_assert_str_eq(r.reporting_mta, "mx.example.nl");
	ck_assert_str_eq(r.rcpts[0].final_recipient, "a@example.com");
	ck_assert_str_eq(r.rcpts[0].original_recipient, "B@example.com");
	ck_assert_int_eq(r.rcpts[0].action, DSN_DELIVERED);
	ck_assert_str_eq(r.rcpts[0].status, "");
	ck_assert_str_eq(r.rcpts[0].remote_mta, "mx2.example.nl");
	dsn_report_free(&r);
	free(m);
}
END_TEST

START_TEST(test_nul_and_utf8)
{
	static const char ds[] = "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\nStatus: 5.0.0\n"
	    "Diagnostic-Code: smtp; 550 bad\0byte \xff\xfe and \xc3\xa9 \x1b[31m\n\n";
	struct dsn_report r;
	char err[ERR_MAX];
	char *m = report("@DS@", ""), *at = strstr(m, "@DS@");
	struct buf b;

	buf_init(&b);
	buf_add(&b, m, (size_t)(at - m));
	buf_add(&b, ds, sizeof(ds) - 1);
	buf_addstr(&b, at + 4);
	ck_assert_int_eq(parse_exact(b.data, b.len, &r, err), 0);
	check_invariants(0, &r, err, "nul");
	ck_assert_str_eq(r.rcpts[0].diagnostic, "550 bad byte ?? and \xc3\xa9 [31m");
	dsn_report_free(&r);
	buf_release(&b);
	free(m);
}
END_TEST

START_TEST(test_limits)
{
	struct dsn_report r;
	char err[ERR_MAX];
	struct buf ds, msg;
	char *m;

	/* 150 recipients: the first 100 are kept. */
	buf_init(&ds);
	for (int i = 0; i < 150; i++)
		buf_printf(&ds, "Final-Recipient: rfc822; r%d@example.com\nAction: failed\n\n", i);
	m = report(ds.data, "");
	ck_assert_int_eq(parse_exact(m, strlen(m), &r, err), 0);
	ck_assert_uint_eq(r.nrcpts, DSN_MAX_RCPTS);
	ck_assert_str_eq(r.rcpts[99].final_recipient, "r99@example.com");
	dsn_report_free(&r);
	free(m);
	/* A diagnostic of a megabyte, folded in 100 000 lines, and a header as long. */
	ds.len = 0;
	buf_addstr(&ds, "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Diagnostic-Code: smtp; 550");
	for (int i = 0; i < 100000; i++)
		buf_addstr(&ds, "\n too bad");
	buf_addstr(&ds, "\n\n");
	buf_init(&msg);
	buf_addstr(&msg, "X-Long: ");
	for (int i = 0; i < 100000; i++)
		buf_addstr(&msg, "0123456789");
	m = report(ds.data, "");
	buf_printf(&msg, "\n%s", m);
	ck_assert_int_eq(parse_exact(msg.data, msg.len, &r, err), 0);
	ck_assert_uint_le(strlen(r.rcpts[0].diagnostic), DSN_VALUE_MAX);
	ck_assert(strncmp(r.rcpts[0].diagnostic, "550 too bad too bad", 19) == 0);
	dsn_report_free(&r);
	free(m);
	/* Multiparts nested 1000 deep: followed only so far, then not a report. */
	msg.len = 0;
	for (int i = 0; i < 1000; i++)
		buf_printf(&msg, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_addstr(&msg, "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n");
	ck_assert_int_eq(parse_exact(msg.data, msg.len, &r, err), 1);
	buf_release(&msg);
	buf_release(&ds);
}
END_TEST

START_TEST(test_mime)
{
	struct buf b;
	char type[64];

	buf_init(&b);
	mime_content_type(" Multipart/Report (a comment) ; boundary=x", type);
	ck_assert_str_eq(type, "multipart/report");
	mime_content_type("garbage", type);
	ck_assert_str_eq(type, "text/plain");
	ck_assert(mime_param("a/b; x=1; Boundary = \"q\\\"uo;ted\" ; y=2", "boundary", &b));
	ck_assert_str_eq(b.data, "q\"uo;ted");
	ck_assert(!mime_param("a/b; boundaryx=1; q=\"boundary=2\"", "boundary", &b));
	mime_decode("base64", "aGVs\nbG8=\n", 10, &b);
	ck_assert_str_eq(b.data, "hello");
	b.len = 0;
	mime_decode(" Quoted-Printable", "a=3Db=\r\nc=\n=ZZ", 15, &b);
	ck_assert_str_eq(b.data, "a=bc=ZZ");
	buf_release(&b);
}
END_TEST

/*
 * Every sample cut at every length, and with one byte overwritten at many places by
 * bytes that matter to the parser: whatever comes out, the invariants hold.
 */
START_TEST(test_broken_variants)
{
	static const char flips[] = { '\0', '\n', '-', ':', ';', '"', '(', '\xff' };
	const struct expect *e = &samples[_i];
	struct dsn_report r;
	char err[ERR_MAX], path[256];
	size_t len;
	char *data;

	snprintf(path, sizeof(path), DATA "%s", e->file);
	data = slurp(path, &len);
	for (size_t n = 0; n <= len; n++) {
		int rc = parse_exact(data, n, &r, err);

		check_invariants(rc, &r, err, e->file);
		dsn_report_free(&r);
	}
	for (size_t at = 0; at < len; at += 3) {
		char *copy = xstrndup(data, len);
		int rc;

		copy[at] = flips[(at / 3) % sizeof(flips)];
		rc = parse_exact(copy, len, &r, err);
		check_invariants(rc, &r, err, e->file);
		dsn_report_free(&r);
		free(copy);
	}
	free(data);
}
END_TEST

static Suite *
dsn_suite(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("parse");
	TCase *fuzz = tcase_create("broken");

	tcase_add_loop_test(tc, test_sample, 0, NSAMPLES);
	tcase_add_test(tc, test_sample_details);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_best_effort);
	tcase_add_test(tc, test_xtext_and_types);
	tcase_add_test(tc, test_nul_and_utf8);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_mime);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(fuzz, test_broken_variants, 0, NSAMPLES);
	tcase_set_timeout(fuzz, 300);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, fuzz);
	return s;
}

UNIT_MAIN(dsn_suite)
