/* Unsigned integers of any width in decimal (decimal.h). */
#include "base/decimal.h"

#include <string.h>

#include "base/errors.h"

size_t
u64_decimal(uint64_t v, char *out, size_t cap)
{
	char rev[20]; /* 2^64 - 1 has 20 digits */
	size_t nd = 0;

	do {
		rev[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (nd + 1 > cap) {
		if (cap > 0)
			out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < nd; i++)
		out[i] = rev[nd - 1 - i];
	out[nd] = '\0';
	return nd;
}

int
uint_decimal(const uint8_t *be, size_t n, char *out, size_t cap)
{
	uint8_t v[UINT_DECIMAL_BYTES_MAX];
	char rev[160]; /* 155 digits at most */
	size_t nd = 0, lead = 0;

	if (cap > 0)
		out[0] = '\0';
	if (n > sizeof(v))
		return SIGIL_E_TOO_BIG;
	/* Most amounts fit in 64 bits: native division. */
	while (lead < n && be[lead] == 0)
		lead++;
	if (n - lead <= 8) {
		uint64_t x = 0;

		for (size_t i = lead; i < n; i++)
			x = x << 8 | be[i];
		return u64_decimal(x, out, cap) > 0 ? 0 : SIGIL_E_TOO_BIG;
	}
	memcpy(v, be, n);
	/* Long division by 10 until nothing is left; digits come out last first. */
	do {
		unsigned rem = 0;

		while (lead < n && v[lead] == 0)
			lead++;
		for (size_t i = lead; i < n; i++) {
			unsigned cur = rem << 8 | v[i];
			v[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
		}
		rev[nd++] = (char)('0' + rem);
		while (lead < n && v[lead] == 0)
			lead++;
	} while (lead < n);
	if (nd + 1 > cap)
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < nd; i++)
		out[i] = rev[nd - 1 - i];
	out[nd] = '\0';
	return 0;
}
