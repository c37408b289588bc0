/* Ed25519 signing (RFC 8032 section 5.1.6) in two halves, built from
 * libsodium's SHA-512 and scalar arithmetic so that the costly half can run
 * before the moment a signature may exist:
 *
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
 * The base-point multiplication is about nine tenths of the work; finish is
 * a hash and a multiply-add. Every operation is libsodium's constant-time
 * code. */
#include "crypto/sig.h"

#include <string.h>

#include <sodium.h>

#include "core/errors.h"
#include "crypto/sig_impl.h"


/* The nonce prefix of a libsodium signing key (seed ‖ public key) and, if
 * a is not NULL, its scalar a (clamped, then reduced mod L). */
static void
ed_expand(const uint8_t key[static SIGIL_PREPARED_LEN], uint8_t *a, uint8_t prefix[32])
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

int
sigil_ed25519_commit(const uint8_t key[static SIGIL_PREPARED_LEN], const uint8_t *msg,
                     size_t len, uint8_t nonce[static SIGIL_ED25519_NONCE_LEN])
{
	uint8_t prefix[32];
	int rc = 0;

	ed_expand(key, NULL, prefix);
	ed_nonce(prefix, msg, len, nonce);
	/* r = 0 happens with probability 2^-252; noclamp refuses it. */
	if (crypto_scalarmult_ed25519_base_noclamp(nonce + 32, nonce) != 0)
		rc = SIGIL_E_CRYPTO;
	sodium_memzero(prefix, sizeof(prefix));
	if (rc != 0)
		sodium_memzero(nonce, SIGIL_ED25519_NONCE_LEN);
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return rc;
}

int
sigil_ed25519_finish(const uint8_t key[static SIGIL_PREPARED_LEN],
                     const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN], const uint8_t *msg,
                     size_t len, uint8_t sig[static 64])
{
	crypto_hash_sha512_state hs;
	uint8_t a[32], prefix[32], r[32], h[64], k[32], ka[32];
	int rc = 0;

	memset(sig, 0, 64);
	ed_expand(key, a, prefix);
	ed_nonce(prefix, msg, len, r);
	if (sodium_memcmp(r, nonce, 32) != 0) {
		rc = SIGIL_E_INVALID;
		goto out;
	}
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, nonce + 32, 32); /* R */
	crypto_hash_sha512_update(&hs, key + 32, 32);   /* A */
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	memcpy(sig, nonce + 32, 32);
	crypto_core_ed25519_scalar_add(sig + 32, ka, r);
	sodium_memzero(ka, sizeof(ka));
	sodium_memzero(&hs, sizeof(hs));
out:
	sodium_memzero(a, sizeof(a));
	sodium_memzero(prefix, sizeof(prefix));
	sodium_memzero(r, sizeof(r));
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return rc;
}
