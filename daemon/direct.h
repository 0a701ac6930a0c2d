/*
 * Direct delivery (mail.delivery = "direct"): each message goes to its recipient's own
 * mail server, found by mx_lookup(), over SMTP on port 25 with STARTTLS when offered (the
 * certificate is recorded, not verified) and without AUTH, so that the 250 the evidence
 * log records is the recipient server's own. The MX hosts are tried in preference order:
 * a temporary failure or a connection failure at one tries the next, a permanent refusal
 * (5xx to the recipient or the message) is final, and when every host fails temporarily
 * the message is deferred. A DNS lookup that fails for now is temporary; a domain that
 * does not exist, or that takes no mail (null MX), is permanent.
 *
 * Within one direct_open .. direct_close (a cycle of the outbox) a connection to an MX
 * host is kept and reused for the next message to the same host.
 */
#ifndef NOSHOWD_DIRECT_H
#define NOSHOWD_DIRECT_H

#include <stddef.h>

#include "smtp.h"

#define DIRECT_PORT 25

struct direct;

/*
 * helo: the name to greet with (NULL: libcurl's default); timeout: seconds a message; dsn:
 * request delivery status notifications where an MX offers them (mail.dsn).
 */
struct direct *direct_open(const char *helo, long timeout, int dsn);

/*
 * Deliver one message to rcpt's domain and fill r (always; release it with
 * smtp_report_release). r->server and r->address name the MX host and the address that
 * gave the final answer (server "" when none was reached, as after a failed DNS lookup).
 * r->dialogue holds the dialogue with every host tried, each after a line
 * "(MX host preference N)" or "(no MX records: the domain's own address host)". envid is
 * as for smtp_send (the Message-ID, for a DSN's ENVID). For a
 * deferral r->err names every host and why it failed.
 */
enum smtp_outcome direct_send(struct direct *d, const char *env_from, const char *rcpt,
    const char *envid, const char *data, size_t len, struct smtp_report *r);

void direct_close(struct direct *d);

#endif
