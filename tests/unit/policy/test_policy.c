/* Per-key policy, for Tezos keys: requests are judged by the intent the
 * Tezos chain makes of them (chain/chain.h).
 *
 * Addresses and public keys below were produced by @taquito/signer 24.2.0
 * (InMemorySigner over the 32-byte secrets 0x01…01, 0x02…02, 0x03…03,
 * 0x04…04, 0x05…05), chain ids by @taquito/utils 24.2.0 b58Encode(ChainID). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/errors.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"
#include "chain/tezos/keys.h"
#include "policy/policy.h"

#define TZ1 "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH"
#define TZ2 "tz2XVTRqkKBQNDfyFKzNDb1UcHxrirzyYWf8"
#define TZ3 "tz3iBU4J9DC8v1JeeW6ANeuECT4A9Yz2BULE"
#define TZ4 "tz4EkY1WUWJfPUTLHyKp3xZTETkLx5HZfXpM"
#define EDPK1 "edpkuhEcwoLysLvodRxQLzuM3AVZvCuT6koVkUahS53mNBdE8LbuGo"
#define EDPK2 "edpkud8oWEmsioAfxyFt45aP3tXncZGKQMJMg3aRwStxwLFNGfFKeu"
#define SPPK "sppk7ZwFALuKroMWHufaUTDkZwuJJnLxs6ge4RAV4Xg3Ea9DpZrn8gV"
#define MAINNET "NetXdQprcVkpaWU" /* 7a06a770 */
#define NET_01020304 "NetXHAoG8TyXu4i"

#define BIT(o) (UINT64_C(1) << (o))

/* The intent of a decoded Tezos request, field for field as the Tezos
 * chain's decode (src/chain/tezos/chain.c, tz_chain_decode) maps it.
 * decode_hex below checks the two agree on real bytes. */
static struct sign_intent
intent_of(const struct tz_request *r)
{
	struct sign_intent in;

	memset(&in, 0, sizeof(in));
	in.kind = r->kind;
	in.has_slot = r->consensus;
	in.level = r->level;
	in.round = r->round;
	/* One watermark per magic byte: block, preattestation, the rest. */
	in.slot_class = r->magic == TZ_MAGIC_BLOCK ? 0 : r->magic == TZ_MAGIC_PREATTESTATION ? 1 : 2;
	if (r->has_chain_id) {
		memcpy(in.network, r->chain_id, 4);
		in.network_len = 4;
	}
	in.op_kinds = r->op_kinds;
	in.n_ops = r->n_ops;
	for (unsigned op = 0, n = 0; op < TZ_OP_KIND_COUNT && n < INTENT_OPS_MAX; op++)
		if (r->op_kinds & BIT(op))
			in.ops[n++].kind = op;
	return in;
}

static struct tz_request
tz_req_of(enum tz_req_kind kind)
{
	struct tz_request r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	switch (kind) {
	case TZ_REQ_BLOCK:
		r.magic = TZ_MAGIC_BLOCK;
		break;
	case TZ_REQ_PREATTESTATION:
		r.magic = TZ_MAGIC_PREATTESTATION;
		break;
	case TZ_REQ_ATTESTATION:
	case TZ_REQ_ATTESTATION_WITH_DAL:
		r.magic = TZ_MAGIC_ATTESTATION;
		break;
	case TZ_REQ_GENERIC:
		r.magic = TZ_MAGIC_GENERIC;
		break;
	case TZ_REQ_PACK:
		r.magic = TZ_MAGIC_PACK;
		break;
	}
	if (r.magic != TZ_MAGIC_GENERIC && r.magic != TZ_MAGIC_PACK) {
		static const uint8_t mainnet[4] = {0x7a, 0x06, 0xa7, 0x70};
		r.has_chain_id = true;
		memcpy(r.chain_id, mainnet, 4);
		r.consensus = true;
		r.level = 100;
	}
	return r;
}

static struct sign_intent
req_of(enum tz_req_kind kind)
{
	struct tz_request r = tz_req_of(kind);
	return intent_of(&r);
}

static struct sign_intent
generic_of(uint64_t ops)
{
	struct tz_request r = tz_req_of(TZ_REQ_GENERIC);
	r.op_kinds = ops;
	r.n_ops = (uint32_t)__builtin_popcountll(ops);
	return intent_of(&r);
}

