/* bench_raw: single-core signs per second of each primitive, straight from
 * the libraries (the reference the HTTP figures are compared with), the same
 * through sigil's own wrapper with a prepared key (crypto/sig.h:
 * sigil_key_sign_digest and sigil_key_bls_sign, what the file vault calls,
 * stack scrub included), and the cost of one Argon2id derivation at the
 * vault's INTERACTIVE limits (paid at every start-up).
 *
 * Each raw primitive and its sigil twin run in alternating slices of 0.1 s
 * (raw first in odd pairs of slices, sigil first in even ones), as many as
 * fit in the seconds given to each: this shared host's speed drifts within
 * seconds, and slices side by side see the same machine, so their ratio
 * holds where two runs one after the other would not.
 *
 * tz4 (BLS12-381, min-pk): raw_bls is what a minimal signer does with blst,
 * hash-to-G2 under the POP ciphersuite's DST, multiply, compress, over a
 * ~100-byte message (a tz4 transaction is about 90 bytes); sigil_bls is the
 * same through sigil_key_bls_sign.
 *
 * Section 9's chains (run only when `only` names them, never in the default
 * run): raw_sol_ed25519 is libsodium's Ed25519 over a 150-byte message (a
 * Solana legacy message with one transfer, signed as it is);
 * raw_btc_p2wpkh is what a minimal P2WPKH signer does for a one-input,
 * one-output transaction: the BIP-143 sighash (libsodium's SHA-256, as
 * sigil's), libsecp256k1's ECDSA, low-S, DER; raw_btc_sighash is the
 * sighash alone.
 *
 * usage: bench_raw [seconds-per-primitive [only]]   (default 1; every loop
 * is also bounded by a count). With `only`, just the runs whose name
 * contains it (no Argon2id), e.g. `bench_raw 1 bls` (both, interleaved) or
 * `bench_raw 1 raw_bls` (blst alone) between HTTP rounds.
 * Prints "name value" lines. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blst.h>
#include <openssl/evp.h>
#include <secp256k1.h>
#include <sodium.h>

#include "common.h"
#include "crypto/sig.h"

#define RAW_MAX_ITERS 10000000L
#define RAW_BLS_MSG_LEN 100
#define RAW_SOL_MSG_LEN 150
#define RAW_SLICE_S 0.1

/* The tz4 ciphersuite octez signs with (signature version 2). */
static const char raw_bls_dst[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

struct raw_ctx {
	unsigned char ed_sk[crypto_sign_SECRETKEYBYTES];
	secp256k1_context *secp;
	unsigned char secp_sk[32];
	EVP_PKEY_CTX *p256;
	blst_scalar bls_sk;
	struct sigil_key *key[SIGIL_KEY_TYPES]; /* prepared as the vault prepares them */
};

/* Each signature is over a different 32-byte digest, as in real use. */
static void
raw_digest(uint8_t d[32], uint64_t i)
{
	memset(d, 0x5a, 32);
	memcpy(d, &i, sizeof(i));
}

static int
raw_ed25519(struct raw_ctx *c, uint64_t i)
{
	uint8_t d[32], sig[crypto_sign_BYTES];
	raw_digest(d, i);
	return crypto_sign_detached(sig, NULL, d, sizeof(d), c->ed_sk);
}

static int
raw_secp256k1(struct raw_ctx *c, uint64_t i)
{
	uint8_t d[32], out[64];
	secp256k1_ecdsa_signature sig;
	raw_digest(d, i);
	if (!secp256k1_ecdsa_sign(c->secp, &sig, d, c->secp_sk, NULL, NULL))
		return -1;
	secp256k1_ecdsa_signature_normalize(c->secp, &sig, &sig);
	return secp256k1_ecdsa_signature_serialize_compact(c->secp, out, &sig) ? 0 : -1;
}

static int
raw_p256(struct raw_ctx *c, uint64_t i)
{
	uint8_t d[32], der[80];
	size_t derlen = sizeof(der);
	raw_digest(d, i);
	return EVP_PKEY_sign(c->p256, der, &derlen, d, sizeof(d)) == 1 ? 0 : -1;
}

/* A ~100-byte message that differs at every call, as requests do. */
static void
raw_bls_msg(uint8_t m[RAW_BLS_MSG_LEN], uint64_t i)
{
	memset(m, 0x6c, RAW_BLS_MSG_LEN);
	memcpy(m + 40, &i, sizeof(i));
}

static int
raw_bls(struct raw_ctx *c, uint64_t i)
{
	uint8_t m[RAW_BLS_MSG_LEN], sig[96];
	blst_p2 h, p;

	raw_bls_msg(m, i);
	blst_hash_to_g2(&h, m, sizeof(m), (const uint8_t *)raw_bls_dst, sizeof(raw_bls_dst) - 1,
	                NULL, 0);
	blst_sign_pk_in_g1(&p, &h, &c->bls_sk);
	blst_p2_compress(sig, &p);
	return 0;
}

static int
raw_w_bls(struct raw_ctx *c, uint64_t i)
{
	uint8_t m[RAW_BLS_MSG_LEN], sig[SIGIL_BLS_SIG_LEN];

	raw_bls_msg(m, i);
	return sigil_key_bls_sign(c->key[SIGIL_KEY_BLS], SIGIL_BLS_POP, m, sizeof(m), sig);
}

/* Ed25519 over a Solana-sized message that differs at every call. */
static int
raw_sol_ed25519(struct raw_ctx *c, uint64_t i)
{
	uint8_t m[RAW_SOL_MSG_LEN], sig[crypto_sign_BYTES];

	memset(m, 0x11, sizeof(m));
	memcpy(m + sizeof(m) - 8, &i, sizeof(i)); /* where the lamports are */
	return crypto_sign_detached(sig, NULL, m, sizeof(m), c->ed_sk);
}

static void
raw_sha256d(uint8_t out[32], const uint8_t *in, size_t len)
{
	crypto_hash_sha256(out, in, len);
	crypto_hash_sha256(out, out, 32);
}

static void
raw_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int k = 0; k < bytes; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* BIP-143's sighash (SIGHASH_ALL) of the one input of a transaction with
 * one P2WPKH output, the input spending 100 000 + i sat: hashPrevouts,
 * hashSequence and hashOutputs from the transaction, then the preimage, each
 * SHA256d; what a signer computes afresh for every transaction. */
static void
raw_bip143(uint8_t digest[32], uint64_t i)
{
	uint8_t outpoint[36], seq[4], outputs[8 + 1 + 22], pre[182], *p = pre;

	memset(outpoint, 0x33, 32);
	raw_le(outpoint + 32, 0, 4);
	raw_le(seq, 0xfffffffd, 4);
	raw_le(outputs, 50000, 8);
	outputs[8] = 22;
	outputs[9] = 0x00;
	outputs[10] = 0x14;
	memset(outputs + 11, 0x44, 20);

	raw_le(p, 2, 4), p += 4;                               /* nVersion */
	raw_sha256d(p, outpoint, sizeof(outpoint)), p += 32;   /* hashPrevouts */
	raw_sha256d(p, seq, sizeof(seq)), p += 32;             /* hashSequence */
	memcpy(p, outpoint, sizeof(outpoint)), p += sizeof(outpoint);
	memcpy(p, "\x19\x76\xa9\x14", 4), p += 4;             /* scriptCode … */
	memset(p, 0x5a, 20), p += 20;                          /* … the key's hash160 … */
	memcpy(p, "\x88\xac", 2), p += 2;
	raw_le(p, 100000 + i, 8), p += 8;                      /* amount */
	memcpy(p, seq, sizeof(seq)), p += sizeof(seq);
	raw_sha256d(p, outputs, sizeof(outputs)), p += 32;     /* hashOutputs */
	raw_le(p, 0, 4), p += 4;                               /* nLockTime */
	raw_le(p, 1, 4), p += 4;                               /* SIGHASH_ALL */
	raw_sha256d(digest, pre, (size_t)(p - pre));
}

static int
raw_btc_sighash(struct raw_ctx *c, uint64_t i)
{
	uint8_t d[32];

	(void)c;
	raw_bip143(d, i);
	return d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0 ? 1 : 0; /* keeps the work */
}

static int
raw_btc_p2wpkh(struct raw_ctx *c, uint64_t i)
{
	uint8_t d[32], der[72];
	size_t derlen = sizeof(der);
	secp256k1_ecdsa_signature sig;

	raw_bip143(d, i);
	if (!secp256k1_ecdsa_sign(c->secp, &sig, d, c->secp_sk, NULL, NULL))
		return -1;
	secp256k1_ecdsa_signature_normalize(c->secp, &sig, &sig);
	return secp256k1_ecdsa_signature_serialize_der(c->secp, der, &derlen, &sig) ? 0 : -1;
}

static int
raw_wrapped(struct raw_ctx *c, enum sigil_key_type t, uint64_t i)
{
	uint8_t d[32], sig[SIGIL_SIG_MAX];
	size_t siglen;
	raw_digest(d, i);
	return sigil_key_sign_digest(c->key[t], d, sig, &siglen);
}

static int raw_w_ed(struct raw_ctx *c, uint64_t i) { return raw_wrapped(c, SIGIL_KEY_ED25519, i); }
static int raw_w_secp(struct raw_ctx *c, uint64_t i) { return raw_wrapped(c, SIGIL_KEY_SECP256K1, i); }
static int raw_w_p256(struct raw_ctx *c, uint64_t i) { return raw_wrapped(c, SIGIL_KEY_P256, i); }

typedef int (*raw_fn)(struct raw_ctx *, uint64_t);

/* One side of a comparison: calls made and nanoseconds spent. */
struct raw_side {
	raw_fn fn;
	uint64_t calls, ns;
};

/* Runs fn for at least `seconds` (checked every 16 calls) or up to the
 * count bound; adds to the side's totals. -1 when a call failed. */
static int
raw_slice(struct raw_ctx *c, struct raw_side *s, double seconds)
{
	uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9), now = t0;
	uint64_t n = 0;

	while (n < RAW_MAX_ITERS) {
		for (int k = 0; k < 16; k++, n++)
			if (s->fn(c, s->calls + n) != 0)
				return -1;
		if ((now = bench_now_ns()) >= deadline)
			break;
	}
	s->calls += n;
	s->ns += now - t0;
	return 0;
}

