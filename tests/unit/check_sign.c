/*
 * sign: the evidence log's Ed25519 key on a real file system, checked against the openssl
 * command both ways (its keys load here, our signatures verify there).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sign.h"
#include "unit.h"
#include "util.h"

static char base_dir[PATH_MAX - 256];

static void
suite_setup(void)
{
	unit_mkdtemp(base_dir, sizeof base_dir, "check_sign");
}

static void
suite_teardown(void)
{
	unit_rm_tree(base_dir);
}

/* base_dir/name in out. */
static void
path_of(char *out, size_t outsz, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", base_dir, name);

	ck_assert(n > 0 && (size_t)n < outsz);
}

/* Exit status of a shell command run in base_dir (openssl's chatter goes to a log). */
static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int n, st;

	n = snprintf(cmd, sizeof cmd, "cd '%s' && exec >>sh.log 2>&1 && ", base_dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st), "could not run: %s", cmd);
	return WEXITSTATUS(st);
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static char *
slurp(const char *path)
{
	char err[ERR_MAX];
	size_t len;
	char *s = read_file(path, 1 << 20, &len, err);

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return (unsigned)(st.st_mode & 07777);
}

/* The fingerprint as the openssl command sees it: SHA-256 of the last 32 bytes of the
   public key's DER (the raw Ed25519 key ends the SubjectPublicKeyInfo). */
static void
openssl_fingerprint(const char *pub_name, char hex[65])
{
	char out[PATH_MAX];
	char *s;

	ck_assert_int_eq(sh("openssl pkey -pubin -in '%s' -outform DER | tail -c 32 | "
	    "sha256sum | cut -c1-64 >fp.txt", pub_name), 0);
	path_of(out, sizeof out, "fp.txt");
	s = slurp(out);
	ck_assert_uint_eq(strlen(s), 65);
	memcpy(hex, s, 64);
	hex[64] = '\0';
	free(s);
}

START_TEST(test_create_and_reload)
{
	char path[PATH_MAX], pub[PATH_MAX], dir[PATH_MAX], err[ERR_MAX];
	char fp1[65], fp2[65], fp3[65], fp_openssl[65];
	struct sign_key *k;
	char *pem, *pem2, *file;

	path_of(dir, sizeof dir, "new");
	path_of(path, sizeof path, "new/keys/signing.key");
	path_of(pub, sizeof pub, "new/keys/signing.pub");
	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_uint_eq(mode_of(pub), 0644);
	ck_assert_uint_eq(mode_of(dir), 0700);
	path_of(dir, sizeof dir, "new/keys");
	ck_assert_uint_eq(mode_of(dir), 0700);
	pem = sign_key_public_pem(k);
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN PUBLIC KEY-----\n"));
	file = slurp(pub);
	ck_assert_str_eq(file, pem);
	free(file);
	file = slurp(path);
	ck_assert_ptr_nonnull(strstr(file, "-----BEGIN PRIVATE KEY-----\n"));
	free(file);
	sign_key_fingerprint(k, fp1);
	ck_assert_uint_eq(strspn(fp1, "0123456789abcdef"), 64);
	openssl_fingerprint("new/keys/signing.pub", fp_openssl);
	ck_assert_str_eq(fp1, fp_openssl);
	sign_key_free(k);

	/* Loaded again, with or without create, it is the same key. */
	k = sign_key_load(path, 0, err);
	ck_assert_msg(k != NULL, "%s", err);
	sign_key_fingerprint(k, fp2);
	pem2 = sign_key_public_pem(k);
	ck_assert_str_eq(pem2, pem);
	sign_key_free(k);
	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	sign_key_fingerprint(k, fp3);
	sign_key_free(k);
	ck_assert_str_eq(fp1, fp2);
	ck_assert_str_eq(fp1, fp3);
	free(pem);
	free(pem2);
}
END_TEST

/* A name without ".key" gets ".pub" appended for its public key. */
START_TEST(test_pub_name)
{
	char path[PATH_MAX], pub[PATH_MAX], err[ERR_MAX];
	struct sign_key *k;

	path_of(path, sizeof path, "evidence-key.pem");
	path_of(pub, sizeof pub, "evidence-key.pem.pub");
	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(mode_of(pub), 0644);
	sign_key_free(k);
}
END_TEST

