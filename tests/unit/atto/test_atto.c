/* Tests for src/chain/atto (atto.h).
 *
 * Known answers from attocash/commons' own tests (commons-core/src/
 * commonTest): AttoHashTest (blake2b-256 of 32 zero bytes),
 * AttoSignatureTest (the zero seed's signature of the zero hash),
 * AttoAddressTest and the JSON blocks of AttoBlockTest (addresses of known
 * public keys). The layouts themselves are checked against @noble/hashes
 * and @noble/curves by tests/integration/test_atto_codec.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "chain/atto/atto.h"

#include "../unit_util.h"

static void
fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + 7 * i);
}

static struct atto_block
sample_block(enum atto_block_type t)
{
	struct atto_block b;

	memset(&b, 0, sizeof(b));
	b.type = t;
	b.network = ATTO_NET_LOCAL;
	fill(b.public_key, sizeof(b.public_key), 1);
	b.height = t == ATTO_BLOCK_OPEN ? 1 : 2;
	b.balance = ATTO_AMOUNT_MAX;
	b.timestamp = 1704616009211;
	fill(b.previous, sizeof(b.previous), 2);
	fill(b.send_hash, sizeof(b.send_hash), 3);
	fill(b.representative, sizeof(b.representative), 4);
	fill(b.receiver, sizeof(b.receiver), 5);
	b.amount = 1;
	return b;
}

/* AttoHashTest "should hash". */
static void
test_blake2b_known(void **state)
{
	uint8_t zero[32] = {0}, h[32], want[32];

	(void)state;
	unhex("89EB0D6A8A691DAE2CD15ED0369931CE0A949ECAFA5C3F93F8121833646E15C3", want, 32);
	atto_blake2b(h, 32, zero, sizeof(zero));
	assert_memory_equal(h, want, 32);
}

/* Our BLAKE2b against libsodium's at the lengths both have, across the
 * 128-byte block edges. */
static void
test_blake2b_vs_sodium(void **state)
{
	uint8_t in[400], a[64], b[64];

	(void)state;
	fill(in, sizeof(in), 9);
	for (size_t len = 0; len <= sizeof(in); len++) {
		for (size_t out = 16; out <= 64; out += 16) {
			atto_blake2b(a, out, in, len);
			crypto_generichash(b, out, in, len, NULL, 0);
			assert_memory_equal(a, b, out);
		}
	}
}

/* AttoSignatureTest "should sign": Ed25519 of the zero seed over the zero
 * hash; the key signs the 32 hash bytes as its message. */
static void
test_signature_known(void **state)
{
	uint8_t seed[32] = {0}, pk[32], sk[64], hash[32] = {0}, sig[64];
	char text[ATTO_SIG_TEXT_MAX];

	(void)state;
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, hash, sizeof(hash), sk);
	assert_int_equal(atto_hex_encode(sig, sizeof(sig), text, sizeof(text)), 0);
	assert_string_equal(text, "3DA1EBDFA96EDD181DBE3659D1C051C431F056A5AD6A97A60D5CCA10460438783546461"
	                          "E31285FC59F91C7072642745061E2451D5FF33BCCD8C3C74DABCAF60A");
	assert_int_equal(atto_hex_encode(sig, sizeof(sig), text, sizeof(text) - 1), SIGIL_E_TOO_BIG);
}

static const struct {
	const char *pk, *addr;
} addr_vectors[] = {
	/* AttoBlockTest's OPEN block: address and representativeAddress. */
	{"15625A4831C8F1312F1DB41550D0FD6C730FCC259ACE0FF88B500EA96783A348",
	 "aakwewsighepcmjpdw2bkugq7vwhgd6mewnm4d7yrnia5klhqorurxntbiiim"},
	{"69C010A8A74924D083D1FC8234861B4B357530F42341484B4EBDA6B99F047105",
	 "abu4aefiu5esjued2h6ienegdnftk5jq6qrucsclj262nom7aryql4esxmsae"},
};

