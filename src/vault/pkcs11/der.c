/* CKA_EC_PARAMS and CKA_EC_POINT (der.h).
 *
 * Only a handful of encodings are right, so the reader is small: one DER
 * element (tag, length, contents) that must fill the attribute exactly,
 * then a comparison with the few known contents. Points are checked by the
 * libraries that will verify with them: libsecp256k1 (on its static
 * context, which parses and serialises without allocating), OpenSSL for
 * P-256 and libsodium for Ed25519. */
#include "vault/pkcs11/der.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>
#include <sodium.h>

#include "base/errors.h"

enum {
	DER_OCTET_STRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_UTF8_STRING = 0x0c,
	DER_PRINTABLE_STRING = 0x13,
	DER_SEQUENCE = 0x30,
};

#define ED25519_PK_LEN 32
#define EC_COMPRESSED_LEN 33
#define EC_UNCOMPRESSED_LEN 65

/* The one DER element that der (len bytes) must be exactly: its tag, and
 * its contents in *val, *vlen. Low tag numbers only, and the length in
 * DER's shortest form (X.690 10.1): short below 128, else 0x81 or 0x82
 * with no leading zero. The indefinite form (0x80), longer forms and any
 * byte before or after the element are refused: a token that pads or
 * re-encodes its attributes is not one we can read with confidence. */
static int
der_one(const uint8_t *der, size_t len, uint8_t *tag, const uint8_t **val, size_t *vlen)
{
	size_t hdr = 2, n;

	if (der == NULL || len < 2)
		return SIGIL_E_INVALID;
	if ((der[0] & 0x1f) == 0x1f) /* a high tag number: none of ours */
		return SIGIL_E_INVALID;
	n = der[1];
	if (n == 0x81) {
		if (len < 3 || der[2] < 0x80)
			return SIGIL_E_INVALID;
		n = der[2];
		hdr = 3;
	} else if (n == 0x82) {
		if (len < 4 || der[2] == 0)
			return SIGIL_E_INVALID;
		n = (size_t)der[2] << 8 | der[3];
		hdr = 4;
	} else if (n >= 0x80) {
		return SIGIL_E_INVALID;
	}
	if (len - hdr != n)
		return SIGIL_E_INVALID;
	*tag = der[0];
	*val = der + hdr;
	*vlen = n;
	return 0;
}

/* ---- CKA_EC_PARAMS ------------------------------------------------------ */

/* An OID's contents are sub-identifiers in base 128, high bit set on all
 * but each one's last byte, with no leading 0x80 (X.690 8.19.2). */
static bool
oid_ok(const uint8_t *v, size_t n)
{
	if (n == 0 || (v[n - 1] & 0x80) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] == 0x80 && (i == 0 || (v[i - 1] & 0x80) == 0))
			return false;
	return true;
}

/* The encodings we know, as contents under their tag. */
static const struct p11_curve {
	uint8_t tag;
	uint8_t len;
	uint8_t val[12];
	enum sigil_key_type type;
} p11_curves[] = {
	/* 1.3.132.0.10 */
	{ DER_OID, 5, { 0x2b, 0x81, 0x04, 0x00, 0x0a }, SIGIL_KEY_SECP256K1 },
	/* 1.2.840.10045.3.1.7 (prime256v1) */
	{ DER_OID, 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, SIGIL_KEY_P256 },
	/* 1.3.101.112 (RFC 8410) */
	{ DER_OID, 3, { 0x2b, 0x65, 0x70 }, SIGIL_KEY_ED25519 },
	/* SoftHSM2 before the OID was common, and some modules still */
	{ DER_PRINTABLE_STRING, 12, "edwards25519", SIGIL_KEY_ED25519 },
	{ DER_UTF8_STRING, 12, "edwards25519", SIGIL_KEY_ED25519 },
};

/* Whether contents under tag are ECParameters at all: a named curve, a
 * curve name, explicit parameters (read no further than their length: we
 * sign on no curve given that way) or implicitlyCA (NULL). */
static bool
params_form_ok(uint8_t tag, const uint8_t *v, size_t n)
{
	switch (tag) {
	case DER_OID:
		return oid_ok(v, n);
	case DER_PRINTABLE_STRING:
	case DER_UTF8_STRING:
	case DER_SEQUENCE:
		return true;
	case DER_NULL:
		return n == 0;
	default:
		return false;
	}
}

