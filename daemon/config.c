/*
 * The configuration file: libconfig text -> struct config.
 *
 * The whole file is checked in one pass and every problem is collected, so that a trainer
 * fixes a file in one round instead of meeting one error per restart. Every setting is
 * looked up in a table of known keys (below); a setting that is in no table is an unknown
 * key, because a typo that silently leaves a default in force is worse than a refusal.
 * Tables map a key to a kind (how its value is checked and converted, by confval.c) and to
 * the offset of its field, so adding a key is one line in a table, one default and one
 * paragraph in noshowd.conf(5). This file knows the keys, the lists (sources, sessions,
 * the dunning ladder) and the checks across keys; confval.c knows the values.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "confval.h"
#include "days.h"
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

const char *const config_bank_field_names[BANK_FIELD_COUNT] = {
	"date", "amount", "description", "name", "iban", "direction",
};

struct ctx {
	struct confval cv;		/* the file's place and its problems */
	config_t *cf;
	struct config *c;
};

/* How a key's value is checked and stored: each scalar kind by its confval_*() function. */
enum kind {
	K_STR,		/* text */
	K_NAME,		/* [A-Za-z0-9._-]+, not starting with '.' */
	K_PATH,		/* text; relative = relative to the config file's directory */
	K_SECRET,	/* a K_PATH, or "credential:NAME" (config_secret) */
	K_EMAIL,
	K_URL,		/* aux: allowed schemes */
	K_SOURCE_URL,	/* http(s)://, file:// or a path, made a file:// URL */
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
static void load_columns(struct ctx *x, const config_setting_t *s, void *base);

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
#define BCOL(i)	(offsetof(struct config_source, bank_columns) + (i) * sizeof(char *))

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
	{ "domain", K_NAME, ML(dkim_domain), 0, NULL, 0, NULL },
	{ "selector", K_NAME, ML(dkim_selector), 0, NULL, 0, NULL },
	{ "key_file", K_SECRET, ML(dkim_key_file), 0, NULL, 0, NULL },
	{ "password", K_PASSWORD, 0, 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key bounces_keys[] = {
	{ "url", K_URL, ML(bounces_url), 0, imap_schemes, 0, NULL },
	{ "username", K_STR, ML(bounces_username), 0, NULL, 0, NULL },
	{ "password_file", K_SECRET, ML(bounces_password_file), 0, NULL, 0, NULL },
	{ "password", K_PASSWORD, 0, 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key mail_keys[] = {
	{ "transport", K_CHOICE, ML(transport), 0, transports, 0, NULL },
	{ "url", K_URL, ML(url), 0, smtp_schemes, 0, NULL },
	{ "starttls", K_ENUM, ML(starttls), 0, starttls_modes, 0, NULL },
	{ "username", K_STR, ML(username), 0, NULL, 0, NULL },
	{ "password_file", K_SECRET, ML(password_file), 0, NULL, 0, NULL },
	{ "ca_file", K_PATH, ML(ca_file), 0, NULL, 0, NULL },
	{ "maildir", K_PATH, ML(maildir), 0, NULL, 0, NULL },
	{ "from", K_EMAIL, ML(from), 0, NULL, 0, NULL },
	{ "bcc", K_EMAIL, ML(bcc), 0, NULL, 0, NULL },
	{ "templates", K_PATH, ML(templates), 0, NULL, 0, NULL },
	{ "delivery", K_CHOICE, ML(delivery), 0, deliveries, 0, NULL },
	{ "dsn", K_BOOL, ML(dsn), 0, NULL, 0, NULL },
	{ "timeout", K_DURATION, ML(timeout), F_POSITIVE, NULL, 0, NULL },
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
	{ "good_friday", K_BOOL, PO(good_friday), 0, NULL, 0, NULL },
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

/* `columns` of a payments-csv source with format "generic": the bank export's header. */
static const struct key bank_column_keys[] = {
	{ "date", K_STR, BCOL(BANK_DATE), 0, NULL, 0, NULL },
	{ "amount", K_STR, BCOL(BANK_AMOUNT), 0, NULL, 0, NULL },
	{ "description", K_STR, BCOL(BANK_DESCRIPTION), 0, NULL, 0, NULL },
	{ "name", K_STR, BCOL(BANK_NAME), 0, NULL, 0, NULL },
	{ "iban", K_STR, BCOL(BANK_IBAN), 0, NULL, 0, NULL },
	{ "direction", K_STR, BCOL(BANK_DIRECTION), 0, NULL, 0, NULL },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};

static const struct key source_keys[] = {
	{ "name", K_NAME, SO(name), 0, NULL, 0, NULL },
	{ "type", K_ENUM, SO(type), 0, source_types, 0, NULL },
	{ "url", K_SOURCE_URL, SO(url), 0, NULL, 0, NULL },
	{ "layout", K_ENUM, SO(layout), 0, layouts, 0, NULL },
	{ "format", K_CHOICE, SO(format), 0, bank_formats, 0, NULL },
	{ "poll_interval", K_DURATION, SO(poll_interval), F_POSITIVE, NULL, 0, NULL },
	{ "timeout", K_DURATION, SO(timeout), F_POSITIVE, NULL, 0, NULL },
	{ "max_size", K_SIZE, SO(max_size), 0, NULL, 0, NULL },
	{ "columns", K_CUSTOM, 0, 0, NULL, 0, load_columns },
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
	for (int i = 0; i < BANK_FIELD_COUNT; i++)
		s->bank_columns[i] = xstrdup(config_bank_field_names[i]);
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
	c->mail.timeout = 60;

	c->evidence.checkpoint_every = DAY;
	c->evidence.signing_key = xstrdup(STATE_DIR "/evidence/signing.key");

	p->payment_term = 14 * DAY;
	p->pay_before_start = 3 * DAY;
	p->min_payment_time = 1 * DAY;
	p->business_days = 1;
	p->good_friday = 0;
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

/* ---- keys -------------------------------------------------------------------------- */

#define CREDENTIAL_PREFIX	"credential:"
/* Where systemd keeps the service's credentials while it runs, for use outside it. */
#define CREDENTIALS_FALLBACK	"/run/credentials/noshowd.service"

/*
 * The file of a secret (a password, the DKIM key): a path, or "credential:NAME" for a
 * systemd credential, given to the service with LoadCredential=NAME:FILE. NAME is then
 * read from $CREDENTIALS_DIRECTORY, which systemd sets for the service's commands;
 * without it (noshowctl or noshowd -t in a shell) from /run/credentials/noshowd.service,
 * where systemd keeps them while the service runs. noshowd(8) says why.
 */
static void
config_secret(struct confval *cv, const config_setting_t *m, char **dst)
{
	const char *v, *name, *dir;

	if (config_setting_type(m) != CONFIG_TYPE_STRING ||
	    strncmp(v = config_setting_get_string(m), CREDENTIAL_PREFIX,
	    strlen(CREDENTIAL_PREFIX)) != 0) {
		confval_path(cv, m, dst);
		return;
	}
	name = v + strlen(CREDENTIAL_PREFIX);
	if (*name == '\0' || *name == '.' || strlen(name) > 255 ||
	    name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-")] != '\0') {
		confval_bad(cv, m, NULL, "\"%s\" is not a credential name (write the name given "
		    "to LoadCredential= in the unit, such as \"credential:smtp-password\": "
		    "letters, digits, '.', '_' and '-')", v);
		return;
	}
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || *dir == '\0')
		dir = CREDENTIALS_FALLBACK;
	free(*dst);
	*dst = xasprintf("%s/%s", dir, name);
}

static void
check(struct ctx *x, const config_setting_t *m, const struct key *k, void *base)
{
	struct confval *cv = &x->cv;
	void *dst = (char *)base + k->off;

	switch (k->kind) {
	case K_STR:
		confval_str(cv, m, k->flags & F_MULTILINE, dst);
		break;
	case K_NAME:
		confval_name(cv, m, dst);
		break;
	case K_PATH:
		confval_path(cv, m, dst);
		break;
	case K_SECRET:
		config_secret(cv, m, dst);
		break;
	case K_EMAIL:
		confval_email(cv, m, dst);
		break;
	case K_URL:
		confval_url(cv, m, k->aux, dst);
		break;
	case K_SOURCE_URL:
		confval_source_url(cv, m, dst);
		break;
	case K_CHOICE:
		confval_choice(cv, m, k->aux, dst);
		break;
	case K_ENUM:
		confval_enum(cv, m, k->aux, dst);
		break;
	case K_ZONE:
		confval_zone(cv, m, dst);
		break;
	case K_IBAN:
		confval_iban(cv, m, dst);
		break;
	case K_BOOL:
		confval_bool(cv, m, dst);
		break;
	case K_INT:
		confval_int(cv, m, k->min, dst);
		break;
	case K_PERCENT:
		confval_percent(cv, m, dst);
		break;
	case K_DURATION:
		confval_duration(cv, m, k->flags & F_POSITIVE, dst);
		break;
	case K_MONEY:
		confval_money(cv, m, dst);
		break;
	case K_SIZE:
		confval_size(cv, m, dst);
		break;
	case K_CLOCK:
		confval_clock(cv, m, dst);
		break;
	case K_MOMENT:
		confval_moment(cv, m, dst);
		break;
	case K_GROUP:
		if (!config_setting_is_group(m))
			confval_bad(cv, m, NULL, "expected a group { ... }, found %s",
			    confval_type_name(m));
		else
			walk(x, m, k->aux, dst);
		break;
	case K_PASSWORD:
		confval_bad(cv, m, NULL, "refused: put the password in a file and set "
		    "password_file");
		break;
	case K_CUSTOM:
		k->custom(x, m, base);
		break;
	}
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
unknown_key(struct ctx *x, const config_setting_t *m, const struct key *keys)
{
	const char *names[64];
	size_t n = 0;

	for (const struct key *k = keys; k->name != NULL && n < 64; k++)
		if (k->kind != K_PASSWORD)
			names[n++] = k->name;
	confval_unknown_key(&x->cv, m, names, n);
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
	confval_bad(&x->cv, s, NULL, "expected a list ( %s, ... ), found %s", example,
	    confval_type_name(s));
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

static void
check_source(struct ctx *x, const config_setting_t *e, struct config_source *src,
    size_t i)
{
	static const char *const need[] = { "name", "type", "url" };
	const config_setting_t *m;
	const char *type = member_str(e, "type"), *format = member_str(e, "format");
	int t = type != NULL ? confval_choice_index(type, source_types) : -1;

	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
		if (config_setting_get_member(e, need[k]) == NULL)
			confval_bad(&x->cv, e, need[k], "missing (every source needs name, type "
			    "and url)");
	if (src->name != NULL) {
		for (size_t j = 0; j < i; j++) {
			if (x->c->sources[j].name != NULL &&
			    strcmp(x->c->sources[j].name, src->name) == 0) {
				m = config_setting_get_member(e, "name");
				confval_bad(&x->cv, m, NULL, "duplicate source name \"%s\" (give "
				    "each source its own name)", src->name);
				break;
			}
		}
	}
	if (t < 0)
		return;
	if (t != SOURCE_ICAL && (m = config_setting_get_member(e, "layout")) != NULL)
		confval_bad(&x->cv, m, NULL, "only ical sources have a layout (remove it)");
	if (t != SOURCE_PAYMENTS_CSV && (m = config_setting_get_member(e, "format")) != NULL)
		confval_bad(&x->cv, m, NULL, "only payments-csv sources have a format (remove it)");
	if (t == SOURCE_PAYMENTS_CSV && config_setting_get_member(e, "format") == NULL)
		confval_bad(&x->cv, e, "format", "missing (a payments-csv source needs the bank's "
		    "format: \"ing\", \"rabobank\", \"abnamro\", \"bunq\" or \"generic\")");
	if ((m = config_setting_get_member(e, "columns")) != NULL) {
		if (t == SOURCE_PAYMENTS_CSV && format != NULL &&
		    confval_choice_index(format, bank_formats) >= 0 &&
		    strcmp(format, "generic") != 0)
			confval_bad(&x->cv, m, NULL, "only format \"generic\" takes columns; the "
			    "\"%s\" layout is built in (remove them)", format);
		else if (t != SOURCE_CSV && t != SOURCE_PAYMENTS_CSV)
			confval_bad(&x->cv, m, NULL, "only csv sources have columns (remove them)");
	}
	if (t != SOURCE_CSV && t != SOURCE_ATTENDANCE_CSV &&
	    (m = config_setting_get_member(e, "session")) != NULL)
		confval_bad(&x->cv, m, NULL, "only csv and attendance-csv sources take a fixed "
		    "session (remove it)");
}

/*
 * `columns` maps a registration export's fields for a csv source and a bank export's
 * fields for a payments-csv one; which keys exist depends on the source's type, wherever
 * in the group `type` is written.
 */
static void
load_columns(struct ctx *x, const config_setting_t *s, void *base)
{
	const char *type = member_str(config_setting_parent(s), "type");

	if (!config_setting_is_group(s)) {
		confval_bad(&x->cv, s, NULL, "expected a group { field = \"header name\"; ... }, "
		    "found %s", confval_type_name(s));
		return;
	}
	if (type != NULL && strcmp(type, "payments-csv") == 0)
		walk(x, s, bank_column_keys, base);
	else
		walk(x, s, column_keys, base);
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
			confval_bad(&x->cv, e, NULL, "expected a group { name = ...; type = ...; "
			    "url = ...; }, found %s", confval_type_name(e));
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
		confval_bad(&x->cv, e, "id", "missing (every session needs an id)");
	for (size_t k = 0; k < 3; k++)
		have += config_setting_get_member(e, declared[k]) != NULL;
	if (have > 0 && have < 3) {
		for (size_t k = 0; k < 3; k++)
			if (config_setting_get_member(e, declared[k]) == NULL)
				confval_bad(&x->cv, e, declared[k], "missing (a declared session "
				    "needs title, start and end; an override of a feed's session "
				    "has only id, capacity and price)");
	} else if (have == 0) {
		if ((m = config_setting_get_member(e, "location")) != NULL)
			confval_bad(&x->cv, m, NULL, "only a declared session (with title, start "
			    "and end) has a location here; set it in the feed");
		else if (config_setting_get_member(e, "capacity") == NULL &&
		    config_setting_get_member(e, "price") == NULL)
			confval_bad(&x->cv, e, NULL, "session changes nothing (an override sets "
			    "capacity or price; a declared session needs title, start and end)");
	}
	if (have == 3 && se->start != 0 && se->end != 0 && se->end <= se->start) {
		m = config_setting_get_member(e, "end");
		confval_bad(&x->cv, m, NULL, "the session ends before it starts (end must be after "
		    "start)");
	}
	if (se->id != NULL) {
		for (size_t j = 0; j < i; j++) {
			if (x->c->sessions[j].id != NULL &&
			    strcmp(x->c->sessions[j].id, se->id) == 0) {
				m = config_setting_get_member(e, "id");
				confval_bad(&x->cv, m, NULL, "duplicate session id \"%s\" (first "
				    "at line %d; merge the two entries)", se->id,
				    x->c->sessions[j].line);
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
			confval_bad(&x->cv, e, NULL, "expected a group { id = ...; ... }, found %s",
			    confval_type_name(e));
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
		confval_bad(&x->cv, s, NULL, "the ladder has no steps (remove the key to use the "
		    "shipped ladder)");
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
			confval_bad(&x->cv, e, NULL, "expected a group { after = ...; template = "
			    "...; }, found %s", confval_type_name(e));
			continue;
		}
		walk(x, e, dunning_keys, &p->dunning[i]);
		if (config_setting_get_member(e, "after") == NULL)
			confval_bad(&x->cv, e, "after", "missing (every step needs after and "
			    "template)");
		if (config_setting_get_member(e, "template") == NULL)
			confval_bad(&x->cv, e, "template", "missing (every step needs after and "
			    "template)");
		if (p->dunning[i].wik && i + 1 < n) {
			m = config_setting_get_member(e, "wik");
			confval_bad(&x->cv, m, NULL, "only the last step can be the 14-day letter "
			    "(move wik = true to the last step)");
		}
	}
}

/* ---- the file as a whole ----------------------------------------------------------- */

/*
 * Direct delivery talks to each recipient's MX on port 25, without AUTH, with STARTTLS when
 * offered: the relay's settings would be silently ignored, so each one set is a mistake.
 */
static int
check_direct(struct ctx *x, config_t *cf)
{
	static const char *const relay_only[] = { "url", "username", "password_file",
	    "ca_file" };
	const config_setting_t *s = config_lookup(cf, "mail.delivery"), *m;
	const char *t;

	if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING ||
	    strcmp(config_setting_get_string(s), "direct") != 0)
		return 0;
	m = config_lookup(cf, "mail.transport");
	t = m != NULL && config_setting_type(m) == CONFIG_TYPE_STRING ?
	    config_setting_get_string(m) : "maildir";
	if (strcmp(t, "smtp") != 0)
		confval_bad(&x->cv, s, NULL, "\"direct\" delivers over SMTP (set mail.transport = "
		    "\"smtp\" as well)");
	for (size_t i = 0; i < sizeof(relay_only) / sizeof(relay_only[0]); i++)
		if ((m = config_setting_get_member(config_setting_parent(s), relay_only[i])) !=
		    NULL)
			confval_bad(&x->cv, m, NULL, "is for a relay, and mail.delivery is "
			    "\"direct\": messages go to each recipient's MX on port 25 without "
			    "AUTH (remove it, or set delivery = \"relay\")");
	if ((m = config_setting_get_member(config_setting_parent(s), "starttls")) != NULL &&
	    config_setting_type(m) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(m), "opportunistic") != 0)
		confval_bad(&x->cv, m, NULL, "\"%s\" is for a relay, and mail.delivery is "
		    "\"direct\": STARTTLS is used whenever the recipient's MX offers it (remove "
		    "it, or set \"opportunistic\")", config_setting_get_string(m));
	return 1;
}

/* Checks that involve more than one key, once every key has been read. */
static void
check_across(struct ctx *x, config_t *cf)
{
	struct config *c = x->c;
	const config_setting_t *s;
	int direct = check_direct(x, cf);

	if ((s = config_lookup(cf, "mail.transport")) != NULL &&
	    config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "smtp") == 0 && !direct &&
	    config_lookup(cf, "mail.url") == NULL)
		confval_bad(&x->cv, s, NULL, "\"smtp\" needs mail.url, the server to send through "
		    "(such as url = \"smtp://mail.example.nl:587\")");
	if ((s = config_lookup(cf, "mail.username")) != NULL && !direct &&
	    config_lookup(cf, "mail.password_file") == NULL)
		confval_bad(&x->cv, s, NULL, "needs mail.password_file (put the password in a file "
		    "and set password_file)");
	if ((s = config_lookup(cf, "mail.dkim")) != NULL && config_setting_is_group(s) &&
	    config_setting_length(s) > 0) {
		static const char *const dk[] = { "domain", "selector", "key_file" };

		for (size_t i = 0; i < 3; i++)
			if (config_setting_get_member(s, dk[i]) == NULL)
				confval_bad(&x->cv, s, dk[i], "missing (DKIM signing needs domain, "
				    "selector and key_file)");
	}
	if ((s = config_lookup(cf, "mail.bounces")) != NULL && config_setting_is_group(s) &&
	    config_setting_length(s) > 0 && config_setting_get_member(s, "url") == NULL)
		confval_bad(&x->cv, s, "url", "missing (the mailbox for bounces and DSNs, such as "
		    "\"imaps://mail.example.nl\")");
	if ((s = config_lookup(cf, "trainer.vat_rate")) != NULL &&
	    config_setting_is_number(s) && c->trainer.vat_rate == 0 &&
	    c->trainer.vat_exempt == NULL)
		confval_bad(&x->cv, s, NULL, "0 needs trainer.vat_exempt, the reason invoices show "
		    "instead of VAT (such as \"vrijgesteld van btw, art. 11 lid 1 sub o Wet OB\")");
}

/* Defaults that depend on other keys. */
static void
fill_derived(struct config *c, config_t *cf)
{
	if (c->mail.from == NULL && c->trainer.email != NULL)
		c->mail.from = xstrdup(c->trainer.email);
	/* The evidence belongs with the database it proves: next to it unless set. */
	if (config_lookup(cf, "evidence_dir") == NULL && config_lookup(cf, "database") != NULL) {
		const char *slash = strrchr(c->database, '/');

		free(c->evidence_dir);
		c->evidence_dir = slash ? xasprintf("%.*s/evidence", (int)(slash - c->database),
		    c->database) : xstrdup("evidence");
	}
	if (config_lookup(cf, "evidence.signing_key") == NULL) {
		free(c->evidence.signing_key);
		c->evidence.signing_key = xasprintf("%s/signing.key", c->evidence_dir);
	}
	for (size_t i = 0; i < c->nsources; i++)
		if (c->sources[i].poll_interval < 0)
			c->sources[i].poll_interval = c->poll_interval;
}

int
config_load(const char *path, struct config *c, char **errs)
{
	struct config tmp;
	struct ctx x;
	config_t cf;
	const config_setting_t *z;
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
	confval_init(&x.cv, path);
	config_init(&cf);
	/* As the caller wrote it, so that errors in an included file name it the same way. */
	config_set_include_dir(&cf, x.cv.incdir);
	if (config_read_file(&cf, path) == CONFIG_FALSE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			*errs = xasprintf("%s: cannot read the configuration: %s", path,
			    config_error_text(&cf));
		else
			*errs = xasprintf("%s:%d: syntax error: %s",
			    config_error_file(&cf) ? config_error_file(&cf) : path,
			    config_error_line(&cf), config_error_text(&cf));
		config_destroy(&cf);
		confval_release(&x.cv);
		return -1;
	}

	config_defaults(&tmp);
	free(tmp.path);
	tmp.path = xstrdup(path);
	x.cf = &cf;
	x.c = &tmp;
	/* Session times are read in the configured zone, wherever the key is in the file. */
	x.cv.zone = DEFAULT_ZONE;
	if ((z = config_lookup(&cf, "timezone")) != NULL &&
	    config_setting_type(z) == CONFIG_TYPE_STRING &&
	    days_zone_known(config_setting_get_string(z)))
		x.cv.zone = config_setting_get_string(z);
	walk(&x, config_root_setting(&cf), top_keys, &tmp);
	check_across(&x, &cf);
	fill_derived(&tmp, &cf);

	if ((*errs = confval_errors(&x.cv)) != NULL)
		config_release(&tmp);
	else
		*c = tmp;
	confval_release(&x.cv);
	config_destroy(&cf);
	return *errs != NULL ? -1 : 0;
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
		for (int k = 0; k < BANK_FIELD_COUNT; k++)
			free(s->bank_columns[k]);
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
