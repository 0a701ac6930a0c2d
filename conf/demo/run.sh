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

ref_of() {	# ref_of EMAIL [SESSION]: the reference of that customer's booking
	ctl --json bookings "${2:-assert}" | tr '{' '\n' | grep "\"email\":\"$1\"" |
	    sed -n 's/.*"ref":"\(NS-[^"]*\)".*/\1/p'
}

step "7. Monday 30 November: the bank export arrives" \
    "Piet paid with his reference (typed in lower case); Fatima forgot hers (unmatched, for the trainer to assign). Karin, promoted on Wednesday, did not pay within 2 days: her seat goes to Ahmed."
mkdir -p "$state/bank"
cat >"$state/bank/ing-2026-11-30.csv" <<CSV
"Datum","Naam / Omschrijving","Rekening","Tegenrekening","Code","Af Bij","Bedrag (EUR)","Mutatiesoort","Mededelingen"
"20261127","P MULDER","NL91ABNA0417164300","NL20INGB0001234567","OV","Bij","295,00","Overschrijving","Naam: P MULDER Omschrijving: training $(ref_of piet@example.com | tr 'A-Z' 'a-z') IBAN: NL20INGB0001234567"
"20261127","KANTOORBOEKHANDEL","NL91ABNA0417164300","NL02ABNA0123456789","OV","Af","45,10","Overschrijving","printerpapier"
"20261128","F EL AMRANI","NL91ABNA0417164300","NL55RABO0123456789","OV","Bij","195,00","Overschrijving","Omschrijving: cursus december"
CSV
cycle 3 2026-11-30T10:00:00+01:00
ctl --now 2026-11-30T10:00:00+01:00 bookings assert
ctl --now 2026-11-30T10:00:00+01:00 status | sed -n '/^unmatched/,$p'

step "8. Saturday 5 December, 09:00: a payment reminder" \
    "Ronda has not paid; her pay-by, Saturday, moved to Monday 7 December 09:00. Ahmed did not pay within 2 days either: released, and the waiting list is empty."
cycle 3 2026-12-05T09:00:00+01:00
printf '\nThe trainer recognises the unmatched transfer as Fatima'"'"'s and assigns it:\n'
ctl --now 2026-12-05T09:30:00+01:00 pay "$(ref_of fatima@example.nl time)" 195.00 --note "#2 paid without reference"

step "9. Monday 7 December, 09:00: Ronda's seat is released" \
    "The grace would reach the start, so the seat goes at pay-by; the release carries an iCalendar CANCEL."
cycle 3 2026-12-07T09:00:00+01:00
ctl --now 2026-12-07T09:00:00+01:00 bookings assert

ref=$(ref_of ronda@example.nl)
step "10. The story of one booking" "noshowctl show $ref"
ctl --now 2026-12-07T09:10:00+01:00 show "$ref"

step "11. The evidence of that booking" \
    "Every message's bytes and every server answer, chained and signed: verify the whole log, then export Ronda's bundle and check it with its own verify.sh (sha256sum and openssl only)."
ctl --now 2026-12-07T09:20:00+01:00 evidence verify
rm -rf "$state/bundle-ronda"
ctl --now 2026-12-07T09:20:00+01:00 evidence export "$ref" "$state/bundle-ronda"
bash "$state/bundle-ronda/verify.sh" | tail -n 6

printf '\nThe demo state is in %s; try: %s -c %s status\n' "$state" "$noshowctl" "$conf"
