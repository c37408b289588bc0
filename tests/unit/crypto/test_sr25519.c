/* sr25519 (crypto/sr25519.h).
 *
 * Known answers, from implementations we did not write:
 *   - public keys of mini secrets from polkadot-sdk's sp-core tests
 *     (substrate/primitives/core/src/sr25519.rs: sr_test_vector_should_work,
 *     seeded_pair_should_work) and the key of schnorrkel's own doc test
 *     (src/keys.rs, SecretKey::from_ed25519_bytes: 28b0ae22... gives
 *     46ebddef...), which is also what @scure/sr25519 2.3.0 secretFromSeed
 *     gives for the mini secret fac7959d... (the 64 bytes below);
 *   - signatures: @scure/sr25519 2.3.0 sign(secretKey, msg, random) with
 *     random = 32 zero bytes, which is the witness sigil fixes (sr25519.c);
 *     the same bytes prove the whole Merlin/STROBE construction;
 *   - polkadot-sdk's verify_known_old_message_should_work: a signature of
 *     schnorrkel 0.1.1, before the marker bit, which today's verify refuses.
 * Then the properties: round trips over many lengths, any flipped bit of
 * message, context, signature or public key refused, s not reduced and
 * the marker refused, determinism, bad scalars and the identity key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sr25519.h"
#include "../unit_util.h"

#define CTX ((const uint8_t *)SIGIL_SR25519_CTX_SUBSTRATE)
#define CTX_LEN (sizeof(SIGIL_SR25519_CTX_SUBSTRATE) - 1)

static const struct {
	const char *mini, *ed, *pk, *sig_empty, *sig_abc;
} known[] = {
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f"
	 "9b4f0afe280b746a778684e75442502057b7473a03f08f96f5a38e9287e01f8f",
	 "44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f",
	 "98a600e8d68449ab9c578377d10df7251d618b67f724af4def961b4e8c08e740"
	 "db9b78cf7f9e40fde60c88cfc95674bac50679056699275ddcec692c526c738b",
	 "9a6e9a687fbd45457b61f038eaf9c1d2243eba00bc696c14d30f6703bc7e5669"
	 "a6e416bd048bcafd7fdd16c7c1ec46a9496ef13d89747729e6aea90f1cfbc687"},
	/* "12345678901234567890123456789012" */
	{"3132333435363738393031323334353637383930313233343536373839303132",
	 "f0106660c3dda23f16daa9ac5b811b963077f5bc0af89f85804f0de8e424f050"
	 "f98d66f39442506ff947fd911f18c7a7a5da639a63e8d3b4e233f74143d951c1",
	 "741c08a06f41c596608f6774259bd9043304adfa5d3eea62760bd9be97634d63",
	 "007bd9ee1e80f6e9313d34d17bf007eb1cbbb94ca878b03bee411b15096e576d"
	 "65b2b08f3ad28416424e624d5195f2f890a5fb6b04787e42301c37795e61448a",
	 "a2f79dedab7ab7fb799cfd8822acc6624659805faba13b1e5003b74df4f02148"
	 "1141621dc5339e94cd31af46616223713db83242395fbdb49aacb84d5281a889"},
	{"fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e",
	 "28b0ae221c6bb06856b287f60d7ea0d98552ea5a16db16956849aa371db3eb51"
	 "fd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34",
	 "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",
	 "2aca002fd2a7c69b864483c14e47eb7b7be408273dd73b753b4c84976c434543"
	 "e4b070c03fd4704c5ca95678f7dc791d16da4e7554ef932f207f0ed1c26d5086",
	 "9491eb3b4af1b2b2d750502d0ad1c576710fe2f598cfc579de392e2f2fe06128"
	 "fb6e535bf0d6debbed6d1e7a8e11d9f1b046df677757edaeac8c4a1a9bc6b382"},
};

/* l, little-endian. */
static const char order_hex[] = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

