/* Tests for the BLS12-381 half of src/crypto/sig.h (tz4).
 *
 * Known answers come from implementations we did not write, run in Node 20:
 * - @taquito/signer 24.2.0 InMemorySigner, given the BLsk of SK_LE below
 *   (BLsk2EsczrFLS5n1D99b6yGCXu8fFnhKWiQhq9WsSgq4YqxmMUAw7j), gave the
 *   public key, the POP-ciphersuite signatures (sign(msg)) and the proof of
 *   possession (provePossession()); the authentication vector is its
 *   sign() of 04 01 pkh21 data with a second key;
 * - @noble/curves 2.4.0 bls12_381.longSignatures gave the same public key
 *   and signatures (L.sign(L.hash(m, DST), sk), checked equal to taquito's),
 *   the AUG signatures (m = pk ‖ msg under the AUG tag) and signatures
 *   under the NUL (basic) tag, used as wrong-DST signatures;
 * - the points outside the prime-order subgroups are x = 4 on G1 and
 *   x = 1 + i on G2, which noble's fromHex().assertValidity() refuses with
 *   "not in prime-order subgroup"; G1 and -G1 compressed are noble's
 *   G1.Point.BASE(.negate()).toBytes(true). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/errors.h"
#include "base/hex.h"
#include "crypto/sig.h"

static const char *const SK_LE = "618cc8665c74294284a5ece2702477ad0d6ddd36d8fa0f6eb59c871261801915";
static const char *const PK =
	"b82939d586d2d19313a865650ce512d2ed0f8436dc515356f580abbe603d4b122624748d723f01f08615f5a97125ab5a";
static const char *const PROOF =
	"93f60fcfb6eb568ac1e5e6af622f603bbf3387c95462cd10f84eaf74b1ec1f253cd1cca3414b40bd2f4226d73d4ae440"
	"15cef19a02ae76452542cc21c41838642305575a48f30ee6b642eec609d20a213a10543c5af710b55755ca887f3f3898";

struct kat {
	const char *msg; /* hex; the 300-byte one is generated: see long_msg */
	const char *pop;
	const char *aug;
	const char *nul;
};

static const struct kat kats[] = {
	{
		/* 03 ‖ "sigil tz4 known answer" */
		"03736967696c20747a34206b6e6f776e20616e73776572",
		"9514b8cbedb6581e0c1f36f194ce610767101f56086d2d2b5f5a8552f10c666b94215774f35bc927c00d0ace94b6e539"
		"073fb19f2ab7667e367f221714b0842751271a953a3b0f575988a604546d5f8354dbb3d534d0a11d6eca471986efcf61",
		"b4b7ed71cc85fa8579d81e86042ef00b0d3828debfdbe0c6ca54d00fe996a2e4b3bd28e4883e6a27110831cbebc044e8"
		"0f804fab868cabff754609c4c2a8c4192fe704265c9e468ee1f8dc46b349b3ff9a198f479ab453078af86cb0f479e4de",
		"b4e5628f8cd68f6d60ae8bda48f10a6ca4f629c0dfcb1ca7717d3f06a8272209c060c99bd6535d004261a59b6ba7ba91"
		"03ec352ab806aa4d2a02b725e751db5f627ede8878ff8cf12715e2d282155b2edf41a0f22b78f3e49b5f50f0674a4cab",
	},
	{
		"", /* the empty message */
		"b4b048805545349f76342d690160568faf4ef2c4bd144e8f667d05d0bf6df6a088d432481a8cbbe5317b07c2dcff13de"
		"0d785dd1c5c84d42a375be1291acb4b948a0dd3169a518a2570b1f930702a9ed51e4b37f52a62562673acd514fb937e6",
		"b7ed2ef8fa84c886040e805d83cb8f2ce502de346d911b2682537d3c3d87d00c1cac8a6152201589fc9a6cb11d14aa9e"
		"0e866338e659f91c342f312cd351cdfd4cc3f0502584dd7452aaf349889a24eadd1163bc324e329e33204edf985017e7",
		"8e98b385a4e7e0864176b121caa019b92a5bfe5ce170d13940879ecba73a27c14f38b32b94c5ee1d122fe5284e593ad9"
		"0d1825e46d3884e671bd3a962952a04fbb446dc624488dfcacbbc2a6f9804bd432d12835f281db78a2507c58cc14ac94",
	},
	{
		NULL, /* 300 bytes, byte i = (7i + 1) mod 256 */
		"a8112683928ea4c94e5f9a0e422c0450b70cb72fb859d54513481af9e688b111003700fc7c259f61197ea207d165498d"
		"172508cccaba0b4476f3ff78077e72fd0e1c0347379e837fc80f643513b88c45435d615f51ef359aeb16b9fa4d0fbe15",
		"b66a7187df83c055cb630209f7b34b5b58248e377c0af1f7af4592ed4cfc0b19c8b6aca326c5022103355e124a232a9e"
		"19897fe90aa659f7cb057207639e0eea1b8524f88aaa176c64d5fe1bbc1bd1539939aa5f71668169ef7b9d27afb41f01",
		"ad70e6c5c281991322fc72bfe75214b5c9763cc55b0853bb6218257d4c31d1b6ca45697f270849b0268b749c646257f8"
		"0a5dd0fd53440020255041a4980b4be65bba864c67f4986435d951f64e25abd7bc634551c5328b7bd735476d5f9cd7ac",
	},
};

