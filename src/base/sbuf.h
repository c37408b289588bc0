/* A growing text buffer for responses (metrics, JSON lists). */
#ifndef SIGIL_SBUF_H
#define SIGIL_SBUF_H
#include <stddef.h>

struct sbuf {
	char *p;
	size_t len, cap;
	int err; /* sticky: set once an append failed */
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text to the caller (malloc'ed) and resets b; NULL after an error. */
char *sbuf_take(struct sbuf *b, size_t *len);
void sbuf_free(struct sbuf *b);

#endif
