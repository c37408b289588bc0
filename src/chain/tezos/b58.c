/* Base58check (bitcoin alphabet, 4-byte double-SHA256 checksum) and the
 * Tezos prefix table.
 *
 * Prefix bytes checked against octez src/lib_crypto/base58.ml as mirrored by
 * @taquito/utils 24.2.0 (constants.js), and by round trips against
 * @taquito/utils b58Encode in tests/unit/tezos/test_b58.c. Note that BLsk,
 * BLesk, BLsig, BLpk and o are longer or different from what older notes
 * say: 0396c028, 02051e3519, 28ab40cf, 069587cc and 0574.
 *
 * Every buffer here may hold a secret key (edsk, spsk…), so each one is
 * wiped before return. The base58 itself is base/b58.c. */
#include "chain/tezos/b58.h"

#include <string.h>

#include <sodium.h>

#include "base/b58.h"
#include "base/errors.h"
#include "crypto/sig.h"

#define B58_CHECKSUM_LEN 4
_Static_assert(TZ_B58_MAX == B58_TEXT_MAX, "Tezos's text ceiling is the codec's");

struct tz_prefix_def {
	const char *name;
	uint8_t bytes[5];
	uint8_t len;
	uint8_t payload;
};

static const struct tz_prefix_def prefixes[TZ_P_COUNT] = {
	[TZ_P_TZ1] = {"tz1", {0x06, 0xa1, 0x9f}, 3, 20},
	[TZ_P_TZ2] = {"tz2", {0x06, 0xa1, 0xa1}, 3, 20},
	[TZ_P_TZ3] = {"tz3", {0x06, 0xa1, 0xa4}, 3, 20},
	[TZ_P_TZ4] = {"tz4", {0x06, 0xa1, 0xa6}, 3, 20},
	[TZ_P_KT1] = {"KT1", {0x02, 0x5a, 0x79}, 3, 20},
	[TZ_P_EDPK] = {"edpk", {0x0d, 0x0f, 0x25, 0xd9}, 4, 32},
	[TZ_P_SPPK] = {"sppk", {0x03, 0xfe, 0xe2, 0x56}, 4, 33},
	[TZ_P_P2PK] = {"p2pk", {0x03, 0xb2, 0x8b, 0x7f}, 4, 33},
	[TZ_P_BLPK] = {"BLpk", {0x06, 0x95, 0x87, 0xcc}, 4, 48},
	[TZ_P_EDSK_SEED] = {"edsk", {0x0d, 0x0f, 0x3a, 0x07}, 4, 32},
	[TZ_P_EDSK_64] = {"edsk", {0x2b, 0xf6, 0x4e, 0x07}, 4, 64},
	[TZ_P_SPSK] = {"spsk", {0x11, 0xa2, 0xe0, 0xc9}, 4, 32},
	[TZ_P_P2SK] = {"p2sk", {0x10, 0x51, 0xee, 0xbd}, 4, 32},
	[TZ_P_BLSK] = {"BLsk", {0x03, 0x96, 0xc0, 0x28}, 4, 32},
	[TZ_P_EDESK] = {"edesk", {0x07, 0x5a, 0x3c, 0xb3, 0x29}, 5, 56},
	[TZ_P_SPESK] = {"spesk", {0x09, 0xed, 0xf1, 0xae, 0x96}, 5, 56},
	[TZ_P_P2ESK] = {"p2esk", {0x09, 0x30, 0x39, 0x73, 0xab}, 5, 56},
	[TZ_P_BLESK] = {"BLesk", {0x02, 0x05, 0x1e, 0x35, 0x19}, 5, 56},
	[TZ_P_EDSIG] = {"edsig", {0x09, 0xf5, 0xcd, 0x86, 0x12}, 5, 64},
	[TZ_P_SPSIG] = {"spsig1", {0x0d, 0x73, 0x65, 0x13, 0x3f}, 5, 64},
	[TZ_P_P2SIG] = {"p2sig", {0x36, 0xf0, 0x2c, 0x34}, 4, 64},
	[TZ_P_BLSIG] = {"BLsig", {0x28, 0xab, 0x40, 0xcf}, 4, 96},
	[TZ_P_SIG] = {"sig", {0x04, 0x82, 0x2b}, 3, 64},
	[TZ_P_NET] = {"Net", {0x57, 0x52, 0x00}, 3, 4},
	[TZ_P_B] = {"B", {0x01, 0x34}, 2, 32},
	[TZ_P_VH] = {"vh", {0x01, 0x6a, 0xf2}, 3, 32},
	[TZ_P_O] = {"o", {0x05, 0x74}, 2, 32},
};

const char *
tz_prefix_name(enum tz_prefix p)
{
	return (unsigned)p < TZ_P_COUNT ? prefixes[p].name : "unknown";
}

size_t
tz_prefix_payload_len(enum tz_prefix p)
{
	return (unsigned)p < TZ_P_COUNT ? prefixes[p].payload : 0;
}

static void
checksum(const uint8_t *data, size_t len, uint8_t out[B58_CHECKSUM_LEN])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	sigil_sha256d(h, data, len);
	memcpy(out, h, B58_CHECKSUM_LEN);
	sodium_memzero(h, sizeof(h));
}

