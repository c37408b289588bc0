/* sr25519 secret keys in the 64-byte ed25519 form (crypto/sr25519.h,
 * sigil_sr25519_secret_parse; sig.h, sigil_key_new_sized).
 *
 * Known answers, made with node by implementations we did not write
 * (@polkadot/util-crypto 14.0.3 and @scure/sr25519 2.3.0):
 *   ed  = sr25519PairFromSeed(seed).secretKey, which is byte for byte
 *         @scure's secretFromSeed(seed) (the script checked the two agree);
 *   pk  = its publicKey;
 *   sig = @scure's sign(ed, "sigil sr25519 import", 32 zero bytes), the
 *         witness sigil fixes (sr25519.c): sigil must give these bytes from
 *         the 64-byte form and from the seed alike.
 * And a key that has no seed: @scure's HDKD.secretSoft(secretFromSeed(07…),
 * chain code 14 00…, random 01…) (polkadot-js's sr25519DeriveSoft gives the
 * same first half and public key; its nonce is random), whose scalar is not
 * of the clamped shape a seed gives.
 * Then the text form's failures: truncated, oversized, wrong tag, bad
 * digits, and the 64 bytes that are no key (not 8x, x >= l, x = 0, a zero
 * nonce seed), each with a reason and nothing left in the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "crypto/sr25519.h"
#include "../unit_util.h"

static const char msg[] = "sigil sr25519 import";

static const struct {
	const char *seed, *ed, *pk, *sig;
} known[] = {
	{"0707070707070707070707070707070707070707070707070707070707070707",
	 "28ad39fefd7fa3e200a9c626eef599e61a2d055c48a8288a4e7e4c4bca392878"
	 "9c7d6db3506d65dbac7c052aaee4857425210c9bc54030c826e54055983452a5",
	 "7c0f469d3bd340bae718203fa30ca071a5e37c751e891dbded837b213d45d91d",
	 "9a02e6a65b199282d95828a32c80626a1ad39b52885f2cfcf901c23c6926027e"
	 "7f24115e1804d1bd365bb004952a234bdabeb5ea0cdbdf6bbdc916fb8a99a885"},
	{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f"
	 "a9d71862a3e5746b571be3d187b0041046f52ebd850c7cbd5fde8ee38473b649",
	 "e2111779981618705ecacea1af6ff9350bce2b2dccd03e0c3e01eb0c823d2666",
	 "6a99976d0d13028c522ee7127ee619f1dffe68e6c8abc38916530c55811c6555"
	 "2026d60c10842045dba4ae40fff69fcd217d9a9a797528abe9462fa0634bf58a"},
	{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	 "20cd6935864716a79d74dd5fabbd8964304051ca41a31c4659158ebb7c3d0b57"
	 "9b4522968797885508e64703de1cc0593063264b74b588f71b7de0161f21cf29",
	 "48016d8d7f20ddd9774f5cc776ee0547f92b92175e58434a26d0690fbfca745a",
	 "9634eca49f6448bb8a80bb68fa75bc9d53a4b8353a2a4c42aa2fa15fb4b5734c"
	 "23bd97019b2769fcd4d191f45a802ebe4cd7296d8aa69ec66acb810950492488"},
};

/* The soft-derived key (see above): no seed behind it. */
static const char soft_ed[] = "7809084961aa93955a87c6e1bf0a487733f84999f144e2153da56a957bab9b09"
                              "71f5a5458114bdc617b4aa7952d8c84a2b7c6cbba68ce73e2feb899e346778a8";
static const char soft_pk[] = "1258e3022a88d7c50986258b4deb512c762a2df38c88f20fa4515c5df8882c19";
static const char soft_sig[] = "f2ea96c215ea9d363ef438ea431dc90ebd987628aa306188348b33a9cefcf90c"
                               "1ccb91dfb2adb01681634d72d28bad65386fb5721cc6369e1610482e4d889b8e";

/* l, little-endian. */
static const char order_hex[] = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

/* The key's signature of msg, checked by sigil's verify. */
static void
sign_msg(const struct sigil_key *k, uint8_t sig[SIGIL_SIG_MAX])
{
	uint8_t pk[SIGIL_PK_MAX];
	size_t siglen = 0, pklen = 0;

	assert_int_equal(sigil_key_sign(k, SIGIL_SCHEME_PLAIN, (const uint8_t *)msg, strlen(msg), sig,
	                                &siglen),
	                 0);
	assert_int_equal(siglen, 64);
	sigil_key_pubkey(k, pk, &pklen);
	assert_int_equal(sigil_verify(SIGIL_KEY_SR25519, pk, pklen, SIGIL_SCHEME_PLAIN,
	                              (const uint8_t *)msg, strlen(msg), sig, 64),
	                 0);
}

