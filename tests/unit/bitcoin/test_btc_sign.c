/* The inputs a key signs and the signatures put back
 * (chain/bitcoin/sign_input.h), on PSBTs built here: which inputs are the
 * key's, when the fee is known, what is refused (outputs above inputs, a
 * taproot input beside an input of unknown amount, SINGLE without its
 * output), the nonstandard sighash flag, and signatures: added when they
 * verify, refused when not, replaced when signed again.
 * tests/integration/test_btc_codec.sh checks the sighashes themselves
 * against @scure/btc-signer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/errors.h"
#include "chain/bitcoin/sign_input.h"
#include "crypto/bip340.h"
#include "crypto/sig.h"
#include "../unit_util.h"

static uint8_t sk[32] = {[31] = 5};
static uint8_t pk[SIGIL_PK_MAX];
static struct btc_key_scripts ks;

struct in_spec {
	const uint8_t *script; /* the spent output's script, NULL: no utxo given */
	size_t script_len;
	uint64_t amount;
	int sighash; /* -1: none given */
};

/* A PSBT of the inputs (each with a witness_utxo) and outputs given. */
static struct btc_psbt *
build(const struct in_spec *ins, size_t n_in, const uint64_t *outs, size_t n_out)
{
	uint8_t tx[4096], buf[8192];
	struct btc_w t = {.p = tx, .cap = sizeof(tx)}, w = {.p = buf, .cap = sizeof(buf)};
	struct btc_psbt *p = NULL;
	char reason[BTC_PSBT_REASON];

	btc_w_u32(&t, 2);
	btc_w_varint(&t, n_in);
	for (size_t i = 0; i < n_in; i++) {
		uint8_t h[32] = {(uint8_t)(i + 1)};
		btc_w_put(&t, h, 32);
		btc_w_u32(&t, (uint32_t)i);
		btc_w_varint(&t, 0);
		btc_w_u32(&t, 0xffffffff);
	}
	btc_w_varint(&t, n_out);
	for (size_t i = 0; i < n_out; i++) {
		btc_w_u64(&t, outs[i]);
		btc_w_varbytes(&t, i == 0 ? ks.p2wpkh : (const uint8_t *)"\x00\x14xxxxxxxxxxxxxxxxxxxx", 22);
	}
	btc_w_u32(&t, 0);
	btc_w_put(&w, "psbt\xff", 5);
	btc_w_varbytes(&w, (const uint8_t *)"\x00", 1);
	btc_w_varbytes(&w, tx, t.len);
	btc_w_u8(&w, 0);
	for (size_t i = 0; i < n_in; i++) {
		if (ins[i].script != NULL) {
			uint8_t v[64];
			struct btc_w vw = {.p = v, .cap = sizeof(v)};
			btc_w_u64(&vw, ins[i].amount);
			btc_w_varbytes(&vw, ins[i].script, ins[i].script_len);
			btc_w_varbytes(&w, (const uint8_t *)"\x01", 1);
			btc_w_varbytes(&w, v, vw.len);
		}
		if (ins[i].sighash >= 0) {
			uint8_t v[4] = {(uint8_t)ins[i].sighash};
			btc_w_varbytes(&w, (const uint8_t *)"\x03", 1);
			btc_w_varbytes(&w, v, 4);
		}
		btc_w_u8(&w, 0);
	}
	for (size_t i = 0; i < n_out; i++)
		btc_w_u8(&w, 0);
	assert_int_equal(w.err, 0);
	if (btc_psbt_parse(buf, w.len, &p, reason, sizeof(reason)) != 0)
		fail_msg("build: %s", reason);
	return p;
}

static int
setup(void **state)
{
	size_t n;

	(void)state;
	if (sigil_pubkey(SIGIL_KEY_SECP256K1, sk, pk, &n) != 0 || btc_key_scripts(pk, n, &ks) != 0)
		return -1;
	return 0;
}

