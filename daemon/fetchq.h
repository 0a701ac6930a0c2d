/*
 * Fetching sources off the service's main path: one thread per due source that only
 * downloads (fetch_get) and never touches the database. The main thread owns the sqlite
 * connection: it starts a job with the validators it read, waits in poll(2) on fetchq_fd()
 * next to its signals and its next due moment, and applies each finished body itself. A
 * source that stalls holds up its own thread and nothing else: mail, the policy and the
 * other sources go on.
 */
#ifndef NOSHOWD_FETCHQ_H
#define NOSHOWD_FETCHQ_H

#include <pthread.h>
#include <stddef.h>

#include "fetch.h"

struct fetchq_job {
	char *source;		/* by name: the configuration may be reloaded meanwhile */
	char *url;
	struct fetch_result r;	/* filled by the thread; read after fetchq_take */

	/* Private to fetchq.c. */
	char *etag, *last_modified, *body_hash;
	long timeout;
	size_t max_size;
	int done;		/* under the queue's lock */
	pthread_t thread;
	struct fetchq *q;
	struct fetchq_job *next;
};

struct fetchq {
	pthread_mutex_t lock;
	int fd;			/* an eventfd, readable when a job has finished */
	struct fetchq_job *jobs;
};

/* Set up an empty queue. 0, or -1 with errno. */
int fetchq_init(struct fetchq *q);
/* The descriptor to poll for POLLIN: a job has finished (call fetchq_take until NULL). */
int fetchq_fd(const struct fetchq *q);
/* 1 if a job for this source is running or waits to be taken; source NULL: any job. */
int fetchq_busy(struct fetchq *q, const char *source);
/*
 * Start fetching url for source in a thread of its own, with copies of every argument.
 * 0, or -1 with errno when no thread could be started.
 */
int fetchq_start(struct fetchq *q, const char *source, const char *url,
    const struct fetch_validators *prev, long timeout_secs, size_t max_size);
/* A finished job (its thread joined), or NULL. Free it with fetchq_job_free. */
struct fetchq_job *fetchq_take(struct fetchq *q);
void fetchq_job_free(struct fetchq_job *j);
/* Abort every transfer (within about a second), join the threads, free the queue. */
void fetchq_stop(struct fetchq *q);

#endif
