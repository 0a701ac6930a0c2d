/*
 * DKIM signing of outgoing mail (RFC 6376) with libopendkim: rsa-sha256, relaxed/relaxed,
 * the headers that say who, what and which booking, From oversigned so that no second From
 * can be added in transit without breaking the signature.
 *
 * The sender signs a message once, at its first attempt, and stores the signed bytes in the
 * outbox (outbox.c), so every later attempt sends the same bytes. The key is read where mail
 * is sent, because noshowctl queues messages too and the key may be readable only by the
 * service.
 *
 * libopendkim owns the dkim_ prefix: the names below were chosen not to be among its
 * symbols, since a function of ours with one of its names would silently take its place.
 */
#ifndef NOSHOWD_DKIM_H
#define NOSHOWD_DKIM_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "util.h"

#define DKIM_MIN_BITS		1024	/* refused below (RFC 8301) */
#define DKIM_GOOD_BITS		2048	/* warned below */

struct dkim_key {
	char *path;
	char *pem;		/* the key file's text, as libopendkim reads it */
	int bits;
	char *public_b64;	/* base64 of the DER SubjectPublicKeyInfo: the DNS record's p= */
	char sha256[65];	/* SHA-256 of that DER, lower hex: names the key in evidence */
};

/*
 * Read the private key in `path` (PEM, unencrypted) and check that it is RSA of at least
 * DKIM_MIN_BITS. 0, or -1 with err naming the file and what to do.
 */
int dkim_key_load(const char *path, struct dkim_key *k, char err[ERR_MAX]);
void dkim_key_release(struct dkim_key *k);

/*
 * The DNS record to publish, one zone-file line without a newline:
 * SELECTOR._domainkey.DOMAIN. IN TXT "v=DKIM1; k=rsa; " "p=..." (the key split into
 * strings of at most 255 characters, as a TXT record needs). The caller frees it.
 */
char *dkim_key_txt(const struct dkim_key *k, const char *selector, const char *domain);

/*
 * Sign a message (CRLF line ends) at time t: out gets the DKIM-Signature header followed
 * by the message's bytes unchanged, and `info` (when not NULL) the JSON object that
 * evidence keeps about it: {"domain":"..","selector":"..","key_sha256":".."}. 0, or -1
 * with err (nothing appended).
 */
int dkim_sign_message(const struct dkim_key *k, const char *selector, const char *domain,
    const char *data, size_t len, time_t t, struct buf *out, struct buf *info,
    char err[ERR_MAX]);

/*
 * What `noshowd -t` and `noshowctl check-config` say about mail.dkim: the key readable, RSA,
 * its size (a warning below DKIM_GOOD_BITS), the sender's domain aligned with the DKIM
 * domain for DMARC (a warning when not), then the DNS record to publish on out. Problems
 * and warnings go to errout as "FILE: mail.dkim.KEY: ...". 0 (also with warnings, or when
 * DKIM is off), or -1 when mail cannot be signed.
 */
int dkim_check_config(const struct config *c, FILE *out, FILE *errout);

#endif
