/*
 * template.c: the message templates (syntax in template.h). A template is read whole,
 * checked as UTF-8, split into its Subject line and body, and both are rendered in one pass
 * that also collects every problem with its line, so that template_check() (noshowd -t)
 * reports them all and template_render() the first one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "log.h"
#include "template.h"
#include "util.h"

#define TEMPLATE_MAX (1024 * 1024)	/* a template is a letter, not a data file */
#define NAME_MAX_LEN 63			/* longer than any placeholder name */

/*
 * Every placeholder a template may use. Amounts are formatted for people in the message's
 * language (money_format: "€ 295,00" / "€295.00"), dates by format_date ("8 december
 * 2026"), times by format_time ("09:30"), durations by format_duration ("7 dagen"),
 * percentages by format_percent ("21%"). A flag is non-empty ("1") when true and empty
 * when false, for {{#if}} and {{#unless}}; a value that does not apply is left empty.
 *
 * The trainer (configuration group `trainer`):
 *   trainer_name        name of the trainer or company, as on the invoice
 *   trainer_email       the trainer's mail address
 *   trainer_address     postal address; may hold several lines
 *   trainer_address_line  the same on one line, its lines joined by ", "
 *   trainer_kvk         Chamber of Commerce (KvK) number
 *   trainer_vat         the trainer's VAT identification number
 *   trainer_iban        account for payments
 *   trainer_terms_url   general terms and conditions on the web; empty if none
 * The customer:
 *   customer_name       the person's name; empty if the source gave none
 *   customer_email      the address the message goes to
 *   customer_address    postal address, when known (invoices to a business need it)
 *   company             company name of a business customer
 *   vat_number          the business customer's VAT number
 *   is_business         flag: the customer is a business (company set)
 *   is_consumer         flag: the customer is a consumer (not is_business)
 * The booking and its session:
 *   ref                 the booking reference, also the payment reference
 *   booked_date         date of the registration (when the agreement was formed)
 *   session_title       title of the training
 *   session_date        date of the start (first meeting of a course)
 *   session_time        start time
 *   session_end_time    end time
 *   session_location    where it takes place; empty if unknown
 *   session_url         the session's web address (an online meeting's link); may be empty
 * Price and invoice (for the session's price):
 *   has_price           flag: the session has a price above zero
 *   price               price including VAT
 *   price_excl_vat      price excluding VAT
 *   vat_amount          the VAT in the price
 *   vat_rate            the VAT rate, e.g. "21%"
 *   vat_exempt          the exemption text (trainer.vat_exempt) when the VAT rate is 0;
 *                       empty otherwise
 *   invoice_number      the number of the booking's invoice (gapless per year); empty
 *                       when none was issued, which leaves the invoice out
 *   invoice_date        the invoice's date
 *   invoice_vat         flag: an invoice is shown and it charges VAT (the VAT lines)
 *   invoice_exempt      flag: an invoice is shown and it is VAT-exempt (vat_exempt text)
 *   credit_note_number  the credit note issued after that invoice when less became due
 *                       (a fee below the price, a waiver, a release, a move); empty when
 *                       there is none
 *   credit_note_date    its date
 *   credit_note_amount  the amount it credits (VAT included), as a positive amount
 *   credit_note_vat     the VAT in that amount; empty when the trainer charges no VAT
 * Payment:
 *   pay_by_date         date of the pay-by moment shown to the customer
 *   pay_by_time         time of the pay-by moment
 *   pay_in_full         flag: the whole balance is due by pay-by (has_balance, and no
 *                       deposit)
 *   deposit_amount      the deposit that confirms the seat; empty without a deposit
 *   rest_amount         what remains due after the deposit
 *   rest_due_date       date by which the rest is due
 *   amount_due          what the booking owes in total now (price or fee)
 *   amount_paid         what has been paid so far
 *   has_paid            flag: amount_paid > 0
 *   balance             amount_due - amount_paid
 *   has_balance         flag: balance > 0
 *   refund_amount       what will be paid back; empty when nothing is
 *   payment_amount      the payment just received (payment-received)
 *   payment_date        date of that payment
 *   accept_late         flag: a payment after release revives the seat if one is free
 * Waiting list:
 *   waitlist_position   place on the waiting list, "1" for the first
 *   waitlist_pay_within time to pay once a seat is offered, e.g. "2 dagen"
 * Cancellation and withdrawal:
 *   cancel_date         date the cancellation was received
 *   free_cancel_before  how long before the start cancelling is free, e.g. "7 dagen"
 *   free_cancel_date    the last date on which cancelling is free
 *   free_cancel_time    the time on that date
 *   late_cancel_fee     the late cancellation fee as a percentage of the price, "50%"
 *   late_cancel_amount  that fee as an amount
 *   withdrawal_days     the withdrawal period in days, "14"
 *   withdrawal_until    the last day of the withdrawal period
 *   withdrawal_applies  flag: this cancellation falls under the consumer's right of
 *                       withdrawal (and is therefore free)
 *   rebook_once         flag: one free move to a later session is offered
 *   moved_to_ref        the booking a free move made of this one (its cancellation
 *                       then says where it went); empty otherwise
 *   moved_to_title      the title of the session it moved to
 *   moved_to_date       that session's date
 *   moved_to_time       its start time
 * Release of unpaid seats:
 *   release_unpaid      flag: this booking's seat is released if it is still unpaid
 *                       after pay-by (policy.release_unpaid, and a balance to pay)
 *   release_date        date the seat was (or will be) released
 *   release_time        time of that moment
 * No-show:
 *   no_show_fee         the no-show fee as a percentage of the price, "100%"
 *   fee_amount          that fee as an amount
 * Goodwill:
 *   goodwill_value      the value of the courtesy
 *   goodwill_reason     the reason the trainer gave
 *   goodwill_move       flag: the courtesy is a free move (session_* then describe the
 *                       new session)
 *   goodwill_waiver     flag: the courtesy is a waiver of goodwill_value
 *   goodwill_extra      what was given free, for a free extra; empty otherwise
 * Dunning:
 *   dunning_step        the ladder step, "1" for the first
 *   due_date            date the debt fell due
 *   term_days           days given to pay in this step, "14"
 *   wik_costs           collection costs by the statutory scale (art. 6:96 BW) on the
 *                       principal (balance)
 *   wik_vat             flag: wik_costs includes VAT (policy.wik_vat)
 *   wik_total           balance + wik_costs
 *   interest_rate       statutory interest (art. 6:119 BW), e.g. "4%"
 *   commercial_interest_rate  statutory commercial interest (art. 6:119a BW), "10,15%"
 * Digest (to the trainer):
 *   today_date          today's date
 *   digest_body         the digest text, made by the caller
 */
