/* k^-1 modulo n, the order of the P-256 group, in constant time: the
 * "safegcd" algorithm of Bernstein and Yang ("Fast constant-time gcd
 * computation and modular inversion", 2019), in the form libsecp256k1's
 * modinv64 gives it (Wuille's variant: 62-bit signed limbs, 59 divsteps a
 * batch, a transition matrix applied to d, e and f, g per batch). That
 * library proves the bounds used here; they hold for any odd modulus below
 * 2^256, not only secp256k1's, so this is its algorithm with P-256's n.
 *
 * Why not OpenSSL: its fast inverse modulo n (ecp_nistz256_inv_mod_ord) is
 * internal, and the public BN_mod_exp_mont_consttime (Fermat) took 13.6 µs
 * of a 40 µs signature, against 1.7 µs here; BN_mod_inverse branches on
 * its input and took 9 µs. ECDSA's raw rate (EVP, about 20 µs here) could
 * not be approached with either.
 *
 * Every step is a fixed sequence of operations whatever the input: 10
 * batches of 59 divsteps (590 >= the bound for 256-bit inputs), masks for
 * conditions, no branch or memory access that depends on k. Signed right
 * shifts are arithmetic (GCC and Clang on every target sigil builds for,
 * as libsecp256k1 also assumes). The values pass through locals and the
 * stack, which the caller scrubs (sig_impl.h). */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto/sig_impl.h"

__extension__ typedef __int128 inv_i128; /* GCC and Clang on 64-bit targets */

#define M62 (UINT64_MAX >> 2)

/* A number as 5 signed limbs of 62 bits: v[0] + v[1]·2^62 + ... */
struct s62 {
	int64_t v[5];
};

/* The matrix of one batch of divsteps, scaled by 2^62. */
struct t2x2 {
	int64_t u, v, q, r;
};

/* n in signed-62 form, and n^-1 mod 2^62. */
static const struct s62 p256_n62 = {{
	0x33b9cac2fc632551, 0x339beab69c5e7a13, 0x3ffffffffffffffb, 0x3fffffc00000003f, 0xff,
}};
static const uint64_t p256_n62_inv = 0x332e375511ff43b1;

/* 59 divsteps on the low bits f0, g0 of f and g, from zeta = -(delta + 1/2);
 * returns the new zeta and the matrix. The masks go through volatiles so
 * that the compiler cannot turn them back into branches. */
static int64_t
divsteps_59(int64_t zeta, uint64_t f0, uint64_t g0, struct t2x2 *t)
{
	uint64_t u = 8, v = 0, q = 0, r = 8; /* the identity times 2^3 = 2^(62-59) */
	volatile uint64_t c1, c2;
	uint64_t mask1, mask2, f = f0, g = g0, x, y, z;

	for (int i = 3; i < 62; i++) {
		/* mask1: zeta < 0; mask2: g is odd. */
		c1 = (uint64_t)(zeta >> 63);
		mask1 = c1;
		c2 = g & 1;
		mask2 = -c2;
		/* x, y, z: f, u, v, negated when zeta < 0. */
		x = (f ^ mask1) - mask1;
		y = (u ^ mask1) - mask1;
		z = (v ^ mask1) - mask1;
		/* Added to g, q, r when g is odd. */
		g += x & mask2;
		q += y & mask2;
		r += z & mask2;
		/* Both: swap (f, u, v) into the old (g, q, r), negate zeta. */
		mask1 &= mask2;
		zeta = (zeta ^ (int64_t)mask1) - 1;
		f += g & mask1;
		u += q & mask1;
		v += r & mask1;
		g >>= 1;
		u <<= 1;
		v <<= 1;
	}
	t->u = (int64_t)u;
	t->v = (int64_t)v;
	t->q = (int64_t)q;
	t->r = (int64_t)r;
	return zeta;
}

/* (d, e) = t·(d, e) / 2^62 mod n, keeping both in (-2n, n). */
static void
update_de(struct s62 *d, struct s62 *e, const struct t2x2 *t)
{
	const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
	const int64_t sd = d->v[4] >> 63, se = e->v[4] >> 63;
	int64_t md = (u & sd) + (v & se), me = (q & sd) + (r & se);
	inv_i128 cd, ce;

	cd = (inv_i128)u * d->v[0] + (inv_i128)v * e->v[0];
	ce = (inv_i128)q * d->v[0] + (inv_i128)r * e->v[0];
	/* Multiples of n that make the low 62 bits zero, so that the division
	 * by 2^62 is exact. */
	md -= (int64_t)((p256_n62_inv * (uint64_t)cd + (uint64_t)md) & M62);
	me -= (int64_t)((p256_n62_inv * (uint64_t)ce + (uint64_t)me) & M62);
	cd += (inv_i128)p256_n62.v[0] * md;
	ce += (inv_i128)p256_n62.v[0] * me;
	cd >>= 62;
	ce >>= 62;
	for (int i = 1; i < 5; i++) {
		cd += (inv_i128)u * d->v[i] + (inv_i128)v * e->v[i] + (inv_i128)p256_n62.v[i] * md;
		ce += (inv_i128)q * d->v[i] + (inv_i128)r * e->v[i] + (inv_i128)p256_n62.v[i] * me;
		d->v[i - 1] = (int64_t)((uint64_t)cd & M62);
		e->v[i - 1] = (int64_t)((uint64_t)ce & M62);
		cd >>= 62;
		ce >>= 62;
	}
	d->v[4] = (int64_t)cd;
	e->v[4] = (int64_t)ce;
}

