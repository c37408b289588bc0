/* Tests for src/chain/tezos/keys.h.
 *
 * Known answers from implementations we did not write:
 * - @taquito/signer 24.2.0 InMemorySigner over the secrets below gave
 *   publicKey(), publicKeyHash() and sign(TEST_MSG).prefixSig (taquito signs
 *   blake2b-256 of the bytes; its ECDSA is @noble/curves 1.9.7, RFC 6979,
 *   low-S); the BLS key is used for the encodings only.
 * - The encrypted keys were built with Node's crypto.pbkdf2Sync (SHA-512,
 *   32768 rounds) and @stablelib/nacl secretBox (zero nonce) over the same
 *   secrets, and each was opened by InMemorySigner(esk, passphrase), whose
 *   publicKey() matched the plain key's.
 * - The PEM keys were made by `openssl genpkey` (OpenSSL 3.0): ed25519, EC
 *   secp256k1 and EC prime256v1, the SEC1 forms by `openssl ec`; the expected
 *   public keys are OpenSSL's (`openssl pkey -pubout`, compressed with
 *   `openssl ec -conv_form compressed`), base58-encoded by @taquito/utils. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chain/tezos/keys.h"
#include "base/errors.h"
#include "base/hex.h"

static const char *const TEST_MSG = "03a1a1a1a1a1a1a1a16c000102030405060708090a";

struct kat {
	enum sigil_key_type t;
	const char *sk_hex, *sk, *pk, *pkh, *sig, *esk, *pass;
	int exact_sig;
};

static const struct kat kats[] = {
	{SIGIL_KEY_ED25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "edsk3sDP6GEtZDNCNa7cAKHnRUVoN5i9K3baFkienK9LDq2yQzfhnA",
	 "edpkvH4rzbmfvAEgiJQU1TKYfrTvBbpVJGHmQByh9Nph4BzvRh8aXP", "tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu",
	 "edsigtudHDR3KgFde62BYT9Epr2a5WunsmYXNsrwkhcSSHeW7Qrsf3hsWLnb6F1B6kN5NFXKmgmUxUzFsUiDuT2VmcXeQtRwRJQ",
	 "edesk1HehfZtkr7PvH2JDmYF6RzaKdKgwHVaAuatzxd7BZktc7AdLYtThLjDhSLAQP6UJRGn8rQK1Yd9hgaC5pwS",
	 "correct horse battery staple", 1},
	{SIGIL_KEY_SECP256K1, "48f0040f7e58ccff23712e24785dd2b4f6ed755b447715b9c7885ec09c4feb6b",
	 "spsk1ygmpRJZiVToA4gnHJTx3PCEbe4JfUJ7KE7naeUZETpsyWTFaa",
	 "sppk7bUQUz3khp1vE24ayAJx7mHpNEZu6qU1NAqy1xBwDpmJvRwo38C", "tz2EPEJBXyfUQPZAGTSqmYsZf2ebDdNoyW27",
	 "spsig16N1vRaC5oLa44uutk24fG1jG1nQh7uJ9qqvrx11wPw8dJdQQcX3WeH3PQiTYU7f3W1M2LGR6B2nNWZEah6oqR9YBU26RY",
	 "spesk1sokXbX31a1AiqkR4LCqvUvzWS2W2AH9FsQ2AhJ7tSvwV7PJtdh9YYvdeQDaD5pxJKKYfRr49tyekGQmjKB",
	 "sigil-test", 1},
	{SIGIL_KEY_P256, "e32edcd0454aaf3b5d1c32e2593108e2ce3e2ad7fef35379747f3390499e9c02",
	 "p2sk44qtiEMLpccHgoQQqzH5fp7jkQL4cdjPLoppD2b3kKDBATEKPE",
	 "p2pk6877A1E57ui4MapP8yDBW27mUYiB8HDE9ztDeF9Z7m9UjPuvJDb", "tz3MrsnBD1AAZXU7ar7MvqTGjbd4ups8ZFLk",
	 "p2sigpurejSvVDJATa25xTFTchxLM43LnniZxoKS7Kn1ayTFr3obhimxogSUFoRB2ULEexeXBSSjb3cAqCXM5TVVB48JonXkGj",
	 "p2esk1kpZnyokqFG3WGf5FNymbMQ23dDB9CVQH3HwJgMx2EBspEcPvbMxKwyyo84qdRDfkTvvADfzk9LuD5ef5Vv",
	 "p2-pass", 0},
};

/* BLS: little-endian scalar as stored; public key and tz4 from taquito. */
static const char *const BL_SK_HEX = "d06db2c218118c38650678c1931ffe6dcbb79add6869b5f943e2070f149ec436";
static const char *const BL_SK = "BLsk35hsB3XLP5fyVSTrNp7u6xxiqMCECq2tPUuX3CPdMdAbcSmK3D";
static const char *const BL_PK =
	"BLpk1nk5oq6cY5mtSJVQXzmRtKs3sXnxFQNwsXoejbPi7NXECjfSdGyqPgrvTUR1GYvRgyqYGYzb";
