/*
 * Polling a source of exports: bank statements (payments-csv) or online-meeting
 * participant reports (attendance-csv), at a URL or in files matching a file:// glob (a
 * folder the exports are saved into). Every file is parsed before anything is applied: one
 * unreadable file fails the poll and applies nothing, so the trainer can fix or remove it
 * and lose nothing. Credits already seen (the same bank line) are skipped and a present
 * mark made twice changes nothing, so the same files read again count once.
 */
#ifndef NOSHOWD_EXPORTSOURCE_H
#define NOSHOWD_EXPORTSOURCE_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "fetch.h"
#include "store.h"

/* 1 if src's url is a file:// glob (a folder of exports), read here rather than fetched. */
int exportsource_is_glob(const char *url);

/*
 * Poll src now (see cycle_poll): read the folder of a glob url (fetched is NULL), or apply
 * what fetching its single url gave. Returns 0, or -1 if the store failed.
 */
int exportsource_poll(struct store *s, const struct config *c, const struct config_source *src,
    const struct fetch_result *fetched, time_t now, int dry_run, FILE *out);

#endif
