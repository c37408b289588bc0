/* Ethereum addresses (EIP-55) and the personal_sign hash (EIP-191), as
 * addr.h describes them. The point is decompressed by libsecp256k1 with
 * its static context: parsing and serialising a public key need no
 * precomputed tables and no randomisation, and nothing here is secret. */
#include "chain/ethereum/addr.h"

#include <secp256k1.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "crypto/keccak.h"

#define PK_COMPRESSED 33
#define PK_UNCOMPRESSED 65

int
eth_address_from_pubkey(const uint8_t *pk, size_t pklen, uint8_t addr[static ETH_ADDR_LEN])
{
	uint8_t full[PK_UNCOMPRESSED], h[32];
	size_t n = sizeof(full);
	secp256k1_pubkey pub;

	memset(addr, 0, ETH_ADDR_LEN);
	if (pklen != PK_COMPRESSED && pklen != PK_UNCOMPRESSED)
		return SIGIL_E_INVALID;
	if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, pk, pklen) ||
	    !secp256k1_ec_pubkey_serialize(secp256k1_context_static, full, &n, &pub,
	                                   SECP256K1_EC_UNCOMPRESSED) ||
	    n != sizeof(full))
		return SIGIL_E_CRYPTO;
	sigil_keccak256(full + 1, sizeof(full) - 1, h); /* X ‖ Y, without the 04 tag */
	memcpy(addr, h + sizeof(h) - ETH_ADDR_LEN, ETH_ADDR_LEN);
	return 0;
}

/* The lower-case hex digits of addr (40) and the keccak256 of that text,
 * whose nibbles choose each letter's case. */
static void
checksum_hash(const char lower[2 * ETH_ADDR_LEN], uint8_t h[32])
{
	sigil_keccak256((const uint8_t *)lower, 2 * ETH_ADDR_LEN, h);
}

static bool
nibble_high(const uint8_t h[32], size_t i)
{
	return ((i % 2 == 0 ? h[i / 2] >> 4 : h[i / 2]) & 0x0f) >= 8;
}

void
eth_address_text(const uint8_t addr[static ETH_ADDR_LEN], char out[static ETH_ADDR_TEXT])
{
	char *d = out + 2;
	uint8_t h[32];

	out[0] = '0';
	out[1] = 'x';
	/* Lower case, ended by the NUL: out has exactly the room. */
	if (hex_encode(addr, ETH_ADDR_LEN, d, ETH_ADDR_TEXT - 2) != 0) {
		out[2] = '\0'; /* cannot happen */
		return;
	}
	checksum_hash(d, h);
	/* A letter whose hash nibble is 8 or more is upper case: 32 less.
	 * Written without a branch: which letters change is random, and a
	 * mispredicted branch per letter cost more than the test. */
	for (size_t i = 0; i < ETH_ADDR_LEN; i++) {
		unsigned hi = h[i] >> 7, lo = (h[i] >> 3) & 1;

		d[2 * i] = (char)(d[2 * i] - 32 * (hi & (d[2 * i] >= 'a')));
		d[2 * i + 1] = (char)(d[2 * i + 1] - 32 * (lo & (d[2 * i + 1] >= 'a')));
	}
	out[ETH_ADDR_TEXT - 1] = '\0';
}

int
eth_address_parse(const char *text, size_t slen, uint8_t addr[static ETH_ADDR_LEN])
{
	char lower[2 * ETH_ADDR_LEN];
	bool has_lower = false, has_upper = false;
	const char *d = text + 2;
	uint8_t h[32];

	memset(addr, 0, ETH_ADDR_LEN);
	if (slen != ETH_ADDR_TEXT - 1 || text[0] != '0' || text[1] != 'x')
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < 2 * ETH_ADDR_LEN; i++) {
		int v = hex_nibble(d[i]);

		if (v < 0)
			return SIGIL_E_INVALID;
		has_lower |= d[i] >= 'a';
		has_upper |= d[i] >= 'A' && d[i] <= 'F';
		lower[i] = "0123456789abcdef"[v];
		addr[i / 2] = (uint8_t)(i % 2 == 0 ? v << 4 : addr[i / 2] | v);
	}
	if (has_lower && has_upper) {
		checksum_hash(lower, h);
		for (size_t i = 0; i < 2 * ETH_ADDR_LEN; i++) {
			if (d[i] <= '9')
				continue;
			if ((d[i] <= 'F') != nibble_high(h, i)) {
				memset(addr, 0, ETH_ADDR_LEN);
				return SIGIL_E_CHECKSUM;
			}
		}
	}
	return 0;
}

void
eth_personal_hash(const uint8_t *msg, size_t len, uint8_t out[static 32])
{
	static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
	char dec[24];
	struct sigil_keccak k;
	int n = snprintf(dec, sizeof(dec), "%zu", len);

	/* 20 digits at most for a size_t: the buffer cannot be short. */
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, (const uint8_t *)prefix, sizeof(prefix) - 1);
	sigil_keccak_update(&k, (const uint8_t *)dec, n > 0 ? (size_t)n : 0);
	sigil_keccak_update(&k, msg, len);
	sigil_keccak256_final(&k, out);
}
