/*
 * The floor of noshowd's ingest benchmark: the least work any program must do to take the
 * bookings of an iCalendar feed into SQLite. Parse the whole file with libical, walk every
 * VEVENT and ATTENDEE, and upsert (session UID, lower-cased mailto: address, CN) into a fresh
 * table with one prepared statement in one transaction (WAL, synchronous=NORMAL, as
 * noshowd's store). No policy, no events, no customers: what noshowd does beyond this is what
 * the ratios in tests/bench/run.sh measure.
 *
 *     floor FEED.ics DATABASE     prints "bookings N sessions M" on stdout
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>
#include <sqlite3.h>

static void
die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		exit(1);
	}
	if ((buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(1);
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

int
main(int argc, char **argv)
{
	icalcomponent *root, *cal, *ev;
	sqlite3 *db = NULL;
	sqlite3_stmt *up;
	char *data, email[512];
	long bookings = 0, sessions = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: floor FEED.ics DATABASE\n");
		return 2;
	}
	data = slurp(argv[1]);
	if ((root = icalparser_parse_string(data)) == NULL)
		die("icalparser_parse_string", NULL);
	cal = root;
	if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT)
		cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
	if (cal == NULL)
		die("no VCALENDAR", NULL);

	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		die(argv[2], db);
	exec(db, "PRAGMA journal_mode = WAL");
	exec(db, "PRAGMA synchronous = NORMAL");
	exec(db, "CREATE TABLE IF NOT EXISTS bookings (session_id TEXT NOT NULL, "
	    "email TEXT NOT NULL, name TEXT, UNIQUE (session_id, email))");
	if (sqlite3_prepare_v2(db, "INSERT INTO bookings (session_id, email, name) "
	    "VALUES (?, ?, ?) ON CONFLICT (session_id, email) DO UPDATE SET "
	    "name = excluded.name", -1, &up, NULL) != SQLITE_OK)
		die("prepare", db);
	exec(db, "BEGIN IMMEDIATE");
	for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		const char *uid = icalcomponent_get_uid(ev);
		icalproperty *p;

		if (uid == NULL)
			continue;
		sessions++;
		for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
			const char *v = icalproperty_get_attendee(p), *name = NULL;
			icalparameter *cn;
			size_t i;

			if (v == NULL || strncasecmp(v, "mailto:", 7) != 0)
				continue;
			v += 7;
			for (i = 0; v[i] != '\0' && i < sizeof(email) - 1; i++)
				email[i] = (char)tolower((unsigned char)v[i]);
			email[i] = '\0';
			if ((cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)) != NULL)
				name = icalparameter_get_cn(cn);
			sqlite3_bind_text(up, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(up, 2, email, -1, SQLITE_STATIC);
			if (name != NULL)
				sqlite3_bind_text(up, 3, name, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(up, 3);
			if (sqlite3_step(up) != SQLITE_DONE)
				die("upsert", db);
			sqlite3_reset(up);
			bookings++;
		}
	}
	exec(db, "COMMIT");
	sqlite3_finalize(up);
	if (sqlite3_close(db) != SQLITE_OK)
		die("close", db);
	icalcomponent_free(root);
	free(data);
	printf("bookings %ld sessions %ld\n", bookings, sessions);
	return 0;
}
