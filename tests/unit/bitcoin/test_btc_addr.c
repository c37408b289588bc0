/* Bitcoin addresses (chain/bitcoin/addr.h).
 *
 * Known answers: BIP-173's and BIP-350's checksum vectors (valid bech32
 * and bech32m strings, each read as its own kind and no other; the
 * invalid ones refused), BIP-350's segwit address vectors (address ↔
 * scriptPubKey, and the invalid addresses refused on both networks, and
 * the encodings it forbids), BIP-341's P2TR addresses (hrp "sys" in the
 * copy read), and the key 1's P2PKH address. Then every script form
 * written and read back on each network, and the key's own scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "chain/bitcoin/addr.h"
#include "crypto/sig.h"
#include "../unit_util.h"
#include "bip341_vectors.h"

static const char *const valid_bech32[] = {
	"A12UEL5L",
	"a12uel5l",
	"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
	"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
	"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
	"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	"?1ezyfcl",
};

static const char *const valid_bech32m[] = {
	"A1LQFN3A",
	"a1lqfn3a",
	"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
	"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
	"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
	"split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
	"?1v759aa",
};

static const char *const invalid_bech32[] = {
	" 1nwldj5", "\x7f" "1axkwrx", "\x80" "1eym55h",
	"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
	"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "de1lg7wt\xff", "A1G7SGD8",
	"10a06t8", "1qzzfhee",
	" 1xj0phk", "\x7f" "1g6xzxy", "\x80" "1vctc34",
	"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
	"qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i",
	"au1s5cgom", "M1VUXWEZ", "16plkw9", "1p2gdwpf",
};

static const struct {
	const char *addr, *script;
} valid_addr[] = {
	{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
	{"bc1puxkz8vpy900c7z4q4302lkc3jjr2s42mayfqzzgr5yqdk5mgma3s0kntlh",
	 "5120e1ac23b0242bdf8f0aa0ac5eafdb119486a8555be912010903a100db5368df63"},
	{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
	 "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
	{"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
	 "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
	{"BC1SW50QGDZ25J", "6002751e"},
	{"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
	{"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
	 "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
	{"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
	 "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
	{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
	 "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
};

static const char *const invalid_addr[] = {
	"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
	"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
	"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
	"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
	"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
	"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
	"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
	"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
	"bc1pw5dgrnzv",
	"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
	"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
	"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
	"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
	"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
	"bc1gmk9yu",
};

static int
decode(const char *s, enum btc_bech32_kind *kind)
{
	uint8_t data[90];
	char hrp[84];
	size_t n, ml, len = strlen(s);
	void *map;
	const char *p = flush_copy(s, len, &map, &ml);
	int rc = btc_bech32_decode(p, len, kind, hrp, sizeof(hrp), data, &n);

	munmap(map, ml);
	return rc;
}

static void
test_bech32_checksums(void **state)
{
	enum btc_bech32_kind k;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_bech32) / sizeof(valid_bech32[0]); i++) {
		assert_int_equal(decode(valid_bech32[i], &k), 0);
		assert_int_equal(k, BTC_BECH32);
		assert_int_equal(decode(valid_bech32m[i], &k), 0);
		assert_int_equal(k, BTC_BECH32M);
	}
	for (size_t i = 0; i < sizeof(invalid_bech32) / sizeof(invalid_bech32[0]); i++)
		assert_int_not_equal(decode(invalid_bech32[i], &k), 0);
}

static void
test_segwit_addresses(void **state)
{
	uint8_t script[BTC_ADDR_SCRIPT_MAX], want[BTC_ADDR_SCRIPT_MAX], zero[41] = {0};
	char text[BTC_ADDR_MAX], lower[BTC_ADDR_MAX];
	size_t n, wl;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_addr) / sizeof(valid_addr[0]); i++) {
		const char *a = valid_addr[i].addr;
		enum btc_net net = strncasecmp(a, "bc", 2) == 0 ? BTC_MAINNET : BTC_TESTNET;

		wl = unhex(valid_addr[i].script, want, sizeof(want));
		assert_int_equal(btc_address_script(net, a, strlen(a), script, &n), 0);
		assert_int_equal(n, wl);
		assert_memory_equal(script, want, wl);
		assert_int_not_equal(btc_address_script(net == BTC_MAINNET ? BTC_TESTNET : BTC_MAINNET, a,
		                                        strlen(a), script, &n),
		                     0);
		assert_int_equal(btc_script_address(net, want, wl, text, sizeof(text)), 0);
		for (size_t k = 0; k <= strlen(a); k++)
			lower[k] = (char)((a[k] >= 'A' && a[k] <= 'Z') ? a[k] + 32 : a[k]);
		assert_string_equal(text, lower);
	}
	for (size_t i = 0; i < sizeof(invalid_addr) / sizeof(invalid_addr[0]); i++) {
		const char *a = invalid_addr[i];
		assert_int_not_equal(btc_address_script(BTC_MAINNET, a, strlen(a), script, &n), 0);
		assert_int_not_equal(btc_address_script(BTC_TESTNET, a, strlen(a), script, &n), 0);
		assert_int_equal(n, 0);
	}
	/* The encodings BIP-350 forbids. */
	assert_int_equal(btc_segwit_encode("BC", 0, zero, 20, text, sizeof(text)), SIGIL_E_INVALID);
	assert_int_equal(btc_segwit_encode("bc", 0, zero, 21, text, sizeof(text)), SIGIL_E_INVALID);
	assert_int_equal(btc_segwit_encode("bc", 17, zero, 32, text, sizeof(text)), SIGIL_E_INVALID);
	assert_int_equal(btc_segwit_encode("bc", 1, zero, 1, text, sizeof(text)), SIGIL_E_INVALID);
	assert_int_equal(btc_segwit_encode("bc", 16, zero, 41, text, sizeof(text)), SIGIL_E_INVALID);
	/* BIP-341's outputs, under the hrp of the copy read. */
	for (size_t i = 0; i < sizeof(bip341_spks) / sizeof(bip341_spks[0]); i++) {
		uint8_t prog[32];
		unhex(bip341_spks[i].tweaked, prog, 32);
		assert_int_equal(btc_segwit_encode("sys", 1, prog, 32, text, sizeof(text)), 0);
		assert_string_equal(text, bip341_spks[i].address);
	}
	/* A short buffer. */
	assert_int_equal(btc_segwit_encode("bc", 1, zero, 32, text, 20), SIGIL_E_TOO_BIG);
}