/* The 64-byte form from a seed is polkadot-js's and @scure's secretKey, and
 * a key made from it is the seed's key: same public key, same signature,
 * which is @scure's. */
static void
test_known_expanded(void **state)
{
	uint8_t seed[32], ed[64], want_pk[32], want_sig[64], x[64], got_ed[64];
	uint8_t pk[SIGIL_PK_MAX], sig_ed[SIGIL_SIG_MAX], sig_seed[SIGIL_SIG_MAX];
	struct sigil_key *from_ed, *from_seed;
	size_t pklen;

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		unhex(known[i].seed, seed, sizeof(seed));
		unhex(known[i].ed, ed, sizeof(ed));
		unhex(known[i].pk, want_pk, sizeof(want_pk));
		unhex(known[i].sig, want_sig, sizeof(want_sig));
		/* sigil's own expansion, written in the ed25519 form */
		assert_int_equal(sigil_sr25519_expand_mini(seed, x), 0);
		assert_int_equal(sigil_sr25519_to_ed25519_bytes(x, got_ed), 0);
		assert_memory_equal(got_ed, ed, 64);
		assert_null(sigil_sr25519_ed25519_bytes_problem(ed));
		/* the 64 bytes as a secret of sig.h */
		assert_true(sigil_secret_len_ok(SIGIL_KEY_SR25519, 64));
		assert_int_equal(sigil_pubkey_sized(SIGIL_KEY_SR25519, ed, 64, pk, &pklen), 0);
		assert_int_equal(pklen, 32);
		assert_memory_equal(pk, want_pk, 32);
		assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SR25519, ed, 64, want_pk, 32, &from_ed), 0);
		assert_int_equal(sigil_key_new(SIGIL_KEY_SR25519, seed, NULL, 0, &from_seed), 0);
		sign_msg(from_ed, sig_ed);
		sign_msg(from_seed, sig_seed);
		assert_memory_equal(sig_ed, want_sig, 64);
		assert_memory_equal(sig_seed, want_sig, 64);
		sigil_key_free(from_ed);
		sigil_key_free(from_seed);
	}
}

/* A key with no seed behind it (soft derivation) signs as @scure does. */
static void
test_soft_derived(void **state)
{
	uint8_t ed[64], want_pk[32], want_sig[64], pk[SIGIL_PK_MAX], sig[SIGIL_SIG_MAX];
	struct sigil_key *k;
	size_t pklen;

	(void)state;
	unhex(soft_ed, ed, sizeof(ed));
	unhex(soft_pk, want_pk, sizeof(want_pk));
	unhex(soft_sig, want_sig, sizeof(want_sig));
	assert_true((ed[31] & 0x40) == 0); /* not the clamped shape of a seed's */
	assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SR25519, ed, 64, NULL, 0, &k), 0);
	sigil_key_pubkey(k, pk, &pklen);
	assert_int_equal(pklen, 32);
	assert_memory_equal(pk, want_pk, 32);
	sign_msg(k, sig);
	assert_memory_equal(sig, want_sig, 64);
	sigil_key_free(k);
	/* a wrong public key given beside it is refused */
	want_pk[0] ^= 1;
	assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SR25519, ed, 64, want_pk, 32, &k),
	                 SIGIL_E_CRYPTO);
	assert_null(k);
}

