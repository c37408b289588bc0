/* The operation bodies of protocols 023 (PtSeouLo) and 024 (PtTALLiN) that
 * the field table in ops.c cannot express: smart_rollup_refute (tag 204)
 * and the zk rollup operations (250 origination, 251 publish, 252 update).
 *
 * Where the layouts were checked: octez's generated Kaitai descriptions of
 * the operation contents, client-libs/kaitai-struct-files/files/
 * id_023__ptseoulo__operation__contents.ksy and id_024__pttallin__
 * operation__contents.ksy (tezos-mirror). The two agree on every structure
 * read here; they differ only in the Michelson primitives, where 024 adds
 * 159 INDEX_ADDRESS and 160 GET_ADDRESS_INDEX. The tag numbers 204 and
 * 250..252 are the same in both files' contents_tag enums. No forger we can
 * run (taquito's local-forging 24.2.0) builds these kinds, so the tests'
 * vectors are hand-built from the same descriptions.
 *
 * refutation: u8 0 start {player, opponent commitment hashes, 32 each}
 *             | u8 1 move {choice: tick N; step}
 * step:       u8 0 dissection: dyn of {state: bool + 32; tick N}
 *             | u8 1 proof {pvm_step: dyn; input_proof: bool + input}
 * input:      u8 0 inbox {level i32; message_counter N; proof dyn}
 *             | u8 1 reveal {u8 0 raw data: u16 length <= 4096 + bytes
 *                            | u8 1 metadata | u8 2 DAL page {published
 *                            level i32, slot u8, page i16; proof dyn}
 *                            | u8 3 DAL parameters}
 *             | u8 2 first input
 * zk origination: public parameters dyn; circuits dyn of {name dyn; u8
 *             0 public | 1 private | 2 fee}; init state dyn of 32-byte
 *             scalars; nb_ops int31
 * zk publish: rollup 20; ops dyn of {op_code int31; price {ticket hash 32;
 *             amount Z}; l1_dst pkh; rollup_id 20; payload dyn of 32-byte
 *             scalars; ticket: u8 0 none | u8 1 {contents Micheline; type
 *             Micheline; ticketer contract}}  (a 0/1 union, not 00/ff)
 * zk update:  rollup 20; pending pis dyn of {name dyn; new state dyn of
 *             32-byte scalars; fee 32; exit_validity bool}; private pis
 *             dyn of {name dyn; new state; fee 32}; fee pi (new state);
 *             the Plonk proof as a dyn blob.
 * The PVM step, the inbox and output proofs and the Plonk proof are
 * length-prefixed blobs in the encoding: we skip them by their length. */
#include <stdint.h>
#include <string.h>

#include "chain/tezos/ops.h"
#include "base/errors.h"

/* Ticks and message counters are unbounded naturals in the protocol; 64
 * bytes (448 bits) is far past any reachable value. */
#define NAT_MAX_BYTES 64
/* Micheline ints are unbounded too; this bounds the work per number. */
#define MICHELINE_INT_MAX_BYTES 1024
/* Pending expressions and annotations while skipping one Micheline value:
 * each nesting level of a 2-argument primitive adds at most two. */
#define MICHELINE_STACK 512
/* The highest Michelson primitive of 024 (023 stops at 158). */
#define MICHELINE_PRIM_MAX 160
/* data_encoding's Bounded.bytes 4096 for raw reveal data. */
#define RAW_DATA_MAX 4096

int
tz_rd_int31(struct tz_cur *c)
{
	int32_t v;
	int rc = tz_cur_i32(c, &v);

	if (rc != 0)
		return rc;
	if (v < -(INT32_C(1) << 30) || v > (INT32_C(1) << 30) - 1)
		return SIGIL_E_INVALID;
	return 0;
}

static int
rd_dyn_scalars(struct tz_cur *c)
{
	struct tz_cur sub;
	int rc = tz_rd_dyn(c, &sub);

	return rc == 0 && sub.len % 32 != 0 ? SIGIL_E_INVALID : rc;
}

