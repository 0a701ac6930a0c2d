/*
 * Values of the configuration file (see confval.h): the checks and conversions of each
 * kind of value, the hints for what a trainer probably meant, and the list of problems
 * found, sorted by place when they are shown.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libconfig.h>

#include "confval.h"
#include "days.h"
#include "money.h"
#include "util.h"

/* One problem of the file; sorted by place before they are shown. */
struct confval_problem {
	char *file;
	int is_main;		/* 1: the file config_load() was given */
	unsigned line;
	size_t seq;
	char *text;
};

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v != NULL ? xstrdup(v) : NULL;
}

/* ---- the file ---------------------------------------------------------------------- */

/* The absolute directory of the file at path; "." when it cannot be resolved. */
static char *
file_dir(const char *path)
{
	char *real = realpath(path, NULL), *slash;

	if (real == NULL)
		return xstrdup(".");
	slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	return real;
}

void
confval_init(struct confval *cv, const char *path)
{
	const char *slash = strrchr(path, '/');

	memset(cv, 0, sizeof(*cv));
	cv->path = path;
	cv->dir = file_dir(path);
	cv->incdir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
}

void
confval_release(struct confval *cv)
{
	for (size_t i = 0; i < cv->nprobs; i++) {
		free(cv->probs[i].text);
		free(cv->probs[i].file);
	}
	free(cv->probs);
	free(cv->dir);
	free(cv->incdir);
	memset(cv, 0, sizeof(*cv));
}

/* ---- reporting --------------------------------------------------------------------- */

static void
setting_path(const config_setting_t *s, struct buf *b)
{
	const config_setting_t *p = config_setting_parent(s);

	if (p == NULL)
		return;
	if (config_setting_parent(p) != NULL) {
		setting_path(p, b);
		buf_addch(b, '.');
	}
	if (config_setting_name(s) != NULL)
		buf_addstr(b, config_setting_name(s));
	else
		buf_printf(b, "[%d]", config_setting_index(s));
}

void
confval_bad(struct confval *cv, const config_setting_t *s, const char *member,
    const char *fmt, ...)
{
	struct confval_problem *pr;
	struct buf b;
	va_list ap;
	const char *name = config_setting_source_file(s);
	char *file;
	size_t start;

	/* libconfig names an included file as the @include line wrote it. */
	if (name == NULL || strcmp(name, cv->path) == 0)
		file = xstrdup(cv->path);
	else if (name[0] == '/' || strcmp(cv->incdir, ".") == 0)
		file = xstrdup(name);
	else
		file = xasprintf("%s/%s", cv->incdir, name);
	buf_init(&b);
	buf_printf(&b, "%s:%u: ", file, config_setting_source_line(s));
	start = b.len;
	setting_path(s, &b);
	if (member != NULL)
		buf_printf(&b, "%s%s", b.len > start ? "." : "", member);
	buf_addstr(&b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);

	cv->probs = xgrow(cv->probs, &cv->probs_cap, cv->nprobs + 1, sizeof(*pr));
	pr = &cv->probs[cv->nprobs];
	pr->file = file;
	pr->is_main = strcmp(file, cv->path) == 0;
	pr->line = config_setting_source_line(s);
	pr->seq = cv->nprobs++;
	pr->text = buf_detach(&b);
}

static int
problem_cmp(const void *a, const void *b)
{
	const struct confval_problem *p = a, *q = b;
	int r = strcmp(p->file, q->file);

	/* The main file first, then included files, each in order of lines. */
	if (r != 0)
		return p->is_main != q->is_main ? q->is_main - p->is_main : r;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

char *
confval_errors(struct confval *cv)
{
	struct buf b;

	if (cv->nprobs == 0)
		return NULL;
	qsort(cv->probs, cv->nprobs, sizeof(*cv->probs), problem_cmp);
	buf_init(&b);
	for (size_t i = 0; i < cv->nprobs; i++)
		buf_printf(&b, "%s%s", i > 0 ? "\n" : "", cv->probs[i].text);
	return buf_detach(&b);
}

/* A value as shown in a message: strings quoted, cut short, with controls made visible. */
static const char *
shown(const config_setting_t *s, char out[80])
{
	const char *v;
	size_t k = 0;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(out, 80, "%lld", config_setting_get_int64(s));
		return out;
	case CONFIG_TYPE_FLOAT:
		snprintf(out, 80, "%g", config_setting_get_float(s));
		return out;
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(s) ? "true" : "false";
	case CONFIG_TYPE_STRING:
		break;
	default:
		return "(group)";
	}
	v = config_setting_get_string(s);
	out[k++] = '"';
	for (; *v && k < 70; v++)
		out[k++] = (unsigned char)*v < 0x20 ? '?' : *v;
	while (*v && k > 1 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
		k--;
	if (*v && k > 1 && ((unsigned char)out[k - 1] & 0xc0) == 0xc0)
		k--;
	if (*v) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k++] = '"';
	out[k] = '\0';
	return out;
}

