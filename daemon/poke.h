/*
 * noshowctl tells a running service that it changed the database (a booking, a payment, a
 * retry), so that what it queued goes out now rather than at the service's next due
 * moment: it closes a file next to the database, DB.changed, after writing it, and the
 * service watches the directory with inotify(7). No pid file and no signal: whoever may
 * write the database may poke, and a poke that fails (a read-only directory) only delays.
 */
#ifndef NOSHOWD_POKE_H
#define NOSHOWD_POKE_H

/* Touch DB.changed (made 0600 when missing). Errors are ignored: see above. */
void poke_send(const char *db_path);

/* An inotify descriptor (non-blocking) that becomes readable on a poke, or -1. */
int poke_watch(const char *db_path);

/* Read what is pending on the descriptor: 1 if it held a poke of db_path, else 0. */
int poke_seen(int fd, const char *db_path);

#endif
