#!/usr/bin/env python3
"""Write the benchmark iCalendar feeds for noshowd (python3 standard library only).

    genfeed.py --out BASE.ics [--changed CHANGED.ics] [--sessions 2000] [--attendees 50]
               [--extra 10] [--seed 20261101]

BASE is an "attendees" layout feed: SESSIONS VEVENTs of ATTENDEES bookings each, timed in
Europe/Amsterdam with a VTIMEZONE (so DST switches are crossed: the sessions run from
2026-11-02 for about 500 days), X-NOSHOWD-CAPACITY:60 (nobody is waitlisted) and
X-NOSHOWD-PRICE:295.00, names with accents in CN, a few mixed-case addresses and LANGUAGE
parameters, CRLF line ends and lines folded at 75 octets (RFC 5545 3.1) without splitting a
UTF-8 sequence. CHANGED is the same feed with EXTRA more attendees, one each in EXTRA
sessions spread over the feed: the "changed poll" of the benchmark.

The output depends only on the arguments: the same seed gives the same bytes.
"""

import argparse
import datetime
import random
import sys
import unicodedata

FIRST = ["Zoë", "José", "Renée", "Çağla", "Søren", "Łukasz", "François", "Anaïs", "Jürgen",
         "Ólafur", "Bjørn", "Noël", "Chloé", "Mikuláš", "Ingrid", "Åsa", "Dağhan", "Inês",
         "Thérèse", "Pieter", "Fenna", "Sanne", "Jeroen", "Daan", "Eva", "Mohammed",
         "Fatima", "Ümit", "Zsófia", "Björn", "Małgorzata", "Nguyễn", "Aoife", "Siân"]
LAST = ["van der Bêrg", "Müller", "Gonçalves", "Štěpánek", "Ødegård", "Núñez", "de Vries",
        "Dvořák", "Kowalczyk", "Ó Briain", "Janssen-Höfler", "van Dijk", "El Amrani",
        "Şahin", "Lefèvre", "Björklund", "Nowakowská", "Bakker", "Visser", "Smit",
        "Meijer-Çelik", "de Groot", "Mulder", "Wójcik", "Van Ommeren-Ñández", "Đặng",
        "Kovačević", "Ferreira da Conceição", "Østergård", "Sørensen"]
DOMAINS = ["example.nl", "voorbeeld.nl", "mail.example.com", "bedrijf-bv.nl", "example.be"]
TOPICS = ["Timemanagement voor zzp’ers", "Effectief feedback geven", "Presenteren met impact",
          "Conflicthantering op de werkvloer", "Coachend leidinggeven", "Agile in de praktijk",
          "Schrijven voor het web", "Omgaan met stress en werkdruk", "Onderhandelen: de basis",
          "Leiderschap & zelfreflectie", "Projectmatig werken — verdieping",
          "Financiën voor niet-financials"]
PLACES = ["Utrecht, Oudegracht 123", "Amsterdam, Keizersgracht 4", "Zwolle, Grote Markt 1",
          "Online (Zoom)", "Den Haag, Spui 70", "Groningen, Vismarkt 12"]
