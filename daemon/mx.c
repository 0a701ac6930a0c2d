/*
 * MX lookup with glibc's resolver (libresolv). res_nsend() rather than res_nquery(): it
 * returns the answer whatever its response code, so that the one place that decides what
 * an answer means, NXDOMAIN against SERVFAIL against "no MX records", is mx_parse(), which
 * the tests feed packets of their own.
 */
#include <arpa/nameser.h>
#include <ctype.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"

/*
 * A name that can go into a URL and an SMTP greeting as it is: letters, digits, hyphens
 * and underscores in labels of 1 to 63 characters. Anything else (escaped bytes from a
 * hostile zone, an address literal) is not a host to connect to.
 */
static int
mx_name_ok(const char *name)
{
	size_t label = 0, len = strlen(name);

	if (len == 0 || len >= MX_NAME_MAX - 1)
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

/* name without its trailing dot, lower case, into out (MX_NAME_MAX bytes). */
static void
mx_name_copy(char *out, const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n >= MX_NAME_MAX)
		n = MX_NAME_MAX - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[n] = '\0';
}

/*
 * Insert keeping the list sorted by preference, after the hosts of equal preference; when
 * the list is full the least preferred host is the one left out.
 */
static void
mx_insert(struct mx_list *l, int preference, const char *name)
{
	int pos = l->n;

	while (pos > 0 && l->hosts[pos - 1].preference > preference)
		pos--;
	if (pos >= MX_MAX)
		return;
	if (l->n == MX_MAX)
		l->n--;
	memmove(&l->hosts[pos + 1], &l->hosts[pos], (size_t)(l->n - pos) * sizeof(l->hosts[0]));
	l->hosts[pos].preference = preference;
	mx_name_copy(l->hosts[pos].name, name);
	l->n++;
}

static const char *
mx_rcode_name(int rcode)
{
	switch (rcode) {
	case ns_r_formerr: return "FORMERR";
	case ns_r_servfail: return "SERVFAIL";
	case ns_r_notimpl: return "NOTIMP";
	case ns_r_refused: return "REFUSED";
	default: return "an error";
	}
}

/*
 * Open an answer to the question for domain's `what` records: MX_FOUND when it can be read
 * and says NOERROR; else what its response code means, with err.
 */
static enum mx_status
mx_answer_open(const unsigned char *answer, int len, const char *domain, const char *what,
    ns_msg *m, char err[ERR_MAX])
{
	int rcode;

	if (ns_initparse(answer, len, m) < 0) {
		errf(err, "the DNS answer for the %s records of %s is malformed", what, domain);
		return MX_TEMPFAIL;
	}
	rcode = ns_msg_getflag(*m, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		errf(err, "the domain %s does not exist (NXDOMAIN)", domain);
		return MX_PERMFAIL;
	}
	if (rcode != ns_r_noerror) {
		errf(err, "the DNS server answered %s (rcode %d) for the %s records of %s",
		    mx_rcode_name(rcode), rcode, what, domain);
		return MX_TEMPFAIL;
	}
	return MX_FOUND;
}

enum mx_status
mx_parse(const unsigned char *answer, int len, const char *domain, struct mx_list *l,
    char err[ERR_MAX])
{
	ns_msg m;
	enum mx_status st;
	int count, nulls = 0, skipped = 0;

	memset(l, 0, sizeof(*l));
	if ((st = mx_answer_open(answer, len, domain, "MX", &m, err)) != MX_FOUND)
		return st;
	count = ns_msg_count(m, ns_s_an);
	for (int i = 0; i < count; i++) {
		char name[NS_MAXDNAME];
		const unsigned char *rd;
		ns_rr rr;

		if (ns_parserr(&m, ns_s_an, i, &rr) < 0) {
			errf(err, "the DNS answer for the MX records of %s is malformed (record %d)",
			    domain, i + 1);
			return MX_TEMPFAIL;
		}
		/* CNAMEs on the way come first; what counts is the MX records they lead to. */
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in)
			continue;
		rd = ns_rr_rdata(rr);
		if (ns_rr_rdlen(rr) < 3 || ns_name_uncompress(ns_msg_base(m), ns_msg_end(m),
		    rd + 2, name, sizeof(name)) < 0) {
			errf(err, "the DNS answer for the MX records of %s has a malformed MX "
			    "record", domain);
			return MX_TEMPFAIL;
		}
		if (strcmp(name, ".") == 0 || name[0] == '\0') {
			nulls++;
			continue;
		}
		{
			char plain[MX_NAME_MAX];

			mx_name_copy(plain, name);
			if (!mx_name_ok(plain)) {
				skipped++;
				continue;
			}
		}
		mx_insert(l, ns_get16(rd), name);
	}
	if (l->n > 0)
		return MX_FOUND;
	if (nulls > 0) {
		errf(err, "the domain %s accepts no mail (its MX record is a \"null MX\", RFC "
		    "7505)", domain);
		return MX_PERMFAIL;
	}
	if (skipped > 0) {
		errf(err, "the MX records of %s name no host that can be connected to", domain);
		return MX_PERMFAIL;
	}
	/* No MX records: the domain itself is the host (RFC 5321 section 5.1). */
	if (!mx_name_ok(domain)) {
		errf(err, "\"%s\" is not a domain name that mail can be delivered to", domain);
		return MX_PERMFAIL;
	}
	l->n = 1;
	l->implicit = 1;
	mx_name_copy(l->hosts[0].name, domain);
	return MX_FOUND;
}

