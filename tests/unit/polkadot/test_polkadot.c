/* The Polkadot codec (chain/polkadot/): SCALE compact integers in their
 * four modes with every non-canonical form refused; SS58 against
 * addresses @polkadot/util-crypto 14.0.3 encodeAddress wrote (Alice's key
 * under prefixes 0, 2, 42, 63, 64, 255, 1000, 16383); signing payloads
 * built here byte by byte for each call sigil reads, batches hiding a
 * transfer, unknown calls (the end read from the back), cut at every
 * length, oversized, wrong indices and tags. Inputs sit flush against a
 * PROT_NONE page, so one byte read past the end crashes. */
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
#include "base/b58.h"
#include "chain/polkadot/extrinsic.h"
#include "chain/polkadot/scale.h"
#include "chain/polkadot/ss58.h"
#include "../unit_util.h"

static const char alice_hex[] = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
static const char bob_hex[] = "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";

/* ---- compact integers ---------------------------------------------------- */

static int
compact_hex(const char *hex, size_t max_bytes, uint8_t le[16], size_t *used)
{
	uint8_t b[64];
	size_t n = unhex(hex, b, sizeof(b)), ml;
	void *map;
	struct scale_cur c;
	int rc;

	scale_cur_init(&c, (const uint8_t *)flush_copy(b, n, &map, &ml), n);
	rc = scale_compact(&c, max_bytes, le);
	*used = c.off;
	munmap(map, ml);
	return rc;
}

static void
test_compact_known(void **state)
{
	/* parity-scale-codec's encodings, as @polkadot/util compactToU8a writes them */
	static const struct {
		const char *hex, *dec;
	} v[] = {
		{"00", "0"}, {"04", "1"}, {"fc", "63"}, {"0101", "64"}, {"fdff", "16383"},
		{"02000100", "16384"}, {"feffffff", "1073741823"}, {"0300000040", "1073741824"},
		{"03ffffffff", "4294967295"}, {"070000000001", "4294967296"},
		{"33ffffffffffffffffffffffffffffffff", "340282366920938463463374607431768211455"},
	};
	uint8_t le[16], enc[SCALE_COMPACT_MAX], want[32];
	char dec[SCALE_U128_DEC];
	size_t used, n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(compact_hex(v[i].hex, 16, le, &used), 0);
		assert_int_equal(used, strlen(v[i].hex) / 2);
		assert_int_equal(scale_le_decimal(le, 16, dec, sizeof(dec)), 0);
		assert_string_equal(dec, v[i].dec);
		n = scale_compact_put(le, enc, sizeof(enc));
		assert_int_equal(n, unhex(v[i].hex, want, sizeof(want)));
		assert_memory_equal(enc, want, n);
	}
	/* u32 ceiling: 2^32 - 1 fits in 4 bytes, 2^32 does not */
	assert_int_equal(compact_hex("03ffffffff", 4, le, &used), 0);
	assert_int_equal(compact_hex("070000000001", 4, le, &used), SIGIL_E_TOO_BIG);
	assert_int_equal(used, 0);
	/* 17 bytes of value: over u128 whatever follows */
	assert_int_equal(compact_hex("37", 16, le, &used), SIGIL_E_TOO_BIG);
	/* one byte of value allowed: 64 does not fit? it does; 256 does not */
	assert_int_equal(compact_hex("0101", 1, le, &used), 0);
	assert_int_equal(compact_hex("0104", 1, le, &used), SIGIL_E_TOO_BIG);
}

static void
test_compact_refused(void **state)
{
	static const char *const noncanon[] = {
		"0100", "fd00",             /* two bytes for 0 and 63 */
		"02000000", "feff0000",     /* four bytes for 0 and 16383 */
		"03ffffff3f", "0300000000", /* big mode under 2^30 */
		"070000000000",             /* five bytes, top one zero */
		"33ffffffffffffffffffffffffffffff00",
	};
	static const char *const cut[] = {"", "01", "02", "020000", "03", "03ffffff", "07ffffffff"};
	uint8_t le[16];
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof(noncanon) / sizeof(noncanon[0]); i++) {
		assert_int_equal(compact_hex(noncanon[i], 16, le, &used), SIGIL_E_INVALID);
		assert_int_equal(used, 0);
	}
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		assert_int_equal(compact_hex(cut[i], 16, le, &used), SIGIL_E_INCOMPLETE);
}

