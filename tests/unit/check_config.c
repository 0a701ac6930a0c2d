/*
 * config: defaults, a full file with every key, and one case per kind of mistake, each with
 * the exact "FILE:LINE: KEY: message" line a trainer would see.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/unit/data/config/"
#define DAY 86400

#ifndef NOSHOWD_DATADIR
#define NOSHOWD_DATADIR "/usr/local/share/noshowd"
#endif

/* Load a configuration given as text, from a file of its own; "FILE" in errors becomes "F". */
static int
load_text(const char *text, struct config *c, char **errs)
{
	char dir[] = "/tmp/check_config.XXXXXX", path[64];
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	rc = config_load(path, c, errs);
	unlink(path);
	rmdir(dir);
	if (*errs != NULL) {
		struct buf b;
		size_t n = strlen(path);

		buf_init(&b);
		for (const char *p = *errs; *p; ) {
			if (strncmp(p, path, n) == 0) {
				buf_addch(&b, 'F');
				p += n;
			} else {
				buf_addch(&b, *p++);
			}
		}
		free(*errs);
		*errs = buf_detach(&b);
	}
	return rc;
}

static size_t
count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_defaults)
{
	struct config c;
	const struct config_policy *p = &c.policy;

	config_defaults(&c);
	ck_assert_str_eq(c.path, "(defaults)");
	ck_assert_str_eq(c.database, "/var/lib/noshowd/noshowd.db");
	ck_assert_str_eq(c.evidence_dir, "/var/lib/noshowd/evidence");
	ck_assert_str_eq(c.timezone, "Europe/Amsterdam");
	ck_assert_str_eq(c.language, "nl");
	ck_assert_str_eq(c.currency, "EUR");
	ck_assert_int_eq(c.poll_interval, 300);
	ck_assert_int_eq(c.default_price, 0);
	ck_assert_int_eq(c.default_capacity, 12);

	ck_assert_ptr_null(c.trainer.name);
	ck_assert_ptr_null(c.trainer.email);
	ck_assert_int_eq(c.trainer.vat_rate, 2100);

	ck_assert_str_eq(c.mail.transport, "maildir");
	ck_assert_ptr_null(c.mail.url);
	ck_assert_int_eq(c.mail.starttls, STARTTLS_REQUIRED);
	ck_assert_str_eq(c.mail.maildir, "/var/lib/noshowd/maildir");
	ck_assert_str_eq(c.mail.templates, NOSHOWD_DATADIR "/templates");
	ck_assert_str_eq(c.mail.delivery, "relay");
	ck_assert_int_eq(c.mail.dsn, 0);
	ck_assert_ptr_null(c.mail.from);
	ck_assert_ptr_null(c.mail.password_file);

	ck_assert_int_eq(c.evidence.checkpoint_every, DAY);
	ck_assert_str_eq(c.evidence.signing_key, "/var/lib/noshowd/evidence/signing.key");
	ck_assert_ptr_null(c.evidence.tsa_url);

	ck_assert_int_eq(p->payment_term, 14 * DAY);
	ck_assert_int_eq(p->pay_before_start, 3 * DAY);
	ck_assert_int_eq(p->min_payment_time, DAY);
	ck_assert_int_eq(p->business_days, 1);
	ck_assert_int_eq(p->remind_before, 2 * DAY);
	ck_assert_int_eq(p->release_grace, DAY);
	ck_assert_int_eq(p->release_unpaid, 1);
	ck_assert_int_eq(p->accept_late, 1);
	ck_assert_int_eq(p->waitlist_payment_time, 2 * DAY);
	ck_assert_int_eq(p->free_cancel_before, 7 * DAY);
	ck_assert_int_eq(p->withdrawal_period, 14 * DAY);
	ck_assert_int_eq(p->late_cancel_fee, 5000);
	ck_assert_int_eq(p->rebook_once, 1);
	ck_assert_int_eq(p->no_show_after, DAY);
	ck_assert_int_eq(p->no_show_fee, 10000);
	ck_assert_int_eq(p->deposit, 0);
	ck_assert_int_eq(p->rest_due_before, 14 * DAY);
	ck_assert_int_eq(p->prepay_after, 1);
	ck_assert_int_eq(p->prepay_payment_time, 2 * DAY);
	ck_assert_int_eq(p->block_after, 3);
	ck_assert_int_eq(p->goodwill_budget, 50000);
	ck_assert_int_eq(p->max_drop, 3000);
	ck_assert_int_eq(p->digest_at, 420);
	ck_assert_int_eq(p->attend_min, 5000);
	ck_assert_int_eq(p->interest_rate, 400);
	ck_assert_int_eq(p->commercial_interest_rate, 1015);
	ck_assert_int_eq(p->wik_vat, 0);
	ck_assert_uint_eq(p->ndunning, 3);
	ck_assert_int_eq(p->dunning[0].after, 7 * DAY);
	ck_assert_str_eq(p->dunning[0].template, "reminder");
	ck_assert_int_eq(p->dunning[0].wik, 0);
	ck_assert_int_eq(p->dunning[1].after, 14 * DAY);
	ck_assert_str_eq(p->dunning[1].template, "second-reminder");
	ck_assert_int_eq(p->dunning[1].wik, 0);
	ck_assert_int_eq(p->dunning[2].after, 14 * DAY);
	ck_assert_str_eq(p->dunning[2].template, "final-notice");
	ck_assert_int_eq(p->dunning[2].wik, 1);

	ck_assert_uint_eq(c.nsources, 0);
	ck_assert_uint_eq(c.nsessions, 0);
	ck_assert_ptr_null(config_source_find(&c, "x"));
	ck_assert_ptr_null(config_session_find(&c, "x"));
	config_release(&c);
}
END_TEST

