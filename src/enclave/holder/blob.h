/* Encrypted keys, the only form in which a key leaves sigil-enclave.
 *
 *   blob = version (1) ‖ key type (1) ‖ pk_len (1) ‖ pk ‖ nonce (24)
 *          ‖ XChaCha20-Poly1305(KEK, nonce, ad, CBOR PrivateKey) (with its 16-byte tag)
 *   ad   = version ‖ key type ‖ pk_len ‖ pk
 *
 * The plaintext is the CBOR PrivateKey of proto.h ({"Ed25519": seed}, …).
 * The public key travels in clear, so that whoever stores the blob can tell
 * which key it is, and is bound to the secret by the AEAD: a blob whose
 * header was altered, or that was sealed under another KEK, does not open;
 * one that opens but whose secret does not give that public key (which a
 * KEK holder alone could make) is refused as well. The version byte lets
 * the format change: a blob of an unknown version is refused by name. */
#ifndef SIGIL_ENCLAVE_BLOB_H
#define SIGIL_ENCLAVE_BLOB_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"
#include "enclave/kek/kek.h"
#include "enclave/proto.h"

#define ENCLAVE_BLOB_VERSION 1

/* Seals sk (type t, whose public key is pk) under kek into out. */
__attribute__((warn_unused_result)) int
enclave_blob_seal(const uint8_t kek[static ENCLAVE_KEK_LEN], enum sigil_key_type t,
                  const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *pk, size_t pklen,
                  uint8_t out[static ENCLAVE_BLOB_MAX], size_t *outlen);

/* Opens a blob: its type, secret (into sk, which the caller keeps in
 * locked memory and wipes) and public key. SIGIL_E_INVALID for a blob that
 * is malformed or of an unknown version, SIGIL_E_PASSPHRASE when it does
 * not decrypt under kek (another KEK, or altered), SIGIL_E_CRYPTO when its
 * secret does not match its public key; why says which, without a secret.
 * sk is zeroed on failure. */
__attribute__((warn_unused_result)) int
enclave_blob_open(const uint8_t kek[static ENCLAVE_KEK_LEN], const uint8_t *blob, size_t len,
                  enum sigil_key_type *t, uint8_t sk[static SIGIL_SECRET_LEN],
                  uint8_t pk[static SIGIL_PK_MAX], size_t *pklen, char *why, size_t whylen);

#endif
