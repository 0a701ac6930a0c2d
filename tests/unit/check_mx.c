/*
 * mx_parse on DNS answer packets built here, byte by byte: the response codes, MX records
 * in preference order with ties kept in answer order, CNAMEs on the way, compressed names,
 * the implicit MX of a domain without MX records, the null MX, and broken packets.
 */
#include <arpa/nameser.h>
#include <stdio.h>
#include <string.h>

#include "mx.h"
#include "unit.h"

struct pkt {
	unsigned char b[1024];
	int len;
	int question_name;	/* offset of the question's name, for compression pointers */
};

static void
put8(struct pkt *p, int v)
{
	p->b[p->len++] = (unsigned char)v;
}

static void
put16(struct pkt *p, int v)
{
	put8(p, (v >> 8) & 0xff);
	put8(p, v & 0xff);
}

/* A name in wire form, uncompressed; "" is the root. */
static void
put_name(struct pkt *p, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		int n = dot ? (int)(dot - name) : (int)strlen(name);

		put8(p, n);
		memcpy(p->b + p->len, name, (size_t)n);
		p->len += n;
		name += n + (dot ? 1 : 0);
	}
	put8(p, 0);
}

/* Header and question of an answer with rcode and ancount answers to follow. */
static void
pkt_start(struct pkt *p, const char *qname, int rcode, int ancount)
{
	memset(p, 0, sizeof(*p));
	put16(p, 0x1234);		/* id */
	put16(p, 0x8180 | rcode);	/* QR, RD, RA */
	put16(p, 1);
	put16(p, ancount);
	put16(p, 0);
	put16(p, 0);
	p->question_name = p->len;
	put_name(p, qname);
	put16(p, ns_t_mx);
	put16(p, ns_c_in);
}

/* An answer record's owner (the question's name, compressed), type, class, ttl. */
static void
rr_start(struct pkt *p, int type)
{
	put16(p, 0xc000 | p->question_name);
	put16(p, type);
	put16(p, ns_c_in);
	put16(p, 0);
	put16(p, 300);
}

static void
add_mx(struct pkt *p, int pref, const char *host)
{
	int at;

	rr_start(p, ns_t_mx);
	at = p->len;
	put16(p, 0);			/* rdlength, filled in below */
	put16(p, pref);
	put_name(p, host);
	p->b[at] = (unsigned char)((p->len - at - 2) >> 8);
	p->b[at + 1] = (unsigned char)((p->len - at - 2) & 0xff);
}

START_TEST(sorted_by_preference_ties_in_answer_order)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "example.test", ns_r_noerror, 4);
	add_mx(&p, 20, "mx-b.example.test");
	add_mx(&p, 10, "MX-A.example.test.");
	add_mx(&p, 20, "mx-c.example.test");
	add_mx(&p, 5, "first.example.test");
	ck_assert_int_eq(mx_parse(p.b, p.len, "example.test", &l, err), MX_FOUND);
	ck_assert_int_eq(l.n, 4);
	ck_assert_int_eq(l.implicit, 0);
	ck_assert_str_eq(l.hosts[0].name, "first.example.test");
	ck_assert_int_eq(l.hosts[0].preference, 5);
	ck_assert_str_eq(l.hosts[1].name, "mx-a.example.test");
	ck_assert_str_eq(l.hosts[2].name, "mx-b.example.test");
	ck_assert_str_eq(l.hosts[3].name, "mx-c.example.test");
	ck_assert_int_eq(l.hosts[3].preference, 20);
}
END_TEST

START_TEST(compressed_target_and_cname_first)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";
	int at;

	pkt_start(&p, "alias.test", ns_r_noerror, 2);
	/* alias.test CNAME mail.alias.test (the target compressed onto the question). */
	rr_start(&p, ns_t_cname);
	put16(&p, 7);
	put8(&p, 4);
	memcpy(p.b + p.len, "mail", 4);
	p.len += 4;
	put16(&p, 0xc000 | p.question_name);
	/* ... and its MX: "mx" followed by a pointer to the question's name. */
	rr_start(&p, ns_t_mx);
	at = p.len;
	put16(&p, 7);
	put16(&p, 10);
	put8(&p, 2);
	memcpy(p.b + p.len, "mx", 2);
	p.len += 2;
	put16(&p, 0xc000 | p.question_name);
	ck_assert_int_eq(p.len - at - 2, 7);
	ck_assert_int_eq(mx_parse(p.b, p.len, "alias.test", &l, err), MX_FOUND);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.hosts[0].name, "mx.alias.test");
}
END_TEST

START_TEST(no_mx_is_the_domain_itself)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "plain.test", ns_r_noerror, 0);
	ck_assert_int_eq(mx_parse(p.b, p.len, "plain.test", &l, err), MX_FOUND);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.implicit, 1);
	ck_assert_str_eq(l.hosts[0].name, "plain.test");
}
END_TEST

/* An address record (A: 4 bytes, AAAA: 16) for the question's name. */
static void
add_address(struct pkt *p, int type)
{
	int n = type == ns_t_aaaa ? 16 : 4;

	rr_start(p, type);
	put16(p, n);
	for (int i = 0; i < n; i++)
		put8(p, i == 0 ? 127 : i == n - 1 ? 1 : 0);
}