/* tz4 authentication: the key AUTH_PK signed 04 01 ‖ 03 ‖ pkh(tz4 of PK) ‖
 * 030102030405, raw (octez signs the bytes, not their digest). */
static const char *const AUTH_PK =
	"b0ec6eefaeb8eb70736eb12775a3b2d9d3aa76fd5fe49773f4cdd98c52f8179bc78edf966680830f5a420650acaa1cbc";
static const char *const AUTH_MSG = "0401033e58925c123076b26e0c5eaa522fdd357a92a0a6030102030405";
static const char *const AUTH_SIG =
	"aa2085aaa76024b8924e35f48fe03a456375b07f18ca64f1b7089fa21aac7a2c5d67b4e0d25c868e8fe45452a8841a4f"
	"0cfd09b823e2d00fc27097aa3ec23ae83b5a465471ad10d1909f55072aaceb80f7c7a848912b2d989708b8c7fd44a9e0";

/* On the curve, outside the r-torsion (see the header comment). */
static const char *const G1_NONSUB =
	"800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000004";
static const char *const G2_NONSUB =
	"a00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
	"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001";
/* x = 1 has no y on G1. */
static const char *const G1_NOT_ON_CURVE =
	"800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001";
/* x = p + 4: a non-canonical field element (x = 4 reduced is on the curve). */
static const char *const G1_X_ABOVE_P =
	"9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaaf";

/* The group order r, little-endian (as a BLsk). */
static const char *const R_LE = "01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73";

static void
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t n;

	assert_int_equal(hex_decode(h, strlen(h), out, len, &n), 0);
	assert_int_equal(n, len);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* The KAT message i into buf; its length. */
static size_t
kat_msg(size_t i, uint8_t buf[300])
{
	if (kats[i].msg == NULL) {
		for (size_t j = 0; j < 300; j++)
			buf[j] = (uint8_t)(j * 7 + 1);
		return 300;
	}
	unhex(kats[i].msg, buf, strlen(kats[i].msg) / 2);
	return strlen(kats[i].msg) / 2;
}

