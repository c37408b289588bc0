/* Tests for sigil_ed25519_commit / sigil_ed25519_finish (src/crypto/sig.h)
 * with prepared keys (sigil_key_new).
 *
 * Known answers are RFC 8032 section 7.1, tests 1 to 3 (messages of 0, 1
 * and 2 bytes). Beyond them, every signature must be byte-identical to
 * libsodium's crypto_sign_detached, which we did not write, over many keys
 * and 32-byte digests (what Tezos signs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "../unit_util.h"

static const struct {
	const char *sk, *pk, *msg, *sig;
} rfc8032[] = {
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
	 "39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
	 "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	 "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67"
	 "f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

/* A prepared key for seed; pk, if not NULL, gets its public key, and sk,
 * if not NULL, libsodium's own signing key for the same seed. */
static struct sigil_key *
ed_key(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64])
{
	struct sigil_key *k = NULL;
	uint8_t p[SIGIL_PK_MAX], own[64], ownpk[32];
	size_t plen;

	assert_int_equal(sigil_key_new(SIGIL_KEY_ED25519, seed, NULL, 0, &k), 0);
	sigil_key_pubkey(k, p, &plen);
	assert_int_equal(plen, 32);
	assert_int_equal(crypto_sign_seed_keypair(ownpk, own, seed), 0);
	assert_memory_equal(p, ownpk, 32);
	if (pk != NULL)
		memcpy(pk, p, 32);
	if (sk != NULL)
		memcpy(sk, own, 64);
	return k;
}

static void
two_halves(const struct sigil_key *key, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	uint8_t nonce[SIGIL_ED25519_NONCE_LEN];

	assert_int_equal(sigil_ed25519_commit(key, msg, len, nonce), 0);
	assert_int_equal(sigil_ed25519_finish(key, nonce, msg, len, sig), 0);
}

static void
test_rfc8032(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t seed[32], pk[32], kpk[32], msg[8], want[64], sig[64];
		size_t len = unhex(rfc8032[i].msg, msg, sizeof(msg));
		struct sigil_key *key;

		unhex(rfc8032[i].sk, seed, 32);
		unhex(rfc8032[i].pk, pk, 32);
		unhex(rfc8032[i].sig, want, 64);
		key = ed_key(seed, kpk, NULL);
		assert_memory_equal(kpk, pk, 32);
		two_halves(key, msg, len, sig);
		assert_memory_equal(sig, want, 64);
		sigil_key_free(key);
	}
}

static void
test_same_as_libsodium(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	for (int i = 0; i < 2000; i++) {
		uint8_t seed[32], sk[64], pk[32], d[32], want[64], sig[64];
		size_t siglen;
		struct sigil_key *key;

		randombytes_buf(seed, sizeof(seed));
		randombytes_buf(d, sizeof(d));
		key = ed_key(seed, pk, sk);
		assert_int_equal(crypto_sign_detached(want, NULL, d, sizeof(d), sk), 0);
		two_halves(key, d, sizeof(d), sig);
		assert_memory_equal(sig, want, 64);
		assert_int_equal(crypto_sign_verify_detached(sig, d, sizeof(d), pk), 0);
		/* The whole signature of the prepared key, the same bytes. */
		uint8_t whole[SIGIL_SIG_MAX];
		assert_int_equal(sigil_key_sign_digest(key, d, whole, &siglen), 0);
		assert_int_equal(siglen, 64);
		assert_memory_equal(whole, want, 64);
		sigil_key_free(key);
	}
}

/* A nonce serves only the key and message it was made for: the r of one
 * message in a signature of another would give the key away. */
static void
test_nonce_is_per_message(void **state)
{
	uint8_t seed[32], pk[32], d1[32], d2[32];
	uint8_t n1[SIGIL_ED25519_NONCE_LEN], n2[SIGIL_ED25519_NONCE_LEN], sig[64];
	struct sigil_key *key;

	(void)state;
	assert_true(sodium_init() >= 0);
	randombytes_buf(seed, sizeof(seed));
	key = ed_key(seed, pk, NULL);
	memset(d1, 1, sizeof(d1));
	memset(d2, 2, sizeof(d2));
	assert_int_equal(sigil_ed25519_commit(key, d1, 32, n1), 0);
	assert_int_equal(sigil_ed25519_commit(key, d2, 32, n2), 0);
	assert_memory_not_equal(n1, n2, SIGIL_ED25519_NONCE_LEN);
	assert_int_equal(sigil_ed25519_finish(key, n2, d2, 32, sig), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, d2, 32, pk), 0);
	assert_int_equal(sigil_ed25519_finish(key, n1, d2, 32, sig), SIGIL_E_INVALID);
	for (size_t i = 0; i < sizeof(sig); i++)
		assert_int_equal(sig[i], 0);
	/* Another key's nonce for the same message. */
	uint8_t seed2[32];
	struct sigil_key *key2;
	randombytes_buf(seed2, sizeof(seed2));
	key2 = ed_key(seed2, NULL, NULL);
	assert_int_equal(sigil_ed25519_commit(key2, d2, 32, n1), 0);
	assert_int_equal(sigil_ed25519_finish(key, n1, d2, 32, sig), SIGIL_E_INVALID);
	sigil_key_free(key);
	sigil_key_free(key2);
}

