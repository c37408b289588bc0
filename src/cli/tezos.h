/* The CLI's Tezos forms, in one place: the CLI speaks octez's language
 * (tz1… addresses, edsk… secrets, octez's and Signatory's watermark files)
 * as api/tezos.c speaks its protocol. The other CLI files go through here,
 * and name no Tezos type, prefix or constant. */
#ifndef SIGIL_CLI_TEZOS_H
#define SIGIL_CLI_TEZOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "vault/vault.h"
#include "watermark/json.h"
#include "watermark/watermark.h"

/* The chain whose forms the CLI writes and whose keys it configures. */
const struct chain_ops *cli_chain(void);

/* A key's address and public key as text. */
__attribute__((warn_unused_result)) int
cli_key_text(const struct vault_key *k, char *address, size_t acap, char *public_key,
             size_t pcap);

/* A secret written as text (edsk…, or an encrypted edesk… with pass; or
 * sr25519:0x and 64 or 128 hex digits, crypto/sr25519.h), or a PEM private
 * key, into sk (locked memory, the caller's): *sklen bytes, SIGIL_SECRET_LEN
 * or, for sr25519's 64-byte form, SIGIL_SECRET_MAX. Why an sr25519 key is
 * refused is said on stderr. */
bool cli_secret_encrypted(const char *text);
__attribute__((warn_unused_result)) int
cli_secret_parse(const char *text, const char *pass, enum sigil_key_type *t,
                 uint8_t sk[static SIGIL_SECRET_MAX], size_t *sklen);
__attribute__((warn_unused_result)) int
cli_secret_from_pem(const char *pem, size_t len, enum sigil_key_type *t,
                    uint8_t sk[static SIGIL_SECRET_LEN]);

/* A watermark's identity as an address and a chain id, and back. */
__attribute__((warn_unused_result)) int
cli_wm_id_text(const struct wm_id *id, char *address, size_t acap, char *chain, size_t ccap);
__attribute__((warn_unused_result)) int
cli_wm_id_parse(const char *address, const char *chain, struct wm_id *id);

/* The public key of the key with that 21-byte id (importing octez marks
 * checks their signatures with it). */
typedef int (*cli_pk_lookup)(void *arg, const uint8_t id[21], uint8_t *pk, size_t *pklen);

/* Imports Signatory's watermark_v2/{chain}.json, or one of octez-signer's
 * *_high_watermark files as marks of class cls, into s (never lowering a
 * mark; a bad file imports nothing). */
__attribute__((warn_unused_result)) int
cli_import_signatory(struct wm_store *s, const char *path);
__attribute__((warn_unused_result)) int
cli_import_octez(struct wm_store *s, const char *path, unsigned cls, cli_pk_lookup lookup,
                 void *arg);

/* The labeller of sigil's watermark documents (watermark/json.h): "tezos",
 * the chain id (Net…) and the address (tz1…), for an id that can be a
 * Tezos one (chain/tezos/wm_export.h, tz_mark_is_tezos); SIGIL_E_NOT_FOUND
 * for any other. arg is unused. */
int cli_wm_label(void *arg, const struct wm_id *id, struct wm_json_label *out);

/* Writes the Tezos marks of l as Signatory's DIR/watermark_v2/{chain}.json
 * files (nothing when one of them exists); *other counts the marks left
 * out (another chain's, or a negative level or round, which Signatory's
 * files cannot hold). Prints errors. */
__attribute__((warn_unused_result)) int
cli_export_signatory(const char *dir, const struct wm_json_list *l, size_t *written,
                     size_t *other);

#endif