static void
test_kat_pubkey(void **state)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX], want[48];
	size_t pklen;

	(void)state;
	unhex(SK_LE, sk, sizeof(sk));
	unhex(PK, want, sizeof(want));
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	assert_int_equal(pklen, SIGIL_BLS_PK_LEN);
	assert_memory_equal(pk, want, sizeof(want));
	/* The scalar is little-endian: read the other way round it is another
	 * (valid, as its top byte is small) key with another public key. */
	for (int i = 0; i < 16; i++) {
		uint8_t c = sk[i];
		sk[i] = sk[31 - i];
		sk[31 - i] = c;
	}
	sk[31] &= 0x3f;
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	assert_memory_not_equal(pk, want, sizeof(want));
}

static void
test_kat_sign(void **state)
{
	uint8_t sk[32], pk[48], msg[300], sig[SIGIL_BLS_SIG_LEN], want[SIGIL_BLS_SIG_LEN];
	size_t len;

	(void)state;
	unhex(SK_LE, sk, sizeof(sk));
	unhex(PK, pk, sizeof(pk));
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		len = kat_msg(i, msg);

		unhex(kats[i].pop, want, sizeof(want));
		assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, msg, len, sig), 0);
		assert_memory_equal(sig, want, sizeof(want));
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, want, 96), 0);
		/* One ciphersuite's signature is not another's. */
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_AUG, msg, len, want, 96),
		                 SIGIL_E_CRYPTO);

		unhex(kats[i].aug, want, sizeof(want));
		assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_AUG, msg, len, sig), 0);
		assert_memory_equal(sig, want, sizeof(want));
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_AUG, msg, len, want, 96), 0);
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, want, 96),
		                 SIGIL_E_CRYPTO);

		/* A signature under the basic (NUL) tag is a valid BLS signature
		 * of the same bytes, but not one of ours and never accepted. */
		unhex(kats[i].nul, want, sizeof(want));
		assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, msg, len, sig), 0);
		assert_memory_not_equal(sig, want, sizeof(want));
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, want, 96),
		                 SIGIL_E_CRYPTO);
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_AUG, msg, len, want, 96),
		                 SIGIL_E_CRYPTO);
	}
	/* NULL with length 0 is the empty message. */
	unhex(kats[1].pop, want, sizeof(want));
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, NULL, 0, sig), 0);
	assert_memory_equal(sig, want, sizeof(want));
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, NULL, 0, want, 96), 0);
}

static void
test_kat_proof(void **state)
{
	uint8_t sk[32], pk[48], sig[SIGIL_BLS_SIG_LEN], want[SIGIL_BLS_SIG_LEN], other[48];

	(void)state;
	unhex(SK_LE, sk, sizeof(sk));
	unhex(PK, pk, sizeof(pk));
	unhex(PROOF, want, sizeof(want));
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_PROOF, NULL, 0, sig), 0);
	assert_memory_equal(sig, want, sizeof(want));
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_PROOF, pk, sizeof(pk), sig), 0);
	assert_memory_equal(sig, want, sizeof(want));
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_PROOF, NULL, 0, want, 96), 0);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_PROOF, pk, 48, want, 96), 0);
	/* The proof is not a POP-ciphersuite signature of the key's bytes, and
	 * signing the key's bytes under the signature tag is not a proof. */
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, pk, 48, want, 96), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, pk, sizeof(pk), sig), 0);
	assert_memory_not_equal(sig, want, sizeof(want));
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_PROOF, NULL, 0, sig, 96), SIGIL_E_CRYPTO);
	/* A proof covers this key only: no other 48 bytes, no other length. */
	memcpy(other, pk, sizeof(other));
	other[47] ^= 1;
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_PROOF, other, sizeof(other), sig),
	                 SIGIL_E_INVALID);
	assert_true(all_zero(sig, sizeof(sig)));
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_PROOF, pk, 47, sig), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_PROOF, other, 48, want, 96),
	                 SIGIL_E_INVALID);
}

