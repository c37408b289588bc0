/* Ethereum unsigned transactions (chain/ethereum/tx.h).
 *
 * Known answers from code we did not write: EIP-155's own example (the
 * signing data, its hash and the signed transaction for the key 0x46…46),
 * and transactions of each type serialised, hashed and signed by ethers
 * 6.17.0 (Transaction.from, unsignedSerialized, unsignedHash,
 * SigningKey.sign, serialized) with the same key. Then every way to get
 * one wrong, every cut of each refused, and the ERC-20 reading.
 * tests/integration/test_eth_codec.sh does the same on random ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/decimal.h"
#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/rlp.h"
#include "chain/ethereum/tx.h"
#include "crypto/sig.h"
#include "../unit_util.h"

#define BUF 4096

struct known {
	const char *name, *unsigned_hex, *hash, *r, *s;
	int y;
	const char *signed_hex;
	unsigned flags;
};

/* Signed by the key 0x46 × 32 (EIP-155's), RFC 6979 in ethers as in sigil. */
static const struct known known[] = {
	{"EIP-155's example",
	 "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080",
	 "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53",
	 "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276",
	 "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83", 0,
	 "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a0"
	 "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb70330"
	 "4b3800ccf555c9f3dc64214b297fb1966a3b6d83",
	 0},
	{"pre-EIP-155 legacy", "dc80018252089435353535353535353535353535353535353535350180",
	 "1ce093f97436024d3e93ac98eed4c0e73c5c6848fa57c756c4b8052ee5995a1b",
	 "cabffd5343e661557127d6096390ccaec4f6e6e89ae3560d5fd2d58f98d652ba",
	 "7cc12865dfb6e7e0b83b17a6ac811c36ecc580d060481662e32456b99b496199", 1,
	 "f85f800182520894353535353535353535353535353535353535353501801ca0cabffd5343e661557127d6096390"
	 "ccaec4f6e6e89ae3560d5fd2d58f98d652baa07cc12865dfb6e7e0b83b17a6ac811c36ecc580d060481662e3245"
	 "6b99b496199",
	 ETH_TX_ALLOW_PRE155},
	{"type 1 with an access list",
	 "01f89b05018506fc23ac00830186a094abababababababababababababababababababab8084deadbeeff872f8599"
	 "4cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdf842a0000000000000000000000000000000000000000000000"
	 "0000000000000000001a0efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefd69412"
	 "12121212121212121212121212121212121212c0",
	 "960274dd1050fe7e5c918438d57c11e56bad3d570f263589bc46356379b0e947",
	 "6a989972de5f48041562709e3c9f5b3668345448754e8cd70e5f5b1417cfa5f1",
	 "3d128722e68354dc6b279b8c7fc993a4637fa6eae0ad6176559338c3a6c622a0", 0,
	 "01f8de05018506fc23ac00830186a094abababababababababababababababababababab8084deadbeeff872f8599"
	 "4cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdf842a0000000000000000000000000000000000000000000000"
	 "0000000000000000001a0efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefd69412"
	 "12121212121212121212121212121212121212c080a06a989972de5f48041562709e3c9f5b3668345448754e8cd"
	 "70e5f5b1417cfa5f1a03d128722e68354dc6b279b8c7fc993a4637fa6eae0ad6176559338c3a6c622a0",
	 0},
	{"type 2, an ERC-20 transfer",
	 "02f86d012a8459682f008506fc23ac0082fde894dac17f958d2ee523a2206206994597c13d831ec780b844a9059c"
	 "bb000000000000000000000000111111111111111111111111111111111111111100000000000000000000000000"
	 "000000000000000000d3c21bcecceda1000000c0",
	 "97e62db2b6dc3aba2a34bd2bb5e1ce6bd232cf43e21a24dc373ae00ea70d549e",
	 "65a4cda75269b3d1ea6d2fc3391d6c7d27c21bfc6a30f15efd0f3d4bbb1f15ad",
	 "1b9cb8dc403975507b15219e5e4962353f6376749bd0168fd7baca6a5496bc93", 0,
	 "02f8b0012a8459682f008506fc23ac0082fde894dac17f958d2ee523a2206206994597c13d831ec780b844a9059c"
	 "bb000000000000000000000000111111111111111111111111111111111111111100000000000000000000000000"
	 "000000000000000000d3c21bcecceda1000000c080a065a4cda75269b3d1ea6d2fc3391d6c7d27c21bfc6a30f15"
	 "efd0f3d4bbb1f15ada01b9cb8dc403975507b15219e5e4962353f6376749bd0168fd7baca6a5496bc93",
	 0},
	{"type 2, a contract creation", "02d10a808007832dc6c08005856080604052c0",
	 "ae7167d8ea02f77fae9c84637c66c9f5077304fac7b1b60e883efcd74586c435",
	 "8dc73336170e4db7885d3cbe7b3eb07a65a500ea57bdaf5874bca79769e85b15",
	 "756e00fd79ccb5d695efff6b0b3dc74aa539c249a7ac83d94ec100e923d71bf2", 1,
	 "02f8540a808007832dc6c08005856080604052c001a08dc73336170e4db7885d3cbe7b3eb07a65a500ea57bdaf58"
	 "74bca79769e85b15a0756e00fd79ccb5d695efff6b0b3dc74aa539c249a7ac83d94ec100e923d71bf2",
	 0},
	{"legacy, chain id 2^64 - 1: v needs 65 bits",
	 "e70101825208943535353535353535353535353535353535353535808088ffffffffffffffff8080",
	 "ff6d1a0b5785dd27da766ddcdca3930c15dbd6ca27d5c93425faf1667af4dab7",
	 "58862d2ebdd0548ab3687807eb49cccedd3e0ad359e1d2fb3a8bde0e70eb667a",
	 "22c061b9494a844351a077e19f95c241817f0a609d63d999691fdd3b6eaba381", 1,
	 "f8680101825208943535353535353535353535353535353535353535808089020000000000000022a058862d2eb"
	 "dd0548ab3687807eb49cccedd3e0ad359e1d2fb3a8bde0e70eb667aa022c061b9494a844351a077e19f95c2418"
	 "17f0a609d63d999691fdd3b6eaba381",
	 0},
};

