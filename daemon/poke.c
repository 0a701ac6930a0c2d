#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "poke.h"
#include "util.h"

static char *
poke_path(const char *db_path)
{
	return xasprintf("%s.changed", db_path);
}

void
poke_send(const char *db_path)
{
	char *path;
	int fd;

	if (strcmp(db_path, ":memory:") == 0)
		return;
	path = poke_path(db_path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
		close(fd);	/* IN_CLOSE_WRITE in the service */
	free(path);
}

int
poke_watch(const char *db_path)
{
	char *copy;
	int fd;

	if (strcmp(db_path, ":memory:") == 0 ||
	    (fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	copy = xstrdup(db_path);
	if (inotify_add_watch(fd, dirname(copy), IN_CLOSE_WRITE | IN_ONLYDIR) < 0) {
		close(fd);
		fd = -1;
	}
	free(copy);
	return fd;
}

int
poke_seen(int fd, const char *db_path)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char *path = poke_path(db_path), *copy = xstrdup(path), *name = basename(copy);
	ssize_t n;
	int seen = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->len > 0 && strcmp(e->name, name) == 0)
				seen = 1;
			p += sizeof(*e) + e->len;
		}
	}
	free(copy);
	free(path);
	return seen;
}
