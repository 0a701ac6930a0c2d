#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "maildir.h"
#include "util.h"

/*
 * Create dir with tmp/, new/ and cur/. Called only when a delivery finds one missing: six
 * mkdir calls for every message were a tenth of the maildir transport's system time.
 */
static int
maildir_make(const char *dir, char err[])
{
	static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return errf(err, "cannot create maildir directory %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

int
maildir_sync(const char *dir, char err[])
{
	return sync_fs(dir, err);
}

int
maildir_deliver(const char *dir, const char *data, size_t len, int sync, char *path,
    char err[])
{
	char tmp[PATH_MAX], sub[PATH_MAX], name[128], host[64];
	struct timeval tv;
	uint32_t rnd = 0;
	size_t off = 0;
	int fd;

	gettimeofday(&tv, NULL);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)tv.tv_usec;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)	/* maildir(5): '/' and ':' may not appear */
		if (*p == '/' || *p == ':')
			*p = '_';
	snprintf(name, sizeof(name), "%lld.M%06ldP%dR%08x.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (int)getpid(), rnd, host);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	snprintf(path, PATH_MAX, "%s/new/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 &&
	    errno == ENOENT) {
		if (maildir_make(dir, err) < 0)
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return errf(err, "cannot create %s: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errf(err, "cannot write %s: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (sync && fsync(fd) < 0) {
		errf(err, "cannot sync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0 && (errno != ENOENT || maildir_make(dir, err) < 0 ||
	    rename(tmp, path) < 0)) {
		errf(err, "cannot move %s into new/: %s", tmp, strerror(errno));
		goto fail;
	}
	/* The rename is durable only once the directory that now holds the name is synced. */
	snprintf(sub, sizeof(sub), "%s/new", dir);
	return sync ? sync_dir(sub, err) : 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