/* eth_tx_decode on a copy that ends at a PROT_NONE page; the reason must
 * be a string, and say something on failure. */
static int
dec(const uint8_t *b, size_t n, unsigned flags, struct eth_tx *tx, char *reason)
{
	static uint8_t keep[ETH_TX_MAX + 2];
	char r[160];
	void *map;
	size_t ml;
	const uint8_t *p = (const uint8_t *)flush_copy(b, n, &map, &ml);
	int rc = eth_tx_decode(p, n, flags, tx, r, sizeof(r));

	assert_non_null(memchr(r, '\0', sizeof(r)));
	assert_true(rc == 0 ? r[0] == '\0' : r[0] != '\0');
	if (reason != NULL)
		strcpy(reason, r);
	/* The tx points into the copy: move it to a buffer that stays. */
	memcpy(keep, b, n);
	if (rc == 0) {
		tx->data = tx->data ? keep + (tx->data - p) : NULL;
		tx->access_list = tx->access_list ? keep + (tx->access_list - p) : NULL;
	}
	munmap(map, ml);
	return rc;
}

static int
dec_hex(const char *hex, unsigned flags, struct eth_tx *tx, char *reason)
{
	static uint8_t b[ETH_TX_MAX + 2];
	size_t n = unhex(hex, b, sizeof(b));

	return dec(b, n, flags, tx, reason);
}

