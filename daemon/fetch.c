/*
 * Getting a source's bytes with libcurl. One easy handle per call: sources are polled every
 * few minutes, so connection reuse buys nothing worth the shared state.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "util.h"

#define FETCH_USER_AGENT	"noshowd/0.1"
#define FETCH_MAX_REDIRS	5L
#define FETCH_CONNECT_SECS	10L
#define FETCH_DEFAULT_SECS	30L

static int fetch_initialized;
/* Set while the service stops: every transfer still running ends at its next tick. */
static atomic_int fetch_aborting;

/* What the callbacks of one transfer share. */
struct fetch_xfer {
	CURL *curl;
	struct buf body;
	size_t max_size;	/* 0: no cap */
	int too_big;
	char *etag, *last_modified;
};

void
fetch_global_init(void)
{
	if (fetch_initialized)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl could not be initialised");
	fetch_initialized = 1;
}

void
fetch_global_cleanup(void)
{
	if (!fetch_initialized)
		return;
	curl_global_cleanup();
	fetch_initialized = 0;
}

void
fetch_abort_all(int on)
{
	atomic_store(&fetch_aborting, on != 0);
}

/* libcurl calls this about once a second even while a server sends nothing. */
static int
fetch_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	(void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&fetch_aborting) != 0;
}

void
fetch_result_release(struct fetch_result *r)
{
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	r->body = r->etag = r->last_modified = NULL;
	r->len = 0;
}

static int
fetch_fail(struct fetch_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fetch_fail(struct fetch_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->err, sizeof out->err, fmt, ap);
	va_end(ap);
	out->status = FETCH_FAILED;
	return -1;
}

/*
 * Copy url to out without the "user:password@" part, so that credentials in a configured
 * URL never reach a log line, `noshowctl status` or the evidence.
 */
static void
fetch_redact(const char *url, char *out, size_t outsz)
{
	const char *auth = strstr(url, "://");
	const char *at = NULL;
	size_t n;

	if (auth != NULL) {
		auth += 3;
		n = strcspn(auth, "/?#");
		for (size_t i = 0; i < n; i++)
			if (auth[i] == '@')
				at = auth + i;
	}
	if (at == NULL)
		snprintf(out, outsz, "%s", url);
	else
		snprintf(out, outsz, "%.*s%s", (int)(auth - url), url, at + 1);
}

/*
 * Replace every occurrence of secret in s (a NUL-terminated buffer) by "***". The URLs we
 * print are redacted already; this catches libcurl's own error text, which we quote as is.
 */
static void
fetch_mask(char *s, const char *secret, size_t n)
{
	char *p;

	if (n < 3)	/* "***" must not be longer than what it replaces */
		return;
	while ((p = memmem(s, strlen(s), secret, n)) != NULL) {
		memmove(p + 3, p + n, strlen(p + n) + 1);
		memcpy(p, "***", 3);
		s = p + 3;
	}
}

