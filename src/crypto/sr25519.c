/* sr25519 (sr25519.h) on libsodium's ristretto255 and a Merlin transcript.
 *
 * The transcript of one signature (schnorrkel's SigningContext::new(ctx)
 * .bytes(msg), then SecretKey::sign):
 *   new "SigningContext"; append "" = ctx; append "sign-bytes" = msg;
 *   append "proto-name" = "Schnorr-sig"; append "sign:pk" = pk;
 *   r = 64 witness bytes (below) mod l; R = r·B; append "sign:R" = R;
 *   k = challenge "sign:c", 64 bytes mod l; s = k·x + r.
 *
 * The nonce. schnorrkel forks the transcript as it stands after "sign:pk"
 * into a witness RNG, keys it with the secret nonce seed (rekey "signing")
 * and then with 32 bytes from the system RNG (finalize), and reads 64
 * bytes. sigil promises the same signature for the same request, so those
 * 32 bytes are fixed here (all zero, what an all-zero RNG would give).
 * What remains is a PRF keyed by the secret nonce seed over the whole
 * public transcript (context, message, public key): the construction of
 * Ed25519's deterministic nonce (RFC 8032: SHA-512(prefix ‖ M)), with a
 * duplex instead of a hash. Two different messages, contexts or public
 * keys give unrelated nonces, and the same inputs give the same nonce and
 * thus the same signature, which reveals nothing new. schnorrkel's
 * warning about derandomised nonces concerns its multi-signature
 * protocols (MuSig), where other signers' inputs vary under the same
 * transcript; sigil signs alone. What fixed nonces do not defend against
 * is a fault in the middle of signing (as with Ed25519): the caller's
 * verify-after-sign covers that. The same witness with these 32 zero
 * bytes is what @scure/sr25519's sign(secretKey, msg, zero32) makes, and
 * the tests hold the two to the same bytes. */
#include "crypto/sr25519.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "crypto/merlin.h"

/* The fixed witness randomness (see above). */
static const uint8_t sr_witness_rnd[32];

/* l = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t sr_order[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* s < l, without a branch on s (it is the secret scalar in sign and
 * public). From the top byte down: less at the first byte that differs. */
static bool
sr_scalar_canonical(const uint8_t s[32])
{
	unsigned lt = 0, eq = 1;

	for (int i = 31; i >= 0; i--) {
		unsigned a = s[i], b = sr_order[i];

		lt |= eq & ((a - b) >> 8); /* a < b: the subtraction wrapped */
		eq &= ((a ^ b) - 1) >> 8;  /* a == b: only 0 - 1 wraps */
	}
	return (lt & 1) != 0;
}

/* A 256-bit little-endian integer divided by 8 (the low three bits go),
 * and multiplied by 8 modulo 2^256 (the high three go): schnorrkel's
 * divide_ and multiply_scalar_bytes_by_cofactor. */
static void
sr_div8(uint8_t k[32])
{
	for (int i = 0; i < 31; i++)
		k[i] = (uint8_t)((k[i] >> 3) | (k[i + 1] << 5));
	k[31] >>= 3;
}

static void
sr_mul8(uint8_t k[32])
{
	for (int i = 31; i > 0; i--)
		k[i] = (uint8_t)((k[i] << 3) | (k[i - 1] >> 5));
	k[0] = (uint8_t)(k[0] << 3);
}

