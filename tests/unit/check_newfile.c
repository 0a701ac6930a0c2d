/*
 * newfile.c: a file appears whole under its name or not at all, is never replaced, and the
 * temporary directory keeps nothing; both ways, nameless (O_TMPFILE) and named (no /proc).
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>

#include "newfile.h"
#include "util.h"
#include "unit.h"

static const char text[] = "From: a@example.nl\r\n\r\nbody\r\n";

/* Entries of dir other than . and .. */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/*
 * One put, one put again over it, one into a directory that is not there; under a umask
 * that would leave no bit of the mode: the mode is the one asked for.
 */
static void
put_and_check(const char *top, int sync)
{
	char tmp[512], dst[512], path[600], missing[600], err[ERR_MAX], *got;
	struct stat st;
	size_t len;

	snprintf(tmp, sizeof(tmp), "%s/tmp", top);
	snprintf(dst, sizeof(dst), "%s/new", top);
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	umask(0777);
	snprintf(path, sizeof(path), "%s/one.eml", dst);
	ck_assert_int_eq(newfile_put(tmp, path, text, strlen(text), 0400, sync, err), 0);
	got = read_file(path, 1 << 20, &len, err);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_mem_eq(got, text, len);
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0400);
	ck_assert_int_eq(entries(tmp), 0);
	/* Never replaced: 1, and the first bytes stay. */
	ck_assert_int_eq(newfile_put(tmp, path, "other", 5, 0400, sync, err), 1);
	got = read_file(path, 1 << 20, &len, err);
	ck_assert_uint_eq(len, strlen(text));
	free(got);
	ck_assert_int_eq(entries(tmp), 0);
	ck_assert_int_eq(entries(dst), 1);
	/* A missing directory is ENOENT, named in err, so that the caller can make it. */
	snprintf(missing, sizeof(missing), "%s/gone", top);
	snprintf(path, sizeof(path), "%s/gone/x.eml", top);
	errno = 0;
	ck_assert_int_eq(newfile_put(missing, path, text, 4, 0600, sync, err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "gone"));
	errno = 0;
	snprintf(path, sizeof(path), "%s/gone/x.eml", top);
	ck_assert_int_eq(newfile_put(tmp, path, text, 4, 0600, sync, err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(entries(tmp), 0);
}

START_TEST(nameless)
{
	char top[256];

	unit_mkdtemp(top, sizeof(top), "newfile");
	put_and_check(top, _i);
	unit_rm_tree(top);
}
END_TEST

/*
 * Without /proc the nameless file cannot be linked: the named way takes over. /proc is
 * hidden under a tmpfs in a mount namespace of this test's own process (Check forks one
 * per test), in a user namespace, so no privilege is needed.
 */
static void
write_proc(const char *path, const char *fmt, unsigned id)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fprintf(f, fmt, id, id);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(named_without_proc)
{
	char top[256];
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();

	unit_mkdtemp(top, sizeof(top), "newfile");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		ck_abort_msg("unshare: %s (the test needs user namespaces)", strerror(errno));
	/* The same ids inside, or files could not be made. */
	write_proc("/proc/self/setgroups", "deny%.0u%.0u", 0);
	write_proc("/proc/self/uid_map", "%u %u 1\n", uid);
	write_proc("/proc/self/gid_map", "%u %u 1\n", gid);
	ck_assert_int_eq(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mount("none", "/proc", "tmpfs", 0, NULL), 0);
	ck_assert_int_ne(access("/proc/self/fd", F_OK), 0);
	put_and_check(top, _i);
	/* LeakSanitizer reads /proc at exit (make check SANITIZE=...). */
	ck_assert_int_eq(umount("/proc"), 0);
	ck_assert_int_eq(access("/proc/self/fd", F_OK), 0);
	unit_rm_tree(top);
}
END_TEST

static Suite *
newfile_suite(void)
{
	Suite *s = suite_create("newfile");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, nameless, 0, 2);
	tcase_add_loop_test(tc, named_without_proc, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(newfile_suite)
