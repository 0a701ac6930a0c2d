/*
 * Where mail for a domain goes (RFC 5321 section 5.1), for direct delivery: the domain's MX
 * records in preference order, or the domain itself when it has none (its A/AAAA records,
 * the "implicit MX"). A "null MX" (RFC 7505: one MX of preference 0 naming the root) says
 * the domain takes no mail.
 *
 * mx_parse() and mx_parse_address() are pure: they read a DNS answer packet, so the tests
 * build packets and need no DNS server. mx_lookup() asks the system's resolver
 * (/etc/resolv.conf) and parses.
 */
#ifndef NOSHOWD_MX_H
#define NOSHOWD_MX_H

#include "util.h"

#define MX_MAX		16	/* hosts kept; more is a misconfiguration or an attack */
#define MX_NAME_MAX	256	/* a domain name in text form, with its NUL */

enum mx_status {
	MX_FOUND,	/* hosts holds at least one host to try */
	MX_TEMPFAIL,	/* SERVFAIL, a timeout, no answer, a broken packet: ask again later */
	MX_PERMFAIL,	/* NXDOMAIN, a null MX, no MX and no address, or a name that cannot
			   be asked about */
};

struct mx_host {
	int preference;
	char name[MX_NAME_MAX];		/* without the trailing dot */
};

struct mx_list {
	struct mx_host hosts[MX_MAX];
	int n;
	int implicit;			/* no MX records: hosts[0] is the domain itself */
};

/*
 * Read the answer to an MX query for domain. Hosts are sorted by preference; hosts of equal
 * preference keep the order of the answer (DNS servers rotate that order, which spreads the
 * load as RFC 5321 asks, and a given answer always gives the same order). MX_FOUND fills l;
 * MX_TEMPFAIL and MX_PERMFAIL say why in err.
 */
enum mx_status mx_parse(const unsigned char *answer, int len, const char *domain,
    struct mx_list *l, char err[ERR_MAX]);

/*
 * Read the answer to an A (type ns_t_a) or AAAA (ns_t_aaaa) query for domain: MX_FOUND when
 * it holds such a record; MX_PERMFAIL for NXDOMAIN and for NODATA (no error, no record of
 * that type: err says which); MX_TEMPFAIL for SERVFAIL and the like, and broken packets.
 */
enum mx_status mx_parse_address(const unsigned char *answer, int len, const char *domain,
    int type, char err[ERR_MAX]);

/*
 * Ask the resolver for domain's MX records and parse the answer (see mx_parse). With no MX
 * records the domain's A and AAAA records are asked for too: when neither question finds
 * an address (NODATA, or NXDOMAIN), the domain takes no mail and that is MX_PERMFAIL; a
 * question that fails (SERVFAIL, a timeout) makes it MX_TEMPFAIL.
 */
enum mx_status mx_lookup(const char *domain, struct mx_list *l, char err[ERR_MAX]);

#endif
