/* Atto's text forms (atto.h): addresses, hex as the signer writes it, and
 * the names commons' JSON gives block types and networks. */
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/atto/atto.h"

/* RFC 4648 base32, in the lowercase AttoAddress writes. */
static const char atto_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* An address's payload: algorithm, public key, checksum. */
#define ATTO_ADDR_RAW (1 + ATTO_PK_LEN + 5)
_Static_assert((ATTO_ADDR_RAW * 8 + 4) / 5 == ATTO_ADDRESS_PATH_LEN, "61 letters for 38 bytes");

static void
atto_checksum(const uint8_t pk[static ATTO_PK_LEN], uint8_t sum[static 5])
{
	uint8_t in[1 + ATTO_PK_LEN];

	in[0] = ATTO_ALGORITHM_V1;
	memcpy(in + 1, pk, ATTO_PK_LEN);
	atto_blake2b(sum, 5, in, sizeof(in));
}

int
atto_address_encode(const uint8_t pk[static ATTO_PK_LEN], char *out, size_t cap)
{
	uint8_t raw[ATTO_ADDR_RAW];
	const size_t pre = sizeof(ATTO_ADDRESS_SCHEME) - 1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = pre;

	if (cap < ATTO_ADDRESS_TEXT_MAX) {
		if (cap > 0)
			out[0] = '\0';
		return SIGIL_E_TOO_BIG;
	}
	raw[0] = ATTO_ALGORITHM_V1;
	memcpy(raw + 1, pk, ATTO_PK_LEN);
	atto_checksum(pk, raw + 1 + ATTO_PK_LEN);
	memcpy(out, ATTO_ADDRESS_SCHEME, pre);
	for (size_t i = 0; i < sizeof(raw); i++) {
		acc = acc << 8 | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = atto_b32[acc >> bits & 31];
		}
	}
	if (bits > 0)
		out[n++] = atto_b32[acc << (5 - bits) & 31];
	out[n] = '\0';
	return 0;
}

static int
atto_b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
atto_address_parse(const char *text, uint8_t pk[static ATTO_PK_LEN])
{
	const size_t pre = sizeof(ATTO_ADDRESS_SCHEME) - 1;
	uint8_t raw[ATTO_ADDR_RAW], sum[5];
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	memset(pk, 0, ATTO_PK_LEN);
	if (text == NULL)
		return SIGIL_E_INVALID;
	if (strncmp(text, ATTO_ADDRESS_SCHEME, pre) == 0)
		text += pre;
	if (strlen(text) != ATTO_ADDRESS_PATH_LEN)
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < ATTO_ADDRESS_PATH_LEN; i++) {
		int v = atto_b32_value(text[i]);
		if (v < 0)
			return SIGIL_E_INVALID;
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* 61 letters carry 305 bits for 304: the last one must be zero, so
	 * that one key has one address text. */
	if (n != sizeof(raw) || (acc & ((1u << bits) - 1)) != 0)
		return SIGIL_E_INVALID;
	if (raw[0] != ATTO_ALGORITHM_V1)
		return SIGIL_E_UNSUPPORTED;
	atto_checksum(raw + 1, sum);
	if (memcmp(sum, raw + 1 + ATTO_PK_LEN, sizeof(sum)) != 0)
		return SIGIL_E_CHECKSUM;
	memcpy(pk, raw + 1, ATTO_PK_LEN);
	return 0;
}

int
atto_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";

	if (cap < 2 * len + 1) {
		if (cap > 0)
			out[0] = '\0';
		return SIGIL_E_TOO_BIG;
	}
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
	return 0;
}

int
atto_hex_decode(const char *text, size_t textlen, uint8_t *out, size_t len)
{
	size_t n;

	/* hex_decode zeroes what it wrote when it refuses a digit. */
	if (textlen != 2 * len || hex_decode(text, textlen, out, len, &n) != 0) {
		memset(out, 0, len);
		return SIGIL_E_INVALID;
	}
	return 0;
}

static const char *const atto_type_names[ATTO_BLOCK_TYPES] = {
	[ATTO_BLOCK_OPEN] = "OPEN",
	[ATTO_BLOCK_RECEIVE] = "RECEIVE",
	[ATTO_BLOCK_SEND] = "SEND",
	[ATTO_BLOCK_CHANGE] = "CHANGE",
};

static const char *const atto_network_names[ATTO_NETWORKS] = {
	[ATTO_NET_LIVE] = "LIVE",
	[ATTO_NET_BETA] = "BETA",
	[ATTO_NET_DEV] = "DEV",
	[ATTO_NET_LOCAL] = "LOCAL",
	[ATTO_NET_CASH] = "CASH",
};

static int
atto_name_index(const char *const *names, int n, const char *name, size_t len)
{
	for (int i = 0; name != NULL && i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return i;
	return -1;
}

const char *
atto_block_type_name(enum atto_block_type t)
{
	return (unsigned)t < ATTO_BLOCK_TYPES ? atto_type_names[t] : NULL;
}

int
atto_block_type_from_name(const char *name, size_t len)
{
	return atto_name_index(atto_type_names, ATTO_BLOCK_TYPES, name, len);
}

const char *
atto_network_name(enum atto_network n)
{
	return (unsigned)n < ATTO_NETWORKS ? atto_network_names[n] : NULL;
}

int
atto_network_from_name(const char *name, size_t len)
{
	return atto_name_index(atto_network_names, ATTO_NETWORKS, name, len);
}