/* The user and password of url, for fetch_mask. */
static void
fetch_userinfo(const char *url, const char **user, size_t *userlen, const char **pass,
    size_t *passlen)
{
	const char *auth = strstr(url, "://");
	const char *at = NULL, *colon;
	size_t n;

	*user = *pass = NULL;
	*userlen = *passlen = 0;
	if (auth == NULL)
		return;
	auth += 3;
	n = strcspn(auth, "/?#");
	for (size_t i = 0; i < n; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (at == NULL)
		return;
	*user = auth;
	*userlen = (size_t)(at - auth);
	colon = memchr(auth, ':', *userlen);
	if (colon != NULL) {
		*userlen = (size_t)(colon - auth);
		*pass = colon + 1;
		*passlen = (size_t)(at - *pass);
	}
}

/* "host:port" of url for messages, or the redacted url when it does not parse. */
static void
fetch_hostport(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, outsz, "%s:%s", host, port);
	else
		fetch_redact(url, out, outsz);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/*
 * Check that a file:// URL names a readable regular file, so that a missing file gets an
 * error naming the path and the reason (libcurl only says "Couldn't open file") and a
 * directory is not read as an empty feed. Returns 0 if it looks readable, and puts in
 * `validator` what plays the part of an ETag for a file: its size, modification time and
 * inode. A file whose validator has not changed is not read again (a 15 MB export costs
 * more to read and hash than the whole of an unchanged poll should).
 */
static int
fetch_file_check(struct fetch_result *out, const char *url, char validator[96])
{
	CURLU *u = curl_url();
	char *path = NULL;
	struct stat st;
	int fd = -1, rc = 0;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK)
		goto done;	/* libcurl will say what is wrong with the URL */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		rc = fetch_fail(out, "could not read file \"%s\": %s", path, strerror(errno));
	else if (fstat(fd, &st) == -1)
		rc = fetch_fail(out, "could not read file \"%s\": %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = fetch_fail(out, "could not read file \"%s\": not a regular file", path);
	else
		snprintf(validator, 96, "file:%lld:%lld.%09ld:%llu", (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (unsigned long long)st.st_ino);
	if (fd != -1)
		close(fd);
done:
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

/* Turn a failed transfer into one line that names what failed first. */
static int
fetch_fail_curl(struct fetch_result *out, CURL *c, CURLcode rc, const char *url,
    const char *errbuf, long timeout_secs, size_t max_size)
{
	const char *msg = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	char *eff = NULL, *redir = NULL;
	char safe[ERR_MAX], where[ERR_MAX], target[ERR_MAX];
	long os_errno = 0, nredirs = 0;
	curl_off_t connected = 0;

	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	if (eff == NULL)
		eff = (char *)url;
	fetch_redact(eff, safe, sizeof safe);
	fetch_hostport(eff, where, sizeof where);

	switch (rc) {
	case CURLE_FILESIZE_EXCEEDED:
		return fetch_fail(out, "body larger than the size cap of %zu bytes "
		    "(raise max_size for this source)", max_size);
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
		if (connected == 0)
			return fetch_fail(out, "could not connect to %s within %ld s", where,
			    timeout_secs < FETCH_CONNECT_SECS ? timeout_secs : FETCH_CONNECT_SECS);
		return fetch_fail(out, "timed out after %ld s fetching %s", timeout_secs, safe);
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		return fetch_fail(out, "could not connect to %s: %s", where,
		    os_errno != 0 ? strerror((int)os_errno) : msg);
	case CURLE_COULDNT_RESOLVE_HOST:
		return fetch_fail(out, "could not resolve the host name in %s", safe);
	case CURLE_TOO_MANY_REDIRECTS:
		fetch_redact(url, safe, sizeof safe);
		return fetch_fail(out, "too many redirects (more than %ld) from %s",
		    FETCH_MAX_REDIRS, safe);
	case CURLE_UNSUPPORTED_PROTOCOL:
		curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &nredirs);
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redir);
		if (redir != NULL) {
			fetch_redact(redir, target, sizeof target);
			return fetch_fail(out, "redirect from %s to %s refused: only http and "
			    "https redirects are followed", safe, target);
		}
		if (nredirs > 0)
			return fetch_fail(out, "redirect to %s refused: only http and https "
			    "redirects are followed", safe);
		return fetch_fail(out, "cannot fetch %s: only http://, https:// and file:// "
		    "URLs are supported", safe);
	case CURLE_ABORTED_BY_CALLBACK:
		return fetch_fail(out, "fetching %s stopped: the service is stopping", safe);
	case CURLE_URL_MALFORMAT:
		return fetch_fail(out, "malformed URL %s: %s", safe, msg);
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_READ_ERROR: {
		char ignored[96];

		if (fetch_file_check(out, eff, ignored) == -1)
			return -1;
	}
		return fetch_fail(out, "could not read %s: %s", safe, msg);
	case CURLE_PARTIAL_FILE:
		return fetch_fail(out, "body truncated: the connection to %s closed early (%s)",
		    where, msg);
	case CURLE_GOT_NOTHING:
		return fetch_fail(out, "empty reply from %s", safe);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return fetch_fail(out, "TLS certificate of %s not accepted: %s", where, msg);
	case CURLE_SSL_CONNECT_ERROR:
		return fetch_fail(out, "TLS handshake with %s failed: %s", where, msg);
	case CURLE_BAD_CONTENT_ENCODING:
		return fetch_fail(out, "could not decode the body from %s: %s", safe, msg);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		return fetch_fail(out, "connection to %s failed: %s", where, msg);
	default:
		return fetch_fail(out, "fetching %s failed: %s", safe, msg);
	}
}

