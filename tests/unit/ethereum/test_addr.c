/* Ethereum addresses and personal_sign (chain/ethereum/addr.h).
 *
 * Known answers: EIP-55's own examples (mixed case, all upper, all lower);
 * the address of the key 1 (the generator), and personal_sign hashes, as
 * ethers 6.17.0 computeAddress and hashMessage give them. Then keys made
 * here, whose addresses must not depend on the key's form, and every
 * malformed text. tests/integration/test_eth_codec.sh does the same
 * against ethers on random keys and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <sodium.h>

#include "base/errors.h"
#include "chain/ethereum/addr.h"
#include "crypto/sig.h"
#include "../unit_util.h"

/* EIP-55's test cases. */
static const char *const eip55[] = {
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	"0x52908400098527886E0F7030069857D2E4169EE7",
	"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	"0xde709f2102306220921060314715629080e2fb77",
	"0x27b1fdb04752bbc536007a920d24acb045561c26",
};

/* eth_address_parse of text flush against a PROT_NONE page. */
static int
parse(const char *text, uint8_t addr[ETH_ADDR_LEN])
{
	void *map;
	size_t ml, n = strlen(text);
	const char *p = flush_copy(text, n, &map, &ml);
	int rc = eth_address_parse(p, n, addr);

	munmap(map, ml);
	return rc;
}

static void
test_eip55(void **state)
{
	uint8_t a[ETH_ADDR_LEN], b[ETH_ADDR_LEN];
	char text[ETH_ADDR_TEXT], lower[ETH_ADDR_TEXT], upper[ETH_ADDR_TEXT];

	(void)state;
	for (size_t i = 0; i < sizeof(eip55) / sizeof(eip55[0]); i++) {
		assert_int_equal(parse(eip55[i], a), 0);
		eth_address_text(a, text);
		assert_string_equal(text, eip55[i]);
		/* One case only: no checksum, accepted as it is. */
		for (size_t k = 0; k < ETH_ADDR_TEXT; k++) {
			lower[k] = (char)(k > 1 && eip55[i][k] >= 'A' && eip55[i][k] <= 'F'
			                      ? eip55[i][k] - 'A' + 'a' : eip55[i][k]);
			upper[k] = (char)(k > 1 && eip55[i][k] >= 'a' && eip55[i][k] <= 'f'
			                      ? eip55[i][k] - 'a' + 'A' : eip55[i][k]);
		}
		assert_int_equal(parse(lower, b), 0);
		assert_memory_equal(a, b, ETH_ADDR_LEN);
		assert_int_equal(parse(upper, b), 0);
		assert_memory_equal(a, b, ETH_ADDR_LEN);
		/* Each letter in the other case, alone, breaks the checksum of a
		 * mixed-case address (unless that leaves one case only). */
		for (size_t k = 2; k < ETH_ADDR_TEXT - 1; k++) {
			char t[ETH_ADDR_TEXT];
			bool has_l = false, has_u = false;

			if (eip55[i][k] <= '9')
				continue;
			memcpy(t, eip55[i], sizeof(t));
			t[k] = (char)(t[k] ^ 0x20);
			for (size_t j = 2; j < ETH_ADDR_TEXT - 1; j++) {
				has_l |= t[j] >= 'a';
				has_u |= t[j] >= 'A' && t[j] <= 'F';
			}
			assert_int_equal(parse(t, b), has_l && has_u ? SIGIL_E_CHECKSUM : 0);
			if (has_l && has_u)
				assert_true(sodium_is_zero(b, sizeof(b)));
		}
	}
}

static void
test_malformed_text(void **state)
{
	static const char *const bad[] = {
		"",
		"0x",
		"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",     /* no 0x */
		"0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",   /* 0X */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",    /* 39 digits */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",  /* 41 */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",   /* not hex */
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae ",
		" 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
		"0x+aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
	};
	uint8_t a[ETH_ADDR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], a), SIGIL_E_INVALID);
	/* A NUL inside the length given. */
	assert_int_equal(eth_address_parse("0x5aaeb6053f3e94c9b9a09f3366" "\0" "435e7ef1beaed", 42, a),
	                 SIGIL_E_INVALID);
}

