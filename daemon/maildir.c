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
#include "newfile.h"
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
	char tmp[PATH_MAX], name[128], host[64];
	struct timeval tv;
	uint32_t rnd = 0;
	int rc;

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
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	snprintf(path, PATH_MAX, "%s/new/%s", dir, name);
	/*
	 * maildir(5) writes in tmp/ and renames into new/, so that a reader never sees part
	 * of a message. A nameless file in tmp/ linked into new/ (newfile.h) gives the same
	 * with one directory operation instead of two.
	 */
	rc = newfile_put(tmp, path, data, len, 0600, sync, err);
	if (rc < 0 && errno == ENOENT && maildir_make(dir, err) == 0)
		rc = newfile_put(tmp, path, data, len, 0600, sync, err);
	if (rc == 1)	/* the same microsecond, pid and 32 random bits */
		return errf(err, "cannot deliver: %s exists already", path);
	return rc;
}