static void
test_known(void **state)
{
	uint8_t b[BUF], h[32], r[32], s[32], want[BUF], out[BUF], sk[32], sig[SIGIL_SIG_MAX];
	struct sigil_key *key = NULL;
	struct eth_tx tx;
	size_t n, wn, on, siglen;
	int recid;

	(void)state;
	memset(sk, 0x46, sizeof(sk));
	assert_int_equal(sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &key), 0);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct known *k = &known[i];

		n = unhex(k->unsigned_hex, b, sizeof(b));
		assert_int_equal(dec(b, n, k->flags, &tx, NULL), 0);
		unhex(k->hash, h, sizeof(h));
		assert_memory_equal(tx.hash, h, 32);
		/* Written again from its fields: the same bytes. */
		assert_int_equal(eth_tx_encode(&tx, out, sizeof(out), &on), 0);
		assert_int_equal(on, n);
		assert_memory_equal(out, b, n);
		/* ethers' signature, written as ethers writes it. */
		unhex(k->r, r, sizeof(r));
		unhex(k->s, s, sizeof(s));
		wn = unhex(k->signed_hex, want, sizeof(want));
		assert_int_equal(eth_tx_signed(b, n, k->flags, r, s, k->y, out, sizeof(out), &on), 0);
		assert_int_equal(on, wn);
		assert_memory_equal(out, want, wn);
		assert_true(on <= n + ETH_TX_SIGNED_EXTRA);
		/* The frame alone (what the signer reads after its full decode)
		 * gives the same bytes. */
		memset(out, 0, sizeof(out));
		assert_int_equal(eth_tx_signed(b, n, k->flags | ETH_TX_FRAME, r, s, k->y, out,
		                               sizeof(out), &on),
		                 0);
		assert_int_equal(on, wn);
		assert_memory_equal(out, want, wn);
		/* And sigil's own signature is ethers'. */
		assert_int_equal(
			sigil_key_sign_recid(key, SIGIL_SCHEME_PLAIN, tx.hash, 32, sig, &siglen, &recid), 0);
		assert_memory_equal(sig, r, 32);
		assert_memory_equal(sig + 32, s, 32);
		assert_int_equal(recid, k->y);
		/* Every cut refused; and with a byte more, refused too. */
		for (size_t c = 0; c < n; c++) {
			int rc = dec(b, c, k->flags, &tx, NULL);
			assert_true(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID);
		}
		b[n] = 0x00;
		assert_int_equal(dec(b, n + 1, k->flags, &tx, NULL), SIGIL_E_INVALID);
	}
	sigil_key_free(key);
}