static void
test_address_known(void **state)
{
	uint8_t pk[32], back[32];
	char text[ATTO_ADDRESS_TEXT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(addr_vectors) / sizeof(addr_vectors[0]); i++) {
		unhex(addr_vectors[i].pk, pk, sizeof(pk));
		assert_int_equal(atto_address_encode(pk, text, sizeof(text)), 0);
		assert_string_equal(text + strlen(ATTO_ADDRESS_SCHEME), addr_vectors[i].addr);
		assert_int_equal(strncmp(text, ATTO_ADDRESS_SCHEME, 7), 0);
		assert_int_equal(atto_address_parse(text, back), 0);
		assert_memory_equal(back, pk, 32);
		assert_int_equal(atto_address_parse(addr_vectors[i].addr, back), 0);
		assert_memory_equal(back, pk, 32);
	}
	/* AttoAddressTest's address parses and writes back the same. */
	const char *a = "atto://aarfzz26z5pfwrkdcwt4jdhhe2vvixscqwehgmfjqxku43rgtjso5p5cjw6fw";
	assert_int_equal(atto_address_parse(a, back), 0);
	assert_int_equal(atto_address_encode(back, text, sizeof(text)), 0);
	assert_string_equal(text, a);
	assert_int_equal(atto_address_encode(back, text, sizeof(text) - 1), SIGIL_E_TOO_BIG);
}

static void
test_address_refused(void **state)
{
	const char *good = "atto://aarfzz26z5pfwrkdcwt4jdhhe2vvixscqwehgmfjqxku43rgtjso5p5cjw6fw";
	char bad[96];
	uint8_t pk[32];

	(void)state;
	/* AttoAddressTest: a wrong last letter fails the checksum. */
	snprintf(bad, sizeof(bad), "%.*sa", (int)strlen(good) - 1, good);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_CHECKSUM);
	/* A flipped letter inside the key. */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[20] = bad[20] == 'a' ? 'b' : 'a';
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_CHECKSUM);
	/* Uppercase, a nano_ prefix, short, long, padding, bad letters. */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[10] = 'A';
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	snprintf(bad, sizeof(bad), "nano_%s", good + 7);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(good) - 1, good);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	snprintf(bad, sizeof(bad), "%sa", good);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	snprintf(bad, sizeof(bad), "%s=", good);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	snprintf(bad, sizeof(bad), "%s", good);
	bad[12] = '1';
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	assert_int_equal(atto_address_parse(NULL, pk), SIGIL_E_INVALID);
	assert_int_equal(atto_address_parse("", pk), SIGIL_E_INVALID);
	/* The unused last bit set: the same 38 bytes, a second spelling. */
	snprintf(bad, sizeof(bad), "%s", good);
	size_t last = strlen(bad) - 1;
	int v = bad[last] >= 'a' ? bad[last] - 'a' : bad[last] - '2' + 26;
	assert_true((v & 1) == 0);
	v |= 1;
	bad[last] = (char)(v < 26 ? 'a' + v : '2' + v - 26);
	assert_int_equal(atto_address_parse(bad, pk), SIGIL_E_INVALID);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(pk[i], 0);
}

static void
test_hex(void **state)
{
	uint8_t b[4];
	char t[9];

	(void)state;
	assert_int_equal(atto_hex_decode("0aFf10c3", 8, b, 4), 0);
	assert_int_equal(atto_hex_encode(b, 4, t, sizeof(t)), 0);
	assert_string_equal(t, "0AFF10C3");
	/* commons' lenient reader takes "+1", "-1" and odd lengths; we do not. */
	assert_int_equal(atto_hex_decode("-1FF10C3", 8, b, 4), SIGIL_E_INVALID);
	assert_int_equal(atto_hex_decode("+1FF10C3", 8, b, 4), SIGIL_E_INVALID);
	assert_int_equal(atto_hex_decode("0AFF10C", 7, b, 4), SIGIL_E_INVALID);
	assert_int_equal(atto_hex_decode("0AFF10C3 ", 9, b, 4), SIGIL_E_INVALID);
	assert_int_equal(atto_hex_decode("0AFF10G3", 8, b, 4), SIGIL_E_INVALID);
}

/* Every type round-trips, at its exact length, with its hash the
 * blake2b-256 of its bytes, and the field offsets where commons writes
 * them. */
