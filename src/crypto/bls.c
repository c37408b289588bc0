/* BLS12-381 for tz4 keys, over blst: minimal-pubkey-size (public keys are
 * 48-byte compressed G1 points, signatures 96-byte compressed G2 points), as
 * octez uses it (draft-irtf-cfrg-bls-signature, "MinPk").
 *
 * A Tezos BLsk holds the scalar little-endian, and octez reduces nothing: a
 * secret outside [1, r) is refused here rather than silently reduced.
 *
 * The key type's back end (sig_impl.h): a prepared key is blst's scalar,
 * checked once, and its public key, which the AUG scheme and the proof of
 * possession sign over (computing it is a G1 multiplication). */
#include "crypto/sig.h"

#include <stdbool.h>
#include <string.h>

#include <blst.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig_impl.h"

/* Ciphersuite identifiers (draft-irtf-cfrg-bls-signature, section 4.2):
 * octez signs tz4 operations with the POP ciphersuite since signature
 * version 2, with AUG (public key prepended to the message) in version 1,
 * and proves possession of a key by signing its compressed form under the
 * distinct POP tag. Lengths come from sizeof, so no NUL is hashed. */
static const char dst_sig_pop[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
static const char dst_sig_aug[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_";
static const char dst_proof[] = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/* blst hashes from a pointer even for an empty message. */
static const uint8_t empty_msg[1];

static const char *
scheme_dst(int scheme, size_t *len)
{
	switch (scheme) {
	case SIGIL_BLS_POP:
		*len = sizeof(dst_sig_pop) - 1;
		return dst_sig_pop;
	case SIGIL_BLS_AUG:
		*len = sizeof(dst_sig_aug) - 1;
		return dst_sig_aug;
	case SIGIL_BLS_PROOF:
		*len = sizeof(dst_proof) - 1;
		return dst_proof;
	}
	*len = 0;
	return NULL;
}

/* Loads a little-endian BLsk; 0 when it is in [1, r). */
static int
load_scalar(blst_scalar *s, const uint8_t sk[SIGIL_SECRET_LEN])
{
	blst_scalar_from_lendian(s, sk);
	if (!blst_sk_check(s)) {
		sodium_memzero(s, sizeof(*s));
		return SIGIL_E_CRYPTO;
	}
	return 0;
}

/* The secret of a prepared key is a blst_scalar. */
static int
bls_keygen(uint8_t sk[SIGIL_SECRET_LEN])
{
	uint8_t ikm[32];
	blst_scalar s;
	int rc = SIGIL_E_CRYPTO;

	/* As octez's generate_sk: the draft's KeyGen (HKDF-SHA256, reduced mod
	 * r from 48 bytes, so uniform to within 2^-128) over 32 random bytes.
	 * KeyGen never yields zero; the check guards the output all the same. */
	for (int tries = 0; tries < 4; tries++) {
		randombytes_buf(ikm, sizeof(ikm));
		blst_keygen(&s, ikm, sizeof(ikm), NULL, 0);
		if (blst_sk_check(&s)) {
			blst_lendian_from_scalar(sk, &s);
			rc = 0;
			break;
		}
	}
	sodium_memzero(ikm, sizeof(ikm));
	sodium_memzero(&s, sizeof(s));
	return rc;
}

/* pk = sk·G1, compressed. The scalar is already checked. */
static void
scalar_pubkey(const blst_scalar *s, uint8_t pk[SIGIL_BLS_PK_LEN])
{
	blst_p1 p;

	blst_sk_to_pk_in_g1(&p, s);
	blst_p1_compress(pk, &p);
}

static int
bls_pubkey(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX])
{
	blst_scalar s;
	int rc;

	if ((rc = load_scalar(&s, sk)) != 0)
		return rc;
	scalar_pubkey(&s, pk);
	sodium_memzero(&s, sizeof(s));
	return 0;
}

static int
bls_prepare(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk)
{
	blst_scalar *s = k->secret;
	int rc;

	if ((rc = load_scalar(s, sk)) != 0)
		return rc;
	/* A given pk was derived from this secret by the caller (sig.h). */
	if (pk != NULL)
		memcpy(k->pk, pk, SIGIL_BLS_PK_LEN);
	else
		scalar_pubkey(s, k->pk);
	return 0;
}

const struct sigil_key_impl sigil_bls_impl = {
	.type = SIGIL_KEY_BLS,
	.name = "bls",
	.pk_len = SIGIL_BLS_PK_LEN,
	.secret_size = sizeof(blst_scalar),
	.keygen = bls_keygen,
	.pubkey = bls_pubkey,
	.prepare = bls_prepare,
	.sign_digest = NULL, /* BLS signs the raw bytes: sigil_key_bls_sign */
	.verify_digest = NULL,
	.free = NULL, /* no library object */
};

int
sigil_key_bls_sign(const struct sigil_key *k, int scheme, const uint8_t *msg, size_t len,
                   uint8_t sig[static SIGIL_BLS_SIG_LEN])
{
	const uint8_t *aug = NULL;
	size_t aug_len = 0, dst_len;
	const char *dst;
	blst_p2 h, p;

	memset(sig, 0, SIGIL_BLS_SIG_LEN);
	if (k == NULL || k->impl != &sigil_bls_impl)
		return SIGIL_E_UNSUPPORTED;
	if ((dst = scheme_dst(scheme, &dst_len)) == NULL)
		return SIGIL_E_INVALID;
	if (msg == NULL && len != 0)
		return SIGIL_E_INVALID;
	if (scheme == SIGIL_BLS_PROOF) {
		/* The proof covers this key's own public key and nothing else: a
		 * caller may name it (len 48, equal) or leave msg empty. */
		if (len != 0 && (len != SIGIL_BLS_PK_LEN || memcmp(msg, k->pk, len) != 0))
			return SIGIL_E_INVALID;
		msg = k->pk;
		len = SIGIL_BLS_PK_LEN;
	} else if (scheme == SIGIL_BLS_AUG) {
		/* AUG signs pk ‖ msg; blst's aug argument is hashed in front of
		 * the message, which is that concatenation without a copy. */
		aug = k->pk;
		aug_len = SIGIL_BLS_PK_LEN;
	}
	if (msg == NULL)
		msg = empty_msg;
	blst_hash_to_g2(&h, msg, len, (const uint8_t *)dst, dst_len, aug, aug_len);
	blst_sign_pk_in_g1(&p, &h, k->secret);
	blst_p2_compress(sig, &p);
	sodium_stackzero(SIGIL_STACK_SCRUB); /* sig_impl.h */
	return 0;
}

int
sigil_bls_sign(const uint8_t sk[static SIGIL_SECRET_LEN], int scheme, const uint8_t *msg,
               size_t len, uint8_t sig[static SIGIL_BLS_SIG_LEN])
{
	struct sigil_key *k;
	size_t dst_len;
	int rc;

	memset(sig, 0, SIGIL_BLS_SIG_LEN);
	/* The argument errors first, as the prepared path reports them. */
	if (scheme_dst(scheme, &dst_len) == NULL || (msg == NULL && len != 0))
		return SIGIL_E_INVALID;
	if ((rc = sigil_key_new(SIGIL_KEY_BLS, sk, NULL, 0, &k)) != 0)
		return rc;
	rc = sigil_key_bls_sign(k, scheme, msg, len, sig);
	sigil_key_free(k);
	return rc;
}

int
sigil_bls_verify(const uint8_t *pk, size_t pklen, int scheme, const uint8_t *msg, size_t len,
                 const uint8_t *sig, size_t siglen)
{
	blst_p1_affine pa;
	blst_p2_affine sa;
	const uint8_t *aug = NULL;
	size_t aug_len = 0, dst_len;
	const char *dst;
	int rc;

	if ((dst = scheme_dst(scheme, &dst_len)) == NULL)
		return SIGIL_E_INVALID;
	if (pk == NULL || sig == NULL || (msg == NULL && len != 0))
		return SIGIL_E_INVALID;
	if (pklen != SIGIL_BLS_PK_LEN || siglen != SIGIL_BLS_SIG_LEN)
		return SIGIL_E_INVALID;
	if ((rc = sigil_crypto_init()) != 0)
		return rc;
	/* Uncompressing checks the encoding and that the point is on the curve,
	 * not that it is in the prime-order subgroup: that is checked apart,
	 * and the identity is refused as a key (KeyValidate) and as a
	 * signature (it is never one for a valid key). */
	if (blst_p1_uncompress(&pa, pk) != BLST_SUCCESS || blst_p1_affine_is_inf(&pa) ||
	    !blst_p1_affine_in_g1(&pa))
		return SIGIL_E_CRYPTO;
	if (blst_p2_uncompress(&sa, sig) != BLST_SUCCESS || blst_p2_affine_is_inf(&sa) ||
	    !blst_p2_affine_in_g2(&sa))
		return SIGIL_E_CRYPTO;
	if (scheme == SIGIL_BLS_PROOF) {
		if (len != 0 && (len != pklen || memcmp(msg, pk, pklen) != 0))
			return SIGIL_E_INVALID;
		msg = pk;
		len = pklen;
	} else if (scheme == SIGIL_BLS_AUG) {
		aug = pk;
		aug_len = pklen;
	}
	if (msg == NULL)
		msg = empty_msg;
	if (blst_core_verify_pk_in_g1(&pa, &sa, true, msg, len, (const uint8_t *)dst, dst_len, aug,
	                              aug_len) != BLST_SUCCESS)
		return SIGIL_E_CRYPTO;
	return 0;
}