/* (f, g) = t·(f, g) / 2^62 (exact). */
static void
update_fg(struct s62 *f, struct s62 *g, const struct t2x2 *t)
{
	const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
	inv_i128 cf, cg;

	cf = (inv_i128)u * f->v[0] + (inv_i128)v * g->v[0];
	cg = (inv_i128)q * f->v[0] + (inv_i128)r * g->v[0];
	cf >>= 62;
	cg >>= 62;
	for (int i = 1; i < 5; i++) {
		cf += (inv_i128)u * f->v[i] + (inv_i128)v * g->v[i];
		cg += (inv_i128)q * f->v[i] + (inv_i128)r * g->v[i];
		f->v[i - 1] = (int64_t)((uint64_t)cf & M62);
		g->v[i - 1] = (int64_t)((uint64_t)cg & M62);
		cf >>= 62;
		cg >>= 62;
	}
	f->v[4] = (int64_t)cf;
	g->v[4] = (int64_t)cg;
}

/* r from (-2n, n) into [0, n), negated first when sign < 0. */
static void
normalize(struct s62 *r, int64_t sign)
{
	volatile int64_t cond_add, cond_negate;
	int64_t x[5];

	memcpy(x, r->v, sizeof(x));
	cond_add = x[4] >> 63;
	for (int i = 0; i < 5; i++)
		x[i] += p256_n62.v[i] & cond_add;
	cond_negate = sign >> 63;
	for (int i = 0; i < 5; i++)
		x[i] = (x[i] ^ cond_negate) - cond_negate;
	for (int i = 0; i < 4; i++) {
		x[i + 1] += x[i] >> 62;
		x[i] &= (int64_t)M62;
	}
	cond_add = x[4] >> 63;
	for (int i = 0; i < 5; i++)
		x[i] += p256_n62.v[i] & cond_add;
	for (int i = 0; i < 4; i++) {
		x[i + 1] += x[i] >> 62;
		x[i] &= (int64_t)M62;
	}
	memcpy(r->v, x, sizeof(x));
	sodium_memzero(x, sizeof(x));
}

static void
s62_from_be(struct s62 *x, const uint8_t b[32])
{
	uint64_t w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = 0;
		for (int j = 0; j < 8; j++)
			w[i] = (w[i] << 8) | b[(3 - i) * 8 + j];
	}
	x->v[0] = (int64_t)(w[0] & M62);
	x->v[1] = (int64_t)(((w[0] >> 62) | (w[1] << 2)) & M62);
	x->v[2] = (int64_t)(((w[1] >> 60) | (w[2] << 4)) & M62);
	x->v[3] = (int64_t)(((w[2] >> 58) | (w[3] << 6)) & M62);
	x->v[4] = (int64_t)(w[3] >> 56);
	sodium_memzero(w, sizeof(w));
}

/* x in [0, n): limbs in [0, 2^62), the top one below 2^8. */
static void
s62_to_be(uint8_t b[32], const struct s62 *x)
{
	uint64_t w[4];

	w[0] = (uint64_t)x->v[0] | ((uint64_t)x->v[1] << 62);
	w[1] = ((uint64_t)x->v[1] >> 2) | ((uint64_t)x->v[2] << 60);
	w[2] = ((uint64_t)x->v[2] >> 4) | ((uint64_t)x->v[3] << 58);
	w[3] = ((uint64_t)x->v[3] >> 6) | ((uint64_t)x->v[4] << 56);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			b[(3 - i) * 8 + j] = (uint8_t)(w[i] >> (56 - 8 * j));
	sodium_memzero(w, sizeof(w));
}

void
p256_scalar_inverse(uint8_t inv[32], const uint8_t k[32])
{
	/* d = 0, e = 1, f = n, g = k, delta = 1/2 (zeta = -1). */
	struct s62 d = {{0}}, e = {{1}}, f = p256_n62, g;
	int64_t zeta = -1;

	s62_from_be(&g, k);
	for (int i = 0; i < 10; i++) {
		struct t2x2 t;

		zeta = divsteps_59(zeta, (uint64_t)f.v[0], (uint64_t)g.v[0], &t);
		update_de(&d, &e, &t);
		update_fg(&f, &g, &t);
		sodium_memzero(&t, sizeof(t));
	}
	/* g is 0 now and f = ±gcd(n, k) = ±1, so d = ±k^-1. */
	normalize(&d, f.v[4]);
	s62_to_be(inv, &d);
	sodium_memzero(&d, sizeof(d));
	sodium_memzero(&e, sizeof(e));
	sodium_memzero(&f, sizeof(f));
	sodium_memzero(&g, sizeof(g));
}