START_TEST(test_csv_field_names)
{
	ck_assert_str_eq(config_csv_field_names[CSV_EMAIL], "email");
	ck_assert_str_eq(config_csv_field_names[CSV_NAME], "name");
	ck_assert_str_eq(config_csv_field_names[CSV_SESSION], "session");
	ck_assert_str_eq(config_csv_field_names[CSV_BOOKED_AT], "booked_at");
	ck_assert_str_eq(config_csv_field_names[CSV_COMPANY], "company");
	ck_assert_str_eq(config_csv_field_names[CSV_VAT], "vat");
	ck_assert_str_eq(config_csv_field_names[CSV_CANCELLED], "cancelled");
}
END_TEST

START_TEST(test_full)
{
	struct config c;
	const struct config_policy *p = &c.policy;
	const struct config_source *s;
	const struct config_session *se;
	char *errs = NULL, dir[PATH_MAX], want[PATH_MAX + 64];

	ck_assert_ptr_nonnull(realpath(DATA, dir));
	if (config_load(DATA "full.conf", &c, &errs) != 0)
		ck_abort_msg("full.conf: %s", errs);
	ck_assert_ptr_null(errs);
	ck_assert_str_eq(c.path, DATA "full.conf");
	ck_assert_str_eq(c.database, "/srv/noshowd/state.db");
	ck_assert_str_eq(c.evidence_dir, "/srv/noshowd/evidence");
	ck_assert_str_eq(c.timezone, "Europe/London");
	ck_assert_str_eq(c.language, "en");
	ck_assert_str_eq(c.currency, "EUR");
	ck_assert_int_eq(c.poll_interval, 600);
	ck_assert_int_eq(c.default_price, 15050);
	ck_assert_int_eq(c.default_capacity, 20);

	ck_assert_str_eq(c.trainer.name, "Trainingen De Vries");
	ck_assert_str_eq(c.trainer.email, "info@example.nl");
	ck_assert_str_eq(c.trainer.address, "Kerkstraat 1\n1234 AB Utrecht");
	ck_assert_str_eq(c.trainer.kvk, "12345678");
	ck_assert_str_eq(c.trainer.vat, "NL000099998B57");
	ck_assert_str_eq(c.trainer.iban, "NL91 ABNA 0417 1643 00");
	ck_assert_str_eq(c.trainer.terms_url, "https://example.nl/voorwaarden");
	ck_assert_int_eq(c.trainer.vat_rate, 900);
	ck_assert_str_eq(c.trainer.vat_exempt, "Vrijgesteld van btw");

	ck_assert_str_eq(c.mail.transport, "smtp");
	ck_assert_str_eq(c.mail.url, "smtp://mail.example.nl:587");
	ck_assert_int_eq(c.mail.starttls, STARTTLS_OPPORTUNISTIC);
	ck_assert_str_eq(c.mail.username, "info@example.nl");
	ck_assert_str_eq(c.mail.password_file, "/run/credentials/noshowd.service/smtp");
	ck_assert_str_eq(c.mail.ca_file, "/etc/noshowd/ca.pem");
	ck_assert_str_eq(c.mail.maildir, "/srv/noshowd/maildir");
	ck_assert_str_eq(c.mail.from, "facturen@example.nl");
	ck_assert_str_eq(c.mail.bcc, "archief@example.nl");
	snprintf(want, sizeof(want), "%s/templates", dir);
	ck_assert_str_eq(c.mail.templates, want);
	ck_assert_str_eq(c.mail.delivery, "relay");
	ck_assert_int_eq(c.mail.dsn, 1);
	ck_assert_str_eq(c.mail.dkim_domain, "example.nl");
	ck_assert_str_eq(c.mail.dkim_selector, "ns1");
	ck_assert_str_eq(c.mail.dkim_key_file, "/etc/noshowd/dkim.key");
	ck_assert_str_eq(c.mail.bounces_url, "imaps://mail.example.nl");
	ck_assert_str_eq(c.mail.bounces_username, "bounces@example.nl");
	ck_assert_str_eq(c.mail.bounces_password_file, "/run/credentials/noshowd.service/imap");

	ck_assert_int_eq(c.evidence.checkpoint_every, 12 * 3600);
	ck_assert_str_eq(c.evidence.signing_key, "/etc/noshowd/signing.key");
	ck_assert_str_eq(c.evidence.tsa_url, "https://tsa.example.org/tsr");

	ck_assert_int_eq(p->payment_term, 10 * DAY);
	ck_assert_int_eq(p->pay_before_start, 2 * DAY);
	ck_assert_int_eq(p->min_payment_time, 36 * 3600);
	ck_assert_int_eq(p->business_days, 0);
	ck_assert_int_eq(p->remind_before, DAY);
	ck_assert_int_eq(p->release_grace, 12 * 3600);
	ck_assert_int_eq(p->release_unpaid, 0);
	ck_assert_int_eq(p->accept_late, 0);
	ck_assert_int_eq(p->waitlist_payment_time, DAY);
	ck_assert_int_eq(p->free_cancel_before, 5 * DAY);
	ck_assert_int_eq(p->withdrawal_period, 14 * DAY);
	ck_assert_int_eq(p->late_cancel_fee, 2500);
	ck_assert_int_eq(p->rebook_once, 0);
	ck_assert_int_eq(p->no_show_after, 2 * DAY);
	ck_assert_int_eq(p->no_show_fee, 7550);
	ck_assert_int_eq(p->deposit, 2000);
	ck_assert_int_eq(p->rest_due_before, 7 * DAY);
	ck_assert_int_eq(p->prepay_after, 2);
	ck_assert_int_eq(p->prepay_payment_time, 3 * DAY);
	ck_assert_int_eq(p->block_after, 5);
	ck_assert_int_eq(p->goodwill_budget, 25000);
	ck_assert_int_eq(p->max_drop, 4000);
	ck_assert_int_eq(p->digest_at, 6 * 60 + 30);
	ck_assert_int_eq(p->attend_min, 6000);
	ck_assert_int_eq(p->interest_rate, 600);
	ck_assert_int_eq(p->commercial_interest_rate, 1215);
	ck_assert_int_eq(p->wik_vat, 1);
	ck_assert_uint_eq(p->ndunning, 2);
	ck_assert_int_eq(p->dunning[0].after, 10 * DAY);
	ck_assert_str_eq(p->dunning[0].template, "herinnering");
	ck_assert_int_eq(p->dunning[0].wik, 0);
	ck_assert_int_eq(p->dunning[1].after, 21 * DAY);
	ck_assert_str_eq(p->dunning[1].template, "laatste");
	ck_assert_int_eq(p->dunning[1].wik, 1);

	ck_assert_uint_eq(c.nsources, 4);
	ck_assert_ptr_nonnull(s = config_source_find(&c, "agenda"));
	ck_assert_ptr_eq(s, &c.sources[0]);
	ck_assert_int_eq(s->type, SOURCE_ICAL);
	ck_assert_str_eq(s->url, "https://calendar.example.nl/trainingen.ics");
	ck_assert_int_eq(s->layout, LAYOUT_EVENT_PER_BOOKING);
	ck_assert_int_eq(s->poll_interval, 900);
	ck_assert_int_eq(s->timeout, 60);
	ck_assert_int_eq(s->max_size, 512 * 1024);
	ck_assert_ptr_null(s->format);
	ck_assert_ptr_null(s->session);

	ck_assert_ptr_nonnull(s = config_source_find(&c, "export"));
	ck_assert_int_eq(s->type, SOURCE_CSV);
	snprintf(want, sizeof(want), "file://%s/exports/registrations.csv", dir);
	ck_assert_str_eq(s->url, want);
	ck_assert_int_eq(s->layout, LAYOUT_ATTENDEES);
	ck_assert_int_eq(s->poll_interval, 600);	/* the global one */
	ck_assert_int_eq(s->timeout, 30);
	ck_assert_int_eq(s->max_size, 1000);
	ck_assert_str_eq(s->columns[CSV_EMAIL], "E-mail");
	ck_assert_str_eq(s->columns[CSV_NAME], "Naam");
	ck_assert_str_eq(s->columns[CSV_SESSION], "session");
	ck_assert_str_eq(s->columns[CSV_BOOKED_AT], "Datum");
	ck_assert_str_eq(s->columns[CSV_COMPANY], "company");
	ck_assert_str_eq(s->columns[CSV_VAT], "vat");
	ck_assert_str_eq(s->columns[CSV_CANCELLED], "cancelled");
	ck_assert_str_eq(s->session, "voorjaar-2027");

	ck_assert_ptr_nonnull(s = config_source_find(&c, "bank"));
	ck_assert_int_eq(s->type, SOURCE_PAYMENTS_CSV);
	ck_assert_str_eq(s->format, "rabobank");
	ck_assert_str_eq(s->url, "file:///srv/bank.csv");
	ck_assert_int_eq(s->max_size, 20 * 1024 * 1024);

	ck_assert_ptr_nonnull(s = config_source_find(&c, "zoom"));
	ck_assert_int_eq(s->type, SOURCE_ATTENDANCE_CSV);
	ck_assert_str_eq(s->url, "file:///srv/zoom%20report.csv");
	ck_assert_ptr_null(config_source_find(&c, "nope"));

	ck_assert_uint_eq(c.nsessions, 4);
	ck_assert_ptr_nonnull(se = config_session_find(&c, "intake-2027-01"));
	ck_assert_str_eq(se->title, "Intake");
	ck_assert_int_eq(se->start, 1799053200);	/* 09:00 in London in winter = UTC */
	ck_assert_int_eq(se->end, 1799065800);
	ck_assert_int_eq(se->capacity, 8);
	ck_assert_int_eq(se->price, 29500);
	ck_assert_str_eq(se->location, "Utrecht");
	ck_assert_int_eq(se->line, 115);

	ck_assert_ptr_nonnull(se = config_session_find(&c, "uid-1@example.nl"));
	ck_assert_ptr_null(se->title);
	ck_assert_int_eq(se->start, 0);
	ck_assert_int_eq(se->end, 0);
	ck_assert_int_eq(se->capacity, 16);
	ck_assert_int_eq(se->price, -1);
	ck_assert_ptr_null(se->location);

	ck_assert_ptr_nonnull(se = config_session_find(&c, "uid-2@example.nl"));
	ck_assert_int_eq(se->capacity, -1);
	ck_assert_int_eq(se->price, 9995);

	ck_assert_ptr_nonnull(se = config_session_find(&c, "summer"));
	ck_assert_int_eq(se->start, 1814428800);
	ck_assert_int_eq(se->end, 1814443200);
	ck_assert_ptr_null(config_session_find(&c, "nope"));
	config_release(&c);
}
END_TEST

