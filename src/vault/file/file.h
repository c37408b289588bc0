/* The file vault: registered as driver "file" (vault/registry.c); the CLI,
 * tools and tests also reach it directly. */
#ifndef SIGIL_VAULT_FILE_H
#define SIGIL_VAULT_FILE_H
#include "vault/vault.h"

extern const struct vault_driver vault_file_driver;
/* Its `config:` map: path (required), passphrase_file. A driver that wraps
 * the file vault (tests) declares the same. */
#define VAULT_FILE_N_SETTINGS 2
extern const struct setting_spec vault_file_settings[VAULT_FILE_N_SETTINGS];

/* --- the file vault ---------------------------------------------------
 * A JSON file, mode 0600:
 *   {"version":1,
 *    "kdf":{"alg":"argon2id13","salt":hex16,"opslimit":n,"memlimit":n},
 *    "keys":[{"name":s,"type":"ed25519|secp256k1|p256|bls|sr25519","address":"tz…",
 *             "public_key":"edpk…","nonce":hex24,"ciphertext":hex,
 *             "secret_form":"expanded" (optional)}]}
 * Each secret is XChaCha20-Poly1305 under one Argon2id key derived from the
 * passphrase, with name, type and address as associated data. A secret is
 * 32 bytes; an entry with "secret_form":"expanded" holds its type's 64-byte
 * form instead (sr25519: 8x ‖ nonce seed, polkadot-js's secretKey), and its
 * associated data ends with a NUL and "expanded": an entry without the
 * member reads as before it existed. Addresses and
 * public keys are written by the codec the caller passes (vault.h; sigil
 * passes the Tezos chain's, and "" is written without one). Signatory's
 * format ([{"name","value":"unencrypted:edsk…|encrypted:edesk…"}]) is read too
 * (through the codec; the label must match the key's form); its plaintext secrets are wiped
 * from every buffer the parse used (vault/file_format.h). */

/* Opens the vault at path and decrypts every key into locked memory.
 *
 * The open vault offers key management (vault.h: public_key, generate,
 * import, delete_key). It keeps path, a copy of passphrase (in locked
 * memory, wiped by close; a passphrase of VAULT_FILE_PASSPHRASE_MAX bytes
 * or more is refused, SIGIL_E_TOO_BIG) and the codec pointer, which must
 * outlive the vault. generate and import are vault_file_add, delete_key
 * is vault_file_delete, on that path with that passphrase: the file is
 * rewritten at once, but the open vault's keys stay as they were opened
 * (count, key and sign see neither a new key nor the loss of a deleted
 * one, and indices never move); opening the file again (a reload) picks
 * the changes up. */
#define VAULT_FILE_PASSPHRASE_MAX 4096
__attribute__((warn_unused_result)) int
vault_file_open(const char *path, const char *passphrase, const struct vault_codec *codec,
                struct vault **out);

/* Adds a key to the vault file at path (created 0600 if absent), rewriting it
 * atomically. vault_file_add_sized takes a secret of sklen bytes, which may
 * be its type's longer form (sig.h, sigil_secret_len_ok: sr25519's 64-byte
 * ed25519 form, kept as it is given, "secret_form": "expanded");
 * vault_file_add is it for SIGIL_SECRET_LEN bytes. Concurrent adds
 * (several `sigil generate` at once) are serialised by an exclusive flock
 * on "<path>.lock", created 0600 beside the vault and left there. SIGIL_E_INVALID if the name or public key is
 * already present. On success, info (if not NULL) describes the key. */
__attribute__((warn_unused_result)) int
vault_file_add(const char *path, const char *passphrase, const struct vault_codec *codec,
               const char *name, enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
               struct vault_key *info);
__attribute__((warn_unused_result)) int
vault_file_add_sized(const char *path, const char *passphrase, const struct vault_codec *codec,
                     const char *name, enum sigil_key_type t, const uint8_t *sk, size_t sklen,
                     struct vault_key *info);

/* Deletes the key named name from the vault file at path, rewriting it
 * atomically (0600) under the lock vault_file_add takes. The passphrase
 * must open every entry of the file first (SIGIL_E_PASSPHRASE otherwise),
 * as for an add. SIGIL_E_NOT_FOUND when the file has no key of that name
 * (or there is no file); SIGIL_E_UNSUPPORTED for a Signatory file. On any
 * failure the file is left as it was. */
__attribute__((warn_unused_result)) int
vault_file_delete(const char *path, const char *passphrase, const struct vault_codec *codec,
                  const char *name);

/* Fills info from a secret (name, type, public key): of SIGIL_SECRET_LEN
 * bytes, or of sklen (sigil_secret_len_ok) for the sized one. */
__attribute__((warn_unused_result)) int
vault_key_describe(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                   const char *name, struct vault_key *info);
__attribute__((warn_unused_result)) int
vault_key_describe_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen, const char *name,
                         struct vault_key *info);

#endif