int
b58check_encode(const uint8_t *data, size_t len, char *out, size_t outcap)
{
	uint8_t buf[B58_BYTES_MAX];
	int rc;

	if (outcap > 0)
		out[0] = '\0';
	if (len > sizeof(buf) - B58_CHECKSUM_LEN)
		return SIGIL_E_TOO_BIG;
	memcpy(buf, data, len);
	checksum(data, len, buf + len);
	rc = b58_encode(buf, len + B58_CHECKSUM_LEN, out, outcap);
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0 && outcap > 0)
		out[0] = '\0';
	return rc;
}

/* Decodes and checks the checksum; buf receives the bytes before it. */
static int
b58check_decode_inner(const char *s, size_t slen, uint8_t buf[B58_BYTES_MAX], size_t *len)
{
	uint8_t sum[B58_CHECKSUM_LEN];
	size_t n;
	int rc;

	*len = 0;
	if ((rc = b58_decode(s, slen, buf, B58_BYTES_MAX, &n)) != 0)
		return rc;
	if (n < B58_CHECKSUM_LEN)
		return SIGIL_E_INCOMPLETE;
	checksum(buf, n - B58_CHECKSUM_LEN, sum);
	if (memcmp(sum, buf + n - B58_CHECKSUM_LEN, B58_CHECKSUM_LEN) != 0)
		return SIGIL_E_CHECKSUM;
	*len = n - B58_CHECKSUM_LEN;
	return 0;
}

int
b58check_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t buf[B58_BYTES_MAX];
	size_t n;
	int rc;

	*outlen = 0;
	if ((rc = b58check_decode_inner(s, slen, buf, &n)) != 0)
		goto out;
	if (n > outcap) {
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	memcpy(out, buf, n);
	*outlen = n;
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
tz_b58_encode(enum tz_prefix p, const uint8_t *data, size_t len, char *out, size_t outcap)
{
	uint8_t buf[B58_BYTES_MAX];
	const struct tz_prefix_def *d;
	int rc;

	if (outcap > 0)
		out[0] = '\0';
	if ((unsigned)p >= TZ_P_COUNT)
		return SIGIL_E_INVALID;
	d = &prefixes[p];
	if (len != d->payload)
		return len < d->payload ? SIGIL_E_INCOMPLETE : SIGIL_E_TOO_BIG;
	memcpy(buf, d->bytes, d->len);
	memcpy(buf + d->len, data, len);
	rc = b58check_encode(buf, d->len + len, out, outcap);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* The payload after prefix d, checked for its length. */
static int
take_payload(const struct tz_prefix_def *d, const uint8_t *buf, size_t n, uint8_t *out,
             size_t outcap, size_t *outlen)
{
	size_t plen = n - d->len;

	if (plen < d->payload)
		return SIGIL_E_INCOMPLETE;
	if (plen > d->payload)
		return SIGIL_E_TOO_BIG;
	if (plen > outcap)
		return SIGIL_E_TOO_BIG;
	memcpy(out, buf + d->len, plen);
	*outlen = plen;
	return 0;
}

int
tz_b58_decode(const char *s, size_t slen, enum tz_prefix p, uint8_t *out, size_t outcap,
              size_t *outlen)
{
	uint8_t buf[B58_BYTES_MAX];
	const struct tz_prefix_def *d;
	size_t n;
	int rc;

	*outlen = 0;
	if ((unsigned)p >= TZ_P_COUNT)
		return SIGIL_E_INVALID;
	d = &prefixes[p];
	if ((rc = b58check_decode_inner(s, slen, buf, &n)) != 0)
		goto out;
	if (n < d->len) {
		/* Too short even for the prefix: short if what is there matches. */
		rc = memcmp(buf, d->bytes, n) == 0 ? SIGIL_E_INCOMPLETE : SIGIL_E_INVALID;
		goto out;
	}
	if (memcmp(buf, d->bytes, d->len) != 0) {
		rc = SIGIL_E_INVALID;
		goto out;
	}
	rc = take_payload(d, buf, n, out, outcap, outlen);
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
tz_b58_decode_any(const char *s, size_t slen, enum tz_prefix *p, uint8_t *out,
                  size_t outcap, size_t *outlen)
{
	uint8_t buf[B58_BYTES_MAX];
	size_t n;
	int rc;

	*p = TZ_P_COUNT;
	*outlen = 0;
	if ((rc = b58check_decode_inner(s, slen, buf, &n)) != 0)
		goto out;
	/* No prefix in the table is a leading part of another one, so at most
	 * one entry matches. A short payload keeps its prefix's name so that
	 * the caller can tell "truncated edpk" from "not a key". */
	rc = n == 0 ? SIGIL_E_INCOMPLETE : SIGIL_E_INVALID;
	for (int i = 0; i < TZ_P_COUNT; i++) {
		const struct tz_prefix_def *d = &prefixes[i];

		if (n < d->len || memcmp(buf, d->bytes, d->len) != 0)
			continue;
		*p = (enum tz_prefix)i;
		rc = take_payload(d, buf, n, out, outcap, outlen);
		break;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}