static void
test_init_default(void **state)
{
	struct policy_key k;
	static const char *addrs[] = {TZ1, TZ2, TZ3, TZ4};
	static const enum sigil_key_type types[] = {SIGIL_KEY_ED25519, SIGIL_KEY_SECP256K1,
	                                            SIGIL_KEY_P256, SIGIL_KEY_BLS};
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		enum sigil_key_type t;
		uint8_t pkh[TZ_PKH_LEN];

		assert_int_equal(policy_key_init_default(&k, &chain_tezos, addrs[i]), 0);
		assert_string_equal(k.address, addrs[i]);
		assert_ptr_equal(k.chain, &chain_tezos);
		assert_int_equal(k.allow_kinds, (1u << TZ_REQ_BLOCK) |
		                                    (1u << TZ_REQ_PREATTESTATION) |
		                                    (1u << TZ_REQ_ATTESTATION));
		/* The key type the policy no longer keeps: read from the address. */
		assert_int_equal(tz_pkh_decode(k.address, strlen(k.address), &t, pkh), 0);
		assert_int_equal(t, types[i]);
	}
	assert_int_equal(k.n_networks, 0);
	assert_int_equal(k.n_auth_keys, 0);
	assert_false(k.log_payloads);
	assert_false(k.allow_proof_of_possession);
	assert_int_equal(k.allow_ops, 0);
	assert_int_equal(k.allow_kinds, (1u << TZ_REQ_BLOCK) | (1u << TZ_REQ_PREATTESTATION) |
	                                    (1u << TZ_REQ_ATTESTATION));

	/* Bad addresses: garbage, wrong checksum, a contract, empty, too long. */
	assert_int_not_equal(policy_key_init_default(&k, &chain_tezos, "tz1notanaddress"), 0);
	assert_int_not_equal(
		policy_key_init_default(&k, &chain_tezos, "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrh"), 0);
	assert_int_not_equal(
		policy_key_init_default(&k, &chain_tezos, "KT1PWx2mnDueood7fEmfbBDKx1D9BAnnXitn"), 0);
	assert_int_not_equal(policy_key_init_default(&k, &chain_tezos, ""), 0);
	assert_int_not_equal(policy_key_init_default(&k, &chain_tezos, NULL), 0);
	assert_int_not_equal(
		policy_key_init_default(&k, &chain_tezos, TZ1 "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH"),
		0);
	assert_string_equal(k.address, "");
	/* No chain, no key. */
	assert_int_not_equal(policy_key_init_default(&k, NULL, TZ1), 0);
	assert_string_equal(k.address, "");
	assert_null(k.chain);
}

static void
test_default_set(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	r = req_of(TZ_REQ_BLOCK);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	r = req_of(TZ_REQ_PREATTESTATION);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = req_of(TZ_REQ_ATTESTATION);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);

	r = req_of(TZ_REQ_ATTESTATION_WITH_DAL);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind attestation_with_dal not allowed");
	r = req_of(TZ_REQ_PACK);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind pack not allowed");
	r = generic_of(BIT(TZ_OP_TRANSACTION));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind generic not allowed");

	/* Anything outside the enum is refused, not indexed. */
	r = req_of(TZ_REQ_BLOCK);
	r.kind = TZ_REQ_KINDS;
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_int_equal(policy_check(&k, NULL, why, sizeof(why)), SIGIL_E_POLICY);
	assert_int_equal(policy_check(NULL, &r, why, sizeof(why)), SIGIL_E_POLICY);
	/* A NULL or empty reason buffer is allowed. */
	r = req_of(TZ_REQ_PACK);
	assert_int_equal(policy_check(&k, &r, NULL, 0), SIGIL_E_POLICY);
}

static void
test_allow_names(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	policy_clear_allow(&k);
	r = req_of(TZ_REQ_BLOCK);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind block not allowed");

	assert_int_equal(policy_allow_name(&k, "attestation_with_dal"), 0);
	assert_int_equal(policy_allow_name(&k, "pack"), 0);
	r = req_of(TZ_REQ_ATTESTATION_WITH_DAL);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = req_of(TZ_REQ_PACK);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = req_of(TZ_REQ_ATTESTATION);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind attestation not allowed");

	assert_int_equal(policy_allow_name(&k, "endorsing"), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_name(&k, "Block"), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_name(&k, ""), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_name(&k, NULL), SIGIL_E_INVALID);
}

