/* Operation encodings of Tezos protocols 023 (PtSeouLo) and 024 (PtTALLiN),
 * as one table: tag -> kind + a small program of field skippers. A new
 * protocol is a table change. Sources checked: gotez (ECAD Labs) protocol
 * packages proto_022/023/024 (operation tags, field layouts, the tz4 "BLS
 * mode" consensus contents), @taquito/local-forging 24.2.0 schemas (manager
 * operations, proofs, entrypoints), octez kaitai descriptions (block header,
 * consensus contents; id_023__ptseoulo__operation__contents.ksy for the
 * fixed 96-byte proof, the whitelist and the DAL shard). 024 reuses 023's
 * operation encodings unchanged.
 * smart_rollup_refute and the zk rollup operations are read by ops_rollup.c,
 * whose header says where their layouts were checked. */
#include <string.h>

#include "chain/tezos/decode.h"
#include "chain/tezos/ops.h"
#include "base/errors.h"
#include "crypto/sig.h"

/* ---- bounded reads ---------------------------------------------------- */

int
tz_cur_skip(struct tz_cur *c, size_t n)
{
	if (n > tz_cur_left(c))
		return SIGIL_E_INCOMPLETE;
	c->pos += n;
	return 0;
}

int
tz_cur_u8(struct tz_cur *c, uint8_t *v)
{
	if (tz_cur_left(c) < 1)
		return SIGIL_E_INCOMPLETE;
	*v = c->p[c->pos++];
	return 0;
}

int
tz_cur_u16(struct tz_cur *c, uint16_t *v)
{
	if (tz_cur_left(c) < 2)
		return SIGIL_E_INCOMPLETE;
	*v = (uint16_t)((c->p[c->pos] << 8) | c->p[c->pos + 1]);
	c->pos += 2;
	return 0;
}

int
tz_cur_u32(struct tz_cur *c, uint32_t *v)
{
	const uint8_t *b;

	if (tz_cur_left(c) < 4)
		return SIGIL_E_INCOMPLETE;
	b = c->p + c->pos;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
	c->pos += 4;
	return 0;
}

int
tz_cur_i32(struct tz_cur *c, int32_t *v)
{
	uint32_t u;
	int rc = tz_cur_u32(c, &u);

	if (rc == 0)
		memcpy(v, &u, sizeof(*v)); /* two's complement reinterpretation */
	return rc;
}

int
tz_cur_zarith(struct tz_cur *c, int is_signed, size_t maxbytes)
{
	size_t n = 0;
	uint8_t b = 0x80;

	while (b & 0x80) {
		if (n == maxbytes)
			return SIGIL_E_INVALID;
		if (tz_cur_u8(c, &b) != 0)
			return SIGIL_E_INCOMPLETE;
		n++;
	}
	/* A zero final group adds nothing: only the encoder of another value
	 * would write it, so it is a second encoding of the same number. */
	if (n > 1 && b == 0x00)
		return SIGIL_E_INVALID;
	if (is_signed && n == 1 && b == 0x40)
		return SIGIL_E_INVALID; /* negative zero */
	return 0;
}

/* ---- field skippers --------------------------------------------------- */

