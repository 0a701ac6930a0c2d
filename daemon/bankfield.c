/*
 * The fields of a bank statement line (see bankfield.h). Amounts are read strictly, in the
 * bank's own notation: a parser that guesses reads "1.250" as 1,25 and confirms a seat
 * that was not paid for, so whatever does not fit the notation is refused and the whole
 * statement with it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bankfield.h"
#include "csv.h"
#include "days.h"
#include "util.h"

char *
bankfield_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	struct buf b;
	int gap = 0;

	buf_init(&b);
	for (; p < e; p++) {
		if (p[0] == 0xc2 && p + 1 < e && p[1] >= 0x80 && p[1] <= 0x9f)
			p++;			/* a C1 control */
		else if (*p > 0x20 && *p != 0x7f) {
			if (gap && b.len > 0)
				buf_addch(&b, ' ');
			buf_addch(&b, (char)*p);
			gap = 0;
			continue;
		}
		gap = 1;
	}
	return buf_detach(&b);
}

char *
bankfield_text(const char *s)
{
	char *t = bankfield_clean(s, strlen(s));

	if (*t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

const char *
bankfield_quote(const char *s, char out[64])
{
	size_t n = 0;

	for (; *s && n < 40; s++)
		out[n++] = (unsigned char)*s < 0x20 ? '?' : *s;
	while (*s && n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
		n--;
	if (*s && n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
		n--;
	memcpy(out + n, *s ? "...\0" : "\0", *s ? 4 : 1);
	return out;
}

/* Where a value ends: at the next tag or label of its layout. */
static const char *const sepa_tags[] = {
	"/TRTP/", "/IBAN/", "/BIC/", "/NAME/", "/REMI/", "/EREF/", "/MARF/", "/CSID/",
	"/ORDP/", "/BENM/", "/ADDR/", "/ISDT/", "/CREF/", "/PREF/", "/RTRN/", "/SVCL/",
	"/IREF/", "/ULTC/", "/ULTD/", "/PURP/", NULL,
};
static const char *const sepa_labels[] = {
	"IBAN:", "BIC:", "Naam:", "Omschrijving:", "Kenmerk:", "Machtiging:", "Incassant:",
	"Voor:", NULL,
};

/* The value after `want`, cleaned; NULL when s lacks it or it is empty. */
static char *
bankfield_tagged(const char *s, const char *const *marks, const char *want)
{
	const char *v = strstr(s, want), *end;
	char *t;
	size_t n;

	if (v == NULL)
		return NULL;
	v += strlen(want);
	end = v + strlen(v);
	for (size_t i = 0; marks[i] != NULL; i++) {
		const char *m = strstr(v, marks[i]);

		if (m != NULL && m < end)
			end = m;
	}
	t = bankfield_clean(v, (size_t)(end - v));
	n = strlen(t);
	if (marks == sepa_tags && n > 0 && t[n - 1] == '/')
		t[--n] = '\0';
	if (strncmp(t, "USTD//", 6) == 0)	/* unstructured remittance, marked */
		memmove(t, t + 6, n - 5);
	if (*t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

void
bankfield_sepa(const char *s, char **desc, char **name, char **iban)
{
	const char *p = s + strspn(s, " ");
	const char *const *marks = strncmp(p, "/TRTP/", 6) == 0 ? sepa_tags : sepa_labels;
	int tags = marks == sepa_tags;

	*desc = bankfield_tagged(p, marks, tags ? "/REMI/" : "Omschrijving:");
	*name = bankfield_tagged(p, marks, tags ? "/NAME/" : "Naam:");
	*iban = bankfield_tagged(p, marks, tags ? "/IBAN/" : "IBAN:");
	if (*desc == NULL)
		*desc = bankfield_clean(p, strlen(p));
}

/* ---- amounts and dates ------------------------------------------------------------- */

int
bankfield_amount(const char *s, const char *decimal, int flags, int64_t *cents)
{
	const char *p = s, *end, *sep = NULL;
	int neg = 0, digits = 0, group = -1, groups = 0, decimals = 0;
	char dec = 0, grp = 0;
	int64_t units = 0, frac = 0;

	if ((flags & BANKFIELD_SIGN) && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	end = p + strlen(p);
	for (const char *q = p; q < end; q++)
		if (*q == ',' || *q == '.')
			sep = q;
	if (sep != NULL && end - sep >= 2 && end - sep <= 3 && strchr(decimal, *sep)) {
		dec = *sep;
		decimals = (int)(end - sep - 1);
		for (const char *q = sep + 1; q < end; q++) {
			if (!isdigit((unsigned char)*q))
				return -1;
			frac = frac * 10 + (*q - '0');
		}
		if (decimals == 1)
			frac *= 10;
		end = sep;
	}
	if ((flags & BANKFIELD_CENTS) && decimals != 2)
		return -1;
	if (flags & BANKFIELD_GROUPS)
		grp = dec == ',' ? '.' : dec == '.' ? ',' : sep != NULL ? *sep : 0;
	for (const char *q = p; q < end; q++) {
		if (isdigit((unsigned char)*q)) {
			units = units * 10 + (*q - '0');
			if (++digits > 13)
				return -1;
			if (group >= 0)
				group++;
		} else if (grp != 0 && *q == grp && digits > 0 &&
		    (group < 0 ? digits <= 3 : group == 3)) {
			group = 0;
			groups++;
		} else {
			return -1;
		}
	}
	if (digits == 0 || (group >= 0 && group != 3))
		return -1;
	if (dec == 0 && groups == 1)
		return -2;
	*cents = (units * 100 + frac) * (neg ? -1 : 1);
	return 0;
}

static int
bankfield_digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
bankfield_date(const char *s, enum bankfield_dates style, const char *zone, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = 0, m = 0, d = 0, ok = 0;
	size_t n = strlen(s);

	if (n == 8 && style != BANKFIELD_ISO)
		ok = bankfield_digits(s, 4, &y) == 0 && bankfield_digits(s + 4, 2, &m) == 0 &&
		    bankfield_digits(s + 6, 2, &d) == 0;
	else if (n == 10 && style != BANKFIELD_COMPACT && s[4] == '-' && s[7] == '-')
		ok = bankfield_digits(s, 4, &y) == 0 && bankfield_digits(s + 5, 2, &m) == 0 &&
		    bankfield_digits(s + 8, 2, &d) == 0;
	else if (n == 10 && style == BANKFIELD_ANY && (s[2] == '-' || s[2] == '/') && s[5] == s[2])
		ok = bankfield_digits(s, 2, &d) == 0 && bankfield_digits(s + 3, 2, &m) == 0 &&
		    bankfield_digits(s + 6, 4, &y) == 0;
	if (!ok || y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
		return -1;
	return days_local_to_utc(y, m, d, 0, 0, 0, zone, out);
}

int
bankfield_direction(const char *s)
{
	static const char *const credit[] = { "bij", "c", "cr", "credit", NULL };
	static const char *const debit[] = { "af", "d", "dr", "debit", NULL };
	char *t = bankfield_clean(s, strlen(s));
	int dir = -1;

	for (size_t i = 0; credit[i] != NULL && dir < 0; i++) {
		if (strcasecmp(t, credit[i]) == 0)
			dir = 1;
		else if (strcasecmp(t, debit[i]) == 0)
			dir = 0;
	}
	free(t);
	return dir;
}

/* ---- lines ------------------------------------------------------------------------- */

/* Line (1-based) of byte off; LF, CRLF and a lone CR each end a line, as in csv.c. */
static int
bankfield_line_at(const char *data, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += data[i] == '\n' || (data[i] == '\r' && data[i + 1] != '\n');
	return line;
}

int
bankfield_check_text(const char *data, size_t len, const char *name, char err[])
{
	const unsigned char *u = (const unsigned char *)data;
	const char *nul;
	size_t bad, skip = len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return errf(err, "%s:1: UTF-16 text, not UTF-8 (export the statement again as "
		    "UTF-8)", name);
	if ((nul = memchr(data, '\0', len)) != NULL)
		return errf(err, "%s:%d: NUL byte: not a text export (export the statement again "
		    "as CSV)", name, bankfield_line_at(data, (size_t)(nul - data)));
	if (!utf8_valid(data, len, &bad))
		return errf(err, "%s:%d: not UTF-8, probably Latin-1 from an older export (export "
		    "it again as UTF-8, or convert it with iconv -f latin1 -t utf8)", name,
		    bankfield_line_at(data, bad));
	for (size_t i = skip; i < len; i++)
		if (!isspace(u[i]))
			return 0;
	return errf(err, "%s: empty file: no statement lines (export the statement again)", name);
}

/* Rows are laid out as csv.c lays them out, one block each, so csv_table_release() fits. */
void
bankfield_tab_table(const char *data, size_t len, struct csv_table *t)
{
	const char *p = data, *end = data + len;
	int line = 1;

	memset(t, 0, sizeof(*t));
	t->delim = '\t';
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *e = p;
		size_t n, nf = 1, ptrs;
		char *block, *text;
		struct csv_row *row;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		if ((n = (size_t)(e - p)) > 0) {
			for (size_t i = 0; i < n; i++)
				nf += p[i] == '\t';
			ptrs = nf * sizeof(char *);
			block = xmalloc(ptrs + n + 1);
			text = memcpy(block + ptrs, p, n);
			text[n] = '\0';
			t->rows = xgrow(t->rows, &t->rows_cap, t->nrows + 1, sizeof(*t->rows));
			row = &t->rows[t->nrows++];
			row->fields = (char **)(void *)block;
			row->nfields = nf;
			row->line = line;
			row->fields[0] = text;
			for (size_t i = 0, k = 1; i < n; i++)
				if (text[i] == '\t')
					text[i] = '\0', row->fields[k++] = text + i + 1;
		}
		if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		p = e + 1;
		line++;
	}
}

/* Windows-1252's 0x80-0x9f; Latin-1 (ISO 8859-1) is the same elsewhere. 0xfffd: unused. */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

char *
bankfield_to_utf8(const char *data, size_t len, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)data;
	struct buf b;

	if (utf8_valid(data, len, NULL) || memchr(data, '\0', len) != NULL ||
	    (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))))
		return NULL;
	buf_init(&b);
	for (size_t i = 0; i < len; i++) {
		unsigned cp = u[i] >= 0x80 && u[i] < 0xa0 ? cp1252_high[u[i] - 0x80] : u[i];

		if (cp < 0x80) {
			buf_addch(&b, (char)cp);
		} else if (cp < 0x800) {
			buf_addch(&b, (char)(0xc0 | cp >> 6));
			buf_addch(&b, (char)(0x80 | (cp & 0x3f)));
		} else {
			buf_addch(&b, (char)(0xe0 | cp >> 12));
			buf_addch(&b, (char)(0x80 | ((cp >> 6) & 0x3f)));
			buf_addch(&b, (char)(0x80 | (cp & 0x3f)));
		}
	}
	*outlen = b.len;
	return buf_detach(&b);
}