static const char *const BL_PKH = "tz4SbZzhMFSsTZTvQqzQ1BjvgTagwQp584sV";
static const char *const BL_ESK =
	"BLesk1xaFJkaJ9UKjm9jFFmgAqzEaWBHsxt5PwjXYi6AJsPMtPqwq4r4Zxgpu5GJAUukLaZqC2uA9hXcVtAVWZ47";
static const char *const BL_PASS = "bls pass";

/* The 64-byte edsk (seed || pk) of the Ed25519 secret above. */
static const char *const EDSK64 =
	"edskRxbzm4vq4ivncG4kaQH6dLNiZn57NVxfyg1bnsazDdcDRacLQmSQc8RLs8KEBjoQnGRnzVhG96mvJJ2khmhhc2LxZB6gs8";

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

static void
msg_digest(uint8_t d[32])
{
	uint8_t msg[64];
	size_t n;

	assert_int_equal(hex_decode(TEST_MSG, strlen(TEST_MSG), msg, sizeof(msg), &n), 0);
	sigil_blake2b(d, 32, msg, n);
}

static void
test_taquito_kats(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];
		uint8_t sk[32], want[32], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX], pkh[20], pkh2[20];
		uint8_t d[32], sig[SIGIL_SIG_MAX], tsig[SIGIL_SIG_MAX];
		enum sigil_key_type t;
		size_t pklen, pklen2, siglen, tsiglen;
		char buf[TZ_B58_MAX];
		bool generic;

		unhex(k->sk_hex, want, 32);
		assert_int_equal(tz_sk_decode(k->sk, strlen(k->sk), NULL, &t, sk), 0);
		assert_int_equal(t, k->t);
		assert_memory_equal(sk, want, 32);
		assert_int_equal(tz_sk_encode(t, sk, buf, sizeof(buf)), 0);
		assert_string_equal(buf, k->sk);

		assert_int_equal(sigil_pubkey(t, sk, pk, &pklen), 0);
		assert_int_equal(tz_pk_encode(t, pk, pklen, buf, sizeof(buf)), 0);
		assert_string_equal(buf, k->pk);
		assert_int_equal(tz_pk_decode(k->pk, strlen(k->pk), &t, pk2, &pklen2), 0);
		assert_int_equal(t, k->t);
		assert_int_equal(pklen2, pklen);
		assert_memory_equal(pk2, pk, pklen);

		tz_pkh(pk, pklen, pkh);
		assert_int_equal(tz_pkh_encode(k->t, pkh, buf, sizeof(buf)), 0);
		assert_string_equal(buf, k->pkh);
		assert_int_equal(tz_pkh_decode(k->pkh, strlen(k->pkh), &t, pkh2), 0);
		assert_int_equal(t, k->t);
		assert_memory_equal(pkh2, pkh, 20);

		msg_digest(d);
		t = SIGIL_KEY_BLS; /* must be overwritten by a typed signature */
		assert_int_equal(tz_sig_decode(k->sig, strlen(k->sig), &t, tsig, &tsiglen, &generic), 0);
		assert_int_equal(t, k->t);
		assert_false(generic);
		assert_int_equal(tsiglen, 64);
		assert_int_equal(sigil_verify_digest(k->t, pk, pklen, d, tsig, tsiglen), 0);
		assert_int_equal(sigil_sign_digest(k->t, sk, d, sig, &siglen), 0);
		assert_int_equal(tz_sig_encode(k->t, sig, siglen, buf, sizeof(buf)), 0);
		if (k->exact_sig)
			assert_string_equal(buf, k->sig);
		assert_int_equal(sigil_verify_digest(k->t, pk, pklen, d, sig, siglen), 0);
	}
}

