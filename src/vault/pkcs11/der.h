/* Readers for two attributes of a PKCS#11 token's EC public key object
 * (internal to src/vault): CKA_EC_PARAMS, which names the curve, and
 * CKA_EC_POINT, the public key itself. Both come from the token, which is
 * not trusted to be well-formed, so they read DER strictly: lengths in
 * their shortest form, one element and nothing after it, hard ceilings, no
 * read past len, no allocation of ours. fuzz/fuzz_p11_der.c fuzzes both. */
#ifndef SIGIL_VAULT_PKCS11_DER_H
#define SIGIL_VAULT_PKCS11_DER_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

/* No ECParameters we read is longer: longer input is refused unread. */
#define P11_EC_PARAMS_MAX 1024
/* The longest CKA_EC_POINT we accept: 04 41 ‖ an uncompressed point. */
#define P11_EC_POINT_MAX 67

/* The curve of a DER ECParameters (CKA_EC_PARAMS) into *t: the namedCurve
 * OIDs 1.3.132.0.10 (secp256k1), 1.2.840.10045.3.1.7 (P-256) and
 * 1.3.101.112 (Ed25519), or the PrintableString or UTF8String
 * "edwards25519" that SoftHSM2 uses for Ed25519. SIGIL_E_UNSUPPORTED for
 * well-formed parameters of another curve (another OID, another name,
 * explicit parameters, implicitlyCA); SIGIL_E_INVALID for anything that is
 * not DER ECParameters, or is longer than P11_EC_PARAMS_MAX. *t is written
 * only on success. */
__attribute__((warn_unused_result)) int
p11_ec_params_curve(const uint8_t *der, size_t len, enum sigil_key_type *t);

/* The public key of type t from CKA_EC_POINT (len bytes at der), in the
 * form sigil_pubkey gives: Ed25519 its 32 bytes, secp256k1 and P-256 the
 * 33-byte compressed point. The attribute is a DER OCTET STRING holding
 * the point (Ed25519: 32 bytes; ECDSA: 04 ‖ X ‖ Y or 02/03 ‖ X), or the
 * point alone, as some modules give it; the length decides which (32 for
 * Ed25519, 33 or 65 for ECDSA are the point alone). The point must be on
 * its curve (Ed25519: the canonical encoding of a point of the
 * prime-order subgroup, crypto_core_ed25519_is_valid_point).
 * SIGIL_E_INVALID for anything else; SIGIL_E_UNSUPPORTED for a BLS key or a type this does not know;
 * SIGIL_E_NOMEM or SIGIL_E_INTERNAL when a library fails (P-256 goes
 * through OpenSSL, which allocates). pk is zeroed and *pklen is 0 on
 * failure. */
__attribute__((warn_unused_result)) int
p11_ec_point(enum sigil_key_type t, const uint8_t *der, size_t len,
             uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);

/* The other way, for a key sigil writes into a token: pk (in sigil_pubkey's
 * form) as a CKA_EC_POINT, a DER OCTET STRING of the point (Ed25519 its 32
 * bytes, ECDSA 04 ‖ X ‖ Y) into out, *outlen bytes. SIGIL_E_INVALID for a
 * point that is not on its curve. */
__attribute__((warn_unused_result)) int
p11_ec_point_der(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                 uint8_t out[static P11_EC_POINT_MAX], size_t *outlen);

#endif
