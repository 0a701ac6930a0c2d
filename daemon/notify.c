#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static int notify_warned;

/* The first failure is worth a line in the log; repeating it every second is not. */
static int
notify_fail(const char *what)
{
	if (!notify_warned) {
		notify_warned = 1;
		log_warn("systemd notification: %s", what);
	}
	return -1;
}

void
notify_init(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	size_t len;

	if (name == NULL || *name == '\0' || notify_fd >= 0)
		return;
	len = strlen(name);
	if (name[0] != '/' && name[0] != '@') {
		errno = EAFNOSUPPORT;
		notify_fail("NOTIFY_SOCKET is neither a path nor an abstract socket name");
		return;
	}
	/* A path needs room for its NUL; an abstract name has none, its '@' becomes '\0'. */
	if (len >= sizeof(notify_addr.sun_path) + (name[0] == '@')) {
		errno = ENAMETOOLONG;
		notify_fail("NOTIFY_SOCKET");
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, name, len);
	if (name[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (name[0] == '/'));
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		notify_fail("socket");
}

/*
 * MSG_DONTWAIT: should the manager fall so far behind that its queue is full, a lost
 * watchdog ping is better than a service that hangs in sendto().
 */
int
notify_send(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		errno = EMSGSIZE;
		return notify_fail("message too long");
	}
	if (sendto(notify_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (const struct sockaddr *)&notify_addr, notify_addrlen) != (ssize_t)n) {
		char what[sizeof(notify_addr.sun_path) + 16];

		snprintf(what, sizeof(what), "sendto %s", getenv("NOTIFY_SOCKET"));
		return notify_fail(what);
	}
	return 0;
}

uint64_t
notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	uintmax_t v;

	if (usec == NULL)
		return 0;
	if (pid != NULL) {
		errno = 0;
		v = strtoumax(pid, &end, 10);
		if (errno != 0 || end == pid || *end != '\0' || v != (uintmax_t)getpid())
			return 0;
	}
	errno = 0;
	v = strtoumax(usec, &end, 10);
	if (errno != 0 || end == usec || *end != '\0' || *usec == '-')
		return 0;
	return (uint64_t)v;
}

uint64_t
notify_monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
