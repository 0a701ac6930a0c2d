/*
 * The systemd notify protocol of sd_notify(3), in our own few lines (as chrony's main.c
 * does) rather than with libsystemd: one datagram of "KEY=value" lines to the AF_UNIX socket
 * named by NOTIFY_SOCKET. Outside systemd, NOTIFY_SOCKET is unset and every call does
 * nothing. Failures are logged once and never stop the service: a manager that does not
 * listen is no reason to stop keeping seats.
 */
#ifndef NOSHOWD_NOTIFY_H
#define NOSHOWD_NOTIFY_H

#include <stdint.h>

/*
 * Read NOTIFY_SOCKET (a path, or "@name" in the abstract namespace) and open the socket.
 * Call once, after daemon(3) if at all. The environment is left as it is.
 */
void notify_init(void);

/*
 * Send one datagram: fmt and its arguments, such as "READY=1\nSTATUS=%s". Returns 0, also
 * when there is no socket (none asked for, or notify_init could not open it and said why),
 * or -1 when the message could not be sent. A value must not hold a newline: that would
 * start another field.
 */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval in microseconds that the manager asks of this process
 * (WATCHDOG_USEC, when WATCHDOG_PID is unset or names this process), else 0. A service
 * with a watchdog sends "WATCHDOG=1" at least every half of it.
 */
uint64_t notify_watchdog_usec(void);

/* CLOCK_MONOTONIC in microseconds, for "MONOTONIC_USEC=" with "RELOADING=1". */
uint64_t notify_monotonic_usec(void);

#endif
