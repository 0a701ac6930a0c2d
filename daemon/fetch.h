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
	char *etag, *last_modified;	/* from the response, or NULL */
	char hash[65];		/* of the body (CHANGED and UNCHANGED-by-hash) */
	char err[512];
};

void fetch_global_init(void);
int fetch_get(const char *url, const struct fetch_validators *prev, long timeout_secs,
    size_t max_size, struct fetch_result *out);
void fetch_result_release(struct fetch_result *r);

#endif
