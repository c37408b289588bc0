/* Vaults: where secret keys live. The core sees keys only through
 * struct vault_ops; how a back end signs is its own business. */
#ifndef SIGIL_VAULT_H
#define SIGIL_VAULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline.h"
#include "base/settings.h"
#include "crypto/sig.h"

/* A key as its vault describes it: no address (addresses are a chain's
 * business, core/keyring.h), only what the key is. */
struct vault_key {
	char name[64];
	/* Where the back end keeps it, for people (sigil list): a token's
	 * object id ("id=0a1b…"); "" when the name says it all. */
	char where[72];
	enum sigil_key_type type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
	/* The same bytes always give the same signature (RFC 8032, RFC 6979,
	 * BLS). The signing path relies on it for identical requests, and
	 * stores the signature durably for keys without it (watermark.h). */
	bool deterministic;
};

/* A signature as a vault makes it. */
struct vault_sig {
	uint8_t sig[SIGIL_SIG_MAX];
	size_t len;
	/* ECDSA's recovery id (0..3: bit 0 the parity of R's y, bit 1 set when
	 * R's x went past the group order), else -1. Ethereum writes it into
	 * its signatures. It may cost (a back end may have to recover the key
	 * to find it), so a vault fills it only when asked: the caller sets
	 * recid to VAULT_RECID_WANTED before sign, and gets the id where the
	 * vault knows it (ECDSA keys, SIGIL_SCHEME_PLAIN) or -1; with any other
	 * value on entry (the Tezos path), -1. The signature is the same bytes
	 * either way. */
	int recid;
};
#define VAULT_RECID_WANTED (-2)

/* For a back end whose signatures are made elsewhere (an HSM, the key
 * holder): when the caller wanted the recovery id (wanted: out->recid was
 * VAULT_RECID_WANTED on entry) and key k signs with ECDSA under scheme,
 * out->recid from the signature in out and k's public key (sig.h,
 * sigil_ecdsa_recid); else -1. SIGIL_E_CRYPTO when no id recovers k's key:
 * the signature is not k's, and must not be returned. */
int vault_sig_recid(const struct vault_key *k, enum sigil_scheme scheme, const uint8_t *msg,
                    size_t len, bool wanted, struct vault_sig *out);

/* How a vault's file names keys and reads secrets written as text: a
 * chain's forms, handed down by whoever opens the vault (core passes the
 * Tezos chain's). Any member may be NULL: the vault then does without
 * (no address in new entries; no import of such text). */
struct vault_codec {
	int (*address)(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out,
	               size_t cap);
	int (*public_key_text)(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out,
	                       size_t cap);
	/* A secret key written as text (with its passphrase when encrypted)
	 * into sk, which the caller keeps in locked memory. */
	int (*secret_parse)(const char *text, const char *passphrase, enum sigil_key_type *t,
	                    uint8_t sk[static SIGIL_SECRET_LEN]);
	/* Whether that text is in an encrypted form. */
	bool (*secret_encrypted)(const char *text);
};

struct vault;

/* A signature that a vault answers later (vault_ops.sign_async). */
struct vault_async {
	/* Called once, on the vault's own thread (never inside sign_async),
	 * with what sign would have returned, its signature in the out given
	 * to sign_async; or VAULT_WOULD_BLOCK: nothing was signed that will
	 * ever be handed out, and sign is the way on. The vault no longer
	 * touches a or out once it has called. */
	void (*done)(struct vault_async *a, int rc);
};
#define VAULT_PENDING 1     /* sign_async: a->done will say */
#define VAULT_WOULD_BLOCK 2 /* sign_async: nothing done; use sign */

struct vault_ops {
	const char *name;
	/* Signs in this process, in memory: no call waits on anything outside
	 * it (an HSM, a key holder, a KMS). Such a vault's requests without a
	 * watermark are signed on the thread that received them; any other's
	 * go to a worker (core/sign.h, sigil_sign_async). */
	bool local;
	size_t (*count)(const struct vault *v);
	const struct vault_key *(*key)(const struct vault *v, size_t i);
	/* Signs msg with key i under scheme (crypto/sig.h). A back end that
	 * leaves the machine answers by dl (SIGIL_E_TIMEOUT, nothing signed,
	 * when it cannot); dl may be NULL (no deadline). */
	int (*sign)(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg,
	            size_t len, const struct sigil_deadline *dl, struct vault_sig *out);
	/* Optional (NULL: not offered), for a vault that is not local: sign
	 * without waiting. VAULT_PENDING when a->done will answer (msg is
	 * copied; out and a stay the vault's until then), VAULT_WOULD_BLOCK
	 * when it cannot start without waiting (nothing done), else the
	 * outcome at once. Whoever calls it need not be allowed to block. */
	int (*sign_async)(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg,
	                  size_t len, const struct sigil_deadline *dl, struct vault_sig *out,
	                  struct vault_async *a);
	/* Optional (NULL: not offered), Ed25519 keys with SIGIL_SCHEME_PLAIN only,
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
	int (*ready)(struct vault *v, const struct sigil_deadline *dl);
	/* Optional: while the vault cannot sign, why (secret-free, for
	 * /healthz and the requests it refuses) into buf; its length, 0 when
	 * it has nothing to say. */
	size_t (*why_not_ready)(struct vault *v, char *buf, size_t cap);