static void
test_bls_encodings(void **state)
{
	uint8_t sk[32], want[32], pk[SIGIL_PK_MAX], pkh[20];
	enum sigil_key_type t;
	size_t pklen;
	char buf[TZ_B58_MAX];

	(void)state;
	unhex(BL_SK_HEX, want, 32);
	assert_int_equal(tz_sk_decode(BL_SK, strlen(BL_SK), NULL, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_BLS);
	assert_memory_equal(sk, want, 32);
	assert_int_equal(tz_sk_encode(SIGIL_KEY_BLS, sk, buf, sizeof(buf)), 0);
	assert_string_equal(buf, BL_SK);
	assert_int_equal(tz_pk_decode(BL_PK, strlen(BL_PK), &t, pk, &pklen), 0);
	assert_int_equal(t, SIGIL_KEY_BLS);
	assert_int_equal(pklen, 48);
	assert_int_equal(tz_pk_encode(SIGIL_KEY_BLS, pk, pklen, buf, sizeof(buf)), 0);
	assert_string_equal(buf, BL_PK);
	tz_pkh(pk, pklen, pkh);
	assert_int_equal(tz_pkh_encode(SIGIL_KEY_BLS, pkh, buf, sizeof(buf)), 0);
	assert_string_equal(buf, BL_PKH);
	memset(sk, 0, 32);
	assert_int_equal(tz_sk_decode(BL_ESK, strlen(BL_ESK), BL_PASS, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_BLS);
	assert_memory_equal(sk, want, 32);
}

static void
test_bls_scalar_range(void **state)
{
	/* r, little-endian. */
	static const char *const R_LE =
		"01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73";
	uint8_t s[32], sk[32];
	enum sigil_key_type t;
	char buf[TZ_B58_MAX];

	(void)state;
	unhex(R_LE, s, 32);
	assert_int_equal(tz_b58_encode(TZ_P_BLSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	assert_true(all_zero(sk, 32));
	s[0] = 0x00; /* r - 1 */
	assert_int_equal(tz_b58_encode(TZ_P_BLSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_BLS);
	/* r read big-endian would be "small": the comparison must be LE. */
	s[0] = 0x01;
	s[31] = 0x74; /* > r in the top byte */
	assert_int_equal(tz_b58_encode(TZ_P_BLSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	memset(s, 0, 32);
	assert_int_equal(tz_b58_encode(TZ_P_BLSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
}

static void
test_edsk64(void **state)
{
	uint8_t sk[32], want[32], raw[64];
	enum sigil_key_type t;
	size_t n;
	enum tz_prefix p;
	char buf[TZ_B58_MAX];

	(void)state;
	unhex(kats[0].sk_hex, want, 32);
	assert_int_equal(tz_sk_decode(EDSK64, strlen(EDSK64), NULL, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_ED25519);
	assert_memory_equal(sk, want, 32);
	/* seed || someone else's public key is refused. */
	assert_int_equal(tz_b58_decode_any(EDSK64, strlen(EDSK64), &p, raw, sizeof(raw), &n), 0);
	assert_int_equal(p, TZ_P_EDSK_64);
	raw[40] ^= 1;
	assert_int_equal(tz_b58_encode(TZ_P_EDSK_64, raw, 64, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	assert_true(all_zero(sk, 32));
}

static void
test_encrypted(void **state)
{
	uint8_t sk[32], want[32];
	enum sigil_key_type t;

	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];

		unhex(k->sk_hex, want, 32);
		assert_int_equal(tz_sk_decode(k->esk, strlen(k->esk), k->pass, &t, sk), 0);
		assert_int_equal(t, k->t);
		assert_memory_equal(sk, want, 32);
		assert_int_equal(tz_sk_decode(k->esk, strlen(k->esk), "wrong", &t, sk),
		                 SIGIL_E_PASSPHRASE);
		assert_true(all_zero(sk, 32));
		assert_int_equal(tz_sk_decode(k->esk, strlen(k->esk), NULL, &t, sk), SIGIL_E_PASSPHRASE);
	}
}

static void
test_encrypt_round_trip(void **state)
{
	uint8_t sk[32], back[32];
	enum sigil_key_type t;
	char a[TZ_B58_MAX], b[TZ_B58_MAX];
	static const char *const names[SIGIL_KEY_TYPES] = {"edesk", "spesk", "p2esk", "BLesk"};

	(void)state;
	for (int ty = 0; ty <= SIGIL_KEY_BLS; ty++) { /* Tezos's types */
		if (ty == SIGIL_KEY_BLS)
			unhex(BL_SK_HEX, sk, 32);
		else
			assert_int_equal(sigil_keygen((enum sigil_key_type)ty, sk), 0);
		assert_int_equal(tz_sk_encrypt((enum sigil_key_type)ty, sk, "pw", a, sizeof(a)), 0);
		assert_int_equal(tz_sk_encrypt((enum sigil_key_type)ty, sk, "pw", b, sizeof(b)), 0);
		assert_int_equal(strncmp(a, names[ty], 5), 0);
		assert_string_not_equal(a, b); /* fresh salt each time */
		assert_int_equal(tz_sk_decode(a, strlen(a), "pw", &t, back), 0);
		assert_int_equal(t, ty);
		assert_memory_equal(back, sk, 32);
		assert_int_equal(tz_sk_decode(b, strlen(b), "pW", &t, back), SIGIL_E_PASSPHRASE);
		/* the encrypted form is told by its prefix, the plain one is not it */
		assert_true(tz_sk_is_encrypted(a, strlen(a)));
		assert_int_equal(tz_sk_encode((enum sigil_key_type)ty, sk, b, sizeof(b)), 0);
		assert_false(tz_sk_is_encrypted(b, strlen(b)));
	}
	assert_false(tz_sk_is_encrypted("edesk", 5)); /* a prefix and nothing more */
	assert_false(tz_sk_is_encrypted("edesk1abc", 4));
	assert_false(tz_sk_is_encrypted("", 0));
	assert_false(tz_sk_is_encrypted("encrypted:edesk1abc", 19)); /* labels are the caller's */
	assert_int_equal(tz_sk_encrypt(SIGIL_KEY_ED25519, sk, "pw", a, 40), SIGIL_E_TOO_BIG);
	assert_int_equal(tz_sk_encrypt(SIGIL_KEY_ED25519, sk, NULL, a, sizeof(a)), SIGIL_E_INVALID);
	assert_int_equal(tz_sk_encrypt((enum sigil_key_type)9, sk, "pw", a, sizeof(a)),
	                 SIGIL_E_INVALID);
}

static void
test_bad_secrets(void **state)
{
	static const char *const SECP_N =
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
	static const char *const P256_N =
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
	uint8_t s[32] = {0}, sk[32];
	enum sigil_key_type t;
	char buf[TZ_B58_MAX];

	(void)state;
	assert_int_equal(tz_b58_encode(TZ_P_SPSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	assert_int_equal(tz_b58_encode(TZ_P_P2SK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	unhex(SECP_N, s, 32);
	assert_int_equal(tz_b58_encode(TZ_P_SPSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	unhex(P256_N, s, 32);
	assert_int_equal(tz_b58_encode(TZ_P_P2SK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	/* P-256's n is a fine secp256k1 scalar (n_k1 > n_p256). */
	assert_int_equal(tz_b58_encode(TZ_P_SPSK, s, 32, buf, sizeof(buf)), 0);
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_SECP256K1);

	/* Not secrets at all, or damaged strings. */
	assert_int_equal(tz_sk_decode(kats[0].pk, strlen(kats[0].pk), NULL, &t, sk), SIGIL_E_INVALID);
	assert_int_equal(tz_sk_decode(kats[0].pkh, strlen(kats[0].pkh), NULL, &t, sk),
	                 SIGIL_E_INVALID);
	assert_int_equal(tz_sk_decode("", 0, NULL, &t, sk), SIGIL_E_INCOMPLETE);
	assert_int_equal(tz_sk_decode(kats[0].sk, strlen(kats[0].sk) - 1, NULL, &t, sk),
	                 SIGIL_E_CHECKSUM);
	memcpy(buf, kats[1].sk, strlen(kats[1].sk) + 1);
	buf[7] = '0';
	assert_int_equal(tz_sk_decode(buf, strlen(buf), NULL, &t, sk), SIGIL_E_INVALID);
	assert_true(all_zero(sk, 32));
}

static void
test_pk_pkh_sig_errors(void **state)
{
	uint8_t pk[SIGIL_PK_MAX], pkh[20], sig[SIGIL_SIG_MAX], raw[64] = {0};
	enum sigil_key_type t;
	size_t n;
	bool generic;
	char buf[TZ_B58_MAX];

	(void)state;
	/* KT1 is not a key's address; an edpk is not an address. */
	assert_int_equal(tz_pkh_decode("KT1DSFa4wogoxBLWBFsAcbUpqMdtsJqaP3d5", 36, &t, pkh),
	                 SIGIL_E_INVALID);
	assert_int_equal(tz_pkh_decode(kats[0].pk, strlen(kats[0].pk), &t, pkh), SIGIL_E_INVALID);
	assert_int_equal(tz_pkh_decode(kats[0].pkh, 35, &t, pkh), SIGIL_E_CHECKSUM);
	assert_int_equal(tz_pkh_encode((enum sigil_key_type)4, pkh, buf, sizeof(buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(tz_pkh_encode(SIGIL_KEY_ED25519, pkh, buf, 10), SIGIL_E_TOO_BIG);

	assert_int_equal(tz_pk_decode(kats[0].pkh, strlen(kats[0].pkh), &t, pk, &n), SIGIL_E_INVALID);
	assert_int_equal(n, 0);
	/* An sppk must hold a compressed point. */
	raw[0] = 0x04;
	assert_int_equal(tz_b58_encode(TZ_P_SPPK, raw, 33, buf, sizeof(buf)), 0);
	assert_int_equal(tz_pk_decode(buf, strlen(buf), &t, pk, &n), SIGIL_E_INVALID);
	assert_int_equal(tz_pk_encode(SIGIL_KEY_ED25519, raw, 33, buf, sizeof(buf)), SIGIL_E_INVALID);
	assert_int_equal(tz_pk_encode(SIGIL_KEY_SECP256K1, raw, 32, buf, sizeof(buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(tz_pk_encode(SIGIL_KEY_BLS, raw, 33, buf, sizeof(buf)), SIGIL_E_INVALID);
	assert_string_equal(buf, "");

	assert_int_equal(tz_sig_encode(SIGIL_KEY_ED25519, raw, 63, buf, sizeof(buf)), SIGIL_E_INVALID);
	assert_int_equal(tz_sig_encode(SIGIL_KEY_BLS, raw, 64, buf, sizeof(buf)), SIGIL_E_INVALID);
	assert_int_equal(tz_sig_encode((enum sigil_key_type)5, raw, 64, buf, sizeof(buf)),
	                 SIGIL_E_INVALID);
	assert_int_equal(tz_sig_decode(kats[0].pk, strlen(kats[0].pk), &t, sig, &n, &generic),
	                 SIGIL_E_INVALID);
	assert_int_equal(n, 0);

	/* Generic "sig…": the caller's type is kept. */
	assert_int_equal(tz_b58_encode(TZ_P_SIG, raw, 64, buf, sizeof(buf)), 0);
	t = SIGIL_KEY_P256;
	assert_int_equal(tz_sig_decode(buf, strlen(buf), &t, sig, &n, &generic), 0);
	assert_true(generic);
	assert_int_equal(t, SIGIL_KEY_P256);
	assert_int_equal(n, 64);
	/* A BLsig is 96 bytes. */
	{
		uint8_t big[96];
		memset(big, 0x5a, sizeof(big));
		assert_int_equal(tz_sig_encode(SIGIL_KEY_BLS, big, 96, buf, sizeof(buf)), 0);
		assert_int_equal(strncmp(buf, "BLsig", 5), 0);
		assert_int_equal(tz_sig_decode(buf, strlen(buf), &t, sig, &n, &generic), 0);
		assert_false(generic);
		assert_int_equal(t, SIGIL_KEY_BLS);
		assert_int_equal(n, 96);
		assert_memory_equal(sig, big, 96);
	}
}

static const char PEM_ED25519[] = "-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIDpG8PHFi0pZsY+Z5kM5RyG+64SRdAzwpf41ds0Sf53m\n"
	"-----END PRIVATE KEY-----\n";
static const char PEM_SECP256K1[] = "-----BEGIN PRIVATE KEY-----\n"
	"MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgjDE+X6BJIDcgihRoOqqB\n"
	"zEV4UrovdHGU6ZlUeSwZ5YihRANCAARxnYhDd0IMsZrxWpu5DohawVtByF+s7RtG\n"
	"odPiBmb/otnudIVFM0j4iqJZp9MWcH2vdnEhfts65WbpVRI9rlx4\n"
	"-----END PRIVATE KEY-----\n";
static const char PEM_P256[] = "-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBdERCph+rqEg+hIG\n"
	"mK3A2vIX+4TNBohMPJWbBDSXYYuhRANCAAQZ79pYY8ov9D7nEB8GIGWaTnKHizYW\n"
	"P+jsSrbC6tvvODmqLnytA5jeI7Zl6/TK3hn6LCg+sJPQgE3juEtosiDT\n"
	"-----END PRIVATE KEY-----\n";
static const char PEM_P256_SEC1[] = "-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIAXREQqYfq6hIPoSBpitwNryF/uEzQaITDyVmwQ0l2GLoAoGCCqGSM49\n"
	"AwEHoUQDQgAEGe/aWGPKL/Q+5xAfBiBlmk5yh4s2Fj/o7Eq2wurb7zg5qi58rQOY\n"
	"3iO2Zev0yt4Z+iwoPrCT0IBN47hLaLIg0w==\n"
	"-----END EC PRIVATE KEY-----\n";
static const char PEM_SECP256K1_SEC1[] = "-----BEGIN EC PRIVATE KEY-----\n"
	"MHQCAQEEIIwxPl+gSSA3IIoUaDqqgcxFeFK6L3RxlOmZVHksGeWIoAcGBSuBBAAK\n"
	"oUQDQgAEcZ2IQ3dCDLGa8VqbuQ6IWsFbQchfrO0bRqHT4gZm/6LZ7nSFRTNI+Iqi\n"
	"WafTFnB9r3ZxIX7bOuVm6VUSPa5ceA==\n"
	"-----END EC PRIVATE KEY-----\n";
/* PEM_P256_SEC1's secret with another P-256 key's public point. */
static const char PEM_P256_WRONG_PUB[] = "-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIAXREQqYfq6hIPoSBpitwNryF/uEzQaITDyVmwQ0l2GLoAoGCCqGSM49\n"
	"AwEHoUQDQgAEokn35Gu4EmDEj/VVHCAEnl2gUHoFgNuKUCE2l6rliIA2SJVOYWim\n"
	"IKTI/3B3VmV19mVJH7IusIYL6caHR+8hlA==\n"
	"-----END EC PRIVATE KEY-----\n";
static const char PEM_ED448[] = "-----BEGIN PRIVATE KEY-----\n"
	"MEcCAQAwBQYDK2VxBDsEORUe89SnGZhxKziXmmIo6nBKuxSuAn73XiBZC10fqrbn\n"
	"ysYrmXv7fpCDTcQpp9e1w1bDtlhUN0Wj0g==\n"
	"-----END PRIVATE KEY-----\n";
static const char PEM_P384[] = "-----BEGIN PRIVATE KEY-----\n"
	"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDNpKtqqggvY/cRaXrN\n"
	"OO5V16WHQNAQV7IZdUiSgkomBlYUkoZG5rfCye53xmn8PomhZANiAAQn9dAygKT1\n"
	"t6jcez4VIlg8TTei9z6+Y+qyip1TWmnbnpWQlvBykfRSxYZOzUYrLnuP42gr2vn6\n"
	"6bMu74dhDOXmlLNgvViQ/wM6u9YSSmlbW6y31GydPlCxIjI5JbuX6FA=\n"
	"-----END PRIVATE KEY-----\n";

static void
check_pem(const char *pem, enum sigil_key_type want_t, const char *want_pk)
{
	uint8_t sk[32], pk[SIGIL_PK_MAX];
	enum sigil_key_type t;
	size_t pklen;
	char buf[TZ_B58_MAX];

	assert_int_equal(tz_sk_from_pem(pem, strlen(pem), &t, sk), 0);
	assert_int_equal(t, want_t);
	assert_int_equal(sigil_pubkey(t, sk, pk, &pklen), 0);
	assert_int_equal(tz_pk_encode(t, pk, pklen, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want_pk);
}

static void
test_pem(void **state)
{
	(void)state;
	check_pem(PEM_ED25519, SIGIL_KEY_ED25519, "edpkuPGJ34APzhyuHJ7Crb8UrC9RWv9ALFDyvYnTPrufX13x3HnKCo");
	check_pem(PEM_SECP256K1, SIGIL_KEY_SECP256K1,
	          "sppk7aAg1P2fQpUbGfxMYBhEbFLrXrXMSwp79cX2jSatsLYWERNc5nJ");
	check_pem(PEM_SECP256K1_SEC1, SIGIL_KEY_SECP256K1,
	          "sppk7aAg1P2fQpUbGfxMYBhEbFLrXrXMSwp79cX2jSatsLYWERNc5nJ");
	check_pem(PEM_P256, SIGIL_KEY_P256, "p2pk66iL5zgC5P4iF7FnMxwDJ1ZpvZWGVTKRg2uMzac6p6G13q3NAiv");
	check_pem(PEM_P256_SEC1, SIGIL_KEY_P256,
	          "p2pk66iL5zgC5P4iF7FnMxwDJ1ZpvZWGVTKRg2uMzac6p6G13q3NAiv");
}

static void
expect_pem_error(const char *pem, size_t len, int want)
{
	uint8_t sk[32];
	enum sigil_key_type t;

	memset(sk, 0xaa, sizeof(sk));
	assert_int_equal(tz_sk_from_pem(pem, len, &t, sk), want);
	assert_true(all_zero(sk, 32));
}

static void
test_pem_errors(void **state)
{
	static const char enc_pkcs8[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
		"MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjOO3hpQDxa2AICCAAw\n"
		"-----END ENCRYPTED PRIVATE KEY-----\n";
	static const char enc_sec1[] = "-----BEGIN EC PRIVATE KEY-----\n"
		"Proc-Type: 4,ENCRYPTED\n"
		"DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
		"MHcCAQEEIAXREQqYfq6hIPoSBpitwNryF/uEzQaITDyVmwQ0l2GLoAoGCCqGSM49\n"
		"-----END EC PRIVATE KEY-----\n";
	static const char pub[] = "-----BEGIN PUBLIC KEY-----\n"
		"MCowBQYDK2VwAyEAYbqjmikfHI9XYLfz78TZljsy/TGo2Mtd+lDzAQ9wXKM=\n"
		"-----END PUBLIC KEY-----\n";
	static const char bad_b64[] = "-----BEGIN PRIVATE KEY-----\n"
		"MC4CAQAwBQYDK2VwBCIEIDpG8PHFi0pZsY+Z5kM5RyG+64SRdAzwpf41ds0Sf5*m\n"
		"-----END PRIVATE KEY-----\n";
	/* Valid base64 of a DER cut short. */
	static const char short_der[] = "-----BEGIN PRIVATE KEY-----\n"
		"MC4CAQAwBQYDK2VwBCIEIDpG8PHFi0pZsY+Z5kM5RyG+64SRdAzwpf41ds0S\n"
		"-----END PRIVATE KEY-----\n";
	/* A mislabelled key: SEC1 body under the PKCS#8 label. */
	static const char mislabelled[] = "-----BEGIN PRIVATE KEY-----\n"
		"MHcCAQEEIAXREQqYfq6hIPoSBpitwNryF/uEzQaITDyVmwQ0l2GLoAoGCCqGSM49\n"
		"AwEHoUQDQgAEGe/aWGPKL/Q+5xAfBiBlmk5yh4s2Fj/o7Eq2wurb7zg5qi58rQOY\n"
		"3iO2Zev0yt4Z+iwoPrCT0IBN47hLaLIg0w==\n"
		"-----END PRIVATE KEY-----\n";
	char big[9000];

	(void)state;
	expect_pem_error(enc_pkcs8, strlen(enc_pkcs8), SIGIL_E_UNSUPPORTED);
	expect_pem_error(enc_sec1, strlen(enc_sec1), SIGIL_E_UNSUPPORTED);
	expect_pem_error(pub, strlen(pub), SIGIL_E_INVALID);
	expect_pem_error(bad_b64, strlen(bad_b64), SIGIL_E_INVALID);
	expect_pem_error(short_der, strlen(short_der), SIGIL_E_INVALID);
	expect_pem_error(mislabelled, strlen(mislabelled), SIGIL_E_INVALID);
	expect_pem_error(PEM_ED448, strlen(PEM_ED448), SIGIL_E_UNSUPPORTED);
	expect_pem_error(PEM_P384, strlen(PEM_P384), SIGIL_E_UNSUPPORTED);
	expect_pem_error(PEM_P256_WRONG_PUB, strlen(PEM_P256_WRONG_PUB), SIGIL_E_INVALID);
	/* Cut before the END line, or inside the BEGIN line. */
	expect_pem_error(PEM_P256, strlen(PEM_P256) - 10, SIGIL_E_INCOMPLETE);
	expect_pem_error(PEM_P256, 20, SIGIL_E_INCOMPLETE);
	expect_pem_error(PEM_P256, 0, SIGIL_E_INVALID);
	expect_pem_error("garbage", 7, SIGIL_E_INVALID);
	memset(big, ' ', sizeof(big));
	memcpy(big, PEM_P256, strlen(PEM_P256));
	expect_pem_error(big, sizeof(big), SIGIL_E_TOO_BIG);
	/* Whitespace after END is fine. */
	big[strlen(PEM_P256) + 100] = '\0';
	check_pem(big, SIGIL_KEY_P256, "p2pk66iL5zgC5P4iF7FnMxwDJ1ZpvZWGVTKRg2uMzac6p6G13q3NAiv");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taquito_kats),     cmocka_unit_test(test_bls_encodings),
		cmocka_unit_test(test_bls_scalar_range), cmocka_unit_test(test_edsk64),
		cmocka_unit_test(test_encrypted),        cmocka_unit_test(test_encrypt_round_trip),
		cmocka_unit_test(test_bad_secrets),      cmocka_unit_test(test_pk_pkh_sig_errors),
		cmocka_unit_test(test_pem),              cmocka_unit_test(test_pem_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
