/* Hex and decimal text (base/hex.h, base/decimal.h) against plain
 * references written here one digit at a time: every byte value in every
 * position of the eight-digit words hex_decode reads at once and of the
 * pairs after them, odd lengths, a buffer too small, nothing written for a
 * refused text; uint_decimal on both sides of 2^64, where it changes
 * method, and u64_decimal, which writes the digits for it, for the audit
 * line's latency and for a peer's IPv4 address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/decimal.h"
#include "base/errors.h"
#include "base/hex.h"

static int
ref_nibble(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
test_nibble(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++)
		assert_int_equal(hex_nibble((char)c), ref_nibble((unsigned char)c));
}

/* Every byte value at every position of a 20-digit text (two words of
 * eight, then two pairs), in both cases of the digits around it. */
static void
test_decode_every_byte(void **state)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	char text[20];
	uint8_t out[10], want[10];
	size_t n;

	(void)state;
	for (size_t pos = 0; pos < sizeof(text); pos++) {
		for (int c = 0; c < 256; c++) {
			bool ok = true;

			for (size_t i = 0; i < sizeof(text); i++)
				text[i] = digits[(i * 7 + pos + (size_t)c) % 22];
			text[pos] = (char)c;
			for (size_t i = 0; i < sizeof(text); i += 2) {
				int hi = ref_nibble((unsigned char)text[i]),
				    lo = ref_nibble((unsigned char)text[i + 1]);
				ok = ok && hi >= 0 && lo >= 0;
				want[i / 2] = (uint8_t)((hi & 15) << 4 | (lo & 15));
			}
			memset(out, 0xaa, sizeof(out));
			n = 99;
			int rc = hex_decode(text, sizeof(text), out, sizeof(out), &n);
			if (ok) {
				assert_int_equal(rc, 0);
				assert_int_equal(n, 10);
				assert_memory_equal(out, want, 10);
			} else {
				assert_int_equal(rc, SIGIL_E_INVALID);
				assert_int_equal(n, 0);
				/* Nothing of a refused text is left behind. */
				for (size_t i = 0; i < sizeof(out); i++)
					assert_int_equal(out[i], 0);
			}
		}
	}
}

static void
test_decode_lengths(void **state)
{
	const char *t = "00ff7F80a5C3e91b2d4c";
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t len = 0; len <= strlen(t); len++) {
		int rc = hex_decode(t, len, out, sizeof(out), &n);
		if (len % 2 != 0) {
			assert_int_equal(rc, SIGIL_E_INVALID);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, len / 2);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(out[i], (ref_nibble((unsigned char)t[2 * i]) << 4) |
			                                 ref_nibble((unsigned char)t[2 * i + 1]));
	}
	assert_int_equal(hex_decode(t, 20, out, 9, &n), SIGIL_E_TOO_BIG);
	assert_int_equal(n, 0);
}

static void
test_encode_round_trip(void **state)
{
	uint8_t in[256], back[256];
	char text[2 * 256 + 3];
	size_t n;

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	assert_int_equal(hex_encode_0x(in, sizeof(in), text, sizeof(text)), 0);
	assert_memory_equal(text, "0xfffefd", 8);
	assert_int_equal(hex_decode(text + 2, 512, back, sizeof(back), &n), 0);
	assert_int_equal(n, 256);
	assert_memory_equal(back, in, 256);
	assert_int_equal(hex_encode(in, 4, text, 8), SIGIL_E_TOO_BIG);
}

/* Every byte value in every position of the four-at-once encoder and of
 * the tail, at every length up to 40 and from unaligned addresses, against
 * printf's digits; nothing written past the terminating NUL. */
static void
test_encode_every_byte(void **state)
{
	uint8_t in[64];
	char text[2 * 64 + 16], want[2 * 64 + 1];

	(void)state;
	for (int v = 0; v < 256; v++) {
		for (size_t len = 0; len <= 40; len++) {
			size_t off = len % 8; /* the input's and the output's alignment */
			uint8_t *src = in + off;

			for (size_t i = 0; i < len; i++)
				src[i] = (uint8_t)(i % 5 == (size_t)v % 5 ? v : (v * 7 + (int)i * 13));
			for (size_t i = 0; i < len; i++)
				snprintf(want + 2 * i, 3, "%02x", src[i]);
			want[2 * len] = '\0';
			memset(text, '#', sizeof(text));
			assert_int_equal(hex_encode(src, len, text + off, 2 * len + 1), 0);
			assert_string_equal(text + off, want);
			assert_int_equal(text[off + 2 * len + 1], '#');
		}
	}
}