START_TEST(address_answers)
{
	struct pkt p;
	char err[ERR_MAX] = "";

	/* An A record, and an AAAA record: the implicit MX has an address. */
	pkt_start(&p, "plain.test", ns_r_noerror, 1);
	add_address(&p, ns_t_a);
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "plain.test", ns_t_a, err), MX_FOUND);
	pkt_start(&p, "six.test", ns_r_noerror, 1);
	add_address(&p, ns_t_aaaa);
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "six.test", ns_t_aaaa, err), MX_FOUND);
	/* An AAAA record is no answer to the A question. */
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "six.test", ns_t_a, err), MX_PERMFAIL);
	ck_assert_str_eq(err, "the domain six.test has no A records");
	/* NODATA: no error, no record. */
	pkt_start(&p, "bare.test", ns_r_noerror, 0);
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "bare.test", ns_t_aaaa, err),
	    MX_PERMFAIL);
	ck_assert_str_eq(err, "the domain bare.test has no AAAA records");
	pkt_start(&p, "gone.test", ns_r_nxdomain, 0);
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "gone.test", ns_t_a, err), MX_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(err, "NXDOMAIN"));
	/* SERVFAIL and a broken packet: for now. */
	pkt_start(&p, "flaky.test", ns_r_servfail, 0);
	ck_assert_int_eq(mx_parse_address(p.b, p.len, "flaky.test", ns_t_a, err), MX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(err, "SERVFAIL"));
	pkt_start(&p, "cut.test", ns_r_noerror, 1);
	add_address(&p, ns_t_a);
	ck_assert_int_eq(mx_parse_address(p.b, p.len - 3, "cut.test", ns_t_a, err),
	    MX_TEMPFAIL);
}
END_TEST

START_TEST(nxdomain_is_permanent)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "gone.test", ns_r_nxdomain, 0);
	ck_assert_int_eq(mx_parse(p.b, p.len, "gone.test", &l, err), MX_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(err, "gone.test does not exist (NXDOMAIN)"));
	ck_assert_int_eq(l.n, 0);
}
END_TEST

START_TEST(servfail_and_refused_are_temporary)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "flaky.test", ns_r_servfail, 0);
	ck_assert_int_eq(mx_parse(p.b, p.len, "flaky.test", &l, err), MX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(err, "SERVFAIL"));
	pkt_start(&p, "flaky.test", ns_r_refused, 0);
	ck_assert_int_eq(mx_parse(p.b, p.len, "flaky.test", &l, err), MX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(err, "REFUSED"));
}
END_TEST

START_TEST(null_mx_is_permanent)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "nomail.test", ns_r_noerror, 1);
	add_mx(&p, 0, "");
	ck_assert_int_eq(mx_parse(p.b, p.len, "nomail.test", &l, err), MX_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(err, "null MX"));
}
END_TEST

START_TEST(hostile_names_are_not_hosts)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	/* A label with a slash and a space would reach the URL and the log. */
	pkt_start(&p, "evil.test", ns_r_noerror, 2);
	add_mx(&p, 10, "a/b c.evil.test");
	add_mx(&p, 20, "good.evil.test");
	ck_assert_int_eq(mx_parse(p.b, p.len, "evil.test", &l, err), MX_FOUND);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.hosts[0].name, "good.evil.test");

	pkt_start(&p, "evil.test", ns_r_noerror, 1);
	add_mx(&p, 10, "a/b.evil.test");
	ck_assert_int_eq(mx_parse(p.b, p.len, "evil.test", &l, err), MX_PERMFAIL);
}
END_TEST

START_TEST(broken_packets_are_temporary)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "";

	pkt_start(&p, "example.test", ns_r_noerror, 1);
	add_mx(&p, 10, "mx.example.test");
	/* Cut in the middle of the record, and a header alone. */
	ck_assert_int_eq(mx_parse(p.b, p.len - 5, "example.test", &l, err), MX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(err, "malformed"));
	ck_assert_int_eq(mx_parse(p.b, 6, "example.test", &l, err), MX_TEMPFAIL);
}
END_TEST

START_TEST(at_most_mx_max_hosts_the_best_kept)
{
	struct pkt p;
	struct mx_list l;
	char err[ERR_MAX] = "", name[32];

	pkt_start(&p, "many.test", ns_r_noerror, MX_MAX + 4);
	for (int i = 0; i < MX_MAX + 4; i++) {
		snprintf(name, sizeof(name), "mx%d.many.test", i);
		add_mx(&p, 100 - i, name);
	}
	ck_assert_int_eq(mx_parse(p.b, p.len, "many.test", &l, err), MX_FOUND);
	ck_assert_int_eq(l.n, MX_MAX);
	snprintf(name, sizeof(name), "mx%d.many.test", MX_MAX + 3);
	ck_assert_str_eq(l.hosts[0].name, name);
	ck_assert_int_eq(l.hosts[MX_MAX - 1].preference, 100 - 4);
}
END_TEST

START_TEST(lookup_refuses_what_is_no_domain)
{
	struct mx_list l;
	char err[ERR_MAX] = "";

	/* Address literals and hostile text never reach the resolver. */
	ck_assert_int_eq(mx_lookup("[192.0.2.1]", &l, err), MX_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(err, "not a domain name"));
	ck_assert_int_eq(mx_lookup("a..b", &l, err), MX_PERMFAIL);
	ck_assert_int_eq(mx_lookup("", &l, err), MX_PERMFAIL);
}
END_TEST

static Suite *
mx_suite(void)
{
	Suite *s = suite_create("mx");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, sorted_by_preference_ties_in_answer_order);
	tcase_add_test(tc, compressed_target_and_cname_first);
	tcase_add_test(tc, no_mx_is_the_domain_itself);
	tcase_add_test(tc, nxdomain_is_permanent);
	tcase_add_test(tc, address_answers);
	tcase_add_test(tc, servfail_and_refused_are_temporary);
	tcase_add_test(tc, null_mx_is_permanent);
	tcase_add_test(tc, hostile_names_are_not_hosts);
	tcase_add_test(tc, broken_packets_are_temporary);
	tcase_add_test(tc, at_most_mx_max_hosts_the_best_kept);
	tcase_add_test(tc, lookup_refuses_what_is_no_domain);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(mx_suite)
