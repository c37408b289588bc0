/* BIP-340 Schnorr and the BIP-341 taproot tweak over libsecp256k1
 * (crypto/bip340.h). A prepared secp256k1 key (secp256k1.c) holds a
 * secp256k1_keypair in locked memory; the tweaked keypair exists only on
 * the stack of one signature and is wiped with it. */
#include <stdbool.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/bip340.h"
#include "crypto/sig_impl.h"

void
sigil_taproot_tweak(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *merkle_root,
                    uint8_t tweak[static 32])
{
	static const char tag[] = "TapTweak";
	uint8_t th[32], pre[64 + 64];
	size_t n = 0;

	/* H_tag(m) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ m) (BIP-340). */
	crypto_hash_sha256(th, (const uint8_t *)tag, sizeof(tag) - 1);
	memcpy(pre, th, 32);
	memcpy(pre + 32, th, 32);
	memcpy(pre + 64, xonly, 32);
	n = 96;
	if (merkle_root != NULL) {
		memcpy(pre + 96, merkle_root, 32);
		n = 128;
	}
	crypto_hash_sha256(tweak, pre, n);
}

int
sigil_taproot_output_key(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *merkle_root,
                         uint8_t out[static SIGIL_XONLY_LEN], int *parity)
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_xonly_pubkey in, q;
	secp256k1_pubkey full;
	uint8_t t[32];
	int par = 0;

	memset(out, 0, SIGIL_XONLY_LEN);
	if (parity != NULL)
		*parity = 0;
	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (!secp256k1_xonly_pubkey_parse(ctx, &in, xonly))
		return SIGIL_E_CRYPTO;
	sigil_taproot_tweak(xonly, merkle_root, t);
	/* Fails when t >= n or P + tG is infinity (BIP-341: the output is
	 * then unspendable by key; with a hash, never in practice). */
	if (!secp256k1_xonly_pubkey_tweak_add(ctx, &full, &in, t) ||
	    !secp256k1_xonly_pubkey_from_pubkey(ctx, &q, &par, &full) ||
	    !secp256k1_xonly_pubkey_serialize(ctx, out, &q))
		return SIGIL_E_CRYPTO;
	if (parity != NULL)
		*parity = par;
	return 0;
}

int
sigil_xonly_from_compressed(const uint8_t *pk, size_t pklen, uint8_t xonly[static SIGIL_XONLY_LEN])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_pubkey p;

	memset(xonly, 0, SIGIL_XONLY_LEN);
	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (pk == NULL || pklen != 33 || (pk[0] != 0x02 && pk[0] != 0x03))
		return SIGIL_E_INVALID;
	if (!secp256k1_ec_pubkey_parse(ctx, &p, pk, pklen))
		return SIGIL_E_CRYPTO;
	memcpy(xonly, pk + 1, SIGIL_XONLY_LEN);
	return 0;
}

/* Signs msg with kp (already tweaked or not), then checks the signature
 * against kp's own x-only key before handing it out. */
static int
bip340_sign_kp(const secp256k1_context *ctx, const secp256k1_keypair *kp, const uint8_t msg[32],
               const uint8_t *aux, uint8_t sig[64])
{
	static const uint8_t zero[32];
	secp256k1_xonly_pubkey xq;

	if (!secp256k1_schnorrsig_sign32(ctx, sig, msg, kp, aux != NULL ? aux : zero))
		return SIGIL_E_CRYPTO;
	if (!secp256k1_keypair_xonly_pub(ctx, &xq, NULL, kp) ||
	    !secp256k1_schnorrsig_verify(ctx, sig, msg, 32, &xq))
		return SIGIL_E_CRYPTO;
	return 0;
}

