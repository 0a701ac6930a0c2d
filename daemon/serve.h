/*
 * The service: noshowd's loop between start-up and TERM (serve.c).
 */
#ifndef NOSHOWD_SERVE_H
#define NOSHOWD_SERVE_H

#include "config.h"
#include "store.h"

/*
 * Run until TERM or INT, with the configuration loaded from `path` (reloaded from it on
 * HUP when have_path) and the open store. Returns 0.
 */
int serve(struct config *c, struct store *s, const char *path, int have_path);

#endif