int
p11_ec_params_curve(const uint8_t *der, size_t len, enum sigil_key_type *t)
{
	const uint8_t *v;
	size_t n;
	uint8_t tag;
	int rc;

	if (len > P11_EC_PARAMS_MAX)
		return SIGIL_E_INVALID;
	if ((rc = der_one(der, len, &tag, &v, &n)) != 0)
		return rc;
	if (!params_form_ok(tag, v, n))
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < sizeof(p11_curves) / sizeof(p11_curves[0]); i++) {
		const struct p11_curve *c = &p11_curves[i];
		if (c->tag == tag && c->len == n && memcmp(c->val, v, n) == 0) {
			*t = c->type;
			return 0;
		}
	}
	return SIGIL_E_UNSUPPORTED;
}

/* ---- CKA_EC_POINT ------------------------------------------------------- */

/* The point inside the attribute: the bytes themselves when their length
 * is one a point of t has alone (a wrapped point is always 2 bytes longer,
 * so the length cannot mean both), else the contents of an OCTET STRING. */
static int
point_bytes(enum sigil_key_type t, const uint8_t *der, size_t len, const uint8_t **p,
            size_t *n)
{
	bool alone = t == SIGIL_KEY_ED25519
	                     ? len == ED25519_PK_LEN
	                     : (len == EC_COMPRESSED_LEN || len == EC_UNCOMPRESSED_LEN);
	uint8_t tag;
	int rc;

	if (alone) {
		*p = der;
		*n = len;
		return 0;
	}
	if ((rc = der_one(der, len, &tag, p, n)) != 0)
		return rc;
	return tag == DER_OCTET_STRING ? 0 : SIGIL_E_INVALID;
}

/* The SEC 1 forms we take: compressed 02/03 ‖ X or uncompressed 04 ‖ X ‖ Y.
 * Both libraries would also parse the hybrid form (06/07 ‖ X ‖ Y), which
 * no token should send. */
static bool
sec1_form_ok(const uint8_t *p, size_t n)
{
	if (n == EC_COMPRESSED_LEN)
		return p[0] == 0x02 || p[0] == 0x03;
	return n == EC_UNCOMPRESSED_LEN && p[0] == 0x04;
}

static int
ed25519_point(const uint8_t *p, size_t n, uint8_t pk[SIGIL_PK_MAX], size_t *pklen)
{
	if (n != ED25519_PK_LEN)
		return SIGIL_E_INVALID;
	if (sodium_init() < 0)
		return SIGIL_E_INTERNAL;
	/* Canonical, on the curve, of neither small nor mixed order: a key
	 * made as aB always is; anything else is a token's mistake, and
	 * libsodium's verify would refuse most of it later. */
	if (!crypto_core_ed25519_is_valid_point(p))
		return SIGIL_E_INVALID;
	memcpy(pk, p, ED25519_PK_LEN);
	*pklen = ED25519_PK_LEN;
	return 0;
}

static int
secp256k1_point(const uint8_t *p, size_t n, uint8_t pk[SIGIL_PK_MAX], size_t *pklen)
{
	secp256k1_pubkey pub;
	size_t len = EC_COMPRESSED_LEN;

	if (!sec1_form_ok(p, n))
		return SIGIL_E_INVALID;
	/* parse refuses X or Y >= p and a point off the curve; the static
	 * context is enough for parsing and serialising. */
	if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, p, n))
		return SIGIL_E_INVALID;
	if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, pk, &len, &pub,
	                                   SECP256K1_EC_COMPRESSED) ||
	    len != EC_COMPRESSED_LEN)
		return SIGIL_E_INTERNAL;
	*pklen = EC_COMPRESSED_LEN;
	return 0;
}

/* P-256's group, made once and read-only after: OpenSSL's EC_GROUP may be
 * shared between threads that only read it. */
static EC_GROUP *p11_p256;
static pthread_once_t p11_p256_once = PTHREAD_ONCE_INIT;