static void
test_generic_list(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ2), 0);
	assert_int_equal(policy_allow_op_name(&k, "transaction"), 0);
	assert_int_equal(policy_allow_op_name(&k, "reveal"), 0);
	/* An allowed op makes the generic kind allowed. */
	assert_true(k.allow_kinds & (1u << TZ_REQ_GENERIC));
	assert_int_equal(k.allow_ops, BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_REVEAL));

	r = generic_of(BIT(TZ_OP_TRANSACTION));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = generic_of(BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_REVEAL));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	/* One op outside the list refuses the whole batch. */
	r = generic_of(BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_DELEGATION));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind delegation not allowed");
	/* An empty batch, or a bit past the known kinds, is refused. */
	r = generic_of(0);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	r = generic_of(BIT(TZ_OP_TRANSACTION));
	r.op_kinds |= BIT(63);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "unknown operation kind");

	assert_int_equal(policy_allow_op_name(&k, "transfer"), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_op_name(&k, "ballot:maybe"), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_op_name(&k, ""), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_op_name(&k, NULL), SIGIL_E_INVALID);
	assert_int_equal(k.allow_ops, BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_REVEAL));
}

/* Signatory's names from before Oxford: request kinds and operation kinds. */
static void
test_legacy_names(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_req_kind_from_name(&k, "endorsement"), TZ_REQ_ATTESTATION);
	assert_int_equal(policy_req_kind_from_name(&k, "preendorsement"), TZ_REQ_PREATTESTATION);
	assert_int_equal(policy_req_kind_from_name(&k, "attestation"), TZ_REQ_ATTESTATION);
	assert_int_equal(policy_req_kind_from_name(&k, "endorsement_with_dal"), -1);
	assert_int_equal(policy_req_kind_from_name(&k, NULL), -1);

	policy_clear_allow(&k);
	assert_int_equal(policy_allow_name(&k, "endorsement"), 0);
	assert_int_equal(k.allow_kinds, 1u << TZ_REQ_ATTESTATION);
	assert_int_equal(policy_allow_name(&k, "preendorsement"), 0);
	r = req_of(TZ_REQ_PREATTESTATION);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	/* no more than the two renamed kinds */
	r = req_of(TZ_REQ_ATTESTATION_WITH_DAL);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "request kind attestation_with_dal not allowed");

	assert_int_equal(policy_allow_op_name(&k, "endorsement"), 0);
	assert_int_equal(policy_allow_op_name(&k, "preendorsement"), 0);
	assert_int_equal(k.allow_ops, BIT(TZ_OP_ATTESTATION) | BIT(TZ_OP_PREATTESTATION));
	r = generic_of(BIT(TZ_OP_ATTESTATION_WITH_DAL));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind attestation_with_dal not allowed");
	/* Signatory renames these to kinds that 023 merged away: unknown here */
	assert_int_equal(policy_allow_op_name(&k, "double_endorsement_evidence"), SIGIL_E_INVALID);
	assert_int_equal(policy_allow_op_name(&k, "double_preendorsement_evidence"),
	                 SIGIL_E_INVALID);
}

/* Decodes hex (magic byte first) into r, the intent the Tezos chain makes
 * of it for a tz1 key; and checks that intent_of above maps tz_decode's
 * request the same way. */
static void
decode_hex(const char *hex, struct sign_intent *r)
{
	uint8_t buf[256];
	size_t n = strlen(hex) / 2;
	struct tz_request tr;
	struct sign_intent mine;
	struct sign_request req;
	char why[CHAIN_REASON_MAX] = "";

	assert_true(strlen(hex) % 2 == 0 && n <= sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		buf[i] = (uint8_t)v;
	}
	assert_int_equal(tz_decode(buf, n, &tr), 0);
	mine = intent_of(&tr);

	memset(&req, 0, sizeof(req));
	req.api = "tezos";
	req.chain = &chain_tezos;
	req.address = TZ1;
	req.payload = buf;
	req.len = n;
	req.version = 2;
	if (chain_tezos.decode(&req, SIGIL_KEY_ED25519, NULL, 0, r, why, sizeof(why)) != 0)
		fail_msg("decode: %s", why);
	assert_int_equal(r->kind, mine.kind);
	assert_int_equal(r->has_slot, mine.has_slot);
	assert_int_equal(r->level, mine.level);
	assert_int_equal(r->round, mine.round);
	assert_int_equal(r->slot_class, mine.slot_class);
	assert_int_equal(r->network_len, mine.network_len);
	assert_memory_equal(r->network, mine.network, sizeof(r->network));
	assert_int_equal(r->op_kinds, mine.op_kinds);
	assert_int_equal(r->n_ops, mine.n_ops);
	/* The operations are described one by one (tests/unit/tezos/
	 * test_intent.c): each of a kind the decoder saw. */
	for (size_t i = 0; i < r->n_ops && i < INTENT_OPS_MAX; i++)
		assert_true(r->op_kinds >> r->ops[i].kind & 1);
}

