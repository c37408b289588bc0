/* tz4 (BLS12-381) signing lands with its own issue; until then the vault
 * refuses BLS schemes with a clear code. */
#include "core/errors.h"
#include "vault/file_format.h"

int
vault_bls_sign(enum sigil_key_type t, const uint8_t *sk, const uint8_t *pk, size_t pklen,
               enum vault_scheme scheme, const uint8_t *msg, size_t len,
               uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen)
{
	(void)t, (void)sk, (void)pk, (void)pklen, (void)scheme, (void)msg, (void)len, (void)sig;
	*siglen = 0;
	return SIGIL_E_UNSUPPORTED;
}
