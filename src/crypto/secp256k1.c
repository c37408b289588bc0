/* secp256k1 ECDSA (tz2) over libsecp256k1. */
#include <pthread.h>
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "crypto/sig_impl.h"

/* One context for the life of the process. It is randomised once, at
 * creation; after that every call takes it as const, which libsecp256k1
 * documents as safe to share between threads. */
static secp256k1_context *secp_ctx;
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;

static void
secp_ctx_create(void)
{
	uint8_t seed[32];
	secp256k1_context *ctx;

	if (sigil_crypto_init() != 0)
		return;
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (ctx == NULL)
		return;
	/* Blinding protects the signing multiplication against side channels. */
	randombytes_buf(seed, sizeof(seed));
	if (!secp256k1_context_randomize(ctx, seed)) {
		secp256k1_context_destroy(ctx);
		ctx = NULL;
	}
	sodium_memzero(seed, sizeof(seed));
	secp_ctx = ctx;
}

static const secp256k1_context *
secp_get(void)
{
	if (pthread_once(&secp_once, secp_ctx_create) != 0)
		return NULL;
	return secp_ctx;
}

int
secp256k1_impl_keygen(uint8_t sk[32])
{
	const secp256k1_context *ctx = secp_get();

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	/* Rejection sampling: a random 32 bytes is >= n with probability ~2^-128. */
	for (int tries = 0; tries < 64; tries++) {
		randombytes_buf(sk, 32);
		if (secp256k1_ec_seckey_verify(ctx, sk))
			return 0;
	}
	sodium_memzero(sk, 32);
	return SIGIL_E_INTERNAL;
}

int
secp256k1_impl_pubkey(const uint8_t sk[32], uint8_t pk[33])
{
	const secp256k1_context *ctx = secp_get();
	secp256k1_pubkey pub;
	size_t len = 33;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (!secp256k1_ec_pubkey_create(ctx, &pub, sk))
		return SIGIL_E_CRYPTO;
	if (!secp256k1_ec_pubkey_serialize(ctx, pk, &len, &pub, SECP256K1_EC_COMPRESSED) ||
	    len != 33)
		return SIGIL_E_INTERNAL;
	return 0;
}

int
secp256k1_impl_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64])
{
	return sigil_secp256k1_sign_hedged(sk, digest, NULL, sig);
}

int
sigil_secp256k1_sign_hedged(const uint8_t sk[static 32], const uint8_t digest[static 32],
                            const uint8_t *extra, uint8_t sig[static 64])
{
	const secp256k1_context *ctx = secp_get();
	secp256k1_ecdsa_signature s;
	int rc = SIGIL_E_CRYPTO;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (!secp256k1_ec_seckey_verify(ctx, sk))
		goto out;
	/* NULL nonce function = RFC 6979 (HMAC-SHA256), as octez and taquito;
	 * extra is its additional data (section 3.6). */
	if (!secp256k1_ecdsa_sign(ctx, &s, digest, sk, NULL, extra))
		goto out;
	/* The library already emits low-S; normalising again costs nothing and
	 * keeps the guarantee if that ever changes. */
	(void)secp256k1_ecdsa_signature_normalize(ctx, &s, &s);
	if (!secp256k1_ecdsa_signature_serialize_compact(ctx, sig, &s))
		goto out;
	rc = 0;
out:
	sodium_memzero(&s, sizeof(s));
	return rc;
}

int
secp256k1_impl_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
                      const uint8_t sig[64])
{
	const secp256k1_context *ctx = secp_get();
	secp256k1_pubkey pub;
	secp256k1_ecdsa_signature s;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	/* Tezos keys are compressed; an uncompressed encoding is another string
	 * for the same key and is not accepted. */
	if (pklen != 33 || (pk[0] != 0x02 && pk[0] != 0x03))
		return SIGIL_E_INVALID;
	if (!secp256k1_ec_pubkey_parse(ctx, &pub, pk, pklen))
		return SIGIL_E_CRYPTO;
	/* parse_compact refuses r or s >= n. */
	if (!secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig))
		return SIGIL_E_CRYPTO;
	/* normalize returns 1 when s was high: that signature is malleated. */
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &s))
		return SIGIL_E_CRYPTO;
	return secp256k1_ecdsa_verify(ctx, &s, digest, &pub) ? 0 : SIGIL_E_CRYPTO;
}
