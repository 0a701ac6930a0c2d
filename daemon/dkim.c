/*
 * DKIM signing (see dkim.h). libopendkim computes the signature; OpenSSL reads and checks
 * the key and derives what the trainer publishes (the public key) and what the evidence
 * names it by (its SHA-256).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <opendkim/dkim.h>

#include "dkim.h"
#include "json.h"

/*
 * What a signature covers: who it is from and to, what it says, and which booking and kind
 * of message it is about, so that none of these can be changed in transit unnoticed.
 * Headers not in a message are not signed, except From, which is signed once more than it
 * occurs (oversigned): a second From added later would then break the signature.
 */
static const char *const dkim_signed_headers[] = {
	"from", "to", "cc", "reply-to", "subject", "date", "message-id", "mime-version",
	"content-type", "content-transfer-encoding", "content-language", "in-reply-to",
	"references", "x-noshowd-ref", "x-noshowd-kind", NULL,
};
static const char *const dkim_oversigned_headers[] = { "from", NULL };

#define DKIM_KEY_MAX	(64 * 1024)
#define DKIM_GENKEY	"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out"

/*
 * How to make a key for `path`. A systemd credential (credential:NAME in the configuration)
 * is a copy systemd makes at start: the key to write is the file LoadCredential= names.
 */
static const char *
dkim_genkey_hint(const char *path, char *out, size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	if (strncmp(path, "/run/credentials/", 17) == 0 ||
	    (dir != NULL && *dir != '\0' && strncmp(path, dir, strlen(dir)) == 0))
		snprintf(out, size, "make one with `" DKIM_GENKEY " /etc/noshowd/dkim.key`, the "
		    "file the unit's LoadCredential=dkim.key: names, and restart the service");
	else
		snprintf(out, size, "make one with `" DKIM_GENKEY " %s`", path);
	return out;
}

/* An encrypted key is refused rather than prompted for: the service has no terminal. */
static int
dkim_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

void
dkim_key_release(struct dkim_key *k)
{
	if (k->pem != NULL)
		explicit_bzero(k->pem, strlen(k->pem));
	free(k->pem);
	free(k->path);
	free(k->public_b64);
	memset(k, 0, sizeof(*k));
}

/* The public half: base64 of its DER SubjectPublicKeyInfo, and that DER's SHA-256. */
static int
dkim_key_public(struct dkim_key *k, EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);

	if (n <= 0)
		return -1;
	sha256_hex(der, (size_t)n, k->sha256);
	k->public_b64 = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)k->public_b64, der, n);
	OPENSSL_free(der);
	return 0;
}

/*
 * The key is handed to libopendkim as PKCS#8 PEM written by OpenSSL, not as the file's own
 * text, so that a file in any PEM form OpenSSL reads (PKCS#1 from opendkim-genkey, PKCS#8
 * from openssl genpkey, with comments around it) is signed with alike.
 */
static int
dkim_key_pem(struct dkim_key *k, EVP_PKEY *pk)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (bio == NULL || !PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return -1;
	}
	n = BIO_get_mem_data(bio, &p);
	k->pem = xstrndup(p, (size_t)n);
	explicit_bzero(p, (size_t)n);
	BIO_free(bio);
	return 0;
}

int
dkim_key_load(const char *path, struct dkim_key *k, char err[ERR_MAX])
{
	char rerr[ERR_MAX], hint[256], *text;
	size_t len;
	BIO *bio;
	EVP_PKEY *pk;
	int rc = 0, id;

	memset(k, 0, sizeof(*k));
	if ((text = read_file(path, DKIM_KEY_MAX, &len, rerr)) == NULL)
		return errf(err, "cannot read the DKIM key %s (make it readable by the user "
		    "noshowd runs as, or %s)", rerr, dkim_genkey_hint(path, hint, sizeof(hint)));
	bio = BIO_new_mem_buf(text, (int)len);
	pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, dkim_no_password, NULL) : NULL;
	BIO_free(bio);
	explicit_bzero(text, len);
	free(text);
	ERR_clear_error();
	if (pk == NULL)
		return errf(err, "the DKIM key %s is not an unencrypted PEM private key (%s)",
		    path, dkim_genkey_hint(path, hint, sizeof(hint)));
	id = EVP_PKEY_get_base_id(pk);
	k->bits = EVP_PKEY_get_bits(pk);
	if (id != EVP_PKEY_RSA)
		rc = errf(err, "the DKIM key %s is a%s %s key; rsa-sha256 signing needs an RSA "
		    "key (%s)", path, id == EVP_PKEY_EC || id == EVP_PKEY_ED25519 ? "n" : "",
		    id == EVP_PKEY_ED25519 ? "Ed25519" : id == EVP_PKEY_EC ? "EC" :
		    OBJ_nid2sn(id), dkim_genkey_hint(path, hint, sizeof(hint)));
	else if (k->bits < DKIM_MIN_BITS)
		rc = errf(err, "the DKIM key %s has %d bits; receivers ignore signatures by keys "
		    "under %d bits (%s)", path, k->bits, DKIM_MIN_BITS,
		    dkim_genkey_hint(path, hint, sizeof(hint)));
	else if (dkim_key_public(k, pk) < 0 || dkim_key_pem(k, pk) < 0)
		rc = errf(err, "the DKIM key %s: OpenSSL cannot encode it", path);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	if (rc < 0) {
		dkim_key_release(k);
		return -1;
	}
	k->path = xstrdup(path);
	return 0;
}

