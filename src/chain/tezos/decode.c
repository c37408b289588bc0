/* The bytes a Tezos client asks us to sign, decoded far enough to decide on
 * them. Layouts in docs/ARCHITECTURE.md; operation encodings in ops.c. */
#include <string.h>

#include "chain/tezos/decode.h"
#include "chain/tezos/ops.h"
#include "base/errors.h"

/* Shell header offsets, counting the magic byte (octez-signer reads the
 * level and the fitness from the same places). */
enum {
	BLK_LEVEL = 5,
	BLK_FITNESS = 83,
	/* fitness items with and without the locked round: 5 items, each with
	 * a 4-byte length: 1 + 4 + (0|4) + 4 + 4 bytes of data */
	FITNESS_LEN_MIN = 33,
	FITNESS_LEN_MAX = 37,
	FITNESS_VERSION = 0x02,
	/* payload_hash, payload_round, proof_of_work_nonce */
	PROTO_FIXED = 32 + 4 + 8,
};

static int
fitness_item(struct tz_cur *c, uint32_t want_a, uint32_t want_b, uint32_t *got)
{
	int rc = tz_cur_u32(c, got);

	if (rc != 0)
		return rc;
	if (*got != want_a && *got != want_b)
		return SIGIL_E_INVALID;
	return 0;
}

static int
decode_block(struct tz_cur *c, struct tz_request *out)
{
	struct tz_cur f;
	uint32_t flen, n;
	int32_t fit_level;
	uint8_t b;
	int rc;

	/* chain id, level, proto, predecessor, timestamp, validation_pass,
	 * operations_hash */
	if ((rc = tz_cur_skip(c, 4)) != 0 || (rc = tz_cur_i32(c, &out->level)) != 0 ||
	    (rc = tz_cur_skip(c, 1 + 32 + 8 + 1 + 32)) != 0 || (rc = tz_cur_u32(c, &flen)) != 0)
		return rc;
	if (flen != FITNESS_LEN_MIN && flen != FITNESS_LEN_MAX)
		return SIGIL_E_INVALID;
	f = *c;
	if ((rc = tz_cur_skip(c, flen)) != 0)
		return rc;
	f.len = f.pos + flen;
	/* Inside the fitness every length is known, so a short item is
	 * malformed, not truncated; the sizes below add up to flen exactly. */
	if ((rc = fitness_item(&f, 1, 1, &n)) != 0 || (rc = tz_cur_u8(&f, &b)) != 0)
		return SIGIL_E_INVALID;
	if (b != FITNESS_VERSION)
		return SIGIL_E_INVALID;
	if (fitness_item(&f, 4, 4, &n) != 0 || tz_cur_i32(&f, &fit_level) != 0 ||
	    fitness_item(&f, 0, 4, &n) != 0 || tz_cur_skip(&f, n) != 0 ||
	    fitness_item(&f, 4, 4, &n) != 0 || tz_cur_skip(&f, 4) != 0 ||
	    fitness_item(&f, 4, 4, &n) != 0 || tz_cur_i32(&f, &out->round) != 0 ||
	    tz_cur_left(&f) != 0)
		return SIGIL_E_INVALID;
	if (out->level < 0 || out->round < 0 || fit_level != out->level)
		return SIGIL_E_INVALID;
	/* context hash, then the protocol data up to the per-block votes */
	if ((rc = tz_cur_skip(c, 32 + PROTO_FIXED)) != 0 || (rc = tz_cur_u8(c, &b)) != 0)
		return rc;
	if (b != 0x00 && b != 0xff)
		return SIGIL_E_INVALID;
	if (b == 0xff && (rc = tz_cur_skip(c, 32)) != 0)
		return rc;
	if ((rc = tz_cur_u8(c, &b)) != 0)
		return rc;
	c->pos = c->len; /* see decode.h: the rest of the protocol data is not ours */
	return 0;
}

