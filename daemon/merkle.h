/*
 * Merkle Tree Hash of RFC 9162 (Certificate Transparency 2.0) section 2.1, with SHA-256:
 * the tree that evidence checkpoints sign, so that a bundle for one booking can prove its
 * own records with audit paths and reveal nothing of the others.
 *
 *	leaf hash	SHA-256(0x00 || leaf bytes)
 *	node hash	SHA-256(0x01 || left || right)
 *	empty tree	SHA-256("")
 *
 * A tree of n > 1 leaves splits at k, the largest power of two below n: the left subtree
 * holds leaves [0, k) and is complete, the right one holds [k, n). An audit path lists the
 * sibling subtree hashes from the leaf up to the root (RFC 9162 section 2.1.3.1), so it is
 * empty for a tree of one leaf and at most MERKLE_PATH_MAX hashes long for any size_t n.
 *
 * Leaves are passed as their leaf hashes (merkle_leaf), never as raw bytes. Nothing here
 * can fail but the hash itself, which is fatal as elsewhere in noshowd.
 */
#ifndef NOSHOWD_MERKLE_H
#define NOSHOWD_MERKLE_H

#include <stddef.h>

#define MERKLE_HASH_LEN 32
#define MERKLE_PATH_MAX 64

/* The leaf hash of data[0..len). */
void merkle_leaf(const void *data, size_t len, unsigned char out[MERKLE_HASH_LEN]);

/* The root of n leaf hashes (SHA-256("") when n is 0). O(n) time, n/2 hashes of memory. */
void merkle_root(const unsigned char (*leaves)[MERKLE_HASH_LEN], size_t n,
    unsigned char out[MERKLE_HASH_LEN]);

/*
 * The audit path of leaf m in the tree of n leaves into path (room for MERKLE_PATH_MAX);
 * returns its length, or 0 (and writes nothing) when m >= n. O(n) time and no memory
 * beyond the stack: for one path. For many, use struct merkle_tree.
 */
size_t merkle_path(const unsigned char (*leaves)[MERKLE_HASH_LEN], size_t n, size_t m,
    unsigned char (*path)[MERKLE_HASH_LEN]);

/*
 * RFC 9162 section 2.1.3.2: 0 when path (len hashes) proves that leaf is leaf m of the
 * tree of n leaves whose root is root; -1 otherwise, including m >= n and a path that is
 * too short or too long.
 */
int merkle_verify(const unsigned char leaf[MERKLE_HASH_LEN], size_t m, size_t n,
    const unsigned char (*path)[MERKLE_HASH_LEN], size_t len,
    const unsigned char root[MERKLE_HASH_LEN]);

/*
 * Every level of a tree kept in memory (fewer than 2n hashes), for the root and then any
 * number of audit paths at O(log n) each: a checkpoint over a million records and an
 * export of all their bundles then cost about 2n hashes in all.
 */
struct merkle_tree {
	unsigned char (*node)[MERKLE_HASH_LEN];	/* level 0 (a copy of the leaves), then 1, ... */
	size_t n;				/* leaves */
	size_t nlevels;
	size_t level_off[MERKLE_PATH_MAX + 1];	/* index in node of each level's first hash */
	size_t level_len[MERKLE_PATH_MAX + 1];
};

void merkle_tree_init(struct merkle_tree *t, const unsigned char (*leaves)[MERKLE_HASH_LEN],
    size_t n);
void merkle_tree_root(const struct merkle_tree *t, unsigned char out[MERKLE_HASH_LEN]);
/* As merkle_path, for leaf m of t. */
size_t merkle_tree_path(const struct merkle_tree *t, size_t m,
    unsigned char (*path)[MERKLE_HASH_LEN]);
void merkle_tree_release(struct merkle_tree *t);

#endif
