/* The signature interface: one table of back ends by key type (sig_impl.h),
 * prepared keys, and BLAKE2b. Every function here checks its arguments,
 * zeroes its outputs and dispatches through the key's table; the back ends
 * (ed25519.c, secp256k1.c, p256.c, bls.c, sr25519_key.c) hold no switch on
 * key type. */
#include "crypto/sig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/secmem.h"
#include "crypto/bip340.h"
#include "crypto/sig_impl.h"

#define DIGEST_SIG_LEN 64 /* Ed25519 (R, S) and ECDSA r||s alike */

static const struct sigil_key_impl *const key_impls[SIGIL_KEY_TYPES] = {
	[SIGIL_KEY_ED25519] = &sigil_ed25519_impl,
	[SIGIL_KEY_SECP256K1] = &sigil_secp256k1_impl,
	[SIGIL_KEY_P256] = &sigil_p256_impl,
	[SIGIL_KEY_BLS] = &sigil_bls_impl,
	[SIGIL_KEY_SR25519] = &sigil_sr25519_impl,
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

const struct sigil_key_impl *
sigil_key_impl_of(enum sigil_key_type t)
{
	return (unsigned)t < SIGIL_KEY_TYPES ? key_impls[t] : NULL;
}

const char *
sigil_key_type_name(enum sigil_key_type t)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	return impl != NULL ? impl->name : "unknown";
}

int
sigil_key_type_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < SIGIL_KEY_TYPES; i++)
		if (strcmp(name, key_impls[i]->name) == 0)
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
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	int rc;

	memset(sk, 0, SIGIL_SECRET_LEN);
	if (impl == NULL)
		return SIGIL_E_INVALID;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if ((rc = impl->keygen(sk)) != 0)
		sodium_memzero(sk, SIGIL_SECRET_LEN);
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return rc;
}

bool
sigil_secret_len_ok(enum sigil_key_type t, size_t sklen)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);

	return impl != NULL &&
	       (sklen == SIGIL_SECRET_LEN || (impl->wide_len != 0 && sklen == impl->wide_len));
}

int
sigil_pubkey_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen,
                   uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	int rc;

	memset(pk, 0, SIGIL_PK_MAX);
	*pklen = 0;
	if (impl == NULL || sk == NULL || !sigil_secret_len_ok(t, sklen))
		return SIGIL_E_INVALID;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	rc = sklen == SIGIL_SECRET_LEN ? impl->pubkey(sk, pk) : impl->pubkey_wide(sk, pk);
	/* Deriving the public key hashes or multiplies by the secret. */
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0) {
		memset(pk, 0, SIGIL_PK_MAX);
		return rc;
	}
	*pklen = impl->pk_len;
	return 0;
}

int
sigil_pubkey(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
             uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	return sigil_pubkey_sized(t, sk, SIGIL_SECRET_LEN, pk, pklen);
}

int
sigil_key_new_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen, const uint8_t *pk,
                    size_t pklen, struct sigil_key **out)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	struct sigil_key *k;
	int rc;

	*out = NULL;
	if (impl == NULL || sk == NULL || !sigil_secret_len_ok(t, sklen))
		return SIGIL_E_INVALID;
	if (pk != NULL && pklen != impl->pk_len)
		return SIGIL_E_INVALID;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return SIGIL_E_NOMEM;
	k->impl = impl;
	/* Zeroed, locked, and never in a core dump (base/secmem.h). */
	if ((k->secret = secmem_alloc(impl->secret_size)) == NULL) {
		free(k);
		return SIGIL_E_NOMEM;
	}
	rc = sklen == SIGIL_SECRET_LEN ? impl->prepare(k, sk, pk) : impl->prepare_wide(k, sk, pk);
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0) {
		sigil_key_free(k);
		return rc;
	}
	k->pk_len = impl->pk_len;
	*out = k;
	return 0;
}

int
sigil_key_new(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *pk,
              size_t pklen, struct sigil_key **out)
{
	return sigil_key_new_sized(t, sk, SIGIL_SECRET_LEN, pk, pklen, out);
}

void
sigil_key_free(struct sigil_key *k)
{
	if (k == NULL)
		return;
	if (k->impl->free != NULL)
		k->impl->free(k);
	secmem_free(k->secret); /* wipes */
	sodium_memzero(k, sizeof(*k));
	free(k);
}

void
sigil_key_pubkey(const struct sigil_key *k, uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	memcpy(pk, k->pk, SIGIL_PK_MAX);
	*pklen = k->pk_len;
}

