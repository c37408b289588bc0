/* Tezos forms of keys, addresses and signatures. */
#ifndef SIGIL_TZ_KEYS_H
#define SIGIL_TZ_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/b58.h"
#include "crypto/sig.h"

#define TZ_PKH_LEN 20
/* The 21-byte binary form used in operations and authentication:
 * tag (0 ed25519, 1 secp256k1, 2 p256, 3 bls) then the 20-byte hash. */
#define TZ_PKH_BIN_LEN 21

/* blake2b-160 of the public key. */
void tz_pkh(const uint8_t *pk, size_t pklen, uint8_t pkh[static TZ_PKH_LEN]);

/* "tz1…" etc. for a type and 20-byte hash. */
__attribute__((warn_unused_result)) int
tz_pkh_encode(enum sigil_key_type t, const uint8_t pkh[static TZ_PKH_LEN], char *out,
              size_t outcap);
/* Parses "tz1…|tz2…|tz3…|tz4…"; fills type and hash. */
__attribute__((warn_unused_result)) int
tz_pkh_decode(const char *s, size_t slen, enum sigil_key_type *t,
              uint8_t pkh[static TZ_PKH_LEN]);

/* "edpk…|sppk…|p2pk…|BLpk…" and back. */
__attribute__((warn_unused_result)) int
tz_pk_encode(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t outcap);
__attribute__((warn_unused_result)) int
tz_pk_decode(const char *s, size_t slen, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen);

/* "edsig…|spsig1…|p2sig…|BLsig…" for a signature of that type. */
__attribute__((warn_unused_result)) int
tz_sig_encode(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t outcap);
/* Parses a typed signature, or a generic "sig…" (64 bytes; the caller's key
 * type then decides how to read it: *t is left as given in that case). */
__attribute__((warn_unused_result)) int
tz_sig_decode(const char *s, size_t slen, enum sigil_key_type *t, uint8_t sig[static SIGIL_SIG_MAX],
              size_t *siglen, bool *generic);

/* Parses a secret key: "edsk…" (32-byte seed or 64-byte seed||pk),
 * "spsk…", "p2sk…", "BLsk…" (little-endian scalar, stored as given), or the
 * encrypted "edesk…|spesk…|p2esk…|BLesk…" forms octez-client writes
 * (decrypted with passphrase; SIGIL_E_PASSPHRASE when it does not open).
 * The secret goes to sk, which the caller keeps in locked memory. */
__attribute__((warn_unused_result)) int
tz_sk_decode(const char *s, size_t slen, const char *passphrase, enum sigil_key_type *t,
             uint8_t sk[static SIGIL_SECRET_LEN]);
/* Whether s is written in one of the encrypted forms (edesk…, spesk…,
 * p2esk…, BLesk…), judged by its prefix alone: base58check gives every
 * payload of a prefix's length the same leading characters. */
bool tz_sk_is_encrypted(const char *s, size_t slen);

/* "edsk…" (32-byte seed form), "spsk…", "p2sk…", "BLsk…". */
__attribute__((warn_unused_result)) int
tz_sk_encode(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN], char *out,
             size_t outcap);
/* The encrypted octez-client form: salt(8) || secretbox(sk) with a key from
 * PBKDF2-HMAC-SHA512(passphrase, salt, 32768), zero nonce. */
__attribute__((warn_unused_result)) int
tz_sk_encrypt(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
              const char *passphrase, char *out, size_t outcap);

/* A PEM PKCS#8 (or SEC1 "EC PRIVATE KEY") private key: Ed25519, secp256k1 or
 * P-256. */
__attribute__((warn_unused_result)) int
tz_sk_from_pem(const char *pem, size_t len, enum sigil_key_type *t,
               uint8_t sk[static SIGIL_SECRET_LEN]);

#endif
