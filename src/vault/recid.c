/* vault_sig_recid (vault.h): the recovery id of a signature a back end
 * made where sigil could not see. */
#include "vault/vault.h"

#include "base/errors.h"
#include "base/log.h"

int
vault_sig_recid(const struct vault_key *k, enum sigil_scheme scheme, const uint8_t *msg,
                size_t len, bool wanted, struct vault_sig *out)
{
	out->recid = -1;
	if (!wanted || scheme != SIGIL_SCHEME_PLAIN || len != 32 || out->len != 64 ||
	    (k->type != SIGIL_KEY_SECP256K1 && k->type != SIGIL_KEY_P256))
		return 0;
	if (sigil_ecdsa_recid(k->type, k->pk, k->pk_len, msg, out->sig, &out->recid) != 0) {
		/* No id gives the key back: the signature is not this key's. */
		log_error("key %s: the back end's signature does not recover to the key", k->name);
		return SIGIL_E_CRYPTO;
	}
	return 0;
}
