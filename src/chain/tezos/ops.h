/* Internal to the Tezos decoder: a bounds-checked reader and the table of
 * operation encodings (ops.c). Not for use outside src/chain/tezos. */
#ifndef SIGIL_TZ_OPS_H
#define SIGIL_TZ_OPS_H
#include <stddef.h>
#include <stdint.h>

/* Every read checks what remains first; running out is SIGIL_E_INCOMPLETE. */
struct tz_cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

static inline size_t
tz_cur_left(const struct tz_cur *c)
{
	return c->len - c->pos;
}

__attribute__((warn_unused_result)) int tz_cur_skip(struct tz_cur *c, size_t n);
__attribute__((warn_unused_result)) int tz_cur_u8(struct tz_cur *c, uint8_t *v);
__attribute__((warn_unused_result)) int tz_cur_u16(struct tz_cur *c, uint16_t *v);
__attribute__((warn_unused_result)) int tz_cur_i32(struct tz_cur *c, int32_t *v);
__attribute__((warn_unused_result)) int tz_cur_u32(struct tz_cur *c, uint32_t *v);

/* Skips a Zarith natural ("N", signed = 0) or integer ("Z", signed = 1) of at
 * most maxbytes bytes; non-canonical forms (a final 0x00 byte after the
 * first, a lone negative zero) are SIGIL_E_INVALID. */
__attribute__((warn_unused_result)) int tz_cur_zarith(struct tz_cur *c, int is_signed,
                                                      size_t maxbytes);

/* Shared field readers (ops.c). tz_rd_bool: data_encoding's bool, 0x00 or
 * 0xff. tz_rd_pkh: tag 0..3 + 20 bytes. tz_rd_contract: 00 + pkh or 01 +
 * KT1 hash + 00 padding (originated_only refuses the first). tz_rd_dyn: a
 * uint32 length and that many bytes, opened as *sub when sub is not NULL; a
 * length beyond what remains is SIGIL_E_INCOMPLETE. */
__attribute__((warn_unused_result)) int tz_rd_bool(struct tz_cur *c, int *v);
__attribute__((warn_unused_result)) int tz_rd_pkh(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_contract(struct tz_cur *c, int originated_only);
__attribute__((warn_unused_result)) int tz_rd_dyn(struct tz_cur *c, struct tz_cur *sub);

/* Inside a length-prefixed region every byte is present, so running out
 * there means the prefix lied: SIGIL_E_INCOMPLETE becomes SIGIL_E_INVALID. */
int tz_sub_rc(int rc);

/* Rollup bodies too irregular for the field table (ops_rollup.c); each
 * reads one field at c->pos and leaves c->pos after it. */
__attribute__((warn_unused_result)) int tz_rd_int31(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_micheline(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_refutation(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_zk_circuits(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_zk_ops(struct tz_cur *c);
__attribute__((warn_unused_result)) int tz_rd_zk_pis(struct tz_cur *c, int pending);

/* Reads one content of a generic operation (tag and body) at c->pos and
 * leaves c->pos after it; *kinds gets bit (1 << enum tz_op_kind) of its
 * kind, and a second bit for the one content that counts as two (a call to
 * a contract's entrypoint named like a staking one, see ops.c). */
__attribute__((warn_unused_result)) int tz_op_skip(struct tz_cur *c, uint64_t *kinds);

#endif