/* @taquito/local-forging 24.2.0 transactions (test_decode.c has them): to
 * oneself calling %stake, and to a KT1 calling its own %stake. */
#define TX_HEAD "0301080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da" \
	"6c00020910171e252c333a41484f565d646b72798087d209d2d422e852ac02"
#define TX_STAKE TX_HEAD "c096b1020000020910171e252c333a41484f565d646b72798087ff0600000002030b"
#define TX_KT1_STAKE TX_HEAD "c0843d01050c131a21282f363d444b525960676e757c838a00ff0600000002030b"
#define TX_PLAIN TX_HEAD "c0843d0001030a11181f262d343b424950575e656c737a818800"

/* Signatory counts staking calls by their entrypoint: `transaction` does
 * not allow them, each must be listed. */
static void
test_staking(void **state)
{
	static const char *const names[] = {"stake", "unstake", "finalize_unstake",
	                                    "set_delegate_parameters"};
	static const enum tz_op_kind kinds[] = {TZ_OP_STAKE, TZ_OP_UNSTAKE, TZ_OP_FINALIZE_UNSTAKE,
	                                        TZ_OP_SET_DELEGATE_PARAMETERS};
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX], want[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_allow_op_name(&k, "transaction"), 0);
	for (size_t i = 0; i < 4; i++) {
		r = generic_of(BIT(kinds[i]));
		assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
		snprintf(want, sizeof(want), "operation kind %s not allowed", names[i]);
		assert_string_equal(why, want);
	}
	decode_hex(TX_PLAIN, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	decode_hex(TX_STAKE, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind stake not allowed");
	decode_hex(TX_KT1_STAKE, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);

	/* stake alone: staking yes, transfers no, a contract's %stake no */
	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_allow_op_name(&k, "stake"), 0);
	decode_hex(TX_STAKE, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	decode_hex(TX_PLAIN, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind transaction not allowed");
	decode_hex(TX_KT1_STAKE, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind transaction not allowed");
	r = generic_of(BIT(TZ_OP_UNSTAKE));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);

	/* both: the contract's %stake too */
	assert_int_equal(policy_allow_op_name(&k, "transaction"), 0);
	decode_hex(TX_KT1_STAKE, &r);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(policy_allow_op_name(&k, names[i]), 0);
	r = generic_of(BIT(TZ_OP_UNSTAKE) | BIT(TZ_OP_FINALIZE_UNSTAKE) |
	               BIT(TZ_OP_SET_DELEGATE_PARAMETERS) | BIT(TZ_OP_TRANSACTION));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
}

static void
test_ballot(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_allow_op_name(&k, "ballot:yay"), 0);
	r = generic_of(BIT(TZ_OP_BALLOT_YAY));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = generic_of(BIT(TZ_OP_BALLOT_NAY));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind ballot:nay not allowed");

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_allow_op_name(&k, "ballot"), 0);
	assert_int_equal(k.allow_ops,
	                 BIT(TZ_OP_BALLOT_YAY) | BIT(TZ_OP_BALLOT_NAY) | BIT(TZ_OP_BALLOT_PASS));
	r = generic_of(BIT(TZ_OP_BALLOT_PASS));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);
	r = generic_of(BIT(TZ_OP_PROPOSALS));
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "operation kind proposals not allowed");
}

