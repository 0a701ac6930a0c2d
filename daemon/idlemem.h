#ifndef NOSHOWD_IDLEMEM_H
#define NOSHOWD_IDLEMEM_H

#include <stddef.h>

/*
 * Give back, before a long sleep, the memory the service holds only because the last turn
 * touched it:
 *  - the pages of its libraries and its program that it has mapped but never changed: the
 *    page tables drop them (madvise MADV_DONTNEED) and the next turn maps them back from
 *    the page cache, where they stay while other processes or the cache want them;
 *  - the heap that free() kept (malloc_trim).
 * Only a private file mapping that cannot be written and holds no changed page (smaps:
 * Anonymous and Swap 0) is dropped: for those, dropping loses nothing by construction,
 * whereas a relocated page of a library (RELRO) would revert to the file's bytes. Call it
 * only while no other thread of the process is running library code that could change a
 * mapping's protection (the service: no fetch in flight).
 *
 * Returns the KiB of file pages dropped, or -1 with errno when /proc/self/smaps could not
 * be read (nothing dropped, the heap still trimmed).
 */
long idlemem_release(void);

/*
 * One mapping as /proc/self/smaps describes it, and whether idlemem_release drops it: the
 * rule apart, so that tests can check it on mappings they make.
 */
struct idlemem_vma {
	unsigned long start, end;
	char perms[5];
	unsigned long inode;
	long rss_kib, anon_kib, swap_kib;
};
int idlemem_droppable(const struct idlemem_vma *v);

#endif
