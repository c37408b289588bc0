/* The PKCS#11 attribute readers (vault/pkcs11/der.h): CKA_EC_PARAMS and
 * CKA_EC_POINT.
 *
 * Every call gets its input flush against a PROT_NONE page (unit_util.h's
 * flush_copy), so a read one byte past len crashes the test. Keys are made
 * by libsodium (Ed25519) and by sigil itself (sigil_keygen, sigil_pubkey:
 * compressed ECDSA keys); their uncompressed forms come from libsecp256k1
 * and OpenSSL, which also serve as the oracle for X coordinates that are
 * on no point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>
#include <sodium.h>

#include "base/errors.h"
#include "../unit_util.h"
#include "crypto/sig.h"
#include "vault/pkcs11/der.h"

/* ---- the encodings ------------------------------------------------------ */

static const uint8_t OID_SECP256K1[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a };
static const uint8_t OID_P256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t OID_ED25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t STR_ED25519[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd',
	                               's',  '2',  '5', '5', '1', '9' };
static const uint8_t UTF8_ED25519[] = { 0x0c, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd',
	                                's',  '2',  '5', '5', '1', '9' };

static const struct {
	const uint8_t *der;
	size_t len;
	enum sigil_key_type type;
} PARAMS[] = {
	{ OID_SECP256K1, sizeof(OID_SECP256K1), SIGIL_KEY_SECP256K1 },
	{ OID_P256, sizeof(OID_P256), SIGIL_KEY_P256 },
	{ OID_ED25519, sizeof(OID_ED25519), SIGIL_KEY_ED25519 },
	{ STR_ED25519, sizeof(STR_ED25519), SIGIL_KEY_ED25519 },
	{ UTF8_ED25519, sizeof(UTF8_ED25519), SIGIL_KEY_ED25519 },
};
#define NPARAMS (sizeof(PARAMS) / sizeof(PARAMS[0]))

/* RFC 8032, 7.1, TEST 1: a real Ed25519 public key. */
static const char *const RFC8032_PK =
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/* The field primes, big-endian: an X of that value is not a field element. */
static const char *const SECP256K1_P =
	"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
static const char *const P256_P =
	"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

#define T_NONE ((enum sigil_key_type)77) /* *t before a call that must fail */

/* ---- calls on guarded copies -------------------------------------------- */

static int
params(const uint8_t *der, size_t len, enum sigil_key_type *t)
{
	void *map;
	size_t maplen;
	const uint8_t *p = (const uint8_t *)flush_copy(der, len, &map, &maplen);
	int rc = p11_ec_params_curve(p, len, t);

	assert_int_equal(munmap(map, maplen), 0);
	return rc;
}

/* The result of params when it must fail: *t is not touched. */
static int
params_fails(const uint8_t *der, size_t len)
{
	enum sigil_key_type t = T_NONE;
	int rc = params(der, len, &t);

	assert_int_not_equal(rc, 0);
	assert_int_equal(t, T_NONE);
	return rc;
}

static int
point(enum sigil_key_type t, const uint8_t *der, size_t len, uint8_t pk[SIGIL_PK_MAX],
      size_t *pklen)
{
	void *map;
	size_t maplen;
	const uint8_t *p = (const uint8_t *)flush_copy(der, len, &map, &maplen);
	int rc;

	memset(pk, 0xaa, SIGIL_PK_MAX);
	*pklen = 99;
	rc = p11_ec_point(t, p, len, pk, pklen);
	assert_int_equal(munmap(map, maplen), 0);
	return rc;
}

/* The result of point when it must fail: pk zeroed, *pklen 0. */
static int
point_fails(enum sigil_key_type t, const uint8_t *der, size_t len)
{
	uint8_t pk[SIGIL_PK_MAX], zero[SIGIL_PK_MAX] = { 0 };
	size_t pklen;
	int rc = point(t, der, len, pk, &pklen);

	assert_int_not_equal(rc, 0);
	assert_memory_equal(pk, zero, SIGIL_PK_MAX);
	assert_int_equal(pklen, 0);
	return rc;
}