static void
test_auth_vector(void **state)
{
	uint8_t pk[48], msg[64], sig[96], digest[32];
	size_t len = strlen(AUTH_MSG) / 2;

	(void)state;
	unhex(AUTH_PK, pk, sizeof(pk));
	unhex(AUTH_MSG, msg, len);
	unhex(AUTH_SIG, sig, sizeof(sig));
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 96), 0);
	/* Over the raw bytes: not their digest, not the AUG construction. */
	sigil_blake2b(digest, sizeof(digest), msg, len);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, digest, 32, sig, 96), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_AUG, msg, len, sig, 96), SIGIL_E_CRYPTO);
	msg[len - 1] ^= 1;
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);
	/* The digest interface refuses BLS outright. */
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_BLS, pk, 48, digest, sig, 96),
	                 SIGIL_E_UNSUPPORTED);
}

static void
test_verify_rejects(void **state)
{
	uint8_t pk[48], msg[300], sig[96], bad[96], other_pk[48];
	uint8_t inf1[48] = {0xc0}, inf2[96] = {0xc0}, nonsub1[48], nonsub2[96], pt[48];
	size_t len;

	(void)state;
	unhex(PK, pk, sizeof(pk));
	unhex(AUTH_PK, other_pk, sizeof(other_pk));
	len = kat_msg(0, msg);
	unhex(kats[0].pop, sig, sizeof(sig));
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 96), 0);

	/* Tampering anywhere: the signature (each byte), the message, the key. */
	for (size_t i = 0; i < sizeof(sig); i++) {
		memcpy(bad, sig, sizeof(bad));
		bad[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, bad, 96),
		                 SIGIL_E_CRYPTO);
	}
	msg[3] ^= 0x20;
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);
	msg[3] ^= 0x20;
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len - 1, sig, 96),
	                 SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_verify(other_pk, 48, SIGIL_BLS_POP, msg, len, sig, 96),
	                 SIGIL_E_CRYPTO);

	/* The identity: as a key (which would accept the identity signature of
	 * anything) and as a signature. */
	assert_int_equal(sigil_bls_verify(inf1, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_verify(inf1, 48, SIGIL_BLS_POP, msg, len, inf2, 96), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, inf2, 96), SIGIL_E_CRYPTO);
	/* Points on the curve outside the prime-order subgroup. */
	unhex(G1_NONSUB, nonsub1, sizeof(nonsub1));
	unhex(G2_NONSUB, nonsub2, sizeof(nonsub2));
	assert_int_equal(sigil_bls_verify(nonsub1, 48, SIGIL_BLS_POP, msg, len, sig, 96),
	                 SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, nonsub2, 96),
	                 SIGIL_E_CRYPTO);
	/* Bad encodings: off the curve, x not reduced, no compression flag. */
	unhex(G1_NOT_ON_CURVE, pt, sizeof(pt));
	assert_int_equal(sigil_bls_verify(pt, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);
	unhex(G1_X_ABOVE_P, pt, sizeof(pt));
	assert_int_equal(sigil_bls_verify(pt, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);
	memcpy(pt, pk, sizeof(pt));
	pt[0] &= 0x7f;
	assert_int_equal(sigil_bls_verify(pt, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_CRYPTO);

	/* Lengths and arguments. */
	assert_int_equal(sigil_bls_verify(pk, 47, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 49, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 0, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 95), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 97), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, sig, 64), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(NULL, 48, SIGIL_BLS_POP, msg, len, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, msg, len, NULL, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, SIGIL_BLS_POP, NULL, 5, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, 3, msg, len, sig, 96), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_verify(pk, 48, -1, msg, len, sig, 96), SIGIL_E_INVALID);
}