const char *
confval_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	default:
		return "nothing";
	}
}

/* ---- suggestions ------------------------------------------------------------------- */

/* Levenshtein distance, for "did you mean"; names are short. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The closest of names to s, when it is close enough to be a typo; else NULL. */
static const char *
closest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bd = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t d = distance(s, names[i]);

		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	if (best == NULL || bd > 2 || bd * 3 > strlen(best))
		return NULL;
	return best;
}

void
confval_unknown_key(struct confval *cv, const config_setting_t *m,
    const char *const *names, size_t n)
{
	const char *near = closest(config_setting_name(m), names, n);

	if (near != NULL)
		confval_bad(cv, m, NULL, "unknown key (did you mean \"%s\"?)", near);
	else
		confval_bad(cv, m, NULL, "unknown key");
}

static void
choices_text(const char *const *choices, struct buf *b)
{
	size_t n = 0;

	while (choices[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i]);
}

/*
 * What a trainer probably meant by a text that is not a duration: "7 days" -> "7d",
 * "7 dagen" -> "7d", "48" -> a unit is missing.
 */
static void
duration_hint(const char *v, char *out, size_t outsz)
{
	static const struct { const char *word; char unit; } words[] = {
		{ "s", 's' }, { "sec", 's' }, { "secs", 's' }, { "second", 's' },
		{ "seconds", 's' }, { "seconde", 's' }, { "seconden", 's' },
		{ "m", 'm' }, { "min", 'm' }, { "mins", 'm' }, { "minute", 'm' },
		{ "minutes", 'm' }, { "minuut", 'm' }, { "minuten", 'm' },
		{ "h", 'h' }, { "hr", 'h' }, { "hrs", 'h' }, { "hour", 'h' }, { "hours", 'h' },
		{ "u", 'h' }, { "uur", 'h' }, { "uren", 'h' },
		{ "d", 'd' }, { "day", 'd' }, { "days", 'd' }, { "dag", 'd' }, { "dagen", 'd' },
		{ "w", 'w' }, { "wk", 'w' }, { "week", 'w' }, { "weeks", 'w' }, { "weken", 'w' },
	};
	const char *p = v, *num, *word;
	size_t nn, nw;

	while (*p == ' ')
		p++;
	num = p;
	while (isdigit((unsigned char)*p))
		p++;
	nn = (size_t)(p - num);
	while (*p == ' ')
		p++;
	word = p;
	while (isalpha((unsigned char)*p))
		p++;
	nw = (size_t)(p - word);
	while (*p == ' ')
		p++;
	if (*num == '-') {
		snprintf(out, outsz, "durations cannot be negative");
		return;
	}
	if (nn > 0 && nn < 12 && *p == '\0') {
		if (nw == 0) {
			snprintf(out, outsz, "add a unit: \"%.*sd\" for days, \"%.*sh\" hours, "
			    "\"%.*sm\" minutes", (int)nn, num, (int)nn, num, (int)nn, num);
			return;
		}
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			if (strlen(words[i].word) == nw &&
			    strncasecmp(word, words[i].word, nw) == 0) {
				snprintf(out, outsz, "try \"%.*s%c\"", (int)nn, num,
				    words[i].unit);
				return;
			}
		}
	}
	snprintf(out, outsz, "write a number and a unit s, m, h, d or w, such as \"7d\"");
}

static void
money_hint(const char *v, char *out, size_t outsz)
{
	char tmp[64];
	const char *p = v;
	int64_t cents;
	size_t n = 0;

	if (strncmp(p, "\xe2\x82\xac", 3) == 0)	/* € */
		p += 3;
	else if (strncasecmp(p, "EUR", 3) == 0)
		p += 3;
	while (*p == ' ')
		p++;
	for (; *p && n < sizeof(tmp) - 1; p++)
		if (*p != ' ')
			tmp[n++] = *p == ',' ? '.' : *p;
	tmp[n] = '\0';
	if (tmp[0] == '-')
		snprintf(out, outsz, "amounts cannot be negative");
	else if (money_parse(tmp, &cents) == 0)
		snprintf(out, outsz, "use \"%s\"", tmp);
	else
		snprintf(out, outsz, "write it like \"295.00\"");
}

