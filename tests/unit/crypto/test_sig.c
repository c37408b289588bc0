/* Tests for src/crypto/sig.h.
 *
 * Known answers come from implementations we did not write:
 * - the Ed25519 seed and public key are RFC 8032 section 7.1, test 1;
 * - the digest is blake2b-256 of TEST_MSG, and the three signatures and
 *   public keys are what @taquito/signer 24.2.0 InMemorySigner (over
 *   @noble/curves 1.9.7 and @stablelib) returned for sign(TEST_MSG) with the
 *   secrets below; blake2b-256("") is from RFC 7693's reference code. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "../unit_util.h"
#include "base/hex.h"
#include "crypto/sig.h"

/* TEST_MSG = 03a1a1a1a1a1a1a1a16c000102030405060708090a */
static const char *const DIGEST = "67a36f93523394c20a6c6f6a7b074d53ba39e198e47fbdf47c570fb1065c0e34";
/* sha256(sha256("a" x 200)), from coreutils sha256sum. */
static const char *const SHA256D_200A =
	"f4f689c63cdae8fffae1b825d0487e7a3970a19c3e34dc1107ed5932896a61df";

static const char *const ED_SK = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const ED_PK = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *const ED_SIG =
	"a6c7184c942ecb81a021247f917300336d921be33094231f8b36284c031ef419"
	"12dceaa71c8d49ef3525042d8cf7b288466c9b05ab0027400b5a477b540a0601";

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

/* Group orders, big-endian. */
static const char *const SECP_N = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
static const char *const P256_N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

static void
unhex_exact(const char *h, uint8_t *out, size_t len)
{
	size_t n;

	assert_int_equal(hex_decode(h, strlen(h), out, len, &n), 0);
	assert_int_equal(n, len);
}

/* s <= floor(n/2), i.e. 2s <= n - 1 < n, tested as s <= n - s. */
static int
is_low_s(const uint8_t s[32], const uint8_t n[32])
{
	uint8_t ns[32];

	sub32(n, s, ns);
	return memcmp(s, ns, 32) <= 0;
}

static void
test_names(void **state)
{
	(void)state;
	for (int t = 0; t < SIGIL_KEY_TYPES; t++)
		assert_int_equal(sigil_key_type_from_name(sigil_key_type_name((enum sigil_key_type)t)), t);
	assert_string_equal(sigil_key_type_name(SIGIL_KEY_P256), "p256");
	assert_int_equal(sigil_key_type_from_name("secp256k1"), SIGIL_KEY_SECP256K1);
	assert_int_equal(sigil_key_type_from_name("Ed25519"), -1);
	assert_int_equal(sigil_key_type_from_name(""), -1);
	assert_int_equal(sigil_key_type_from_name(NULL), -1);
	assert_string_equal(sigil_key_type_name((enum sigil_key_type)9), "unknown");
}

/* SHA-256d: sha256(sha256("hello")), and the empty input, as coreutils'
 * sha256sum computes them; a 200-byte input spans several blocks. */
static void
test_sha256d(void **state)
{
	uint8_t out[32], want[32], big[200];

	(void)state;
	unhex_exact("9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50", want, 32);
	sigil_sha256d(out, (const uint8_t *)"hello", 5);
	assert_memory_equal(out, want, 32);
	unhex_exact("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456", want, 32);
	sigil_sha256d(out, (const uint8_t *)"", 0);
	assert_memory_equal(out, want, 32);
	memset(big, 'a', sizeof(big));
	unhex_exact(SHA256D_200A, want, 32);
	sigil_sha256d(out, big, sizeof(big));
	assert_memory_equal(out, want, 32);
}

static void
test_blake2b(void **state)
{
	uint8_t out[32], want[32];

	(void)state;
	unhex_exact("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", want, 32);
	sigil_blake2b(out, 32, (const uint8_t *)"", 0);
	assert_memory_equal(out, want, 32);
	unhex_exact(DIGEST, want, 32);
	unhex_exact("03a1a1a1a1a1a1a1a16c000102030405060708090a", out, 21);
	sigil_blake2b(out, 32, out, 21);
	assert_memory_equal(out, want, 32);
}

