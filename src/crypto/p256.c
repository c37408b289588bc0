/* NIST P-256 ECDSA (tz3) over OpenSSL 3.
 *
 * Signatures are deterministic (RFC 6979): the same key and digest always
 * give the same bytes. A random nonce would give two signatures for one
 * block asked twice, and the block hash covers the signature: two blocks,
 * a double bake. OpenSSL 3.0 cannot be told which nonce to use through EVP,
 * so k comes from RFC 6979 section 3.2 here (HMAC-SHA-256 over OpenSSL's
 * SHA-256, which uses the CPU's SHA extensions: 1 µs where libsodium's
 * portable code took 5.7), k^-1 from p256_inv.c, and the signature from
 * OpenSSL's own constant-time code given k^-1 and r (ECDSA_do_sign_ex,
 * deprecated in 3.0 but built by default). s is then normalised to the low
 * half, the only one Tezos accepts (octez and taquito do the same), so the
 * result is what @noble/curves gives with { prehash: false, lowS: true }.
 *
 * The key type's back end (sig_impl.h). A prepared key holds the secret
 * (RFC 6979 hashes its bytes) and OpenSSL's EC_KEY for it, built once: the
 * EC_KEY's copy of the scalar is a secure BIGNUM, on OpenSSL's secure heap
 * (p256_secure_heap), and EC_KEY_free clears it. */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY, ECDSA_do_sign_ex, SHA256_*: see above */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/sha.h>
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

#define P256_PK_LEN 33

static EC_GROUP *p256_group;
static BIGNUM *p256_order, *p256_half; /* n, floor(n/2) */
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

static int
p256_keygen(uint8_t sk[SIGIL_SECRET_LEN])
{
	for (int tries = 0; tries < 64; tries++) {
		randombytes_buf(sk, SIGIL_SECRET_LEN);
		if (scalar_ok(sk))
			return 0;
	}
	sodium_memzero(sk, SIGIL_SECRET_LEN);
	return SIGIL_E_INTERNAL;
}

/* pk = dG, compressed; d is a constant-time BIGNUM in [1, n-1]. */
static int
point_of(const BIGNUM *d, uint8_t pk[P256_PK_LEN])
{
	EC_POINT *q = EC_POINT_new(p256_group);
	int rc = SIGIL_E_INTERNAL;

	if (q != NULL && EC_POINT_mul(p256_group, q, d, NULL, NULL, NULL) &&
	    EC_POINT_point2oct(p256_group, q, POINT_CONVERSION_COMPRESSED, pk, P256_PK_LEN,
	                       NULL) == P256_PK_LEN)
		rc = 0;
	EC_POINT_free(q);
	return rc;
}

/* A secure BIGNUM holding sk, marked for OpenSSL's constant-time paths. */
static BIGNUM *
secret_bn(const uint8_t sk[SIGIL_SECRET_LEN])
{
	BIGNUM *d = BN_secure_new();

	if (d == NULL || BN_bin2bn(sk, SIGIL_SECRET_LEN, d) == NULL) {
		BN_clear_free(d);
		return NULL;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	return d;
}

static int
p256_pubkey(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX])
{
	BIGNUM *d;
	int rc;

	if ((rc = p256_ready()) != 0)
		return rc;
	if (!scalar_ok(sk))
		return SIGIL_E_CRYPTO;
	if ((d = secret_bn(sk)) == NULL)
		return SIGIL_E_NOMEM;
	rc = point_of(d, pk);
	BN_clear_free(d);
	return rc;
}

/* ---- prepared keys ----------------------------------------------------
 * OpenSSL's secure heap is mmap'ed, mlock'ed and kept out of core dumps
 * like base/secmem.h's arena; BN_secure_new takes from it once it is set
 * up, and from the ordinary heap (cleared when freed) before. An EC_KEY
 * keeps its copy of the scalar for as long as the key lives, so the first
 * P-256 key sets the heap up, unless the process did already. 1 MiB holds
 * the scalars of some 16 000 keys (64 bytes each) besides the few that
 * signatures borrow (past that, preparing a key fails); only the pages
 * touched are resident. Failing to lock it (a low RLIMIT_MEMLOCK) still
 * leaves it usable and out of dumps. */
#define P256_SECURE_HEAP (1u << 20)
#define P256_SECURE_MIN 16

static pthread_once_t p256_heap_once = PTHREAD_ONCE_INIT;

