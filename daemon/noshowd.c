/*
 * noshowd: the service. Start-up (options, configuration, database), then either one cycle
 * (--once) or the service loop: poll each source when it is due, sleep until the next one,
 * reload on HUP, run now on USR1, stop cleanly on TERM and INT.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounces.h"
#include "config.h"
#include "cycle.h"
#include "digest.h"
#include "dkim.h"
#include "evidence.h"
#include "duties.h"
#include "days.h"
#include "fetch.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "setup.h"
#include "store.h"
#include "util.h"

static volatile sig_atomic_t sig_stop, sig_reload, sig_run;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_reload = 1;
	else if (sig == SIGUSR1)
		sig_run = 1;
	else
		sig_stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: noshowd [-c FILE] [-f] [-v] [--once [--dry-run]] [--now TIME] [-t]\n"
	    "  -c FILE      configuration file (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -f           stay in the foreground (the systemd way)\n"
	    "  -t           check the configuration and exit\n"
	    "  -v           log debug messages\n"
	    "  --once       run one full cycle and exit\n"
	    "  --dry-run    with --once: print what the cycle would do, change nothing\n"
	    "  --now TIME   use TIME (ISO 8601) as the clock for that cycle\n"
	    "  -h, --help   this text\n");
}

/*
 * Sleep until `until` or a signal, whichever comes first. With a watchdog, wake at least every
 * half of its interval and say so: systemd then knows that the loop still turns, and kills
 * and restarts a service that hangs instead of leaving it silently stuck.
 */
static void
sleep_until(time_t until, uint64_t watchdog_half)
{
	for (;;) {
		time_t now = time(NULL);
		uint64_t usec;
		struct timespec ts;

		if (until <= now || sig_stop || sig_reload || sig_run)
			return;
		usec = (uint64_t)(until - now) * 1000000;
		if (watchdog_half > 0 && usec > watchdog_half)
			usec = watchdog_half;
		ts.tv_sec = (time_t)(usec / 1000000);
		ts.tv_nsec = (long)(usec % 1000000) * 1000;
		nanosleep(&ts, NULL);	/* EINTR on a signal is the point */
		if (watchdog_half > 0)
			notify_send("WATCHDOG=1");
	}
}

#define STATUS_SEP " \xc2\xb7 "	/* " · " in UTF-8 */

/*
 * Send "STATUS=text", after `fields` such as "READY=1\n" in the same datagram. The text
 * carries error messages and names from the configuration: a line break in it would start
 * a field of its own, so control characters become spaces.
 */