int
sigil_sr25519_expand_mini(const uint8_t mini[static SIGIL_SR25519_MINI_LEN],
                          uint8_t sk[static SIGIL_SR25519_SK_LEN])
{
	uint8_t h[crypto_hash_sha512_BYTES];

	crypto_hash_sha512(h, mini, SIGIL_SR25519_MINI_LEN);
	/* Ed25519's clamping, which schnorrkel keeps in this mode for
	 * compatibility only; in 2^254 .. 2^255 - 8, so x = h/8 lies in
	 * 2^251 .. 2^252 - 1, below l with no reduction. */
	h[0] &= 248;
	h[31] &= 63;
	h[31] |= 64;
	sr_div8(h);
	memcpy(sk, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
	return 0;
}

/* Each condition is computed over all the bytes, without a branch on
 * them; only the verdict (is this a key at all) decides what is returned. */
const char *
sigil_sr25519_ed25519_bytes_problem(const uint8_t ed[static SIGIL_SR25519_SK_LEN])
{
	uint8_t x[32];
	bool low = (ed[0] & 7) != 0, canonical, zero, nonce_zero;

	memcpy(x, ed, sizeof(x));
	sr_div8(x);
	canonical = sr_scalar_canonical(x);
	zero = sodium_is_zero(x, sizeof(x)) != 0;
	nonce_zero = sodium_is_zero(ed + 32, 32) != 0;
	sodium_memzero(x, sizeof(x));
	if (low)
		return "its first half is not a multiple of the cofactor 8, as the ed25519 form "
		       "(polkadot-js's secretKey) always is: schnorrkel's canonical to_bytes form?";
	if (!canonical)
		return "its first half divided by the cofactor 8 is not below the group order l";
	if (zero)
		return "its scalar is zero";
	if (nonce_zero)
		return "its nonce seed (second half) is all zero, which would make every signature's "
		       "nonce public";
	return NULL;
}

int
sigil_sr25519_from_ed25519_bytes(const uint8_t ed[static SIGIL_SR25519_SK_LEN],
                                 uint8_t sk[static SIGIL_SR25519_SK_LEN])
{
	if (sigil_sr25519_ed25519_bytes_problem(ed) != NULL) {
		sodium_memzero(sk, SIGIL_SR25519_SK_LEN);
		return SIGIL_E_CRYPTO;
	}
	memcpy(sk, ed, SIGIL_SR25519_SK_LEN);
	sr_div8(sk);
	return 0;
}

int
sigil_sr25519_to_ed25519_bytes(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                               uint8_t ed[static SIGIL_SR25519_SK_LEN])
{
	if (!sr_scalar_canonical(sk)) {
		sodium_memzero(ed, SIGIL_SR25519_SK_LEN);
		return SIGIL_E_CRYPTO;
	}
	memcpy(ed, sk, SIGIL_SR25519_SK_LEN);
	sr_mul8(ed);
	return 0;
}

int
sigil_sr25519_public(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                     uint8_t pk[static SIGIL_SR25519_PK_LEN])
{
	memset(pk, 0, SIGIL_SR25519_PK_LEN);
	/* A zero scalar gives the identity, which libsodium refuses (-1). */
	if (!sr_scalar_canonical(sk) || crypto_scalarmult_ristretto255_base(pk, sk) != 0) {
		memset(pk, 0, SIGIL_SR25519_PK_LEN);
		return SIGIL_E_CRYPTO;
	}
	return 0;
}

/* The transcript up to and including the public key, the same for the
 * signer and the verifier. */
static int
sr_transcript(struct sigil_merlin *t, const uint8_t pk[32], const uint8_t *ctx, size_t ctx_len,
              const uint8_t *msg, size_t msg_len)
{
	static const char proto[] = "Schnorr-sig";
	int rc;

	sigil_merlin_init(t, "SigningContext");
	if ((rc = sigil_merlin_append(t, "", ctx, ctx_len)) != 0 ||
	    (rc = sigil_merlin_append(t, "sign-bytes", msg, msg_len)) != 0 ||
	    (rc = sigil_merlin_append(t, "proto-name", (const uint8_t *)proto, sizeof(proto) - 1)) != 0)
		return rc;
	return sigil_merlin_append(t, "sign:pk", pk, 32);
}

/* 64 bytes from the transcript, reduced mod l: schnorrkel's
 * challenge_scalar. */
static int
sr_challenge(struct sigil_merlin *t, uint8_t k[32])
{
	uint8_t wide[64];
	int rc = sigil_merlin_challenge(t, "sign:c", wide, sizeof(wide));

	if (rc == 0)
		crypto_core_ristretto255_scalar_reduce(k, wide);
	sodium_memzero(wide, sizeof(wide));
	return rc;
}

/* The nonce r: schnorrkel's witness_scalar("signing", [nonce seed]) with
 * the fixed RNG bytes. */
static int
sr_witness(const struct sigil_merlin *t, const uint8_t seed[32], uint8_t r[32])
{
	struct sigil_merlin_rng rng;
	uint8_t wide[64];
	int rc;

	sigil_merlin_rng_init(&rng, t);
	if ((rc = sigil_merlin_rng_rekey(&rng, "signing", seed, 32)) == 0) {
		sigil_merlin_rng_finalize(&rng, sr_witness_rnd);
		rc = sigil_merlin_rng_fill(&rng, wide, sizeof(wide));
	}
	if (rc == 0)
		crypto_core_ristretto255_scalar_reduce(r, wide);
	sodium_memzero(wide, sizeof(wide));
	sigil_merlin_rng_wipe(&rng);
	return rc;
}

int
sigil_sr25519_sign(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                   const uint8_t pk[static SIGIL_SR25519_PK_LEN], const uint8_t *ctx,
                   size_t ctx_len, const uint8_t *msg, size_t msg_len,
                   uint8_t sig[static SIGIL_SR25519_SIG_LEN])
{
	struct sigil_merlin t;
	uint8_t r[32], k[32], kx[32];
	int rc;

	memset(sig, 0, SIGIL_SR25519_SIG_LEN);
	memset(&t, 0, sizeof(t));
	if (!sr_scalar_canonical(sk)) {
		rc = SIGIL_E_CRYPTO;
		goto out;
	}
	if ((rc = sr_transcript(&t, pk, ctx, ctx_len, msg, msg_len)) != 0 ||
	    (rc = sr_witness(&t, sk + 32, r)) != 0)
		goto out;
	/* r = 0 (probability 2^-252) would make R the identity, which
	 * libsodium refuses to encode: no signature rather than a wrong one. */
	if (crypto_scalarmult_ristretto255_base(sig, r) != 0) {
		rc = SIGIL_E_CRYPTO;
		goto out;
	}
	if ((rc = sigil_merlin_append(&t, "sign:R", sig, 32)) != 0 || (rc = sr_challenge(&t, k)) != 0)
		goto out;
	crypto_core_ristretto255_scalar_mul(kx, k, sk);
	crypto_core_ristretto255_scalar_add(sig + 32, kx, r);
	sig[63] |= 0x80; /* schnorrkel's marker: s < 2^253, so the bit is free */
out:
	if (rc != 0)
		memset(sig, 0, SIGIL_SR25519_SIG_LEN);
	sodium_memzero(r, sizeof(r));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(kx, sizeof(kx));
	sigil_merlin_wipe(&t);
	return rc;
}

int
sigil_sr25519_verify(const uint8_t pk[static SIGIL_SR25519_PK_LEN], const uint8_t *ctx,
                     size_t ctx_len, const uint8_t *msg, size_t msg_len,
                     const uint8_t sig[static SIGIL_SR25519_SIG_LEN])
{
	struct sigil_merlin t;
	uint8_t s[32], k[32], sb[32], ka[32], rr[32];
	int rc = SIGIL_E_CRYPTO;

	memset(&t, 0, sizeof(t));
	if ((sig[63] & 0x80) == 0)
		return SIGIL_E_CRYPTO; /* not marked: an Ed25519 signature, or none */
	memcpy(s, sig + 32, sizeof(s));
	s[31] &= 0x7f;
	if (!sr_scalar_canonical(s))
		return SIGIL_E_CRYPTO; /* another encoding of s: malleable */
	if (sr_transcript(&t, pk, ctx, ctx_len, msg, msg_len) != 0 ||
	    sigil_merlin_append(&t, "sign:R", sig, 32) != 0 || sr_challenge(&t, k) != 0)
		goto out;
	/* R' = s·B - k·A. The variable-base multiplication refuses a pk that
	 * is no canonical encoding or is the identity (anyone could sign for
	 * it), and k = 0. R itself is not decoded: a non-canonical encoding
	 * of R never equals the canonical R'. */
	if (crypto_scalarmult_ristretto255_base(sb, s) != 0 ||
	    crypto_scalarmult_ristretto255(ka, k, pk) != 0 ||
	    crypto_core_ristretto255_sub(rr, sb, ka) != 0)
		goto out;
	if (crypto_verify_32(rr, sig) == 0)
		rc = 0;
out:
	sigil_merlin_wipe(&t);
	return rc;
}