	/* ---- optional key management (NULL: not offered) -------------------
	 * Each answers by dl like sign. A key made, imported or deleted here is
	 * in the back end's storage at once; a running sigild's key ring sees
	 * it at its next reload (the open vault's indices never move). */
	/* Key i's public key as the back end holds it (an HSM's object),
	 * rather than as key() describes it. */
	int (*public_key)(struct vault *v, size_t i, const struct sigil_deadline *dl,
	                  uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);
	/* A new key of type t under name, made by the back end (inside it,
	 * where it can); info, when not NULL, describes it. SIGIL_E_INVALID
	 * when the name or the key is taken. */
	int (*generate)(struct vault *v, const char *name, enum sigil_key_type t,
	                const struct sigil_deadline *dl, struct vault_key *info);
	/* Stores the secret sk of type t under name; as generate. */
	int (*import)(struct vault *v, const char *name, enum sigil_key_type t,
	              const uint8_t sk[static SIGIL_SECRET_LEN], const struct sigil_deadline *dl,
	              struct vault_key *info);
	/* Deletes the key named name from the back end's storage, for good.
	 * SIGIL_E_NOT_FOUND when there is none. */
	int (*delete_key)(struct vault *v, const char *name, const struct sigil_deadline *dl);
	/* Wipes every secret and frees the vault. */
	void (*close)(struct vault *v);
};

struct vault {
	const struct vault_ops *ops;
};

/* ---- drivers, by name ----------------------------------------------
 * A vault back end fills one struct vault_driver and adds one line to the
 * table in vault/registry.c. */

/* What the configuration says of one vault. */
struct vault_config {
	const char *name;       /* the vault's name in the config */
	/* Its `config:` map, as the driver's settings table declared it, with
	 * SETTING_PATH values resolved against base_dir. */
	const struct settings *settings;
	/* The passphrase, for a driver that declares passphrase_file: from
	 * SIGIL_PASSPHRASE, that file or a prompt (core/context.c); "" when
	 * none was given. */
	const char *passphrase;
	const struct vault_codec *codec; /* may be NULL */
	/* By when open (or add) must have answered, as vault_ops.sign's dl
	 * (a back end that logs in somewhere, an HSM, may wait); NULL: none. */
	const struct sigil_deadline *deadline;
};

struct vault_driver {
	const char *name;
	/* Whether the signatures of a vault of this driver are verified
	 * before they are returned when its config does not say
	 * (verify_signatures): on where a fault could go unseen (an HSM), off
	 * where sigil makes the signature itself. */
	bool verify_default;
	/* What its `config:` map may hold. The config loader refuses any
	 * other key, a value of the wrong type and a missing required one,
	 * naming the line; defaults are filled in. */
	const struct setting_spec *settings;
	size_t n_settings;
	/* Optional: checks the settings together (what one key alone cannot
	 * say) when the config is loaded; err says what is wrong. */
	int (*check)(const struct settings *s, char *err, size_t errlen);
	/* Opens the vault; err says why not (no secret in it). */
	int (*open)(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen);
	/* Optional: a new key of type t made inside the back end, so that its
	 * secret is never in this process (sigil generate prefers it to add);
	 * info, when not NULL, describes it. */
	int (*generate)(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
	                struct vault_key *info, char *err, size_t errlen);
	/* Optional: stores a new key (sigil generate, import) from its
	 * secret, sklen bytes: SIGIL_SECRET_LEN, or its type's longer form
	 * (sig.h, sigil_secret_len_ok), which a driver that cannot keep it
	 * refuses (SIGIL_E_UNSUPPORTED, err saying why); info, when not NULL,
	 * describes it. */
	int (*add)(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
	           const uint8_t *sk, size_t sklen, struct vault_key *info, char *err,
	           size_t errlen);
};

/* The driver registered under name, or NULL. */
const struct vault_driver *vault_driver_find(const char *name);

#endif
