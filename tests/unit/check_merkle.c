/*
 * merkle.c: the RFC 6962 / RFC 9162 reference vectors, every audit path of every tree up
 * to 40 leaves from both constructions, and every way a proof can be wrong.
 *
 * The expected values were computed independently with this Python (hashlib only), the
 * RFC's definitions transcribed as they stand:
 *
 *	from hashlib import sha256
 *	def leaf(b): return sha256(b"\0" + b).digest()
 *	def node(l, r): return sha256(b"\1" + l + r).digest()
 *	def split(n):
 *	    k = 1
 *	    while k < n - k: k *= 2
 *	    return k
 *	def mth(d):
 *	    if not d: return sha256(b"").digest()
 *	    if len(d) == 1: return d[0]
 *	    k = split(len(d)); return node(mth(d[:k]), mth(d[k:]))
 *	def path(m, d):
 *	    if len(d) == 1: return []
 *	    k = split(len(d))
 *	    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]
 *	D = [leaf(b"record %d" % i) for i in range(40)]
 *	sha256(b"".join(mth(D[:n]) for n in range(1, 41))).hexdigest()		# ROOTS_40
 *	sha256(b"".join(p for n in range(1, 41) for m in range(n)
 *	    for p in path(m, D[:n]))).hexdigest()				# PATHS_40
 *
 * The roots of sizes 0 to 8 and the paths of leaves 0 and 5 of 8 it prints are also the
 * ones published with Certificate Transparency's test data (as in certificate-transparency-go
 * and transparency-dev/merkle), which is what ties the script to the RFC.
 */
#include <stdio.h>
#include <string.h>

#include "merkle.h"
#include "util.h"
#include "unit.h"

#define ROOTS_40 "a8b4c50ae54b8eedb60129b0f58cca1e98555ae50125ed28bb82ae32b4e52776"
#define PATHS_40 "e132abb9b2e27af1ee08afd23f11317c7f866bd3e18606ffdbe387e7536eb47b"

typedef unsigned char hash[MERKLE_HASH_LEN];

static const char *ct_leaves[] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *ct_roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static const struct {
	size_t m, n, len;
	const char *path[3];
} ct_paths[] = {
	{ 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 4, 5, 1, { "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 6, 7, 2, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 0, 1, 0, { NULL } },
};

static size_t
unhex(const char *s, unsigned char *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

static void
ck_hash_eq(const hash h, const char *want)
{
	char got[2 * MERKLE_HASH_LEN + 1];

	for (size_t i = 0; i < MERKLE_HASH_LEN; i++)
		snprintf(got + 2 * i, 3, "%02x", h[i]);
	ck_assert_str_eq(got, want);
}

START_TEST(test_ct_vectors)
{
	hash leaves[8], root, path[MERKLE_PATH_MAX];
	unsigned char data[16];
	struct merkle_tree t;

	for (size_t i = 0; i < 8; i++)
		merkle_leaf(data, unhex(ct_leaves[i], data), leaves[i]);
	for (size_t n = 0; n <= 8; n++) {
		merkle_root(leaves, n, root);
		ck_hash_eq(root, ct_roots[n]);
		merkle_tree_init(&t, leaves, n);
		merkle_tree_root(&t, root);
		ck_hash_eq(root, ct_roots[n]);
		merkle_tree_release(&t);
	}
	for (size_t i = 0; i < sizeof(ct_paths) / sizeof(ct_paths[0]); i++) {
		size_t m = ct_paths[i].m, n = ct_paths[i].n, len;

		len = merkle_path(leaves, n, m, path);
		ck_assert_uint_eq(len, ct_paths[i].len);
		for (size_t j = 0; j < len; j++)
			ck_hash_eq(path[j], ct_paths[i].path[j]);
		unhex(ct_roots[n], root);
		ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len, root), 0);
	}
}
END_TEST

/* Leaves "record 0", "record 1", ... as in the Python above. */
static hash *
records(size_t n)
{
	hash *leaves = xcalloc(n, sizeof(hash));
	char s[32];

	for (size_t i = 0; i < n; i++) {
		int len = snprintf(s, sizeof(s), "record %zu", i);

		merkle_leaf(s, (size_t)len, leaves[i]);
	}
	return leaves;
}

START_TEST(test_known_40)
{
	hash *leaves = records(40), root, path[MERKLE_PATH_MAX];
	struct buf roots, paths, tpaths;
	char hex[65];

	buf_init(&roots);
	buf_init(&paths);
	buf_init(&tpaths);
	for (size_t n = 1; n <= 40; n++) {
		struct merkle_tree t;

		merkle_root(leaves, n, root);
		buf_add(&roots, root, sizeof(root));
		merkle_tree_init(&t, leaves, n);
		for (size_t m = 0; m < n; m++) {
			size_t len = merkle_path(leaves, n, m, path);

			buf_add(&paths, path, len * sizeof(hash));
			len = merkle_tree_path(&t, m, path);
			buf_add(&tpaths, path, len * sizeof(hash));
		}
		merkle_tree_release(&t);
	}
	sha256_hex(roots.data, roots.len, hex);
	ck_assert_str_eq(hex, ROOTS_40);
	sha256_hex(paths.data, paths.len, hex);
	ck_assert_str_eq(hex, PATHS_40);
	sha256_hex(tpaths.data, tpaths.len, hex);
	ck_assert_str_eq(hex, PATHS_40);
	buf_release(&roots);
	buf_release(&paths);
	buf_release(&tpaths);
	free(leaves);
}
END_TEST

/*
 * Which side each path element joins on, from the leaf up (1 = the sibling is on the left),
 * by the tree's shape alone. A path carries no tree size: a proof checked against another
 * size still passes when that size gives the leaf the same sides, and fails otherwise.
 */
static size_t
sides(size_t m, size_t n, unsigned char *out)
{
	size_t k = 1, len;

	if (n == 1)
		return 0;
	while (k < n - k)
		k <<= 1;
	len = m < k ? sides(m, k, out) : sides(m - k, n - k, out);
	out[len] = m >= k;
	return len + 1;
}

static int
same_sides(size_t m, size_t n1, size_t n2)
{
	unsigned char a[MERKLE_PATH_MAX], b[MERKLE_PATH_MAX];
	size_t la = sides(m, n1, a), lb = sides(m, n2, b);

	return la == lb && memcmp(a, b, la) == 0;
}

START_TEST(test_every_path)
{
	hash *leaves = records(41), root, bad, path[MERKLE_PATH_MAX + 1], tpath[MERKLE_PATH_MAX];

	for (size_t n = 1; n <= 40; n++) {
		struct merkle_tree t;

		merkle_root(leaves, n, root);
		merkle_tree_init(&t, leaves, n);
		ck_assert_uint_eq(merkle_path(leaves, n, n, path), 0);
		ck_assert_uint_eq(merkle_tree_path(&t, n, path), 0);
		for (size_t m = 0; m < n; m++) {
			size_t len = merkle_path(leaves, n, m, path);

			ck_assert_uint_eq(merkle_tree_path(&t, m, tpath), len);
			ck_assert_mem_eq(path, tpath, len * sizeof(hash));
			ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len, root), 0);

			/* Another leaf, at this index or at its own. */
			ck_assert_int_eq(merkle_verify(leaves[40], m, n, path, len, root), -1);
			for (size_t o = 0; o <= n; o++) {
				if (o != m)
					ck_assert_int_eq(merkle_verify(leaves[m], o, n, path,
					    len, root), -1);
				if (o != m && o < n)
					ck_assert_int_eq(merkle_verify(leaves[o], o, n, path,
					    len, root), -1);
			}
			/* Another size: fails unless it puts the leaf on the same sides. */
			for (size_t o = m + 1; o <= n + 2; o++) {
				if (o != n)
					ck_assert_int_eq(merkle_verify(leaves[m], m, o, path,
					    len, root), same_sides(m, n, o) ? 0 : -1);
			}
			ck_assert_int_eq(merkle_verify(leaves[m], m, 0, path, len, root), -1);
			/* One bit of any path element, or of the root. */
			for (size_t j = 0; j < len; j++) {
				path[j][j % MERKLE_HASH_LEN] ^= 0x40;
				ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len, root),
				    -1);
				path[j][j % MERKLE_HASH_LEN] ^= 0x40;
			}
			memcpy(bad, root, sizeof(bad));
			bad[31] ^= 1;
			ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len, bad), -1);
			/* A path one element short or long. */
			if (len > 0)
				ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len - 1,
				    root), -1);
			memcpy(path[len], root, sizeof(hash));
			ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len + 1, root),
			    -1);
		}
		merkle_tree_release(&t);
	}
	free(leaves);
}
END_TEST