static void
serve_notify_status(const char *fields, const char *text)
{
	char clean[1024];
	size_t i;

	for (i = 0; text[i] != '\0' && i < sizeof(clean) - 1; i++)
		clean[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
	clean[i] = '\0';
	notify_send("%sSTATUS=%s", fields, clean);
}

/*
 * The one line that `systemctl status` shows, sent after every cycle. It is read from the
 * database rather than from what the cycle did, so that it also counts what noshowctl
 * changed in between. A quarantined source is not ok: it waits for `noshowctl source
 * accept`. `note` (or NULL) goes first and stays there until it no longer holds, such as a
 * failed reload: the file on disk is then not what runs.
 */
static void
serve_status(struct store *s, const struct config *c, time_t wake, const char *note)
{
	char line[1024], sources[96], hhmm[8] = "?";
	size_t ok = 0, quarantined = 0;
	int64_t unpaid, waiting, failed;
	struct tm tm;

	if (days_utc_to_local(wake, c->timezone, &tm) == 0)
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", tm.tm_hour, tm.tm_min);
	for (size_t i = 0; i < c->nsources && !s->failed; i++) {
		char *result = store_text(s, "SELECT result FROM sources WHERE name = ?", "t",
		    c->sources[i].name);

		if (result == NULL || strcmp(result, "failed") != 0) {
			if (result != NULL && strcmp(result, "quarantined") == 0)
				quarantined++;
			else
				ok++;
		}
		free(result);
	}
	unpaid = store_int(s, -1, "SELECT count(*) FROM bookings WHERE state = 'pending'", "");
	waiting = store_int(s, -1, "SELECT count(*) FROM outbox WHERE state IN ('queued', "
	    "'sending', 'deferred')", "");
	failed = store_int(s, -1, "SELECT count(*) FROM outbox WHERE state = 'failed'", "");
	if (c->nsources == 0)
		snprintf(sources, sizeof(sources), "no sources");
	else
		snprintf(sources, sizeof(sources), "%zu of %zu source%s ok", ok, c->nsources,
		    c->nsources == 1 ? "" : "s");
	if (quarantined > 0)
		snprintf(sources + strlen(sources), sizeof(sources) - strlen(sources),
		    " (%zu quarantined)", quarantined);
	if (s->failed)
		snprintf(line, sizeof(line), "%s%sdatabase error: %.400s" STATUS_SEP
		    "next wake-up %s", note ? note : "", note ? STATUS_SEP : "", s->error, hhmm);
	else
		snprintf(line, sizeof(line), "%s%s%s" STATUS_SEP "%lld unpaid" STATUS_SEP
		    "outbox %lld waiting, %lld failed" STATUS_SEP "next wake-up %s",
		    note ? note : "", note ? STATUS_SEP : "", sources, (long long)unpaid,
		    (long long)waiting, (long long)failed, hhmm);
	serve_notify_status("", line);
}

/*
 * The service loop. It tells systemd what it does (sd_notify(3), see notify.h): READY=1 once
 * start-up is done, before the first poll, so that a slow source does not hold up the boot;
 * STATUS= after every cycle; WATCHDOG=1 whenever it wakes and between the steps of a cycle;
 * RELOADING=1 and READY=1 around a reload; STOPPING=1 on the way out.
 */
static int
serve(struct config *c, struct store *s, const char *path, int have_path)
{
	time_t *next = NULL;
	time_t next_bounces = 0;
	struct sigaction sa;
	char err[ERR_MAX];
	uint64_t watchdog_half = notify_watchdog_usec() / 2;
	const char *note = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	log_info("started with %zu sources", c->nsources);
	notify_send("READY=1\nSTATUS=started; polling %zu source%s now", c->nsources,
	    c->nsources == 1 ? "" : "s");
	next = xcalloc(c->nsources + 1, sizeof(*next));
	while (!sig_stop) {
		time_t now = time(NULL), wake = now + 3600;

		if (sig_reload) {
			struct config fresh;
			char *errs = NULL;

			sig_reload = 0;
			notify_send("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, notify_monotonic_usec());
			if (!have_path) {
				log_info("reload: no configuration file; nothing to reload");
				notify_send("READY=1");
			} else if (setup_load(path, &fresh, &errs) < 0) {
				log_warnx("reload of %s failed; keeping the running configuration:",
				    path);
				log_warnx("%s", errs);
				free(errs);
				note = "reload failed: kept the running configuration";
				serve_notify_status("READY=1\n", note);
			} else {
				config_release(c);
				*c = fresh;
				free(next);
				next = xcalloc(c->nsources + 1, sizeof(*next));
				log_info("configuration reloaded from %s", path);
				note = NULL;
				notify_send("READY=1\nSTATUS=configuration reloaded; polling %zu "
				    "source%s now", c->nsources, c->nsources == 1 ? "" : "s");
			}
		}
		if (sig_run) {
			sig_run = 0;
			memset(next, 0, (c->nsources + 1) * sizeof(*next));
			next_bounces = 0;
		}
		if (cycle_clock_check(s, c, now, err) < 0) {
			char line[ERR_MAX + 64];

			log_warnx("%s", err);
			snprintf(line, sizeof(line), "%s" STATUS_SEP "trying again in a minute", err);
			serve_notify_status("", line);
			sleep_until(now + 60, watchdog_half);
			continue;
		}
		if (cycle_sessions(s, c, now, 0, NULL) < 0)
			log_warnx("configured sessions: %s", s->error);
		for (size_t i = 0; i < c->nsources && !sig_stop; i++) {
			const struct config_source *src = &c->sources[i];

			if (next[i] <= now) {
				if (watchdog_half > 0)
					notify_send("WATCHDOG=1");
				if (cycle_poll(s, c, src, now, 0, NULL) < 0)
					log_warnx("source %s: %s", src->name, s->error);
				next[i] = now + src->poll_interval;
			}
			if (next[i] < wake)
				wake = next[i];
		}
		if (!sig_stop) {
			time_t due;
			int tried;

			if (cycle_tick(s, c, now, 0, NULL) < 0)
				log_warnx("policy: %s", s->error);
			/* The next reminder, release or debt: one index lookup, no scan. */
			due = duties_next(s);
			if (due >= 0 && due < wake)
				wake = due > now ? due : now + 1;
			if ((due = digest_next(c, now)) > 0 && due < wake)
				wake = due;

			/* In rounds, so that the watchdog hears from us between them. */
			do {
				if (watchdog_half > 0)
					notify_send("WATCHDOG=1");
				tried = outbox_send(s, c, now, NULL, 32);
			} while (tried == 32 && !sig_stop);
			if (tried < 0)
				log_warnx("outbox: %s", s->error);
			due = outbox_next_due(s);
			if (due > 0 && due < wake)
				wake = due > now ? due : now + 1;
			/* Delivery reports, every poll_interval; one may move the dunning ladder. */
			if (c->mail.bounces_url != NULL && next_bounces <= now) {
				if (bounces_collect(s, c, now, NULL) > 0)
					wake = now + 1;
				next_bounces = now + c->poll_interval;
			}
			if (c->mail.bounces_url != NULL && next_bounces < wake)
				wake = next_bounces;
			/* Daily, and as soon as a dunning step went out. */
			if ((due = evidence_checkpoint_due(s, c, now)) > 0 && due < wake)
				wake = due > now ? due : now + 1;
		}
		cycle_clock_record(s, now);
		if (!sig_stop) {
			if (watchdog_half > 0)
				notify_send("WATCHDOG=1");
			serve_status(s, c, wake, note);
		}
		if (!sig_stop && !sig_reload && !sig_run)
			sleep_until(wake, watchdog_half);
	}
	notify_send("STOPPING=1");
	log_info("stopping");
	free(next);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *now_text = NULL;
	char *abs_path = NULL;
	int once = 0, dry_run = 0, test = 0, foreground = 0, verbose = 0, ch, rc;
	struct config c;
	struct store s;
	char err[ERR_MAX];
	time_t now;

	while ((ch = getopt_long(argc, argv, "c:ftvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'v': verbose = 1; break;
		case 'o': once = 1; break;
		case 'n': dry_run = 1; break;
		case 'N': now_text = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (dry_run && !once) || (now_text && !once && !test)) {
		usage(stderr);
		return 2;
	}
	log_init("noshowd", verbose);
	if (setup_config(path, &c) < 0)
		return 1;
	if (test) {
		/* The DKIM key only here: noshowctl, which loads the file too, may not read it. */
		rc = dkim_check_config(&c, stdout, stderr);
		if (rc == 0)
			printf("%s: configuration OK\n", c.path);
		if (rc == 0 && strcmp(c.mail.transport, "smtp") == 0 &&
		    strcmp(c.mail.delivery, "direct") == 0)
			printf("%s: note: direct delivery connects to port 25 of every recipient's "
			    "mail server; big providers accept it only from an address with reverse "
			    "DNS, allowed by the SPF record of mail.from's domain, with DKIM "
			    "signatures (see noshowd(8))\n", c.path);
		config_release(&c);
		return rc < 0 ? 1 : 0;
	}
	if (setup_now(now_text, c.timezone, &now) < 0) {
		config_release(&c);
		return 2;
	}
	fetch_global_init();
	if (setup_store(&c, &s) < 0 || (!dry_run && setup_signing_key(&c) < 0)) {
		config_release(&c);
		return 1;
	}
	/* daemon(3) changes to /: a reload must still find a relative -c path. */
	if (path != NULL && (abs_path = realpath(path, NULL)) != NULL)
		path = abs_path;
	if (once) {
		rc = cycle_run(&s, &c, now, dry_run, stdout, err);
		if (rc < 0)
			log_warnx("%s", err);
	} else {
		if (!foreground) {
			if (daemon(0, 0) < 0)
				fatal("daemon");
			log_to_syslog();	/* stderr is /dev/null now */
		}
		notify_init();
		rc = serve(&c, &s, path ? path : CONFIG_DEFAULT_PATH,
		    path != NULL || access(CONFIG_DEFAULT_PATH, F_OK) == 0);
	}
	store_close(&s);
	config_release(&c);
	free(abs_path);
	return rc < 0 ? 1 : 0;
}
