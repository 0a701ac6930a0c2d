#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "noshowd";
static int log_verbose;
static int log_journal;	/* stderr goes to journald: use <N> prefixes */
static int log_syslog;

void
log_to_syslog(void)
{
	openlog(log_prog, LOG_PID, LOG_DAEMON);
	log_syslog = 1;
}

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

static void
log_vline(int prio, const char *fmt, va_list ap, const char *suffix)
{
	int saved = errno;

	if (log_syslog) {
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		if (suffix != NULL)
			syslog(prio, "%s: %s", line, suffix);
		else
			syslog(prio, "%s", line);
		errno = saved;
		return;
	}
	if (log_journal)
		fprintf(stderr, "<%d>", prio);
	else
		fprintf(stderr, "%s: ", log_prog);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	fflush(stderr);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vline(4, fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(4, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(6, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline(7, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vline(3, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(3, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