static void
test_scale_misc(void **state)
{
	static const uint8_t b[] = {0x02, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, 0x0c, 0xaa};
	struct scale_cur c;
	bool flag;
	uint32_t u, n;

	(void)state;
	scale_cur_init(&c, b, sizeof(b));
	assert_int_equal(scale_bool(&c, &flag), SIGIL_E_INVALID);
	assert_int_equal(c.off, 0);
	c.off = 1;
	assert_int_equal(scale_option(&c, &flag), 0);
	assert_true(flag);
	assert_int_equal(scale_bool(&c, &flag), 0);
	assert_false(flag);
	assert_int_equal(scale_u32(&c, &u), 0);
	assert_int_equal(u, 0x12345678);
	/* length 3 with one byte left: cannot be */
	assert_int_equal(scale_vec_len(&c, 100, 1, &n), SIGIL_E_INCOMPLETE);
	assert_int_equal(scale_vec_len(&c, 2, 1, &n), SIGIL_E_TOO_BIG);
	assert_int_equal(scale_u32(&c, &u), SIGIL_E_INCOMPLETE);
}

/* ---- SS58 ------------------------------------------------------------------ */

static void
test_ss58_known(void **state)
{
	static const struct {
		uint16_t prefix;
		const char *addr;
	} v[] = {
		{0, "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"},
		{2, "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},
		{42, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
		{63, "7NPoMQbiA6trJKkjB35uk96MeJD4PGWkLQLH7k7hXEkZpiba"},
		{64, "cEaNSpz4PxFcZ7nT1VEKrKewH67rfx6MfcM6yKojyyPz7qaqp"},
		{255, "yGHXkYLYqxijLKKfd9Q2CB9shRVu8rPNBS53wvwGTutYg4zTg"},
		{1000, "vji5kpxBaPKwct6PAdHiJUPCU1hqBEAPaLMF59sXAjn4NeEaJ"},
		{16383, "yNa8JpqfFB3q8A29rCwSgxvdU94ufJw2yKKxDgznS5m1PoFvn"},
	};
	uint8_t alice[32], bob[32], id[32];
	char text[DOT_SS58_TEXT];
	uint16_t prefix;

	(void)state;
	unhex(alice_hex, alice, sizeof(alice));
	unhex(bob_hex, bob, sizeof(bob));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(dot_ss58_encode(v[i].prefix, alice, text, sizeof(text)), 0);
		assert_string_equal(text, v[i].addr);
		assert_int_equal(dot_ss58_decode(v[i].addr, strlen(v[i].addr), &prefix, id), 0);
		assert_int_equal(prefix, v[i].prefix);
		assert_memory_equal(id, alice, 32);
	}
	assert_int_equal(dot_ss58_encode(0, bob, text, sizeof(text)), 0);
	assert_string_equal(text, "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3");
	assert_int_equal(dot_ss58_encode(42, bob, text, sizeof(text)), 0);
	assert_string_equal(text, "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
	assert_int_equal(dot_ss58_encode(42, bob, text, 10), SIGIL_E_TOO_BIG);
	assert_int_equal(dot_ss58_encode(16384, bob, text, sizeof(text)), SIGIL_E_INVALID);
	assert_int_equal(dot_ss58_encode(46, bob, text, sizeof(text)), SIGIL_E_INVALID);
}

/* raw bytes ‖ their SS58 checksum, in base58: addresses no encoder writes. */
static void
forge(const uint8_t *body, size_t n, char *out, size_t cap)
{
	crypto_generichash_state st;
	uint8_t raw[64], h[64];

	memcpy(raw, body, n);
	crypto_generichash_init(&st, NULL, 0, 64);
	crypto_generichash_update(&st, (const uint8_t *)"SS58PRE", 7);
	crypto_generichash_update(&st, body, n);
	crypto_generichash_final(&st, h, 64);
	memcpy(raw + n, h, 2);
	assert_int_equal(b58_encode(raw, n + 2, out, cap), 0);
}

static void
test_ss58_refused(void **state)
{
	const char *alice42 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	uint8_t body[40], id[32];
	char text[B58_TEXT_MAX], bad[B58_TEXT_MAX + 40];
	uint16_t prefix;

	(void)state;
	/* a changed character: the checksum */
	strcpy(bad, alice42);
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	assert_int_equal(dot_ss58_decode(bad, strlen(bad), &prefix, id), SIGIL_E_CHECKSUM);
	assert_int_equal(prefix, 0);
	/* not base58, empty, cut, too long */
	assert_int_equal(dot_ss58_decode("0OIl", 4, &prefix, id), SIGIL_E_INVALID);
	assert_int_equal(dot_ss58_decode("", 0, &prefix, id), SIGIL_E_INVALID);
	assert_int_equal(dot_ss58_decode(alice42, strlen(alice42) - 1, &prefix, id), SIGIL_E_INVALID);
	memset(bad, 'z', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	assert_int_equal(dot_ss58_decode(bad, strlen(bad), &prefix, id), SIGIL_E_TOO_BIG);
	/* a valid checksum around a reserved prefix, a two-byte prefix under 64,
	 * a first byte of 128 and more, and a 33-byte account */
	unhex(alice_hex, body + 1, 32);
	body[0] = 46;
	forge(body, 33, text, sizeof(text));
	assert_int_equal(dot_ss58_decode(text, strlen(text), &prefix, id), SIGIL_E_INVALID);
	body[0] = 0x40; /* 01000000 00000000: prefix 0 in two bytes */
	body[1] = 0x00;
	unhex(alice_hex, body + 2, 32);
	forge(body, 34, text, sizeof(text));
	assert_int_equal(dot_ss58_decode(text, strlen(text), &prefix, id), SIGIL_E_INVALID);
	body[0] = 0x80;
	forge(body, 34, text, sizeof(text));
	assert_int_equal(dot_ss58_decode(text, strlen(text), &prefix, id), SIGIL_E_INVALID);
	body[0] = 42;
	forge(body, 34, text, sizeof(text));
	assert_int_equal(dot_ss58_decode(text, strlen(text), &prefix, id), SIGIL_E_INVALID);
}

/* ---- payloads --------------------------------------------------------------- */

struct pb {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct pb *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put_hex(struct pb *p, const char *hex)
{
	uint8_t b[256];
	size_t n = unhex(hex, b, sizeof(b));

	put(p, b, n);
}

static void
put_compact(struct pb *p, uint64_t v)
{
	uint8_t le[16] = {0}, enc[SCALE_COMPACT_MAX];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	put(p, enc, scale_compact_put(le, enc, sizeof(enc)));
}

static void
put_u32(struct pb *p, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	put(p, b, 4);
}

static void
put_transfer(struct pb *p, const struct dot_network *net, uint8_t call, const char *who,
             uint64_t amount)
{
	uint8_t head[3] = {net->balances, call, 0x00};

	put(p, head, 3);
	put_hex(p, who);
	put_compact(p, amount);
}

/* extra and additional: era as hex ("00" immortal), mode -1 for a
 * network without CheckMetadataHash, block NULL for the genesis hash. */
static void
put_tail(struct pb *p, const struct dot_network *net, const char *era, uint64_t nonce,
         uint64_t tip, int mode, const uint8_t *block)
{
	static const uint8_t mh[32] = {0xab, 0xcd};
	uint8_t m = (uint8_t)mode;

	put_hex(p, era);
	put_compact(p, nonce);
	put_compact(p, tip);
	if (mode >= 0)
		put(p, &m, 1);
	put_u32(p, 1003000);
	put_u32(p, 26);
	put(p, net->genesis, 32);
	put(p, block != NULL ? block : net->genesis, 32);
	if (mode == 0)
		put_hex(p, "00");
	if (mode == 1) {
		put_hex(p, "01");
		put(p, mh, 32);
	}
}

static int
decode(const struct pb *p, const struct dot_network *net, struct dot_payload *out)
{
	char reason[160];
	size_t ml;
	void *map;
	const uint8_t *b = (const uint8_t *)flush_copy(p->b, p->n, &map, &ml);
	int rc = dot_payload_decode(b, p->n, net, out, reason, sizeof(reason));

	assert_non_null(memchr(reason, '\0', sizeof(reason)));
	assert_true((rc == 0) == (reason[0] == '\0'));
	munmap(map, ml);
	return rc;
}

/* Every prefix of p is refused. */
static void
all_cuts_refused(const struct pb *p, const struct dot_network *net)
{
	struct dot_payload d;
	struct pb cut;

	for (size_t i = 0; i < p->n; i++) {
		memcpy(cut.b, p->b, i);
		cut.n = i;
		int rc = decode(&cut, net, &d);
		assert_true(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID);
	}
}

static void
test_transfer_keep_alive(void **state)
{
	const struct dot_network *net = &dot_net_polkadot;
	struct dot_payload d;
	struct pb p = {.n = 0};
	uint8_t hash[32];
	const uint8_t *msg;
	size_t mlen;

	(void)state;
	put_transfer(&p, net, 3, bob_hex, 12345678901234ull);
	put_tail(&p, net, "00", 7, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_true(d.call_known && d.has_extra && d.has_additional && d.has_genesis);
	assert_false(d.opaque);
	assert_int_equal(d.batch, DOT_BATCH_NONE);
	assert_int_equal(d.n_ops, 1);
	assert_int_equal(d.ops[0].kind, DOT_OP_TRANSFER_KEEP_ALIVE);
	assert_string_equal(dot_op_kind_name(d.ops[0].kind), "transfer_keep_alive");
	assert_string_equal(d.ops[0].amount, "12345678901234");
	assert_string_equal(d.ops[0].destination, "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3");
	assert_true(d.ops[0].dest_account && d.ops[0].keep_alive);
	assert_true(d.immortal);
	assert_int_equal(d.nonce, 7);
	assert_string_equal(d.tip, "0");
	assert_int_equal(d.spec_version, 1003000);
	assert_int_equal(d.tx_version, 26);
	assert_false(d.has_metadata_hash);
	assert_memory_equal(d.genesis, net->genesis, 32);
	assert_int_equal(d.call_len, 3 + 32 + 7); /* 2^43 < amount < 2^44: 6 bytes and a prefix */
	all_cuts_refused(&p, net);
	/* short: signed as it is */
	dot_signing_bytes(p.b, p.n, hash, &msg, &mlen);
	assert_ptr_equal(msg, p.b);
	assert_int_equal(mlen, p.n);
	/* a byte more: trailing */
	put_hex(&p, "00");
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
}

static void
test_each_call(void **state)
{
	const struct dot_network *net = &dot_net_westend;
	uint8_t block[32];
	struct dot_payload d;
	struct pb p = {.n = 0};

	(void)state;
	memset(block, 0x5a, sizeof(block));
	/* transfer_allow_death, mortal era (period 64, phase 42), metadata hash on */
	put_transfer(&p, net, 0, alice_hex, UINT64_MAX);
	put_tail(&p, net, "a502", 1u << 30, 1000, 1, block);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.ops[0].kind, DOT_OP_TRANSFER_ALLOW_DEATH);
	assert_false(d.ops[0].keep_alive);
	assert_string_equal(d.ops[0].amount, "18446744073709551615");
	assert_string_equal(d.ops[0].destination, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
	assert_false(d.immortal);
	assert_int_equal(d.era_period, 64);
	assert_int_equal(d.era_phase, 42);
	assert_int_equal(d.nonce, 1u << 30);
	assert_string_equal(d.tip, "1000");
	assert_int_equal(d.mode, 1);
	assert_true(d.has_metadata_hash);
	assert_int_equal(d.metadata_hash[0], 0xab);
	assert_memory_equal(d.block_hash, block, 32);
	all_cuts_refused(&p, net);

	/* transfer_all, keep_alive: no amount, so opaque */
	p.n = 0;
	put_hex(&p, "0404");
	put_hex(&p, "00");
	put_hex(&p, bob_hex);
	put_hex(&p, "01");
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.ops[0].kind, DOT_OP_TRANSFER_ALL);
	assert_string_equal(d.ops[0].amount, "");
	assert_true(d.ops[0].keep_alive && d.opaque && d.call_known);
	p.b[2 + 33] = 2; /* not a bool */
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);

	/* force_transfer: source and destination */
	p.n = 0;
	put_hex(&p, "040200");
	put_hex(&p, alice_hex);
	put_hex(&p, "00");
	put_hex(&p, bob_hex);
	put_compact(&p, 5);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.ops[0].kind, DOT_OP_FORCE_TRANSFER);
	assert_string_equal(d.ops[0].source, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
	assert_string_equal(d.ops[0].destination, "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
	assert_string_equal(d.ops[0].amount, "5");
	assert_false(d.opaque);
}

static void
test_addresses(void **state)
{
	const struct dot_network *net = &dot_net_kusama;
	static const struct {
		const char *addr, *text;
		bool account;
	} v[] = {
		{"03" "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
		 "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", true},
		{"04" "00112233445566778899aabbccddeeff00112233",
		 "0x00112233445566778899aabbccddeeff00112233", false},
		{"02" "0c" "010203", "raw:0x010203", false},
		{"01", "index", false}, /* AccountIndex is (): no bytes */
	};
	struct dot_payload d;
	struct pb p;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p.n = 0;
		put_hex(&p, "0403");
		put_hex(&p, v[i].addr);
		put_compact(&p, 1);
		put_tail(&p, net, "00", 0, 0, 0, NULL);
		assert_int_equal(decode(&p, net, &d), 0);
		assert_string_equal(d.ops[0].destination, v[i].text);
		assert_int_equal(d.ops[0].dest_account, v[i].account);
		assert_int_equal(d.opaque, !v[i].account);
	}
	/* variant 5 does not exist; a raw address over the ceiling */
	p.n = 0;
	put_hex(&p, "040305");
	put_hex(&p, alice_hex);
	put_compact(&p, 1);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	p.n = 0;
	put_hex(&p, "040302");
	put_compact(&p, DOT_RAW_ADDR_MAX + 1);
	for (int i = 0; i < 3; i++)
		put_hex(&p, alice_hex);
	put_compact(&p, 1);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_TOO_BIG);
}

static void
test_batches(void **state)
{
	const struct dot_network *net = &dot_net_polkadot;
	struct dot_payload d;
	struct pb p = {.n = 0};

	(void)state;
	/* batch_all [small transfer, large transfer]: both seen */
	put_hex(&p, "1a02");
	put_compact(&p, 2);
	put_transfer(&p, net, 3, alice_hex, 1);
	put_transfer(&p, net, 0, bob_hex, 1000000000000000ull);
	put_tail(&p, net, "00", 3, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.batch, DOT_BATCH_ALL);
	assert_int_equal(d.n_ops, 2);
	assert_string_equal(d.ops[0].amount, "1");
	assert_string_equal(d.ops[1].amount, "1000000000000000");
	assert_string_equal(d.ops[1].destination, "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3");
	assert_false(d.opaque);
	all_cuts_refused(&p, net);

	/* force_batch [batch [transfer]]: nested, flattened */
	p.n = 0;
	put_hex(&p, "1a04");
	put_compact(&p, 1);
	put_hex(&p, "1a00");
	put_compact(&p, 1);
	put_transfer(&p, net, 3, bob_hex, 9);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.batch, DOT_BATCH_FORCE);
	assert_int_equal(d.n_ops, 1);
	assert_string_equal(d.ops[0].amount, "9");

	/* batch [transfer, system.remark(...), transfer]: stops at the remark */
	p.n = 0;
	put_hex(&p, "1a00");
	put_compact(&p, 3);
	put_transfer(&p, net, 3, bob_hex, 9);
	put_hex(&p, "0000" "0c" "616263"); /* system.remark(b"abc") */
	put_transfer(&p, net, 3, alice_hex, 999999999);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.batch, DOT_BATCH);
	assert_false(d.call_known);
	assert_true(d.opaque);
	assert_int_equal(d.n_ops, 2);
	assert_int_equal(d.ops[1].kind, DOT_OP_UNKNOWN);
	assert_int_equal(d.ops[1].pallet, 0);
	assert_false(d.has_extra);
	assert_true(d.has_additional && d.has_genesis);
	assert_int_equal(d.spec_version, 1003000);
	all_cuts_refused(&p, net);

	/* a batch over the ceiling, and one longer than its bytes */
	p.n = 0;
	put_hex(&p, "1a00");
	put_compact(&p, DOT_BATCH_MAX + 1);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_TOO_BIG);
	p.n = 0;
	put_hex(&p, "1a00");
	put_compact(&p, 1000);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INCOMPLETE);

	/* batches nested past DOT_DEPTH_MAX: the innermost is unknown */
	p.n = 0;
	for (int i = 0; i <= DOT_DEPTH_MAX; i++) {
		put_hex(&p, "1a00");
		put_compact(&p, 1);
	}
	put_transfer(&p, net, 3, bob_hex, 9);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_false(d.call_known);
	assert_true(d.opaque);
	assert_int_equal(d.ops[0].kind, DOT_OP_UNKNOWN);

	/* more calls than DOT_OPS_MAX: counted */
	p.n = 0;
	put_hex(&p, "1a02");
	put_compact(&p, DOT_OPS_MAX + 3);
	for (int i = 0; i < DOT_OPS_MAX + 3; i++)
		put_transfer(&p, net, 3, bob_hex, (uint64_t)i);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), 0);
	assert_int_equal(d.n_ops, DOT_OPS_MAX + 3);
	assert_string_equal(d.ops[DOT_OPS_MAX - 1].amount, "7");
}