static void
p256_heap_setup(void)
{
	if (!CRYPTO_secure_malloc_initialized())
		(void)CRYPTO_secure_malloc_init(P256_SECURE_HEAP, P256_SECURE_MIN);
}

/* A prepared key: its secret is x, big-endian (RFC 6979 hashes it as is),
 * and its object the EC_KEY (the group and x, for ECDSA_do_sign_ex). */
static int
p256_prepare(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk)
{
	EC_KEY *ec = NULL;
	BIGNUM *d = NULL;
	int rc;

	if ((rc = p256_ready()) != 0)
		return rc;
	if (!scalar_ok(sk))
		return SIGIL_E_CRYPTO;
	(void)pthread_once(&p256_heap_once, p256_heap_setup);
	rc = SIGIL_E_NOMEM;
	/* EC_KEY_set_private_key copies d with BN_dup, which keeps it secure. */
	if ((d = secret_bn(sk)) == NULL || (k->obj = ec = EC_KEY_new()) == NULL)
		goto out;
	rc = SIGIL_E_INTERNAL;
	if (!EC_KEY_set_group(ec, p256_group) || !EC_KEY_set_private_key(ec, d))
		goto out;
	/* The EC_KEY only signs: ECDSA_do_sign_ex reads the group and x, never
	 * the public point, so none is set. */
	if (pk != NULL)
		memcpy(k->pk, pk, P256_PK_LEN);
	else if ((rc = point_of(d, k->pk)) != 0)
		goto out;
	memcpy(k->secret, sk, SIGIL_SECRET_LEN);
	rc = 0;
out:
	BN_clear_free(d);
	return rc;
}

static void
p256_free(struct sigil_key *k)
{
	EC_KEY_free(k->obj); /* clears its copy of x (BN_clear_free) */
	k->obj = NULL;
}

/* ---- RFC 6979 section 3.2 with HMAC-SHA-256 --------------------------
 * qlen = hlen = 256, so each candidate T is one HMAC output, and
 * bits2int(T) = T: no truncation. The HMAC key (K) and V are as secret as
 * x: they are wiped by p256_rfc6979_wipe, and every SHA-256 state that
 * held them here before returning. */

/* The SHA-256 states after the inner and outer pad blocks of an HMAC key. */
struct hmac_pads {
	SHA256_CTX in, out;
};

