/* Per-key Tezos policy: which request kinds, operation kinds and chains a
 * key may sign for, and who may ask. Everything not allowed is refused.
 *
 * A policy_key is a plain value (fixed arrays, no pointers): copy it, keep
 * it in an array, free nothing. */
#ifndef SIGIL_POLICY_H
#define SIGIL_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/decode.h"
#include "chain/tezos/keys.h"
#include "crypto/sig.h"

#define POLICY_ADDRESS_MAX 40   /* "tz1…" is 36 characters */
#define POLICY_MAX_CHAINS 16
#define POLICY_MAX_AUTH_KEYS 16
#define POLICY_REASON_MAX 128   /* enough for every reason policy_check writes */

/* A public key allowed to authenticate requests. */
struct policy_pubkey {
	enum sigil_key_type type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
};

struct policy_key {
	char address[POLICY_ADDRESS_MAX]; /* as configured, NUL-terminated */
	enum sigil_key_type type;
	uint8_t pkh[TZ_PKH_LEN];
	uint32_t allow_kinds;             /* bit (1u << enum tz_req_kind) */
	uint64_t allow_ops;               /* bit (1ull << enum tz_op_kind) */
	uint8_t chains[POLICY_MAX_CHAINS][4];
	size_t n_chains;                  /* 0: any chain */
	bool log_payloads;
	bool allow_proof_of_possession;
	/* Narrows server.authorized_keys for this key; 0: no narrowing. */
	struct policy_pubkey auth_keys[POLICY_MAX_AUTH_KEYS];
	size_t n_auth_keys;
};

/* Zeroes k, parses address (tz1/tz2/tz3/tz4) and allows Signatory's default
 * set: block, preattestation, attestation. Nothing else: no generic
 * operations, no pack, no attestation_with_dal, no proof of possession,
 * any chain. SIGIL_E_INVALID (or the decoder's code) for a bad address. */
__attribute__((warn_unused_result)) int
policy_key_init_default(struct policy_key *k, const char *address);

/* Clears every allowed request and operation kind (the config's `allow`
 * map starts from nothing). */
void policy_clear_allow(struct policy_key *k);

/* The request kind a policy name stands for ("block", "preattestation",
 * "attestation", "attestation_with_dal", "generic", "pack", and Signatory's
 * legacy "endorsement" and "preendorsement" for the two renamed ones), or
 * -1 when unknown (NULL included). */
int policy_req_kind_from_name(const char *name);

/* Allows one request kind by its policy name (policy_req_kind_from_name).
 * SIGIL_E_INVALID when the name is unknown. */
__attribute__((warn_unused_result)) int
policy_allow_name(struct policy_key *k, const char *request_kind_name);

/* Allows one generic operation kind by its Signatory name ("transaction",
 * "stake", "ballot:yay", …); "ballot" allows all three votes, and the legacy
 * "endorsement" and "preendorsement" mean attestation and preattestation.
 * A transaction that calls a staking entrypoint is "stake", "unstake",
 * "finalize_unstake" or "set_delegate_parameters", not "transaction"
 * (decode.h). Allowing any operation also allows the generic request kind.
 * SIGIL_E_INVALID when unknown. */
__attribute__((warn_unused_result)) int
policy_allow_op_name(struct policy_key *k, const char *op);

/* Restricts the key to a chain ("Net…" base58). Adding the same chain twice
 * is harmless; SIGIL_E_TOO_BIG past POLICY_MAX_CHAINS; the decoder's code
 * for a string that is not a chain id. */
__attribute__((warn_unused_result)) int
policy_allow_chain(struct policy_key *k, const char *chain_b58);

/* Adds a public key ("edpk…|sppk…|p2pk…|BLpk…") to the key's own
 * authorized list. Duplicates are ignored; SIGIL_E_TOO_BIG past
 * POLICY_MAX_AUTH_KEYS. */
__attribute__((warn_unused_result)) int
policy_add_auth_key(struct policy_key *k, const char *pk_b58);

/* 0 when k may sign req; otherwise SIGIL_E_POLICY and a secret-free reason
 * in reason (always NUL-terminated when cap > 0), e.g.
 * "request kind block not allowed", "operation kind transaction not allowed",
 * "chain NetXdQprcVkpaWU not allowed". A generic request passes only when
 * the generic kind is allowed and every kind in req->op_kinds is; one with
 * no operations is refused. Requests that carry no chain id (generic, pack)
 * are not subject to the chain list. */
__attribute__((warn_unused_result)) int
policy_check(const struct policy_key *k, const struct tz_request *req, char *reason,
             size_t cap);

/* 0 when k may hand out a BLS proof of possession, else SIGIL_E_POLICY. */
__attribute__((warn_unused_result)) int
policy_check_pop(const struct policy_key *k, char *reason, size_t cap);

/* True when the key's own list is empty (no narrowing) or holds pk. The
 * caller has already checked pk against server.authorized_keys. */
bool policy_auth_key_allowed(const struct policy_key *k, enum sigil_key_type t,
                             const uint8_t *pk, size_t pklen);

#endif
