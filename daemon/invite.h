/*
 * iCalendar invitations (RFC 5546 iTIP) built with libical: METHOD:REQUEST with the
 * confirmation, METHOD:CANCEL when the seat is gone. The UID is stable per booking and the
 * SEQUENCE grows with every update, so calendar programs (Google, Outlook, Apple) replace
 * the earlier invitation instead of adding a second event.
 */
#ifndef NOSHOWD_INVITE_H
#define NOSHOWD_INVITE_H

#include <time.h>

struct invite {
	const char *method;		/* "REQUEST" or "CANCEL" */
	const char *uid;		/* e.g. "NS-7KQ2-4D@noshowd.example.nl" */
	int sequence;
	time_t stamp;			/* DTSTAMP: when the invitation was made */
	time_t start, end;		/* UTC */
	const char *zone;		/* IANA zone for DTSTART/DTEND with a VTIMEZONE */
	const char *summary, *location, *description, *url;
	const char *organizer_name, *organizer_email;
	const char *attendee_name, *attendee_email;
};

/*
 * The whole VCALENDAR as text with CRLF line ends and lines folded at 75 octets between
 * UTF-8 characters; the caller frees it. Text is cleaned of control characters (the
 * description keeps its line breaks), in a name a double quote becomes an apostrophe and
 * a backslash a slash, and empty SUMMARY, LOCATION, DESCRIPTION and URL are left out.
 * NULL if the method is not REQUEST or CANCEL (NULL means REQUEST), an e-mail address is
 * not a plain ASCII address, the zone is unknown (NULL or "UTC" means UTC times without a
 * VTIMEZONE), the uid is empty or end is before start.
 */
char *invite_build(const struct invite *iv);

#endif