static void
test_from_pubkey(void **state)
{
	/* The key 1: its public key is the generator. */
	uint8_t pk[65], addr[ETH_ADDR_LEN], addr2[ETH_ADDR_LEN], sk[32];
	char text[ETH_ADDR_TEXT];
	size_t pklen;

	(void)state;
	pklen = unhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", pk,
	              sizeof(pk));
	assert_int_equal(eth_address_from_pubkey(pk, pklen, addr), 0);
	eth_address_text(addr, text);
	assert_string_equal(text, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");

	/* Keys made by sigil: compressed and uncompressed give one address. */
	for (int i = 0; i < 64; i++) {
		secp256k1_pubkey pub;
		uint8_t full[65];
		size_t n = sizeof(full);

		assert_int_equal(sigil_keygen(SIGIL_KEY_SECP256K1, sk), 0);
		assert_int_equal(sigil_pubkey(SIGIL_KEY_SECP256K1, sk, pk, &pklen), 0);
		assert_int_equal(pklen, 33);
		assert_int_equal(eth_address_from_pubkey(pk, pklen, addr), 0);
		assert_true(secp256k1_ec_pubkey_parse(secp256k1_context_static, &pub, pk, pklen));
		assert_true(secp256k1_ec_pubkey_serialize(secp256k1_context_static, full, &n, &pub,
		                                          SECP256K1_EC_UNCOMPRESSED));
		assert_int_equal(eth_address_from_pubkey(full, n, addr2), 0);
		assert_memory_equal(addr, addr2, ETH_ADDR_LEN);
		/* And its text reads back. */
		eth_address_text(addr, text);
		assert_int_equal(parse(text, addr2), 0);
		assert_memory_equal(addr, addr2, ETH_ADDR_LEN);
	}
	sodium_memzero(sk, sizeof(sk));

	/* Not keys: wrong lengths, a tag of neither form, x at or past p, a
	 * 33-byte key given as uncompressed. */
	memset(pk, 0, sizeof(pk));
	assert_int_equal(eth_address_from_pubkey(pk, 32, addr), SIGIL_E_INVALID);
	assert_int_equal(eth_address_from_pubkey(pk, 64, addr), SIGIL_E_INVALID);
	assert_true(sodium_is_zero(addr, sizeof(addr)));
	pk[0] = 0x05;
	assert_int_equal(eth_address_from_pubkey(pk, 33, addr), SIGIL_E_CRYPTO);
	memset(pk + 1, 0xff, 32);
	pk[0] = 0x02;
	assert_int_equal(eth_address_from_pubkey(pk, 33, addr), SIGIL_E_CRYPTO);
	pk[0] = 0x04;
	assert_int_equal(eth_address_from_pubkey(pk, 65, addr), SIGIL_E_CRYPTO);
}

static void
test_personal_hash(void **state)
{
	static const struct {
		const char *msg;
		size_t len;
		const char *hash;
	} v[] = {
		{"hello world", 11, "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"},
		{"", 0, "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad"},
	};
	uint8_t want[32], got[32], a1000[1000];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].hash, want, sizeof(want));
		eth_personal_hash((const uint8_t *)v[i].msg, v[i].len, got);
		assert_memory_equal(got, want, 32);
	}
	eth_personal_hash(NULL, 0, got);
	assert_memory_equal(got, want, 32);
	/* A four-digit length. */
	memset(a1000, 'a', sizeof(a1000));
	eth_personal_hash(a1000, sizeof(a1000), got);
	unhex("646dfe80977f3cb244f566d96cd3aabb891d47b9ba5159076d78e9999835e0d6", want, 32);
	assert_memory_equal(got, want, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eip55),
		cmocka_unit_test(test_malformed_text),
		cmocka_unit_test(test_from_pubkey),
		cmocka_unit_test(test_personal_hash),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