static void
test_fields(void **state)
{
	struct eth_tx tx;
	char hex[2 * ETH_ADDR_LEN + 1];

	(void)state;
	assert_int_equal(dec_hex(known[0].unsigned_hex, 0, &tx, NULL), 0);
	assert_int_equal(tx.type, ETH_TX_LEGACY);
	assert_true(tx.has_chain_id && tx.chain_id == 1 && tx.nonce == 9);
	assert_string_equal(tx.value_dec, "1000000000000000000");
	assert_false(tx.create);
	assert_int_equal(hex_encode(tx.to, ETH_ADDR_LEN, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "3535353535353535353535353535353535353535");
	assert_int_equal(tx.data_len, 0);
	assert_int_equal(tx.gas[31] | tx.gas[30] << 8, 21000);

	assert_int_equal(dec_hex(known[2].unsigned_hex, 0, &tx, NULL), 0);
	assert_int_equal(tx.type, ETH_TX_ACCESS_LIST);
	assert_int_equal(tx.access_list_len, 2);
	assert_int_equal(tx.storage_keys, 2);
	assert_int_equal(tx.data_len, 4);
	assert_memory_equal(tx.data, "\xde\xad\xbe\xef", 4);

	assert_int_equal(dec_hex(known[4].unsigned_hex, 0, &tx, NULL), 0);
	assert_int_equal(tx.type, ETH_TX_DYNAMIC_FEE);
	assert_true(tx.create && tx.chain_id == 10 && tx.max_fee[31] == 7);
	assert_string_equal(tx.value_dec, "5");

	assert_int_equal(dec_hex(known[5].unsigned_hex, 0, &tx, NULL), 0);
	assert_true(tx.chain_id == UINT64_MAX);
}

/* Each with the reason it must give (a fragment of it). */
static void
test_refused(void **state)
{
	static const struct {
		const char *hex;
		int rc;
		const char *why;
		unsigned flags;
	} bad[] = {
		{"", SIGIL_E_INCOMPLETE, "empty", 0},
		{"03c0", SIGIL_E_UNSUPPORTED, "blob", 0},
		{"04c0", SIGIL_E_UNSUPPORTED, "EIP-7702", 0},
		{"05c0", SIGIL_E_UNSUPPORTED, "0x05", 0},
		{"00c0", SIGIL_E_UNSUPPORTED, "0x00", 0},
		{"7fc0", SIGIL_E_UNSUPPORTED, "0x7f", 0},
		{"80", SIGIL_E_INVALID, "neither", 0},
		{"83010203", SIGIL_E_INVALID, "neither", 0},
		{"02", SIGIL_E_INCOMPLETE, "cut short", 0},
		{"0280", SIGIL_E_INVALID, "not an RLP list", 0},
		/* pre-EIP-155 without the flag */
		{"dc80018252089435353535353535353535353535353535353535350180", SIGIL_E_UNSUPPORTED,
		 "EIP-155", 0},
		/* legacy, signed: v = 37, r, s where 0, 0 should be */
		{"cf098082520880808025820102820203", SIGIL_E_INVALID, "signed", 0},
		/* legacy of 7 fields; type 2 of 8; type 2 signed (12) */
		{"c780808080808001", SIGIL_E_INVALID, "fields", 0},
		{"02c80101808080808080", SIGIL_E_INVALID, "fields", 0},
		{"02cc0180808080808080c0800101", SIGIL_E_INVALID, "signed", 0},
		/* chain id 0; chain id of 9 bytes; nonce of 9 bytes */
		{"02c98080808080808080c0", SIGIL_E_INVALID, "chain id 0", 0},
		{"02d28901000000000000000080808080808080c0", SIGIL_E_INVALID, "chain id", 0},
		{"02d20189010000000000000000808080808080c0", SIGIL_E_INVALID, "nonce", 0},
		/* value of 33 bytes; a gas limit with a leading zero; a fee as a list */
		{"02ea018080808080a1010000000000000000000000000000000000000000000000000000000000000000"
		 "80c0", SIGIL_E_INVALID, "value", 0},
		{"02cb01808080820005808080c0", SIGIL_E_INVALID, "gas limit", 0},
		{"02c90180c08080808080c0", SIGIL_E_INVALID, "maxPriorityFeePerGas", 0},
		/* the tip over the fee cap */
		{"02c90180020180808080c0", SIGIL_E_INVALID, "over maxFeePerGas", 0},
		/* `to` of 19 and 21 bytes, and as a list */
		{"02dc018080808093121212121212121212121212121212121212128080c0", SIGIL_E_INVALID, "`to`",
		 0},
		{"02de0180808080951212121212121212121212121212121212121212128080c0", SIGIL_E_INVALID,
		 "`to`", 0},
		{"02c90180808080c08080c0", SIGIL_E_INVALID, "`to`", 0},
		/* data as a list */
		{"02c901808080808080c0c0", SIGIL_E_INVALID, "data", 0},
		/* access lists: not a list; an address of 19 bytes; a key of 31;
		 * an entry of three items; keys that are not a list */
		{"02c9018080808080808080", SIGIL_E_INVALID, "access list", 0},
		{"02df0180808080808080d6d59312121212121212121212121212121212121212c0", SIGIL_E_INVALID,
		 "access list", 0},
		{"02f8400180808080808080f7f6941212121212121212121212121212121212121212e09f3131313131313131"
		 "3131313131313131313131313131313131313131313131",
		 SIGIL_E_INVALID, "access list", 0},
		{"02e10180808080808080d8d7941212121212121212121212121212121212121212c080", SIGIL_E_INVALID,
		 "access list", 0},
		{"02e00180808080808080d7d694121212121212121212121212121212121212121280", SIGIL_E_INVALID,
		 "access list", 0},
		/* non-canonical RLP: a long header for a short list */
		{"02f8090180808080808080c0", SIGIL_E_INVALID, "canonical", 0},
		/* trailing bytes after the list */
		{"02c90180808080808080c000", SIGIL_E_INVALID, "trailing", 0},
		/* nested too deep: a list in the storage keys */
		{"02e20180808080808080d9d8941212121212121212121212121212121212121212c2c180",
		 SIGIL_E_INVALID, "deep", 0},
		/* the same with an empty key list: accepted */
		{"02e00180808080808080d7d6941212121212121212121212121212121212121212c0", 0, "", 0},
	};
	static char hex[8192];
	char reason[160];
	struct eth_tx tx;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Spaces in the table are for reading only. */
		size_t k = 0;

		for (const char *c = bad[i].hex; *c; c++)
			if (*c != ' ')
				hex[k++] = *c;
		hex[k] = '\0';
		int rc = dec_hex(hex, bad[i].flags, &tx, reason);
		if (rc != bad[i].rc || strstr(reason, bad[i].why) == NULL)
			fail_msg("case %zu (%s): %d \"%s\"", i, bad[i].hex, rc, reason);
		if (rc != 0)
			assert_true(tx.chain_id == 0 && tx.nonce == 0 && tx.data == NULL && !tx.create);
	}
}

