/*
 * template.c: the renderer (placeholders, blocks, the line rules, every error with its file
 * and line, values that try to break the subject) and every shipped template in both
 * languages with a full set of values.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "money.h"
#include "template.h"
#include "unit.h"
#include "util.h"

#define ZONE "Europe/Amsterdam"
#define DATA_DIR "tests/unit/data/template"
#define SHIPPED_DIR "conf/templates"

/* ---- A scratch template directory per test ---- */

static char tmpdir[64];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_template.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write tmpdir/LANG/NAME.txt with exactly `text`. */
static void
put(const char *lang, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, lang);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s.txt", tmpdir, lang, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

/* Render tmpdir/nl/t.txt, which must succeed. The caller frees both strings. */
static void
render_ok(const char *text, const struct tmpl_vars *v, char **subject, char **body)
{
	char err[ERR_MAX] = "";

	put("nl", "t", text);
	ck_assert_msg(template_render(tmpdir, "nl", "t", v, subject, body, err) == 0,
	    "render failed: %s", err);
}

/* Render tmpdir/nl/t.txt, which must fail with "<tmpdir>/nl/t.txt:<want>". */
static void
render_fails(const char *text, const char *want)
{
	char err[ERR_MAX] = "", expect[ERR_MAX + 64];
	char *subject = (char *)"x", *body = (char *)"x";
	struct tmpl_vars v;

	tmpl_vars_init(&v);
	tmpl_set(&v, "ref", "NS-7KQ2-4D");
	put("nl", "t", text);
	ck_assert_int_eq(template_render(tmpdir, "nl", "t", &v, &subject, &body, err), -1);
	ck_assert_ptr_null(subject);
	ck_assert_ptr_null(body);
	snprintf(expect, sizeof(expect), "%s/nl/t.txt:%s", tmpdir, want);
	ck_assert_str_eq(err, expect);
	tmpl_vars_release(&v);
}

/* ---- Values ---- */

START_TEST(test_vars)
{
	struct tmpl_vars v;

	tmpl_vars_init(&v);
	ck_assert_str_eq(tmpl_get(&v, "ref"), "");
	tmpl_set(&v, "ref", "NS-1");
	tmpl_set(&v, "customer_name", NULL);
	ck_assert_str_eq(tmpl_get(&v, "ref"), "NS-1");
	ck_assert_str_eq(tmpl_get(&v, "customer_name"), "");
	tmpl_set(&v, "ref", "NS-2");
	ck_assert_str_eq(tmpl_get(&v, "ref"), "NS-2");
	ck_assert_uint_eq(v.n, 2);
	tmpl_setf(&v, "waitlist_position", "%d", 3);
	ck_assert_str_eq(tmpl_get(&v, "waitlist_position"), "3");
	ck_assert_str_eq(tmpl_get(NULL, "ref"), "");
	tmpl_vars_release(&v);
	ck_assert_uint_eq(v.n, 0);
	ck_assert_ptr_null(v.v);
}
END_TEST

START_TEST(test_placeholder_list)
{
	/* Every name the lead and the templates rely on, and no duplicates. */
	static const char *const must[] = {
		"trainer_name", "trainer_email", "trainer_address", "trainer_kvk",
		"trainer_vat", "trainer_iban", "trainer_terms_url", "customer_name",
		"customer_email", "company", "vat_number", "is_business", "is_consumer", "ref",
		"session_title", "session_date", "session_time", "session_end_time",
		"session_location", "price", "price_excl_vat", "vat_amount", "vat_rate",
		"vat_exempt", "invoice_number", "invoice_date", "pay_by_date", "pay_by_time",
		"amount_due", "amount_paid", "balance", "waitlist_position",
		"free_cancel_before", "free_cancel_date", "late_cancel_fee",
		"late_cancel_amount", "withdrawal_days", "withdrawal_until",
		"withdrawal_applies", "release_unpaid", "release_date", "no_show_fee",
		"fee_amount", "rebook_once", "goodwill_value", "goodwill_reason",
		"dunning_step", "wik_costs", "wik_total", "interest_rate",
		"commercial_interest_rate", "term_days", "today_date", "digest_body",
	};

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		ck_assert_msg(template_known(must[i]), "%s missing", must[i]);
	ck_assert(!template_known("naem"));
	ck_assert(!template_known(""));
	for (size_t i = 0; template_placeholders[i] != NULL; i++)
		for (size_t j = i + 1; template_placeholders[j] != NULL; j++)
			ck_assert_str_ne(template_placeholders[i], template_placeholders[j]);
}
END_TEST

/* ---- Rendering ---- */