/* der must give exactly want (wantlen bytes). */
static void
point_gives(enum sigil_key_type t, const uint8_t *der, size_t len, const uint8_t *want,
            size_t wantlen)
{
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;

	assert_int_equal(point(t, der, len, pk, &pklen), 0);
	assert_int_equal(pklen, wantlen);
	assert_memory_equal(pk, want, wantlen);
	for (size_t i = wantlen; i < SIGIL_PK_MAX; i++)
		assert_int_equal(pk[i], 0);
}

/* 04 n ‖ p: the OCTET STRING a token gives (n < 128). */
static size_t
wrap(const uint8_t *p, size_t n, uint8_t *out)
{
	assert_true(n < 0x80);
	out[0] = 0x04;
	out[1] = (uint8_t)n;
	memcpy(out + 2, p, n);
	return n + 2;
}

/* ---- keys ----------------------------------------------------------------- */

static EC_GROUP *p256;

/* The uncompressed form of a compressed ECDSA key, by the curve's library. */
static void
uncompress(enum sigil_key_type t, const uint8_t comp[33], uint8_t unc[65])
{
	if (t == SIGIL_KEY_SECP256K1) {
		secp256k1_pubkey pub;
		size_t len = 65;

		assert_true(secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, comp, 33));
		assert_true(secp256k1_ec_pubkey_serialize(secp256k1_context_static, unc, &len, &pub,
		                                          SECP256K1_EC_UNCOMPRESSED));
		assert_int_equal(len, 65);
	} else {
		EC_POINT *q = EC_POINT_new(p256);

		assert_non_null(q);
		assert_true(EC_POINT_oct2point(p256, q, comp, 33, NULL));
		assert_int_equal(
			EC_POINT_point2oct(p256, q, POINT_CONVERSION_UNCOMPRESSED, unc, 65, NULL), 65);
		EC_POINT_free(q);
	}
	assert_int_equal(unc[0], 0x04);
	assert_memory_equal(unc + 1, comp + 1, 32);
}

/* A fresh key of an ECDSA type, compressed by sigil, and uncompressed. */
static void
ec_key(enum sigil_key_type t, uint8_t comp[33], uint8_t unc[65])
{
	uint8_t sk[SIGIL_SECRET_LEN], pk[SIGIL_PK_MAX];
	size_t pklen;

	assert_int_equal(sigil_keygen(t, sk), 0);
	assert_int_equal(sigil_pubkey(t, sk, pk, &pklen), 0);
	assert_int_equal(pklen, 33);
	memcpy(comp, pk, 33);
	uncompress(t, comp, unc);
}

/* Whether the library of t finds a point for this SEC 1 encoding. */
static int
lib_parses(enum sigil_key_type t, const uint8_t *p, size_t n)
{
	EC_POINT *q;
	int ok;

	if (t == SIGIL_KEY_SECP256K1) {
		secp256k1_pubkey pub;
		return secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, p, n);
	}
	q = EC_POINT_new(p256);
	assert_non_null(q);
	ok = EC_POINT_oct2point(p256, q, p, n, NULL);
	EC_POINT_free(q);
	ERR_clear_error();
	return ok;
}

static const enum sigil_key_type EC_TYPES[] = { SIGIL_KEY_SECP256K1, SIGIL_KEY_P256 };

/* ---- CKA_EC_PARAMS ---------------------------------------------------------- */

static void
test_params_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPARAMS; i++) {
		enum sigil_key_type t = T_NONE;

		assert_int_equal(params(PARAMS[i].der, PARAMS[i].len, &t), 0);
		assert_int_equal(t, PARAMS[i].type);
	}
}

