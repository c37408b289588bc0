/* BIP-340 Schnorr, the BIP-341 taproot tweak and strict DER
 * (crypto/bip340.h, crypto/ecdsa_der.h).
 *
 * Known answers: BIP-340's test-vectors.csv (bip340_vectors.csv here,
 * verbatim): every signing row signs to its signature with its aux_rand
 * and verifies, every verification row gives its result. BIP-341's wallet
 * vectors: each scriptPubKey case's tweak and output key, and each
 * key-path spend's signature, which they made with aux_rand zero: sigil's
 * deterministic choice signs to those very bytes. DER: round trips, the
 * shortest forms, and every BIP-66 rule broken once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/bip340.h"
#include "crypto/ecdsa_der.h"
#include "crypto/sig.h"
#include "../unit_util.h"
#include "bip341_vectors.h"

/* One CSV field (index i) of line, into out (cap bytes). */
static void
field(const char *line, int i, char *out, size_t cap)
{
	const char *p = line, *e;

	while (i-- > 0)
		p = strchr(p, ',') + 1;
	e = strchr(p, ',');
	if (e == NULL)
		e = p + strcspn(p, "\r\n");
	assert_true((size_t)(e - p) < cap);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

static void
test_bip340_vectors(void **state)
{
	char path[1024], line[1024], f[8][200];
	const char *src = getenv("SIGIL_SOURCE_DIR");
	FILE *fp;
	int rows = 0, signs = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/bitcoin/bip340_vectors.csv", src ? src : ".");
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp)); /* header */
	while (fgets(line, sizeof(line), fp) != NULL) {
		uint8_t sk[32], pk[32], aux[32], msg[32], sig[64], got[64];
		bool ok;

		for (int i = 0; i < 7; i++)
			field(line, i, f[i], sizeof(f[i]));
		unhex(f[2], pk, 32);
		unhex(f[4], msg, 32);
		unhex(f[5], sig, 64);
		ok = strcmp(f[6], "TRUE") == 0;
		if (f[1][0] != '\0') {
			unhex(f[1], sk, 32);
			unhex(f[3], aux, 32);
			assert_int_equal(sigil_bip340_sign(sk, msg, aux, got), 0);
			assert_memory_equal(got, sig, 64);
			signs++;
		}
		assert_int_equal(sigil_bip340_verify(pk, msg, 32, sig) == 0, ok);
		rows++;
	}
	fclose(fp);
	assert_int_equal(rows, 15);
	assert_int_equal(signs, 4);
}

static void
test_taproot_tweak(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bip341_spks) / sizeof(bip341_spks[0]); i++) {
		const struct bip341_spk *v = &bip341_spks[i];
		uint8_t in[32], root[32], t[32], want[32], q[32];

		unhex(v->internal, in, 32);
		if (v->merkle_root != NULL)
			unhex(v->merkle_root, root, 32);
		sigil_taproot_tweak(in, v->merkle_root ? root : NULL, t);
		unhex(v->tweak, want, 32);
		assert_memory_equal(t, want, 32);
		assert_int_equal(sigil_taproot_output_key(in, v->merkle_root ? root : NULL, q, NULL), 0);
		unhex(v->tweaked, want, 32);
		assert_memory_equal(q, want, 32);
	}
}

static void
test_taproot_sign(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bip341_spends) / sizeof(bip341_spends[0]); i++) {
		const struct bip341_spend *v = &bip341_spends[i];
		uint8_t sk[32], root[32], msg[32], want[65], sig[64], in[32], pk[SIGIL_PK_MAX], q[32];
		struct sigil_key *k = NULL;
		size_t pkl;

		unhex(v->privkey, sk, 32);
		unhex(v->sighash, msg, 32);
		unhex(v->witness, want, 65 - (v->hash_type == 0));
		if (v->merkle_root != NULL)
			unhex(v->merkle_root, root, 32);
		assert_int_equal(sigil_bip340_sign_taproot(sk, v->merkle_root ? root : NULL, msg, sig), 0);
		assert_memory_equal(sig, want, 64);
		/* The prepared key signs the same bytes. */
		assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &k), 0);
		memset(sig, 0, sizeof(sig));
		assert_int_equal(sigil_key_bip340_sign_taproot(k, v->merkle_root ? root : NULL, msg, sig), 0);
		assert_memory_equal(sig, want, 64);
		sigil_key_pubkey(k, pk, &pkl);
		assert_int_equal(sigil_xonly_from_compressed(pk, pkl, in), 0);
		unhex(v->internal, want, 32);
		assert_memory_equal(in, want, 32);
		assert_int_equal(sigil_taproot_output_key(in, v->merkle_root ? root : NULL, q, NULL), 0);
		assert_int_equal(sigil_bip340_verify(q, msg, 32, sig), 0);
		assert_int_not_equal(sigil_bip340_verify(in, msg, 32, sig), 0);
		sigil_key_free(k);
	}
}