char *
dkim_key_txt(const struct dkim_key *k, const char *selector, const char *domain)
{
	struct buf b;
	const char *p = k->public_b64;
	size_t left = strlen(p), first = 255 - 2;	/* "p=" */

	buf_init(&b);
	buf_printf(&b, "%s._domainkey.%s. IN TXT \"v=DKIM1; k=rsa; \" \"p=", selector, domain);
	for (size_t n = left < first ? left : first; ; n = left < 255 ? left : 255) {
		buf_add(&b, p, n);
		buf_addch(&b, '"');
		p += n, left -= n;
		if (left == 0)
			break;
		buf_addstr(&b, " \"");
	}
	return buf_detach(&b);
}

/* libopendkim folds the header it returns; make every line end CRLF, as the message's. */
static void
dkim_add_crlf(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_addch(out, '\r');
		buf_addch(out, (char)p[i]);
	}
}

static int
dkim_lib_error(DKIM *d, DKIM_STAT st, const char *what, char err[ERR_MAX])
{
	const char *why = d != NULL ? dkim_geterror(d) : NULL;

	return errf(err, "dkim: %s failed: %s", what, why != NULL && *why ? why :
	    dkim_getresultstr(st));
}

int
dkim_sign_message(const struct dkim_key *k, const char *selector, const char *domain,
    const char *data, size_t len, time_t t, struct buf *out, struct buf *info,
    char err[ERR_MAX])
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM *d = NULL;
	DKIM_STAT st = DKIM_STAT_OK;
	uint64_t fixed = (uint64_t)t;
	unsigned char *hdr = NULL;
	size_t hlen = 0;
	int rc = -1;

	if (lib == NULL)
		return errf(err, "dkim: cannot start libopendkim");
	if ((st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
	    (void *)dkim_signed_headers, sizeof(char **))) != DKIM_STAT_OK ||
	    (st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    (void *)dkim_oversigned_headers, sizeof(char **))) != DKIM_STAT_OK ||
	    (st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed,
	    sizeof(fixed))) != DKIM_STAT_OK) {
		dkim_lib_error(NULL, st, "setting the options", err);
		goto done;
	}
	d = dkim_sign(lib, (const unsigned char *)"noshowd", NULL,
	    (dkim_sigkey_t)k->pem, (const unsigned char *)selector,
	    (const unsigned char *)domain, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
	    DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL) {
		dkim_lib_error(NULL, st, "signing", err);
		goto done;
	}
	if ((st = dkim_chunk(d, (unsigned char *)data, len)) != DKIM_STAT_OK ||
	    (st = dkim_chunk(d, NULL, 0)) != DKIM_STAT_OK ||
	    (st = dkim_eom(d, NULL)) != DKIM_STAT_OK ||
	    (st = dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER ": "), &hdr, &hlen)) !=
	    DKIM_STAT_OK) {
		dkim_lib_error(d, st, "signing", err);
		goto done;
	}
	buf_addstr(out, DKIM_SIGNHEADER ": ");
	dkim_add_crlf(out, hdr, hlen);
	buf_addstr(out, "\r\n");
	buf_add(out, data, len);
	if (info != NULL) {
		buf_addstr(info, "{\"domain\":");
		json_quote_buf(info, domain, strlen(domain));
		buf_addstr(info, ",\"selector\":");
		json_quote_buf(info, selector, strlen(selector));
		buf_printf(info, ",\"key_sha256\":\"%s\"}", k->sha256);
	}
	rc = 0;
done:
	if (d != NULL)
		dkim_free(d);
	dkim_close(lib);
	return rc;
}

/*
 * DMARC's relaxed alignment asks that the From domain and the signing domain have the same
 * organizational domain. Without the public suffix list this says: one is the other or a
 * subdomain of it, which is what a trainer's own domain looks like.
 */
static int
dkim_aligned(const char *from_domain, const char *dkim_domain)
{
	size_t f = strlen(from_domain), d = strlen(dkim_domain);

	if (f >= d && strcasecmp(from_domain + f - d, dkim_domain) == 0)
		return f == d || from_domain[f - d - 1] == '.';
	if (d > f && strcasecmp(dkim_domain + d - f, from_domain) == 0)
		return dkim_domain[d - f - 1] == '.';
	return 0;
}

int
dkim_check_config(const struct config *c, FILE *out, FILE *errout)
{
	const struct config_mail *m = &c->mail;
	const char *at = m->from ? strrchr(m->from, '@') : NULL;
	struct dkim_key k;
	char err[ERR_MAX], *txt;

	if (m->dkim_key_file == NULL || m->dkim_domain == NULL || m->dkim_selector == NULL)
		return 0;
	if (dkim_key_load(m->dkim_key_file, &k, err) < 0) {
		fprintf(errout, "%s: mail.dkim.key_file: %s\n", c->path, err);
		return -1;
	}
	if (k.bits < DKIM_GOOD_BITS)
		fprintf(errout, "%s: mail.dkim.key_file: warning: the key %s has %d bits; use "
		    "%d (make a new key, publish it under a new selector, then switch)\n",
		    c->path, k.path, k.bits, DKIM_GOOD_BITS);
	if (at != NULL && !dkim_aligned(at + 1, m->dkim_domain))
		fprintf(errout, "%s: mail.dkim.domain: warning: the sender %s is not in the "
		    "domain \"%s\", so DMARC does not count the signature (sign with domain = "
		    "\"%s\", or send from an address in %s)\n", c->path, m->from,
		    m->dkim_domain, at + 1, m->dkim_domain);
	txt = dkim_key_txt(&k, m->dkim_selector, m->dkim_domain);
	fprintf(out, "%s: mail.dkim: publish this DNS record (key sha256 %s, %d bits):\n%s\n",
	    c->path, k.sha256, k.bits, txt);
	free(txt);
	dkim_key_release(&k);
	return 0;
}
