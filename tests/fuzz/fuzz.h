/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by `make fuzz`): each one
 * feeds its input to one parser's real entry point in build/fuzz/libnoshow.a, checks what
 * cheap invariants the parser promises, and frees everything, so that a leak is a finding
 * like a crash (LeakSanitizer runs at the end of every input set).
 */
#ifndef NOSHOWD_FUZZ_H
#define NOSHOWD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, so that libFuzzer keeps the input that broke it. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of the input, for the entry points that read C strings. */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Replace the file at path with data[0..size), for the entry points that read files. */
static inline void
fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

/* 1 if s holds no byte below 0x20 (TAB and LF allowed as asked) and no DEL. */
static inline int
fuzz_no_controls(const char *s, int allow_tab, int allow_lf)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c == '\t' && allow_tab) || (c == '\n' && allow_lf))
			continue;
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

#endif