static void
test_block_roundtrip(void **state)
{
	static const size_t lens[] = {119, 126, 134, 126};

	(void)state;
	for (int t = 0; t < ATTO_BLOCK_TYPES; t++) {
		struct atto_block b = sample_block((enum atto_block_type)t), d;
		uint8_t buf[ATTO_BLOCK_MAX], h[32];
		size_t len;
		char reason[128];

		assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), 0);
		assert_int_equal(len, lens[t]);
		assert_int_equal(buf[0], t);
		assert_int_equal(buf[1], ATTO_NET_LOCAL);
		assert_int_equal(buf[2] | buf[3], 0); /* version, u16 LE */
		assert_int_equal(buf[4], ATTO_ALGORITHM_V1);
		assert_memory_equal(buf + 5, b.public_key, 32);
		size_t off = 37;
		if (t != ATTO_BLOCK_OPEN) {
			assert_int_equal(buf[off], 2); /* height LE */
			off += 8;
		}
		/* 18e18 little-endian: 0xF9CCD8A1C5080000. */
		static const uint8_t max_le[8] = {0x00, 0x00, 0x08, 0xC5, 0xA1, 0xD8, 0xCC, 0xF9};
		assert_memory_equal(buf + off, max_le, 8);
		atto_blake2b(h, 32, buf, len);
		assert_memory_equal(h, b.hash, 32);
		assert_int_equal(atto_block_decode(buf, len, &d, reason, sizeof(reason)), 0);
		assert_int_equal(d.type, t);
		assert_int_equal(d.height, b.height);
		assert_int_equal(d.balance, b.balance);
		assert_int_equal(d.timestamp, b.timestamp);
		assert_memory_equal(d.hash, b.hash, 32);
		assert_int_equal(d.has_previous, t != ATTO_BLOCK_OPEN);
		assert_int_equal(d.has_receiver, t == ATTO_BLOCK_SEND);
		if (d.has_receiver) {
			assert_int_equal(d.amount, 1);
			assert_memory_equal(d.receiver, b.receiver, 32);
		}
		if (d.has_representative)
			assert_memory_equal(d.representative, b.representative, 32);
		if (d.has_send_hash)
			assert_memory_equal(d.send_hash, b.send_hash, 32);
	}
}

/* Every prefix of every type is refused as incomplete, flush against an
 * unreadable page; one byte more is refused as trailing. */
static void
test_block_prefixes(void **state)
{
	(void)state;
	for (int t = 0; t < ATTO_BLOCK_TYPES; t++) {
		struct atto_block b = sample_block((enum atto_block_type)t), d;
		uint8_t buf[ATTO_BLOCK_MAX + 1];
		size_t len;

		assert_int_equal(atto_block_encode(&b, buf, &len, NULL, 0), 0);
		for (size_t n = 0; n < len; n++) {
			void *map;
			size_t maplen;
			const uint8_t *p = (const uint8_t *)flush_copy(buf, n, &map, &maplen);
			char reason[160];
			assert_int_equal(atto_block_decode(p, n, &d, reason, sizeof(reason)),
			                 SIGIL_E_INCOMPLETE);
			assert_true(reason[0] != '\0');
			assert_int_equal(d.type | d.balance | d.height, 0);
			munmap(map, maplen);
		}
		buf[len] = 0;
		if (len + 1 <= ATTO_BLOCK_MAX)
			assert_int_equal(atto_block_decode(buf, len + 1, &d, NULL, 0), SIGIL_E_INVALID);
		else
			assert_int_equal(atto_block_decode(buf, len + 1, &d, NULL, 0), SIGIL_E_TOO_BIG);
	}
}

static int
decode_patched(enum atto_block_type t, size_t off, uint8_t val)
{
	struct atto_block b = sample_block(t), d;
	uint8_t buf[ATTO_BLOCK_MAX];
	size_t len;
	char reason[160];
	int rc;

	assert_int_equal(atto_block_encode(&b, buf, &len, NULL, 0), 0);
	buf[off] = val;
	rc = atto_block_decode(buf, len, &d, reason, sizeof(reason));
	if (rc != 0) {
		assert_true(reason[0] != '\0');
		assert_int_equal(d.height, 0);
	}
	return rc;
}

