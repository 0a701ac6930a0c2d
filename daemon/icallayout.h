/*
 * The two layouts of an iCalendar feed (SPEC section 4): the events of a parse (struct
 * icalctx, read by ical.c) become the sessions and bookings of its feed.
 */
#ifndef NOSHOWD_ICALLAYOUT_H
#define NOSHOWD_ICALLAYOUT_H

struct icalctx;

/*
 * Each VEVENT is a session and each ATTENDEE a booking. A master VEVENT is a session; its
 * instances (RECURRENCE-ID) add their attendees to it; an instance whose master is not in
 * the feed stands for the series, the first one making the session.
 */
void icallayout_attendees(struct icalctx *c);

/*
 * Each VEVENT is one person's booking; sessions group by X-NOSHOWD-SESSION, else by SUMMARY
 * and DTSTART (an id like "yoga-basics-20250310T1900" in the default zone).
 */
void icallayout_event_per_booking(struct icalctx *c);

#endif
