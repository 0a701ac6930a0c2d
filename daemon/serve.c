/*
 * The service loop (noshowd without --once): fetch each source in a thread of its own when
 * it is due (fetchq.h), apply what came in, run the policy and send what is due, then sleep
 * until the next due moment; reload on HUP, run now on USR1, stop cleanly on TERM and INT,
 * and tell systemd about it (notify.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bounces.h"
#include "cycle.h"
#include "days.h"
#include "digest.h"
#include "duties.h"
#include "evidence.h"
#include "fetchq.h"
#include "idlemem.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "poke.h"
#include "serve.h"
#include "setup.h"
#include "util.h"

/* The service's state between turns of its loop. */
struct serve {
	struct config *c;
	struct store *s;
	const char *path;
	int have_path;
	int sigfd;			/* signalfd for TERM, INT, HUP and USR1 */
	int timerfd;			/* the next due moment, on the wall clock */
	int pokefd;			/* noshowctl changed the database (poke.h); or -1 */
	struct fetchq q;		/* sources being fetched */
	time_t *next;			/* per source: when it is due again */
	time_t next_bounces;
	uint64_t watchdog_half;		/* microseconds; 0 without a watchdog */
	const char *note;		/* first in STATUS= while it holds */
	int64_t unpaid, unpaid_at;	/* pending bookings, counted at that last event id */
	int stop, reload, run;		/* signals received, not yet acted on */
};

/*
 * Take the signals that are pending. They are blocked and read from a signalfd, so that a
 * signal never interrupts a step half-way: TERM during a send lets the send finish, and the
 * loop stops at the next step boundary.
 */
static void
serve_signals(struct serve *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			sv->reload = 1;
		else if (si.ssi_signo == SIGUSR1)
			sv->run = 1;
		else
			sv->stop = 1;
	}
}

static void
serve_watchdog(const struct serve *sv)
{
	if (sv->watchdog_half > 0)
		notify_send("WATCHDOG=1");
}

/*
 * Wait in poll(2) until the wall clock reaches `until` (0: nothing is due), a signal, a
 * finished fetch or a poke from noshowctl, whichever comes first. The moment is an absolute
 * CLOCK_REALTIME timer, so that a clock set forward (NTP after a boot) wakes the service for
 * what became due instead of sleeping on a stale interval. With a watchdog, wake at least
 * every half of its interval and say so: systemd then knows that the loop still turns, and
 * kills and restarts a service that hangs instead of leaving it silently stuck. Otherwise
 * an idle service does not wake at all between due moments.
 */
static void
serve_wait(struct serve *sv, time_t until)
{
	struct itimerspec its = { .it_value = { .tv_sec = until } };
	int ms = -1;

	if (until != 0 && until <= time(NULL))
		return;
	/* An it_value of zero disarms: no moment is due. */
	if (timerfd_settime(sv->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		fatal("timerfd_settime");
	if (sv->watchdog_half > 0)
		ms = sv->watchdog_half / 1000 > INT_MAX ? INT_MAX :
		    (int)(sv->watchdog_half / 1000) + 1;
	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = sv->sigfd, .events = POLLIN },
			{ .fd = fetchq_fd(&sv->q), .events = POLLIN },
			{ .fd = sv->timerfd, .events = POLLIN },
			{ .fd = sv->pokefd, .events = POLLIN },	/* -1 is ignored */
		};

		if (sv->stop || sv->reload || sv->run)
			return;
		if (poll(pfd, 4, ms) < 0 && errno != EINTR)
			fatal("poll");
		serve_watchdog(sv);
		serve_signals(sv);
		if ((pfd[1].revents | pfd[2].revents) & POLLIN)
			return;
		if ((pfd[3].revents & POLLIN) && poke_seen(sv->pokefd, sv->c->database)) {
			log_debug("the database was changed by noshowctl: a turn now");
			return;
		}
	}
}

/*
 * Before a sleep of IDLE_RELEASE seconds or more (or with nothing due), with no fetch in
 * flight: let go of the memory only the last turn needed (idlemem.h), SQLite's page cache
 * included. A shorter sleep keeps it: the next turn would only fault it back in.
 */
#define IDLE_RELEASE 60

static void
serve_release(struct serve *sv, time_t until)
{
	long kib;

	if ((until != 0 && until - time(NULL) < IDLE_RELEASE) || fetchq_busy(&sv->q, NULL))
		return;
	sqlite3_db_release_memory(sv->s->db);
	if ((kib = idlemem_release()) < 0)
		log_debug("cannot read /proc/self/smaps (%s): the libraries' pages stay mapped",
		    strerror(errno));
	else
		log_debug("idle: let go of %ld KiB of unchanged library pages", kib);
}

