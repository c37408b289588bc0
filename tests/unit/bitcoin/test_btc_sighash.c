/* Transactions and signature hashes (chain/bitcoin/tx.h, sighash.h).
 *
 * Known answers: BIP-341's keyPathSpending (the five precomputed hashes,
 * and each spend's SigMsg and sighash under hash types 0, 1, 2, 3, 0x81,
 * 0x82, 0x83); its fully signed transaction, whose P2PKH input's ECDSA
 * signature must verify against our legacy sighash and whose P2WPKH
 * input's against our BIP-143 sighash; BIP-143's native P2WPKH and
 * P2SH-P2WPKH examples (sighash, signature) and the native example's P2PK
 * input (legacy). Then the parser: every prefix of a valid transaction is
 * refused, trailing bytes and non-canonical counts are, and what parses
 * writes back to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/errors.h"
#include "chain/bitcoin/sighash.h"
#include "chain/bitcoin/tx.h"
#include "crypto/ecdsa_der.h"
#include "crypto/sig.h"
#include "../unit_util.h"
#include "bip341_vectors.h"

static uint8_t *
hexdup(const char *h, size_t *n)
{
	uint8_t *b = malloc(strlen(h) / 2 + 1);

	assert_non_null(b);
	*n = unhex(h, b, strlen(h) / 2);
	return b;
}

static void
parse_ok(const uint8_t *b, size_t n, unsigned flags, struct btc_tx *tx)
{
	char reason[160];
	int rc = btc_tx_parse(b, n, flags, 1000, tx, reason, sizeof(reason));

	if (rc != 0)
		fail_msg("parse: %d %s", rc, reason);
}

/* A DER signature with its sighash byte, checked against digest. */
static void
verify_der(const char *sig_hex, const char *pk_hex, const uint8_t digest[32])
{
	uint8_t der[80], rs[64], pk[33];
	size_t n = unhex(sig_hex, der, sizeof(der));

	unhex(pk_hex, pk, 33);
	assert_int_equal(sigil_ecdsa_der_decode(der, n - 1, rs), 0);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_SECP256K1, pk, 33, digest, rs, 64), 0);
}

static void
bip341_spent(struct btc_spent spent[9], uint8_t scripts[9][40])
{
	for (size_t i = 0; i < 9; i++) {
		spent[i].amount = bip341_utxos[i].amount;
		spent[i].script = scripts[i];
		spent[i].script_len = unhex(bip341_utxos[i].script, scripts[i], 40);
	}
}

static void
test_bip341_keypath(void **state)
{
	struct btc_spent spent[9];
	uint8_t scripts[9][40], want[32], *raw, msg[BTC_TAPROOT_MSG_MAX], wmsg[400], h[32];
	struct btc_taproot_mid mid;
	struct btc_tx tx;
	size_t n, len;

	(void)state;
	raw = hexdup(bip341_unsigned_tx, &n);
	parse_ok(raw, n, BTC_TX_UNSIGNED, &tx);
	assert_int_equal(tx.n_in, 9);
	assert_int_equal(tx.n_out, 2);
	bip341_spent(spent, scripts);
	btc_taproot_midstate(&tx, spent, &mid);
	unhex(bip341_mid[0], want, 32);
	assert_memory_equal(mid.prevouts, want, 32);
	unhex(bip341_mid[1], want, 32);
	assert_memory_equal(mid.amounts, want, 32);
	unhex(bip341_mid[2], want, 32);
	assert_memory_equal(mid.scripts, want, 32);
	unhex(bip341_mid[3], want, 32);
	assert_memory_equal(mid.sequences, want, 32);
	unhex(bip341_mid[4], want, 32);
	assert_memory_equal(mid.outputs, want, 32);
	for (size_t i = 0; i < sizeof(bip341_spends) / sizeof(bip341_spends[0]); i++) {
		const struct bip341_spend *v = &bip341_spends[i];
		size_t wl = unhex(v->sigmsg, wmsg, sizeof(wmsg));

		assert_int_equal(btc_taproot_sigmsg(&tx, v->idx, spent, v->hash_type, msg, sizeof(msg), &len), 0);
		/* The vectors' sigMsg starts with the epoch byte 0x00, which
		 * BIP-341 puts before SigMsg in the hash. */
		assert_int_equal(wmsg[0], 0);
		assert_int_equal(len, wl - 1);
		assert_memory_equal(msg, wmsg + 1, wl - 1);
		assert_int_equal(btc_sighash_taproot(&tx, v->idx, spent, v->hash_type, h), 0);
		unhex(v->sighash, want, 32);
		assert_memory_equal(h, want, 32);
	}
	/* Refusals: an undefined type, SINGLE past the outputs. */
	assert_int_equal(btc_sighash_taproot(&tx, 0, spent, 4, h), SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_sighash_taproot(&tx, 0, spent, 0x80, h), SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_sighash_taproot(&tx, 5, spent, 3, h), SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_sighash_taproot(&tx, 9, spent, 0, h), SIGIL_E_INVALID);
	btc_tx_free(&tx);
	free(raw);
}