static int
rd_prim(struct tz_cur *c)
{
	uint8_t prim;
	int rc = tz_cur_u8(c, &prim);

	return rc == 0 && prim > MICHELINE_PRIM_MAX ? SIGIL_E_INVALID : rc;
}

/* Skips one Micheline expression. Sequences and generic primitives carry
 * their arguments behind a length, so only the 1- and 2-argument forms
 * nest inline; their annotations come after the arguments, hence a stack
 * of what is still to read instead of a counter. No recursion. */
enum { M_EXPR, M_ANNOTS };

int
tz_rd_micheline(struct tz_cur *c)
{
	uint8_t stack[MICHELINE_STACK];
	size_t top = 0;
	uint8_t tag;
	int rc = 0;

	stack[top++] = M_EXPR;
	while (rc == 0 && top > 0) {
		if (stack[--top] == M_ANNOTS) {
			rc = tz_rd_dyn(c, NULL);
			continue;
		}
		rc = tz_cur_u8(c, &tag);
		if (rc != 0)
			break;
		if (tag >= 3 && tag <= 8) {
			/* prim, then (after its args) annotations for 4, 6, 8 */
			rc = rd_prim(c);
			if (rc != 0)
				break;
			if (top + 3 > MICHELINE_STACK)
				return SIGIL_E_INVALID; /* nesting past our ceiling */
			if (tag % 2 == 0)
				stack[top++] = M_ANNOTS;
			if (tag >= 7)
				stack[top++] = M_EXPR;
			if (tag >= 5)
				stack[top++] = M_EXPR;
			continue;
		}
		switch (tag) {
		case 0: /* int */
			rc = tz_cur_zarith(c, 1, MICHELINE_INT_MAX_BYTES);
			break;
		case 1:  /* string */
		case 2:  /* sequence */
		case 10: /* bytes */
			rc = tz_rd_dyn(c, NULL);
			break;
		case 9: /* generic prim: args and annotations both length-prefixed */
			rc = rd_prim(c);
			if (rc == 0)
				rc = tz_rd_dyn(c, NULL);
			if (rc == 0)
				rc = tz_rd_dyn(c, NULL);
			break;
		default:
			rc = SIGIL_E_INVALID;
			break;
		}
	}
	return rc;
}

/* ---- smart_rollup_refute ------------------------------------------------ */

static int
rd_dissection(struct tz_cur *c)
{
	struct tz_cur sub;
	int has, rc = tz_rd_dyn(c, &sub);

	while (rc == 0 && tz_cur_left(&sub) > 0) {
		rc = tz_rd_bool(&sub, &has);
		if (rc == 0 && has)
			rc = tz_cur_skip(&sub, 32); /* state hash */
		if (rc == 0)
			rc = tz_cur_zarith(&sub, 0, NAT_MAX_BYTES); /* tick */
		rc = tz_sub_rc(rc);
	}
	return rc;
}

static int
rd_reveal_proof(struct tz_cur *c)
{
	uint8_t tag;
	uint16_t n;
	int rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	switch (tag) {
	case 0: /* raw data */
		rc = tz_cur_u16(c, &n);
		if (rc != 0)
			return rc;
		if (n > RAW_DATA_MAX)
			return SIGIL_E_INVALID;
		return tz_cur_skip(c, n);
	case 1: /* metadata: no body */
	case 3: /* DAL parameters: no body */
		return 0;
	case 2: /* DAL page id (level, slot index, page index), then its proof */
		rc = tz_cur_skip(c, 4 + 1 + 2);
		return rc != 0 ? rc : tz_rd_dyn(c, NULL);
	default:
		return SIGIL_E_INVALID;
	}
}

