/*
 * RFC 3461 requests: the parameters, the EHLO keyword and what libcurl does to them. Pure
 * functions, tested in tests/unit/check_smtpdsn.c.
 */
#include <string.h>
#include <strings.h>

#include "smtpdsn.h"
#include "util.h"

void
smtpdsn_xtext(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == '+' || *p == '=')
			buf_printf(b, "+%02X", *p);
		else
			buf_addch(b, (char)*p);
	}
}

char *
smtpdsn_mail_params(const char *envid)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "RET=HDRS");
	if (envid != NULL && envid[0] != '\0') {
		size_t at = b.len;

		buf_addstr(&b, " ENVID=");
		smtpdsn_xtext(&b, envid);
		/*
		 * RFC 3461 section 4.4 allows 100 characters; a longer one (a Message-ID of a
		 * long sender domain) would be refused with the whole MAIL command. Without it
		 * a report is linked by the Message-ID in its returned headers (RET=HDRS).
		 */
		if (b.len - at - strlen(" ENVID=") > SMTPDSN_ENVID_MAX) {
			b.len = at;
			b.data[at] = '\0';
		}
	}
	return buf_detach(&b);
}

char *
smtpdsn_rcpt_params(const char *rcpt)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;");
	smtpdsn_xtext(&b, rcpt);
	return buf_detach(&b);
}

/*
 * The keywords of an EHLO answer are its lines after the first, "250-DSN" or "250 DSN"
 * (RFC 5321 4.1.1.1; keywords are case-insensitive). A later EHLO (after STARTTLS) replaces
 * what an earlier one said, so the last answer counts.
 */
int
smtpdsn_offered(const char *dialogue)
{
	const char *p = dialogue;
	int in_ehlo = 0, first = 0, offered = 0;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= 7 && strncasecmp(p, "C: EHLO", 7) == 0) {
			in_ehlo = 1;
			first = 1;
			offered = 0;
		} else if (strncmp(p, "C: ", 3) == 0) {
			in_ehlo = 0;
		} else if (in_ehlo && n >= 7 && strncmp(p, "S: 250", 6) == 0 &&
		    (p[6] == '-' || p[6] == ' ')) {
			const char *kw = p + 7;
			size_t k = n - 7;

			if (!first && k >= 3 && strncasecmp(kw, "DSN", 3) == 0 &&
			    (k == 3 || kw[3] == ' '))
				offered = 1;
			first = 0;
			if (p[6] == ' ')
				in_ehlo = 0;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return offered;
}

char *
smtpdsn_curl_arg(unsigned long version_num, const char *arg)
{
	size_t n = strlen(arg);

	if (n < 2 || arg[0] != '<')
		return NULL;
	if (version_num >= SMTPDSN_CURL_SUFFIX_OK)
		return strchr(arg, '>') != NULL ? xstrdup(arg) : NULL;
	/* Stripped of its first '<' and last '>', and put back between "<" and ">". */
	return arg[n - 1] == '>' ? xstrdup(arg) : NULL;
}