/* The next due moment, with what it is for: the service's STATUS names it. */
struct wake {
	time_t at;		/* 0: nothing is due */
	char what[96];
};

static void __attribute__((format(printf, 3, 4)))
wake_lower(struct wake *w, time_t at, const char *fmt, ...)
{
	va_list ap;

	if (at <= 0 || (w->at != 0 && at >= w->at))
		return;
	w->at = at;
	va_start(ap, fmt);
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	va_end(ap);
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
 * accept`; nor is one whose first fetch is still under way. `note` (or NULL) goes first and
 * stays there until it no longer holds, such as a failed reload: the file on disk is then
 * not what runs.
 */
static void
serve_status(struct serve *sv, const struct wake *wake)
{
	struct store *s = sv->s;
	const struct config *c = sv->c;
	const char *note = sv->note;
	int64_t last_event;
	char line[1024], sources[128], next[160] = "next: nothing due";
	size_t ok = 0, quarantined = 0, unpolled = 0;
	int64_t unpaid, waiting, failed;
	struct tm tm;

	if (wake->at != 0 && days_utc_to_local(wake->at, c->timezone, &tm) == 0)
		snprintf(next, sizeof(next), "next: %s at %02d:%02d", wake->what, tm.tm_hour,
		    tm.tm_min);
	for (size_t i = 0; i < c->nsources && !s->failed; i++) {
		char *result = store_text(s, "SELECT result FROM sources WHERE name = ?", "t",
		    c->sources[i].name);

		/* A first fetch still under way is not ok yet, nor failed. */
		if (result == NULL || strcmp(result, "never") == 0)
			unpolled++;
		else if (strcmp(result, "quarantined") == 0)
			quarantined++;
		else if (strcmp(result, "failed") != 0)
			ok++;
		free(result);
	}
	/*
	 * Counting 100,000 pending bookings takes milliseconds, after every turn. A booking is
	 * created and changes state only with an event (seats.c), and events are never deleted,
	 * so the count is kept until the next event.
	 */
	last_event = store_int(s, -1, "SELECT max(id) FROM events", "");
	if (last_event < 0 || last_event != sv->unpaid_at || sv->unpaid < 0) {
		sv->unpaid = store_int(s, -1, "SELECT count(*) FROM bookings WHERE state = "
		    "'pending'", "");
		sv->unpaid_at = last_event;
	}
	unpaid = sv->unpaid;
	waiting = store_int(s, -1, "SELECT count(*) FROM outbox WHERE " OUTBOX_UNSENT, "");
	failed = store_int(s, -1, "SELECT count(*) FROM outbox WHERE state = 'failed'", "");
	if (c->nsources == 0)
		snprintf(sources, sizeof(sources), "no sources");
	else
		snprintf(sources, sizeof(sources), "%zu of %zu source%s ok", ok, c->nsources,
		    c->nsources == 1 ? "" : "s");
	if (quarantined > 0)
		snprintf(sources + strlen(sources), sizeof(sources) - strlen(sources),
		    " (%zu quarantined)", quarantined);
	if (unpolled > 0)
		snprintf(sources + strlen(sources), sizeof(sources) - strlen(sources),
		    " (%zu not polled yet)", unpolled);
	if (s->failed)
		snprintf(line, sizeof(line), "%s%sdatabase error: %.400s" STATUS_SEP
		    "%s", note ? note : "", note ? STATUS_SEP : "", s->error, next);
	else
		snprintf(line, sizeof(line), "%s%s%s" STATUS_SEP "%lld unpaid" STATUS_SEP
		    "outbox %lld waiting, %lld failed" STATUS_SEP "%s",
		    note ? note : "", note ? STATUS_SEP : "", sources, (long long)unpaid,
		    (long long)waiting, (long long)failed, next);
	serve_notify_status("", line);
}

/* HUP: load the file again; one with errors is rejected and the running one kept. */
static void
serve_reload(struct serve *sv)
{
	struct config fresh;
	char *errs = NULL;

	sv->reload = 0;
	notify_send("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, notify_monotonic_usec());
	if (!sv->have_path) {
		log_info("reload: no configuration file; nothing to reload");
		notify_send("READY=1");
	} else if (setup_load(sv->path, &fresh, &errs) < 0) {
		log_warnx("reload of %s failed; keeping the running configuration:", sv->path);
		log_warnx("%s", errs);
		free(errs);
		sv->note = "reload failed: kept the running configuration";
		serve_notify_status("READY=1\n", sv->note);
	} else {
		/* Fetches still running finish; serve_collect matches them by name and URL. */
		config_release(sv->c);
		*sv->c = fresh;
		free(sv->next);
		sv->next = xcalloc(sv->c->nsources + 1, sizeof(*sv->next));
		log_info("configuration reloaded from %s", sv->path);
		sv->note = NULL;
		notify_send("READY=1\nSTATUS=configuration reloaded; polling %zu source%s now",
		    sv->c->nsources, sv->c->nsources == 1 ? "" : "s");
	}
}

/* Apply every fetch that has finished, each in its own transaction, at `now`. */
static void
serve_collect(struct serve *sv, time_t now)
{
	struct fetchq_job *j;

	while (!sv->stop && (j = fetchq_take(&sv->q)) != NULL) {
		const struct config_source *src = config_source_find(sv->c, j->source);

		serve_watchdog(sv);
		if (src == NULL || strcmp(src->url, j->url) != 0 || cycle_poll_local(src))
			log_debug("source %s: dropping a fetch begun under the previous "
			    "configuration", j->source);
		else if (cycle_poll_apply(sv->s, sv->c, src, &j->r, now, 0, NULL) < 0)
			log_warnx("source %s: %s", src->name, sv->s->error);
		fetchq_job_free(j);
		serve_signals(sv);
	}
}

/*
 * Start a fetch for every source that is due and not being fetched already, and lower
 * *wake to the next due one. A folder of exports is local and read here and now.
 */
static void
serve_poll(struct serve *sv, time_t now, struct wake *wake)
{
	for (size_t i = 0; i < sv->c->nsources && !sv->stop; i++) {
		const struct config_source *src = &sv->c->sources[i];
		struct cycle_prev p;

		/* A source still being fetched says when it is done; it has no due time. */
		if (fetchq_busy(&sv->q, src->name))
			continue;
		if (sv->next[i] <= now) {
			sv->next[i] = now + src->poll_interval;
			serve_watchdog(sv);
			if (cycle_poll_local(src)) {
				if (cycle_poll(sv->s, sv->c, src, now, 0, NULL) < 0)
					log_warnx("source %s: %s", src->name, sv->s->error);
			} else if (cycle_poll_prev(sv->s, src, 0, &p) < 0) {
				log_warnx("source %s: %s", src->name, sv->s->error);
			} else if (fetchq_start(&sv->q, src->name, src->url, &p.v,
			    (long)src->timeout, (size_t)src->max_size) < 0) {
				char *msg = xasprintf("could not start a fetch: %s",
				    strerror(errno));

				log_warnx("source %s: %s; trying again at the next poll",
				    src->name, msg);
				cycle_set_result(sv->s, src->name, now, "failed", msg, 0);
				free(msg);
			}
			cycle_prev_release(&p);
			serve_signals(sv);
		}
		wake_lower(wake, sv->next[i], "poll of %s", src->name);
	}
}

/*
 * Between two messages of the outbox: the watchdog hears from us, and a TERM that arrived
 * during a send stops the outbox once that send is recorded.
 */
static int
serve_between(void *arg)
{
	struct serve *sv = arg;

	serve_watchdog(sv);
	serve_signals(sv);
	return !sv->stop;
}

/*
 * The policy, the outbox, delivery reports and the evidence checkpoint; lowers *wake. A
 * moment still past after its step ran is due again at once when the step worked (noshowctl
 * changed something meanwhile), in a minute when the step failed (a full disk, say): no
 * retry every second while the fault lasts.
 */
static void
serve_duties(struct serve *sv, time_t now, struct wake *wake)
{
	struct store *s = sv->s;
	const struct config *c = sv->c;
	char what[80];
	time_t due;
	int failed, tried;

	if ((failed = cycle_tick(s, c, now, 0, NULL) < 0))
		log_warnx("policy: %s", s->error);
	/* The next reminder, release or debt: one index lookup, no scan. */
	if ((due = duties_next_named(s, c, now, what, sizeof(what))) >= 0)
		wake_lower(wake, due > now ? due : now + (failed ? 60 : 1), "%s", what);
	wake_lower(wake, digest_next(c, now), "digest");
	if ((failed = (tried = outbox_send(s, c, now, NULL, serve_between, sv)) < 0))
		log_warnx("outbox: %s", s->error);
	if ((due = outbox_next_due(s)) > 0)
		wake_lower(wake, due > now ? due : now + (failed ? 60 : 1), "mail");
	if (sv->stop)
		return;
	/* Delivery reports, every poll_interval; one may move the dunning ladder. */
	if (c->mail.bounces_url != NULL && sv->next_bounces <= now) {
		serve_watchdog(sv);
		if (bounces_collect(s, c, now, NULL) > 0)
			wake_lower(wake, now + 1, "policy after delivery reports");
		sv->next_bounces = now + c->poll_interval;
		serve_signals(sv);
	}
	if (c->mail.bounces_url != NULL)
		wake_lower(wake, sv->next_bounces, "delivery reports");
	/* Daily, and as soon as a dunning step went out. */
	if ((due = evidence_checkpoint_due(s, c, now)) > 0)
		wake_lower(wake, due > now ? due : now + 1, "evidence checkpoint");
	/* A lookup above that failed may have hidden a due moment. */
	if (s->failed)
		wake_lower(wake, now + 60, "retry after a database error");
}

/*
 * The service loop. Each turn: take signals, apply the fetches that finished, start the
 * polls that are due, run the policy and the outbox, then wait in poll(2) for the next due
 * moment, a signal or a finished fetch (serve_wait). It tells systemd what it does
 * (sd_notify(3), see notify.h): READY=1 once start-up is done, before the first poll, so
 * that a slow source does not hold up the boot; STATUS= after every turn; WATCHDOG=1
 * whenever it wakes and between steps; RELOADING=1 and READY=1 around a reload; STOPPING=1
 * on the way out.
 */
int
serve(struct config *c, struct store *s, const char *path, int have_path)
{
	struct serve sv;
	sigset_t mask;
	char err[ERR_MAX];

	memset(&sv, 0, sizeof(sv));
	sv.unpaid = -1;
	sv.c = c, sv.s = s, sv.path = path, sv.have_path = have_path;
	sv.watchdog_half = notify_watchdog_usec() / 2;
	/* Blocked before any thread exists, so that every thread inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sv.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		fatal("signalfd");
	if (fetchq_init(&sv.q) < 0)
		fatal("eventfd");
	if ((sv.timerfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC)) < 0)
		fatal("timerfd_create");
	if ((sv.pokefd = poke_watch(c->database)) < 0)
		log_warn("cannot watch %s for changes by noshowctl; they wait for the next due "
		    "moment", c->database);
	log_info("started with %zu source%s", c->nsources, c->nsources == 1 ? "" : "s");
	notify_send("READY=1\nSTATUS=started; polling %zu source%s now", c->nsources,
	    c->nsources == 1 ? "" : "s");
	sv.next = xcalloc(c->nsources + 1, sizeof(*sv.next));
	while (serve_signals(&sv), !sv.stop) {
		time_t now = time(NULL);
		struct wake wake = { 0 };

		if (sv.reload)
			serve_reload(&sv);
		if (sv.run) {
			sv.run = 0;
			memset(sv.next, 0, (sv.c->nsources + 1) * sizeof(*sv.next));
			sv.next_bounces = 0;
		}
		if (cycle_clock_check(s, sv.c, now, err) < 0) {
			char line[ERR_MAX + 64];

			log_warnx("%s", err);
			snprintf(line, sizeof(line), "%s" STATUS_SEP "trying again in a minute", err);
			serve_notify_status("", line);
			serve_wait(&sv, now + 60);
			continue;
		}
		if (cycle_sessions(s, sv.c, now, 0, NULL) < 0)
			log_warnx("configured sessions: %s", s->error);
		serve_collect(&sv, now);
		if (!sv.stop)
			serve_poll(&sv, now, &wake);
		if (!sv.stop)
			serve_duties(&sv, now, &wake);
		cycle_clock_record(s, now);
		if (!sv.stop) {
			char at[32];

			if (wake.at != 0) {
				days_format_iso(wake.at, sv.c->timezone, at);
				log_debug("next wake-up at %s: %s", at, wake.what);
			} else {
				log_debug("nothing is due: sleeping until a signal or a change");
			}
			serve_watchdog(&sv);
			serve_status(&sv, &wake);
			serve_release(&sv, wake.at);
			serve_wait(&sv, wake.at);
		}
	}
	notify_send("STOPPING=1");
	log_info("stopping");
	fetchq_stop(&sv.q);
	close(sv.sigfd);
	close(sv.timerfd);
	if (sv.pokefd >= 0)
		close(sv.pokefd);
	free(sv.next);
	return 0;
}