static void
p11_p256_setup(void)
{
	p11_p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

static int
p256_point(const uint8_t *p, size_t n, uint8_t pk[SIGIL_PK_MAX], size_t *pklen)
{
	EC_POINT *q;
	int rc = SIGIL_E_INVALID;

	if (!sec1_form_ok(p, n))
		return SIGIL_E_INVALID;
	if (pthread_once(&p11_p256_once, p11_p256_setup) != 0 || p11_p256 == NULL)
		return SIGIL_E_INTERNAL;
	if ((q = EC_POINT_new(p11_p256)) == NULL)
		return SIGIL_E_NOMEM;
	/* oct2point refuses X or Y >= p, an X with no square root and a point
	 * off the curve. */
	if (EC_POINT_oct2point(p11_p256, q, p, n, NULL)) {
		rc = SIGIL_E_INTERNAL;
		if (EC_POINT_point2oct(p11_p256, q, POINT_CONVERSION_COMPRESSED, pk,
		                       EC_COMPRESSED_LEN, NULL) == EC_COMPRESSED_LEN) {
			*pklen = EC_COMPRESSED_LEN;
			rc = 0;
		}
	}
	EC_POINT_free(q);
	/* A refused point leaves its reasons on this thread's error queue,
	 * where a later OpenSSL caller would find them. */
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

int
p11_ec_point(enum sigil_key_type t, const uint8_t *der, size_t len,
             uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	int (*reader)(const uint8_t *, size_t, uint8_t *, size_t *);
	const uint8_t *p;
	size_t n;
	int rc;

	memset(pk, 0, SIGIL_PK_MAX);
	*pklen = 0;
	if (t == SIGIL_KEY_ED25519)
		reader = ed25519_point;
	else if (t == SIGIL_KEY_SECP256K1)
		reader = secp256k1_point;
	else if (t == SIGIL_KEY_P256)
		reader = p256_point;
	else
		return SIGIL_E_UNSUPPORTED; /* BLS: PKCS#11 defines no such key */
	if (der == NULL || len > P11_EC_POINT_MAX)
		return SIGIL_E_INVALID;
	if ((rc = point_bytes(t, der, len, &p, &n)) != 0)
		return rc;
	rc = reader(p, n, pk, pklen);
	/* A compressed point must come out as it went in: anything else
	 * would mean a library read it otherwise than we do. */
	if (rc == 0 && n == EC_COMPRESSED_LEN && memcmp(pk, p, n) != 0)
		rc = SIGIL_E_INVALID;
	if (rc != 0) {
		memset(pk, 0, SIGIL_PK_MAX);
		*pklen = 0;
	}
	return rc;
}

/* ---- writing: the CKA_EC_POINT of a key sigil imports ------------------- */

int
p11_ec_point_der(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                 uint8_t out[static P11_EC_POINT_MAX], size_t *outlen)
{
	*outlen = 0;
	if (t == SIGIL_KEY_ED25519) {
		if (pklen != 32)
			return SIGIL_E_INVALID;
		out[0] = 0x04;
		out[1] = 32;
		memcpy(out + 2, pk, 32);
		*outlen = 34;
		return 0;
	}
	if (pklen != EC_COMPRESSED_LEN || (t != SIGIL_KEY_SECP256K1 && t != SIGIL_KEY_P256))
		return t == SIGIL_KEY_SECP256K1 || t == SIGIL_KEY_P256 ? SIGIL_E_INVALID
		                                                       : SIGIL_E_UNSUPPORTED;
	/* Uncompressed, as every token reads it (X9.62 allows both forms; some
	 * modules take only this one). */
	out[0] = 0x04;
	out[1] = 65;
	if (t == SIGIL_KEY_SECP256K1) {
		secp256k1_pubkey pub;
		size_t len = 65;
		if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, pk, pklen) ||
		    !secp256k1_ec_pubkey_serialize(secp256k1_context_static, out + 2, &len, &pub,
		                                   SECP256K1_EC_UNCOMPRESSED) ||
		    len != 65)
			return SIGIL_E_INVALID;
	} else {
		EC_POINT *q;
		int ok;
		if (pthread_once(&p11_p256_once, p11_p256_setup) != 0 || p11_p256 == NULL)
			return SIGIL_E_INTERNAL;
		if ((q = EC_POINT_new(p11_p256)) == NULL)
			return SIGIL_E_NOMEM;
		ok = EC_POINT_oct2point(p11_p256, q, pk, pklen, NULL) &&
		     EC_POINT_point2oct(p11_p256, q, POINT_CONVERSION_UNCOMPRESSED, out + 2, 65,
		                        NULL) == 65;
		EC_POINT_free(q);
		if (!ok) {
			ERR_clear_error();
			return SIGIL_E_INVALID;
		}
	}
	*outlen = 67;
	return 0;
}