static void
keypair(const uint8_t mini[32], uint8_t sk[64], uint8_t pk[32])
{
	assert_int_equal(sigil_sr25519_expand_mini(mini, sk), 0);
	assert_int_equal(sigil_sr25519_public(sk, pk), 0);
}

static void
test_known_keys(void **state)
{
	uint8_t mini[32], ed[64], want_pk[32], sk[64], pk[32], got_ed[64], sk2[64];

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		unhex(known[i].mini, mini, sizeof(mini));
		unhex(known[i].ed, ed, sizeof(ed));
		unhex(known[i].pk, want_pk, sizeof(want_pk));
		keypair(mini, sk, pk);
		assert_memory_equal(pk, want_pk, sizeof(pk));
		/* the nonce seed is SHA-512's second half, unchanged */
		assert_memory_equal(sk + 32, ed + 32, 32);
		assert_int_equal(sigil_sr25519_to_ed25519_bytes(sk, got_ed), 0);
		assert_memory_equal(got_ed, ed, sizeof(ed));
		/* polkadot-js's 64-byte secretKey in */
		assert_int_equal(sigil_sr25519_from_ed25519_bytes(ed, sk2), 0);
		assert_memory_equal(sk2, sk, sizeof(sk));
		assert_int_equal(sigil_sr25519_public(sk2, pk), 0);
		assert_memory_equal(pk, want_pk, sizeof(pk));
	}
}

static void
test_known_signatures(void **state)
{
	uint8_t mini[32], sk[64], pk[32], want[64], sig[64];

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		unhex(known[i].mini, mini, sizeof(mini));
		keypair(mini, sk, pk);
		unhex(known[i].sig_empty, want, sizeof(want));
		assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, NULL, 0, sig), 0);
		assert_memory_equal(sig, want, sizeof(sig));
		assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, NULL, 0, sig), 0);
		unhex(known[i].sig_abc, want, sizeof(want));
		assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, (const uint8_t *)"abc", 3, sig),
		                 0);
		assert_memory_equal(sig, want, sizeof(sig));
		assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, (const uint8_t *)"abc", 3, sig), 0);
	}
}

/* Signed by schnorrkel 0.1.1 with no marker bit (byte 63 is 0x02):
 * Substrate's verify refuses it, and so must we. */
static void
test_old_unmarked(void **state)
{
	static const char msg[] = "Verifying that I am the owner of "
	                          "5G9hQLdsKQswNPgB499DeA5PkFBbgkLPJWkkS6FAM6xGQ8xD. Hash: 221455a3\n";
	uint8_t pk[32], sig[64];

	(void)state;
	unhex("b4bfa1f7a5166695eb75299fd1c4c03ea212871c342f2c5dfea0902b2c246918", pk, sizeof(pk));
	unhex("5a9755f069939f45d96aaf125cf5ce7ba1db998686f87f2fb3cbdea922078741"
	      "a73891ba265f70c31436e18a9acd14d189d73c12317ab6c313285cd938453202",
	      sig, sizeof(sig));
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, (const uint8_t *)msg,
	                                      sizeof(msg) - 1, sig),
	                 SIGIL_E_CRYPTO);
}

/* Random keys, messages of every length to 300 (across STROBE's 166-byte
 * block and Substrate's 256-byte hashing threshold), and two contexts. */
static void
test_round_trips(void **state)
{
	uint8_t mini[32], sk[64], pk[32], sig[64], sig2[64], msg[300];

	(void)state;
	for (size_t len = 0; len <= sizeof(msg); len += (len < 40 ? 1 : 13)) {
		randombytes_buf(mini, sizeof(mini));
		randombytes_buf(msg, len);
		keypair(mini, sk, pk);
		assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, msg, len, sig), 0);
		assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, msg, len, sig), 0);
		assert_true((sig[63] & 0x80) != 0);
		/* another context is another signature */
		assert_int_equal(sigil_sr25519_verify(pk, (const uint8_t *)"other", 5, msg, len, sig),
		                 SIGIL_E_CRYPTO);
		assert_int_equal(sigil_sr25519_sign(sk, pk, NULL, 0, msg, len, sig2), 0);
		assert_int_equal(sigil_sr25519_verify(pk, NULL, 0, msg, len, sig2), 0);
		assert_memory_not_equal(sig, sig2, sizeof(sig));
	}
	sodium_memzero(sk, sizeof(sk));
}

