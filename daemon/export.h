/*
 * noshowctl export: CSV for the bookkeeper (every booking with its money) and for a
 * collection agency (the debts in the collection stage, with principal, statutory costs,
 * interest to date and the messages sent). RFC 4180, UTF-8, comma separated, a header row;
 * a cell that a spreadsheet would take for a formula (= + - @) is prefixed with an
 * apostrophe, since names come from customers. Read-only.
 */
#ifndef NOSHOWD_EXPORT_H
#define NOSHOWD_EXPORT_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "store.h"

int export_bookings(struct store *s, const struct config *c, FILE *out);
/*
 * Interest is simple interest per whole day up to `now`: the commercial rate from the due
 * moment for a business, the statutory rate from the end of the 14-day letter's term for a
 * consumer.
 */
int export_collection(struct store *s, const struct config *c, time_t now, FILE *out);

#endif
