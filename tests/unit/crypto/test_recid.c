/* ECDSA recovery ids (sig.h, sigil_key_sign_recid).
 *
 * The id is checked by recovering the public key with code we did not
 * write for it: libsecp256k1's recovery module for secp256k1, and for
 * P-256 OpenSSL's point arithmetic (R from r and the id, then
 * Q = r^-1 (sR - eG)). The signature bytes must be the plain path's, which
 * test_sig.c compares to @taquito/signer over @noble/curves; the known
 * answers below are the same ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "base/errors.h"
#include "../unit_util.h"
#include "crypto/sig.h"

/* test_sig.c's: blake2b-256 of 03a1a1a1a1a1a1a1a16c000102030405060708090a,
 * and what @taquito/signer 24.2.0 signed it with for these secrets. */
static const char *const DIGEST = "67a36f93523394c20a6c6f6a7b074d53ba39e198e47fbdf47c570fb1065c0e34";
static const char *const SP_SK = "48f0040f7e58ccff23712e24785dd2b4f6ed755b447715b9c7885ec09c4feb6b";
static const char *const SP_PK = "031d932d5fe8f0c1f07a853b6bb3c4a0291101041a6ce30a0a6f9b96f2c6c987ca";
static const char *const SP_SIG =
	"04391137c846b93529609155aa94833852a683f73cdb73826bc380dfcf4d909d"
	"47968494958f12366264199791217f5556187f951f1dc64b00cfe0b7ecd008c9";
static const char *const P2_SK = "e32edcd0454aaf3b5d1c32e2593108e2ce3e2ad7fef35379747f3390499e9c02";
static const char *const P2_PK = "03d159e238d1d0bc5a827f055df54df2bc5a3064a77b7e259bd4a901207f136502";
static const char *const P2_SIG =
	"d308d3c03d4a0b95a235b23dfa978dde61beabb3ca640731ed17764dcb6fa260"
	"3222442c7050f366cf0693ef5e3431819aeb4fb55a889b497553105265bda20c";

#define KEYS 48
#define DIGESTS 8

/* ---- recovery, by code that is not sigil's ---------------------------- */

/* secp256k1: the library's own recovery. 0 and the compressed key in pk,
 * or -1 when the library finds no key. */
static secp256k1_context *ctx; /* main's */

static int
secp_recover(const uint8_t digest[32], const uint8_t sig[64], int recid, uint8_t pk[33])
{
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pub;
	size_t len = 33;

	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, recid) ||
	    !secp256k1_ecdsa_recover(ctx, &pub, &rs, digest))
		return -1;
	assert_true(secp256k1_ec_pubkey_serialize(ctx, pk, &len, &pub, SECP256K1_EC_COMPRESSED));
	return 0;
}

/* P-256: R = (r + (recid & 2 ? n : 0), y of parity recid & 1), then
 * Q = r^-1 (sR - eG) = (-e r^-1) G + (s r^-1) R. 0 and the compressed Q in
 * pk, or -1 when there is no such R. */
static int
p256_recover(const uint8_t digest[32], const uint8_t sig[64], int recid, uint8_t pk[33])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	BIGNUM *e = BN_bin2bn(digest, 32, NULL), *x = BN_new(), *rinv = BN_new();
	BIGNUM *u1 = BN_new(), *u2 = BN_new();
	EC_POINT *rp = NULL, *q = NULL;
	const BIGNUM *n;
	int rc = -1;

	assert_true(g && bc && r && s && e && x && rinv && u1 && u2);
	n = EC_GROUP_get0_order(g);
	rp = EC_POINT_new(g);
	q = EC_POINT_new(g);
	assert_true(rp && q);
	assert_true(BN_copy(x, r) != NULL);
	if (recid & 2)
		assert_true(BN_add(x, x, n));
	/* x past the field is no point: the id says R's x was r + n. */
	if (!EC_POINT_set_compressed_coordinates(g, rp, x, recid & 1, bc))
		goto out;
	assert_non_null(BN_mod_inverse(rinv, r, n, bc));
	assert_true(BN_nnmod(e, e, n, bc));
	assert_true(BN_mod_mul(u1, e, rinv, n, bc));
	assert_true(BN_mod_sub(u1, n, u1, n, bc));
	assert_true(BN_mod_mul(u2, s, rinv, n, bc));
	assert_true(EC_POINT_mul(g, q, u1, rp, u2, bc));
	assert_int_equal(EC_POINT_point2oct(g, q, POINT_CONVERSION_COMPRESSED, pk, 33, bc), 33);
	rc = 0;
out:
	EC_POINT_free(rp);
	EC_POINT_free(q);
	BN_free(r);
	BN_free(s);
	BN_free(e);
	BN_free(x);
	BN_free(rinv);
	BN_free(u1);
	BN_free(u2);
	BN_CTX_free(bc);
	EC_GROUP_free(g);
	return rc;
}