static void
hmac_pads(struct hmac_pads *p, const uint8_t key[32])
{
	uint8_t pad[SHA256_CBLOCK];

	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= key[i];
	SHA256_Init(&p->in);
	SHA256_Update(&p->in, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA256_Init(&p->out);
	SHA256_Update(&p->out, pad, sizeof(pad));
	sodium_memzero(pad, sizeof(pad));
}

/* out = HMAC_K(V || sep || x || h1) (steps d and f), HMAC_K(V || sep)
 * (step h.3) or HMAC_K(V) (sep < 0, steps e, g, h.2). out may be K or V:
 * both are read before it is written. */
static void
rfc6979_hmac(const uint8_t key[32], const uint8_t v[32], int sep, const uint8_t *x,
             const uint8_t *h1, uint8_t out[32])
{
	struct hmac_pads p;
	uint8_t inner[SHA256_DIGEST_LENGTH], b = (uint8_t)sep;

	hmac_pads(&p, key);
	SHA256_Update(&p.in, v, 32);
	if (sep >= 0)
		SHA256_Update(&p.in, &b, 1);
	if (x != NULL) {
		SHA256_Update(&p.in, x, 32);
		SHA256_Update(&p.in, h1, 32);
	}
	SHA256_Final(inner, &p.in);
	SHA256_Update(&p.out, inner, sizeof(inner));
	SHA256_Final(out, &p.out);
	sodium_memzero(&p, sizeof(p)); /* holds K's inner and outer pads */
	sodium_memzero(inner, sizeof(inner));
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

/* The BIGNUMs of one signature: k and k^-1 are secret (secure heap). x and
 * y are R = kG's coordinates; y is NULL unless the recovery id is wanted. */
struct p256_sig_ctx {
	BN_CTX *ctx;
	BIGNUM *k, *kinv, *x, *y, *r;
	EC_POINT *kg;
};

/* One attempt with the candidate kb (step h.3's test): *es is the
 * signature, or stays NULL when k, r or s is out of range and the next
 * candidate must be tried. */
static int
p256_try(const uint8_t kb[32], const uint8_t digest[32], EC_KEY *key, struct p256_sig_ctx *c,
         ECDSA_SIG **es)
{
	uint8_t kib[32];
	unsigned long e;
	int ok;

	if (!scalar_ok(kb))
		return 0;
	/* kG with k marked constant-time (OpenSSL then takes its fixed-window
	 * or ladder path), r = x(kG) mod n. */
	if (BN_bin2bn(kb, 32, c->k) == NULL ||
	    !EC_POINT_mul(p256_group, c->kg, c->k, NULL, NULL, c->ctx) ||
	    !EC_POINT_get_affine_coordinates(p256_group, c->kg, c->x, c->y, c->ctx) ||
	    !BN_nnmod(c->r, c->x, p256_order, c->ctx))
		return SIGIL_E_INTERNAL;
	if (BN_is_zero(c->r))
		return 0;
	p256_scalar_inverse(kib, kb); /* constant time, p256_inv.c */
	ok = BN_bin2bn(kib, 32, c->kinv) != NULL;
	sodium_memzero(kib, sizeof(kib));
	if (!ok)
		return SIGIL_E_INTERNAL;
	/* s = k^-1 (h + r x) mod n, OpenSSL's fixed-top code. It answers
	 * EC_R_NEED_NEW_SETUP_VALUES when s = 0, the last case of step h.3;
	 * its errors are taken back off the queue. */
	ERR_set_mark();
	if ((*es = ECDSA_do_sign_ex(digest, 32, c->kinv, c->r, key)) != NULL) {
		ERR_clear_last_mark();
		return 0;
	}
	e = ERR_peek_last_error();
	ERR_pop_to_mark();
	if (ERR_GET_LIB(e) == ERR_LIB_EC && ERR_GET_REASON(e) == EC_R_NEED_NEW_SETUP_VALUES)
		return 0;
	return SIGIL_E_INTERNAL;
}

/* The recovery id of the signature made from R = (x, y): bit 0 is y's
 * parity, flipped when s was normalised (n - s signs for -R), bit 1 is set
 * when x was >= n (r = x - n). R is public: the signature gives it away. */
static int
p256_recid(const struct p256_sig_ctx *c, int flipped)
{
	return ((BN_is_odd(c->y) ? 1 : 0) ^ (flipped ? 1 : 0)) | (BN_cmp(c->x, c->r) != 0 ? 2 : 0);
}

/* RFC 6979 ECDSA, low-S; recid (NULL: not wanted) gets the recovery id. */
static int
p256_sign_inner(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64], int *recid)
{
	struct p256_rfc6979 drbg;
	struct p256_sig_ctx c = {0};
	uint8_t kb[32];
	BIGNUM *s = NULL;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r0, *s0;
	int rc = SIGIL_E_INTERNAL, tries, high;

	p256_rfc6979_init(&drbg, k->secret, digest);
	/* No secret in the context's temporaries (OpenSSL's own ECDSA uses a
	 * plain one too): the scalar multiplication keeps k's digits on the
	 * stack, which sig.c scrubs. */
	if ((c.ctx = BN_CTX_new()) == NULL || (c.k = BN_secure_new()) == NULL ||
	    (c.kinv = BN_secure_new()) == NULL || (c.x = BN_new()) == NULL ||
	    (c.r = BN_new()) == NULL || (c.kg = EC_POINT_new(p256_group)) == NULL ||
	    (recid != NULL && (c.y = BN_new()) == NULL))
		goto out;
	BN_set_flags(c.k, BN_FLG_CONSTTIME);
	BN_set_flags(c.kinv, BN_FLG_CONSTTIME);
	for (tries = 0; es == NULL; tries++) {
		int step;

		if (tries == P256_SIGN_TRIES)
			goto out;
		p256_rfc6979_next(&drbg, kb);
		if ((step = p256_try(kb, digest, k->obj, &c, &es)) != 0) {
			rc = step;
			goto out;
		}
	}
	ECDSA_SIG_get0(es, &r0, &s0);
	if ((s = BN_dup(s0)) == NULL)
		goto out;
	/* (r, s) and (r, n - s) both verify; Tezos accepts only the low one. */
	high = BN_cmp(s, p256_half) > 0;
	if (high && !BN_sub(s, p256_order, s))
		goto out;
	if (BN_bn2binpad(r0, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	if (recid != NULL)
		*recid = p256_recid(&c, high);
	rc = 0;
out:
	p256_rfc6979_wipe(&drbg);
	sodium_memzero(kb, sizeof(kb));
	BN_clear_free(c.k);
	BN_clear_free(c.kinv);
	BN_free(c.x);
	BN_free(c.y);
	BN_free(c.r);
	BN_free(s);
	EC_POINT_clear_free(c.kg);
	ECDSA_SIG_free(es);
	BN_CTX_free(c.ctx);
	return rc;
}

static int
p256_sign(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64])
{
	return p256_sign_inner(k, digest, sig, NULL);
}

static int
p256_sign_recid(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64], int *recid)
{
	return p256_sign_inner(k, digest, sig, recid);
}

/* An EVP public key from the compressed point (verification only). */
static EVP_PKEY *
p256_evp_pubkey(const uint8_t pk[P256_PK_LEN])
{
	static char group_name[] = "prime256v1";
	uint8_t pub[P256_PK_LEN];
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
	if (pklen != P256_PK_LEN || (pk[0] != 0x02 && pk[0] != 0x03))
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

/* recid_of: R itself, as verification finds it: R = (e s^-1) G + (r s^-1) Q.
 * Its x mod n must be r (else the signature is not Q's); bit 0 of the id is
 * y's parity, bit 1 says x was >= n. */
static int
p256_recid_of(const uint8_t *pk, size_t pklen, const uint8_t digest[32], const uint8_t sig[64],
              int *recid)
{
	EC_POINT *q = NULL, *rp = NULL;
	BN_CTX *ctx = NULL;
	BIGNUM *r, *s, *e, *u1, *u2, *x, *y, *xr;
	int rc;

	if ((rc = p256_ready()) != 0)
		return rc;
	rc = SIGIL_E_INTERNAL;
	if ((ctx = BN_CTX_new()) == NULL)
		return SIGIL_E_NOMEM;
	BN_CTX_start(ctx);
	r = BN_CTX_get(ctx), s = BN_CTX_get(ctx), e = BN_CTX_get(ctx);
	u1 = BN_CTX_get(ctx), u2 = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx), y = BN_CTX_get(ctx), xr = BN_CTX_get(ctx);
	if (xr == NULL || (q = EC_POINT_new(p256_group)) == NULL ||
	    (rp = EC_POINT_new(p256_group)) == NULL)
		goto out;
	rc = SIGIL_E_CRYPTO;
	if (pklen != P256_PK_LEN || !EC_POINT_oct2point(p256_group, q, pk, pklen, ctx) ||
	    BN_bin2bn(sig, 32, r) == NULL || BN_bin2bn(sig + 32, 32, s) == NULL ||
	    BN_bin2bn(digest, 32, e) == NULL || BN_is_zero(r) || BN_is_zero(s) ||
	    BN_cmp(r, p256_order) >= 0 || BN_cmp(s, p256_half) > 0)
		goto out;
	/* Public values only: the variable-time paths are fine. */
	if (BN_mod_inverse(s, s, p256_order, ctx) == NULL || !BN_mod_mul(u1, e, s, p256_order, ctx) ||
	    !BN_mod_mul(u2, r, s, p256_order, ctx) ||
	    !EC_POINT_mul(p256_group, rp, u1, q, u2, ctx) ||
	    !EC_POINT_get_affine_coordinates(p256_group, rp, x, y, ctx) ||
	    !BN_nnmod(xr, x, p256_order, ctx) || BN_cmp(xr, r) != 0)
		goto out;
	*recid = (BN_is_odd(y) ? 1 : 0) | (BN_cmp(x, r) != 0 ? 2 : 0);
	rc = 0;
out:
	EC_POINT_free(q);
	EC_POINT_free(rp);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

const struct sigil_key_impl sigil_p256_impl = {
	.type = SIGIL_KEY_P256,
	.name = "p256",
	.pk_len = P256_PK_LEN,
	.secret_size = SIGIL_SECRET_LEN,
	.keygen = p256_keygen,
	.pubkey = p256_pubkey,
	.prepare = p256_prepare,
	.sign_digest = p256_sign,
	.sign_digest_recid = p256_sign_recid,
	.recid_of = p256_recid_of,
	.verify_digest = p256_impl_verify,
	.free = p256_free,
};