static void
test_bip340_refusals(void **state)
{
	uint8_t zero[32] = {0}, msg[32] = {1}, sig[64];
	uint8_t n[32];

	(void)state;
	unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", n, 32);
	assert_int_equal(sigil_bip340_sign(zero, msg, NULL, sig), SIGIL_E_CRYPTO);
	assert_true(sodium_is_zero(sig, 64));
	assert_int_equal(sigil_bip340_sign(n, msg, NULL, sig), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_key_bip340_sign_taproot(NULL, NULL, msg, sig), SIGIL_E_UNSUPPORTED);
	assert_int_equal(sigil_xonly_from_compressed(zero, 32, n), SIGIL_E_INVALID);
	{
		uint8_t pk[33] = {0x04};
		assert_int_equal(sigil_xonly_from_compressed(pk, 33, n), SIGIL_E_INVALID);
		pk[0] = 0x02; /* x = 0 is not on the curve */
		assert_int_equal(sigil_xonly_from_compressed(pk, 33, n), SIGIL_E_CRYPTO);
	}
	/* The same message signs to the same signature: aux_rand is zero. */
	{
		uint8_t sk[32] = {[31] = 7}, a[64], b[64], z[32] = {0};
		assert_int_equal(sigil_bip340_sign(sk, msg, NULL, a), 0);
		assert_int_equal(sigil_bip340_sign(sk, msg, z, b), 0);
		assert_memory_equal(a, b, 64);
	}
}

static void
test_der(void **state)
{
	uint8_t rs[64], back[64], der[SIGIL_DER_SIG_MAX];
	size_t n;

	(void)state;
	/* Small values: one byte each. */
	memset(rs, 0, 64);
	rs[31] = 1;
	rs[63] = 0x7f;
	assert_int_equal(sigil_ecdsa_der_encode(rs, der, &n), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(der, "\x30\x06\x02\x01\x01\x02\x01\x7f", 8);
	assert_int_equal(sigil_ecdsa_der_decode(der, n, back), 0);
	assert_memory_equal(back, rs, 64);
	/* High bits: a sign byte each, 72 bytes. */
	memset(rs, 0xff, 64);
	assert_int_equal(sigil_ecdsa_der_encode(rs, der, &n), 0);
	assert_int_equal(n, 72);
	assert_int_equal(der[3], 33);
	assert_int_equal(der[4], 0);
	assert_int_equal(sigil_ecdsa_der_decode(der, n, back), 0);
	assert_memory_equal(back, rs, 64);
	/* Zero is refused both ways. */
	memset(rs, 0, 64);
	rs[31] = 1;
	assert_int_equal(sigil_ecdsa_der_encode(rs, der, &n), SIGIL_E_INVALID);
	/* Random values round trip. */
	for (int i = 0; i < 200; i++) {
		randombytes_buf(rs, 64);
		rs[i % 32] = 0;
		rs[32 + (i * 7) % 32] = 0;
		assert_int_equal(sigil_ecdsa_der_encode(rs, der, &n), 0);
		assert_int_equal(sigil_ecdsa_der_decode(der, n, back), 0);
		assert_memory_equal(back, rs, 64);
	}
}

static void
test_der_strict(void **state)
{
	static const char *const bad[] = {
		"3006020101020100",           /* s zero */
		"300602010102017f00",         /* length says 6, 7 follow */
		"3106020101020101",           /* not a SEQUENCE */
		"3006030101020101",           /* r not an INTEGER */
		"3006020101030101",           /* s not an INTEGER */
		"300702020001020101",         /* r padded with a needless zero */
		"3006020181020101",           /* r negative */
		"3006020101020181",           /* s negative */
		"30050200020101",             /* r empty */
		"3007020101020101",           /* sequence length too long */
		"3006020201020101",           /* r length runs into s */
	};
	uint8_t der[80], rs[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = unhex(bad[i], der, sizeof(der));
		assert_int_equal(sigil_ecdsa_der_decode(der, n, rs), SIGIL_E_INVALID);
		assert_true(sodium_is_zero(rs, 64));
	}
	{ /* 33 bytes of r after its sign byte */
		uint8_t big[80] = {0x30, 0x27, 0x02, 0x22, 0x00};
		memset(big + 5, 0x80, 33);
		big[38] = 0x02, big[39] = 0x01, big[40] = 0x01;
		assert_int_equal(sigil_ecdsa_der_decode(big, 41, rs), SIGIL_E_INVALID);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bip340_vectors), cmocka_unit_test(test_taproot_tweak),
		cmocka_unit_test(test_taproot_sign),   cmocka_unit_test(test_bip340_refusals),
		cmocka_unit_test(test_der),            cmocka_unit_test(test_der_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