static void
test_bip341_signed(void **state)
{
	struct btc_spent spent[9];
	uint8_t scripts[9][40], *raw, *uraw, h[32], *out;
	struct btc_tx tx, utx;
	size_t n, un;
	struct btc_w w = {0};

	(void)state;
	raw = hexdup(bip341_signed_tx, &n);
	uraw = hexdup(bip341_unsigned_tx, &un);
	parse_ok(raw, n, 0, &tx);
	parse_ok(uraw, un, BTC_TX_UNSIGNED, &utx);
	assert_true(tx.segwit);
	bip341_spent(spent, scripts);
	/* Input 2: P2PKH of the key 1 (pubkey G), scriptSig <sig> <pk>. */
	assert_int_equal(btc_sighash_legacy(&utx, 2, spent[2].script, spent[2].script_len, 1, h), 0);
	verify_der("30450221008f3b8f8f0537c420654d2283673a761b7ee2ea3c130753103e08ce79201cf32a022079e7ab"
	           "904a1980ef1c5890b648c8783f4d10103dd62f740d13daa79e298d50c201",
	           "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", h);
	/* Input 5: P2WPKH, BIP-143 with the P2PKH scriptCode of its hash. */
	{
		uint8_t sc[25] = {0x76, 0xa9, 0x14};
		memcpy(sc + 3, spent[5].script + 2, 20);
		sc[23] = 0x88, sc[24] = 0xac;
		assert_int_equal(btc_sighash_segwit_v0(&utx, 5, sc, 25, spent[5].amount, 1, h), 0);
		verify_der("304402202b795e4de72646d76eab3f0ab27dfa30b810e856ff3a46c9a702df53bb0d8cc302203ccc4d"
		           "822edab5f35caddb10af1be93583526ccfbade4b4ead350781e2f8adcd01",
		           "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9", h);
	}
	/* The signed form writes back whole, and without witnesses it is the
	 * transaction whose hash is its txid. */
	btc_tx_write(&tx, true, &w);
	assert_int_equal(w.len, n);
	out = malloc(n);
	w = (struct btc_w){.p = out, .cap = n};
	btc_tx_write(&tx, true, &w);
	assert_int_equal(w.err, 0);
	assert_memory_equal(out, raw, n);
	w = (struct btc_w){.p = out, .cap = n};
	btc_tx_write(&tx, false, &w);
	sigil_sha256d(h, out, w.len);
	assert_memory_equal(h, tx.txid, 32);
	free(out);
	btc_tx_free(&tx);
	btc_tx_free(&utx);
	free(raw);
	free(uraw);
}

static const char bip143_native[] =
	"0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1"
	"b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb2060000000019"
	"76a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2"
	"d50ce2f0167faa815988ac11000000";

