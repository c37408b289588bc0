/* Vaults: where secret keys live. The core sees keys only through
 * struct vault_ops; how a back end signs is its own business. */
#ifndef SIGIL_VAULT_H
#define SIGIL_VAULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/b58.h"
#include "chain/tezos/keys.h"
#include "crypto/sig.h"

/* What a signature is over. */
enum vault_scheme {
	VAULT_SIGN_DIGEST = 0, /* tz1-3: msg is the 32-byte blake2b digest */
	VAULT_SIGN_BLS_POP,    /* tz4 version 2: raw bytes, POP ciphersuite */
	VAULT_SIGN_BLS_AUG,    /* tz4 version 1: pk || raw bytes, AUG ciphersuite */
	VAULT_SIGN_BLS_PROOF,  /* tz4 proof of possession of the public key */
};

struct vault_key {
	char name[64];
	enum sigil_key_type type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
	uint8_t pkh[TZ_PKH_LEN];
	char address[40];          /* tz1… */
	char public_key[TZ_B58_MAX]; /* edpk… */
	/* The same bytes always give the same signature (RFC 8032, RFC 6979,
	 * BLS). The signing path relies on it for identical requests, and
	 * stores the signature durably for keys without it (watermark.h). */
	bool deterministic;
};

struct vault;

struct vault_ops {
	const char *name;
	size_t (*count)(const struct vault *v);
	const struct vault_key *(*key)(const struct vault *v, size_t i);
	/* Signs with key i; sig holds SIGIL_SIG_MAX bytes. */
	int (*sign)(struct vault *v, size_t i, enum vault_scheme scheme, const uint8_t *msg,
	            size_t len, uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen);
	/* Optional (NULL: not offered), Ed25519 keys with VAULT_SIGN_DIGEST only,
	 * SIGIL_E_UNSUPPORTED for others: sign in two halves (sig.h,
	 * sigil_ed25519_commit/finish), so that the costly half can be done
	 * while the request waits on its watermark. sign_committed refuses a
	 * nonce made for another key or message (SIGIL_E_INVALID). A vault
	 * offers them only for keys it signs with in memory, deriving the
	 * nonce from the key and the message (RFC 8032): sign.c relies on
	 * such a signature being the same whenever the bytes are. */
	int (*commit)(struct vault *v, size_t i, const uint8_t *msg, size_t len,
	              uint8_t nonce[static SIGIL_ED25519_NONCE_LEN]);
	int (*sign_committed)(struct vault *v, size_t i,
	                      const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN],
	                      const uint8_t *msg, size_t len, uint8_t sig[static SIGIL_SIG_MAX],
	                      size_t *siglen);
	/* 0 when the vault can sign now; optional (NULL means always). */
	int (*ready)(struct vault *v);
	/* Wipes every secret and frees the vault. */
	void (*close)(struct vault *v);
};

struct vault {
	const struct vault_ops *ops;
};

/* ---- drivers, by name ----------------------------------------------
 * A vault back end fills one struct vault_driver and adds one line to the
 * table in vault/registry.c. */

/* What the configuration says of one vault (paths resolved against
 * base_dir). The passphrase, when the driver uses one, comes from
 * SIGIL_PASSPHRASE, the passphrase file or a prompt (core/context.c). */
struct vault_config {
	const char *name;       /* the vault's name in the config */
	const char *path;       /* config.path */
	const char *passphrase; /* "" when none was given */
};

struct vault_driver {
	const char *name;
	/* Opens the vault; err says why not (no secret in it). */
	int (*open)(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen);
	/* Optional: stores a new key (sigil generate, import); info, when
	 * not NULL, describes it. */
	int (*add)(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
	           const uint8_t sk[static SIGIL_SECRET_LEN], struct vault_key *info, char *err,
	           size_t errlen);
};

/* The driver registered under name, or NULL. */
const struct vault_driver *vault_driver_find(const char *name);

#endif
