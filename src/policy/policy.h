/* Per-key policy: which request kinds, operation kinds and networks a key
 * may sign for, and who may ask. Everything not allowed is refused. Policy
 * knows no chain: names are resolved through the key's chain table
 * (chain/chain.h), and requests are judged by their intent.
 *
 * A policy_key is a plain value (fixed arrays, no owned pointers; chain
 * points to a static table): copy it, keep it in an array, free nothing. */
#ifndef SIGIL_POLICY_H
#define SIGIL_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

#define POLICY_ADDRESS_MAX CHAIN_ADDRESS_MAX
#define POLICY_MAX_CHAINS 16
#define POLICY_MAX_AUTH_KEYS 16
#define POLICY_REASON_MAX 128   /* enough for every reason policy_check writes */


struct policy_key {
	const struct chain_ops *chain;
	char address[POLICY_ADDRESS_MAX]; /* as configured, NUL-terminated */
	uint32_t allow_kinds;             /* bit (1u << intent.kind) */
	uint64_t allow_ops;               /* bit (1ull << intent_op.kind) */
	uint8_t networks[POLICY_MAX_CHAINS][CHAIN_NETWORK_MAX];
	size_t network_len[POLICY_MAX_CHAINS];
	size_t n_networks;                /* 0: any network */
	bool log_payloads;
	bool allow_proof_of_possession;
	/* Narrows server.authorized_keys for this key; 0: no narrowing. */
	struct chain_pubkey auth_keys[POLICY_MAX_AUTH_KEYS];
	size_t n_auth_keys;
};

/* Zeroes k, checks that address is one of chain's, and allows the chain's
 * default kinds (Tezos: Signatory's block, preattestation, attestation;
 * nothing else: no generic operations, no proof of possession), on any
 * network. SIGIL_E_INVALID for a bad address. */
__attribute__((warn_unused_result)) int
policy_key_init_default(struct policy_key *k, const struct chain_ops *chain,
                        const char *address);

/* Clears every allowed request and operation kind (the config's `allow`
 * map starts from nothing). */
void policy_clear_allow(struct policy_key *k);

/* The request kind a policy name stands for in k's chain (aliases
 * included), or -1 when unknown (NULL included). */
int policy_req_kind_from_name(const struct policy_key *k, const char *name);

/* Allows one request kind by its policy name. SIGIL_E_INVALID when the
 * name is unknown. */
__attribute__((warn_unused_result)) int
policy_allow_name(struct policy_key *k, const char *request_kind_name);

/* Allows the operation kinds a name stands for (chain_ops.ops_from_name:
 * Tezos's "transaction", "ballot", …), and with them the chain's kind that
 * carries operations. SIGIL_E_INVALID when unknown, or when the chain has
 * no such kind. */
__attribute__((warn_unused_result)) int
policy_allow_op_name(struct policy_key *k, const char *op);

/* Restricts the key to a network, written as the chain writes network ids
 * (Tezos: "Net…"). Adding one twice is harmless; SIGIL_E_TOO_BIG past
 * POLICY_MAX_CHAINS; SIGIL_E_INVALID for a text that is not one (or a
 * chain without networks). */
__attribute__((warn_unused_result)) int
policy_allow_chain(struct policy_key *k, const char *network);

/* Adds a public key, as the chain writes them, to the key's own
 * authorised list. Duplicates are ignored; SIGIL_E_TOO_BIG past
 * POLICY_MAX_AUTH_KEYS. */
__attribute__((warn_unused_result)) int
policy_add_auth_key(struct policy_key *k, const char *public_key);

/* 0 when k may sign what in describes; otherwise SIGIL_E_POLICY and a
 * secret-free reason in reason (always NUL-terminated when cap > 0), e.g.
 * "request kind block not allowed", "operation kind transaction not
 * allowed", "chain NetXdQprcVkpaWU not allowed". A request of the kind
 * that carries operations passes only when that kind is allowed and every
 * operation kind in it is; one with no operations is refused. Requests
 * that name no network are not subject to the network list. */
__attribute__((warn_unused_result)) int
policy_check(const struct policy_key *k, const struct sign_intent *in, char *reason, size_t cap);

/* 0 when k may hand out a BLS proof of possession, else SIGIL_E_POLICY. */
__attribute__((warn_unused_result)) int
policy_check_pop(const struct policy_key *k, char *reason, size_t cap);

/* True when the key's own list is empty (no narrowing) or holds pk. The
 * caller has already checked pk against server.authorized_keys. */
bool policy_auth_key_allowed(const struct policy_key *k, enum sigil_key_type t,
                             const uint8_t *pk, size_t pklen);

#endif
