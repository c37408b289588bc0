/* Bitcoin addresses (chain/bitcoin/addr.h): base58check, bech32 and
 * bech32m (BIP-173, BIP-350), and the scripts they stand for. */
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/addr.h"
#include "chain/bitcoin/wire.h"
#include "crypto/bip340.h"
#include "crypto/sig.h"

/* --- base58check -------------------------------------------------------- */

static const char b58_alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
#define B58_DATA_MAX 64
#define B58_TEXT_MAX 100 /* 68 bytes are at most 93 characters */

int
btc_b58check_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
	uint8_t buf[B58_DATA_MAX + 4], digits[B58_TEXT_MAX];
	size_t n = len + 4, nd = 0, zeros = 0, k = 0;
	uint8_t sum[32];

	if (cap > 0)
		out[0] = '\0';
	if (len > B58_DATA_MAX)
		return SIGIL_E_TOO_BIG;
	memcpy(buf, data, len);
	sigil_sha256d(sum, data, len);
	memcpy(buf + len, sum, 4);
	while (zeros < n && buf[zeros] == 0)
		zeros++;
	/* Repeated division of the big-endian number by 58, digits reversed. */
	for (size_t i = zeros; i < n; i++) {
		unsigned carry = buf[i];
		for (size_t j = 0; j < nd; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			digits[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	if (zeros + nd + 1 > cap)
		return SIGIL_E_TOO_BIG;
	while (k < zeros)
		out[k++] = '1';
	while (nd > 0)
		out[k++] = b58_alpha[digits[--nd]];
	out[k] = '\0';
	return 0;
}

int
btc_b58check_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t bytes[B58_TEXT_MAX], sum[32];
	size_t nb = 0, zeros = 0, n;

	*out_len = 0;
	if (len == 0 || len > B58_TEXT_MAX)
		return SIGIL_E_INVALID;
	while (zeros < len && text[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < len; i++) {
		const char *d = text[i] != '\0' ? strchr(b58_alpha, text[i]) : NULL;
		unsigned carry;

		if (d == NULL)
			return SIGIL_E_INVALID;
		carry = (unsigned)(d - b58_alpha);
		for (size_t j = 0; j < nb; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			bytes[nb++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	n = zeros + nb;
	if (n < 4 || n - 4 > cap || n > sizeof(bytes))
		return SIGIL_E_INVALID;
	{
		uint8_t full[B58_TEXT_MAX];

		memset(full, 0, zeros);
		for (size_t i = 0; i < nb; i++)
			full[zeros + i] = bytes[nb - 1 - i];
		sigil_sha256d(sum, full, n - 4);
		if (memcmp(sum, full + n - 4, 4) != 0)
			return SIGIL_E_CHECKSUM;
		memcpy(out, full, n - 4);
	}
	*out_len = n - 4;
	return 0;
}

/* --- bech32 / bech32m ----------------------------------------------------- */

static const char b32_alpha[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u
#define BECH32_MAX 90

static uint32_t
polymod_step(uint32_t c, uint8_t v)
{
	static const uint32_t g[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t b = c >> 25;

	c = (c & 0x1ffffff) << 5 ^ v;
	for (int i = 0; i < 5; i++)
		if ((b >> i) & 1)
			c ^= g[i];
	return c;
}

static uint32_t
hrp_polymod(const char *hrp, size_t n)
{
	uint32_t c = 1;

	for (size_t i = 0; i < n; i++)
		c = polymod_step(c, (uint8_t)(hrp[i] >> 5));
	c = polymod_step(c, 0);
	for (size_t i = 0; i < n; i++)
		c = polymod_step(c, (uint8_t)(hrp[i] & 31));
	return c;
}

/* 8-bit groups to 5-bit (pad) or back (no padding allowed: what is left
 * must be fewer than from bits, all zero). */
static int
convert_bits(const uint8_t *in, size_t n, int from, int to, bool pad, uint8_t *out, size_t cap,
             size_t *out_len)
{
	uint32_t acc = 0, maxv = (1u << to) - 1;
	int bits = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << from | in[i]) & 0xfff;
		bits += from;
		while (bits >= to) {
			bits -= to;
			if (k >= cap)
				return SIGIL_E_INVALID;
			out[k++] = (uint8_t)((acc >> bits) & maxv);
		}
	}
	if (pad && bits > 0) {
		if (k >= cap)
			return SIGIL_E_INVALID;
		out[k++] = (uint8_t)((acc << (to - bits)) & maxv);
	} else if (!pad && (bits >= from || ((acc << (to - bits)) & maxv) != 0)) {
		return SIGIL_E_INVALID;
	}
	*out_len = k;
	return 0;
}

int
btc_segwit_encode(const char *hrp, int witver, const uint8_t *prog, size_t prog_len, char *out,
                  size_t cap)
{
	uint8_t d[1 + 64 + 6];
	size_t hl = strlen(hrp), nd, k = 0;
	uint32_t c;

	if (cap > 0)
		out[0] = '\0';
	if (witver < 0 || witver > 16 || prog_len < 2 || prog_len > BTC_PROGRAM_MAX ||
	    (witver == 0 && prog_len != 20 && prog_len != 32) || hl == 0 || hl > 83)
		return SIGIL_E_INVALID;
	/* The checksum covers the hrp as written: lower case only. */
	for (size_t i = 0; i < hl; i++)
		if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return SIGIL_E_INVALID;
	d[0] = (uint8_t)witver;
	if (convert_bits(prog, prog_len, 8, 5, true, d + 1, 64, &nd) != 0)
		return SIGIL_E_INVALID;
	nd++;
	c = hrp_polymod(hrp, hl);
	for (size_t i = 0; i < nd; i++)
		c = polymod_step(c, d[i]);
	for (int i = 0; i < 6; i++)
		c = polymod_step(c, 0);
	c ^= witver == 0 ? BECH32_CONST : BECH32M_CONST;
	for (int i = 0; i < 6; i++)
		d[nd++] = (uint8_t)((c >> (5 * (5 - i))) & 31);
	if (hl + 1 + nd + 1 > cap)
		return SIGIL_E_TOO_BIG;
	memcpy(out, hrp, hl);
	k = hl;
	out[k++] = '1';
	for (size_t i = 0; i < nd; i++)
		out[k++] = b32_alpha[d[i]];
	out[k] = '\0';
	return 0;
}

/* The hrp (lower-cased into hrp) and where the data part starts, after
 * BIP-173's character and case rules. */
static int
bech32_split(const char *text, size_t len, char *hrp, size_t hrp_cap, size_t *sep)
{
	bool lower = false, upper = false;
	size_t s = len;

	if (len < 8 || len > BECH32_MAX)
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch < 33 || ch > 126)
			return SIGIL_E_INVALID;
		lower |= ch >= 'a' && ch <= 'z';
		upper |= ch >= 'A' && ch <= 'Z';
		if (ch == '1')
			s = i;
	}
	if ((lower && upper) || s == len || s == 0 || len - s - 1 < 6 || s > 83 || s + 1 > hrp_cap)
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < s; i++)
		hrp[i] = (char)((text[i] >= 'A' && text[i] <= 'Z') ? text[i] + 32 : text[i]);
	hrp[s] = '\0';
	*sep = s;
	return 0;
}

int
btc_bech32_decode(const char *text, size_t len, enum btc_bech32_kind *kind, char *hrp,
                  size_t hrp_cap, uint8_t data[static 90], size_t *n_data)
{
	size_t s, nd = 0;
	uint32_t c;
	int rc;

	*n_data = 0;
	*kind = 0;
	if ((rc = bech32_split(text, len, hrp, hrp_cap, &s)) != 0)
		return rc;
	c = hrp_polymod(hrp, s);
	for (size_t i = s + 1; i < len; i++) {
		char ch = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] + 32) : text[i];
		const char *d = strchr(b32_alpha, ch);

		if (d == NULL || ch == '\0')
			return SIGIL_E_INVALID;
		data[nd] = (uint8_t)(d - b32_alpha);
		c = polymod_step(c, data[nd++]);
	}
	if (c == BECH32_CONST)
		*kind = BTC_BECH32;
	else if (c == BECH32M_CONST)
		*kind = BTC_BECH32M;
	else
		return SIGIL_E_CHECKSUM;
	*n_data = nd - 6;
	return 0;
}