static void
test_wrong_indices(void **state)
{
	struct dot_payload d;
	struct pb p = {.n = 0};

	(void)state;
	/* A Kusama transfer (Balances = 4) read as Polkadot's (Balances = 5):
	 * an unknown call, and Kusama's genesis refused. */
	put_transfer(&p, &dot_net_kusama, 3, bob_hex, 1);
	put_tail(&p, &dot_net_kusama, "00", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, &dot_net_kusama, &d), 0);
	assert_int_equal(decode(&p, &dot_net_polkadot, &d), SIGIL_E_INVALID);
	/* balances call 9 (no such call read): unknown, the end still read */
	p.n = 0;
	put_hex(&p, "0509");
	put_hex(&p, bob_hex);
	put_tail(&p, &dot_net_polkadot, "00", 0, 0, 1, NULL);
	assert_int_equal(decode(&p, &dot_net_polkadot, &d), 0);
	assert_true(d.opaque && !d.call_known && d.has_additional && d.has_metadata_hash);
	assert_int_equal(d.ops[0].pallet, 5);
	assert_int_equal(d.ops[0].call, 9);
	/* too short for any reading */
	p.n = 0;
	put_hex(&p, "0509");
	assert_int_equal(decode(&p, &dot_net_polkadot, &d), SIGIL_E_INCOMPLETE);
}

