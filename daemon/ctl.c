#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ref.h"
#include "util.h"

int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "noshowctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	ctl_usage(stderr);
	return 2;
}

/* Options after the command name: a tiny getopt for "--flag VALUE" and "--flag". */
const char *
opt_value(int *argc, char **argv, const char *flag, int *missing)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag) != 0)
			continue;
		if (i + 1 >= *argc) {
			*missing = 1;
			return NULL;
		}
		{
			const char *v = argv[i + 1];

			memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
			*argc -= 2;
			return v;
		}
	}
	return NULL;
}

int
opt_flag(int *argc, char **argv, const char *flag)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag) == 0) {
			memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i - 1) * sizeof(*argv));
			(*argc)--;
			return 1;
		}
	}
	return 0;
}

/* Any "--x" left over is a usage error. */
int
opt_leftover(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0)
			return usage_error("unknown option \"%s\"", argv[i]);
	return 0;
}

int
ctl_text_ok(const char *text, int lines)
{
	if (text == NULL)
		return 1;
	if (!utf8_valid(text, strlen(text), NULL))
		return 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f)
			return 0;
	return 1;
}

/* A session given on the command line: its exact id, or an unambiguous prefix of one. */
char *
ctl_session(struct ctl *x, const char *arg)
{
	char *id = store_text(&x->s, "SELECT id FROM sessions WHERE id = ?", "t", arg);
	int64_t n;

	if (id != NULL)
		return id;
	n = store_int(&x->s, 0, "SELECT count(*) FROM sessions WHERE substr(id, 1, length(?1)) "
	    "= ?1", "t", arg);
	if (n == 1)
		return store_text(&x->s, "SELECT id FROM sessions WHERE substr(id, 1, length(?1)) "
		    "= ?1", "t", arg);
	fprintf(stderr, "noshowctl: %s session \"%s\" (see noshowctl sessions --all)\n",
	    n > 1 ? "more than one session starts with" : "no", arg);
	return NULL;
}


int64_t
ctl_booking(struct ctl *x, const char *cmd, const char *arg)
{
	char ref[REF_LEN + 1];
	int64_t id;

	switch (ref_parse(arg, ref)) {
	case REF_INVALID:
		fprintf(stderr, "noshowctl: %s: \"%s\" is not a booking reference (like "
		    "NS-7KQ2-4D)\n", cmd, arg);
		return 0;
	case REF_BADCHECK:
		fprintf(stderr, "noshowctl: %s: \"%s\" has a wrong check character; "
		    "mistyped?\n", cmd, arg);
		return 0;
	case REF_OK:
		break;
	}
	id = store_int(&x->s, 0, "SELECT id FROM bookings WHERE ref = ?", "t", ref);
	if (id <= 0)
		fprintf(stderr, "noshowctl: %s: no booking %s (see noshowctl bookings)\n", cmd,
		    ref);
	return id;
}
