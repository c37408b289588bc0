/* Keccak-f[1600], Keccak-256 and SHA3-256 (crypto/keccak.h).
 *
 * Keccak-256 has no implementation on this machine but ours and ethers'
 * (@noble/hashes underneath), so its known answers come from there: the
 * empty string and "abc" (quoted alike by many Ethereum libraries' tests),
 * 200 bytes of 0xa3 (the Keccak team's long-message example) and inputs
 * either side of the 136-byte rate, as ethers 6.17.0 keccak256 gives them.
 * SHA3-256 is the same permutation under another padding, and OpenSSL has
 * it: every length 0..600 and many random inputs must hash alike, which
 * checks the permutation, the absorbing and the squeezing with code we did
 * not write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/keccak.h"
#include "../unit_util.h"

static void
check_keccak(const uint8_t *in, size_t len, const char *want_hex)
{
	uint8_t want[32], got[32];

	unhex(want_hex, want, sizeof(want));
	sigil_keccak256(in, len, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* (i * 7 + 3) mod 256: the input ethers hashed for the rate lengths. */
static void
pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void
test_known_answers(void **state)
{
	static const struct {
		size_t len;
		const char *hash;
	} rate[] = {
		{135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
		{136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
		{137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
		{271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584"},
		{272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
	};
	uint8_t buf[272];

	(void)state;
	check_keccak(NULL, 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	check_keccak((const uint8_t *)"abc", 3,
	             "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	memset(buf, 0xa3, 200);
	check_keccak(buf, 200, "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
	for (size_t i = 0; i < sizeof(rate) / sizeof(rate[0]); i++) {
		pattern(buf, rate[i].len);
		check_keccak(buf, rate[i].len, rate[i].hash);
	}
}

/* The FIPS 202 examples (NIST's SHA3-256 sample values) for the padding
 * 0x06, before the comparison with OpenSSL. */
static void
test_sha3_known(void **state)
{
	struct sigil_keccak k;
	uint8_t got[32], want[32], a3[200];

	(void)state;
	sigil_keccak256_init(&k);
	sigil_sha3_256_final(&k, got);
	unhex("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", want, 32);
	assert_memory_equal(got, want, 32);
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, (const uint8_t *)"abc", 3);
	sigil_sha3_256_final(&k, got);
	unhex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532", want, 32);
	assert_memory_equal(got, want, 32);
	memset(a3, 0xa3, sizeof(a3));
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, a3, sizeof(a3));
	sigil_sha3_256_final(&k, got);
	unhex("79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787", want, 32);
	assert_memory_equal(got, want, 32);
}

static void
openssl_sha3(const uint8_t *in, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha3_256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, in, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
	assert_int_equal(n, 32);
	EVP_MD_CTX_free(c);
}

static void
ours_sha3(const uint8_t *in, size_t len, uint8_t out[32])
{
	struct sigil_keccak k;

	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, in, len);
	sigil_sha3_256_final(&k, out);
}

static void
test_sha3_openssl(void **state)
{
	static uint8_t buf[4096];
	uint8_t a[32], b[32];

	(void)state;
	randombytes_buf(buf, sizeof(buf));
	for (size_t len = 0; len <= 600; len++) {
		ours_sha3(buf, len, a);
		openssl_sha3(buf, len, b);
		assert_memory_equal(a, b, 32);
	}
	for (int i = 0; i < 2000; i++) {
		size_t len = randombytes_uniform(sizeof(buf) + 1);

		randombytes_buf(buf, len);
		ours_sha3(buf, len, a);
		openssl_sha3(buf, len, b);
		assert_memory_equal(a, b, 32);
	}
}

/* The input in random pieces (empty ones included) hashes as in one. */
static void
test_incremental(void **state)
{
	static uint8_t buf[2048];
	uint8_t one[32], parts[32];
	struct sigil_keccak k;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		size_t len = randombytes_uniform(sizeof(buf) + 1), off = 0;

		randombytes_buf(buf, len);
		sigil_keccak256(buf, len, one);
		sigil_keccak256_init(&k);
		while (off < len) {
			/* Mostly short pieces, sometimes past a whole rate. */
			size_t n = randombytes_uniform(4) == 0 ? randombytes_uniform(400)
			                                       : randombytes_uniform(20);
			if (n > len - off)
				n = len - off;
			sigil_keccak_update(&k, buf + off, n);
			off += n;
		}
		sigil_keccak256_final(&k, parts);
		assert_memory_equal(one, parts, 32);
	}
}

/* The permutation on the zero state: the first lane of Keccak-f[1600]
 * applied once (the Keccak team's KeccakF-1600 intermediate values), and
 * applied twice. */
static void
test_permutation(void **state)
{
	uint64_t a[25] = {0};

	(void)state;
	sigil_keccak_f1600(a);
	assert_true(a[0] == UINT64_C(0xf1258f7940e1dde7));
	assert_true(a[24] == UINT64_C(0xeaf1ff7b5ceca249));
	sigil_keccak_f1600(a);
	assert_true(a[0] == UINT64_C(0x2d5c954df96ecb3c));
}

/* final wipes the state it was given. */
static void
test_final_wipes(void **state)
{
	struct sigil_keccak k, zero;
	uint8_t out[32];

	(void)state;
	memset(&zero, 0, sizeof(zero));
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, (const uint8_t *)"secret-ish", 10);
	sigil_keccak256_final(&k, out);
	assert_memory_equal(&k, &zero, sizeof(k));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers), cmocka_unit_test(test_sha3_known),
		cmocka_unit_test(test_sha3_openssl),  cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_permutation),   cmocka_unit_test(test_final_wipes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