/*
 * Error bodies are not kept: a 4xx/5xx ends the transfer at its first body byte, and the
 * status line says all we report. Bodies of redirects that libcurl follows are skipped.
 */
static size_t
fetch_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch_xfer *x = arg;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 400)
		return 0;
	if (code >= 300)
		return n;
	if (x->max_size != 0 && (x->body.len > x->max_size || n > x->max_size - x->body.len)) {
		x->too_big = 1;
		return 0;
	}
	buf_add(&x->body, p, n);
	return n;
}

/* Store the value of header `name` (lower case) from line into *dst if line is that header. */
static void
fetch_header_take(const char *line, size_t len, const char *name, char **dst)
{
	size_t nl = strlen(name);
	const char *v, *end;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	v = line + nl + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
	    end[-1] == '\t'))
		end--;
	if (end == v)
		return;
	/* A validator with control bytes could not be sent back as a header line. */
	for (const char *q = v; q < end; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return;
	free(*dst);
	*dst = xstrndup(v, (size_t)(end - v));
}

/*
 * Every response (each redirect hop, a 100 Continue) starts with its status line; forget
 * what an earlier one said so that only the final response's validators count.
 */
static size_t
fetch_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch_xfer *x = arg;
	size_t n = size * nmemb;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		free(x->etag);
		free(x->last_modified);
		x->etag = x->last_modified = NULL;
		return n;
	}
	fetch_header_take(p, n, "etag", &x->etag);
	fetch_header_take(p, n, "last-modified", &x->last_modified);
	return n;
}

/* 1 if s can go into a request header line (no CR, LF or other control bytes). */
static int
fetch_header_safe(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
fetch_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* Add "name: value" to *list; 0 on success, -1 when libcurl is out of memory. */
static int
fetch_add_header(struct curl_slist **list, const char *name, const char *value)
{
	char *line = xasprintf("%s: %s", name, value);
	struct curl_slist *l = curl_slist_append(*list, line);

	free(line);
	if (l == NULL)
		return -1;
	*list = l;
	return 0;
}

static void
fetch_setopts(CURL *c, const char *url, struct fetch_xfer *x, char *errbuf, long timeout,
    size_t max_size, struct curl_slist *hdrs)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, FETCH_MAX_REDIRS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    timeout < FETCH_CONNECT_SECS ? timeout : FETCH_CONNECT_SECS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, fetch_progress_cb);
	if (max_size != 0)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_size);
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
}