static void
test_bip143(void **state)
{
	uint8_t *raw, h[32], want[32], sc[40];
	struct btc_tx tx;
	size_t n, scl;

	(void)state;
	raw = hexdup(bip143_native, &n);
	parse_ok(raw, n, BTC_TX_UNSIGNED, &tx);
	scl = unhex("76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac", sc, sizeof(sc));
	assert_int_equal(btc_sighash_segwit_v0(&tx, 1, sc, scl, 600000000, 1, h), 0);
	unhex("c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670", want, 32);
	assert_memory_equal(h, want, 32);
	verify_der("304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518"
	           "331561406f90300e8f3358f51928d43c212a8caed02de67eebee01",
	           "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357", h);
	/* Input 0 spends a P2PK output: legacy, the scriptCode its script. */
	scl = unhex("2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac", sc, sizeof(sc));
	assert_int_equal(btc_sighash_legacy(&tx, 0, sc, scl, 1, h), 0);
	verify_der("30450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194b"
	           "a3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01",
	           "03c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432", h);
	btc_tx_free(&tx);
	free(raw);
	/* P2SH-P2WPKH: the same sighash with the redeem script's hash. */
	raw = hexdup("0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000fef"
	             "fffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f0000"
	             "00001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6d77c88ac92040000",
	             &n);
	parse_ok(raw, n, BTC_TX_UNSIGNED, &tx);
	scl = unhex("76a91479091972186c449eb1ded22b78e40d009bdf008988ac", sc, sizeof(sc));
	assert_int_equal(btc_sighash_segwit_v0(&tx, 0, sc, scl, 1000000000, 1, h), 0);
	unhex("64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6", want, 32);
	assert_memory_equal(h, want, 32);
	btc_tx_free(&tx);
	free(raw);
}

static void
test_tx_refusals(void **state)
{
	uint8_t *raw, *bad;
	struct btc_tx tx, zero;
	char reason[160];
	size_t n;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	raw = hexdup(bip341_signed_tx, &n);
	/* Every proper prefix, flush against an unreadable page. */
	for (size_t k = 0; k < n; k++) {
		void *map;
		size_t ml;
		const uint8_t *p = (const uint8_t *)flush_copy(raw, k, &map, &ml);
		int rc = btc_tx_parse(p, k, 0, 1000, &tx, reason, sizeof(reason));

		assert_true(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID);
		assert_memory_equal(&tx, &zero, sizeof(tx));
		assert_true(reason[0] != '\0');
		munmap(map, ml);
	}
	/* Trailing bytes; the witness form where the unsigned one is due. */
	bad = malloc(n + 1);
	memcpy(bad, raw, n);
	bad[n] = 0;
	assert_int_equal(btc_tx_parse(bad, n + 1, 0, 1000, &tx, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_int_equal(btc_tx_parse(raw, n, BTC_TX_UNSIGNED, 1000, &tx, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	/* Over the input ceiling. */
	assert_int_equal(btc_tx_parse(raw, n, 0, 8, &tx, reason, sizeof(reason)), SIGIL_E_TOO_BIG);
	free(bad);
	free(raw);
	/* A count written long (0xfd 0x01 0x00) is not canonical. */
	raw = hexdup("01000000fd0100fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000"
	             "eeffffff0000000000",
	             &n);
	assert_int_equal(btc_tx_parse(raw, n, 0, 1000, &tx, reason, sizeof(reason)), SIGIL_E_INVALID);
	free(raw);
	/* A filled scriptSig is no unsigned transaction. */
	raw = hexdup("0100000001fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000001"
	             "51eeffffff0000000000",
	             &n);
	assert_int_equal(btc_tx_parse(raw, n, 0, 1000, &tx, reason, sizeof(reason)), 0);
	btc_tx_free(&tx);
	assert_int_equal(btc_tx_parse(raw, n, BTC_TX_UNSIGNED, 1000, &tx, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	free(raw);
}

static void
test_legacy_types(void **state)
{
	uint8_t *raw, sc[25], h[32], h2[32];
	struct btc_tx tx;
	size_t n;

	(void)state;
	raw = hexdup(bip143_native, &n);
	parse_ok(raw, n, BTC_TX_UNSIGNED, &tx);
	memset(sc, 0x51, sizeof(sc));
	/* Each type gives its own hash; SINGLE past the outputs is refused. */
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x01, h), 0);
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x81, h2), 0);
	assert_memory_not_equal(h, h2, 32);
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x02, h2), 0);
	assert_memory_not_equal(h, h2, 32);
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x03, h2), 0);
	assert_memory_not_equal(h, h2, 32);
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x00, h2), SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_sighash_legacy(&tx, 1, sc, 25, 0x101, h2), SIGIL_E_UNSUPPORTED);
	assert_int_equal(btc_sighash_segwit_v0(&tx, 1, sc, 25, 1, 0x00, h2), SIGIL_E_UNSUPPORTED);
	btc_tx_free(&tx);
	free(raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bip341_keypath), cmocka_unit_test(test_bip341_signed),
		cmocka_unit_test(test_bip143),         cmocka_unit_test(test_tx_refusals),
		cmocka_unit_test(test_legacy_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