/* `seconds` on each of the n sides (1 or 2), in alternating slices after a
 * short warm-up of each, so that tables and caches are in place; rate[i]
 * gets side i's calls per second. -1 when a call failed. */
static int
raw_rates(struct raw_ctx *c, const raw_fn *fns, int n, double seconds, double *rate)
{
	struct raw_side side[2] = {{fns[0], 0, 0}, {n > 1 ? fns[1] : NULL, 0, 0}};
	int slices = (int)(seconds / RAW_SLICE_S + 0.5);

	if (slices < 1)
		slices = 1;
	for (int i = 0; i < n; i++)
		for (int w = 0; w < 64; w++)
			if (side[i].fn(c, (uint64_t)w) != 0)
				return -1;
	for (int j = 0; j < slices; j++)
		for (int i = 0; i < n; i++)
			if (raw_slice(c, &side[n > 1 && j % 2 ? 1 - i : i], seconds / slices) != 0)
				return -1;
	for (int i = 0; i < n; i++)
		rate[i] = (double)side[i].calls / ((double)side[i].ns / 1e9);
	return 0;
}

static int
raw_setup(struct raw_ctx *c)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], seed[32];
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *gen;

	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, c->ed_sk, seed);

	c->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (c->secp == NULL || !secp256k1_context_randomize(c->secp, seed))
		return -1;
	do
		randombytes_buf(c->secp_sk, sizeof(c->secp_sk));
	while (!secp256k1_ec_seckey_verify(c->secp, c->secp_sk));

	gen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (gen == NULL || EVP_PKEY_keygen_init(gen) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(gen, "P-256") <= 0 || EVP_PKEY_keygen(gen, &key) <= 0) {
		EVP_PKEY_CTX_free(gen);
		return -1;
	}
	EVP_PKEY_CTX_free(gen);
	/* One context, initialised once: the fastest way OpenSSL 3 offers. */
	c->p256 = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	EVP_PKEY_free(key);
	if (c->p256 == NULL || EVP_PKEY_sign_init(c->p256) <= 0)
		return -1;

	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		uint8_t sk[SIGIL_SECRET_LEN];
		int rc = sigil_keygen((enum sigil_key_type)t, sk);
		if (rc == 0)
			rc = sigil_key_new((enum sigil_key_type)t, sk, NULL, 0, &c->key[t]);
		sodium_memzero(sk, sizeof(sk));
		if (rc != 0)
			return -1;
	}
	/* The raw run gets its own key, made as blst's users make one. */
	blst_keygen(&c->bls_sk, seed, sizeof(seed), NULL, 0);
	sodium_memzero(seed, sizeof(seed));
	return blst_sk_check(&c->bls_sk) ? 0 : -1;
}

