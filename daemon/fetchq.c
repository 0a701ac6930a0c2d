/*
 * One thread per fetch rather than libcurl's multi interface: fetch_get stays the one way
 * a source is read (the --once cycle and noshowctl use it too), and a handful of sources
 * polled every few minutes needs no more than a handful of short-lived threads.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fetchq.h"
#include "util.h"

int
fetchq_init(struct fetchq *q)
{
	memset(q, 0, sizeof(*q));
	if ((q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -1;
	if ((errno = pthread_mutex_init(&q->lock, NULL)) != 0) {
		close(q->fd);
		q->fd = -1;
		return -1;
	}
	return 0;
}

int
fetchq_fd(const struct fetchq *q)
{
	return q->fd;
}

static char *
fetchq_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
fetchq_job_free(struct fetchq_job *j)
{
	if (j == NULL)
		return;
	fetch_result_release(&j->r);
	free(j->source), free(j->url);
	free(j->etag), free(j->last_modified), free(j->body_hash);
	free(j);
}

/* The thread: download, mark the job done, wake the main loop. Nothing else. */
static void *
fetchq_run(void *arg)
{
	struct fetchq_job *j = arg;
	struct fetch_validators v = { j->etag, j->last_modified, j->body_hash };
	uint64_t one = 1;

	fetch_get(j->url, &v, j->timeout, j->max_size, &j->r);
	pthread_mutex_lock(&j->q->lock);
	j->done = 1;
	pthread_mutex_unlock(&j->q->lock);
	/* Cannot fail short of a counter at 2^64 - 2: the main loop drains it every wake. */
	(void)!write(j->q->fd, &one, sizeof(one));
	return NULL;
}

int
fetchq_busy(struct fetchq *q, const char *source)
{
	int busy = 0;

	pthread_mutex_lock(&q->lock);
	for (struct fetchq_job *j = q->jobs; j != NULL && !busy; j = j->next)
		busy = source == NULL || strcmp(j->source, source) == 0;
	pthread_mutex_unlock(&q->lock);
	return busy;
}

int
fetchq_start(struct fetchq *q, const char *source, const char *url,
    const struct fetch_validators *prev, long timeout_secs, size_t max_size)
{
	struct fetchq_job *j = xcalloc(1, sizeof(*j));
	int rc;

	j->source = xstrdup(source);
	j->url = xstrdup(url);
	if (prev != NULL) {
		j->etag = fetchq_dup(prev->etag);
		j->last_modified = fetchq_dup(prev->last_modified);
		j->body_hash = fetchq_dup(prev->body_hash);
	}
	j->timeout = timeout_secs;
	j->max_size = max_size;
	j->q = q;
	/* Linked first: the thread may finish before pthread_create returns. */
	pthread_mutex_lock(&q->lock);
	j->next = q->jobs;
	q->jobs = j;
	rc = pthread_create(&j->thread, NULL, fetchq_run, j);
	if (rc != 0)
		q->jobs = j->next;
	pthread_mutex_unlock(&q->lock);
	if (rc != 0) {
		fetchq_job_free(j);
		errno = rc;
		return -1;
	}
	return 0;
}

struct fetchq_job *
fetchq_take(struct fetchq *q)
{
	struct fetchq_job **pp, *j = NULL;
	uint64_t n;

	/*
	 * Drain before looking: a job that finishes after the drain either is found below or
	 * has made the descriptor readable again, so none is ever left unnoticed.
	 */
	(void)!read(q->fd, &n, sizeof(n));
	pthread_mutex_lock(&q->lock);
	for (pp = &q->jobs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->done) {
			j = *pp;
			*pp = j->next;
			break;
		}
	pthread_mutex_unlock(&q->lock);
	if (j != NULL)
		pthread_join(j->thread, NULL);
	return j;
}

void
fetchq_stop(struct fetchq *q)
{
	struct fetchq_job *j;

	if (q->fd < 0)
		return;
	fetch_abort_all(1);
	pthread_mutex_lock(&q->lock);
	j = q->jobs;
	q->jobs = NULL;
	pthread_mutex_unlock(&q->lock);
	while (j != NULL) {
		struct fetchq_job *next = j->next;

		pthread_join(j->thread, NULL);
		fetchq_job_free(j);
		j = next;
	}
	fetch_abort_all(0);
	pthread_mutex_destroy(&q->lock);
	close(q->fd);
	q->fd = -1;
}