/* The shipped example must load, and must say the truth about every default. */
START_TEST(test_example_is_defaults)
{
	struct config c, d;
	struct config_dunning_step *ladder;
	char *errs = NULL;

	if (config_load("conf/noshowd.conf", &c, &errs) != 0)
		ck_abort_msg("conf/noshowd.conf: %s", errs);
	config_defaults(&d);
	ck_assert_str_eq(c.database, d.database);
	ck_assert_str_eq(c.evidence_dir, d.evidence_dir);
	ck_assert_str_eq(c.timezone, d.timezone);
	ck_assert_str_eq(c.language, d.language);
	ck_assert_str_eq(c.currency, d.currency);
	ck_assert_int_eq(c.poll_interval, d.poll_interval);
	ck_assert_int_eq(c.default_price, d.default_price);
	ck_assert_int_eq(c.default_capacity, d.default_capacity);
	ck_assert_int_eq(c.trainer.vat_rate, d.trainer.vat_rate);
	ck_assert_str_eq(c.mail.transport, d.mail.transport);
	ck_assert_int_eq(c.mail.starttls, d.mail.starttls);
	ck_assert_str_eq(c.mail.maildir, d.mail.maildir);
	ck_assert_str_eq(c.mail.templates, d.mail.templates);
	ck_assert_str_eq(c.mail.delivery, d.mail.delivery);
	ck_assert_int_eq(c.mail.dsn, d.mail.dsn);
	ck_assert_int_eq(c.evidence.checkpoint_every, d.evidence.checkpoint_every);
	ck_assert_str_eq(c.evidence.signing_key, d.evidence.signing_key);
	ck_assert_uint_eq(c.policy.ndunning, d.policy.ndunning);
	for (size_t i = 0; i < d.policy.ndunning; i++) {
		ck_assert_int_eq(c.policy.dunning[i].after, d.policy.dunning[i].after);
		ck_assert_str_eq(c.policy.dunning[i].template, d.policy.dunning[i].template);
		ck_assert_int_eq(c.policy.dunning[i].wik, d.policy.dunning[i].wik);
	}
	/* Every scalar of the policy, compared in one go with the pointers set equal. */
	ladder = c.policy.dunning;
	c.policy.dunning = d.policy.dunning;
	ck_assert_int_eq(memcmp(&c.policy, &d.policy, sizeof(c.policy)), 0);
	c.policy.dunning = ladder;
	config_release(&d);
	config_release(&c);
}
END_TEST