enum mx_status
mx_parse_address(const unsigned char *answer, int len, const char *domain, int type,
    char err[ERR_MAX])
{
	const char *what = type == ns_t_aaaa ? "AAAA" : "A";
	enum mx_status st;
	ns_msg m;
	int count;

	if ((st = mx_answer_open(answer, len, domain, what, &m, err)) != MX_FOUND)
		return st;
	count = ns_msg_count(m, ns_s_an);
	for (int i = 0; i < count; i++) {
		ns_rr rr;

		if (ns_parserr(&m, ns_s_an, i, &rr) < 0) {
			errf(err, "the DNS answer for the %s records of %s is malformed (record %d)",
			    what, domain, i + 1);
			return MX_TEMPFAIL;
		}
		/* A CNAME on the way counts only if the address it leads to is there too. */
		if ((int)ns_rr_type(rr) == type && ns_rr_class(rr) == ns_c_in)
			return MX_FOUND;
	}
	errf(err, "the domain %s has no %s records", domain, what);
	return MX_PERMFAIL;
}

/* Send one query of type for domain; the answer's length (answer is NS_MAXMSG), or -1. */
static int
mx_ask(const char *domain, int type, unsigned char *answer)
{
	struct __res_state rs;
	unsigned char query[NS_PACKETSZ];
	int qlen, alen;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0)
		return -1;
	qlen = res_nmkquery(&rs, ns_o_query, domain, ns_c_in, type, NULL, 0, NULL, query,
	    sizeof(query));
	alen = qlen < 0 ? -1 : res_nsend(&rs, query, qlen, answer, NS_MAXMSG);
	res_nclose(&rs);
	return alen;
}

/*
 * The implicit MX (RFC 5321 section 5.1) needs an address: a domain that answers the A and
 * the AAAA question without one (NODATA for both) takes no mail, for good; a failed
 * question leaves it open.
 */
static enum mx_status
mx_implicit_address(const char *domain, unsigned char *answer, char err[ERR_MAX])
{
	static const int types[2] = { ns_t_a, ns_t_aaaa };
	enum mx_status st[2];
	char e[2][ERR_MAX];

	for (int i = 0; i < 2; i++) {
		int alen = mx_ask(domain, types[i], answer);

		if (alen < 0) {
			snprintf(e[i], sizeof(e[i]), "no answer from the DNS servers of "
			    "/etc/resolv.conf about the %s records of %s (timeout)",
			    i == 0 ? "A" : "AAAA", domain);
			st[i] = MX_TEMPFAIL;
		} else if ((st[i] = mx_parse_address(answer, alen, domain, types[i], e[i])) ==
		    MX_FOUND)
			return MX_FOUND;
	}
	for (int i = 0; i < 2; i++)
		if (st[i] == MX_TEMPFAIL) {
			errf(err, "%s", e[i]);
			return MX_TEMPFAIL;
		}
	if (strstr(e[0], "NXDOMAIN") != NULL || strstr(e[1], "NXDOMAIN") != NULL)
		errf(err, "the domain %s does not exist (NXDOMAIN)", domain);
	else
		errf(err, "the domain %s has neither MX nor A/AAAA records: it takes no mail "
		    "(RFC 5321 section 5.1)", domain);
	return MX_PERMFAIL;
}

enum mx_status
mx_lookup(const char *domain, struct mx_list *l, char err[ERR_MAX])
{
	unsigned char *answer;
	int alen;
	enum mx_status st;

	memset(l, 0, sizeof(*l));
	if (!mx_name_ok(domain)) {
		errf(err, "\"%s\" is not a domain name that mail can be delivered to", domain);
		return MX_PERMFAIL;
	}
	answer = xmalloc(NS_MAXMSG);
	if ((alen = mx_ask(domain, ns_t_mx, answer)) < 0) {
		free(answer);
		errf(err, "no answer from the DNS servers of /etc/resolv.conf about the MX records "
		    "of %s (timeout, or check /etc/resolv.conf)", domain);
		return MX_TEMPFAIL;
	}
	st = mx_parse(answer, alen, domain, l, err);
	if (st == MX_FOUND && l->implicit && (st = mx_implicit_address(domain, answer, err)) !=
	    MX_FOUND)
		memset(l, 0, sizeof(*l));
	free(answer);
	return st;
}
