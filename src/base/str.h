/* Bounded copies of C strings. */
#ifndef SIGIL_STR_H
#define SIGIL_STR_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* src into dst (cap bytes, cap > 0), cut to fit and always ended by a NUL:
 * what snprintf(dst, cap, "%s", src) writes, without parsing a format (a
 * request copies a dozen names and amounts). true when all of src fitted. */
static inline bool
str_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap);
	bool whole = n < cap;

	if (!whole)
		n = cap - 1;
	memmove(dst, src, n);
	dst[n] = '\0';
	return whole;
}

#endif
