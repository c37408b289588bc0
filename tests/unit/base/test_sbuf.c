/* The growing buffer (base/sbuf.h): content always NUL-terminated, growth
 * as documented (the HTTP body budget is charged from sbuf_grown_cap), a
 * hard ceiling that refuses an append whole, sticky errors, storage lent by
 * the caller, and wipe: nothing of the content left in memory it lets go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/errors.h"
#include "base/sbuf.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* A malloc too big to succeed returns NULL under ASan and TSan too, as it
 * does without them, so that test_sticky_error sees a real failed
 * allocation. (Unused in a build without them.) */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
const char *
__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static void
assert_content(const struct sbuf *b, const char *want)
{
	size_t n = strlen(want);

	assert_int_equal(b->len, n);
	assert_non_null(b->p);
	assert_memory_equal(b->p, want, n);
	assert_int_equal(b->p[n], '\0');
	assert_true(b->cap > b->len);
}

static void
test_put_printf_take(void **state)
{
	struct sbuf b = {0};
	size_t len;
	char *s;

	(void)state;
	/* Empty: take still gives a string. */
	s = sbuf_take(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);

	assert_int_equal(sbuf_put(&b, "abc", 3), 0);
	assert_content(&b, "abc");
	assert_int_equal(b.cap, SBUF_FIRST);
	assert_int_equal(sbuf_put(&b, "", 0), 0);
	assert_content(&b, "abc");
	sbuf_printf(&b, "-%d-%s", 42, "x");
	assert_content(&b, "abc-42-x");
	s = sbuf_take(&b, &len);
	assert_string_equal(s, "abc-42-x");
	assert_int_equal(len, 8);
	free(s);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);

	/* A long printf grows in one step and keeps what was there. */
	char big[5000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbuf_printf(&b, "<%s>", big);
	sbuf_printf(&b, "%s", "!");
	assert_int_equal(b.len, sizeof(big) + 2);
	assert_int_equal(b.p[0], '<');
	assert_int_equal(b.p[sizeof(big)], '>');
	assert_int_equal(b.p[sizeof(big) + 1], '!');
	assert_int_equal(b.p[b.len], '\0');
	sbuf_free(&b);
	assert_null(b.p);
}

/* Growth: first, then the larger of twice the size and what is needed, and
 * never past max + 1; sbuf_grown_cap says so before it happens. */
static void
test_growth(void **state)
{
	struct sbuf b = {.first = 64};
	char x[300];

	(void)state;
	memset(x, 'x', sizeof(x));
	assert_int_equal(sbuf_grown_cap(&b, 10), 64);
	assert_int_equal(sbuf_put(&b, x, 10), 0);
	assert_int_equal(b.cap, 64);
	assert_int_equal(sbuf_grown_cap(&b, 53), 64); /* 10 + 53 + NUL fits */
	assert_int_equal(sbuf_grown_cap(&b, 54), 128);
	assert_int_equal(sbuf_grown_cap(&b, 200), 211); /* more than twice */
	assert_int_equal(sbuf_reserve(&b, 200), 0);
	assert_int_equal(b.cap, 211);
	assert_int_equal(b.len, 10);
	sbuf_free(&b);

	/* Under a ceiling the last step stops at max + 1. */
	b = (struct sbuf){.first = 64, .max = 100};
	assert_int_equal(sbuf_put(&b, x, 60), 0);
	assert_int_equal(sbuf_grown_cap(&b, 10), 101);
	assert_int_equal(sbuf_grown_cap(&b, 40), 101);
	assert_int_equal(sbuf_grown_cap(&b, 41), 0);
	assert_int_equal(sbuf_put(&b, x, 40), 0);
	assert_int_equal(b.cap, 101);
	assert_int_equal(b.len, 100);
	sbuf_free(&b);

	/* Sizes that would overflow are refused, not wrapped. */
	b = (struct sbuf){0};
	assert_int_equal(sbuf_put(&b, "a", 1), 0);
	assert_int_equal(sbuf_grown_cap(&b, SIZE_MAX), 0);
	assert_int_equal(sbuf_grown_cap(&b, SIZE_MAX - 1), 0);
	assert_int_equal(sbuf_reserve(&b, SIZE_MAX - 1), SIGIL_E_TOO_BIG);
	assert_int_equal(b.err, SIGIL_E_TOO_BIG);
	sbuf_free(&b);
	assert_int_equal(b.err, 0);
}

/* Past the ceiling an append is refused whole, the content stays, and the
 * error sticks until take or free. */