/* Any change to a committed nonce is refused, R and the tag included: an
 * R that is not rB gives a signature with the same r and another k, which
 * beside the genuine one gives the key away. Every bit of the buffer is
 * flipped in turn, over keys and digests; the untouched nonce gives
 * exactly libsodium's signature. */
static void
test_every_bit_flip_refused(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	for (int round = 0; round < 4; round++) {
		uint8_t seed[32], sk[64], d[32], want[64], sig[64];
		uint8_t nonce[SIGIL_ED25519_NONCE_LEN], flipped[SIGIL_ED25519_NONCE_LEN];
		struct sigil_key *key;

		randombytes_buf(seed, sizeof(seed));
		randombytes_buf(d, sizeof(d));
		key = ed_key(seed, NULL, sk);
		assert_int_equal(crypto_sign_detached(want, NULL, d, sizeof(d), sk), 0);
		assert_int_equal(sigil_ed25519_commit(key, d, sizeof(d), nonce), 0);
		for (size_t bit = 0; bit < 8 * sizeof(nonce); bit++) {
			memcpy(flipped, nonce, sizeof(flipped));
			flipped[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			memset(sig, 0xa5, sizeof(sig));
			assert_int_equal(sigil_ed25519_finish(key, flipped, d, sizeof(d), sig),
			                 SIGIL_E_INVALID);
			for (size_t i = 0; i < sizeof(sig); i++)
				assert_int_equal(sig[i], 0);
		}
		assert_int_equal(sigil_ed25519_finish(key, nonce, d, sizeof(d), sig), 0);
		assert_memory_equal(sig, want, 64);
		sigil_key_free(key);
	}
}

/* The tag is keyed: the right r and R under a tag made without the
 * signer's secret (here: zero, or one computed for another key) fail.
 * White box: r ‖ R are the first 64 bytes, the tag the rest
 * (ed25519.c). */
static void
test_tag_is_keyed(void **state)
{
	uint8_t seed[32], pk[32];
	uint8_t d[32], n[SIGIL_ED25519_NONCE_LEN], n2[SIGIL_ED25519_NONCE_LEN], sig[64];
	struct sigil_key *key, *key2;

	(void)state;
	assert_true(sodium_init() >= 0);
	randombytes_buf(seed, sizeof(seed));
	key = ed_key(seed, pk, NULL);
	randombytes_buf(seed, sizeof(seed));
	key2 = ed_key(seed, NULL, NULL);
	memset(d, 7, sizeof(d));
	assert_int_equal(sigil_ed25519_commit(key, d, sizeof(d), n), 0);
	assert_int_equal(sigil_ed25519_commit(key2, d, sizeof(d), n2), 0);
	/* The tags differ between keys for one message. */
	assert_memory_not_equal(n + 64, n2 + 64, SIGIL_ED25519_NONCE_LEN - 64);
	memcpy(n2, n, 64); /* key's r and R, key2's tag */
	assert_int_equal(sigil_ed25519_finish(key, n2, d, sizeof(d), sig), SIGIL_E_INVALID);
	memset(n2 + 64, 0, SIGIL_ED25519_NONCE_LEN - 64);
	assert_int_equal(sigil_ed25519_finish(key, n2, d, sizeof(d), sig), SIGIL_E_INVALID);
	assert_int_equal(sigil_ed25519_finish(key, n, d, sizeof(d), sig), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, d, sizeof(d), pk), 0);
	sigil_key_free(key);
	sigil_key_free(key2);
}

/* The halves are Ed25519's alone: a key of another type is refused. */
static void
test_other_types_refused(void **state)
{
	uint8_t sk[32], d[32] = {0}, nonce[SIGIL_ED25519_NONCE_LEN], sig[64];
	struct sigil_key *key;

	(void)state;
	assert_int_equal(sigil_keygen(SIGIL_KEY_SECP256K1, sk), 0);
	assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &key), 0);
	assert_int_equal(sigil_ed25519_commit(key, d, sizeof(d), nonce), SIGIL_E_UNSUPPORTED);
	assert_int_equal(sigil_ed25519_finish(key, nonce, d, sizeof(d), sig), SIGIL_E_UNSUPPORTED);
	sigil_key_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_same_as_libsodium),
		cmocka_unit_test(test_nonce_is_per_message),
		cmocka_unit_test(test_every_bit_flip_refused),
		cmocka_unit_test(test_tag_is_keyed),
		cmocka_unit_test(test_other_types_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
