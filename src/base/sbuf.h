/* A growing byte buffer: responses (metrics, JSON lists), log lines, config
 * values, request bodies.
 *
 * Zeroed, a buffer is empty, has no ceiling and makes its first allocation
 * SBUF_FIRST bytes; set max, first and wipe before the first append (or
 * after sbuf_take or sbuf_free) to change that. It grows to the larger of twice its size and what is
 * needed, never past max + 1 bytes (the content and its NUL), so a user
 * that must account for memory before it is taken (the HTTP body budget)
 * can ask sbuf_grown_cap what the next step will be.
 *
 * Once p is set the content is followed by a NUL (p[len] == '\0'), so there
 * is always one byte of room past the content: log.c ends a line there.
 *
 * An append is whole or not at all: refused past max (SIGIL_E_TOO_BIG) or
 * without memory (SIGIL_E_NOMEM), the content stays as it was. Errors are
 * sticky: once one append failed, every later one fails with the same code
 * (a log line is cut, never given a hole), until sbuf_take or sbuf_free.
 *
 * wipe is for secrets: every byte is zeroed before its memory is freed or
 * left behind (growth copies instead of realloc, which could leave the old
 * block as it was; and the caller's storage of sbuf_init_with is zeroed
 * when the content moves out of it). What sbuf_take hands over is the
 * caller's to wipe. */
#ifndef SIGIL_SBUF_H
#define SIGIL_SBUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/errors.h"

#define SBUF_FIRST 1024

struct sbuf {
	char *p;
	size_t len, cap;
	/* Settings: zero for the defaults, set before the first append. */
	size_t max;   /* hard ceiling on len; 0: none but memory */
	size_t first; /* size of the first allocation; 0: SBUF_FIRST */
	bool wipe;    /* zero memory before it is freed or left (secrets) */
	/* Private. */
	bool borrowed; /* p is the caller's storage (sbuf_init_with): never freed */
	int err;       /* sticky: the code of the first failed append, or 0 */
	/* An append of n bytes needs no check while len + n < lim: the smaller
	 * of cap and max + 1, len once an append failed, 0 before the first.
	 * One compare for what would be three (error, room, ceiling): a log
	 * line makes a few dozen appends. */
	size_t lim;
};

/* Starts b empty in the caller's cap bytes (cap >= 1), without allocating:
 * for short-lived buffers on the stack (a log line). Growth past cap moves
 * the content to the heap. Everything else is zeroed. */
void sbuf_init_with(struct sbuf *b, char *buf, size_t cap);
/* The capacity b will have after sbuf_reserve(b, add): b->cap when add more
 * bytes already fit, 0 when they never will (past max). */
size_t sbuf_grown_cap(const struct sbuf *b, size_t add);
/* Room for add more bytes (and the NUL): 0, SIGIL_E_TOO_BIG or
 * SIGIL_E_NOMEM (and then sticky). */
__attribute__((warn_unused_result)) int sbuf_reserve(struct sbuf *b, size_t add);

/* Whether none of the eight bytes of w needs escaping in a JSON string:
 * none under 0x20, none at or above 0x7f, no '"' and no '\\'. The tests
 * are on every byte at once; a borrow or carry that crosses into the next
 * byte starts only at a byte that fails already, so the answer is exact,
 * whatever the byte order. */
static inline bool
sbuf_json_plain8(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), tops = ones << 7;
	uint64_t q = w ^ '"' * ones, bs = w ^ '\\' * ones;
	uint64_t low = (w - 0x20 * ones) & ~w;
	uint64_t high = (w + ones) | w;
	uint64_t eq = ((q - ones) & ~q) | ((bs - ones) & ~bs);

	return ((low | high | eq) & tops) == 0;
}

/* How many of the first n bytes of s, in whole words of eight, need no
 * escaping in a JSON string (sbuf_json_plain8): a multiple of 8, at most n.
 * What follows is for the caller to read byte by byte. */
static inline size_t
sbuf_json_plain_run(const char *s, size_t n)
{
	size_t i = 0;

	for (uint64_t w; n - i >= 8 && (memcpy(&w, s + i, 8), sbuf_json_plain8(w));)
		i += 8;
	return i;
}

/* Appends n bytes: 0 or the sticky error. s must be a valid pointer even
 * for n == 0 (memcpy's rule). Inline, with one compare and no test of n,
 * because a log line is built from a few dozen short runs: a call or two
 * more branches each cost more than the copy (counted with callgrind). */
static inline int
sbuf_put(struct sbuf *b, const void *s, size_t n)
{
	if (n >= b->lim - b->len) {
		int rc = sbuf_reserve(b, n);
		if (rc != 0)
			return rc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Appends the string s (without its NUL). */
static inline int
sbuf_puts(struct sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

/* Appends formatted text; an error is kept for sbuf_take. */
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as the body of a JSON string (without its quotes): valid JSON
 * (RFC 8259) whatever s holds. '"', '\\', control characters and DEL are
 * escaped, U+2028 and U+2029 too (some log shippers split lines on them),
 * and each byte that is not part of well-formed UTF-8 becomes \ufffd,
 * since a JSON reader may reject a whole document for one bad byte. The
 * log's JSON lines and the APIs' answers write strings with it. */
void sbuf_put_json(struct sbuf *b, const char *s);
/* Hands the content to the caller (malloc'ed, NUL-terminated, "" when
 * empty) and resets b, keeping max, first and wipe; NULL after an error. */
char *sbuf_take(struct sbuf *b, size_t *len);
/* Frees (wiping if asked) and resets b, keeping max, first and wipe. */
void sbuf_free(struct sbuf *b);

#endif