static void
test_ceiling(void **state)
{
	struct sbuf b = {.max = 10};
	size_t len;

	(void)state;
	assert_int_equal(sbuf_put(&b, "0123456", 7), 0);
	assert_int_equal(sbuf_put(&b, "abcd", 4), SIGIL_E_TOO_BIG);
	assert_content(&b, "0123456");
	assert_true(b.cap <= 11);
	/* Sticky: even what would fit is refused now. */
	assert_int_equal(sbuf_put(&b, "x", 1), SIGIL_E_TOO_BIG);
	sbuf_printf(&b, "y");
	assert_content(&b, "0123456");
	assert_null(sbuf_take(&b, &len));
	assert_int_equal(len, 0);
	assert_int_equal(b.max, 10); /* the settings stay */

	/* Exactly max is fine; one more byte is not. */
	assert_int_equal(sbuf_put(&b, "0123456789", 10), 0);
	assert_content(&b, "0123456789");
	assert_int_equal(sbuf_put(&b, "", 0), 0);
	assert_int_equal(sbuf_put(&b, "!", 1), SIGIL_E_TOO_BIG);
	assert_content(&b, "0123456789");
	sbuf_free(&b);

	/* printf past the ceiling: nothing of the text is kept, even where
	 * vsnprintf wrote part of it into the room. */
	assert_int_equal(sbuf_put(&b, "ab", 2), 0);
	assert_true(b.cap > 6); /* room for a part of the text below */
	sbuf_printf(&b, "%s", "cdefghijk");
	assert_int_equal(b.err, SIGIL_E_TOO_BIG);
	assert_content(&b, "ab");
	sbuf_free(&b);

	/* With lent storage larger than the ceiling, the ceiling still holds. */
	char mem[64];
	sbuf_init_with(&b, mem, sizeof(mem));
	b.max = 4;
	assert_int_equal(sbuf_put(&b, "abcde", 5), SIGIL_E_TOO_BIG);
	assert_content(&b, "");
	sbuf_free(&b);
	sbuf_init_with(&b, mem, sizeof(mem));
	b.max = 4;
	assert_int_equal(sbuf_put(&b, "ab", 2), 0);
	assert_int_equal(sbuf_put(&b, "cd", 2), 0);
	assert_int_equal(sbuf_put(&b, "e", 1), SIGIL_E_TOO_BIG);
	assert_content(&b, "abcd");
	sbuf_free(&b);
}

/* Lent storage: no allocation while the content fits; growth moves it to
 * the heap whole; free never frees the caller's storage (ASan would). */
static void
test_lent(void **state)
{
	char mem[16];
	struct sbuf b;
	size_t len;

	(void)state;
	sbuf_init_with(&b, mem, sizeof(mem));
	assert_int_equal(sbuf_put(&b, "0123456789", 10), 0);
	assert_ptr_equal(b.p, mem);
	assert_int_equal(sbuf_put(&b, "abcde", 5), 0); /* 15 + NUL: still fits */
	assert_ptr_equal(b.p, mem);
	assert_int_equal(sbuf_put(&b, "X", 1), 0);
	assert_ptr_not_equal(b.p, mem);
	assert_false(b.borrowed);
	assert_int_equal(b.cap, 32);
	assert_content(&b, "0123456789abcdeX");
	sbuf_free(&b);

	/* take copies out of lent storage. */
	sbuf_init_with(&b, mem, sizeof(mem));
	sbuf_printf(&b, "%s", "lent");
	char *s = sbuf_take(&b, &len);
	assert_ptr_not_equal(s, mem);
	assert_string_equal(s, "lent");
	assert_int_equal(len, 4);
	free(s);
	sbuf_free(&b);
}

static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

/* wipe, where it can be seen without reading freed memory: lent storage is
 * zeroed when the content moves out of it and when the buffer is freed;
 * without wipe it is left as it was. */
static void
test_wipe_lent(void **state)
{
	char mem[32];
	struct sbuf b;

	(void)state;
	for (int wipe = 0; wipe <= 1; wipe++) {
		sbuf_init_with(&b, mem, sizeof(mem));
		b.wipe = wipe;
		assert_int_equal(sbuf_put(&b, "edsk-secret-0123456789", 22), 0);
		assert_int_equal(sbuf_put(&b, "-more-secret", 12), 0); /* moves out */
		assert_ptr_not_equal(b.p, mem);
		assert_true(all_zero(mem, sizeof(mem)) == (wipe == 1));
		assert_content(&b, "edsk-secret-0123456789-more-secret");
		sbuf_free(&b);

		sbuf_init_with(&b, mem, sizeof(mem));
		b.wipe = wipe;
		assert_int_equal(sbuf_put(&b, "short secret", 12), 0);
		sbuf_free(&b);
		assert_true(all_zero(mem, sizeof(mem)) == (wipe == 1));
	}
}

#ifdef HAVE_ASAN
/* Whether any 16-byte slice of pat is in the n bytes at p, which the
 * allocator has been given back: ASan keeps freed blocks in quarantine and
 * leaves their bytes alone, so they can be read once unpoisoned. */
static bool
freed_holds(const unsigned char *p, size_t n, const unsigned char *pat, size_t patlen)
{
	bool found = false;

	__asan_unpoison_memory_region(p, n);
	for (size_t i = 0; i + 16 <= n && !found; i++)
		for (size_t j = 0; j + 16 <= patlen && !found; j++)
			found = memcmp(p + i, pat + j, 16) == 0;
	__asan_poison_memory_region(p, n);
	return found;
}
#endif

/* wipe on the heap: every block the buffer grew out of, and its last one,
 * hold nothing of the content once let go; without wipe they do. */