int
fetch_get(const char *url, const struct fetch_validators *prev, long timeout_secs,
    size_t max_size, struct fetch_result *out)
{
	char errbuf[CURL_ERROR_SIZE], safe[ERR_MAX];
	struct fetch_xfer x;
	struct curl_slist *hdrs = NULL;
	int http = fetch_is_http(url), conditional = 0;
	const char *user, *pass;
	size_t userlen, passlen;
	char *eff = NULL, file_validator[96] = "";
	CURLcode rc;
	CURL *c;

	memset(out, 0, sizeof *out);
	out->status = FETCH_FAILED;
	memset(&x, 0, sizeof x);
	buf_init(&x.body);
	x.max_size = max_size;
	errbuf[0] = '\0';
	if (timeout_secs <= 0)
		timeout_secs = FETCH_DEFAULT_SECS;

	fetch_global_init();
	if ((c = curl_easy_init()) == NULL)
		return fetch_fail(out, "could not start a transfer: libcurl is out of memory");
	x.curl = c;
	if (strncasecmp(url, "file:", 5) == 0) {
		if (fetch_file_check(out, url, file_validator) == -1) {
			curl_easy_cleanup(c);
			return -1;
		}
		if (prev != NULL && prev->etag != NULL && prev->body_hash != NULL &&
		    strcmp(prev->etag, file_validator) == 0) {
			out->status = FETCH_UNCHANGED;
			out->etag = xstrdup(file_validator);
			snprintf(out->hash, sizeof(out->hash), "%s", prev->body_hash);
			curl_easy_cleanup(c);
			return 0;
		}
	}

	/* Validators mean nothing to file://; its bodies are compared by hash alone. */
	if (http && prev != NULL) {
		if (fetch_header_safe(prev->etag)) {
			if (fetch_add_header(&hdrs, "If-None-Match", prev->etag) == -1)
				goto oom;
			conditional = 1;
		}
		if (fetch_header_safe(prev->last_modified)) {
			if (fetch_add_header(&hdrs, "If-Modified-Since", prev->last_modified) == -1)
				goto oom;
			conditional = 1;
		}
	}
	fetch_setopts(c, url, &x, errbuf, timeout_secs, max_size, hdrs);

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->code);
	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	fetch_redact(eff != NULL ? eff : url, safe, sizeof safe);

	if (rc != CURLE_OK) {
		if (x.too_big)
			fetch_fail(out, "body larger than the size cap of %zu bytes "
			    "(raise max_size for this source)", max_size);
		else if (out->code >= 400)
			fetch_fail(out, "HTTP %ld from %s", out->code, safe);
		else
			fetch_fail_curl(out, c, rc, url, errbuf, timeout_secs, max_size);
	} else if (http && out->code == 304 && conditional) {
		out->status = FETCH_UNCHANGED;
	} else if (http && (out->code < 200 || out->code >= 300)) {
		fetch_fail(out, "HTTP %ld from %s", out->code, safe);
	} else {
		sha256_hex(x.body.data != NULL ? x.body.data : "", x.body.len, out->hash);
		if (prev != NULL && prev->body_hash != NULL &&
		    strcmp(prev->body_hash, out->hash) == 0) {
			out->status = FETCH_UNCHANGED;
		} else {
			out->status = FETCH_CHANGED;
			out->len = x.body.len;
			out->body = buf_detach(&x.body);
		}
	}

	if (out->status != FETCH_FAILED && http) {
		out->etag = x.etag;
		out->last_modified = x.last_modified;
		x.etag = x.last_modified = NULL;
		/* A 304 need not repeat the validators; the old ones stay good. */
		if (out->code == 304) {
			if (out->etag == NULL && prev->etag != NULL)
				out->etag = xstrdup(prev->etag);
			if (out->last_modified == NULL && prev->last_modified != NULL)
				out->last_modified = xstrdup(prev->last_modified);
			if (prev->body_hash != NULL)
				snprintf(out->hash, sizeof out->hash, "%s", prev->body_hash);
		}
	}
	if (out->status != FETCH_FAILED && file_validator[0] != '\0')
		out->etag = xstrdup(file_validator);
	if (out->status == FETCH_FAILED) {
		fetch_userinfo(url, &user, &userlen, &pass, &passlen);
		if (user != NULL)
			fetch_mask(out->err, user, userlen);
		if (pass != NULL)
			fetch_mask(out->err, pass, passlen);
	}

	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	buf_release(&x.body);
	free(x.etag);
	free(x.last_modified);
	return out->status == FETCH_FAILED ? -1 : 0;

oom:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return fetch_fail(out, "could not start a transfer: libcurl is out of memory");
}