enum {
	F_END,
	F_FIX,         /* next program byte: length */
	F_N,           /* Zarith natural, <= 10 bytes (mutez, counters, limits) */
	F_NBIG,        /* Zarith natural, <= 64 bytes (ticket amounts, bitsets) */
	F_ZBIG,        /* Zarith integer, <= 64 bytes */
	F_PKH,         /* tag (0 ed25519, 1 secp256k1, 2 p256, 3 bls) + 20 */
	F_PK,          /* tag + 32/33/33/48 */
	F_CONTRACT,    /* 22: 00 + pkh, or 01 + KT1 hash(20) + 00 padding */
	F_ORIGINATED,  /* 22: 01 + KT1 hash(20) + 00 padding */
	F_DYN,         /* uint32 length + bytes */
	F_DYN32,       /* F_DYN whose length is a multiple of 32 (hash lists) */
	F_DYN_U16S,    /* F_DYN of uint16 (preattestations_aggregate committee) */
	F_DYN_COMMITTEE, /* F_DYN of {slot u16; dal_attestation Z option} */
	F_OPT_PKH,     /* bool + F_PKH */
	F_OPT_N,       /* bool + F_N */
	F_OPT_PROOF,   /* bool + uint32 length 96 + a BLS signature */
	F_OPT_PKHS,    /* bool + F_DYN of F_PKH (a smart rollup whitelist) */
	F_TX_TARGET,   /* F_CONTRACT, then bool + entrypoint + F_DYN (Micheline) */
	F_BALLOT,      /* vote byte: 0 yay, 1 nay, 2 pass; picks the kind */
	F_PVM,         /* 0 arith, 1 wasm_2_0_0, 2 riscv */
	F_MANAGER,     /* source pkh, fee, counter, gas_limit, storage_limit */
	F_INT31,       /* int32 within [-2^30, 2^30 - 1] */
	F_REFUTATION,  /* smart rollup refutation: start or move (ops_rollup.c) */
	F_ZK_CIRCUITS, /* F_DYN of {circuit name F_DYN; public/private/fee byte} */
	F_ZK_OPS,      /* F_DYN of {L2 operation; optional ticket} */
	F_ZK_PENDING,  /* F_DYN of {name; new state; fee; exit_validity bool} */
	F_ZK_PRIVATE,  /* F_DYN of {name; new state; fee} */
};

/* data_encoding's bool: 0x00 or 0xff, anything else is malformed. */
int
tz_rd_bool(struct tz_cur *c, int *v)
{
	uint8_t b;
	int rc = tz_cur_u8(c, &b);

	if (rc != 0)
		return rc;
	if (b != 0x00 && b != 0xff)
		return SIGIL_E_INVALID;
	*v = b == 0xff;
	return 0;
}

int
tz_rd_pkh(struct tz_cur *c)
{
	uint8_t tag;
	int rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	if (tag > 3)
		return SIGIL_E_INVALID;
	return tz_cur_skip(c, 20);
}

static int
rd_pk(struct tz_cur *c)
{
	static const uint8_t pk_len[] = { 32, 33, 33, 48 };
	uint8_t tag;
	int rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	if (tag >= sizeof(pk_len))
		return SIGIL_E_INVALID;
	return tz_cur_skip(c, pk_len[tag]);
}

static int
rd_originated_tail(struct tz_cur *c)
{
	uint8_t pad;
	int rc = tz_cur_skip(c, 20);

	if (rc == 0)
		rc = tz_cur_u8(c, &pad);
	if (rc == 0 && pad != 0x00)
		rc = SIGIL_E_INVALID;
	return rc;
}

int
tz_rd_contract(struct tz_cur *c, int originated_only)
{
	uint8_t tag;
	int rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	if (tag == 0x00 && !originated_only)
		return tz_rd_pkh(c);
	if (tag == 0x01)
		return rd_originated_tail(c);
	return SIGIL_E_INVALID;
}

/* Opens a uint32-length-prefixed region as a sub-cursor and advances c past
 * it. A length beyond what remains means the input was cut short. */
int
tz_rd_dyn(struct tz_cur *c, struct tz_cur *sub)
{
	uint32_t n;
	int rc = tz_cur_u32(c, &n);

	if (rc != 0)
		return rc;
	if (n > tz_cur_left(c))
		return SIGIL_E_INCOMPLETE;
	if (sub) {
		sub->p = c->p + c->pos;
		sub->len = n;
		sub->pos = 0;
	}
	c->pos += n;
	return 0;
}

/* The entrypoints that stake (tags 6-9 of the entrypoint encoding; 0-5 are
 * default, root, do, set_delegate, remove_delegate, deposit). */
static const struct {
	uint8_t tag;
	uint8_t kind; /* enum tz_op_kind */
	const char *name;
} tz_staking_eps[] = {
	{ 6, TZ_OP_STAKE, "stake" },
	{ 7, TZ_OP_UNSTAKE, "unstake" },
	{ 8, TZ_OP_FINALIZE_UNSTAKE, "finalize_unstake" },
	{ 9, TZ_OP_SET_DELEGATE_PARAMETERS, "set_delegate_parameters" },
};
#define TZ_N_STAKING_EPS (sizeof(tz_staking_eps) / sizeof(tz_staking_eps[0]))