static void
test_plan(void **state)
{
	static const uint8_t other[22] = {0x00, 0x14, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
	struct in_spec ins[4] = {
		{ks.p2wpkh, 22, 50000, -1},
		{ks.p2tr, 34, 60000, -1},
		{other, 22, 70000, -1},
		{ks.p2pkh, 25, 80000, -1}, /* legacy, witness_utxo only: amount not committed */
	};
	uint64_t outs[2] = {1000, 2000};
	struct btc_plan plan;
	char reason[160];
	struct btc_psbt *p = build(ins, 3, outs, 2);

	(void)state;
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), 0);
	assert_int_equal(plan.n_items, 2);
	assert_int_equal(plan.items[0].input, 0);
	assert_int_equal(plan.items[0].scheme, BTC_SIGN_ECDSA);
	assert_int_equal(plan.items[0].sighash_type, BTC_SIGHASH_ALL);
	assert_int_equal(plan.items[1].input, 1);
	assert_int_equal(plan.items[1].scheme, BTC_SIGN_BIP340_TAPROOT);
	assert_int_equal(plan.items[1].sighash_type, BTC_SIGHASH_DEFAULT);
	assert_int_equal(plan.n_other_inputs, 1);
	assert_true(plan.fee_known);
	assert_int_equal(plan.fee, 180000 - 3000);
	assert_true(plan.outs[0].change);
	assert_false(plan.outs[1].change);
	assert_int_equal(plan.change_out, 1000);
	assert_true(strncmp(plan.outs[0].address, "bc1q", 4) == 0);
	assert_false(plan.nonstandard_sighash);
	btc_plan_free(&plan);
	btc_psbt_free(p);
	/* The legacy input's amount rests on a witness_utxo: fee unknown. */
	p = build(ins, 4, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_TESTNET, &plan, reason, sizeof(reason)), 0);
	assert_int_equal(plan.n_items, 3);
	assert_false(plan.fee_known);
	assert_true(strncmp(plan.outs[0].address, "tb1q", 4) == 0);
	btc_plan_free(&plan);
	btc_psbt_free(p);
	/* Outputs above the inputs. */
	outs[0] = 10000000;
	p = build(ins, 1, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_null(plan.items);
	btc_psbt_free(p);
	outs[0] = 1000;
	/* A taproot input beside an input whose spent output is unknown. */
	ins[2].script = NULL;
	p = build(ins, 3, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "taproot"));
	btc_psbt_free(p);
	ins[2].script = other;
	/* SINGLE for input 3 of two outputs; NONE is computed and flagged. */
	ins[0].sighash = BTC_SIGHASH_SINGLE;
	p = build(ins, 4, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), 0);
	assert_true(plan.nonstandard_sighash);
	btc_plan_free(&plan);
	btc_psbt_free(p);
	ins[0].sighash = -1;
	ins[3].sighash = BTC_SIGHASH_SINGLE;
	p = build(ins, 4, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), SIGIL_E_UNSUPPORTED);
	btc_psbt_free(p);
	ins[3].sighash = 0x04;
	p = build(ins, 4, outs, 2);
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), SIGIL_E_UNSUPPORTED);
	btc_psbt_free(p);
	/* Not a compressed key. */
	p = build(ins, 1, outs, 2);
	assert_int_equal(btc_sign_plan(p, ks.xonly, 32, BTC_MAINNET, &plan, reason, sizeof(reason)), SIGIL_E_INVALID);
	btc_psbt_free(p);
}

static void
test_add(void **state)
{
	struct in_spec ins[2] = {{ks.p2wpkh, 22, 50000, -1}, {ks.p2tr, 34, 60000, 0x81}};
	uint64_t outs[1] = {1000};
	struct btc_plan plan;
	char reason[160];
	uint8_t sig[SIGIL_SIG_MAX], key[34] = {0x02}, *a, *b;
	size_t sl, na, nb;
	struct btc_psbt *p = build(ins, 2, outs, 1), *q;
	const struct btc_psbt_rec *r;

	(void)state;
	assert_int_equal(btc_sign_plan(p, pk, 33, BTC_MAINNET, &plan, reason, sizeof(reason)), 0);
	assert_int_equal(plan.n_items, 2);
	assert_true(plan.nonstandard_sighash);
	/* ECDSA: DER ‖ 0x01 under 0x02 ‖ pk. */
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_SECP256K1, sk, plan.items[0].msg, sig, &sl), 0);
	assert_int_equal(btc_sign_add(p, &plan, &plan.items[0], sig, 63), SIGIL_E_INVALID);
	sig[40] ^= 1;
	assert_int_equal(btc_sign_add(p, &plan, &plan.items[0], sig, 64), SIGIL_E_CRYPTO);
	sig[40] ^= 1;
	assert_int_equal(btc_sign_add(p, &plan, &plan.items[0], sig, 64), 0);
	memcpy(key + 1, pk, 33);
	r = btc_psbt_in_get(p, 0, key, 34);
	assert_non_null(r);
	assert_int_equal(r->val[0], 0x30);
	assert_int_equal(r->val[r->val_len - 1], 0x01);
	assert_int_equal(p->in[0].n_partial_sigs, 1);
	/* Taproot with ALL|ANYONECANPAY: 65 bytes. */
	assert_int_equal(sigil_bip340_sign_taproot(sk, NULL, plan.items[1].msg, sig), 0);
	assert_int_equal(btc_sign_add(p, &plan, &plan.items[1], sig, 64), 0);
	r = btc_psbt_in_get(p, 1, (const uint8_t *)"\x13", 1);
	assert_non_null(r);
	assert_int_equal(r->val_len, 65);
	assert_int_equal(r->val[64], 0x81);
	/* The signed PSBT parses; signing again replaces, adds nothing. */
	assert_int_equal(btc_psbt_write(p, &a, &na), 0);
	assert_int_equal(btc_sign_add(p, &plan, &plan.items[1], sig, 64), 0);
	assert_int_equal(btc_psbt_write(p, &b, &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(btc_psbt_parse(a, na, &q, reason, sizeof(reason)), 0);
	assert_true(q->in[1].has_tap_key_sig);
	assert_int_equal(q->in[0].n_partial_sigs, 1);
	btc_psbt_free(q);
	free(a);
	free(b);
	btc_plan_free(&plan);
	btc_psbt_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
