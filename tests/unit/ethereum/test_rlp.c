/* RLP (chain/ethereum/rlp.h): the examples of Ethereum's RLP documentation
 * (the yellow paper's appendix B and the wiki page that goes with it), every
 * non-canonical form geth refuses, ceilings, depth, cuts of valid inputs,
 * and random trees through the writer and back. Inputs sit flush against a
 * PROT_NONE page, so one byte read past len crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "chain/ethereum/rlp.h"
#include "../unit_util.h"

/* eth_rlp_decode on a copy of hex that ends at a PROT_NONE page. */
static int
dec_hex(const char *hex, unsigned depth, struct eth_rlp *item, uint8_t *copy, size_t *len)
{
	uint8_t b[4096];
	size_t n = unhex(hex, b, sizeof(b)), ml;
	void *map;
	const uint8_t *p = (const uint8_t *)flush_copy(b, n, &map, &ml);
	int rc = eth_rlp_decode(p, n, depth, item);

	if (copy != NULL)
		memcpy(copy, b, n);
	if (len != NULL)
		*len = n;
	/* Items pointed into the copy; move them to the caller's bytes. */
	if (rc == 0 && copy != NULL) {
		item->p = copy + (item->p - p);
		item->raw = copy;
	}
	munmap(map, ml);
	return rc;
}

static int
dec(const char *hex)
{
	struct eth_rlp item;

	return dec_hex(hex, ETH_RLP_DEPTH_MAX, &item, NULL, NULL);
}

