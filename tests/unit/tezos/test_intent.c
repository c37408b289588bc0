/* The intent of Tezos requests (chain/tezos/chain.c, intent_ops.c): what
 * policy, watermarks and the audit log are told. The expected fees,
 * amounts and destinations are @taquito/local-forging 24.2.0's own: it
 * parsed TX_HEX, and forged BATCH_HEX from those values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../unit_util.h"

#include "base/errors.h"
#include "chain/raw/raw.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"

/* One transaction: fee 1000, amount 1000000 to tz1gjaF8…. */
static const char TX_HEX[] =
	"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d4"
	"54a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5"
	"aa63c00";
/* reveal (fee 374), transaction (fee 12345678901, amount 98765432109876 to
 * KT1BEqzn…), delegation (fee 0). */
static const char BATCH_HEX[] =
	"03a99b946c97ada0f42c1bdeae0383db7893351232a832d00d0cd716eb6f66e5616b0002298c03ed7d454"
	"a101eb7022bc95f7e5f41ac78f60205cc0800008a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d9412"
	"1bf3748801b40f6f5c006c0002298c03ed7d454a101eb7022bc95f7e5f41ac78b5b8f0fe2d06e852ac02b4"
	"f6fcf3b9ba16011d23c1d3d2f8a4ea5e8784b8f7ecf2ad304c0fe600006e0002298c03ed7d454a101eb702"
	"2bc95f7e5f41ac780007e80700ff00e7670f32038107a59a2b9cfefae36ea21f5aa63c";

static const uint8_t PK[32];

static int
decode(const char *hex, enum sigil_key_type t, int version, struct sign_intent *in, uint8_t *buf,
       size_t cap)
{
	char reason[CHAIN_REASON_MAX];
	struct sign_request req = {.chain = &chain_tezos, .payload = buf, .version = version};
	req.len = unhex(hex, buf, cap);
	return chain_tezos.decode(&req, t, PK, 32, in, reason, sizeof(reason));
}

static void
test_transaction(void **state)
{
	uint8_t buf[512];
	struct sign_intent in;
	(void)state;

	assert_int_equal(decode(TX_HEX, SIGIL_KEY_ED25519, 2, &in, buf, sizeof(buf)), 0);
	assert_int_equal(in.kind, TZ_REQ_GENERIC);
	assert_false(in.has_slot);
	assert_int_equal(in.network_len, 0);
	assert_int_equal(in.n_ops, 1);
	assert_int_equal(in.ops[0].kind, TZ_OP_TRANSACTION);
	assert_string_equal(in.ops[0].fee, "1000");
	assert_string_equal(in.ops[0].amount, "1000000");
	assert_string_equal(in.ops[0].destination, "tz1gjaF81ZRRvdzjobyfVNsAeSC6PScjfQwN");
	assert_string_equal(in.ops[0].asset, "");
	/* tz1-3 sign the blake2b digest of the bytes, plainly. */
	assert_int_equal(in.scheme, SIGIL_SCHEME_PLAIN);
	assert_int_equal(in.msg_len, 32);
	assert_memory_equal(in.msg, in.digest, 32);
}

static void
test_batch(void **state)
{
	uint8_t buf[512];
	struct sign_intent in;
	(void)state;

	assert_int_equal(decode(BATCH_HEX, SIGIL_KEY_SECP256K1, 2, &in, buf, sizeof(buf)), 0);
	assert_int_equal(in.n_ops, 3);
	assert_int_equal(in.ops[0].kind, TZ_OP_REVEAL);
	assert_string_equal(in.ops[0].fee, "374");
	assert_string_equal(in.ops[0].amount, "");
	assert_int_equal(in.ops[1].kind, TZ_OP_TRANSACTION);
	assert_string_equal(in.ops[1].fee, "12345678901");
	assert_string_equal(in.ops[1].amount, "98765432109876");
	assert_string_equal(in.ops[1].destination, "KT1BEqzn5Wx8uJrZNvuS9DVHmLvG9td3fDLi");
	assert_int_equal(in.ops[2].kind, TZ_OP_DELEGATION);
	assert_string_equal(in.ops[2].fee, "0");
	assert_string_equal(in.ops[2].destination, "");
	assert_true(in.op_kinds == ((UINT64_C(1) << TZ_OP_REVEAL) | (UINT64_C(1) << TZ_OP_TRANSACTION) |
	                            (UINT64_C(1) << TZ_OP_DELEGATION)));
}

static void
test_bls_schemes(void **state)
{
	uint8_t buf[512];
	struct sign_intent pop, aug;
	(void)state;

	/* tz4 signs the bytes; version 1 and 2 are different signatures, so
	 * their digests (what watermarks compare) differ too. */
	assert_int_equal(decode(TX_HEX, SIGIL_KEY_BLS, 2, &pop, buf, sizeof(buf)), 0);
	assert_int_equal(pop.scheme, SIGIL_SCHEME_BLS_POP);
	assert_ptr_equal(pop.msg, buf);
	assert_int_equal(decode(TX_HEX, SIGIL_KEY_BLS, 1, &aug, buf, sizeof(buf)), 0);
	assert_int_equal(aug.scheme, SIGIL_SCHEME_BLS_AUG);
	assert_memory_not_equal(pop.digest, aug.digest, 32);
	assert_int_equal(decode(TX_HEX, SIGIL_KEY_BLS, 0, &aug, buf, sizeof(buf)), SIGIL_E_INVALID);
}

static void
test_bad_input(void **state)
{
	uint8_t buf[512];
	struct sign_intent in;
	(void)state;

	/* Truncated, wrong tag, empty: the decoder's error, and a reason. */
	assert_int_equal(decode("038fcf23", SIGIL_KEY_ED25519, 2, &in, buf, sizeof(buf)),
	                 SIGIL_E_INCOMPLETE);
	assert_int_equal(decode("42", SIGIL_KEY_ED25519, 2, &in, buf, sizeof(buf)), SIGIL_E_INVALID);
	assert_int_equal(decode("", SIGIL_KEY_ED25519, 2, &in, buf, sizeof(buf)), SIGIL_E_INCOMPLETE);
}

static void
test_raw_chain(void **state)
{
	uint8_t msg[3] = {1, 2, 3};
	char reason[CHAIN_REASON_MAX];
	struct sign_request req = {.payload = msg, .len = sizeof(msg)};
	struct sign_intent in;
	(void)state;

	assert_int_equal(chain_raw_ed25519.decode(&req, SIGIL_KEY_ED25519, PK, 32, &in, reason,
	                                          sizeof(reason)), 0);
	assert_false(in.has_slot);
	assert_ptr_equal(in.msg, msg);
	assert_int_equal(in.msg_len, 3);
	assert_int_equal(chain_raw_ed25519.decode(&req, SIGIL_KEY_P256, PK, 33, &in, reason,
	                                          sizeof(reason)), SIGIL_E_INVALID);
	req.len = 0;
	assert_int_equal(chain_raw_ed25519.decode(&req, SIGIL_KEY_ED25519, PK, 32, &in, reason,
	                                          sizeof(reason)), SIGIL_E_INVALID);
	assert_int_equal(chain_raw_ed25519.address_check("AB"), SIGIL_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_bls_schemes),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_raw_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
