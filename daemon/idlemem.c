/*
 * What the idle service keeps resident (idlemem.h). Most of its RSS after a turn is not its
 * own: libcurl, OpenSSL, GnuTLS, libical with ICU and SQLite come to about 17 MiB of
 * mapped library pages once a turn has used each, against about 3 MiB of its own memory
 * (make bench measures both). Those pages are clean copies of files in the page cache, so
 * the service can let go of them between turns at the cost of minor page faults in the
 * next turn, instead of a worker process started per turn, which would pay dynamic loading
 * on every poll.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "idlemem.h"
#include "util.h"

int
idlemem_droppable(const struct idlemem_vma *v)
{
	return v->inode != 0 && v->perms[1] != 'w' && v->perms[3] == 'p' && v->rss_kib > 0 &&
	    v->anon_kib == 0 && v->swap_kib == 0;
}

/* A "start-end perms offset dev inode path" line; 0 when it is one. */
static int
idlemem_header(const char *line, struct idlemem_vma *v)
{
	memset(v, 0, sizeof(*v));
	/* A field that is not read stays unknown, and unknown is never droppable. */
	v->rss_kib = v->anon_kib = v->swap_kib = -1;
	return sscanf(line, "%lx-%lx %4s %*x %*s %lu", &v->start, &v->end, v->perms,
	    &v->inode) == 4 ? 0 : -1;
}

/* A "Key:   N kB" line into its field, when it is one of those the rule reads. */
static void
idlemem_field(const char *line, struct idlemem_vma *v)
{
	if (strncmp(line, "Rss:", 4) == 0)
		v->rss_kib = strtol(line + 4, NULL, 10);
	else if (strncmp(line, "Anonymous:", 10) == 0)
		v->anon_kib = strtol(line + 10, NULL, 10);
	else if (strncmp(line, "Swap:", 5) == 0)
		v->swap_kib = strtol(line + 5, NULL, 10);
}

long
idlemem_release(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	struct idlemem_vma *drop = NULL, cur;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t linecap = 0;
	int have = 0, saved;
	long kib = 0;

	malloc_trim(0);
	if (f == NULL)
		return -1;
	/* Read every mapping first and act after: smaps is not to change under the reader. */
	for (;;) {
		int eof = getline(&line, &linecap, f) < 0;

		if (eof || idlemem_header(line, &cur) == 0) {
			if (have && idlemem_droppable(&drop[n])) {
				kib += drop[n].rss_kib;
				n++;
			}
			if (eof)
				break;
			if (n == cap)
				drop = xrealloc(drop, (cap = cap ? cap * 2 : 64) * sizeof(*drop));
			drop[n] = cur;
			have = 1;
		} else if (have) {
			idlemem_field(line, &drop[n]);
		}
	}
	saved = ferror(f) ? EIO : 0;
	fclose(f);
	free(line);
	for (size_t i = 0; i < n && saved == 0; i++)
		(void)madvise((void *)drop[i].start, drop[i].end - drop[i].start, MADV_DONTNEED);
	free(drop);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	return kib;
}
