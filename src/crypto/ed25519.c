/* Ed25519 (tz1) over libsodium: the key type's back end (sig_impl.h), and
 * signing in two halves for the attestation path.
 *
 * A prepared key is libsodium's own 64-byte signing key, seed ‖ public
 * key: crypto_sign_detached then signs without deriving the public key
 * from the seed again (a SHA-512 and a base-point multiplication, as much
 * as the signature itself). Tezos signs the 32-byte digest as the Ed25519
 * message (no pre-hash variant), so the signature is deterministic.
 *
 * Signing (RFC 8032 section 5.1.6) in two halves, built from libsodium's
 * SHA-512 and scalar arithmetic so that the costly half can run before the
 * moment a signature may exist:
 *   commit: r = SHA-512(prefix ‖ M) mod L and R = rB. Both depend only on
 *           the key's nonce prefix and the message; R is not a signature
 *           and r never leaves the caller's locked memory.
 *   finish: S = (r + SHA-512(R ‖ A ‖ M) · a) mod L; (R, S) is the
 *           signature, the same bytes crypto_sign_detached gives.
 *
 * A nonce must never serve another message or key: S for message M' with
 * the r of M, beside the genuine signature of M, gives the key away (two
 * equations, one unknown). So finish first derives r again from the key and
 * M (one SHA-512) and refuses a nonce whose r differs.
 *
 * Nor may R differ from rB: S is computed with k = SHA-512(R ‖ A ‖ M), so
 * a nonce whose stored R had one bit flipped (it waits on a free list of
 * shared memory) gives a signature that does not verify, with another k
 * but the same r; beside the genuine signature that is again two equations
 * in a. Computing rB again in finish would undo the split, so commit also
 * stores a tag over r ‖ R ‖ M, keyed BLAKE2b under the key's secret nonce
 * prefix (which nothing outside the signer holds), and finish refuses a
 * nonce whose tag is not that of what it holds.
 *
 * The base-point multiplication is about nine tenths of the work; finish is
 * three hashes and a multiply-add. Every operation is libsodium's
 * constant-time code.
 *
 * Layout of a nonce: r (32 bytes), R (32), tag (32). */
#include "crypto/sig.h"

#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig_impl.h"

#define ED_SK_LEN crypto_sign_SECRETKEYBYTES /* seed ‖ public key */
#define ED_PK_LEN crypto_sign_PUBLICKEYBYTES

/* The secret of a prepared key is libsodium's signing key (ED_SK_LEN
 * bytes); ed_key gives it, or NULL for a key of another type. */
static const uint8_t *
ed_key(const struct sigil_key *k)
{
	if (k == NULL || k->impl != &sigil_ed25519_impl)
		return NULL;
	return k->secret;
}

static int
ed_keygen(uint8_t sk[SIGIL_SECRET_LEN])
{
	/* Any 32 bytes are a valid Ed25519 seed. */
	randombytes_buf(sk, SIGIL_SECRET_LEN);
	return 0;
}

static int
ed_pubkey(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX])
{
	uint8_t expanded[ED_SK_LEN];
	int rc = crypto_sign_seed_keypair(pk, expanded, sk) == 0 ? 0 : SIGIL_E_CRYPTO;

	sodium_memzero(expanded, sizeof(expanded));
	return rc;
}

static int
ed_prepare(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk)
{
	uint8_t *e = k->secret;

	if (pk == NULL)
		return crypto_sign_seed_keypair(k->pk, e, sk) == 0 ? 0 : SIGIL_E_CRYPTO;
	/* The vault derived pk from this seed a moment ago (sig.h: it must be
	 * right): libsodium's signing key is only the two side by side. */
	memcpy(e, sk, SIGIL_SECRET_LEN);
	memcpy(e + SIGIL_SECRET_LEN, pk, ED_PK_LEN);
	memcpy(k->pk, pk, ED_PK_LEN);
	return 0;
}

static int
ed_sign(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64])
{
	return crypto_sign_detached(sig, NULL, digest, 32, k->secret) == 0 ? 0 : SIGIL_E_CRYPTO;
}

static int
ed_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32], const uint8_t sig[64])
{
	if (pklen != ED_PK_LEN)
		return SIGIL_E_INVALID;
	/* libsodium rejects non-canonical S and small-order keys. */
	return crypto_sign_verify_detached(sig, digest, 32, pk) == 0 ? 0 : SIGIL_E_CRYPTO;
}

const struct sigil_key_impl sigil_ed25519_impl = {
	.type = SIGIL_KEY_ED25519,
	.name = "ed25519",
	.pk_len = ED_PK_LEN,
	.secret_size = ED_SK_LEN,
	.keygen = ed_keygen,
	.pubkey = ed_pubkey,
	.prepare = ed_prepare,
	.sign_digest = ed_sign,
	.verify_digest = ed_verify,
	.free = NULL, /* no library object */
};

/* ---- the two halves ---------------------------------------------------- */

#define ED_R_OFF 32
#define ED_TAG_OFF 64
#define ED_TAG_LEN 32
_Static_assert(ED_TAG_OFF + ED_TAG_LEN == SIGIL_ED25519_NONCE_LEN, "nonce layout");

/* BLAKE2b's personalisation keeps the tag apart from any other use of the
 * prefix (RFC 8032 only hashes it with SHA-512 ‖ M; this is another hash
 * and another domain). BLAKE2b reads exactly 16 bytes of it. */
