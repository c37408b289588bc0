/* Locked memory for secrets.
 *
 * One arena of locked, non-dumpable pages serves every key, because one
 * sodium_malloc per key costs guard pages and locked pages each, and the
 * locked-memory limit is often 64 KiB in containers. The arena grows in
 * chunks; every chunk is mlock'ed and MADV_DONTDUMP'ed, and a failure to lock
 * is reported (secmem_locked() == false), never silent. */
#ifndef SIGIL_SECMEM_H
#define SIGIL_SECMEM_H
#include <stdbool.h>
#include <stddef.h>

/* Returns a zeroed region of at least len bytes (len <= 4096), or NULL. */
void *secmem_alloc(size_t len);
/* Wipes and returns a region from secmem_alloc; NULL is allowed. */
void secmem_free(void *p);
/* False when some chunk could not be locked into memory. */
bool secmem_locked(void);
/* Bytes currently handed out. */
size_t secmem_in_use(void);
/* Marks the process non-dumpable (no core files, no ptrace by peers). */
void secmem_harden_process(void);

#endif
