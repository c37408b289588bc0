/* What the operations of a generic (0x03) request say, for the intent
 * (chain.h, struct intent_op): kind, and for manager operations the fee,
 * for transactions the amount and the destination. Runs on bytes that
 * tz_decode has accepted whole, reading them again with the same skipper. */
#include "chain/tezos/intent_ops.h"

#include <stdio.h>
#include <string.h>

#include "chain/tezos/b58.h"
#include "chain/tezos/decode.h"
#include "chain/tezos/keys.h"
#include "chain/tezos/ops.h"

/* Manager operations begin with source, fee, counter, gas and storage
 * limits (ops.c, F_MANAGER). */
static bool
tz_is_manager(uint8_t tag)
{
	return (tag >= 107 && tag <= 115) || tag == 158 || (tag >= 200 && tag <= 207) ||
	       tag == 230 || (tag >= 250 && tag <= 252);
}

/* A Zarith natural of at most 10 bytes (70 bits) as decimal text. */
static int
tz_read_nat(struct tz_cur *c, char *out, size_t cap)
{
	unsigned __int128 v = 0;
	char digits[48];
	size_t n = 0, shift = 0;
	uint8_t b = 0x80;

	while (b & 0x80) {
		if (shift >= 70 || tz_cur_u8(c, &b) != 0)
			return -1;
		v |= (unsigned __int128)(b & 0x7f) << shift;
		shift += 7;
	}
	do {
		digits[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0 && n < sizeof(digits));
	if (n + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
	return 0;
}

/* A contract id (22 bytes: 00 ‖ key-type tag ‖ hash, or 01 ‖ KT1 hash ‖ 00)
 * as its address. */
static int
tz_read_contract(struct tz_cur *c, char *out, size_t cap)
{
	uint8_t id[22];

	if (tz_cur_left(c) < sizeof(id))
		return -1;
	memcpy(id, c->p + c->pos, sizeof(id));
	c->pos += sizeof(id);
	if (id[0] == 0x00 && id[1] <= 3)
		return tz_pkh_encode((enum sigil_key_type)id[1], id + 2, out, cap) == 0 ? 0 : -1;
	if (id[0] == 0x01)
		return tz_b58_encode(TZ_P_KT1, id + 1, 20, out, cap) == 0 ? 0 : -1;
	return -1;
}

/* The fields of one content at [start, end) into op (already zeroed). */
static void
tz_op_fields(const uint8_t *buf, size_t start, size_t end, struct intent_op *op)
{
	struct tz_cur c = {buf, end, start};
	uint8_t tag;
	char skip[48];

	if (tz_cur_u8(&c, &tag) != 0 || !tz_is_manager(tag))
		return;
	if (tz_cur_skip(&c, 21) != 0 || tz_read_nat(&c, op->fee, sizeof(op->fee)) != 0) {
		op->fee[0] = '\0';
		return;
	}
	if (tag != 108) /* a transaction: amount and destination follow */
		return;
	for (int i = 0; i < 3; i++) /* counter, gas limit, storage limit */
		if (tz_read_nat(&c, skip, sizeof(skip)) != 0)
			return;
	if (tz_read_nat(&c, op->amount, sizeof(op->amount)) != 0 ||
	    tz_read_contract(&c, op->destination, sizeof(op->destination)) != 0) {
		op->amount[0] = op->destination[0] = '\0';
	}
}

void
tz_intent_ops(const uint8_t *buf, size_t len, struct sign_intent *in)
{
	struct tz_cur c = {buf, len, 1 + 32}; /* magic, branch */
	unsigned n = 0;

	while (n < INTENT_OPS_MAX && tz_cur_left(&c) > 0) {
		size_t start = c.pos;
		uint64_t kinds = 0;

		if (tz_op_skip(&c, &kinds) != 0 || kinds == 0)
			return; /* cannot happen on bytes tz_decode accepted */
		struct intent_op *op = &in->ops[n++];
		memset(op, 0, sizeof(*op));
		/* A content that counts as two (a staking entrypoint called
		 * through a transaction) is described by the other kind. */
		uint64_t other = kinds & ~(UINT64_C(1) << TZ_OP_TRANSACTION);
		op->kind = (unsigned)__builtin_ctzll(other ? other : kinds);
		tz_op_fields(buf, start, c.pos, op);
	}
}
