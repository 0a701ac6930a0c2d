/*
 * Requesting delivery status notifications (RFC 3461) when sending over SMTP: the pure
 * part. What the parameters are, whether a server's EHLO answer offers DSN, and whether
 * libcurl can put a given MAIL FROM or RCPT TO argument on the wire at all (it rewrites the
 * strings it is given, differently before and after 8.16). smtp.c does the talking.
 */
#ifndef NOSHOWD_SMTPDSN_H
#define NOSHOWD_SMTPDSN_H

#include "util.h"

/* The first libcurl that sends what follows "<address>" as it is (curl 8.16.0). */
#define SMTPDSN_CURL_SUFFIX_OK	0x081000UL

/* Append s as xtext (RFC 3461 section 4): bytes outside 0x21..0x7E, '+' and '=' as +XX. */
void smtpdsn_xtext(struct buf *b, const char *s);

/* The longest ENVID value, as xtext (RFC 3461 section 4.4). */
#define SMTPDSN_ENVID_MAX 100

/*
 * "RET=HDRS ENVID=<xtext of envid>", or "RET=HDRS" when envid is NULL, empty, or longer
 * than SMTPDSN_ENVID_MAX as xtext. envid is the Message-ID with its angle brackets: the
 * bounce collector links a report back by it, else by the Message-ID in the returned
 * headers. Returns a new string.
 */
char *smtpdsn_mail_params(const char *envid);

/* "NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;<xtext of rcpt>". Returns a new string. */
char *smtpdsn_rcpt_params(const char *rcpt);

/*
 * Whether the last EHLO answer in a dialogue (smtp_report.dialogue's "S: 250-..." lines)
 * offers DSN: 1 yes, 0 no (or no EHLO answer in it).
 */
int smtpdsn_offered(const char *dialogue);

/*
 * The string to give CURLOPT_MAIL_FROM or CURLOPT_MAIL_RCPT so that libcurl of version
 * version_num (curl_version_info()->version_num) sends exactly `arg` ("<address>" with
 * optional " PARAMS") after "MAIL FROM:" or "RCPT TO:", or NULL when that libcurl cannot.
 * Before 8.16 libcurl strips one leading '<' and one trailing '>' and writes "<...>", so
 * only an argument that ends in '>' survives: MAIL FROM with ENVID=<message-id> does, RCPT
 * TO with NOTIFY and ORCPT never does. From 8.16 on, what follows the last '>' of an
 * argument that starts with '<' is sent as it is. Returns a new string.
 */
char *smtpdsn_curl_arg(unsigned long version_num, const char *arg);

#endif