static void
test_params_truncated(void **state)
{
	enum sigil_key_type t = T_NONE;
	(void)state;

	assert_int_equal(p11_ec_params_curve(NULL, 0, &t), SIGIL_E_INVALID);
	assert_int_equal(p11_ec_params_curve(NULL, 7, &t), SIGIL_E_INVALID);
	assert_int_equal(t, T_NONE);
	for (size_t i = 0; i < NPARAMS; i++)
		for (size_t n = 0; n < PARAMS[i].len; n++)
			assert_int_equal(params_fails(PARAMS[i].der, n), SIGIL_E_INVALID);
}

static void
test_params_trailing(void **state)
{
	static const uint8_t tails[][2] = { { 0x00, 0 }, { 0x05, 0x00 } };
	uint8_t buf[32];
	(void)state;

	for (size_t i = 0; i < NPARAMS; i++) {
		memcpy(buf, PARAMS[i].der, PARAMS[i].len);
		/* one byte too long, and a whole second element (NULL) after */
		memcpy(buf + PARAMS[i].len, tails[0], 1);
		assert_int_equal(params_fails(buf, PARAMS[i].len + 1), SIGIL_E_INVALID);
		memcpy(buf + PARAMS[i].len, tails[1], 2);
		assert_int_equal(params_fails(buf, PARAMS[i].len + 2), SIGIL_E_INVALID);
	}
}

static void
test_params_bad_header(void **state)
{
	/* tags that are no ECParameters: OCTET STRING, a constructed OID,
	 * INTEGER, BIT STRING, IA5String, a high tag number */
	static const uint8_t tags[] = { 0x04, 0x26, 0x02, 0x03, 0x16, 0x1f };
	uint8_t buf[32];
	(void)state;

	for (size_t i = 0; i < NPARAMS; i++) {
		const uint8_t *d = PARAMS[i].der;
		size_t n = PARAMS[i].len, c = n - 2; /* contents */

		for (size_t k = 0; k < sizeof(tags); k++) {
			memcpy(buf, d, n);
			buf[0] = tags[k];
			assert_int_equal(params_fails(buf, n), SIGIL_E_INVALID);
		}
		/* the length byte one off either way */
		memcpy(buf, d, n);
		buf[1] = (uint8_t)(c + 1);
		assert_int_equal(params_fails(buf, n), SIGIL_E_INVALID);
		buf[1] = (uint8_t)(c - 1);
		assert_int_equal(params_fails(buf, n), SIGIL_E_INVALID);
		/* long form where the short one is required: 81 c, 82 00 c */
		buf[0] = d[0];
		buf[1] = 0x81;
		buf[2] = (uint8_t)c;
		memcpy(buf + 3, d + 2, c);
		assert_int_equal(params_fails(buf, c + 3), SIGIL_E_INVALID);
		buf[1] = 0x82;
		buf[2] = 0x00;
		buf[3] = (uint8_t)c;
		memcpy(buf + 4, d + 2, c);
		assert_int_equal(params_fails(buf, c + 4), SIGIL_E_INVALID);
		/* 83 and 84 forms */
		buf[1] = 0x83;
		buf[2] = buf[3] = 0x00;
		buf[4] = (uint8_t)c;
		memcpy(buf + 5, d + 2, c);
		assert_int_equal(params_fails(buf, c + 5), SIGIL_E_INVALID);
		/* indefinite: 80, contents, end-of-contents */
		buf[1] = 0x80;
		memcpy(buf + 2, d + 2, c);
		buf[c + 2] = buf[c + 3] = 0x00;
		assert_int_equal(params_fails(buf, c + 4), SIGIL_E_INVALID);
	}
}

