/* The calls of a signing payload that sigil reads (extrinsic.h). Their
 * arguments, from polkadot-sdk:
 *   pallet_balances (substrate/frame/balances/src/lib.rs)
 *     transfer_allow_death (0): dest MultiAddress, #[compact] value u128
 *     force_transfer       (2): source, dest MultiAddress, #[compact] value
 *     transfer_keep_alive  (3): dest MultiAddress, #[compact] value
 *     transfer_all         (4): dest MultiAddress, keep_alive bool
 *   pallet_utility (substrate/frame/utility/src/lib.rs)
 *     batch (0), batch_all (2), force_batch (4): calls Vec<RuntimeCall>
 *   MultiAddress<AccountId32, AccountIndex> (sp_runtime multiaddress.rs):
 *     0 Id([u8; 32]), 1 Index(#[compact] AccountIndex), 2 Raw(Vec<u8>),
 *     3 Address32([u8; 32]), 4 Address20([u8; 20]) */
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/polkadot/extrinsic.h"

/* Internal: an unknown call was met, reading stops. */
#define CALL_STOP 1

#define FAIL(code, ...)                                   \
	do {                                                  \
		sigil_errf(reason, cap, __VA_ARGS__);             \
		return (code);                                    \
	} while (0)

static const char *const op_names[DOT_OP_KINDS] = {
	"transfer_allow_death", "transfer_keep_alive", "transfer_all", "force_transfer",
	"unknown_call",
};

const char *
dot_op_kind_name(enum dot_op_kind k)
{
	return (unsigned)k < DOT_OP_KINDS ? op_names[k] : NULL;
}

int
dot_op_kind_from_name(const char *name)
{
	for (int k = 0; name != NULL && k < DOT_OP_KINDS; k++)
		if (strcmp(op_names[k], name) == 0)
			return k;
	return -1;
}

/* "0x" or prefix, then hex, into text; false when it does not fit. */
static bool
hex_text(const char *prefix, const uint8_t *b, size_t n, char *text, size_t tcap)
{
	size_t pl = strlen(prefix);

	if (pl + 2 * n + 1 > tcap)
		return false;
	memcpy(text, prefix, pl);
	return hex_encode(b, n, text + pl, tcap - pl) == 0;
}

/* A MultiAddress into text (DOT_DEST_TEXT bytes) and whether it is an
 * account of the chain. */
static int
rd_address(struct scale_cur *c, const struct dot_network *net, char *text, bool *account,
           char *reason, size_t cap)
{
	const uint8_t *b;
	uint8_t tag;
	uint32_t n;
	uint64_t idx;
	int rc;

	text[0] = '\0';
	*account = false;
	if ((rc = scale_u8(c, &tag)) != 0)
		FAIL(rc, "destination cut short");
	switch (tag) {
	case 0: /* Id */
	case 3: /* Address32 */
		if ((rc = scale_bytes(c, DOT_ACCOUNT_LEN, &b)) != 0)
			FAIL(rc, "destination account cut short");
		if (dot_ss58_encode(net->ss58_prefix, b, text, DOT_DEST_TEXT) != 0)
			FAIL(SIGIL_E_INTERNAL, "destination: SS58");
		*account = true;
		return 0;
	case 1: /* Index */
		if (!net->index_u32) {
			snprintf(text, DOT_DEST_TEXT, "index");
			return 0;
		}
		if ((rc = scale_compact_u64(c, UINT32_MAX, &idx)) != 0)
			FAIL(rc, "destination: account index cut short, over 32 bits or not canonical");
		snprintf(text, DOT_DEST_TEXT, "index:%u", (unsigned)idx);
		return 0;
	case 2: /* Raw */
		if ((rc = scale_vec_len(c, DOT_RAW_ADDR_MAX, 1, &n)) != 0 ||
		    (rc = scale_bytes(c, n, &b)) != 0)
			FAIL(rc, "destination: raw address cut short, over %d bytes or not canonical",
			     DOT_RAW_ADDR_MAX);
		if (!hex_text("raw:0x", b, n, text, DOT_DEST_TEXT))
			text[0] = '\0';
		return 0;
	case 4: /* Address20 */
		if ((rc = scale_bytes(c, 20, &b)) != 0)
			FAIL(rc, "destination: 20-byte address cut short");
		if (!hex_text("0x", b, 20, text, DOT_DEST_TEXT))
			FAIL(SIGIL_E_INTERNAL, "destination: hex");
		return 0;
	default:
		FAIL(SIGIL_E_INVALID, "destination: MultiAddress variant %u does not exist", tag);
	}
}

static int
rd_amount(struct scale_cur *c, struct dot_op *op, char *reason, size_t cap)
{
	int rc = scale_compact(c, SCALE_U128_LEN, op->amount_le);

	if (rc == SIGIL_E_TOO_BIG)
		FAIL(rc, "amount over 128 bits");
	if (rc == SIGIL_E_INVALID)
		FAIL(rc, "amount: compact integer not in its shortest form");
	if (rc != 0)
		FAIL(rc, "amount cut short");
	if (scale_le_decimal(op->amount_le, SCALE_U128_LEN, op->amount, sizeof(op->amount)) != 0)
		FAIL(SIGIL_E_INTERNAL, "amount: decimal");
	return 0;
}

