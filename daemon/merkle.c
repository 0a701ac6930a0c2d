#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "merkle.h"
#include "util.h"

#define H MERKLE_HASH_LEN

/*
 * The one-byte prefixes keep a leaf from ever hashing like an inner node (the second
 * preimage attack on plain Merkle trees that RFC 6962 section 2.1 closes).
 */
static void
merkle_hash2(unsigned char prefix, const void *a, size_t alen, const void *b, size_t blen,
    unsigned char out[H])
{
	EVP_MD_CTX *ctx;
	unsigned int outlen = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, &prefix, 1) ||
	    !EVP_DigestUpdate(ctx, a, alen) ||
	    (blen > 0 && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != H)
		fatalx("merkle: sha-256 failed");
	EVP_MD_CTX_free(ctx);
}

static void
merkle_node(const unsigned char left[H], const unsigned char right[H], unsigned char out[H])
{
	merkle_hash2(0x01, left, H, right, H, out);
}

void
merkle_leaf(const void *data, size_t len, unsigned char out[H])
{
	merkle_hash2(0x00, data, len, NULL, 0, out);
}

static void
merkle_empty(unsigned char out[H])
{
	unsigned int outlen = 0;

	if (!EVP_Digest("", 0, out, &outlen, EVP_sha256(), NULL) || outlen != H)
		fatalx("merkle: sha-256 failed");
}

/* The largest power of two below n (n >= 2), written so that it cannot overflow. */
static size_t
merkle_split(size_t n)
{
	size_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/*
 * Pairing neighbours level by level and carrying an odd last hash up unchanged builds the
 * same tree as RFC 9162's split at the largest power of two: the left part is a power of
 * two, so no pair ever straddles the split, and the right part pairs as a tree of its own.
 */
void
merkle_root(const unsigned char (*leaves)[H], size_t n, unsigned char out[H])
{
	unsigned char (*level)[H];
	size_t len;

	if (n == 0) {
		merkle_empty(out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	level = xcalloc((n + 1) / 2, H);
	for (size_t i = 0; i < n; i += 2) {
		if (i + 1 < n)
			merkle_node(leaves[i], leaves[i + 1], level[i / 2]);
		else
			memcpy(level[i / 2], leaves[i], H);
	}
	/* In place: entry i is written after entries 2i and 2i + 1 are read. */
	for (len = (n + 1) / 2; len > 1; len = (len + 1) / 2) {
		for (size_t i = 0; i < len; i += 2) {
			unsigned char h[H];

			if (i + 1 < len)
				merkle_node(level[i], level[i + 1], h);
			else
				memcpy(h, level[i], H);
			memcpy(level[i / 2], h, H);
		}
	}
	memcpy(out, level[0], H);
	free(level);
}

/* MTH of a non-empty range, by RFC 9162's own recursion: depth at most 64. */
static void
merkle_mth(const unsigned char (*leaves)[H], size_t n, unsigned char out[H])
{
	unsigned char l[H], r[H];
	size_t k;

	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	k = merkle_split(n);
	merkle_mth(leaves, k, l);
	merkle_mth(leaves + k, n - k, r);
	merkle_node(l, r, out);
}

/*
 * RFC 9162 section 2.1.3.1, PATH(m, D[n]): the path within the half holding m, then the
 * other half's hash. The sibling halves are disjoint, so one path hashes fewer than n nodes.
 * It is deliberately a second construction, independent of struct merkle_tree's, so that
 * the tests can hold one against the other.
 */
static size_t
merkle_path_rec(const unsigned char (*leaves)[H], size_t n, size_t m, unsigned char (*path)[H])
{
	size_t k, len;

	if (n == 1)
		return 0;
	k = merkle_split(n);
	if (m < k) {
		len = merkle_path_rec(leaves, k, m, path);
		merkle_mth(leaves + k, n - k, path[len]);
	} else {
		len = merkle_path_rec(leaves + k, n - k, m - k, path);
		merkle_mth(leaves, k, path[len]);
	}
	return len + 1;
}

size_t
merkle_path(const unsigned char (*leaves)[H], size_t n, size_t m, unsigned char (*path)[H])
{
	if (m >= n)
		return 0;
	return merkle_path_rec(leaves, n, m, path);
}

/*
 * RFC 9162 section 2.1.3.2, step by step. fn walks up from the leaf and sn from the last
 * leaf: where fn is a right child, or the last node of its level with no right sibling,
 * the path element goes on the left; while fn is such a last node and a left child, its
 * level has no sibling for it and it rises unchanged. The path must end exactly at the
 * root (sn == 0), so a path for another tree size fails.
 */
int
merkle_verify(const unsigned char leaf[H], size_t m, size_t n, const unsigned char (*path)[H],
    size_t len, const unsigned char root[H])
{
	unsigned char r[H];
	size_t fn, sn;

	if (m >= n)
		return -1;
	fn = m;
	sn = n - 1;
	memcpy(r, leaf, H);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node(r, path[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, H) != 0)
		return -1;
	return 0;
}

void
merkle_tree_init(struct merkle_tree *t, const unsigned char (*leaves)[H], size_t n)
{
	size_t total = 0, len;

	memset(t, 0, sizeof(*t));
	t->n = n;
	if (n == 0)
		return;
	for (len = n;; len = (len + 1) / 2) {
		t->level_off[t->nlevels] = total;
		t->level_len[t->nlevels++] = len;
		total += len;
		if (len == 1)
			break;
	}
	t->node = xcalloc(total, H);
	memcpy(t->node, leaves, n * H);
	for (size_t l = 1; l < t->nlevels; l++) {
		unsigned char (*below)[H] = t->node + t->level_off[l - 1];
		unsigned char (*here)[H] = t->node + t->level_off[l];
		size_t blen = t->level_len[l - 1];

		for (size_t i = 0; i < blen; i += 2) {
			if (i + 1 < blen)
				merkle_node(below[i], below[i + 1], here[i / 2]);
			else
				memcpy(here[i / 2], below[i], H);
		}
	}
}

void
merkle_tree_root(const struct merkle_tree *t, unsigned char out[H])
{
	if (t->n == 0)
		merkle_empty(out);
	else
		memcpy(out, t->node[t->level_off[t->nlevels - 1]], H);
}

/* A node with no sibling on its level is carried up unchanged and adds nothing. */
size_t
merkle_tree_path(const struct merkle_tree *t, size_t m, unsigned char (*path)[H])
{
	size_t len = 0;

	if (m >= t->n)
		return 0;
	for (size_t l = 0; l + 1 < t->nlevels; l++, m >>= 1) {
		size_t sib = m ^ 1;

		if (sib < t->level_len[l])
			memcpy(path[len++], t->node[t->level_off[l] + sib], H);
	}
	return len;
}

void
merkle_tree_release(struct merkle_tree *t)
{
	free(t->node);
	memset(t, 0, sizeof(*t));
}