/* Median of three derivations with the file vault's parameters. */
static double
raw_argon2id_ms(void)
{
	uint8_t key[32], salt[crypto_pwhash_SALTBYTES] = {1};
	double ms[3];

	for (int i = 0; i < 3; i++) {
		uint64_t t0 = bench_now_ns();
		if (crypto_pwhash(key, sizeof(key), "bench passphrase", 16, salt,
		                  crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                  crypto_pwhash_MEMLIMIT_INTERACTIVE,
		                  crypto_pwhash_ALG_ARGON2ID13) != 0)
			return -1;
		ms[i] = (double)(bench_now_ns() - t0) / 1e6;
	}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (ms[j] > ms[j + 1]) {
				double t = ms[j];
				ms[j] = ms[j + 1];
				ms[j + 1] = t;
			}
	return ms[1];
}

int
main(int argc, char **argv)
{
	static struct raw_ctx c;
	double secs = argc > 1 ? (double)bench_parse_long("seconds", argv[1], 1, 60) : 1.0;
	const char *only = argc > 2 ? argv[2] : NULL;
	/* Each primitive beside sigil's call of it. */
	/* chain: section 9's, run only when named. */
	static const struct {
		const char *name[2];
		raw_fn fn[2];
		bool chain;
	} runs[] = {
		{{"raw_ed25519_signs_per_s", "sigil_ed25519_signs_per_s"}, {raw_ed25519, raw_w_ed}, false},
		{{"raw_secp256k1_signs_per_s", "sigil_secp256k1_signs_per_s"}, {raw_secp256k1, raw_w_secp}, false},
		{{"raw_p256_signs_per_s", "sigil_p256_signs_per_s"}, {raw_p256, raw_w_p256}, false},
		{{"raw_bls_signs_per_s", "sigil_bls_signs_per_s"}, {raw_bls, raw_w_bls}, false},
		{{"raw_sol_ed25519_signs_per_s", NULL}, {raw_sol_ed25519, NULL}, true},
		{{"raw_btc_p2wpkh_signs_per_s", "raw_btc_sighash_per_s"}, {raw_btc_p2wpkh, raw_btc_sighash}, true},
	};

	if (sodium_init() < 0 || raw_setup(&c) != 0) {
		fprintf(stderr, "bench_raw: setup failed\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const char *names[2];
		raw_fn fns[2];
		double rate[2];
		int n = 0;

		if (only == NULL && runs[i].chain)
			continue;
		for (int j = 0; j < 2 && runs[i].name[j] != NULL; j++)
			if (only == NULL || strstr(runs[i].name[j], only) != NULL) {
				names[n] = runs[i].name[j];
				fns[n++] = runs[i].fn[j];
			}
		if (n == 0)
			continue;
		if (raw_rates(&c, fns, n, secs, rate) != 0) {
			fprintf(stderr, "bench_raw: %s: a signature failed\n", names[0]);
			return 1;
		}
		for (int j = 0; j < n; j++)
			bench_emit(names[j], rate[j], 0);
	}
	if (only == NULL)
		bench_emit("argon2id_interactive_ms", raw_argon2id_ms(), 1);
	for (int t = 0; t < SIGIL_KEY_TYPES; t++)
		sigil_key_free(c.key[t]);
	EVP_PKEY_CTX_free(c.p256);
	secp256k1_context_destroy(c.secp);
	sodium_memzero(&c, sizeof(c));
	return 0;
}
