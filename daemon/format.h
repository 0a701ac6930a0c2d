/*
 * Dates, times, durations and percentages for people, in the message's language: "en" is
 * English, anything else (NULL too) is Dutch. These fill the template placeholders
 * (template.c); money has its own, money_format.
 */
#ifndef NOSHOWD_FORMAT_H
#define NOSHOWD_FORMAT_H

#include <stdint.h>
#include <time.h>

/*
 * The calendar day of t in zone: "8 december 2026" / "8 December 2026" (no leading zero,
 * month name in the language). zone NULL or unknown shows the UTC day.
 */
void format_date(time_t t, const char *zone, const char *lang, char out[64]);

/* The time of day of t in zone, "09:30" (24 hours in both languages); UTC as format_date. */
void format_time(time_t t, const char *zone, char out[16]);

/*
 * A length of time in the largest unit (day, hour, minute, second) that divides it exactly:
 * 7 * 86400 -> "7 dagen" / "7 days", 86400 -> "1 dag" / "1 day", 36 * 3600 -> "36 uur" /
 * "36 hours", 90 -> "90 seconden" / "90 seconds". The sign is dropped; 0 is "0 minuten" /
 * "0 minutes".
 */
void format_duration(int64_t secs, const char *lang, char out[64]);

/*
 * A percentage from basis points (hundredths of a percent), without trailing zeros and
 * with the language's decimal mark: 5000 -> "50%", 1250 -> "12,5%" / "12.5%", 1015 ->
 * "10,15%" / "10.15%", 5 -> "0,05%" / "0.05%"; a negative value gets a leading "-".
 */
void format_percent(int bp, const char *lang, char out[16]);

#endif
