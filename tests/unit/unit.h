/* Shared by the Check unit tests: each tests/unit/check_X.c is its own binary. */
#ifndef NOSHOWD_UNIT_H
#define NOSHOWD_UNIT_H

#include <check.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Path of ../shared/corpus relative to the repository (tests run from the top). */
#define CORPUS_DIR "../shared/corpus"

#define UNIT_MAIN(suite_fn)						\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
		srunner_run_all(sr, CK_NORMAL);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;	\
	}

static inline double
unit_now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A fresh directory $TMPDIR/name.XXXXXX in buf, or the test binary exits. */
static inline void
unit_mkdtemp(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s.XXXXXX", getenv("TMPDIR") != NULL ? getenv("TMPDIR") :
	    "/tmp", name);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

static inline int
unit_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove a test's directory, unless TEST_KEEP is set (to look at it after a failure). */
static inline void
unit_rm_tree(const char *dir)
{
	if (dir[0] != '\0' && getenv("TEST_KEEP") == NULL)
		nftw(dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Start one of the test servers (argv: "python3", "tests/X.py", its options, NULL; run by
 * Debian's /usr/bin/python3), which writes the port it listens on to port_path. Returns
 * its pid once it listens, with *port set; -1 (said on stderr) if it exited or did not
 * listen within 10 s.
 */
static inline pid_t
unit_spawn_server(const char *const argv[], const char *port_path, int *port)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execv("/usr/bin/python3", (char *const *)argv);
		perror("exec /usr/bin/python3");
		_exit(127);
	}
	*port = 0;
	for (int i = 0; i < 200; i++) {
		char buf[32];
		FILE *f;
		int status;

		if ((f = fopen(port_path, "r")) != NULL) {
			if (fgets(buf, sizeof buf, f) != NULL)
				*port = atoi(buf);
			fclose(f);
			if (*port > 0)
				return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "%s exited before listening (run the tests from the top of "
			    "the repository)\n", argv[1]);
			return -1;
		}
		usleep(50 * 1000);
	}
	fprintf(stderr, "%s did not write its port within 10 s\n", argv[1]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Stop a server started by unit_spawn_server (pid <= 0: none). */
static inline void
unit_stop_server(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = -1;
	}
}

#endif
