/* NIST P-256 ECDSA (tz3) over OpenSSL 3 (EVP and the non-deprecated EC_GROUP,
 * EC_POINT and BIGNUM calls).
 *
 * OpenSSL 3.0 has no RFC 6979 nonces; Tezos does not require them, only that
 * s is in the low half (octez and taquito normalise the same way). */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <sodium.h>

#include "core/errors.h"
#include "crypto/sig_impl.h"

/* The group order n, big-endian. */
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static EC_GROUP *p256_group;
static BIGNUM *p256_order, *p256_half;
static pthread_once_t p256_once = PTHREAD_ONCE_INIT;

static void
p256_setup(void)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *n = BN_bin2bn(p256_n, sizeof(p256_n), NULL), *h = BN_new();

	if (g == NULL || n == NULL || h == NULL || !BN_rshift1(h, n)) {
		EC_GROUP_free(g);
		BN_free(n);
		BN_free(h);
		return;
	}
	p256_group = g;
	p256_order = n;
	p256_half = h;
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

/* An EVP key from the compressed public key and, when sk is given, the
 * secret. The secret reaches OpenSSL through a buffer of ours (wiped here)
 * rather than a param builder, so no copy is left in memory we cannot wipe;
 * OpenSSL's own BIGNUM inside the key is cleared by EVP_PKEY_free. */
static EVP_PKEY *
p256_evp_key(const uint8_t *sk, const uint8_t pk[33])
{
	static char group_name[] = "prime256v1";
	uint8_t native[32], pub[33];
	OSSL_PARAM params[4];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	size_t n = 0;

	memcpy(pub, pk, sizeof(pub));
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	if (sk != NULL) {
		/* OSSL_PARAM integers are in native byte order. */
		for (int i = 0; i < 32; i++) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			native[i] = sk[31 - i];
#else
			native[i] = sk[i];
#endif
		}
		params[n++] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, sizeof(native));
	}
	params[n] = OSSL_PARAM_construct_end();

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, sk != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	sodium_memzero(native, sizeof(native));
	return key;
}

int
p256_impl_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64])
{
	uint8_t pk[33], der[80];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *s = NULL;
	const BIGNUM *r0, *s0;
	int rc;

	if ((rc = p256_impl_pubkey(sk, pk)) != 0)
		return rc;
	rc = SIGIL_E_INTERNAL;
	if ((key = p256_evp_key(sk, pk)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 || EVP_PKEY_sign(ctx, der, &derlen, digest, 32) <= 0)
		goto out;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto out;
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
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
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
	if ((key = p256_evp_key(NULL, pk)) == NULL)
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