const char *const template_placeholders[] = {
	"trainer_name", "trainer_email", "trainer_address", "trainer_address_line",
	"trainer_kvk", "trainer_vat", "trainer_iban", "trainer_terms_url",
	"customer_name", "customer_email", "customer_address", "company", "vat_number",
	"is_business", "is_consumer",
	"ref", "booked_date", "session_title", "session_date", "session_time",
	"session_end_time", "session_location", "session_url",
	"has_price", "price", "price_excl_vat", "vat_amount", "vat_rate", "vat_exempt",
	"invoice_number", "invoice_date", "invoice_vat", "invoice_exempt",
	"credit_note_number", "credit_note_date", "credit_note_amount", "credit_note_vat",
	"pay_by_date", "pay_by_time", "pay_in_full", "deposit_amount", "rest_amount",
	"rest_due_date", "amount_due", "amount_paid", "has_paid", "balance", "has_balance",
	"refund_amount", "payment_amount", "payment_date", "accept_late",
	"waitlist_position", "waitlist_pay_within",
	"cancel_date", "free_cancel_before", "free_cancel_date", "free_cancel_time",
	"late_cancel_fee", "late_cancel_amount", "withdrawal_days", "withdrawal_until",
	"withdrawal_applies", "rebook_once", "moved_to_ref", "moved_to_title", "moved_to_date",
	"moved_to_time",
	"release_unpaid", "release_date", "release_time",
	"no_show_fee", "fee_amount",
	"goodwill_value", "goodwill_reason", "goodwill_move", "goodwill_waiver",
	"goodwill_extra",
	"dunning_step", "due_date", "term_days", "wik_costs", "wik_vat", "wik_total",
	"interest_rate", "commercial_interest_rate",
	"today_date", "digest_body",
	NULL,
};

