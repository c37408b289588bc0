/* Plain base58 (b58.h). Work is quadratic in the length, which the
 * ceilings keep small; every buffer is wiped, since a caller may pass a
 * secret key (Tezos's edsk…). */
#include "base/b58.h"

#include <string.h>

#include <sodium.h>

#include "base/errors.h"

static const char b58_alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int
b58_digit(char c)
{
	const char *hit;

	if (c == '\0')
		return -1;
	hit = strchr(b58_alphabet, c);
	return hit != NULL ? (int)(hit - b58_alphabet) : -1;
}

int
b58_encode(const uint8_t *data, size_t len, char *out, size_t outcap)
{
	/* Limbs of 58^5 (< 2^30) folded with 32 input bits at a time: a limb
	 * shifted by 32 still fits in 64 bits, and this does about a twentieth
	 * of the divisions of the byte-by-digit method (encoding signatures
	 * showed up in the sign path's profile). */
	enum { B58_LIMB_DIGITS = 5 };
	static const uint64_t base = 58ull * 58 * 58 * 58 * 58;
	uint32_t limbs[(B58_BYTES_MAX * 138 / 100) / B58_LIMB_DIGITS + 2];
	uint8_t digits[sizeof(limbs) / sizeof(limbs[0]) * B58_LIMB_DIGITS];
	size_t nl = 0, ndig, zeros = 0, need, i;
	int rc = SIGIL_E_TOO_BIG;

	if (outcap > 0)
		out[0] = '\0';
	if (len > B58_BYTES_MAX)
		return SIGIL_E_TOO_BIG; /* the limbs are sized for it */
	while (zeros < len && data[zeros] == 0)
		zeros++;
	i = zeros;
	while (i < len) {
		/* The first chunk takes the odd bytes so the rest are whole words. */
		size_t take = (i == zeros && (len - zeros) % 4) ? (len - zeros) % 4 : 4;
		uint64_t carry = 0;
		for (size_t k = 0; k < take; k++)
			carry = carry << 8 | data[i + k];
		for (size_t j = 0; j < nl; j++) {
			carry += (uint64_t)limbs[j] << (8 * take);
			limbs[j] = (uint32_t)(carry % base);
			carry /= base;
		}
		while (carry > 0) {
			limbs[nl++] = (uint32_t)(carry % base);
			carry /= base;
		}
		i += take;
	}
	/* Little-endian base-58 digits, then drop the leading zero digits that
	 * the top limb padded in. */
	ndig = 0;
	for (size_t j = 0; j < nl; j++) {
		uint32_t v = limbs[j];
		for (int k = 0; k < B58_LIMB_DIGITS; k++) {
			digits[ndig++] = (uint8_t)(v % 58);
			v /= 58;
		}
	}
	while (ndig > 0 && digits[ndig - 1] == 0)
		ndig--;
	need = zeros + ndig + 1;
	if (need > outcap)
		goto out;
	memset(out, '1', zeros);
	for (size_t j = 0; j < ndig; j++)
		out[zeros + j] = b58_alphabet[digits[ndig - 1 - j]];
	out[zeros + ndig] = '\0';
	rc = 0;
out:
	sodium_memzero(limbs, sizeof(limbs));
	sodium_memzero(digits, sizeof(digits));
	return rc;
}

int
b58_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t bytes[B58_BYTES_MAX];
	size_t nbytes = 0, zeros = 0;
	int rc = SIGIL_E_INVALID;

	*outlen = 0;
	if (slen > B58_TEXT_MAX)
		return SIGIL_E_TOO_BIG;
	/* Characters first, so a bad one is reported as such. */
	for (size_t i = 0; i < slen; i++)
		if (b58_digit(s[i]) < 0)
			return SIGIL_E_INVALID;
	while (zeros < slen && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < slen; i++) {
		unsigned carry = (unsigned)b58_digit(s[i]);

		for (size_t j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			if (nbytes == sizeof(bytes))
				goto out; /* cannot happen under B58_TEXT_MAX; kept as a guard */
			bytes[nbytes++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	if (zeros + nbytes > B58_BYTES_MAX || zeros + nbytes > outcap) {
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	memset(out, 0, zeros);
	for (size_t j = 0; j < nbytes; j++)
		out[zeros + j] = bytes[nbytes - 1 - j];
	*outlen = zeros + nbytes;
	rc = 0;
out:
	sodium_memzero(bytes, sizeof(bytes));
	return rc;
}

