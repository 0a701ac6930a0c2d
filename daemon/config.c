/*
 * The configuration file: libconfig text -> struct config.
 *
 * The whole file is checked in one pass and every problem is collected, so that a trainer
 * fixes a file in one round instead of meeting one error per restart. Every setting is
 * looked up in a table of known keys (below); a setting that is in no table is an unknown
 * key, because a typo that silently leaves a default in force is worse than a refusal.
 * Tables map a key to a kind (how its value is checked and converted) and to the offset of
 * its field, so adding a key is one line in a table, one default and one paragraph in
 * noshowd.conf(5).
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

#include "config.h"
#include "days.h"
#include "money.h"
#include "util.h"

#ifndef NOSHOWD_DATADIR
#define NOSHOWD_DATADIR "/usr/local/share/noshowd"
#endif

#define STATE_DIR	"/var/lib/noshowd"
#define DEFAULT_ZONE	"Europe/Amsterdam"
#define DAY		86400

const char *const config_csv_field_names[CSV_FIELD_COUNT] = {
	"email", "name", "session", "booked_at", "company", "vat", "cancelled",
};

/* One problem of the file; sorted by place before they are shown. */
struct problem {
	char *file;
	unsigned line;
	size_t seq;
	char *text;
};

struct ctx {
	const char *path;		/* as the caller named it: errors show this */
	char *dir;			/* absolute directory of the file */
	char *incdir;			/* its directory as the caller wrote it */
	const char *zone;		/* the configured zone, for session times */
	config_t *cf;
	struct config *c;
	struct problem *probs;
	size_t nprobs, probs_cap;
};

enum kind {
	K_STR,		/* text */
	K_NAME,		/* [A-Za-z0-9._-]+, not starting with '.' */
	K_PATH,		/* text; relative = relative to the config file's directory */
	K_EMAIL,
	K_URL,		/* aux: allowed schemes */
	K_CHOICE,	/* aux: choices; stored as char * */
	K_ENUM,		/* aux: choices; stored as int (the index) */
	K_ZONE,
	K_IBAN,
	K_BOOL,
	K_INT,		/* min in .min */
	K_PERCENT,	/* int or float 0..100 -> basis points */
	K_DURATION,	/* "7d" -> seconds; F_POSITIVE: more than zero */
	K_MONEY,	/* "295.00" -> cents */
	K_SIZE,		/* int bytes or "20M" */
	K_CLOCK,	/* "HH:MM" -> minutes after midnight */
	K_MOMENT,	/* ISO 8601 in the configured zone -> UTC seconds */
	K_GROUP,	/* aux: sub-table; fields relative to base + off */
	K_PASSWORD,	/* always refused */
	K_CUSTOM,
};

enum key_flags {
	F_POSITIVE = 1 << 0,
	F_MULTILINE = 1 << 1,
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	int flags;
	const void *aux;
	int min;
	void (*custom)(struct ctx *, const config_setting_t *, void *base);
};

static void walk(struct ctx *x, const config_setting_t *g, const struct key *keys, void *base);
static void load_sources(struct ctx *x, const config_setting_t *s, void *base);
static void load_sessions(struct ctx *x, const config_setting_t *s, void *base);
static void load_dunning(struct ctx *x, const config_setting_t *s, void *base);
static void load_source_url(struct ctx *x, const config_setting_t *s, void *base);

static const char *const smtp_schemes[] = { "smtp", "smtps", NULL };
static const char *const imap_schemes[] = { "imap", "imaps", NULL };
static const char *const web_schemes[] = { "https", "http", NULL };
static const char *const languages[] = { "nl", "en", NULL };
static const char *const currencies[] = { "EUR", NULL };
static const char *const transports[] = { "maildir", "smtp", NULL };
static const char *const deliveries[] = { "relay", "direct", NULL };
static const char *const starttls_modes[] = { "required", "opportunistic", "off", NULL };
static const char *const source_types[] = {
	"ical", "csv", "payments-csv", "attendance-csv", NULL,
};
static const char *const layouts[] = { "attendees", "event-per-booking", NULL };
static const char *const bank_formats[] = {
	"ing", "rabobank", "abnamro", "bunq", "generic", NULL,
};

#define TR(f)	offsetof(struct config_trainer, f)
#define ML(f)	offsetof(struct config_mail, f)
#define EV(f)	offsetof(struct config_evidence, f)
#define PO(f)	offsetof(struct config_policy, f)
#define SO(f)	offsetof(struct config_source, f)
#define SE(f)	offsetof(struct config_session, f)
#define DU(f)	offsetof(struct config_dunning_step, f)
#define CO(f)	offsetof(struct config, f)
#define COL(i)	(offsetof(struct config_source, columns) + (i) * sizeof(char *))