/* ---- text values ------------------------------------------------------------------- */

/* The string value of m, checked as text; NULL (reported) when it is not usable text. */
static const char *
text(struct confval *cv, const config_setting_t *m, int multiline)
{
	const char *v;
	size_t off;
	char sh[80];

	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		if (config_setting_is_scalar(m))
			confval_bad(cv, m, NULL, "%s is not a string (write it in double quotes)",
			    shown(m, sh));
		else
			confval_bad(cv, m, NULL, "expected a string in double quotes, found %s",
			    confval_type_name(m));
		return NULL;
	}
	v = config_setting_get_string(m);
	if (*v == '\0') {
		confval_bad(cv, m, NULL, "empty value (remove the key to use the default)");
		return NULL;
	}
	if (!utf8_valid(v, strlen(v), &off)) {
		confval_bad(cv, m, NULL, "not valid UTF-8 at byte %zu (save the file as UTF-8)",
		    off + 1);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\n' && multiline)
			continue;
		if (*p < 0x20 || *p == 0x7f) {
			confval_bad(cv, m, NULL, "%s contains a %s (write it on one line, without "
			    "escapes)", shown(m, sh), *p == '\n' ? "line break" :
			    "control character");
			return NULL;
		}
	}
	return v;
}

static char *
absolute_path(const struct confval *cv, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return xasprintf("%s/%s", cv->dir, p);
}

static int
valid_name(const char *v)
{
	if (*v == '.')
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '.' && *v != '_' && *v != '-')
			return 0;
	return 1;
}

/* Length of "scheme://" at the start of v, or 0 when v has no scheme. */
static size_t
scheme_len(const char *v)
{
	size_t n = 0;

	if (!isalpha((unsigned char)v[0]))
		return 0;
	while (isalnum((unsigned char)v[n]) || v[n] == '+' || v[n] == '-' || v[n] == '.')
		n++;
	return strncmp(v + n, "://", 3) == 0 ? n + 3 : 0;
}

static int
has_scheme(const char *v, const char *const *schemes)
{
	size_t n = scheme_len(v);

	if (n == 0 || v[n] == '\0' || v[n] == '/')
		return 0;
	for (size_t i = 0; schemes[i] != NULL; i++)
		if (strlen(schemes[i]) == n - 3 && strncasecmp(v, schemes[i], n - 3) == 0)
			return 1;
	return 0;
}

/* ISO 13616: move the first four characters to the end, letters to numbers, mod 97 = 1. */
static int
valid_iban(const char *v)
{
	char s[40];
	size_t n = 0;
	unsigned rem = 0;

	for (; *v; v++) {
		if (*v == ' ')
			continue;
		if (!isalnum((unsigned char)*v) || n >= sizeof(s) - 1)
			return 0;
		s[n++] = (char)toupper((unsigned char)*v);
	}
	if (n < 15 || n > 34 || !isalpha((unsigned char)s[0]) ||
	    !isalpha((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) ||
	    !isdigit((unsigned char)s[3]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[(i + 4) % n];

		if (isdigit((unsigned char)ch))
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
	}
	return rem == 1;
}

void
confval_str(struct confval *cv, const config_setting_t *m, int multiline, char **dst)
{
	const char *v;

	if ((v = text(cv, m, multiline)) != NULL)
		set_str(dst, v);
}

/* Text that ok() accepts, stored as it is; else "VALUE why". */
static void
text_if(struct confval *cv, const config_setting_t *m, int (*ok)(const char *),
    const char *why, char **dst)
{
	const char *v;
	char sh[80];

	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (!ok(v)) {
		confval_bad(cv, m, NULL, "%s %s", shown(m, sh), why);
		return;
	}
	set_str(dst, v);
}

void
confval_name(struct confval *cv, const config_setting_t *m, char **dst)
{
	text_if(cv, m, valid_name, "is not a valid name (use letters, digits, '.', '_' and "
	    "'-', starting with a letter or digit)", dst);
}

void
confval_path(struct confval *cv, const config_setting_t *m, char **dst)
{
	const char *v;

	if ((v = text(cv, m, 0)) == NULL)
		return;
	free(*dst);
	*dst = absolute_path(cv, v);
}

void
confval_email(struct confval *cv, const config_setting_t *m, char **dst)
{
	text_if(cv, m, email_valid, "is not an email address (write only the address, such "
	    "as \"info@example.nl\")", dst);
}

void
confval_zone(struct confval *cv, const config_setting_t *m, char **dst)
{
	text_if(cv, m, days_zone_known, "is not a time zone (use an IANA name such as "
	    "\"Europe/Amsterdam\")", dst);
}

void
confval_iban(struct confval *cv, const config_setting_t *m, char **dst)
{
	text_if(cv, m, valid_iban, "is not a valid IBAN (check for a typo; the check digits "
	    "do not match)", dst);
}

void
confval_url(struct confval *cv, const config_setting_t *m, const char *const *schemes,
    char **dst)
{
	const char *v;
	struct buf b;
	char sh[80];

	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (!has_scheme(v, schemes)) {
		buf_init(&b);
		for (size_t i = 0; schemes[i] != NULL; i++)
			buf_printf(&b, "%s%s://host", i == 0 ? "" : " or ", schemes[i]);
		confval_bad(cv, m, NULL, "%s is not a URL of the form %s", shown(m, sh),
		    b.data);
		buf_release(&b);
		return;
	}
	set_str(dst, v);
}

/*
 * A url without a scheme is a file path; curl wants a file:// URL, and a path relative to
 * the configuration file keeps a setup movable (the demo, the tests). Bytes outside the
 * unreserved set are percent-encoded, as a URL requires.
 */
void
confval_source_url(struct confval *cv, const config_setting_t *m, char **dst)
{
	static const char *const schemes[] = { "https", "http", "file", NULL };
	const char *v;
	char *abs, sh[80];
	struct buf b;

	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (scheme_len(v) > 0) {
		if (!has_scheme(v, schemes) && strncasecmp(v, "file:///", 8) != 0) {
			confval_bad(cv, m, NULL, "%s is not a source URL (use https://, "
			    "http://, file:// or a file path)", shown(m, sh));
			return;
		}
		set_str(dst, v);
		return;
	}
	abs = absolute_path(cv, v);
	buf_init(&b);
	buf_addstr(&b, "file://");
	for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p) != NULL)
			buf_addch(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	free(abs);
	free(*dst);
	*dst = buf_detach(&b);
}

int
confval_choice_index(const char *v, const char *const *choices)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcmp(v, choices[i]) == 0)
			return i;
	return -1;
}