static void
test_extra_refused(void **state)
{
	const struct dot_network *net = &dot_net_polkadot;
	uint8_t other[32];
	struct dot_payload d;
	struct pb p;

	(void)state;
	memset(other, 7, sizeof(other));
	/* period 2 (low nibble 0): invalid era */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "1000", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	/* phase >= period: e = 0x0041 gives period 4, phase 4 */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "4100", 0, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	/* immortal, but the block hash is not the genesis hash */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "00", 0, 0, 0, other);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	/* mode 2; mode 1 with None; mode 0 with Some */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "00", 0, 0, 2, NULL);
	put_hex(&p, "00");
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "00", 0, 0, 0, NULL);
	p.b[3 + 32 + 1 + 3] = 1;
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	/* a nonce over 32 bits */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, net, "00", 1ull << 32, 0, 0, NULL);
	assert_int_equal(decode(&p, net, &d), SIGIL_E_TOO_BIG);
	/* another network's genesis */
	p.n = 0;
	put_transfer(&p, net, 3, bob_hex, 1);
	put_tail(&p, &dot_net_westend, "00", 0, 0, 0, NULL);
	p.b[1] = 3;
	assert_int_equal(decode(&p, net, &d), SIGIL_E_INVALID);
	/* over the ceiling */
	{
		size_t ml;
		void *map;
		uint8_t *big = calloc(1, DOT_PAYLOAD_MAX + 1);
		char reason[160];

		assert_non_null(big);
		const uint8_t *b = (const uint8_t *)flush_copy(big, DOT_PAYLOAD_MAX + 1, &map, &ml);
		assert_int_equal(dot_payload_decode(b, DOT_PAYLOAD_MAX + 1, net, &d, reason,
		                                    sizeof(reason)), SIGIL_E_TOO_BIG);
		assert_non_null(strstr(reason, "over"));
		munmap(map, ml);
		free(big);
	}
}

