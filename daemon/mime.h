/*
 * Reading MIME (RFC 2045, 2046, 5322) from untrusted bytes, for the delivery-report parser:
 * the header block and body of a message or part, one header field unfolded, the type and
 * parameters of a Content-Type, the parts of a multipart body, and the two transfer
 * encodings. Everything works on (pointer, length) pairs that need not end in NUL and never
 * reads past them; line ends may be CRLF or bare LF. Nothing here allocates except into the
 * caller's struct buf.
 */
#ifndef NOSHOWD_MIME_H
#define NOSHOWD_MIME_H

#include <stddef.h>

#include "util.h"

/* Longest unfolded header value kept; the rest of a longer one is dropped. NUL bytes in a
   value become spaces. */
#define MIME_FIELD_MAX 16384

struct mime_part {
	const char *head;	/* the header block, without the empty line that ends it */
	size_t headlen;
	const char *body;	/* what follows the empty line (empty if there is none) */
	size_t bodylen;
};

/* Split p[0..len) at its first empty line. A part that starts with an empty line has no
   headers (and is text/plain by default). */
void mime_split(const char *p, size_t len, struct mime_part *part);

/*
 * The first field called name (case-insensitive) in head[0..len): its value unfolded (line
 * breaks of continuation lines removed) into out, which is reset first. Returns the start of
 * the field's line inside head, or NULL (out empty) if there is no such field.
 */
const char *mime_header(const char *head, size_t len, const char *name, struct buf *out);

/* Remove RFC 5322 comments "(...)" (nested, outside quoted strings) from s in place. */
char *mime_uncomment(char *s);

/* The lower-case "type/subtype" of a Content-Type value (NULL: absent), "text/plain" when
   absent or unreadable. */
void mime_content_type(const char *value, char type[64]);

/* Parameter name (case-insensitive) of a Content-Type value into out (quotes and escapes
   removed); 1 if present, 0 if not (out empty). */
int mime_param(const char *value, const char *name, struct buf *out);

/* Walking a multipart body: the parts between "--boundary" lines, up to "--boundary--". */
struct mime_multipart {
	const char *p, *end;
	const char *boundary;
	size_t blen;
	int started;
	int closed;		/* the closing delimiter was seen */
	int unclosed;		/* the body ended without one (the last part runs to the end) */
};

void mime_multipart_init(struct mime_multipart *m, const char *body, size_t len,
    const char *boundary);
/* 1: the next part in part and partlen; 0: no more parts; -1: the boundary never occurs. */
int mime_multipart_next(struct mime_multipart *m, const char **part, size_t *partlen);

/* Append p[0..len) to out decoded by its Content-Transfer-Encoding value (base64,
   quoted-printable; anything else, or NULL, is copied as it is). Bad input is skipped or
   copied, never an error: a best effort is all a bounce deserves. */
void mime_decode(const char *cte, const char *p, size_t len, struct buf *out);

#endif