static void
check_kat(enum sigil_key_type t, const char *skh, const char *pkh, const char *sigh, int exact)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX], want_pk[33], d[32], sig[SIGIL_SIG_MAX], want[64];
	size_t pklen, siglen, wlen = t == SIGIL_KEY_ED25519 ? 32 : 33;

	unhex_exact(skh, sk, 32);
	unhex_exact(pkh, want_pk, wlen);
	unhex_exact(DIGEST, d, 32);
	unhex_exact(sigh, want, 64);
	assert_int_equal(sigil_pubkey(t, sk, pk, &pklen), 0);
	assert_int_equal(pklen, wlen);
	assert_memory_equal(pk, want_pk, wlen);
	/* Their signature verifies with us ... */
	assert_int_equal(sigil_verify_digest(t, pk, pklen, d, want, 64), 0);
	/* ... and ours is theirs when both sides are deterministic. */
	assert_int_equal(sigil_sign_digest(t, sk, d, sig, &siglen), 0);
	assert_int_equal(siglen, 64);
	if (exact)
		assert_memory_equal(sig, want, 64);
	assert_int_equal(sigil_verify_digest(t, pk, pklen, d, sig, siglen), 0);
	/* A prepared key, its public key derived or given, signs the same. */
	for (int given = 0; given < 2; given++) {
		struct sigil_key *k = NULL;
		uint8_t kpk[SIGIL_PK_MAX], ksig[SIGIL_SIG_MAX];
		size_t kpklen, ksiglen;

		assert_int_equal(sigil_key_new(t, sk, given ? pk : NULL, pklen, &k), 0);
		sigil_key_pubkey(k, kpk, &kpklen);
		assert_int_equal(kpklen, wlen);
		assert_memory_equal(kpk, want_pk, wlen);
		assert_int_equal(sigil_key_sign_digest(k, d, ksig, &ksiglen), 0);
		assert_int_equal(ksiglen, 64);
		assert_memory_equal(ksig, sig, 64);
		sigil_key_free(k);
	}
	d[0] ^= 1;
	assert_int_equal(sigil_verify_digest(t, pk, pklen, d, want, 64), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_verify_digest(t, pk, pklen, d, sig, 64), SIGIL_E_CRYPTO);
}

static void
test_kat_ed25519(void **state)
{
	(void)state;
	check_kat(SIGIL_KEY_ED25519, ED_SK, ED_PK, ED_SIG, 1);
}

static void
test_kat_secp256k1(void **state)
{
	(void)state;
	/* Both libsecp256k1 and @noble/curves use RFC 6979: identical bytes. */
	check_kat(SIGIL_KEY_SECP256K1, SP_SK, SP_PK, SP_SIG, 1);
}

static void
test_kat_p256(void **state)
{
	(void)state;
	/* RFC 6979 nonces on both sides (p256.c, @noble/curves): identical
	 * bytes, low-S included. */
	check_kat(SIGIL_KEY_P256, P2_SK, P2_PK, P2_SIG, 1);
}

static void
low_s_many(enum sigil_key_type t, const char *order)
{
	uint8_t n[32], sk[32], pk[SIGIL_PK_MAX], d[32], sig[SIGIL_SIG_MAX], hi[64];
	size_t pklen, siglen;

	unhex_exact(order, n, 32);
	assert_int_equal(sigil_keygen(t, sk), 0);
	assert_int_equal(sigil_pubkey(t, sk, pk, &pklen), 0);
	assert_int_equal(pklen, 33);
	for (int i = 0; i < 256; i++) {
		uint8_t ctr[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0x5a, (uint8_t)t};

		sigil_blake2b(d, 32, ctr, sizeof(ctr));
		assert_int_equal(sigil_sign_digest(t, sk, d, sig, &siglen), 0);
		assert_int_equal(siglen, 64);
		assert_true(is_low_s(sig + 32, n));
		assert_int_equal(sigil_verify_digest(t, pk, pklen, d, sig, siglen), 0);
		/* (r, n - s) is the same signature mathematically: refused. */
		memcpy(hi, sig, 32);
		sub32(n, sig + 32, hi + 32);
		assert_false(is_low_s(hi + 32, n));
		assert_int_equal(sigil_verify_digest(t, pk, pklen, d, hi, 64), SIGIL_E_CRYPTO);
	}
}

static void
test_low_s_secp256k1(void **state)
{
	(void)state;
	low_s_many(SIGIL_KEY_SECP256K1, SECP_N);
}

static void
test_low_s_p256(void **state)
{
	(void)state;
	low_s_many(SIGIL_KEY_P256, P256_N);
}