int
sigil_key_sign_digest(const struct sigil_key *k, const uint8_t digest[static 32],
                      uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen)
{
	int rc;

	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	if (k->impl->sign_digest == NULL)
		return SIGIL_E_UNSUPPORTED; /* BLS signs raw bytes: sigil_key_bls_sign */
	rc = k->impl->sign_digest(k, digest, sig);
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0) {
		memset(sig, 0, SIGIL_SIG_MAX);
		return rc;
	}
	*siglen = DIGEST_SIG_LEN;
	return 0;
}

int
sigil_key_sign(const struct sigil_key *k, enum sigil_scheme scheme, const uint8_t *msg,
               size_t len, uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen)
{
	static const int bls[] = {
		[SIGIL_SCHEME_BLS_POP] = SIGIL_BLS_POP,
		[SIGIL_SCHEME_BLS_AUG] = SIGIL_BLS_AUG,
		[SIGIL_SCHEME_BLS_PROOF] = SIGIL_BLS_PROOF,
	};
	uint8_t nonce[SIGIL_ED25519_NONCE_LEN];
	int rc;

	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	if (scheme == SIGIL_SCHEME_BIP340_TAPROOT) {
		if (len != 32)
			return SIGIL_E_INVALID;
		rc = sigil_key_bip340_sign_taproot(k, NULL, msg, sig);
		sodium_stackzero(SIGIL_STACK_SCRUB);
		if (rc == 0)
			*siglen = SIGIL_BIP340_SIG_LEN;
		return rc;
	}
	if (scheme != SIGIL_SCHEME_PLAIN) {
		/* A BLS scheme asked of another key is the caller's mistake, not a
		 * signature to attempt. */
		if (k->impl->type != SIGIL_KEY_BLS || (unsigned)scheme >= sizeof(bls) / sizeof(bls[0]))
			return SIGIL_E_INVALID;
		if ((rc = sigil_key_bls_sign(k, bls[scheme], msg, len, sig)) == 0)
			*siglen = SIGIL_BLS_SIG_LEN;
		return rc;
	}
	if (k->impl->sign_msg != NULL) {
		rc = k->impl->sign_msg(k, msg, len, sig);
		sodium_stackzero(SIGIL_STACK_SCRUB);
		if (rc == 0)
			*siglen = DIGEST_SIG_LEN;
		else
			memset(sig, 0, SIGIL_SIG_MAX);
		return rc;
	}
	if (k->impl->sign_digest == NULL)
		return SIGIL_E_UNSUPPORTED; /* BLS has no plain scheme */
	if (len == 32)
		return sigil_key_sign_digest(k, msg, sig, siglen);
	if (k->impl->type != SIGIL_KEY_ED25519)
		return SIGIL_E_INVALID; /* ECDSA signs 32-byte digests only */
	/* An Ed25519 message of another length: the same RFC 8032 signature,
	 * made in the two halves that take any length. */
	if ((rc = sigil_ed25519_commit(k, msg, len, nonce)) == 0 &&
	    (rc = sigil_ed25519_finish(k, nonce, msg, len, sig)) == 0)
		*siglen = DIGEST_SIG_LEN;
	sodium_memzero(nonce, sizeof(nonce));
	return rc;
}

/* The group orders, big-endian. */
static const uint8_t secp256k1_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* a <=> b, 32 bytes big-endian (not secret: a signature's s). */
static int
be32_cmp(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 32);
}

static bool
be32_zero(const uint8_t a[32])
{
	for (int i = 0; i < 32; i++)
		if (a[i])
			return false;
	return true;
}

int
sigil_ecdsa_low_s(enum sigil_key_type t, uint8_t sig[static 64])
{
	const uint8_t *n = t == SIGIL_KEY_SECP256K1 ? secp256k1_n : t == SIGIL_KEY_P256 ? p256_n : NULL;
	uint8_t half[32], *sv = sig + 32;
	unsigned carry = 0;

	if (n == NULL || be32_zero(sig) || be32_zero(sv) || be32_cmp(sig, n) >= 0 ||
	    be32_cmp(sv, n) >= 0)
		return SIGIL_E_INVALID;
	/* half = n >> 1 */
	for (int i = 0; i < 32; i++) {
		half[i] = (uint8_t)((n[i] >> 1) | (carry << 7));
		carry = n[i] & 1;
	}
	if (be32_cmp(sv, half) <= 0)
		return 0;
	/* s = n - s */
	unsigned borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int d = (int)n[i] - (int)sv[i] - (int)borrow;
		borrow = d < 0;
		sv[i] = (uint8_t)(d < 0 ? d + 256 : d);
	}
	return 0;
}