/* Reads an entrypoint; *staking gets the kind of a staking one, else -1.
 * The named form (tag 255) spelling a staking name counts as that name:
 * octez reads both forms as the same entrypoint. */
static int
rd_entrypoint(struct tz_cur *c, int *staking)
{
	uint8_t tag, n;
	int rc = tz_cur_u8(c, &tag);

	*staking = -1;
	if (rc != 0)
		return rc;
	if (tag <= 9) {
		for (size_t i = 0; i < TZ_N_STAKING_EPS; i++)
			if (tz_staking_eps[i].tag == tag)
				*staking = tz_staking_eps[i].kind;
		return 0;
	}
	if (tag != 0xff)
		return SIGIL_E_INVALID;
	rc = tz_cur_u8(c, &n);
	if (rc != 0)
		return rc;
	if (n == 0 || n > 31) /* the protocol caps entrypoint names at 31 bytes */
		return SIGIL_E_INVALID;
	if (n > tz_cur_left(c))
		return SIGIL_E_INCOMPLETE;
	for (size_t i = 0; i < TZ_N_STAKING_EPS; i++)
		if (strlen(tz_staking_eps[i].name) == n &&
		    memcmp(tz_staking_eps[i].name, c->p + c->pos, n) == 0)
			*staking = tz_staking_eps[i].kind;
	return tz_cur_skip(c, n);
}

/* A transaction's destination and optional parameters. A call to a staking
 * entrypoint is named by that entrypoint, as Signatory names it (gotez's
 * Transaction.OperationKind looks at the entrypoint alone), so that a list
 * holding `transaction` does not also allow staking. The protocol gives
 * those entrypoints their staking meaning on implicit accounts only; a smart
 * contract may define entrypoints of the same names, and calling one moves
 * tez to that contract. Such a content counts as both kinds: neither
 * `stake` alone (it is a transfer) nor `transaction` alone (Signatory would
 * refuse it) allows it. */
static int
rd_tx_target(struct tz_cur *c, uint64_t *kinds)
{
	uint8_t dest;
	int has, staking, rc = tz_cur_u8(c, &dest);

	if (rc != 0)
		return rc;
	if (dest == 0x00)
		rc = tz_rd_pkh(c);
	else if (dest == 0x01)
		rc = rd_originated_tail(c);
	else
		rc = SIGIL_E_INVALID;
	if (rc == 0)
		rc = tz_rd_bool(c, &has);
	if (rc != 0 || !has)
		return rc;
	if ((rc = rd_entrypoint(c, &staking)) != 0 || (rc = tz_rd_dyn(c, NULL)) != 0)
		return rc;
	if (staking >= 0) {
		uint64_t bit = UINT64_C(1) << staking;
		*kinds = dest == 0x00 ? bit : *kinds | bit;
	}
	return 0;
}

/* Inside a region the bytes are all there: running out there means the
 * length prefix lied, which is malformed rather than truncated. */
int
tz_sub_rc(int rc)
{
	return rc == SIGIL_E_INCOMPLETE ? SIGIL_E_INVALID : rc;
}

static int
rd_committee(struct tz_cur *c)
{
	struct tz_cur sub;
	uint16_t slot;
	int has, rc = tz_rd_dyn(c, &sub);

	while (rc == 0 && tz_cur_left(&sub) > 0) {
		rc = tz_cur_u16(&sub, &slot);
		if (rc == 0)
			rc = tz_rd_bool(&sub, &has);
		if (rc == 0 && has)
			rc = tz_cur_zarith(&sub, 0, 64);
		rc = tz_sub_rc(rc);
	}
	return rc;
}

/* A proof of possession: 023 wraps the fixed 96-byte BLS signature
 * encoding in a length prefix (dynamic_size), so any other length is
 * malformed, not a longer proof. */