static void
test_high_s_kat(void **state)
{
	uint8_t pk[33], d[32], sig[64], n[32];

	(void)state;
	unhex_exact(DIGEST, d, 32);
	unhex_exact(SP_PK, pk, 33);
	unhex_exact(SP_SIG, sig, 64);
	unhex_exact(SECP_N, n, 32);
	sub32(n, sig + 32, sig + 32);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
	unhex_exact(P2_PK, pk, 33);
	unhex_exact(P2_SIG, sig, 64);
	unhex_exact(P256_N, n, 32);
	sub32(n, sig + 32, sig + 32);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_P256, pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
}

/* sigil_ecdsa_low_s (a device's signature made low-S): the high-S twin of
 * a known signature comes back to it, byte for byte, and verifies; a low-S
 * one is left as it is; r or s zero or not under n, and other key types,
 * are refused. sigil_verify takes the same signatures. */
static void
test_make_low_s(void **state)
{
	static const char *const pks[2] = {SP_PK, P2_PK}, *const sigs[2] = {SP_SIG, P2_SIG};
	static const char *const orders[2] = {SECP_N, P256_N};
	static const enum sigil_key_type types[2] = {SIGIL_KEY_SECP256K1, SIGIL_KEY_P256};
	uint8_t pk[33], d[32], sig[64], low[64], n[32];

	(void)state;
	unhex_exact(DIGEST, d, 32);
	for (int i = 0; i < 2; i++) {
		unhex_exact(pks[i], pk, 33);
		unhex_exact(sigs[i], low, 64);
		unhex_exact(orders[i], n, 32);
		memcpy(sig, low, 64);
		assert_int_equal(sigil_ecdsa_low_s(types[i], sig), 0);
		assert_memory_equal(sig, low, 64);
		sub32(n, sig + 32, sig + 32); /* the high-S twin */
		assert_int_equal(sigil_verify(types[i], pk, 33, SIGIL_SCHEME_PLAIN, d, 32, sig, 64),
		                 SIGIL_E_CRYPTO);
		assert_int_equal(sigil_ecdsa_low_s(types[i], sig), 0);
		assert_memory_equal(sig, low, 64);
		assert_int_equal(sigil_verify(types[i], pk, 33, SIGIL_SCHEME_PLAIN, d, 32, sig, 64), 0);
		memset(sig + 32, 0, 32);
		assert_int_equal(sigil_ecdsa_low_s(types[i], sig), SIGIL_E_INVALID);
		memcpy(sig, low, 64);
		memcpy(sig, n, 32); /* r = n */
		assert_int_equal(sigil_ecdsa_low_s(types[i], sig), SIGIL_E_INVALID);
		memcpy(sig, low, 64);
		memcpy(sig + 32, n, 32); /* s = n */
		assert_int_equal(sigil_ecdsa_low_s(types[i], sig), SIGIL_E_INVALID);
	}
	assert_int_equal(sigil_ecdsa_low_s(SIGIL_KEY_ED25519, sig), SIGIL_E_INVALID);
	assert_int_equal(sigil_ecdsa_low_s(SIGIL_KEY_BLS, sig), SIGIL_E_INVALID);
}

static void
test_bad_scalars(void **state)
{
	static const char *const orders[2] = {SECP_N, P256_N};
	static const enum sigil_key_type types[2] = {SIGIL_KEY_SECP256K1, SIGIL_KEY_P256};
	uint8_t sk[32], pk[SIGIL_PK_MAX], d[32] = {1}, sig[SIGIL_SIG_MAX];
	size_t pklen = 99, siglen = 99;

	(void)state;
	for (int i = 0; i < 2; i++) {
		memset(sk, 0, 32);
		assert_int_equal(sigil_pubkey(types[i], sk, pk, &pklen), SIGIL_E_CRYPTO);
		assert_int_equal(pklen, 0);
		assert_int_equal(sigil_sign_digest(types[i], sk, d, sig, &siglen), SIGIL_E_CRYPTO);
		assert_int_equal(siglen, 0);
		unhex_exact(orders[i], sk, 32); /* n itself */
		assert_int_equal(sigil_pubkey(types[i], sk, pk, &pklen), SIGIL_E_CRYPTO);
		assert_int_equal(sigil_sign_digest(types[i], sk, d, sig, &siglen), SIGIL_E_CRYPTO);
		memset(sk, 0xff, 32);
		assert_int_equal(sigil_pubkey(types[i], sk, pk, &pklen), SIGIL_E_CRYPTO);
		unhex_exact(orders[i], sk, 32); /* n - 1 is the largest valid secret */
		sk[31] -= 1;
		assert_int_equal(sigil_pubkey(types[i], sk, pk, &pklen), 0);
		assert_int_equal(sigil_sign_digest(types[i], sk, d, sig, &siglen), 0);
		assert_int_equal(sigil_verify_digest(types[i], pk, pklen, d, sig, siglen), 0);
	}
}