START_TEST(test_placeholders)
{
	struct tmpl_vars v;
	char *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "customer_name", "Anna");
	tmpl_set(&v, "ref", "NS-7KQ2-4D");
	render_ok("Subject: Bevestiging {{ref}} voor {{customer_name}}\n"
	    "\n"
	    "Beste {{customer_name}},\n"
	    "Uw referentie is {{ref}}; nog eens: {{ ref }}.\n", &v, &s, &b);
	ck_assert_str_eq(s, "Bevestiging NS-7KQ2-4D voor Anna");
	ck_assert_str_eq(b, "Beste Anna,\nUw referentie is NS-7KQ2-4D; nog eens: NS-7KQ2-4D.\n");
	free(s);
	free(b);
	/* An unset placeholder is empty; a value is never read as template text. */
	tmpl_set(&v, "customer_name", "{{ref}} {{#if x}}");
	render_ok("Subject: Hallo {{company}}{{customer_name}}\n\n"
	    "A {{company}}B\n{{customer_name}}\n", &v, &s, &b);
	ck_assert_str_eq(s, "Hallo {{ref}} {{#if x}}");
	ck_assert_str_eq(b, "A B\n{{ref}} {{#if x}}\n");
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_blocks)
{
	static const char text[] =
	    "Subject: {{#if is_business}}Zakelijk{{/if}}{{#unless is_business}}Privé{{/unless}}"
	    " {{ref}}\n"
	    "\n"
	    "Begin\n"
	    "{{#if is_business}}\n"
	    "Bedrijf: {{company}}\n"
	    "{{/if}}\n"
	    "{{#unless is_business}}\n"
	    "Consument\n"
	    "{{/unless}}\n"
	    "Inline: [{{#if company}}{{company}}{{/if}}] [{{#unless company}}geen{{/unless}}]\n"
	    "  {{#if  company }}  \n"
	    "Over twee\n"
	    "regels\n"
	    "  {{/if}}\n"
	    "Eind {{#if company}}met\n"
	    "bedrijf{{/if}} klaar\n";
	struct tmpl_vars v;
	char *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "ref", "R1");
	render_ok(text, &v, &s, &b);
	ck_assert_str_eq(s, "Privé R1");
	ck_assert_str_eq(b, "Begin\nConsument\nInline: [] [geen]\nEind  klaar\n");
	free(s);
	free(b);

	tmpl_set(&v, "is_business", "1");
	tmpl_set(&v, "company", "Jansen B.V.");
	render_ok(text, &v, &s, &b);
	ck_assert_str_eq(s, "Zakelijk R1");
	ck_assert_str_eq(b, "Begin\nBedrijf: Jansen B.V.\nInline: [Jansen B.V.] []\n"
	    "Over twee\nregels\nEind met\nbedrijf klaar\n");
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_line_rules)
{
	struct tmpl_vars v;
	char *s, *b;

	/*
	 * Leading empty lines go; trailing white space goes; a line with tags that comes out
	 * blank goes; runs of empty lines shrink to one; one line end at the end.
	 */
	tmpl_vars_init(&v);
	tmpl_set(&v, "trainer_name", "De Vries");
	render_ok("Subject:    Hallo   \n"
	    "\n"
	    "\n"
	    "Regel 1   \n"
	    "{{trainer_kvk}}\n"
	    "{{#if trainer_kvk}}KvK: {{trainer_kvk}}{{/if}}\n"
	    "{{trainer_name}}\n"
	    "\n"
	    "{{#if trainer_vat}}\n"
	    "Btw: {{trainer_vat}}\n"
	    "{{/if}}\n"
	    "\n"
	    "\n"
	    "Slot\n"
	    "\n"
	    "\n", &v, &s, &b);
	ck_assert_str_eq(s, "Hallo");
	ck_assert_str_eq(b, "Regel 1\nDe Vries\n\nSlot\n");
	free(s);
	free(b);
	/* No line end at the end of the file: the body still ends with one. */
	render_ok("Subject: x\n\nEen regel", &v, &s, &b);
	ck_assert_str_eq(b, "Een regel\n");
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_multiline_value)
{
	struct tmpl_vars v;
	char *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "trainer_address", "Kerkstraat 1\r\n1234 AB Utrecht\rNederland");
	render_ok("Subject: Van {{trainer_address}}\n\nAdres:\n{{trainer_address}}\n", &v, &s, &b);
	ck_assert_str_eq(s, "Van Kerkstraat 1 1234 AB Utrecht Nederland");
	ck_assert_str_eq(b, "Adres:\nKerkstraat 1\n1234 AB Utrecht\nNederland\n");
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

/* A name from a feed that tries to add a header must stay inside the one subject line. */
START_TEST(test_subject_injection)
{
	struct tmpl_vars v;
	char *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "customer_name", "Eve\r\nBcc: victim@example.org\n\nHi\t\x01there");
	tmpl_set(&v, "session_title", "\r\n");
	render_ok("Subject: Welkom {{customer_name}} bij {{session_title}}!\n\n"
	    "Beste {{customer_name}},\n", &v, &s, &b);
	ck_assert_str_eq(s, "Welkom Eve Bcc: victim@example.org Hi there bij !");
	ck_assert_ptr_null(strchr(s, '\r'));
	ck_assert_ptr_null(strchr(s, '\n'));
	/* The body keeps the line breaks, as '\n' only. */
	ck_assert_str_eq(b, "Beste Eve\nBcc: victim@example.org\n\nHi\t\x01there,\n");
	ck_assert_ptr_null(strchr(b, '\r'));
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_value_not_utf8)
{
	struct tmpl_vars v;
	char err[ERR_MAX], want[ERR_MAX];
	char *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "customer_name", "Ren\xe9");
	put("nl", "t", "Subject: x\n\nRegel\nBeste {{customer_name}},\n");
	ck_assert_int_eq(template_render(tmpdir, "nl", "t", &v, &s, &b, err), -1);
	snprintf(want, sizeof(want), "%s/nl/t.txt:4: the value of {{customer_name}} is not UTF-8 "
	    "(byte 3); it cannot go into a message", tmpdir);
	ck_assert_str_eq(err, want);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_unknown_placeholder)
{
	render_fails("Subject: x\n\nRegel\n\nDatum: {{sesion_date}}\n",
	    "5: unknown placeholder sesion_date in {{sesion_date}}; did you mean "
	    "{{session_date}}?");
	render_fails("Subject: x\n\n{{#if is_bussiness}}\nZakelijk\n{{/if}}\n",
	    "3: unknown placeholder is_bussiness in {{#if is_bussiness}}; did you mean "
	    "{{is_business}}?");
	render_fails("Subject: Over {{refx}}\n\nx\n",
	    "1: unknown placeholder refx in {{refx}}; did you mean {{ref}}?");
	render_fails("Subject: x\n\n{{Ref}}\n",
	    "3: {{Ref}} is not a placeholder; did you mean {{ref}}?");
}
END_TEST

START_TEST(test_unknown_lists_known)
{
	char err[ERR_MAX], *s, *b;

	put("nl", "t", "Subject: x\n\nx\n{{xyzzyplugh}}\n");
	ck_assert_int_eq(template_render(tmpdir, "nl", "t", NULL, &s, &b, err), -1);
	ck_assert_msg(strstr(err, "/nl/t.txt:4: unknown placeholder xyzzyplugh in {{xyzzyplugh}} "
	    "(known: trainer_name, trainer_email, ") != NULL, "%s", err);
	ck_assert_msg(strstr(err, ", ...") != NULL, "%s", err);
	ck_assert_uint_lt(strlen(err), ERR_MAX - 1);
}
END_TEST

START_TEST(test_bad_tags)
{
	render_fails("Subject: x\n\n{{}}\n",
	    "3: empty {{}} (write {{name}} with a placeholder name)");
	render_fails("Subject: x\n\n{{#each ref}}x{{/each}}\n",
	    "3: unknown block {{#each ref}} (blocks are {{#if name}} and {{#unless name}})");
	render_fails("Subject: x\n\n{{#if ref}}x{{/if ref}}\n",
	    "3: {{/if ref}} is not a closing tag (write {{/if}} or {{/unless}}, without a name)");
	render_fails("Subject: x\n\n{{#if}}x{{/if}}\n",
	    "3: {{#if}} needs a placeholder name: {{#if name}}");
	render_fails("Subject: x\n\n{{ref company}}\n",
	    "3: {{ref company}} is not a placeholder (one name per tag, like {{ref}})");
	render_fails("Subject: x\n\n{{{ref}}}\n",
	    "3: {{{ref}} is not a placeholder; did you mean {{ref}}?");
	render_fails("Subject: x\n\nPrijs: {{€}}\n",
	    "3: {{€}} is not a placeholder (names are lower-case letters, digits and '_'; "
	    "\"{{\" cannot be printed)");
	render_fails("Subject: x\n\nBeste {{customer_name,\n{{ref}}\n",
	    "3: \"{{\" without a closing \"}}\" on the same line");
}
END_TEST