/* Only sr25519 has a longer form; no type takes another length. */
static void
test_lengths(void **state)
{
	uint8_t sk[SIGIL_SECRET_MAX + 1], pk[SIGIL_PK_MAX];
	struct sigil_key *k = (struct sigil_key *)1;
	size_t pklen = 99;

	(void)state;
	unhex(known[0].ed, sk, sizeof(sk));
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		assert_true(sigil_secret_len_ok((enum sigil_key_type)t, SIGIL_SECRET_LEN));
		assert_int_equal(sigil_secret_len_ok((enum sigil_key_type)t, SIGIL_SECRET_MAX),
		                 t == SIGIL_KEY_SR25519);
		assert_false(sigil_secret_len_ok((enum sigil_key_type)t, 0));
		assert_false(sigil_secret_len_ok((enum sigil_key_type)t, 33));
		assert_false(sigil_secret_len_ok((enum sigil_key_type)t, 65));
	}
	assert_false(sigil_secret_len_ok((enum sigil_key_type)SIGIL_KEY_TYPES, 32));
	assert_int_equal(sigil_pubkey_sized(SIGIL_KEY_ED25519, sk, 64, pk, &pklen), SIGIL_E_INVALID);
	assert_int_equal(pklen, 0);
	assert_int_equal(sigil_pubkey_sized(SIGIL_KEY_SR25519, sk, 65, pk, &pklen), SIGIL_E_INVALID);
	assert_int_equal(sigil_pubkey_sized(SIGIL_KEY_SR25519, NULL, 64, pk, &pklen),
	                 SIGIL_E_INVALID);
	assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SECP256K1, sk, 64, NULL, 0, &k),
	                 SIGIL_E_INVALID);
	assert_null(k);
	assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SR25519, sk, 48, NULL, 0, &k),
	                 SIGIL_E_INVALID);
	assert_null(k);
}

/* sigil_sr25519_secret_parse on text copied flush against a PROT_NONE page
 * (a read past len crashes); on failure, sk is zeroed and why is set. */
static int
parse(const char *text, size_t len, uint8_t sk[64], size_t *sklen, const char **why)
{
	void *map;
	size_t maplen;
	char *p = flush_copy(text, len, &map, &maplen);
	int rc;

	memset(sk, 0xa5, 64);
	rc = sigil_sr25519_secret_parse(p, len, sk, sklen, why);
	munmap(map, maplen);
	if (rc != 0) {
		assert_true(sodium_is_zero(sk, 64));
		assert_int_equal(*sklen, 0);
		assert_non_null(*why);
	} else {
		assert_null(*why);
	}
	return rc;
}

static int
parse_str(const char *text, uint8_t sk[64], size_t *sklen, const char **why)
{
	return parse(text, strlen(text), sk, sklen, why);
}

static void
test_text_forms(void **state)
{
	char text[256];
	uint8_t sk[64], want[64];
	size_t sklen;
	const char *why;

	(void)state;
	/* the mini secret */
	snprintf(text, sizeof(text), "sr25519:0x%s", known[0].seed);
	assert_int_equal(parse_str(text, sk, &sklen, &why), 0);
	assert_int_equal(sklen, 32);
	unhex(known[0].seed, want, 32);
	assert_memory_equal(sk, want, 32);
	/* the 64-byte form, kept as it is written; digits of either case */
	snprintf(text, sizeof(text), "sr25519:0x%s", known[1].ed);
	for (char *c = text + 10; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
	assert_int_equal(parse_str(text, sk, &sklen, &why), 0);
	assert_int_equal(sklen, 64);
	unhex(known[1].ed, want, 64);
	assert_memory_equal(sk, want, 64);
	/* no NUL needed: the length is len */
	snprintf(text, sizeof(text), "sr25519:0x%sZZZ", known[2].ed);
	assert_int_equal(parse(text, strlen(text) - 3, sk, &sklen, &why), 0);
	assert_int_equal(sklen, 64);
}

/* Every prefix of a good text, and every length over it. */
static void
test_text_truncated_oversized(void **state)
{
	char text[400];
	uint8_t sk[64];
	size_t sklen, full;
	const char *why;

	(void)state;
	full = (size_t)snprintf(text, sizeof(text), "sr25519:0x%s", known[0].ed);
	assert_int_equal(full, SIGIL_SR25519_TEXT_MAX);
	for (size_t len = 0; len < full; len++) {
		int rc = parse(text, len, sk, &sklen, &why);
		if (len == 10 + 64)
			assert_int_equal(rc, 0); /* the first half alone: a mini secret */
		else if (len < 10)
			assert_int_equal(rc, SIGIL_E_INVALID); /* the tag cut short */
		else
			assert_int_equal(rc, SIGIL_E_INCOMPLETE);
	}
	memset(text + full, '0', sizeof(text) - full - 1);
	text[sizeof(text) - 1] = '\0';
	for (size_t len = full + 1; len < sizeof(text); len += 7)
		assert_int_equal(parse(text, len, sk, &sklen, &why), SIGIL_E_TOO_BIG);
	/* a huge length is refused before a byte is read */
	assert_int_equal(sigil_sr25519_secret_parse(text, SIZE_MAX, sk, &sklen, &why),
	                 SIGIL_E_TOO_BIG);
}

static void
test_text_wrong_tag(void **state)
{
	static const char *const tags[] = {"ed25519:0x", "sr25519:",   "SR25519:0x", "sr25519 0x",
	                                   "sr25519:0X", "sr25519::0", "0x",         "sr2551900x"};
	char text[256];
	uint8_t sk[64];
	size_t sklen;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", tags[i], known[0].ed);
		if (strlen(text) > SIGIL_SR25519_TEXT_MAX)
			text[SIGIL_SR25519_TEXT_MAX] = '\0';
		assert_int_equal(parse_str(text, sk, &sklen, &why), SIGIL_E_INVALID);
	}
	/* a digit that is none, anywhere */
	for (size_t at = 10; at < SIGIL_SR25519_TEXT_MAX; at += 13) {
		snprintf(text, sizeof(text), "sr25519:0x%s", known[0].ed);
		text[at] = 'g';
		assert_int_equal(parse_str(text, sk, &sklen, &why), SIGIL_E_INVALID);
	}
}