static void
test_wrong_types_and_lengths(void **state)
{
	uint8_t sk[32] = {7}, pk[SIGIL_PK_MAX], d[32] = {0}, sig[SIGIL_SIG_MAX], edpk[SIGIL_PK_MAX];
	size_t pklen, siglen;
	const enum sigil_key_type bad = (enum sigil_key_type)7;

	(void)state;
	/* BLS keys exist (test_bls.c) but never sign or verify a digest. */
	assert_int_equal(sigil_keygen(SIGIL_KEY_BLS, sk), 0);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	assert_int_equal(pklen, 48);
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_BLS, sk, d, sig, &siglen), SIGIL_E_UNSUPPORTED);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_BLS, pk, 48, d, sig, 96), SIGIL_E_UNSUPPORTED);
	assert_int_equal(sigil_keygen(bad, sk), SIGIL_E_INVALID);
	assert_int_equal(sigil_pubkey(bad, sk, pk, &pklen), SIGIL_E_INVALID);
	assert_int_equal(sigil_sign_digest(bad, sk, d, sig, &siglen), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(bad, pk, 32, d, sig, 64), SIGIL_E_INVALID);

	unhex_exact(ED_SK, sk, 32);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_ED25519, sk, edpk, &pklen), 0);
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_ED25519, sk, d, sig, &siglen), 0);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_ED25519, edpk, 32, d, sig, 64), 0);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_ED25519, edpk, 31, d, sig, 64), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_ED25519, edpk, 32, d, sig, 63), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_ED25519, edpk, 32, d, sig, 65), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_ED25519, NULL, 32, d, sig, 64), SIGIL_E_INVALID);
	/* An Ed25519 signature is not a secp256k1 one, nor its key a point. */
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, edpk, 32, d, sig, 64),
	                 SIGIL_E_INVALID);

	unhex_exact(SP_SK, sk, 32);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_SECP256K1, sk, pk, &pklen), 0);
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_SECP256K1, sk, d, sig, &siglen), 0);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, 32, d, sig, 64), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, 33, d, sig, 96), SIGIL_E_INVALID);
	/* The same key read as P-256 is (almost surely) another point. */
	assert_int_not_equal(sigil_verify_digest(SIGIL_KEY_P256, pk, 33, d, sig, 64), 0);
	pk[0] = 0x04; /* uncompressed tag on a 33-byte key */
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, 33, d, sig, 64), SIGIL_E_INVALID);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_P256, pk, 33, d, sig, 64), SIGIL_E_INVALID);
}

