/* Deterministic P-256 (tz3) signatures: RFC 6979 nonces (src/crypto/p256.c).
 *
 * Known answers from sources we did not write:
 * - RFC 6979 appendix A.2.5, P-256 with SHA-256, messages "sample" and
 *   "test": the key pair, k, r and s (the same values are quoted by several
 *   independent implementations' test suites);
 * - the second and third candidates of section 3.2 step h for the same
 *   inputs (what step h.3 gives when a candidate is refused), from
 *   @noble/curves 2.4.0 createHmacDrbg(32, 32, hmac-sha256) with
 *   @noble/hashes 2.0.1, whose predicate refused the first two;
 * - the digests are SHA-256 of the ASCII messages (coreutils sha256sum).
 * The RFC signs with a random-looking s; Tezos only accepts low s, so ours
 * is s or n - s, whichever is at most n/2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "crypto/sig_impl.h"
#include "../unit_util.h"

static const char *const RFC_X = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
/* U = xG compressed: Uy = 7903...2299 is odd, so the tag is 03. */
static const char *const RFC_U =
	"0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
static const char *const P256_N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

static const struct {
	const char *msg, *digest, *k[3], *r, *s;
} rfc6979[] = {
	{"sample",
	 "af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf",
	 {"a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60",
	  "8e83dc490bc5fc4d5992bd63cd87f254adffcb930f8a8011702a88870f638fdb",
	  "7b8dc9ad8ce159abca1b9915fc1470e91d5ad2443b3032557e78f47e180ab702"},
	 "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
	 "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"},
	{"test",
	 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	 {"d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0",
	  "ed6fc87dcb558274e84d7d3799f12f8f279c07fa5301a7cd33f0ad9866cd8ca0",
	  "10a9228c3b8f4976949c8375c3a49fb658c3283afe7280e492708e56c5e653df"},
	 "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
	 "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"},
};

/* a + b for 32-byte big-endian numbers (no carry out). */
static void
add32(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
	unsigned carry = 0;

	for (int i = 31; i >= 0; i--) {
		carry += (unsigned)a[i] + b[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
	assert_int_equal(carry, 0);
}

static void
sign_ok(const uint8_t sk[32], const uint8_t d[32], uint8_t sig[SIGIL_SIG_MAX])
{
	size_t siglen = 0;

	assert_int_equal(sigil_sign_digest(SIGIL_KEY_P256, sk, d, sig, &siglen), 0);
	assert_int_equal(siglen, 64);
}

/* Section 3.2 on its own: the first candidate is the RFC's k, and each
 * refusal (step h.3) gives the next one noble's generator gives. */
static void
test_k_derivation(void **state)
{
	uint8_t x[32], d[32], want[32], t[32];

	(void)state;
	assert_true(sodium_init() >= 0);
	unhex(RFC_X, x, 32);
	for (size_t i = 0; i < sizeof(rfc6979) / sizeof(rfc6979[0]); i++) {
		struct p256_rfc6979 st;

		crypto_hash_sha256(d, (const uint8_t *)rfc6979[i].msg, strlen(rfc6979[i].msg));
		unhex(rfc6979[i].digest, want, 32);
		assert_memory_equal(d, want, 32);
		p256_rfc6979_init(&st, x, d);
		for (int j = 0; j < 3; j++) {
			p256_rfc6979_next(&st, t);
			unhex(rfc6979[i].k[j], want, 32);
			assert_memory_equal(t, want, 32);
		}
		p256_rfc6979_wipe(&st);
		assert_true(sodium_is_zero((const uint8_t *)&st, sizeof(st)));
	}
}

/* The whole signature: r exactly, s up to the low-S normalisation. */
static void
test_rfc_signatures(void **state)
{
	uint8_t x[32], n[32], u[33], pk[SIGIL_PK_MAX], d[32], sig[SIGIL_SIG_MAX], r[32], s[32];
	uint8_t ns[32];
	size_t pklen;

	(void)state;
	unhex(RFC_X, x, 32);
	unhex(RFC_U, u, 33);
	unhex(P256_N, n, 32);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_P256, x, pk, &pklen), 0);
	assert_int_equal(pklen, 33);
	assert_memory_equal(pk, u, 33);
	for (size_t i = 0; i < sizeof(rfc6979) / sizeof(rfc6979[0]); i++) {
		unhex(rfc6979[i].digest, d, 32);
		unhex(rfc6979[i].r, r, 32);
		unhex(rfc6979[i].s, s, 32);
		sub32(n, s, ns);
		sign_ok(x, d, sig);
		assert_memory_equal(sig, r, 32);
		/* The low one of s and n - s: "sample" has a high s, "test" a low. */
		assert_memory_equal(sig + 32, memcmp(s, ns, 32) <= 0 ? s : ns, 32);
		assert_int_equal(p256_impl_verify(pk, pklen, d, sig), 0);
		assert_int_equal(sigil_verify_digest(SIGIL_KEY_P256, pk, pklen, d, sig, 64), 0);
	}
}