/* 64 bytes as hex after the tag. */
static int
parse_bytes(const uint8_t b[64], uint8_t sk[64], const char **why)
{
	char text[SIGIL_SR25519_TEXT_MAX + 1] = "sr25519:0x";
	size_t sklen;

	assert_int_equal(sodium_bin2hex(text + 10, sizeof(text) - 10, b, 64) != NULL, 1);
	return parse_str(text, sk, &sklen, why);
}

static void
test_text_not_a_key(void **state)
{
	uint8_t good[64], b[64], sk[64];
	const char *why;

	(void)state;
	unhex(known[0].ed, good, sizeof(good));
	/* any of the low three bits: not 8x (schnorrkel's to_bytes form, x
	 * itself, is refused seven times in eight) */
	for (int bit = 0; bit < 3; bit++) {
		memcpy(b, good, 64);
		b[0] |= (uint8_t)(1 << bit);
		assert_int_equal(parse_bytes(b, sk, &why), SIGIL_E_CRYPTO);
		assert_non_null(strstr(why, "cofactor"));
		assert_non_null(sigil_sr25519_ed25519_bytes_problem(b));
		assert_int_equal(sigil_sr25519_from_ed25519_bytes(b, sk), SIGIL_E_CRYPTO);
	}
	/* x = l and x = 2^253 - 1: not canonical after the division */
	memcpy(b, good, 64);
	unhex(order_hex, b, 32);
	for (int i = 31; i > 0; i--)
		b[i] = (uint8_t)((b[i] << 3) | (b[i - 1] >> 5));
	b[0] = (uint8_t)(b[0] << 3);
	assert_int_equal(parse_bytes(b, sk, &why), SIGIL_E_CRYPTO);
	assert_non_null(strstr(why, "order"));
	memset(b, 0xff, 32);
	b[0] = 0xf8;
	assert_int_equal(parse_bytes(b, sk, &why), SIGIL_E_CRYPTO);
	assert_non_null(strstr(why, "order"));
	/* x = l - 1, the largest key, is one */
	unhex(order_hex, b, 32);
	b[0]--;
	for (int i = 31; i > 0; i--)
		b[i] = (uint8_t)((b[i] << 3) | (b[i - 1] >> 5));
	b[0] = (uint8_t)(b[0] << 3);
	assert_int_equal(parse_bytes(b, sk, &why), 0);
	/* x = 0 */
	memset(b, 0, 32);
	assert_int_equal(parse_bytes(b, sk, &why), SIGIL_E_CRYPTO);
	assert_non_null(strstr(why, "zero"));
	/* a nonce seed of zeros: every nonce would be public */
	memcpy(b, good, 64);
	memset(b + 32, 0, 32);
	assert_int_equal(parse_bytes(b, sk, &why), SIGIL_E_CRYPTO);
	assert_non_null(strstr(why, "nonce"));
	assert_int_equal(sigil_key_new_sized(SIGIL_KEY_SR25519, b, 64, NULL, 0,
	                                     &(struct sigil_key *){NULL}),
	                 SIGIL_E_CRYPTO);
	/* one byte of nonce is enough */
	b[63] = 1;
	assert_int_equal(parse_bytes(b, sk, &why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_expanded),
		cmocka_unit_test(test_soft_derived),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_text_forms),
		cmocka_unit_test(test_text_truncated_oversized),
		cmocka_unit_test(test_text_wrong_tag),
		cmocka_unit_test(test_text_not_a_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