static void
test_bad_scalars(void **state)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX], sig[96], want[48];
	size_t pklen = 99;

	(void)state;
	/* Zero, r, r + 1 and 2^256 - 1: never reduced, always refused. */
	memset(sk, 0, sizeof(sk));
	memset(pk, 0xaa, sizeof(pk));
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), SIGIL_E_CRYPTO);
	assert_int_equal(pklen, 0);
	assert_true(all_zero(pk, sizeof(pk)));
	memset(sig, 0xaa, sizeof(sig));
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, sk, 1, sig), SIGIL_E_CRYPTO);
	assert_true(all_zero(sig, sizeof(sig)));

	unhex(R_LE, sk, sizeof(sk));
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_AUG, NULL, 0, sig), SIGIL_E_CRYPTO);
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_PROOF, NULL, 0, sig), SIGIL_E_CRYPTO);
	sk[0] = 2; /* r + 1 */
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), SIGIL_E_CRYPTO);
	memset(sk, 0xff, sizeof(sk));
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), SIGIL_E_CRYPTO);

	/* r - 1 (= -1) is valid: its public key is -G1, the generator with the
	 * sign flag set. */
	unhex(R_LE, sk, sizeof(sk));
	sk[0] = 0;
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	unhex("b7f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
	      want, sizeof(want));
	assert_memory_equal(pk, want, sizeof(want));
	/* 1: the generator itself. */
	memset(sk, 0, sizeof(sk));
	sk[0] = 1;
	assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
	want[0] = 0x97;
	assert_memory_equal(pk, want, sizeof(want));

	/* Unknown schemes, and a NULL message with a length. */
	unhex(SK_LE, sk, sizeof(sk));
	assert_int_equal(sigil_bls_sign(sk, 3, NULL, 0, sig), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_sign(sk, -1, NULL, 0, sig), SIGIL_E_INVALID);
	assert_int_equal(sigil_bls_sign(sk, SIGIL_BLS_POP, NULL, 1, sig), SIGIL_E_INVALID);
	/* BLS never signs a digest. */
	size_t siglen = 7;
	uint8_t d[32] = {0}, dsig[SIGIL_SIG_MAX];
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_BLS, sk, d, dsig, &siglen), SIGIL_E_UNSUPPORTED);
	assert_int_equal(siglen, 0);
}

static void
test_round_trip(void **state)
{
	uint8_t sk[32], sk2[32], pk[SIGIL_PK_MAX], sig[96], r[32];
	static const uint8_t msg[] = {0x11, 0x7a, 0x06, 0xa7, 0x70, 0x00, 0x00, 0x00, 0x2a};
	const int schemes[] = {SIGIL_BLS_POP, SIGIL_BLS_AUG, SIGIL_BLS_PROOF};
	size_t pklen;

	(void)state;
	unhex(R_LE, r, sizeof(r));
	memset(sk2, 0, sizeof(sk2));
	for (int n = 0; n < 8; n++) {
		assert_int_equal(sigil_keygen(SIGIL_KEY_BLS, sk), 0);
		assert_memory_not_equal(sk, sk2, sizeof(sk));
		memcpy(sk2, sk, sizeof(sk));
		/* Little-endian below r: the top byte is at most r's (0x73). */
		assert_true(sk[31] <= r[31]);
		assert_int_equal(sigil_pubkey(SIGIL_KEY_BLS, sk, pk, &pklen), 0);
		assert_int_equal(pklen, 48);
		for (size_t s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
			const uint8_t *m = schemes[s] == SIGIL_BLS_PROOF ? NULL : msg;
			size_t len = m ? sizeof(msg) : 0;

			assert_int_equal(sigil_bls_sign(sk, schemes[s], m, len, sig), 0);
			assert_int_equal(sigil_bls_verify(pk, 48, schemes[s], m, len, sig, 96), 0);
			sig[95] ^= 1;
			assert_int_equal(sigil_bls_verify(pk, 48, schemes[s], m, len, sig, 96),
			                 SIGIL_E_CRYPTO);
		}
	}
}

/* A prepared key signs as the one-shot calls do, with its public key
 * derived or given, and only as BLS. */
