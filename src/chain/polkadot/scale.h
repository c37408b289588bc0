/* SCALE, the Substrate codec (parity-scale-codec), as far as a signer
 * reads it: fixed-width little-endian integers, booleans, Option's tag,
 * fixed byte strings, and compact integers (vector lengths among them).
 *
 * A cursor walks (p, len); every read checks what is left first and fails
 * with SIGIL_E_INCOMPLETE when the bytes end early. SIGIL_E_INVALID is for
 * bytes no encoder writes: a bool or Option tag other than 0 or 1, and a
 * compact integer not in its shortest form (parity-scale-codec refuses
 * those too, so a payload has one encoding). SIGIL_E_TOO_BIG is for a
 * value over the caller's ceiling. On error the cursor stays where it was.
 *
 * Compact integers (the four modes, by the two low bits of the first byte):
 *   0b00  one byte,   value << 2,             0 .. 2^6 - 1
 *   0b01  two bytes,  LE value << 2 | 1,      2^6 .. 2^14 - 1
 *   0b10  four bytes, LE value << 2 | 2,      2^14 .. 2^30 - 1
 *   0b11  big: the upper six bits are n - 4, then n bytes LE (4 <= n <= 67),
 *         value >= 2^30 and its last byte not zero (shortest form).
 * Sigil reads them up to 128 bits (balances are u128 on Polkadot). */
#ifndef SIGIL_DOT_SCALE_H
#define SIGIL_DOT_SCALE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCALE_U128_LEN 16
#define SCALE_U128_DEC 40    /* 2^128 - 1 has 39 digits, and the NUL */
#define SCALE_COMPACT_MAX 17 /* a compact u128 in bytes, at most */

struct scale_cur {
	const uint8_t *p;
	size_t len, off;
};

static inline void
scale_cur_init(struct scale_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

static inline size_t
scale_left(const struct scale_cur *c)
{
	return c->len - c->off;
}

/* Fixed-width little-endian integers. */
__attribute__((warn_unused_result)) int scale_u8(struct scale_cur *c, uint8_t *v);
__attribute__((warn_unused_result)) int scale_u16(struct scale_cur *c, uint16_t *v);
__attribute__((warn_unused_result)) int scale_u32(struct scale_cur *c, uint32_t *v);
__attribute__((warn_unused_result)) int scale_u64(struct scale_cur *c, uint64_t *v);
/* A bool (0x00 or 0x01), and Option's tag (0x00 None, 0x01 Some). */
__attribute__((warn_unused_result)) int scale_bool(struct scale_cur *c, bool *v);
__attribute__((warn_unused_result)) int scale_option(struct scale_cur *c, bool *some);
/* n bytes as they are (a fixed array, a hash): *out points into the input. */
__attribute__((warn_unused_result)) int
scale_bytes(struct scale_cur *c, size_t n, const uint8_t **out);

/* A compact integer of at most max_bytes bytes of value (1..16: 4 for a
 * u32, 8 for a u64, 16 for a u128) into le (16 bytes, little-endian, zero
 * above). SIGIL_E_TOO_BIG when the value does not fit in max_bytes. */
__attribute__((warn_unused_result)) int
scale_compact(struct scale_cur *c, size_t max_bytes, uint8_t le[static SCALE_U128_LEN]);
/* A compact integer of at most max (a u32's or u64's range, or a lower
 * ceiling such as a vector's length): SIGIL_E_TOO_BIG above it. */
__attribute__((warn_unused_result)) int
scale_compact_u64(struct scale_cur *c, uint64_t max, uint64_t *v);

/* A vector's or byte string's length (a compact integer), at most max and
 * at most what is left of the input times min_item (each item is at least
 * that many bytes; 1 for bytes): a length the input cannot hold is
 * SIGIL_E_INCOMPLETE, one over max SIGIL_E_TOO_BIG. */
__attribute__((warn_unused_result)) int
scale_vec_len(struct scale_cur *c, uint32_t max, size_t min_item, uint32_t *n);

/* The compact encoding of le (16 bytes LE) in its shortest form into out
 * (SCALE_COMPACT_MAX bytes is always enough): its length, or 0 when cap is
 * short. */
size_t scale_compact_put(const uint8_t le[static SCALE_U128_LEN], uint8_t *out, size_t cap);

/* A little-endian integer of n bytes (n <= 16) in decimal, into out (cap
 * bytes, SCALE_U128_DEC is enough): 0 or SIGIL_E_TOO_BIG. */
__attribute__((warn_unused_result)) int
scale_le_decimal(const uint8_t *le, size_t n, char *out, size_t cap);

#endif