static void
test_deterministic(void **state)
{
	uint8_t mini[32], sk[64], pk[32], a[64], b[64];
	static const uint8_t msg[] = "transfer 1 DOT";

	(void)state;
	randombytes_buf(mini, sizeof(mini));
	keypair(mini, sk, pk);
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, msg, sizeof(msg), a), 0);
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, msg, sizeof(msg), b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* one message byte more: another nonce, so another R */
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, msg, sizeof(msg) - 1, b), 0);
	assert_memory_not_equal(a, b, 32);
	sodium_memzero(sk, sizeof(sk));
}

/* Every single-bit change of msg, ctx, sig or pk is refused. */
static void
test_bit_flips(void **state)
{
	uint8_t mini[32], sk[64], pk[32], sig[64], msg[40], ctx[CTX_LEN];

	(void)state;
	randombytes_buf(mini, sizeof(mini));
	randombytes_buf(msg, sizeof(msg));
	memcpy(ctx, CTX, CTX_LEN);
	keypair(mini, sk, pk);
	assert_int_equal(sigil_sr25519_sign(sk, pk, ctx, sizeof(ctx), msg, sizeof(msg), sig), 0);
	for (unsigned bit = 0; bit < 8 * sizeof(msg); bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg), sig),
		                 SIGIL_E_CRYPTO);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (unsigned bit = 0; bit < 8 * sizeof(ctx); bit++) {
		ctx[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg), sig),
		                 SIGIL_E_CRYPTO);
		ctx[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (unsigned bit = 0; bit < 8 * sizeof(sig); bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg), sig),
		                 SIGIL_E_CRYPTO);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (unsigned bit = 0; bit < 8 * sizeof(pk); bit++) {
		pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg), sig),
		                 SIGIL_E_CRYPTO);
		pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* and the untouched ones still pass: the loops restored every bit */
	assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg), sig), 0);
	/* a message truncated by one byte, or with one more */
	assert_int_equal(sigil_sr25519_verify(pk, ctx, sizeof(ctx), msg, sizeof(msg) - 1, sig),
	                 SIGIL_E_CRYPTO);
	sodium_memzero(sk, sizeof(sk));
}

/* 256-bit little-endian a += b; the carry out of the top is dropped. */
static void
add256(uint8_t a[32], const uint8_t b[32])
{
	unsigned c = 0;

	for (int i = 0; i < 32; i++) {
		c += (unsigned)a[i] + b[i];
		a[i] = (uint8_t)c;
		c >>= 8;
	}
}

/* s + l is the same scalar, another encoding: refused, as schnorrkel's
 * check_scalar refuses it (otherwise signatures are malleable). s = l
 * exactly is refused too, and so is a signature without the marker. */
static void
test_encodings(void **state)
{
	uint8_t mini[32], sk[64], pk[32], sig[64], bad[64], l[32];
	static const uint8_t msg[] = "m";

	(void)state;
	unhex(order_hex, l, sizeof(l));
	randombytes_buf(mini, sizeof(mini));
	keypair(mini, sk, pk);
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, msg, 1, sig), 0);

	memcpy(bad, sig, sizeof(bad));
	bad[63] &= 0x7f;
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, msg, 1, bad), SIGIL_E_CRYPTO);

	/* s + l < 2^254: it still fits under the marker bit */
	memcpy(bad, sig, sizeof(bad));
	bad[63] &= 0x7f;
	add256(bad + 32, l);
	assert_true(bad[63] < 0x80);
	bad[63] |= 0x80;
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, msg, 1, bad), SIGIL_E_CRYPTO);

	memcpy(bad, sig, 32);
	memcpy(bad + 32, l, 32);
	bad[63] |= 0x80;
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, msg, 1, bad), SIGIL_E_CRYPTO);
	sodium_memzero(sk, sizeof(sk));
}

