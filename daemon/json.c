#include <inttypes.h>

#include "days.h"
#include "json.h"

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

static void
json_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
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
