/* Files compiled into the binary by tools/embed.sh (see the Makefile). */
#ifndef NOSHOWD_EMBED_H
#define NOSHOWD_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;	/* base name, e.g. "001-initial.sql" */
	const char *data;	/* NUL-terminated */
	size_t len;
};

extern const struct embedded_file migrations[];
extern const unsigned migrations_count;
extern const struct embedded_file windows_zones[];
extern const unsigned windows_zones_count;
extern const struct embedded_file verify_sh[];	/* the bundle's verify.sh */
extern const unsigned verify_sh_count;

#endif
