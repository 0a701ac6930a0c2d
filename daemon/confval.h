/*
 * Values of the configuration file, one libconfig setting at a time, and the problems they
 * have. config.c knows which keys exist and where their values go; this module knows what
 * a good value of each kind looks like (a duration, an amount, a percentage, a size, a time
 * of day, a zone, a choice, an IBAN, ...), converts it, and says what is wrong with a bad
 * one and what was probably meant.
 *
 * Every problem is recorded as "FILE:LINE: KEY: message" in a struct confval; none stops
 * the reading, so that a trainer sees all of them at once. Each value function checks
 * setting m, stores the converted value in *dst and returns, or records a problem and
 * leaves *dst as it was (the default).
 */
#ifndef NOSHOWD_CONFVAL_H
#define NOSHOWD_CONFVAL_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

struct confval_problem;

/* One file being read: where it is, and what is wrong with it so far. */
struct confval {
	const char *path;		/* as the caller named it: errors show this */
	char *dir;			/* absolute directory of the file */
	char *incdir;			/* its directory as the caller wrote it */
	const char *zone;		/* the configured zone, for session times */
	struct confval_problem *probs;
	size_t nprobs, probs_cap;
};

/* Start reading `path` (not opened here); zone is NULL until the caller sets it. */
void confval_init(struct confval *cv, const char *path);
void confval_release(struct confval *cv);

/*
 * Record "FILE:LINE: KEY: message" for setting s. `member` names a key of s that is absent
 * (a required key), so the line is that of the group that lacks it.
 */
void confval_bad(struct confval *cv, const config_setting_t *s, const char *member,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Every problem, the main file first and then by place, one a line; NULL when none. */
char *confval_errors(struct confval *cv);

/* "a number", "a string", "a group { ... }", ...: what s is, for messages. */
const char *confval_type_name(const config_setting_t *s);
/* An unknown key m, with "did you mean" when it is a typo of one of names[0..n). */
void confval_unknown_key(struct confval *cv, const config_setting_t *m,
    const char *const *names, size_t n);
/* The index of v in the NULL-terminated choices, or -1. */
int confval_choice_index(const char *v, const char *const *choices);

/* Text: a non-empty UTF-8 string on one line (line breaks allowed when multiline). */
void confval_str(struct confval *cv, const config_setting_t *m, int multiline, char **dst);
/* [A-Za-z0-9._-]+, not starting with '.'. */
void confval_name(struct confval *cv, const config_setting_t *m, char **dst);
/* A path, made absolute; a relative one is relative to the file's directory. */
void confval_path(struct confval *cv, const config_setting_t *m, char **dst);
void confval_email(struct confval *cv, const config_setting_t *m, char **dst);
/* An IANA zone name. */
void confval_zone(struct confval *cv, const config_setting_t *m, char **dst);
/* An IBAN with matching check digits (ISO 13616); spaces allowed. */
void confval_iban(struct confval *cv, const config_setting_t *m, char **dst);
/* A URL with one of the NULL-terminated schemes. */
void confval_url(struct confval *cv, const config_setting_t *m, const char *const *schemes,
    char **dst);
/* An http(s):// or file:// URL, or a file path made into an absolute file:// URL. */
void confval_source_url(struct confval *cv, const config_setting_t *m, char **dst);
/* One of the NULL-terminated choices, stored as text (choice) or as its index (enum). */
void confval_choice(struct confval *cv, const config_setting_t *m,
    const char *const *choices, char **dst);
void confval_enum(struct confval *cv, const config_setting_t *m, const char *const *choices,
    int *dst);

void confval_bool(struct confval *cv, const config_setting_t *m, int *dst);
/* A whole number from min to INT_MAX. */
void confval_int(struct confval *cv, const config_setting_t *m, int min, int *dst);
/* 0 to 100, a float allowed, -> basis points (12.5 -> 1250). */
void confval_percent(struct confval *cv, const config_setting_t *m, int *dst);
/* "7d" -> seconds; positive: zero is refused too. */
void confval_duration(struct confval *cv, const config_setting_t *m, int positive,
    int64_t *dst);
/* "295.00" -> cents. */
void confval_money(struct confval *cv, const config_setting_t *m, int64_t *dst);
/* A positive number of bytes, or "512K", "20M", "1G". */
void confval_size(struct confval *cv, const config_setting_t *m, int64_t *dst);
/* "HH:MM" -> minutes after midnight. */
void confval_clock(struct confval *cv, const config_setting_t *m, int *dst);
/* ISO 8601 date and time, in cv->zone unless it has an offset -> UTC seconds. */
void confval_moment(struct confval *cv, const config_setting_t *m, int64_t *dst);

#endif