static void
test_base58(void **state)
{
	uint8_t pk[SIGIL_PK_MAX], sk[32] = {[31] = 1}, script[BTC_ADDR_SCRIPT_MAX];
	struct btc_key_scripts ks;
	char text[BTC_ADDR_MAX];
	size_t pkl, n;

	(void)state;
	assert_int_equal(sigil_pubkey(SIGIL_KEY_SECP256K1, sk, pk, &pkl), 0);
	assert_int_equal(btc_key_scripts(pk, pkl, &ks), 0);
	assert_int_equal(btc_script_address(BTC_MAINNET, ks.p2pkh, 25, text, sizeof(text)), 0);
	assert_string_equal(text, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
	assert_int_equal(btc_address_script(BTC_MAINNET, text, strlen(text), script, &n), 0);
	assert_int_equal(n, 25);
	assert_memory_equal(script, ks.p2pkh, 25);
	/* Not a testnet address; a flipped character fails the checksum. */
	assert_int_equal(btc_address_script(BTC_TESTNET, text, strlen(text), script, &n), SIGIL_E_INVALID);
	text[5] = text[5] == 'a' ? 'b' : 'a';
	assert_int_equal(btc_address_script(BTC_MAINNET, text, strlen(text), script, &n), SIGIL_E_CHECKSUM);
	/* Characters outside the alphabet. */
	assert_int_equal(btc_address_script(BTC_MAINNET, "1BgGZ9tcN4rm0KBzDn7KprQz87SZ26SAMH", 34,
	                                    script, &n),
	                 SIGIL_E_INVALID);
	/* Every form on every network writes and reads back. */
	for (int net = BTC_MAINNET; net <= BTC_REGTEST; net++) {
		const uint8_t *scripts[] = {ks.p2pkh, ks.p2wpkh, ks.p2tr};
		const size_t lens[] = {25, 22, 34};
		uint8_t p2sh[23] = {0xa9, 0x14}, p2wsh[34] = {0x00, 0x20};

		p2sh[22] = 0x87;
		for (int i = 0; i < 5; i++) {
			const uint8_t *s = i < 3 ? scripts[i] : i == 3 ? p2sh : p2wsh;
			size_t sl = i < 3 ? lens[i] : i == 3 ? 23 : 34;

			assert_int_equal(btc_script_address(net, s, sl, text, sizeof(text)), 0);
			assert_int_equal(btc_address_script(net, text, strlen(text), script, &n), 0);
			assert_int_equal(n, sl);
			assert_memory_equal(script, s, sl);
		}
		assert_true(strncmp(text, net == 0 ? "bc1q" : net == 1 ? "tb1q" : "bcrt1q", net == 2 ? 6 : 4) == 0);
	}
	/* No address for OP_RETURN or a bare script. */
	assert_int_equal(btc_script_address(BTC_MAINNET, (const uint8_t *)"\x6a\x01\x01", 3, text,
	                                    sizeof(text)),
	                 SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_script_classify((const uint8_t *)"\x6a", 1, NULL, NULL, NULL),
	                 BTC_SCRIPT_OP_RETURN);
}

static void
test_key_scripts(void **state)
{
	uint8_t pk[SIGIL_PK_MAX], sk[32];
	struct btc_key_scripts ks;
	size_t pkl;

	(void)state;
	/* BIP-341's first spend: internal key → output key 53a1f6…. */
	unhex(bip341_spends[0].privkey, sk, 32);
	assert_int_equal(sigil_pubkey(SIGIL_KEY_SECP256K1, sk, pk, &pkl), 0);
	assert_int_equal(btc_key_scripts(pk, pkl, &ks), 0);
	{
		uint8_t want[34];
		unhex(bip341_spks[0].script, want, 34);
		assert_memory_equal(ks.p2tr, want, 34);
	}
	assert_int_equal(btc_key_owns(&ks, ks.p2tr, 34), BTC_SCRIPT_P2TR);
	assert_int_equal(btc_key_owns(&ks, ks.p2wpkh, 22), BTC_SCRIPT_P2WPKH);
	assert_int_equal(btc_key_owns(&ks, ks.p2pkh, 25), BTC_SCRIPT_P2PKH);
	assert_int_equal(btc_key_owns(&ks, ks.p2pkh, 24), BTC_SCRIPT_NONSTANDARD);
	/* Not a compressed key. */
	pk[0] = 0x04;
	assert_int_equal(btc_key_scripts(pk, 33, &ks), SIGIL_E_INVALID);
	assert_int_equal(btc_key_scripts(pk, 32, &ks), SIGIL_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bech32_checksums),
		cmocka_unit_test(test_segwit_addresses),
		cmocka_unit_test(test_base58),
		cmocka_unit_test(test_key_scripts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