START_TEST(test_sign_verify)
{
	static const char stmt[] = "checkpoint 42\nhead 9f86d081884c7d65\n";
	char path[PATH_MAX], err[ERR_MAX], other_path[PATH_MAX];
	unsigned char sig[SIGN_SIG_LEN], sig2[SIGN_SIG_LEN];
	char data[sizeof stmt];
	struct sign_key *k, *other;
	char *pem, *other_pem;

	path_of(path, sizeof path, "sv/signing.key");
	path_of(other_path, sizeof other_path, "sv/other.key");
	k = sign_key_load(path, 1, err);
	other = sign_key_load(other_path, 1, err);
	ck_assert_msg(k != NULL && other != NULL, "%s", err);
	pem = sign_key_public_pem(k);
	other_pem = sign_key_public_pem(other);
	ck_assert_str_ne(pem, other_pem);

	ck_assert_int_eq(sign_data(k, stmt, sizeof stmt - 1, sig), 0);
	ck_assert_int_eq(sign_verify_pem(pem, stmt, sizeof stmt - 1, sig), 0);
	/* Ed25519 is deterministic: the same statement, the same signature. */
	ck_assert_int_eq(sign_data(k, stmt, sizeof stmt - 1, sig2), 0);
	ck_assert_int_eq(memcmp(sig, sig2, sizeof sig), 0);

	memcpy(data, stmt, sizeof stmt);
	data[8] ^= 0x01;
	ck_assert_int_eq(sign_verify_pem(pem, data, sizeof stmt - 1, sig), -1);
	ck_assert_int_eq(sign_verify_pem(pem, stmt, sizeof stmt - 2, sig), -1);
	for (size_t i = 0; i < sizeof sig; i += 21) {
		memcpy(sig2, sig, sizeof sig);
		sig2[i] ^= 0x80;
		ck_assert_msg(sign_verify_pem(pem, stmt, sizeof stmt - 1, sig2) == -1,
		    "flipped signature byte %zu still verifies", i);
	}
	ck_assert_int_eq(sign_verify_pem(other_pem, stmt, sizeof stmt - 1, sig), -1);
	ck_assert_int_eq(sign_verify_pem("not a key", stmt, sizeof stmt - 1, sig), -1);
	ck_assert_int_eq(sign_verify_pem("", stmt, sizeof stmt - 1, sig), -1);

	/* The empty statement can be signed too. */
	ck_assert_int_eq(sign_data(k, "", 0, sig), 0);
	ck_assert_int_eq(sign_verify_pem(pem, "", 0, sig), 0);
	free(pem);
	free(other_pem);
	sign_key_free(k);
	sign_key_free(other);
}
END_TEST

/* What a bundle's verify.sh does, and the other way round. */
START_TEST(test_openssl_pkeyutl)
{
	static const char stmt[] = "noshowd evidence\r\nbinary \x01\xff and UTF-8 \xc3\xa9\n";
	char path[PATH_MAX], file[PATH_MAX], err[ERR_MAX];
	unsigned char sig[SIGN_SIG_LEN];
	struct sign_key *k;
	char *pem, *sigbuf;
	size_t siglen;

	path_of(path, sizeof path, "ossl/signing.key");
	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(sign_data(k, stmt, sizeof stmt - 1, sig), 0);
	path_of(file, sizeof file, "ossl/statement.txt");
	write_bytes(file, stmt, sizeof stmt - 1);
	path_of(file, sizeof file, "ossl/sig.bin");
	write_bytes(file, sig, sizeof sig);
	ck_assert_int_eq(sh("cd ossl && openssl pkeyutl -verify -pubin -inkey signing.pub "
	    "-rawin -in statement.txt -sigfile sig.bin"), 0);
	/* The same command says no to a changed statement. */
	ck_assert_int_eq(sh("cd ossl && printf x >>statement.txt && openssl pkeyutl -verify "
	    "-pubin -inkey signing.pub -rawin -in statement.txt -sigfile sig.bin"), 1);

	/* openssl's signature with our key verifies here. */
	ck_assert_int_eq(sh("cd ossl && printf 'from openssl' >o.txt && openssl pkeyutl -sign "
	    "-inkey signing.key -rawin -in o.txt -out o.sig"), 0);
	path_of(file, sizeof file, "ossl/o.sig");
	sigbuf = read_file(file, 1024, &siglen, err);
	ck_assert_msg(sigbuf != NULL, "%s", err);
	ck_assert_uint_eq(siglen, SIGN_SIG_LEN);
	pem = sign_key_public_pem(k);
	ck_assert_int_eq(sign_verify_pem(pem, "from openssl", 12,
	    (const unsigned char *)sigbuf), 0);
	ck_assert_int_eq(sign_verify_pem(pem, "from openssl!", 13,
	    (const unsigned char *)sigbuf), -1);
	free(sigbuf);
	free(pem);
	sign_key_free(k);
}
END_TEST