const char *const template_kinds[] = {
	"confirmation", "waitlisted", "seat-available", "payment-reminder", "release",
	"cancellation", "late-cancellation", "no-show", "refusal", "goodwill",
	"payment-received", "digest", NULL,
};

const char *const template_ladder[] = { "reminder", "second-reminder", "final-notice", NULL };

const char *const template_langs[] = { "nl", "en", NULL };

/*
 * Names are compared by their first byte before strcmp: a message sets and looks up a
 * hundred names, each against a hundred, and the calls to strcmp were 6% of composing it.
 */
static int
same_name(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

int
template_known(const char *name)
{
	for (size_t i = 0; template_placeholders[i] != NULL; i++)
		if (same_name(template_placeholders[i], name))
			return 1;
	return 0;
}

void
tmpl_vars_init(struct tmpl_vars *v)
{
	v->v = NULL;
	v->n = v->cap = 0;
}

void
tmpl_set(struct tmpl_vars *v, const char *name, const char *value)
{
	if (!template_known(name))
		log_warnx("template: placeholder \"%s\" is not in template_placeholders, so no "
		    "template can use it", name);
	for (size_t i = 0; i < v->n; i++) {
		if (same_name(v->v[i].name, name)) {
			free(v->v[i].value);
			v->v[i].value = xstrdup(value ? value : "");
			return;
		}
	}
	v->v = xgrow(v->v, &v->cap, v->n + 1, sizeof(*v->v));
	v->v[v->n].name = name;
	v->v[v->n].value = xstrdup(value ? value : "");
	v->n++;
}

void
tmpl_setf(struct tmpl_vars *v, const char *name, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tmpl_set(v, name, b.data ? b.data : "");
	buf_release(&b);
}

const char *
tmpl_get(const struct tmpl_vars *v, const char *name)
{
	if (v == NULL)
		return "";
	for (size_t i = 0; i < v->n; i++)
		if (same_name(v->v[i].name, name))
			return v->v[i].value;
	return "";
}

void
tmpl_vars_release(struct tmpl_vars *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].value);
	free(v->v);
	tmpl_vars_init(v);
}

/* ---- Rendering ---- */

enum tag_kind {
	TAG_VALUE,
	TAG_IF,
	TAG_UNLESS,
	TAG_END_IF,
	TAG_END_UNLESS,
};

struct render {
	const char *path;
	const struct tmpl_vars *vars;	/* NULL when only checking */
	struct buf errs;		/* "path:line: message" lines, '\n' between them */
	int nerr;
	int in_subject;			/* values lose their line breaks */
	enum tag_kind open;		/* the open block: TAG_IF or TAG_UNLESS; else VALUE */
	char open_name[NAME_MAX_LEN + 1];
	int open_line;
	int nested;			/* opening tags ignored inside the open block */
	int skip;			/* inside a block whose content is left out */
	char sha256[65];		/* of the file's bytes as read, for the evidence */
};