/* Each mistake, alone in a file, and the exact report it gives. */
static const struct {
	const char *conf;
	const char *want;
} mistakes[] = {
	/* unknown keys, at every level */
	{ "databse = \"/x\";",
	  "F:1: databse: unknown key (did you mean \"database\"?)" },
	{ "colour = \"red\";",
	  "F:1: colour: unknown key" },
	{ "policy = {\n\tpayment_tern = \"7d\";\n};",
	  "F:2: policy.payment_tern: unknown key (did you mean \"payment_term\"?)" },
	{ "mail = { dkim = { selectr = \"x\"; domain = \"d\"; selector = \"s\"; "
	  "key_file = \"/k\"; }; };",
	  "F:1: mail.dkim.selectr: unknown key (did you mean \"selector\"?)" },
	{ "sources = (\n{ name = \"a\"; type = \"ical\"; url = \"a.ics\"; },\n"
	  "{ name = \"b\"; type = \"ical\";\n  urll = \"b.ics\"; }\n);",
	  "F:3: sources.[1].url: missing (every source needs name, type and url)\n"
	  "F:4: sources.[1].urll: unknown key (did you mean \"url\"?)" },
	{ "policy = { dunning = ( { after = \"7d\"; template = \"r\"; wick = true; } ); };",
	  "F:1: policy.dunning.[0].wick: unknown key (did you mean \"wik\"?)" },
	/* wrong types */
	{ "default_capacity = \"12\";",
	  "F:1: default_capacity: \"12\" is a string, not a number (write the number without "
	  "quotes)" },
	{ "default_capacity = 12.5;",
	  "F:1: default_capacity: 12.5 is not a whole number" },
	{ "default_capacity = -1;",
	  "F:1: default_capacity: -1 is below the minimum of 0" },
	{ "policy = { block_after = 0; };",
	  "F:1: policy.block_after: 0 is below the minimum of 1" },
	{ "policy = { business_days = \"yes\"; };",
	  "F:1: policy.business_days: \"yes\" is not a boolean (write true or false, without "
	  "quotes)" },
	{ "policy = 5;",
	  "F:1: policy: expected a group { ... }, found a number" },
	{ "sources = { };",
	  "F:1: sources: expected a list ( { name = ...; type = ...; url = ...; }, ... ), "
	  "found a group { ... }" },
	{ "database = 5;",
	  "F:1: database: 5 is not a string (write it in double quotes)" },
	{ "database = \"\";",
	  "F:1: database: empty value (remove the key to use the default)" },
	{ "trainer = { name = \"a\\tb\"; };",
	  "F:1: trainer.name: \"a?b\" contains a control character (write it on one line, "
	  "without escapes)" },
	{ "trainer = { name = \"a\\nb\"; };",
	  "F:1: trainer.name: \"a?b\" contains a line break (write it on one line, without "
	  "escapes)" },
	/* durations */
	{ "policy = {\n\tpayment_term = \"7 days\";\n};",
	  "F:2: policy.payment_term: \"7 days\" is not a duration (try \"7d\")" },
	{ "policy = { payment_term = \"7 dagen\"; };",
	  "F:1: policy.payment_term: \"7 dagen\" is not a duration (try \"7d\")" },
	{ "poll_interval = \"5\";",
	  "F:1: poll_interval: \"5\" is not a duration (add a unit: \"5d\" for days, \"5h\" "
	  "hours, \"5m\" minutes)" },
	{ "poll_interval = \"soon\";",
	  "F:1: poll_interval: \"soon\" is not a duration (write a number and a unit s, m, h, "
	  "d or w, such as \"7d\")" },
	{ "policy = { release_grace = \"-1d\"; };",
	  "F:1: policy.release_grace: \"-1d\" is not a duration (durations cannot be "
	  "negative)" },
	{ "poll_interval = 300;",
	  "F:1: poll_interval: 300 is a number, not a duration (write a string with a unit, "
	  "such as \"7d\" or \"30m\")" },
	{ "poll_interval = \"0s\";",
	  "F:1: poll_interval: \"0s\" is zero (use a duration longer than zero)" },
	/* money */
	{ "default_price = \"295,00\";",
	  "F:1: default_price: \"295,00\" is not an amount (use \"295.00\")" },
	{ "default_price = \"€ 295\";",
	  "F:1: default_price: \"€ 295\" is not an amount (use \"295\")" },
	{ "default_price = \"-5.00\";",
	  "F:1: default_price: \"-5.00\" is not an amount (amounts cannot be negative)" },
	{ "default_price = 295;",
	  "F:1: default_price: 295 is a number, not an amount (write \"295.00\" in quotes)" },
	/* percentages */
	{ "policy = { no_show_fee = 150; };",
	  "F:1: policy.no_show_fee: 150 is not a percentage from 0 to 100" },
	{ "trainer = { vat_rate = -1.5; };",
	  "F:1: trainer.vat_rate: -1.5 is not a percentage from 0 to 100" },
	{ "policy = { deposit = \"20%\"; };",
	  "F:1: policy.deposit: \"20%\" is a string, not a percentage (write the number "
	  "without quotes or %, such as 50 or 12.5)" },
	{ "trainer = { vat_rate = 0; };",
	  "F:1: trainer.vat_rate: 0 needs trainer.vat_exempt, the reason invoices show "
	  "instead of VAT (such as \"vrijgesteld van btw, art. 11 lid 1 sub o Wet OB\")" },
	/* enumerations */
	{ "timezone = \"Europe/Amsterdan\";",
	  "F:1: timezone: \"Europe/Amsterdan\" is not a time zone (use an IANA name such as "
	  "\"Europe/Amsterdam\")" },
	{ "language = \"de\";",
	  "F:1: language: \"de\" is not a valid language (use \"nl\" or \"en\")" },
	{ "currency = \"USD\";",
	  "F:1: currency: \"USD\" is not a valid currency (use \"EUR\")" },
	{ "mail = { transport = \"sendmail\"; };",
	  "F:1: mail.transport: \"sendmail\" is not a valid transport (use \"maildir\" or "
	  "\"smtp\")" },
	{ "mail = { starttls = \"yes\"; };",
	  "F:1: mail.starttls: \"yes\" is not a valid starttls (use \"required\", "
	  "\"opportunistic\" or \"off\")" },
	{ "mail = { delivery = \"mx\"; };",
	  "F:1: mail.delivery: \"mx\" is not a valid delivery (use \"relay\" or \"direct\")" },
	{ "sources = ( { name = \"a\"; type = \"ics\"; url = \"a\"; } );",
	  "F:1: sources.[0].type: \"ics\" is not a valid type (use \"ical\", \"csv\", "
	  "\"payments-csv\" or \"attendance-csv\")" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; layout = \"attendee\"; url = \"a\"; } );",
	  "F:1: sources.[0].layout: \"attendee\" is not a valid layout (use \"attendees\" or "
	  "\"event-per-booking\")" },
	{ "sources = ( { name = \"a\"; type = \"payments-csv\"; format = \"asn\"; url = \"a\"; } );",
	  "F:1: sources.[0].format: \"asn\" is not a valid format (use \"ing\", \"rabobank\", "
	  "\"abnamro\", \"bunq\" or \"generic\")" },
	/* other kinds of values */
	{ "policy = { digest_at = \"7am\"; };",
	  "F:1: policy.digest_at: \"7am\" is not a time of day (write it as \"07:00\")" },
	{ "policy = { digest_at = \"24:00\"; };",
	  "F:1: policy.digest_at: \"24:00\" is not a time of day (write it as \"07:00\")" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; url = \"a\"; max_size = \"20 MB\"; } );",
	  "F:1: sources.[0].max_size: \"20 MB\" is not a size (write \"20M\", \"512K\" or a "
	  "number of bytes)" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; url = \"a\"; max_size = 0; } );",
	  "F:1: sources.[0].max_size: 0 is not a size (use a positive number of bytes, or "
	  "\"20M\" or \"512K\")" },
	{ "trainer = { iban = \"NL91 ABNA 0417 1643 01\"; };",
	  "F:1: trainer.iban: \"NL91 ABNA 0417 1643 01\" is not a valid IBAN (check for a "
	  "typo; the check digits do not match)" },
	{ "trainer = { email = \"info at example.nl\"; };",
	  "F:1: trainer.email: \"info at example.nl\" is not an email address (write only "
	  "the address, such as \"info@example.nl\")" },
	{ "mail = { url = \"http://mail.example.nl\"; };",
	  "F:1: mail.url: \"http://mail.example.nl\" is not a URL of the form smtp://host or "
	  "smtps://host" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; url = \"ftp://x/a.ics\"; } );",
	  "F:1: sources.[0].url: \"ftp://x/a.ics\" is not a source URL (use https://, "
	  "http://, file:// or a file path)" },
	{ "sources = ( { name = \"my feed\"; type = \"ical\"; url = \"a\"; } );",
	  "F:1: sources.[0].name: \"my feed\" is not a valid name (use letters, digits, '.', "
	  "'_' and '-', starting with a letter or digit)" },
	/* sources as a whole */
	{ "sources = (\n{ name = \"a\"; type = \"ical\"; url = \"a\"; },\n"
	  "{ name = \"a\"; type = \"csv\"; url = \"b\"; }\n);",
	  "F:3: sources.[1].name: duplicate source name \"a\" (give each source its own "
	  "name)" },
	{ "sources = (\n{\n}\n);",
	  "F:2: sources.[0].name: missing (every source needs name, type and url)\n"
	  "F:2: sources.[0].type: missing (every source needs name, type and url)\n"
	  "F:2: sources.[0].url: missing (every source needs name, type and url)" },
	{ "sources = ( { name = \"a\"; type = \"csv\"; url = \"a\"; layout = \"attendees\"; } );",
	  "F:1: sources.[0].layout: only ical sources have a layout (remove it)" },
	{ "sources = ( { name = \"a\"; type = \"payments-csv\"; url = \"a\"; } );",
	  "F:1: sources.[0].format: missing (a payments-csv source needs the bank's format: "
	  "\"ing\", \"rabobank\", \"abnamro\", \"bunq\" or \"generic\")" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; url = \"a\"; columns = { email = \"x\"; "
	  "}; } );",
	  "F:1: sources.[0].columns: only csv sources have columns (remove them)" },
	{ "sources = ( { name = \"a\"; type = \"csv\"; url = \"a\"; columns = { mail = \"x\"; "
	  "}; } );",
	  "F:1: sources.[0].columns.mail: unknown key (did you mean \"email\"?)" },
	{ "sources = ( { name = \"a\"; type = \"ical\"; url = \"a\"; session = \"s\"; } );",
	  "F:1: sources.[0].session: only csv and attendance-csv sources take a fixed "
	  "session (remove it)" },
	/* sessions */
	{ "sessions = (\n{ id = \"x\"; capacity = 3; },\n{ id = \"x\"; price = \"1.00\"; }\n);",
	  "F:3: sessions.[1].id: duplicate session id \"x\" (first at line 2; merge the two "
	  "entries)" },
	{ "sessions = ( { id = \"x\"; title = \"T\"; start = \"2027-01-04T12:00\";\n"
	  "end = \"2027-01-04T09:00\"; } );",
	  "F:2: sessions.[0].end: the session ends before it starts (end must be after "
	  "start)" },
	{ "sessions = ( { id = \"x\"; title = \"T\"; } );",
	  "F:1: sessions.[0].start: missing (a declared session needs title, start and end; "
	  "an override of a feed's session has only id, capacity and price)\n"
	  "F:1: sessions.[0].end: missing (a declared session needs title, start and end; "
	  "an override of a feed's session has only id, capacity and price)" },
	{ "sessions = ( { id = \"x\"; capacity = 3; location = \"Utrecht\"; } );",
	  "F:1: sessions.[0].location: only a declared session (with title, start and end) "
	  "has a location here; set it in the feed" },
	{ "sessions = ( { id = \"x\"; } );",
	  "F:1: sessions.[0]: session changes nothing (an override sets capacity or price; "
	  "a declared session needs title, start and end)" },
	{ "sessions = ( { capacity = 3; } );",
	  "F:1: sessions.[0].id: missing (every session needs an id)" },
	{ "sessions = ( { id = \"x\"; title = \"T\"; start = \"2027-02-30T09:00\"; "
	  "end = \"2027-03-01T09:00\"; } );",
	  "F:1: sessions.[0].start: \"2027-02-30T09:00\" is not a date and time (write "
	  "\"2027-01-04T09:00\" for Europe/Amsterdam time, or add an offset such as "
	  "\"+01:00\")" },
	/* mail */
	{ "mail = {\n\ttransport = \"smtp\";\n};",
	  "F:2: mail.transport: \"smtp\" needs mail.url, the server to send through (such as "
	  "url = \"smtp://mail.example.nl:587\")" },
	{ "mail = { delivery = \"direct\"; };",
	  "F:1: mail.delivery: \"direct\" delivers over SMTP (set mail.transport = \"smtp\" "
	  "as well)" },
	{ "mail = {\n\ttransport = \"smtp\"; delivery = \"direct\";\n"
	  "\turl = \"smtp://relay.example.nl:587\";\n\tstarttls = \"required\";\n"
	  "\tusername = \"u\"; password_file = \"/p\";\n\tca_file = \"/ca.pem\";\n};",
	  "F:3: mail.url: is for a relay, and mail.delivery is \"direct\": messages go to "
	  "each recipient's MX on port 25 without AUTH (remove it, or set delivery = "
	  "\"relay\")\n"
	  "F:4: mail.starttls: \"required\" is for a relay, and mail.delivery is "
	  "\"direct\": STARTTLS is used whenever the recipient's MX offers it (remove it, "
	  "or set \"opportunistic\")\n"
	  "F:5: mail.username: is for a relay, and mail.delivery is \"direct\": messages go "
	  "to each recipient's MX on port 25 without AUTH (remove it, or set delivery = "
	  "\"relay\")\n"
	  "F:5: mail.password_file: is for a relay, and mail.delivery is \"direct\": "
	  "messages go to each recipient's MX on port 25 without AUTH (remove it, or set "
	  "delivery = \"relay\")\n"
	  "F:6: mail.ca_file: is for a relay, and mail.delivery is \"direct\": messages go "
	  "to each recipient's MX on port 25 without AUTH (remove it, or set delivery = "
	  "\"relay\")" },
	{ "mail = { password = \"hunter2\"; };",
	  "F:1: mail.password: refused: put the password in a file and set password_file" },
	{ "mail = { bounces = { url = \"imaps://m\"; password = \"hunter2\"; }; };",
	  "F:1: mail.bounces.password: refused: put the password in a file and set "
	  "password_file" },
	{ "mail = { username = \"u\"; };",
	  "F:1: mail.username: needs mail.password_file (put the password in a file and set "
	  "password_file)" },
	{ "mail = { dkim = { domain = \"example.nl\"; }; };",
	  "F:1: mail.dkim.selector: missing (DKIM signing needs domain, selector and "
	  "key_file)\n"
	  "F:1: mail.dkim.key_file: missing (DKIM signing needs domain, selector and "
	  "key_file)" },
	{ "mail = { bounces = { username = \"u\"; password_file = \"/p\"; }; };",
	  "F:1: mail.bounces.url: missing (the mailbox for bounces and DSNs, such as "
	  "\"imaps://mail.example.nl\")" },
	/* dunning */
	{ "policy = { dunning = (\n{ after = \"7d\"; template = \"a\"; wik = true; },\n"
	  "{ after = \"7d\"; template = \"b\"; }\n); };",
	  "F:2: policy.dunning.[0].wik: only the last step can be the 14-day letter (move "
	  "wik = true to the last step)" },
	{ "policy = { dunning = ( ); };",
	  "F:1: policy.dunning: the ladder has no steps (remove the key to use the shipped "
	  "ladder)" },
	{ "policy = { dunning = ( { template = \"../x\"; } ); };",
	  "F:1: policy.dunning.[0].template: \"../x\" is not a valid name (use letters, "
	  "digits, '.', '_' and '-', starting with a letter or digit)\n"
	  "F:1: policy.dunning.[0].after: missing (every step needs after and template)" },
	{ "policy = { dunning = ( { after = \"0d\"; template = \"x\"; } ); };",
	  "F:1: policy.dunning.[0].after: \"0d\" is zero (use a duration longer than zero)" },
};

