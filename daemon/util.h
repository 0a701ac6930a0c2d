/*
 * Small things every module needs: allocation that cannot return NULL, a growable byte
 * buffer, and the size of an error buffer.
 *
 * Error contract used throughout noshowd: a function that can fail for a reason the caller
 * must show takes `char err[ERR_MAX]`, returns 0 on success and -1 on failure, and on failure
 * writes one lower-case line (no trailing newline) that says what failed first and, where
 * there is one, what to do about it.
 */
#ifndef NOSHOWD_UTIL_H
#define NOSHOWD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#define ERR_MAX 512

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array of `*cap` elements of `size` bytes so that it holds at least `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

/* Write into err (ERR_MAX bytes) and return -1, so error paths stay one line long. */
int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct buf {
	char *data;	/* always NUL-terminated when data != NULL */
	size_t len;
	size_t cap;	/* > len when data != NULL: set only by the buf_ functions */
};

void buf_init(struct buf *b);
void buf_add_grow(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);

/*
 * Composing a message adds a few bytes at a time thousands of times (measured with
 * callgrind: the calls were 5% of a first ingest), so the case with room is inline.
 */
static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else
		buf_add_grow(b, p, n);
}

static inline void
buf_addch(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hand the contents to the caller (never NULL) and leave b empty. */
char *buf_detach(struct buf *b);
void buf_release(struct buf *b);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates); else 0 and *bad = offset. */
int utf8_valid(const char *s, size_t n, size_t *bad);

/* Length of the UTF-8 sequence at p (1-4, at most `left`) and its code point in *cp, or 0
   if it is not valid UTF-8. */
size_t utf8_next(const unsigned char *p, size_t left, unsigned *cp);

/* Lower-case ASCII in place; returns s. */
char *str_lower(char *s);
/* Trim ASCII white space at both ends in place; returns s. */
char *str_trim(char *s);
/* 1 if s is a mail address we can send to (ASCII local@domain.tld, no spaces or controls). */
int email_valid(const char *s);

/* A whole file (at most max bytes) with a NUL after its *len bytes; NULL with err. */
char *read_file(const char *path, size_t max, size_t *len, char err[]);

/*
 * fsync a directory, so that the names created in it (a link, a rename) are durable; and
 * the directory a path is in. 0, or -1 with err.
 */
int sync_dir(const char *dir, char err[]);
int sync_dir_of(const char *path, char err[]);
int sync_fs(const char *dir, char err[]);

/* SHA-256 of data as 64 lower-case hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