static int
decode_consensus(struct tz_cur *c, struct tz_request *out)
{
	uint8_t tag;
	int rc;

	if ((rc = tz_cur_skip(c, 4 + 32)) != 0 || (rc = tz_cur_u8(c, &tag)) != 0)
		return rc;
	switch (tag) {
	case 20:
	case 40:
		if (out->magic != TZ_MAGIC_PREATTESTATION)
			return SIGIL_E_INVALID;
		out->kind = TZ_REQ_PREATTESTATION;
		break;
	case 21:
	case 23:
	case 41:
		if (out->magic != TZ_MAGIC_ATTESTATION)
			return SIGIL_E_INVALID;
		out->kind = tag == 23 ? TZ_REQ_ATTESTATION_WITH_DAL : TZ_REQ_ATTESTATION;
		break;
	default:
		return SIGIL_E_INVALID;
	}
	out->has_slot = tag < 40;
	if (out->has_slot && (rc = tz_cur_u16(c, &out->slot)) != 0)
		return rc;
	if ((rc = tz_cur_i32(c, &out->level)) != 0 || (rc = tz_cur_i32(c, &out->round)) != 0 ||
	    (rc = tz_cur_skip(c, 32)) != 0)
		return rc;
	/* the DAL bitset of tag 23, a Zarith number (same rules as ops.c) */
	if (tag == 23 && (rc = tz_cur_zarith(c, 0, 64)) != 0)
		return rc;
	if (out->level < 0 || out->round < 0)
		return SIGIL_E_INVALID;
	return 0;
}

static int
decode_generic(struct tz_cur *c, struct tz_request *out)
{
	uint64_t kinds;
	int rc;

	if ((rc = tz_cur_skip(c, 32)) != 0) /* branch */
		return rc;
	if (tz_cur_left(c) == 0)
		return SIGIL_E_INVALID; /* a batch holds at least one content */
	while (tz_cur_left(c) > 0) {
		if ((rc = tz_op_skip(c, &kinds)) != 0)
			return rc;
		out->op_kinds |= kinds;
		out->n_ops++;
	}
	return 0;
}