START_TEST(test_mistake)
{
	struct config c;
	char *errs = NULL;

	memset(&c, 0x5a, sizeof(c));
	ck_assert_int_eq(load_text(mistakes[_i].conf, &c, &errs), -1);
	ck_assert_ptr_nonnull(errs);
	ck_assert_str_eq(errs, mistakes[_i].want);
	/* c is untouched on failure. */
	for (size_t k = 0; k < sizeof(c); k++)
		ck_assert_int_eq(((unsigned char *)&c)[k], 0x5a);
	free(errs);
}
END_TEST

START_TEST(test_five_mistakes)
{
	struct config c;
	char *errs = NULL;

	ck_assert_int_eq(config_load(DATA "five.conf", &c, &errs), -1);
	ck_assert_ptr_nonnull(errs);
	ck_assert_uint_eq(count_lines(errs), 5);
	ck_assert_str_eq(errs,
	    DATA "five.conf:2: timezone: \"Europe/Amsterdan\" is not a time zone (use an IANA "
	    "name such as \"Europe/Amsterdam\")\n"
	    DATA "five.conf:4: policy.payment_tern: unknown key (did you mean "
	    "\"payment_term\"?)\n"
	    DATA "five.conf:5: policy.remind_before: \"2 days\" is not a duration (try \"2d\")\n"
	    DATA "five.conf:6: policy.late_cancel_fee: 150 is not a percentage from 0 to 100\n"
	    DATA "five.conf:10: sources.[1].name: duplicate source name \"a\" (give each "
	    "source its own name)");
	free(errs);
}
END_TEST

