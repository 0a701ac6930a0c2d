/*
 * RFC 3161 timestamps: the request goes out with libcurl, and OpenSSL's TS API builds the
 * request and checks the reply. The check is written once (tsa_verify) and used both on a
 * fresh reply and on one read back from the evidence, so that what we accepted yesterday is
 * exactly what a later check accepts.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "fetch.h"
#include "tsa.h"
#include "util.h"

#define TSA_USER_AGENT		"noshowd/0.1"
#define TSA_CONNECT_SECS	10L

static const char *const tsa_status_names[] = {
	"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning",
	"revocationNotification",
};

static const struct {
	int bit;
	const char *name;
} tsa_failure_names[] = {
	{ TS_INFO_BAD_ALG, "badAlg" },
	{ TS_INFO_BAD_REQUEST, "badRequest" },
	{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
	{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
	{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
	{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
	{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
	{ TS_INFO_SYSTEM_FAILURE, "systemFailure" },
};

/*
 * What libcrypto said last, as "reason (detail)", and an empty queue for the next caller.
 * The detail holds the useful part of a certificate failure ("Verify error:certificate has
 * expired").
 */
static void
tsa_ssl_reason(char *out, size_t outsz)
{
	const char *data = NULL, *d;
	unsigned long e, last = 0;
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &d, &flags)) != 0) {
		last = e;
		if ((flags & ERR_TXT_STRING) && d != NULL && *d != '\0')
			data = d;
	}
	if (last == 0)
		snprintf(out, outsz, "no detail from libcrypto");
	else if (data != NULL)
		snprintf(out, outsz, "%s (%s)", ERR_reason_error_string(last) != NULL ?
		    ERR_reason_error_string(last) : "error", data);
	else
		snprintf(out, outsz, "%s", ERR_reason_error_string(last) != NULL ?
		    ERR_reason_error_string(last) : "error");
	ERR_clear_error();
}

/* "rejection: \"text\" (badAlg)" from a reply that was not granted. */
static void
tsa_status_text(TS_STATUS_INFO *si, long status, char *out, size_t outsz)
{
	const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);
	const ASN1_BIT_STRING *fail = TS_STATUS_INFO_get0_failure_info(si);
	struct buf b;
	int nfail = 0;

	buf_init(&b);
	if (status >= 0 && status < (long)(sizeof tsa_status_names / sizeof *tsa_status_names))
		buf_addstr(&b, tsa_status_names[status]);
	else
		buf_printf(&b, "status %ld", status);
	for (int i = 0; i < sk_ASN1_UTF8STRING_num(text); i++) {
		const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value(text, i);

		buf_printf(&b, "%s\"%.*s\"", i == 0 ? ": " : ", ", ASN1_STRING_length(s),
		    (const char *)ASN1_STRING_get0_data(s));
	}
	for (size_t i = 0; fail != NULL &&
	    i < sizeof tsa_failure_names / sizeof *tsa_failure_names; i++)
		if (ASN1_BIT_STRING_get_bit(fail, tsa_failure_names[i].bit))
			buf_printf(&b, "%s%s", nfail++ == 0 ? " (" : ", ",
			    tsa_failure_names[i].name);
	if (nfail > 0)
		buf_addch(&b, ')');
	/* Status text comes from the server: keep control bytes out of our one-line errors. */
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = '?';
	snprintf(out, outsz, "%s", b.data);
	buf_release(&b);
}

/*
 * The checks of tsa_check on a parsed reply; `why` gets the reason without a prefix. The
 * certificates inside the token are the trust anchors (X509_V_FLAG_PARTIAL_CHAIN), the
 * same as `openssl ts -verify -CAfile certs.pem -partial_chain`, and the chain is checked at
 * genTime: a stamp is evidence of a past moment, and must stay checkable after the TSA's
 * certificate has expired.
 */
