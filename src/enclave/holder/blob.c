/* Encrypted keys (blob.h). */
#include "enclave/holder/blob.h"

#include <cbor.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"

#define BLOB_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define BLOB_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
/* The CBOR PrivateKey: a one-entry map, a key type name of at most 9
 * characters and 32 bytes; generous room. */
#define BLOB_PLAIN_MAX 64

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == ENCLAVE_KEK_LEN, "KEK size");
_Static_assert(3 + SIGIL_PK_MAX + BLOB_NONCE + BLOB_PLAIN_MAX + BLOB_TAG <= ENCLAVE_BLOB_MAX,
               "a blob fits its ceiling");

static void
blob_reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

/* The CBOR PrivateKey of proto.h for sk, into plain (the caller wipes it).
 * The wire has a BLS scalar big-endian; sigil keeps it little-endian. */
static int
blob_plain_encode(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                  uint8_t plain[static BLOB_PLAIN_MAX], size_t *plainlen)
{
	uint8_t wire[SIGIL_SECRET_LEN];
	cbor_item_t *map = NULL, *bytes = NULL;
	const char *name = enclave_key_type_name(t);
	int rc = SIGIL_E_NOMEM;
	size_t n;

	*plainlen = 0;
	if (name == NULL)
		return SIGIL_E_INVALID;
	if (t == SIGIL_KEY_BLS)
		blob_reverse(wire, sk, sizeof(wire));
	else
		memcpy(wire, sk, sizeof(wire));
	if ((map = cbor_new_definite_map(1)) == NULL ||
	    (bytes = cbor_build_bytestring(wire, sizeof(wire))) == NULL)
		goto out;
	{
		cbor_item_t *key = cbor_build_string(name);
		bool added;
		if (key == NULL)
			goto out;
		added = cbor_map_add(map, (struct cbor_pair){.key = key, .value = bytes});
		cbor_decref(&key);
		if (!added)
			goto out;
	}
	n = cbor_serialize(map, plain, BLOB_PLAIN_MAX);
	if (n == 0) {
		rc = SIGIL_E_INTERNAL;
		goto out;
	}
	*plainlen = n;
	rc = 0;
out:
	if (bytes != NULL) {
		/* libcbor's copy of the secret, in its own heap block. */
		sodium_memzero(cbor_bytestring_handle(bytes), cbor_bytestring_length(bytes));
		cbor_decref(&bytes);
	}
	if (map != NULL)
		cbor_decref(&map);
	sodium_memzero(wire, sizeof(wire));
	return rc;
}

/* The secret of the CBOR PrivateKey plain, which must be of type t. */
static int
blob_plain_decode(const uint8_t *plain, size_t len, enum sigil_key_type t,
                  uint8_t sk[static SIGIL_SECRET_LEN], char *why, size_t whylen)
{
	struct cbor_load_result res;
	cbor_item_t *root = cbor_load(plain, len, &res);
	struct cbor_pair *pair;
	int rc = SIGIL_E_INVALID;

	if (root == NULL || res.error.code != CBOR_ERR_NONE || res.read != len) {
		snprintf(why, whylen, "the decrypted key is not CBOR");
		goto out;
	}
	if (!cbor_isa_map(root) || cbor_map_size(root) != 1) {
		snprintf(why, whylen, "the decrypted key is not a PrivateKey map");
		goto out;
	}
	pair = cbor_map_handle(root);
	if (!cbor_isa_string(pair[0].key) || !cbor_string_is_definite(pair[0].key) ||
	    enclave_key_type_from_name((const char *)cbor_string_handle(pair[0].key),
	                               cbor_string_length(pair[0].key)) != (int)t) {
		snprintf(why, whylen, "the decrypted key is not of the type its header says");
		goto out;
	}
	if (!cbor_isa_bytestring(pair[0].value) || !cbor_bytestring_is_definite(pair[0].value) ||
	    cbor_bytestring_length(pair[0].value) != SIGIL_SECRET_LEN) {
		snprintf(why, whylen, "the decrypted key is not 32 bytes");
		goto out;
	}
	if (t == SIGIL_KEY_BLS)
		blob_reverse(sk, cbor_bytestring_handle(pair[0].value), SIGIL_SECRET_LEN);
	else
		memcpy(sk, cbor_bytestring_handle(pair[0].value), SIGIL_SECRET_LEN);
	rc = 0;
out:
	if (root != NULL) {
		if (cbor_isa_map(root) && cbor_map_size(root) == 1) {
			cbor_item_t *v = cbor_map_handle(root)[0].value;
			if (cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v))
				sodium_memzero(cbor_bytestring_handle(v), cbor_bytestring_length(v));
		}
		cbor_decref(&root);
	}
	return rc;
}

