/*
 * The evidence log's Ed25519 signing key. The private key lives in one PEM file (PKCS#8, as
 * `openssl genpkey -algorithm ed25519` writes it) that only its owner may read; the public
 * key is published next to it so that anyone can check a signature with standard tools:
 *
 *	openssl pkeyutl -verify -pubin -inkey signing.pub -rawin \
 *	    -in statement.txt -sigfile statement.sig
 *
 * (pure Ed25519 over the statement's bytes, 64-byte raw signature; -rawin is needed because
 * Ed25519 signs the message itself, not a digest of it). Errors follow util.h's contract and
 * never contain key material.
 */
#ifndef NOSHOWD_SIGN_H
#define NOSHOWD_SIGN_H

#include <stddef.h>

#include "util.h"

#define SIGN_SIG_LEN	64

struct sign_key;

/*
 * Load the private key at path. When path does not exist and create is set, make a new
 * key: its directory (and missing parents) with mode 0700, the key file with 0600
 * (exclusively, then fsync of the file and the directory), and the public key as
 * "<path without .key>.pub" (or path + ".pub") with 0644. With create set, a missing .pub
 * next to an existing key is written again. A key file open to group or others is refused,
 * and so are encrypted keys and keys of another type. NULL with err on failure.
 */
struct sign_key *sign_key_load(const char *path, int create, char err[ERR_MAX]);

/* The public key as PEM (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"); malloc'd. */
char *sign_key_public_pem(const struct sign_key *k);

/* SHA-256 of the raw 32-byte public key as 64 lower-case hex digits plus NUL. */
void sign_key_fingerprint(const struct sign_key *k, char hex[65]);

/* Sign data[0..len) into sig; 0, or -1 if libcrypto fails. */
int sign_data(const struct sign_key *k, const void *data, size_t len,
    unsigned char sig[SIGN_SIG_LEN]);

/* 0 if sig is a good signature of data by the Ed25519 key in pub_pem, -1 if it is not or
   the key cannot be read. */
int sign_verify_pem(const char *pub_pem, const void *data, size_t len,
    const unsigned char sig[SIGN_SIG_LEN]);

/* Free k; libcrypto wipes the private key. NULL is fine. */
void sign_key_free(struct sign_key *k);

#endif
