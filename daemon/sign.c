/*
 * The evidence log's Ed25519 key with libcrypto's EVP interface. The key is made once, on
 * the first start, and from then on only read: losing it (or replacing it behind the log's
 * back) would make every later checkpoint unverifiable against the published public key,
 * so creation is exclusive and durable, and loading refuses rather than repairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sign.h"
#include "util.h"

/* A PEM Ed25519 key is ~120 bytes; anything near this is not one. */
#define SIGN_KEY_MAX	16384

struct sign_key {
	EVP_PKEY *pkey;
	unsigned char pub[32];
};

/*
 * libcrypto's default password callback prompts on the terminal. A daemon must never wait
 * for a password, so an encrypted key fails at once instead.
 */
static int
sign_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* "<dir>/signing.key" -> "<dir>/signing.pub"; any other name gets ".pub" appended. */
static char *
sign_pub_path(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcmp(path + n - 4, ".key") == 0)
		return xasprintf("%.*s.pub", (int)(n - 4), path);
	return xasprintf("%s.pub", path);
}

/* mkdir -p of the directory that holds path, each new level 0700 and synced into its parent. */
static int
sign_make_dirs(const char *path, char err[ERR_MAX])
{
	char *dir = xstrdup(path), *p;
	int rc = 0;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == 0)
			rc = sync_dir_of(dir, err);
		else if (errno != EEXIST)
			rc = errf(err, "cannot create directory \"%s\" for signing key \"%s\": %s",
			    dir, path, strerror(errno));
		*p = '/';
		if (rc == -1)
			break;
	}
	free(dir);
	return rc;
}

/* Write all of data to fd; 0 or -1 with errno. */
static int
sign_write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The public key is derived data, so it is replaced whole (temporary file and rename)
 * rather than created exclusively: a reader never sees half a key.
 */
static int
sign_write_pub(const struct sign_key *k, const char *pub_path, char err[ERR_MAX])
{
	char *pem = sign_key_public_pem(k), *tmp = xasprintf("%s.tmp", pub_path);
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || fchmod(fd, 0644) == -1 || sign_write_all(fd, pem, strlen(pem)) == -1 ||
	    fsync(fd) == -1)
		errf(err, "cannot write public key \"%s\": %s", tmp, strerror(errno));
	else if (close(fd) == -1 || (fd = -1, rename(tmp, pub_path) == -1))
		errf(err, "cannot write public key \"%s\": %s", pub_path, strerror(errno));
	else
		rc = sync_dir_of(pub_path, err);
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(pem);
	return rc;
}

static struct sign_key *
sign_key_wrap(EVP_PKEY *pkey, const char *path, char err[ERR_MAX])
{
	struct sign_key *k;
	size_t n = sizeof k->pub;

	k = xcalloc(1, sizeof *k);
	k->pkey = pkey;
	if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &n) != 1 || n != sizeof k->pub) {
		errf(err, "signing key \"%s\": cannot get its public key", path);
		sign_key_free(k);
		return NULL;
	}
	return k;
}

/*
 * Make a new key at path. O_EXCL makes two starting daemons agree on one key: the loser
 * gets *exists set and loads the winner's key. A key file that could not be written whole
 * is removed, so the next start tries again instead of finding a broken key.
 */
static struct sign_key *
sign_key_create(const char *path, int *exists, char err[ERR_MAX])
{
	EVP_PKEY *pkey;
	BIO *bio = NULL;
	BUF_MEM *pem;
	struct sign_key *k = NULL;
	char *pub_path;
	int fd, bad;

	*exists = 0;
	if (sign_make_dirs(path, err) == -1)
		return NULL;
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		errf(err, "cannot generate signing key \"%s\": libcrypto failed", path);
		return NULL;
	}
	/* secmem: the PEM text is wiped when the BIO is freed. */
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		errf(err, "cannot encode signing key \"%s\": libcrypto failed", path);
		goto done;
	}
	BIO_get_mem_ptr(bio, &pem);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1) {
		*exists = errno == EEXIST;
		errf(err, "cannot create signing key \"%s\": %s", path, strerror(errno));
		goto done;
	}
	bad = sign_write_all(fd, pem->data, pem->length) == -1 || fsync(fd) == -1;
	if (close(fd) == -1)
		bad = 1;
	if (bad) {
		errf(err, "cannot write signing key \"%s\": %s", path, strerror(errno));
		unlink(path);
		goto done;
	}
	if (sync_dir_of(path, err) == -1)
		goto done;
	k = sign_key_wrap(pkey, path, err);
	pkey = NULL;	/* k has it, or it is freed */
	pub_path = sign_pub_path(path);
	if (k != NULL && sign_write_pub(k, pub_path, err) == -1) {
		sign_key_free(k);
		k = NULL;
	}
	free(pub_path);
done:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return k;
}

/*
 * Read and parse the key at path. The mode is checked on the descriptor we read from, so a
 * file swapped between the check and the read cannot slip through. NULL with err, and
 * *missing set when the file does not exist.
 */
static struct sign_key *
sign_key_read(const char *path, int *missing, char err[ERR_MAX])
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int fd;

	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT;
		errf(err, "cannot read signing key \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		errf(err, "cannot read signing key \"%s\": %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, "signing key \"%s\" is not a regular file", path);
		goto done;
	}
	if ((st.st_mode & 077) != 0) {
		errf(err, "signing key \"%s\" is open to group or others (mode %04o): run "
		    "chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		goto done;
	}
	if (st.st_size > SIGN_KEY_MAX) {
		errf(err, "signing key \"%s\" is too large (%lld bytes) to be an Ed25519 key",
		    path, (long long)st.st_size);
		goto done;
	}
	text = xmalloc(SIGN_KEY_MAX + 1);
	while (len < SIGN_KEY_MAX && (n = read(fd, text + len, SIGN_KEY_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errf(err, "cannot read signing key \"%s\": %s", path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		errf(err, "cannot read signing key \"%s\": out of memory", path);
		goto done;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, sign_no_password, NULL);
	if (pkey == NULL && strstr(text, "ENCRYPTED") != NULL)
		errf(err, "signing key \"%s\" is encrypted, and noshowd cannot ask for a "
		    "password: store it unencrypted (openssl pkey -in %s -out %s.new && "
		    "chmod 600 %s.new && mv %s.new %s)", path, path, path, path, path, path);
	else if (pkey == NULL)
		errf(err, "signing key \"%s\" is not a PEM private key (make one with openssl "
		    "genpkey -algorithm ed25519 -out %s)", path, path);
	else if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		errf(err, "signing key \"%s\" is of type %s, not Ed25519 (make one with openssl "
		    "genpkey -algorithm ed25519 -out %s)", path, EVP_PKEY_get0_type_name(pkey),
		    path);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	close(fd);
	BIO_free(bio);
	ERR_clear_error();
	if (text != NULL)
		OPENSSL_clear_free(text, SIGN_KEY_MAX + 1);
	return pkey != NULL ? sign_key_wrap(pkey, path, err) : NULL;
}

struct sign_key *
sign_key_load(const char *path, int create, char err[ERR_MAX])
{
	struct sign_key *k;
	struct stat st;
	char *pub_path;
	int missing, exists;

	k = sign_key_read(path, &missing, err);
	if (k == NULL && missing && create) {
		k = sign_key_create(path, &exists, err);
		if (k == NULL && exists)
			k = sign_key_read(path, &missing, err);
		return k;
	}
	if (k != NULL && create) {
		/* A crash between writing the key and its .pub leaves no .pub; make it now. */
		pub_path = sign_pub_path(path);
		if (stat(pub_path, &st) == -1 && errno == ENOENT &&
		    sign_write_pub(k, pub_path, err) == -1) {
			sign_key_free(k);
			k = NULL;
		}
		free(pub_path);
	}
	return k;
}

char *
sign_key_public_pem(const struct sign_key *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	BUF_MEM *mem;
	char *s;

	if (bio == NULL || PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		fprintf(stderr, "out of memory writing a public key\n");
		abort();
	}
	BIO_get_mem_ptr(bio, &mem);
	s = xstrndup(mem->data, mem->length);
	BIO_free(bio);
	return s;
}

void
sign_key_fingerprint(const struct sign_key *k, char hex[65])
{
	sha256_hex(k->pub, sizeof k->pub, hex);
}

int
sign_data(const struct sign_key *k, const void *data, size_t len,
    unsigned char sig[SIGN_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = SIGN_SIG_LEN;
	int ok;

	/* Ed25519 takes no digest: the NULL md is pure EdDSA over the whole message. */
	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, data, len) == 1 && siglen == SIGN_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
sign_verify_pem(const char *pub_pem, const void *data, size_t len,
    const unsigned char sig[SIGN_SIG_LEN])
{
	BIO *bio = BIO_new_mem_buf(pub_pem, -1);
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *ctx = NULL;
	int ok = 0;

	if (bio != NULL)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, sign_no_password, NULL);
	if (pkey != NULL && EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 &&
	    (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1)
		ok = EVP_DigestVerify(ctx, sig, SIGN_SIG_LEN, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	/* A failed verification leaves libcrypto errors that would confuse the next caller. */
	ERR_clear_error();
	return ok ? 0 : -1;
}

void
sign_key_free(struct sign_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_clear_free(k, sizeof *k);
}