static void
test_degenerate_signatures(void **state)
{
	static const enum sigil_key_type types[2] = {SIGIL_KEY_SECP256K1, SIGIL_KEY_P256};
	static const char *const pks[2] = {SP_PK, P2_PK};
	static const char *const orders[2] = {SECP_N, P256_N};
	uint8_t pk[33], d[32], sig[64];

	(void)state;
	unhex_exact(DIGEST, d, 32);
	for (int i = 0; i < 2; i++) {
		unhex_exact(pks[i], pk, 33);
		memset(sig, 0, 64);
		assert_int_equal(sigil_verify_digest(types[i], pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
		memset(sig, 0, 32); /* r = 0, s = 1 */
		sig[63] = 1;
		assert_int_equal(sigil_verify_digest(types[i], pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
		unhex_exact(orders[i], sig, 32); /* r = n */
		assert_int_equal(sigil_verify_digest(types[i], pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
		/* A 33-byte string that is not a point on the curve. */
		memset(pk, 0xff, 33);
		pk[0] = 0x02;
		assert_int_equal(sigil_verify_digest(types[i], pk, 33, d, sig, 64), SIGIL_E_CRYPTO);
	}
}

static void
test_keygen_round_trip(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], d[32] = {9}, sig[SIGIL_SIG_MAX];
	size_t pklen, siglen;

	(void)state;
	for (int t = 0; t < SIGIL_KEY_BLS; t++) {
		assert_int_equal(sigil_keygen((enum sigil_key_type)t, sk), 0);
		assert_int_equal(sigil_keygen((enum sigil_key_type)t, sk2), 0);
		assert_memory_not_equal(sk, sk2, 32);
		assert_int_equal(sigil_pubkey((enum sigil_key_type)t, sk, pk, &pklen), 0);
		assert_int_equal(sigil_sign_digest((enum sigil_key_type)t, sk, d, sig, &siglen), 0);
		assert_int_equal(sigil_verify_digest((enum sigil_key_type)t, pk, pklen, d, sig, siglen), 0);
		sig[5] ^= 0x10;
		assert_int_equal(sigil_verify_digest((enum sigil_key_type)t, pk, pklen, d, sig, siglen),
		                 SIGIL_E_CRYPTO);
	}
}

static void *
sign_worker(void *arg)
{
	enum sigil_key_type t = *(enum sigil_key_type *)arg;
	uint8_t sk[32], pk[SIGIL_PK_MAX], d[32], sig[SIGIL_SIG_MAX];
	size_t pklen, siglen;

	if (sigil_keygen(t, sk) != 0 || sigil_pubkey(t, sk, pk, &pklen) != 0)
		return (void *)1;
	for (int i = 0; i < 50; i++) {
		sigil_blake2b(d, 32, (const uint8_t *)&i, sizeof(i));
		if (sigil_sign_digest(t, sk, d, sig, &siglen) != 0 ||
		    sigil_verify_digest(t, pk, pklen, d, sig, siglen) != 0)
			return (void *)1;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	static enum sigil_key_type types[6] = {0, 1, 2, 0, 1, 2};
	pthread_t th[6];
	void *res;

	(void)state;
	for (int i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, sign_worker, &types[i]), 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_null(res);
	}
}

/* sigil_key_new refuses what sigil_pubkey and sigil_sign_digest refuse,
 * leaves *out NULL, and checks what it can of a given public key. */
static void
test_prepared_refusals(void **state)
{
	static const enum sigil_key_type types[2] = {SIGIL_KEY_SECP256K1, SIGIL_KEY_P256};
	static const char *const orders[2] = {SECP_N, P256_N};
	uint8_t sk[32], pk[SIGIL_PK_MAX], d[32] = {3}, sig[SIGIL_SIG_MAX];
	struct sigil_key *k = (struct sigil_key *)&k;
	size_t pklen;

	(void)state;
	for (int i = 0; i < 2; i++) {
		memset(sk, 0, sizeof(sk));
		assert_int_equal(sigil_key_new(types[i], sk, NULL, 0, &k), SIGIL_E_CRYPTO);
		assert_null(k);
		unhex_exact(orders[i], sk, 32);
		assert_int_equal(sigil_key_new(types[i], sk, NULL, 0, &k), SIGIL_E_CRYPTO);
		assert_null(k);
		sk[31] -= 1; /* n - 1 */
		assert_int_equal(sigil_pubkey(types[i], sk, pk, &pklen), 0);
		assert_int_equal(sigil_key_new(types[i], sk, pk, pklen - 1, &k), SIGIL_E_INVALID);
		assert_null(k);
		assert_int_equal(sigil_key_new(types[i], sk, pk, pklen, &k), 0);
		sigil_key_free(k);
	}
	assert_int_equal(sigil_key_new((enum sigil_key_type)7, sk, NULL, 0, &k), SIGIL_E_INVALID);
	assert_null(k);
	/* secp256k1 derives the public key into its keypair anyway, and
	 * refuses one that is not the secret's. */
	unhex_exact(SP_SK, sk, 32);
	unhex_exact(P2_PK, pk, 33);
	assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, pk, 33, &k), SIGIL_E_CRYPTO);
	assert_null(k);
	sigil_key_free(NULL);
	/* An Ed25519 key's hedged ECDSA is no such thing. */
	unhex_exact(ED_SK, sk, 32);
	assert_int_equal(sigil_key_new(SIGIL_KEY_ED25519, sk, NULL, 0, &k), 0);
	assert_int_equal(sigil_secp256k1_sign_hedged(k, d, NULL, sig), SIGIL_E_UNSUPPORTED);
	sigil_key_free(k);
}

/* The hedged secp256k1 signature: RFC 6979 plain without extra data (the
 * same bytes as tz2 signing), another valid low-S signature each time with
 * fresh extra data. */
static void
test_secp256k1_hedged(void **state)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX], d[32], n[32], extra[32];
	uint8_t plain[SIGIL_SIG_MAX], a[64], b[64];
	struct sigil_key *k;
	size_t pklen, siglen;

	(void)state;
	unhex_exact(SP_SK, sk, 32);
	unhex_exact(DIGEST, d, 32);
	unhex_exact(SECP_N, n, 32);
	assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &k), 0);
	sigil_key_pubkey(k, pk, &pklen);
	assert_int_equal(sigil_key_sign_digest(k, d, plain, &siglen), 0);
	assert_int_equal(sigil_secp256k1_sign_hedged(k, d, NULL, a), 0);
	assert_memory_equal(a, plain, 64);
	randombytes_buf(extra, sizeof(extra));
	assert_int_equal(sigil_secp256k1_sign_hedged(k, d, extra, a), 0);
	randombytes_buf(extra, sizeof(extra));
	assert_int_equal(sigil_secp256k1_sign_hedged(k, d, extra, b), 0);
	assert_memory_not_equal(a, b, 64);
	assert_memory_not_equal(a, plain, 64);
	assert_true(is_low_s(a + 32, n) && is_low_s(b + 32, n));
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, pklen, d, a, 64), 0);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, pklen, d, b, 64), 0);
	sigil_key_free(k);
}

