/*
 * Direct delivery: the MX list of mx.c walked with the SMTP sessions of smtp.c. The choice
 * of the next host is the only thing decided here; what an answer means (temporary or
 * permanent) is smtp.c's, as for a relay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"
#include "log.h"
#include "mx.h"
#include "util.h"

/*
 * Connections kept open within a cycle. A few suffice: the messages of a cycle mostly go
 * to a few big providers, and each kept connection is an idle one on someone's server.
 */
#define DIRECT_KEPT 8

struct direct_conn {
	char host[MX_NAME_MAX];
	struct smtp_session *smtp;
};

struct direct {
	char *helo;
	long timeout;
	int dsn;
	struct direct_conn conns[DIRECT_KEPT];
	int next_evict;
};

struct direct *
direct_open(const char *helo, long timeout, int dsn)
{
	struct direct *d = xcalloc(1, sizeof(*d));

	d->dsn = dsn;
	d->helo = helo != NULL ? xstrdup(helo) : NULL;
	d->timeout = timeout;
	return d;
}

/* The session for host: the kept one, or a new one in a free (or the oldest) slot. */
static struct smtp_session *
direct_session(struct direct *d, const char *host)
{
	struct smtp_options o;
	struct direct_conn *c = NULL;
	char *url;

	for (int i = 0; i < DIRECT_KEPT; i++) {
		if (d->conns[i].smtp != NULL && strcmp(d->conns[i].host, host) == 0)
			return d->conns[i].smtp;
		if (c == NULL && d->conns[i].smtp == NULL)
			c = &d->conns[i];
	}
	if (c == NULL) {
		c = &d->conns[d->next_evict];
		d->next_evict = (d->next_evict + 1) % DIRECT_KEPT;
		smtp_close(c->smtp);
	}
	memset(&o, 0, sizeof(o));
	url = xasprintf("smtp://%s:%d", host, DIRECT_PORT);
	o.url = url;
	o.starttls = STARTTLS_OPPORTUNISTIC;
	o.direct = 1;
	o.dsn = d->dsn;
	o.helo = d->helo;
	o.timeout = d->timeout;
	c->smtp = smtp_open(&o);
	snprintf(c->host, sizeof(c->host), "%s", host);
	free(url);
	return c->smtp;
}

/* A failure before any server was asked: the DNS lookup's, or the address's. */
static enum smtp_outcome
direct_fail(struct smtp_report *r, enum smtp_outcome o, const char *err)
{
	r->outcome = o;
	r->dialogue = xstrdup("");
	snprintf(r->err, sizeof(r->err), "%s", err);
	return o;
}

enum smtp_outcome
direct_send(struct direct *d, const char *env_from, const char *rcpt, const char *envid,
    const char *data, size_t len, struct smtp_report *r)
{
	const char *at = rcpt != NULL ? strrchr(rcpt, '@') : NULL;
	struct mx_list mx;
	struct buf dialogue, errs;
	char err[ERR_MAX];
	enum mx_status st;

	memset(r, 0, sizeof(*r));
	if (at == NULL || at[1] == '\0')
		return direct_fail(r, SMTP_PERMFAIL, "the recipient address has no domain to "
		    "deliver to");
	if ((st = mx_lookup(at + 1, &mx, err)) != MX_FOUND)
		return direct_fail(r, st == MX_PERMFAIL ? SMTP_PERMFAIL : SMTP_TEMPFAIL, err);

	buf_init(&dialogue);
	buf_init(&errs);
	for (int i = 0; i < mx.n; i++) {
		const struct mx_host *h = &mx.hosts[i];
		struct smtp_report one;

		smtp_send(direct_session(d, h->name), env_from, rcpt, envid, data, len, &one);
		if (mx.implicit)
			buf_printf(&dialogue, "(no MX records: the domain's own address %s)\r\n",
			    h->name);
		else
			buf_printf(&dialogue, "(MX %s preference %d)\r\n", h->name, h->preference);
		buf_addstr(&dialogue, one.dialogue != NULL ? one.dialogue : "");
		if (one.outcome == SMTP_TEMPFAIL)
			buf_printf(&errs, "%s%s", errs.len > 0 ? "; " : "", one.err);
		/* The last host's answer stands when every host failed for now. */
		if (one.outcome != SMTP_TEMPFAIL || i == mx.n - 1) {
			free(one.dialogue);
			one.dialogue = NULL;
			*r = one;
			break;
		}
		log_debug("direct: %s; trying the next MX of %s", one.err, at + 1);
		smtp_report_release(&one);
	}
	r->dialogue = buf_detach(&dialogue);
	if (r->outcome == SMTP_TEMPFAIL && mx.n > 1)
		snprintf(r->err, sizeof(r->err), "all %d MX hosts of %s failed: %s", mx.n, at + 1,
		    errs.data);
	buf_release(&errs);
	return r->outcome;
}

void
direct_close(struct direct *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < DIRECT_KEPT; i++)
		smtp_close(d->conns[i].smtp);
	free(d->helo);
	free(d);
}