int
btc_segwit_decode(const char *hrp, const char *text, size_t len, int *witver,
                  uint8_t prog[static BTC_PROGRAM_MAX], size_t *prog_len)
{
	enum btc_bech32_kind kind;
	uint8_t d[90];
	char got[84];
	size_t nd;
	int rc;

	*witver = -1;
	*prog_len = 0;
	if ((rc = btc_bech32_decode(text, len, &kind, got, sizeof(got), d, &nd)) != 0)
		return rc;
	if (strcmp(got, hrp) != 0 || nd < 1 || d[0] > 16)
		return SIGIL_E_INVALID;
	/* BIP-350: version 0 keeps bech32, every other version bech32m. */
	if ((d[0] == 0) != (kind == BTC_BECH32))
		return SIGIL_E_CHECKSUM;
	if (convert_bits(d + 1, nd - 1, 5, 8, false, prog, BTC_PROGRAM_MAX, prog_len) != 0 ||
	    *prog_len < 2 || (d[0] == 0 && *prog_len != 20 && *prog_len != 32)) {
		*prog_len = 0;
		return SIGIL_E_INVALID;
	}
	*witver = d[0];
	return 0;
}

/* --- scripts ------------------------------------------------------------ */

const char *
btc_script_type_name(enum btc_script_type t)
{
	static const char *const names[] = {"nonstandard", "p2pkh", "p2sh", "p2wpkh",
	                                    "p2wsh", "p2tr", "witness_unknown", "op_return"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "nonstandard";
}

enum btc_script_type
btc_script_classify(const uint8_t *s, size_t n, int *witver, const uint8_t **prog,
                    size_t *prog_len)
{
	int v = -1;
	const uint8_t *p = NULL;
	size_t pl = 0;
	enum btc_script_type t = BTC_SCRIPT_NONSTANDARD;

	if (n == 25 && s[0] == 0x76 && s[1] == 0xa9 && s[2] == 0x14 && s[23] == 0x88 && s[24] == 0xac) {
		t = BTC_SCRIPT_P2PKH, p = s + 3, pl = 20;
	} else if (n == 23 && s[0] == 0xa9 && s[1] == 0x14 && s[22] == 0x87) {
		t = BTC_SCRIPT_P2SH, p = s + 2, pl = 20;
	} else if (n >= 4 && n <= 42 && (s[0] == 0 || (s[0] >= 0x51 && s[0] <= 0x60)) &&
	           s[1] == n - 2) {
		/* A witness program: OP_0 or OP_1..OP_16, one direct push. */
		v = s[0] == 0 ? 0 : s[0] - 0x50, p = s + 2, pl = n - 2;
		if (v == 0)
			t = pl == 20 ? BTC_SCRIPT_P2WPKH : pl == 32 ? BTC_SCRIPT_P2WSH : BTC_SCRIPT_NONSTANDARD;
		else
			t = v == 1 && pl == 32 ? BTC_SCRIPT_P2TR : BTC_SCRIPT_WITNESS_OTHER;
		if (t == BTC_SCRIPT_NONSTANDARD)
			v = -1, p = NULL, pl = 0;
	} else if (n >= 1 && s[0] == 0x6a) {
		t = BTC_SCRIPT_OP_RETURN;
	}
	if (witver != NULL)
		*witver = v;
	if (prog != NULL)
		*prog = p;
	if (prog_len != NULL)
		*prog_len = pl;
	return t;
}

static const char *
net_hrp(enum btc_net net)
{
	return net == BTC_MAINNET ? "bc" : net == BTC_TESTNET ? "tb" : "bcrt";
}

static uint8_t
net_b58(enum btc_net net, bool p2sh)
{
	if (net == BTC_MAINNET)
		return p2sh ? 0x05 : 0x00;
	return p2sh ? 0xc4 : 0x6f;
}

int
btc_script_address(enum btc_net net, const uint8_t *script, size_t len, char *out, size_t cap)
{
	const uint8_t *prog;
	size_t pl;
	int v;
	enum btc_script_type t = btc_script_classify(script, len, &v, &prog, &pl);
	uint8_t b[21];

	if (cap > 0)
		out[0] = '\0';
	if ((unsigned)net > BTC_REGTEST)
		return SIGIL_E_INVALID;
	if (t == BTC_SCRIPT_P2PKH || t == BTC_SCRIPT_P2SH) {
		b[0] = net_b58(net, t == BTC_SCRIPT_P2SH);
		memcpy(b + 1, prog, 20);
		return btc_b58check_encode(b, sizeof(b), out, cap);
	}
	if (v >= 0)
		return btc_segwit_encode(net_hrp(net), v, prog, pl, out, cap);
	return SIGIL_E_UNSUPPORTED;
}

static int
b58_script(enum btc_net net, const char *text, size_t len, uint8_t script[BTC_ADDR_SCRIPT_MAX],
           size_t *n)
{
	uint8_t b[21];
	size_t bl;
	int rc = btc_b58check_decode(text, len, b, sizeof(b), &bl);

	if (rc != 0)
		return rc;
	if (bl != 21)
		return SIGIL_E_INVALID;
	if (b[0] == net_b58(net, false)) {
		memcpy(script, "\x76\xa9\x14", 3);
		memcpy(script + 3, b + 1, 20);
		memcpy(script + 23, "\x88\xac", 2);
		*n = 25;
	} else if (b[0] == net_b58(net, true)) {
		memcpy(script, "\xa9\x14", 2);
		memcpy(script + 2, b + 1, 20);
		script[22] = 0x87;
		*n = 23;
	} else {
		return SIGIL_E_INVALID;
	}
	return 0;
}

int
btc_address_script(enum btc_net net, const char *text, size_t len,
                   uint8_t script[static BTC_ADDR_SCRIPT_MAX], size_t *script_len)
{
	uint8_t prog[BTC_PROGRAM_MAX];
	const char *hrp;
	size_t pl, hl;
	int v, rc;

	memset(script, 0, BTC_ADDR_SCRIPT_MAX);
	*script_len = 0;
	if ((unsigned)net > BTC_REGTEST || text == NULL)
		return SIGIL_E_INVALID;
	hrp = net_hrp(net);
	hl = strlen(hrp);
	/* A segwit address starts with its hrp and '1', in either case;
	 * anything else is read as base58. */
	if (len > hl && strncasecmp(text, hrp, hl) == 0 && text[hl] == '1') {
		if ((rc = btc_segwit_decode(hrp, text, len, &v, prog, &pl)) != 0)
			return rc;
		script[0] = v == 0 ? 0 : (uint8_t)(0x50 + v);
		script[1] = (uint8_t)pl;
		memcpy(script + 2, prog, pl);
		*script_len = pl + 2;
		return 0;
	}
	return b58_script(net, text, len, script, script_len);
}

/* --- the key's own scripts ----------------------------------------------- */

int
btc_key_scripts(const uint8_t *pk, size_t pklen, struct btc_key_scripts *ks)
{
	return btc_key_scripts_ex(pk, pklen, true, ks);
}

int
btc_key_scripts_ex(const uint8_t *pk, size_t pklen, bool taproot, struct btc_key_scripts *ks)
{
	int rc;

	memset(ks, 0, sizeof(*ks));
	/* The point is checked (a square root) only where taproot needs it:
	 * hash160 is of the bytes, whatever they are. */
	if (pk == NULL || pklen != 33 || (pk[0] != 0x02 && pk[0] != 0x03))
		return SIGIL_E_INVALID;
	memcpy(ks->xonly, pk + 1, 32);
	if (taproot && (rc = sigil_xonly_from_compressed(pk, pklen, ks->xonly)) != 0)
		return rc;
	if ((taproot && (rc = sigil_taproot_output_key(ks->xonly, NULL, ks->output_key, NULL)) != 0) ||
	    (rc = btc_hash160(pk, 33, ks->hash160)) != 0) {
		memset(ks, 0, sizeof(*ks));
		return rc;
	}
	memcpy(ks->pk, pk, 33);
	memcpy(ks->p2pkh, "\x76\xa9\x14", 3);
	memcpy(ks->p2pkh + 3, ks->hash160, 20);
	memcpy(ks->p2pkh + 23, "\x88\xac", 2);
	memcpy(ks->p2wpkh, "\x00\x14", 2);
	memcpy(ks->p2wpkh + 2, ks->hash160, 20);
	if (taproot) {
		memcpy(ks->p2tr, "\x51\x20", 2);
		memcpy(ks->p2tr + 2, ks->output_key, 32);
	}
	return 0;
}

enum btc_script_type
btc_key_owns(const struct btc_key_scripts *ks, const uint8_t *script, size_t len)
{
	if (len == sizeof(ks->p2pkh) && memcmp(script, ks->p2pkh, len) == 0)
		return BTC_SCRIPT_P2PKH;
	if (len == sizeof(ks->p2wpkh) && memcmp(script, ks->p2wpkh, len) == 0)
		return BTC_SCRIPT_P2WPKH;
	if (len == sizeof(ks->p2tr) && memcmp(script, ks->p2tr, len) == 0)
		return BTC_SCRIPT_P2TR;
	return BTC_SCRIPT_NONSTANDARD;
}
