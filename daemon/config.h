/*
 * The configuration (libconfig file, SPEC section 6) as a plain struct. config_load() reads
 * and validates a whole file, reports every problem as "FILE:LINE: KEY: message" and fails if
 * there was any; nothing else in noshowd looks at libconfig. Durations are seconds, money is
 * cents, percentages are basis points (hundredths of a percent: 50% = 5000).
 */
#ifndef NOSHOWD_CONFIG_H
#define NOSHOWD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/noshowd/noshowd.conf"

enum source_type {
	SOURCE_ICAL,
	SOURCE_CSV,
	SOURCE_PAYMENTS_CSV,
	SOURCE_ATTENDANCE_CSV,
};

enum ical_layout {
	LAYOUT_ATTENDEES,
	LAYOUT_EVENT_PER_BOOKING,
};

/* Fields a registration CSV can map (`columns`); the order is the index into columns[]. */
enum csv_field {
	CSV_EMAIL,
	CSV_NAME,
	CSV_SESSION,
	CSV_BOOKED_AT,
	CSV_COMPANY,
	CSV_VAT,
	CSV_CANCELLED,
	CSV_FIELD_COUNT,
};
extern const char *const config_csv_field_names[CSV_FIELD_COUNT];	/* "email", ... */

/*
 * Fields a generic bank export (payments-csv, format "generic") can map (`columns`); the
 * order is the index into bank_columns[]. date, amount and description are required;
 * without a direction column the amount's sign tells a credit from a debit.
 */
enum bank_field {
	BANK_DATE,
	BANK_AMOUNT,
	BANK_DESCRIPTION,
	BANK_NAME,
	BANK_IBAN,
	BANK_DIRECTION,
	BANK_FIELD_COUNT,
};
extern const char *const config_bank_field_names[BANK_FIELD_COUNT];	/* "date", ... */

struct config_source {
	char *name;		/* unique, [A-Za-z0-9._-]+ */
	enum source_type type;
	char *url;		/* http(s):// or file://; a plain path is made file:// and
				   absolute, relative to the config file's directory */
	enum ical_layout layout;
	char *format;		/* payments-csv: ing|rabobank|abnamro|bunq|generic */
	int64_t poll_interval;	/* seconds; the global value unless set */
	int64_t timeout;	/* seconds for one transfer (default 30) */
	int64_t max_size;	/* bytes (default 20 MiB); key `max_size` = "20M" style or int */
	char *columns[CSV_FIELD_COUNT];	/* header names; NULL = not mapped.
					   Defaults: email->"email", name->"name",
					   session->"session", booked_at->"booked_at", ... */
	char *session;		/* csv/attendance-csv: fixed session id for every row (optional) */
	char *bank_columns[BANK_FIELD_COUNT];	/* payments-csv with format "generic": header
						   names, `columns` there; default: the field
						   names ("date", "amount", ...) */
};

struct config_session {
	char *id;
	char *title;		/* NULL: an override of a feed session with this id */
	int64_t start, end;	/* UTC seconds; 0 when not given (override) */
	int capacity;		/* -1 = not given */
	int64_t price;		/* cents; -1 = not given */
	char *location;
	int line;
};

struct config_dunning_step {
	int64_t after;
	char *template;
	int wik;
};

struct config_policy {
	int64_t payment_term;		/* 14d */
	int64_t pay_before_start;	/* 3d */
	int64_t min_payment_time;	/* 1d */
	int business_days;		/* true */
	int good_friday;		/* false: Good Friday is a working day for business_days */
	int64_t remind_before;		/* 2d */
	int64_t release_grace;		/* 1d */
	int release_unpaid;		/* true */
	int accept_late;		/* true */
	int64_t waitlist_payment_time;	/* 2d */
	int64_t free_cancel_before;	/* 7d */
	int64_t withdrawal_period;	/* 14d */
	int late_cancel_fee;		/* bp; 5000 */
	int rebook_once;		/* true */
	int64_t no_show_after;		/* 1d */
	int no_show_fee;		/* bp; 10000 */
	int deposit;			/* bp; 0 = none */
	int64_t rest_due_before;	/* 14d */
	int prepay_after;		/* incidents; 1 */
	int64_t prepay_payment_time;	/* 2d */
	int block_after;		/* incidents; 3 */
	int64_t goodwill_budget;	/* cents per month; 50000 */
	int max_drop;			/* bp; 3000 */
	int digest_at;			/* minutes after local midnight; 7:00 = 420 */
	int attend_min;			/* bp of the session's length; 5000 */
	int interest_rate;		/* bp; statutory interest, 400 */
	int commercial_interest_rate;	/* bp; 1015 */
	int wik_vat;			/* false */
	struct config_dunning_step *dunning;
	size_t ndunning;
};

enum starttls_mode {
	STARTTLS_REQUIRED,
	STARTTLS_OPPORTUNISTIC,
	STARTTLS_OFF,
};

struct config_mail {
	char *transport;	/* "maildir" (default) | "smtp" */
	char *url;		/* smtp://host:port or smtps://host:port */
	enum starttls_mode starttls;
	char *username;
	char *password_file;
	char *ca_file;		/* private CA bundle for the SMTP server's certificate */
	char *maildir;		/* default: <state dir>/maildir */
	char *from;		/* default: trainer.email */
	char *bcc;
	char *templates;	/* directory with nl/ and en/; default: the installed templates */
	char *delivery;		/* "relay" | "direct" */
	int dsn;
	int64_t timeout;	/* seconds an SMTP server may stay silent (default 60) */
	char *dkim_domain, *dkim_selector, *dkim_key_file;
	char *bounces_url, *bounces_username, *bounces_password_file;
};

struct config_trainer {
	char *name, *email, *address, *kvk, *vat, *iban, *terms_url;
	int vat_rate;		/* bp; 2100 */
	char *vat_exempt;	/* text printed when vat_rate is 0 */
};

struct config_evidence {
	int64_t checkpoint_every;	/* 1d */
	char *signing_key;		/* default: <evidence_dir>/signing.key */
	char *tsa_url;
};

struct config {
	char *path;		/* the file read, or "(defaults)" */
	char *database;		/* /var/lib/noshowd/noshowd.db */
	char *evidence_dir;	/* /var/lib/noshowd/evidence */
	char *timezone;		/* "Europe/Amsterdam" */
	char *language;		/* "nl" | "en"; default "nl" */
	char *currency;		/* "EUR" */
	int64_t poll_interval;	/* 5m */
	int64_t default_price;	/* cents; 0 */
	int default_capacity;	/* 12 */
	struct config_trainer trainer;
	struct config_mail mail;
	struct config_evidence evidence;
	struct config_policy policy;
	struct config_source *sources;
	size_t nsources;
	struct config_session *sessions;
	size_t nsessions;
};

/* Fill c with the embedded defaults (every key at its documented default, no sources). */
void config_defaults(struct config *c);

/*
 * Read and check `path`. On success fill c (defaults for every key not given) and return 0.
 * On failure print every problem to `errs` (one "FILE:LINE: KEY: message" line each, lines
 * separated by '\n'; the caller frees *errs) and return -1 with c untouched.
 */
int config_load(const char *path, struct config *c, char **errs);

void config_release(struct config *c);

const struct config_source *config_source_find(const struct config *c, const char *name);
const struct config_session *config_session_find(const struct config *c, const char *id);

#endif
