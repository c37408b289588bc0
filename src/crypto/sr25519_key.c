/* sr25519 keys behind sig.h (sig_impl.h): a key's secret is its 32-byte
 * mini secret, as sigil_keygen makes it and a vault keeps it (the form
 * `subkey` and polkadot-js's seeds take), expanded once into schnorrkel's
 * 64-byte secret key in locked memory when the key is prepared. Or, the
 * wide form, the 64-byte secret key in the ed25519 form (polkadot-js's
 * secretKey: 8x ‖ nonce seed), for a key whose mini secret is gone or
 * never was (a derived key): read into the same 64 bytes, it signs as the
 * mini secret it came from would, byte for byte. Signatures
 * are over messages of any length under Substrate's signing context; the
 * chain (chain/polkadot) decides what the message is. */
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig_impl.h"
#include "crypto/sr25519.h"

static int
sr_keygen(uint8_t sk[SIGIL_SECRET_LEN])
{
	randombytes_buf(sk, SIGIL_SECRET_LEN);
	return 0;
}

static int
sr_pubkey(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX])
{
	uint8_t x[SIGIL_SR25519_SK_LEN];
	int rc = sigil_sr25519_expand_mini(sk, x);

	if (rc == 0)
		rc = sigil_sr25519_public(x, pk);
	sodium_memzero(x, sizeof(x));
	return rc;
}

/* The public key of k->secret, already filled: always derived here, and a
 * given one must equal it (one base-point multiplication per key when a
 * vault opens). */
static int
sr_prepared(struct sigil_key *k, const uint8_t *pk)
{
	int rc;

	if ((rc = sigil_sr25519_public(k->secret, k->pk)) != 0)
		return rc;
	if (pk != NULL && sodium_memcmp(pk, k->pk, SIGIL_SR25519_PK_LEN) != 0)
		return SIGIL_E_CRYPTO;
	k->pk_len = SIGIL_SR25519_PK_LEN;
	return 0;
}

static int
sr_prepare(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk)
{
	int rc = sigil_sr25519_expand_mini(sk, k->secret);

	return rc != 0 ? rc : sr_prepared(k, pk);
}

static int
sr_pubkey_wide(const uint8_t *ed, uint8_t pk[SIGIL_PK_MAX])
{
	uint8_t x[SIGIL_SR25519_SK_LEN];
	int rc = sigil_sr25519_from_ed25519_bytes(ed, x);

	if (rc == 0)
		rc = sigil_sr25519_public(x, pk);
	sodium_memzero(x, sizeof(x));
	return rc;
}

static int
sr_prepare_wide(struct sigil_key *k, const uint8_t *ed, const uint8_t *pk)
{
	int rc = sigil_sr25519_from_ed25519_bytes(ed, k->secret);

	return rc != 0 ? rc : sr_prepared(k, pk);
}

static int
sr_sign_msg(const struct sigil_key *k, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	static const char ctx[] = SIGIL_SR25519_CTX_SUBSTRATE;

	return sigil_sr25519_sign(k->secret, k->pk, (const uint8_t *)ctx, sizeof(ctx) - 1, msg, len,
	                          sig);
}

static int
sr_verify_msg(const uint8_t *pk, size_t pklen, const uint8_t *msg, size_t len,
              const uint8_t sig[64])
{
	static const char ctx[] = SIGIL_SR25519_CTX_SUBSTRATE;

	if (pklen != SIGIL_SR25519_PK_LEN)
		return SIGIL_E_INVALID;
	return sigil_sr25519_verify(pk, (const uint8_t *)ctx, sizeof(ctx) - 1, msg, len, sig);
}

const struct sigil_key_impl sigil_sr25519_impl = {
	.type = SIGIL_KEY_SR25519,
	.name = "sr25519",
	.pk_len = SIGIL_SR25519_PK_LEN,
	.secret_size = SIGIL_SR25519_SK_LEN,
	.keygen = sr_keygen,
	.pubkey = sr_pubkey,
	.prepare = sr_prepare,
	.wide_len = SIGIL_SR25519_SK_LEN,
	.pubkey_wide = sr_pubkey_wide,
	.prepare_wide = sr_prepare_wide,
	.sign_msg = sr_sign_msg,
	.verify_msg = sr_verify_msg,
	.free = NULL,
};