static void
test_wipe_heap(void **state)
{
#ifdef HAVE_ASAN
	unsigned char pat[3000];
	const unsigned char *blocks[8];
	size_t caps[8];

	(void)state;
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (unsigned char)('A' + (i * 7 + i / 26) % 26);
	for (int wipe = 0; wipe <= 1; wipe++) {
		struct sbuf b = {.first = 256, .wipe = wipe};
		size_t nb = 0;
		for (size_t off = 0; off < sizeof(pat); off += 100) {
			const unsigned char *before = (const unsigned char *)b.p;
			assert_int_equal(sbuf_put(&b, pat + off, 100), 0);
			if ((const unsigned char *)b.p != before) {
				assert_true(nb < 8);
				blocks[nb] = (const unsigned char *)b.p;
				caps[nb++] = b.cap;
			}
		}
		assert_memory_equal(b.p, pat, sizeof(pat));
		assert_true(nb >= 3); /* it grew out of at least two blocks */
		sbuf_free(&b);
		bool left = false;
		for (size_t i = 0; i < nb; i++)
			left |= freed_holds(blocks[i], caps[i], pat, sizeof(pat));
		assert_true(left == (wipe == 0));
	}
#else
	(void)state;
	skip(); /* reading freed memory needs ASan's quarantine */
#endif
}

/* An error other than the ceiling (out of memory, as a log line may meet)
 * is sticky too, and the content before it stays whole in its storage;
 * take refuses it. */
static void
test_sticky_error(void **state)
{
	char mem[8];
	struct sbuf b;
	size_t len;

	(void)state;
	sbuf_init_with(&b, mem, sizeof(mem));
	assert_int_equal(sbuf_put(&b, "line", 4), 0);
	assert_int_equal(sbuf_reserve(&b, SIZE_MAX / 2), SIGIL_E_NOMEM);
	assert_int_equal(sbuf_put(&b, "x", 1), SIGIL_E_NOMEM);
	assert_int_equal(sbuf_put(&b, "", 0), SIGIL_E_NOMEM);
	sbuf_printf(&b, "y");
	assert_int_equal(b.err, SIGIL_E_NOMEM);
	assert_content(&b, "line");
	assert_ptr_equal(b.p, mem);
	/* The byte past the content is always there (log.c ends lines in it). */
	b.p[b.len] = '\n';
	assert_memory_equal(mem, "line\n", 5);
	assert_null(sbuf_take(&b, &len));
	assert_int_equal(b.err, 0);
	assert_null(b.p);
	/* Usable again after take. */
	assert_int_equal(sbuf_put(&b, "again", 5), 0);
	assert_content(&b, "again");
	sbuf_free(&b);
}

/* sbuf_put_json against a reference written here a byte at a time: every
 * byte value at every position of a 24-byte plain text (three of the
 * eight-byte words the fast path tests at once), and the UTF-8 it passes
 * or replaces. */
static void
ref_json(struct sbuf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			sbuf_printf(b, "\\%c", c);
		else if (c == '\n')
			sbuf_printf(b, "\\n");
		else if (c == '\r')
			sbuf_printf(b, "\\r");
		else if (c == '\t')
			sbuf_printf(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sbuf_printf(b, "\\u%04x", c);
		else if (c >= 0x80)
			sbuf_printf(b, "\\ufffd"); /* alone, no byte above 0x7f is UTF-8 */
		else
			sbuf_printf(b, "%c", c);
	}
}

static void
test_json_every_byte(void **state)
{
	unsigned char text[25];
	struct sbuf got = {0}, want = {0};

	(void)state;
	for (size_t pos = 0; pos < 24; pos++) {
		for (int c = 1; c < 256; c++) {
			for (size_t i = 0; i < 24; i++)
				text[i] = (unsigned char)(0x20 + (i * 13 + pos) % 95);
			for (size_t i = 0; i < 24; i++)
				if (text[i] == '"' || text[i] == '\\')
					text[i] = 'x';
			text[pos] = (unsigned char)c;
			text[24] = '\0';
			sbuf_free(&got);
			sbuf_free(&want);
			got = (struct sbuf){0};
			want = (struct sbuf){0};
			sbuf_put_json(&got, (const char *)text);
			ref_json(&want, text, 24);
			assert_int_equal(got.err, 0);
			assert_string_equal(got.p, want.p);
		}
	}
	/* Whole UTF-8 characters pass, the line separators are escaped. */
	sbuf_free(&got);
	got = (struct sbuf){0};
	sbuf_put_json(&got, "caf\xc3\xa9 \xe2\x80\xa8|\xe2\x80\xa9 \xf0\x9f\x94\x91 ok\xc3");
	assert_string_equal(got.p, "caf\xc3\xa9 \\u2028|\\u2029 \xf0\x9f\x94\x91 ok\\ufffd");
	sbuf_free(&got);
	sbuf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_printf_take),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_lent),
		cmocka_unit_test(test_wipe_lent),
		cmocka_unit_test(test_wipe_heap),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_json_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