static int
recover(enum sigil_key_type t, const uint8_t digest[32], const uint8_t sig[64], int recid,
        uint8_t pk[33])
{
	return t == SIGIL_KEY_SECP256K1 ? secp_recover(digest, sig, recid, pk)
	                                : p256_recover(digest, sig, recid, pk);
}

/* ---- the checks --------------------------------------------------------- */

/* Signs digest with k both ways: the bytes match, the id is in 0..3, it
 * recovers k's public key, and the id with the other parity does not. The
 * id is returned. */
static int
check_one(const struct sigil_key *k, enum sigil_key_type t, const uint8_t digest[32])
{
	uint8_t plain[SIGIL_SIG_MAX], sig[SIGIL_SIG_MAX], pk[SIGIL_PK_MAX], got[33];
	size_t plen, slen, pklen;
	int recid = 7;

	assert_int_equal(sigil_key_sign(k, SIGIL_SCHEME_PLAIN, digest, 32, plain, &plen), 0);
	assert_int_equal(
		sigil_key_sign_recid(k, SIGIL_SCHEME_PLAIN, digest, 32, sig, &slen, &recid), 0);
	assert_int_equal(slen, 64);
	assert_int_equal(plen, 64);
	assert_memory_equal(sig, plain, 64);
	assert_in_range(recid, 0, 3);
	sigil_key_pubkey(k, pk, &pklen);
	assert_int_equal(pklen, 33);
	assert_int_equal(recover(t, digest, sig, recid, got), 0);
	assert_memory_equal(got, pk, 33);
	/* Not vacuous: the id's other parity names another key. */
	if (recover(t, digest, sig, recid ^ 1, got) == 0)
		assert_memory_not_equal(got, pk, 33);
	/* The id of a signature made elsewhere (an HSM's), found from the
	 * signature and the key alone, is the same; the key the other parity
	 * recovers has that other id; an unrelated key has none, and neither
	 * has a tampered signature. */
	int found = 9;
	assert_int_equal(sigil_ecdsa_recid(t, pk, 33, digest, sig, &found), 0);
	assert_int_equal(found, recid);
	if (recover(t, digest, sig, recid ^ 1, got) == 0) {
		assert_int_equal(sigil_ecdsa_recid(t, got, 33, digest, sig, &found), 0);
		assert_int_equal(found, recid ^ 1);
	}
	uint8_t osk[SIGIL_SECRET_LEN], opk[SIGIL_PK_MAX];
	size_t opklen;
	assert_int_equal(sigil_keygen(t, osk), 0);
	assert_int_equal(sigil_pubkey(t, osk, opk, &opklen), 0);
	assert_int_equal(sigil_ecdsa_recid(t, opk, opklen, digest, sig, &found), SIGIL_E_CRYPTO);
	assert_int_equal(found, -1);
	uint8_t bad[64];
	memcpy(bad, sig, 64);
	bad[40] ^= 0x01;
	assert_int_not_equal(sigil_ecdsa_recid(t, pk, 33, digest, bad, &found), 0);
	assert_int_not_equal(sigil_ecdsa_recid(t, pk, 32, digest, sig, &found), 0);
	return recid;
}

static void
check_random(enum sigil_key_type t)
{
	uint8_t sk[SIGIL_SECRET_LEN], digest[32];
	int seen[4] = {0};

	for (int i = 0; i < KEYS; i++) {
		struct sigil_key *k;

		assert_int_equal(sigil_keygen(t, sk), 0);
		assert_int_equal(sigil_key_new(t, sk, NULL, 0, &k), 0);
		for (int j = 0; j < DIGESTS; j++) {
			randombytes_buf(digest, sizeof(digest));
			seen[check_one(k, t, digest)]++;
		}
		sigil_key_free(k);
	}
	/* Both parities come up (the low-S flip included); an x past n has
	 * odds of 2^-128 (secp256k1) or 2^-32 (P-256) and is not expected. */
	assert_true(seen[0] > 0 && seen[1] > 0);
}

static void
test_secp256k1_random(void **state)
{
	(void)state;
	check_random(SIGIL_KEY_SECP256K1);
}

static void
test_p256_random(void **state)
{
	(void)state;
	check_random(SIGIL_KEY_P256);
}

/* The known answers: the recid path gives @noble/curves' bytes too. */
static void
check_known(enum sigil_key_type t, const char *skh, const char *pkh, const char *sigh)
{
	uint8_t sk[32], pk[33], want[64], digest[32], sig[SIGIL_SIG_MAX], got[33];
	struct sigil_key *k;
	size_t slen;
	int recid;

	unhex(skh, sk, sizeof(sk));
	unhex(pkh, pk, sizeof(pk));
	unhex(sigh, want, sizeof(want));
	unhex(DIGEST, digest, sizeof(digest));
	assert_int_equal(sigil_key_new(t, sk, NULL, 0, &k), 0);
	assert_int_equal(
		sigil_key_sign_recid(k, SIGIL_SCHEME_PLAIN, digest, 32, sig, &slen, &recid), 0);
	assert_memory_equal(sig, want, 64);
	assert_int_equal(recover(t, digest, sig, recid, got), 0);
	assert_memory_equal(got, pk, 33);
	assert_int_equal(check_one(k, t, digest), recid);
	sigil_key_free(k);
}

