/* The pkcs11 vault: keys that never leave a PKCS#11 token (an HSM, a
 * YubiHSM 2, SoftHSM2 for trying it). The module is dlopen()ed and
 * initialised with the OS's locking; a pool of sessions of the one logged
 * in user signs, so that requests do not queue on one session. Keys are
 * the token's private keys (EC: secp256k1 and P-256, CKM_ECDSA over the
 * blake2b digest, made low-S; Edwards: Ed25519, CKM_EDDSA), optionally
 * chosen by label and id; each public key is read from the token
 * (CKA_EC_POINT, CKA_EC_PARAMS: der.h). Signatory's field names and
 * environment variables. */
#ifndef SIGIL_VAULT_PKCS11_H
#define SIGIL_VAULT_PKCS11_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vault/vault.h"

#define P11_SESSIONS_MAX 64
#define P11_ID_MAX 64

/* What a vault's settings (and the environment) say, checked. pin is
 * locked memory; p11_params_free wipes it. */
struct p11_params {
	char library[4096];
	char *pin;
	bool has_slot;
	unsigned long slot;
	char token_label[33];
	char label[256];
	uint8_t id[P11_ID_MAX];
	size_t id_len;
	unsigned sessions;
};
int p11_params_read(const struct vault_config *cfg, struct p11_params *p, char *err,
                    size_t errlen);
void p11_params_free(struct p11_params *p);

extern const struct vault_driver vault_pkcs11_driver;

int vault_pkcs11_open(const struct vault_config *cfg, struct vault **out, char *err,
                      size_t errlen);
/* A key pair of type t made in the token, labelled key_name, with a random
 * CKA_ID, its private half sensitive and not extractable (vault.h,
 * vault_driver.generate). */
int vault_pkcs11_generate(const struct vault_config *cfg, const char *key_name,
                          enum sigil_key_type t, struct vault_key *info, char *err,
                          size_t errlen);
/* sk, a secret of type t, written into the token as a key pair labelled
 * key_name (vault_driver.add): the private half sensitive and not
 * extractable, read back and checked against sk's public key; on any
 * failure nothing of it stays on the token. sklen must be
 * SIGIL_SECRET_LEN: a token's EC key is its 32-byte scalar or seed, and
 * the longer forms (sig.h) are refused (SIGIL_E_UNSUPPORTED). */
int vault_pkcs11_add(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
                     const uint8_t *sk, size_t sklen, struct vault_key *info, char *err,
                     size_t errlen);

#endif