/* One key and digest, one signature, whatever the call; another digest,
 * another signature; all of them verify. */
static void
test_deterministic(void **state)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX], d[32], d2[32], a[SIGIL_SIG_MAX], b[SIGIL_SIG_MAX];
	uint8_t c[SIGIL_SIG_MAX];
	size_t pklen;

	(void)state;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(sigil_keygen(SIGIL_KEY_P256, sk), 0);
		assert_int_equal(sigil_pubkey(SIGIL_KEY_P256, sk, pk, &pklen), 0);
		randombytes_buf(d, sizeof(d));
		memcpy(d2, d, sizeof(d2));
		d2[i % 32] ^= (uint8_t)(1u << (i % 8));
		sign_ok(sk, d, a);
		sign_ok(sk, d, b);
		sign_ok(sk, d2, c);
		assert_memory_equal(a, b, 64);
		assert_memory_not_equal(a, c, 32); /* another k, so another r */
		assert_int_equal(p256_impl_verify(pk, pklen, d, a), 0);
		assert_int_equal(p256_impl_verify(pk, pklen, d2, c), 0);
		assert_int_equal(p256_impl_verify(pk, pklen, d2, a), SIGIL_E_CRYPTO);
	}
}

/* A digest at or above n: bits2octets reduces it mod n (RFC 6979 section
 * 2.3.4) and ECDSA uses it mod n, so h and h - n give one k and one
 * signature. 2^256 - 1 is the largest digest. */
static void
test_digest_above_n(void **state)
{
	uint8_t x[32], pk[SIGIL_PK_MAX], n[32], d[32], dn[32], t1[32], t2[32];
	uint8_t a[SIGIL_SIG_MAX], b[SIGIL_SIG_MAX];
	size_t pklen;
	struct p256_rfc6979 st;

	(void)state;
	unhex(RFC_X, x, 32);
	unhex(P256_N, n, 32);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_P256, x, pk, &pklen), 0);
	for (int v = 0; v < 3; v++) {
		/* d in {0, 1, 2^256 - 1 - n}, dn = d + n. */
		memset(d, 0, sizeof(d));
		if (v == 1)
			d[31] = 1;
		if (v == 2) {
			uint8_t ones[32];
			memset(ones, 0xff, sizeof(ones));
			sub32(ones, n, d);
		}
		add32(d, n, dn);
		p256_rfc6979_init(&st, x, d);
		p256_rfc6979_next(&st, t1);
		p256_rfc6979_init(&st, x, dn);
		p256_rfc6979_next(&st, t2);
		p256_rfc6979_wipe(&st);
		assert_memory_equal(t1, t2, 32);
		sign_ok(x, d, a);
		sign_ok(x, dn, b);
		assert_memory_equal(a, b, 64);
		assert_int_equal(p256_impl_verify(pk, pklen, d, a), 0);
		assert_int_equal(p256_impl_verify(pk, pklen, dn, b), 0);
	}
}

/* k^-1 mod n (p256_inv.c) against OpenSSL's BN_mod_inverse: the ends of
 * the range, powers of two and their neighbours (long carries in every
 * limb), n minus small numbers, and random scalars; k · k^-1 = 1 too. */
