/*
 * Polling a payments-csv source: bank statement exports at a URL, or files matching a
 * file:// glob (a folder the bank's exports are saved into). Every file is parsed before
 * anything is applied: one unreadable file fails the poll and applies nothing, so the
 * trainer can fix or remove it and lose nothing. Credits already seen (the same bank line)
 * are skipped, so the same files read on every poll count once.
 */
#ifndef NOSHOWD_PAYSOURCE_H
#define NOSHOWD_PAYSOURCE_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* Poll src now (see cycle_poll). Returns 0, or -1 if the store failed. */
int paysource_poll(struct store *s, const struct config *c, const struct config_source *src,
    time_t now, int dry_run, FILE *out);

#endif
