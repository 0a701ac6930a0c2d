/*
 * The maildir transport: each message becomes one file in DIR/new, written to DIR/tmp first,
 * fsync'd, then renamed, and the directory fsync'd, so a message is either wholly there or
 * not at all (maildir(5)). For trying noshowd, and for trainers who relay by other means.
 */
#ifndef NOSHOWD_MAILDIR_H
#define NOSHOWD_MAILDIR_H

#include <stddef.h>

/* Deliver data into dir (created 0700 with tmp/, new/, cur/ when missing). On success the
   file's path is put in path (PATH_MAX bytes). */
int maildir_deliver(const char *dir, const char *data, size_t len, char *path, char err[]);

#endif
