/*
 * What the parts of the SMTP client share (smtp.c: sessions over libcurl; smtpdialogue.c:
 * the dialogue kept for the evidence log; smtpraw.c: MAIL, RCPT and DATA spoken by
 * noshowd itself where libcurl cannot carry DSN parameters). Not for use outside them.
 */
#ifndef NOSHOWD_SMTPINT_H
#define NOSHOWD_SMTPINT_H

#include <curl/curl.h>
#include <time.h>

#include "smtp.h"
#include "util.h"

struct smtp_session {
	char *url;		/* as configured, plus "/HELO-NAME" when a helo name is set */
	char *label;		/* scheme://host[:port] without any user info, for messages */
	int smtps;
	enum starttls_mode starttls;
	int direct;
	char *username, *password, *ca_file;
	long timeout;
	CURL *curl;		/* NULL before the first message and after a failure */
	int connected;		/* curl holds a connection on which a message went through */
	char fingerprint[128];	/* of that connection's server certificate, or "" */
	char address[64];	/* the address it connected to */
	char errbuf[CURL_ERROR_SIZE];
	int dsn;		/* request DSNs where offered */
	int dsn_offered;	/* the connection's EHLO answer offered DSN */
	int raw;		/* the connection is CONNECT_ONLY: smtp_raw_send speaks
				   MAIL, RCPT and DATA on it */
};

/* What the callbacks of one message share. */
struct smtp_xfer {
	const char *data;
	size_t len, pos;
	struct buf dialogue;
	struct buf in, out;	/* a line not yet complete, from the server and to it */
	int in_auth;		/* AUTH was sent: client lines carry credentials until a
				   reply other than 334 */
	int reply_done;		/* the last server line ended a reply */
	int quitting;		/* QUIT was sent: its answer decides nothing */
	char reply[512];	/* the last reply (but to QUIT), lines joined by a space */
	char last_cmd[16];	/* verb of the last command, "." once the message went */
	int replies;		/* complete replies seen (but to QUIT) */
};

/* smtpdialogue.c */
void smtp_xfer_init(struct smtp_xfer *x, const char *data, size_t len);
void smtp_xfer_release(struct smtp_xfer *x);
void smtp_line_out(struct smtp_xfer *x, const char *line, size_t n);
void smtp_feed(struct smtp_xfer *x, struct buf *pending, const char *p, size_t n, int out);
void smtp_flush(struct smtp_xfer *x);
int smtp_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg);

/* smtp.c */
void smtp_leaf_fingerprint(CURL *h, char out[128]);
void smtp_reset(struct smtp_session *s, int abort);
int smtp_connection_lost(CURLcode rc);
CURLcode smtp_try(struct smtp_session *s, const char *from_arg, struct curl_slist *rcpts,
    struct smtp_xfer *x, int *reused);

/* smtpraw.c */
CURLcode smtp_try_dsn(struct smtp_session *s, const char *from, const char *rcpt,
    const char *envid, struct smtp_xfer *x, int *reused, char **requested);
void smtp_raw_quit(struct smtp_session *s);

#endif
