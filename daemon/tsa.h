/*
 * RFC 3161 timestamps for the evidence log: a trusted third party's signed statement that a
 * SHA-256 digest existed at a time. A stamp is kept as the whole DER TimeStampResp (what
 * `openssl ts -reply -out` writes, usually named .tsr), so that it can be checked later with
 * nothing but the openssl command. The reply carries the TSA's certificate (we ask for it),
 * and the check here is self-consistency: the token is signed by the certificate inside it,
 * over SHA-256 of our data, and the certificate was valid at the token's genTime. Whether
 * that TSA is to be trusted is the reader's decision.
 *
 * With OpenSSL 3.0's command line, a reader checks statement.txt against r.tsr the same way:
 *
 *	openssl ts -reply -in r.tsr -token_out -out t.der
 *	openssl pkcs7 -inform DER -in t.der -print_certs -out certs.pem
 *	t=$(openssl ts -reply -in r.tsr -text | sed -n 's/^Time stamp: //p')
 *	openssl ts -verify -data statement.txt -in r.tsr -CAfile certs.pem \
 *	    -partial_chain -attime "$(date -u -d "$t" +%s)"
 *
 * -partial_chain lets the certificates from the token be the trust anchors (TSAs often send
 * only their own certificate, which is not self-signed); -attime checks the certificate at
 * genTime instead of now, so a stamp stays verifiable after the TSA certificate expires
 * (it is optional while the certificate is valid). To trust a particular TSA instead, give
 * its root as -CAfile and drop -partial_chain.
 */
#ifndef NOSHOWD_TSA_H
#define NOSHOWD_TSA_H

#include <stddef.h>
#include <time.h>

#include "util.h"

/* Largest reply we accept: a token with a certificate chain is a few KiB. */
#define TSA_REPLY_MAX	(64 * 1024)

/*
 * Ask the TSA at url (http:// or https://; redirects are not followed) for a timestamp on
 * SHA-256(data), with a fresh random nonce and certReq set, giving up after timeout
 * seconds. For https, ca_file (PEM) replaces the system's CA certificates when not NULL.
 * The reply must pass tsa_check and carry our nonce. Then *tsr is the malloc'd DER
 * TimeStampResp, *tsr_len its length and *gen_time the token's genTime; else -1 with err
 * naming the URL (without credentials) and what was wrong. Calls fetch_global_init().
 */
int tsa_stamp(const char *url, const char *ca_file, long timeout, const void *data,
    size_t len, unsigned char **tsr, size_t *tsr_len, time_t *gen_time, char err[ERR_MAX]);

/*
 * Check a stored DER TimeStampResp against data: status granted, imprint SHA-256(data),
 * the token's signature valid and made by a certificate carried in the token (with the
 * timeStamping extended key usage, valid at genTime). 0 and *gen_time set (gen_time may be
 * NULL), or -1 with err.
 */
int tsa_check(const unsigned char *tsr, size_t tsr_len, const void *data, size_t len,
    time_t *gen_time, char err[ERR_MAX]);

#endif
