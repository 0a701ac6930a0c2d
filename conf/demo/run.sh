#!/bin/sh
# make demo: noshowd on the demo configuration, through a scripted timeline. Each step puts a
# version of the booking page's feed in place, runs one cycle at a given moment (--now), and
# shows what noshowd decided. State lives in build/demo/ and is started afresh every run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
demo=$top/conf/demo
state=$top/build/demo
noshowd=$top/noshowd
noshowctl=$top/noshowctl

rm -rf "$state"
mkdir -p "$state"
sed "s|@STATE@|$state|g; s|@TOP@|$top|g" "$demo/noshowd.conf" > "$state/noshowd.conf"
conf=$state/noshowd.conf

step() {
	printf '\n==> %s\n    %s\n\n' "$1" "$2"
}

cycle() {	# cycle FEED-VERSION NOW
	cp "$demo/feed-$1.ics" "$state/feed.ics"
	"$noshowd" -c "$conf" --once --now "$2"
}

ctl() {
	"$noshowctl" -c "$conf" "$@"
}

step "0. Check the configuration" "noshowd -t"
"$noshowd" -c "$conf" -t

step "1. Monday 23 November, 10:00: the booking page lists three sessions" \
    "Three people book the assertiveness training (3 seats, EUR 295); the free evening confirms at once."
cycle 1 2026-11-23T10:00:00+01:00
ctl --now 2026-11-23T10:00:00+01:00 sessions

step "2. Tuesday 24 November: two more register for the full training" \
    "They are put on the waiting list, in the order noshowd first saw them."
cycle 2 2026-11-24T10:00:00+01:00
ctl --now 2026-11-24T10:00:00+01:00 bookings assert

step "3. Tuesday, 11:00: a phone registration for time management, entered by hand" \
    "noshowctl book applies the same rules as the daemon."
ctl --now 2026-11-24T11:00:00+01:00 book time-2026 gerda@example.nl --name "Gerda Vos"

step "4. Wednesday 25 November: Hilda declines in her calendar" \
    "Her booking is cancelled and the first on the waiting list (Karin) gets the seat."
cycle 3 2026-11-25T10:00:00+01:00
ctl --now 2026-11-25T10:00:00+01:00 bookings assert

step "5. Thursday 26 November: the booking page exports only one event (a glitch)" \
    "The poll would drop 6 of 7 open bookings, more than max_drop (30%): quarantined, nothing changes."
cycle 4 2026-11-26T10:00:00+01:00
ctl --now 2026-11-26T10:00:00+01:00 status

step "6. Friday 27 November: the booking page is fixed" \
    "The feed is back to what noshowd already knew: unchanged, and the quarantine is lifted."
cycle 3 2026-11-27T10:00:00+01:00
ctl --now 2026-11-27T10:00:00+01:00 sessions

ref=$(ctl --json bookings assert --state pending | sed -n 's/.*"ref":"\(NS-[^"]*\)".*/\1/p' | head -n 1)
step "7. The story of one booking" "noshowctl show $ref"
ctl --now 2026-11-27T10:00:00+01:00 show "$ref"

printf '\nThe demo state is in %s; try: %s -c %s status\n' "$state" "$noshowctl" "$conf"