static void
test_block_refused(void **state)
{
	(void)state;
	/* Unknown type tags: 4 and up (255 is commons' UNKNOWN). */
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 0, 4), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 0, 255), SIGIL_E_INVALID);
	/* A type byte naming a shorter type: the length is wrong for it. */
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 0, ATTO_BLOCK_OPEN), SIGIL_E_INVALID);
	/* Unknown network (9 is commons' UNKNOWN), CASH known. */
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 1, 9), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 1, 5), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 1, ATTO_NET_CASH), 0);
	/* Versions above 0, in either byte of the u16. */
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 2, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 3, 1), SIGIL_E_INVALID);
	/* Algorithms other than V1: the block's, and each inner one. */
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 4, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_SEND, 93, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_OPEN, 53, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_OPEN, 86, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_RECEIVE, 93, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_CHANGE, 93, 1), SIGIL_E_INVALID);
	/* Height 1 (and 0) after OPEN. */
	assert_int_equal(decode_patched(ATTO_BLOCK_CHANGE, 37, 1), SIGIL_E_INVALID);
	assert_int_equal(decode_patched(ATTO_BLOCK_RECEIVE, 37, 0), SIGIL_E_INVALID);
	/* Balance above the maximum (top byte of 18e18 raised). */
	assert_int_equal(decode_patched(ATTO_BLOCK_CHANGE, 52, 0xFA), SIGIL_E_INVALID);
	/* A negative timestamp (sign bit of the i64). */
	assert_int_equal(decode_patched(ATTO_BLOCK_CHANGE, 60, 0x80), SIGIL_E_INVALID);

	struct atto_block b = sample_block(ATTO_BLOCK_SEND);
	uint8_t buf[ATTO_BLOCK_MAX];
	size_t len;
	char reason[160];
	b.amount = 0;
	assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_int_equal(len, 0);
	b = sample_block(ATTO_BLOCK_SEND);
	memcpy(b.receiver, b.public_key, 32);
	assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), SIGIL_E_INVALID);
	b = sample_block(ATTO_BLOCK_RECEIVE);
	b.balance = 0;
	assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), SIGIL_E_INVALID);
	b = sample_block(ATTO_BLOCK_OPEN);
	b.height = 2;
	assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), SIGIL_E_INVALID);
	b = sample_block(ATTO_BLOCK_SEND);
	b.type = (enum atto_block_type)7;
	assert_int_equal(atto_block_encode(&b, buf, &len, reason, sizeof(reason)), SIGIL_E_INVALID);
}