static void
test_documented_examples(void **state)
{
	static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	struct eth_rlp it, items[4];
	uint8_t buf[128];
	size_t n, len;

	(void)state;
	/* "dog" */
	assert_int_equal(dec_hex("83646f67", 4, &it, buf, &len), 0);
	assert_false(it.list);
	assert_int_equal(it.len, 3);
	assert_memory_equal(it.p, "dog", 3);
	/* ["cat", "dog"] */
	assert_int_equal(dec_hex("c88363617483646f67", 4, &it, buf, &len), 0);
	assert_true(it.list);
	assert_int_equal(eth_rlp_items(&it, items, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(items[0].p, "cat", 3);
	assert_memory_equal(items[1].p, "dog", 3);
	/* "", [], 0x00, 0x0f, 0x0400 */
	assert_int_equal(dec_hex("80", 4, &it, buf, &len), 0);
	assert_true(!it.list && it.len == 0);
	assert_int_equal(dec_hex("c0", 4, &it, buf, &len), 0);
	assert_true(it.list && it.len == 0);
	assert_int_equal(dec_hex("00", 4, &it, buf, &len), 0);
	assert_true(!it.list && it.len == 1 && it.p[0] == 0);
	assert_int_equal(dec("0f"), 0);
	assert_int_equal(dec("820400"), 0);
	/* The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ] */
	assert_int_equal(dec_hex("c7c0c1c0c3c0c1c0", 4, &it, buf, &len), 0);
	assert_int_equal(dec_hex("c7c0c1c0c3c0c1c0", 3, &it, buf, &len), SIGIL_E_INVALID);
	/* A 56-byte string takes the long header. */
	assert_int_equal(dec_hex("b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f"
	                         "6e7365637465747572206164697069736963696e6720656c6974",
	                         0, &it, buf, &len),
	                 0);
	assert_int_equal(it.len, sizeof(lorem) - 1);
	assert_memory_equal(it.p, lorem, it.len);
}

static void
test_non_canonical(void **state)
{
	static const char *const bad[] = {
		"8100",     /* a byte below 0x80 wrapped */
		"817f",
		"b800",     /* long header, leading zero length */
		"b80100",   /* long header for a 1-byte string */
		"b837" "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000", /* long header for 55 bytes */
		"b90038" "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"00000000000000000000000000000000", /* length with a leading zero byte */
		"f800",     /* long list, leading zero length */
		"f801c0",   /* long header for a 1-byte list */
		"c18100",   /* inside a list too */
		"c3c28100",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dec(bad[i]), SIGIL_E_INVALID);
	/* The canonical forms of the same values. */
	assert_int_equal(dec("00"), 0);
	assert_int_equal(dec("7f"), 0);
	assert_int_equal(dec("8180"), 0);
	assert_int_equal(dec("c100"), 0);
}

static void
test_truncated_and_trailing(void **state)
{
	(void)state;
	assert_int_equal(dec(""), SIGIL_E_INCOMPLETE);
	assert_int_equal(dec("83646f"), SIGIL_E_INCOMPLETE);
	assert_int_equal(dec("b8"), SIGIL_E_INCOMPLETE);
	assert_int_equal(dec("b90100"), SIGIL_E_INCOMPLETE);
	assert_int_equal(dec("c883636174"), SIGIL_E_INCOMPLETE);
	/* The list's bytes are there, but an item claims more: the list lied. */
	assert_int_equal(dec("c283646f"), SIGIL_E_INVALID);
	assert_int_equal(dec("c1b8"), SIGIL_E_INVALID);
	/* Nothing may follow the item. */
	assert_int_equal(dec("8000"), SIGIL_E_INVALID);
	assert_int_equal(dec("c0c0"), SIGIL_E_INVALID);
	assert_int_equal(dec("83646f6700"), SIGIL_E_INVALID);
}

static void
test_ceilings(void **state)
{
	struct eth_rlp it;

	(void)state;
	/* ETH_RLP_LEN_MAX + 1 bytes, and lengths of 5 to 8 bytes. */
	assert_int_equal(dec("bb01000001"), SIGIL_E_TOO_BIG);
	assert_int_equal(dec("fb01000001"), SIGIL_E_TOO_BIG);
	assert_int_equal(dec("bc0100000000"), SIGIL_E_TOO_BIG);
	assert_int_equal(dec("bfffffffffffffffff"), SIGIL_E_TOO_BIG);
	assert_int_equal(dec("ffffffffffffffffff"), SIGIL_E_TOO_BIG);
	/* At the ceiling, the length is fine and the bytes are missing. */
	assert_int_equal(dec("bb01000000"), SIGIL_E_INCOMPLETE);
	/* The head alone never reads past its buffer, even at the ceiling. */
	assert_int_equal(eth_rlp_head((const uint8_t *)"\xbb\x01\x00", 3, &it), SIGIL_E_INCOMPLETE);
}

/* d lists, one in the next, around an empty string. */
static size_t
nested(uint8_t *b, unsigned d)
{
	for (unsigned i = 0; i < d; i++)
		b[i] = (uint8_t)(0xc0 + (d - i));
	b[d] = 0x80;
	return d + 1;
}

static void
test_depth(void **state)
{
	uint8_t b[64];
	struct eth_rlp it;

	(void)state;
	for (unsigned d = 0; d <= ETH_RLP_DEPTH_MAX; d++) {
		size_t n = nested(b, d);

		assert_int_equal(eth_rlp_decode(b, n, d, &it), 0);
		if (d > 0)
			assert_int_equal(eth_rlp_decode(b, n, d - 1, &it), SIGIL_E_INVALID);
	}
	/* Past the hard ceiling, whatever the caller asks. */
	size_t n = nested(b, ETH_RLP_DEPTH_MAX + 1);
	assert_int_equal(eth_rlp_decode(b, n, 1000, &it), SIGIL_E_INVALID);
	assert_null(it.p);
}

static void
test_items_and_integers(void **state)
{
	struct eth_rlp list, items[2], it;
	uint8_t buf[64], be[32];
	uint64_t v;
	size_t n, len;

	(void)state;
	assert_int_equal(dec_hex("c3010203", 1, &list, buf, &len), 0);
	assert_int_equal(eth_rlp_items(&list, items, 2, &n), SIGIL_E_INVALID);
	assert_int_equal(n, 3);
	assert_int_equal(dec_hex("83646f67", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_items(&it, items, 2, &n), SIGIL_E_INVALID);

	/* Integers: 0 is the empty string; no leading zero; no lists. */
	assert_int_equal(dec_hex("80", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), 0);
	assert_true(v == 0);
	assert_int_equal(dec_hex("00", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), SIGIL_E_INVALID);
	assert_int_equal(dec_hex("820400", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), 0);
	assert_true(v == 1024);
	assert_int_equal(dec_hex("820004", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), SIGIL_E_INVALID);
	assert_int_equal(dec_hex("88ffffffffffffffff", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dec_hex("89010000000000000000", 0, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_u64(&it, &v), SIGIL_E_INVALID);
	assert_int_equal(eth_rlp_uint(&it, be, 32), 0);
	assert_int_equal(be[23], 1);
	assert_int_equal(dec_hex("a1010000000000000000000000000000000000000000000000000000000000000000",
	                         0, &it, buf, &len),
	                 0);
	assert_int_equal(eth_rlp_uint(&it, be, 32), SIGIL_E_INVALID); /* 33 bytes */
	assert_int_equal(dec_hex("c0", 0, &it, buf, &len), SIGIL_E_INVALID); /* depth 0: no list */
	assert_int_equal(dec_hex("c0", 1, &it, buf, &len), 0);
	assert_int_equal(eth_rlp_uint(&it, be, 32), SIGIL_E_INVALID);
}

/* A random tree written by the writer: strings of lengths around the
 * header boundaries, single bytes either side of 0x80, lists in lists. */
static void
write_tree(struct eth_rlp_w *w, unsigned depth)
{
	static const size_t lens[] = {0, 1, 1, 2, 54, 55, 56, 57, 255, 256, 300};
	uint8_t s[300];

	if (depth == 0 || randombytes_uniform(3) == 0) {
		size_t n = lens[randombytes_uniform(sizeof(lens) / sizeof(lens[0]))];

		randombytes_buf(s, n);
		eth_rlp_put_bytes(w, s, n);
		return;
	}
	/* Items into a buffer of their own, then the header and them. */
	uint8_t *inner = malloc(65536);
	struct eth_rlp_w iw;
	unsigned k = randombytes_uniform(5);

	assert_non_null(inner);
	eth_rlp_w_init(&iw, inner, 65536);
	for (unsigned i = 0; i < k; i++)
		write_tree(&iw, depth - 1);
	assert_int_equal(iw.err, 0);
	eth_rlp_put_list_head(w, iw.len);
	eth_rlp_put_raw(w, inner, iw.len);
	free(inner);
}

/* Walks a decoded tree and writes it again. */
static void
rewrite(struct eth_rlp_w *w, const struct eth_rlp *it)
{
	struct eth_rlp_w count;
	struct eth_rlp_iter iter;
	struct eth_rlp sub;

	if (!it->list) {
		eth_rlp_put_bytes(w, it->p, it->len);
		return;
	}
	eth_rlp_w_init(&count, NULL, 0);
	eth_rlp_iter_init(&iter, it);
	while (eth_rlp_next(&iter, &sub) == 1)
		rewrite(&count, &sub);
	eth_rlp_put_list_head(w, count.len);
	eth_rlp_iter_init(&iter, it);
	while (eth_rlp_next(&iter, &sub) == 1)
		rewrite(w, &sub);
}

static void
test_random_round_trip(void **state)
{
	static uint8_t buf[1 << 20], again[1 << 20];
	struct eth_rlp_w w, w2;
	struct eth_rlp it, cut;
	size_t len, len2;

	(void)state;
	for (int i = 0; i < 300; i++) {
		eth_rlp_w_init(&w, buf, sizeof(buf));
		write_tree(&w, 4);
		assert_int_equal(eth_rlp_w_end(&w, &len), 0);
		assert_int_equal(eth_rlp_decode(buf, len, 4, &it), 0);
		assert_int_equal(it.raw_len, len);
		eth_rlp_w_init(&w2, again, sizeof(again));
		rewrite(&w2, &it);
		assert_int_equal(eth_rlp_w_end(&w2, &len2), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(buf, again, len);
		/* Every cut of it is refused, and as short, not as anything else. */
		if (len < 1000) {
			for (size_t k = 0; k < len; k++) {
				void *map;
				size_t ml;
				const uint8_t *p = (const uint8_t *)flush_copy(buf, k, &map, &ml);
				int rc = eth_rlp_decode(p, k, 4, &cut);

				assert_true(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID);
				munmap(map, ml);
			}
		}
	}
}

static void
test_writer(void **state)
{
	uint8_t buf[8], be[32] = {0};
	struct eth_rlp_w w;
	size_t len;

	(void)state;
	/* Integers lose their leading zeros; 0 is 0x80; small ones are bytes. */
	eth_rlp_w_init(&w, buf, sizeof(buf));
	eth_rlp_put_uint(&w, be, 32);
	be[31] = 0x7f;
	eth_rlp_put_uint(&w, be, 32);
	be[31] = 0x80;
	eth_rlp_put_uint(&w, be, 32);
	eth_rlp_put_u64(&w, 1024);
	assert_int_equal(eth_rlp_w_end(&w, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "\x80\x7f\x81\x80\x82\x04\x00", 7);
	assert_int_equal(eth_rlp_u64_len(0), 1);
	assert_int_equal(eth_rlp_u64_len(UINT64_MAX), 9);
	assert_int_equal(eth_rlp_uint_len(be, 32), 2);
	assert_int_equal(eth_rlp_head_len(55), 1);
	assert_int_equal(eth_rlp_head_len(56), 2);
	assert_int_equal(eth_rlp_head_len(65536), 4);
	/* Out of room: remembered, and nothing written past cap. */
	eth_rlp_w_init(&w, buf, 3);
	eth_rlp_put_u64(&w, UINT64_MAX);
	eth_rlp_put_u64(&w, 1);
	assert_int_equal(eth_rlp_w_end(&w, &len), SIGIL_E_TOO_BIG);
	assert_int_equal(len, 0);
	/* Counting only. */
	eth_rlp_w_init(&w, NULL, 0);
	eth_rlp_put_list_head(&w, 1000);
	eth_rlp_put_u64(&w, UINT64_MAX);
	assert_int_equal(eth_rlp_w_end(&w, &len), 0);
	assert_int_equal(len, 3 + 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_examples),
		cmocka_unit_test(test_non_canonical),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_items_and_integers),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_writer),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