START_TEST(test_unbalanced)
{
	render_fails("Subject: x\n\nA\n{{#if ref}}\nB\n",
	    "4: {{#if ref}} is never closed (add {{/if}} after its text)");
	render_fails("Subject: x\n\nA\nB\n{{/unless}}\n",
	    "5: {{/unless}} without an opening {{#unless name}}");
	render_fails("Subject: x\n\n{{#if ref}}\n{{#unless company}}\nB\n{{/unless}}\n{{/if}}\n",
	    "4: {{#unless company}} inside the {{#if ref}} opened on line 3: blocks do not nest "
	    "(close that one first with {{/if}})");
	render_fails("Subject: x\n\n{{#unless ref}}\nB\n{{/if}}\n",
	    "5: {{/if}} closes the {{#unless ref}} opened on line 3 (write {{/unless}})");
	/* The subject and the body are separate: a block may not run from one into the other. */
	render_fails("Subject: {{#if ref}}x\n\ny{{/if}}\n",
	    "1: {{#if ref}} is never closed (add {{/if}} after its text on the Subject line)");
}
END_TEST

START_TEST(test_subject_rules)
{
	render_fails("Onderwerp: Bevestiging\n\nTekst\n",
	    "1: the first line must be \"Subject: ...\" (in English in every language), then an "
	    "empty line, then the body");
	render_fails("", "1: the first line must be \"Subject: ...\" (in English in every "
	    "language), then an empty line, then the body");
	render_fails("Subject:   \n\nTekst\n",
	    "1: the Subject line is empty (write the subject after \"Subject:\")");
	render_fails("Subject: Bevestiging van uw\ninschrijving\n\nTekst\n",
	    "2: expected an empty line after the Subject line (the subject must fit on one line)");
	render_fails("Subject: Alleen een onderwerp",
	    "1: no body (write an empty line after the Subject line, then the text)");
	render_fails("Subject: Alleen een onderwerp\n\n  \n\n",
	    "3: the body is empty (write the message after the empty line)");
}
END_TEST

START_TEST(test_subject_case)
{
	char *s, *b;

	render_ok("subject: klein\n\nx\n", NULL, &s, &b);
	ck_assert_str_eq(s, "klein");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_missing_file)
{
	char err[ERR_MAX], want[ERR_MAX];
	char *s = (char *)"x", *b = (char *)"x";

	ck_assert_int_eq(template_render(tmpdir, "nl", "confirmation", NULL, &s, &b, err), -1);
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(b);
	snprintf(want, sizeof(want), "%s/nl/confirmation.txt: cannot read the template: No such "
	    "file or directory (each language directory needs one file per message; copy the "
	    "shipped one)", tmpdir);
	ck_assert_str_eq(err, want);
	/* Names become path parts, so nothing may climb out of the directory. */
	ck_assert_int_eq(template_render(tmpdir, "nl", "../../etc/passwd", NULL, &s, &b, err), -1);
	ck_assert_str_eq(err, "template name \"../../etc/passwd\" is not a plain name (letters, "
	    "digits, '-' and '_')");
	ck_assert_int_eq(template_render(tmpdir, "..", "confirmation", NULL, &s, &b, err), -1);
	ck_assert_str_eq(err, "template language \"..\" is not a plain name (like \"nl\")");
	ck_assert_int_eq(template_render(tmpdir, "nl", "", NULL, &s, &b, err), -1);
}
END_TEST

START_TEST(test_not_utf8)
{
	char err[ERR_MAX], *s, *b;

	ck_assert_int_eq(template_render(DATA_DIR, "nl", "latin1", NULL, &s, &b, err), -1);
	ck_assert_str_eq(err, DATA_DIR "/nl/latin1.txt:4: not UTF-8 (byte 0xe9); save the file "
	    "as UTF-8");
}
END_TEST

