/* Decoding of the bytes a Tezos baker or wallet asks us to sign, far enough
 * to decide on them: request kind, chain, level and round of consensus
 * requests, and the kind of every operation in a generic batch. */
#ifndef SIGIL_TZ_DECODE_H
#define SIGIL_TZ_DECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard ceiling on what we decode (the HTTP body limit is larger, in hex). */
#define TZ_REQUEST_MAX (512 * 1024)

enum tz_magic {
	TZ_MAGIC_GENERIC = 0x03,
	TZ_MAGIC_PACK = 0x05,
	TZ_MAGIC_BLOCK = 0x11,
	TZ_MAGIC_PREATTESTATION = 0x12,
	TZ_MAGIC_ATTESTATION = 0x13,
};

enum tz_req_kind {
	TZ_REQ_BLOCK,
	TZ_REQ_PREATTESTATION,
	TZ_REQ_ATTESTATION,
	TZ_REQ_ATTESTATION_WITH_DAL,
	TZ_REQ_GENERIC,
	TZ_REQ_PACK,
};
#define TZ_REQ_KINDS 6

/* Operation kinds of a generic (0x03) request, as policy names them (the
 * names are Signatory's, see tz_op_kind_name). Ballots are split by their
 * vote so that policy can allow one vote. A transaction that calls the
 * entrypoint stake, unstake, finalize_unstake or set_delegate_parameters
 * (entrypoint tags 6-9) is that kind, not a transaction, as Signatory counts
 * it: allowing transactions does not allow staking (ops.c says how a call
 * to a contract's own entrypoint of one of those names counts). Protocol 023
 * (Seoul) merged the double (pre)attestation evidences into one
 * double_consensus_operation_evidence (tag 2); 024 (Tallinn) keeps 023's
 * operation encodings. */
enum tz_op_kind {
	TZ_OP_SEED_NONCE_REVELATION,
	TZ_OP_DOUBLE_CONSENSUS_OPERATION_EVIDENCE,
	TZ_OP_DOUBLE_BAKING_EVIDENCE,
	TZ_OP_DAL_ENTRAPMENT_EVIDENCE,
	TZ_OP_ACTIVATE_ACCOUNT,
	TZ_OP_PROPOSALS,
	TZ_OP_BALLOT_YAY,
	TZ_OP_BALLOT_NAY,
	TZ_OP_BALLOT_PASS,
	TZ_OP_VDF_REVELATION,
	TZ_OP_DRAIN_DELEGATE,
	TZ_OP_FAILING_NOOP,
	TZ_OP_PREATTESTATION,
	TZ_OP_ATTESTATION,
	TZ_OP_ATTESTATION_WITH_DAL,
	TZ_OP_PREATTESTATIONS_AGGREGATE,
	TZ_OP_ATTESTATIONS_AGGREGATE,
	TZ_OP_REVEAL,
	TZ_OP_TRANSACTION,
	TZ_OP_STAKE,
	TZ_OP_UNSTAKE,
	TZ_OP_FINALIZE_UNSTAKE,
	TZ_OP_SET_DELEGATE_PARAMETERS,
	TZ_OP_ORIGINATION,
	TZ_OP_DELEGATION,
	TZ_OP_REGISTER_GLOBAL_CONSTANT,
	TZ_OP_SET_DEPOSITS_LIMIT,
	TZ_OP_INCREASE_PAID_STORAGE,
	TZ_OP_UPDATE_CONSENSUS_KEY,
	TZ_OP_UPDATE_COMPANION_KEY,
	TZ_OP_TRANSFER_TICKET,
	TZ_OP_SMART_ROLLUP_ORIGINATE,
	TZ_OP_SMART_ROLLUP_ADD_MESSAGES,
	TZ_OP_SMART_ROLLUP_CEMENT,
	TZ_OP_SMART_ROLLUP_PUBLISH,
	TZ_OP_SMART_ROLLUP_REFUTE,
	TZ_OP_SMART_ROLLUP_TIMEOUT,
	TZ_OP_SMART_ROLLUP_EXECUTE_OUTBOX_MESSAGE,
	TZ_OP_SMART_ROLLUP_RECOVER_BOND,
	TZ_OP_DAL_PUBLISH_COMMITMENT,
	TZ_OP_ZK_ROLLUP_ORIGINATION,
	TZ_OP_ZK_ROLLUP_PUBLISH,
	TZ_OP_ZK_ROLLUP_UPDATE,
	TZ_OP_KIND_COUNT
};
_Static_assert(TZ_OP_KIND_COUNT <= 64, "op_kinds is a uint64_t bitmask");

struct tz_request {
	uint8_t magic;
	enum tz_req_kind kind;
	bool has_chain_id;       /* 0x11, 0x12, 0x13 carry one; 0x03 does not */
	uint8_t chain_id[4];
	bool consensus;          /* block, preattestation, attestation(_with_dal) */
	int32_t level;           /* consensus only */
	int32_t round;           /* consensus only: fitness round for blocks */
	bool has_slot;           /* false for the tz4 forms without slot */
	uint16_t slot;
	uint64_t op_kinds;       /* generic: bit (1 << tz_op_kind) per kind seen */
	uint32_t n_ops;          /* generic: number of contents */
};

/* Decodes buf (the full bytes to sign, magic byte first). Outputs are
 * zeroed first (and again on error). SIGIL_E_INCOMPLETE for empty input or
 * when the bytes end inside a field (a length prefix longer than what
 * remains counts as that), SIGIL_E_INVALID for a wrong magic byte, unknown
 * tag, malformed field, negative level/round or trailing bytes,
 * SIGIL_E_TOO_BIG past TZ_REQUEST_MAX. SIGIL_E_UNSUPPORTED is kept for a
 * known operation whose extent we cannot compute; every kind of 023/024 is
 * decoded today (refutation and zk rollup proofs are length-prefixed, and a
 * zk ticket's Micheline is walked with a bounded stack: deeper nesting than
 * that ceiling is SIGIL_E_INVALID).
 *
 * Blocks (0x11): level from the shell header, round from the last fitness
 * element; the fitness must be [02; level; locked round (0 or 4 bytes);
 * predecessor round; round] with the fitness level equal to the header
 * level. The protocol data must hold at least payload_hash, payload_round,
 * proof_of_work_nonce, a well-formed seed_nonce_hash option and the
 * per-block votes byte (46 bytes minimum); what follows is not examined so
 * that a protocol adding a trailing field does not stop a baker.
 * (Pre)attestations (0x12/0x13): exactly one content, tags 20/21/23 (with
 * slot) or 40/41 (tz4 "BLS mode", no slot, and for 41 no DAL content: the
 * companion-key DAL part is not in the signed bytes). */
__attribute__((warn_unused_result)) int
tz_decode(const uint8_t *buf, size_t len, struct tz_request *out);

/* Policy names: "block", "preattestation", "attestation",
 * "attestation_with_dal", "generic", "pack"; and operation kinds as Signatory
 * writes them ("transaction", "stake", "ballot:yay", ...). -1 when unknown.
 * Only today's names: the pre-Oxford aliases ("endorsement", …) that a
 * configuration may still use are policy's business (policy.h). */
const char *tz_req_kind_name(enum tz_req_kind k);
/* The request kinds' names, by enum tz_req_kind. */
extern const char *const tz_req_names[TZ_REQ_KINDS];
int tz_req_kind_from_name(const char *name);
const char *tz_op_kind_name(enum tz_op_kind k);
int tz_op_kind_from_name(const char *name);

#endif
