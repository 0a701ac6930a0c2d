#include <inttypes.h>
#include <string.h>

#include "days.h"
#include "json.h"
#include "util.h"

void
json_init(struct json *j, FILE *f, const char *zone)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
	j->after_key = 0;
	j->zone = zone;
}

/* Every value and key passes here first: a comma unless it is the first at its level. */
static void
json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++ > 0)
		fputc(',', j->f);
}

static void
json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void
json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

/*
 * One escaping for every JSON string noshowd writes, the evidence log's canonical records
 * included: '"', '\\' and control characters escaped, valid UTF-8 kept as it is, and a
 * byte that is not part of valid UTF-8 (a server's reply may have any) written as \u00XX,
 * so that the result is always valid JSON and the same bytes always give the same text.
 */
void
json_quote_buf(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	buf_addch(b, '"');
	while (p < end) {
		unsigned cp;
		size_t len;

		switch (*p) {
		case '"': buf_addstr(b, "\\\""); p++; continue;
		case '\\': buf_addstr(b, "\\\\"); p++; continue;
		case '\n': buf_addstr(b, "\\n"); p++; continue;
		case '\r': buf_addstr(b, "\\r"); p++; continue;
		case '\t': buf_addstr(b, "\\t"); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			buf_printf(b, "\\u%04x", *p++);
			continue;
		}
		len = *p < 0x80 ? 1 : utf8_next(p, (size_t)(end - p), &cp);
		if (len == 0) {
			buf_printf(b, "\\u%04x", *p++);
			continue;
		}
		buf_add(b, p, len);
		p += len;
	}
	buf_addch(b, '"');
}

static void
json_quote(FILE *f, const char *s)
{
	struct buf b;

	buf_init(&b);
	json_quote_buf(&b, s, strlen(s));
	fwrite(b.data, 1, b.len, f);
	buf_release(&b);
}

void
json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_quote(j->f, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void
json_str(struct json *j, const char *s)
{
	json_sep(j);
	if (s == NULL)
		fputs("null", j->f);
	else
		json_quote(j->f, s);
}

void
json_int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void
json_bool(struct json *j, int v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->f);
}

void
json_time(struct json *j, time_t t)
{
	char buf[32];

	if (t == 0) {
		json_null(j);
		return;
	}
	days_format_iso(t, j->zone, buf);
	json_str(j, buf);
}

void
json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