/* A key made by `openssl genpkey` loads; with create set its missing .pub is written. */
START_TEST(test_openssl_genpkey_key)
{
	char path[PATH_MAX], pub[PATH_MAX], err[ERR_MAX], fp[65], fp_openssl[65];
	struct sign_key *k;
	struct stat st;

	ck_assert_int_eq(sh("mkdir gen && openssl genpkey -algorithm ed25519 -out gen/signing.key "
	    "&& chmod 600 gen/signing.key && openssl pkey -in gen/signing.key -pubout "
	    "-out gen/expected.pub"), 0);
	path_of(path, sizeof path, "gen/signing.key");
	path_of(pub, sizeof pub, "gen/signing.pub");
	k = sign_key_load(path, 0, err);
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(stat(pub, &st), -1);
	sign_key_fingerprint(k, fp);
	openssl_fingerprint("gen/expected.pub", fp_openssl);
	ck_assert_str_eq(fp, fp_openssl);
	sign_key_free(k);

	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	sign_key_free(k);
	ck_assert_uint_eq(mode_of(pub), 0644);
	ck_assert_int_eq(sh("cmp gen/signing.pub gen/expected.pub"), 0);
}
END_TEST

/* Open to group or others: refused, never repaired or replaced, and the fix named. */
START_TEST(test_mode_refused)
{
	static const unsigned modes[] = { 0640, 0604, 0660, 0620 };
	char path[PATH_MAX], err[ERR_MAX], want[PATH_MAX + 32];
	struct sign_key *k;
	char *before, *after;

	path_of(path, sizeof path, "mode/signing.key");
	k = sign_key_load(path, 1, err);
	ck_assert_msg(k != NULL, "%s", err);
	sign_key_free(k);
	before = slurp(path);
	snprintf(want, sizeof want, "chmod 600 %s", path);
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		k = sign_key_load(path, 1, err);
		ck_assert_ptr_null(k);
		ck_assert_msg(strstr(err, path) != NULL && strstr(err, want) != NULL &&
		    strstr(err, "group or others") != NULL, "err: %s", err);
		ck_assert_ptr_null(strstr(err, "PRIVATE"));
	}
	after = slurp(path);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(chmod(path, 0400), 0);
	k = sign_key_load(path, 0, err);
	ck_assert_msg(k != NULL, "a 0400 key is fine: %s", err);
	sign_key_free(k);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_missing_without_create)
{
	char path[PATH_MAX], err[ERR_MAX];
	struct stat st;

	path_of(path, sizeof path, "absent/signing.key");
	ck_assert_ptr_null(sign_key_load(path, 0, err));
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "No such file") != NULL,
	    "err: %s", err);
	path_of(path, sizeof path, "absent");
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

/* Keys of the wrong kind: each refused with the file named and what to do. */
START_TEST(test_wrong_keys)
{
	static const struct {
		const char *make, *name, *says;
	} cases[] = {
		{ "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out wk/ec.key",
		    "wk/ec.key", "not Ed25519" },
		{ "openssl genpkey -algorithm ed25519 -aes256 -pass pass:s3cret -out wk/enc.key",
		    "wk/enc.key", "encrypted" },
		{ "openssl pkey -in wk/enc.key -passin pass:s3cret -pubout -out wk/pub.key",
		    "wk/pub.key", "not a PEM private key" },
		{ "printf 'hello\\n' >wk/junk.key", "wk/junk.key", "not a PEM private key" },
		{ "printf '' >wk/empty.key", "wk/empty.key", "not a PEM private key" },
		{ "mkdir wk/dir.key", "wk/dir.key", "not a regular file" },
	};
	char path[PATH_MAX], err[ERR_MAX];

	ck_assert_int_eq(sh("mkdir wk"), 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		ck_assert_int_eq(sh("%s && chmod go-rwx %s", cases[i].make, cases[i].name), 0);
		path_of(path, sizeof path, cases[i].name);
		ck_assert_ptr_null(sign_key_load(path, 1, err));
		ck_assert_msg(strstr(err, path) != NULL && strstr(err, cases[i].says) != NULL,
		    "%s: err: %s", cases[i].name, err);
		ck_assert_ptr_null(strstr(err, "BEGIN"));
	}
}
END_TEST

/* Where the directory cannot be made, the error names the key file and the culprit. */
START_TEST(test_dir_not_creatable)
{
	char path[PATH_MAX], blocker[PATH_MAX], err[ERR_MAX];

	path_of(blocker, sizeof blocker, "blocker");
	write_bytes(blocker, "x", 1);
	path_of(path, sizeof path, "blocker/keys/signing.key");
	ck_assert_ptr_null(sign_key_load(path, 1, err));
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "Not a directory") != NULL,
	    "err: %s", err);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("key");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create_and_reload);
	tcase_add_test(tc, test_pub_name);
	tcase_add_test(tc, test_sign_verify);
	tcase_add_test(tc, test_openssl_pkeyutl);
	tcase_add_test(tc, test_openssl_genpkey_key);
	tcase_add_test(tc, test_mode_refused);
	tcase_add_test(tc, test_missing_without_create);
	tcase_add_test(tc, test_wrong_keys);
	tcase_add_test(tc, test_dir_not_creatable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(sign_suite)
