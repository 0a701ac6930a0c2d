#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newfile.h"
#include "util.h"

/* The bytes, and exactly `mode`: the umask applies at open, and not here. */
static int
newfile_write(int fd, const char *what, const char *data, size_t len, mode_t mode, int sync,
    char err[])
{
	size_t off = 0;

	if (fchmod(fd, mode) < 0)
		return errf(err, "cannot set the mode of %s: %s", what, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return errf(err, "cannot write %s: %s", what, n < 0 ? strerror(errno) :
			    "nothing written");
		off += (size_t)n;
	}
	if (sync && fsync(fd) < 0)
		return errf(err, "cannot sync %s: %s", what, strerror(errno));
	return 0;
}

/* link(2)'s answer as newfile_put's, with errno kept for the caller. */
static int
newfile_linked(int rc, const char *path, char err[])
{
	int e = errno;

	if (rc == 0)
		return 0;
	if (e == EEXIST)
		return 1;
	errf(err, "cannot create %s: %s", path, strerror(e));
	errno = e;
	return -1;
}

/* The portable way: a named temporary file, linked and unlinked. */
static int
newfile_named(const char *tmpdir, const char *path, const void *data, size_t len,
    mode_t mode, int sync, char err[])
{
	char tmp[PATH_MAX];
	uint32_t rnd = 0;
	int fd, rc, e;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)getppid();
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%ld.%08x", tmpdir, (long)getpid(), rnd);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		e = errno;
		errf(err, "cannot create %s: %s", tmp, strerror(e));
		errno = e;
		return -1;
	}
	if (newfile_write(fd, tmp, data, len, mode, sync, err) < 0)
		rc = -1;
	else
		rc = newfile_linked(link(tmp, path), path, err);
	e = errno;
	close(fd);
	unlink(tmp);
	errno = e;
	return rc;
}

/* Nameless, then linked: 0, 1 or -1 as newfile_put; -2 when this way is not available. */
static int
newfile_nameless(const char *tmpdir, const char *path, const void *data, size_t len,
    mode_t mode, int sync, char err[])
{
	char proc[64];
	int fd, rc, e;

	/* The mode applies to the name to come; the descriptor is open for writing. */
	if ((fd = open(tmpdir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode)) < 0) {
		if (errno != ENOENT)
			return -2;	/* no O_TMPFILE here (EISDIR, EOPNOTSUPP) */
		errf(err, "cannot create a file in %s: %s", tmpdir, strerror(ENOENT));
		errno = ENOENT;
		return -1;
	}
	if (newfile_write(fd, path, data, len, mode, sync, err) < 0) {
		close(fd);
		errno = EIO;
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rc = newfile_linked(linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW), path,
	    err);
	e = errno;
	close(fd);
	/* No /proc (a chroot): ENOENT for directories that are there. */
	if (rc < 0 && e == ENOENT && access("/proc/self/fd", F_OK) < 0)
		return -2;
	errno = e;
	return rc;
}

int
newfile_put(const char *tmpdir, const char *path, const void *data, size_t len,
    mode_t mode, int sync, char err[])
{
	int rc = newfile_nameless(tmpdir, path, data, len, mode, sync, err);

	if (rc == -2)
		rc = newfile_named(tmpdir, path, data, len, mode, sync, err);
	/* The link is durable once the directory that holds the name is. */
	if (rc == 0 && sync)
		return sync_dir_of(path, err);
	return rc;
}
