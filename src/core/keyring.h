/* The key ring: every configured key that a vault holds, by (chain,
 * address). A secret is held once, by its vault (struct vault_key); it may
 * serve several chains (an Ed25519 key is a tz1 address and a raw-ed25519
 * one), and the ring has one entry per chain it is configured for, each
 * with that chain's address, public key text, key id and policy. */
#ifndef SIGIL_CORE_KEYRING_H
#define SIGIL_CORE_KEYRING_H
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "config/config.h"
#include "core/metrics.h"
#include "vault/vault.h"

struct sigil_key {
	const struct chain_ops *chain;
	char address[CHAIN_ADDRESS_MAX];
	char public_key[CHAIN_TEXT_MAX];
	uint8_t key_id[CHAIN_KEY_ID_LEN];
	const struct vault_key *vk;      /* owned by its vault */
	struct vault *vault;
	size_t vault_index;
	const char *vault_name;          /* owned by the config */
	const struct policy_key *policy; /* owned by the config */
	struct metrics_key *metrics;     /* owned by the context, survives reloads */
	/* Its vault's latency histogram, likewise; NULL outside a context. */
	struct metrics_hist *vault_ms;
	/* Its vault's signatures are verified before they are returned
	 * (verify_signatures). One that fails counts in bad_signatures (the
	 * context's, surviving reloads) and marks the vault faulty (the
	 * state's: not ready until a reload opens it again). Both NULL outside
	 * a context. */
	bool verify;
	_Atomic uint64_t *bad_signatures;
	_Atomic bool *vault_faulty;
};

/* The codec a vault gets for the text forms in its files (vault.h): the
 * first registered chain's, Tezos. */
const struct vault_codec *sigil_vault_codec(void);

/* Builds the ring of cfg's keys from the vaults (n of them, named by
 * cfg->vaults): *keys (malloc'ed, sorted by chain name then address) and
 * *n_keys. A key in two vaults is taken from the first. Logs what is held
 * but not configured, and what is configured but not held. */
__attribute__((warn_unused_result)) int
sigil_ring_build(const struct sigil_config *cfg, struct vault *const *vaults, size_t n,
                 struct sigil_key **keys, size_t *n_keys);

/* A key's id, chain-neutral (the v1 API's, routes'): blake2b-160 of its
 * type byte and public key, in hex. */
#define SIGIL_KEY_ID_LEN 20
void sigil_key_id_text(const struct vault_key *k, char out[static 2 * SIGIL_KEY_ID_LEN + 1]);

/* The entry for (chain, address) in keys, or NULL. */
const struct sigil_key *sigil_ring_find(const struct sigil_key *keys, size_t n,
                                        const struct chain_ops *chain, const char *address);

/* The same order as the ring's: by chain name, then address. */
int sigil_ring_cmp(const struct chain_ops *ca, const char *a, const struct chain_ops *cb,
                   const char *b);

#endif
