/* Encrypted keys (enclave/holder/blob.h): every key type round-trips; a
 * blob under another KEK, with any bit flipped, with its header changed,
 * truncated or of an unknown version is refused by name; the clear header
 * that sigild reads (proto.h, enclave_blob_public) says the right key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "base/errors.h"
#include "enclave/holder/blob.h"

static uint8_t kek_a[ENCLAVE_KEK_LEN], kek_b[ENCLAVE_KEK_LEN];

static void
seal_one(enum sigil_key_type t, uint8_t sk[32], uint8_t *pk, size_t *pklen, uint8_t *blob,
         size_t *len)
{
	assert_int_equal(sigil_keygen(t, sk), 0);
	assert_int_equal(sigil_pubkey(t, sk, pk, pklen), 0);
	assert_int_equal(enclave_blob_seal(kek_a, t, sk, pk, *pklen, blob, len), 0);
	assert_true(*len <= ENCLAVE_BLOB_MAX);
}

static void
test_round_trip(void **state)
{
	(void)state;
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], blob[ENCLAVE_BLOB_MAX];
		size_t pklen, pklen2, len;
		enum sigil_key_type t2;
		char why[256];

		seal_one((enum sigil_key_type)t, sk, pk, &pklen, blob, &len);
		assert_int_equal(blob[0], ENCLAVE_BLOB_VERSION);
		assert_int_equal(enclave_blob_open(kek_a, blob, len, &t2, sk2, pk2, &pklen2, why,
		                                   sizeof(why)), 0);
		assert_int_equal(t2, t);
		assert_memory_equal(sk, sk2, 32);
		assert_int_equal(pklen2, pklen);
		assert_memory_equal(pk, pk2, pklen);
		/* The secret is not in the blob in clear. */
		for (size_t i = 0; i + 8 <= len; i++)
			assert_false(memcmp(blob + i, sk, 8) == 0);
		/* sigild reads the same key from the clear header. */
		assert_int_equal(enclave_blob_public(blob, len, &t2, pk2, &pklen2), 0);
		assert_int_equal(t2, t);
		assert_memory_equal(pk, pk2, pklen);
		/* Two seals of one key differ (a fresh nonce each). */
		{
			uint8_t blob2[ENCLAVE_BLOB_MAX];
			size_t len2;
			assert_int_equal(enclave_blob_seal(kek_a, (enum sigil_key_type)t, sk, pk, pklen,
			                                   blob2, &len2), 0);
			assert_int_equal(len2, len);
			assert_memory_not_equal(blob, blob2, len);
		}
	}
}

static void
test_other_kek(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], blob[ENCLAVE_BLOB_MAX];
	size_t pklen, pklen2, len;
	enum sigil_key_type t;
	char why[256] = "";
	static const uint8_t zero[32];

	(void)state;
	seal_one(SIGIL_KEY_ED25519, sk, pk, &pklen, blob, &len);
	assert_int_equal(enclave_blob_open(kek_b, blob, len, &t, sk2, pk2, &pklen2, why,
	                                   sizeof(why)), SIGIL_E_PASSPHRASE);
	assert_non_null(strstr(why, "another"));
	assert_memory_equal(sk2, zero, 32);
}

static void
test_every_bit(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], blob[ENCLAVE_BLOB_MAX];
	size_t pklen, pklen2, len;
	enum sigil_key_type t;
	char why[256];

	(void)state;
	seal_one(SIGIL_KEY_SECP256K1, sk, pk, &pklen, blob, &len);
	for (size_t i = 0; i < len * 8; i++) {
		blob[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why,
		                                       sizeof(why)), 0);
		blob[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* Truncated by any amount, or with a byte more. */
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(enclave_blob_open(kek_a, blob, n, &t, sk2, pk2, &pklen2, why,
		                                       sizeof(why)), 0);
	blob[len] = 0;
	assert_int_not_equal(enclave_blob_open(kek_a, blob, len + 1, &t, sk2, pk2, &pklen2, why,
	                                       sizeof(why)), 0);
}

static void
test_header(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], blob[ENCLAVE_BLOB_MAX];
	uint8_t other[SIGIL_PK_MAX];
	size_t pklen, pklen2, len;
	enum sigil_key_type t;
	char why[256];

	(void)state;
	seal_one(SIGIL_KEY_P256, sk, pk, &pklen, blob, &len);
	/* Another key's public key in the header: the AEAD refuses it. */
	{
		uint8_t sk3[32];
		size_t olen;
		assert_int_equal(sigil_keygen(SIGIL_KEY_P256, sk3), 0);
		assert_int_equal(sigil_pubkey(SIGIL_KEY_P256, sk3, other, &olen), 0);
		memcpy(blob + 3, other, olen);
		assert_int_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why,
		                                   sizeof(why)), SIGIL_E_PASSPHRASE);
		memcpy(blob + 3, pk, pklen);
	}
	/* An unknown version is refused by name. */
	blob[0] = 2;
	assert_int_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why, sizeof(why)),
	                 SIGIL_E_INVALID);
	assert_non_null(strstr(why, "version 2"));
	assert_int_equal(enclave_blob_public(blob, len, &t, pk2, &pklen2), SIGIL_E_INVALID);
	blob[0] = 1;
	/* A header that says another type. */
	blob[1] = SIGIL_KEY_SECP256K1;
	assert_int_not_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why,
	                                       sizeof(why)), 0);
	blob[1] = 9;
	assert_int_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why, sizeof(why)),
	                 SIGIL_E_INVALID);
	assert_int_equal(enclave_blob_public(blob, len, &t, pk2, &pklen2), SIGIL_E_INVALID);
}

/* A KEK holder could seal a secret beside another key's public key: the
 * blob opens, but the key it names is not the key it holds. */
static void
test_mismatched_secret(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], other[SIGIL_PK_MAX];
	uint8_t blob[ENCLAVE_BLOB_MAX];
	size_t pklen, pklen2, olen, len;
	enum sigil_key_type t;
	char why[256] = "";

	(void)state;
	assert_int_equal(sigil_keygen(SIGIL_KEY_BLS, sk), 0);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	assert_int_equal(sigil_keygen(SIGIL_KEY_BLS, sk2), 0);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk2, other, &olen), 0);
	assert_int_equal(enclave_blob_seal(kek_a, SIGIL_KEY_BLS, sk, other, olen, blob, &len), 0);
	assert_int_equal(enclave_blob_open(kek_a, blob, len, &t, sk2, pk2, &pklen2, why, sizeof(why)),
	                 SIGIL_E_CRYPTO);
	assert_non_null(strstr(why, "does not match"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_other_kek),
		cmocka_unit_test(test_every_bit),       cmocka_unit_test(test_header),
		cmocka_unit_test(test_mismatched_secret),
	};
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(kek_a, sizeof(kek_a));
	randombytes_buf(kek_b, sizeof(kek_b));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
