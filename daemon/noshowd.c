/*
 * noshowd: start-up (options, configuration, database), then either one cycle (--once) or
 * the service loop (serve.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cycle.h"
#include "dkim.h"
#include "fetch.h"
#include "log.h"
#include "notify.h"
#include "serve.h"
#include "setup.h"
#include "store.h"

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
	/*
	 * A peer that closes a connection makes a write fail with EPIPE, never kill us:
	 * libcurl sends with MSG_NOSIGNAL, but a TLS library's own writes need not.
	 */
	signal(SIGPIPE, SIG_IGN);
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
