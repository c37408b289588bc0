/* Keccak-f[1600] and Keccak-256 / SHA3-256 (keccak.h), written from FIPS
 * 202: the step mappings theta, rho, pi, chi and iota of section 3.2, the
 * sponge of section 4 and the padding of section 5.1 (and B.2 for the
 * byte order). Portable C: lanes are assembled from bytes, never loaded
 * through a cast, so the host's byte order and alignment do not matter. */
#include "crypto/keccak.h"

#include <sodium.h>
#include <string.h>

/* Round constants RC[i_r] of iota (FIPS 202 section 3.2.5). */
static const uint64_t keccak_rc[24] = {
	UINT64_C(0x0000000000000001), UINT64_C(0x0000000000008082), UINT64_C(0x800000000000808a),
	UINT64_C(0x8000000080008000), UINT64_C(0x000000000000808b), UINT64_C(0x0000000080000001),
	UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008009), UINT64_C(0x000000000000008a),
	UINT64_C(0x0000000000000088), UINT64_C(0x0000000080008009), UINT64_C(0x000000008000000a),
	UINT64_C(0x000000008000808b), UINT64_C(0x800000000000008b), UINT64_C(0x8000000000008089),
	UINT64_C(0x8000000000008003), UINT64_C(0x8000000000008002), UINT64_C(0x8000000000000080),
	UINT64_C(0x000000000000800a), UINT64_C(0x800000008000000a), UINT64_C(0x8000000080008081),
	UINT64_C(0x8000000000008080), UINT64_C(0x0000000080000001), UINT64_C(0x8000000080008008),
};

/* rho's offsets for lane x + 5y (section 3.2.2, table 2), mod 64. */
static const unsigned keccak_rho[25] = {
	0,  1,  62, 28, 27,
	36, 44, 6,  55, 20,
	3,  10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2,  61, 56, 14,
};

/* pi moves lane (x, y) to (y, 2x + 3y mod 5) (section 3.2.3); this is
 * that destination's index for each source index x + 5y. */
static const unsigned keccak_pi[25] = {
	0,  10, 20, 5,  15,
	16, 1,  11, 21, 6,
	7,  17, 2,  12, 22,
	23, 8,  18, 3,  13,
	14, 24, 9,  19, 4,
};

/* n in 0..63; the mask keeps the right shift below 64 when n is 0. */
static inline uint64_t
rotl64(uint64_t v, unsigned n)
{
	return (v << n) | (v >> ((64 - n) & 63));
}

void
sigil_keccak_f1600(uint64_t a[25])
{
	uint64_t b[25], c[5], d;

	for (int round = 0; round < 24; round++) {
		/* theta: every column's parity into its two neighbours. */
		for (unsigned x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (unsigned x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (unsigned y = 0; y < 25; y += 5)
				a[y + x] ^= d;
		}
		/* rho and pi together. */
		for (unsigned i = 0; i < 25; i++)
			b[keccak_pi[i]] = rotl64(a[i], keccak_rho[i]);
		/* chi: the one non-linear step, row by row. */
		for (unsigned y = 0; y < 25; y += 5)
			for (unsigned x = 0; x < 5; x++)
				a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
		a[0] ^= keccak_rc[round];
	}
}

void
sigil_keccak256_init(struct sigil_keccak *k)
{
	memset(k, 0, sizeof(*k));
}

static inline uint64_t
load64_le(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void
sigil_keccak_update(struct sigil_keccak *k, const uint8_t *in, size_t len)
{
	/* Finish a partial block byte by byte. */
	while (len > 0 && k->pos != 0) {
		k->a[k->pos / 8] ^= (uint64_t)*in++ << (8 * (k->pos % 8));
		len--;
		if (++k->pos == SIGIL_KECCAK256_RATE) {
			sigil_keccak_f1600(k->a);
			k->pos = 0;
		}
	}
	/* Whole blocks, a lane at a time. */
	while (len >= SIGIL_KECCAK256_RATE) {
		for (unsigned i = 0; i < SIGIL_KECCAK256_RATE / 8; i++)
			k->a[i] ^= load64_le(in + 8 * i);
		sigil_keccak_f1600(k->a);
		in += SIGIL_KECCAK256_RATE;
		len -= SIGIL_KECCAK256_RATE;
	}
	for (size_t i = 0; i < len; i++, k->pos++)
		k->a[k->pos / 8] ^= (uint64_t)in[i] << (8 * (k->pos % 8));
}

/* pad10*1 after the domain bits: the first padding byte (ds) at pos, the
 * final 1 as the top bit of the rate's last byte; both land in one byte
 * when only one is left (0x81 / 0x86). 32 bytes fit in the first 4 lanes
 * of the rate, so one squeeze is all. */
static void
keccak_final(struct sigil_keccak *k, uint8_t ds, uint8_t out[32])
{
	k->a[k->pos / 8] ^= (uint64_t)ds << (8 * (k->pos % 8));
	k->a[(SIGIL_KECCAK256_RATE - 1) / 8] ^= UINT64_C(0x80) << (8 * ((SIGIL_KECCAK256_RATE - 1) % 8));
	sigil_keccak_f1600(k->a);
	for (unsigned i = 0; i < SIGIL_KECCAK256_LEN; i++)
		out[i] = (uint8_t)(k->a[i / 8] >> (8 * (i % 8)));
	sodium_memzero(k, sizeof(*k));
}

void
sigil_keccak256_final(struct sigil_keccak *k, uint8_t out[32])
{
	keccak_final(k, 0x01, out);
}

void
sigil_sha3_256_final(struct sigil_keccak *k, uint8_t out[32])
{
	keccak_final(k, 0x06, out);
}

void
sigil_keccak256(const uint8_t *in, size_t len, uint8_t out[32])
{
	struct sigil_keccak k;

	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, in, len);
	sigil_keccak256_final(&k, out);
}
