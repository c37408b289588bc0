#include "base/sbuf.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sbuf_init_with(struct sbuf *b, char *buf, size_t cap)
{
	*b = (struct sbuf){.p = buf, .cap = cap, .borrowed = true};
	buf[0] = '\0';
}

size_t
sbuf_grown_cap(const struct sbuf *b, size_t add)
{
	size_t cap, need;

	if (add > SIZE_MAX - 1 - b->len)
		return 0;
	if (b->max != 0 && (b->len > b->max || add > b->max - b->len))
		return 0;
	need = b->len + add + 1;
	if (need <= b->cap)
		return b->cap;
	if (b->cap == 0)
		cap = b->first ? b->first : SBUF_FIRST;
	else
		cap = b->cap <= SIZE_MAX / 2 ? b->cap * 2 : SIZE_MAX;
	if (cap < need)
		cap = need;
	if (b->max != 0 && b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1; /* need fits: checked above */
	return cap;
}

/* Where appends may go without a check (struct sbuf). */
static void
sbuf_set_lim(struct sbuf *b)
{
	b->lim = b->max != 0 && b->max < b->cap - 1 ? b->max + 1 : b->cap;
}

static int
sbuf_fail(struct sbuf *b, int err)
{
	b->err = err;
	b->lim = b->len; /* every append goes to sbuf_reserve, which refuses */
	return err;
}

/* Lets go of b's memory, zeroing it first when asked; leaves b->p as is. */
static void
sbuf_release(struct sbuf *b)
{
	if (b->p == NULL)
		return;
	if (b->wipe)
		sodium_memzero(b->p, b->cap);
	if (!b->borrowed)
		free(b->p);
}

int
sbuf_reserve(struct sbuf *b, size_t add)
{
	size_t cap;
	char *p;

	if (b->err != 0)
		return b->err;
	if ((cap = sbuf_grown_cap(b, add)) == 0)
		return sbuf_fail(b, SIGIL_E_TOO_BIG);
	if (cap == b->cap) {
		sbuf_set_lim(b);
		return 0;
	}
	if (b->borrowed || b->wipe) {
		/* A copy, not realloc: the old block is wiped (or is not ours). */
		if ((p = malloc(cap)) == NULL)
			return sbuf_fail(b, SIGIL_E_NOMEM);
		if (b->p != NULL)
			memcpy(p, b->p, b->len + 1);
		else
			p[0] = '\0';
		sbuf_release(b);
	} else {
		if ((p = realloc(b->p, cap)) == NULL)
			return sbuf_fail(b, SIGIL_E_NOMEM);
		if (b->p == NULL)
			p[0] = '\0';
	}
	b->p = p;
	b->cap = cap;
	b->borrowed = false;
	sbuf_set_lim(b);
	return 0;
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap - b->len;
	int n;

	if (b->err != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room && (b->max == 0 || (size_t)n <= b->max - b->len)) {
		b->len += (size_t)n;
		sbuf_set_lim(b); /* lent storage may not have it set yet */
		return;
	}
	if (b->p != NULL)
		b->p[b->len] = '\0'; /* vsnprintf may have left part of the text */
	if (n < 0) {
		sbuf_fail(b, SIGIL_E_INVALID);
		return;
	}
	if (sbuf_reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Empties b, keeping its settings. */
static void
sbuf_reset(struct sbuf *b)
{
	b->p = NULL;
	b->len = b->cap = b->lim = 0;
	b->borrowed = false;
	b->err = 0;
}

char *
sbuf_take(struct sbuf *b, size_t *len)
{
	char *p = NULL;

	*len = 0;
	if (b->err == 0) {
		if (b->p == NULL) {
			p = calloc(1, 1);
		} else if (b->borrowed) {
			if ((p = malloc(b->len + 1)) != NULL)
				memcpy(p, b->p, b->len + 1);
		} else {
			p = b->p;
			b->p = NULL; /* handed over: not released below */
		}
		if (p != NULL)
			*len = b->len;
	}
	sbuf_release(b);
	sbuf_reset(b);
	return p;
}

void
sbuf_free(struct sbuf *b)
{
	sbuf_release(b);
	sbuf_reset(b);
}
/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. s is NUL-terminated
 * and a NUL is never a continuation byte, so no read passes the end. */
static size_t
sbuf_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : lo;
		hi = c == 0xed ? 0x9f : hi;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : lo;
		hi = c == 0xf4 ? 0x8f : hi;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* sbuf.h: a run of plain characters is copied in one append. */
void
sbuf_put_json(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run = s, *end = s + strlen(str);

	while (s < end) {
		/* Printable ASCII other than the two that need a backslash: most
		 * of every answer (hex, addresses, decimals), eight bytes a test
		 * while they last, then one. */
		uint64_t w;
		if (end - s >= 8 && (memcpy(&w, s, 8), sbuf_json_plain8(w))) {
			s += 8;
			continue;
		}
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') {
			s++;
			continue;
		}
		size_t n = sbuf_utf8_len(s);
		bool sep = n == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9);
		/* A whole UTF-8 character passes but for the line separators
		 * JavaScript does not allow in a string; any ASCII byte that
		 * reaches here (a control, '"', '\\', DEL) is escaped. */
		if (n > 1 && !sep) {
			s += n;
			continue;
		}
		(void)sbuf_put(b, run, (size_t)(s - run));
		char esc[8];
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\ufffd");
			n = 1;
		} else if (sep) {
			snprintf(esc, sizeof(esc), "\\u%s", s[2] == 0xa8 ? "2028" : "2029");
		} else if (*s == '"' || *s == '\\') {
			snprintf(esc, sizeof(esc), "\\%c", *s);
		} else if (*s == '\n') {
			snprintf(esc, sizeof(esc), "\\n");
		} else if (*s == '\r') {
			snprintf(esc, sizeof(esc), "\\r");
		} else if (*s == '\t') {
			snprintf(esc, sizeof(esc), "\\t");
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
		}
		(void)sbuf_put(b, esc, strlen(esc));
		s += n;
		run = s;
	}
	(void)sbuf_put(b, run, (size_t)(s - run));
}

