/* Start-up shared by noshowd and noshowctl: configuration, clock, database. */
#ifndef NOSHOWD_SETUP_H
#define NOSHOWD_SETUP_H

#include <time.h>

#include "config.h"
#include "store.h"

/*
 * Load `path`, or CONFIG_DEFAULT_PATH when path is NULL and that file exists, or else the
 * embedded defaults. Every problem is printed to stderr; returns -1 if there was any.
 */
int setup_config(const char *path, struct config *c);
/* The same, but the problems go to *errs (lines joined with '\n'; the caller frees it). */
int setup_load(const char *path, struct config *c, char **errs);
/* The clock: `text` (ISO 8601, wall time in zone when it has no offset), or the real one. */
int setup_now(const char *text, const char *zone, time_t *now);
/* Open the database, creating its directory (0700) when missing. Errors go to stderr. */
int setup_store(const struct config *c, struct store *s);
/*
 * The evidence log's signing key: created on first start (0600, with its public key next
 * to it), its fingerprint logged so the trainer can publish it. 0, or -1 after saying why.
 */
int setup_signing_key(const struct config *c);

#endif