/* The keypair's x-only key tweaked with H_TapTweak, into kp itself. */
static int
bip340_tweak_kp(const secp256k1_context *ctx, secp256k1_keypair *kp, const uint8_t *merkle_root)
{
	secp256k1_xonly_pubkey xp;
	uint8_t x[32], t[32];

	if (!secp256k1_keypair_xonly_pub(ctx, &xp, NULL, kp) ||
	    !secp256k1_xonly_pubkey_serialize(ctx, x, &xp))
		return SIGIL_E_CRYPTO;
	sigil_taproot_tweak(x, merkle_root, t);
	/* keypair_xonly_tweak_add negates the secret first when P has odd y,
	 * as BIP-341's taproot_tweak_seckey does. */
	return secp256k1_keypair_xonly_tweak_add(ctx, kp, t) ? 0 : SIGIL_E_CRYPTO;
}

/* Signs with a copy of kp, tweaked when asked; the copy is wiped. */
static int
bip340_sign_copy(const secp256k1_keypair *src, bool tweak, const uint8_t *merkle_root,
                 const uint8_t msg[32], const uint8_t *aux, uint8_t sig[64])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_keypair kp;
	int rc;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	memcpy(&kp, src, sizeof(kp));
	rc = tweak ? bip340_tweak_kp(ctx, &kp, merkle_root) : 0;
	if (rc == 0)
		rc = bip340_sign_kp(ctx, &kp, msg, aux, sig);
	sodium_memzero(&kp, sizeof(kp));
	return rc;
}

/* A keypair made from sk for one signature: the plain or tweaked sign. */
static int
bip340_sign_sk(const uint8_t sk[32], bool tweak, const uint8_t *merkle_root,
               const uint8_t msg[32], const uint8_t *aux, uint8_t sig[64])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_keypair kp;
	int rc = SIGIL_E_CRYPTO;

	memset(sig, 0, 64);
	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (secp256k1_keypair_create(ctx, &kp, sk))
		rc = bip340_sign_copy(&kp, tweak, merkle_root, msg, aux, sig);
	sodium_memzero(&kp, sizeof(kp));
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0)
		memset(sig, 0, 64);
	return rc;
}

int
sigil_bip340_sign(const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t msg[static 32],
                  const uint8_t *aux, uint8_t sig[static SIGIL_BIP340_SIG_LEN])
{
	return bip340_sign_sk(sk, false, NULL, msg, aux, sig);
}

int
sigil_bip340_sign_taproot(const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *merkle_root,
                          const uint8_t msg[static 32], uint8_t sig[static SIGIL_BIP340_SIG_LEN])
{
	return bip340_sign_sk(sk, true, merkle_root, msg, NULL, sig);
}

int
sigil_key_bip340_sign_taproot(const struct sigil_key *k, const uint8_t *merkle_root,
                              const uint8_t msg[static 32], uint8_t sig[static SIGIL_BIP340_SIG_LEN])
{
	int rc;

	memset(sig, 0, SIGIL_BIP340_SIG_LEN);
	if (k == NULL || k->impl != &sigil_secp256k1_impl)
		return SIGIL_E_UNSUPPORTED;
	/* secp256k1.c keeps a secp256k1_keypair as the key's secret. */
	rc = bip340_sign_copy(k->secret, true, merkle_root, msg, NULL, sig);
	sodium_stackzero(SIGIL_STACK_SCRUB);
	if (rc != 0)
		memset(sig, 0, SIGIL_BIP340_SIG_LEN);
	return rc;
}

int
sigil_bip340_verify(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *msg, size_t len,
                    const uint8_t sig[static SIGIL_BIP340_SIG_LEN])
{
	const secp256k1_context *ctx = sigil_secp256k1_ctx();
	secp256k1_xonly_pubkey p;

	if (ctx == NULL)
		return SIGIL_E_INTERNAL;
	if (msg == NULL && len != 0)
		return SIGIL_E_INVALID;
	if (!secp256k1_xonly_pubkey_parse(ctx, &p, xonly))
		return SIGIL_E_CRYPTO;
	return secp256k1_schnorrsig_verify(ctx, sig, msg, len, &p) ? 0 : SIGIL_E_CRYPTO;
}