START_TEST(test_nul_byte)
{
	char path[256], err[ERR_MAX], want[ERR_MAX], *s, *b;
	static const char text[] = "Subject: x\n\nA\nB\0C\n";
	FILE *f;

	put("nl", "t", "");
	snprintf(path, sizeof(path), "%s/nl/t.txt", tmpdir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	ck_assert_int_eq(template_render(tmpdir, "nl", "t", NULL, &s, &b, err), -1);
	snprintf(want, sizeof(want), "%s:4: contains a NUL byte; is this really a template?", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_windows_file)
{
	struct tmpl_vars v;
	char err[ERR_MAX], *s, *b;

	tmpl_vars_init(&v);
	tmpl_set(&v, "ref", "NS-7KQ2-4D");
	tmpl_set(&v, "customer_name", "Anna");
	tmpl_set(&v, "is_business", "1");
	tmpl_set(&v, "company", "Jansen B.V.");
	ck_assert_msg(template_render(DATA_DIR, "nl", "windows", &v, &s, &b, err) == 0, "%s", err);
	ck_assert_str_eq(s, "Bevestiging NS-7KQ2-4D");
	ck_assert_str_eq(b, "Beste Anna,\n\nUw referentie is NS-7KQ2-4D.\nZakelijk: Jansen B.V.\n");
	free(s);
	free(b);
	tmpl_vars_release(&v);
}
END_TEST

START_TEST(test_check_reports_all)
{
	static const char *const langs[] = { "nl", "en", NULL };
	static const char *const names[] = { "a", "b", NULL };
	char *errs = xstrdup("noshowd.conf:3: earlier problem");
	char line[ERR_MAX];
	size_t n = 0;

	put("nl", "a", "Subject: ok {{ref}}\n\nBeste {{customer_name}},\n");
	put("nl", "b", "Subject: x\n\n{{naem}}\n{{#if ref}}\n{{/unless}}\n");
	put("en", "a", "No subject\n");
	/* en/b is missing */
	ck_assert_int_eq(template_check(tmpdir, langs, names, &errs), -1);
	ck_assert_ptr_nonnull(errs);
	ck_assert_msg(strncmp(errs, "noshowd.conf:3: earlier problem\n", 32) == 0, "%s", errs);
	snprintf(line, sizeof(line), "%s/nl/b.txt:3: unknown placeholder naem", tmpdir);
	ck_assert_msg(strstr(errs, line) != NULL, "%s", errs);
	snprintf(line, sizeof(line), "%s/nl/b.txt:5: {{/unless}} closes the {{#if ref}} opened "
	    "on line 4", tmpdir);
	ck_assert_msg(strstr(errs, line) != NULL, "%s", errs);
	snprintf(line, sizeof(line), "%s/en/a.txt:1: the first line must be", tmpdir);
	ck_assert_msg(strstr(errs, line) != NULL, "%s", errs);
	snprintf(line, sizeof(line), "%s/en/b.txt: cannot read the template", tmpdir);
	ck_assert_msg(strstr(errs, line) != NULL, "%s", errs);
	snprintf(line, sizeof(line), "%s/nl/a.txt", tmpdir);
	ck_assert_msg(strstr(errs, line) == NULL, "%s", errs);
	for (const char *p = errs; *p; p++)
		n += *p == '\n';
	ck_assert_uint_eq(n, 4);	/* five lines: the earlier one and four new ones */
	ck_assert(errs[strlen(errs) - 1] != '\n');
	free(errs);

	/* All well: 0, and *errs untouched. */
	errs = NULL;
	ck_assert_int_eq(template_check(tmpdir, langs + 0, (const char *const[]){ "a", NULL },
	    &errs), -1);	/* en/a is still bad */
	free(errs);
	errs = NULL;
	ck_assert_int_eq(template_check(tmpdir, (const char *const[]){ "nl", NULL },
	    (const char *const[]){ "a", NULL }, &errs), 0);
	ck_assert_ptr_null(errs);
}
END_TEST

/* ---- The shipped templates ---- */

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

enum sample_flags {
	S_BUSINESS = 1 << 0,
	S_EXEMPT = 1 << 1,
	S_KEEP_SEAT = 1 << 2,		/* release_unpaid off */
	S_DEPOSIT = 1 << 3,
	S_WITHDRAWAL = 1 << 4,
	S_MOVE = 1 << 5,
	S_WIK_VAT = 1 << 6,
	S_FREE = 1 << 7,		/* price 0: no invoice, nothing to pay */
	S_CREDIT = 1 << 8,		/* a credit note after the invoice */
	S_EXTRA = 1 << 9,		/* the courtesy is a free extra */
};

static void
money(struct tmpl_vars *v, const char *name, int64_t cents, const char *lang)
{
	char out[48];

	money_format(cents, lang, out);
	tmpl_set(v, name, out);
}

static void
date(struct tmpl_vars *v, const char *name, int y, int mo, int d, const char *lang)
{
	char out[64];

	format_date(utc(y, mo, d, 12, 0), ZONE, lang, out);
	tmpl_set(v, name, out);
}

static void
percent(struct tmpl_vars *v, const char *name, int bp, const char *lang)
{
	char out[16];

	format_percent(bp, lang, out);
	tmpl_set(v, name, out);
}

/* Every placeholder, the way the daemon fills them: a consumer unless S_BUSINESS. */
static void
sample(struct tmpl_vars *v, const char *lang, unsigned flags)
{
	char out[64];

	tmpl_vars_init(v);
	tmpl_set(v, "trainer_name", "Trainingen De Vries");
	tmpl_set(v, "trainer_email", "info@devries.example");
	tmpl_set(v, "trainer_address", "Kerkstraat 1\n1234 AB Utrecht");
	tmpl_set(v, "trainer_address_line", "Kerkstraat 1, 1234 AB Utrecht");
	tmpl_set(v, "trainer_kvk", "12345678");
	tmpl_set(v, "trainer_vat", "NL000099998B57");
	tmpl_set(v, "trainer_iban", "NL91 ABNA 0417 1643 00");
	tmpl_set(v, "trainer_terms_url", "https://devries.example/voorwaarden");
	tmpl_set(v, "customer_name", "Anna Jansen");
	tmpl_set(v, "customer_email", "anna@example.nl");
	if (flags & S_BUSINESS) {
		tmpl_set(v, "company", "Jansen Advies B.V.");
		tmpl_set(v, "vat_number", "NL123456789B01");
		tmpl_set(v, "customer_address", "Postbus 12\n3500 AA Utrecht");
		tmpl_set(v, "is_business", "1");
	} else
		tmpl_set(v, "is_consumer", "1");
	tmpl_set(v, "ref", "NS-7KQ2-4D");
	date(v, "booked_date", 2026, 11, 2, lang);
	tmpl_set(v, "session_title", "Timemanagement voor zzp'ers");
	date(v, "session_date", 2026, 12, 8, lang);
	tmpl_set(v, "session_time", "09:30");
	tmpl_set(v, "session_end_time", "16:30");
	tmpl_set(v, "session_location", "Vergadercentrum Domstad, Utrecht");
	tmpl_set(v, "session_url", "https://devries.example/t/42");
	tmpl_set(v, "has_price", "1");
	money(v, "price", 29500, lang);
	tmpl_set(v, "invoice_number", "2026-0042");
	date(v, "invoice_date", 2026, 11, 2, lang);
	if (flags & S_FREE) {
		tmpl_set(v, "has_price", NULL);
		money(v, "price", 0, lang);
		tmpl_set(v, "invoice_number", NULL);
		tmpl_set(v, "invoice_date", NULL);
	}
	if (flags & S_EXEMPT) {
		money(v, "price_excl_vat", 29500, lang);
		money(v, "vat_amount", 0, lang);
		percent(v, "vat_rate", 0, lang);
		tmpl_set(v, "vat_exempt", "Vrijgesteld van btw op grond van art. 11 lid 1 sub o "
		    "Wet OB");
		tmpl_set(v, "invoice_exempt", "1");
	} else {
		money(v, "price_excl_vat", 24380, lang);
		money(v, "vat_amount", 5120, lang);
		percent(v, "vat_rate", 2100, lang);
		if (!(flags & S_FREE))
			tmpl_set(v, "invoice_vat", "1");
	}
	date(v, "pay_by_date", 2026, 11, 16, lang);
	tmpl_set(v, "pay_by_time", "23:59");
	if (flags & S_DEPOSIT) {
		money(v, "deposit_amount", 5900, lang);
		money(v, "rest_amount", 23600, lang);
		date(v, "rest_due_date", 2026, 11, 24, lang);
	} else
		tmpl_set(v, "pay_in_full", "1");
	if (flags & S_FREE) {
		tmpl_set(v, "pay_in_full", NULL);
		money(v, "amount_due", 0, lang);
		money(v, "amount_paid", 0, lang);
		money(v, "balance", 0, lang);
	} else {
		money(v, "amount_due", 29500, lang);
		money(v, "amount_paid", 10000, lang);
		tmpl_set(v, "has_paid", "1");
		money(v, "balance", 19500, lang);
		tmpl_set(v, "has_balance", "1");
	}
	money(v, "refund_amount", 2500, lang);
	money(v, "payment_amount", 10000, lang);
	date(v, "payment_date", 2026, 11, 5, lang);
	tmpl_set(v, "accept_late", "1");
	tmpl_set(v, "waitlist_position", "3");
	format_duration(2 * 86400, lang, out);
	tmpl_set(v, "waitlist_pay_within", out);
	date(v, "cancel_date", 2026, 12, 4, lang);
	format_duration(7 * 86400, lang, out);
	tmpl_set(v, "free_cancel_before", out);
	date(v, "free_cancel_date", 2026, 12, 1, lang);
	tmpl_set(v, "free_cancel_time", "09:30");
	percent(v, "late_cancel_fee", 5000, lang);
	money(v, "late_cancel_amount", 14750, lang);
	tmpl_set(v, "withdrawal_days", "14");
	date(v, "withdrawal_until", 2026, 11, 16, lang);
	if (flags & S_WITHDRAWAL)
		tmpl_set(v, "withdrawal_applies", "1");
	tmpl_set(v, "rebook_once", "1");
	if (!(flags & (S_KEEP_SEAT | S_FREE)))
		tmpl_set(v, "release_unpaid", "1");
	date(v, "release_date", 2026, 11, 17, lang);
	tmpl_set(v, "release_time", "23:59");
	percent(v, "no_show_fee", 10000, lang);
	money(v, "fee_amount", 29500, lang);
	money(v, "goodwill_value", 14750, lang);
	tmpl_set(v, "goodwill_reason", "ziekte");
	if (flags & S_MOVE) {
		tmpl_set(v, "goodwill_move", "1");
		tmpl_set(v, "moved_to_ref", "NS-9MPX-3R");
		tmpl_set(v, "moved_to_title", "Timemanagement, tweede dag");
		date(v, "moved_to_date", 2027, 1, 12, lang);
		tmpl_set(v, "moved_to_time", "09:30");
	} else if (flags & S_EXTRA) {
		tmpl_set(v, "goodwill_extra", "het werkboek");
	} else {
		tmpl_set(v, "goodwill_waiver", "1");
	}
	if (flags & S_CREDIT) {
		tmpl_set(v, "credit_note_number", "2026-0043");
		date(v, "credit_note_date", 2026, 12, 4, lang);
		money(v, "credit_note_amount", 14750, lang);
		if (!(flags & S_EXEMPT))
			money(v, "credit_note_vat", 2560, lang);
	}
	tmpl_set(v, "dunning_step", "3");
	date(v, "due_date", 2026, 12, 9, lang);
	tmpl_set(v, "term_days", "14");
	money(v, "wik_costs", 4425, lang);	/* 15% of 295.00 */
	if (flags & S_WIK_VAT)
		tmpl_set(v, "wik_vat", "1");
	money(v, "wik_total", 23925, lang);
	percent(v, "interest_rate", 400, lang);
	percent(v, "commercial_interest_rate", 1015, lang);
	date(v, "today_date", 2027, 1, 20, lang);
	tmpl_set(v, "digest_body", "Vandaag: Timemanagement (8/12 bezet)\nMorgen: niets");
}

/* Render a shipped template; check what every message must satisfy. */
static void
shipped(const char *lang, const char *name, unsigned flags, char **subject, char **body)
{
	struct tmpl_vars v;
	char err[ERR_MAX] = "";

	sample(&v, lang, flags);
	ck_assert_msg(template_render(SHIPPED_DIR, lang, name, &v, subject, body, err) == 0,
	    "%s/%s: %s", lang, name, err);
	tmpl_vars_release(&v);
	ck_assert_msg((*subject)[0] != '\0', "%s/%s: empty subject", lang, name);
	ck_assert_ptr_null(strpbrk(*subject, "\r\n"));
	ck_assert_msg(strstr(*subject, "{{") == NULL && strstr(*body, "{{") == NULL &&
	    strstr(*body, "}}") == NULL, "%s/%s: a tag is left:\n%s", lang, name, *body);
	ck_assert_msg(strlen(*body) > 20, "%s/%s: body too short", lang, name);
	ck_assert((*body)[strlen(*body) - 1] == '\n');
	ck_assert_ptr_null(strchr(*body, '\r'));
	if (strcmp(name, "digest") != 0) {
		ck_assert_msg(strstr(*subject, "NS-7KQ2-4D") != NULL, "%s/%s: no ref in subject",
		    lang, name);
		ck_assert_msg(strstr(*body, "Trainingen De Vries") != NULL, "%s/%s: unsigned",
		    lang, name);
	}
}

static void
has(const char *body, const char *what, const char *ctx)
{
	ck_assert_msg(strstr(body, what) != NULL, "%s: \"%s\" missing in:\n%s", ctx, what, body);
}

static void
hasnt(const char *body, const char *what, const char *ctx)
{
	ck_assert_msg(strcasestr(body, what) == NULL, "%s: \"%s\" present in:\n%s", ctx, what,
	    body);
}

/* Every shipped template, both languages, consumer and business. */
START_TEST(test_shipped_all)
{
	for (size_t l = 0; template_langs[l] != NULL; l++) {
		for (int pass = 0; pass < 2; pass++) {
			const char *const *list = pass == 0 ? template_kinds : template_ladder;

			for (size_t i = 0; list[i] != NULL; i++) {
				for (unsigned f = 0; f <= S_BUSINESS; f++) {
					char *s, *b;

					shipped(template_langs[l], list[i], f, &s, &b);
					free(s);
					free(b);
				}
			}
		}
	}
}
END_TEST

/* With nothing filled in, every template still renders (no crash, a subject). */
START_TEST(test_shipped_empty_values)
{
	for (size_t l = 0; template_langs[l] != NULL; l++) {
		for (int pass = 0; pass < 2; pass++) {
			const char *const *list = pass == 0 ? template_kinds : template_ladder;

			for (size_t i = 0; list[i] != NULL; i++) {
				char err[ERR_MAX], *s, *b;

				ck_assert_msg(template_render(SHIPPED_DIR, template_langs[l],
				    list[i], NULL, &s, &b, err) == 0, "%s", err);
				ck_assert_msg(s[0] != '\0', "%s/%s", template_langs[l], list[i]);
				free(s);
				free(b);
			}
		}
	}
}
END_TEST

START_TEST(test_shipped_check)
{
	char *errs = NULL;

	ck_assert_msg(template_check(SHIPPED_DIR, NULL, NULL, &errs) == 0, "%s", errs);
	ck_assert_ptr_null(errs);
	ck_assert_int_eq(template_check(SHIPPED_DIR, template_langs, template_ladder, &errs), 0);
	ck_assert_ptr_null(errs);
}
END_TEST

/* The shipped files stay readable in a plain mail client: lines of at most 76 characters. */
START_TEST(test_shipped_line_length)
{
	for (size_t l = 0; template_langs[l] != NULL; l++) {
		for (int pass = 0; pass < 2; pass++) {
			const char *const *list = pass == 0 ? template_kinds : template_ladder;

			for (size_t i = 0; list[i] != NULL; i++) {
				char path[256], line[512];
				int n = 0;
				FILE *f;

				snprintf(path, sizeof(path), SHIPPED_DIR "/%s/%s.txt",
				    template_langs[l], list[i]);
				f = fopen(path, "r");
				ck_assert_ptr_nonnull(f);
				while (fgets(line, sizeof(line), f) != NULL) {
					size_t chars = 0;

					n++;
					for (char *p = line; *p && *p != '\n'; p++)
						chars += ((unsigned char)*p & 0xc0) != 0x80;
					ck_assert_msg(chars <= 76, "%s:%d: %zu characters", path, n,
					    chars);
				}
				fclose(f);
			}
		}
	}
}
END_TEST

START_TEST(test_confirmation_nl)
{
	char *s, *b;

	shipped("nl", "confirmation", 0, &s, &b);
	has(s, "Timemanagement voor zzp'ers", "nl confirmation subject");
	has(b, "NS-7KQ2-4D", "nl confirmation");
	has(b, "NL91 ABNA 0417 1643 00", "nl confirmation");
	has(b, "2026-0042", "nl confirmation");
	has(b, "KvK-nummer: 12345678", "nl confirmation");
	has(b, "NL000099998B57", "nl confirmation");
	has(b, "Kerkstraat 1\n1234 AB Utrecht", "nl confirmation");
	has(b, "uiterlijk 16 november 2026 om 23:59 uur", "nl confirmation");
	has(b, "8 december 2026", "nl confirmation");
	has(b, "09:30 - 16:30 uur", "nl confirmation");
	has(b, "Vergadercentrum Domstad", "nl confirmation");
	has(b, "Link:        https://devries.example/t/42", "nl confirmation");
	has(b, "€ 243,80", "nl confirmation");
	has(b, "Btw 21%:", "nl confirmation");
	has(b, "€ 51,20", "nl confirmation");
	has(b, "€ 295,00", "nl confirmation");
	has(b, "Met uw inschrijving is de overeenkomst tot stand gekomen; de betaling is\n"
	    "daarvoor geen voorwaarde.", "nl confirmation");
	has(b, "kosteloos annuleren tot 7 dagen voor de start", "nl confirmation");
	has(b, "1 december 2026 om 09:30 uur", "nl confirmation");
	has(b, "50% van de prijs", "nl confirmation");
	has(b, "€ 147,50", "nl confirmation");
	has(b, "100% van de prijs", "nl confirmation");
	has(b, "(.ics)", "nl confirmation");
	has(b, "https://devries.example/voorwaarden", "nl confirmation");
	/* The consumer gets the right of withdrawal and the model form, filled in. */
	has(b, "herroeping", "nl confirmation");
	has(b, "HERROEPINGSRECHT", "nl confirmation");
	has(b, "binnen een termijn van 14 dagen", "nl confirmation");
	has(b, "tot\nen met 16 november 2026", "nl confirmation");
	has(b, "Modelformulier voor herroeping", "nl confirmation");
	has(b, "- Aan: Trainingen De Vries, Kerkstraat 1, 1234 AB Utrecht,\n"
	    "  info@devries.example", "nl confirmation");
	has(b, "Besteld op: 2 november 2026", "nl confirmation");
	has(b, "(*) Doorhalen wat niet van toepassing is.", "nl confirmation");
	/* Paid in full by pay-by, seat released otherwise. */
	has(b, "Wilt u € 195,00 uiterlijk", "nl confirmation");
	has(b, "geven wij uw plaats\nvrij", "nl confirmation");
	hasnt(b, "aanbetaling", "nl confirmation");
	free(s);
	free(b);

	shipped("nl", "confirmation", S_BUSINESS, &s, &b);
	hasnt(b, "herroep", "nl business confirmation");
	hasnt(b, "Modelformulier", "nl business confirmation");
	has(b, "Jansen Advies B.V.", "nl business confirmation");
	has(b, "Aan:\nJansen Advies B.V.\nAnna Jansen\nPostbus 12\n3500 AA Utrecht\n"
	    "NL123456789B01\n", "nl business confirmation");
	has(b, "de betaling is\ndaarvoor geen voorwaarde", "nl business confirmation");
	free(s);
	free(b);

	/* VAT-exempt training: the exemption text instead of the VAT lines. */
	shipped("nl", "confirmation", S_EXEMPT, &s, &b);
	has(b, "Vrijgesteld van btw op grond van art. 11 lid 1 sub o Wet OB", "nl exempt");
	hasnt(b, "Btw 0%", "nl exempt");
	hasnt(b, "exclusief btw", "nl exempt");
	free(s);
	free(b);

	/* A free session: no invoice, nothing to pay, no fees to speak of. */
	shipped("nl", "confirmation", S_FREE, &s, &b);
	hasnt(b, "FACTUUR", "nl free");
	hasnt(b, "€ 0,00", "nl free");
	hasnt(b, "Btw", "nl free");
	hasnt(b, "kenmerk", "nl free");
	hasnt(b, "plaats\nvrij", "nl free");
	has(b, "U hoeft niets (meer) te betalen.", "nl free");
	has(b, "U annuleert door een e-mail te sturen naar info@devries.example.", "nl free");
	has(b, "Met uw inschrijving is de overeenkomst tot stand gekomen", "nl free");
	free(s);
	free(b);
	shipped("en", "confirmation", S_FREE | S_BUSINESS, &s, &b);
	hasnt(b, "Invoice date", "en free");
	hasnt(b, "€0.00", "en free");
	has(b, "There is nothing (more) to pay.", "en free");
	free(s);
	free(b);

	/* A deposit confirms the seat; the rest is due later. */
	shipped("nl", "confirmation", S_DEPOSIT, &s, &b);
	has(b, "aanbetaling van € 59,00", "nl deposit");
	has(b, "restant van € 236,00", "nl deposit");
	has(b, "24 november 2026", "nl deposit");
	hasnt(b, "Wilt u € 195,00", "nl deposit");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_confirmation_en)
{
	char *s, *b;

	shipped("en", "confirmation", 0, &s, &b);
	has(b, "NS-7KQ2-4D", "en confirmation");
	has(b, "NL91 ABNA 0417 1643 00", "en confirmation");
	has(b, "2026-0042", "en confirmation");
	has(b, "no later than 16 November 2026 at 23:59", "en confirmation");
	has(b, "€295.00", "en confirmation");
	has(b, "VAT 21%:", "en confirmation");
	has(b, "The agreement was formed by your registration; payment is not a\n"
	    "condition for it.", "en confirmation");
	has(b, "7 days before the\nstart", "en confirmation");
	has(b, "withdrawal", "en confirmation");
	has(b, "RIGHT OF WITHDRAWAL", "en confirmation");
	has(b, "Model withdrawal form", "en confirmation");
	has(b, "(*) Delete as appropriate.", "en confirmation");
	has(b, "Ordered on: 2 November 2026", "en confirmation");
	free(s);
	free(b);

	shipped("en", "confirmation", S_BUSINESS, &s, &b);
	hasnt(b, "withdraw", "en business confirmation");
	has(b, "To:\nJansen Advies B.V.\nAnna Jansen\nPostbus 12\n3500 AA Utrecht\n"
	    "NL123456789B01\n", "en business confirmation");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_seat_available)
{
	char *s, *b;

	shipped("nl", "seat-available", 0, &s, &b);
	has(b, "wachtlijst", "nl seat-available");
	has(b, "agenda-uitnodiging (.ics)", "nl seat-available");
	has(b, "2026-0042", "nl seat-available");
	has(b, "16 november 2026 om 23:59 uur", "nl seat-available");
	has(b, "Modelformulier voor herroeping", "nl seat-available");
	free(s);
	free(b);
	shipped("en", "seat-available", S_BUSINESS, &s, &b);
	has(b, "waiting list", "en seat-available");
	hasnt(b, "withdraw", "en business seat-available");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_waitlisted)
{
	char *s, *b;

	shipped("nl", "waitlisted", 0, &s, &b);
	has(b, "plaats\n3.", "nl waitlisted");
	has(b, "hoeft u niets te betalen", "nl waitlisted");
	has(b, "2 dagen de tijd", "nl waitlisted");
	free(s);
	free(b);
	shipped("en", "waitlisted", 0, &s, &b);
	has(b, "number 3", "en waitlisted");
	has(b, "2 days to pay", "en waitlisted");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_payment_reminder)
{
	char *s, *b;

	shipped("nl", "payment-reminder", 0, &s, &b);
	has(b, "€ 195,00", "nl payment-reminder");
	has(b, "NS-7KQ2-4D", "nl payment-reminder");
	has(b, "16 november 2026 om 23:59 uur", "nl payment-reminder");
	has(b, "geven wij uw plaats vrij", "nl payment-reminder");
	hasnt(b, "blijft voor u gereserveerd", "nl payment-reminder");
	free(s);
	free(b);
	shipped("nl", "payment-reminder", S_KEEP_SEAT, &s, &b);
	has(b, "blijft voor u gereserveerd", "nl payment-reminder kept");
	has(b, "blijft dan verschuldigd", "nl payment-reminder kept");
	hasnt(b, "plaats vrij", "nl payment-reminder kept");
	free(s);
	free(b);
	shipped("en", "payment-reminder", 0, &s, &b);
	has(b, "give your place to someone else", "en payment-reminder");
	free(s);
	free(b);
	shipped("en", "payment-reminder", S_KEEP_SEAT, &s, &b);
	has(b, "remains reserved", "en payment-reminder kept");
	hasnt(b, "give your place", "en payment-reminder kept");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_cancellations)
{
	char *s, *b;

	shipped("nl", "cancellation", S_WITHDRAWAL, &s, &b);
	has(b, "herroepingsrecht", "nl cancellation withdrawal");
	has(b, "€ 25,00", "nl cancellation withdrawal");
	has(b, "14 dagen", "nl cancellation withdrawal");
	free(s);
	free(b);
	shipped("nl", "cancellation", 0, &s, &b);
	hasnt(b, "herroep", "nl cancellation");
	has(b, "geen kosten", "nl cancellation");
	free(s);
	free(b);
	shipped("nl", "late-cancellation", 0, &s, &b);
	has(b, "50%", "nl late-cancellation");
	has(b, "€ 147,50", "nl late-cancellation");
	has(b, "minder dan 7 dagen voor de start", "nl late-cancellation");
	has(b, "niet aan\neen ander overdragen", "nl late-cancellation");
	free(s);
	free(b);
	shipped("en", "late-cancellation", 0, &s, &b);
	has(b, "€147.50", "en late-cancellation");
	has(b, "cannot be transferred", "en late-cancellation");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_no_show_goodwill)
{
	char *s, *b;

	shipped("nl", "no-show", 0, &s, &b);
	has(b, "100% van de prijs", "nl no-show");
	has(b, "€ 295,00", "nl no-show");
	has(b, "2026-0042", "nl no-show");
	free(s);
	free(b);
	shipped("nl", "goodwill", 0, &s, &b);
	has(b, "€ 147,50", "nl goodwill");
	has(b, "ziekte", "nl goodwill");
	has(b, "kwijt", "nl goodwill");
	free(s);
	free(b);
	shipped("en", "goodwill", S_MOVE, &s, &b);
	has(b, "free of charge", "en goodwill move");
	has(b, "€147.50", "en goodwill move");
	hasnt(b, "waived", "en goodwill move");
	free(s);
	free(b);
}
END_TEST

/* Less due than invoiced: the credit note; a move's cancellation; a free extra. */
START_TEST(test_credit_move_extra)
{
	char *s, *b;

	shipped("en", "late-cancellation", S_CREDIT, &s, &b);
	has(b, "CREDIT NOTE 2026-0043 of", "en late-cancellation credit");
	has(b, "Corrects invoice:  2026-0042", "en late-cancellation credit");
	has(b, "Credited:          €147.50", "en late-cancellation credit");
	has(b, "Of which VAT 21%: €25.60", "en late-cancellation credit");
	free(s);
	free(b);
	shipped("nl", "no-show", S_CREDIT | S_EXEMPT, &s, &b);
	has(b, "CREDITNOTA 2026-0043 van", "nl no-show credit exempt");
	hasnt(b, "Waarvan btw", "nl no-show credit exempt");
	free(s);
	free(b);
	shipped("nl", "release", 0, &s, &b);
	hasnt(b, "creditnota", "nl release without credit note");
	free(s);
	free(b);
	shipped("en", "cancellation", S_MOVE | S_CREDIT, &s, &b);
	has(b, "free of charge to\nTimemanagement, tweede dag", "en cancellation move");
	has(b, "reference NS-9MPX-3R", "en cancellation move");
	hasnt(b, "we received your cancellation", "en cancellation move");
	has(b, "CREDIT NOTE 2026-0043", "en cancellation move");
	free(s);
	free(b);
	shipped("en", "cancellation", 0, &s, &b);
	has(b, "we received your cancellation", "en cancellation");
	hasnt(b, "moved", "en cancellation");
	free(s);
	free(b);
	shipped("nl", "goodwill", S_EXTRA, &s, &b);
	has(b, "krijgt u kosteloos: het werkboek. De waarde\ndaarvan is € 147,50.",
	    "nl goodwill extra");
	hasnt(b, "kwijt", "nl goodwill extra");
	hasnt(b, "omgeboekt", "nl goodwill extra");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_digest)
{
	char *s, *b;

	shipped("nl", "digest", 0, &s, &b);
	has(s, "20 januari 2027", "nl digest");
	has(b, "Vandaag: Timemanagement (8/12 bezet)\nMorgen: niets\n", "nl digest");
	free(s);
	free(b);
}
END_TEST

START_TEST(test_dunning)
{
	char *s, *b;

	shipped("nl", "reminder", 0, &s, &b);
	has(b, "€ 195,00", "nl reminder");
	has(b, "binnen 14 dagen", "nl reminder");
	hasnt(b, "incassokosten", "nl reminder");
	free(s);
	free(b);

	/* The consumer's 14-day letter, art. 6:96 lid 6 BW. */
	shipped("nl", "final-notice", 0, &s, &b);
	has(b, "Hoofdsom:    € 195,00", "nl final-notice");
	has(b, "binnen veertien dagen, te rekenen vanaf de dag na ontvangst", "nl final-notice");
	has(b, "Aan deze aanmaning zijn geen kosten verbonden", "nl final-notice");
	has(b, "€ 44,25", "nl final-notice");
	has(b, "€ 239,25", "nl final-notice");
	has(b, "wettelijke rente", "nl final-notice");
	has(b, "4% per\njaar", "nl final-notice");
	hasnt(b, "handelsrente", "nl final-notice");
	hasnt(b, "inclusief btw", "nl final-notice");
	free(s);
	free(b);
	shipped("nl", "final-notice", S_WIK_VAT, &s, &b);
	has(b, "€ 44,25 (inclusief btw)", "nl final-notice wik_vat");
	free(s);
	free(b);

	shipped("nl", "final-notice", S_BUSINESS, &s, &b);
	has(b, "handelsrente", "nl business final-notice");
	has(b, "10,15%", "nl business final-notice");
	has(b, "€ 40,00", "nl business final-notice");
	has(b, "€ 44,25", "nl business final-notice");
	hasnt(b, "dag na ontvangst", "nl business final-notice");
	free(s);
	free(b);

	shipped("en", "final-notice", 0, &s, &b);
	has(b, "within fourteen days, counting from the day after you receive", "en final-notice");
	has(b, "free of charge", "en final-notice");
	has(b, "€44.25", "en final-notice");
	has(b, "statutory interest", "en final-notice");
	free(s);
	free(b);
	shipped("en", "final-notice", S_BUSINESS, &s, &b);
	has(b, "commercial interest", "en business final-notice");
	has(b, "10.15%", "en business final-notice");
	has(b, "€40.00", "en business final-notice");
	free(s);
	free(b);
}
END_TEST

static Suite *
template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *render = tcase_create("render");
	TCase *ship = tcase_create("shipped");

	tcase_add_checked_fixture(render, setup, teardown);
	tcase_add_test(render, test_vars);
	tcase_add_test(render, test_placeholder_list);
	tcase_add_test(render, test_placeholders);
	tcase_add_test(render, test_blocks);
	tcase_add_test(render, test_line_rules);
	tcase_add_test(render, test_multiline_value);
	tcase_add_test(render, test_subject_injection);
	tcase_add_test(render, test_value_not_utf8);
	tcase_add_test(render, test_unknown_placeholder);
	tcase_add_test(render, test_unknown_lists_known);
	tcase_add_test(render, test_bad_tags);
	tcase_add_test(render, test_unbalanced);
	tcase_add_test(render, test_subject_rules);
	tcase_add_test(render, test_subject_case);
	tcase_add_test(render, test_missing_file);
	tcase_add_test(render, test_not_utf8);
	tcase_add_test(render, test_nul_byte);
	tcase_add_test(render, test_windows_file);
	tcase_add_test(render, test_check_reports_all);
	suite_add_tcase(s, render);

	tcase_set_timeout(ship, 60);
	tcase_add_test(ship, test_shipped_all);
	tcase_add_test(ship, test_shipped_empty_values);
	tcase_add_test(ship, test_shipped_check);
	tcase_add_test(ship, test_shipped_line_length);
	tcase_add_test(ship, test_confirmation_nl);
	tcase_add_test(ship, test_confirmation_en);
	tcase_add_test(ship, test_seat_available);
	tcase_add_test(ship, test_waitlisted);
	tcase_add_test(ship, test_payment_reminder);
	tcase_add_test(ship, test_cancellations);
	tcase_add_test(ship, test_no_show_goodwill);
	tcase_add_test(ship, test_credit_move_extra);
	tcase_add_test(ship, test_digest);
	tcase_add_test(ship, test_dunning);
	suite_add_tcase(s, ship);
	return s;
}

UNIT_MAIN(template_suite)
