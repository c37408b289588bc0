/* The clear header of an encrypted key (proto.h, enclave_blob_public). */
#include "enclave/proto.h"

#include <string.h>

#include "base/errors.h"

/* version (1) ‖ key type (1) ‖ pk_len (1) ‖ pk ‖ nonce (24) ‖ ciphertext
 * with its 16-byte tag: enclave/holder/blob.h. */
#define BLOB_PUBLIC_VERSION 1
#define BLOB_PUBLIC_TAIL (24 + 16)

int
enclave_blob_public(const uint8_t *blob, size_t len, enum sigil_key_type *t,
                    uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	*pklen = 0;
	if (len < 3 || len > ENCLAVE_BLOB_MAX || blob[0] != BLOB_PUBLIC_VERSION ||
	    blob[1] >= SIGIL_KEY_TYPES || blob[2] == 0 || blob[2] > SIGIL_PK_MAX ||
	    len < 3 + (size_t)blob[2] + BLOB_PUBLIC_TAIL)
		return SIGIL_E_INVALID;
	*t = (enum sigil_key_type)blob[1];
	memcpy(pk, blob + 3, blob[2]);
	*pklen = blob[2];
	return 0;
}
