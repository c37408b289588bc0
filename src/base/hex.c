#include "base/hex.h"
#include "base/errors.h"

int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	*outlen = 0;
	if (hexlen % 2 != 0)
		return SIGIL_E_INVALID;
	if (hexlen / 2 > outcap)
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < hexlen; i += 2) {
		int hi = hex_nibble(hex[i]), lo = hex_nibble(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return SIGIL_E_INVALID;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = hexlen / 2;
	return 0;
}

int
hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	static const char digits[] = "0123456789abcdef";

	if (outcap < 2 * len + 1)
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
	return 0;
}

int
hex_encode_0x(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	if (outcap < 2 * len + 3)
		return SIGIL_E_TOO_BIG;
	out[0] = '0';
	out[1] = 'x';
	return hex_encode(in, len, out + 2, outcap - 2) == 0 ? 0 : SIGIL_E_TOO_BIG;
}