static int
rd_proof(struct tz_cur *c)
{
	uint32_t n;
	int rc = tz_cur_u32(c, &n);

	if (rc != 0)
		return rc;
	if (n != SIGIL_BLS_SIG_LEN)
		return SIGIL_E_INVALID;
	return tz_cur_skip(c, n);
}

static int
run_field(struct tz_cur *c, const uint8_t **prog, uint64_t *kinds)
{
	struct tz_cur sub;
	uint8_t op = *(*prog)++, b;
	int has, rc;

	switch (op) {
	case F_FIX:
		return tz_cur_skip(c, *(*prog)++);
	case F_N:
		return tz_cur_zarith(c, 0, 10);
	case F_NBIG:
		return tz_cur_zarith(c, 0, 64);
	case F_ZBIG:
		return tz_cur_zarith(c, 1, 64);
	case F_PKH:
		return tz_rd_pkh(c);
	case F_PK:
		return rd_pk(c);
	case F_CONTRACT:
		return tz_rd_contract(c, 0);
	case F_ORIGINATED:
		return tz_rd_contract(c, 1);
	case F_DYN:
		return tz_rd_dyn(c, NULL);
	case F_DYN32:
		rc = tz_rd_dyn(c, &sub);
		return rc == 0 && sub.len % 32 != 0 ? SIGIL_E_INVALID : rc;
	case F_DYN_U16S:
		rc = tz_rd_dyn(c, &sub);
		return rc == 0 && sub.len % 2 != 0 ? SIGIL_E_INVALID : rc;
	case F_DYN_COMMITTEE:
		return rd_committee(c);
	case F_OPT_PKH:
	case F_OPT_N:
		rc = tz_rd_bool(c, &has);
		if (rc != 0 || !has)
			return rc;
		return op == F_OPT_PKH ? tz_rd_pkh(c) : tz_cur_zarith(c, 0, 10);
	case F_OPT_PROOF:
		rc = tz_rd_bool(c, &has);
		if (rc != 0 || !has)
			return rc;
		return rd_proof(c);
	case F_OPT_PKHS:
		rc = tz_rd_bool(c, &has);
		if (rc != 0 || !has)
			return rc;
		rc = tz_rd_dyn(c, &sub);
		while (rc == 0 && tz_cur_left(&sub) > 0)
			rc = tz_sub_rc(tz_rd_pkh(&sub));
		return rc;
	case F_TX_TARGET:
		return rd_tx_target(c, kinds);
	case F_BALLOT:
		rc = tz_cur_u8(c, &b);
		if (rc != 0)
			return rc;
		if (b > 2)
			return SIGIL_E_INVALID;
		*kinds = UINT64_C(1) << (b == 0   ? TZ_OP_BALLOT_YAY
		                         : b == 1 ? TZ_OP_BALLOT_NAY
		                                  : TZ_OP_BALLOT_PASS);
		return 0;
	case F_PVM:
		rc = tz_cur_u8(c, &b);
		return rc == 0 && b > 2 ? SIGIL_E_INVALID : rc;
	case F_MANAGER:
		rc = tz_rd_pkh(c);
		for (int i = 0; rc == 0 && i < 4; i++)
			rc = tz_cur_zarith(c, 0, 10);
		return rc;
	case F_INT31:
		return tz_rd_int31(c);
	case F_REFUTATION:
		return tz_rd_refutation(c);
	case F_ZK_CIRCUITS:
		return tz_rd_zk_circuits(c);
	case F_ZK_OPS:
		return tz_rd_zk_ops(c);
	case F_ZK_PENDING:
	case F_ZK_PRIVATE:
		return tz_rd_zk_pis(c, op == F_ZK_PENDING);
	default:
		return SIGIL_E_INTERNAL;
	}
}

/* ---- the table ---------------------------------------------------------- */

struct tz_op_desc {
	uint8_t tag;
	uint8_t kind;         /* enum tz_op_kind (F_BALLOT, F_TX_TARGET refine it) */
	const uint8_t *prog;  /* field skippers, F_END-terminated */
};