static void rerr(struct render *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rerr(struct render *r, int line, const char *fmt, ...)
{
	va_list ap;

	if (r->errs.len > 0)
		buf_addch(&r->errs, '\n');
	if (line > 0)
		buf_printf(&r->errs, "%s:%d: ", r->path, line);
	else
		buf_printf(&r->errs, "%s: ", r->path);
	va_start(ap, fmt);
	buf_vprintf(&r->errs, fmt, ap);
	va_end(ap);
	r->nerr++;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int
min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

/* Edit distance counting a swap of two neighbours as one edit ("naem" is 1 from "name"). */
static int
edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[NAME_MAX_LEN + 2][NAME_MAX_LEN + 2];

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return 99;
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

/* The known name closest to `name` (lower-cased first), or NULL if none is close. */
static const char *
suggest(const char *name)
{
	char low[NAME_MAX_LEN + 1];
	const char *best = NULL;
	int bestd = 3;

	if (strlen(name) > NAME_MAX_LEN)
		return NULL;
	snprintf(low, sizeof(low), "%s", name);
	str_lower(low);
	for (size_t i = 0; template_placeholders[i] != NULL; i++) {
		int d = edit_distance(low, template_placeholders[i]);

		if (d < bestd && d < (int)strlen(low)) {
			bestd = d;
			best = template_placeholders[i];
		}
	}
	return best;
}

static void
unknown_name(struct render *r, int line, const char *tag, const char *name)
{
	const char *s = suggest(name);
	struct buf known;

	if (s != NULL) {
		rerr(r, line, "unknown placeholder %s in {{%s}}; did you mean {{%s}}?", name, tag,
		    s);
		return;
	}
	/* The whole list would not fit one error line; the first names show what is meant. */
	buf_init(&known);
	for (size_t i = 0; template_placeholders[i] != NULL; i++) {
		if (known.len > 200) {
			buf_addstr(&known, ", ...");
			break;
		}
		buf_printf(&known, "%s%s", i ? ", " : "", template_placeholders[i]);
	}
	rerr(r, line, "unknown placeholder %s in {{%s}} (known: %s)", name, tag, known.data);
	buf_release(&known);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse the text between "{{" and "}}" (s, n bytes). Returns 0 and fills kind and name, or
 * -1 after reporting what is wrong.
 */
static int
parse_tag(struct render *r, int line, const char *s, size_t n, enum tag_kind *kind,
    char name[NAME_MAX_LEN + 1])
{
	char tag[80];
	const char *p, *end = s + n;
	size_t k;

	/* For error messages; a copy, not snprintf, as it is made for every tag rendered. */
	k = n > 60 ? 60 : n;
	memcpy(tag, s, k);
	strcpy(tag + k, n > 60 ? "..." : "");
	while (s < end && is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		end--;
	name[0] = '\0';
	if (s == end) {
		rerr(r, line, "empty {{}} (write {{name}} with a placeholder name)");
		return -1;
	}
	if (*s == '/') {
		size_t len = (size_t)(end - s - 1);

		if (len == 2 && memcmp(s + 1, "if", 2) == 0)
			*kind = TAG_END_IF;
		else if (len == 6 && memcmp(s + 1, "unless", 6) == 0)
			*kind = TAG_END_UNLESS;
		else {
			rerr(r, line, "{{%s}} is not a closing tag (write {{/if}} or {{/unless}}, "
			    "without a name)", tag);
			return -1;
		}
		return 0;
	}
	if (*s == '#') {
		p = s + 1;
		if ((size_t)(end - p) >= 2 && memcmp(p, "if", 2) == 0 &&
		    (p + 2 == end || is_space(p[2]))) {
			*kind = TAG_IF;
			p += 2;
		} else if ((size_t)(end - p) >= 6 && memcmp(p, "unless", 6) == 0 &&
		    (p + 6 == end || is_space(p[6]))) {
			*kind = TAG_UNLESS;
			p += 6;
		} else {
			rerr(r, line, "unknown block {{%s}} (blocks are {{#if name}} and "
			    "{{#unless name}})", tag);
			return -1;
		}
		while (p < end && is_space(*p))
			p++;
		if (p == end) {
			rerr(r, line, "{{%s}} needs a placeholder name: {{%s name}}", tag,
			    *kind == TAG_IF ? "#if" : "#unless");
			return -1;
		}
		s = p;
	} else
		*kind = TAG_VALUE;
	for (k = 0; s + k < end && !is_space(s[k]); k++)
		;
	if (s + k != end) {
		rerr(r, line, "{{%s}} is not a placeholder (one name per tag, like {{ref}})", tag);
		return -1;
	}
	if (k > NAME_MAX_LEN) {
		rerr(r, line, "{{%s}} is not a placeholder (the name is too long)", tag);
		return -1;
	}
	memcpy(name, s, k);
	name[k] = '\0';
	for (size_t i = 0; i < k; i++) {
		if (!name_char(name[i])) {
			const char *sg = suggest(name);

			if (sg != NULL)
				rerr(r, line, "{{%s}} is not a placeholder; did you mean "
				    "{{%s}}?", tag, sg);
			else
				rerr(r, line, "{{%s}} is not a placeholder (names are lower-case "
				    "letters, digits and '_'; \"{{\" cannot be printed)", tag);
			return -1;
		}
	}
	if (!template_known(name)) {
		unknown_name(r, line, tag, name);
		return -1;
	}
	return 0;
}

/* Append a value: one line in the subject, '\n' line ends in the body. */
static void
put_value(struct render *r, int line, const char *name, const char *v, struct buf *out)
{
	size_t bad;

	if (!utf8_valid(v, strlen(v), &bad)) {
		rerr(r, line, "the value of {{%s}} is not UTF-8 (byte %zu); it cannot go into a "
		    "message", name, bad);
		return;
	}
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (r->in_subject && (c < 0x20 || c == 0x7f))
			buf_addch(out, ' ');
		else if (c == '\r') {
			buf_addch(out, '\n');
			if (v[1] == '\n')
				v++;
		} else
			buf_addch(out, (char)c);
	}
}

static void
open_block(struct render *r, int line, enum tag_kind kind, const char *name)
{
	int set;

	if (r->open != TAG_VALUE) {
		rerr(r, line, "{{#%s %s}} inside the {{#%s %s}} opened on line %d: blocks do not "
		    "nest (close that one first with {{/%s}})", kind == TAG_IF ? "if" : "unless",
		    name, r->open == TAG_IF ? "if" : "unless", r->open_name, r->open_line,
		    r->open == TAG_IF ? "if" : "unless");
		r->nested++;
		return;
	}
	r->open = kind;
	snprintf(r->open_name, sizeof(r->open_name), "%s", name);
	r->open_line = line;
	set = tmpl_get(r->vars, name)[0] != '\0';
	r->skip = kind == TAG_IF ? !set : set;
}

static void
close_block(struct render *r, int line, enum tag_kind kind)
{
	const char *word = kind == TAG_END_IF ? "if" : "unless";

	if (r->nested > 0) {
		r->nested--;
		return;
	}
	if (r->open == TAG_VALUE) {
		rerr(r, line, "{{/%s}} without an opening {{#%s name}}", word, word);
		return;
	}
	if ((kind == TAG_END_IF) != (r->open == TAG_IF))
		rerr(r, line, "{{/%s}} closes the {{#%s %s}} opened on line %d (write {{/%s}})",
		    word, r->open == TAG_IF ? "if" : "unless", r->open_name, r->open_line,
		    r->open == TAG_IF ? "if" : "unless");
	r->open = TAG_VALUE;
	r->skip = 0;
}

static void
do_tag(struct render *r, int line, const char *s, size_t n, struct buf *out)
{
	enum tag_kind kind = TAG_VALUE;
	char name[NAME_MAX_LEN + 1];

	if (parse_tag(r, line, s, n, &kind, name) < 0) {
		/* Keep blocks balanced so one bad name does not cause a cascade of errors. */
		if (name[0] != '\0' && (kind == TAG_IF || kind == TAG_UNLESS))
			open_block(r, line, kind, name);
		return;
	}
	switch (kind) {
	case TAG_VALUE:
		if (!r->skip)
			put_value(r, line, name, tmpl_get(r->vars, name), out);
		break;
	case TAG_IF:
	case TAG_UNLESS:
		open_block(r, line, kind, name);
		break;
	case TAG_END_IF:
	case TAG_END_UNLESS:
		close_block(r, line, kind);
		break;
	}
}

/* 1 if the line [s, e) is one block tag and white space; *ts, *tn: the text inside. */
static int
standalone_tag(const char *s, const char *e, const char **ts, size_t *tn)
{
	const char *close, *p;

	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	if (e - s < 4 || s[0] != '{' || s[1] != '{' || e[-1] != '}' || e[-2] != '}')
		return 0;
	close = memmem(s + 2, (size_t)(e - s - 2), "}}", 2);
	if (close != e - 2)
		return 0;
	for (p = s + 2; p < close && is_space(*p); p++)
		;
	if (p == close || (*p != '#' && *p != '/'))
		return 0;
	*ts = s + 2;
	*tn = (size_t)(close - (s + 2));
	return 1;
}

/*
 * Render the text s[0..n), whose first line is line `line` of the file, into out. Blocks
 * must close inside this text: the subject line and the body are separate texts.
 */
static void
render_text(struct render *r, const char *s, size_t n, int line, struct buf *out)
{
	const char *end = s + n;

	r->open = TAG_VALUE;
	r->nested = 0;
	r->skip = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end, *p = s, *ts;
		size_t tn;

		if (standalone_tag(s, le, &ts, &tn)) {
			do_tag(r, line, ts, tn, out);
		} else {
			size_t mark = out->len;
			int tags = 0, blank = 1;

			while (p < le) {
				const char *open = memmem(p, (size_t)(le - p), "{{", 2), *close;

				if (open == NULL)
					open = le;
				if (!r->skip)
					buf_add(out, p, (size_t)(open - p));
				if (open == le)
					break;
				close = memmem(open + 2, (size_t)(le - open - 2), "}}", 2);
				if (close == NULL) {
					rerr(r, line, "\"{{\" without a closing \"}}\" on the same "
					    "line");
					break;
				}
				do_tag(r, line, open + 2, (size_t)(close - open - 2), out);
				tags++;
				p = close + 2;
			}
			for (size_t i = mark; i < out->len; i++)
				if (!is_space(out->data[i]))
					blank = 0;
			if (tags > 0 && blank) {
				/* Only empty values and omitted blocks on it: the line goes. */
				out->len = mark;
				if (out->data != NULL)
					out->data[mark] = '\0';
			} else if (nl != NULL && !r->skip)
				buf_addch(out, '\n');
		}
		s = nl ? nl + 1 : end;
		line++;
	}
	if (r->open != TAG_VALUE)
		rerr(r, r->open_line, "{{#%s %s}} is never closed (add {{/%s}} after its text%s)",
		    r->open == TAG_IF ? "if" : "unless", r->open_name,
		    r->open == TAG_IF ? "if" : "unless",
		    r->in_subject ? " on the Subject line" : "");
	r->open = TAG_VALUE;
}

/* The subject: control characters become spaces, runs of spaces one, no space at the ends. */
static char *
tidy_subject(const char *s)
{
	struct buf b;
	int space = 0;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f) {
			space = 1;
			continue;
		}
		if (space && b.len > 0)
			buf_addch(&b, ' ');
		space = 0;
		buf_addch(&b, (char)c);
	}
	return buf_detach(&b);
}