/* The index of m's value in choices, or -1 (reported) when it is none of them. */
static int
choice(struct confval *cv, const config_setting_t *m, const char *const *choices)
{
	const char *v;
	struct buf b;
	char sh[80];
	int i;

	if ((v = text(cv, m, 0)) == NULL)
		return -1;
	if ((i = confval_choice_index(v, choices)) < 0) {
		buf_init(&b);
		choices_text(choices, &b);
		confval_bad(cv, m, NULL, "%s is not a valid %s (use %s)", shown(m, sh),
		    config_setting_name(m), b.data);
		buf_release(&b);
	}
	return i;
}

void
confval_choice(struct confval *cv, const config_setting_t *m, const char *const *choices,
    char **dst)
{
	int i = choice(cv, m, choices);

	if (i >= 0)
		set_str(dst, choices[i]);
}

void
confval_enum(struct confval *cv, const config_setting_t *m, const char *const *choices,
    int *dst)
{
	int i = choice(cv, m, choices);

	if (i >= 0)
		*dst = i;
}

/* ---- numbers, durations, amounts, times -------------------------------------------- */

void
confval_bool(struct confval *cv, const config_setting_t *m, int *dst)
{
	char sh[80];

	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		confval_bad(cv, m, NULL, "%s is not a boolean (write true or false, without "
		    "quotes)", config_setting_is_scalar(m) ? shown(m, sh) :
		    confval_type_name(m));
	else
		*dst = config_setting_get_bool(m);
}

void
confval_int(struct confval *cv, const config_setting_t *m, int min, int *dst)
{
	char sh[80];
	long long v;

	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		break;
	case CONFIG_TYPE_FLOAT:
		confval_bad(cv, m, NULL, "%s is not a whole number", shown(m, sh));
		return;
	case CONFIG_TYPE_STRING:
		confval_bad(cv, m, NULL, "%s is a string, not a number (write the number without "
		    "quotes)", shown(m, sh));
		return;
	default:
		confval_bad(cv, m, NULL, "expected a whole number, found %s", confval_type_name(m));
		return;
	}
	v = config_setting_get_int64(m);
	if (v < min) {
		confval_bad(cv, m, NULL, "%lld is below the minimum of %d", v, min);
		return;
	}
	if (v > INT_MAX) {
		confval_bad(cv, m, NULL, "%lld is too large", v);
		return;
	}
	*dst = (int)v;
}