static void
test_chains(void **state)
{
	struct policy_key k;
	struct sign_intent r;
	char why[POLICY_REASON_MAX];
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	assert_int_equal(policy_allow_chain(&k, NET_01020304), 0);
	assert_int_equal(k.n_networks, 1);
	assert_int_equal(k.network_len[0], 4);
	assert_memory_equal(k.networks[0], "\x01\x02\x03\x04", 4);
	r = req_of(TZ_REQ_BLOCK); /* mainnet */
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "chain " MAINNET " not allowed");

	assert_int_equal(policy_allow_chain(&k, MAINNET), 0);
	assert_int_equal(policy_allow_chain(&k, MAINNET), 0); /* twice is once */
	assert_int_equal(k.n_networks, 2);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);

	/* Requests without a chain id are not subject to the list. */
	r = generic_of(BIT(TZ_OP_TRANSACTION));
	assert_int_equal(policy_allow_op_name(&k, "transaction"), 0);
	assert_int_equal(policy_check(&k, &r, why, sizeof(why)), 0);

	/* Not a chain id: wrong prefix (an address), bad checksum, garbage. */
	assert_int_not_equal(policy_allow_chain(&k, TZ1), 0);
	assert_int_not_equal(policy_allow_chain(&k, "NetXdQprcVkpaWV"), 0);
	assert_int_not_equal(policy_allow_chain(&k, "mainnet"), 0);
	assert_int_not_equal(policy_allow_chain(&k, NULL), 0);
	assert_int_equal(k.n_networks, 2);
}

static void
test_chain_limit(void **state)
{
	struct policy_key k;
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ1), 0);
	/* Fill the list with copies of one id to reach the ceiling. */
	for (size_t i = 0; i < POLICY_MAX_CHAINS; i++) {
		k.networks[i][0] = (uint8_t)i;
		k.networks[i][1] = 0xee;
		k.network_len[i] = 4;
	}
	k.n_networks = POLICY_MAX_CHAINS;
	assert_int_equal(policy_allow_chain(&k, MAINNET), SIGIL_E_TOO_BIG);
}

static void
test_pop_and_auth(void **state)
{
	struct policy_key k;
	char why[POLICY_REASON_MAX];
	uint8_t other[33] = {0};
	(void)state;

	assert_int_equal(policy_key_init_default(&k, &chain_tezos, TZ4), 0);
	assert_int_equal(policy_check_pop(&k, why, sizeof(why)), SIGIL_E_POLICY);
	assert_string_equal(why, "proof of possession not allowed");
	k.allow_proof_of_possession = true;
	assert_int_equal(policy_check_pop(&k, why, sizeof(why)), 0);

	/* No list: anyone the server accepts. */
	assert_true(policy_auth_key_allowed(&k, SIGIL_KEY_SECP256K1, other, sizeof(other)));
	assert_int_equal(policy_add_auth_key(&k, EDPK1), 0);
	assert_int_equal(policy_add_auth_key(&k, EDPK1), 0);
	assert_int_equal(policy_add_auth_key(&k, SPPK), 0);
	assert_int_equal(k.n_auth_keys, 2);
	assert_int_equal(k.auth_keys[0].type, SIGIL_KEY_ED25519);
	assert_int_equal(k.auth_keys[0].pk_len, 32);
	assert_int_equal(k.auth_keys[1].type, SIGIL_KEY_SECP256K1);
	assert_int_equal(k.auth_keys[1].pk_len, 33);
	assert_true(policy_auth_key_allowed(&k, k.auth_keys[1].type, k.auth_keys[1].pk, 33));
	assert_false(policy_auth_key_allowed(&k, SIGIL_KEY_SECP256K1, other, sizeof(other)));
	/* Same bytes, other type: not the same key. */
	assert_false(policy_auth_key_allowed(&k, SIGIL_KEY_P256, k.auth_keys[1].pk, 33));
	assert_int_not_equal(policy_add_auth_key(&k, TZ1), 0);
	assert_int_not_equal(policy_add_auth_key(&k, "edpkfoo"), 0);
	assert_int_equal(k.n_auth_keys, 2);
	(void)EDPK2;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_default), cmocka_unit_test(test_default_set),
		cmocka_unit_test(test_allow_names),  cmocka_unit_test(test_generic_list),
		cmocka_unit_test(test_legacy_names), cmocka_unit_test(test_staking),
		cmocka_unit_test(test_ballot),       cmocka_unit_test(test_chains),
		cmocka_unit_test(test_chain_limit),  cmocka_unit_test(test_pop_and_auth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
