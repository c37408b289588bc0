/* The signature interface: key-type dispatch, Ed25519 (libsodium) and
 * BLAKE2b. secp256k1, P-256 and BLS live in their own files (sig_impl.h). */
#include "crypto/sig.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig_impl.h"

#define ED25519_SIG_LEN 64
#define ECDSA_SIG_LEN 64

static const char *const key_type_names[SIGIL_KEY_TYPES] = {
	[SIGIL_KEY_ED25519] = "ed25519",
	[SIGIL_KEY_SECP256K1] = "secp256k1",
	[SIGIL_KEY_P256] = "p256",
	[SIGIL_KEY_BLS] = "bls",
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = SIGIL_E_INTERNAL;

static void
sodium_init_once(void)
{
	/* sodium_init returns 1 when some other code initialised it already. */
	sodium_status = sodium_init() < 0 ? SIGIL_E_INTERNAL : 0;
}

int
sigil_crypto_init(void)
{
	if (pthread_once(&sodium_once, sodium_init_once) != 0)
		return SIGIL_E_INTERNAL;
	return sodium_status;
}

static int
valid_type(enum sigil_key_type t)
{
	return (unsigned)t < SIGIL_KEY_TYPES;
}

const char *
sigil_key_type_name(enum sigil_key_type t)
{
	return valid_type(t) ? key_type_names[t] : "unknown";
}

int
sigil_key_type_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < SIGIL_KEY_TYPES; i++)
		if (strcmp(name, key_type_names[i]) == 0)
			return i;
	return -1;
}

void
sigil_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen)
{
	/* generichash cannot fail for outlen in [16, 64] and no key; callers ask
	 * for 20 or 32. Outside that range the output stays zero. */
	if (outlen < crypto_generichash_BYTES_MIN || outlen > crypto_generichash_BYTES_MAX) {
		memset(out, 0, outlen);
		return;
	}
	(void)sigil_crypto_init();
	crypto_generichash(out, outlen, in, inlen, NULL, 0);
}

int
sigil_keygen(enum sigil_key_type t, uint8_t sk[static SIGIL_SECRET_LEN])
{
	int rc;

	memset(sk, 0, SIGIL_SECRET_LEN);
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	switch (t) {
	case SIGIL_KEY_ED25519:
		/* Any 32 bytes are a valid Ed25519 seed. */
		randombytes_buf(sk, SIGIL_SECRET_LEN);
		return 0;
	case SIGIL_KEY_SECP256K1:
		return secp256k1_impl_keygen(sk);
	case SIGIL_KEY_P256:
		return p256_impl_keygen(sk);
	case SIGIL_KEY_BLS:
		return bls_impl_keygen(sk);
	}
	return SIGIL_E_INVALID;
}

int
sigil_pubkey(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
             uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	uint8_t expanded[crypto_sign_SECRETKEYBYTES];
	int rc;

	memset(pk, 0, SIGIL_PK_MAX);
	*pklen = 0;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	switch (t) {
	case SIGIL_KEY_ED25519:
		rc = crypto_sign_seed_keypair(pk, expanded, sk) == 0 ? 0 : SIGIL_E_CRYPTO;
		sodium_memzero(expanded, sizeof(expanded));
		if (rc == 0)
			*pklen = crypto_sign_PUBLICKEYBYTES;
		return rc;
	case SIGIL_KEY_SECP256K1:
		rc = secp256k1_impl_pubkey(sk, pk);
		break;
	case SIGIL_KEY_P256:
		rc = p256_impl_pubkey(sk, pk);
		break;
	case SIGIL_KEY_BLS:
		if ((rc = bls_impl_pubkey(sk, pk)) == 0)
			*pklen = SIGIL_BLS_PK_LEN;
		else
			memset(pk, 0, SIGIL_PK_MAX);
		return rc;
	default:
		return SIGIL_E_INVALID;
	}
	if (rc == 0)
		*pklen = 33;
	else
		memset(pk, 0, SIGIL_PK_MAX);
	return rc;
}

static int
ed25519_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64])
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t expanded[crypto_sign_SECRETKEYBYTES];
	int rc = SIGIL_E_CRYPTO;

	if (crypto_sign_seed_keypair(pk, expanded, sk) != 0)
		goto out;
	/* Tezos signs the 32-byte digest as the Ed25519 message (no pre-hash
	 * variant), so the signature is deterministic and reproducible. */
	if (crypto_sign_detached(sig, NULL, digest, 32, expanded) != 0)
		goto out;
	rc = 0;