void
confval_percent(struct confval *cv, const config_setting_t *m, int *dst)
{
	char sh[80];
	double v;

	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(m);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(m);
		break;
	case CONFIG_TYPE_STRING:
		confval_bad(cv, m, NULL, "%s is a string, not a percentage (write the number "
		    "without quotes or %%, such as 50 or 12.5)", shown(m, sh));
		return;
	default:
		confval_bad(cv, m, NULL, "expected a percentage such as 50 or 12.5, found %s",
		    confval_type_name(m));
		return;
	}
	if (!(v >= 0 && v <= 100)) {
		confval_bad(cv, m, NULL, "%s is not a percentage from 0 to 100", shown(m, sh));
		return;
	}
	*dst = (int)lround(v * 100);
}

void
confval_duration(struct confval *cv, const config_setting_t *m, int positive, int64_t *dst)
{
	const char *v;
	char hint[160], sh[80];
	int64_t secs;

	if (config_setting_is_number(m)) {
		confval_bad(cv, m, NULL, "%s is a number, not a duration (write a string with a "
		    "unit, such as \"7d\" or \"30m\")", shown(m, sh));
		return;
	}
	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (days_parse_duration(v, &secs) < 0) {
		duration_hint(v, hint, sizeof(hint));
		confval_bad(cv, m, NULL, "%s is not a duration (%s)", shown(m, sh), hint);
		return;
	}
	if (positive && secs == 0) {
		confval_bad(cv, m, NULL, "%s is zero (use a duration longer than zero)",
		    shown(m, sh));
		return;
	}
	*dst = secs;
}

void
confval_money(struct confval *cv, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char hint[96], sh[80];
	int64_t cents;

	if (config_setting_is_number(m)) {
		if (config_setting_type(m) == CONFIG_TYPE_FLOAT)
			confval_bad(cv, m, NULL, "%s is a number, not an amount (write \"%.2f\" "
			    "in quotes)", shown(m, sh), config_setting_get_float(m));
		else
			confval_bad(cv, m, NULL, "%s is a number, not an amount (write "
			    "\"%lld.00\" in quotes)", shown(m, sh), config_setting_get_int64(m));
		return;
	}
	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (money_parse(v, &cents) < 0) {
		money_hint(v, hint, sizeof(hint));
		confval_bad(cv, m, NULL, "%s is not an amount (%s)", shown(m, sh), hint);
		return;
	}
	*dst = cents;
}

void
confval_size(struct confval *cv, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char *end, sh[80];
	long long n;
	int64_t mul = 1;

	if (config_setting_type(m) == CONFIG_TYPE_INT ||
	    config_setting_type(m) == CONFIG_TYPE_INT64) {
		if (config_setting_get_int64(m) <= 0) {
			confval_bad(cv, m, NULL, "%s is not a size (use a positive number of "
			    "bytes, or \"20M\" or \"512K\")", shown(m, sh));
			return;
		}
		*dst = config_setting_get_int64(m);
		return;
	}
	if ((v = text(cv, m, 0)) == NULL)
		return;
	errno = 0;
	n = strtoll(v, &end, 10);
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
	}
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 || n <= 0 ||
	    n > INT64_MAX / mul) {
		confval_bad(cv, m, NULL, "%s is not a size (write \"20M\", \"512K\" or a number of "
		    "bytes)", shown(m, sh));
		return;
	}
	*dst = n * mul;
}

void
confval_clock(struct confval *cv, const config_setting_t *m, int *dst)
{
	const char *v;
	char sh[80];
	int h, mi;

	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (!isdigit((unsigned char)v[0]) || (isdigit((unsigned char)v[1]) ? v[2] != ':' :
	    v[1] != ':')) {
		confval_bad(cv, m, NULL, "%s is not a time of day (write it as \"07:00\")",
		    shown(m, sh));
		return;
	}
	h = atoi(v);
	v = strchr(v, ':') + 1;
	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) || v[2] != '\0' ||
	    h > 23 || (mi = atoi(v)) > 59) {
		confval_bad(cv, m, NULL, "%s is not a time of day (write it as \"07:00\")",
		    shown(m, sh));
		return;
	}
	*dst = h * 60 + mi;
}

void
confval_moment(struct confval *cv, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char sh[80];
	time_t t;

	if ((v = text(cv, m, 0)) == NULL)
		return;
	if (days_parse_iso(v, cv->zone, &t) < 0) {
		confval_bad(cv, m, NULL, "%s is not a date and time (write \"2027-01-04T09:00\" "
		    "for %s time, or add an offset such as \"+01:00\")", shown(m, sh), cv->zone);
		return;
	}
	*dst = (int64_t)t;
}

