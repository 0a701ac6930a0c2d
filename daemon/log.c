#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

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

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it connected to stderr
 * (systemd.exec(5)); only when stderr is still that stream do lines go to the journal. A
 * child started with the variable but another stderr (a shell's redirect) writes plain.
 */
static int
log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
	log_journal = log_stderr_is_journal();
}

/*
 * Write text (and ": suffix") to syslog, or to stderr. For the journal every line of it
 * carries the priority, so that a list of configuration errors is kept at its level whole;
 * plain, the first line gets `prefix` (the program's name) when it is not NULL.
 */
static void
log_emit(int prio, const char *text, const char *suffix, const char *prefix)
{
	const char *p = text;

	if (log_syslog) {
		if (suffix != NULL)
			syslog(prio, "%s: %s", text, suffix);
		else
			syslog(prio, "%s", text);
		return;
	}
	do {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		if (log_journal)
			fprintf(stderr, "<%d>", prio);
		else if (p == text && prefix != NULL)
			fprintf(stderr, "%s: ", prefix);
		fprintf(stderr, "%.*s", len, p);
		p = nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
		if (p != NULL)
			fputc('\n', stderr);
	} while (p != NULL);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	fflush(stderr);
}

void
log_text(int prio, const char *text)
{
	int saved = errno;

	log_emit(prio, text, NULL, NULL);
	errno = saved;
}

static void
log_vline(int prio, const char *fmt, va_list ap, const char *suffix)
{
	int saved = errno;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	log_emit(prio, msg ? msg : fmt, suffix, log_prog);
	free(msg);
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