static int
tsa_verify(TS_RESP *resp, const void *data, size_t len, time_t *gen_time, char *why,
    size_t whysz)
{
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	PKCS7 *token = TS_RESP_get_token(resp);
	TS_MSG_IMPRINT *mi;
	const ASN1_OBJECT *alg = NULL;
	const ASN1_OCTET_STRING *imprint;
	STACK_OF(X509) *certs;
	TS_VERIFY_CTX *ctx;
	X509_STORE *store;
	unsigned char md[EVP_MAX_MD_SIZE], *copy;
	unsigned int mdlen = 0;
	struct tm tm;
	time_t t;
	long status;
	char reason[256];

	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
		tsa_status_text(si, status, reason, sizeof reason);
		return snprintf(why, whysz, "the TSA refused: %s", reason), -1;
	}
	if (tst == NULL || token == NULL)
		return snprintf(why, whysz, "granted, but the reply holds no token"), -1;
	mi = TS_TST_INFO_get_msg_imprint(tst);
	X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	if (OBJ_obj2nid(alg) != NID_sha256)
		return snprintf(why, whysz, "the token's imprint is not SHA-256 but %s",
		    OBJ_nid2sn(OBJ_obj2nid(alg))), -1;
	imprint = TS_MSG_IMPRINT_get_msg(mi);
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return snprintf(why, whysz, "cannot compute SHA-256"), -1;
	if (ASN1_STRING_length(imprint) != (int)mdlen ||
	    memcmp(ASN1_STRING_get0_data(imprint), md, mdlen) != 0)
		return snprintf(why, whysz, "the token's imprint is not SHA-256 of this data "
		    "(a stamp of something else)"), -1;
	if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) != 1 || (t = timegm(&tm)) == -1)
		return snprintf(why, whysz, "the token's genTime cannot be read"), -1;
	if (!PKCS7_type_is_signed(token) || token->d.sign == NULL ||
	    (certs = token->d.sign->cert) == NULL || sk_X509_num(certs) == 0)
		return snprintf(why, whysz, "the token carries no certificate to check its "
		    "signature with (the TSA ignored certReq)"), -1;

	store = X509_STORE_new();
	ctx = TS_VERIFY_CTX_new();
	copy = OPENSSL_memdup(md, mdlen);
	if (store == NULL || ctx == NULL || copy == NULL) {
		X509_STORE_free(store);
		TS_VERIFY_CTX_free(ctx);
		OPENSSL_free(copy);
		return snprintf(why, whysz, "out of memory"), -1;
	}
	for (int i = 0; i < sk_X509_num(certs); i++)
		X509_STORE_add_cert(store, sk_X509_value(certs, i));
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), t);
	TS_VERIFY_CTX_set_store(ctx, store);
	TS_VERIFY_CTX_set_imprint(ctx, copy, (long)mdlen);
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_SIGNER |
	    TS_VFY_IMPRINT);
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		tsa_ssl_reason(reason, sizeof reason);
		TS_VERIFY_CTX_free(ctx);
		return snprintf(why, whysz, "the token does not verify: %s", reason), -1;
	}
	TS_VERIFY_CTX_free(ctx);
	if (gen_time != NULL)
		*gen_time = t;
	return 0;
}

/* Parse a whole DER TimeStampResp; trailing bytes mean it is not what was stored. */
static TS_RESP *
tsa_parse(const unsigned char *tsr, size_t tsr_len, char *why, size_t whysz)
{
	const unsigned char *p = tsr;
	TS_RESP *resp;

	if (tsr_len == 0) {
		snprintf(why, whysz, "empty reply");
		return NULL;
	}
	if (tsr_len > TSA_REPLY_MAX || (resp = d2i_TS_RESP(NULL, &p, (long)tsr_len)) == NULL) {
		ERR_clear_error();
		snprintf(why, whysz, "not a DER TimeStampResp (%zu bytes)", tsr_len);
		return NULL;
	}
	if ((size_t)(p - tsr) != tsr_len) {
		TS_RESP_free(resp);
		snprintf(why, whysz, "%zu stray bytes after the TimeStampResp",
		    tsr_len - (size_t)(p - tsr));
		return NULL;
	}
	return resp;
}

int
tsa_check(const unsigned char *tsr, size_t tsr_len, const void *data, size_t len,
    time_t *gen_time, char err[ERR_MAX])
{
	TS_RESP *resp;
	char why[ERR_MAX - 32];
	int rc = -1;

	if ((resp = tsa_parse(tsr, tsr_len, why, sizeof why)) != NULL)
		rc = tsa_verify(resp, data, len, gen_time, why, sizeof why);
	TS_RESP_free(resp);
	if (rc == -1)
		errf(err, "timestamp: %s", why);
	return rc;
}

/* A DER TimeStampReq for SHA-256(data) with certReq and the given nonce; NULL on failure. */
static unsigned char *
tsa_request(const void *data, size_t len, const ASN1_INTEGER *nonce, size_t *reqlen)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen;
	int n = -1;

	if (req != NULL && mi != NULL && alg != NULL &&
	    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
	    TS_MSG_IMPRINT_set_algo(mi, alg) == 1 &&
	    TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) == 1 &&
	    TS_REQ_set_version(req, 1) == 1 && TS_REQ_set_msg_imprint(req, mi) == 1 &&
	    TS_REQ_set_nonce(req, nonce) == 1 && TS_REQ_set_cert_req(req, 1) == 1)
		n = i2d_TS_REQ(req, &der);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	ERR_clear_error();
	if (n <= 0)
		return NULL;
	*reqlen = (size_t)n;
	return der;
}

/* A random positive 64-bit nonce; NULL if the random generator fails. */
static ASN1_INTEGER *
tsa_nonce(void)
{
	unsigned char r[8];
	BIGNUM *bn;
	ASN1_INTEGER *nonce = NULL;

	if (RAND_bytes(r, sizeof r) == 1 && (bn = BN_bin2bn(r, sizeof r, NULL)) != NULL) {
		nonce = BN_to_ASN1_INTEGER(bn, NULL);
		BN_free(bn);
	}
	return nonce;
}