/* An unknown call whose end fits both readings of CheckMetadataHash's
 * data. Reading "Some" (mode 1 at len-106, additional at len-105, 0x01 at
 * len-33) and reading "None" (mode 0 at len-74, additional at len-73, 0x00
 * at len-1) overlap: None's mode byte is byte 23 of Some's genesis hash,
 * and None's genesis hash is Some's block hash. Polkadot's genesis hash has
 * 0xb4 there, so no payload reads as Polkadot both ways. */
static void
build_ambiguous(struct pb *p, const uint8_t g_some[32], const uint8_t g_none[32])
{
	p->n = 0;
	put_hex(p, "0000" "000000");  /* system.remark (unknown) and room */
	put_hex(p, "01");             /* len-106: mode 1 */
	put_u32(p, 1);
	put_u32(p, 2);
	put(p, g_some, 32);           /* len-97 */
	put(p, g_none, 32);           /* len-65: Some's block, None's genesis */
	put_hex(p, "01");             /* len-33: Some */
	put(p, g_none, 32);           /* the hash; None's block hash */
	p->b[p->n - 1] = 0;           /* len-1: None */
	assert_int_equal(p->n, 2 + 3 + 1 + 105);
	assert_int_equal(p->b[p->n - 74], 0);
}

static void
test_ambiguous_end(void **state)
{
	struct dot_network open = dot_net_polkadot;
	uint8_t g1[32] = {0}, g2[32];
	struct dot_payload d;
	struct pb p;

	(void)state;
	open.check_genesis = false;
	memcpy(g2, dot_net_polkadot.genesis, 32);
	/* the same genesis both ways: known, the rest is not */
	build_ambiguous(&p, g1, g1);
	assert_int_equal(decode(&p, &open, &d), 0);
	assert_true(d.opaque && d.has_genesis);
	assert_false(d.has_additional || d.has_extra || d.call_known);
	assert_memory_equal(d.genesis, g1, 32);
	/* two genesis hashes: no network */
	build_ambiguous(&p, g1, g2);
	assert_int_equal(decode(&p, &open, &d), 0);
	assert_false(d.has_genesis || d.has_additional);
	/* where the network must be checked, refused */
	assert_int_equal(decode(&p, &dot_net_polkadot, &d), SIGIL_E_INVALID);
	/* one reading spoilt (Some's mode byte): the other is read */
	p.b[p.n - 106] = 7;
	assert_int_equal(decode(&p, &dot_net_polkadot, &d), 0);
	assert_true(d.has_additional && !d.has_metadata_hash);
	assert_memory_equal(d.genesis, g2, 32);
}

