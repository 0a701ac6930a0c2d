#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "days.h"
#include "log.h"
#include "setup.h"
#include "util.h"

int
setup_config(const char *path, struct config *c)
{
	char *errs = NULL;

	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path == NULL) {
		config_defaults(c);
		return 0;
	}
	if (config_load(path, c, &errs) < 0) {
		fprintf(stderr, "%s\n", errs ? errs : "configuration failed");
		free(errs);
		return -1;
	}
	return 0;
}

int
setup_now(const char *text, const char *zone, time_t *now)
{
	if (text == NULL) {
		*now = time(NULL);
		return 0;
	}
	if (days_parse_iso(text, zone, now) < 0) {
		log_warnx("--now: \"%s\" is not an ISO 8601 moment (try "
		    "\"2027-01-04T09:00:00+01:00\")", text);
		return -1;
	}
	return 0;
}

/* mkdir -p for the directory that will hold `file`. */
static int
setup_parent_dir(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				log_warn("cannot create directory %s", dir);
				rc = -1;
				break;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(dir);
	return rc;
}

int
setup_store(const struct config *c, struct store *s)
{
	char err[ERR_MAX];

	if (setup_parent_dir(c->database) < 0)
		return -1;
	if (store_open(s, c->database, err) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}