START_TEST(test_relative_paths)
{
	struct config c;
	char *errs = NULL, dir[PATH_MAX], want[PATH_MAX + 64];

	ck_assert_ptr_nonnull(realpath(DATA, dir));
	if (config_load(DATA "relative.conf", &c, &errs) != 0)
		ck_abort_msg("relative.conf: %s", errs);
	ck_assert_uint_eq(c.nsources, 2);
	snprintf(want, sizeof(want), "file://%s/feeds/agenda.ics", dir);
	ck_assert_str_eq(c.sources[0].url, want);
	snprintf(want, sizeof(want), "file://%s/feeds/dot.ics", dir);
	ck_assert_str_eq(c.sources[1].url, want);
	snprintf(want, sizeof(want), "%s/state/noshowd.db", dir);
	ck_assert_str_eq(c.database, want);
	/* Defaults that follow other keys. */
	ck_assert_int_eq(c.sources[0].poll_interval, 300);
	/* The evidence goes next to the database unless evidence_dir says otherwise. */
	snprintf(want, sizeof(want), "%s/state/evidence", dir);
	ck_assert_str_eq(c.evidence_dir, want);
	snprintf(want, sizeof(want), "%s/state/evidence/signing.key", dir);
	ck_assert_str_eq(c.evidence.signing_key, want);
	config_release(&c);
}
END_TEST