/* Native 64-bit division up to 2^64 - 1, long division on bytes above. */
/* A length whose text would not fit in a size_t: refused, nothing written
 * (2 * len + 1 wraps round to a small number; the check must not). */
static void
test_encode_huge_length(void **state)
{
	const uint8_t in[4] = {1, 2, 3, 4};
	char out[8] = "unset";

	(void)state;
	const size_t lens[] = {SIZE_MAX / 2 - 1, SIZE_MAX / 2, SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2,
	                       SIZE_MAX - 1, SIZE_MAX};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(hex_encode(in, lens[i], out, sizeof(out)), SIGIL_E_TOO_BIG);
		assert_int_equal(hex_encode_0x(in, lens[i], out, sizeof(out)), SIGIL_E_TOO_BIG);
	}
	assert_string_equal(out, "unset");
}

static void
test_decimal_around_2_64(void **state)
{
	uint8_t be[16];
	char d[48];

	(void)state;
	memset(be, 0, sizeof(be));
	memset(be + 8, 0xff, 8);
	assert_int_equal(uint_decimal(be, 16, d, sizeof(d)), 0);
	assert_string_equal(d, "18446744073709551615");
	memset(be, 0, sizeof(be));
	be[7] = 1;
	assert_int_equal(uint_decimal(be, 16, d, sizeof(d)), 0);
	assert_string_equal(d, "18446744073709551616");
	memset(be, 0, sizeof(be));
	be[15] = 7;
	assert_int_equal(uint_decimal(be, 16, d, sizeof(d)), 0);
	assert_string_equal(d, "7");
	assert_int_equal(uint_decimal(be, 16, d, 1), SIGIL_E_TOO_BIG);
	assert_string_equal(d, "");
	/* 1000000000000000000 (one ether in wei), 8 bytes, and 2^72 - 1. */
	const uint8_t ether[8] = {0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00};
	assert_int_equal(uint_decimal(ether, 8, d, sizeof(d)), 0);
	assert_string_equal(d, "1000000000000000000");
	memset(be, 0xff, 9);
	assert_int_equal(uint_decimal(be, 9, d, sizeof(d)), 0);
	assert_string_equal(d, "4722366482869645213695");
	assert_int_equal(uint_decimal(be, 9, d, 22), SIGIL_E_TOO_BIG);
}

static void
test_u64_decimal(void **state)
{
	char d[24];

	(void)state;
	assert_int_equal(u64_decimal(0, d, sizeof(d)), 1);
	assert_string_equal(d, "0");
	assert_int_equal(u64_decimal(10, d, sizeof(d)), 2);
	assert_string_equal(d, "10");
	assert_int_equal(u64_decimal(UINT64_MAX, d, sizeof(d)), 20);
	assert_string_equal(d, "18446744073709551615");
	for (uint64_t v = 1, digits = 1; digits < 20; v *= 10, digits++) {
		char want[24];
		snprintf(want, sizeof(want), "%llu", (unsigned long long)(v - 1));
		assert_int_equal(u64_decimal(v - 1, d, sizeof(d)), strlen(want));
		assert_string_equal(d, want);
	}
	/* Too small: nothing but an empty string. */
	assert_int_equal(u64_decimal(123, d, 3), 0);
	assert_string_equal(d, "");
	assert_int_equal(u64_decimal(123, d, 4), 3);
	assert_string_equal(d, "123");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nibble),
		cmocka_unit_test(test_decode_every_byte),
		cmocka_unit_test(test_decode_lengths),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_encode_every_byte),
		cmocka_unit_test(test_encode_huge_length),
		cmocka_unit_test(test_decimal_around_2_64),
		cmocka_unit_test(test_u64_decimal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