/* A runtime without CheckMetadataHash: no mode byte, 72 bytes of
 * additional, read from the end after an unknown call. */
static void
test_no_metadata_hash(void **state)
{
	struct dot_network old = dot_net_westend;
	struct dot_payload d;
	struct pb p = {.n = 0};

	(void)state;
	old.metadata_hash = false;
	put_transfer(&p, &old, 3, bob_hex, 77);
	put_tail(&p, &old, "00", 1, 2, -1, NULL);
	assert_int_equal(decode(&p, &old, &d), 0);
	assert_true(d.call_known && d.has_additional && !d.has_metadata_hash);
	assert_string_equal(d.ops[0].amount, "77");
	assert_string_equal(d.tip, "2");
	assert_int_equal(decode(&p, &dot_net_westend, &d), SIGIL_E_INVALID); /* mode 0xf8 */
	all_cuts_refused(&p, &old);
	p.n = 0;
	put_hex(&p, "0000" "04" "ff");
	put_tail(&p, &old, "a502", 1, 2, -1, NULL);
	assert_int_equal(decode(&p, &old, &d), 0);
	assert_true(!d.call_known && d.has_additional && d.opaque);
	assert_int_equal(d.tx_version, 26);
	all_cuts_refused(&p, &old);
}

static void
test_signing_bytes(void **state)
{
	uint8_t buf[300], hash[32], want[32];
	const uint8_t *msg;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	dot_signing_bytes(buf, 256, hash, &msg, &n);
	assert_ptr_equal(msg, buf);
	assert_int_equal(n, 256);
	dot_signing_bytes(buf, 257, hash, &msg, &n);
	crypto_generichash(want, 32, buf, 257, NULL, 0);
	assert_ptr_equal(msg, hash);
	assert_int_equal(n, 32);
	assert_memory_equal(hash, want, 32);
	assert_ptr_equal(dot_network_find("kusama"), &dot_net_kusama);
	assert_null(dot_network_find("rococo"));
	assert_null(dot_network_at(3));
	assert_int_equal(dot_op_kind_from_name("transfer_all"), DOT_OP_TRANSFER_ALL);
	assert_int_equal(dot_op_kind_from_name("transfer"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_known),
		cmocka_unit_test(test_compact_refused),
		cmocka_unit_test(test_scale_misc),
		cmocka_unit_test(test_ss58_known),
		cmocka_unit_test(test_ss58_refused),
		cmocka_unit_test(test_transfer_keep_alive),
		cmocka_unit_test(test_each_call),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_wrong_indices),
		cmocka_unit_test(test_extra_refused),
		cmocka_unit_test(test_ambiguous_end),
		cmocka_unit_test(test_no_metadata_hash),
		cmocka_unit_test(test_signing_bytes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