START_TEST(test_derived_defaults)
{
	struct config c;
	char *errs = NULL;

	ck_assert_int_eq(load_text("evidence_dir = \"/srv/ev\";\npoll_interval = \"1m\";\n"
	    "trainer = { email = \"info@example.nl\"; };\n"
	    "sources = ( { name = \"a\"; type = \"ical\"; url = \"/a.ics\"; } );\n",
	    &c, &errs), 0);
	ck_assert_str_eq(c.evidence.signing_key, "/srv/ev/signing.key");
	ck_assert_str_eq(c.mail.from, "info@example.nl");
	ck_assert_int_eq(c.sources[0].poll_interval, 60);
	ck_assert_str_eq(c.sources[0].url, "file:///a.ics");
	config_release(&c);
}
END_TEST

/* Direct delivery needs no mail.url, and takes starttls = "opportunistic" as it is. */
START_TEST(test_direct_delivery)
{
	struct config c;
	char *errs = NULL;

	if (load_text("mail = { transport = \"smtp\"; delivery = \"direct\"; "
	    "starttls = \"opportunistic\"; from = \"info@example.nl\"; bcc = "
	    "\"archief@example.nl\"; };\n", &c, &errs) != 0)
		ck_abort_msg("direct: %s", errs);
	ck_assert_str_eq(c.mail.delivery, "direct");
	ck_assert_str_eq(c.mail.transport, "smtp");
	ck_assert_ptr_null(c.mail.url);
	config_release(&c);
}
END_TEST

