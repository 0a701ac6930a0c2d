/*
 * The configuration: the input as a noshowd.conf in a private temporary directory, read
 * with config_load (libconfig, then every key's check in config.c and confval.c). Checks
 * that a failure says why and leaves no configuration, and that a loaded one has what
 * config.h promises (named sources with URLs, a dunning ladder of named templates).
 */
#include <unistd.h>

#include "fuzz.h"

#include "config.h"

static char dir[] = "/tmp/noshow-fuzz-config.XXXXXX";
static char path[sizeof(dir) + 32];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char *errs = NULL;

	if (path[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/noshowd.conf", dir);
		atexit(cleanup);
	}
	fuzz_write_file(path, data, size);

	memset(&c, 0, sizeof(c));
	if (config_load(path, &c, &errs) == 0) {
		FUZZ_ASSERT(errs == NULL);
		FUZZ_ASSERT(c.timezone != NULL && c.database != NULL && c.language != NULL);
		for (size_t i = 0; i < c.nsources; i++) {
			FUZZ_ASSERT(c.sources[i].name != NULL && c.sources[i].url != NULL);
			FUZZ_ASSERT(config_source_find(&c, c.sources[i].name) != NULL);
		}
		for (size_t i = 0; i < c.policy.ndunning; i++) {
			const char *t = c.policy.dunning[i].template;

			/* A template name becomes a file name under the templates directory. */
			FUZZ_ASSERT(t != NULL && strchr(t, '/') == NULL && t[0] != '.');
		}
		FUZZ_ASSERT(fuzz_no_controls(c.trainer.name, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(c.trainer.email, 0, 0));
		config_release(&c);
	} else
		FUZZ_ASSERT(errs != NULL && *errs != '\0');
	free(errs);
	return 0;
}
