/* SS58 (ss58.h). The prefix layout and checksum are sp-core's
 * (substrate/primitives/core/src/crypto.rs, to_ss58check_with_version and
 * from_ss58check_with_version); blake2b-512 is libsodium's generichash
 * with a 64-byte output, unkeyed. */
#include "chain/polkadot/ss58.h"

#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/b58.h"

#define SS58_CHECKSUM_LEN 2
#define SS58_RAW_MAX (2 + DOT_ACCOUNT_LEN + SS58_CHECKSUM_LEN)

static const uint8_t ss58_pre[] = {'S', 'S', '5', '8', 'P', 'R', 'E'};

static void
ss58_checksum(const uint8_t *body, size_t len, uint8_t sum[SS58_CHECKSUM_LEN])
{
	crypto_generichash_state st;
	uint8_t h[64];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, ss58_pre, sizeof(ss58_pre));
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(sum, h, SS58_CHECKSUM_LEN);
}

static int
prefix_ok(unsigned prefix)
{
	return prefix <= DOT_SS58_PREFIX_MAX && prefix != 46 && prefix != 47;
}

/* The prefix's bytes; their number. */
static size_t
prefix_put(uint16_t prefix, uint8_t out[2])
{
	if (prefix < 64) {
		out[0] = (uint8_t)prefix;
		return 1;
	}
	out[0] = (uint8_t)(0x40 | (prefix & 0xfc) >> 2);
	out[1] = (uint8_t)(prefix >> 8 | (prefix & 0x03) << 6);
	return 2;
}

int
dot_ss58_encode(uint16_t prefix, const uint8_t id[static DOT_ACCOUNT_LEN], char *out, size_t cap)
{
	uint8_t raw[SS58_RAW_MAX];
	size_t n;

	if (cap > 0)
		out[0] = '\0';
	if (!prefix_ok(prefix))
		return SIGIL_E_INVALID;
	n = prefix_put(prefix, raw);
	memcpy(raw + n, id, DOT_ACCOUNT_LEN);
	n += DOT_ACCOUNT_LEN;
	ss58_checksum(raw, n, raw + n);
	return b58_encode(raw, n + SS58_CHECKSUM_LEN, out, cap);
}

/* The prefix at the start of raw (n bytes, n >= 2): its length, or 0. */
static size_t
prefix_get(const uint8_t *raw, uint16_t *prefix)
{
	if (raw[0] < 64) {
		*prefix = raw[0];
		return 1;
	}
	if (raw[0] >= 128)
		return 0;
	*prefix = (uint16_t)(((raw[0] << 2) & 0xff) | raw[1] >> 6 | (raw[1] & 0x3f) << 8);
	return *prefix >= 64 ? 2 : 0;
}

int
dot_ss58_decode(const char *s, size_t slen, uint16_t *prefix, uint8_t id[static DOT_ACCOUNT_LEN])
{
	uint8_t raw[B58_BYTES_MAX], sum[SS58_CHECKSUM_LEN];
	size_t n, plen;
	int rc;

	*prefix = 0;
	memset(id, 0, DOT_ACCOUNT_LEN);
	if ((rc = b58_decode(s, slen, raw, sizeof(raw), &n)) != 0)
		return rc;
	if (n < 2 || (plen = prefix_get(raw, prefix)) == 0 || !prefix_ok(*prefix) ||
	    n != plen + DOT_ACCOUNT_LEN + SS58_CHECKSUM_LEN) {
		*prefix = 0;
		return SIGIL_E_INVALID;
	}
	ss58_checksum(raw, plen + DOT_ACCOUNT_LEN, sum);
	if (memcmp(sum, raw + plen + DOT_ACCOUNT_LEN, SS58_CHECKSUM_LEN) != 0) {
		*prefix = 0;
		return SIGIL_E_CHECKSUM;
	}
	memcpy(id, raw + plen, DOT_ACCOUNT_LEN);
	return 0;
}
