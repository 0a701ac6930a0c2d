/*
 * A small IMAP client for the bounce collector, over libcurl's connection. libcurl
 * connects, does TLS (imaps://) or STARTTLS (imap://, when the server offers it) and logs
 * in (CURLOPT_CONNECT_ONLY); from there this module speaks the few commands it needs with
 * its own tags, and reads literals by their length. libcurl's own FETCH asks for BODY[],
 * which marks a message \Seen, and its custom commands lose literals: mail that is not a
 * delivery report must be left as it was, and a report's bytes must be exact.
 */
#ifndef NOSHOWD_IMAP_H
#define NOSHOWD_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct imap_options {
	const char *url;		/* imap://host[:port]/MAILBOX or imaps://...; no
					   mailbox: INBOX */
	const char *username;
	const char *password;		/* NULL: none */
	const char *ca_file;		/* NULL: the system's */
	long timeout;			/* seconds for the connection and each answer */
};

struct imap_message {
	uint32_t uid;
	uint64_t size;			/* RFC822.SIZE */
};

struct imap_session;

/*
 * Connect, log in and SELECT the URL's mailbox. 0 with *out and *uidvalidity set, or -1
 * with err (never the password).
 */
int imap_open(const struct imap_options *o, struct imap_session **out,
    uint32_t *uidvalidity, char err[ERR_MAX]);

/*
 * The messages whose UID is greater than `after`, in ascending order (*list, freed by the
 * caller), with their sizes. 0, or -1 with err.
 */
int imap_list_after(struct imap_session *s, uint32_t after, struct imap_message **list,
    size_t *n, char err[ERR_MAX]);

/*
 * The exact bytes of message uid (BODY.PEEK[]: its flags stay as they are) into *data
 * (freed by the caller; a NUL follows the len bytes). 0; -2 with err when the server
 * refused this one message (a tagged NO or BAD, as for a message it cannot read) and the
 * session goes on; -1 with err when the session failed.
 */
int imap_fetch(struct imap_session *s, uint32_t uid, char **data, size_t *len,
    char err[ERR_MAX]);

/*
 * Whether keyword can be set on the selected mailbox for good: its PERMANENTFLAGS name it
 * or allow new ones ("\*"; a server that names no PERMANENTFLAGS allows all, RFC 3501),
 * and it is not READ-ONLY.
 */
int imap_can_flag(const struct imap_session *s, const char *keyword);

/*
 * Add a keyword (an atom such as "$NoshowdProcessed") to message uid with UID STORE
 * +FLAGS.SILENT; other flags, \Seen among them, stay as they are. 0, or -1 with err.
 */
int imap_add_keyword(struct imap_session *s, uint32_t uid, const char *keyword,
    char err[ERR_MAX]);

/* The mailbox name the URL selects ("INBOX" when it names none). */
const char *imap_mailbox(const struct imap_session *s);

/* LOGOUT and free. */
void imap_close(struct imap_session *s);

/* The URL without user name or password, to show and to key the store by. */
char *imap_url_public(const char *url);

#endif
