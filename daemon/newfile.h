#ifndef NOSHOWD_NEWFILE_H
#define NOSHOWD_NEWFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write a file that appears whole under `path` or not at all, and never replaces one that
 * is there: the maildir's new/ and the evidence store both rely on it. The bytes go first
 * to a nameless file in `tmpdir` (O_TMPFILE) that is then linked to `path`: one directory
 * operation. On a file system without O_TMPFILE (or without /proc) the bytes go to a named
 * file in `tmpdir`, linked to `path` and unlinked: the old three. With sync the file is
 * fsync'd before it is linked, and the directory of `path` after.
 *
 * 0 written; 1 a file `path` was there already (left as it is); -1 with err, and errno
 * ENOENT when `tmpdir` or the directory of `path` is missing (the caller may make it and
 * try again).
 */
int newfile_put(const char *tmpdir, const char *path, const void *data, size_t len,
    mode_t mode, int sync, char err[]);

#endif