static void
test_params_malformed_contents(void **state)
{
	static const struct {
		uint8_t der[8];
		size_t len;
	} bad[] = {
		{ { 0x06, 0x00 }, 2 },                         /* empty OID */
		{ { 0x06, 0x01, 0x81 }, 3 },                   /* last byte continues */
		{ { 0x06, 0x03, 0x2b, 0x65, 0xf0 }, 5 },       /* Ed25519's, cut open */
		{ { 0x06, 0x02, 0x80, 0x01 }, 4 },             /* leading 0x80 */
		{ { 0x06, 0x04, 0x2b, 0x80, 0x65, 0x70 }, 6 }, /* leading 0x80, inside */
		{ { 0x05, 0x01, 0x00 }, 3 },                   /* NULL with contents */
		{ { 0x02, 0x01, 0x01 }, 3 },                   /* INTEGER */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(params_fails(bad[i].der, bad[i].len), SIGIL_E_INVALID);
}

static void
test_params_unknown_curve(void **state)
{
	static const struct {
		uint8_t der[16];
		size_t len;
	} other[] = {
		{ { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 }, 7 }, /* P-384 */
		{ { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 }, 7 }, /* P-521 */
		{ { 0x06, 0x03, 0x2b, 0x65, 0x71 }, 5 },             /* Ed448 */
		{ { 0x06, 0x03, 0x2b, 0x65, 0x6e }, 5 },             /* X25519 */
		{ { 0x13, 0x0a, 'e', 'd', 'w', 'a', 'r', 'd', 's', '4', '4', '8' }, 12 },
		{ { 0x13, 0x0c, 'E', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9' }, 14 },
		{ { 0x13, 0x00 }, 2 },
		{ { 0x05, 0x00 }, 2 },                   /* implicitlyCA */
		{ { 0x30, 0x03, 0x02, 0x01, 0x01 }, 5 }, /* explicit parameters */
		/* secp256k1's OID, inside a SEQUENCE: not a namedCurve */
		{ { 0x30, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a }, 9 },
	};
	uint8_t big[P11_EC_PARAMS_MAX + 1];
	(void)state;

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(params_fails(other[i].der, other[i].len), SIGIL_E_UNSUPPORTED);

	/* Explicit parameters as long as real ones (two length bytes), up to
	 * the ceiling, are well-formed; one byte more is refused. */
	memset(big, 0x5a, sizeof(big));
	big[0] = 0x30;
	big[1] = 0x81;
	big[2] = 0xe0;
	assert_int_equal(params_fails(big, 0xe0 + 3), SIGIL_E_UNSUPPORTED);
	big[1] = 0x82;
	big[2] = (uint8_t)((P11_EC_PARAMS_MAX - 4) >> 8);
	big[3] = (uint8_t)(P11_EC_PARAMS_MAX - 4);
	assert_int_equal(params_fails(big, P11_EC_PARAMS_MAX), SIGIL_E_UNSUPPORTED);
	big[2] = (uint8_t)((P11_EC_PARAMS_MAX - 3) >> 8);
	big[3] = (uint8_t)(P11_EC_PARAMS_MAX - 3);
	assert_int_equal(params_fails(big, P11_EC_PARAMS_MAX + 1), SIGIL_E_INVALID);
	/* 82 with a length that fits one byte is not DER */
	big[2] = 0x00;
	big[3] = 0xe0;
	assert_int_equal(params_fails(big, 0xe0 + 4), SIGIL_E_INVALID);
}

/* ---- CKA_EC_POINT: what is accepted ------------------------------------------ */

static void
test_point_ed25519(void **state)
{
	uint8_t pk[32], sk[crypto_sign_SECRETKEYBYTES], w[34];
	(void)state;

	assert_int_equal(unhex(RFC8032_PK, pk, sizeof(pk)), 32);
	point_gives(SIGIL_KEY_ED25519, pk, 32, pk, 32);
	point_gives(SIGIL_KEY_ED25519, w, wrap(pk, 32, w), pk, 32);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(crypto_sign_keypair(pk, sk), 0);
		point_gives(SIGIL_KEY_ED25519, pk, 32, pk, 32);
		point_gives(SIGIL_KEY_ED25519, w, wrap(pk, 32, w), pk, 32);
	}
	sodium_memzero(sk, sizeof(sk));
}

/* All four forms of many keys give sigil's compressed key: both parities
 * of Y must have come by (02 and 03). */
static void
test_point_ec(void **state)
{
	(void)state;
	for (size_t k = 0; k < 2; k++) {
		enum sigil_key_type t = EC_TYPES[k];
		int seen[2] = { 0, 0 }, n;

		for (n = 0; n < 128 && (n < 16 || !seen[0] || !seen[1]); n++) {
			uint8_t comp[33], unc[65], w[67];

			ec_key(t, comp, unc);
			seen[comp[0] & 1] = 1;
			point_gives(t, comp, 33, comp, 33);
			point_gives(t, unc, 65, comp, 33);
			point_gives(t, w, wrap(comp, 33, w), comp, 33);
			point_gives(t, w, wrap(unc, 65, w), comp, 33);
		}
		assert_true(seen[0] && seen[1]);
	}
}

/* ---- CKA_EC_POINT: what is refused ------------------------------------------- */

/* Every prefix of der is refused. */
static void
all_prefixes_fail(enum sigil_key_type t, const uint8_t *der, size_t len)
{
	for (size_t n = 0; n < len; n++)
		assert_int_equal(point_fails(t, der, n), SIGIL_E_INVALID);
}

static void
test_point_truncated(void **state)
{
	uint8_t pk[32], sk[crypto_sign_SECRETKEYBYTES], w[67], out[SIGIL_PK_MAX];
	size_t outlen;
	(void)state;

	for (int i = 0; i < 8; i++) {
		assert_int_equal(crypto_sign_keypair(pk, sk), 0);
		all_prefixes_fail(SIGIL_KEY_ED25519, pk, 32);
		wrap(pk, 32, w);
		all_prefixes_fail(SIGIL_KEY_ED25519, w, 32);
		/* 04 20 ‖ 30 bytes of key is 32 bytes: by its length, a key
		 * alone, which is accepted only when those bytes are a point,
		 * and then as themselves. */
		if (point(SIGIL_KEY_ED25519, w, 32, out, &outlen) == 0)
			assert_memory_equal(out, w, 32);
		else
			assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, 32), SIGIL_E_INVALID);
		assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, 33), SIGIL_E_INVALID);
	}
	sodium_memzero(sk, sizeof(sk));
	for (size_t k = 0; k < 2; k++) {
		enum sigil_key_type t = EC_TYPES[k];

		for (int i = 0; i < 8; i++) {
			uint8_t comp[33], unc[65];

			ec_key(t, comp, unc);
			all_prefixes_fail(t, comp, 33);
			all_prefixes_fail(t, unc, 65);
			all_prefixes_fail(t, w, wrap(comp, 33, w));
			all_prefixes_fail(t, w, wrap(unc, 65, w));
		}
	}
}