/* The identity as a public key: with A = 0, R = s·B verifies any message
 * under schnorrkel's equation. Refused (as @scure/sr25519 does). */
static void
test_identity_key(void **state)
{
	uint8_t pk[32] = {0}, sig[64], one[32] = {1};

	(void)state;
	assert_int_equal(crypto_scalarmult_ristretto255_base(sig, one), 0);
	memcpy(sig + 32, one, 32);
	sig[63] |= 0x80;
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, NULL, 0, sig), SIGIL_E_CRYPTO);
	/* a public key that is no ristretto255 encoding at all */
	memset(pk, 0xff, sizeof(pk));
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, NULL, 0, sig), SIGIL_E_CRYPTO);
}

/* A scalar of l or more, or zero, is no key; sign refuses and leaves a
 * zeroed signature. */
static void
test_bad_scalars(void **state)
{
	uint8_t sk[64] = {0}, pk[32], sig[64], ed[64];

	(void)state;
	assert_int_equal(sigil_sr25519_public(sk, pk), SIGIL_E_CRYPTO); /* zero */
	unhex(order_hex, sk, 32);
	assert_int_equal(sigil_sr25519_public(sk, pk), SIGIL_E_CRYPTO);
	memset(pk, 0x11, sizeof(pk));
	memset(sig, 0xaa, sizeof(sig));
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, NULL, 0, sig), SIGIL_E_CRYPTO);
	assert_true(sodium_is_zero(sig, sizeof(sig)));
	assert_int_equal(sigil_sr25519_to_ed25519_bytes(sk, ed), SIGIL_E_CRYPTO);
	/* ed25519 bytes whose eighth is not below l */
	memset(ed, 0xff, sizeof(ed));
	assert_int_equal(sigil_sr25519_from_ed25519_bytes(ed, sk), SIGIL_E_CRYPTO);
	assert_true(sodium_is_zero(sk, sizeof(sk)));
	/* l - 1 is the largest key */
	unhex(order_hex, sk, 32);
	sk[0]--;
	assert_int_equal(sigil_sr25519_public(sk, pk), 0);
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, NULL, 0, sig), 0);
	assert_int_equal(sigil_sr25519_verify(pk, CTX, CTX_LEN, NULL, 0, sig), 0);
}

/* Merlin frames lengths in 32 bits: a message of 2^32 bytes is refused
 * before a byte of it is read (the buffer here is one byte). */
static void
test_too_big(void **state)
{
	uint8_t mini[32], sk[64], pk[32], sig[64], one = 0;

	(void)state;
	if (sizeof(size_t) <= 4)
		skip();
	randombytes_buf(mini, sizeof(mini));
	keypair(mini, sk, pk);
	assert_int_equal(sigil_sr25519_sign(sk, pk, CTX, CTX_LEN, &one, (size_t)UINT32_MAX + 1, sig),
	                 SIGIL_E_TOO_BIG);
	assert_true(sodium_is_zero(sig, sizeof(sig)));
	assert_int_equal(sigil_sr25519_verify(pk, &one, (size_t)UINT32_MAX + 1, NULL, 0, sig),
	                 SIGIL_E_CRYPTO);
	sodium_memzero(sk, sizeof(sk));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_keys),
		cmocka_unit_test(test_known_signatures),
		cmocka_unit_test(test_old_unmarked),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_identity_key),
		cmocka_unit_test(test_bad_scalars),
		cmocka_unit_test(test_too_big),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
