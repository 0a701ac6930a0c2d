#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "days.h"
#include "log.h"
#include "setup.h"
#include "sign.h"
#include "template.h"
#include "util.h"

/*
 * What the configuration file alone cannot show: that messages can be sent (a sender
 * address) and that every template exists and parses in both languages. A broken template
 * found here stops start-up and reload, instead of a booking at 3 a.m.
 */
static int
setup_check_mail(const struct config *c, struct buf *out)
{
	static const char *const langs[] = { "nl", "en", NULL };
	char *errs = NULL;
	int rc = 0;

	if (c->mail.from == NULL && (c->nsources > 0 || c->nsessions > 0)) {
		buf_printf(out, "%s: trainer.email: no sender address: set trainer.email (or "
		    "mail.from) so that confirmations can be sent\n", c->path);
		rc = -1;
	}
	if (c->mail.url != NULL && strchr(c->mail.url, '@') != NULL) {
		buf_printf(out, "%s: mail.url: put no user name or password in the URL; set "
		    "mail.username and mail.password_file\n", c->path);
		rc = -1;
	}
	if (template_check(c->mail.templates, langs, compose_kinds, &errs) < 0) {
		buf_printf(out, "%s%s(templates are read from mail.templates = \"%s\")\n",
		    errs ? errs : "", errs && *errs && errs[strlen(errs) - 1] != '\n' ? "\n" : "",
		    c->mail.templates);
		rc = -1;
	}
	free(errs);
	return rc;
}

int
setup_load(const char *path, struct config *c, char **errs)
{
	struct buf b;

	*errs = NULL;
	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path == NULL) {
		config_defaults(c);
	} else if (config_load(path, c, errs) < 0) {
		return -1;
	}
	buf_init(&b);
	if (setup_check_mail(c, &b) < 0) {
		while (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		*errs = buf_detach(&b);
		config_release(c);
		return -1;
	}
	buf_release(&b);
	return 0;
}

int
setup_config(const char *path, struct config *c)
{
	char *errs = NULL;

	if (setup_load(path, c, &errs) < 0) {
		log_text(3, errs ? errs : "configuration failed");
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

int
setup_signing_key(const struct config *c)
{
	char err[ERR_MAX], fp[65];
	int fresh = access(c->evidence.signing_key, F_OK) < 0;
	struct sign_key *k = sign_key_load(c->evidence.signing_key, 1, err);

	if (k == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (fresh) {
		sign_key_fingerprint(k, fp);
		log_info("created the evidence signing key %s; its public key is next to it "
		    "(.pub), fingerprint %s: publish that fingerprint so that anyone can check "
		    "a bundle was signed by it", c->evidence.signing_key, fp);
	}
	sign_key_free(k);
	return 0;
}