/*
 * The body: no white space at line ends, no empty lines at the start, at most one empty
 * line in a row (omitted blocks leave runs of them), and exactly one line end at the end.
 */
static char *
tidy_body(const char *s)
{
	struct buf b;
	int empties = 0;

	buf_init(&b);
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		const char *e = nl ? nl : s + strlen(s);
		const char *t = e;

		while (t > s && is_space(t[-1]))
			t--;
		if (t == s) {
			empties++;
		} else {
			if (empties > 0 && b.len > 0)
				buf_addch(&b, '\n');
			empties = 0;
			buf_add(&b, s, (size_t)(t - s));
			buf_addch(&b, '\n');
		}
		s = nl ? nl + 1 : e;
	}
	return buf_detach(&b);
}

static int
line_of(const char *text, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* Read the file into *text with CRLF made LF and a BOM dropped; report why not. */
static int
load_file(struct render *r, struct buf *text)
{
	FILE *f = fopen(r->path, "rb");
	char chunk[8192];
	size_t n, bad, w = 0;
	char *d;

	buf_init(text);
	if (f == NULL) {
		rerr(r, 0, "cannot read the template: %s (each language directory needs one file "
		    "per message; copy the shipped one)", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && text->len <= TEMPLATE_MAX)
		buf_add(text, chunk, n);
	if (ferror(f)) {
		rerr(r, 0, "cannot read the template: %s", strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (text->len > TEMPLATE_MAX) {
		rerr(r, 0, "larger than %d bytes; is this really a template?", TEMPLATE_MAX);
		return -1;
	}
	if (text->data == NULL)
		buf_addstr(text, "");
	sha256_hex(text->data, text->len, r->sha256);
	d = text->data;
	if (text->len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0) {
		memmove(d, d + 3, text->len - 3);
		text->len -= 3;
	}
	for (size_t i = 0; i < text->len; i++) {
		if (d[i] == '\r' && i + 1 < text->len && d[i + 1] == '\n')
			continue;
		d[w++] = d[i];
	}
	text->len = w;
	d[w] = '\0';
	if (memchr(d, '\0', w) != NULL) {
		rerr(r, line_of(d, (size_t)((char *)memchr(d, '\0', w) - d)),
		    "contains a NUL byte; is this really a template?");
		return -1;
	}
	if (!utf8_valid(d, w, &bad)) {
		rerr(r, line_of(d, bad), "not UTF-8 (byte 0x%02x); save the file as UTF-8",
		    (unsigned char)d[bad]);
		return -1;
	}
	return 0;
}

/*
 * Load and render r->path; every problem goes to r->errs. subject and body may be NULL
 * when only checking.
 */
/*
 * The last templates read, as load_file() left them, while the file is the same one with
 * the same size and times: a first ingest renders one template for each of 100,000
 * messages, and reading, hashing and checking it each time was 4% of it. A changed file
 * is read again, so an edit still counts from the next message on.
 */
#define LOAD_CACHED 8
static struct {
	char *path;
	struct stat st;
	char sha256[65];
	char *text;
	size_t len;
} load_cache[LOAD_CACHED];
static unsigned load_next;

static int
load_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int
load(struct render *r, struct buf *text)
{
	struct stat before, after;
	unsigned i;

	if (stat(r->path, &before) < 0)
		return load_file(r, text);
	for (i = 0; i < LOAD_CACHED; i++)
		if (load_cache[i].path != NULL && strcmp(load_cache[i].path, r->path) == 0)
			break;
	if (i < LOAD_CACHED && load_same(&load_cache[i].st, &before)) {
		buf_init(text);
		buf_add(text, load_cache[i].text, load_cache[i].len);
		memcpy(r->sha256, load_cache[i].sha256, sizeof(r->sha256));
		return 0;
	}
	if (load_file(r, text) < 0)
		return -1;
	/* Kept only when the file did not change while it was read. */
	if (stat(r->path, &after) < 0 || !load_same(&before, &after))
		return 0;
	if (i == LOAD_CACHED)
		i = load_next++ % LOAD_CACHED;
	free(load_cache[i].path), free(load_cache[i].text);
	load_cache[i].path = xstrdup(r->path);
	load_cache[i].st = after;
	memcpy(load_cache[i].sha256, r->sha256, sizeof(r->sha256));
	load_cache[i].text = xstrndup(text->data, text->len);
	load_cache[i].len = text->len;
	return 0;
}

static void
run(struct render *r, struct buf *subject, struct buf *body)
{
	struct buf text, sub, bod;
	const char *s, *nl, *rest, *p;
	int body_line, has_body = 1;

	buf_init(&sub);
	buf_init(&bod);
	if (load(r, &text) < 0) {
		buf_release(&text);
		return;
	}
	s = text.data;
	nl = strchr(s, '\n');
	if (strncasecmp(s, "Subject:", 8) != 0) {
		rerr(r, 1, "the first line must be \"Subject: ...\" (in English in every "
		    "language), then an empty line, then the body");
		has_body = 0;
		rest = s;
		body_line = 1;
	} else {
		const char *sb = s + 8, *se = nl ? nl : s + strlen(s);

		while (sb < se && is_space(*sb))
			sb++;
		if (sb == se)
			rerr(r, 1, "the Subject line is empty (write the subject after "
			    "\"Subject:\")");
		r->in_subject = 1;
		render_text(r, sb, (size_t)(se - sb), 1, &sub);
		r->in_subject = 0;
		if (nl == NULL) {
			rerr(r, 1, "no body (write an empty line after the Subject line, then the "
			    "text)");
			has_body = 0;
			rest = se;
			body_line = 2;
		} else {
			const char *l2 = nl + 1, *l2e = strchr(l2, '\n');

			if (l2e == NULL)
				l2e = l2 + strlen(l2);
			for (p = l2; p < l2e && is_space(*p); p++)
				;
			if (p != l2e) {
				rerr(r, 2, "expected an empty line after the Subject line (the "
				    "subject must fit on one line)");
				rest = l2;
				body_line = 2;
			} else {
				rest = *l2e ? l2e + 1 : l2e;
				body_line = 3;
			}
		}
	}
	for (p = rest; *p != '\0' && (is_space(*p) || *p == '\n'); p++)
		;
	if (*p == '\0' && has_body)
		rerr(r, body_line, "the body is empty (write the message after the empty line)");
	render_text(r, rest, strlen(rest), body_line, &bod);
	if (subject != NULL) {
		char *t = tidy_subject(sub.data ? sub.data : "");

		buf_addstr(subject, t);
		free(t);
	}
	if (body != NULL) {
		char *t = tidy_body(bod.data ? bod.data : "");

		buf_addstr(body, t);
		free(t);
	}
	buf_release(&sub);
	buf_release(&bod);
	buf_release(&text);
}

/* Language and template names become path parts, so they must be plain names. */
static int
plain_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

int
template_render(const char *dir, const char *lang, const char *name,
    const struct tmpl_vars *vars, char **subject, char **body, char err[])
{
	return template_render_file(dir, lang, name, vars, subject, body, NULL, err);
}

int
template_render_file(const char *dir, const char *lang, const char *name,
    const struct tmpl_vars *vars, char **subject, char **body, char sha256[65], char err[])
{
	struct render r;
	struct buf sub, bod;
	char *path;

	*subject = *body = NULL;
	if (!plain_name(lang))
		return errf(err, "template language \"%s\" is not a plain name (like \"nl\")",
		    lang ? lang : "(null)");
	if (!plain_name(name))
		return errf(err, "template name \"%s\" is not a plain name (letters, digits, "
		    "'-' and '_')", name ? name : "(null)");
	path = xasprintf("%s/%s/%s.txt", dir, lang, name);
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.vars = vars;
	buf_init(&r.errs);
	buf_init(&sub);
	buf_init(&bod);
	run(&r, &sub, &bod);
	free(path);
	if (r.nerr > 0) {
		const char *e = r.errs.data, *nl = strchr(e, '\n');

		errf(err, "%.*s", (int)(nl ? (size_t)(nl - e) : strlen(e)), e);
		buf_release(&r.errs);
		buf_release(&sub);
		buf_release(&bod);
		return -1;
	}
	buf_release(&r.errs);
	*subject = buf_detach(&sub);
	*body = buf_detach(&bod);
	if (sha256 != NULL)
		memcpy(sha256, r.sha256, 65);
	return 0;
}

int
template_check(const char *dir, const char *const *langs, const char *const *names,
    char **errs)
{
	struct buf all;
	int nerr = 0;

	if (langs == NULL)
		langs = template_langs;
	buf_init(&all);
	if (*errs != NULL)
		buf_addstr(&all, *errs);
	for (size_t l = 0; langs[l] != NULL; l++) {
		for (int pass = 0; pass < 2; pass++) {
			const char *const *list = names ? names :
			    pass == 0 ? template_kinds : template_ladder;

			if (names != NULL && pass == 1)
				break;
			for (size_t i = 0; list[i] != NULL; i++) {
				struct render r;
				char *path;

				if (!plain_name(langs[l]) || !plain_name(list[i])) {
					buf_printf(&all, "%s%s/%s/%s.txt: not a plain name",
					    all.len ? "\n" : "", dir, langs[l], list[i]);
					nerr++;
					continue;
				}
				path = xasprintf("%s/%s/%s.txt", dir, langs[l], list[i]);
				memset(&r, 0, sizeof(r));
				r.path = path;
				buf_init(&r.errs);
				run(&r, NULL, NULL);
				if (r.nerr > 0) {
					buf_printf(&all, "%s%s", all.len ? "\n" : "", r.errs.data);
					nerr += r.nerr;
				}
				buf_release(&r.errs);
				free(path);
			}
		}
	}
	if (nerr == 0) {
		buf_release(&all);
		return 0;
	}
	free(*errs);
	*errs = buf_detach(&all);
	return -1;
}