/* Sides that can coincide: leaf 0 of 3 joins [1] then [2] on the right, as in a tree of 4. */
START_TEST(test_size_not_in_path)
{
	ck_assert(same_sides(0, 3, 4));
	ck_assert(!same_sides(2, 3, 4));
	ck_assert(!same_sides(0, 4, 5));
}
END_TEST

/*
 * A tree too big to build by hand, odd at several levels: the level-by-level tree, the
 * in-place root and the recursive paths must still agree.
 */
START_TEST(test_large)
{
	size_t n = (1 << 16) + (1 << 9) + 3;
	hash *leaves = records(n), root, troot, path[MERKLE_PATH_MAX];
	struct merkle_tree t;
	size_t probe[] = { 0, 1, 511, 65535, 65536, 65536 + 511, n - 4, n - 3, n - 2, n - 1 };

	merkle_root(leaves, n, root);
	merkle_tree_init(&t, leaves, n);
	merkle_tree_root(&t, troot);
	ck_assert_mem_eq(root, troot, sizeof(root));
	for (size_t m = 0; m < n; m += 97) {
		size_t len = merkle_tree_path(&t, m, path);

		ck_assert_int_eq(merkle_verify(leaves[m], m, n, path, len, root), 0);
	}
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		hash tpath[MERKLE_PATH_MAX];
		size_t len = merkle_path(leaves, n, probe[i], path);

		ck_assert_uint_eq(merkle_tree_path(&t, probe[i], tpath), len);
		ck_assert_mem_eq(path, tpath, len * sizeof(hash));
		ck_assert_int_eq(merkle_verify(leaves[probe[i]], probe[i], n, path, len, root), 0);
	}
	/* The last leaf is promoted past the levels where it has no sibling. */
	ck_assert_uint_eq(merkle_tree_path(&t, n - 1, path), 3);
	merkle_tree_release(&t);
	free(leaves);
}
END_TEST

static Suite *
merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tc = tcase_create("rfc9162");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ct_vectors);
	tcase_add_test(tc, test_known_40);
	tcase_add_test(tc, test_every_path);
	tcase_add_test(tc, test_size_not_in_path);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(merkle_suite)