static void
test_point_trailing(void **state)
{
	uint8_t pk[32], sk[crypto_sign_SECRETKEYBYTES], buf[P11_EC_POINT_MAX + 2];
	size_t n;
	(void)state;

	assert_int_equal(crypto_sign_keypair(pk, sk), 0);
	sodium_memzero(sk, sizeof(sk));
	for (uint8_t tail = 0; tail < 2; tail++) {
		memcpy(buf, pk, 32);
		buf[32] = tail;
		assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, 33), SIGIL_E_INVALID);
		n = wrap(pk, 32, buf);
		buf[n] = tail;
		assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, n + 1), SIGIL_E_INVALID);
	}
	for (size_t k = 0; k < 2; k++) {
		enum sigil_key_type t = EC_TYPES[k];
		uint8_t comp[33], unc[65];

		ec_key(t, comp, unc);
		memcpy(buf, comp, 33);
		buf[33] = 0;
		assert_int_equal(point_fails(t, buf, 34), SIGIL_E_INVALID);
		memcpy(buf, unc, 65);
		buf[65] = 0;
		assert_int_equal(point_fails(t, buf, 66), SIGIL_E_INVALID);
		n = wrap(comp, 33, buf);
		buf[n] = 0;
		assert_int_equal(point_fails(t, buf, n + 1), SIGIL_E_INVALID);
		n = wrap(unc, 65, buf);
		buf[n] = 0;
		assert_int_equal(point_fails(t, buf, n + 1), SIGIL_E_INVALID);
		/* past the ceiling, whatever it holds */
		assert_int_equal(point_fails(t, buf, P11_EC_POINT_MAX + 1), SIGIL_E_INVALID);
	}
}

