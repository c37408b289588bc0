/* tz4 (BLS12-381) signing for the vaults that hold plaintext secrets: the
 * vault's scheme names the ciphersuite, crypto/sig.h does the work. */
#include <string.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "vault/file_format.h"

int
vault_bls_sign(enum sigil_key_type t, const uint8_t *sk, const uint8_t *pk, size_t pklen,
               enum vault_scheme scheme, const uint8_t *msg, size_t len,
               uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen)
{
	int bls_scheme, rc;

	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	switch (scheme) {
	case VAULT_SIGN_BLS_POP:
		bls_scheme = SIGIL_BLS_POP;
		break;
	case VAULT_SIGN_BLS_AUG:
		bls_scheme = SIGIL_BLS_AUG;
		break;
	case VAULT_SIGN_BLS_PROOF:
		bls_scheme = SIGIL_BLS_PROOF;
		break;
	default:
		return SIGIL_E_INVALID;
	}
	/* A BLS scheme asked of a tz1-3 key is the caller's mistake, not a
	 * signature to attempt with an Ed25519 seed read as a scalar. */
	if (t != SIGIL_KEY_BLS)
		return SIGIL_E_INVALID;
	if (sk == NULL || pk == NULL || pklen != SIGIL_BLS_PK_LEN)
		return SIGIL_E_INVALID;
	/* pk is not used to sign: AUG and the proof derive it again from sk,
	 * which the file vault also did when it described the key at open, so
	 * the two cannot disagree. No verify-after-sign: its two pairings cost
	 * about three signatures (blst: ~2700 signs/s, ~840 verifies/s on one
	 * core here), on the baking path. */
	if ((rc = sigil_bls_sign(sk, bls_scheme, msg, len, sig)) != 0)
		return rc;
	*siglen = SIGIL_BLS_SIG_LEN;
	return 0;
}
