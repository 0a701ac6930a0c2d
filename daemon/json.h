/*
 * A small streaming JSON writer for `noshowctl --json`: commas and nesting are tracked here,
 * strings are escaped (control characters as \uXXXX), times are ISO 8601 with offset.
 */
#ifndef NOSHOWD_JSON_H
#define NOSHOWD_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define JSON_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int count[JSON_DEPTH];	/* values written at each level */
	int after_key;
	const char *zone;	/* for json_time */
};

void json_init(struct json *j, FILE *f, const char *zone);
void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);	/* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
void json_time(struct json *j, time_t t);	/* 0 writes null */
/* Append s[0..n) to b as a JSON string (see json.c for the exact escaping). */
struct buf;
void json_quote_buf(struct buf *b, const char *s, size_t n);
/* Finish the document with a newline. */
void json_end(struct json *j);

#endif