/* p (n bytes: 32 or 65) wrapped with a header of hdr bytes, into out. */
static size_t
wrap_as(const uint8_t *hdr, size_t hlen, const uint8_t *p, size_t n, uint8_t *out)
{
	memcpy(out, hdr, hlen);
	memcpy(out + hlen, p, n);
	return hlen + n;
}

static void
test_point_bad_header(void **state)
{
	uint8_t ed[32], sk[crypto_sign_SECRETKEYBYTES], comp[33], unc[65], buf[80];
	size_t n;
	(void)state;

	assert_int_equal(crypto_sign_keypair(ed, sk), 0);
	sodium_memzero(sk, sizeof(sk));
	ec_key(SIGIL_KEY_SECP256K1, comp, unc);
	/* wrong tags: BIT STRING, constructed OCTET STRING, SEQUENCE */
	static const uint8_t tags[] = { 0x03, 0x24, 0x30 };
	for (size_t k = 0; k < sizeof(tags); k++) {
		n = wrap(ed, 32, buf);
		buf[0] = tags[k];
		assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, n), SIGIL_E_INVALID);
		n = wrap(unc, 65, buf);
		buf[0] = tags[k];
		assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, n), SIGIL_E_INVALID);
		n = wrap(comp, 33, buf);
		buf[0] = tags[k];
		assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, n), SIGIL_E_INVALID);
	}
	/* the inner length one off either way */
	for (int d = -1; d <= 1; d += 2) {
		n = wrap(ed, 32, buf);
		buf[1] = (uint8_t)(32 + d);
		assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, n), SIGIL_E_INVALID);
		n = wrap(unc, 65, buf);
		buf[1] = (uint8_t)(65 + d);
		assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, n), SIGIL_E_INVALID);
		n = wrap(comp, 33, buf);
		buf[1] = (uint8_t)(33 + d);
		assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, n), SIGIL_E_INVALID);
	}
	/* long forms where DER has the short one, and the indefinite form */
	static const uint8_t l81e[] = { 0x04, 0x81, 0x20 }, l82e[] = { 0x04, 0x82, 0x00, 0x20 };
	static const uint8_t l81u[] = { 0x04, 0x81, 0x41 }, l82u[] = { 0x04, 0x82, 0x00, 0x41 };
	static const uint8_t l80[] = { 0x04, 0x80 };
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, wrap_as(l81e, 3, ed, 32, buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, wrap_as(l82e, 4, ed, 32, buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, wrap_as(l81u, 3, unc, 65, buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, wrap_as(l82u, 4, unc, 65, buf)),
	                 SIGIL_E_INVALID);
	n = wrap_as(l80, 2, ed, 32, buf);
	buf[n] = buf[n + 1] = 0;
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, buf, n + 2), SIGIL_E_INVALID);
	n = wrap_as(l80, 2, unc, 65, buf);
	buf[n] = buf[n + 1] = 0;
	assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, buf, n + 2), SIGIL_E_INVALID);
}

