/*
 * format.c: dates, times, durations and percentages for people, in the message's language
 * (the values of template placeholders such as session_date and vat_rate).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "days.h"
#include "format.h"

static int
lang_en(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0;
}

static void
local_tm(time_t t, const char *zone, struct tm *tm)
{
	if (zone == NULL || days_utc_to_local(t, zone, tm) < 0)
		gmtime_r(&t, tm);
}

void
format_date(time_t t, const char *zone, const char *lang, char out[64])
{
	static const char *const nl[12] = {
		"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
		"september", "oktober", "november", "december",
	};
	static const char *const en[12] = {
		"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December",
	};
	struct tm tm;

	local_tm(t, zone, &tm);
	snprintf(out, 64, "%d %s %d", tm.tm_mday, (lang_en(lang) ? en : nl)[tm.tm_mon],
	    tm.tm_year + 1900);
}

void
format_time(time_t t, const char *zone, char out[16])
{
	struct tm tm;

	local_tm(t, zone, &tm);
	snprintf(out, 16, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

void
format_duration(int64_t secs, const char *lang, char out[64])
{
	static const struct {
		int64_t unit;
		const char *nl1, *nl, *en1, *en;
	} units[] = {
		{ 86400, "dag", "dagen", "day", "days" },
		{ 3600, "uur", "uur", "hour", "hours" },
		{ 60, "minuut", "minuten", "minute", "minutes" },
		{ 1, "seconde", "seconden", "second", "seconds" },
	};
	int en = lang_en(lang);
	size_t i = 0;

	if (secs < 0)
		secs = -secs;
	if (secs == 0) {
		snprintf(out, 64, "0 %s", en ? "minutes" : "minuten");
		return;
	}
	while (secs % units[i].unit != 0)
		i++;
	secs /= units[i].unit;
	snprintf(out, 64, "%lld %s", (long long)secs, secs == 1 ?
	    (en ? units[i].en1 : units[i].nl1) : (en ? units[i].en : units[i].nl));
}

void
format_percent(int bp, const char *lang, char out[16])
{
	unsigned a = bp < 0 ? (unsigned)-(bp + 1) + 1 : (unsigned)bp;
	const char *sign = bp < 0 ? "-" : "";

	if (a % 100 == 0)
		snprintf(out, 16, "%s%u%%", sign, a / 100);
	else if (a % 10 == 0)
		snprintf(out, 16, "%s%u%c%u%%", sign, a / 100, lang_en(lang) ? '.' : ',',
		    a % 100 / 10);
	else
		snprintf(out, 16, "%s%u%c%02u%%", sign, a / 100, lang_en(lang) ? '.' : ',',
		    a % 100);
}