static void
test_vote(void **state)
{
	struct atto_vote v, d;
	uint8_t buf[ATTO_VOTE_LEN + 1], h[32];
	char reason[128];

	(void)state;
	memset(&v, 0, sizeof(v));
	fill(v.public_key, 32, 1);
	fill(v.block_hash, 32, 2);
	v.timestamp = ATTO_TIMESTAMP_FINAL;
	assert_int_equal(atto_vote_encode(&v, buf, reason, sizeof(reason)), 0);
	assert_true(v.final);
	/* version u16, V1, key, V1, block hash, timestamp i64 LE. */
	assert_int_equal(buf[0] | buf[1] | buf[2] | buf[35], 0);
	assert_memory_equal(buf + 3, v.public_key, 32);
	assert_memory_equal(buf + 36, v.block_hash, 32);
	assert_int_equal(buf[75], 0x7F);
	assert_int_equal(buf[68], 0xFF);
	atto_blake2b(h, 32, buf, ATTO_VOTE_LEN);
	assert_memory_equal(h, v.hash, 32);
	assert_int_equal(atto_vote_decode(buf, ATTO_VOTE_LEN, &d, reason, sizeof(reason)), 0);
	assert_true(d.final);
	assert_memory_equal(d.hash, v.hash, 32);
	for (size_t n = 0; n < ATTO_VOTE_LEN; n++) {
		void *map;
		size_t maplen;
		const uint8_t *p = (const uint8_t *)flush_copy(buf, n, &map, &maplen);
		assert_int_equal(atto_vote_decode(p, n, &d, reason, sizeof(reason)), SIGIL_E_INCOMPLETE);
		munmap(map, maplen);
	}
	buf[ATTO_VOTE_LEN] = 0;
	assert_int_equal(atto_vote_decode(buf, ATTO_VOTE_LEN + 1, &d, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	static const size_t bad_at[] = {0, 1, 2, 35};
	for (size_t i = 0; i < sizeof(bad_at) / sizeof(bad_at[0]); i++) {
		uint8_t c[ATTO_VOTE_LEN];
		memcpy(c, buf, sizeof(c));
		c[bad_at[i]] = 1;
		assert_int_equal(atto_vote_decode(c, sizeof(c), &d, reason, sizeof(reason)),
		                 SIGIL_E_INVALID);
		assert_true(reason[0] != '\0');
	}
	buf[75] = 0x80; /* negative */
	assert_int_equal(atto_vote_decode(buf, ATTO_VOTE_LEN, &d, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	v.timestamp = 1704616009211;
	assert_int_equal(atto_vote_encode(&v, buf, NULL, 0), 0);
	assert_false(v.final);
	v.version = 1;
	assert_int_equal(atto_vote_encode(&v, buf, reason, sizeof(reason)), SIGIL_E_INVALID);
}

/* The signer's own Cucumber check: blake2b-512(pk ‖ challenge ‖ ts LE). */
static void
test_challenge(void **state)
{
	uint8_t pk[32], ch[ATTO_CHALLENGE_MAX + 1], h[64], want[64], msg[32 + 64 + 8];
	char reason[128];
	int64_t ts = 1704616009211;

	(void)state;
	fill(pk, 32, 1);
	memset(ch, 0, sizeof(ch));
	memcpy(msg, pk, 32);
	memcpy(msg + 32, ch, 64);
	for (int i = 0; i < 8; i++)
		msg[96 + i] = (uint8_t)((uint64_t)ts >> (8 * i));
	crypto_generichash(want, 64, msg, sizeof(msg), NULL, 0);
	assert_int_equal(atto_challenge_hash(pk, ch, 64, ts, h, reason, sizeof(reason)), 0);
	assert_memory_equal(h, want, 64);
	assert_int_equal(atto_challenge_hash(pk, ch, ATTO_CHALLENGE_MAX, ts, h, NULL, 0), 0);
	assert_int_equal(atto_challenge_hash(pk, ch, 63, ts, h, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	assert_int_equal(atto_challenge_hash(pk, ch, ATTO_CHALLENGE_MAX + 1, ts, h, reason,
	                                     sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	assert_int_equal(atto_challenge_hash(pk, ch, 64, -1, h, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	for (int i = 0; i < 64; i++)
		assert_int_equal(h[i], 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(atto_block_type_name(ATTO_BLOCK_CHANGE), "CHANGE");
	assert_null(atto_block_type_name((enum atto_block_type)4));
	assert_int_equal(atto_block_type_from_name("SEND", 4), ATTO_BLOCK_SEND);
	assert_int_equal(atto_block_type_from_name("send", 4), -1);
	assert_int_equal(atto_block_type_from_name("SENDX", 4), ATTO_BLOCK_SEND);
	assert_int_equal(atto_block_type_from_name("SENDX", 5), -1);
	assert_int_equal(atto_network_from_name("LOCAL", 5), ATTO_NET_LOCAL);
	assert_int_equal(atto_network_from_name("UNKNOWN", 7), -1);
	assert_string_equal(atto_network_name(ATTO_NET_LIVE), "LIVE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2b_known),
		cmocka_unit_test(test_blake2b_vs_sodium),
		cmocka_unit_test(test_signature_known),
		cmocka_unit_test(test_address_known),
		cmocka_unit_test(test_address_refused),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_block_roundtrip),
		cmocka_unit_test(test_block_prefixes),
		cmocka_unit_test(test_block_refused),
		cmocka_unit_test(test_vote),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_names),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
