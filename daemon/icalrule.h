/*
 * Courses: a VEVENT with an RRULE is one session, whose meetings are counted after its
 * EXDATEs and cancelled instances (RECURRENCE-ID with STATUS:CANCELLED). libical is never
 * handed a rule without a bound: rules are checked before they are expanded, and what they
 * cost comes out of the parse's budget (icalctx.h).
 */
#ifndef NOSHOWD_ICALRULE_H
#define NOSHOWD_ICALRULE_H

struct feed_session;
struct icalctx;
struct icaltz_when;
struct vevent;

/*
 * Make session s, read from VEVENT v and starting at start, a course when v has an RRULE:
 * s->recurrence is the rule, s->meetings its meetings up to 1000 (0 when the rule has no end
 * or cannot be counted safely, with a warning), s->end the end of the last meeting counted.
 * Warns too about what is not counted: RDATEs, RRULEs after the first.
 */
void icalrule_course(struct icalctx *c, const struct vevent *v, const struct icaltz_when *start,
    struct feed_session *s);

/* How many entries a BY* list of a rule (r.by_month, ...) holds, of at most size. */
int icalrule_by_count(const short *a, int size);

#endif