START_TEST(test_percent_to_bp)
{
	static const struct { const char *v; int bp; } cases[] = {
		{ "0", 0 }, { "100", 10000 }, { "50", 5000 }, { "12.5", 1250 },
		{ "10.15", 1015 }, { "33.33", 3333 }, { "0.5", 50 }, { "100.0", 10000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char text[128], *errs = NULL;

		snprintf(text, sizeof(text), "policy = { commercial_interest_rate = %s; "
		    "max_drop = %s; };", cases[i].v, cases[i].v);
		if (load_text(text, &c, &errs) != 0)
			ck_abort_msg("%s: %s", cases[i].v, errs);
		ck_assert_int_eq(c.policy.commercial_interest_rate, cases[i].bp);
		ck_assert_int_eq(c.policy.max_drop, cases[i].bp);
		config_release(&c);
	}
}
END_TEST

START_TEST(test_sizes)
{
	static const struct { const char *v; int64_t bytes; } cases[] = {
		{ "\"20M\"", 20 << 20 }, { "\"512K\"", 512 << 10 }, { "\"512k\"", 512 << 10 },
		{ "\"1G\"", 1 << 30 }, { "\"4096\"", 4096 }, { "4096", 4096 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char text[160], *errs = NULL;

		snprintf(text, sizeof(text), "sources = ( { name = \"a\"; type = \"ical\"; "
		    "url = \"/a\"; max_size = %s; } );", cases[i].v);
		if (load_text(text, &c, &errs) != 0)
			ck_abort_msg("%s: %s", cases[i].v, errs);
		ck_assert_int_eq(c.sources[0].max_size, cases[i].bytes);
		config_release(&c);
	}
}
END_TEST

START_TEST(test_session_zone_read_first)
{
	struct config c;
	char *errs = NULL;

	/* timezone comes after the session in the file, and still applies to it. */
	ck_assert_int_eq(load_text("sessions = ( { id = \"x\"; title = \"T\"; "
	    "start = \"2027-01-04T09:00\"; end = \"2027-01-04T10:00\"; } );\n"
	    "timezone = \"America/New_York\";\n", &c, &errs), 0);
	ck_assert_int_eq(c.sessions[0].start, 1799053200 + 5 * 3600);
	ck_assert_int_eq(c.sessions[0].end, 1799053200 + 6 * 3600);
	config_release(&c);
}
END_TEST

START_TEST(test_password_not_shown)
{
	struct config c;
	char *errs = NULL;

	ck_assert_int_eq(load_text("mail = { password = \"hunter2\"; };", &c, &errs), -1);
	ck_assert_ptr_null(strstr(errs, "hunter2"));
	free(errs);
}
END_TEST

START_TEST(test_syntax_error)
{
	struct config c;
	char *errs = NULL;

	ck_assert_int_eq(config_load(DATA "syntax.conf", &c, &errs), -1);
	ck_assert_str_eq(errs, DATA "syntax.conf:4: syntax error: syntax error");
	free(errs);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config c;
	char *errs = NULL;

	ck_assert_int_eq(config_load(DATA "nope.conf", &c, &errs), -1);
	ck_assert_str_eq(errs, DATA "nope.conf: cannot read the configuration: No such file "
	    "or directory (check the path, or name another file with -c)");
	free(errs);
	ck_assert_int_eq(config_load(DATA, &c, &errs), -1);
	ck_assert_str_eq(errs, DATA ": cannot read the configuration: Is a directory (check "
	    "the path, or name another file with -c)");
	free(errs);
}
END_TEST

START_TEST(test_include)
{
	struct config c;
	char *errs = NULL;

	/*
	 * @include is relative to the including file; errors name the included file, and
	 * come after those of the main file.
	 */
	ck_assert_int_eq(config_load(DATA "include.conf", &c, &errs), -1);
	ck_assert_str_eq(errs, DATA "include.conf:4: language: \"de\" is not a valid language "
	    "(use \"nl\" or \"en\")\n"
	    DATA "included.conf:3: policy.no_show_fee: 101 is not a percentage from 0 to 100");
	free(errs);
}
END_TEST

START_TEST(test_empty_file)
{
	struct config c, d;
	char *errs = NULL;

	ck_assert_int_eq(load_text("# nothing\n", &c, &errs), 0);
	config_defaults(&d);
	ck_assert_str_eq(c.database, d.database);
	ck_assert_uint_eq(c.policy.ndunning, 3);
	ck_assert_int_eq(c.policy.payment_term, d.policy.payment_term);
	config_release(&c);
	config_release(&d);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_csv_field_names);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_example_is_defaults);
	tcase_add_loop_test(tc, test_mistake, 0, sizeof(mistakes) / sizeof(mistakes[0]));
	tcase_add_test(tc, test_five_mistakes);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_derived_defaults);
	tcase_add_test(tc, test_direct_delivery);
	tcase_add_test(tc, test_percent_to_bp);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_session_zone_read_first);
	tcase_add_test(tc, test_password_not_shown);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_empty_file);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(config_suite)