/* One prepared key of each type, shared by several threads signing at
 * once (as sigild's do): every signature is the one-shot call's. */
#define SHARED_THREADS 4
#define SHARED_SIGNS 40

struct shared {
	const struct sigil_key *k[3];
	uint8_t want[3][SHARED_SIGNS][64];
};

static void *
shared_worker(void *arg)
{
	const struct shared *sh = arg;
	uint8_t d[32], sig[SIGIL_SIG_MAX];
	size_t siglen;

	for (int i = 0; i < SHARED_SIGNS; i++)
		for (int t = 0; t < 3; t++) {
			sigil_blake2b(d, 32, (const uint8_t *)&i, sizeof(i));
			if (sigil_key_sign_digest(sh->k[t], d, sig, &siglen) != 0 || siglen != 64 ||
			    memcmp(sig, sh->want[t][i], 64) != 0)
				return (void *)1;
		}
	return NULL;
}

static void
test_shared_key_threads(void **state)
{
	static struct shared sh;
	struct sigil_key *keys[3];
	uint8_t sk[3][32], d[32], sig[SIGIL_SIG_MAX];
	pthread_t th[SHARED_THREADS];
	size_t siglen;
	void *res;

	(void)state;
	for (int t = 0; t < 3; t++) {
		assert_int_equal(sigil_keygen((enum sigil_key_type)t, sk[t]), 0);
		assert_int_equal(sigil_key_new((enum sigil_key_type)t, sk[t], NULL, 0, &keys[t]), 0);
		sh.k[t] = keys[t];
		for (int i = 0; i < SHARED_SIGNS; i++) {
			sigil_blake2b(d, 32, (const uint8_t *)&i, sizeof(i));
			assert_int_equal(sigil_sign_digest((enum sigil_key_type)t, sk[t], d, sig, &siglen),
			                 0);
			memcpy(sh.want[t][i], sig, 64);
		}
	}
	for (int i = 0; i < SHARED_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, shared_worker, &sh), 0);
	for (int i = 0; i < SHARED_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_null(res);
	}
	for (int t = 0; t < 3; t++)
		sigil_key_free(keys[t]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* First, so that library set-up races between threads. */
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_blake2b),
		cmocka_unit_test(test_sha256d),
		cmocka_unit_test(test_kat_ed25519),
		cmocka_unit_test(test_kat_secp256k1),
		cmocka_unit_test(test_kat_p256),
		cmocka_unit_test(test_low_s_secp256k1),
		cmocka_unit_test(test_low_s_p256),
		cmocka_unit_test(test_high_s_kat),
		cmocka_unit_test(test_make_low_s),
		cmocka_unit_test(test_bad_scalars),
		cmocka_unit_test(test_wrong_types_and_lengths),
		cmocka_unit_test(test_degenerate_signatures),
		cmocka_unit_test(test_keygen_round_trip),
		cmocka_unit_test(test_prepared_refusals),
		cmocka_unit_test(test_secp256k1_hedged),
		cmocka_unit_test(test_shared_key_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