out:
	sodium_memzero(expanded, sizeof(expanded));
	return rc;
}

int
sigil_prepare(enum sigil_key_type t, uint8_t key[static SIGIL_PREPARED_LEN])
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t expanded[crypto_sign_SECRETKEYBYTES];
	int rc;

	memset(key + SIGIL_SECRET_LEN, 0, SIGIL_PREPARED_LEN - SIGIL_SECRET_LEN);
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if (t != SIGIL_KEY_ED25519)
		return 0;
	if (crypto_sign_seed_keypair(pk, expanded, key) != 0)
		rc = SIGIL_E_CRYPTO;
	else
		memcpy(key, expanded, sizeof(expanded)); /* seed || public key */
	sodium_memzero(expanded, sizeof(expanded));
	return rc;
}

int
sigil_prepare_with_pk(enum sigil_key_type t, uint8_t key[static SIGIL_PREPARED_LEN],
                      const uint8_t *pk, size_t pklen)
{
	int rc;

	if (t != SIGIL_KEY_ED25519)
		return sigil_prepare(t, key);
	if (pklen != crypto_sign_PUBLICKEYBYTES)
		return SIGIL_E_INVALID;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	memcpy(key + SIGIL_SECRET_LEN, pk, crypto_sign_PUBLICKEYBYTES);
	return 0;
}

int
sigil_sign_digest_prepared(enum sigil_key_type t, const uint8_t key[static SIGIL_PREPARED_LEN],
                           const uint8_t digest[static 32], uint8_t sig[static SIGIL_SIG_MAX],
                           size_t *siglen)
{
	if (t != SIGIL_KEY_ED25519)
		return sigil_sign_digest(t, key, digest, sig, siglen);
	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	int rc = crypto_sign_detached(sig, NULL, digest, 32, key);
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0)
		return SIGIL_E_CRYPTO;
	*siglen = 64;
	return 0;
}

int
sigil_sign_digest(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                  const uint8_t digest[static 32], uint8_t sig[static SIGIL_SIG_MAX],
                  size_t *siglen)
{
	int rc;

	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	switch (t) {
	case SIGIL_KEY_ED25519:
		rc = ed25519_sign(sk, digest, sig);
		break;
	case SIGIL_KEY_SECP256K1:
		rc = secp256k1_impl_sign(sk, digest, sig);
		break;
	case SIGIL_KEY_P256:
		rc = p256_impl_sign(sk, digest, sig);
		break;
	case SIGIL_KEY_BLS:
		return SIGIL_E_UNSUPPORTED; /* BLS signs raw bytes: sigil_bls_sign */
	default:
		return SIGIL_E_INVALID;
	}
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc == 0)
		*siglen = ED25519_SIG_LEN; /* ECDSA r||s is the same 64 bytes */
	else
		memset(sig, 0, SIGIL_SIG_MAX);
	return rc;
}

int
sigil_verify_digest(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                    const uint8_t digest[static 32], const uint8_t *sig, size_t siglen)
{
	int rc;

	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if (!valid_type(t))
		return SIGIL_E_INVALID;
	if (t == SIGIL_KEY_BLS)
		return SIGIL_E_UNSUPPORTED; /* BLS verifies raw bytes: sigil_bls_verify */
	if (pk == NULL || sig == NULL)
		return SIGIL_E_INVALID;
	if (siglen != ECDSA_SIG_LEN)
		return SIGIL_E_INVALID;
	switch (t) {
	case SIGIL_KEY_ED25519:
		if (pklen != crypto_sign_PUBLICKEYBYTES)
			return SIGIL_E_INVALID;
		/* libsodium rejects non-canonical S and small-order keys. */
		return crypto_sign_verify_detached(sig, digest, 32, pk) == 0 ? 0 : SIGIL_E_CRYPTO;
	case SIGIL_KEY_SECP256K1:
		return secp256k1_impl_verify(pk, pklen, digest, sig);
	case SIGIL_KEY_P256:
		return p256_impl_verify(pk, pklen, digest, sig);
	default:
		return SIGIL_E_INVALID;
	}
}
