/* secp256k1 ECDSA (tz2) over libsecp256k1: the key type's back end
 * (sig_impl.h).
 *
 * A prepared key is libsecp256k1's keypair: the secret, checked once, and
 * its public key, computed once. ECDSA signing itself takes the 32 secret
 * bytes (secp256k1_ecdsa_sign has no keypair form) and derives nothing
 * from them but the RFC 6979 nonce, so a signature costs what the library's
 * costs either way; the keypair saves the checks and the public key. */
#include <pthread.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
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

const secp256k1_context *
sigil_secp256k1_ctx(void)
{
	if (pthread_once(&secp_once, secp_ctx_create) != 0)
		return NULL;
	return secp_ctx;
}

#define SECP_PK_LEN 33

/* The secret of a prepared key is a secp256k1_keypair. */
static int
secp_keygen(uint8_t sk[SIGIL_SECRET_LEN])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	/* Rejection sampling: a random 32 bytes is >= n with probability ~2^-128. */
	for (int tries = 0; tries < 64; tries++) {
		randombytes_buf(sk, SIGIL_SECRET_LEN);
		if (secp256k1_ec_seckey_verify(ctx, sk))
			return 0;
	}
	sodium_memzero(sk, SIGIL_SECRET_LEN);
	return SIGIL_E_INTERNAL;
}

static int
secp_serialize(const secp256k1_context *ctx, const secp256k1_pubkey *pub, uint8_t pk[SECP_PK_LEN])
{
	size_t len = SECP_PK_LEN;

	if (!secp256k1_ec_pubkey_serialize(ctx, pk, &len, pub, SECP256K1_EC_COMPRESSED) ||
	    len != SECP_PK_LEN)
		return SIGIL_E_INTERNAL;
	return 0;
}

static int
secp_pubkey(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_pubkey pub;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (!secp256k1_ec_pubkey_create(ctx, &pub, sk))
		return SIGIL_E_CRYPTO;
	return secp_serialize(ctx, &pub, pk);
}

static int
secp_prepare(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk)
{
	secp256k1_keypair *kp = k->secret;
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_pubkey pub;
	int rc;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	/* keypair_create refuses a secret that is zero or >= n. */
	if (!secp256k1_keypair_create(ctx, kp, sk))
		return SIGIL_E_CRYPTO;
	if (!secp256k1_keypair_pub(ctx, &pub, kp))
		return SIGIL_E_INTERNAL;
	if ((rc = secp_serialize(ctx, &pub, k->pk)) != 0)
		return rc;
	/* The keypair holds the public key anyway: a pk that is not the
	 * secret's is refused rather than kept. */
	if (pk != NULL && sodium_memcmp(pk, k->pk, SECP_PK_LEN) != 0)
		return SIGIL_E_CRYPTO;
	return 0;
}

/* The signature of es into sig, low-S. The library already emits low-S;
 * normalising again costs nothing and keeps the guarantee if that ever
 * changes. recid (NULL: not wanted) is the recovery id of the signature
 * before normalising: s -> n - s is the signature of -R, whose y has the
 * other parity. */
static int
secp_finish(const secp256k1_context *ctx, secp256k1_ecdsa_signature *es, uint8_t sig[64],
            int *recid)
{
	if (secp256k1_ecdsa_signature_normalize(ctx, es, es) && recid != NULL)
		*recid ^= 1;
	return secp256k1_ecdsa_signature_serialize_compact(ctx, sig, es) ? 0 : SIGIL_E_CRYPTO;
}

/* ECDSA with RFC 6979 nonces; extra (32 bytes or NULL) is the RFC's
 * additional data (section 3.6). With recid (not NULL) the signature is
 * made by the recovery module's signer, which takes the same nonce
 * function and data and so gives the same (r, s), and the recovery id with
 * it; without, by the plain signer, as always. */
static int
secp_sign_extra(const struct sigil_key *k, const uint8_t digest[32], const uint8_t *extra,
                uint8_t sig[64], int *recid)
{
	const secp256k1_keypair *kp = k->secret;
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_ecdsa_signature es;
	uint8_t sk[SIGIL_SECRET_LEN], rsc[64];
	int rc = SIGIL_E_CRYPTO;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (!secp256k1_keypair_sec(ctx, sk, kp))
		goto out;
	/* NULL nonce function = RFC 6979 (HMAC-SHA256), as octez and taquito. */
	if (recid == NULL) {
		if (!secp256k1_ecdsa_sign(ctx, &es, digest, sk, NULL, extra))
			goto out;
	} else if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, sk, NULL, extra) ||
	           !secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rsc, recid, &rs) ||
	           !secp256k1_ecdsa_signature_parse_compact(ctx, &es, rsc)) {
		goto out;
	}
	rc = secp_finish(ctx, &es, sig, recid);
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&es, sizeof(es));
	return rc;
}

static int
secp_sign(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64])
{
	return secp_sign_extra(k, digest, NULL, sig, NULL);
}

static int
secp_sign_recid(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64], int *recid)
{
	return secp_sign_extra(k, digest, NULL, sig, recid);
}

int
sigil_secp256k1_sign_hedged_recid(const struct sigil_key *k, const uint8_t digest[static 32],
                                  const uint8_t *extra, uint8_t sig[static 64], int *recid)
{
	int rc;

	memset(sig, 0, 64);
	if (recid != NULL)
		*recid = -1;
	if (k == NULL || k->impl != &sigil_secp256k1_impl)
		return SIGIL_E_UNSUPPORTED;
	rc = secp_sign_extra(k, digest, extra, sig, recid);
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	if (rc != 0) {
		memset(sig, 0, 64);
		if (recid != NULL)
			*recid = -1;
	}
	return rc;
}

int
sigil_secp256k1_sign_hedged(const struct sigil_key *k, const uint8_t digest[static 32],
                            const uint8_t *extra, uint8_t sig[static 64])
{
	return sigil_secp256k1_sign_hedged_recid(k, digest, extra, sig, NULL);
}

static int
secp_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32], const uint8_t sig[64])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_pubkey pub;
	secp256k1_ecdsa_signature s;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	/* Tezos keys are compressed; an uncompressed encoding is another string
	 * for the same key and is not accepted. */
	if (pklen != SECP_PK_LEN || (pk[0] != 0x02 && pk[0] != 0x03))
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

/* recid_of: libsecp256k1 recovers the key for each candidate id. */
static int
secp_recid_of(const uint8_t *pk, size_t pklen, const uint8_t digest[32], const uint8_t sig[64],
              int *recid)
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey q;
	uint8_t got[33];
	size_t len;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	for (int id = 0; id < 4; id++) {
		len = sizeof(got);
		if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, id) &&
		    secp256k1_ecdsa_recover(ctx, &q, &rs, digest) &&
		    secp256k1_ec_pubkey_serialize(ctx, got, &len, &q, SECP256K1_EC_COMPRESSED) &&
		    len == pklen && memcmp(got, pk, pklen) == 0) {
			*recid = id;
			return 0;
		}
	}
	return SIGIL_E_CRYPTO;
}

const struct sigil_key_impl sigil_secp256k1_impl = {
	.type = SIGIL_KEY_SECP256K1,
	.name = "secp256k1",
	.pk_len = SECP_PK_LEN,
	.secret_size = sizeof(secp256k1_keypair),
	.keygen = secp_keygen,
	.pubkey = secp_pubkey,
	.prepare = secp_prepare,
	.sign_digest = secp_sign,
	.sign_digest_recid = secp_sign_recid,
	.recid_of = secp_recid_of,
	.verify_digest = secp_verify,
	.free = NULL, /* no library object */
};
