/* BLAKE2b per RFC 7693 (unkeyed, one shot), for any output length.
 *
 * Atto's address checksum is BLAKE2b with a 5-byte output: the length is a
 * parameter of the hash (it enters the first state word), so it is not
 * the first 5 bytes of a longer digest, and libsodium's generichash stops
 * at 16. This one serves every Atto length (5, 32, 64); the unit tests hold
 * it to libsodium's at 32 and 64 and to @noble/hashes at 5. */
#include <string.h>

#include "chain/atto/atto.h"

static const uint64_t b2_iv[8] = {
	UINT64_C(0x6a09e667f3bcc908), UINT64_C(0xbb67ae8584caa73b),
	UINT64_C(0x3c6ef372fe94f82b), UINT64_C(0xa54ff53a5f1d36f1),
	UINT64_C(0x510e527fade682d1), UINT64_C(0x9b05688c2b3e6c1f),
	UINT64_C(0x1f83d9abfb41bd6b), UINT64_C(0x5be0cd19137e2179),
};

static const uint8_t b2_sigma[12][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static uint64_t
b2_rotr(uint64_t x, unsigned n)
{
	return x >> n | x << (64 - n);
}

static uint64_t
b2_load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define B2_G(a, b, c, d, x, y)                          \
	do {                                            \
		v[a] = v[a] + v[b] + (x);               \
		v[d] = b2_rotr(v[d] ^ v[a], 32);        \
		v[c] = v[c] + v[d];                     \
		v[b] = b2_rotr(v[b] ^ v[c], 24);        \
		v[a] = v[a] + v[b] + (y);               \
		v[d] = b2_rotr(v[d] ^ v[a], 16);        \
		v[c] = v[c] + v[d];                     \
		v[b] = b2_rotr(v[b] ^ v[c], 63);        \
	} while (0)

static void
b2_compress(uint64_t h[8], const uint8_t block[128], uint64_t t, int last)
{
	uint64_t v[16], m[16];

	for (int i = 0; i < 16; i++)
		m[i] = b2_load64(block + 8 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = h[i];
		v[i + 8] = b2_iv[i];
	}
	v[12] ^= t; /* inputs stay far below 2^64 bytes: the high word is 0 */
	if (last)
		v[14] = ~v[14];
	for (int r = 0; r < 12; r++) {
		const uint8_t *s = b2_sigma[r];
		B2_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
		B2_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
		B2_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
		B2_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
		B2_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
		B2_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
		B2_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
		B2_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
	for (int i = 0; i < 8; i++)
		h[i] ^= v[i] ^ v[i + 8];
}

void
atto_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
	uint64_t h[8];
	uint8_t last[128];
	size_t off = 0;

	if (outlen == 0 || outlen > 64)
		return;
	memcpy(h, b2_iv, sizeof(h));
	h[0] ^= UINT64_C(0x01010000) ^ (uint64_t)outlen;
	/* Every full block but the final one; the final block (full or not,
	 * empty input included) carries the last flag. */
	while (len - off > sizeof(last)) {
		b2_compress(h, in + off, (uint64_t)(off + sizeof(last)), 0);
		off += sizeof(last);
	}
	memset(last, 0, sizeof(last));
	if (len > off)
		memcpy(last, in + off, len - off);
	b2_compress(h, last, (uint64_t)len, 1);
	for (size_t i = 0; i < outlen; i++)
		out[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
}