int
enclave_blob_seal(const uint8_t kek[static ENCLAVE_KEK_LEN], enum sigil_key_type t,
                  const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *pk, size_t pklen,
                  uint8_t out[static ENCLAVE_BLOB_MAX], size_t *outlen)
{
	uint8_t plain[BLOB_PLAIN_MAX];
	size_t plainlen, hdr = 3 + pklen;
	unsigned long long clen = 0;
	int rc;

	*outlen = 0;
	if (pklen == 0 || pklen > SIGIL_PK_MAX || (unsigned)t >= SIGIL_KEY_TYPES)
		return SIGIL_E_INVALID;
	if ((rc = blob_plain_encode(t, sk, plain, &plainlen)) != 0)
		return rc;
	out[0] = ENCLAVE_BLOB_VERSION;
	out[1] = (uint8_t)t;
	out[2] = (uint8_t)pklen;
	memcpy(out + 3, pk, pklen);
	randombytes_buf(out + hdr, BLOB_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + hdr + BLOB_NONCE, &clen, plain, plainlen,
	                                           out, hdr, NULL, out + hdr, kek);
	sodium_memzero(plain, sizeof(plain));
	*outlen = hdr + BLOB_NONCE + (size_t)clen;
	return 0;
}

int
enclave_blob_open(const uint8_t kek[static ENCLAVE_KEK_LEN], const uint8_t *blob, size_t len,
                  enum sigil_key_type *t, uint8_t sk[static SIGIL_SECRET_LEN],
                  uint8_t pk[static SIGIL_PK_MAX], size_t *pklen, char *why, size_t whylen)
{
	uint8_t plain[BLOB_PLAIN_MAX], derived[SIGIL_PK_MAX];
	unsigned long long plainlen = 0;
	size_t hdr, dlen = 0;
	int rc = SIGIL_E_INVALID;

	sodium_memzero(sk, SIGIL_SECRET_LEN);
	*pklen = 0;
	if (len < 3) {
		snprintf(why, whylen, "encrypted key too short (%zu bytes)", len);
		return SIGIL_E_INVALID;
	}
	if (blob[0] != ENCLAVE_BLOB_VERSION) {
		snprintf(why, whylen, "encrypted key of unknown format version %u", blob[0]);
		return SIGIL_E_INVALID;
	}
	if (blob[1] >= SIGIL_KEY_TYPES || blob[2] == 0 || blob[2] > SIGIL_PK_MAX) {
		snprintf(why, whylen, "encrypted key with a bad header");
		return SIGIL_E_INVALID;
	}
	hdr = 3 + (size_t)blob[2];
	if (len < hdr + BLOB_NONCE + BLOB_TAG || len - hdr - BLOB_NONCE - BLOB_TAG > BLOB_PLAIN_MAX) {
		snprintf(why, whylen, "encrypted key of a bad length (%zu bytes)", len);
		return SIGIL_E_INVALID;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plainlen, NULL, blob + hdr + BLOB_NONCE,
	                                               len - hdr - BLOB_NONCE, blob, hdr,
	                                               blob + hdr, kek) != 0) {
		snprintf(why, whylen, "encrypted key does not decrypt under this key holder's KEK "
		         "(sealed under another, or altered)");
		return SIGIL_E_PASSPHRASE;
	}
	*t = (enum sigil_key_type)blob[1];
	if ((rc = blob_plain_decode(plain, (size_t)plainlen, *t, sk, why, whylen)) != 0)
		goto out;
	if (sigil_pubkey(*t, sk, derived, &dlen) != 0 || dlen != blob[2] ||
	    sodium_memcmp(derived, blob + 3, dlen) != 0) {
		snprintf(why, whylen, "encrypted key's secret does not match its public key");
		rc = SIGIL_E_CRYPTO;
		goto out;
	}
	memcpy(pk, blob + 3, dlen);
	*pklen = dlen;
	rc = 0;
out:
	sodium_memzero(plain, sizeof(plain));
	if (rc != 0)
		sodium_memzero(sk, SIGIL_SECRET_LEN);
	return rc;
}