/* The URL without "user:password@", for messages. */
static void
tsa_redact(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		snprintf(out, outsz, "%s", s);
	else if (strchr(url, '@') == NULL)
		snprintf(out, outsz, "%s", url);
	else
		snprintf(out, outsz, "(the configured TSA URL)");
	curl_free(s);
	curl_url_cleanup(u);
}

struct tsa_body {
	struct buf b;
	int too_big;
};

static size_t
tsa_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct tsa_body *body = arg;
	size_t n = size * nmemb;

	if (n > TSA_REPLY_MAX - body->b.len) {
		body->too_big = 1;
		return 0;
	}
	buf_add(&body->b, p, n);
	return n;
}

/* One line for a transfer that did not complete. */
static void
tsa_curl_reason(CURL *c, CURLcode rc, const char *errbuf, const struct tsa_body *body,
    long timeout, char *why, size_t whysz)
{
	const char *msg = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	long os_errno = 0;

	if (body->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, whysz, "reply larger than %d bytes", TSA_REPLY_MAX);
		return;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(why, whysz, "no reply within %ld s", timeout);
		break;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		snprintf(why, whysz, "could not connect: %s",
		    os_errno != 0 ? strerror((int)os_errno) : msg);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		snprintf(why, whysz, "only http:// and https:// TSA URLs are supported");
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(why, whysz, "could not resolve the host name");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(why, whysz, "TLS failed: %s", msg);
		break;
	default:
		snprintf(why, whysz, "%s", msg);
		break;
	}
}

/*
 * POST the request and return the body of a 200 in *body; -1 with `why` otherwise. No
 * redirects: a POST that is redirected turns into a GET, and a TSA that moved is a
 * configuration change the operator should see.
 */
static int
tsa_post(const char *url, const char *ca_file, long timeout, const unsigned char *req,
    size_t reqlen, struct tsa_body *body, char *why, size_t whysz)
{
	CURL *c;
	struct curl_slist *hdrs = NULL, *h;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *location = NULL;
	CURLcode rc;
	long code = 0;
	int ret = -1;

	if ((c = curl_easy_init()) == NULL ||
	    (hdrs = curl_slist_append(NULL, "Content-Type: application/timestamp-query")) ==
	    NULL || (h = curl_slist_append(hdrs, "Accept: application/timestamp-reply")) == NULL) {
		snprintf(why, whysz, "libcurl is out of memory");
		goto done;
	}
	hdrs = h;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    timeout < TSA_CONNECT_SECS ? timeout : TSA_CONNECT_SECS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, TSA_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)reqlen);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TSA_REPLY_MAX);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tsa_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK)
		tsa_curl_reason(c, rc, errbuf, body, timeout, why, whysz);
	else if (code >= 300 && code < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
	    location != NULL)
		snprintf(why, whysz, "HTTP %ld redirect to %s, not followed (configure that "
		    "URL if it is the TSA's new address)", code, location);
	else if (code != 200)
		snprintf(why, whysz, "HTTP %ld", code);
	else
		ret = 0;
done:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return ret;
}

int
tsa_stamp(const char *url, const char *ca_file, long timeout, const void *data, size_t len,
    unsigned char **tsr, size_t *tsr_len, time_t *gen_time, char err[ERR_MAX])
{
	ASN1_INTEGER *nonce;
	const ASN1_INTEGER *got;
	unsigned char *req = NULL;
	size_t reqlen = 0;
	struct tsa_body body;
	TS_RESP *resp = NULL;
	char safe[256], why[ERR_MAX];
	int rc = -1;

	fetch_global_init();
	buf_init(&body.b);
	body.too_big = 0;
	tsa_redact(url, safe, sizeof safe);
	if ((nonce = tsa_nonce()) == NULL ||
	    (req = tsa_request(data, len, nonce, &reqlen)) == NULL)
		snprintf(why, sizeof why, "cannot build the request: libcrypto failed");
	else if (tsa_post(url, ca_file, timeout, req, reqlen, &body, why, sizeof why) == -1)
		;
	else if ((resp = tsa_parse((const unsigned char *)body.b.data, body.b.len, why,
	    sizeof why)) == NULL)
		;
	else if (tsa_verify(resp, data, len, gen_time, why, sizeof why) == -1)
		;
	else if ((got = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(resp))) == NULL ||
	    ASN1_INTEGER_cmp(got, nonce) != 0)
		snprintf(why, sizeof why, "the token does not carry our nonce (a replayed or "
		    "mixed-up reply)");
	else
		rc = 0;
	if (rc == 0) {
		*tsr_len = body.b.len;
		*tsr = (unsigned char *)buf_detach(&body.b);
	} else
		errf(err, "timestamp from %s: %s", safe, why);
	TS_RESP_free(resp);
	ASN1_INTEGER_free(nonce);
	OPENSSL_free(req);
	buf_release(&body.b);
	return rc;
}
