/* SCALE primitives (scale.h). The compact forms and their shortest-form
 * rule are those of parity-scale-codec's Compact<T> (the "out of range"
 * checks of its decoder); the layout is the SCALE section of the Polkadot
 * specification. */
#include "chain/polkadot/scale.h"

#include <string.h>

#include "base/decimal.h"
#include "base/errors.h"

static int
need(const struct scale_cur *c, size_t n)
{
	return scale_left(c) < n ? SIGIL_E_INCOMPLETE : 0;
}

/* n bytes little-endian, n <= 8. */
static uint64_t
le_u64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static int
rd_le(struct scale_cur *c, size_t n, uint64_t *v)
{
	int rc = need(c, n);

	if (rc != 0)
		return rc;
	*v = le_u64(c->p + c->off, n);
	c->off += n;
	return 0;
}

int
scale_u8(struct scale_cur *c, uint8_t *v)
{
	uint64_t x;
	int rc = rd_le(c, 1, &x);

	*v = rc == 0 ? (uint8_t)x : 0;
	return rc;
}

int
scale_u16(struct scale_cur *c, uint16_t *v)
{
	uint64_t x;
	int rc = rd_le(c, 2, &x);

	*v = rc == 0 ? (uint16_t)x : 0;
	return rc;
}

int
scale_u32(struct scale_cur *c, uint32_t *v)
{
	uint64_t x;
	int rc = rd_le(c, 4, &x);

	*v = rc == 0 ? (uint32_t)x : 0;
	return rc;
}

int
scale_u64(struct scale_cur *c, uint64_t *v)
{
	int rc = rd_le(c, 8, v);

	if (rc != 0)
		*v = 0;
	return rc;
}

/* One byte that must be 0 or 1. */
static int
rd_flag(struct scale_cur *c, bool *v)
{
	int rc = need(c, 1);

	*v = false;
	if (rc != 0)
		return rc;
	if (c->p[c->off] > 1)
		return SIGIL_E_INVALID;
	*v = c->p[c->off++] == 1;
	return 0;
}

int
scale_bool(struct scale_cur *c, bool *v)
{
	return rd_flag(c, v);
}

int
scale_option(struct scale_cur *c, bool *some)
{
	return rd_flag(c, some);
}

int
scale_bytes(struct scale_cur *c, size_t n, const uint8_t **out)
{
	int rc = need(c, n);

	*out = NULL;
	if (rc != 0)
		return rc;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

/* The value bytes of a compact integer at the cursor, not consumed: into
 * le, with *total the bytes it takes (prefix included). */
static int
compact_peek(const struct scale_cur *c, size_t max_bytes, uint8_t le[SCALE_U128_LEN],
             size_t *total)
{
	const uint8_t *p = c->p + c->off;
	uint64_t v;
	size_t n;
	int rc;

	if ((rc = need(c, 1)) != 0)
		return rc;
	switch (p[0] & 3) {
	case 0:
		le[0] = p[0] >> 2;
		*total = 1;
		return 0;
	case 1:
		if ((rc = need(c, 2)) != 0)
			return rc;
		v = le_u64(p, 2) >> 2;
		if (v < (1u << 6))
			return SIGIL_E_INVALID;
		*total = 2;
		break;
	case 2:
		if ((rc = need(c, 4)) != 0)
			return rc;
		v = le_u64(p, 4) >> 2;
		if (v < (1u << 14))
			return SIGIL_E_INVALID;
		*total = 4;
		break;
	default:
		/* Big-integer mode: the length is known before the bytes are, so
		 * a value too wide for the type is refused as such. */
		n = (size_t)(p[0] >> 2) + 4;
		if (n > max_bytes || n > SCALE_U128_LEN)
			return SIGIL_E_TOO_BIG;
		if ((rc = need(c, 1 + n)) != 0)
			return rc;
		/* Shortest form: a top byte of zero would fit in fewer bytes, and
		 * four bytes must hold at least 2^30 (else mode 0b10 would do). */
		if (p[n] == 0 || (n == 4 && p[4] < 0x40))
			return SIGIL_E_INVALID;
		memcpy(le, p + 1, n);
		*total = 1 + n;
		return 0;
	}
	for (size_t i = 0; i < 4; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	return 0;
}

int
scale_compact(struct scale_cur *c, size_t max_bytes, uint8_t le[static SCALE_U128_LEN])
{
	size_t total = 0;
	int rc;

	memset(le, 0, SCALE_U128_LEN);
	if (max_bytes == 0 || max_bytes > SCALE_U128_LEN)
		return SIGIL_E_INTERNAL;
	rc = compact_peek(c, max_bytes, le, &total);
	for (size_t i = max_bytes; rc == 0 && i < SCALE_U128_LEN; i++)
		if (le[i] != 0)
			rc = SIGIL_E_TOO_BIG;
	if (rc != 0) {
		memset(le, 0, SCALE_U128_LEN);
		return rc;
	}
	c->off += total;
	return 0;
}

int
scale_compact_u64(struct scale_cur *c, uint64_t max, uint64_t *v)
{
	uint8_t le[SCALE_U128_LEN];
	struct scale_cur save = *c;
	int rc = scale_compact(c, 8, le);

	*v = 0;
	if (rc != 0)
		return rc;
	if (le_u64(le, 8) > max) {
		*c = save;
		return SIGIL_E_TOO_BIG;
	}
	*v = le_u64(le, 8);
	return 0;
}

int
scale_vec_len(struct scale_cur *c, uint32_t max, size_t min_item, uint32_t *n)
{
	struct scale_cur save = *c;
	uint64_t v;
	int rc = scale_compact_u64(c, max, &v);

	*n = 0;
	if (rc != 0)
		return rc;
	/* v <= max < 2^32, and min_item is small: the product fits. */
	if (min_item > 0 && v * min_item > scale_left(c)) {
		*c = save;
		return SIGIL_E_INCOMPLETE;
	}
	*n = (uint32_t)v;
	return 0;
}

size_t
scale_compact_put(const uint8_t le[static SCALE_U128_LEN], uint8_t *out, size_t cap)
{
	size_t n = SCALE_U128_LEN, need_len;
	uint64_t small;

	while (n > 0 && le[n - 1] == 0)
		n--;
	small = n <= 4 ? le_u64(le, n) : UINT64_MAX;
	if (small < (1u << 6)) {
		need_len = 1;
		small <<= 2;
	} else if (small < (1u << 14)) {
		need_len = 2;
		small = small << 2 | 1;
	} else if (small < (1u << 30)) {
		need_len = 4;
		small = small << 2 | 2;
	} else {
		if (n < 4)
			n = 4;
		if (cap < n + 1)
			return 0;
		out[0] = (uint8_t)((n - 4) << 2 | 3);
		memcpy(out + 1, le, n);
		return n + 1;
	}
	if (cap < need_len)
		return 0;
	for (size_t i = 0; i < need_len; i++)
		out[i] = (uint8_t)(small >> (8 * i));
	return need_len;
}

int
scale_le_decimal(const uint8_t *le, size_t n, char *out, size_t cap)
{
	uint8_t be[SCALE_U128_LEN];

	if (cap > 0)
		out[0] = '\0';
	if (n > sizeof(be))
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < n; i++)
		be[i] = le[n - 1 - i];
	return uint_decimal(be, n, out, cap);
}