static void
test_point_ed25519_bad(void **state)
{
	uint8_t key[34], w[40];
	(void)state;

	/* 31 and 33 bytes, alone and wrapped */
	randombytes_buf(key, sizeof(key));
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, key, 31), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, wrap(key, 31, w)), SIGIL_E_INVALID);
	key[0] = 0x30; /* no OCTET STRING tag: 33 bytes alone are no form */
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, key, 33), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, wrap(key, 33, w)), SIGIL_E_INVALID);

	/* The identity (y = 1: small order), and y = p (not canonical). */
	memset(key, 0, 32);
	key[0] = 0x01;
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, key, 32), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, wrap(key, 32, w)), SIGIL_E_INVALID);
	memset(key, 0xff, 32);
	key[0] = 0xed;
	key[31] = 0x7f;
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, key, 32), SIGIL_E_INVALID);
	/* some y with no x: libsodium's own verdict */
	memset(key, 0, 32);
	for (key[0] = 2; crypto_core_ed25519_is_valid_point(key); key[0]++)
		assert_true(key[0] < 0xff);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, key, 32), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, wrap(key, 32, w)), SIGIL_E_INVALID);
}

static void
test_point_off_curve(void **state)
{
	(void)state;
	for (size_t k = 0; k < 2; k++) {
		enum sigil_key_type t = EC_TYPES[k];
		uint8_t comp[33], unc[65], bad[65], w[67];

		ec_key(t, comp, unc);
		/* a byte of X, then of Y, flipped */
		for (size_t at = 1; at < 65; at += 7) {
			memcpy(bad, unc, 65);
			bad[at] ^= 0x01;
			assert_int_equal(point_fails(t, bad, 65), SIGIL_E_INVALID);
			assert_int_equal(point_fails(t, w, wrap(bad, 65, w)), SIGIL_E_INVALID);
		}
		/* an X with no square root of X^3 + aX + b */
		memset(bad, 0, 33);
		bad[0] = 0x02;
		for (bad[32] = 1; lib_parses(t, bad, 33); bad[32]++)
			assert_true(bad[32] < 0xff);
		assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		bad[0] = 0x03;
		assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		assert_int_equal(point_fails(t, w, wrap(bad, 33, w)), SIGIL_E_INVALID);
		/* X = p and X = 2^256 - 1: no field elements */
		unhex(t == SIGIL_KEY_SECP256K1 ? SECP256K1_P : P256_P, bad + 1, 32);
		assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		memset(bad + 1, 0xff, 32);
		assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		/* other first bytes: hybrid (06/07, which both libraries would
		 * take), 05, 00, and 04 on a compressed length */
		static const uint8_t firsts[] = { 0x06, 0x07, 0x05, 0x00, 0x01 };
		for (size_t f = 0; f < sizeof(firsts); f++) {
			memcpy(bad, unc, 65);
			bad[0] = firsts[f];
			assert_int_equal(point_fails(t, bad, 65), SIGIL_E_INVALID);
			memcpy(bad, comp, 33);
			bad[0] = firsts[f];
			assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		}
		memcpy(bad, comp, 33);
		bad[0] = 0x04;
		assert_int_equal(point_fails(t, bad, 33), SIGIL_E_INVALID);
		/* the other ECDSA curve's point: off this one */
		ec_key(EC_TYPES[1 - k], comp, unc);
		assert_int_equal(point_fails(t, unc, 65), SIGIL_E_INVALID);
	}
}

static void
test_point_types(void **state)
{
	uint8_t comp[33], unc[65], ed[32], sk[crypto_sign_SECRETKEYBYTES], bls[48], w[67];
	(void)state;

	ec_key(SIGIL_KEY_SECP256K1, comp, unc);
	assert_int_equal(crypto_sign_keypair(ed, sk), 0);
	sodium_memzero(sk, sizeof(sk));
	randombytes_buf(bls, sizeof(bls));
	/* BLS, and types that do not exist: whatever the bytes */
	static const enum sigil_key_type none[] = { SIGIL_KEY_BLS, (enum sigil_key_type)SIGIL_KEY_TYPES,
		                                    (enum sigil_key_type)99 };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(point_fails(none[i], bls, 48), SIGIL_E_UNSUPPORTED);
		assert_int_equal(point_fails(none[i], comp, 33), SIGIL_E_UNSUPPORTED);
		assert_int_equal(point_fails(none[i], w, wrap(unc, 65, w)), SIGIL_E_UNSUPPORTED);
	}
	/* an Ed25519 key read as ECDSA and back */
	assert_int_equal(point_fails(SIGIL_KEY_SECP256K1, ed, 32), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_P256, w, wrap(ed, 32, w)), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, comp, 33), SIGIL_E_INVALID);
	assert_int_equal(point_fails(SIGIL_KEY_ED25519, w, wrap(unc, 65, w)), SIGIL_E_INVALID);
	/* no bytes at all */
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen = 5;
	assert_int_equal(p11_ec_point(SIGIL_KEY_P256, NULL, 0, pk, &pklen), SIGIL_E_INVALID);
	assert_int_equal(pklen, 0);
	assert_int_equal(p11_ec_point(SIGIL_KEY_P256, NULL, 33, pk, &pklen), SIGIL_E_INVALID);
}

