/* NIST P-256 ECDSA (tz3) over OpenSSL 3.
 *
 * Signatures are deterministic (RFC 6979): the same key and digest always
 * give the same bytes. A random nonce would give two signatures for one
 * block asked twice, and the block hash covers the signature: two blocks,
 * a double bake. OpenSSL 3.0 cannot be told which nonce to use through EVP,
 * so k comes from RFC 6979 section 3.2 here (HMAC-SHA-256, libsodium), and
 * the signature from OpenSSL's own constant-time code given k^-1 and r
 * (ECDSA_do_sign_ex, deprecated in 3.0 but built by default). s is then
 * normalised to the low half, the only one Tezos accepts (octez and
 * taquito do the same), so the result is what @noble/curves gives with
 * { prehash: false, lowS: true }. */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY, ECDSA_do_sign_ex: see above */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig_impl.h"

#ifdef OPENSSL_NO_DEPRECATED_3_0
#error "p256.c signs through EC_KEY and ECDSA_do_sign_ex: needs OpenSSL built without no-deprecated"
#endif

/* RFC 6979 section 3.2, step h.3, says to loop until k is in [1, n-1] and
 * r and s are not 0. For P-256 a candidate fails with probability about
 * 2^-32, so a bound of 64 is never met unless HMAC is broken. */
#define P256_SIGN_TRIES 64

/* The group order n, big-endian. */
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static EC_GROUP *p256_group;
static BIGNUM *p256_order, *p256_half, *p256_nm2; /* n, floor(n/2), n - 2 */
static BN_MONT_CTX *p256_mont;                     /* Montgomery form mod n */
static pthread_once_t p256_once = PTHREAD_ONCE_INIT;

static void
p256_setup(void)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *n = BN_bin2bn(p256_n, sizeof(p256_n), NULL), *h = BN_new(), *m2 = BN_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	BN_CTX *ctx = BN_CTX_new();

	if (g == NULL || n == NULL || h == NULL || m2 == NULL || mont == NULL || ctx == NULL ||
	    !BN_rshift1(h, n) || BN_copy(m2, n) == NULL || !BN_sub_word(m2, 2) ||
	    !BN_MONT_CTX_set(mont, n, ctx)) {
		EC_GROUP_free(g);
		BN_free(n);
		BN_free(h);
		BN_free(m2);
		BN_MONT_CTX_free(mont);
		BN_CTX_free(ctx);
		return;
	}
	BN_CTX_free(ctx);
	p256_group = g;
	p256_order = n;
	p256_half = h;
	p256_nm2 = m2;
	p256_mont = mont;
}

static int
p256_ready(void)
{
	if (pthread_once(&p256_once, p256_setup) != 0 || p256_group == NULL)
		return SIGIL_E_INTERNAL;
	return 0;
}

/* 1..n-1, compared in constant time (sodium_compare reads little-endian). */
static int
scalar_ok(const uint8_t sk[32])
{
	uint8_t a[32], b[32];
	int lt;

	for (int i = 0; i < 32; i++) {
		a[i] = sk[31 - i];
		b[i] = p256_n[31 - i];
	}
	lt = sodium_compare(a, b, 32) < 0;
	sodium_memzero(a, sizeof(a));
	return lt && !sodium_is_zero(sk, 32);
}

int
p256_impl_keygen(uint8_t sk[32])
{
	for (int tries = 0; tries < 64; tries++) {
		randombytes_buf(sk, 32);
		if (scalar_ok(sk))
			return 0;
	}
	sodium_memzero(sk, 32);
	return SIGIL_E_INTERNAL;
}

int
p256_impl_pubkey(const uint8_t sk[32], uint8_t pk[33])
{
	BIGNUM *d = NULL;
	EC_POINT *q = NULL;
	int rc;

	if ((rc = p256_ready()) != 0)
		return rc;
	if (!scalar_ok(sk))
		return SIGIL_E_CRYPTO;
	rc = SIGIL_E_INTERNAL;
	/* Secure heap (when configured) and constant-time ladder for the secret. */
	if ((d = BN_secure_new()) == NULL || BN_bin2bn(sk, 32, d) == NULL)
		goto out;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if ((q = EC_POINT_new(p256_group)) == NULL ||
	    !EC_POINT_mul(p256_group, q, d, NULL, NULL, NULL))
		goto out;
	if (EC_POINT_point2oct(p256_group, q, POINT_CONVERSION_COMPRESSED, pk, 33, NULL) != 33)
		goto out;
	rc = 0;
out:
	BN_clear_free(d);
	EC_POINT_free(q);
	return rc;
}

/* ---- RFC 6979 section 3.2 with HMAC-SHA-256 --------------------------
 * qlen = hlen = 256, so each candidate T is one HMAC output, and
 * bits2int(T) = T: no truncation. The HMAC key (K) and V are as secret as
 * x: they are wiped by p256_rfc6979_wipe. */