static void
test_known_answers(void **state)
{
	(void)state;
	check_known(SIGIL_KEY_SECP256K1, SP_SK, SP_PK, SP_SIG);
	check_known(SIGIL_KEY_P256, P2_SK, P2_PK, P2_SIG);
}

/* Keys and schemes without an id: -1, and sigil_key_sign's answer. */
static void
test_no_recid(void **state)
{
	uint8_t sk[SIGIL_SECRET_LEN], msg[40], a[SIGIL_SIG_MAX], b[SIGIL_SIG_MAX];
	struct sigil_key *k;
	size_t alen, blen;
	int recid;
	(void)state;

	memset(msg, 0x5a, sizeof(msg));
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		assert_int_equal(sigil_keygen((enum sigil_key_type)t, sk), 0);
		assert_int_equal(sigil_key_new((enum sigil_key_type)t, sk, NULL, 0, &k), 0);
		if (t == SIGIL_KEY_ED25519 || t == SIGIL_KEY_BLS || t == SIGIL_KEY_SR25519) {
			uint8_t pk[SIGIL_PK_MAX];
			size_t pklen;
			sigil_key_pubkey(k, pk, &pklen);
			memset(a, 0, sizeof(a));
			recid = 5;
			assert_int_equal(sigil_ecdsa_recid((enum sigil_key_type)t, pk, pklen, msg, a, &recid),
			                 SIGIL_E_UNSUPPORTED);
			assert_int_equal(recid, -1);
			enum sigil_scheme sc = t == SIGIL_KEY_BLS ? SIGIL_SCHEME_BLS_POP : SIGIL_SCHEME_PLAIN;
			recid = 5;
			assert_int_equal(sigil_key_sign(k, sc, msg, sizeof(msg), a, &alen), 0);
			assert_int_equal(sigil_key_sign_recid(k, sc, msg, sizeof(msg), b, &blen, &recid), 0);
			assert_int_equal(recid, -1);
			assert_int_equal(alen, blen);
			assert_memory_equal(a, b, alen);
		} else {
			/* ECDSA signs 32-byte digests only; a BLS scheme is a
			 * mistake. Both fail with the id at -1 and sig zeroed. */
			recid = 5;
			assert_int_equal(sigil_key_sign_recid(k, SIGIL_SCHEME_PLAIN, msg, 31, b, &blen,
			                                      &recid),
			                 SIGIL_E_INVALID);
			assert_int_equal(recid, -1);
			assert_int_equal(blen, 0);
			assert_true(sodium_is_zero(b, sizeof(b)));
			recid = 5;
			assert_int_equal(sigil_key_sign_recid(k, SIGIL_SCHEME_BLS_POP, msg, 32, b, &blen,
			                                      &recid),
			                 SIGIL_E_INVALID);
			assert_int_equal(recid, -1);
		}
		sigil_key_free(k);
	}
}

/* A hedged secp256k1 signature (an HSM's stand-in) has its id too. */
static void
test_hedged(void **state)
{
	uint8_t sk[SIGIL_SECRET_LEN], digest[32], extra[32], sig[64], pk[SIGIL_PK_MAX], got[33];
	struct sigil_key *k;
	size_t pklen;
	int recid;
	(void)state;

	assert_int_equal(sigil_keygen(SIGIL_KEY_SECP256K1, sk), 0);
	assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &k), 0);
	sigil_key_pubkey(k, pk, &pklen);
	for (int i = 0; i < 32; i++) {
		uint8_t plain[64];

		randombytes_buf(digest, sizeof(digest));
		randombytes_buf(extra, sizeof(extra));
		assert_int_equal(sigil_secp256k1_sign_hedged(k, digest, extra, plain), 0);
		assert_int_equal(sigil_secp256k1_sign_hedged_recid(k, digest, extra, sig, &recid), 0);
		assert_memory_equal(sig, plain, 64);
		assert_in_range(recid, 0, 3);
		assert_int_equal(secp_recover(digest, sig, recid, got), 0);
		assert_memory_equal(got, pk, 33);
	}
	sigil_key_free(k);
	/* Another key type: refused, the id at -1. */
	assert_int_equal(sigil_keygen(SIGIL_KEY_P256, sk), 0);
	assert_int_equal(sigil_key_new(SIGIL_KEY_P256, sk, NULL, 0, &k), 0);
	recid = 5;
	assert_int_equal(sigil_secp256k1_sign_hedged_recid(k, digest, NULL, sig, &recid),
	                 SIGIL_E_UNSUPPORTED);
	assert_int_equal(recid, -1);
	sigil_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secp256k1_random), cmocka_unit_test(test_p256_random),
		cmocka_unit_test(test_known_answers),    cmocka_unit_test(test_no_recid),
		cmocka_unit_test(test_hedged),
	};
	int rc;

	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	secp256k1_context_destroy(ctx);
	return rc;
}