int
tz_decode(const uint8_t *buf, size_t len, struct tz_request *out)
{
	struct tz_cur c = { buf, len, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return SIGIL_E_INCOMPLETE;
	if (len > TZ_REQUEST_MAX)
		return SIGIL_E_TOO_BIG;
	out->magic = buf[0];
	c.pos = 1;
	switch (out->magic) {
	case TZ_MAGIC_BLOCK:
		out->kind = TZ_REQ_BLOCK;
		out->consensus = true;
		rc = decode_block(&c, out);
		break;
	case TZ_MAGIC_PREATTESTATION:
	case TZ_MAGIC_ATTESTATION:
		out->consensus = true;
		rc = decode_consensus(&c, out);
		break;
	case TZ_MAGIC_GENERIC:
		out->kind = TZ_REQ_GENERIC;
		rc = decode_generic(&c, out);
		break;
	case TZ_MAGIC_PACK:
		out->kind = TZ_REQ_PACK;
		rc = len > 1 ? 0 : SIGIL_E_INCOMPLETE;
		c.pos = len;
		break;
	default:
		rc = SIGIL_E_INVALID;
		break;
	}
	if (rc == 0 && tz_cur_left(&c) != 0)
		rc = SIGIL_E_INVALID;
	if (rc == 0) {
		out->has_chain_id = out->consensus;
		if (out->has_chain_id)
			memcpy(out->chain_id, buf + 1, sizeof(out->chain_id));
	} else {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* ---- names ---------------------------------------------------------------- */

const char *const tz_req_names[TZ_REQ_KINDS] = {
	[TZ_REQ_BLOCK] = "block",
	[TZ_REQ_PREATTESTATION] = "preattestation",
	[TZ_REQ_ATTESTATION] = "attestation",
	[TZ_REQ_ATTESTATION_WITH_DAL] = "attestation_with_dal",
	[TZ_REQ_GENERIC] = "generic",
	[TZ_REQ_PACK] = "pack",
};

/* Signatory's names (its policy's "generic:" list, from gotez's
 * OperationKind, which names a transaction by its staking entrypoint when
 * it calls one), ballots split as "ballot:<vote>". */
static const char *const op_names[TZ_OP_KIND_COUNT] = {
	[TZ_OP_SEED_NONCE_REVELATION] = "seed_nonce_revelation",
	[TZ_OP_DOUBLE_CONSENSUS_OPERATION_EVIDENCE] = "double_consensus_operation_evidence",
	[TZ_OP_DOUBLE_BAKING_EVIDENCE] = "double_baking_evidence",
	[TZ_OP_DAL_ENTRAPMENT_EVIDENCE] = "dal_entrapment_evidence",
	[TZ_OP_ACTIVATE_ACCOUNT] = "activate_account",
	[TZ_OP_PROPOSALS] = "proposals",
	[TZ_OP_BALLOT_YAY] = "ballot:yay",
	[TZ_OP_BALLOT_NAY] = "ballot:nay",
	[TZ_OP_BALLOT_PASS] = "ballot:pass",
	[TZ_OP_VDF_REVELATION] = "vdf_revelation",
	[TZ_OP_DRAIN_DELEGATE] = "drain_delegate",
	[TZ_OP_FAILING_NOOP] = "failing_noop",
	[TZ_OP_PREATTESTATION] = "preattestation",
	[TZ_OP_ATTESTATION] = "attestation",
	[TZ_OP_ATTESTATION_WITH_DAL] = "attestation_with_dal",
	[TZ_OP_PREATTESTATIONS_AGGREGATE] = "preattestations_aggregate",
	[TZ_OP_ATTESTATIONS_AGGREGATE] = "attestations_aggregate",
	[TZ_OP_REVEAL] = "reveal",
	[TZ_OP_TRANSACTION] = "transaction",
	[TZ_OP_STAKE] = "stake",
	[TZ_OP_UNSTAKE] = "unstake",
	[TZ_OP_FINALIZE_UNSTAKE] = "finalize_unstake",
	[TZ_OP_SET_DELEGATE_PARAMETERS] = "set_delegate_parameters",
	[TZ_OP_ORIGINATION] = "origination",
	[TZ_OP_DELEGATION] = "delegation",
	[TZ_OP_REGISTER_GLOBAL_CONSTANT] = "register_global_constant",
	[TZ_OP_SET_DEPOSITS_LIMIT] = "set_deposits_limit",
	[TZ_OP_INCREASE_PAID_STORAGE] = "increase_paid_storage",
	[TZ_OP_UPDATE_CONSENSUS_KEY] = "update_consensus_key",
	[TZ_OP_UPDATE_COMPANION_KEY] = "update_companion_key",
	[TZ_OP_TRANSFER_TICKET] = "transfer_ticket",
	[TZ_OP_SMART_ROLLUP_ORIGINATE] = "smart_rollup_originate",
	[TZ_OP_SMART_ROLLUP_ADD_MESSAGES] = "smart_rollup_add_messages",
	[TZ_OP_SMART_ROLLUP_CEMENT] = "smart_rollup_cement",
	[TZ_OP_SMART_ROLLUP_PUBLISH] = "smart_rollup_publish",
	[TZ_OP_SMART_ROLLUP_REFUTE] = "smart_rollup_refute",
	[TZ_OP_SMART_ROLLUP_TIMEOUT] = "smart_rollup_timeout",
	[TZ_OP_SMART_ROLLUP_EXECUTE_OUTBOX_MESSAGE] = "smart_rollup_execute_outbox_message",
	[TZ_OP_SMART_ROLLUP_RECOVER_BOND] = "smart_rollup_recover_bond",
	[TZ_OP_DAL_PUBLISH_COMMITMENT] = "dal_publish_commitment",
	[TZ_OP_ZK_ROLLUP_ORIGINATION] = "zk_rollup_origination",
	[TZ_OP_ZK_ROLLUP_PUBLISH] = "zk_rollup_publish",
	[TZ_OP_ZK_ROLLUP_UPDATE] = "zk_rollup_update",
};

static int
find_name(const char *const *names, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
tz_req_kind_name(enum tz_req_kind k)
{
	return (unsigned)k < TZ_REQ_KINDS ? tz_req_names[k] : NULL;
}

int
tz_req_kind_from_name(const char *name)
{
	return find_name(tz_req_names, TZ_REQ_KINDS, name);
}

const char *
tz_op_kind_name(enum tz_op_kind k)
{
	return (unsigned)k < TZ_OP_KIND_COUNT ? op_names[k] : NULL;
}

int
tz_op_kind_from_name(const char *name)
{
	return find_name(op_names, TZ_OP_KIND_COUNT, name);
}
