/* Strict DER for ECDSA signatures (crypto/ecdsa_der.h), BIP-66's rules. */
#include <stdbool.h>
#include <string.h>

#include "base/errors.h"
#include "crypto/ecdsa_der.h"

/* One 32-byte integer as a DER INTEGER's content: leading zeros dropped,
 * a zero byte put back when the top bit would read as a sign. */
static size_t
der_int(const uint8_t v[32], uint8_t *out)
{
	size_t i = 0, n = 0;

	while (i < 31 && v[i] == 0)
		i++;
	if (v[i] & 0x80)
		out[n++] = 0;
	memcpy(out + n, v + i, 32 - i);
	return n + 32 - i;
}

static bool
is_zero32(const uint8_t v[32])
{
	uint8_t acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= v[i];
	return acc == 0;
}

int
sigil_ecdsa_der_encode(const uint8_t rs[static 64], uint8_t out[static SIGIL_DER_SIG_MAX],
                       size_t *len)
{
	uint8_t r[33], s[33];
	size_t rl, sl;

	memset(out, 0, SIGIL_DER_SIG_MAX);
	*len = 0;
	if (is_zero32(rs) || is_zero32(rs + 32))
		return SIGIL_E_INVALID;
	rl = der_int(rs, r);
	sl = der_int(rs + 32, s);
	out[0] = 0x30;
	out[1] = (uint8_t)(4 + rl + sl);
	out[2] = 0x02;
	out[3] = (uint8_t)rl;
	memcpy(out + 4, r, rl);
	out[4 + rl] = 0x02;
	out[5 + rl] = (uint8_t)sl;
	memcpy(out + 6 + rl, s, sl);
	*len = 6 + rl + sl;
	return 0;
}

/* One INTEGER's content (n bytes at p) into 32 big-endian bytes. */
static int
der_take(const uint8_t *p, size_t n, uint8_t v[32])
{
	if (n == 0 || (p[0] & 0x80))
		return SIGIL_E_INVALID; /* empty or negative */
	if (n > 1 && p[0] == 0 && !(p[1] & 0x80))
		return SIGIL_E_INVALID; /* a zero that is not a sign byte */
	if (p[0] == 0) {
		p++;
		n--;
	}
	if (n > 32)
		return SIGIL_E_INVALID;
	memset(v, 0, 32);
	memcpy(v + 32 - n, p, n);
	return is_zero32(v) ? SIGIL_E_INVALID : 0;
}

int
sigil_ecdsa_der_decode(const uint8_t *der, size_t len, uint8_t rs[static 64])
{
	size_t rl, sl;

	memset(rs, 0, 64);
	if (der == NULL || len < 8 || len > SIGIL_DER_SIG_MAX)
		return SIGIL_E_INVALID;
	if (der[0] != 0x30 || der[1] != len - 2 || der[2] != 0x02)
		return SIGIL_E_INVALID;
	rl = der[3];
	if (5 + rl >= len || der[4 + rl] != 0x02)
		return SIGIL_E_INVALID;
	sl = der[5 + rl];
	if (6 + rl + sl != len)
		return SIGIL_E_INVALID;
	if (der_take(der + 4, rl, rs) != 0 || der_take(der + 6 + rl, sl, rs + 32) != 0) {
		memset(rs, 0, 64);
		return SIGIL_E_INVALID;
	}
	return 0;
}
