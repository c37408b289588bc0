/* Base58 (b58.h): the Bitcoin alphabet, leading zero bytes as '1's.
 * Byte-at-a-time base conversion, quadratic in the length, which the
 * ceilings keep small (addresses are 35 to 36 bytes). Nothing here is
 * secret: addresses and public keys only. */
#include "chain/polkadot/b58.h"

#include <string.h>

#include "base/errors.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int
digit(char c)
{
	const char *hit = c != '\0' ? strchr(alphabet, c) : NULL;

	return hit != NULL ? (int)(hit - alphabet) : -1;
}

int
dot_b58_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
	uint8_t d[DOT_B58_MAX_CHARS]; /* base-58 digits, least significant first */
	size_t nd = 0, zeros = 0;

	if (cap > 0)
		out[0] = '\0';
	if (len > DOT_B58_MAX_BYTES)
		return SIGIL_E_TOO_BIG;
	while (zeros < len && data[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < len; i++) {
		unsigned carry = data[i];

		for (size_t j = 0; j < nd; j++) {
			carry += (unsigned)d[j] << 8;
			d[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			if (nd == sizeof(d))
				return SIGIL_E_TOO_BIG; /* cannot happen under the ceiling */
			d[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	if (zeros + nd + 1 > cap)
		return SIGIL_E_TOO_BIG;
	memset(out, '1', zeros);
	for (size_t j = 0; j < nd; j++)
		out[zeros + j] = alphabet[d[nd - 1 - j]];
	out[zeros + nd] = '\0';
	return 0;
}

int
dot_b58_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t b[DOT_B58_MAX_BYTES]; /* bytes, least significant first */
	size_t nb = 0, zeros = 0;

	*outlen = 0;
	if (slen == 0)
		return SIGIL_E_INVALID;
	if (slen > DOT_B58_MAX_CHARS)
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < slen; i++)
		if (digit(s[i]) < 0)
			return SIGIL_E_INVALID;
	while (zeros < slen && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < slen; i++) {
		unsigned carry = (unsigned)digit(s[i]);

		for (size_t j = 0; j < nb; j++) {
			carry += (unsigned)b[j] * 58;
			b[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			if (nb == sizeof(b))
				return SIGIL_E_TOO_BIG;
			b[nb++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	if (zeros + nb > cap || zeros + nb > DOT_B58_MAX_BYTES)
		return SIGIL_E_TOO_BIG;
	memset(out, 0, zeros);
	for (size_t j = 0; j < nb; j++)
		out[zeros + j] = b[nb - 1 - j];
	*outlen = zeros + nb;
	return 0;
}
