/* What the libFuzzer harnesses share. */
#ifndef SIGIL_FUZZ_UTIL_H
#define SIGIL_FUZZ_UTIL_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input in a heap buffer of exactly its size (one byte, never read,
 * for an empty one), so that AddressSanitizer catches a read one byte past
 * the end: the code under test must not rely on a terminating NUL. NULL
 * when out of memory (the harness then skips the input); the caller frees
 * it. */
static inline void *
fuzz_copy(const uint8_t *data, size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p != NULL && size > 0)
		memcpy(p, data, size);
	return p;
}

#endif