static int
rd_input_proof(struct tz_cur *c)
{
	uint8_t tag;
	int rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	switch (tag) {
	case 0: /* inbox: level, message counter, serialized proof */
		rc = tz_cur_skip(c, 4);
		if (rc == 0)
			rc = tz_cur_zarith(c, 0, NAT_MAX_BYTES);
		return rc != 0 ? rc : tz_rd_dyn(c, NULL);
	case 1:
		return rd_reveal_proof(c);
	case 2: /* first input: no body */
		return 0;
	default:
		return SIGIL_E_INVALID;
	}
}

int
tz_rd_refutation(struct tz_cur *c)
{
	uint8_t tag;
	int has, rc = tz_cur_u8(c, &tag);

	if (rc != 0)
		return rc;
	if (tag == 0)
		return tz_cur_skip(c, 32 + 32); /* start: both commitment hashes */
	if (tag != 1)
		return SIGIL_E_INVALID;
	rc = tz_cur_zarith(c, 0, NAT_MAX_BYTES); /* move: choice (a tick) */
	if (rc == 0)
		rc = tz_cur_u8(c, &tag);
	if (rc != 0)
		return rc;
	if (tag == 0)
		return rd_dissection(c);
	if (tag != 1)
		return SIGIL_E_INVALID;
	rc = tz_rd_dyn(c, NULL); /* PVM step proof */
	if (rc == 0)
		rc = tz_rd_bool(c, &has);
	if (rc != 0 || !has)
		return rc;
	return rd_input_proof(c);
}

/* ---- zk rollups ------------------------------------------------------------ */

int
tz_rd_zk_circuits(struct tz_cur *c)
{
	struct tz_cur sub;
	uint8_t kind;
	int rc = tz_rd_dyn(c, &sub);

	while (rc == 0 && tz_cur_left(&sub) > 0) {
		rc = tz_rd_dyn(&sub, NULL); /* circuit name */
		if (rc == 0)
			rc = tz_cur_u8(&sub, &kind);
		if (rc == 0 && kind > 2) /* public, private, fee */
			rc = SIGIL_E_INVALID;
		rc = tz_sub_rc(rc);
	}
	return rc;
}

static int
rd_zk_op(struct tz_cur *c)
{
	uint8_t has;
	int rc = tz_rd_int31(c); /* op_code */

	if (rc == 0)
		rc = tz_cur_skip(c, 32); /* price: ticket hash */
	if (rc == 0)
		rc = tz_cur_zarith(c, 1, NAT_MAX_BYTES); /* price: amount */
	if (rc == 0)
		rc = tz_rd_pkh(c); /* l1_dst */
	if (rc == 0)
		rc = tz_cur_skip(c, 20); /* rollup_id */
	if (rc == 0)
		rc = rd_dyn_scalars(c); /* payload */
	if (rc == 0)
		rc = tz_cur_u8(c, &has);
	if (rc != 0)
		return rc;
	if (has == 0)
		return 0;
	if (has != 1)
		return SIGIL_E_INVALID;
	rc = tz_rd_micheline(c); /* ticket contents */
	if (rc == 0)
		rc = tz_rd_micheline(c); /* ticket type */
	return rc != 0 ? rc : tz_rd_contract(c, 0); /* ticketer */
}

int
tz_rd_zk_ops(struct tz_cur *c)
{
	struct tz_cur sub;
	int rc = tz_rd_dyn(c, &sub);

	while (rc == 0 && tz_cur_left(&sub) > 0)
		rc = tz_sub_rc(rd_zk_op(&sub));
	return rc;
}

int
tz_rd_zk_pis(struct tz_cur *c, int pending)
{
	struct tz_cur sub;
	int valid, rc = tz_rd_dyn(c, &sub);

	while (rc == 0 && tz_cur_left(&sub) > 0) {
		rc = tz_rd_dyn(&sub, NULL); /* circuit name */
		if (rc == 0)
			rc = rd_dyn_scalars(&sub); /* new state */
		if (rc == 0)
			rc = tz_cur_skip(&sub, 32); /* fee */
		if (rc == 0 && pending)
			rc = tz_rd_bool(&sub, &valid); /* exit_validity */
		rc = tz_sub_rc(rc);
	}
	return rc;
}
