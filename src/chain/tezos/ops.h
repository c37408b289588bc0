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

/* Reads one content of a generic operation (tag and body) at c->pos and
 * leaves c->pos after it; *kind gets its enum tz_op_kind. */
__attribute__((warn_unused_result)) int tz_op_skip(struct tz_cur *c, int *kind);

#endif