/* A type 2 transaction whose data brings it to ETH_TX_MAX bytes, and one
 * byte more. */
static void
test_too_big(void **state)
{
	static uint8_t b[ETH_TX_MAX + 64], data[ETH_TX_MAX];
	struct eth_rlp_w w;
	struct eth_tx tx;
	size_t n, payload, dlen;
	char reason[160];

	(void)state;
	memset(data, 0xaa, sizeof(data));
	/* 1 type byte, a 4-byte list header, 7 one-byte fields, the data's
	 * 4-byte header and the empty access list: 17 bytes around the data. */
	for (int over = 0; over <= 1; over++) {
		dlen = ETH_TX_MAX - 17 + (size_t)over;
		payload = 7 + eth_rlp_head_len(dlen) + dlen + 1;
		eth_rlp_w_init(&w, b, sizeof(b));
		eth_rlp_put_raw(&w, (const uint8_t *)"\x02", 1);
		eth_rlp_put_list_head(&w, payload);
		eth_rlp_put_raw(&w, (const uint8_t *)"\x01\x80\x80\x80\x80\x80\x80", 7);
		eth_rlp_put_bytes(&w, data, dlen);
		eth_rlp_put_list_head(&w, 0);
		assert_int_equal(eth_rlp_w_end(&w, &n), 0);
		assert_int_equal(n, ETH_TX_MAX + (size_t)over);
		assert_int_equal(dec(b, n, 0, &tx, reason), over ? SIGIL_E_TOO_BIG : 0);
	}
}

static void
test_signed_refusals(void **state)
{
	static const uint8_t n_order[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
		0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
	};
	uint8_t b[BUF], r[32], s[32], hs[32], out[BUF], zero[32] = {0};
	size_t n = unhex(known[3].unsigned_hex, b, sizeof(b)), on = 1;

	(void)state;
	unhex(known[3].r, r, sizeof(r));
	unhex(known[3].s, s, sizeof(s));
	sub32(n_order, s, hs); /* the same signature, high s */
	assert_int_equal(eth_tx_signed(b, n, 0, r, s, 2, out, sizeof(out), &on), SIGIL_E_CRYPTO);
	assert_int_equal(on, 0);
	assert_int_equal(eth_tx_signed(b, n, 0, r, s, -1, out, sizeof(out), &on), SIGIL_E_CRYPTO);
	assert_int_equal(eth_tx_signed(b, n, 0, r, hs, 0, out, sizeof(out), &on), SIGIL_E_CRYPTO);
	assert_int_equal(eth_tx_signed(b, n, 0, zero, s, 0, out, sizeof(out), &on), SIGIL_E_CRYPTO);
	assert_int_equal(eth_tx_signed(b, n, 0, r, zero, 0, out, sizeof(out), &on), SIGIL_E_CRYPTO);
	assert_int_equal(eth_tx_signed(b, n, 0, n_order, s, 0, out, sizeof(out), &on),
	                 SIGIL_E_CRYPTO);
	/* A bad unsigned transaction; pre-EIP-155 without its flag; no room. */
	assert_int_equal(eth_tx_signed(b, n - 1, 0, r, s, 0, out, sizeof(out), &on),
	                 SIGIL_E_INCOMPLETE);
	size_t pn = unhex(known[1].unsigned_hex, b, sizeof(b));
	assert_int_equal(eth_tx_signed(b, pn, 0, r, s, 0, out, sizeof(out), &on),
	                 SIGIL_E_UNSUPPORTED);
	n = unhex(known[3].unsigned_hex, b, sizeof(b));
	assert_int_equal(eth_tx_signed(b, n, 0, r, s, 0, out, n + 10, &on), SIGIL_E_TOO_BIG);
	assert_int_equal(on, 0);
}