static void
check_inverse(BN_CTX *ctx, const BIGNUM *n, const BIGNUM *a)
{
	uint8_t k[32], inv[32];
	BIGNUM *want = BN_new(), *got = BN_new(), *one = BN_new();

	assert_non_null(want);
	assert_non_null(got);
	assert_non_null(one);
	assert_int_equal(BN_bn2binpad(a, k, 32), 32);
	p256_scalar_inverse(inv, k);
	assert_non_null(BN_bin2bn(inv, 32, got));
	assert_non_null(BN_mod_inverse(want, a, n, ctx));
	assert_int_equal(BN_cmp(got, want), 0);
	assert_true(BN_mod_mul(one, got, a, n, ctx));
	assert_true(BN_is_one(one));
	BN_free(want);
	BN_free(got);
	BN_free(one);
}

static void
test_scalar_inverse(void **state)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *n = NULL, *a = BN_new();
	uint8_t nb[32];

	(void)state;
	assert_non_null(ctx);
	assert_non_null(a);
	unhex(P256_N, nb, 32);
	assert_non_null(n = BN_bin2bn(nb, 32, NULL));
	for (unsigned long w = 1; w < 300; w++) {
		assert_true(BN_set_word(a, w));
		check_inverse(ctx, n, a);
		assert_true(BN_sub(a, n, a)); /* n - w */
		check_inverse(ctx, n, a);
	}
	for (int bit = 1; bit < 256; bit++) {
		for (int delta = -1; delta <= 1; delta++) {
			assert_true(BN_set_word(a, 0));
			assert_true(BN_set_bit(a, bit));
			if (delta < 0)
				assert_true(BN_sub_word(a, 1));
			if (delta > 0)
				assert_true(BN_add_word(a, 1));
			assert_true(BN_nnmod(a, a, n, ctx));
			if (!BN_is_zero(a))
				check_inverse(ctx, n, a);
		}
	}
	for (int i = 0; i < 20000; i++) {
		assert_true(BN_rand_range(a, n));
		if (!BN_is_zero(a))
			check_inverse(ctx, n, a);
	}
	BN_free(a);
	BN_free(n);
	BN_CTX_free(ctx);
}

/* A prepared key signs exactly as the one-shot call, the RFC's answers
 * included, with its public key derived or given. */
static void
test_prepared(void **state)
{
	uint8_t x[32], u[33], pk[SIGIL_PK_MAX], d[32], a[SIGIL_SIG_MAX], b[SIGIL_SIG_MAX];
	size_t pklen, alen, blen;
	struct sigil_key *k[2];

	(void)state;
	unhex(RFC_X, x, 32);
	unhex(RFC_U, u, 33);
	assert_int_equal(sigil_key_new(SIGIL_KEY_P256, x, NULL, 0, &k[0]), 0);
	assert_int_equal(sigil_key_new(SIGIL_KEY_P256, x, u, 33, &k[1]), 0);
	for (int w = 0; w < 2; w++) {
		sigil_key_pubkey(k[w], pk, &pklen);
		assert_int_equal(pklen, 33);
		assert_memory_equal(pk, u, 33);
		for (size_t i = 0; i < sizeof(rfc6979) / sizeof(rfc6979[0]); i++) {
			unhex(rfc6979[i].digest, d, 32);
			sign_ok(x, d, a);
			assert_int_equal(sigil_key_sign_digest(k[w], d, b, &blen), 0);
			assert_int_equal(blen, 64);
			assert_memory_equal(a, b, 64);
		}
		for (int i = 0; i < 50; i++) {
			randombytes_buf(d, sizeof(d));
			assert_int_equal(sigil_sign_digest(SIGIL_KEY_P256, x, d, a, &alen), 0);
			assert_int_equal(sigil_key_sign_digest(k[w], d, b, &blen), 0);
			assert_memory_equal(a, b, 64);
			assert_int_equal(p256_impl_verify(u, 33, d, b), 0);
		}
		sigil_key_free(k[w]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k_derivation),
		cmocka_unit_test(test_rfc_signatures),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_digest_above_n),
		cmocka_unit_test(test_scalar_inverse),
		cmocka_unit_test(test_prepared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
