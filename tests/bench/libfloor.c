/*
 * make bench, the floor under the idle RSS: a process linked against the libraries noshowd
 * links (the Makefile's LIBS, as noshowd), that does nothing of its own.
 *
 *     libfloor load    loads them and returns: the dynamic loader's share
 *     libfloor use     first uses each once, as any cycle of noshowd does: curl's global
 *                      setup and a handle, one Europe/Amsterdam conversion by libical, one
 *                      SHA-256 by libcrypto, an SQLite database in memory, a libconfig
 *                      parse, libopendkim's set-up, a resolver state
 *
 * Prints its own VmRSS, RssAnon and RssFile (KiB) from /proc/self/status as one JSON
 * line. tests/bench/idle.py runs it and times its start (a worker started per turn would
 * pay that start every turn).
 */
#include <curl/curl.h>
#include <libconfig.h>
#include <libical/ical.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <openssl/evp.h>
#include <opendkim/dkim.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long
status_kib(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static int
use_them(void)
{
	icaltimezone *ams = icaltimezone_get_builtin_timezone("Europe/Amsterdam");
	struct icaltimetype t = icaltime_from_string("20261207T100000");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	sqlite3 *db = NULL;
	config_t cf;
	DKIM_LIB *dkim;
	struct __res_state res;
	volatile double half = 0.5;
	ns_msg msg;
	CURL *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (h = curl_easy_init()) == NULL)
		return -1;
	curl_easy_cleanup(h);
	if (ams == NULL)
		return -1;
	icaltimezone_convert_time(&t, ams, icaltimezone_get_utc_timezone());
	if (EVP_Digest("floor", 5, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_close(db);
	config_init(&cf);
	if (config_read_string(&cf, "a = 1;") != CONFIG_TRUE)
		return -1;
	config_destroy(&cf);
	if ((dkim = dkim_init(NULL, NULL)) == NULL)
		return -1;
	dkim_close(dkim);
	memset(&res, 0, sizeof(res));
	if (res_ninit(&res) != 0)
		return -1;
	res_nclose(&res);
	/* One call into each of libresolv and libm, which noshowd links too. */
	(void)ns_initparse((const unsigned char *)"", 0, &msg);
	return cbrt(half) > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "load") != 0 && strcmp(argv[1], "use") != 0)) {
		fprintf(stderr, "usage: libfloor load|use\n");
		return 2;
	}
	if (strcmp(argv[1], "use") == 0 && use_them() < 0) {
		fprintf(stderr, "libfloor: a library failed\n");
		return 1;
	}
	printf("{\"rss_kib\": %ld, \"rss_anon_kib\": %ld, \"rss_file_kib\": %ld}\n",
	    status_kib("VmRSS"), status_kib("RssAnon"), status_kib("RssFile"));
	return 0;
}