/* A type 2 transaction to `to` with value and data, decoded and described. */
static void
describe(const char *to_hex, const char *value_hex, const char *data_hex, struct eth_op *op)
{
	static uint8_t b[BUF];
	uint8_t to[20], value[32], data[1024];
	size_t tn = to_hex ? unhex(to_hex, to, sizeof(to)) : 0;
	size_t vn = unhex(value_hex, value, sizeof(value)), dn = unhex(data_hex, data, sizeof(data));
	static const uint8_t gas[3] = {0x01, 0x00, 0x00}, fee[2] = {0x03, 0xe8};
	struct eth_rlp_w w, c;
	struct eth_tx tx;
	size_t n;

	for (int pass = 0; pass < 2; pass++) {
		struct eth_rlp_w *x = pass == 0 ? &c : &w;

		if (pass == 0) {
			eth_rlp_w_init(&c, NULL, 0);
		} else {
			eth_rlp_w_init(&w, b, sizeof(b));
			eth_rlp_put_raw(&w, (const uint8_t *)"\x02", 1);
			eth_rlp_put_list_head(&w, c.len);
		}
		eth_rlp_put_u64(x, 1);
		eth_rlp_put_u64(x, 0);
		eth_rlp_put_uint(x, fee, 2);
		eth_rlp_put_uint(x, fee, 2);
		eth_rlp_put_uint(x, gas, 3);
		eth_rlp_put_bytes(x, to, tn);
		eth_rlp_put_uint(x, value, vn);
		eth_rlp_put_bytes(x, data, dn);
		eth_rlp_put_list_head(x, 0);
	}
	assert_int_equal(eth_rlp_w_end(&w, &n), 0);
	assert_int_equal(dec(b, n, 0, &tx, NULL), 0);
	eth_tx_describe(&tx, op);
	assert_string_equal(op->max_fee, "65536000"); /* 0x010000 × 1000 */
}

#define TOKEN "dac17f958d2ee523a2206206994597c13d831ec7"
#define TOKEN_TEXT "0xdAC17F958D2ee523a2206206994597C13D831ec7"
#define A1 "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
#define A1_TEXT "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define A2 "fb6916095ca1df60bb79ce92ce3ea74c37c5d359"
#define A2_TEXT "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
#define W(a) "000000000000000000000000" a
#define AMOUNT "00000000000000000000000000000000000000000000d3c21bcecceda1000000"

