/*
 * The maildir transport: each message becomes one file in DIR/new, written to DIR/tmp first,
 * fsync'd, then renamed, and the directory fsync'd, so a message is either wholly there or
 * not at all (maildir(5)). For trying noshowd, and for trainers who relay by other means.
 */
#ifndef NOSHOWD_MAILDIR_H
#define NOSHOWD_MAILDIR_H

#include <stddef.h>

/*
 * Deliver data into dir (created 0700 with tmp/, new/, cur/ when missing). On success the
 * file's path is put in path (PATH_MAX bytes). With sync 0 nothing is fsync'd: the caller
 * delivers a batch and then calls maildir_sync() once before it records any of them as
 * delivered (one flush instead of two per message).
 */
int maildir_deliver(const char *dir, const char *data, size_t len, int sync, char *path,
    char err[]);
/* Make every delivery so far durable (syncfs(2) of the maildir's file system). */
int maildir_sync(const char *dir, char err[]);

#endif