/* out = HMAC_K(V || sep || x || h1) (steps d and f), HMAC_K(V || sep)
 * (step h.3) or HMAC_K(V) (sep < 0, steps e, g, h.2). out may be K or V:
 * both are read before it is written. */
static void
rfc6979_hmac(const uint8_t key[32], const uint8_t v[32], int sep, const uint8_t *x,
             const uint8_t *h1, uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;
	uint8_t b = (uint8_t)sep;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, v, 32);
	if (sep >= 0)
		crypto_auth_hmacsha256_update(&st, &b, 1);
	if (x != NULL) {
		crypto_auth_hmacsha256_update(&st, x, 32);
		crypto_auth_hmacsha256_update(&st, h1, 32);
	}
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st)); /* holds K's inner and outer pads */
}

void
p256_rfc6979_init(struct p256_rfc6979 *st, const uint8_t x[32], const uint8_t h1[32])
{
	uint8_t h[32];
	int borrow = 0;

	/* bits2octets(h1) (section 2.3.4): h1 is 256 bits, under 2n, so
	 * h1 mod n is at most one subtraction. h1 is a public digest. */
	memcpy(h, h1, sizeof(h));
	if (memcmp(h, p256_n, sizeof(h)) >= 0) {
		for (int i = 31; i >= 0; i--) {
			int t = h[i] - p256_n[i] - borrow;
			borrow = t < 0;
			h[i] = (uint8_t)t;
		}
	}
	/* x is 32 bytes already in [1, n-1]: int2octets(x) is x itself. */
	memset(st->v, 0x01, sizeof(st->v));                  /* b */
	memset(st->key, 0x00, sizeof(st->key));              /* c */
	rfc6979_hmac(st->key, st->v, 0x00, x, h, st->key);   /* d */
	rfc6979_hmac(st->key, st->v, -1, NULL, NULL, st->v); /* e */
	rfc6979_hmac(st->key, st->v, 0x01, x, h, st->key);   /* f */
	rfc6979_hmac(st->key, st->v, -1, NULL, NULL, st->v); /* g */
	st->drawn = 0;
}

void
p256_rfc6979_next(struct p256_rfc6979 *st, uint8_t t[32])
{
	/* Step h.3: the previous candidate was refused (or refused r or s). */
	if (st->drawn) {
		rfc6979_hmac(st->key, st->v, 0x00, NULL, NULL, st->key);
		rfc6979_hmac(st->key, st->v, -1, NULL, NULL, st->v);
	}
	/* Steps h.1 and h.2: one block is qlen bits. */
	rfc6979_hmac(st->key, st->v, -1, NULL, NULL, st->v);
	memcpy(t, st->v, 32);
	st->drawn = 1;
}

void
p256_rfc6979_wipe(struct p256_rfc6979 *st)
{
	sodium_memzero(st, sizeof(*st));
}

/* One attempt with the candidate kb (step h.3's test): *es is the
 * signature, or stays NULL when k, r or s is out of range and the next
 * candidate must be tried. k and kinv are the caller's secure BIGNUMs. */
static int
p256_try(const uint8_t kb[32], const uint8_t digest[32], EC_KEY *key, BN_CTX *ctx, BIGNUM *k,
         BIGNUM *kinv, BIGNUM *x, BIGNUM *r, EC_POINT *kg, ECDSA_SIG **es)
{
	unsigned long e;

	if (!scalar_ok(kb))
		return 0;
	/* kG with k marked constant-time (OpenSSL then takes its fixed-window
	 * or ladder path), r = x(kG) mod n. */
	if (BN_bin2bn(kb, 32, k) == NULL || !EC_POINT_mul(p256_group, kg, k, NULL, NULL, ctx) ||
	    !EC_POINT_get_affine_coordinates(p256_group, kg, x, NULL, ctx) ||
	    !BN_nnmod(r, x, p256_order, ctx))
		return SIGIL_E_INTERNAL;
	if (BN_is_zero(r))
		return 0;
	/* k^-1 = k^(n-2) mod n (Fermat; n is prime): a fixed sequence of
	 * Montgomery multiplications, where a binary extended GCD would branch
	 * on the bits of k. */
	if (!BN_mod_exp_mont_consttime(kinv, k, p256_nm2, p256_order, ctx, p256_mont))
		return SIGIL_E_INTERNAL;
	/* s = k^-1 (h + r x) mod n, OpenSSL's fixed-top code. It answers
	 * EC_R_NEED_NEW_SETUP_VALUES when s = 0, the last case of step h.3;
	 * its errors are taken back off the queue. */
	ERR_set_mark();
	if ((*es = ECDSA_do_sign_ex(digest, 32, kinv, r, key)) != NULL) {
		ERR_clear_last_mark();
		return 0;
	}
	e = ERR_peek_last_error();
	ERR_pop_to_mark();
	if (ERR_GET_LIB(e) == ERR_LIB_EC && ERR_GET_REASON(e) == EC_R_NEED_NEW_SETUP_VALUES)
		return 0;
	return SIGIL_E_INTERNAL;
}

