/*
 * Getting a source's bytes with libcurl: http://, https:// (certificates verified) and
 * file://, with conditional requests (If-None-Match / If-Modified-Since), a timeout and a
 * size cap. A body whose SHA-256 equals the previous one counts as unchanged even when the
 * server sends no validators.
 */
#ifndef NOSHOWD_FETCH_H
#define NOSHOWD_FETCH_H

#include <stddef.h>

struct fetch_validators {
	const char *etag;		/* NULL if none */
	const char *last_modified;	/* NULL if none */
	const char *body_hash;		/* hex SHA-256 of the last good body, or NULL */
};

enum fetch_status {
	FETCH_CHANGED,		/* a new body in result->body */
	FETCH_UNCHANGED,	/* 304, or the same body hash */
	FETCH_FAILED,		/* result->err says why */
};

struct fetch_result {
	enum fetch_status status;
	long code;		/* HTTP status, 0 for file:// or no answer */
	char *body;		/* NUL-terminated copy of the body (CHANGED only) */
	size_t len;
	/*
	 * The validators to send next time: for http(s), those of the final response after
	 * redirects (on a 304 that repeats none, the ones in prev; NULL after a 200 means the
	 * server no longer sends that validator). For file://, etag is the file's size,
	 * modification time and inode: a file whose etag is prev->etag is not read again.
	 */
	char *etag, *last_modified;
	/* Of the body (CHANGED and UNCHANGED-by-hash); on a 304, prev->body_hash if given. */
	char hash[65];
	char err[512];		/* FAILED only; never contains the URL's user:password */
};

/*
 * curl_global_init once; call at start-up, before any thread exists. fetch_get is then
 * safe to call from several threads at once.
 */
void fetch_global_init(void);
/* curl_global_cleanup, for a clean exit (and valgrind). */
void fetch_global_cleanup(void);

/*
 * With on, make every transfer, running or started meanwhile, stop within about a second
 * (for a service that stops while fetch threads still wait on a slow server); with 0,
 * let transfers run again. Safe from any thread.
 */
void fetch_abort_all(int on);

/*
 * Fetch url (http://, https:// or file://; redirects up to 5, to http(s) only) into out,
 * sending prev's validators as If-None-Match / If-Modified-Since for http(s). prev may be
 * NULL. timeout_secs <= 0 means 30 s; max_size 0 means no cap. Returns 0 for CHANGED and
 * UNCHANGED, -1 for FAILED with out->err set. Always call fetch_result_release(out).
 */
int fetch_get(const char *url, const struct fetch_validators *prev, long timeout_secs,
    size_t max_size, struct fetch_result *out);
void fetch_result_release(struct fetch_result *r);

#endif
