/*
 * One place for diagnostics. Under systemd (stderr is the stream JOURNAL_STREAM names) every
 * line carries the <N> priority prefix of sd-daemon(3) so journald keeps the level;
 * otherwise they are plain "noshowd: message" lines. All functions save and restore errno.
 */
#ifndef NOSHOWD_LOG_H
#define NOSHOWD_LOG_H

void log_init(const char *progname, int verbose);
/* From now on write to syslog(3) (daemon facility): for a daemon that has left its terminal. */
void log_to_syslog(void);
/* Text of its own, such as a list of configuration errors ("FILE:LINE: ..."), unprefixed. */
void log_text(int prio, const char *text);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* adds strerror */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
