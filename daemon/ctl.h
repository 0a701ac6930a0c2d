/*
 * What noshowctl's commands share: the open configuration, store and view, the small
 * option parser for "--flag VALUE" after a command name, and the lookups of a session or a
 * booking named on the command line. The commands themselves live in noshowctl.c and, for
 * money, ctlmoney.c.
 */
#ifndef NOSHOWD_CTL_H
#define NOSHOWD_CTL_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "store.h"
#include "view.h"

struct ctl {
	const char *config_path;
	struct config c;
	struct store s;
	struct view v;
};

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(struct ctl *, int argc, char **argv);
	int needs_store;
};

/* The command list on f (defined with the command table in noshowctl.c). */
void ctl_usage(FILE *f);
/* "noshowctl: MESSAGE" and the usage on stderr; returns 2, the usage exit status. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value after `flag`, removed from argv (NULL if absent; *missing set if it has none). */
const char *opt_value(int *argc, char **argv, const char *flag, int *missing);
/* 1 if `flag` is present (removed from argv). */
int opt_flag(int *argc, char **argv, const char *flag);
/* A usage error (2) for any "--x" left over, else 0. */
int opt_leftover(int argc, char **argv);
/* Text for the store and the messages: NULL, or UTF-8 without control characters (with
   lines, line breaks allowed). */
int ctl_text_ok(const char *text, int lines);

/* A session's exact id or an unambiguous prefix of one; NULL after saying why. */
char *ctl_session(struct ctl *x, const char *arg);
/* The booking a reference names: its id, or 0 after saying why ("CMD: ..." on stderr). */
int64_t ctl_booking(struct ctl *x, const char *cmd, const char *arg);

/* The money commands (ctlmoney.c). */
int cmd_pay(struct ctl *x, int argc, char **argv);
int cmd_release(struct ctl *x, int argc, char **argv);
int cmd_waive(struct ctl *x, int argc, char **argv);
int cmd_import(struct ctl *x, int argc, char **argv);

/* Commands about a booking's course (ctlbook.c). */
int cmd_cancel(struct ctl *x, int argc, char **argv);
int cmd_attend(struct ctl *x, int argc, char **argv);
int cmd_noshow(struct ctl *x, int argc, char **argv);
int cmd_customer(struct ctl *x, int argc, char **argv);
int cmd_move(struct ctl *x, int argc, char **argv);

/* Send a bounced dunning step again (ctldelivery.c). */
int cmd_resend(struct ctl *x, int argc, char **argv);

/* The evidence commands (ctlevidence.c). */
int cmd_evidence(struct ctl *x, int argc, char **argv);

#endif