static const char ed_tag_personal[] = "sigil-ed-commit1";
_Static_assert(sizeof(ed_tag_personal) - 1 == crypto_generichash_blake2b_PERSONALBYTES,
               "BLAKE2b personalisation is 16 bytes");

/* The nonce prefix of a libsodium signing key (seed ‖ public key) and, if
 * a is not NULL, its scalar a (clamped, then reduced mod L). */
static void
ed_expand(const uint8_t key[ED_SK_LEN], uint8_t *a, uint8_t prefix[32])
{
	uint8_t az[64], wide[64] = {0};

	crypto_hash_sha512(az, key, 32);
	memcpy(prefix, az + 32, 32);
	if (a != NULL) {
		az[0] &= 248;
		az[31] &= 127;
		az[31] |= 64;
		memcpy(wide, az, 32);
		crypto_core_ed25519_scalar_reduce(a, wide);
	}
	sodium_memzero(az, sizeof(az));
	sodium_memzero(wide, sizeof(wide));
}

/* r = SHA-512(prefix ‖ M) mod L */
static void
ed_nonce(const uint8_t prefix[32], const uint8_t *msg, size_t len, uint8_t r[32])
{
	crypto_hash_sha512_state hs;
	uint8_t h[64];

	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, prefix, 32);
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(r, h);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&hs, sizeof(hs));
}

/* tag = BLAKE2b-256 keyed with the prefix, over r ‖ R ‖ M. */
static void
ed_tag(const uint8_t prefix[32], const uint8_t r[32], const uint8_t big_r[32],
       const uint8_t *msg, size_t len, uint8_t tag[ED_TAG_LEN])
{
	crypto_generichash_blake2b_state bs;

	/* Cannot fail: key and output lengths are within BLAKE2b's bounds. */
	(void)crypto_generichash_blake2b_init_salt_personal(
		&bs, prefix, 32, ED_TAG_LEN, NULL, (const unsigned char *)ed_tag_personal);
	(void)crypto_generichash_blake2b_update(&bs, r, 32);
	(void)crypto_generichash_blake2b_update(&bs, big_r, 32);
	(void)crypto_generichash_blake2b_update(&bs, msg, len);
	(void)crypto_generichash_blake2b_final(&bs, tag, ED_TAG_LEN);
	sodium_memzero(&bs, sizeof(bs)); /* holds the keyed state */
}

int
sigil_ed25519_commit(const struct sigil_key *k, const uint8_t *msg, size_t len,
                     uint8_t nonce[static SIGIL_ED25519_NONCE_LEN])
{
	const uint8_t *key;
	uint8_t prefix[32];
	int rc = 0;

	memset(nonce, 0, SIGIL_ED25519_NONCE_LEN);
	if ((key = ed_key(k)) == NULL)
		return SIGIL_E_UNSUPPORTED;
	ed_expand(key, NULL, prefix);
	ed_nonce(prefix, msg, len, nonce);
	/* r = 0 happens with probability 2^-252; noclamp refuses it. */
	if (crypto_scalarmult_ed25519_base_noclamp(nonce + ED_R_OFF, nonce) != 0)
		rc = SIGIL_E_CRYPTO;
	else
		ed_tag(prefix, nonce, nonce + ED_R_OFF, msg, len, nonce + ED_TAG_OFF);
	sodium_memzero(prefix, sizeof(prefix));
	if (rc != 0)
		sodium_memzero(nonce, SIGIL_ED25519_NONCE_LEN);
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return rc;
}

int
sigil_ed25519_finish(const struct sigil_key *k, const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN],
                     const uint8_t *msg, size_t len, uint8_t sig[static 64])
{
	crypto_hash_sha512_state hs;
	const uint8_t *key;
	uint8_t a[32], prefix[32], r[32], h[64], hk[32], ka[32];
	uint8_t held[ED_TAG_OFF], tag[ED_TAG_LEN];
	int bad, rc = 0;

	memset(sig, 0, 64);
	if ((key = ed_key(k)) == NULL)
		return SIGIL_E_UNSUPPORTED;
	/* From here on only this copy of r and R is read: what was checked is
	 * what is used, whatever happens to nonce meanwhile. */
	memcpy(held, nonce, sizeof(held));
	ed_expand(key, a, prefix);
	ed_nonce(prefix, msg, len, r);
	ed_tag(prefix, held, held + ED_R_OFF, msg, len, tag);
	bad = sodium_memcmp(r, held, 32) != 0;
	bad |= crypto_verify_32(tag, nonce + ED_TAG_OFF) != 0;
	if (bad) {
		rc = SIGIL_E_INVALID;
		goto out;
	}
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, held + ED_R_OFF, 32); /* R */
	crypto_hash_sha512_update(&hs, key + 32, 32);        /* A */
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(hk, h);
	crypto_core_ed25519_scalar_mul(ka, hk, a);
	memcpy(sig, held + ED_R_OFF, 32);
	crypto_core_ed25519_scalar_add(sig + 32, ka, r);
	sodium_memzero(ka, sizeof(ka));
	sodium_memzero(&hs, sizeof(hs));
out:
	sodium_memzero(a, sizeof(a));
	sodium_memzero(prefix, sizeof(prefix));
	sodium_memzero(r, sizeof(r));
	sodium_memzero(held, sizeof(held));
	sodium_memzero(tag, sizeof(tag));
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return rc;
}
