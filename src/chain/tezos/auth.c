#include "chain/tezos/auth.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

int
auth_message(const uint8_t pkh[static TZ_PKH_BIN_LEN], const uint8_t *data, size_t len,
             uint8_t *out, size_t outcap, size_t *outlen)
{
	*outlen = 0;
	if (outcap < 2 + TZ_PKH_BIN_LEN || len > outcap - 2 - TZ_PKH_BIN_LEN)
		return SIGIL_E_TOO_BIG;
	out[0] = 0x04;
	out[1] = 0x01;
	memcpy(out + 2, pkh, TZ_PKH_BIN_LEN);
	if (len > 0) /* data may be NULL then, which memcpy does not allow */
		memcpy(out + 2 + TZ_PKH_BIN_LEN, data, len);
	*outlen = 2 + TZ_PKH_BIN_LEN + len;
	return 0;
}

int
auth_check(const struct chain_pubkey *keys, size_t n, const uint8_t pkh[static TZ_PKH_BIN_LEN],
           const uint8_t *data, size_t len, const char *sig_b58)
{
	uint8_t sig[SIGIL_SIG_MAX], digest[32];
	size_t siglen, msglen;
	enum sigil_key_type t = SIGIL_KEY_ED25519;
	bool generic = false;
	uint8_t *msg = NULL;
	int rc;

	if (n == 0)
		return 0;
	if (sig_b58 == NULL || sig_b58[0] == '\0')
		return SIGIL_E_AUTH_REQUIRED;
	if (tz_sig_decode(sig_b58, strlen(sig_b58), &t, sig, &siglen, &generic) != 0)
		return SIGIL_E_AUTH;
	if ((msg = malloc(2 + TZ_PKH_BIN_LEN + len)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = auth_message(pkh, data, len, msg, 2 + TZ_PKH_BIN_LEN + len, &msglen)) != 0)
		goto out;
	sigil_blake2b(digest, sizeof(digest), msg, msglen);
	rc = SIGIL_E_AUTH;
	for (size_t i = 0; i < n && rc != 0; i++) {
		if (!generic && keys[i].type != t)
			continue;
		if (keys[i].type == SIGIL_KEY_BLS) {
			/* octez checks a tz4 key's authentication with the signature
			 * check of the current version: BLS POP over the raw bytes,
			 * not their blake2b digest. */
			if (sigil_bls_verify(keys[i].pk, keys[i].pk_len, SIGIL_BLS_POP, msg, msglen,
			                     sig, siglen) == 0)
				rc = 0;
			continue;
		}
		if (sigil_verify_digest(keys[i].type, keys[i].pk, keys[i].pk_len, digest, sig,
		                        siglen) == 0)
			rc = 0;
	}
out:
	free(msg);
	return rc;
}