static void
test_prepared_key(void **state)
{
	const int schemes[] = {SIGIL_BLS_POP, SIGIL_BLS_AUG, SIGIL_BLS_PROOF};
	uint8_t sk[32], pk[48], kpk[SIGIL_PK_MAX], msg[300], sig[96], want[96], d[32] = {0};
	uint8_t dsig[SIGIL_SIG_MAX];
	struct sigil_key *k[2], *ed;
	size_t kpklen, siglen = 9;

	(void)state;
	unhex(SK_LE, sk, sizeof(sk));
	unhex(PK, pk, sizeof(pk));
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, NULL, 0, &k[0]), 0);
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, pk, sizeof(pk), &k[1]), 0);
	for (int w = 0; w < 2; w++) {
		sigil_key_pubkey(k[w], kpk, &kpklen);
		assert_int_equal(kpklen, 48);
		assert_memory_equal(kpk, pk, 48);
		for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
			size_t len = kat_msg(i, msg);
			for (size_t j = 0; j < sizeof(schemes) / sizeof(schemes[0]); j++) {
				const uint8_t *m = schemes[j] == SIGIL_BLS_PROOF ? NULL : msg;
				size_t mlen = m ? len : 0;

				assert_int_equal(sigil_bls_sign(sk, schemes[j], m, mlen, want), 0);
				assert_int_equal(sigil_key_bls_sign(k[w], schemes[j], m, mlen, sig), 0);
				assert_memory_equal(sig, want, sizeof(want));
			}
		}
		assert_int_equal(sigil_key_bls_sign(k[w], 3, NULL, 0, sig), SIGIL_E_INVALID);
		assert_int_equal(sigil_key_bls_sign(k[w], SIGIL_BLS_POP, NULL, 1, sig), SIGIL_E_INVALID);
		assert_int_equal(sigil_key_sign_digest(k[w], d, dsig, &siglen), SIGIL_E_UNSUPPORTED);
		assert_int_equal(siglen, 0);
		sigil_key_free(k[w]);
	}
	/* A wrong length of public key is refused; an Ed25519 key signs no BLS. */
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, pk, 47, &k[0]), SIGIL_E_INVALID);
	assert_null(k[0]);
	assert_int_equal(sigil_key_new(SIGIL_KEY_ED25519, sk, NULL, 0, &ed), 0);
	memset(sig, 0xa5, sizeof(sig));
	assert_int_equal(sigil_key_bls_sign(ed, SIGIL_BLS_POP, msg, 4, sig), SIGIL_E_UNSUPPORTED);
	assert_true(all_zero(sig, sizeof(sig)));
	sigil_key_free(ed);
	/* Scalars out of [1, r) are refused when prepared as when signing. */
	memset(sk, 0, sizeof(sk));
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, NULL, 0, &k[0]), SIGIL_E_CRYPTO);
	assert_null(k[0]);
	unhex(R_LE, sk, sizeof(sk));
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, pk, sizeof(pk), &k[0]), SIGIL_E_CRYPTO);
	assert_null(k[0]);
}

/* Not an assertion: the signing rate of a prepared key, for the bench team. */
static void
test_sign_rate(void **state)
{
	uint8_t sk[32], sig[96], msg[128];
	struct sigil_key *k;
	struct timespec a, b;
	int n = 0;
	double secs = 0;

	(void)state;
	unhex(SK_LE, sk, sizeof(sk));
	assert_int_equal(sigil_key_new(SIGIL_KEY_BLS, sk, NULL, 0, &k), 0);
	memset(msg, 0x13, sizeof(msg));
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 50; i++, n++) {
			msg[0] = (uint8_t)n;
			assert_int_equal(sigil_key_bls_sign(k, SIGIL_BLS_POP, msg, sizeof(msg), sig), 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	} while (secs < 1.0);
	printf("bls: %d POP signs of 128 bytes in %.2f s: %.0f signs/s (one core)\n", n, secs,
	       n / secs);
	sigil_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_pubkey),
		cmocka_unit_test(test_kat_sign),
		cmocka_unit_test(test_kat_proof),
		cmocka_unit_test(test_auth_vector),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_bad_scalars),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_prepared_key),
		cmocka_unit_test(test_sign_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
