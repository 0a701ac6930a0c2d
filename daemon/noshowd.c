/*
 * noshowd: the service. Start-up (options, configuration, database), then either one cycle
 * (--once) or the service loop: poll each source when it is due, sleep until the next one,
 * reload on HUP, run now on USR1, stop cleanly on TERM and INT.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cycle.h"
#include "days.h"
#include "fetch.h"
#include "log.h"
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

/* Sleep until `until` or a signal, whichever comes first. */
static void
sleep_until(time_t until)
{
	time_t now = time(NULL);
	struct timespec ts;

	if (until <= now)
		return;
	ts.tv_sec = until - now;
	ts.tv_nsec = 0;
	nanosleep(&ts, NULL);	/* EINTR on a signal is the point */
}

static int
serve(struct config *c, struct store *s, const char *path, int have_path)
{
	time_t *next = NULL;
	struct sigaction sa;
	char err[ERR_MAX];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	log_info("started with %zu sources", c->nsources);
	next = xcalloc(c->nsources + 1, sizeof(*next));
	while (!sig_stop) {
		time_t now = time(NULL), wake = now + 3600;

		if (sig_reload) {
			struct config fresh;
			char *errs = NULL;

			sig_reload = 0;
			if (!have_path) {
				log_info("reload: no configuration file; nothing to reload");
			} else if (setup_load(path, &fresh, &errs) < 0) {
				log_warnx("reload of %s failed; keeping the running configuration:",
				    path);
				log_warnx("%s", errs);
				free(errs);
			} else {
				config_release(c);
				*c = fresh;
				free(next);
				next = xcalloc(c->nsources + 1, sizeof(*next));
				log_info("configuration reloaded from %s", path);
			}
		}
		if (sig_run) {
			sig_run = 0;
			memset(next, 0, (c->nsources + 1) * sizeof(*next));
		}
		if (cycle_clock_check(s, c, now, err) < 0) {
			log_warnx("%s", err);
			sleep_until(now + 60);
			continue;
		}
		if (cycle_sessions(s, c, now, 0, NULL) < 0)
			log_warnx("configured sessions: %s", s->error);
		for (size_t i = 0; i < c->nsources && !sig_stop; i++) {
			const struct config_source *src = &c->sources[i];

			if (next[i] <= now) {
				if (cycle_poll(s, c, src, now, 0, NULL) < 0)
					log_warnx("source %s: %s", src->name, s->error);
				next[i] = now + src->poll_interval;
			}
			if (next[i] < wake)
				wake = next[i];
		}
		if (!sig_stop) {
			time_t due;

			if (outbox_send(s, c, now, NULL) < 0)
				log_warnx("outbox: %s", s->error);
			due = outbox_next_due(s);
			if (due > 0 && due < wake)
				wake = due > now ? due : now + 1;
		}
		cycle_clock_record(s, now);
		if (!sig_stop && !sig_reload && !sig_run)
			sleep_until(wake);
	}
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
	/* daemon(3) changes to /: a reload must still find a relative -c path. */
	if (path != NULL && (abs_path = realpath(path, NULL)) != NULL)
		path = abs_path;
	if (test) {
		printf("%s: configuration OK\n", c.path);
		config_release(&c);
		return 0;
	}
	if (setup_now(now_text, c.timezone, &now) < 0) {
		config_release(&c);
		return 2;
	}
	fetch_global_init();
	if (setup_store(&c, &s) < 0) {
		config_release(&c);
		return 1;
	}
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
		rc = serve(&c, &s, path ? path : CONFIG_DEFAULT_PATH,
		    path != NULL || access(CONFIG_DEFAULT_PATH, F_OK) == 0);
	}
	store_close(&s);
	config_release(&c);
	free(abs_path);
	return rc < 0 ? 1 : 0;
}