#define PROG(...) ((const uint8_t[]){ __VA_ARGS__, F_END })
#define CONSENSUS_CONTENT F_FIX, 40 /* level, round, block_payload_hash */
#define SLOTTED_CONTENT F_FIX, 42   /* slot, level, round, block_payload_hash */

static const struct tz_op_desc tz_ops[] = {
	{ 1, TZ_OP_SEED_NONCE_REVELATION, PROG(F_FIX, 4, F_FIX, 32) },
	/* slot, then the two conflicting inlined operations */
	{ 2, TZ_OP_DOUBLE_CONSENSUS_OPERATION_EVIDENCE, PROG(F_FIX, 2, F_DYN, F_DYN) },
	{ 3, TZ_OP_DOUBLE_BAKING_EVIDENCE, PROG(F_DYN, F_DYN) },
	{ 4, TZ_OP_ACTIVATE_ACCOUNT, PROG(F_FIX, 20, F_FIX, 20) },
	{ 5, TZ_OP_PROPOSALS, PROG(F_PKH, F_FIX, 4, F_DYN32) },
	{ 6, TZ_OP_BALLOT_YAY, PROG(F_PKH, F_FIX, 4, F_FIX, 32, F_BALLOT) },
	{ 8, TZ_OP_VDF_REVELATION, PROG(F_FIX, 200) }, /* two 100-byte class group elements */
	{ 9, TZ_OP_DRAIN_DELEGATE, PROG(F_PKH, F_PKH, F_PKH) },
	{ 17, TZ_OP_FAILING_NOOP, PROG(F_DYN) },
	{ 20, TZ_OP_PREATTESTATION, PROG(SLOTTED_CONTENT) },
	{ 21, TZ_OP_ATTESTATION, PROG(SLOTTED_CONTENT) },
	/* The DAL bitset is a Zarith number; skipped with the natural's rules,
	 * which accept every encoding either Z or N would produce here. */
	{ 23, TZ_OP_ATTESTATION_WITH_DAL, PROG(SLOTTED_CONTENT, F_NBIG) },
	/* inlined attestation, consensus slot, DAL slot index, shard (int31
	 * index, shares as 32-byte scalars) and its 48-byte proof */
	{ 24, TZ_OP_DAL_ENTRAPMENT_EVIDENCE,
	  PROG(F_DYN, F_FIX, 2, F_FIX, 1, F_INT31, F_DYN32, F_FIX, 48) },
	{ 30, TZ_OP_PREATTESTATIONS_AGGREGATE, PROG(CONSENSUS_CONTENT, F_DYN_U16S) },
	{ 31, TZ_OP_ATTESTATIONS_AGGREGATE, PROG(CONSENSUS_CONTENT, F_DYN_COMMITTEE) },
	/* tz4 consensus keys sign these slot-less forms ("BLS mode") */
	{ 40, TZ_OP_PREATTESTATION, PROG(CONSENSUS_CONTENT) },
	{ 41, TZ_OP_ATTESTATION, PROG(CONSENSUS_CONTENT) },
	/* manager operations; reveal and key updates carry an optional proof
	 * of possession (a length-prefixed BLS signature) since 023 */
	{ 107, TZ_OP_REVEAL, PROG(F_MANAGER, F_PK, F_OPT_PROOF) },
	{ 108, TZ_OP_TRANSACTION, PROG(F_MANAGER, F_N, F_TX_TARGET) },
	{ 109, TZ_OP_ORIGINATION, PROG(F_MANAGER, F_N, F_OPT_PKH, F_DYN, F_DYN) },
	{ 110, TZ_OP_DELEGATION, PROG(F_MANAGER, F_OPT_PKH) },
	{ 111, TZ_OP_REGISTER_GLOBAL_CONSTANT, PROG(F_MANAGER, F_DYN) },
	{ 112, TZ_OP_SET_DEPOSITS_LIMIT, PROG(F_MANAGER, F_OPT_N) },
	{ 113, TZ_OP_INCREASE_PAID_STORAGE, PROG(F_MANAGER, F_ZBIG, F_ORIGINATED) },
	{ 114, TZ_OP_UPDATE_CONSENSUS_KEY, PROG(F_MANAGER, F_PK, F_OPT_PROOF) },
	{ 115, TZ_OP_UPDATE_COMPANION_KEY, PROG(F_MANAGER, F_PK, F_OPT_PROOF) },
	/* contents, type, ticketer, amount, destination, entrypoint (string) */
	{ 158, TZ_OP_TRANSFER_TICKET,
	  PROG(F_MANAGER, F_DYN, F_DYN, F_CONTRACT, F_NBIG, F_CONTRACT, F_DYN) },
	/* kind, kernel, parameters type, optional whitelist */
	{ 200, TZ_OP_SMART_ROLLUP_ORIGINATE, PROG(F_MANAGER, F_PVM, F_DYN, F_DYN, F_OPT_PKHS) },
	{ 201, TZ_OP_SMART_ROLLUP_ADD_MESSAGES, PROG(F_MANAGER, F_DYN) },
	{ 202, TZ_OP_SMART_ROLLUP_CEMENT, PROG(F_MANAGER, F_FIX, 20) },
	/* rollup; commitment: state, inbox level, predecessor, ticks (int64) */
	{ 203, TZ_OP_SMART_ROLLUP_PUBLISH,
	  PROG(F_MANAGER, F_FIX, 20, F_FIX, 32, F_FIX, 4, F_FIX, 32, F_FIX, 8) },
	/* rollup, opponent, refutation */
	{ 204, TZ_OP_SMART_ROLLUP_REFUTE, PROG(F_MANAGER, F_FIX, 20, F_PKH, F_REFUTATION) },
	{ 205, TZ_OP_SMART_ROLLUP_TIMEOUT, PROG(F_MANAGER, F_FIX, 20, F_PKH, F_PKH) },
	{ 206, TZ_OP_SMART_ROLLUP_EXECUTE_OUTBOX_MESSAGE,
	  PROG(F_MANAGER, F_FIX, 20, F_FIX, 32, F_DYN) },
	{ 207, TZ_OP_SMART_ROLLUP_RECOVER_BOND, PROG(F_MANAGER, F_FIX, 20, F_PKH) },
	/* slot index, KZG commitment (48), commitment proof (96) */
	{ 230, TZ_OP_DAL_PUBLISH_COMMITMENT, PROG(F_MANAGER, F_FIX, 1, F_FIX, 48, F_FIX, 96) },
	/* public parameters, circuits info, initial state (scalars), nb_ops */
	{ 250, TZ_OP_ZK_ROLLUP_ORIGINATION,
	  PROG(F_MANAGER, F_DYN, F_ZK_CIRCUITS, F_DYN32, F_INT31) },
	/* rollup, L2 operations */
	{ 251, TZ_OP_ZK_ROLLUP_PUBLISH, PROG(F_MANAGER, F_FIX, 20, F_ZK_OPS) },
	/* rollup; update: pending pis, private pis, fee pi (new state), and
	 * the Plonk proof, which is a length-prefixed blob */
	{ 252, TZ_OP_ZK_ROLLUP_UPDATE,
	  PROG(F_MANAGER, F_FIX, 20, F_ZK_PENDING, F_ZK_PRIVATE, F_DYN32, F_DYN) },
};

int
tz_op_skip(struct tz_cur *c, uint64_t *kinds)
{
	const struct tz_op_desc *d = NULL;
	const uint8_t *prog;
	uint8_t tag;
	int rc;

	*kinds = 0;
	rc = tz_cur_u8(c, &tag);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(tz_ops) / sizeof(tz_ops[0]); i++) {
		if (tz_ops[i].tag == tag) {
			d = &tz_ops[i];
			break;
		}
	}
	if (!d)
		return SIGIL_E_INVALID;
	*kinds = UINT64_C(1) << d->kind;
	for (prog = d->prog; rc == 0 && *prog != F_END;)
		rc = run_field(c, &prog, kinds);
	if (rc != 0)
		*kinds = 0;
	return rc;
}
