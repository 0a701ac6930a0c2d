/*
 * idlemem.c: before a long sleep the service drops the pages of its mappings that hold
 * nothing of its own, and only those. A page the process changed (a relocated library page
 * made read-only afterwards, as RELRO does, or a writable one) must read the same after
 * the release; a clean page must leave the RSS and read the file's bytes again.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "idlemem.h"
#include "util.h"
#include "unit.h"

#define PAGES 16		/* of 4 KiB, as on x86-64 */

/* The Rss (KiB) of the mapping that starts at p, from /proc/self/smaps; -1 if none. */
static long
rss_of(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long start = 0, end;
	int in = 0;
	long rss = -1;

	ck_assert_ptr_nonnull(f);
	while (rss < 0 && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (unsigned long)p;
		else if (in && strncmp(line, "Rss:", 4) == 0)
			rss = strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return rss;
}

static void
expect_bytes(const char *p, size_t len, char want)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != want)
			ck_abort_msg("byte %zu reads %#x, want %#x", i, (unsigned char)p[i],
			    (unsigned char)want);
}

START_TEST(drops_clean_keeps_changed)
{
	char dir[256], path[300], page[4096];
	size_t len = PAGES * sizeof(page);
	char *clean, *relro, *rw;
	long kib;
	int fd;

	unit_mkdtemp(dir, sizeof(dir), "idlemem");
	snprintf(path, sizeof(path), "%s/lib.so", dir);
	ck_assert_int_ge(fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), 0);
	memset(page, 'A', sizeof(page));
	for (int i = 0; i < PAGES; i++)
		ck_assert_int_eq(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	/* Three private mappings of the file, as the dynamic loader makes them. */
	clean = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	relro = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert(clean != MAP_FAILED && relro != MAP_FAILED && rw != MAP_FAILED);
	close(fd);
	expect_bytes(clean, len, 'A');		/* every page resident */
	expect_bytes(relro, len, 'A');
	memset(relro, 'R', 4096);		/* one page changed, then read-only */
	ck_assert_int_eq(mprotect(relro, len, PROT_READ), 0);
	memset(rw + len - 4096, 'W', 4096);
	ck_assert_int_eq(rss_of(clean), PAGES * 4);
	ck_assert_int_eq(rss_of(relro), PAGES * 4);

	kib = idlemem_release();
	ck_assert_int_ge(kib, PAGES * 4);
	/* The clean mapping left the RSS (all but what the check itself faults in: none). */
	ck_assert_int_eq(rss_of(clean), 0);
	/* The changed ones were left whole: their pages, and what was written in them. */
	ck_assert_int_eq(rss_of(relro), PAGES * 4);
	expect_bytes(relro, 4096, 'R');
	expect_bytes(relro + 4096, len - 4096, 'A');
	expect_bytes(rw + len - 4096, 4096, 'W');
	/* And the dropped pages read the file's bytes again. */
	expect_bytes(clean, len, 'A');
	ck_assert_int_eq(rss_of(clean), PAGES * 4);
	munmap(clean, len), munmap(relro, len), munmap(rw, len);
	unit_rm_tree(dir);
}
END_TEST

/* The rule on its own: anything the process may have changed, or that is unknown, stays. */
START_TEST(rule)
{
	struct idlemem_vma v = { 0x1000, 0x3000, "r-xp", 42, 8, 0, 0 };

	ck_assert(idlemem_droppable(&v));
	memcpy(v.perms, "r--p", 5);
	ck_assert(idlemem_droppable(&v));
	memcpy(v.perms, "rw-p", 5);
	ck_assert(!idlemem_droppable(&v));	/* writable */
	memcpy(v.perms, "r--s", 5);
	ck_assert(!idlemem_droppable(&v));	/* shared: the -shm of SQLite, say */
	memcpy(v.perms, "r-xp", 5);
	v.inode = 0;
	ck_assert(!idlemem_droppable(&v));	/* anonymous: heap, stack */
	v.inode = 42, v.anon_kib = 4;
	ck_assert(!idlemem_droppable(&v));	/* a changed page (RELRO) */
	v.anon_kib = 0, v.swap_kib = 4;
	ck_assert(!idlemem_droppable(&v));	/* a changed page, swapped out */
	v.swap_kib = -1;
	ck_assert(!idlemem_droppable(&v));	/* not read */
	v.swap_kib = 0, v.rss_kib = 0;
	ck_assert(!idlemem_droppable(&v));	/* nothing resident: nothing to do */
}
END_TEST

/* The program goes on: its own code and libc's were dropped and are faulted back in. */
START_TEST(runs_on_after_release)
{
	char buf[64];

	ck_assert_int_ge(idlemem_release(), 0);
	ck_assert_int_ge(idlemem_release(), 0);
	snprintf(buf, sizeof(buf), "%s %d", "still", 42);
	ck_assert_str_eq(buf, "still 42");
}
END_TEST

static Suite *
idlemem_suite(void)
{
	Suite *s = suite_create("idlemem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, drops_clean_keeps_changed);
	tcase_add_test(tc, rule);
	tcase_add_test(tc, runs_on_after_release);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(idlemem_suite)