/* ---- CKA_EC_POINT written (sigil import) ------------------------------------ */

/* p11_ec_point_der writes what a token expects (04 len ‖ the point, ECDSA
 * uncompressed) and what p11_ec_point reads back as the same key. */
static void
test_point_written(void **state)
{
	uint8_t pk[32], sk[crypto_sign_SECRETKEYBYTES], out[P11_EC_POINT_MAX];
	size_t n;
	(void)state;

	assert_int_equal(crypto_sign_keypair(pk, sk), 0);
	assert_int_equal(p11_ec_point_der(SIGIL_KEY_ED25519, pk, 32, out, &n), 0);
	assert_int_equal(n, 34);
	assert_int_equal(out[0], 0x04);
	assert_int_equal(out[1], 32);
	point_gives(SIGIL_KEY_ED25519, out, n, pk, 32);
	assert_int_equal(p11_ec_point_der(SIGIL_KEY_ED25519, pk, 31, out, &n), SIGIL_E_INVALID);
	for (size_t k = 0; k < 2; k++) {
		enum sigil_key_type t = EC_TYPES[k];
		for (int i = 0; i < 16; i++) {
			uint8_t comp[33], unc[65];
			ec_key(t, comp, unc);
			assert_int_equal(p11_ec_point_der(t, comp, 33, out, &n), 0);
			assert_int_equal(n, 67);
			assert_int_equal(out[0], 0x04);
			assert_int_equal(out[1], 65);
			assert_memory_equal(out + 2, unc, 65);
			point_gives(t, out, n, comp, 33);
		}
		/* Not a point: an X with no Y, a bad prefix, the wrong length. */
		uint8_t bad[33];
		memset(bad, 0xff, sizeof(bad));
		bad[0] = 0x02;
		assert_int_equal(p11_ec_point_der(t, bad, 33, out, &n), SIGIL_E_INVALID);
		bad[0] = 0x05;
		assert_int_equal(p11_ec_point_der(t, bad, 33, out, &n), SIGIL_E_INVALID);
		assert_int_equal(p11_ec_point_der(t, bad, 32, out, &n), SIGIL_E_INVALID);
	}
	assert_int_equal(p11_ec_point_der(SIGIL_KEY_BLS, pk, 32, out, &n), SIGIL_E_UNSUPPORTED);
	sodium_memzero(sk, sizeof(sk));
}

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	return p256 == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EC_GROUP_free(p256);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_accepted),
		cmocka_unit_test(test_params_truncated),
		cmocka_unit_test(test_params_trailing),
		cmocka_unit_test(test_params_bad_header),
		cmocka_unit_test(test_params_malformed_contents),
		cmocka_unit_test(test_params_unknown_curve),
		cmocka_unit_test(test_point_ed25519),
		cmocka_unit_test(test_point_ec),
		cmocka_unit_test(test_point_truncated),
		cmocka_unit_test(test_point_trailing),
		cmocka_unit_test(test_point_bad_header),
		cmocka_unit_test(test_point_ed25519_bad),
		cmocka_unit_test(test_point_off_curve),
		cmocka_unit_test(test_point_types),
		cmocka_unit_test(test_point_written),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