SLOTS = [(9, 0), (11, 0), (13, 30), (15, 30)]

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
X-LIC-LOCATION:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""".split("\n")


def fold(line):
    """RFC 5545 folding: at most 75 octets a line, continuation lines start with a space,
    and a multi-octet UTF-8 sequence is never split."""
    raw = line.encode("utf-8")
    out = []
    limit = 75
    while len(raw) > limit:
        cut = limit
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(raw[:cut])
        raw = raw[cut:]
        limit = 74		# plus the leading space
    out.append(raw)
    return b"\r\n ".join(out) + b"\r\n"


def text(value):
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ascii_part(s):
    s = unicodedata.normalize("NFKD", s.replace("ø", "o").replace("Ø", "O")
                              .replace("ł", "l").replace("Ł", "L").replace("đ", "d")
                              .replace("Đ", "D"))
    s = "".join(c for c in s if c.isascii() and (c.isalnum() or c in " -"))
    return s.lower().replace(" ", "").replace("-", "")


class People:
    """A pool of customers: some book many sessions, as in real life."""

    def __init__(self, rng, size):
        self.rng = rng
        self.pool = [self.make(i) for i in range(size)]

    def make(self, i):
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = "%s.%s.%05d@%s" % (ascii_part(first), ascii_part(last), i,
                                   self.rng.choice(DOMAINS))
        if self.rng.random() < 0.1:	# some feeds keep the case people typed
            email = email.capitalize().replace("@example", "@Example")
        lang = None
        r = self.rng.random()
        if r < 0.2:
            lang = "en"
        elif r < 0.3:
            lang = "nl"
        return (first + " " + last, email, lang)


def attendee(person):
    name, email, lang = person
    params = 'CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN="%s"' % name
    if lang:
        params += ";LANGUAGE=" + lang
    return "ATTENDEE;%s:mailto:%s" % (params, email)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--changed")
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--attendees", type=int, default=50)
    ap.add_argument("--extra", type=int, default=10)
    ap.add_argument("--capacity", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261101)
    ap.add_argument("--start", default="2026-11-02",
                    help="the first session's day (YYYY-MM-DD)")
    a = ap.parse_args()
    if a.extra > a.sessions or a.attendees + 1 > a.capacity and a.extra:
        sys.exit("genfeed: --extra needs as many sessions and a free seat in each")

    rng = random.Random(a.seed)
    people = People(rng, max(a.attendees * 4, a.sessions * a.attendees // 5))
    day0 = datetime.date.fromisoformat(a.start)
    sessions = []
    for i in range(a.sessions):
        day = day0 + datetime.timedelta(days=i // len(SLOTS))
        h, m = SLOTS[i % len(SLOTS)]
        start = datetime.datetime(day.year, day.month, day.day, h, m)
        end = start + datetime.timedelta(hours=2)
        topic = rng.choice(TOPICS)
        booked = rng.sample(people.pool, a.attendees)
        sessions.append({
            "uid": "bench-%05d-%08x@noshowd.example" % (i, rng.getrandbits(32)),
            "summary": "%s (groep %d)" % (topic, i % 7 + 1),
            "location": rng.choice(PLACES),
            "description": ("Praktische training „%s”. Neem je laptop mee; koffie, thee en "
                            "lunch zijn inbegrepen.\nVragen? Bel of mail de trainer. "
                            "Sessie %d van %d." % (topic, i + 1, a.sessions)),
            "start": start, "end": end,
            "attendees": [attendee(p) for p in booked],
            "emails": {p[1].lower() for p in booked},
        })
    # The extra bookings of the changed poll: new people, in sessions spread over the feed.
    extra = {}
    for k in range(a.extra):
        i = k * a.sessions // a.extra + a.sessions // (2 * a.extra)
        p = people.make(len(people.pool) + k)
        assert p[1].lower() not in sessions[i]["emails"]
        extra[i] = attendee(p)

    def write(path, with_extra):
        with open(path, "wb") as f:
            head = ["BEGIN:VCALENDAR", "VERSION:2.0",
                    "PRODID:-//noshowd//bench genfeed//NL", "CALSCALE:GREGORIAN",
                    "METHOD:PUBLISH", "X-WR-CALNAME:Trainingen (benchmark)",
                    "X-WR-TIMEZONE:Europe/Amsterdam"] + VTIMEZONE
            f.write(b"".join(fold(l) for l in head))
            for i, s in enumerate(sessions):
                lines = ["BEGIN:VEVENT", "UID:" + s["uid"], "DTSTAMP:20261015T080000Z",
                         "DTSTART;TZID=Europe/Amsterdam:" + s["start"].strftime("%Y%m%dT%H%M%S"),
                         "DTEND;TZID=Europe/Amsterdam:" + s["end"].strftime("%Y%m%dT%H%M%S"),
                         "SUMMARY:" + text(s["summary"]), "LOCATION:" + text(s["location"]),
                         "DESCRIPTION:" + text(s["description"]), "STATUS:CONFIRMED",
                         "ORGANIZER;CN=\"Trainingen Dé Vries\":mailto:info@example.nl",
                         "X-NOSHOWD-CAPACITY:%d" % a.capacity, "X-NOSHOWD-PRICE:295.00"]
                lines += s["attendees"]
                if with_extra and i in extra:
                    lines.append(extra[i])
                lines.append("END:VEVENT")
                f.write(b"".join(fold(l) for l in lines))
            f.write(fold("END:VCALENDAR"))

    write(a.out, False)
    if a.changed:
        write(a.changed, True)


if __name__ == "__main__":
    main()
