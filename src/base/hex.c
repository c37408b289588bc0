#include "base/hex.h"
#include "base/errors.h"

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A digit's value without a branch on it: hex text is often a secret (a
 * key being imported), and on random digits a branch per digit mispredicts
 * about half the time, which made this loop a visible share of a signing
 * request (bench section 8). For c in '0'..'9', c ^ 0x30 is 0..9; for a
 * letter in either case, (c & ~0x20) - 55 is 10..15 for 'A'..'F'. Each
 * range test is the sign bit of a subtraction, turned into a mask. The
 * result is the digit's value, or -1 (every bit of the valid mask clear). */
static inline int
nibble_ct(unsigned char c)
{
	unsigned num = c ^ 0x30u;
	unsigned num_ok = ((num - 10u) >> 8) & 0xffu; /* 0xff when num < 10 */
	unsigned alpha = (c & ~0x20u) - 55u;
	unsigned alpha_ok = (((alpha - 10u) ^ (alpha - 16u)) >> 8) & 0xffu; /* 10 <= alpha < 16 */
	unsigned ok = num_ok | alpha_ok;

	return (int)((num & num_ok) | (alpha & alpha_ok)) - (int)(1u - (ok & 1u));
}

int
hex_nibble(char c)
{
	return nibble_ct((unsigned char)c);
}

#define ONES UINT64_C(0x0101010101010101)
#define TOPS UINT64_C(0x8080808080808080)

/* Eight digits at once, one in each byte of w (the first in the lowest):
 * their values into the low nibbles of *val, true when all eight are hex
 * digits. Each range test adds to every byte at once a number that sets
 * its top bit exactly when the byte is at or above a bound; with the top
 * bits cleared first no sum carries into the next byte, and the bytes that
 * had a top bit are refused apart. */
static inline bool
nibbles8(uint64_t w, uint64_t *val)
{
	uint64_t x = w & ~TOPS, y = x | 0x20 * ONES; /* y: letters in lower case */
	uint64_t dig = (x + (0x80 - '0') * ONES) & ~(x + (0x80 - '9' - 1) * ONES) & TOPS;
	uint64_t alp = (y + (0x80 - 'a') * ONES) & ~(y + (0x80 - 'f' - 1) * ONES) & TOPS;
	uint64_t dm = (dig >> 7) * 0xff, am = (alp >> 7) * 0xff;

	/* Each byte's top bit set before subtracting: no borrow either. */
	*val = ((((x | TOPS) - '0' * ONES) & dm) | (((y | TOPS) - ('a' - 10) * ONES) & am)) &
	       0x0f * ONES;
	return ((dig | alp) == TOPS) & ((w & TOPS) == 0);
}

int
hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	unsigned bad = 0;
	size_t i = 0;

	*outlen = 0;
	if (hexlen % 2 != 0)
		return SIGIL_E_INVALID;
	if (hexlen / 2 > outcap)
		return SIGIL_E_TOO_BIG;
	/* Every digit is read before the answer: how far a bad digit lies
	 * says nothing, and no branch depends on a digit. Eight at a time,
	 * then one pair at a time. */
	for (; i + 8 <= hexlen; i += 8) {
		uint64_t w, v, t;
		uint32_t o;

		memcpy(&w, hex + i, 8);
		bad |= !nibbles8(le64toh(w), &v);
		/* Byte 2k of t is digit 2k's value, shifted up, and digit 2k+1's;
		 * then the four bytes together, the first lowest. */
		t = ((v << 4) | (v >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
		t = (t | t >> 8) & UINT64_C(0x0000ffff0000ffff);
		o = htole32((uint32_t)(t | t >> 16));
		memcpy(out + i / 2, &o, 4);
	}
	for (; i < hexlen; i += 2) {
		int hi = nibble_ct((unsigned char)hex[i]), lo = nibble_ct((unsigned char)hex[i + 1]);
		bad |= (unsigned)(hi | lo) >> 31;
		out[i / 2] = (uint8_t)((unsigned)hi << 4 | ((unsigned)lo & 0xfu));
	}
	if (bad != 0) {
		memset(out, 0, hexlen / 2);
		return SIGIL_E_INVALID;
	}
	*outlen = hexlen / 2;
	return 0;
}

/* Four bytes' eight digits at once, without a table or a branch: a table
 * indexed by a secret's nibbles leaves its trace in the cache, and the
 * signing path writes a few hundred digits per request (a signature, a
 * signed transaction). Each byte goes to its own 16-bit lane, the high
 * nibble to the lane's low byte (the digit written first), the low nibble
 * above it; then every nibble n becomes '0' + n, plus 'a' - '0' - 10 where
 * n >= 10 (n + 6 carries into bit 4 exactly then, and never into the next
 * byte). */
static inline uint64_t
digits8(uint32_t v)
{
	uint64_t t = v, n;

	t = (t | t << 16) & UINT64_C(0x0000ffff0000ffff);
	t = (t | t << 8) & UINT64_C(0x00ff00ff00ff00ff); /* byte i in lane i */
	n = ((t >> 4) | (t << 8)) & 0x0f * ONES;
	return n + '0' * ONES + (((n + 6 * ONES) >> 4) & ONES) * ('a' - '0' - 10);
}

int
hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	size_t i = 0;

	/* The first test keeps 2 * len + 1 from wrapping round. */
	if (len > (SIZE_MAX - 3) / 2 || outcap < 2 * len + 1)
		return SIGIL_E_TOO_BIG;
	for (; i + 4 <= len; i += 4) {
		uint32_t v;
		uint64_t d;

		memcpy(&v, in + i, 4);
		d = htole64(digits8(le32toh(v)));
		memcpy(out + 2 * i, &d, 8);
	}
	for (; i < len; i++) {
		uint64_t d = digits8(in[i]);
		out[2 * i] = (char)d;
		out[2 * i + 1] = (char)(d >> 8);
	}
	out[2 * len] = '\0';
	return 0;
}

int
hex_encode_0x(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	if (len > (SIZE_MAX - 3) / 2 || outcap < 2 * len + 3)
		return SIGIL_E_TOO_BIG;
	out[0] = '0';
	out[1] = 'x';
	return hex_encode(in, len, out + 2, outcap - 2) == 0 ? 0 : SIGIL_E_TOO_BIG;
}