int
sigil_verify(enum sigil_key_type t, const uint8_t *pk, size_t pklen, enum sigil_scheme scheme,
             const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	static const int bls[] = {
		[SIGIL_SCHEME_BLS_POP] = SIGIL_BLS_POP,
		[SIGIL_SCHEME_BLS_AUG] = SIGIL_BLS_AUG,
		[SIGIL_SCHEME_BLS_PROOF] = SIGIL_BLS_PROOF,
	};
	int rc;

	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if (pk == NULL || sig == NULL || (msg == NULL && len > 0))
		return SIGIL_E_INVALID;
	if (scheme == SIGIL_SCHEME_BIP340_TAPROOT) {
		uint8_t xonly[SIGIL_XONLY_LEN], q[SIGIL_XONLY_LEN];
		if (t != SIGIL_KEY_SECP256K1 || len != 32 || siglen != SIGIL_BIP340_SIG_LEN ||
		    sigil_xonly_from_compressed(pk, pklen, xonly) != 0 ||
		    sigil_taproot_output_key(xonly, NULL, q, NULL) != 0)
			return SIGIL_E_INVALID;
		return sigil_bip340_verify(q, msg, len, sig);
	}
	if (scheme != SIGIL_SCHEME_PLAIN) {
		if (t != SIGIL_KEY_BLS || (unsigned)scheme >= sizeof(bls) / sizeof(bls[0]))
			return SIGIL_E_INVALID;
		return sigil_bls_verify(pk, pklen, bls[scheme], msg, len, sig, siglen);
	}
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	if (impl != NULL && impl->verify_msg != NULL) {
		if (siglen != DIGEST_SIG_LEN)
			return SIGIL_E_INVALID;
		return impl->verify_msg(pk, pklen, msg ? msg : (const uint8_t *)"", len, sig);
	}
	if (t == SIGIL_KEY_ED25519 && len != 32) {
		/* Any length: RFC 8032 over the message itself. */
		if (pklen != crypto_sign_PUBLICKEYBYTES || siglen != crypto_sign_BYTES)
			return SIGIL_E_INVALID;
		return crypto_sign_verify_detached(sig, msg ? msg : (const uint8_t *)"", len, pk) == 0
		       ? 0 : SIGIL_E_CRYPTO;
	}
	if (len != 32)
		return SIGIL_E_INVALID;
	return sigil_verify_digest(t, pk, pklen, msg, sig, siglen);
}

int
sigil_key_sign_recid(const struct sigil_key *k, enum sigil_scheme scheme, const uint8_t *msg,
                     size_t len, uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen, int *recid)
{
	int rc;

	*recid = -1;
	if (scheme != SIGIL_SCHEME_PLAIN || k->impl->sign_digest_recid == NULL)
		return sigil_key_sign(k, scheme, msg, len, sig, siglen);
	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	if (len != 32)
		return SIGIL_E_INVALID; /* ECDSA signs 32-byte digests only */
	rc = k->impl->sign_digest_recid(k, msg, sig, recid);
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0 || (unsigned)*recid > 3) {
		memset(sig, 0, SIGIL_SIG_MAX);
		*recid = -1;
		return rc != 0 ? rc : SIGIL_E_INTERNAL;
	}
	*siglen = DIGEST_SIG_LEN;
	return 0;
}

int
sigil_sign_digest(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                  const uint8_t digest[static 32], uint8_t sig[static SIGIL_SIG_MAX],
                  size_t *siglen)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	struct sigil_key *k;
	int rc;

	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	if (impl == NULL)
		return SIGIL_E_INVALID;
	if (impl->sign_digest == NULL)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = sigil_key_new(t, sk, NULL, 0, &k)) != 0)
		return rc;
	rc = sigil_key_sign_digest(k, digest, sig, siglen);
	sigil_key_free(k);
	return rc;
}

int
sigil_verify_digest(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                    const uint8_t digest[static 32], const uint8_t *sig, size_t siglen)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);
	int rc;

	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	if (impl == NULL)
		return SIGIL_E_INVALID;
	if (impl->verify_digest == NULL)
		return SIGIL_E_UNSUPPORTED; /* BLS verifies raw bytes: sigil_bls_verify */
	if (pk == NULL || sig == NULL || siglen != DIGEST_SIG_LEN)
		return SIGIL_E_INVALID;
	return impl->verify_digest(pk, pklen, digest, sig);
}

int
sigil_ecdsa_recid(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                  const uint8_t digest[static 32], const uint8_t sig[static 64], int *recid)
{
	const struct sigil_key_impl *impl = sigil_key_impl_of(t);

	*recid = -1;
	if (impl == NULL || impl->recid_of == NULL)
		return SIGIL_E_UNSUPPORTED;
	if (pk == NULL || pklen != impl->pk_len)
		return SIGIL_E_INVALID;
	return impl->recid_of(pk, pklen, digest, sig, recid);
}
