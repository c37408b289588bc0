/* The on-disk form of the file vault (internal to src/vault). */
#ifndef SIGIL_VAULT_FILE_FORMAT_H
#define SIGIL_VAULT_FILE_FORMAT_H
#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "vault/file/file.h"

#define VF_MAX_FILE (16 * 1024 * 1024)
#define VF_SALT_LEN crypto_pwhash_SALTBYTES

struct vf_kdf {
	uint8_t salt[VF_SALT_LEN];
	unsigned long long opslimit;
	size_t memlimit;
};

/* Reads and parses a vault file; the raw text is wiped, and so (see
 * vf_json_wipe_on_free) is every string jansson frees. */
int vf_read_json(const char *path, json_t **out);
/* Makes jansson wipe every block it frees, for the rest of the process.
 * Idempotent; vf_read_json calls it. */
void vf_json_wipe_on_free(void);
int vf_kdf_parse(json_t *root, struct vf_kdf *kdf);
void vf_kdf_new(struct vf_kdf *kdf);
json_t *vf_kdf_json(const struct vf_kdf *kdf);
/* Derives the 32-byte key-encryption key (kek in locked memory), or takes
 * it from the process's cache of derived keys (vault/file/kek.c). */
int vf_kdf_derive(const struct vf_kdf *kdf, const char *passphrase, uint8_t *kek);
/* Tests: how many Argon2id derivations this process has run. */
unsigned long vf_kdf_argon2_runs(void);
/* Decrypts one "keys" entry into sk, *sklen bytes of it (SIGIL_SECRET_LEN,
 * or SIGIL_SECRET_MAX for an entry with "secret_form": "expanded") and,
 * with a codec, checks its address. SIGIL_E_UNSUPPORTED for a secret_form
 * this sigil does not know. */
int vf_entry_open(json_t *entry, const uint8_t *kek, const struct vault_codec *codec,
                  uint8_t sk[static SIGIL_SECRET_MAX], size_t *sklen, struct vault_key *info);
/* Encrypts sk (sklen bytes, sigil_secret_len_ok for info->type) into a new
 * "keys" entry (caller owns the reference); a longer form than
 * SIGIL_SECRET_LEN is tagged "secret_form": "expanded". */
int vf_entry_seal(const struct vault_key *info, const uint8_t *kek,
                  const struct vault_codec *codec, const uint8_t *sk, size_t sklen,
                  json_t **out);

#endif
