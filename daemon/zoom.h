/*
 * Online-meeting participant reports -> who was there and for how long (SPEC section 4,
 * attendance-csv; section 3 rule 7 turns them into attendance data). A pure parser: bytes
 * in, people out; matching them to a session and its bookings is the caller's work.
 *
 * The report is Zoom's participant CSV, as Zoom writes it:
 *   - optionally the meeting summary first: a header "Meeting ID,Topic,Start Time,End
 *     Time,User Email,Duration (Minutes),Participants", one row, and a row of empty fields;
 *   - the participant table: a header with "Join Time" and "Leave Time", the name in "Name
 *     (Original Name)" (older exports: "Name") and the address in "User Email" (or
 *     "Email"); other columns ("Duration (Minutes)", "Guest", "Recording Consent", "In
 *     Waiting Room", ...) are ignored. Columns are found by name, ignoring case.
 *   - one row per join: whoever left and came back has a row per visit.
 * Times are wall-clock times in the zone of the Zoom account, without an offset: US
 * "11/19/2021 10:00:00 AM" (month first, 12-hour; 12:xx AM is just after midnight),
 * "11/19/2021 14:05:00" (24-hour; seconds may be missing, as after a round trip through a
 * spreadsheet), or "2021-11-19 10:00:00" as newer exports and other tools write them.
 * A row spent in the waiting room counts as presence: someone waiting to be let in came.
 *
 * All or nothing: an unreadable time, a leave before its join or a report without any
 * participant fails the whole file, since a partial report would make no-shows of the
 * people on the missing rows.
 */
#ifndef NOSHOWD_ZOOM_H
#define NOSHOWD_ZOOM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * One person: the rows with the same email (ignoring case), or, for rows without an
 * email, the same name (ignoring ASCII case). At least one of email and name is set.
 */
struct zoom_attendee {
	char *email;		/* lower case, trimmed; NULL when the rows have none */
	char *name;		/* from the first row that has one, blanks and controls made
				   one space; NULL when no row has one */
	time_t join, leave;	/* UTC: the earliest join and the latest leave of the rows */
	int64_t seconds;	/* time present: the union of the rows' [join, leave), so that
				   visits add up and overlapping rows count once */
	int rows;		/* rows merged into this person */
	int line;		/* line of the person's first row (1-based) */
};

struct zoom_report {
	struct zoom_attendee *people;	/* in the order of their first row; npeople > 0 */
	size_t npeople;
	int skipped;			/* rows with neither email nor name (the caller warns) */
	time_t meeting_start, meeting_end;	/* UTC, from the summary; 0 without one */
	char *topic;			/* the summary's Topic, or NULL */
};

/*
 * Parse the report data[0..len) whose times are wall-clock times in `zone` (an IANA name);
 * name is the file's name for messages. Returns 0 with out filled, or -1 with out empty
 * and err ("NAME:LINE: COLUMN: problem (what to do)"): not UTF-8 or empty, no participant
 * table, a table without a name or email column or without rows, a Join Time, Leave Time,
 * Start Time or End Time that is not a time, a leave before its join. out needs no
 * initialisation.
 */
int zoom_parse(const char *data, size_t len, const char *zone, const char *name,
    struct zoom_report *out, char err[]);
void zoom_report_release(struct zoom_report *r);

#endif