static const struct key trainer_keys[] = {
	{ "name", K_STR, TR(name), 0, NULL, 0, NULL },
	{ "email", K_EMAIL, TR(email), 0, NULL, 0, NULL },
	{ "address", K_STR, TR(address), F_MULTILINE, NULL, 0, NULL },
	{ "kvk", K_STR, TR(kvk), 0, NULL, 0, NULL },
	{ "vat", K_STR, TR(vat), 0, NULL, 0, NULL },
	{ "iban", K_IBAN, TR(iban), 0, NULL, 0, NULL },
	{ "terms_url", K_URL, TR(terms_url), 0, web_schemes, 0, NULL },
	{ "vat_rate", K_PERCENT, TR(vat_rate), 0, NULL, 0, NULL },
	{ "vat_exempt", K_STR, TR(vat_exempt), F_MULTILINE, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key dkim_keys[] = {
	{ "domain", K_STR, ML(dkim_domain), 0, NULL, 0, NULL },
	{ "selector", K_STR, ML(dkim_selector), 0, NULL, 0, NULL },
	{ "key_file", K_PATH, ML(dkim_key_file), 0, NULL, 0, NULL },
	{ "password", K_PASSWORD, 0, 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key bounces_keys[] = {
	{ "url", K_URL, ML(bounces_url), 0, imap_schemes, 0, NULL },
	{ "username", K_STR, ML(bounces_username), 0, NULL, 0, NULL },
	{ "password_file", K_PATH, ML(bounces_password_file), 0, NULL, 0, NULL },
	{ "password", K_PASSWORD, 0, 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key mail_keys[] = {
	{ "transport", K_CHOICE, ML(transport), 0, transports, 0, NULL },
	{ "url", K_URL, ML(url), 0, smtp_schemes, 0, NULL },
	{ "starttls", K_ENUM, ML(starttls), 0, starttls_modes, 0, NULL },
	{ "username", K_STR, ML(username), 0, NULL, 0, NULL },
	{ "password_file", K_PATH, ML(password_file), 0, NULL, 0, NULL },
	{ "ca_file", K_PATH, ML(ca_file), 0, NULL, 0, NULL },
	{ "maildir", K_PATH, ML(maildir), 0, NULL, 0, NULL },
	{ "from", K_EMAIL, ML(from), 0, NULL, 0, NULL },
	{ "bcc", K_EMAIL, ML(bcc), 0, NULL, 0, NULL },
	{ "templates", K_PATH, ML(templates), 0, NULL, 0, NULL },
	{ "delivery", K_CHOICE, ML(delivery), 0, deliveries, 0, NULL },
	{ "dsn", K_BOOL, ML(dsn), 0, NULL, 0, NULL },
	{ "dkim", K_GROUP, 0, 0, dkim_keys, 0, NULL },
	{ "bounces", K_GROUP, 0, 0, bounces_keys, 0, NULL },
	{ "password", K_PASSWORD, 0, 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key evidence_keys[] = {
	{ "checkpoint_every", K_DURATION, EV(checkpoint_every), F_POSITIVE, NULL, 0, NULL },
	{ "signing_key", K_PATH, EV(signing_key), 0, NULL, 0, NULL },
	{ "tsa_url", K_URL, EV(tsa_url), 0, web_schemes, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key policy_keys[] = {
	{ "payment_term", K_DURATION, PO(payment_term), 0, NULL, 0, NULL },
	{ "pay_before_start", K_DURATION, PO(pay_before_start), 0, NULL, 0, NULL },
	{ "min_payment_time", K_DURATION, PO(min_payment_time), 0, NULL, 0, NULL },
	{ "business_days", K_BOOL, PO(business_days), 0, NULL, 0, NULL },
	{ "remind_before", K_DURATION, PO(remind_before), 0, NULL, 0, NULL },
	{ "release_grace", K_DURATION, PO(release_grace), 0, NULL, 0, NULL },
	{ "release_unpaid", K_BOOL, PO(release_unpaid), 0, NULL, 0, NULL },
	{ "accept_late", K_BOOL, PO(accept_late), 0, NULL, 0, NULL },
	{ "waitlist_payment_time", K_DURATION, PO(waitlist_payment_time), F_POSITIVE, NULL, 0,
	  NULL },
	{ "free_cancel_before", K_DURATION, PO(free_cancel_before), 0, NULL, 0, NULL },
	{ "withdrawal_period", K_DURATION, PO(withdrawal_period), 0, NULL, 0, NULL },
	{ "late_cancel_fee", K_PERCENT, PO(late_cancel_fee), 0, NULL, 0, NULL },
	{ "rebook_once", K_BOOL, PO(rebook_once), 0, NULL, 0, NULL },
	{ "no_show_after", K_DURATION, PO(no_show_after), 0, NULL, 0, NULL },
	{ "no_show_fee", K_PERCENT, PO(no_show_fee), 0, NULL, 0, NULL },
	{ "deposit", K_PERCENT, PO(deposit), 0, NULL, 0, NULL },
	{ "rest_due_before", K_DURATION, PO(rest_due_before), 0, NULL, 0, NULL },
	{ "prepay_after", K_INT, PO(prepay_after), 0, NULL, 0, NULL },
	{ "prepay_payment_time", K_DURATION, PO(prepay_payment_time), F_POSITIVE, NULL, 0,
	  NULL },
	{ "block_after", K_INT, PO(block_after), 0, NULL, 1, NULL },
	{ "goodwill_budget", K_MONEY, PO(goodwill_budget), 0, NULL, 0, NULL },
	{ "max_drop", K_PERCENT, PO(max_drop), 0, NULL, 0, NULL },
	{ "digest_at", K_CLOCK, PO(digest_at), 0, NULL, 0, NULL },
	{ "attend_min", K_PERCENT, PO(attend_min), 0, NULL, 0, NULL },
	{ "interest_rate", K_PERCENT, PO(interest_rate), 0, NULL, 0, NULL },
	{ "commercial_interest_rate", K_PERCENT, PO(commercial_interest_rate), 0, NULL, 0,
	  NULL },
	{ "wik_vat", K_BOOL, PO(wik_vat), 0, NULL, 0, NULL },
	{ "dunning", K_CUSTOM, 0, 0, NULL, 0, load_dunning },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key dunning_keys[] = {
	{ "after", K_DURATION, DU(after), F_POSITIVE, NULL, 0, NULL },
	{ "template", K_NAME, DU(template), 0, NULL, 0, NULL },
	{ "wik", K_BOOL, DU(wik), 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key column_keys[] = {
	{ "email", K_STR, COL(CSV_EMAIL), 0, NULL, 0, NULL },
	{ "name", K_STR, COL(CSV_NAME), 0, NULL, 0, NULL },
	{ "session", K_STR, COL(CSV_SESSION), 0, NULL, 0, NULL },
	{ "booked_at", K_STR, COL(CSV_BOOKED_AT), 0, NULL, 0, NULL },
	{ "company", K_STR, COL(CSV_COMPANY), 0, NULL, 0, NULL },
	{ "vat", K_STR, COL(CSV_VAT), 0, NULL, 0, NULL },
	{ "cancelled", K_STR, COL(CSV_CANCELLED), 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key source_keys[] = {
	{ "name", K_NAME, SO(name), 0, NULL, 0, NULL },
	{ "type", K_ENUM, SO(type), 0, source_types, 0, NULL },
	{ "url", K_CUSTOM, 0, 0, NULL, 0, load_source_url },
	{ "layout", K_ENUM, SO(layout), 0, layouts, 0, NULL },
	{ "format", K_CHOICE, SO(format), 0, bank_formats, 0, NULL },
	{ "poll_interval", K_DURATION, SO(poll_interval), F_POSITIVE, NULL, 0, NULL },
	{ "timeout", K_DURATION, SO(timeout), F_POSITIVE, NULL, 0, NULL },
	{ "max_size", K_SIZE, SO(max_size), 0, NULL, 0, NULL },
	{ "columns", K_GROUP, 0, 0, column_keys, 0, NULL },
	{ "session", K_STR, SO(session), 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key session_keys[] = {
	{ "id", K_STR, SE(id), 0, NULL, 0, NULL },
	{ "title", K_STR, SE(title), 0, NULL, 0, NULL },
	{ "start", K_MOMENT, SE(start), 0, NULL, 0, NULL },
	{ "end", K_MOMENT, SE(end), 0, NULL, 0, NULL },
	{ "capacity", K_INT, SE(capacity), 0, NULL, 0, NULL },
	{ "price", K_MONEY, SE(price), 0, NULL, 0, NULL },
	{ "location", K_STR, SE(location), 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key top_keys[] = {
	{ "database", K_PATH, CO(database), 0, NULL, 0, NULL },
	{ "evidence_dir", K_PATH, CO(evidence_dir), 0, NULL, 0, NULL },
	{ "timezone", K_ZONE, CO(timezone), 0, NULL, 0, NULL },
	{ "language", K_CHOICE, CO(language), 0, languages, 0, NULL },
	{ "currency", K_CHOICE, CO(currency), 0, currencies, 0, NULL },
	{ "poll_interval", K_DURATION, CO(poll_interval), F_POSITIVE, NULL, 0, NULL },
	{ "default_price", K_MONEY, CO(default_price), 0, NULL, 0, NULL },
	{ "default_capacity", K_INT, CO(default_capacity), 0, NULL, 0, NULL },
	{ "trainer", K_GROUP, CO(trainer), 0, trainer_keys, 0, NULL },
	{ "mail", K_GROUP, CO(mail), 0, mail_keys, 0, NULL },
	{ "evidence", K_GROUP, CO(evidence), 0, evidence_keys, 0, NULL },
	{ "policy", K_GROUP, CO(policy), 0, policy_keys, 0, NULL },
	{ "sources", K_CUSTOM, 0, 0, NULL, 0, load_sources },
	{ "sessions", K_CUSTOM, 0, 0, NULL, 0, load_sessions },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

/* ---- defaults ---------------------------------------------------------------------- */

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v != NULL ? xstrdup(v) : NULL;
}

static void
dunning_add(struct config_policy *p, int64_t after, const char *template, int wik)
{
	struct config_dunning_step *d;

	p->dunning = xrealloc(p->dunning, (p->ndunning + 1) * sizeof(*d));
	d = &p->dunning[p->ndunning++];
	d->after = after;
	d->template = xstrdup(template);
	d->wik = wik;
}

static void
source_defaults(struct config_source *s, int64_t poll_interval)
{
	memset(s, 0, sizeof(*s));
	s->type = SOURCE_ICAL;
	s->layout = LAYOUT_ATTENDEES;
	s->poll_interval = poll_interval;
	s->timeout = 30;
	s->max_size = 20 * 1024 * 1024;
	for (int i = 0; i < CSV_FIELD_COUNT; i++)
		s->columns[i] = xstrdup(config_csv_field_names[i]);
}

void
config_defaults(struct config *c)
{
	struct config_policy *p = &c->policy;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup("(defaults)");
	c->database = xstrdup(STATE_DIR "/noshowd.db");
	c->evidence_dir = xstrdup(STATE_DIR "/evidence");
	c->timezone = xstrdup(DEFAULT_ZONE);
	c->language = xstrdup("nl");
	c->currency = xstrdup("EUR");
	c->poll_interval = 5 * 60;
	c->default_price = 0;
	c->default_capacity = 12;

	c->trainer.vat_rate = 2100;

	c->mail.transport = xstrdup("maildir");
	c->mail.starttls = STARTTLS_REQUIRED;
	c->mail.maildir = xstrdup(STATE_DIR "/maildir");
	c->mail.templates = xstrdup(NOSHOWD_DATADIR "/templates");
	c->mail.delivery = xstrdup("relay");
	c->mail.dsn = 0;

	c->evidence.checkpoint_every = DAY;
	c->evidence.signing_key = xstrdup(STATE_DIR "/evidence/signing.key");

	p->payment_term = 14 * DAY;
	p->pay_before_start = 3 * DAY;
	p->min_payment_time = 1 * DAY;
	p->business_days = 1;
	p->remind_before = 2 * DAY;
	p->release_grace = 1 * DAY;
	p->release_unpaid = 1;
	p->accept_late = 1;
	p->waitlist_payment_time = 2 * DAY;
	p->free_cancel_before = 7 * DAY;
	p->withdrawal_period = 14 * DAY;
	p->late_cancel_fee = 5000;
	p->rebook_once = 1;
	p->no_show_after = 1 * DAY;
	p->no_show_fee = 10000;
	p->deposit = 0;
	p->rest_due_before = 14 * DAY;
	p->prepay_after = 1;
	p->prepay_payment_time = 2 * DAY;
	p->block_after = 3;
	p->goodwill_budget = 50000;
	p->max_drop = 3000;
	p->digest_at = 7 * 60;
	p->attend_min = 5000;
	p->interest_rate = 400;
	p->commercial_interest_rate = 1015;
	p->wik_vat = 0;
	dunning_add(p, 7 * DAY, "reminder", 0);
	dunning_add(p, 14 * DAY, "second-reminder", 0);
	dunning_add(p, 14 * DAY, "final-notice", 1);
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

/*
 * Record "FILE:LINE: KEY: message" for setting s. `member` names a key of s that is absent
 * (a required key), so the line is that of the group that lacks it.
 */
static void __attribute__((format(printf, 4, 5)))
bad(struct ctx *x, const config_setting_t *s, const char *member, const char *fmt, ...)
{
	struct problem *pr;
	struct buf b;
	va_list ap;
	const char *name = config_setting_source_file(s);
	char *file;
	size_t start;

	/* libconfig names an included file as the @include line wrote it. */
	if (name == NULL || strcmp(name, x->path) == 0)
		file = xstrdup(x->path);
	else if (name[0] == '/' || strcmp(x->incdir, ".") == 0)
		file = xstrdup(name);
	else
		file = xasprintf("%s/%s", x->incdir, name);
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

	x->probs = xgrow(x->probs, &x->probs_cap, x->nprobs + 1, sizeof(*pr));
	pr = &x->probs[x->nprobs];
	pr->file = file;
	pr->line = config_setting_source_line(s);
	pr->seq = x->nprobs++;
	pr->text = buf_detach(&b);
}

static int
problem_cmp(const void *a, const void *b)
{
	const struct problem *p = a, *q = b;
	int r = strcmp(p->file, q->file);

	if (r != 0)
		return r;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
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

static const char *
type_name(const config_setting_t *s)
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

static void
unknown_key(struct ctx *x, const config_setting_t *m, const struct key *keys)
{
	const char *names[64];
	const char *near;
	size_t n = 0;

	for (const struct key *k = keys; k->name != NULL && n < 64; k++)
		if (k->kind != K_PASSWORD)
			names[n++] = k->name;
	near = closest(config_setting_name(m), names, n);
	if (near != NULL)
		bad(x, m, NULL, "unknown key (did you mean \"%s\"?)", near);
	else
		bad(x, m, NULL, "unknown key");
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

/* ---- values ------------------------------------------------------------------------ */

/* The string value of m, checked as text; NULL (reported) when it is not usable text. */
static const char *
text(struct ctx *x, const config_setting_t *m, int flags)
{
	const char *v;
	size_t off;
	char sh[80];

	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		if (config_setting_is_scalar(m))
			bad(x, m, NULL, "%s is not a string (write it in double quotes)",
			    shown(m, sh));
		else
			bad(x, m, NULL, "expected a string in double quotes, found %s",
			    type_name(m));
		return NULL;
	}
	v = config_setting_get_string(m);
	if (*v == '\0') {
		bad(x, m, NULL, "empty value (remove the key to use the default)");
		return NULL;
	}
	if (!utf8_valid(v, strlen(v), &off)) {
		bad(x, m, NULL, "not valid UTF-8 at byte %zu (save the file as UTF-8)", off + 1);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\n' && (flags & F_MULTILINE))
			continue;
		if (*p < 0x20 || *p == 0x7f) {
			bad(x, m, NULL, "%s contains a %s (write it on one line, without "
			    "escapes)", shown(m, sh), *p == '\n' ? "line break" :
			    "control character");
			return NULL;
		}
	}
	return v;
}

static char *
absolute_path(const struct ctx *x, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return xasprintf("%s/%s", x->dir, p);
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

static void
check_duration(struct ctx *x, const config_setting_t *m, const struct key *k, int64_t *dst)
{
	const char *v;
	char hint[160], sh[80];
	int64_t secs;

	if (config_setting_is_number(m)) {
		bad(x, m, NULL, "%s is a number, not a duration (write a string with a unit, "
		    "such as \"7d\" or \"30m\")", shown(m, sh));
		return;
	}
	if ((v = text(x, m, 0)) == NULL)
		return;
	if (days_parse_duration(v, &secs) < 0) {
		duration_hint(v, hint, sizeof(hint));
		bad(x, m, NULL, "%s is not a duration (%s)", shown(m, sh), hint);
		return;
	}
	if ((k->flags & F_POSITIVE) && secs == 0) {
		bad(x, m, NULL, "%s is zero (use a duration longer than zero)", shown(m, sh));
		return;
	}
	*dst = secs;
}

static void
check_money(struct ctx *x, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char hint[96], sh[80];
	int64_t cents;

	if (config_setting_is_number(m)) {
		if (config_setting_type(m) == CONFIG_TYPE_FLOAT)
			bad(x, m, NULL, "%s is a number, not an amount (write \"%.2f\" in "
			    "quotes)", shown(m, sh), config_setting_get_float(m));
		else
			bad(x, m, NULL, "%s is a number, not an amount (write \"%lld.00\" in "
			    "quotes)", shown(m, sh), config_setting_get_int64(m));
		return;
	}
	if ((v = text(x, m, 0)) == NULL)
		return;
	if (money_parse(v, &cents) < 0) {
		money_hint(v, hint, sizeof(hint));
		bad(x, m, NULL, "%s is not an amount (%s)", shown(m, sh), hint);
		return;
	}
	*dst = cents;
}

static void
check_int(struct ctx *x, const config_setting_t *m, const struct key *k, int *dst)
{
	char sh[80];
	long long v;

	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		break;
	case CONFIG_TYPE_FLOAT:
		bad(x, m, NULL, "%s is not a whole number", shown(m, sh));
		return;
	case CONFIG_TYPE_STRING:
		bad(x, m, NULL, "%s is a string, not a number (write the number without "
		    "quotes)", shown(m, sh));
		return;
	default:
		bad(x, m, NULL, "expected a whole number, found %s", type_name(m));
		return;
	}
	v = config_setting_get_int64(m);
	if (v < k->min) {
		bad(x, m, NULL, "%lld is below the minimum of %d", v, k->min);
		return;
	}
	if (v > INT_MAX) {
		bad(x, m, NULL, "%lld is too large", v);
		return;
	}
	*dst = (int)v;
}

static void
check_percent(struct ctx *x, const config_setting_t *m, int *dst)
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
		bad(x, m, NULL, "%s is a string, not a percentage (write the number without "
		    "quotes or %%, such as 50 or 12.5)", shown(m, sh));
		return;
	default:
		bad(x, m, NULL, "expected a percentage such as 50 or 12.5, found %s",
		    type_name(m));
		return;
	}
	if (!(v >= 0 && v <= 100)) {
		bad(x, m, NULL, "%s is not a percentage from 0 to 100", shown(m, sh));
		return;
	}
	*dst = (int)lround(v * 100);
}

static void
check_size(struct ctx *x, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char *end, sh[80];
	long long n;
	int64_t mul = 1;

	if (config_setting_type(m) == CONFIG_TYPE_INT ||
	    config_setting_type(m) == CONFIG_TYPE_INT64) {
		if (config_setting_get_int64(m) <= 0) {
			bad(x, m, NULL, "%s is not a size (use a positive number of bytes, or "
			    "\"20M\" or \"512K\")", shown(m, sh));
			return;
		}
		*dst = config_setting_get_int64(m);
		return;
	}
	if ((v = text(x, m, 0)) == NULL)
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
		bad(x, m, NULL, "%s is not a size (write \"20M\", \"512K\" or a number of "
		    "bytes)", shown(m, sh));
		return;
	}
	*dst = n * mul;
}

static void
check_clock(struct ctx *x, const config_setting_t *m, int *dst)
{
	const char *v;
	char sh[80];
	int h, mi;

	if ((v = text(x, m, 0)) == NULL)
		return;
	if (!isdigit((unsigned char)v[0]) || (isdigit((unsigned char)v[1]) ? v[2] != ':' :
	    v[1] != ':')) {
		bad(x, m, NULL, "%s is not a time of day (write it as \"07:00\")", shown(m, sh));
		return;
	}
	h = atoi(v);
	v = strchr(v, ':') + 1;
	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) || v[2] != '\0' ||
	    h > 23 || (mi = atoi(v)) > 59) {
		bad(x, m, NULL, "%s is not a time of day (write it as \"07:00\")", shown(m, sh));
		return;
	}
	*dst = h * 60 + mi;
}

static int
choice_index(const char *v, const char *const *choices)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcmp(v, choices[i]) == 0)
			return i;
	return -1;
}

static void
check_choice(struct ctx *x, const config_setting_t *m, const struct key *k, void *dst)
{
	const char *const *choices = k->aux;
	const char *v;
	struct buf b;
	char sh[80];
	int i;

	if ((v = text(x, m, 0)) == NULL)
		return;
	if ((i = choice_index(v, choices)) < 0) {
		buf_init(&b);
		choices_text(choices, &b);
		bad(x, m, NULL, "%s is not a valid %s (use %s)", shown(m, sh), k->name, b.data);
		buf_release(&b);
		return;
	}
	if (k->kind == K_ENUM)
		*(int *)dst = i;
	else
		set_str(dst, v);
}

static void
check_url(struct ctx *x, const config_setting_t *m, const struct key *k, char **dst)
{
	const char *const *schemes = k->aux;
	const char *v;
	struct buf b;
	char sh[80];

	if ((v = text(x, m, 0)) == NULL)
		return;
	if (!has_scheme(v, schemes)) {
		buf_init(&b);
		for (size_t i = 0; schemes[i] != NULL; i++)
			buf_printf(&b, "%s%s://host", i == 0 ? "" : " or ", schemes[i]);
		bad(x, m, NULL, "%s is not a URL of the form %s", shown(m, sh), b.data);
		buf_release(&b);
		return;
	}
	set_str(dst, v);
}

static void
check_moment(struct ctx *x, const config_setting_t *m, int64_t *dst)
{
	const char *v;
	char sh[80];
	time_t t;

	if ((v = text(x, m, 0)) == NULL)
		return;
	if (days_parse_iso(v, x->zone, &t) < 0) {
		bad(x, m, NULL, "%s is not a date and time (write \"2027-01-04T09:00\" for "
		    "%s time, or add an offset such as \"+01:00\")", shown(m, sh), x->zone);
		return;
	}
	*dst = (int64_t)t;
}

static void
check(struct ctx *x, const config_setting_t *m, const struct key *k, void *base)
{
	void *dst = (char *)base + k->off;
	const char *v;
	char sh[80];

	switch (k->kind) {
	case K_GROUP:
		if (!config_setting_is_group(m))
			bad(x, m, NULL, "expected a group { ... }, found %s", type_name(m));
		else
			walk(x, m, k->aux, dst);
		return;
	case K_CUSTOM:
		k->custom(x, m, base);
		return;
	case K_PASSWORD:
		bad(x, m, NULL, "refused: put the password in a file and set password_file");
		return;
	case K_BOOL:
		if (config_setting_type(m) != CONFIG_TYPE_BOOL)
			bad(x, m, NULL, "%s is not a boolean (write true or false, without "
			    "quotes)", config_setting_is_scalar(m) ? shown(m, sh) :
			    type_name(m));
		else
			*(int *)dst = config_setting_get_bool(m);
		return;
	case K_INT:
		check_int(x, m, k, dst);
		return;
	case K_PERCENT:
		check_percent(x, m, dst);
		return;
	case K_DURATION:
		check_duration(x, m, k, dst);
		return;
	case K_MONEY:
		check_money(x, m, dst);
		return;
	case K_SIZE:
		check_size(x, m, dst);
		return;
	case K_CLOCK:
		check_clock(x, m, dst);
		return;
	case K_MOMENT:
		check_moment(x, m, dst);
		return;
	case K_CHOICE:
	case K_ENUM:
		check_choice(x, m, k, dst);
		return;
	case K_URL:
		check_url(x, m, k, dst);
		return;
	default:
		break;
	}
	if ((v = text(x, m, k->flags)) == NULL)
		return;
	switch (k->kind) {
	case K_NAME:
		if (!valid_name(v)) {
			bad(x, m, NULL, "%s is not a valid name (use letters, digits, '.', '_' "
			    "and '-', starting with a letter or digit)", shown(m, sh));
			return;
		}
		break;
	case K_PATH:
		free(*(char **)dst);
		*(char **)dst = absolute_path(x, v);
		return;
	case K_EMAIL:
		if (!email_valid(v)) {
			bad(x, m, NULL, "%s is not an email address (write only the address, "
			    "such as \"info@example.nl\")", shown(m, sh));
			return;
		}
		break;
	case K_ZONE:
		if (!days_zone_known(v)) {
			bad(x, m, NULL, "%s is not a time zone (use an IANA name such as "
			    "\"Europe/Amsterdam\")", shown(m, sh));
			return;
		}
		break;
	case K_IBAN:
		if (!valid_iban(v)) {
			bad(x, m, NULL, "%s is not a valid IBAN (check for a typo; the check "
			    "digits do not match)", shown(m, sh));
			return;
		}
		break;
	default:
		break;
	}
	set_str(dst, v);
}

static const struct key *
key_find(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static void
walk(struct ctx *x, const config_setting_t *g, const struct key *keys, void *base)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const struct key *k = key_find(keys, config_setting_name(m));

		if (k == NULL)
			unknown_key(x, m, keys);
		else
			check(x, m, k, base);
	}
}

/* ---- lists ------------------------------------------------------------------------- */

static int
is_list(struct ctx *x, const config_setting_t *s, const char *example)
{
	if (config_setting_is_list(s))
		return 1;
	bad(x, s, NULL, "expected a list ( %s, ... ), found %s", example, type_name(s));
	return 0;
}

/* The string value of member `name` of g when it is present and a string, else NULL. */
static const char *
member_str(const config_setting_t *g, const char *name)
{
	const config_setting_t *m = config_setting_get_member(g, name);

	if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(m);
}

/*
 * A url without a scheme is a file path; curl wants a file:// URL, and a path relative to
 * the configuration file keeps a setup movable (the demo, the tests). Bytes outside the
 * unreserved set are percent-encoded, as a URL requires.
 */
static void
load_source_url(struct ctx *x, const config_setting_t *m, void *base)
{
	static const char *const schemes[] = { "https", "http", "file", NULL };
	struct config_source *src = base;
	const char *v;
	char *abs, sh[80];
	struct buf b;

	if ((v = text(x, m, 0)) == NULL)
		return;
	if (scheme_len(v) > 0) {
		if (!has_scheme(v, schemes) && strncasecmp(v, "file:///", 8) != 0) {
			bad(x, m, NULL, "%s is not a source URL (use https://, http://, "
			    "file:// or a file path)", shown(m, sh));
			return;
		}
		set_str(&src->url, v);
		return;
	}
	abs = absolute_path(x, v);
	buf_init(&b);
	buf_addstr(&b, "file://");
	for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p) != NULL)
			buf_addch(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	free(abs);
	free(src->url);
	src->url = buf_detach(&b);
}

static void
check_source(struct ctx *x, const config_setting_t *e, struct config_source *src,
    size_t i)
{
	static const char *const need[] = { "name", "type", "url" };
	const config_setting_t *m;
	const char *type = member_str(e, "type");
	int t = type != NULL ? choice_index(type, source_types) : -1;

	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
		if (config_setting_get_member(e, need[k]) == NULL)
			bad(x, e, need[k], "missing (every source needs name, type and url)");
	if (src->name != NULL) {
		for (size_t j = 0; j < i; j++) {
			if (x->c->sources[j].name != NULL &&
			    strcmp(x->c->sources[j].name, src->name) == 0) {
				m = config_setting_get_member(e, "name");
				bad(x, m, NULL, "duplicate source name \"%s\" (give each source "
				    "its own name)", src->name);
				break;
			}
		}
	}
	if (t < 0)
		return;
	if (t != SOURCE_ICAL && (m = config_setting_get_member(e, "layout")) != NULL)
		bad(x, m, NULL, "only ical sources have a layout (remove it)");
	if (t != SOURCE_PAYMENTS_CSV && (m = config_setting_get_member(e, "format")) != NULL)
		bad(x, m, NULL, "only payments-csv sources have a format (remove it)");
	if (t == SOURCE_PAYMENTS_CSV && config_setting_get_member(e, "format") == NULL)
		bad(x, e, "format", "missing (a payments-csv source needs the bank's format: "
		    "\"ing\", \"rabobank\", \"abnamro\", \"bunq\" or \"generic\")");
	if (t != SOURCE_CSV && (m = config_setting_get_member(e, "columns")) != NULL)
		bad(x, m, NULL, "only csv sources have columns (remove them)");
	if (t != SOURCE_CSV && t != SOURCE_ATTENDANCE_CSV &&
	    (m = config_setting_get_member(e, "session")) != NULL)
		bad(x, m, NULL, "only csv and attendance-csv sources take a fixed session "
		    "(remove it)");
}

static void
load_sources(struct ctx *x, const config_setting_t *s, void *base)
{
	struct config *c = base;
	int n;

	if (!is_list(x, s, "{ name = ...; type = ...; url = ...; }"))
		return;
	n = config_setting_length(s);
	c->sources = xcalloc((size_t)n, sizeof(*c->sources));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct config_source *src = &c->sources[i];

		/* poll_interval -1: "the global one", filled in once the file is read. */
		source_defaults(src, -1);
		c->nsources++;
		if (!config_setting_is_group(e)) {
			bad(x, e, NULL, "expected a group { name = ...; type = ...; url = ...; }, "
			    "found %s", type_name(e));
			continue;
		}
		walk(x, e, source_keys, src);
		check_source(x, e, src, (size_t)i);
	}
}

static void
check_session(struct ctx *x, const config_setting_t *e, struct config_session *se,
    size_t i)
{
	static const char *const declared[] = { "title", "start", "end" };
	const config_setting_t *m;
	int have = 0;

	if ((m = config_setting_get_member(e, "id")) == NULL)
		bad(x, e, "id", "missing (every session needs an id)");
	for (size_t k = 0; k < 3; k++)
		have += config_setting_get_member(e, declared[k]) != NULL;
	if (have > 0 && have < 3) {
		for (size_t k = 0; k < 3; k++)
			if (config_setting_get_member(e, declared[k]) == NULL)
				bad(x, e, declared[k], "missing (a declared session needs title, "
				    "start and end; an override of a feed's session has only id, "
				    "capacity and price)");
	} else if (have == 0) {
		if ((m = config_setting_get_member(e, "location")) != NULL)
			bad(x, m, NULL, "only a declared session (with title, start and end) "
			    "has a location here; set it in the feed");
		else if (config_setting_get_member(e, "capacity") == NULL &&
		    config_setting_get_member(e, "price") == NULL)
			bad(x, e, NULL, "session changes nothing (an override sets capacity or "
			    "price; a declared session needs title, start and end)");
	}
	if (have == 3 && se->start != 0 && se->end != 0 && se->end <= se->start) {
		m = config_setting_get_member(e, "end");
		bad(x, m, NULL, "the session ends before it starts (end must be after start)");
	}
	if (se->id != NULL) {
		for (size_t j = 0; j < i; j++) {
			if (x->c->sessions[j].id != NULL &&
			    strcmp(x->c->sessions[j].id, se->id) == 0) {
				m = config_setting_get_member(e, "id");
				bad(x, m, NULL, "duplicate session id \"%s\" (first at line %d; "
				    "merge the two entries)", se->id, x->c->sessions[j].line);
				break;
			}
		}
	}
}

static void
load_sessions(struct ctx *x, const config_setting_t *s, void *base)
{
	struct config *c = base;
	int n;

	if (!is_list(x, s, "{ id = ...; title = ...; start = ...; end = ...; }"))
		return;
	n = config_setting_length(s);
	c->sessions = xcalloc((size_t)n, sizeof(*c->sessions));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct config_session *se = &c->sessions[i];

		se->capacity = -1;
		se->price = -1;
		se->line = (int)config_setting_source_line(e);
		c->nsessions++;
		if (!config_setting_is_group(e)) {
			bad(x, e, NULL, "expected a group { id = ...; ... }, found %s",
			    type_name(e));
			continue;
		}
		walk(x, e, session_keys, se);
		check_session(x, e, se, (size_t)i);
	}
}

static void
load_dunning(struct ctx *x, const config_setting_t *s, void *base)
{
	struct config_policy *p = base;
	int n;

	if (!is_list(x, s, "{ after = \"14d\"; template = \"reminder\"; }"))
		return;
	n = config_setting_length(s);
	if (n == 0) {
		bad(x, s, NULL, "the ladder has no steps (remove the key to use the shipped "
		    "ladder)");
		return;
	}
	for (size_t i = 0; i < p->ndunning; i++)
		free(p->dunning[i].template);
	free(p->dunning);
	p->dunning = xcalloc((size_t)n, sizeof(*p->dunning));
	p->ndunning = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *m;

		if (!config_setting_is_group(e)) {
			bad(x, e, NULL, "expected a group { after = ...; template = ...; }, "
			    "found %s", type_name(e));
			continue;
		}
		walk(x, e, dunning_keys, &p->dunning[i]);
		if (config_setting_get_member(e, "after") == NULL)
			bad(x, e, "after", "missing (every step needs after and template)");
		if (config_setting_get_member(e, "template") == NULL)
			bad(x, e, "template", "missing (every step needs after and template)");
		if (p->dunning[i].wik && i + 1 < n) {
			m = config_setting_get_member(e, "wik");
			bad(x, m, NULL, "only the last step can be the 14-day letter (move "
			    "wik = true to the last step)");
		}
	}
}

/* ---- the file as a whole ----------------------------------------------------------- */

/* Checks that involve more than one key, once every key has been read. */
static void
check_across(struct ctx *x, config_t *cf)
{
	struct config *c = x->c;
	const config_setting_t *s;

	if ((s = config_lookup(cf, "mail.transport")) != NULL &&
	    config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "smtp") == 0 &&
	    config_lookup(cf, "mail.url") == NULL)
		bad(x, s, NULL, "\"smtp\" needs mail.url, the server to send through (such as "
		    "url = \"smtp://mail.example.nl:587\")");
	if ((s = config_lookup(cf, "mail.username")) != NULL &&
	    config_lookup(cf, "mail.password_file") == NULL)
		bad(x, s, NULL, "needs mail.password_file (put the password in a file and set "
		    "password_file)");
	if ((s = config_lookup(cf, "mail.dkim")) != NULL && config_setting_is_group(s) &&
	    config_setting_length(s) > 0) {
		static const char *const dk[] = { "domain", "selector", "key_file" };

		for (size_t i = 0; i < 3; i++)
			if (config_setting_get_member(s, dk[i]) == NULL)
				bad(x, s, dk[i], "missing (DKIM signing needs domain, selector "
				    "and key_file)");
	}
	if ((s = config_lookup(cf, "mail.bounces")) != NULL && config_setting_is_group(s) &&
	    config_setting_length(s) > 0 && config_setting_get_member(s, "url") == NULL)
		bad(x, s, "url", "missing (the mailbox for bounces and DSNs, such as "
		    "\"imaps://mail.example.nl\")");
	if ((s = config_lookup(cf, "trainer.vat_rate")) != NULL &&
	    config_setting_is_number(s) && c->trainer.vat_rate == 0 &&
	    c->trainer.vat_exempt == NULL)
		bad(x, s, NULL, "0 needs trainer.vat_exempt, the reason invoices show instead of "
		    "VAT (such as \"vrijgesteld van btw, art. 11 lid 1 sub o Wet OB\")");
}

/* Defaults that depend on other keys. */
static void
fill_derived(struct config *c, config_t *cf)
{
	if (c->mail.from == NULL && c->trainer.email != NULL)
		c->mail.from = xstrdup(c->trainer.email);
	if (config_lookup(cf, "evidence.signing_key") == NULL) {
		free(c->evidence.signing_key);
		c->evidence.signing_key = xasprintf("%s/signing.key", c->evidence_dir);
	}
	for (size_t i = 0; i < c->nsources; i++)
		if (c->sources[i].poll_interval < 0)
			c->sources[i].poll_interval = c->poll_interval;
}

static char *
config_dir(const char *path)
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

int
config_load(const char *path, struct config *c, char **errs)
{
	struct config tmp;
	struct ctx x;
	struct buf b;
	config_t cf;
	const config_setting_t *z;
	const char *slash;
	FILE *f;

	*errs = NULL;
	if ((f = fopen(path, "r")) == NULL || (getc(f) == EOF && ferror(f))) {
		*errs = xasprintf("%s: cannot read the configuration: %s (check the path, or "
		    "name another file with -c)", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);

	memset(&x, 0, sizeof(x));
	x.path = path;
	x.dir = config_dir(path);
	slash = strrchr(path, '/');
	x.incdir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	config_init(&cf);
	/* As the caller wrote it, so that errors in an included file name it the same way. */
	config_set_include_dir(&cf, x.incdir);
	if (config_read_file(&cf, path) == CONFIG_FALSE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			*errs = xasprintf("%s: cannot read the configuration: %s", path,
			    config_error_text(&cf));
		else
			*errs = xasprintf("%s:%d: syntax error: %s",
			    config_error_file(&cf) ? config_error_file(&cf) : path,
			    config_error_line(&cf), config_error_text(&cf));
		config_destroy(&cf);
		free(x.incdir);
		free(x.dir);
		return -1;
	}

	config_defaults(&tmp);
	set_str(&tmp.path, path);
	x.cf = &cf;
	x.c = &tmp;
	/* Session times are read in the configured zone, wherever the key is in the file. */
	x.zone = DEFAULT_ZONE;
	if ((z = config_lookup(&cf, "timezone")) != NULL &&
	    config_setting_type(z) == CONFIG_TYPE_STRING &&
	    days_zone_known(config_setting_get_string(z)))
		x.zone = config_setting_get_string(z);
	walk(&x, config_root_setting(&cf), top_keys, &tmp);
	check_across(&x, &cf);
	fill_derived(&tmp, &cf);

	if (x.nprobs > 0) {
		qsort(x.probs, x.nprobs, sizeof(*x.probs), problem_cmp);
		buf_init(&b);
		for (size_t i = 0; i < x.nprobs; i++) {
			buf_printf(&b, "%s%s", i > 0 ? "\n" : "", x.probs[i].text);
			free(x.probs[i].text);
			free(x.probs[i].file);
		}
		*errs = buf_detach(&b);
		config_release(&tmp);
	} else {
		*c = tmp;
	}
	free(x.probs);
	free(x.dir);
	free(x.incdir);
	config_destroy(&cf);
	return x.nprobs > 0 ? -1 : 0;
}

void
config_release(struct config *c)
{
	free(c->path);
	free(c->database);
	free(c->evidence_dir);
	free(c->timezone);
	free(c->language);
	free(c->currency);

	free(c->trainer.name);
	free(c->trainer.email);
	free(c->trainer.address);
	free(c->trainer.kvk);
	free(c->trainer.vat);
	free(c->trainer.iban);
	free(c->trainer.terms_url);
	free(c->trainer.vat_exempt);

	free(c->mail.transport);
	free(c->mail.url);
	free(c->mail.username);
	free(c->mail.password_file);
	free(c->mail.ca_file);
	free(c->mail.maildir);
	free(c->mail.from);
	free(c->mail.bcc);
	free(c->mail.templates);
	free(c->mail.delivery);
	free(c->mail.dkim_domain);
	free(c->mail.dkim_selector);
	free(c->mail.dkim_key_file);
	free(c->mail.bounces_url);
	free(c->mail.bounces_username);
	free(c->mail.bounces_password_file);

	free(c->evidence.signing_key);
	free(c->evidence.tsa_url);

	for (size_t i = 0; i < c->policy.ndunning; i++)
		free(c->policy.dunning[i].template);
	free(c->policy.dunning);

	for (size_t i = 0; i < c->nsources; i++) {
		struct config_source *s = &c->sources[i];

		free(s->name);
		free(s->url);
		free(s->format);
		free(s->session);
		for (int k = 0; k < CSV_FIELD_COUNT; k++)
			free(s->columns[k]);
	}
	free(c->sources);

	for (size_t i = 0; i < c->nsessions; i++) {
		free(c->sessions[i].id);
		free(c->sessions[i].title);
		free(c->sessions[i].location);
	}
	free(c->sessions);
	memset(c, 0, sizeof(*c));
}

const struct config_source *
config_source_find(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++)
		if (c->sources[i].name != NULL && strcmp(c->sources[i].name, name) == 0)
			return &c->sources[i];
	return NULL;
}

const struct config_session *
config_session_find(const struct config *c, const char *id)
{
	for (size_t i = 0; i < c->nsessions; i++)
		if (c->sessions[i].id != NULL && strcmp(c->sessions[i].id, id) == 0)
			return &c->sessions[i];
	return NULL;
}