/* The op slot for the next call (a scratch one past DOT_OPS_MAX: those
 * are counted, not kept). */
static struct dot_op *
next_op(struct dot_payload *out, struct dot_op *scratch)
{
	struct dot_op *op = out->n_ops < DOT_OPS_MAX ? &out->ops[out->n_ops] : scratch;

	memset(op, 0, sizeof(*op));
	out->n_ops++;
	return op;
}

static int
rd_balances(struct scale_cur *c, const struct dot_network *net, uint8_t call, struct dot_op *op,
            char *reason, size_t cap)
{
	int rc;

	if (call == net->transfer_allow_death || call == net->transfer_keep_alive) {
		op->kind = call == net->transfer_allow_death ? DOT_OP_TRANSFER_ALLOW_DEATH
		                                             : DOT_OP_TRANSFER_KEEP_ALIVE;
		op->keep_alive = op->kind == DOT_OP_TRANSFER_KEEP_ALIVE;
		if ((rc = rd_address(c, net, op->destination, &op->dest_account, reason, cap)) != 0)
			return rc;
		return rd_amount(c, op, reason, cap);
	}
	if (call == net->force_transfer) {
		bool src_account;

		op->kind = DOT_OP_FORCE_TRANSFER;
		if ((rc = rd_address(c, net, op->source, &src_account, reason, cap)) != 0 ||
		    (rc = rd_address(c, net, op->destination, &op->dest_account, reason, cap)) != 0)
			return rc;
		return rd_amount(c, op, reason, cap);
	}
	if (call == net->transfer_all) {
		op->kind = DOT_OP_TRANSFER_ALL;
		if ((rc = rd_address(c, net, op->destination, &op->dest_account, reason, cap)) != 0)
			return rc;
		rc = scale_bool(c, &op->keep_alive);
		if (rc == SIGIL_E_INVALID)
			FAIL(rc, "transfer_all: keep_alive is not a bool");
		if (rc != 0)
			FAIL(rc, "transfer_all cut short");
		return 0;
	}
	op->kind = DOT_OP_UNKNOWN;
	return CALL_STOP;
}

static int rd_call(struct scale_cur *c, const struct dot_network *net, struct dot_payload *out,
                   unsigned depth, char *reason, size_t cap);

/* Vec<RuntimeCall>: each call in turn, until an unknown one. */
static int
rd_batch(struct scale_cur *c, const struct dot_network *net, struct dot_payload *out,
         unsigned depth, char *reason, size_t cap)
{
	uint32_t n;
	int rc = scale_vec_len(c, DOT_BATCH_MAX, 2, &n);

	if (rc == SIGIL_E_TOO_BIG)
		FAIL(rc, "a batch of over %d calls", DOT_BATCH_MAX);
	if (rc == SIGIL_E_INVALID)
		FAIL(rc, "batch length: compact integer not in its shortest form");
	if (rc != 0)
		FAIL(rc, "batch cut short");
	for (uint32_t i = 0; i < n; i++)
		if ((rc = rd_call(c, net, out, depth + 1, reason, cap)) != 0)
			return rc;
	return 0;
}

static int
rd_call(struct scale_cur *c, const struct dot_network *net, struct dot_payload *out,
        unsigned depth, char *reason, size_t cap)
{
	struct dot_op scratch, *op;
	uint8_t pallet, call;
	int rc;

	if ((rc = scale_u8(c, &pallet)) != 0 || (rc = scale_u8(c, &call)) != 0)
		FAIL(rc, "call cut short");
	if (pallet == net->utility && depth < DOT_DEPTH_MAX &&
	    (call == net->batch || call == net->batch_all || call == net->force_batch)) {
		if (depth == 0)
			out->batch = call == net->batch       ? DOT_BATCH
			             : call == net->batch_all ? DOT_BATCH_ALL
			                                      : DOT_BATCH_FORCE;
		return rd_batch(c, net, out, depth, reason, cap);
	}
	op = next_op(out, &scratch);
	op->pallet = pallet;
	op->call = call;
	op->kind = DOT_OP_UNKNOWN;
	rc = pallet == net->balances ? rd_balances(c, net, call, op, reason, cap) : CALL_STOP;
	/* transfer_all names no amount, and money may go where no account of
	 * the chain is: either way the operations do not tell the effect. */
	if (rc == CALL_STOP || op->kind == DOT_OP_TRANSFER_ALL || !op->dest_account)
		out->opaque = true;
	return rc;
}

int
dot_call_decode(struct scale_cur *c, const struct dot_network *net, struct dot_payload *out,
                char *reason, size_t cap)
{
	size_t start = c->off;
	int rc = rd_call(c, net, out, 0, reason, cap);

	if (rc == CALL_STOP) {
		out->call_known = false;
		return 0;
	}
	if (rc != 0)
		return rc;
	out->call_known = true;
	out->call_len = c->off - start;
	return 0;
}