static void
test_describe(void **state)
{
	struct eth_op op;

	(void)state;
	describe(TOKEN, "", "", &op);
	assert_int_equal(op.kind, ETH_OP_TRANSFER);
	assert_string_equal(op.asset, "");
	assert_string_equal(op.amount, "0");
	assert_string_equal(op.destination, TOKEN_TEXT);

	describe(A1, "0de0b6b3a7640000", "", &op);
	assert_int_equal(op.kind, ETH_OP_TRANSFER);
	assert_string_equal(op.amount, "1000000000000000000");
	assert_string_equal(op.destination, A1_TEXT);

	describe(TOKEN, "", "a9059cbb" W(A1) AMOUNT, &op);
	assert_int_equal(op.kind, ETH_OP_ERC20_TRANSFER);
	assert_string_equal(op.asset, TOKEN_TEXT);
	assert_string_equal(op.amount, "1000000000000000000000000");
	assert_string_equal(op.destination, A1_TEXT);
	assert_string_equal(op.owner, "");

	describe(TOKEN, "", "23b872dd" W(A1) W(A2) AMOUNT, &op);
	assert_int_equal(op.kind, ETH_OP_ERC20_TRANSFER_FROM);
	assert_string_equal(op.asset, TOKEN_TEXT);
	assert_string_equal(op.owner, A1_TEXT);
	assert_string_equal(op.destination, A2_TEXT);

	describe(TOKEN, "", "095ea7b3" W(A2) AMOUNT, &op);
	assert_int_equal(op.kind, ETH_OP_ERC20_APPROVE);
	assert_string_equal(op.destination, A2_TEXT);
	assert_string_equal(op.amount, "1000000000000000000000000");

	/* Not quite ERC-20: each is a call of unknown effect, to the token. */
	static const char *const calls[] = {
		"a9059cbb" W(A1) AMOUNT "00",                       /* 4 + 32n + 1 */
		"a9059cbb" W(A1),                                   /* one word short */
		"a9059cbb" W(A1) AMOUNT AMOUNT,                     /* one word more */
		"a9059cbb" "010000000000000000000000" A1 AMOUNT,    /* a dirty address word */
		"23b872dd" W(A1) "000000000000000000000001" A2 AMOUNT,
		"a9059c",                                           /* under a selector */
		"a9059cbc" W(A1) AMOUNT,                            /* another selector */
		"deadbeef",
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		describe(TOKEN, "", calls[i], &op);
		assert_int_equal(op.kind, ETH_OP_CONTRACT_CALL);
		assert_string_equal(op.asset, "");
		assert_string_equal(op.amount, "0");
		assert_string_equal(op.destination, TOKEN_TEXT);
	}
	/* An ERC-20 call with ether attached may do more than its name says. */
	describe(TOKEN, "01", "a9059cbb" W(A1) AMOUNT, &op);
	assert_int_equal(op.kind, ETH_OP_CONTRACT_CALL);
	assert_string_equal(op.amount, "1");

	describe(NULL, "05", "6080604052", &op);
	assert_int_equal(op.kind, ETH_OP_CONTRACT_CREATION);
	assert_string_equal(op.amount, "5");
	assert_string_equal(op.destination, "");
}

static void
test_numbers_and_names(void **state)
{
	uint8_t be[64];
	char d[ETH_FEE_DEC];
	struct eth_tx tx;
	struct eth_op op;

	(void)state;
	memset(be, 0, sizeof(be));
	assert_int_equal(uint_decimal(be, 32, d, sizeof(d)), 0);
	assert_string_equal(d, "0");
	assert_int_equal(uint_decimal(be, 0, d, sizeof(d)), 0);
	assert_string_equal(d, "0");
	memset(be, 0xff, 32);
	assert_int_equal(uint_decimal(be, 32, d, ETH_U256_DEC), 0);
	assert_string_equal(d, "115792089237316195423570985008687907853269984665640564039457584007913"
	                       "129639935");
	assert_int_equal(uint_decimal(be, 32, d, ETH_U256_DEC - 1), SIGIL_E_TOO_BIG);
	assert_int_equal(uint_decimal(be, 65, d, sizeof(d)), SIGIL_E_TOO_BIG);
	/* The largest fee: (2^256 - 1)^2, 155 digits (python3 and ethers' BigInt). */
	memset(&tx, 0, sizeof(tx));
	tx.type = ETH_TX_LEGACY;
	tx.create = true;
	memset(tx.gas, 0xff, 32);
	memset(tx.gas_price, 0xff, 32);
	strcpy(tx.value_dec, "0");
	eth_tx_describe(&tx, &op);
	assert_string_equal(op.max_fee,
	                    "1340780792994259709957402499820584612747936582059239337772356144372176"
	                    "4030073315392623399665776056285720014482370779510884422601683867654778"
	                    "417822746804225");
	for (int k = 0; k < ETH_OP_KINDS; k++)
		assert_int_equal(eth_op_kind_from_name(eth_op_kind_name((enum eth_op_kind)k)), k);
	assert_null(eth_op_kind_name(ETH_OP_KINDS));
	assert_int_equal(eth_op_kind_from_name("transfers"), -1);
	assert_int_equal(eth_op_kind_from_name(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),           cmocka_unit_test(test_fields),
		cmocka_unit_test(test_refused),         cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_signed_refusals), cmocka_unit_test(test_describe),
		cmocka_unit_test(test_numbers_and_names),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
