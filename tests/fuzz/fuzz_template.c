/*
 * Templates: the input up to its first 0xff byte (never in UTF-8) is a template file
 * DIR/nl/fuzz.txt, and what follows is the value of the placeholders that carry a
 * customer's or a feed's text; rendered with template_render_file and checked with
 * template_check. Checks what template.h promises: the subject is one line without control
 * characters (it goes into a mail header), a body that is not empty ends with exactly one
 * line end, and a failure says why.
 */
#include <sys/stat.h>

#include <unistd.h>

#include "fuzz.h"

#include "template.h"
#include "util.h"

static char dir[] = "/tmp/noshow-fuzz-template.XXXXXX";
static char langdir[sizeof(dir) + 8], path[sizeof(dir) + 32];

static void
cleanup(void)
{
	unlink(path);
	rmdir(langdir);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "fuzz", NULL };
	static const char *const langs[] = { "nl", NULL };
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t tlen = sep != NULL ? (size_t)(sep - data) : size;
	struct tmpl_vars v;
	char *value, *subject = NULL, *body = NULL, *errs = NULL;
	char err[ERR_MAX], sha[65];
	size_t n;

	if (path[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(langdir, sizeof(langdir), "%s/nl", dir);
		snprintf(path, sizeof(path), "%s/fuzz.txt", langdir);
		if (mkdir(langdir, 0700) != 0)
			abort();
		atexit(cleanup);
	}
	fuzz_write_file(path, data, tlen);

	value = sep != NULL ? fuzz_strdup(sep + 1, size - tlen - 1) : fuzz_strdup(NULL, 0);
	tmpl_vars_init(&v);
	tmpl_set(&v, "customer_name", value);
	tmpl_set(&v, "session_title", value);
	tmpl_set(&v, "ref", value);
	tmpl_set(&v, "company", value);
	tmpl_set(&v, "trainer_name", "Trainer\r\nBcc: x@example.org");
	tmpl_set(&v, "price", "295,00");
	free(value);

	if (template_render_file(dir, "nl", "fuzz", &v, &subject, &body, sha, err) == 0) {
		FUZZ_ASSERT(subject != NULL && body != NULL);
		FUZZ_ASSERT(fuzz_no_controls(subject, 0, 0));
		n = strlen(body);
		FUZZ_ASSERT(n == 0 || (body[n - 1] == '\n' && (n == 1 || body[n - 2] != '\n')));
		FUZZ_ASSERT(strlen(sha) == 64);
		FUZZ_ASSERT(template_check(dir, langs, names, &errs) == 0 && errs == NULL);
	} else {
		FUZZ_ASSERT(err[0] != '\0');
		/* A value that is not UTF-8 fails the rendering, not the template. */
		if (utf8_valid(tmpl_get(&v, "ref"), strlen(tmpl_get(&v, "ref")), &n))
			FUZZ_ASSERT(template_check(dir, langs, names, &errs) == -1 &&
			    errs != NULL);
	}
	free(subject);
	free(body);
	free(errs);
	tmpl_vars_release(&v);
	return 0;
}