int
p256_impl_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64])
{
	struct p256_rfc6979 drbg;
	uint8_t kb[32];
	BN_CTX *ctx = NULL;
	BIGNUM *d = NULL, *k = NULL, *kinv = NULL, *x = NULL, *r = NULL, *s = NULL;
	EC_KEY *key = NULL;
	EC_POINT *kg = NULL;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r0, *s0;
	int rc, tries;

	if ((rc = p256_ready()) != 0)
		return rc;
	if (!scalar_ok(sk))
		return SIGIL_E_CRYPTO;
	p256_rfc6979_init(&drbg, sk, digest);
	rc = SIGIL_E_INTERNAL;
	/* The secrets (x, k, k^-1 and the temporaries of a secure BN_CTX) live
	 * on OpenSSL's secure heap when one is configured, and are cleared when
	 * freed; EC_KEY_free clears its copy of x. */
	if ((ctx = BN_CTX_secure_new()) == NULL || (d = BN_secure_new()) == NULL ||
	    (k = BN_secure_new()) == NULL || (kinv = BN_secure_new()) == NULL ||
	    (x = BN_new()) == NULL || (r = BN_new()) == NULL ||
	    (kg = EC_POINT_new(p256_group)) == NULL || (key = EC_KEY_new()) == NULL)
		goto out;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	BN_set_flags(k, BN_FLG_CONSTTIME);
	BN_set_flags(kinv, BN_FLG_CONSTTIME);
	if (BN_bin2bn(sk, 32, d) == NULL || !EC_KEY_set_group(key, p256_group) ||
	    !EC_KEY_set_private_key(key, d))
		goto out;
	for (tries = 0; es == NULL; tries++) {
		int step;

		if (tries == P256_SIGN_TRIES)
			goto out;
		p256_rfc6979_next(&drbg, kb);
		if ((step = p256_try(kb, digest, key, ctx, k, kinv, x, r, kg, &es)) != 0) {
			rc = step;
			goto out;
		}
	}
	ECDSA_SIG_get0(es, &r0, &s0);
	if ((s = BN_dup(s0)) == NULL)
		goto out;
	/* (r, s) and (r, n - s) both verify; Tezos accepts only the low one. */
	if (BN_cmp(s, p256_half) > 0 && !BN_sub(s, p256_order, s))
		goto out;
	if (BN_bn2binpad(r0, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	p256_rfc6979_wipe(&drbg);
	sodium_memzero(kb, sizeof(kb));
	BN_clear_free(d);
	BN_clear_free(k);
	BN_clear_free(kinv);
	BN_free(x);
	BN_free(r);
	BN_free(s);
	EC_POINT_clear_free(kg);
	EC_KEY_free(key);
	ECDSA_SIG_free(es);
	BN_CTX_free(ctx);
	return rc;
}

/* An EVP public key from the compressed point (verification only). */
static EVP_PKEY *
p256_evp_pubkey(const uint8_t pk[33])
{
	static char group_name[] = "prime256v1";
	uint8_t pub[33];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	memcpy(pub, pk, sizeof(pub));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int
p256_impl_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
                 const uint8_t sig[64])
{
	uint8_t der[80];
	unsigned char *p = der;
	EC_POINT *q = NULL;
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int derlen, rc;

	if ((rc = p256_ready()) != 0)
		return rc;
	if (pklen != 33 || (pk[0] != 0x02 && pk[0] != 0x03))
		return SIGIL_E_INVALID;
	rc = SIGIL_E_CRYPTO;
	/* oct2point refuses an x that is not on the curve. */
	if ((q = EC_POINT_new(p256_group)) == NULL ||
	    !EC_POINT_oct2point(p256_group, q, pk, pklen, NULL))
		goto out;
	if ((r = BN_bin2bn(sig, 32, NULL)) == NULL || (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL)
		goto out;
	/* r in [1, n-1]; s in [1, n/2]: the high-S twin is refused. */
	if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, p256_order) >= 0 ||
	    BN_cmp(s, p256_half) > 0)
		goto out;
	if ((es = ECDSA_SIG_new()) == NULL || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* owned by es now */
	if ((derlen = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)derlen > sizeof(der) ||
	    i2d_ECDSA_SIG(es, &p) != derlen)
		goto out;
	if ((key = p256_evp_pubkey(pk)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_verify(ctx, der, (size_t)derlen, digest, 32) == 1)
		rc = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	EC_POINT_free(q);
	return rc;
}
